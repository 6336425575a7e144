"""``repoint --node N (--to FILE:POS | --next-binlog | --from-exec-position)``:
Jo Vandeginste's 'How to get an active-active MySQL setup back in sync after
hard crash' (2016).

* ``--next-binlog``: the source's binlog was cut short by the crash (1236
  "impossible position"); a restarted server always opens a new binlog, so
  point N at the source's *next* file, position 4 (just after the 4-byte
  binlog header).
* ``--from-exec-position``: N's relay log is corrupt (1594 relay log read
  failure); restart from what N last *executed*: ``Relay_Master_Log_File`` /
  ``Exec_Master_Log_Pos``. ``CHANGE MASTER`` with a file and position drops
  the relay logs, so the IO thread fetches those events again.
* ``--to FILE:POS``: coordinates the operator chose.
"""

from __future__ import annotations

import re

from replui.config import Config
from replui.model import BinlogCoordinates
from replui.sources import CRASH_RESYNC
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
from replui.wizards.context import StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Plan
from replui.wizards.sql import (
    Literal,
    Statement,
    change_source,
    show_replica_status,
    start_replica,
    stop_replica,
)
from replui.wizards.steps import info_step, sql_step, start_step, status_step, stop_step, verify_step

SEED = CRASH_RESYNC


def parse_coordinates(text: str) -> BinlogCoordinates:
    """``"mysql-bin.000235:4"`` -> BinlogCoordinates; WizardError when malformed."""
    m = re.fullmatch(r"\s*([^:\s]+):(\d+)\s*", text or "")
    if not m:
        raise WizardError(f"--to expects FILE:POS (e.g. mysql-bin.000235:4), got {text!r}")
    return BinlogCoordinates(m.group(1), int(m.group(2)))


def next_binlog_name(name: str) -> str:
    """``mysql-bin.000234`` -> ``mysql-bin.000235`` (the numeric suffix keeps its width)."""
    m = re.fullmatch(r"(.*\.)(\d+)", name)
    if not m:
        raise WizardError(f"cannot work out the binlog file after {name!r} (no numeric suffix)")
    return m.group(1) + str(int(m.group(2)) + 1).zfill(len(m.group(2)))


def build_repoint_plan(
    config: Config,
    statuses: Statuses,
    *,
    node: str | None = None,
    to: str | None = None,
    next_binlog: bool = False,
    from_exec_position: bool = False,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: reasoning, ``STOP SLAVE``, ``CHANGE MASTER TO MASTER_LOG_FILE=…,
    MASTER_LOG_POS=…``, ``START SLAVE``, verify and follow the lag to 0.
    Exactly one of ``to``/``next_binlog``/``from_exec_position``. WizardError otherwise."""
    sts = status_map(statuses)
    st = need_node(config, sts, node, "--node")
    assert node is not None
    modes = [
        m
        for m, on in (
            ("--to", bool(to)),
            ("--next-binlog", next_binlog),
            ("--from-exec-position", from_exec_position),
        )
        if on
    ]
    if len(modes) != 1:
        raise WizardError(
            "give exactly one of --to FILE:POS, --next-binlog, --from-exec-position"
            + (f" (got {', '.join(modes)})" if modes else "")
        )
    ch = channel_of(st)
    if ch is None:
        raise WizardError(
            f"{node} is not a replica"
            + ("" if st.reachable else f" or not reachable ({st.error})")
            + ": nothing to re-point"
        )
    source = source_of(sts, node)
    dl = dialect_of(sts, node)
    label = ch.label
    if to:
        coords = parse_coordinates(to)
        reason = [f"The operator chose the coordinates {coords.file}:{coords.position}."]
    elif next_binlog:
        if not ch.source_log_file:
            raise WizardError(
                f"{node} shows no {label('source_log_file')}: cannot work out the next binlog file"
            )
        nxt = next_binlog_name(ch.source_log_file)
        sst = sts.get(source) if source else None
        if sst is not None and sst.binlog_files:
            later = sorted(f.name for f in sst.binlog_files if f.name > ch.source_log_file)
            nxt = later[0] if later else nxt
        coords = BinlogCoordinates(nxt, 4)
        reason = [
            f"{node} was reading {label('source_log_file')} {ch.source_log_file} at "
            f"{label('read_source_log_pos')} {ch.read_source_log_pos}"
            + (f"; IO error {ch.last_io_errno}: {ch.last_io_error}" if ch.last_io_errno else "")
            + ".",
            f"After a crash the source's binlog {ch.source_log_file} ends early, but a restarted server "
            "always opens a new binlog,",
            f"so the events continue in {nxt} from position 4 (the first byte after the 4-byte header), as "
            f"in {SEED}.",
        ]
    else:
        if not ch.relay_source_log_file or ch.exec_source_log_pos is None:
            raise WizardError(
                f"{node} shows no {label('relay_source_log_file')}/{label('exec_source_log_pos')}: no "
                "executed position to restart from"
            )
        coords = BinlogCoordinates(ch.relay_source_log_file, ch.exec_source_log_pos)
        reason = [
            f"{node} executed up to {label('relay_source_log_file')} {ch.relay_source_log_file} / "
            f"{label('exec_source_log_pos')} {ch.exec_source_log_pos}"
            + (f"; SQL error {ch.last_sql_errno}: {ch.last_sql_error}" if ch.last_sql_errno else "")
            + ".",
            "Its relay log is unreadable, so fetch everything after that point again from the source:",
            "CHANGE MASTER with a file and position discards the relay logs and restarts from there, as in "
            f"{SEED}.",
        ]
    gtid_off = "no" if dl.is_mariadb and ch.using_gtid and ch.using_gtid.lower() != "no" else None
    if gtid_off:
        reason.append(
            f"{node} uses GTID ({label('using_gtid')}={ch.using_gtid}); file/position coordinates need "
            "MASTER_USE_GTID=no."
        )

    def make(ctx: StepContext | None, lit: Literal) -> list[Statement]:
        return [
            change_source(dl, log_file=coords.file, log_pos=coords.position, use_gtid=gtid_off, literal=lit)
        ]

    steps = (
        status_step(
            "before",
            f"Show {node}'s replica status",
            "Record the state before changing anything.",
            node,
            show_replica_status(dl).sql,
        ),
        info_step(
            "reasoning", "Why these coordinates", "The chosen coordinates, and the evidence for them.", reason
        ),
        stop_step(
            "stop",
            f"Stop replication on {node}",
            f"The threads must be stopped before CHANGE MASTER: 'stop slave;' in {SEED}.",
            node,
            stop_replica(dl),
            start_replica(dl),
        ),
        sql_step(
            "change-master",
            f"Point {node} at {coords.file}:{coords.position}",
            f"Tell {node} where to resume reading its source's binlog, as in {SEED}. Only the coordinates "
            "change; host, user and password stay.",
            node,
            make,
        ),
        start_step(node, dl, f"'start slave;', as in {SEED}."),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    )
    pre = [checks.is_replica(node)]
    if source:  # checked before anything is stopped: the file exists and the position starts an event
        pre += [
            checks.server_ids_unique([node, source]),
            checks.source_has_binlog(source, lambda ctx: coords),
        ]
    summary = (
        f"Re-point {node}"
        + (f" (replica of {source})" if source else "")
        + f" at {coords.file}:{coords.position}.\n"
        + "\n".join(reason)
    )
    return Plan(
        "repoint",
        f"Re-point {node} at {coords.file}:{coords.position}",
        summary,
        steps,
        tuple(pre),
        identities(sts, [node]),
        (),
        {"node": node, "coordinates": f"{coords.file}:{coords.position}"},
    )
