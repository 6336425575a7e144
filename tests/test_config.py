"""Configuration: good files load, broken files name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from replui.config import ConfigError, find_config, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "sample-configs").glob("*.toml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_config_loads(path):
    cfg = load_config(path, check_paths=False)  # their TLS files live on the example hosts
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
    (
        '[[nodes]]\nname = "a"\npassword = "x"\npassword_env = "Y"\n',
        4,
        "nodes[0].password_env",
        "at most one of",
    ),
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


# -- password sources fail with file, line and key ------------------------------------------------
def _one_node(text: str, path: str = "f.toml"):
    (node,) = parse_config(text, path).nodes
    return node


def test_failing_password_command_names_line_and_key():
    node = _one_node(
        '[[nodes]]\nname = "a"\nhost = "h"\npassword_command = "sh -c \'echo nope >&2; exit 3\'"\n'
    )
    with pytest.raises(ConfigError) as exc:
        node.resolve_password()
    assert (exc.value.path, exc.value.line, exc.value.key) == ("f.toml", 4, "nodes[0].password_command")
    assert "exited 3" in exc.value.message and "nope" in exc.value.message
    assert str(exc.value).startswith("f.toml:4: nodes[0].password_command: ")


def test_password_command_printing_nothing_is_an_error():
    node = _one_node('[[nodes]]\nname = "a"\npassword_command = "true"\n')
    with pytest.raises(ConfigError) as exc:
        node.resolve_password()
    assert (exc.value.line, exc.value.key) == (3, "nodes[0].password_command")
    assert "printed nothing" in exc.value.message


def test_a_hanging_password_command_times_out_with_its_own_timeout():
    import time

    node = _one_node(
        '[defaults]\npassword_command_timeout = 0.5\n[[nodes]]\nname = "a"\npassword_command = "sleep 30"\n'
    )
    assert node.password_command_timeout == 0.5
    started = time.monotonic()
    with pytest.raises(ConfigError) as exc:
        node.resolve_password()
    assert time.monotonic() - started < 5
    assert (exc.value.line, exc.value.key) == (5, "nodes[0].password_command")
    assert "did not finish within 0.5 s" in exc.value.message
    assert "password_command_timeout" in exc.value.message


def test_password_command_timeout_default_and_per_node():
    a, b = parse_config('[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\npassword_command_timeout = 2\n').nodes
    assert (a.password_command_timeout, b.password_command_timeout) == (10.0, 2.0)


def test_inherited_password_env_names_the_defaults_line(monkeypatch):
    monkeypatch.delenv("REPLUI_NOPE", raising=False)
    text = '[defaults]\nuser = "u"\npassword_env = "REPLUI_NOPE"\n\n[[nodes]]\nname = "x"\n'
    (node,) = parse_config(text, "f.toml").nodes
    with pytest.raises(ConfigError) as exc:
        node.resolve_password()
    assert (exc.value.line, exc.value.key) == (3, "defaults.password_env")
    assert str(exc.value) == "f.toml:3: defaults.password_env: environment variable REPLUI_NOPE is not set"
    assert node.key_lines["password_env"] == ("defaults.password_env", 3)
    assert node.key_lines["name"] == ("nodes[0].name", 6)


def test_own_password_env_names_the_node_line(monkeypatch):
    monkeypatch.delenv("REPLUI_NOPE", raising=False)
    (node,) = parse_config('[[nodes]]\nname = "x"\n\npassword_env = "REPLUI_NOPE"\n', "f.toml").nodes
    with pytest.raises(ConfigError) as exc:
        node.resolve_password()
    assert (exc.value.line, exc.value.key) == (4, "nodes[0].password_env")


# -- broken shapes and values -------------------------------------------------------------------
BROKEN_MORE = [
    ("nodes = [1, 2]\n", 1, "nodes[0]", "expected a table"),
    ('[[nodes]]\nname = "a"\nconnect_timeout = inf\n', 3, "nodes[0].connect_timeout", "got inf"),
    ('[[nodes]]\nname = "a"\nread_timeout = nan\n', 3, "nodes[0].read_timeout", "got nan"),
    ('[defaults]\nlag_warning = inf\n[[nodes]]\nname = "a"\n', 2, "defaults.lag_warning", "got inf"),
    ('[defaults]\npoll_interval = -inf\n[[nodes]]\nname = "a"\n', 2, "defaults.poll_interval", "got -inf"),
    (
        '[defaults]\npassword_command_timeout = 0\n[[nodes]]\nname = "a"\n',
        2,
        "defaults.password_command_timeout",
        "> 0",
    ),
    (
        '[[nodes]]\nname = "a"\npassword_command_timeout = inf\n',
        3,
        "nodes[0].password_command_timeout",
        "got inf",
    ),
    ('[[nodes]]\nname = "a"\n\n[foo]\nx = 1\n', 4, "foo", "unknown table [foo]"),
    ('lag_critical = 5\n\n[foo.bar]\nx = 1\n[[nodes]]\nname = "a"\n', 3, "foo", "unknown table [foo]"),
    ('colour = "red"\n[[nodes]]\nname = "a"\n', 1, "colour", "unknown key"),
]


@pytest.mark.parametrize("text,line,key,fragment", BROKEN_MORE)
def test_more_broken_configs_name_file_line_and_key(text, line, key, fragment):
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "/etc/replui/broken.toml")
    err = exc.value
    assert (err.path, err.line, err.key) == ("/etc/replui/broken.toml", line, key)
    assert fragment in err.message
    assert str(err).startswith(f"/etc/replui/broken.toml:{line}: {key}: ")


@pytest.mark.parametrize("key", ["ssl_ca", "ssl_cert", "ssl_key", "socket", "defaults_file"])
def test_a_missing_file_is_a_config_error_at_load(tmp_path, key):
    cfg = tmp_path / "r.toml"
    cfg.write_text(f'[[nodes]]\nname = "a"\nhost = "db"\n{key} = "{tmp_path}/missing.pem"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (4, f"nodes[0].{key}")
    assert "no such file" in exc.value.message and f"{tmp_path}/missing.pem" in exc.value.message


def test_a_missing_file_in_defaults_names_the_defaults_line(tmp_path):
    cfg = tmp_path / "r.toml"
    cfg.write_text('[defaults]\nssl_ca = "/nonexistent/ca.pem"\n[[nodes]]\nname = "a"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (2, "defaults.ssl_ca")


def test_file_paths_expand_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "ca.pem").write_text("x")
    (tmp_path / "my.cnf").write_text("[client]\n")
    cfg = tmp_path / "r.toml"
    cfg.write_text('[[nodes]]\nname = "a"\nssl_ca = "~/ca.pem"\ndefaults_file = "~/my.cnf"\n')
    (node,) = load_config(cfg).nodes
    assert node.ssl_ca == str(tmp_path / "ca.pem") and node.defaults_file == str(tmp_path / "my.cnf")


# -- `replui status` / `replui` with a config it cannot use: UNKNOWN (3), never a node outage ---------
def _write(tmp_path, text: str):
    p = tmp_path / "replui.toml"
    p.write_text(text)
    return p


UNUSABLE = {
    "password_env unset": (
        '[defaults]\npassword_env = "REPLUI_TEST_UNSET_PW"\n'
        '[[nodes]]\nname = "a"\nhost = "127.0.0.1"\nport = 1\n',
        ":2: defaults.password_env: environment variable REPLUI_TEST_UNSET_PW is not set",
    ),
    "password_command fails": (
        '[[nodes]]\nname = "a"\nhost = "127.0.0.1"\nport = 1\npassword_command = "false"\n',
        ":5: nodes[0].password_command: password_command exited 1",
    ),
    "password_command prints nothing": (
        '[[nodes]]\nname = "a"\nport = 1\n[[nodes]]\nname = "b"\nport = 2\npassword_command = "true"\n',
        ":7: nodes[1].password_command: password_command printed nothing",
    ),
    "nodes not tables": ("nodes = [1, 2]\n", ":1: nodes[0]: expected a table"),
    "missing ssl_ca": (
        '[[nodes]]\nname = "a"\nport = 1\nssl_ca = "/nonexistent/ca.pem"\n',
        ":4: nodes[0].ssl_ca: no such file",
    ),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_status_with_an_unusable_config_exits_3_with_file_line_and_key(tmp_path, capsys, monkeypatch, case):
    from replui.cli import main

    monkeypatch.delenv("REPLUI_TEST_UNSET_PW", raising=False)
    text, where = UNUSABLE[case]
    path = _write(tmp_path, text)
    assert main(["status", "--config", str(path)]) == 3
    out, err = capsys.readouterr()
    assert err.startswith(f"replui: {path}{where}"), err
    assert out == "" and "Traceback" not in err


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_status_json_with_an_unusable_config_prints_unknown_json(tmp_path, capsys, monkeypatch, case):
    import json

    from replui.cli import main

    monkeypatch.delenv("REPLUI_TEST_UNSET_PW", raising=False)
    text, where = UNUSABLE[case]
    path = _write(tmp_path, text)
    assert main(["status", "--json", "--config", str(path)]) == 3
    out, _ = capsys.readouterr()
    doc = json.loads(out)
    assert doc["status"] == "UNKNOWN" and doc["exit_code"] == 3
    assert doc["error"].startswith(f"{path}{where}")
    assert doc["nodes"] == [] and doc["findings"] == []


def test_status_json_without_any_config_is_unknown_json(tmp_path, capsys, monkeypatch):
    import json

    from replui.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["status", "--json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "UNKNOWN" and "no configuration found" in doc["error"]


def test_the_password_command_runs_once_per_node_for_status(tmp_path, capsys):
    from replui.cli import main

    counter = tmp_path / "count"
    script = tmp_path / "pw.sh"
    script.write_text(f"#!/bin/sh\necho x >> {counter}\necho secret\n")
    script.chmod(0o700)
    path = _write(
        tmp_path,
        '[[nodes]]\nname = "a"\nhost = "127.0.0.1"\nport = 1\nconnect_timeout = 1\n'
        f'password_command = "{script}"\n',
    )
    assert main(["status", "--config", str(path)]) == 2  # resolved up front, then the node is down
    assert counter.read_text().count("x") == 1
    capsys.readouterr()


def test_tui_with_an_unusable_config_exits_3_before_opening(tmp_path, capsys, monkeypatch):
    from replui.cli import main

    monkeypatch.delenv("REPLUI_TEST_UNSET_PW", raising=False)
    text, where = UNUSABLE["password_env unset"]
    path = _write(tmp_path, text)
    assert main(["--config", str(path)]) == 3
    assert capsys.readouterr().err.startswith(f"replui: {path}{where}")
    bad = _write(tmp_path, '[[nodes]]\nname = "a"\nport = "x"\n')
    assert main(["tui", "--config", str(bad)]) == 3
    assert capsys.readouterr().err.startswith(f"replui: {bad}:3: nodes[0].port")
