"""``rebuild-replica --source S --replica R [--databases LIST] [--via-file]``:
the Chameleon Cloud runbook 'MySQL Replication Error' (data written to the
replica → duplicate key → re-snapshot, restore, re-point) and 'Fail over MySQL
and Rails' (dump with ``--single-transaction --master-data``).

Stop R's replication, replace the in-scope databases on R with a dump of S
streamed straight into R (or the runbooks' way through a gzip file), point R at
the coordinates from the head of the dump, start, verify. S is only read.
"""

from __future__ import annotations

from typing import Iterable

from replui.config import Config
from replui.model import Channel, NodeStatus
from replui.sources import RAILS_FAILOVER, REPLICATION_ERROR
from replui.wizards import checks
from replui.wizards.checks import channel_of
from replui.wizards.common import (
    Statuses,
    WizardError,
    dialect_of,
    identities,
    need_node,
    password_from_env,
    source_of,
    status_map,
    verify_sql,
)
from replui.wizards.mark import clear_mark_step
from replui.wizards.metadata import metadata_check, reset_metadata_step
from replui.wizards.plan import VERIFY_TIMEOUT, Plan, Step
from replui.wizards.sql import show_replica_status, start_replica, stop_replica
from replui.wizards.steps import start_step, status_step, stop_step, verify_step
from replui.wizards.transfer import SEEDS, point_step, scope_step, stream_step, via_file_steps
from replui.wizards.verify_data import verify_data_step


def parse_databases(value: str | Iterable[str] | None) -> list[str] | None:
    """``"shop,crm"`` or a list -> ``["shop", "crm"]``; None/empty -> None (all user databases)."""
    if not value:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    out = [d.strip() for d in items if d and d.strip()]
    return out or None


def uses_gtid(ch: Channel | None) -> bool:
    return bool(ch is not None and ch.using_gtid and ch.using_gtid.lower() in ("slave_pos", "current_pos"))


def transfer_plan_steps(
    config: Config,
    sts: dict[str, NodeStatus],
    source: str,
    replica: str,
    databases: list[str] | None,
    via_file: bool,
    gtid: bool,
    wizard: str = "rebuild-replica",
) -> list[Step]:
    """The steps that replace the replica's data (stream, or the runbooks' file
    way); the ``scope`` step comes earlier, before anything is stopped."""
    dl_r = dialect_of(sts, replica)
    if via_file:
        return via_file_steps(config, source, replica, dl_r, databases, gtid, wizard)
    return [stream_step(config, source, replica, dl_r, databases, gtid, wizard)]


def data_step_id(via_file: bool) -> str:
    """The id of the step after which the dump's coordinates are known."""
    return "dump-file" if via_file else "stream"


def build_rebuild_replica_plan(
    config: Config,
    statuses: Statuses,
    *,
    source: str | None = None,
    replica: str | None = None,
    databases: str | Iterable[str] | None = None,
    via_file: bool = False,
    repl_user: str | None = None,
    repl_password_env: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: before, scope (read-only: what is copied, checked before any
    change), stop R, replace R's data (stream or via file, with the rebuild
    mark), CHANGE MASTER with the dump's coordinates, start, verify
    replication, verify the data table by table, clear the mark. When R does
    not replicate from S, ``repl_user`` and ``repl_password_env`` (the name
    of an environment variable holding the password) give the credentials,
    and the plan says R is re-pointed (from its current source, if any).
    When R has no replica status, a pre-flight ``START SLAVE`` probe asks
    whether its metadata can be read and a previewed ``RESET SLAVE ALL``
    runs before the data is replaced (:mod:`replui.wizards.metadata`).
    WizardError for unknown nodes or S == R."""
    sts = status_map(statuses)
    sst = need_node(config, sts, source, "--source")
    rst = need_node(config, sts, replica, "--replica")
    assert source is not None and replica is not None
    if source == replica:
        raise WizardError(f"--source and --replica are both {source}: the replica must be another node")
    dbs = parse_databases(databases)
    dl = dialect_of(sts, replica)
    current = source_of(sts, replica)
    ch = channel_of(rst)
    gtid = dl.is_mariadb and uses_gtid(ch) and current == source
    steps: list[Step] = [
        status_step(
            "before",
            f"Show {replica}'s replica status",
            "Record the state and the error before changing anything: "
            f"a duplicate key error 1062 means data was written on the replica, as in {REPLICATION_ERROR}.",
            replica,
            show_replica_status(dl).sql,
        ),
        scope_step(source, dbs),
        stop_step(
            "stop",
            f"Stop replication on {replica}",
            f"No event may be applied while the data is replaced. {SEEDS}.",
            replica,
            stop_replica(dl),
            start_replica(dl),
        ),
    ]
    if ch is None:  # no replica status: an unreadable master.info would refuse CHANGE MASTER after the data
        steps.append(reset_metadata_step(replica, dl))
    steps += transfer_plan_steps(config, sts, source, replica, dbs, via_file, gtid)
    pre = [
        checks.reachable(source, replica),
        checks.target_is_not(replica, source, "source"),
        checks.server_ids_unique([source, replica]),
        checks.log_bin_on(source),
        *checks.dump_source_checks(source, sst),
        *checks.remote_tool_checks(
            source, replica, checks.tools_checked_ahead(config, source, replica), via_file=via_file
        ),
        *checks.file_space_checks(source, replica, via_file),
    ]
    if ch is None:
        pre.insert(2, metadata_check(replica, reset_step="reset-metadata"))
    coords = lambda ctx: ctx.state.coordinates  # noqa: E731
    repoint_note = ""
    if current == source or not repl_user:
        pre.insert(2, checks.replicates_from(replica, source))
        point = point_step(replica, source, dl, use_gtid=gtid)
        secrets: tuple[str, ...] = ()
    else:
        if not repl_password_env:
            raise WizardError(
                "--repl-user needs --repl-password-env VAR (the password is never taken on the command line)"
            )
        pw = password_from_env(repl_password_env)
        scfg = config.node(source)
        problem = scfg.source_address_problem()
        if problem:
            raise WizardError(problem)
        if current is not None or ch is not None:
            was = current or (f"{ch.source_host}:{ch.source_port}" if ch is not None else "")
            repoint_note = f"{replica} replicates from {was} today; after this, from {source}."
        title = (
            f"Re-point {replica} from {current or 'its current source'} to {source} at the dump's coordinates"
            if repoint_note
            else None
        )
        why = (
            f"{repoint_note} This changes where {replica} replicates from: its old source's events stop "
            f"reaching it. The dump's head says where {source}'s binlog stood at the snapshot; {replica} "
            f"continues from there. {SEEDS}."
            if repoint_note
            else None
        )
        point = point_step(
            replica,
            source,
            dl,
            host=scfg.source_address[0],
            port=scfg.source_address[1],
            user=repl_user,
            password=pw,
            title=title,
            why=why,
        )
        secrets = (pw,)
    data_step = data_step_id(via_file)
    pre += [
        checks.coordinates_present(coords, "the dump", before="change-master", needs=(data_step,)),
        checks.source_has_binlog(source, coords, before="change-master", needs=(data_step,)),
    ]
    steps += [
        point,
        start_step(replica, dl, f"'start slave;', as in {RAILS_FAILOVER}."),
        verify_step(replica, source, timeout=timeout, **verify_sql(sts, replica, source)),
        verify_data_step(replica, source, dl, dialect_of(sts, source), timeout=timeout),
        clear_mark_step(replica),
    ]
    scope = ", ".join(dbs) if dbs else "every user database"
    summary = (
        f"Rebuild {replica} from {source} ({scope}) "
        + (
            "through a compressed file (--via-file)"
            if via_file
            else "streaming the dump straight into the restore"
        )
        + f".\n{source} is only read. {replica}'s in-scope databases are replaced; it then continues from "
        "the coordinates at the head of the dump,"
        f"\nand the copy is verified table by table. Until then {replica} is marked as being rebuilt."
    )
    if repoint_note:
        summary += f"\nRE-POINT: {repoint_note}"
    if ch is not None and (ch.last_sql_errno or ch.last_io_errno):
        summary += f"\n{replica} reports " + "; ".join(
            f"{e}: {t}"
            for e, t in ((ch.last_sql_errno, ch.last_sql_error), (ch.last_io_errno, ch.last_io_error))
            if e
        )
    return Plan(
        "rebuild-replica",
        f"Rebuild {replica} from {source}",
        summary,
        tuple(steps),
        tuple(pre),
        identities(sts, [source, replica]),
        secrets,
        {"source": source, "replica": replica, "databases": dbs, "via_file": via_file},
    )
