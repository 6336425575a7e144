"""The few replication statements the lab issues, for MariaDB and (best
effort) MySQL 8, on a PyMySQL connection.

Classic file/position coordinates only (the runbooks replui follows do it
this way, docs/sources.md):
``SHOW MASTER STATUS`` on the source, ``CHANGE MASTER TO MASTER_LOG_FILE,
MASTER_LOG_POS`` on the replica. Literals go through PyMySQL's escaping.
Statement names per flavour and version: the server's
:class:`~replui.mysql.dialect.Dialect` (its one threshold table, with the
MySQL 8.4 and MariaDB reference manuals' sections).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import pymysql

from replui.mysql.dialect import SHOW_BINARY_LOG_STATUS, SHOW_MASTER_STATUS, Dialect, server_dialect

if TYPE_CHECKING:
    from typing import TypeAlias

    #: Any PyMySQL connection, whatever its default cursor class.
    Connection: TypeAlias = pymysql.connections.Connection[Any]

_T = TypeVar("_T")


def _server_info(conn: Connection) -> str:
    """The server version string from the handshake (``Connection.get_server_info()``)."""
    # types-PyMySQL leaves get_server_info unannotated; PyMySQL returns its str server_version
    version: str = conn.get_server_info()  # type: ignore[no-untyped-call]
    return version


def _dialect(conn: Connection) -> Dialect:
    """The server's dialect from its handshake version (an unreadable version:
    the classic words); MariaDB keeps the classic names."""
    return server_dialect(_server_info(conn))


def _rows(conn: Connection, sql: str, args: Any = None) -> list[dict[str, Any]]:
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def master_status(conn: Connection) -> tuple[str, int]:
    """The source's current binlog coordinates ``(file, position in bytes)``.
    Raises LookupError when binary logging is off."""
    sql = _dialect(conn).show_source_status_sql
    try:
        rows = _rows(conn, sql)
    except pymysql.err.ProgrammingError:  # the other spelling, should the version mislead
        rows = _rows(conn, SHOW_MASTER_STATUS if sql == SHOW_BINARY_LOG_STATUS else SHOW_BINARY_LOG_STATUS)
    if not rows:
        raise LookupError("binary logging is off (SHOW MASTER STATUS is empty)")
    return rows[0]["File"], int(rows[0]["Position"])


def replica_status(conn: Connection) -> dict[str, Any] | None:
    """The replica status row with ``Slave_*``/``Master_*`` keys (MySQL's
    new names are mapped back), or None when no source is configured."""
    rows = _rows(conn, _dialect(conn).show_replica_status_sql)
    if not rows:
        return None
    row = dict(rows[0])
    for new, old in (
        ("Replica_IO_Running", "Slave_IO_Running"),
        ("Replica_SQL_Running", "Slave_SQL_Running"),
        ("Relay_Source_Log_File", "Relay_Master_Log_File"),
        ("Exec_Source_Log_Pos", "Exec_Master_Log_Pos"),
        ("Source_Port", "Master_Port"),
        ("Source_Host", "Master_Host"),
        ("Seconds_Behind_Source", "Seconds_Behind_Master"),
    ):
        if new in row and old not in row:
            row[old] = row[new]
    return row


def threads_running(row: dict[str, Any] | None) -> bool:
    """Both replication threads report ``Yes``."""
    if not row:
        return False
    return row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes"


def reset_binlogs(conn: Connection) -> None:
    """Delete every binlog and start again at file .000001 (``RESET MASTER``;
    MySQL 8.4: ``RESET BINARY LOGS AND GTIDS``). Only on a fresh lab."""
    with conn.cursor() as cur:
        try:
            cur.execute("RESET MASTER")
        except pymysql.err.ProgrammingError:
            cur.execute("RESET BINARY LOGS AND GTIDS")


def stop_replica(conn: Connection) -> None:
    with conn.cursor() as cur:
        cur.execute(f"STOP {_dialect(conn).replica_word}")


def start_replica(conn: Connection) -> None:
    with conn.cursor() as cur:
        cur.execute(f"START {_dialect(conn).replica_word}")


def reset_replica_all(conn: Connection) -> None:
    """Forget the source entirely (``RESET SLAVE ALL``); the threads must be stopped."""
    with conn.cursor() as cur:
        cur.execute(f"RESET {_dialect(conn).replica_word} ALL")


def point(
    conn: Connection, *, host: str, port: int, user: str, password: str, log_file: str, log_pos: int
) -> None:
    """``CHANGE MASTER TO`` the source at ``host:port`` from ``log_file``/``log_pos``,
    retrying a lost connection every second (``MASTER_CONNECT_RETRY=1``); file
    and position, not GTIDs (MariaDB: ``MASTER_USE_GTID=no``); MySQL 8 asks
    for the source's public key (``GET_MASTER/SOURCE_PUBLIC_KEY=1``)."""
    dl = _dialect(conn)
    p = dl.source_prefix
    options = [f"{p}{name}=%s" for name in ("HOST", "PORT", "USER", "PASSWORD", "LOG_FILE", "LOG_POS")]
    options.append(f"{p}CONNECT_RETRY=1")
    if dl.is_mariadb:
        options.append(f"{dl.gtid_option}=no")
    if dl.public_key_option is not None:
        options.append(f"{dl.public_key_option}=1")
    with conn.cursor() as cur:
        cur.execute(
            f"{dl.change_source_head} " + ", ".join(options),
            (host, int(port), user, password, log_file, int(log_pos)),
        )


def wait_for(predicate: Callable[[], _T], timeout: float, what: str, interval: float = 0.2) -> _T:
    """Call ``predicate()`` until it returns a truthy value (returned) or
    ``timeout`` seconds pass (TimeoutError naming ``what`` and the last value
    or error seen)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = predicate()
            if value:
                return value
            last = value
        except Exception as exc:  # noqa: BLE001 - servers restart under us; retry until the deadline
            last = exc
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached after {timeout:.0f} s (last: {last!r})")
        time.sleep(interval)
