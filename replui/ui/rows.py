"""What a node pane shows, as plain data (no textual): a fixed list of rows.

Every pane shows the same rows in the same order, one line each, so the
coordinates of all nodes line up on one screen line. What a repair needs
first comes first:

* source coordinates (``SHOW MASTER STATUS``): File, Position, GTID set, binlogs
* one replica section per channel slot (the dashboard passes the maximum
  channel count over all nodes; empty slots are blank rows), labelled with the
  server's own column names (:meth:`replui.model.Channel.label`); the source
  by its node name when it is a configured node; each error as one row
  ``errno: text`` (the whole text is in :func:`error_lines`)
* identity: address, server, server_id, server_uuid, read_only, log_bin, GTID mode

Each row carries ``field``: the canonical name a :class:`~replui.model.Finding`
uses in ``fields``, so findings can mark the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from replui.model import Channel, Finding, LogVerdict, NodeStatus, Severity
from replui.units import human_bytes


@dataclass(frozen=True)
class Row:
    """One line of a pane.

    ``key`` is unique in the pane and stable (used as widget id), ``field`` the
    canonical field name findings refer to (``""`` for none), ``kind`` is
    ``"field"`` or ``"heading"``.
    """

    key: str
    label: str
    value: str = ""
    field: str = ""
    kind: str = "field"
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

CHANNEL_FIELDS: tuple[str, ...] = (
    "source_host",
    "io_running",
    "sql_running",
    "source_log_file",
    "read_source_log_pos",
    "relay_source_log_file",
    "exec_source_log_pos",
    "seconds_behind_source",
    "last_io_error",
    "last_sql_error",
)
#: Finding fields shown on another field's row (an error's number is on its text's row).
CHANNEL_FIELD_ALIASES = {
    "source_port": "source_host",
    "io_state": "io_running",
    "sql_state": "sql_running",
    "last_io_errno": "last_io_error",
    "last_sql_errno": "last_sql_error",
}


def _onoff(v: bool | None) -> str:
    return "—" if v is None else ("ON" if v else "OFF")


def _num(v: int | None) -> str:
    return "—" if v is None else str(v)


def _address(s: NodeStatus) -> str:
    """``host:port``, or the SSH route when the node is reached through SSH."""
    if s.reached_via and "ssh" in s.reached_via:
        return s.reached_via
    return f"{s.host}:{s.port}"


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
        Row("address", "Address", _address(s), "host"),
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


_ERRORS = {"last_io_error": "last_io_errno", "last_sql_error": "last_sql_errno"}


def _channel_value(c: Channel, f: str, source_name: str | None = None) -> str:
    if f == "source_host":
        address = f"{c.source_host or '—'}:{_num(c.source_port)}"
        return f"{source_name} ({address})" if source_name else address
    if f == "seconds_behind_source":
        return "NULL (unknown)" if c.seconds_behind_source is None else str(c.seconds_behind_source)
    if f in ("read_source_log_pos", "exec_source_log_pos"):
        return _num(getattr(c, f))
    if f in _ERRORS:
        errno, text = getattr(c, _ERRORS[f]), getattr(c, f) or ""
        if not errno and not text:
            return "0" if errno == 0 else "—"
        return f"{errno}: {text}" if errno else text
    v = getattr(c, f)
    return "—" if v is None or v == "" else str(v)


def channel_rows(slot: int, c: Channel | None, note: str = "", source_name: str | None = None) -> list[Row]:
    """Rows of channel slot ``slot``: ``c``'s values (its source shown as
    ``source_name`` when that is a configured node), or blank rows with
    ``note`` in the heading when the node has no channel in this slot."""
    p = f"ch{slot}-"
    if c is None:
        rows = [Row(p + "heading", note, kind="heading")]
        rows += [Row(p + f, "", "", f) for f in CHANNEL_FIELDS]
        return rows
    title = f"Replica channel '{c.name}'" if c.name else "Replica (default channel)"
    rows = [Row(p + "heading", title, kind="heading", channel=c.name)]
    for f in CHANNEL_FIELDS:
        label = f"{c.label('source_host')}:port" if f == "source_host" else c.label(f)
        rows.append(Row(p + f, label, _channel_value(c, f, source_name), f, channel=c.name))
    return rows


def source_names(s: NodeStatus, others: Sequence[NodeStatus]) -> list[str | None]:
    """Per channel of ``s``: the configured node it replicates from (by
    :func:`replui.analysis.topology.match_source` over ``others``), or None."""
    from replui.analysis.topology import match_source

    return [match_source(c, s, others)[0] if others else None for c in s.channels]


def no_channel_note(s: NodeStatus) -> str:
    """What a reachable node without replica status is: "not a replica", or
    "master.info unreadable" when its error log says so
    (:class:`~replui.model.MetadataLog`)."""
    log = s.metadata_log
    if log is not None and log.verdict is LogVerdict.FAILED:
        return "master.info unreadable"
    return "not a replica"


def pane_rows(s: NodeStatus, slots: int, others: Sequence[NodeStatus] = ()) -> list[Row]:
    """All rows of ``s``'s pane with ``slots`` channel sections (>= 1); each
    channel's source is named when it is one of ``others`` (the latest
    statuses of every configured node)."""
    rows = source_rows(s)
    channels = list(s.channels) if s.reachable else []
    names = source_names(s, others) if channels else []
    for i in range(max(1, slots)):
        if i < len(channels):
            rows += channel_rows(i, channels[i], source_name=names[i])
        else:
            note = "" if i or not s.reachable else f"Replica: {no_channel_note(s)}"
            rows += channel_rows(i, None, note)
    return rows + identity_rows(s)


def error_lines(s: NodeStatus) -> list[str]:
    """The whole text of every error ``s`` shows: the client error of an
    unreachable node, else each channel's ``Last_IO_Error``/``Last_SQL_Error``
    with its number, under the server's own labels (e.g.
    ``"Last_SQL_Error 1062: Could not execute …"``); [] when there is none."""
    if not s.reachable:
        if s.errno is None and (s.error or "").startswith("waiting"):
            return []
        text = s.error or "no answer"
        if s.errno is not None and text.startswith(f"{s.errno}"):
            text = text[len(str(s.errno)) :].lstrip(" :")
        return [f"UNREACHABLE: error {s.errno}: {text}" if s.errno is not None else f"UNREACHABLE: {text}"]
    out = []
    for c in s.channels:
        where = f"channel '{c.name}' " if c.name else ""
        for f, errno_field in _ERRORS.items():
            errno, text = getattr(c, errno_field), getattr(c, f) or ""
            if errno or text:
                number = f" {errno}" if errno else ""
                out.append(f"{where}{c.label(f)}{number}: {' '.join(text.split())}")
    return out


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
    channel_keys = set(CHANNEL_FIELDS)
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
