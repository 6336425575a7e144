"""Before anything changes, a wizard over SSH checks that the dump tool, the
client and the wire's tools exist on the hosts that will run them (where a
streamed copy runs them: tests/test_placement.py). Here a
local transport stands in for a host whose PATH lacks them (the same ``sh``
and ``command -v`` the real check runs over SSH; the SSH side itself is
tested against real sshd's in test_ssh_remote_lab.py)."""

from __future__ import annotations

import asyncio

from replui.config import parse_config
from replui.transport.local import LocalTransport
from replui.wizards import checks
from replui.wizards.context import StepContext


class BareHost(LocalTransport):
    """A host with nothing on its PATH but the shell's builtins."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = f"ssh:{name}"

    async def spawn(self, argv, *, stdin=False, env=None, cwd=None):
        argv = ["/bin/sh", *argv[1:]] if argv and argv[0] == "sh" else argv
        return await super().spawn(argv, stdin=stdin, env={"PATH": "/nonexistent"}, cwd=cwd)


CONFIG = parse_config(
    '[[nodes]]\nname = "db1"\nssh_host = "db1.internal"\n\n'
    '[[nodes]]\nname = "db2"\nssh_host = "db2.internal"\n',
    check_paths=False,
)


def test_no_check_is_added_when_both_nodes_run_their_commands_here():
    local = parse_config('[[nodes]]\nname = "a"\n\n[[nodes]]\nname = "b"\n', check_paths=False)
    assert checks.remote_tool_checks("a", "b", checks.tools_checked_ahead(local, "a", "b")) == []


def test_direct_transfer_on_a_node_without_ssh_is_checked_before_anything_runs():
    """transfer = "direct" on a replica without SSH: its host is this machine, which must have both
    tools and reach the source's replication address, checked before the first change."""
    local = parse_config(
        '[[nodes]]\nname = "a"\nhost = "10.0.0.1"\n\n[[nodes]]\nname = "b"\ntransfer = "direct"\n',
        check_paths=False,
    )
    assert checks.tools_checked_ahead(local, "a", "b")
    assert not checks.tools_checked_ahead(local, "b", "a")  # a relays: nothing to ask
    (check,) = checks.remote_tool_checks("a", "b", checks.tools_checked_ahead(local, "a", "b"))

    async def go():
        ctx = StepContext(config=local, statuses={})
        ctx.transports["b"] = BareHost("b")
        try:
            return await check.evaluate(ctx)
        finally:
            await ctx.aclose()

    result = asyncio.run(go())
    assert not result.ok and 'transfer = "direct"' in result.reason and "lacks" in result.reason


def test_a_dump_tool_missing_on_the_source_host_is_refused_before_anything_runs():
    # the runbooks' file way runs the dump on the source's host; the stream hands it to the jump host
    # instead (tests/test_placement.py)
    (check,) = checks.remote_tool_checks(
        "db1", "db2", checks.tools_checked_ahead(CONFIG, "db1", "db2"), via_file=True
    )

    async def go():
        ctx = StepContext(config=CONFIG, statuses={})
        ctx.transports["db1"] = BareHost("db1.internal")
        ctx.transports["db2"] = LocalTransport()
        try:
            return await check.evaluate(ctx)
        finally:
            await ctx.aclose()

    result = asyncio.run(go())
    assert not result.ok
    assert "none of mariadb-dump, mysqldump is installed (ssh:db1.internal)" in result.reason


class CountingHost(LocalTransport):
    """This machine standing in for an SSH host (named like one), counting the commands it runs."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = f"ssh:{name}"
        self.commands = 0

    async def spawn(self, argv, *, stdin=False, env=None, cwd=None):
        self.commands += 1
        return await super().spawn(argv, stdin=stdin, env=env, cwd=cwd)


def test_the_pre_flight_asks_each_host_once():
    """Where each tool runs and which wire tools each end has: one command per host, not one per question."""
    (check,) = checks.remote_tool_checks("db1", "db2", checks.tools_checked_ahead(CONFIG, "db1", "db2"))
    hosts = {"db1": CountingHost("db1.internal"), "db2": CountingHost("db2.internal")}

    async def go():
        ctx = StepContext(config=CONFIG, statuses={})
        ctx.transports.update(hosts)
        try:
            return await check.evaluate(ctx)
        finally:
            await ctx.aclose()

    result = asyncio.run(go())
    assert result.ok, result.reason
    assert {n: h.commands for n, h in hosts.items()} == {"db1": 1, "db2": 1}
