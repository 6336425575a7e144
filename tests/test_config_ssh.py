"""SSH settings of a node: from the node or [defaults], hops checked at load, errors with line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from replui.config import ConfigError, JumpHop, MysqlVia, SshTarget, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]


def _node(text: str, **kw):
    (node,) = parse_config(text, "f.toml", **kw).nodes
    return node


def _error(text: str, **kw) -> ConfigError:
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "/etc/replui/r.toml", **kw)
    assert exc.value.path == "/etc/replui/r.toml"
    return exc.value


# -- every key, from the node and from [defaults] ----------------------------------------------------
NODE_KEYS = """
[[nodes]]
name = "a"
host = "127.0.0.1"
ssh_host = "db1.internal"
ssh_port = 2222
ssh_user = "admin"
ssh_identity = "~/.ssh/id_ed25519"
ssh_jump = "jump1"
ssh_known_hosts = "~/.ssh/known_hosts.db"
mysql_via = "ssh"
"""


def _defaults_form(text: str) -> str:
    """The same keys in [defaults], the node keeping only its name and host."""
    lines = text.strip().splitlines()
    keep = [ln for ln in lines[1:] if ln.startswith(("name", "host ="))]
    moved = [ln for ln in lines[1:] if ln not in keep]
    return "[defaults]\n" + "\n".join(moved) + "\n\n[[nodes]]\n" + "\n".join(keep) + "\n"


@pytest.mark.parametrize("form", ["node", "defaults"])
def test_every_ssh_key_parses_from_the_node_and_from_defaults(form, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    text = NODE_KEYS if form == "node" else _defaults_form(NODE_KEYS)
    node = _node(text, check_paths=False)
    assert node.ssh_host == "db1.internal"
    assert node.ssh_port == 2222
    assert node.ssh_user == "admin"
    assert node.ssh_identity == str(tmp_path / ".ssh" / "id_ed25519")  # ~ expanded
    assert node.ssh_jump == (JumpHop("jump1", None, None),)
    assert node.ssh_known_hosts == str(tmp_path / ".ssh" / "known_hosts.db")
    assert node.mysql_via is MysqlVia.SSH
    where = "nodes[0]" if form == "node" else "defaults"
    assert node.key_lines["ssh_jump"][0] == f"{where}.ssh_jump"


def test_defaults_form_moves_the_keys():
    text = _defaults_form(NODE_KEYS)
    assert text.startswith("[defaults]\nssh_host") and 'name = "a"\nhost = "127.0.0.1"\n' in text


def test_a_plain_node_has_no_ssh():
    node = _node('[[nodes]]\nname = "a"\nhost = "db1"\nsocket = "/nonexistent.sock"\n', check_paths=False)
    assert (node.ssh_host, node.ssh_port, node.ssh_user, node.ssh_identity) == (None, None, None, None)
    assert (node.ssh_jump, node.ssh_known_hosts, node.mysql_via) == ((), None, MysqlVia.DIRECT)
    assert not node.uses_ssh and node.ssh_target is None


def test_a_node_overrides_the_defaults():
    a, b = parse_config(
        '[defaults]\nssh_user = "admin"\nssh_jump = "bastion"\nmysql_via = "ssh"\n'
        '[[nodes]]\nname = "a"\nhost = "db1"\n'
        '[[nodes]]\nname = "b"\nhost = "db2"\nssh_user = "root"\nssh_jump = []\nmysql_via = "auto"\n'
    ).nodes
    assert (a.ssh_user, a.ssh_jump, a.mysql_via) == ("admin", (JumpHop("bastion"),), MysqlVia.SSH)
    assert (b.ssh_user, b.ssh_jump, b.mysql_via) == ("root", (), MysqlVia.AUTO)


def test_mysql_via_is_a_str_enum():
    assert [v.value for v in MysqlVia] == ["direct", "ssh", "auto"]
    assert MysqlVia("auto") is MysqlVia.AUTO and MysqlVia.SSH == "ssh"


# -- ssh_jump --------------------------------------------------------------------------------------
JUMPS = [
    ('"jump1"', (JumpHop("jump1", None, None),)),
    ('"admin@jump1:2222"', (JumpHop("jump1", 2222, "admin"),)),
    ('"jump1,admin@jump2:2200"', (JumpHop("jump1"), JumpHop("jump2", 2200, "admin"))),
    ('["jump1", "ops@10.0.0.1:22"]', (JumpHop("jump1"), JumpHop("10.0.0.1", 22, "ops"))),
    ('"[::1]:22"', (JumpHop("::1", 22, None),)),
    ('"ops@[fe80::1%eth0]"', (JumpHop("fe80::1%eth0", None, "ops"),)),
    ('"[2001:db8::7]"', (JumpHop("2001:db8::7"),)),
    ('"jump1:22"', (JumpHop("jump1", 22, None),)),  # user-less
    ('"ops@jump1"', (JumpHop("jump1", None, "ops"),)),  # port-less
    ("[]", ()),
]


@pytest.mark.parametrize("value,hops", JUMPS, ids=[j[0] for j in JUMPS])
def test_ssh_jump_forms(value, hops):
    node = _node(f'[[nodes]]\nname = "a"\nhost = "db1"\nssh_jump = {value}\n')
    assert node.ssh_jump == hops


@pytest.mark.parametrize(
    "text",
    ["jump1", "admin@jump1:2222", "[::1]:22", "ops@[2001:db8::7]", "j.example.com", "10.1.2.3:2200"],
)
def test_a_hop_prints_back_as_it_was_written(text):
    (hop,) = _node(f'[[nodes]]\nname = "a"\nssh_jump = "{text}"\n').ssh_jump
    assert str(hop) == text


def test_hops_join_to_a_proxyjump_value():
    node = _node('[[nodes]]\nname = "a"\nssh_jump = ["u@j1:2", "[::1]"]\n')
    assert ",".join(str(h) for h in node.ssh_jump) == "u@j1:2,[::1]"


BAD_HOPS = [
    ('""', "''", "empty hop"),
    ('"jump1,"', "''", "empty hop"),
    ('"a,,b"', "''", "empty hop"),
    ('"jump1:0"', "'jump1:0'", "1-65535"),
    ('"jump1:65536"', "'jump1:65536'", "1-65535"),
    ('"jump1:22x"', "'jump1:22x'", "1-65535"),
    ('"jump1:"', "'jump1:'", "no port"),
    ('"jump 1"', "'jump 1'", "unexpected character ' '"),
    ('"jump1, jump2"', "' jump2'", "unexpected character ' '"),
    ('"jump1/x"', "'jump1/x'", "unexpected character '/'"),
    ('"@jump1"', "'@jump1'", "no user"),
    ('"a@b@jump1"', "'a@b@jump1'", "unexpected character '@'"),
    ('"::1"', "'::1'", "in brackets"),
    ('"[::1"', "'[::1'", "no ']'"),
    ('"[::1]x"', "'[::1]x'", "after ']'"),
    ('"[10.0.0.1]:22"', "'[10.0.0.1]:22'", "only an IPv6"),
    ('"[fe80::zz]"', "'[fe80::zz]'", "no IPv6 address"),
    ('"-oProxyCommand=sh"', "'-oProxyCommand=sh'", "cannot start with '-'"),
    ('"-l@jump1"', "'-l@jump1'", "cannot start with '-'"),
    ('["jump1", 3]', "3", "as a string"),
    ("3", "3", "or a list of them"),
    ("true", "True", "or a list of them"),
]


@pytest.mark.parametrize("value,quoted,fragment", BAD_HOPS, ids=[b[0] for b in BAD_HOPS])
def test_a_bad_hop_names_line_key_and_the_hop(value, quoted, fragment):
    err = _error(f'[[nodes]]\nname = "a"\n\n[[nodes]]\nname = "b"\nhost = "db2"\nssh_jump = {value}\n')
    assert (err.line, err.key) == (7, "nodes[1].ssh_jump")
    assert quoted in err.message and fragment in err.message
    assert str(err).startswith("/etc/replui/r.toml:7: nodes[1].ssh_jump: ")


def test_a_bad_hop_in_defaults_names_the_defaults_line():
    err = _error('[defaults]\nuser = "u"\nssh_jump = "jump1:99999"\n[[nodes]]\nname = "a"\n')
    assert (err.line, err.key) == (3, "defaults.ssh_jump")
    assert "'jump1:99999'" in err.message


@pytest.mark.parametrize(
    "value,shown",
    [
        ('"jump1\\nProxyCommand sh"', "'jump1\\nProxyCommand sh'"),
        ('"jump1\\"; rm -rf /"', "'jump1\"; rm -rf /'"),
        ('"o\'brien@jump1"', '"o\'brien@jump1"'),
        ('"jump1\\u0000"', "'jump1\\x00'"),
        ('"jump1\\t"', "'jump1\\t'"),
        ('"jump1`id`"', "'jump1`id`'"),
        ('"jump1$(id)"', "'jump1$(id)'"),
    ],
)
def test_hostile_hops_are_rejected_cleanly(value, shown):
    err = _error(f'[[nodes]]\nname = "a"\nssh_jump = {value}\n')
    assert (err.line, err.key) == (3, "nodes[0].ssh_jump")
    assert shown in err.message
    assert "\n" not in str(err) and "\x00" not in str(err)  # one line, control characters escaped


# -- other bad values --------------------------------------------------------------------------------
BROKEN = [
    ('mysql_via = "tunnel"', "nodes[0].mysql_via", '"direct", "ssh" or "auto"'),
    ('mysql_via = "SSH"', "nodes[0].mysql_via", '"direct", "ssh" or "auto"'),
    ("mysql_via = 1", "nodes[0].mysql_via", '"direct", "ssh" or "auto"'),
    ("ssh_port = 0", "nodes[0].ssh_port", "1-65535"),
    ("ssh_port = 65536", "nodes[0].ssh_port", "1-65535"),
    ("ssh_port = true", "nodes[0].ssh_port", "expected a port number"),
    ('ssh_port = "22"', "nodes[0].ssh_port", "expected a port number"),
    ("ssh_port = 22.0", "nodes[0].ssh_port", "expected a port number"),
    ("ssh_host = 1", "nodes[0].ssh_host", "expected an SSH host"),
    ('ssh_host = ""', "nodes[0].ssh_host", "no host"),
    ('ssh_host = "db 1"', "nodes[0].ssh_host", "unexpected character ' '"),
    ('ssh_host = "-oProxyCommand=sh"', "nodes[0].ssh_host", "cannot start with '-'"),
    ('ssh_host = "db1\\n"', "nodes[0].ssh_host", "'db1\\n'"),
    ('ssh_host = "[::1]"', "nodes[0].ssh_host", "no IPv6 address"),
    ('ssh_user = ""', "nodes[0].ssh_user", "empty"),
    ('ssh_user = "-oX"', "nodes[0].ssh_user", "cannot start with '-'"),
    ('ssh_user = "a b"', "nodes[0].ssh_user", "unexpected character ' '"),
    ("ssh_user = false", "nodes[0].ssh_user", "expected an SSH user name"),
    ("ssh_identity = 1", "nodes[0].ssh_identity", "a private key file path"),
    ('ssh_identity = ""', "nodes[0].ssh_identity", "a file path"),
    ("ssh_known_hosts = []", "nodes[0].ssh_known_hosts", "a known_hosts file path"),
]


@pytest.mark.parametrize("line,key,fragment", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_bad_ssh_value_names_line_and_key(line, key, fragment):
    err = _error(f'[[nodes]]\nname = "a"\nhost = "db1"\n{line}\n', check_paths=False)
    assert (err.line, err.key) == (4, key)
    assert fragment in err.message


def test_mysql_via_wrong_value_in_defaults_names_the_defaults_line():
    err = _error('[defaults]\nmysql_via = "tunnel"\n[[nodes]]\nname = "a"\n')
    assert (err.line, err.key) == (2, "defaults.mysql_via")
    assert err.message == 'expected "direct", "ssh" or "auto", got \'tunnel\''


def test_a_host_standing_for_ssh_host_is_checked_too():
    err = _error('[[nodes]]\nname = "a"\nhost = "-oProxyCommand=sh"\nmysql_via = "ssh"\n')
    assert (err.line, err.key) == (3, "nodes[0].host")
    assert "ssh_host is unset" in err.message
    # with its own ssh_host, host is only for MySQL and not an SSH argument
    node = _node('[[nodes]]\nname = "a"\nhost = "db-1.x"\nssh_host = "db1"\nmysql_via = "ssh"\n')
    assert node.ssh_target is not None and node.ssh_target.host == "db1"


# -- files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["ssh_identity", "ssh_known_hosts"])
def test_a_missing_ssh_file_is_a_config_error_at_load(tmp_path, key):
    cfg = tmp_path / "r.toml"
    cfg.write_text(f'[[nodes]]\nname = "a"\nhost = "db"\n{key} = "{tmp_path}/missing"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (4, f"nodes[0].{key}")
    assert exc.value.message == f"no such file: {tmp_path}/missing"
    assert load_config(cfg, check_paths=False).nodes[0].uses_ssh is (key == "ssh_identity")


@pytest.mark.parametrize("key", ["ssh_identity", "ssh_known_hosts"])
def test_a_missing_ssh_file_in_defaults_names_the_defaults_line(tmp_path, key):
    cfg = tmp_path / "r.toml"
    cfg.write_text(f'[defaults]\n{key} = "/nonexistent/x"\n[[nodes]]\nname = "a"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (2, f"defaults.{key}")


def test_ssh_files_expand_the_home_directory_and_must_be_files(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "id").write_text("key")
    (tmp_path / "kh").write_text("")
    cfg = tmp_path / "r.toml"
    cfg.write_text('[[nodes]]\nname = "a"\nssh_identity = "~/id"\nssh_known_hosts = "~/kh"\n')
    (node,) = load_config(cfg).nodes
    assert (node.ssh_identity, node.ssh_known_hosts) == (str(tmp_path / "id"), str(tmp_path / "kh"))
    cfg.write_text('[[nodes]]\nname = "a"\nssh_identity = "~"\n')
    with pytest.raises(ConfigError, match="not a file") as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (3, "nodes[0].ssh_identity")


@pytest.mark.parametrize("via", ["ssh", "auto"])
def test_the_socket_is_on_the_database_host_with_mysql_via_ssh(tmp_path, via):
    cfg = tmp_path / "r.toml"
    cfg.write_text(
        f'[[nodes]]\nname = "a"\nhost = "db2"\nsocket = "~/mysql2/mysql.sock"\nmysql_via = "{via}"\n'
    )
    (node,) = load_config(cfg).nodes  # not checked here ...
    assert node.socket == "~/mysql2/mysql.sock"  # ... nor expanded: ~ is the remote user's


def test_other_paths_stay_checked_with_mysql_via_ssh(tmp_path):
    cfg = tmp_path / "r.toml"
    cfg.write_text('[[nodes]]\nname = "a"\nmysql_via = "ssh"\nsocket = "/no/s.sock"\nssl_ca = "/no/ca.pem"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (5, "nodes[0].ssl_ca")


def test_the_socket_is_checked_with_mysql_via_direct(tmp_path):
    cfg = tmp_path / "r.toml"
    cfg.write_text('[[nodes]]\nname = "a"\nssh_host = "db2"\nsocket = "/no/s.sock"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert (exc.value.line, exc.value.key) == (4, "nodes[0].socket")


# -- uses_ssh, ssh_target, key ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line,uses",
    [
        ('mysql_via = "ssh"', True),
        ('mysql_via = "auto"', True),
        ('mysql_via = "direct"', False),
        ('ssh_host = "db1"', True),
        ("ssh_port = 22", True),
        ('ssh_user = "u"', True),
        ('ssh_identity = "/id"', True),
        ('ssh_jump = "j"', True),
        ("ssh_jump = []", False),
        ('ssh_known_hosts = "/kh"', False),
    ],
)
def test_uses_ssh(line, uses):
    node = _node(f'[[nodes]]\nname = "a"\nhost = "db1"\n{line}\n', check_paths=False)
    assert node.uses_ssh is uses
    assert (node.ssh_target is not None) is uses


def test_uses_ssh_from_defaults():
    node = _node('[defaults]\nssh_user = "u"\n[[nodes]]\nname = "a"\nhost = "db1"\n')
    assert node.uses_ssh and node.ssh_target == SshTarget("db1", None, "u", None, (), None)


def test_ssh_target_holds_every_ssh_value():
    node = _node(NODE_KEYS, check_paths=False)
    target = node.ssh_target
    assert target == SshTarget(
        host="db1.internal",
        port=2222,
        user="admin",
        identity=node.ssh_identity,
        jump=(JumpHop("jump1"),),
        known_hosts=node.ssh_known_hosts,
    )
    assert target.key == (
        "db1.internal",
        2222,
        "admin",
        node.ssh_identity,
        (JumpHop("jump1"),),
        node.ssh_known_hosts,
    )


def test_two_nodes_on_one_host_share_a_connection_key():
    a, b, c, d = parse_config(
        '[defaults]\nmysql_via = "ssh"\nssh_user = "admin"\nssh_jump = "bastion"\n'
        '[[nodes]]\nname = "a"\nhost = "hosta"\nport = 3306\n'
        '[[nodes]]\nname = "b"\nhost = "hosta"\nport = 3307\nsocket = "/var/lib/mysql2/mysql.sock"\n'
        '[[nodes]]\nname = "c"\nhost = "127.0.0.1"\nssh_host = "hosta"\n'
        '[[nodes]]\nname = "d"\nhost = "hosta"\nssh_user = "root"\n'
    ).nodes
    assert a.ssh_target is not None and b.ssh_target is not None and c.ssh_target is not None
    assert a.ssh_target.key == b.ssh_target.key == c.ssh_target.key
    assert len({a.ssh_target.key, b.ssh_target.key, c.ssh_target.key}) == 1  # hashable
    assert d.ssh_target is not None and d.ssh_target.key != a.ssh_target.key


@pytest.mark.parametrize(
    "target,label",
    [
        (SshTarget("db1"), "db1"),
        (SshTarget("db1", 2222, "root"), "root@db1:2222"),
        (SshTarget("db1", None, "root"), "root@db1"),
        (SshTarget("db1", 22), "db1:22"),
        (SshTarget("db1", jump=(JumpHop("jump1"),)), "db1 via jump1"),
        (SshTarget("db1", jump=(JumpHop("j1", 2, "u"), JumpHop("::1"))), "db1 via u@j1:2,[::1]"),
        (SshTarget("::1", 22, "u"), "u@[::1]:22"),
    ],
)
def test_ssh_target_label(target, label):
    assert target.label == label


# -- reach_label ----------------------------------------------------------------------------------
REACH = [
    ('host = "127.0.0.1"', "direct 127.0.0.1:3306"),
    ('host = "db1"\nport = 3307', "direct db1:3307"),
    ('host = "::1"', "direct [::1]:3306"),
    ('socket = "/run/mysqld/mysqld.sock"', "direct socket /run/mysqld/mysqld.sock"),
    ('host = "db1"\nssh_user = "admin"', "direct db1:3306"),  # commands over SSH, MySQL direct
    ('host = "127.0.0.1"\nssh_host = "db1"\nmysql_via = "ssh"', "via ssh db1 → 127.0.0.1:3306"),
    ('host = "db1"\nmysql_via = "ssh"', "via ssh db1 → db1:3306"),
    (
        'ssh_host = "db1"\nsocket = "/var/lib/mysql2/mysql.sock"\nmysql_via = "ssh"',
        "via ssh db1 → socket /var/lib/mysql2/mysql.sock",
    ),
    (
        'host = "127.0.0.1"\nssh_host = "db1"\nssh_jump = "u@jump1:2222"\nmysql_via = "ssh"',
        "via ssh db1 → 127.0.0.1:3306 (through jump1)",
    ),
    (
        'host = "127.0.0.1"\nssh_host = "db1"\nssh_jump = ["jump1", "jump2"]\nmysql_via = "ssh"',
        "via ssh db1 → 127.0.0.1:3306 (through jump1, jump2)",
    ),
    ('host = "127.0.0.1"\nssh_host = "db1"\nmysql_via = "auto"', "direct or via ssh db1 → 127.0.0.1:3306"),
    (
        'ssh_host = "db2"\nsocket = "/var/lib/mysql2/mysql.sock"\nmysql_via = "auto"',
        "direct or via ssh db2 → socket /var/lib/mysql2/mysql.sock",
    ),
]


@pytest.mark.parametrize("lines,label", REACH, ids=[r[1] for r in REACH])
def test_reach_label(lines, label):
    node = _node(f'[[nodes]]\nname = "a"\n{lines}\n', check_paths=False)
    assert node.reach_label == label


# -- the sample ----------------------------------------------------------------------------------
def test_the_bastion_sample_reaches_both_hosts_through_the_bastion():
    cfg = load_config(ROOT / "sample-configs" / "bastion.toml", check_paths=False)
    assert len(cfg.nodes) == 2
    db1, db2 = cfg.nodes
    assert all(n.mysql_via is MysqlVia.SSH and n.uses_ssh for n in cfg.nodes)
    assert all(n.ssh_jump and n.password_env and n.ssh_user and n.ssh_identity for n in cfg.nodes)
    assert db1.socket is None and db1.host == "127.0.0.1"
    assert db2.socket and db2.port == 3307
    assert db1.ssh_target is not None and db2.ssh_target is not None
    assert db1.ssh_target.host != db2.ssh_target.host
    assert db1.reach_label.startswith("via ssh ") and "(through " in db1.reach_label
    assert " → socket " in db2.reach_label


def test_repl_host_and_port_give_the_address_replicas_use():
    from replui.config import parse_config

    text = (
        '[defaults]\nmysql_via = "ssh"\n\n[[nodes]]\nname = "db1"\nhost = "127.0.0.1"\n'
        'ssh_host = "db1.internal"\n'
        'repl_host = "10.0.0.11"\nrepl_port = 3307\n\n[[nodes]]\nname = "db2"\nhost = "127.0.0.1"\n'
        'ssh_host = "db2.internal"\n'
    )
    db1, db2 = parse_config(text, "x.toml", check_paths=False).nodes
    assert db1.source_address == ("10.0.0.11", 3307) and db1.source_address_problem() is None
    assert db2.source_address == ("127.0.0.1", 3306)
    problem = db2.source_address_problem()
    assert problem is not None and "set repl_host (and repl_port) for db2 in x.toml" in problem


def test_a_bad_repl_port_names_its_line_and_key():
    import pytest

    from replui.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"x.toml:4: nodes\[0\].repl_port: expected a port number"):
        parse_config('[[nodes]]\nname = "db1"\nhost = "h"\nrepl_port = 0\n', "x.toml", check_paths=False)
