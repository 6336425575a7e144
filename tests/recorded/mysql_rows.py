"""Recorded MySQL result rows, built from the official column lists.

No MySQL server can run here, so these rows are *constructed*: the column
lists, in order, are those of the MySQL reference manual's
``SHOW SLAVE STATUS`` (5.7) and ``SHOW REPLICA STATUS`` (8.0.22+ / 8.4) pages
and the ``SHOW MASTER STATUS`` / ``SHOW BINARY LOG STATUS`` /
``SHOW BINARY LOGS`` pages; the default values follow the manual's example
output (``Source_Host: 127.0.0.1``, ``Source_Port: 13000``...). Values are typed
as PyMySQL returns them (ints for numeric columns, None for NULL) unless a row
says otherwise. The crash runbook's rows ("active-active MySQL back in sync after
hard crash") carry the coordinates and errors quoted in that write-up.
"""

from __future__ import annotations

from typing import Any

# MySQL 5.7 reference manual, "SHOW SLAVE STATUS Syntax" (13.7.5.34), in order.
SLAVE_STATUS_57_COLUMNS = (
    "Slave_IO_State",
    "Master_Host",
    "Master_User",
    "Master_Port",
    "Connect_Retry",
    "Master_Log_File",
    "Read_Master_Log_Pos",
    "Relay_Log_File",
    "Relay_Log_Pos",
    "Relay_Master_Log_File",
    "Slave_IO_Running",
    "Slave_SQL_Running",
    "Replicate_Do_DB",
    "Replicate_Ignore_DB",
    "Replicate_Do_Table",
    "Replicate_Ignore_Table",
    "Replicate_Wild_Do_Table",
    "Replicate_Wild_Ignore_Table",
    "Last_Errno",
    "Last_Error",
    "Skip_Counter",
    "Exec_Master_Log_Pos",
    "Relay_Log_Space",
    "Until_Condition",
    "Until_Log_File",
    "Until_Log_Pos",
    "Master_SSL_Allowed",
    "Master_SSL_CA_File",
    "Master_SSL_CA_Path",
    "Master_SSL_Cert",
    "Master_SSL_Cipher",
    "Master_SSL_Key",
    "Seconds_Behind_Master",
    "Master_SSL_Verify_Server_Cert",
    "Last_IO_Errno",
    "Last_IO_Error",
    "Last_SQL_Errno",
    "Last_SQL_Error",
    "Replicate_Ignore_Server_Ids",
    "Master_Server_Id",
    "Master_UUID",
    "Master_Info_File",
    "SQL_Delay",
    "SQL_Remaining_Delay",
    "Slave_SQL_Running_State",
    "Master_Retry_Count",
    "Master_Bind",
    "Last_IO_Error_Timestamp",
    "Last_SQL_Error_Timestamp",
    "Master_SSL_Crl",
    "Master_SSL_Crlpath",
    "Retrieved_Gtid_Set",
    "Executed_Gtid_Set",
    "Auto_Position",
    "Replicate_Rewrite_DB",
    "Channel_Name",
    "Master_TLS_Version",
)

# MySQL 8.0 (8.0.22+) and 8.4 reference manual, "SHOW REPLICA STATUS Statement", in order.
REPLICA_STATUS_80_COLUMNS = (
    "Replica_IO_State",
    "Source_Host",
    "Source_User",
    "Source_Port",
    "Connect_Retry",
    "Source_Log_File",
    "Read_Source_Log_Pos",
    "Relay_Log_File",
    "Relay_Log_Pos",
    "Relay_Source_Log_File",
    "Replica_IO_Running",
    "Replica_SQL_Running",
    "Replicate_Do_DB",
    "Replicate_Ignore_DB",
    "Replicate_Do_Table",
    "Replicate_Ignore_Table",
    "Replicate_Wild_Do_Table",
    "Replicate_Wild_Ignore_Table",
    "Last_Errno",
    "Last_Error",
    "Skip_Counter",
    "Exec_Source_Log_Pos",
    "Relay_Log_Space",
    "Until_Condition",
    "Until_Log_File",
    "Until_Log_Pos",
    "Source_SSL_Allowed",
    "Source_SSL_CA_File",
    "Source_SSL_CA_Path",
    "Source_SSL_Cert",
    "Source_SSL_Cipher",
    "Source_SSL_Key",
    "Seconds_Behind_Source",
    "Source_SSL_Verify_Server_Cert",
    "Last_IO_Errno",
    "Last_IO_Error",
    "Last_SQL_Errno",
    "Last_SQL_Error",
    "Replicate_Ignore_Server_Ids",
    "Source_Server_Id",
    "Source_UUID",
    "Source_Info_File",
    "SQL_Delay",
    "SQL_Remaining_Delay",
    "Replica_SQL_Running_State",
    "Source_Retry_Count",
    "Source_Bind",
    "Last_IO_Error_Timestamp",
    "Last_SQL_Error_Timestamp",
    "Source_SSL_Crl",
    "Source_SSL_Crlpath",
    "Retrieved_Gtid_Set",
    "Executed_Gtid_Set",
    "Auto_Position",
    "Replicate_Rewrite_DB",
    "Channel_Name",
    "Source_TLS_Version",
    "Source_public_key_path",
    "Get_Source_public_key",
    "Network_Namespace",
)

# SHOW MASTER STATUS (5.7/8.0) and SHOW BINARY LOG STATUS (8.2+): same columns.
BINLOG_STATUS_COLUMNS = ("File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set")
# SHOW BINARY LOGS: 5.7 has Log_name, File_size; 8.0.14+ adds Encrypted.
BINARY_LOGS_57_COLUMNS = ("Log_name", "File_size")
BINARY_LOGS_80_COLUMNS = ("Log_name", "File_size", "Encrypted")

SOURCE_UUID = "73f86016-978b-11ee-ade5-8d2a2a562feb"
REPLICA_UUID = "8e2c7a50-978b-11ee-9d1b-0242ac120003"

_INT_COLUMNS = {
    "Master_Port",
    "Source_Port",
    "Connect_Retry",
    "Read_Master_Log_Pos",
    "Read_Source_Log_Pos",
    "Relay_Log_Pos",
    "Last_Errno",
    "Skip_Counter",
    "Exec_Master_Log_Pos",
    "Exec_Source_Log_Pos",
    "Relay_Log_Space",
    "Until_Log_Pos",
    "Last_IO_Errno",
    "Last_SQL_Errno",
    "Master_Server_Id",
    "Source_Server_Id",
    "SQL_Delay",
    "Master_Retry_Count",
    "Source_Retry_Count",
    "Auto_Position",
    "Get_Source_public_key",
    "Seconds_Behind_Master",
    "Seconds_Behind_Source",
    "Position",
    "File_size",
}

# The manual's example values, keyed without the Master/Source wording.
_EXAMPLE: dict[str, Any] = {
    "IO_State": "Waiting for source to send event",
    "Host": "127.0.0.1",
    "User": "root",
    "Port": 13000,
    "Connect_Retry": 1,
    "Log_File": "master-bin.000001",
    "Read_Log_Pos": 927,
    "Relay_Log_File": "slave-relay-bin.000002",
    "Relay_Log_Pos": 1145,
    "Relay_Log_File_Of_Source": "master-bin.000001",
    "IO_Running": "Yes",
    "SQL_Running": "Yes",
    "Last_Errno": 0,
    "Skip_Counter": 0,
    "Exec_Log_Pos": 927,
    "Relay_Log_Space": 1355,
    "Until_Condition": "None",
    "Until_Log_Pos": 0,
    "SSL_Allowed": "No",
    "Seconds_Behind": 0,
    "SSL_Verify_Server_Cert": "No",
    "Last_IO_Errno": 0,
    "Last_SQL_Errno": 0,
    "Server_Id": 1,
    "UUID": SOURCE_UUID,
    "Info_File": "mysql.slave_master_info",
    "SQL_Delay": 0,
    "SQL_Remaining_Delay": None,
    "SQL_Running_State": "Replica has read all relay log; waiting for more updates",
    "Retry_Count": 10,
    "Auto_Position": 0,
    "Get_Source_public_key": 0,
}


def _example_value(col: str) -> Any:
    if col in ("Relay_Master_Log_File", "Relay_Source_Log_File"):
        key = "Relay_Log_File_Of_Source"
    elif col.startswith("Seconds_Behind_"):
        key = "Seconds_Behind"
    elif col.startswith("Read_") and col.endswith("_Log_Pos"):
        key = "Read_Log_Pos"
    elif col.startswith("Exec_") and col.endswith("_Log_Pos"):
        key = "Exec_Log_Pos"
    else:
        key = col
        for word in ("Master_", "Source_", "Slave_", "Replica_"):
            key = key.replace(word, "")
    if key in _EXAMPLE:
        return _EXAMPLE[key]
    return 0 if col in _INT_COLUMNS else ""


def make_row(columns: tuple[str, ...], **overrides: Any) -> dict[str, Any]:
    """A full row in column order: the manual's example values, then
    ``overrides`` (which must name real columns)."""
    unknown = set(overrides) - set(columns)
    if unknown:
        raise KeyError(f"not columns of this statement: {sorted(unknown)}")
    return {c: overrides.get(c, _example_value(c)) for c in columns}


def as_strings(row: dict[str, Any]) -> dict[str, Any]:
    """The row as the text protocol without type conversion gives it
    (numbers as str, NULL stays None) — e.g. rows read by a plain cursor."""
    return {k: (v if v is None else str(v)) for k, v in row.items()}


# -- MySQL 5.7, 'active-active MySQL setup back in sync after hard crash' ---------------

_CRASH_RELAY_ERROR = (
    "Relay log read failure: Could not parse relay log event entry. The possible reasons are: "
    "the master's binary log is corrupted (you can check this by running 'mysqlbinlog' on the "
    "binary log), the slave's relay log is corrupted (you can check this by running 'mysqlbinlog' "
    "on the relay log), a network problem, or a bug in the master's or slave's MySQL code. If you "
    "want to check the master's binary log or slave's relay log, you will be able to know their "
    "names by issuing 'SHOW SLAVE STATUS' on this slave."
)

#: the crash runbook's node1: relay log corrupt after a hard power-off; SQL thread stopped.
MYSQL57_CRASHED_PAIR_NODE1 = make_row(
    SLAVE_STATUS_57_COLUMNS,
    Slave_IO_State="Waiting for master to send event",
    Master_Host="node2",
    Master_User="user",
    Master_Port=3306,
    Master_Log_File="mysql-bin.000253",
    Read_Master_Log_Pos=569975131,
    Relay_Log_File="relay-bin.000198",
    Relay_Log_Pos=179576569,
    Relay_Master_Log_File="mysql-bin.000253",
    Slave_IO_Running="Yes",
    Slave_SQL_Running="No",
    Last_Errno=1594,
    Last_Error=_CRASH_RELAY_ERROR,
    Exec_Master_Log_Pos=419130498,
    Seconds_Behind_Master=None,
    Last_SQL_Errno=1594,
    Last_SQL_Error=_CRASH_RELAY_ERROR,
    Master_Server_Id=2,
    Master_UUID="",
    Slave_SQL_Running_State="",
    Last_SQL_Error_Timestamp="160517 22:14:03",
)

#: the crash runbook's node2: the crashed node1's binlog was cut short; IO thread stopped with 1236.
MYSQL57_CRASHED_PAIR_NODE2 = make_row(
    SLAVE_STATUS_57_COLUMNS,
    Slave_IO_State="",
    Master_Host="node1",
    Master_User="user",
    Master_Port=3306,
    Master_Log_File="mysql-bin.000234",
    Read_Master_Log_Pos=173841457,
    Relay_Log_File="relay-bin.000197",
    Relay_Log_Pos=101852398,
    Relay_Master_Log_File="mysql-bin.000234",
    Slave_IO_Running="No",
    Slave_SQL_Running="Yes",
    Exec_Master_Log_Pos=173841457,
    Seconds_Behind_Master=None,
    Last_IO_Errno=1236,
    Last_IO_Error=(
        "Got fatal error 1236 from master when reading data from binary log: "
        "'Client requested master to start replication from impossible position'"
    ),
    Master_Server_Id=1,
    Master_UUID="",
    Slave_SQL_Running_State="Slave has read all relay log; waiting for more updates",
    Last_IO_Error_Timestamp="160517 22:14:01",
)

MYSQL57_VARIABLES = {
    "version": "5.7.44-log",
    "version_comment": "MySQL Community Server (GPL)",
    "hostname": "node1",
    "server_id": "1",
    "server_uuid": REPLICA_UUID,
    "read_only": "OFF",
    "super_read_only": "OFF",
    "log_bin": "ON",
    "binlog_format": "ROW",
    "log_slave_updates": "ON",
    "gtid_mode": "OFF",
    "gtid_executed": "",
    "gtid_purged": "",
    "enforce_gtid_consistency": "OFF",
}
MYSQL57_MASTER_STATUS = [
    make_row(BINLOG_STATUS_COLUMNS, File="mysql-bin.000254", Position=154, Executed_Gtid_Set="")
]
MYSQL57_BINARY_LOGS = [
    make_row(BINARY_LOGS_57_COLUMNS, Log_name="mysql-bin.000253", File_size=569975131),
    make_row(BINARY_LOGS_57_COLUMNS, Log_name="mysql-bin.000254", File_size=154),
]

# -- MySQL 8.0.22+ ---------------------------------------------------------------------

#: A healthy GTID replica (8.0.36), manual's example row with GTID auto-position,
#: SHOW REPLICA STATUS wraps long GTID sets with ",\n".
MYSQL80_REPLICA_HEALTHY = make_row(
    REPLICA_STATUS_80_COLUMNS,
    Retrieved_Gtid_Set=f"{SOURCE_UUID}:1-927",
    Executed_Gtid_Set=f"{SOURCE_UUID}:1-927,\n{REPLICA_UUID}:1-2",
    Auto_Position=1,
    Seconds_Behind_Source=3,
)
#: Same server, a named channel stopped by a duplicate key (1062): NULL lag.
MYSQL80_REPLICA_DUPLICATE = make_row(
    REPLICA_STATUS_80_COLUMNS,
    Source_Host="10.0.0.7",
    Source_Port=3306,
    Channel_Name="analytics",
    Replica_SQL_Running="No",
    Seconds_Behind_Source=None,
    Last_Errno=1062,
    Last_Error=(
        "Could not execute Write_rows event on table app.users; "
        "Duplicate entry '42' for key 'users.PRIMARY', Error_code: 1062; "
        "handler error HA_ERR_FOUND_DUPP_KEY; the event's source log master-bin.000001, end_log_pos 1210"
    ),
    Last_SQL_Errno=1062,
    Last_SQL_Error=(
        "Could not execute Write_rows event on table app.users; "
        "Duplicate entry '42' for key 'users.PRIMARY', Error_code: 1062; "
        "handler error HA_ERR_FOUND_DUPP_KEY; the event's source log master-bin.000001, end_log_pos 1210"
    ),
    Last_SQL_Error_Timestamp="240611 10:02:33",
    Replica_SQL_Running_State="",
    Exec_Source_Log_Pos=900,
)
MYSQL80_VARIABLES = {
    "version": "8.0.36",
    "version_comment": "MySQL Community Server - GPL",
    "hostname": "replica1",
    "server_id": "2",
    "server_uuid": REPLICA_UUID,
    "read_only": "ON",
    "super_read_only": "ON",
    "log_bin": "ON",
    "binlog_format": "ROW",
    "log_slave_updates": "ON",
    "log_replica_updates": "ON",
    "gtid_mode": "ON",
    "gtid_executed": f"{SOURCE_UUID}:1-927,\n{REPLICA_UUID}:1-2",
    "gtid_purged": f"{SOURCE_UUID}:1-100",
    "enforce_gtid_consistency": "ON",
}
MYSQL80_MASTER_STATUS = [
    make_row(
        BINLOG_STATUS_COLUMNS,
        File="binlog.000003",
        Position=1543,
        Executed_Gtid_Set=f"{SOURCE_UUID}:1-927,\n{REPLICA_UUID}:1-2",
    )
]
MYSQL80_BINARY_LOGS = [
    make_row(BINARY_LOGS_80_COLUMNS, Log_name="binlog.000002", File_size=180, Encrypted="No"),
    make_row(BINARY_LOGS_80_COLUMNS, Log_name="binlog.000003", File_size=1543, Encrypted="No"),
]

# -- MySQL 8.4 ------------------------------------------------------------------------

MYSQL84_REPLICA = make_row(
    REPLICA_STATUS_80_COLUMNS,
    Source_Host="source84",
    Source_Port=3306,
    Source_User="repl",
    Source_Log_File="binlog.000012",
    Read_Source_Log_Pos=48211,
    Relay_Log_File="replica-relay-bin.000004",
    Relay_Log_Pos=48427,
    Relay_Source_Log_File="binlog.000012",
    Exec_Source_Log_Pos=48211,
    Replica_IO_Running="Connecting",
    Seconds_Behind_Source=None,
    Last_IO_Errno=2061,
    Last_IO_Error=(
        "Error connecting to source 'repl@source84:3306'. "
        "This was attempt 3/10, with a delay of 60 seconds between attempts. "
        "Message: Authentication plugin 'caching_sha2_password' reported error: "
        "Authentication requires secure connection."
    ),
    Last_IO_Error_Timestamp="240611 10:05:00",
    Source_Server_Id=0,
    Source_UUID="",
    Retrieved_Gtid_Set="",
    Executed_Gtid_Set=f"{SOURCE_UUID}:1-50",
    Auto_Position=1,
)
MYSQL84_VARIABLES = {
    "version": "8.4.3",
    "version_comment": "MySQL Community Server - GPL",
    "hostname": "replica84",
    "server_id": "3",
    "server_uuid": REPLICA_UUID,
    "read_only": "ON",
    "super_read_only": "OFF",
    "log_bin": "ON",
    "binlog_format": "ROW",
    "log_replica_updates": "ON",
    "gtid_mode": "ON",
    "gtid_executed": f"{SOURCE_UUID}:1-50",
    "gtid_purged": "",
    "enforce_gtid_consistency": "ON",
}
MYSQL84_BINARY_LOG_STATUS = [
    make_row(
        BINLOG_STATUS_COLUMNS, File="binlog.000007", Position=197, Executed_Gtid_Set=f"{SOURCE_UUID}:1-50"
    )
]
MYSQL84_BINARY_LOGS = [
    make_row(BINARY_LOGS_80_COLUMNS, Log_name="binlog.000007", File_size=197, Encrypted="No")
]

# -- every version's own wording --------------------------------------------------------
#
# The same error reads differently per version (MySQL "Server Error Message Reference" 5.7 / 8.0 /
# 8.4; the texts below are the servers' message files): MySQL 5.7 says "master"/"slave" in its
# thread states and messages and numbers a source's refusal 1236; MySQL 8.0 wraps that refusal in
# 13114 and a relay log read failure in 13121, and from 8.0.26 says "source"/"replica" in both —
# in SHOW SLAVE STATUS too, whose column names stay Master_*/Slave_* (8.0.22+ adds
# Network_Namespace; 8.0.4+ the public key columns).

#: MySQL 8.0.0–8.0.21 SHOW SLAVE STATUS: 5.7's columns plus the caching_sha2_password key columns.
SLAVE_STATUS_80_COLUMNS = SLAVE_STATUS_57_COLUMNS + ("Master_public_key_path", "Get_master_public_key")
#: MySQL 8.0.22+ SHOW SLAVE STATUS (the deprecated spelling): legacy names, plus Network_Namespace.
SLAVE_STATUS_8022_COLUMNS = SLAVE_STATUS_80_COLUMNS + ("Network_Namespace",)

_STATES_57 = {
    "Slave_IO_State": "Waiting for master to send event",
    "Slave_SQL_Running_State": "Slave has read all relay log; waiting for more updates",
}
_FATAL_57 = "Got fatal error 1236 from master when reading data from binary log: '{}'"
_FATAL_80 = "Got fatal error 1236 from source when reading data from binary log: '{}'"


def make_row_57(columns: tuple[str, ...], **overrides: Any) -> dict[str, Any]:
    """:func:`make_row` with the thread states in MySQL 5.7 / 8.0.0–8.0.25 wording
    ("Waiting for master to send event", "Slave has read all relay log; …")."""
    base = {k: v for k, v in _STATES_57.items() if k in columns}
    return make_row(columns, **{**base, **overrides})


def _io_stopped(errno: int, text: str, **more: Any) -> dict[str, Any]:
    return dict(
        Slave_IO_State="",
        Slave_IO_Running="No",
        Seconds_Behind_Master=None,
        Last_IO_Errno=errno,
        Last_IO_Error=text,
        Last_IO_Error_Timestamp="240611 10:02:33",
        **more,
    )


#: MySQL 5.7: the source purged the file (1236 "could not find first log file").
MYSQL57_PURGED = make_row_57(
    SLAVE_STATUS_57_COLUMNS,
    Master_Log_File="mysql-bin.000002",
    Read_Master_Log_Pos=5123,
    **_io_stopped(1236, _FATAL_57.format("Could not find first log file name in binary log index file")),
)
#: MySQL 5.7: 5.6+'s wording of "impossible position".
MYSQL57_POSITION_PAST_END = make_row_57(
    SLAVE_STATUS_57_COLUMNS,
    Master_Log_File="mysql-bin.000234",
    Read_Master_Log_Pos=173841457,
    **_io_stopped(
        1236, _FATAL_57.format("Client requested master to start replication from position > file size")
    ),
)
#: MySQL 5.7 with GTID auto-positioning: ER_MASTER_HAS_PURGED_REQUIRED_GTIDS in 5.7's words.
MYSQL57_GTID_PURGED = make_row_57(
    SLAVE_STATUS_57_COLUMNS,
    Auto_Position=1,
    Retrieved_Gtid_Set="",
    Executed_Gtid_Set=f"{SOURCE_UUID}:1-6",
    **_io_stopped(
        1236,
        _FATAL_57.format(
            "The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has "
            "purged binary logs containing GTIDs that the slave requires. Replicate the missing transactions "
            "from elsewhere, or provision a new slave from backup. Consider increasing the master's binary "
            f"log expiration period. The GTID set sent by the slave is '{SOURCE_UUID}:1-6', and the missing "
            f"transactions are '{SOURCE_UUID}:7-14'."
        ),
    ),
)
_COORDINATOR_57 = (
    "Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: "
    "Worker 1 failed executing transaction 'ANONYMOUS' at master log mysql-bin.000003, end_log_pos 1340. "
    "See error log and/or performance_schema.replication_applier_status_by_worker table for more details "
    "about this failure or others, if any."
)
#: MySQL 5.7 multi-threaded replica: the coordinator's message, the worker's 1062 in the errno.
MYSQL57_COORDINATOR_1062 = make_row_57(
    SLAVE_STATUS_57_COLUMNS,
    Slave_SQL_Running="No",
    Slave_SQL_Running_State="",
    Seconds_Behind_Master=None,
    Last_Errno=1062,
    Last_Error=_COORDINATOR_57,
    Last_SQL_Errno=1062,
    Last_SQL_Error=_COORDINATOR_57,
    Last_SQL_Error_Timestamp="240611 10:02:33",
)

#: MySQL 8.0.18 (SHOW SLAVE STATUS, before 8.0.26's wording): GTID purged, wrapped in 13114.
MYSQL8018_GTID_PURGED = make_row_57(
    SLAVE_STATUS_80_COLUMNS,
    Auto_Position=1,
    **_io_stopped(
        13114,
        _FATAL_57.format(
            "Cannot replicate because the master purged required binary logs. Replicate the missing "
            "transactions from elsewhere, or provision a new slave from backup. Consider increasing the "
            "master's binary log expiration period. To find the missing transactions, see the master's error "
            "log or the manual for GTID_SUBTRACT."
        ),
    ),
)
#: MySQL 8.0.18: caching_sha2_password without TLS or the source's public key (2061).
MYSQL8018_TLS = make_row_57(
    SLAVE_STATUS_80_COLUMNS,
    Slave_IO_State="Connecting to master",
    Slave_IO_Running="Connecting",
    Seconds_Behind_Master=None,
    Last_IO_Errno=2061,
    Last_IO_Error=(
        "error connecting to master 'repl@source80:3306' - retry-time: 60 retries: 1 message: "
        "Authentication plugin 'caching_sha2_password' reported error: Authentication requires secure "
        "connection."
    ),
    Get_master_public_key=0,
)
_RELAY_80 = (
    "Relay log read failure: Could not parse relay log event entry. The possible reasons are: the master's "
    "binary log is corrupted (you can check this by running 'mysqlbinlog' on the binary log), the slave's "
    "relay log is corrupted (you can check this by running 'mysqlbinlog' on the relay log), a network "
    "problem, the server was unable to fetch a keyring key required to open an encrypted relay log file, or "
    "a bug in the master's or slave's MySQL code. If you want to check the master's binary log or slave's "
    "relay log, you will be able to know their names by issuing 'SHOW SLAVE STATUS' on this slave."
)
#: MySQL 8.0.18: relay log read failure, numbered 13121.
MYSQL8018_RELAY = make_row_57(
    SLAVE_STATUS_80_COLUMNS,
    Slave_SQL_Running="No",
    Slave_SQL_Running_State="",
    Seconds_Behind_Master=None,
    Last_Errno=13121,
    Last_Error=_RELAY_80,
    Last_SQL_Errno=13121,
    Last_SQL_Error=_RELAY_80,
)

#: MySQL 8.0.36 answering the deprecated SHOW SLAVE STATUS: Master_* columns, 8.0.26+ words.
MYSQL8036_SLAVE_POSITION_PAST_END = make_row(
    SLAVE_STATUS_8022_COLUMNS,
    Master_Log_File="binlog.000012",
    Read_Master_Log_Pos=48211,
    **_io_stopped(
        13114, _FATAL_80.format("Client requested source to start replication from position > file size")
    ),
)
#: MySQL 8.0.36, SHOW SLAVE STATUS: GTID purged in 8.0.26+ words.
MYSQL8036_SLAVE_GTID_PURGED = make_row(
    SLAVE_STATUS_8022_COLUMNS,
    Auto_Position=1,
    **_io_stopped(
        13114,
        _FATAL_80.format(
            "Cannot replicate because the source purged required binary logs. Replicate the missing "
            "transactions from elsewhere, or provision a new replica from backup. Consider increasing the "
            "source's binary log expiration period. The GTID set sent by the replica is "
            f"'{SOURCE_UUID}:1-20', and the missing transactions are '{SOURCE_UUID}:21-40'."
        ),
    ),
)
