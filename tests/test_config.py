"""Configuration: good files load, broken files name the file, line and key."""

from __future__ import annotations


from pathlib import Path

import pytest

from replui.config import ConfigError, find_config, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample-configs").glob("*.toml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_config_loads(path):
    cfg = load_config(path)
    assert cfg.nodes
    assert cfg.path == str(path)
    assert len({n.name for n in cfg.nodes}) == len(cfg.nodes)


def test_sample_configs_cover_the_seed_topologies():
    names = {p.name for p in SAMPLES}
    assert {"master-master.toml", "source-replica.toml", "paired-hosts-3307.toml"} <= names
    paired = load_config(ROOT / "sample-configs" / "paired-hosts-3307.toml")
    assert [n.port for n in paired.nodes] == [3306, 3307, 3306, 3307]
    assert paired.theme == "high-contrast"


def test_defaults_apply_to_nodes_and_nodes_override():
    cfg = parse_config(
        """
        [defaults]
        user = "mon"
        port = 3307
        poll_interval = 1.5
        read_timeout = 9

        [[nodes]]
        name = "a"
        host = "h1"

        [[nodes]]
        name = "b"
        host = "h2"
        port = 3308
        user = "other"
        """
    )
    a, b = cfg.nodes
    assert (a.user, a.port, a.read_timeout) == ("mon", 3307, 9.0)
    assert (b.user, b.port) == ("other", 3308)
    assert cfg.poll_interval == 1.5


def test_password_sources(monkeypatch):
    monkeypatch.setenv("REPLUI_TEST_PW", "s3cr'et")
    cfg = parse_config(
        """
        [defaults]
        password_env = "REPLUI_TEST_PW"
        [[nodes]]
        name = "env"
        [[nodes]]
        name = "literal"
        password = "Zq9-secret"
        [[nodes]]
        name = "cmd"
        password_command = "printf 'from-cmd\\nsecond'"
        """
    )
    env, lit, cmd = cfg.nodes
    assert env.resolve_password() == "s3cr'et"
    assert lit.resolve_password() == "Zq9-secret"
    assert cmd.resolve_password() == "from-cmd"
    assert "Zq9-secret" not in repr(lit)  # never printed


def test_no_password_means_my_cnf():
    (node,) = parse_config('[[nodes]]\nname = "x"\n').nodes
    assert node.resolve_password() is None


def test_unset_password_env_names_the_variable(monkeypatch):
    monkeypatch.delenv("REPLUI_NOPE", raising=False)
    (node,) = parse_config('[[nodes]]\nname = "x"\npassword_env = "REPLUI_NOPE"\n', "f.toml").nodes
    with pytest.raises(ConfigError, match="REPLUI_NOPE is not set") as exc:
        node.resolve_password()
    assert exc.value.path == "f.toml"


BROKEN = [
    # (text, line, key, message fragment)
    ('[[nodes]]\nname = "a"\nport = "3306"\n', 3, "nodes[0].port", "expected a port number"),
    ('[[nodes]]\nname = "a"\n\n[[nodes]]\nname = "b"\nport = 70000\n', 6, "nodes[1].port", "1-65535"),
    ('[[nodes]]\nname = "a"\nhots = "x"\n', 3, "nodes[0].hots", "unknown key"),
    ('[[nodes]]\nhost = "x"\n', 1, "nodes[0].name", "missing name"),
    ('[[nodes]]\nname = "a"\n[[nodes]]\nname = "a"\n', 4, "nodes[1].name", "duplicate node name"),
    ('[defaults]\npoll_interval = 0\n[[nodes]]\nname = "a"\n', 2, "defaults.poll_interval", "seconds > 0"),
    ('[defaults]\ncolour = "red"\n[[nodes]]\nname = "a"\n', 2, "defaults.colour", "unknown key"),
    ('[[nodes]]\nname = "a"\npassword = "x"\npassword_env = "Y"\n', 4, "nodes[0].password_env", "at most one of"),
    ('[[nodes]]\nname = "a"\nssl = "yes"\n', 3, "nodes[0].ssl", "true or false"),
    ('[[nodes]]\nname = "a"\nport = true\n', 3, "nodes[0].port", "expected a port"),
    ('[defaults]\nuser = "x"\n', None, None, "no [[nodes]]"),
    ('[[nodes]]\nname = "a b"\n', 2, "nodes[0].name", "letters, digits"),
]


@pytest.mark.parametrize("text,line,key,fragment", BROKEN)
def test_broken_config_names_file_line_and_key(text, line, key, fragment):
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "/etc/replui/broken.toml")
    err = exc.value
    assert err.path == "/etc/replui/broken.toml"
    assert err.line == line
    assert err.key == key
    assert fragment in err.message
    assert str(err).startswith("/etc/replui/broken.toml")


def test_toml_syntax_error_has_its_line():
    with pytest.raises(ConfigError) as exc:
        parse_config('[[nodes]]\nname = "a"\nport = = 3\n', "x.toml")
    assert exc.value.line == 3
    assert "invalid TOML" in exc.value.message
    assert str(exc.value).startswith("x.toml:3")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="file not found") as exc:
        load_config(tmp_path / "nope.toml")
    assert exc.value.path.endswith("nope.toml")


def test_lookup_order_explicit_then_cwd_then_xdg(tmp_path):
    cwd, xdg = tmp_path / "cwd", tmp_path / "xdg"
    (xdg / "replui").mkdir(parents=True)
    cwd.mkdir()
    (xdg / "replui" / "config.toml").write_text('[[nodes]]\nname = "from-xdg"\n')
    env = {"XDG_CONFIG_HOME": str(xdg), "HOME": str(tmp_path)}
    assert find_config(None, cwd, env).nodes[0].name == "from-xdg"
    (cwd / "replui.toml").write_text('[[nodes]]\nname = "from-cwd"\n')
    assert find_config(None, cwd, env).nodes[0].name == "from-cwd"
    explicit = tmp_path / "e.toml"
    explicit.write_text('[[nodes]]\nname = "explicit"\n')
    assert find_config(explicit, cwd, env).nodes[0].name == "explicit"


def test_nothing_found_lists_where_it_looked(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "x"), "HOME": str(tmp_path)}
    with pytest.raises(ConfigError) as exc:
        find_config(None, tmp_path, env)
    assert "replui.toml" in str(exc.value) and "--config" in str(exc.value)
