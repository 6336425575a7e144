"""``reset-replica --node N [--to FILE:POS]``: 'Fail over MySQL and Rails'
(the Secondhand application's notes), errors 1201 ("Could
not initialize master info structure") and 1236 ("could not find first log
file name in binary log index file"): ``stop slave; reset slave;`` re-point,
``start slave;`` and check ``show slave status\\G``.

Re-pointing at the source's *current* coordinates skips whatever the replica
had not fetched yet; those notes say so too ("If data is not properly synced
then dump the database … and restore it"): use ``rebuild-replica`` then.

A node whose replica status is empty because its master.info cannot be read
(1201) is reset with ``RESET SLAVE ALL`` and pointed again from the position
it had executed, given ``--source``: :mod:`replui.wizards.reset_metadata`.
"""

from __future__ import annotations

from typing import AsyncIterator

from replui.config import Config
from replui.model import BinlogCoordinates, Channel, NodeStatus
from replui.sources import CAUCUS, RAILS_FAILOVER
from replui.wizards import checks
from replui.wizards.checks import channel_of
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
from replui.wizards.context import CoordinatesKey, StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Event, OutputLine, Plan, Step, StepFailed
from replui.wizards.repoint import parse_coordinates
from replui.wizards.sql import (
    Literal,
    Statement,
    change_source,
    reset_replica,
    show_replica_status,
    start_replica,
    stop_replica,
)
from replui.wizards.steps import sql_step, start_step, status_step, stop_step, verify_step

SEED = RAILS_FAILOVER


def read_source_coordinates_step(
    source: str, sql_text: str, key: CoordinatesKey = "coordinates", step_id: str = "read-coordinates"
) -> Step:
    """Read-only: ``SHOW MASTER STATUS`` on ``source``; stores
    BinlogCoordinates in ``ctx.state`` (``key``: coordinates or peer_coordinates)."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        st = await ctx.refresh(source)
        if not st.reachable:
            raise StepFailed(f"{source} is not reachable: {st.error}")
        if st.binlog is None or not st.binlog.file:
            raise StepFailed(f"{source} has no binlog coordinates ({sql_text} is empty): is log_bin on?")
        ctx.state.set_coords(key, st.binlog)
        yield OutputLine(f"{source}: File {st.binlog.file}, Position {st.binlog.position}", "stdout")

    return Step(
        id=step_id,
        title=f"Read {source}'s current binlog coordinates",
        why="The replica will start from the source's position now, 'as shown in master "
        f"status' in {CAUCUS}, "
        "section V.",
        preview=sql_text,
        run=run,
        target=source,
        destructive=False,
        replaces_data=False,
    )


def _seq(name: str) -> tuple[str, int, int] | None:
    base, _, num = (name or "").rpartition(".")
    return (base, int(num), len(num)) if base and num.isdigit() else None


def choose_coordinates(
    ch: Channel | None, src: NodeStatus | None, source: str
) -> tuple[BinlogCoordinates | None, str]:
    """Where a reset replica resumes, and what is lost for good (``""``: nothing).

    - The replica's executed position (``Relay_Master_Log_File`` /
      ``Exec_Master_Log_Pos``) when the source still has that file: nothing
      is skipped (RESET SLAVE drops the relay logs; the IO thread fetches
      those events again).
    - When the source purged that file: its **oldest** binlog, position 4, so
      every event the source still has is applied; the events of the purged
      files are lost, and the text names them.
    - When the executed position is unknown: the source's current position,
      and everything in between may be skipped.
    Returns (None, reason) when the source's binlogs are unknown."""
    if src is None or not src.reachable or not src.binlog_files:
        return None, f"{source}'s binary logs are unknown (SHOW BINARY LOGS)"
    names = [f.name for f in src.binlog_files]
    f, p = (ch.relay_source_log_file, ch.exec_source_log_pos) if ch is not None else (None, None)
    if f and p is not None and f in names:
        return BinlogCoordinates(f, p), ""
    want, oldest = _seq(f or ""), _seq(names[0])
    if f and p is not None and want and oldest and want[0] == oldest[0] and want[1] < oldest[1]:
        lost = [f"{f} from position {p}"] + [
            f"{want[0]}.{n:0{want[2]}d}" for n in range(want[1] + 1, oldest[1])
        ]
        return BinlogCoordinates(names[0], 4), (
            f"{source} purged the binlog events {', '.join(lost)}, which the replica "
            "never applied: they are lost for good, so the data may differ"
        )
    cur = src.binlog
    if cur is None or not cur.file:
        return None, f"{source} shows no current binlog position"
    return BinlogCoordinates(cur.file, cur.position), (
        f"the replica's executed position is unknown, so it resumes from {source}'s "
        f"current position {cur.file}:{cur.position}: events in between are skipped, "
        "so the data may differ"
    )


def build_reset_replica_plan(
    config: Config,
    statuses: Statuses,
    *,
    node: str | None = None,
    source: str | None = None,
    to: str | None = None,
    repl_user: str | None = None,
    repl_password_env: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: show status, choose the coordinates (read-only, checked before
    anything changes: see :func:`choose_coordinates`, or ``to``), ``STOP
    SLAVE``, ``RESET SLAVE`` (connection settings kept), ``CHANGE MASTER TO
    MASTER_LOG_FILE, MASTER_LOG_POS``, ``START SLAVE``, verify replication.
    When events were lost the run ends "not verified" and advises a rebuild.

    A reachable ``node`` without replica status (its master.info cannot be
    read: 1201) gets :func:`replui.wizards.reset_metadata.build_reset_metadata_plan`
    instead, which needs ``source`` and takes ``repl_user``/``repl_password_env``.
    WizardError when ``node`` is not a replica of a configured source and no
    ``to`` is given, or ``source`` is not the node it replicates from."""
    sts = status_map(statuses)
    st = need_node(config, sts, node, "--node")
    assert node is not None
    fixed = parse_coordinates(to) if to else None
    if st.reachable and channel_of(st) is None:
        from replui.wizards.reset_metadata import build_reset_metadata_plan

        return build_reset_metadata_plan(
            config,
            sts,
            node=node,
            source=source,
            fixed=fixed,
            repl_user=repl_user,
            repl_password_env=repl_password_env,
            timeout=timeout,
        )
    ch = channel_of(st)
    if repl_user or repl_password_env:
        raise WizardError(
            f"--repl-user/--repl-password-env are for a node whose master.info cannot be read; {node} shows "
            "its replica status and keeps its connection settings (RESET SLAVE, not ALL)"
        )
    given, source = source, source_of(sts, node)
    if given and st.reachable and given != source:
        where = f"{ch.source_host}:{ch.source_port}" if ch is not None else "another source"
        raise WizardError(f"--source {given}: {node} replicates from {source or where}, not from {given}")
    source = source or given
    dl = dialect_of(sts, node)
    if fixed is None and source is None:
        raise WizardError(f"{node}'s source is not a configured node: give --to FILE:POS")
    planned, lost = (
        (fixed, "") if fixed else choose_coordinates(ch, sts.get(source) if source else None, source or "")
    )
    shown_now = planned or BinlogCoordinates("<file>", 4)
    gtid_off = (
        "no" if dl.is_mariadb and ch is not None and ch.using_gtid and ch.using_gtid.lower() != "no" else None
    )
    rebuild = (
        f"replui wizard rebuild-replica --source {source} --replica {node}" if source else "rebuild-replica"
    )

    async def choose(ctx: StepContext) -> AsyncIterator[Event]:
        if fixed is not None:
            ctx.state.coordinates = fixed
            yield OutputLine(f"the operator chose {fixed.file}:{fixed.position}", "stdout")
            return
        assert source is not None
        rep = await ctx.refresh(node)
        src = await ctx.refresh(source)
        c, why = choose_coordinates(channel_of(rep), src, source)
        if c is None:
            raise StepFailed(why)
        ctx.state.coordinates = c
        yield OutputLine(f"{node} resumes at {source}'s {c.file}:{c.position}", "stdout")
        if why:
            ctx.state.data_may_differ = f"{why}; rebuild it to be sure: {rebuild}"
            yield OutputLine(f"WARNING: {why}", "stderr")

    def make(ctx: StepContext | None, lit: Literal) -> list[Statement]:
        c = ctx.state.coordinates if ctx is not None else shown_now
        if c is None:
            raise StepFailed("no coordinates were chosen")
        return [change_source(dl, log_file=c.file, log_pos=c.position, use_gtid=gtid_off, literal=lit)]

    steps: list[Step] = [
        status_step(
            "before",
            f"Show {node}'s replica status",
            "Record the state and the error before changing anything.",
            node,
            show_replica_status(dl).sql,
        ),
        Step(
            id="choose-coordinates",
            title=f"Choose where {node} resumes",
            why="The executed position when the source still has it (nothing is skipped); after a purge the "
            "source's oldest binlog from position 4 (every event it still has), naming the purged events "
            "that are lost. Checked against the source's binlogs before anything is changed. The reset "
            f"itself follows {SEED}.",
            preview=f"{show_replica_status(dl).sql}\\G on {node}; SHOW BINARY LOGS on "
            f"{source or 'its source'}",
            run=choose,
            target=node,
            destructive=False,
            replaces_data=False,
        ),
        stop_step(
            "stop",
            f"Stop replication on {node}",
            f"'stop slave;', as in {SEED}.",
            node,
            stop_replica(dl),
            start_replica(dl),
        ),
        sql_step(
            "reset",
            f"Reset {node}'s replica state",
            "RESET SLAVE forgets the relay logs and the master info that cannot be read (1201) or that name "
            f"a binlog the source has purged (1236); {SEED} resets the replica for both errors. The "
            "connection settings (host, port, user, password) are kept.",
            node,
            lambda ctx, lit: [reset_replica(dl)],
        ),
        sql_step(
            "change-master",
            f"Point {node} at "
            + (f"{shown_now.file}:{shown_now.position}" if planned else f"{source}'s binlog"),
            "Resume from coordinates the source still has."
            + (
                f" Events the replica never applied are lost: {lost}; rebuild the replica afterwards, as "
                f"{SEED} advises: 'If data is not properly synced then dump the database'."
                if lost
                else ""
            ),
            node,
            make,
            note=""
            if fixed
            else "coordinates as seen when the plan was built; chosen again when the run starts",
        ),
        start_step(node, dl, f"'start slave;', as in {SEED}."),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    ]
    pre = [checks.is_replica(node)]
    if source:
        pre.append(checks.server_ids_unique([node, source]))
        pre.append(checks.log_bin_on(source))
        pre.append(
            checks.source_has_binlog(
                source,
                lambda ctx: ctx.state.coordinates,
                before="stop",
                needs=("choose-coordinates",),
            )
        )
    summary = (
        f"Reset {node}'s replica state and re-point it at "
        + (f"{shown_now.file}:{shown_now.position}" if planned else f"{source}'s binlog")
        + ".\n"
        + (
            f"{node} reports {ch.label('last_io_errno')} {ch.last_io_errno}: {ch.last_io_error}\n"
            if ch is not None and ch.last_io_errno
            else ""
        )
        + (
            f"{node} reports {ch.label('last_sql_errno')} {ch.last_sql_errno}: {ch.last_sql_error}\n"
            if ch is not None and ch.last_sql_errno
            else ""
        )
        + (
            f"LOST: {lost}. The run cannot verify the data; rebuild afterwards: {rebuild}."
            if lost
            else "Nothing is skipped: it resumes where it stopped."
            if planned and not fixed
            else (
                "The operator chose the coordinates: "
                "events between the old position and them are skipped or repeated."
            )
        )
    )
    return Plan(
        "reset-replica",
        f"Reset replica {node}",
        summary,
        tuple(steps),
        tuple(pre),
        identities(sts, [node]),
        (),
        {"node": node, "to": to},
    )
