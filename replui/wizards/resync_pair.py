"""``resync-pair --authoritative A --other B``: "Fixing MySQL Multi-Master
Replication" (Max Manders, 2010): stop replication on both, rebuild B from A, point
each at the other's coordinates crosswise, start both, and test with a
write on each side that must appear on the other.
"""

from __future__ import annotations

import time
from typing import AsyncIterator, Iterable

from replui.config import Config
from replui.sources import MULTI_MASTER
from replui.wizards import checks
from replui.wizards.common import (
    Statuses,
    WizardError,
    dialect_of,
    identities,
    need_node,
    source_of,
    status_map,
    verify_sql,
)
from replui.wizards.context import StepContext
from replui.wizards.heartbeat import CREATE, _epoch
from replui.wizards.mark import clear_mark_step
from replui.wizards.plan import VERIFY_TIMEOUT, Event, OutputLine, Plan, Step, StepFailed
from replui.wizards.rebuild_replica import data_step_id, parse_databases, transfer_plan_steps
from replui.wizards.reset_replica import read_source_coordinates_step
from replui.wizards.sql import show_source_status, start_replica, stop_replica
from replui.wizards.steps import sql_step, stop_step, verify_step
from replui.wizards.transfer import point_step, scope_step
from replui.wizards.verify_data import verify_data_step

SEED = MULTI_MASTER
WRITE = "REPLACE INTO replui.heartbeat (server_id, ts) VALUES (@@server_id, NOW(6))"


def test_write_step(a: str, b: str, timeout: float = VERIFY_TIMEOUT) -> Step:
    """A write on each side must appear on the other (Max Manders: 'make an
    update on each server, and it should appear on the other server!').
    Creates ``replui.heartbeat`` on ``a`` if missing (it replicates to ``b``)
    and writes one row per server in it; every statement is in the plan."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        for st in CREATE:
            await ctx.execute(a, st.sql)
        for writer, reader in ((a, b), (b, a)):
            sid = int(await ctx.scalar(writer, "SELECT @@server_id"))
            await ctx.execute(writer, WRITE)
            ts = await ctx.scalar(writer, "SELECT ts FROM replui.heartbeat WHERE server_id = @@server_id")
            yield OutputLine(f"{writer}: wrote ts {ts}", "stdout")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    got = await ctx.scalar(
                        reader, "SELECT ts FROM replui.heartbeat WHERE server_id = %s", (sid,)
                    )
                except Exception:  # noqa: BLE001 - the table may not have arrived yet
                    got = None
                if got is not None and _epoch(got) >= _epoch(ts):
                    yield OutputLine(f"{reader}: sees {writer}'s write (ts {got})", "stdout")
                    break
                if time.monotonic() > deadline:
                    raise StepFailed(
                        f"{writer}'s test write did not appear on {reader} within {timeout:.0f} s"
                    )
                await ctx.sleep(0.1)

    preview = "\n".join(
        [f"{st.shown};  -- on {a}" for st in CREATE]
        + [
            f"{WRITE};  -- on {a}, then read on {b}:",
            "SELECT ts FROM replui.heartbeat WHERE server_id = <server_id of " + a + ">;",
            f"{WRITE};  -- on {b}, then read on {a}:",
            "SELECT ts FROM replui.heartbeat WHERE server_id = <server_id of " + b + ">;",
        ]
    )
    return Step(
        id="test-write",
        title=f"Test: a write on {a} appears on {b}, and one on {b} on {a}",
        why=f"From {SEED}: 'To test everything is working make an update on each server, and "
        "it should appear on "
        f"the other server!' Creates the database replui and its table heartbeat on {a} if missing (they "
        f"replicate to {b}), then writes one row per server.",
        preview=preview,
        run=run,
        target=None,
        destructive=False,
        replaces_data=False,
        writes=True,
    )


def build_resync_pair_plan(
    config: Config,
    statuses: Statuses,
    *,
    authoritative: str | None = None,
    other: str | None = None,
    databases: str | Iterable[str] | None = None,
    via_file: bool = False,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: stop both, rebuild B from A, CHANGE MASTER on B (A's dump
    coordinates) and on A (B's coordinates after the restore), start both,
    verify both, test write both ways. WizardError unless A and B replicate
    from each other."""
    sts = status_map(statuses)
    need_node(config, sts, authoritative, "--authoritative")
    need_node(config, sts, other, "--other")
    a, b = authoritative, other
    assert a is not None and b is not None
    if a == b:
        raise WizardError(f"--authoritative and --other are both {a}")
    if sts[a].reachable and sts[b].reachable and not (source_of(sts, a) == b and source_of(sts, b) == a):
        raise WizardError(
            f"{a} and {b} are not a master⇄master pair ({a} replicates from "
            f"{source_of(sts, a) or 'nothing'}, {b} from {source_of(sts, b) or 'nothing'})"
        )
    sa, sb = dialect_of(sts, a), dialect_of(sts, b)
    dbs = parse_databases(databases)
    data_step = data_step_id(via_file)
    steps: list[Step] = [
        scope_step(a, dbs),
        stop_step(
            "stop-other",
            f"Stop replication on {b}",
            f"From {SEED}: 'First we need to make sure replication is stopped on both servers'.",
            b,
            stop_replica(sb),
            start_replica(sb),
        ),
        stop_step(
            "stop-authoritative",
            f"Stop replication on {a}",
            f"Both servers stop, as in {SEED}. Stopping the threads does not change {a}'s data.",
            a,
            stop_replica(sa),
            start_replica(sa),
        ),
        *transfer_plan_steps(config, sts, a, b, dbs, via_file, False, wizard="resync-pair"),
        point_step(b, a, sb),
        read_source_coordinates_step(
            b, show_source_status(sb).sql, key="peer_coordinates", step_id="read-other-coordinates"
        ),
        point_step(
            a,
            b,
            sa,
            key="peer_coordinates",
            step_id="change-master-authoritative",
            title=f"Point {a} at {b}'s current coordinates (crosswise)",
            why=f"As in {SEED}: compare each side's SHOW MASTER STATUS with the other's SHOW SLAVE STATUS "
            f"crosswise and CHANGE MASTER where they differ. {b}'s restore was not binlogged, so {a} "
            f"continues from {b}'s position now.",
        ),
        sql_step(
            "start-other",
            f"Start replication on {b}",
            f"'START SLAVE;' on each server, as in {SEED}.",
            b,
            lambda ctx, lit: [start_replica(sb)],
        ),
        sql_step(
            "start-authoritative",
            f"Start replication on {a}",
            f"'START SLAVE;' on each server, as in {SEED}: now on {a}.",
            a,
            lambda ctx, lit: [start_replica(sa)],
        ),
        verify_step(b, a, timeout=timeout, id="verify-other", **verify_sql(sts, b, a)),
        verify_step(a, b, timeout=timeout, id="verify-authoritative", **verify_sql(sts, a, b)),
        verify_data_step(b, a, sb, sa, timeout=timeout),
        clear_mark_step(b),
        test_write_step(a, b),
    ]
    coords = lambda ctx: ctx.state.coordinates  # noqa: E731
    bcoords = lambda ctx: ctx.state.peer_coordinates  # noqa: E731
    pre = (
        checks.reachable(a, b),
        checks.target_is_not(b, a, "authoritative node"),
        checks.replicates_from(b, a),
        checks.replicates_from(a, b),
        checks.server_ids_unique([a, b]),
        checks.log_bin_on(a),
        checks.log_bin_on(b),
        *checks.dump_source_checks(a, sts.get(a)),
        *checks.remote_tool_checks(a, b, checks.tools_checked_ahead(config, a, b), via_file=via_file),
        *checks.file_space_checks(a, b, via_file),
        checks.coordinates_present(coords, "the dump", before="change-master", needs=(data_step,)),
        checks.source_has_binlog(a, coords, before="change-master", needs=(data_step,)),
        checks.source_has_binlog(
            b, bcoords, before="change-master-authoritative", needs=("read-other-coordinates",)
        ),
    )
    summary = (
        f"Make {b} identical to {a} (authoritative) and restart replication both ways.\n"
        f"{a}'s data is only read; {b}'s in-scope databases are replaced (without writing {b}'s binlog, so "
        f"nothing flows back to {a}).\n"
        f"Then crosswise: {b} reads {a}'s binlog from the dump's coordinates, {a} reads {b}'s binlog from "
        "its position after the restore.\n"
        f"The copy is verified table by table; until then {b} is marked as being rebuilt. The procedure "
        f"follows {SEED}."
    )
    return Plan(
        "resync-pair",
        f"Resync {b} from {a}",
        summary,
        tuple(steps),
        pre,
        identities(sts, [a, b]),
        (),
        {"authoritative": a, "other": b, "databases": dbs, "via_file": via_file},
    )
