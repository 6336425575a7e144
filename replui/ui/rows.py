"""What a node pane shows, as plain data (no textual): a fixed list of rows.

Every pane shows the same rows in the same order, with the same number of
lines per row, so the coordinates of all nodes line up on one screen line:

* identity: address, server, server_id, server_uuid, read_only, log_bin, GTID mode
* source coordinates (``SHOW MASTER STATUS``): File, Position, GTID set, binlogs
* one replica section per channel slot (the dashboard passes the maximum
  channel count over all nodes; empty slots are blank rows), labelled with the
  server's own column names (:meth:`replui.model.Channel.label`).

Each row carries ``field``: the canonical name a :class:`~replui.model.Finding`
uses in ``fields``, so findings can mark the row.
"""

from __future__ import annotations

from dataclasses import dataclass

from replui.model import Channel, Finding, NodeStatus, Severity

#: Lines taken by the error-text rows (label line + wrapped text).
ERROR_ROW_LINES = 3


@dataclass(frozen=True)
class Row:
    """One line (or ``lines`` lines) of a pane.

    ``key`` is unique in the pane and stable (used as widget id), ``field`` the
    canonical field name findings refer to (``""`` for none), ``kind`` is
    ``"field"`` or ``"heading"``.
    """

    key: str
    label: str
    value: str = ""
    field: str = ""
    kind: str = "field"
    lines: int = 1
    channel: str | None = None


NODE_FIELD_ROWS: dict[str, str] = {
    # canonical finding field -> row key
    "host": "address",
    "port": "address",
    "flavor": "server",
    "version": "server",
    "server_id": "server_id",
    "server_uuid": "server_uuid",
    "read_only": "read_only",
    "super_read_only": "read_only",
    "log_bin": "log_bin",
    "binlog_format": "log_bin",
    "log_replica_updates": "log_bin",
    "gtid_mode": "gtid_mode",
    "binlog_file": "binlog_file",
    "binlog_position": "binlog_position",
    "binlog_gtid": "binlog_gtid",
    "gtid_executed": "binlog_gtid",
    "gtid_purged": "binlog_gtid",
    "binlog_files": "binlog_files",
}

CHANNEL_FIELDS: tuple[tuple[str, int], ...] = (
    ("source_host", 1),
    ("io_running", 1),
    ("sql_running", 1),
    ("source_log_file", 1),
    ("read_source_log_pos", 1),
    ("relay_source_log_file", 1),
    ("exec_source_log_pos", 1),
    ("seconds_behind_source", 1),
    ("last_io_errno", 1),
    ("last_io_error", ERROR_ROW_LINES),
    ("last_sql_errno", 1),
    ("last_sql_error", ERROR_ROW_LINES),
)
CHANNEL_FIELD_ALIASES = {"source_port": "source_host", "io_state": "io_running", "sql_state": "sql_running"}


def _onoff(v: bool | None) -> str:
    return "—" if v is None else ("ON" if v else "OFF")


def _num(v: int | None) -> str:
    return "—" if v is None else str(v)


def human_bytes(n: int) -> str:
    """``n`` bytes as B/KiB/MiB/GiB/TiB with one decimal above bytes."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def identity_rows(s: NodeStatus) -> list[Row]:
    up = s.reachable
    server = ""
    if up:
        fl = {"mariadb": "MariaDB", "mysql": "MySQL"}.get(s.flavor.value, s.flavor.value) if s.flavor else ""
        version = s.version or ""
        if fl and fl.lower() in version.lower():
            fl = ""
        server = " ".join(x for x in (fl, version) if x) or "—"
    return [
        Row("address", "Address", f"{s.host}:{s.port}", "host"),
        Row("server", "Server", server, "version"),
        Row("server_id", "server_id", _num(s.server_id) if up else "", "server_id"),
        Row("server_uuid", "server_uuid", (s.server_uuid or "—") if up else "", "server_uuid"),
        Row(
            "read_only",
            "read_only / super",
            f"{_onoff(s.read_only)} / {_onoff(s.super_read_only)}" if up else "",
            "read_only",
        ),
        Row(
            "log_bin",
            "log_bin / format",
            f"{_onoff(s.log_bin)} / {s.binlog_format or '—'}" if up else "",
            "log_bin",
        ),
        Row("gtid_mode", "GTID mode", (s.gtid_mode or "—") if up else "", "gtid_mode"),
    ]


def source_rows(s: NodeStatus) -> list[Row]:
    b = s.binlog if s.reachable else None
    if s.reachable and s.binlog_files:
        total = sum(f.size for f in s.binlog_files)
        files = f"{len(s.binlog_files)} file{'' if len(s.binlog_files) == 1 else 's'}, {human_bytes(total)}"
    elif s.reachable:
        files = "none" if not s.log_bin else "—"
    else:
        files = ""
    heading = (
        "Source coordinates (SHOW MASTER STATUS)"
        if s.reachable and (b is None or b.file)
        else ("Source: binlog off" if s.reachable else "")
    )
    return [
        Row("source_heading", heading, kind="heading"),
        Row("binlog_file", "File", (b.file or "—") if b else ("—" if s.reachable else ""), "binlog_file"),
        Row(
            "binlog_position",
            "Position",
            _num(b.position) if b else ("—" if s.reachable else ""),
            "binlog_position",
        ),
        Row(
            "binlog_gtid",
            "GTID set",
            (b.gtid or s.gtid_executed or "—") if b else ((s.gtid_executed or "—") if s.reachable else ""),
            "binlog_gtid",
        ),
        Row("binlog_files", "Binlogs", files, "binlog_files"),
    ]


def _channel_value(c: Channel, f: str) -> str:
    if f == "source_host":
        return f"{c.source_host or '—'}:{_num(c.source_port)}"
    if f == "seconds_behind_source":
        return "NULL (unknown)" if c.seconds_behind_source is None else str(c.seconds_behind_source)
    if f in ("read_source_log_pos", "exec_source_log_pos"):
        return _num(getattr(c, f))
    if f in ("last_io_error", "last_sql_error"):
        return getattr(c, f) or ""
    v = getattr(c, f)
    return "—" if v is None or v == "" else str(v)


def channel_rows(slot: int, c: Channel | None, note: str = "") -> list[Row]:
    """Rows of channel slot ``slot``: ``c``'s values, or blank rows with
    ``note`` in the heading when the node has no channel in this slot."""
    p = f"ch{slot}-"
    if c is None:
        rows = [Row(p + "heading", note, kind="heading")]
        rows += [Row(p + f, "", "", f, lines=n) for f, n in CHANNEL_FIELDS]
        return rows
    title = f"Replica channel '{c.name}'" if c.name else "Replica (default channel)"
    rows = [Row(p + "heading", title, kind="heading", channel=c.name)]
    for f, n in CHANNEL_FIELDS:
        label = f"{c.label('source_host')}:port" if f == "source_host" else c.label(f)
        rows.append(Row(p + f, label, _channel_value(c, f), f, lines=n, channel=c.name))
    return rows


def pane_rows(s: NodeStatus, slots: int) -> list[Row]:
    """All rows of ``s``'s pane with ``slots`` channel sections (>= 1)."""
    rows = identity_rows(s) + source_rows(s)
    channels = list(s.channels) if s.reachable else []
    for i in range(max(1, slots)):
        if i < len(channels):
            rows += channel_rows(i, channels[i])
        else:
            note = "" if i or not s.reachable else "Replica: not a replica"
            rows += channel_rows(i, None, note)
    return rows


def row_marks(s: NodeStatus, findings: list[Finding]) -> dict[str, Severity]:
    """Row key -> worst severity to mark in ``s``'s pane, by the analysis'
    own rule (:func:`replui.analysis.findings.field_marks`): fields of the
    findings whose subject (``nodes[0]``) is ``s``, channel fields on their
    channel, plus the ``binlog_*`` rows of a source (``nodes[1]``) that a
    replica's coordinates finding compares against."""
    from replui.analysis.findings import field_marks

    marks: dict[str, Severity] = {}

    def mark(key: str, sev: Severity) -> None:
        if key not in marks or sev.rank > marks[key].rank:
            marks[key] = sev

    for fld, sev in field_marks(findings, s.name, None).items():
        if fld in NODE_FIELD_ROWS:
            mark(NODE_FIELD_ROWS[fld], sev)
    channel_keys = dict(CHANNEL_FIELDS)
    for i, c in enumerate(s.channels if s.reachable else ()):
        for fld, sev in field_marks(findings, s.name, c.name).items():
            if fld in NODE_FIELD_ROWS:
                mark(NODE_FIELD_ROWS[fld], sev)
                continue
            canon = CHANNEL_FIELD_ALIASES.get(fld, fld)
            if canon in channel_keys:
                mark(f"ch{i}-{canon}", sev)
    return marks


def node_severity(name: str, findings: list[Finding]) -> Severity | None:
    """Worst severity among the findings whose subject (``nodes[0]``) is ``name``; None for none."""
    result: Severity | None = None
    for f in findings:
        if f.nodes and f.nodes[0] == name and (result is None or f.severity.rank > result.rank):
            result = f.severity
    return result


SYMBOLS = {Severity.CRITICAL: "✖", Severity.WARNING: "▲", Severity.OK: "✔"}
CSS_CLASS = {Severity.CRITICAL: "-error", Severity.WARNING: "-warn", Severity.OK: "-ok"}
