"""Where the dump and the restore run (replui.wizards.placement), decided
from what each host has, before the bytes flow; the ``transfer`` key; the
preview and the pre-flight check that say it. Pure: the hosts' answers are
given (the SSH tier is tests/test_placement_ssh_lab.py)."""

from __future__ import annotations

import asyncio

import pytest
from test_remote_tool_checks import BareHost

from replui.config import ConfigError, Transfer, parse_config
from replui.mysql.dialect import dialect_at
from replui.wizards import checks
from replui.wizards.context import StepContext
from replui.wizards.placement import PlacementError, Runs, Tool, ToolFacts, decide, intent_lines
from replui.wizards.transfer import _dump_preview

SSH = """\
[defaults]
mysql_via = "ssh"
host = "127.0.0.1"

[[nodes]]
name = "db1"
ssh_host = "db1.internal"
repl_host = "10.0.0.11"

[[nodes]]
name = "db2"
ssh_host = "db2.internal"
{extra}
"""


def config(extra: str = "", text: str = SSH):
    return parse_config(text.format(extra=extra), "replui.toml", check_paths=False)


def nodes(extra: str = ""):
    cfg = config(extra)
    return cfg.node("db1"), cfg.node("db2")


ALL = ToolFacts(
    {
        ("db1", Tool.DUMP): "/usr/bin/mariadb-dump",
        ("db2", Tool.CLIENT): "/usr/bin/mariadb",
        ("db2", Tool.DUMP): "/usr/bin/mariadb-dump",
    },
    {Tool.DUMP: "/usr/bin/mariadb-dump", Tool.CLIENT: "/usr/bin/mariadb"},
)


def without(facts: ToolFacts, *gone: tuple[str | None, Tool]) -> ToolFacts:
    found, here = dict(facts.found), dict(facts.here)
    for node, tool in gone:
        if node is None:
            here[tool] = None
        else:
            found[(node, tool)] = None
    return ToolFacts(found, here)


def test_each_tool_runs_on_its_nodes_host_when_the_host_has_it():
    plc = decide(*nodes(), ALL)
    assert (plc.dump.runs, plc.restore.runs) == (Runs.NODE_HOST, Runs.NODE_HOST)
    assert plc.relayed and not plc.falls_back
    assert plc.lines() == [
        "mariadb-dump runs on db1's host (db1.internal) against db1 at 127.0.0.1:3306",
        "mariadb runs on db2's host (db2.internal) against db2 at 127.0.0.1:3306",
        "the bytes are relayed through the jump host",
    ]


def test_a_host_without_the_dump_tool_hands_it_to_the_jump_host_through_a_forward():
    plc = decide(*nodes(), without(ALL, ("db1", Tool.DUMP)))
    assert plc.dump.runs is Runs.JUMP_HOST and plc.restore.runs is Runs.NODE_HOST
    assert plc.lines()[0] == (
        "mariadb-dump runs on the jump host against db1 through ssh (a forward to 127.0.0.1:3306 on "
        "db1.internal): db1's host (db1.internal) has neither mariadb-dump nor mysqldump"
    )


def test_a_replica_host_without_the_client_hands_it_to_the_jump_host():
    plc = decide(*nodes(), without(ALL, ("db2", Tool.CLIENT)))
    assert plc.restore.runs is Runs.JUMP_HOST
    assert plc.lines()[1].startswith("mariadb runs on the jump host against db2 through ssh")


def test_a_node_reached_directly_is_dumped_from_the_jump_host_without_a_forward():
    cfg = config(text=SSH.replace('mysql_via = "ssh"', 'mysql_via = "direct"'))
    plc = decide(cfg.node("db1"), cfg.node("db2"), without(ALL, ("db1", Tool.DUMP)))
    assert plc.dump.describe().startswith(
        "mariadb-dump runs on the jump host against db1 directly at 127.0.0.1"
    )


def test_refused_only_when_neither_the_host_nor_the_jump_host_has_the_tool():
    with pytest.raises(PlacementError) as err:
        decide(*nodes(), without(ALL, ("db1", Tool.DUMP), (None, Tool.DUMP)))
    assert str(err.value) == (
        "neither db1's host (db1.internal) nor the jump host has mariadb-dump or mysqldump: install the "
        "MariaDB or MySQL client on one of them"
    )


def test_nodes_without_ssh_run_their_tools_on_this_machine():
    cfg = parse_config('[[nodes]]\nname = "a"\n\n[[nodes]]\nname = "b"\n', check_paths=False)
    plc = decide(cfg.node("a"), cfg.node("b"), ToolFacts())
    assert plc.dump.host == plc.restore.host == "this machine"
    assert plc.lines() == [
        "mariadb-dump runs on this machine against a at 127.0.0.1:3306",
        "mariadb runs on this machine against b at 127.0.0.1:3306",
    ]
    assert intent_lines(cfg.node("a"), cfg.node("b"), "mariadb-dump", "mariadb") == []


def test_direct_runs_the_dump_on_the_replicas_host_against_the_sources_replication_address():
    plc = decide(*nodes('transfer = "direct"'), ALL)
    assert plc.transfer is Transfer.DIRECT and not plc.relayed
    assert plc.dump.runs is Runs.REPLICA_HOST
    assert plc.lines() == [
        "mariadb-dump runs on db2's host (db2.internal) against db1 at 10.0.0.11:3306 (its replication "
        "address), piped into mariadb there: the bytes do not pass through the jump host"
    ]


def test_direct_never_falls_back_and_names_the_key_that_asked_for_it():
    with pytest.raises(PlacementError) as err:
        decide(*nodes('transfer = "direct"'), without(ALL, ("db2", Tool.DUMP)))
    assert str(err.value) == (
        'transfer = "direct" (replui.toml:13: nodes[1].transfer): db2\'s host (db2.internal) lacks '
        "mariadb-dump or mysqldump, needed to dump the source there: install the MariaDB or MySQL client, "
        'or set transfer = "jump"'
    )


def test_direct_needs_an_address_the_replica_can_reach_the_source_at():
    text = SSH.replace('repl_host = "10.0.0.11"\n', "")
    cfg = config('transfer = "direct"', text)
    with pytest.raises(PlacementError) as err:
        decide(cfg.node("db1"), cfg.node("db2"), ALL)
    assert "set repl_host (and repl_port) for db1" in str(err.value)


@pytest.mark.parametrize(
    "text, where, message",
    [
        ('[[nodes]]\nname = "a"\ntransfer = "host"\n', "replui.toml:3: nodes[0].transfer", "got 'host'"),
        ('[[nodes]]\nname = "a"\ntransfer = true\n', "replui.toml:3: nodes[0].transfer", "got True"),
        ('[defaults]\n\ntransfer = "relay"\n[[nodes]]\nname = "a"\n', "replui.toml:3: defaults.transfer", ""),
    ],
)
def test_a_bad_transfer_is_reported_with_its_file_line_and_key(text, where, message):
    with pytest.raises(ConfigError) as err:
        parse_config(text, "replui.toml", check_paths=False)
    assert str(err.value).startswith(f'{where}: expected "jump" or "direct", got ')
    assert message in str(err.value)


def test_transfer_defaults_to_jump_and_is_inherited_from_defaults():
    cfg = parse_config('[defaults]\ntransfer = "direct"\n[[nodes]]\nname = "a"\n', check_paths=False)
    assert cfg.node("a").transfer is Transfer.DIRECT
    assert config().node("db2").transfer is Transfer.JUMP


def test_the_preview_says_where_each_tool_runs():
    db1, db2 = nodes()
    text = _dump_preview(db1, db2, dialect_at("mariadb", (10, 11, 6)), ["shop"], False)
    first, _client, *where = text.splitlines()
    assert first.startswith("mariadb-dump --defaults-extra-file=")
    assert where == [
        "-- mariadb-dump runs on db1's host (db1.internal), or on the jump host against db1 through ssh when "
        "that host lacks it",
        "-- mariadb runs on db2's host (db2.internal), or on the jump host against db2 through ssh when that "
        "host lacks it",
        "-- the bytes are relayed through the jump host",
    ]


# -- the pre-flight check ----------------------------------------------------------------------


def run_check(cfg, transports, via_file=False):
    (check,) = checks.remote_tool_checks("db1", "db2", True, via_file=via_file)

    async def go():
        ctx = StepContext(config=cfg, statuses={})
        ctx.transports.update(transports())
        try:
            return await check.evaluate(ctx), dict(ctx.state.placements)
        finally:
            await ctx.aclose()

    return check, asyncio.run(go())


def test_the_check_says_the_jump_host_runs_the_dump_instead_of_refusing():
    from replui.transport.local import LocalTransport

    cfg = config()
    check, (result, placements) = run_check(
        cfg, lambda: {"db1": BareHost("db1.internal"), "db2": LocalTransport()}
    )
    assert result.ok, result.reason
    assert "mariadb-dump runs on the jump host against db1 through ssh" in result.reason
    assert placements[("db1", "db2")].dump.runs is Runs.JUMP_HOST
    assert check.name == "where the dump of db1 and the restore into db2 run, and their tools"


def test_the_check_refuses_when_neither_host_has_the_tool(monkeypatch):
    from replui.transport.local import LocalTransport

    monkeypatch.setenv("PATH", "/nonexistent")  # this machine has no tool either
    _check, (result, placements) = run_check(
        config(), lambda: {"db1": BareHost("db1.internal"), "db2": LocalTransport()}
    )
    assert not result.ok
    assert result.reason.startswith("neither db1's host (db1.internal) nor the jump host has mariadb-dump")
    assert placements == {}


def test_via_file_keeps_the_tools_on_the_nodes_own_hosts():
    from replui.transport.local import LocalTransport

    _check, (result, _) = run_check(
        config(), lambda: {"db1": BareHost("db1.internal"), "db2": LocalTransport()}, via_file=True
    )
    assert not result.ok
    assert "none of mariadb-dump, mysqldump is installed (ssh:db1.internal)" in result.reason
