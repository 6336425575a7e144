"""``reset-replica --node N [--to FILE:POS]``: seed 004, errors 1201 ("Could
not initialize master info structure") and 1236 ("could not find first log
file name in binary log index file"): ``stop slave; reset slave;`` re-point,
``start slave;`` and check ``show slave status\\G``.

Re-pointing at the source's *current* coordinates skips whatever the replica
had not fetched yet; seed 004 says so too ("If data is not properly synced
then dump the database … and restore it"): use ``rebuild-replica`` then.
"""

from __future__ import annotations

from typing import AsyncIterator

from replui.config import Config
from replui.model import BinlogCoordinates
from replui.wizards import checks
from replui.wizards.checks import channel_of
from replui.wizards.common import WizardError, identities, need_node, source_of, status_map, syntax, verify_sql
from replui.wizards.plan import Event, OutputLine, Plan, Step, StepContext, StepFailed
from replui.wizards.repoint import parse_coordinates
from replui.wizards.sql import change_source, reset_replica, show_replica_status, show_source_status, start_replica, stop_replica
from replui.wizards.steps import sql_step, status_step, verify_step

SEED = "seed 004 ('Fail over MySQL and Rails', Fatal Error 1236 / Could not initialize master info structure)"


def read_source_coordinates_step(source: str, sql_text: str, key: str = "coordinates", step_id: str = "read-coordinates") -> Step:
    """Read-only: ``SHOW MASTER STATUS`` on ``source``; stores
    BinlogCoordinates in ``ctx.values[key]``."""
    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        st = await ctx.refresh(source)
        if not st.reachable:
            raise StepFailed(f"{source} is not reachable: {st.error}")
        if st.binlog is None or not st.binlog.file:
            raise StepFailed(f"{source} has no binlog coordinates ({sql_text} is empty): is log_bin on?")
        ctx.values[key] = st.binlog
        yield OutputLine(f"{source}: File {st.binlog.file}, Position {st.binlog.position}", "stdout")

    return Step(step_id, f"Read {source}'s current binlog coordinates",
                f"The replica will start from the source's position now ({SEED}; seed 003 V.3: 'as shown in master status').",
                sql_text, run, source, False, False)


def build_reset_replica_plan(config: Config, statuses, *, node: str | None = None, to: str | None = None,
                             timeout: float = 60.0, **_: object) -> Plan:
    """Plan: ``STOP SLAVE``, ``RESET SLAVE`` (connection settings kept),
    ``CHANGE MASTER TO MASTER_LOG_FILE, MASTER_LOG_POS`` (the source's
    coordinates read when the step runs, or ``to``), ``START SLAVE``, verify.
    WizardError when ``node`` is not a replica of a configured source and no
    ``to`` is given."""
    sts = status_map(statuses)
    st = need_node(config, sts, node, "--node")
    assert node is not None
    ch = channel_of(st)
    if st.reachable and ch is None:
        raise WizardError(f"{node} is not a replica (SHOW SLAVE STATUS is empty): use add-replica to set one up")
    source = source_of(sts, node)
    sx = syntax(sts, node)
    fixed = parse_coordinates(to) if to else None
    if fixed is None and source is None:
        raise WizardError(f"{node}'s source is not a configured node: give --to FILE:POS")
    shown_now = fixed or (sts[source].binlog if source and sts.get(source) and sts[source].binlog else BinlogCoordinates("<file>", 4))
    gtid_off = "no" if sx.mariadb and ch is not None and ch.using_gtid and ch.using_gtid.lower() != "no" else None

    def make(ctx, lit):
        c = fixed or (ctx.values.get("coordinates") if ctx is not None else shown_now)
        if c is None:
            raise StepFailed("no coordinates were read from the source")
        return [change_source(sx, log_file=c.file, log_pos=c.position, use_gtid=gtid_off, literal=lit)]

    steps: list[Step] = [
        status_step("before", f"Show {node}'s replica status", "Record the state and the error before changing anything.", node, show_replica_status(sx).sql),
        sql_step("stop", f"Stop replication on {node}", f"{SEED}: 'stop slave;'.", node, lambda ctx, lit: [stop_replica(sx)]),
        sql_step("reset", f"Reset {node}'s replica state",
                 f"RESET SLAVE forgets the relay logs and the master info that cannot be read (1201) or that name a binlog "
                 f"the source has purged (1236); the connection settings (host, port, user, password) are kept. {SEED}.",
                 node, lambda ctx, lit: [reset_replica(sx)]),
    ]
    if fixed is None:
        assert source is not None
        steps.append(read_source_coordinates_step(source, show_source_status(syntax(sts, source)).sql))
    steps += [
        sql_step("change-master", f"Point {node} at " + (f"{fixed.file}:{fixed.position}" if fixed else f"{source}'s current coordinates"),
                 "Resume from coordinates the source still has. Events the replica never fetched are skipped: if the data "
                 f"then differs, rebuild the replica ({SEED}: 'If data is not properly synced then dump the database').",
                 node, make, note=None if fixed else f"coordinates as seen when the plan was built; re-read from {source} when the step runs"),
        sql_step("start", f"Start replication on {node}", f"{SEED}: 'start slave;'.", node, lambda ctx, lit: [start_replica(sx)]),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    ]
    pre = [checks.is_replica(node)]
    if source:
        pre.append(checks.server_ids_unique([node, source]))
        pre.append(checks.log_bin_on(source))
        coords = (lambda ctx: fixed) if fixed else (lambda ctx: ctx.values.get("coordinates"))
        pre.append(checks.source_has_binlog(source, coords, before="change-master"))
    summary = (f"Reset {node}'s replica state and re-point it at "
               + (f"{fixed.file}:{fixed.position}" if fixed else f"{source}'s current coordinates (now {shown_now.file}:{shown_now.position})") + ".\n"
               + (f"{node} reports {ch.label('last_io_errno')} {ch.last_io_errno}: {ch.last_io_error}\n" if ch is not None and ch.last_io_errno else "")
               + (f"{node} reports {ch.label('last_sql_errno')} {ch.last_sql_errno}: {ch.last_sql_error}\n" if ch is not None and ch.last_sql_errno else "")
               + "Events between the old position and the new one are skipped; rebuild-replica restores identical data.")
    return Plan("reset-replica", f"Reset replica {node}", summary, tuple(steps), tuple(pre), identities(sts, [node]), (), {"node": node, "to": to})
