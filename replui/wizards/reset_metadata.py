"""``reset-replica --node N --source S`` when N's replica status is empty because
its ``master.info``/``relay-log.info`` cannot be read: ``START SLAVE`` and
``CHANGE MASTER TO`` fail with 1201 "Could not initialize master info
structure", and 'Fail over MySQL and Rails' answers "This can be solved by
resetting the slave".

No dump: ``RESET SLAVE ALL`` forgets the unreadable metadata (and with it the
connection settings it held), then ``CHANGE MASTER TO`` S's address, a
replication account and the position N's SQL thread had executed — read
before anything changes from its applier metadata
(:mod:`replui.wizards.relayinfo`), or given by the operator (``--to``) —
and ``START SLAVE``. Known before the first change: the metadata really is
unusable (:func:`replui.wizards.metadata.metadata_check`), the coordinates
are an event boundary S still has, the account's password logs in.
"""

from __future__ import annotations

from typing import AsyncIterator

from replui.config import Config
from replui.model import BinlogCoordinates, NodeStatus
from replui.mysql.dialect import Dialect
from replui.sources import RAILS_FAILOVER
from replui.wizards import checks
from replui.wizards.add_replica import account_sql, choose_account, password_works
from replui.wizards.common import WizardError, dialect_of, identities, need_node, verify_sql
from replui.wizards.context import StepContext
from replui.wizards.metadata import metadata_check, reset_metadata_step
from replui.wizards.plan import Event, OutputLine, Plan, Step, StepFailed
from replui.wizards.relayinfo import read_executed_coordinates
from replui.wizards.sql import show_replica_status, start_replica, stop_replica
from replui.wizards.steps import sql_step, start_step, status_step, stop_step, verify_step
from replui.wizards.transfer import point_step

SEED = RAILS_FAILOVER


def choose_step(node: str, source: str, dl_node: Dialect, fixed: BinlogCoordinates | None) -> Step:
    """Read-only: the coordinates ``node`` resumes from — ``fixed`` (the
    operator's ``--to``), else the executed position in its applier
    metadata; kept in ``ctx.state.coordinates``. Fails naming ``--to`` when
    they cannot be read."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        if fixed is not None:
            ctx.state.coordinates = fixed
            yield OutputLine(f"the operator chose {source}'s {fixed.file}:{fixed.position}", "stdout")
            return
        coords, where = await read_executed_coordinates(ctx, node, dl_node)
        if coords is None:
            raise StepFailed(f"{where}: give the coordinates with --to FILE:POS")
        ctx.state.coordinates = coords
        yield OutputLine(
            f"{node} had executed {source}'s binlog up to {coords.file}:{coords.position} "
            f"(read from {where})",
            "stdout",
        )

    return Step(
        id="choose-coordinates",
        title=f"Find where {node} had got to in {source}'s binlog",
        why="SHOW SLAVE STATUS is empty, but the applier metadata (relay-log.info, or MySQL's "
        "mysql.slave_relay_log_info) still says which source position the SQL thread executed last: nothing "
        "is skipped or applied twice from there. Read before the reset, which forgets it.",
        preview=f"{fixed.file}:{fixed.position} (given with --to)"
        if fixed
        else f"relay-log.info in @@datadir on {node}'s host (MySQL: mysql.slave_relay_log_info)",
        run=run,
        target=node,
    )


def build_reset_metadata_plan(
    config: Config,
    sts: dict[str, NodeStatus],
    *,
    node: str,
    source: str | None,
    fixed: BinlogCoordinates | None,
    repl_user: str | None,
    repl_password_env: str | None,
    timeout: float,
) -> Plan:
    """Plan for a ``node`` without replica status: find the coordinates
    (read-only), the replication account on ``source`` (not binlogged), stop,
    ``RESET SLAVE ALL``, ``CHANGE MASTER TO`` ``source``'s address with the
    account and the coordinates, start, verify. The account follows
    :func:`replui.wizards.add_replica.choose_account`. WizardError without
    ``source``, for ``source == node``, or when ``source``'s address cannot
    be given to a replica."""
    if not source:
        raise WizardError(
            f"{node} is not a replica (SHOW SLAVE STATUS is empty). If START SLAVE there fails with 1201 "
            "(Could not initialize master info structure: its master.info cannot be read), give --source "
            "NODE (the node it replicated from): reset-replica then clears it with RESET SLAVE ALL and "
            "points it there again without a dump. A node that never replicated: use add-replica"
        )
    need_node(config, sts, source, "--source")
    if source == node:
        raise WizardError(f"--node and --source are both {node}")
    scfg = config.node(source)
    problem = scfg.source_address_problem()
    if problem:
        raise WizardError(problem)
    host, port = scfg.source_address
    acct = choose_account(node, repl_user, repl_password_env)
    dl, ds = dialect_of(sts, node), dialect_of(sts, source)
    account = acct.describe("%", node)
    steps: list[Step] = [
        status_step(
            "before",
            f"Show {node}'s replica status",
            "Record the state before changing anything: empty, as its master.info cannot be read.",
            node,
            show_replica_status(dl).sql,
        ),
        choose_step(node, source, dl, fixed),
        sql_step(
            "create-user-source",
            f"Create the replication user on {source}",
            f"The {account}; REPLICATION SLAVE only, for {node}'s IO thread: the connection settings "
            f"{node} had are forgotten with its master.info. Not written to {source}'s binlog.",
            source,
            account_sql(ds, acct, "%"),
        ),
        stop_step(
            "stop",
            f"Make sure replication is stopped on {node}",
            f"'stop slave;', as in {SEED}.",
            node,
            stop_replica(dl),
            start_replica(dl),
        ),
        reset_metadata_step(node, dl, step_id="reset"),
        point_step(
            node,
            source,
            dl,
            host=host,
            port=port,
            user=acct.user,
            password=acct.password,
            title=f"Point {node} at {source}, where it had got to",
            why=f"CHANGE MASTER TO {source}'s address, the account and the coordinates found before the "
            f"reset, as in {SEED}.",
        ),
        start_step(node, dl, f"'start slave;', as in {SEED}."),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    ]
    pre = [
        checks.reachable(node, source),
        checks.target_is_not(node, source, "source"),
        metadata_check(node, must_be_unusable=True),
        checks.server_ids_unique([node, source]),
        checks.log_bin_on(source),
    ]
    if acct.shared:
        pre.append(password_works(source, acct.user, "%", acct.password))
    pre.append(
        checks.source_has_binlog(
            source,
            lambda ctx: ctx.state.coordinates,
            before="create-user-source",
            needs=("choose-coordinates",),
        )
    )
    where = (
        f"{fixed.file}:{fixed.position} (chosen by the operator)" if fixed else "the position it had executed"
    )
    summary = (
        f"{node} shows no replica status: its master.info cannot be read (checked before any change: "
        "START SLAVE answers 1201). "
        f"Clear it with RESET SLAVE ALL and point {node} at {source} ({host}:{port}) again, from {where}, "
        f"with the replication {account}. No data is copied.\n"
        + (
            "The operator chose the coordinates: events between the old position and them are skipped or "
            "repeated."
            if fixed
            else "Nothing is skipped: it resumes where its SQL thread stopped (relay-log.info is written at "
            "shutdown; after a crash it may lag, and an event applied twice stops the SQL thread)."
        )
    )
    return Plan(
        "reset-replica",
        f"Reset replica {node} (unreadable master.info)",
        summary,
        tuple(steps),
        tuple(pre),
        identities(sts, [node, source]),
        (acct.password,),
        {"node": node, "source": source, "to": f"{fixed.file}:{fixed.position}" if fixed else None},
    )
