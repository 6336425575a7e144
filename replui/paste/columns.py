"""The columns each status statement prints, and how to read a pasted value of each.

Column lists (in the servers' order) come from the MySQL reference manual's pages for
``SHOW SLAVE STATUS`` (5.7; 8.0 adds ``Master_public_key_path``/``Get_master_public_key``
and, from 8.0.22, ``Network_Namespace``), ``SHOW REPLICA STATUS`` (8.0.22+, 8.4),
``SHOW MASTER STATUS``/``SHOW BINARY LOG STATUS`` and ``SHOW BINARY LOGS``, and from
MariaDB 10.11's own output of ``SHOW SLAVE STATUS`` / ``SHOW ALL SLAVES STATUS``. They
name the columns of tab-separated output printed without a header (``mysql -B -N``),
where only the number of values tells the layout.

:func:`clean_value` reads one value the way people paste it: a number, a thread state
or a file name followed by a note typed after it keeps the number; an elision
(``...``, ``…``, ``<...>``) or a placeholder (``<master-host>``) is unknown.
"""

from __future__ import annotations

import re
from enum import Enum

from replui.paste.model import Statement

MYSQL_57_SLAVE = (
    "Slave_IO_State Master_Host Master_User Master_Port Connect_Retry Master_Log_File Read_Master_Log_Pos "
    "Relay_Log_File Relay_Log_Pos Relay_Master_Log_File Slave_IO_Running Slave_SQL_Running Replicate_Do_DB "
    "Replicate_Ignore_DB Replicate_Do_Table Replicate_Ignore_Table Replicate_Wild_Do_Table "
    "Replicate_Wild_Ignore_Table Last_Errno Last_Error Skip_Counter Exec_Master_Log_Pos Relay_Log_Space "
    "Until_Condition Until_Log_File Until_Log_Pos Master_SSL_Allowed Master_SSL_CA_File Master_SSL_CA_Path "
    "Master_SSL_Cert Master_SSL_Cipher Master_SSL_Key Seconds_Behind_Master Master_SSL_Verify_Server_Cert "
    "Last_IO_Errno Last_IO_Error Last_SQL_Errno Last_SQL_Error Replicate_Ignore_Server_Ids Master_Server_Id "
    "Master_UUID Master_Info_File SQL_Delay SQL_Remaining_Delay Slave_SQL_Running_State Master_Retry_Count "
    "Master_Bind Last_IO_Error_Timestamp Last_SQL_Error_Timestamp Master_SSL_Crl Master_SSL_Crlpath "
    "Retrieved_Gtid_Set Executed_Gtid_Set Auto_Position Replicate_Rewrite_DB Channel_Name Master_TLS_Version"
).split()
MYSQL_80_SLAVE = MYSQL_57_SLAVE + ["Master_public_key_path", "Get_master_public_key"]
MYSQL_8022_SLAVE = MYSQL_80_SLAVE + ["Network_Namespace"]
MYSQL_8022_REPLICA = [
    c.replace("Master_Log_File", "Source_Log_File")
    .replace("Read_Master_Log_Pos", "Read_Source_Log_Pos")
    .replace("Relay_Master_Log_File", "Relay_Source_Log_File")
    .replace("Exec_Master_Log_Pos", "Exec_Source_Log_Pos")
    .replace("Seconds_Behind_Master", "Seconds_Behind_Source")
    .replace("Master_", "Source_")
    .replace("Slave_", "Replica_")
    .replace("Get_master_public_key", "Get_Source_public_key")
    for c in MYSQL_8022_SLAVE
]
MARIADB_1011_SLAVE = (
    "Slave_IO_State Master_Host Master_User Master_Port Connect_Retry Master_Log_File Read_Master_Log_Pos "
    "Relay_Log_File Relay_Log_Pos Relay_Master_Log_File Slave_IO_Running Slave_SQL_Running Replicate_Do_DB "
    "Replicate_Ignore_DB Replicate_Do_Table Replicate_Ignore_Table Replicate_Wild_Do_Table "
    "Replicate_Wild_Ignore_Table Last_Errno Last_Error Skip_Counter Exec_Master_Log_Pos Relay_Log_Space "
    "Until_Condition Until_Log_File Until_Log_Pos Master_SSL_Allowed Master_SSL_CA_File Master_SSL_CA_Path "
    "Master_SSL_Cert Master_SSL_Cipher Master_SSL_Key Seconds_Behind_Master Master_SSL_Verify_Server_Cert "
    "Last_IO_Errno Last_IO_Error Last_SQL_Errno Last_SQL_Error Replicate_Ignore_Server_Ids Master_Server_Id "
    "Master_SSL_Crl Master_SSL_Crlpath Using_Gtid Gtid_IO_Pos Replicate_Do_Domain_Ids "
    "Replicate_Ignore_Domain_Ids Parallel_Mode SQL_Delay SQL_Remaining_Delay Slave_SQL_Running_State "
    "Slave_DDL_Groups Slave_Non_Transactional_Groups Slave_Transactional_Groups Replicate_Rewrite_DB"
).split()
MARIADB_1011_ALL_SLAVES = (
    ["Connection_name", "Slave_SQL_State"]
    + MARIADB_1011_SLAVE
    + "Retried_transactions Max_relay_log_size Executed_log_entries Slave_received_heartbeats "
    "Slave_heartbeat_period Gtid_Slave_Pos".split()
)
MYSQL_BINLOG_STATUS = ["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"]
MARIADB_BINLOG_STATUS = MYSQL_BINLOG_STATUS[:4]
BINARY_LOGS = ["Log_name", "File_size"]
BINARY_LOGS_80 = BINARY_LOGS + ["Encrypted"]
VARIABLES = ["Variable_name", "Value"]
WORKERS = (
    "CHANNEL_NAME WORKER_ID THREAD_ID SERVICE_STATE LAST_ERROR_NUMBER LAST_ERROR_MESSAGE LAST_ERROR_TIMESTAMP"
).split()

#: Layouts of headerless tab-separated output, by statement and number of values.
HEADERLESS: dict[tuple[Statement, int], tuple[str, list[str]]] = {
    (Statement.REPLICA_STATUS, 57): ("MySQL 5.7 SHOW SLAVE STATUS", MYSQL_57_SLAVE),
    (Statement.REPLICA_STATUS, 59): ("MySQL 8.0 (before 8.0.22) SHOW SLAVE STATUS", MYSQL_80_SLAVE),
    (Statement.REPLICA_STATUS, 60): ("MySQL 8.0.22+ SHOW REPLICA STATUS", MYSQL_8022_REPLICA),
    (Statement.REPLICA_STATUS, 54): ("MariaDB 10.11 SHOW SLAVE STATUS", MARIADB_1011_SLAVE),
    (Statement.REPLICA_STATUS, 62): ("MariaDB 10.11 SHOW ALL SLAVES STATUS", MARIADB_1011_ALL_SLAVES),
    (Statement.BINLOG_STATUS, 5): ("MySQL SHOW MASTER STATUS", MYSQL_BINLOG_STATUS),
    (Statement.BINLOG_STATUS, 4): ("MariaDB SHOW MASTER STATUS", MARIADB_BINLOG_STATUS),
    (Statement.BINARY_LOGS, 2): ("SHOW BINARY LOGS", BINARY_LOGS),
    (Statement.BINARY_LOGS, 3): ("MySQL 8.0 SHOW BINARY LOGS", BINARY_LOGS_80),
    (Statement.VARIABLES, 2): ("SHOW VARIABLES", VARIABLES),
}
#: ``SHOW SLAVE STATUS`` on MySQL 8.0.22+ has as many values as ``SHOW REPLICA STATUS``.
HEADERLESS_SLAVE_60 = ("MySQL 8.0.22+ SHOW SLAVE STATUS", MYSQL_8022_SLAVE)

#: Columns two statements print (``SHOW MASTER STATUS`` and MySQL's ``SHOW SLAVE STATUS``).
SHARED_COLUMNS = frozenset({"Executed_Gtid_Set"})
_REPLICA_COLUMNS = frozenset(
    MYSQL_8022_SLAVE + MYSQL_8022_REPLICA + MARIADB_1011_ALL_SLAVES + ["Slave_SQL_State", "Channel_name"]
)
_BINLOG_COLUMNS = frozenset({"File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"})
_BINARY_LOGS_COLUMNS = frozenset(BINARY_LOGS_80)
_VARIABLE_COLUMNS = frozenset({"Variable_name", "Value"})
_WORKER_COLUMNS = frozenset(c.lower() for c in WORKERS) | {"applying_transaction", "last_applied_transaction"}

#: Every column name a paste may show (for telling a ``Column: value`` line from wrapped text).
KNOWN_COLUMNS = _REPLICA_COLUMNS | _BINLOG_COLUMNS | _BINARY_LOGS_COLUMNS | _VARIABLE_COLUMNS | SHARED_COLUMNS


def statement_of(column: str) -> Statement | None:
    """The statement whose output has ``column``; None for a column no statement here
    prints, or one two of them print (:data:`SHARED_COLUMNS`: the row's other columns
    tell)."""
    if column in SHARED_COLUMNS:
        return None
    if column in _BINLOG_COLUMNS:
        return Statement.BINLOG_STATUS
    if column in _REPLICA_COLUMNS:
        return Statement.REPLICA_STATUS
    if column in _BINARY_LOGS_COLUMNS:
        return Statement.BINARY_LOGS
    if column in _VARIABLE_COLUMNS:
        return Statement.VARIABLES
    if column.lower() in _WORKER_COLUMNS:
        return Statement.WORKERS
    if column.startswith("@@"):
        return Statement.VARIABLES
    return None


def statement_of_row(columns: list[str]) -> Statement | None:
    """The statement a row with ``columns`` is output of, decided by its columns (a
    ``File``/``Position`` row with ``Executed_Gtid_Set`` is ``SHOW MASTER STATUS``)."""
    kinds = {statement_of(c) for c in columns} - {None}
    if Statement.BINLOG_STATUS in kinds:
        return Statement.BINLOG_STATUS
    for kind in (
        Statement.REPLICA_STATUS,
        Statement.BINARY_LOGS,
        Statement.VARIABLES,
        Statement.WORKERS,
    ):
        if kind in kinds:
            return kind
    return None


class ValueType(Enum):
    """How a column's value is read."""

    INT = "a number"
    STATE = "a thread state"
    TOKEN = "a name"
    GTID = "a GTID set"
    TEXT = "text"


_INT = frozenset(
    """Master_Port Source_Port Connect_Retry Read_Master_Log_Pos Read_Source_Log_Pos Relay_Log_Pos
    Last_Errno Skip_Counter Exec_Master_Log_Pos Exec_Source_Log_Pos Relay_Log_Space Until_Log_Pos
    Seconds_Behind_Master Seconds_Behind_Source Last_IO_Errno Last_SQL_Errno Master_Server_Id
    Source_Server_Id SQL_Delay SQL_Remaining_Delay Master_Retry_Count Source_Retry_Count Auto_Position
    Get_master_public_key Get_Source_public_key Position File_size Slave_DDL_Groups
    Slave_Non_Transactional_Groups Slave_Transactional_Groups Retried_transactions Max_relay_log_size
    Executed_log_entries Slave_received_heartbeats""".split()
) | {"last_error_number", "worker_id", "thread_id"}
_STATE = frozenset({"Slave_IO_Running", "Slave_SQL_Running", "Replica_IO_Running", "Replica_SQL_Running"})
_TOKEN = frozenset(
    """Master_Host Source_Host Master_User Source_User Master_Log_File Source_Log_File Relay_Log_File
    Relay_Master_Log_File Relay_Source_Log_File File Log_name Using_Gtid Channel_Name Connection_name
    Master_UUID Source_UUID Encrypted""".split()
) | {"channel_name"}
_GTID = frozenset({"Retrieved_Gtid_Set", "Executed_Gtid_Set", "Gtid_IO_Pos", "Gtid_Slave_Pos"})
STATES = ("Yes", "No", "Connecting", "Preparing")


def value_type(column: str) -> ValueType:
    """How ``column``'s value is read (by the server's column name; worker columns in any case)."""
    if column in _INT or column.lower() in _INT:
        return ValueType.INT
    if column in _STATE:
        return ValueType.STATE
    if column in _TOKEN or column.lower() in _TOKEN:
        return ValueType.TOKEN
    if column in _GTID:
        return ValueType.GTID
    return ValueType.TEXT


class Unknown(Enum):
    """A pasted value that stands for nothing: left out or a placeholder."""

    ELIDED = "left out"


#: Values that stand for something left out: ``...``, ``…``, ``<...>``, ``[...]``, ``<master-host>``.
_ELIDED = re.compile(
    r"^(?:\.{2,}|…+|<[^<>]*>|\[\s*(?:\.{2,}|…|snip|snipped|redacted)\s*\]|\(\s*(?:\.{2,}|…)\s*\))$"
)
#: A note typed after a value: two spaces then ``<-``, ``#``, ``//`` or ``--``.
_NOTE = re.compile(r"(?<!\s)\s{2,}(?:<-+|#+|//|--)(?:\s.*)?$")  # one try per run of spaces
_INT_VALUE = re.compile(r"^(NULL|-?\d+)(?=$|[\s,;(<#])", re.IGNORECASE)


def _cut_short(word: str) -> bool:
    """A word ending in an elision mark: a value the paste cut (``5699…``, ``mysql-bin.00…``)."""
    return word.endswith(("...", "…"))


def clean_value(column: str, raw: str | None) -> str | None | Unknown:
    """``raw`` (as pasted) read as ``column``'s value: None for ``NULL``, the value as
    text, or :attr:`Unknown.ELIDED` for an elision or placeholder. A number, thread state
    or name keeps its first word (what follows is a note); a GTID set loses its line
    wrapping; text loses a trailing note. Raises ValueError (a message naming the column)
    for a value that cannot be ``column``'s."""
    if raw is None:
        return None
    text = raw.replace("↩", " ").strip()
    if _ELIDED.match(text):
        return Unknown.ELIDED
    kind = value_type(column)
    if kind is ValueType.TEXT:
        text = _NOTE.sub("", text)
        return None if text.upper() == "NULL" else text
    if kind is ValueType.GTID:
        text = _NOTE.sub("", text)
        return "".join(text.split())
    if not text:
        return Unknown.ELIDED if kind in (ValueType.INT, ValueType.STATE) else ""
    if kind is ValueType.INT:
        m = _INT_VALUE.match(text)
        if m is None:
            if _cut_short(text.split()[0]):
                return Unknown.ELIDED  # a number cut short: "5699…"
            raise ValueError(f"{column}: {_quote(text)} is not {kind.value}")
        return None if m.group(1).upper() == "NULL" else m.group(1)
    first = text.split()[0]
    if _cut_short(first) or _ELIDED.match(first):
        return Unknown.ELIDED
    if kind is ValueType.STATE:
        for state in STATES:
            if first.lower().rstrip(",.;") == state.lower():
                return state
        if first.upper() == "NULL":
            return None
        raise ValueError(f"{column}: {_quote(text)} is not {', '.join(STATES[:-1])} or {STATES[-1]}")
    return None if first.upper() == "NULL" else first


def _quote(text: str, limit: int = 40) -> str:
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(short)
