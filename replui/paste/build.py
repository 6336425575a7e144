"""Turn one node's pasted rows into the :class:`~replui.model.NodeStatus` the live
collector builds — through the same code (:func:`replui.mysql.status.build_status`).

A paste shows what it shows: a column that is absent (or elided) is left out of the row,
so it stays unknown: ``None`` (an absent ``Last_IO_Errno`` too, never 0), and an empty
``Slave_IO_Running``/``Slave_SQL_Running`` (never "No"), which the findings and the
dashboard read as unknown. The server's flavour comes from ``@@version`` when the paste has it, else from
columns only one flavour prints (MariaDB's ``Using_Gtid``, ``Connection_name``…;
MySQL's ``Master_UUID``, ``Auto_Position``, ``Source_*``…); unknown stays None. The node
has no live connection: ``error`` and ``reached_via`` say it was read from pasted text.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from replui.config import NodeConfig
from replui.model import Channel, Flavor, LogVerdict, MetadataLog, NodeStatus
from replui.mysql.dialect import DEFAULT_MARIADB_VERSION, Dialect, dialect_at, dialect_from_variables
from replui.mysql.status import build_status
from replui.mysql.workers import merge_worker_errors
from replui.paste import columns as C
from replui.paste.evidence import Evidence
from replui.paste.model import PasteError, Row, Skipped, Statement

DEFAULT_PORT = 3306
_MARIADB_ONLY = frozenset(
    {
        "Using_Gtid",
        "Gtid_IO_Pos",
        "Connection_name",
        "Slave_SQL_State",
        "Gtid_Slave_Pos",
        "Parallel_Mode",
        "Replicate_Do_Domain_Ids",
        "Replicate_Ignore_Domain_Ids",
        "Slave_DDL_Groups",
    }
)
_MYSQL_ONLY = frozenset(
    {
        "Master_UUID",
        "Source_UUID",
        "Auto_Position",
        "Channel_Name",
        "Master_Info_File",
        "Source_Info_File",
        "Master_TLS_Version",
        "Source_TLS_Version",
        "Retrieved_Gtid_Set",
        "Last_IO_Error_Timestamp",
        "Last_SQL_Error_Timestamp",
        "Network_Namespace",
        "Get_master_public_key",
        "Get_Source_public_key",
    }
)
_CHANNEL_COLUMNS = ("Channel_Name", "Channel_name", "Connection_name")
#: Channel fields whose model default would read as a fact ("No", 0) -> (the columns
#: that show them, what an absent one becomes: "" for a thread state, None for an errno).
_UNKNOWN: dict[str, tuple[tuple[str, ...], str | None]] = {
    "io_running": (("Replica_IO_Running", "Slave_IO_Running"), ""),
    "sql_running": (("Replica_SQL_Running", "Slave_SQL_Running"), ""),
    "last_io_errno": (("Last_IO_Errno",), None),
    "last_sql_errno": (("Last_SQL_Errno",), None),
}


def clean_row(row: Row) -> dict[str, str | None]:
    """``row``'s values read column by column (:func:`replui.paste.columns.clean_value`):
    elided columns are dropped. Raises :class:`PasteError` naming the column's line."""
    out: dict[str, str | None] = {}
    for name, raw in row.values.items():
        try:
            value = C.clean_value(name, raw)
        except ValueError as exc:
            raise PasteError(row.source, row.lines.get(name, row.first_line), str(exc)) from None
        if value is C.Unknown.ELIDED:
            continue
        assert not isinstance(value, C.Unknown)
        out[name] = value
    return out


def _channel_name(values: dict[str, str | None]) -> str:
    for col in _CHANNEL_COLUMNS:
        if col in values:
            return values[col] or ""
    for key, value in values.items():
        if key.lower() == "channel_name":
            return value or ""
    return ""


def _variables(rows: Iterable[dict[str, str | None]]) -> dict[str, str]:
    """``SHOW VARIABLES`` rows and ``SELECT @@x`` columns -> ``{name: value}`` (lower-case names)."""
    out: dict[str, str] = {}
    for values in rows:
        if "Variable_name" in values and "Value" in values:
            name = values["Variable_name"]
            if name:
                out[name.lower()] = values["Value"] or ""
            continue
        for key, value in values.items():
            if key.startswith("@@"):
                name = key[2:].lower()
                for scope in ("global.", "session."):
                    name = name.removeprefix(scope)
                out[name] = value or ""
    return out


def flavor_of_columns(
    replica: list[dict[str, str | None]], binlog: list[dict[str, str | None]]
) -> Flavor | None:
    """The flavour only one server family would print these columns as, or None."""
    seen = {k for values in replica for k in values}
    if seen & _MARIADB_ONLY:
        return Flavor.MARIADB
    if seen & _MYSQL_ONLY or any(k.startswith(("Source_", "Replica_")) for k in seen):
        return Flavor.MYSQL
    if any("Executed_Gtid_Set" in values for values in binlog):
        return Flavor.MYSQL
    return None


def _dialect(
    variables: dict[str, str], flavor: Flavor | None, replica: list[dict[str, str | None]]
) -> tuple[Dialect, Flavor | None]:
    if variables.get("version"):
        try:
            dialect = dialect_from_variables(variables)
            return dialect, dialect.flavor
        except ValueError:
            pass
    if flavor is Flavor.MARIADB:
        return dialect_at(Flavor.MARIADB, DEFAULT_MARIADB_VERSION), flavor
    modern = any(k.startswith(("Source_", "Replica_")) for values in replica for k in values)
    # only the labels of columns the paste lacks depend on this guess
    return dialect_at(Flavor.MYSQL, (8, 0, 22) if modern else (5, 7, 0)), flavor


def _unknown_columns(ch: Channel) -> Channel:
    """An absent ``*_Running`` column reads as "" (not shown), never as "No"; an absent
    ``Last_*_Errno`` as None (the dashboard shows "—"), never as 0."""
    changes: dict[str, Any] = {}
    for field, (cols, unknown) in _UNKNOWN.items():
        if not any(c in ch.raw for c in cols):
            changes[field] = unknown
    return dataclasses.replace(ch, **changes) if changes else ch


def build_node(
    name: str,
    host: str | None,
    port: int | None,
    rows: list[Row],
    places: list[tuple[str, int, int]],
    evidence: Evidence | None = None,
) -> tuple[NodeStatus, list[Skipped]]:
    """Node ``name``'s rows (in paste order) -> its :class:`NodeStatus` and the rows no
    statement claims (returned as skipped lines). ``host``/``port`` as given on its
    ``-- node`` line (default: the name, 3306 — so replicas whose ``Master_Host`` is that
    name match it); ``places`` the ``(source, first line, last line)`` it was read from.
    Raises :class:`PasteError` for a value that cannot be its column's, or a node with no
    status at all."""
    skipped: list[Skipped] = []
    replica: dict[str, dict[str, str | None]] = {}
    binlog: dict[str, str | None] = {}
    files: dict[str, dict[str, str | None]] = {}
    var_rows: list[dict[str, str | None]] = []
    workers: dict[str, list[dict[str, str | None]]] = {}
    for row in rows:
        if row.statement is None:
            text = ", ".join(f"{k}: {v}" for k, v in list(row.values.items())[:3])
            skipped.append(Skipped(row.source, row.first_line, text))
            continue
        values = clean_row(row)
        if row.statement is Statement.REPLICA_STATUS:
            replica.setdefault(_channel_name(values), {}).update(values)
        elif row.statement is Statement.BINLOG_STATUS:
            binlog.update(values)
        elif row.statement is Statement.BINARY_LOGS:
            if values.get("Log_name"):
                files[values["Log_name"] or ""] = values
        elif row.statement is Statement.VARIABLES:
            var_rows.append(values)
        elif row.statement is Statement.WORKERS:
            workers.setdefault(_channel_name(values), []).append(values)
    evidence = evidence or Evidence()
    if not (replica or binlog or files or var_rows or workers or evidence.any):
        source, first, _ = places[0]
        raise PasteError(
            source,
            first,
            f"no status found for {name}: expected the output of SHOW SLAVE STATUS\\G (or SHOW REPLICA "
            "STATUS, SHOW ALL SLAVES STATUS), SHOW MASTER STATUS (or SHOW BINARY LOG STATUS) or "
            "SHOW BINARY LOGS",
        )
    variables = _variables(var_rows)
    replica_rows = merge_worker_errors(replica.values(), [w for rows_ in workers.values() for w in rows_])
    binlog_rows = [binlog] if binlog else []
    flavor = flavor_of_columns(replica_rows, binlog_rows)
    dialect, flavor = _dialect(variables, flavor, replica_rows)
    node = NodeConfig(name=name, host=host or name, port=port or DEFAULT_PORT)
    status = build_status(node, dialect, variables, replica_rows, binlog_rows, list(files.values()))
    where = "; ".join(f"{src} lines {a}-{b}" if a != b else f"{src} line {a}" for src, a, b in places)
    shows_gtid_use = any("Using_Gtid" in r for r in replica_rows)
    status = dataclasses.replace(
        status,
        flavor=flavor,
        gtid_mode=status.gtid_mode if flavor is not Flavor.MARIADB or shows_gtid_use else None,
        channels=tuple(_unknown_columns(ch) for ch in status.channels),
        error="no live connection: status read from pasted text",
        reached_via=f"pasted text ({where})",
        metadata_log=MetadataLog(LogVerdict.FAILED, line=evidence.failure)
        if evidence.failure and not status.channels
        else None,
    )
    return status, skipped
