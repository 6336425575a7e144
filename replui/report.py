"""Rendering statuses and findings for ``replui status``: JSON, text, exit code.

The JSON shape is documented in the README ("replui status --json"); keep the
two in step. No terminal library is used here: this runs from cron.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from replui.model import Finding, NodeStatus, Severity, to_jsonable, worst
from replui.wizards.catalogue import advice_command

EXIT_CODES = {Severity.OK: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
EXIT_UNKNOWN = 3
_SYMBOL = {Severity.OK: "OK", Severity.WARNING: "WARNING", Severity.CRITICAL: "CRITICAL"}

_CHANNEL_KEYS = (
    "name",
    "source_host",
    "source_port",
    "source_user",
    "source_log_file",
    "read_source_log_pos",
    "relay_log_file",
    "relay_log_pos",
    "relay_source_log_file",
    "exec_source_log_pos",
    "io_running",
    "sql_running",
    "io_state",
    "sql_state",
    "seconds_behind_source",
    "last_io_errno",
    "last_io_error",
    "last_io_error_timestamp",
    "last_sql_errno",
    "last_sql_error",
    "last_sql_error_timestamp",
    "source_server_id",
    "source_uuid",
    "retrieved_gtid_set",
    "executed_gtid_set",
    "auto_position",
    "using_gtid",
    "gtid_io_pos",
    "sql_delay",
    "sql_remaining_delay",
)
_STATUS_WORD = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}


def exit_code(statuses: Sequence[NodeStatus], findings: Sequence[Finding]) -> int:
    """Monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    (no node configured)."""
    if not statuses:
        return EXIT_UNKNOWN
    return EXIT_CODES[worst(list(findings))]


def node_json(s: NodeStatus) -> dict[str, Any]:
    """One node as the README documents it. ``rebuild_mark`` is None or
    ``{"wizard", "source", "scope": [databases], "started_at": "… UTC"}``."""
    binlog = None
    if s.binlog is not None:
        binlog = {"file": s.binlog.file, "position": s.binlog.position, "gtid": s.binlog.gtid or None}
    mark = None
    if s.rebuild_mark is not None:
        m = s.rebuild_mark
        mark = {"wizard": m.wizard, "source": m.source, "scope": list(m.scope), "started_at": m.started_at}
    return {
        "name": s.name,
        "host": s.host,
        "port": s.port,
        "reached_via": s.reached_via,
        "reachable": s.reachable,
        "error": s.error,
        "errno": s.errno,
        "warnings": list(s.warnings),
        "flavor": s.flavor.value if s.flavor else None,
        "version": s.version,
        "hostname": s.hostname,
        "server_id": s.server_id,
        "server_uuid": s.server_uuid,
        "read_only": s.read_only,
        "super_read_only": s.super_read_only,
        "log_bin": s.log_bin,
        "binlog_format": s.binlog_format,
        "gtid_mode": s.gtid_mode,
        "gtid_executed": s.gtid_executed,
        "binlog": binlog,
        "binlog_files": [{"name": f.name, "size": f.size} for f in s.binlog_files],
        "channels": [
            {**{k: to_jsonable(getattr(c, k)) for k in _CHANNEL_KEYS}, "labels": dict(c.labels)}
            for c in s.channels
        ],
        "rebuild_mark": mark,
        "collected_at": s.collected_at,
        "query_seconds": round(s.query_seconds, 4),
    }


def finding_json(f: Finding, config_path: str | None = None) -> dict[str, Any]:
    """One finding as JSON; ``command`` is the wizard command to paste (None when it advises none)."""
    return {
        "severity": f.severity.value,
        "code": f.code,
        "nodes": list(f.nodes),
        "channel": f.channel,
        "message": f.message,
        "advice": f.advice,
        "fields": list(f.fields),
        "wizard": f.wizard,
        "command": advice_command(f, config_path),
        "errno": f.errno,
    }


def to_json(
    statuses: Sequence[NodeStatus], findings: Sequence[Finding], config_path: str | None = None
) -> str:
    """The whole report as a JSON document (a string, indented)."""
    code = exit_code(statuses, findings)
    doc = {
        "status": _STATUS_WORD[code],
        "exit_code": code,
        "nodes": [node_json(s) for s in statuses],
        "findings": [finding_json(f, config_path) for f in findings],
    }
    return json.dumps(doc, indent=2)


def unknown_json(error: str) -> str:
    """The report when nothing could be polled (an unusable configuration):
    ``{"status": "UNKNOWN", "exit_code": 3, "error": error, "nodes": [], "findings": []}``."""
    doc = {
        "status": _STATUS_WORD[EXIT_UNKNOWN],
        "exit_code": EXIT_UNKNOWN,
        "error": error,
        "nodes": [],
        "findings": [],
    }
    return json.dumps(doc, indent=2)


def _coord(file: str | None, pos: int | None) -> str:
    if not file:
        return "-"
    return f"{file}:{pos if pos is not None else '?'}"


def render_text(
    statuses: Sequence[NodeStatus], findings: Sequence[Finding], config_path: str | None = None
) -> str:
    """A compact plain-text report: one line per node and channel, then the
    findings with their advice. The first line is the monitoring-plugin
    summary (``REPLUI CRITICAL - ...``)."""
    code = exit_code(statuses, findings)
    label = _STATUS_WORD[code]
    problems = [f for f in findings if f.severity is not Severity.OK]
    head = f"REPLUI {label} - {len(statuses)} node(s), {len(problems)} problem(s)"
    if problems:
        head += ": " + "; ".join(f"{f.code} on {f.nodes[0]}" for f in problems[:3])
    lines = [head, ""]
    for s in statuses:
        if not s.reachable:
            lines.append(f"{s.name} {s.host}:{s.port}  UNREACHABLE  {s.error or ''}")
            continue
        flavor = s.flavor.value if s.flavor else "?"
        ro = "read_only=?" if s.read_only is None else "read_only" if s.read_only else "writable"
        b = s.binlog
        binlog = _coord(b.file, b.position) if b else "off" if s.log_bin is False else "?"
        server_id = "?" if s.server_id is None else s.server_id
        note = f"  ({s.error})" if s.error else ""  # a reachable node with a note: read from pasted text
        lines.append(
            f"{s.name} {s.host}:{s.port}  {flavor} {s.version or '?'}  server_id={server_id}  {ro}  "
            f"binlog={binlog}{note}"
        )
        if s.rebuild_mark is not None:
            m = s.rebuild_mark
            lines.append(
                f"  UNFINISHED {m.wizard} from {m.source} (started {m.started_at or '?'}; "
                f"{', '.join(m.scope) or 'all databases'})"
            )
        for c in s.channels:
            lag = "NULL" if c.seconds_behind_source is None else f"{c.seconds_behind_source}s"
            if c.raw and c.label("seconds_behind_source") not in c.raw:
                lag = "?"  # not shown (a pasted fragment): unknown, not NULL
            if c.sql_delay:
                lag += f" (delay={c.sql_delay}s)"
            name = f"'{c.name}' " if c.name else ""
            port = "?" if c.source_port is None else c.source_port
            lines.append(
                f"  {name}<- {c.source_host or '?'}:{port}  "
                f"IO={c.io_running or '?'} SQL={c.sql_running or '?'}  "
                f"read={_coord(c.source_log_file, c.read_source_log_pos)}  "
                f"exec={_coord(c.relay_source_log_file, c.exec_source_log_pos)}  lag={lag}"
            )
            if c.last_io_errno:
                lines.append(f"    {c.label('last_io_errno')}: {c.last_io_errno} {c.last_io_error}")
            if c.last_sql_errno:
                lines.append(f"    {c.label('last_sql_errno')}: {c.last_sql_errno} {c.last_sql_error}")
    if problems:
        lines.append("")
        for f in problems:
            lines.append(f"[{_SYMBOL[f.severity]}] {f.code} ({', '.join(f.nodes)}): {f.message}")
            if f.advice:
                lines.append(f"    advice: {f.advice}")
            if f.wizard:
                lines.append(f"    wizard: {advice_command(f, config_path)}")
    return "\n".join(lines)
