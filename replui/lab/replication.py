"""The few replication statements the lab issues, for MariaDB and (best
effort) MySQL 8, on a PyMySQL connection.

Classic file/position coordinates only (the runbooks replui follows do it
this way, docs/sources.md):
``SHOW MASTER STATUS`` on the source, ``CHANGE MASTER TO MASTER_LOG_FILE,
MASTER_LOG_POS`` on the replica. Literals go through PyMySQL's escaping.
Statement names per flavour: the MySQL 8.4 and MariaDB reference manuals.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import pymysql

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


def _is_new_mysql(conn: Connection) -> bool:
    """MySQL >= 8.0.23 (REPLICA/SOURCE syntax); MariaDB keeps the classic names."""
    v = _server_info(conn)
    if "mariadb" in v.lower():
        return False
    try:
        parts = tuple(int(x) for x in v.split("-")[0].split(".")[:3])
    except ValueError:
        return False
    return parts >= (8, 0, 23)


def _rows(conn: Connection, sql: str, args: Any = None) -> list[dict[str, Any]]:
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def master_status(conn: Connection) -> tuple[str, int]:
    """The source's current binlog coordinates ``(file, position in bytes)``.
    Raises LookupError when binary logging is off."""
    try:
        rows = _rows(conn, "SHOW MASTER STATUS")
    except pymysql.err.ProgrammingError:  # MySQL 8.4 removed it
        rows = _rows(conn, "SHOW BINARY LOG STATUS")
    if not rows:
        raise LookupError("binary logging is off (SHOW MASTER STATUS is empty)")
    return rows[0]["File"], int(rows[0]["Position"])


def replica_status(conn: Connection) -> dict[str, Any] | None:
    """The replica status row with ``Slave_*``/``Master_*`` keys (MySQL's
    new names are mapped back), or None when no source is configured."""
    rows = _rows(conn, "SHOW REPLICA STATUS" if _is_new_mysql(conn) else "SHOW SLAVE STATUS")
    if not rows:
        return None
    row = dict(rows[0])
    for new, old in (("Replica_IO_Running", "Slave_IO_Running"), ("Replica_SQL_Running", "Slave_SQL_Running"),
                     ("Relay_Source_Log_File", "Relay_Master_Log_File"), ("Exec_Source_Log_Pos", "Exec_Master_Log_Pos"),
                     ("Source_Port", "Master_Port"), ("Source_Host", "Master_Host"), ("Seconds_Behind_Source", "Seconds_Behind_Master")):
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
        cur.execute("STOP REPLICA" if _is_new_mysql(conn) else "STOP SLAVE")


def start_replica(conn: Connection) -> None:
    with conn.cursor() as cur:
        cur.execute("START REPLICA" if _is_new_mysql(conn) else "START SLAVE")


def reset_replica_all(conn: Connection) -> None:
    """Forget the source entirely (``RESET SLAVE ALL``); the threads must be stopped."""
    with conn.cursor() as cur:
        cur.execute("RESET REPLICA ALL" if _is_new_mysql(conn) else "RESET SLAVE ALL")


def point(conn: Connection, *, host: str, port: int, user: str, password: str, log_file: str, log_pos: int) -> None:
    """``CHANGE MASTER TO`` the source at ``host:port`` from ``log_file``/``log_pos``,
    retrying a lost connection every second (``MASTER_CONNECT_RETRY=1``)."""
    with conn.cursor() as cur:
        if _is_new_mysql(conn):
            cur.execute(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST=%s, SOURCE_PORT=%s, SOURCE_USER=%s, SOURCE_PASSWORD=%s, "
                "SOURCE_LOG_FILE=%s, SOURCE_LOG_POS=%s, SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1",
                (host, int(port), user, password, log_file, int(log_pos)))
        else:
            extra = ", MASTER_USE_GTID=no" if "mariadb" in _server_info(conn).lower() else ""
            cur.execute(
                "CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, "
                f"MASTER_LOG_FILE=%s, MASTER_LOG_POS=%s, MASTER_CONNECT_RETRY=1{extra}",
                (host, int(port), user, password, log_file, int(log_pos)))


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
