"""Statuses -> findings: what is wrong with the replication, why, and which
wizard repairs it.

:func:`analyse` is pure and deterministic (critical first, then by config
order of the subject node, channel and code). The crosswise coordinates check
is the one 'Fixing MySQL Multi-Master Replication' (Max Manders, 2010)
does by hand: each replica's ``Master_Log_File``/
``Read_Master_Log_Pos`` and ``Relay_Master_Log_File``/``Exec_Master_Log_Pos``
against its source's ``SHOW MASTER STATUS`` and ``SHOW BINARY LOGS``.

Nodes are polled at slightly different moments, so under writes a replica
may already have read past the position its source reported a moment
earlier. Coordinates are called impossible only on evidence no such race
explains: the source's status was read entirely after the replica's
(``NodeStatus.poll_started``/``poll_finished``), the replica's own IO error
1236, a position past the end of a closed binlog file (closed files do not
grow), or a file the source no longer lists (purged). A replica past a
source read earlier is caught up (ahead by timing); :func:`unconfirmed_sources`
names the sources worth reading again to settle it.

A replica with ``MASTER_DELAY`` (``SQL_Delay`` > 0) is delayed by design:
``replica_delayed`` (ok) says so, and its lag counts only beyond the delay.
A node carrying a rebuild mark (:mod:`replui.mysql.marker`) gets
``rebuild_incomplete`` and is never ``replication_ok``.

Finding codes (stable): node_unreachable, rebuild_incomplete, io_error,
sql_error, io_thread_stopped, sql_thread_stopped, io_thread_connecting,
coordinates_impossible, coordinates_behind, coordinates_caught_up,
server_id_duplicate, server_id_zero, log_bin_off, log_replica_updates_off,
writable_replica, lag_high, lag_unknown, external_source, replica_delayed,
replication_ok, status_incomplete, replica_metadata_unusable,
replica_unconfigured.

A node with no replica status that has applied replicated transactions
(MariaDB ``@@gtid_slave_pos``) either had its replica settings removed on
purpose or cannot read its ``master.info``; the collector reads its error log
(:class:`~replui.model.MetadataLog`): a failure logged since the last start
gives ``replica_metadata_unusable`` (critical, 1201, the repair
'Fail over MySQL and Rails' gives), a log that cannot be read gives
``replica_unconfigured`` (ok: what to look at), a clean log nothing.
"""

from __future__ import annotations

import re
from typing import Iterable, Protocol, Sequence

from replui.analysis import errors as E
from replui.analysis.topology import Topology, build_topology
from replui.model import Channel, Finding, LogVerdict, NodeStatus, Severity
from replui.mysql.gtid import parse_mariadb_gtid_pos
from replui.sources import (
    CAUCUS,
    CRASH_RESYNC,
    MULTI_MASTER,
    RAILS_FAILOVER,
    REPLICATION_ERROR,
)

OK, WARN, CRIT = Severity.OK, Severity.WARNING, Severity.CRITICAL

CODES = (
    "node_unreachable",
    "rebuild_incomplete",
    "server_id_duplicate",
    "server_id_zero",
    "log_bin_off",
    "io_error",
    "sql_error",
    "coordinates_impossible",
    "io_thread_stopped",
    "sql_thread_stopped",
    "io_thread_connecting",
    "lag_high",
    "lag_unknown",
    "coordinates_behind",
    "writable_replica",
    "log_replica_updates_off",
    "external_source",
    "replica_delayed",
    "coordinates_caught_up",
    "replication_ok",
    "status_incomplete",
    "replica_metadata_unusable",
    "replica_unconfigured",
)
#: Node-level field names (NodeStatus attributes, and the source's SHOW MASTER STATUS File/Position).
NODE_FIELDS = frozenset(
    {
        "read_only",
        "super_read_only",
        "server_id",
        "binlog_file",
        "binlog_position",
        "log_bin",
        "log_replica_updates",
    }
)
_READ = ("source_log_file", "read_source_log_pos")
_EXEC = ("relay_source_log_file", "exec_source_log_pos")


class _AddFinding(Protocol):
    """The ``add`` closure of :func:`_channel_findings`: appends one Finding for the channel."""

    def __call__(
        self,
        sev: Severity,
        code: str,
        msg: str,
        advice: str = "",
        fields: tuple[str, ...] = (),
        wizard: str | None = None,
        errno: int | None = None,
    ) -> None: ...


_SUFFIX = re.compile(r"^(.*)\.(\d+)$")


# -- binlog maths -------------------------------------------------------------
def _seq(name: str) -> tuple[str, int] | None:
    m = _SUFFIX.match(name or "")
    return (m.group(1), int(m.group(2))) if m else None


def _newer(a: str, b: str) -> bool:
    """True when binlog file ``a`` comes after ``b`` (same basename, higher number)."""
    sa, sb = _seq(a), _seq(b)
    return bool(sa and sb and sa[0] == sb[0] and sa[1] > sb[1])


def next_binlog(src: NodeStatus | None, file: str) -> str | None:
    """The binlog file after ``file`` on ``src`` (from ``SHOW BINARY LOGS``, else
    the number + 1, as Jo Vandeginste's crash write-up does: 000234 -> 000235)."""
    names = [f.name for f in src.binlog_files] if src else []
    if file in names and names.index(file) + 1 < len(names):
        return names[names.index(file) + 1]
    s = _seq(file)
    if not s:
        return None
    width = len(file) - len(s[0]) - 1
    return f"{s[0]}.{s[1] + 1:0{width}d}"


def _end_of(src: NodeStatus, file: str) -> int | None:
    """Size in bytes of ``file`` on ``src``; the write position for the current file."""
    listed = src.binlog_file(file)
    if src.binlog and file == src.binlog.file and src.binlog.position is not None:
        return max(src.binlog.position, listed.size if listed else 0)
    return listed.size if listed else None


def impossible_reason(
    src: NodeStatus, file: str, pos: int, *, purged_counts: bool = True
) -> tuple[str, str] | None:
    """Why ``(file, pos)`` cannot be served by ``src``: ``("newer"|"purged"|"past_end", text)`` or None."""
    cur = src.binlog.file if src.binlog else None
    names = [f.name for f in src.binlog_files]
    if cur and _newer(file, cur):
        return "newer", f"{file} is newer than {src.name}'s current binlog {cur}"
    if names and file not in names and file != cur:
        if purged_counts:
            oldest = f" (its oldest is {names[0]})" if names else ""
            return "purged", f"{file} is no longer in {src.name}'s SHOW BINARY LOGS{oldest}: purged"
        return None
    end = _end_of(src, file)
    if end is not None and pos > end:
        return "past_end", f"{pos} is past the end of {file} on {src.name} (size {end} bytes)"
    return None


def _io_1236(ch: Channel) -> bool:
    """The replica's IO thread itself says the source cannot serve its position
    (1236; MySQL 8.0 numbers it 13114)."""
    if ch.last_io_errno:
        return E.canonical_errno(ch.last_io_errno) == 1236
    return E.errno_in_text(ch.last_io_error) == 1236


def proven_impossible(kind: str, src: NodeStatus, replica: NodeStatus, ch: Channel, file: str) -> bool:
    """Whether :func:`impossible_reason`'s ``kind`` for ``replica``'s channel
    ``ch`` at ``file`` holds whatever the polling order: the file is purged,
    or is a closed file of ``src`` (position past its final size), or the
    channel's own IO error is 1236, or ``src`` was read entirely after
    ``replica``. False means a write between the two reads may explain it."""
    if kind == "purged":
        return True
    if kind == "past_end" and src.binlog is not None and file != src.binlog.file:
        return True  # a closed file does not grow
    return _io_1236(ch) or replica.read_before(src)


def unconfirmed_sources(statuses: Sequence[NodeStatus], topology: Topology | None = None) -> list[str]:
    """Names of configured sources (config order) that some replica's
    coordinates are past without proof (:func:`proven_impossible`): reading
    such a source again, after its replicas, settles whether the replica is
    ahead by timing or really impossible. Pure; never raises."""
    topo = topology or build_topology(statuses)
    by_name = {s.name: s for s in statuses}
    wanted: set[str] = set()
    for s in statuses:
        if not s.reachable:
            continue
        for ch in s.channels:
            edge = topo.edge_for(s.name, ch.name)
            src = by_name.get(edge.source) if edge and not edge.external else None
            b = src.binlog if src is not None and src.reachable else None
            if src is None or b is None or not b.file or b.position is None:
                continue
            for (fk, pk), purged_counts in ((_READ, True), (_EXEC, False)):
                f, p = getattr(ch, fk), getattr(ch, pk)
                r = impossible_reason(src, f, p, purged_counts=purged_counts) if f and p is not None else None
                if r and not proven_impossible(r[0], src, s, ch, f):
                    wanted.add(src.name)
    return [s.name for s in statuses if s.name in wanted]


def bytes_behind(src: NodeStatus, file: str, pos: int) -> tuple[int, int] | None:
    """``(bytes, files)`` from ``(file, pos)`` to ``src``'s current binlog
    position, summing ``SHOW BINARY LOGS`` sizes across files; None when unknown."""
    if not src.binlog or src.binlog.file is None or src.binlog.position is None:
        return None
    cur, cur_pos = src.binlog.file, src.binlog.position
    if file == cur:
        return max(cur_pos - pos, 0), 0
    names = [f.name for f in src.binlog_files]
    if file not in names or cur not in names:
        return None
    a, c = names.index(file), names.index(cur)
    if a > c:
        return None
    total = (src.binlog_files[a].size - pos) + sum(f.size for f in src.binlog_files[a + 1 : c]) + cur_pos
    return max(total, 0), c - a


# -- the analysis ---------------------------------------------------------------
def analyse(
    statuses: list[NodeStatus],
    *,
    lag_warning: float = 30,
    lag_critical: float = 300,
    topology: Topology | None = None,
) -> list[Finding]:
    """All findings for ``statuses`` (one per configured node, config order).

    Lags are seconds. Returns critical first, then warning, then ok; within a
    severity by the subject node's config order, channel, code. Never raises.
    """
    topo = topology or build_topology(statuses)
    by_name = {s.name: s for s in statuses}
    out: list[Finding] = []
    for s in statuses:
        if not s.reachable:
            out.append(_unreachable(s))
            continue
        out += _node_findings(s, topo)
        out += _metadata_findings(s, statuses)
        for ch in s.channels:
            out += _channel_findings(s, ch, topo, by_name, lag_warning, lag_critical)
    out += _duplicate_ids(statuses)
    order = {n: i for i, n in enumerate(topo.nodes)}
    return sorted(
        out,
        key=lambda f: (
            -f.severity.rank,
            order.get(f.nodes[0], len(order)),
            f.channel or "",
            CODES.index(f.code) if f.code in CODES else len(CODES),
            f.message,
        ),
    )


def _unreachable(s: NodeStatus) -> Finding:
    err = s.error or "no answer"
    return Finding(
        CRIT,
        "node_unreachable",
        (s.name,),
        f"{s.name} ({s.host}:{s.port}) is unreachable: {err}",
        E.client_advice(s.errno),
        errno=s.errno,
    )


def _node_findings(s: NodeStatus, topo: Topology) -> list[Finding]:
    out: list[Finding] = []
    mark = s.rebuild_mark
    if mark is not None:
        scope = ", ".join(mark.scope) or "all its databases"
        started = f", started {mark.started_at}" if mark.started_at else ""
        involved = (s.name, mark.source) if mark.source != s.name else (s.name,)
        out.append(
            Finding(
                CRIT,
                "rebuild_incomplete",
                involved,
                f"{s.name}: a rebuild from {mark.source} ({mark.wizard}{started}) did not finish: "
                f"its data ({scope}) may be half-restored",
                f"Run it again: {mark.rerun_command(s.name)} — it replaces {scope} on {s.name} "
                f"with a fresh copy from {mark.source} and removes the mark once the copy is "
                f"verified. Until then do not trust {s.name}'s data, whatever its replication "
                "threads say.",
                wizard=mark.wizard,
            )
        )
    if s.warnings:  # a statement the account may not run: that part of the pane is empty, not "fine"
        out.append(
            Finding(
                WARN,
                "status_incomplete",
                (s.name,),
                f"{s.name}: part of the status could not be read — " + "; ".join(s.warnings),
                "Grant the monitoring account what it needs to read replication status: on MariaDB 10.5+ "
                "BINLOG MONITOR and REPLICA MONITOR, on MySQL REPLICATION CLIENT (e.g. GRANT REPLICATION "
                "CLIENT ON *.* TO 'replui'@'%'), and SELECT ON replui_state.* to see a rebuild "
                "left unfinished. Until then an empty section means 'unknown', "
                "not 'not a replica'.",
            )
        )
    replicas = topo.replicas_of(s.name)
    in_replication = bool(replicas or s.channels)
    if s.server_id == 0:
        out.append(
            Finding(
                CRIT if in_replication else WARN,
                "server_id_zero",
                (s.name,),
                f"{s.name} has server_id 0: a server with id 0 can be neither a source nor a replica",
                "Set a unique server_id (e.g. server_id=2) under [mysqld] in my.cnf and restart, "
                "as the setup in " + RAILS_FAILOVER + " does.",
                fields=("server_id",),
            )
        )
    if s.log_bin is False and replicas:
        out.append(
            Finding(
                CRIT,
                "log_bin_off",
                (s.name, *replicas),
                f"{s.name} has log_bin OFF but {', '.join(replicas)} replicate(s) from it: "
                "it writes no binlog to send",
                "Add log_bin=mysql-bin and a unique server_id under [mysqld] in my.cnf on "
                f"{s.name} and restart it, then re-point its replicas, "
                f"as the setup in {RAILS_FAILOVER} does.",
                fields=("log_bin", "binlog_file", "binlog_position"),
            )
        )
    configured_sources = [n for n in topo.sources_of(s.name) if n in topo.nodes]
    if s.log_replica_updates is False:
        onward = [r for r in replicas if r not in configured_sources]
        if configured_sources and onward:
            out.append(
                Finding(
                    WARN,
                    "log_replica_updates_off",
                    (s.name, *onward),
                    f"{s.name} relays from {', '.join(configured_sources)} to {', '.join(onward)} "
                    "but log_slave_updates is OFF: replicated changes are not passed on",
                    "Set log_slave_updates=ON (MySQL 8.0.26+: log_replica_updates) "
                    f"in my.cnf on {s.name} and restart.",
                    fields=("log_replica_updates",),
                )
            )
    # an unreachable source may be a master⇄master partner we cannot see: do not guess
    if (
        s.read_only is False
        and s.channels
        and not replicas
        and not any(n in topo.unreachable for n in topo.sources_of(s.name))
    ):
        srcs = ", ".join(topo.sources_of(s.name))
        out.append(
            Finding(
                WARN,
                "writable_replica",
                (s.name,),
                f"{s.name} replicates from {srcs} but read_only is OFF: anything written there directly "
                f"makes it drift: in {REPLICATION_ERROR}, "
                "such a row stopped replication with a duplicate key, error 1062",
                f"On {s.name}: SET GLOBAL read_only=ON (MySQL: also super_read_only=ON) and add read_only=1 "
                "under [mysqld] in my.cnf so it survives a restart.",
                fields=("read_only",),
            )
        )
    return out


def last_source(s: NodeStatus, statuses: Sequence[NodeStatus]) -> str | None:
    """The configured node ``s`` last applied replicated transactions from:
    the one whose ``server_id`` wrote the GTID of ``s``'s own domain in its
    ``@@gtid_slave_pos`` (else of its only domain); None when unknown."""
    try:
        pos = parse_mariadb_gtid_pos(s.gtid_slave_pos)
    except ValueError:
        return None
    if not pos:
        return None
    domain = s.gtid_domain_id if s.gtid_domain_id in pos else (next(iter(pos)) if len(pos) == 1 else None)
    if domain is None:
        return None
    server_id = pos[domain][0]
    names = [o.name for o in statuses if o.name != s.name and o.reachable and o.server_id == server_id]
    return names[0] if len(names) == 1 else None


def _metadata_findings(s: NodeStatus, statuses: Sequence[NodeStatus]) -> list[Finding]:
    log = s.metadata_log
    if log is None or s.channels or log.verdict is LogVerdict.CLEAN:
        return []
    source = last_source(s, statuses)
    applied = f"it has applied replicated transactions up to {s.gtid_slave_pos} (@@gtid_slave_pos" + (
        f", written by {source})" if source else ")"
    )
    if log.verdict is LogVerdict.FAILED:
        where = f"its error log ({log.path}) says since the server started" if log.path else "the paste says"
        return [
            Finding(
                CRIT,
                "replica_metadata_unusable",
                (s.name, source) if source else (s.name,),
                f"{s.name} shows no replica status"
                + (f" although {applied}" if s.gtid_slave_pos else "")
                + f", and {where}: {log.line}",
                E.advice_for(E.MASTER_INFO, replica=s.name, source=source or "SOURCE"),
                wizard=E.MASTER_INFO.wizard,
                errno=1201,
            )
        ]
    return [
        Finding(
            OK,
            "replica_unconfigured",
            (s.name,),
            f"{s.name} replicates from nobody, but {applied}. Its error log could not be read ({log.why}).",
            f"If {s.name} was promoted or detached on purpose, nothing is wrong. Otherwise its replica "
            f"settings were removed or its master.info cannot be read: on {s.name}, START SLAVE tells which "
            "(1200: nothing configured; 1201: unusable metadata, repaired by replui wizard reset-replica "
            f"--node {s.name} --source {source or 'SOURCE'}).",
        )
    ]


def _channel_findings(
    s: NodeStatus,
    ch: Channel,
    topo: Topology,
    by_name: dict[str, NodeStatus],
    lag_warning: float,
    lag_critical: float,
) -> list[Finding]:
    out: list[Finding] = []
    edge = topo.edge_for(s.name, ch.name)

    # a column the status does not show (a pasted fragment) is unknown: no finding rests on it
    def shown(key: str) -> bool:
        return not ch.raw or ch.label(key) in ch.raw

    source_unknown = not shown("source_host") and ch.source_host is None
    source = edge.source if edge else f"{ch.source_host}:{ch.source_port}"
    if source_unknown and (edge is None or edge.external):
        source = f"its source ({ch.label('source_host')} not shown)"
    src = by_name.get(source) if edge and not edge.external else None
    pair = bool(
        edge
        and not edge.external
        and (edge.source, s.name) in {p for pr in topo.pairs for p in (pr, pr[::-1])}
    )
    nodes = (s.name,) if source_unknown and src is None else (s.name, source)
    cname = f" channel '{ch.name}'" if ch.name else ""
    lbl = ch.label
    values: dict[str, object] = dict(
        replica=s.name,
        source=None if source_unknown and src is None else source,
        file=ch.source_log_file,
        pos=ch.read_source_log_pos,
        exec_file=ch.relay_source_log_file,
        exec_pos=ch.exec_source_log_pos,
        user=ch.source_user,
        next_file=next_binlog(src, ch.source_log_file) if ch.source_log_file else None,
    )

    def add(
        sev: Severity,
        code: str,
        msg: str,
        advice: str = "",
        fields: tuple[str, ...] = (),
        wizard: str | None = None,
        errno: int | None = None,
    ) -> None:
        out.append(Finding(sev, code, nodes, msg, advice, ch.name, fields, wizard, errno))

    # errors: Last_IO_Error, Last_SQL_Error, and the bare Last_Error of Jo Vandeginste's crashed node
    io_err, sql_err = ch.last_io_errno or bool(ch.last_io_error), ch.last_sql_errno or bool(ch.last_sql_error)
    sql_errno, sql_text = ch.last_sql_errno, ch.last_sql_error
    sql_label, sql_nlabel = lbl("last_sql_error"), lbl("last_sql_errno")
    if not sql_err and not io_err and ch.raw.get("Last_Error"):
        sql_text, sql_label, sql_nlabel, sql_err = ch.raw["Last_Error"], "Last_Error", "Last_Errno", True
        sql_errno = (
            int(ch.raw.get("Last_Errno") or 0) if str(ch.raw.get("Last_Errno") or "0").isdigit() else 0
        )
    for kind, has, errno, text, label, nlabel, running in (
        (
            "io",
            io_err,
            ch.last_io_errno,
            ch.last_io_error,
            lbl("last_io_error"),
            lbl("last_io_errno"),
            "io_running",
        ),
        ("sql", sql_err, sql_errno, sql_text, sql_label, sql_nlabel, "sql_running"),
    ):
        if not has:
            continue
        worker_errno, worker_text = E.worker_of(ch.raw) if kind == "sql" else (None, "")
        reading = E.read_error(errno, text, worker_errno=worker_errno, worker_text=worker_text)
        known = reading.known
        shown_errno = errno or reading.errno  # the number as the server (or its text) gave it
        errno = shown_errno or (known.errnos[0] if known else 0)
        cause = f" — {known.cause}" if known else ""
        notes = "".join(f"; {n}" for n in reading.notes)
        head = f"{s.name}{cname} {nlabel} {shown_errno or '?'} from {source}"
        add(
            CRIT,
            f"{kind}_error",
            f"{head}, {label}: {_oneline(text)}{cause}{notes}",
            E.advice_for(known, **values)
            if known
            else "Read the error text and the server's error log; "
            "START SLAVE again only once the cause is fixed.",
            (running, f"last_{kind}_errno", f"last_{kind}_error"),
            E.wizard_for(known, pair=pair) if known else None,
            errno or None,
        )
    # threads (not shown in a pasted fragment: unknown, never "stopped")
    if not io_err and shown("io_running") and ch.io_running:
        if ch.io_running == "No":
            add(
                CRIT,
                "io_thread_stopped",
                f"{s.name}{cname} {lbl('io_running')} No (no error): it is not fetching {source}'s binlog"
                f"; {lbl('seconds_behind_source')} is NULL (unknown)",
                f"Someone ran STOP SLAVE on {s.name}? START SLAVE and check {lbl('io_running')} turns Yes, "
                f"as in {REPLICATION_ERROR}.",
                ("io_running",),
                "restart-replication",
            )
        elif not ch.io_ok:
            add(
                WARN,
                "io_thread_connecting",
                f"{s.name}{cname} {lbl('io_running')} {ch.io_running}: still connecting to {source}",
                f"If it stays {ch.io_running}, check {source} is reachable from {s.name} "
                "and the replication user, "
                f"as in {REPLICATION_ERROR}.",
                ("io_running",),
                "restart-replication",
            )
    if not sql_err and shown("sql_running") and ch.sql_running and ch.sql_running != "Yes":
        add(
            CRIT,
            "sql_thread_stopped",
            f"{s.name}{cname} {lbl('sql_running')} {ch.sql_running} (no error): "
            "relay log events are not applied",
            f"START SLAVE on {s.name}; if it stops again, read {lbl('last_sql_error')}.",
            ("sql_running",),
            "restart-replication",
        )
    # lag (a delayed replica is behind by design: only what exceeds SQL_Delay counts)
    lag, lag_label = ch.seconds_behind_source, lbl("seconds_behind_source")
    delay = ch.sql_delay if ch.sql_delay and ch.sql_delay > 0 else 0
    if delay:
        remaining = (
            "NULL (no event waiting)" if ch.sql_remaining_delay is None else f"{ch.sql_remaining_delay} s"
        )
        add(
            OK,
            "replica_delayed",
            f"{s.name}{cname} is delayed by design: {lbl('sql_delay')} {delay} s, "
            f"{lbl('sql_remaining_delay')} {remaining}",
            fields=("sql_delay", "sql_remaining_delay"),
        )
    lag_limit = delay + lag_warning
    if lag is None and ch.io_ok and ch.sql_ok and shown("seconds_behind_source"):
        add(
            WARN,
            "lag_unknown",
            f"{s.name}{cname} {lag_label} is NULL although both threads run: lag unknown (not 0)",
            "Measure true lag with a heartbeat table written on the source, "
            f"as in {CAUCUS} — wizard heartbeat.",
            ("seconds_behind_source",),
            "heartbeat",
        )
    elif lag is not None and lag > lag_limit:
        sev = CRIT if lag > delay + lag_critical else WARN
        limit = lag_critical if sev is CRIT else lag_warning
        limit_text = f"{lbl('sql_delay')} {delay} s + {limit:g} s" if delay else f"{limit:g} s"
        add(
            sev,
            "lag_high",
            f"{s.name}{cname} {lag_label} {lag} s behind {source} (limit {limit_text})",
            f"Watch {lag_label} fall to 0, as in {CRASH_RESYNC}; "
            "it only measures SQL-vs-IO distance, so confirm with a "
            "heartbeat (wizard heartbeat).",
            ("seconds_behind_source",),
            "heartbeat",
        )
    # coordinates against the source's binlog (the crosswise check of 'Fixing MySQL Multi-Master Replication')
    impossible = False
    if (
        src is not None
        and src.reachable
        and src.binlog
        and src.binlog.file
        and src.binlog.position is not None
    ):
        impossible = _coordinates(s, ch, src, pair, values, add, lag_limit, bool(io_err or sql_err))
    # external source / all well
    if edge and edge.external and not source_unknown:
        add(
            OK if ch.io_ok else WARN,
            "external_source",
            f"{s.name}{cname} replicates from {ch.source_host}:{ch.source_port}, which is not in the config",
            "Add it as a [[nodes]] entry to check its binlog coordinates against this replica."
            if not ch.io_ok
            else "",
        )
    if (
        ch.io_ok
        and ch.sql_ok
        and not ch.last_io_errno
        and not ch.last_sql_errno
        and not impossible
        and lag is not None
        and lag <= lag_limit
        and s.rebuild_mark is None
    ):
        add(
            OK,
            "replication_ok",
            f"{s.name}{cname} replicates from {source}: {lbl('io_running')} Yes, "
            f"{lbl('sql_running')} Yes, {lag_label} {lag}",
            fields=("io_running", "sql_running", "seconds_behind_source"),
        )
    return out


def _coordinates(
    s: NodeStatus,
    ch: Channel,
    src: NodeStatus,
    pair: bool,
    values: dict[str, object],
    add: _AddFinding,
    lag_limit: float,
    has_error: bool,
) -> bool:
    """Add one coordinates_* finding for channel ``ch``; True when impossible.
    ``lag_limit`` is the lag (seconds) up to which a running replica counts as catching up.
    The caller has checked that ``src.binlog`` is known."""
    lbl = ch.label
    assert src.binlog is not None  # checked by the caller (_channel_findings)
    cur, cur_pos = src.binlog.file, src.binlog.position
    at = f"{src.name} is at {cur}:{cur_pos} (SHOW MASTER STATUS File/Position)"
    problems: list[tuple[str, str, tuple[str, ...]]] = []
    ahead: set[tuple[str, str]] = set()  # past the source's status, explained by writes between the two reads
    for (fk, pk), purged_counts in ((_READ, True), (_EXEC, False)):
        f, p = getattr(ch, fk), getattr(ch, pk)
        if f and p is not None:
            r = impossible_reason(src, f, p, purged_counts=purged_counts)
            if r and not proven_impossible(r[0], src, s, ch, f):
                ahead.add((fk, pk))
            elif r:
                text = r[1] if r[0] != "past_end" else f"{lbl(pk)} {r[1]}"
                problems.append(
                    (
                        r[0],
                        f"{s.name} {lbl(fk)} {text}" if r[0] != "past_end" else f"{s.name} {text}",
                        (fk, pk),
                    )
                )
    if problems:
        kind = problems[0][0]
        known = {"purged": E.BINLOG_PURGED, "past_end": E.IMPOSSIBLE_POSITION}.get(kind)
        if known:
            advice, wizard = E.advice_for(known, **values), E.wizard_for(known, pair=pair)
        else:
            advice, wizard = (
                (
                    f"{src.name} was reset or replaced (RESET MASTER, restore): "
                    f"{s.name}'s coordinates point at "
                    f"binlogs it never wrote. Rebuild {s.name} from {src.name} with wizard "
                    f"{'resync-pair' if pair else 'rebuild-replica'}, as in "
                    f"{MULTI_MASTER if pair else REPLICATION_ERROR}."
                ),
                ("resync-pair" if pair else "rebuild-replica"),
            )
        fields = tuple(x for p in problems for x in p[2]) + ("binlog_file", "binlog_position")
        add(
            CRIT,
            "coordinates_impossible",
            "; ".join(p[1] for p in problems) + f"; {at}",
            advice,
            tuple(dict.fromkeys(fields)),
            wizard,
            1236 if known else None,
        )
        return True
    read = ch.source_log_file, ch.read_source_log_pos
    exe = ch.relay_source_log_file, ch.exec_source_log_pos
    order = f"read before {s.name}'s status" if src.read_before(s) else f"not read after {s.name}'s status"
    ahead_text = (
        f"is ahead of {src.name}'s SHOW MASTER STATUS, which was {order}: {src.name} wrote more "
        "between the two reads"
    )
    if all(keys in ahead or coord == (cur, cur_pos) for keys, coord in ((_READ, read), (_EXEC, exe))):
        fields = _READ + _EXEC + ("binlog_file", "binlog_position")
        if not ahead:
            add(
                OK,
                "coordinates_caught_up",
                f"{s.name} {lbl('source_log_file')}/{lbl('read_source_log_pos')} and "
                f"{lbl('relay_source_log_file')}/{lbl('exec_source_log_pos')} equal {src.name}'s "
                f"{cur}:{cur_pos}",
                fields=fields,
            )
            return False
        parts = [
            f"{lbl(fk)}/{lbl(pk)} {f}:{p} " + (ahead_text if (fk, pk) in ahead else "is caught up")
            for (fk, pk), (f, p) in ((_READ, read), (_EXEC, exe))
        ]
        add(
            OK,
            "coordinates_caught_up",
            f"{s.name} vs {src.name}: " + "; ".join(parts) + f"; {at}",
            fields=fields,
        )
        return False
    parts = []
    marked: tuple[str, ...] = ()  # only the coordinates that are not caught up get highlighted
    for (fk, pk), (f, p) in ((_READ, read), (_EXEC, exe)):
        if (fk, pk) in ahead:
            parts.append(f"{lbl(fk)}/{lbl(pk)} {f}:{p} {ahead_text}")
            continue
        if (f, p) != (cur, cur_pos):
            marked += (fk, pk)
        if not f or p is None:
            parts.append(f"{lbl(fk)} unknown")
            continue
        d = bytes_behind(src, f, p)
        if d is None:
            gone = (
                ""
                if src.binlog_file(f) or f == cur
                else f" ({f} is no longer on {src.name}: a re-point from here would fail)"
            )
            parts.append(f"{lbl(fk)}/{lbl(pk)} {f}:{p} behind by an unknown amount{gone}")
        else:
            files = f", {d[1]} file{'s' if d[1] != 1 else ''}" if d[1] else ""
            if d == (0, 0):
                parts.append(f"{lbl(fk)}/{lbl(pk)} {f}:{p} is caught up")
            else:
                parts.append(f"{lbl(fk)}/{lbl(pk)} {f}:{p} is {d[0]} bytes{files} behind")
    lag = ch.seconds_behind_source
    running = ch.io_ok and ch.sql_ok and lag is not None and lag <= lag_limit
    advice = (
        "Both threads run: it is catching up; watch the positions converge."
        if running
        else "Repair the replication error first (see its finding); "
        "this is the distance left to catch up after."
        if has_error
        else f"With writes stopped these should match {src.name}'s SHOW MASTER STATUS: "
        f"the crosswise check of {MULTI_MASTER}. "
        f"START SLAVE on {s.name} "
        f"to let it catch up; if it cannot, CHANGE MASTER TO the right file/position (wizard repoint) "
        f"or resync ({'resync-pair' if pair else 'rebuild-replica'})."
    )
    add(
        OK if running else WARN,
        "coordinates_behind",
        f"{s.name} vs {src.name}: " + "; ".join(parts) + f"; {at}",
        advice,
        marked + ("binlog_file", "binlog_position"),
        None if running or has_error else "restart-replication",
    )
    return False


def _duplicate_ids(statuses: Sequence[NodeStatus]) -> list[Finding]:
    groups: dict[int, list[str]] = {}
    for s in statuses:
        if s.reachable and s.server_id:
            groups.setdefault(s.server_id, []).append(s.name)
    out = []
    for sid, names in groups.items():
        if len(names) < 2:
            continue
        for n in names:
            others = [m for m in names if m != n]
            out.append(
                Finding(
                    CRIT,
                    "server_id_duplicate",
                    (n, *others),
                    f"{n} has server_id {sid}, like {', '.join(others)}: a replica skips events carrying its "
                    "own server_id, and a source drops one of two replicas with the same id",
                    "Give each node a unique server_id under [mysqld] in my.cnf and restart, as the setup in "
                    + RAILS_FAILOVER
                    + " does.",
                    fields=("server_id",),
                )
            )
    return out


def _oneline(text: str, limit: int = 300) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


# -- for the UI and CLI -------------------------------------------------------------
def summary(findings: Iterable[Finding]) -> str:
    """One line: counts per severity and the first non-ok message, e.g.
    ``"2 critical, 1 warning, 3 ok — node2 Last_SQL_Error 1062 …"``; ``"no findings"`` for none."""
    fs = list(findings)
    if not fs:
        return "no findings"
    counts = [(sev, sum(1 for f in fs if f.severity is sev)) for sev in (CRIT, WARN, OK)]
    head = ", ".join(f"{n} {sev.value}" for sev, n in counts if n)
    bad = [f for f in fs if f.severity is not OK]
    if not bad:
        return f"all well: {head}"
    first = min(bad, key=lambda f: -f.severity.rank)
    return f"{head} — {first.message}"


def field_marks(findings: Iterable[Finding], node: str, channel: str | None = None) -> dict[str, Severity]:
    """Worst severity per field to highlight in ``node``'s pane.

    ``channel=None`` gives the node-level rows (``read_only``, ``server_id``,
    ``binlog_file``, ``binlog_position``…), including ``binlog_*`` of
    channel findings where ``node`` is the source (``nodes[1]``); a channel
    name (``""`` = default channel) gives that channel's rows.
    """
    marks: dict[str, Severity] = {}

    def mark(field: str, sev: Severity) -> None:
        if field not in marks or sev.rank > marks[field].rank:
            marks[field] = sev

    for f in findings:
        subject = f.nodes[0] == node
        for fld in f.fields:
            if fld in NODE_FIELDS:
                if channel is not None:
                    continue
                if f.channel is None and subject:
                    mark(fld, f.severity)
                elif (
                    f.channel is not None
                    and len(f.nodes) > 1
                    and f.nodes[1] == node
                    and fld.startswith("binlog_")
                ):
                    mark(fld, f.severity)
            elif subject and channel is not None and f.channel == channel:
                mark(fld, f.severity)
    return marks
