"""Collect one server's replication status into a :class:`NodeStatus`.

:func:`collect_status` makes at most five round trips per poll (six after a
multi-threaded replica's coordinator stopped, see below): one
``SHOW GLOBAL VARIABLES WHERE Variable_name IN (...)``, the replica status
statement of the server's dialect, — when ``log_bin`` is on — the binlog
status statement and ``SHOW BINARY LOGS``, and one primary-key read of the
rebuild mark (:data:`replui.mysql.marker.READ_MARK`) — and, only when a
multi-threaded replica's coordinator stopped, one read of its failed workers
(:data:`replui.mysql.workers.WORKER_ERRORS_SQL`). A node whose replica status
is empty although it has applied replicated transactions (MariaDB
``@@gtid_slave_pos``) also gets the end of its error log read
(:func:`metadata_log`, at most every :data:`METADATA_LOG_SECONDS`), the only
place an unusable ``master.info`` shows without starting anything. It never raises: a node
it cannot reach comes back as ``NodeStatus(reachable=False, error=..., errno=...)``.
A statement refused for a missing privilege (e.g. ``SHOW BINARY LOGS`` without
``REPLICATION CLIENT``/``BINLOG MONITOR``) leaves that part empty and is noted
in ``NodeStatus.warnings``; the node stays reachable.

The row -> model conversion is pure (:func:`normalise_channel`,
:func:`normalise_variables`, :func:`normalise_binlog`,
:func:`normalise_binary_logs`, :func:`build_status`) so tests feed recorded rows.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Iterable, Mapping

from replui import hostfacts
from replui.analysis.errorlog import metadata_failure
from replui.config import NodeConfig
from replui.model import BinlogCoordinates, BinlogFile, Channel, Flavor, LogVerdict, MetadataLog, NodeStatus
from replui.mysql import marker, workers
from replui.mysql.client import NodeClient, NodeError
from replui.mysql.dialect import (
    Dialect,
    dialect_from_variables,
    query_with_fallback,
    rows_to_variables,
    variables_sql,
)

ER_NO_BINARY_LOGGING = 1381
_DIALECT_KEY = "dialect"
_METADATA_LOG_KEY = "metadata_log"
#: Seconds an error-log reading stays valid for the same ``@@gtid_slave_pos`` (the
#: client's cache, and so the reading, is dropped when the connection is reopened).
METADATA_LOG_SECONDS = 30.0

# canonical field -> candidate columns (first present wins); covers MySQL
# SHOW SLAVE STATUS, MySQL 8.0.22+ SHOW REPLICA STATUS and MariaDB.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "io_running": ("Replica_IO_Running", "Slave_IO_Running"),
    "sql_running": ("Replica_SQL_Running", "Slave_SQL_Running"),
    "io_state": ("Replica_IO_State", "Slave_IO_State"),
    "sql_state": ("Replica_SQL_Running_State", "Slave_SQL_Running_State", "Slave_SQL_State"),
    "source_host": ("Source_Host", "Master_Host"),
    "source_port": ("Source_Port", "Master_Port"),
    "source_user": ("Source_User", "Master_User"),
    "source_log_file": ("Source_Log_File", "Master_Log_File"),
    "read_source_log_pos": ("Read_Source_Log_Pos", "Read_Master_Log_Pos"),
    "relay_log_file": ("Relay_Log_File",),
    "relay_log_pos": ("Relay_Log_Pos",),
    "relay_source_log_file": ("Relay_Source_Log_File", "Relay_Master_Log_File"),
    "exec_source_log_pos": ("Exec_Source_Log_Pos", "Exec_Master_Log_Pos"),
    "seconds_behind_source": ("Seconds_Behind_Source", "Seconds_Behind_Master"),
    "last_io_errno": ("Last_IO_Errno",),
    "last_io_error": ("Last_IO_Error",),
    "last_io_error_timestamp": ("Last_IO_Error_Timestamp",),
    "last_sql_errno": ("Last_SQL_Errno",),
    "last_sql_error": ("Last_SQL_Error",),
    "last_sql_error_timestamp": ("Last_SQL_Error_Timestamp",),
    "source_server_id": ("Source_Server_Id", "Master_Server_Id"),
    "source_uuid": ("Source_UUID", "Master_UUID"),
    "retrieved_gtid_set": ("Retrieved_Gtid_Set",),
    "executed_gtid_set": ("Executed_Gtid_Set",),
    "auto_position": ("Auto_Position",),
    "using_gtid": ("Using_Gtid",),
    "gtid_io_pos": ("Gtid_IO_Pos",),
    "sql_delay": ("SQL_Delay",),
    "sql_remaining_delay": ("SQL_Remaining_Delay",),
    "channel_name": ("Channel_Name", "Channel_name", "Connection_name"),
}
_INT_FIELDS = {
    "source_port",
    "read_source_log_pos",
    "relay_log_pos",
    "exec_source_log_pos",
    "seconds_behind_source",
    "source_server_id",
    "sql_delay",
    "sql_remaining_delay",
}
_ERRNO_FIELDS = {"last_io_errno", "last_sql_errno"}
_GTID_FIELDS = {"retrieved_gtid_set", "executed_gtid_set", "gtid_io_pos"}
_STR_OR_NONE = {
    "source_host",
    "source_user",
    "source_log_file",
    "relay_log_file",
    "relay_source_log_file",
    "source_uuid",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


def _int(value: Any) -> int | None:
    """Server value -> int; None for NULL, "" or anything unparsable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _text(value).strip()
    if not text or text.upper() == "NULL":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return None


def _gtid_text(value: Any) -> str:
    """A GTID set with the server's line wrapping removed."""
    return "".join(_text(value).split())


def _bool(value: str | None) -> bool | None:
    """``ON``/``OFF``/``1``/``0`` -> bool; None when the variable is absent.
    Other words (MariaDB 11 ``read_only=NO_LOCK``…) count as on."""
    if value is None:
        return None
    return value.strip().upper() not in ("OFF", "0", "", "NO", "FALSE")


def normalise_channel(row: Mapping[str, Any], dialect: Dialect | None = None) -> Channel:
    """One row of ``SHOW SLAVE STATUS`` / ``SHOW REPLICA STATUS`` /
    ``SHOW ALL SLAVES STATUS`` -> :class:`Channel`.

    Both legacy (``Master_*``/``Slave_*``) and ``Source_*``/``Replica_*``
    columns are understood whatever the dialect. Positions, ids and the
    ``SQL_Delay``/``SQL_Remaining_Delay`` seconds become ints; a NULL
    ``Seconds_Behind_*`` or ``SQL_Remaining_Delay`` stays None; errnos
    missing or NULL become 0; GTID sets lose the server's line breaks.
    ``labels`` are the columns actually present (else the dialect's labels);
    ``raw`` is the row with str values (NULL -> ``"NULL"``).
    """
    values: dict[str, Any] = {}
    labels: dict[str, str] = dict(dialect.labels) if dialect is not None else {}
    for key, candidates in _COLUMNS.items():
        for col in candidates:
            if col in row:
                labels[key] = col
                values[key] = row[col]
                break
    kw: dict[str, Any] = {}
    for key, value in values.items():
        if key == "channel_name":
            kw["name"] = _text(value)
        elif key in _INT_FIELDS:
            kw[key] = _int(value)
        elif key in _ERRNO_FIELDS:
            kw[key] = _int(value) or 0
        elif key in _GTID_FIELDS:
            kw[key] = _gtid_text(value)
        elif key == "auto_position":
            kw[key] = (_int(value) or 0) != 0
        elif key in _STR_OR_NONE:
            kw[key] = None if value is None else _text(value)
        elif key in ("io_running", "sql_running"):
            kw[key] = _text(value) or "No"
        else:
            kw[key] = _text(value).strip() if key.endswith("_error") else _text(value)
    raw = {str(k): ("NULL" if v is None else _text(v)) for k, v in row.items()}
    return Channel(**kw, labels=labels, raw=raw)


def normalise_variables(variables: Mapping[str, str], dialect: Dialect) -> dict[str, Any]:
    """``{variable: value}`` (lower-case names, from ``SHOW GLOBAL VARIABLES``)
    -> the :class:`NodeStatus` keyword arguments they determine: flavor,
    version, version_comment, hostname, server_id, server_uuid (MySQL only),
    read_only, super_read_only, log_bin, binlog_format, log_replica_updates,
    gtid_mode (MySQL; MariaDB's is decided from channels by
    :func:`build_status`), gtid_executed (MySQL ``gtid_executed``, MariaDB
    ``gtid_binlog_pos``), gtid_purged, gtid_current_pos, gtid_slave_pos,
    gtid_domain_id. Absent variables give None.
    """
    v = variables
    maria = dialect.flavor is Flavor.MARIADB

    def get(name: str) -> str | None:
        return v.get(name)

    def gtid(name: str) -> str | None:
        value = get(name)
        return None if value is None else _gtid_text(value)

    lru = get("log_replica_updates")
    if lru is None:
        lru = get("log_slave_updates")
    return dict(
        flavor=dialect.flavor,
        version=get("version"),
        version_comment=get("version_comment"),
        hostname=get("hostname"),
        server_id=_int(get("server_id")),
        server_uuid=None if maria else get("server_uuid"),
        read_only=_bool(get("read_only")),
        super_read_only=_bool(get("super_read_only")),
        log_bin=_bool(get("log_bin")),
        binlog_format=get("binlog_format"),
        log_replica_updates=_bool(lru),
        gtid_mode=None if maria else get("gtid_mode"),
        gtid_executed=gtid("gtid_binlog_pos") if maria else gtid("gtid_executed"),
        gtid_purged=gtid("gtid_purged"),
        gtid_current_pos=gtid("gtid_current_pos") if maria else None,
        gtid_slave_pos=gtid("gtid_slave_pos") if maria else None,
        gtid_domain_id=_int(get("gtid_domain_id")) if maria else None,
    )


def normalise_binlog(
    rows: Iterable[Mapping[str, Any]], dialect: Dialect, variables: Mapping[str, str] | None = None
) -> BinlogCoordinates | None:
    """The first row of ``SHOW MASTER STATUS`` / ``SHOW BINARY LOG STATUS``
    (``File``, ``Position``, ``Binlog_Do_DB``, ``Binlog_Ignore_DB``,
    ``Executed_Gtid_Set``) -> :class:`BinlogCoordinates`; None for no rows.
    On MariaDB ``gtid`` is ``@@gtid_binlog_pos`` from ``variables``."""
    rows = list(rows)
    if not rows:
        return None
    row = rows[0]
    if dialect.flavor is Flavor.MARIADB:
        gtid = (variables or {}).get("gtid_binlog_pos")
        gtid = _gtid_text(gtid) if gtid is not None else None
    else:
        gtid = (
            _gtid_text(row["Executed_Gtid_Set"])
            if "Executed_Gtid_Set" in row and row["Executed_Gtid_Set"] is not None
            else None
        )
    return BinlogCoordinates(
        file=None if row.get("File") is None else _text(row.get("File")),
        position=_int(row.get("Position")),
        gtid=gtid or None,
        do_db=_text(row.get("Binlog_Do_DB")),
        ignore_db=_text(row.get("Binlog_Ignore_DB")),
    )


def normalise_binary_logs(rows: Iterable[Mapping[str, Any]]) -> tuple[BinlogFile, ...]:
    """``SHOW BINARY LOGS`` rows (``Log_name``, ``File_size`` in bytes, MySQL
    8.0.14+ also ``Encrypted``) -> BinlogFile tuple, in server order."""
    return tuple(BinlogFile(name=_text(r.get("Log_name")), size=_int(r.get("File_size")) or 0) for r in rows)


def build_status(
    node: NodeConfig,
    dialect: Dialect,
    variables: Mapping[str, str],
    replica_rows: Iterable[Mapping[str, Any]] = (),
    binlog_rows: Iterable[Mapping[str, Any]] = (),
    binary_log_rows: Iterable[Mapping[str, Any]] = (),
    *,
    collected_at: float = 0.0,
    query_seconds: float = 0.0,
    warnings: Iterable[str] = (),
    poll_started: float | None = None,
    poll_finished: float | None = None,
    rebuild_mark: marker.RebuildMark | None = None,
) -> NodeStatus:
    """Assemble a reachable :class:`NodeStatus` from raw result rows (pure).

    ``binlog`` is None when ``log_bin`` is off or the status statement
    returned no row. On MariaDB ``gtid_mode`` is ``"ON"`` when any channel's
    ``Using_Gtid`` is not ``No``, else ``"OFF"``. ``poll_started``/
    ``poll_finished`` are monotonic seconds, ``rebuild_mark`` the parsed
    :data:`~replui.mysql.marker.READ_MARK` row; both are stored as given.
    """
    fields = normalise_variables(variables, dialect)
    channels = tuple(normalise_channel(r, dialect) for r in replica_rows)
    if dialect.flavor is Flavor.MARIADB:
        fields["gtid_mode"] = (
            "ON" if any(c.using_gtid and c.using_gtid.lower() != "no" for c in channels) else "OFF"
        )
    log_bin = fields.get("log_bin")
    binlog = normalise_binlog(binlog_rows, dialect, variables) if log_bin is not False else None
    files = normalise_binary_logs(binary_log_rows) if log_bin is not False else ()
    return NodeStatus(
        name=node.name,
        host=node.host,
        port=node.port,
        reachable=True,
        **fields,
        binlog=binlog,
        binlog_files=files,
        channels=channels,
        replica_syntax=dialect.replica_syntax,
        collected_at=collected_at,
        query_seconds=query_seconds,
        warnings=tuple(warnings),
        poll_started=poll_started,
        poll_finished=poll_finished,
        rebuild_mark=rebuild_mark,
    )


def _unreachable(
    node: NodeConfig,
    err: NodeError | Exception,
    collected_at: float,
    query_seconds: float,
    poll_started: float | None = None,
    poll_finished: float | None = None,
) -> NodeStatus:
    unknown_host_key = None
    if isinstance(err, NodeError):
        msg, errno = err.message, err.errno
        unknown_host_key = err.unknown_host_key
    else:
        text = str(err) if isinstance(err, ValueError) else f"{err.__class__.__name__}: {err}"
        msg, errno = " ".join(text.split()), None
    return NodeStatus(
        name=node.name,
        host=node.host,
        port=node.port,
        reachable=False,
        error=msg,
        errno=errno,
        collected_at=collected_at,
        query_seconds=query_seconds,
        poll_started=poll_started,
        poll_finished=poll_finished,
        reached_via=node.reach_label,
        unknown_host_key=unknown_host_key,
    )


def read_rebuild_mark(client: NodeClient) -> marker.RebuildMark | None:
    """The rebuild mark on ``client``'s server (one primary-key read), None
    when there is none (no row, or errors 1049/1146: no such database or
    table). Raises :class:`NodeError` for anything else (e.g. 1142 when the
    account may not read ``replui_state``)."""
    try:
        rows = client.query(marker.READ_MARK)
    except NodeError as err:
        if err.errno in marker.NO_MARK_ERRNOS:
            return None
        raise
    return marker.parse_mark(rows[0] if rows else None)


def metadata_log(client: NodeClient, node: NodeConfig, status: NodeStatus) -> MetadataLog:
    """What ``node``'s error log says of its replication metadata since the
    server last started (:func:`replui.analysis.errorlog.metadata_failure`
    over its last :data:`replui.hostfacts.END_BYTES` bytes), for a node with no
    replica status. Kept in ``client.cache`` for :data:`METADATA_LOG_SECONDS`
    while ``status.gtid_slave_pos`` stays the same. Blocking; never raises."""
    now = time.monotonic()
    cached = client.cache.get(_METADATA_LOG_KEY)
    if cached is not None and cached[1] == status.gtid_slave_pos and now - cached[0] < METADATA_LOG_SECONDS:
        result: MetadataLog = cached[2]
        return result
    path, text, why = hostfacts.error_log_end(node, client, status.hostname)
    if text is None:
        result = MetadataLog(LogVerdict.UNREAD, path, why=why)
    else:
        line = metadata_failure(text)
        result = MetadataLog(LogVerdict.FAILED if line else LogVerdict.CLEAN, path, line=line or "")
    client.cache[_METADATA_LOG_KEY] = (now, status.gtid_slave_pos, result)
    return result


def collect_status(
    client: NodeClient,
    node: NodeConfig,
    now: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
) -> NodeStatus:
    """Poll ``node`` through ``client`` and return its status. Never raises.

    Connection failures (client errnos 2xxx, timeouts, a bad password
    source) give ``reachable=False`` with ``error``/``errno``. A server error
    on an optional statement (privilege 1227/1142, binary logging off 1381)
    empties that part and adds a line to ``warnings``; so does a rebuild mark
    that cannot be read (its absence is then unknown). ``collected_at`` is
    ``now()`` (UNIX seconds) at the start; ``poll_started``/``poll_finished``
    are ``monotonic()`` seconds before the first statement and after the last;
    ``query_seconds`` the poll's duration in seconds.
    """
    collected_at = now()
    poll_started = monotonic()
    started = time.perf_counter()
    warnings: list[str] = []

    def optional(what: str, fn: Callable[[], Any], default: Any) -> Any:
        try:
            return fn()
        except NodeError as err:
            if err.connection_lost:
                raise
            warnings.append(f"{what}: {err.message}")
            return default

    try:
        variables = rows_to_variables(client.query(variables_sql()))
        cached = client.cache.get(_DIALECT_KEY)
        if cached is None or cached.version_str != variables.get("version"):
            cached = dialect_from_variables(variables)
        dialect: Dialect = cached
        rows_and_dialect = optional(
            dialect.replica_status_sql,
            lambda: query_with_fallback(client, dialect, "replica_status"),
            ([], dialect),
        )
        replica_rows, dialect = rows_and_dialect
        replica_status_read = not warnings
        if any(workers.shows_coordinator(r) for r in replica_rows):  # the failed worker has the cause
            failed = optional(workers.WORKER_ERRORS_SQL, lambda: client.query(workers.WORKER_ERRORS_SQL), [])
            replica_rows = workers.merge_worker_errors(replica_rows, failed)
        binlog_rows: list[dict[str, Any]] = []
        binary_logs: list[dict[str, Any]] = []
        if _bool(variables.get("log_bin")) is not False:
            binlog_rows, dialect = optional(
                dialect.binlog_status_sql,
                lambda: query_with_fallback(client, dialect, "binlog_status"),
                ([], dialect),
            )

            def _logs() -> list[dict[str, Any]]:
                try:
                    return client.query(dialect.binary_logs_sql)
                except NodeError as err:
                    if err.errno == ER_NO_BINARY_LOGGING:
                        return []
                    raise

            binary_logs = optional(dialect.binary_logs_sql, _logs, [])
        client.cache[_DIALECT_KEY] = dialect
        try:
            mark = read_rebuild_mark(client)
        except NodeError as err:
            if err.connection_lost:
                raise
            mark = None
            warnings.append(
                f"{marker.TABLE}: {err.message} (whether a rebuild was left unfinished is "
                f"unknown: GRANT SELECT ON {marker.DATABASE}.* to the monitoring account)"
            )
        poll_finished = monotonic()
        status = build_status(
            node,
            dialect,
            variables,
            replica_rows,
            binlog_rows,
            binary_logs,
            collected_at=collected_at,
            query_seconds=time.perf_counter() - started,
            warnings=warnings,
            poll_started=poll_started,
            poll_finished=poll_finished,
            rebuild_mark=mark,
        )
        evidence = None
        if replica_status_read and not status.channels and status.gtid_slave_pos:
            evidence = metadata_log(client, node, status)
        return dataclasses.replace(status, reached_via=getattr(client, "route", None), metadata_log=evidence)
    except Exception as exc:  # noqa: BLE001 - never raise to the poller
        return _unreachable(node, exc, collected_at, time.perf_counter() - started, poll_started, monotonic())
