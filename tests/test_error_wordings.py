"""Every error wording of every version: the same error reads differently across
MySQL 5.5–8.4 and MariaDB 10.x–11.x, and the cause decides the repair.

Texts are the servers' own (MySQL ``share/errmsg-utf8.txt``/``messages_to_clients.txt``,
MariaDB ``sql_repl.cc``), as ``SHOW SLAVE STATUS`` shows them in ``Last_IO_Error`` /
``Last_SQL_Error``; the recorded rows (tests/recorded/mysql_rows.py) carry them per version.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import canned
import pytest
from canned import binlogs, channel, config_for, node

from replui.analysis import errors as E
from replui.analysis.findings import analyse
from replui.config import NodeConfig
from replui.mysql.dialect import dialect_for
from replui.mysql.status import build_status

F57 = "Got fatal error 1236 from master when reading data from binary log: '{}'"
F80 = "Got fatal error 1236 from source when reading data from binary log: '{}'"

WORDINGS = [
    # (errno as Last_IO_Errno shows it, text, key)
    (1236, F57.format("Could not find first log file name in binary log index file"), "binlog_purged"),
    (13114, F80.format("Could not find first log file name in binary log index file"), "binlog_purged"),
    (1236, canned.CRASH_RUNBOOK_1236, "impossible_position"),
    (
        1236,
        F57.format("Client requested master to start replication from position > file size"),
        "impossible_position",
    ),
    (
        13114,
        F57.format("Client requested master to start replication from position > file size"),
        "impossible_position",
    ),
    (
        13114,
        F80.format("Client requested source to start replication from position > file size"),
        "impossible_position",
    ),
    (
        1236,
        F57.format(
            "The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has "
            "purged "
            "binary logs containing GTIDs that the slave requires."
        ),
        "gtid_purged",
    ),
    (
        13114,
        F57.format(
            "Cannot replicate because the master purged required binary logs. Replicate the missing "
            "transactions "
            "from elsewhere, or provision a new slave from backup. Consider increasing the master's binary "
            "log "
            "expiration period. To find the missing transactions, see the master's error log or the manual "
            "for "
            "GTID_SUBTRACT."
        ),
        "gtid_purged",
    ),
    (
        13114,
        F80.format(
            "Cannot replicate because the source purged required binary logs. Replicate the missing "
            "transactions "
            "from elsewhere, or provision a new replica from backup. Consider increasing the source's "
            "binary log "
            "expiration period. The GTID set sent by the replica is "
            "'3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', "
            "and the missing transactions are '3e11fa47-71ca-11e1-9e33-c80aa9429562:6-9'."
        ),
        "gtid_purged",
    ),
    (
        1236,
        F57.format(
            "Could not find GTID state requested by slave in any binlog files. Probably the slave state is "
            "too "
            "old and required binlog files have been purged."
        ),
        "gtid_purged",
    ),
    (
        1236,
        F57.format(
            "Error: connecting slave requested to start from GTID 0-1-3, which is not in the master's binlog"
        ),
        "gtid_diverged",
    ),
    (
        1236,
        F57.format(
            "Error: connecting slave requested to start from GTID 0-2-980, which is not in the master's "
            "binlog. "
            "Since the master's binlog contains GTIDs with higher sequence numbers, it probably means that "
            "the "
            "slave has diverged due to executing extra erroneous transactions"
        ),
        "gtid_diverged",
    ),
    (1594, canned.CRASH_RUNBOOK_RELAY_ERROR, "relay_log_corrupt"),
    (
        13121,
        "Relay log read failure: Could not parse relay log event entry. The possible reasons are: the "
        "source's "
        "binary log is corrupted (you can check this by running 'mysqlbinlog' on the binary log), the "
        "replica's "
        "relay log is corrupted (you can check this by running 'mysqlbinlog' on the relay log), a network "
        "problem, the server was unable to fetch a keyring key required to open an encrypted relay log file, "
        "or a bug in the source's or replica's MySQL code.",
        "relay_log_corrupt",
    ),
    (1595, "Relay log write failure: could not queue event from master", "relay_log_corrupt"),
    (
        2061,
        "error connecting to master 'repl@10.0.0.5:3306' - retry-time: 60 retries: 1 message: Authentication "
        "plugin 'caching_sha2_password' reported error: Authentication requires secure connection.",
        "tls_required",
    ),
    (
        2061,
        "Error connecting to source 'repl@source84:3306'. This was attempt 3/10, with a delay of 60 seconds "
        "between attempts. Message: Authentication plugin 'caching_sha2_password' reported error: "
        "Authentication requires secure connection.",
        "tls_required",
    ),
    (1062, canned.MARIADB_1062, "duplicate_key"),
    (
        1032,
        "Could not execute Update_rows event on table shop.t; Can't find record in 't', Error_code: 1032; "
        "handler error HA_ERR_KEY_NOT_FOUND; the event's source log binlog.000001, end_log_pos 1234",
        "missing_row",
    ),
]


@pytest.mark.parametrize("errno,text,key", WORDINGS)
def test_every_wording_names_its_cause(errno, text, key):
    reading = E.read_error(errno, text)
    assert reading.known is not None and reading.known.key == key, (errno, text)
    assert reading.notes == ()  # number and text agree, 13114/13121 included
    assert E.classify(errno, text).key == key
    assert E.classify(0, text).key == key  # a paste without the errno column


@pytest.mark.parametrize("errno,text,key", WORDINGS)
def test_wordings_wrapped_by_a_terminal_or_the_server_still_classify(errno, text, key):
    mid_word = "\n".join(text[i : i + 37] for i in range(0, len(text), 37))
    assert E.classify(errno, mid_word.replace("\n", "")).key == key
    at_spaces = text.replace(" ", "\n", 3)
    assert E.classify(errno, at_spaces).key == key
    squeezed = "".join(mid_word.split("\n"))
    assert E.classify(errno, squeezed).key == key


def test_every_row_lists_its_wordings_and_a_reference():
    for known in E.KNOWN_ERRORS:
        assert known.wordings, known.key
        for w in known.wordings:
            assert w.text and w.servers and w.reference
        assert known.patterns or known is E.BINLOG_READ_ERROR


def test_mysql_8_wrapper_numbers_mean_the_classic_errors():
    assert E.canonical_errno(13114) == 1236 and E.canonical_errno(13121) == 1594
    assert E.classify(13114, "").key == "binlog_read_error"
    assert E.classify(13121, "").key == "relay_log_corrupt"


def test_13117_is_mysql_8_io_thread_fatal_error_not_relay_log_corruption():
    # MySQL 8.0 Last_IO_Errno 13117: "Fatal error: The slave I/O thread stops because master and slave
    # have equal MySQL server ids" — nothing to do with the relay log
    text = (
        "Fatal error: The replica I/O thread stops because source and replica have equal MySQL server ids; "
        "these ids must be different for replication to work (or the --replicate-same-server-id option must "
        "be used on replica but this does not always make sense; please check the manual before using it)."
    )
    known = E.classify(13117, text)
    assert known is None or known.key != "relay_log_corrupt"
    assert E.classify(13117, "") is None


def test_tls_error_is_not_the_network_even_when_the_number_says_so():
    text = next(t for _, t, k in WORDINGS if k == "tls_required")
    reading = E.read_error(2003, text)
    assert reading.known is E.TLS_REQUIRED
    assert reading.by_errno is E.NETWORK
    (note,) = reading.notes
    assert "2003" in note and "disagree" in note and "follows the text" in note
    assert "GET_SOURCE_PUBLIC_KEY=1" in E.TLS_REQUIRED.advice and "not the cause" in E.TLS_REQUIRED.advice


def test_errno_and_text_disagreeing_is_said_not_picked_silently():
    missing = next(t for _, t, k in WORDINGS if k == "missing_row")
    reading = E.read_error(1062, missing)  # Last_SQL_Errno 1062, the text of a 1032
    assert reading.known is E.MISSING_ROW and reading.by_errno is E.DUPLICATE_KEY
    assert any("1062" in n and "disagree" in n for n in reading.notes)
    # a quoted number that differs, with no known cause in the text
    reading = E.read_error(1146, "Error 'x' on query. Error_code: 1050")
    assert any("1146" in n and "1050" in n and "disagree" in n for n in reading.notes)


COORDINATOR_57 = (
    "Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: "
    "Worker 1 "
    "failed executing transaction 'ANONYMOUS' at master log mysql-bin.000003, end_log_pos 1340. See error "
    "log "
    "and/or performance_schema.replication_applier_status_by_worker table for more details about this "
    "failure "
    "or others, if any."
)
WORKER_MESSAGE = (
    "Worker 1 failed executing transaction 'ANONYMOUS' at master log mysql-bin.000003, end_log_pos 1340; "
    "Could "
    "not execute Write_rows event on table shop.t; Duplicate entry '1' for key 'PRIMARY', Error_code: 1062; "
    "handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000003, end_log_pos 1340"
)


def test_multi_threaded_coordinator_takes_the_workers_errno():
    reading = E.read_error(1062, COORDINATOR_57)
    assert reading.known is E.DUPLICATE_KEY and reading.errno == 1062
    assert any(E.WORKER_TABLE in n for n in reading.notes)
    reading = E.read_error(1032, COORDINATOR_57.replace("master log", "source log"))
    assert reading.known is E.MISSING_ROW


def test_coordinator_with_the_workers_message_reads_the_errno_from_it():
    reading = E.read_error(0, COORDINATOR_57, worker_text=WORKER_MESSAGE)
    assert reading.known is E.DUPLICATE_KEY and reading.errno == 1062
    assert any("Duplicate entry '1'" in n for n in reading.notes)
    reading = E.read_error(1032, COORDINATOR_57, worker_errno=1062, worker_text=WORKER_MESSAGE)
    assert reading.known is E.DUPLICATE_KEY
    assert any("1032" in n and "1062" in n and "disagree" in n for n in reading.notes)


def test_coordinator_without_any_number_says_where_to_look():
    reading = E.read_error(0, COORDINATOR_57)
    assert reading.known is None
    assert any("SELECT WORKER_ID, LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE" in n for n in reading.notes)


def test_worker_error_picks_the_latest_failure():
    rows = [
        {"WORKER_ID": 1, "LAST_ERROR_NUMBER": 0, "LAST_ERROR_MESSAGE": "", "LAST_ERROR_TIMESTAMP": "0000"},
        {
            "WORKER_ID": 2,
            "LAST_ERROR_NUMBER": 1032,
            "LAST_ERROR_MESSAGE": "old",
            "LAST_ERROR_TIMESTAMP": "2024-01-01",
        },
        {
            "worker_id": 3,
            "last_error_number": "1062",
            "last_error_message": "new",
            "last_error_timestamp": "2024-02-01",
        },
    ]
    assert E.worker_error(rows) == (1062, "new")
    assert E.worker_error(rows[:1]) is None
    assert E.worker_of({E.WORKER_ERRNO_KEY: "1062", E.WORKER_ERROR_KEY: "x"}) == (1062, "x")
    assert E.worker_of({}) == (None, "")


def test_findings_say_when_errno_and_text_disagree():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(100))
    missing = next(t for _, t, k in WORDINGS if k == "missing_row")
    ch = channel(s, sql="No", lag=None, last_sql_errno=1062, last_sql_error=missing)
    r = node(cfg, "r", server_id=2, read_only=True, channels=(ch,))
    (f,) = [f for f in analyse([s, r]) if f.code == "sql_error"]
    assert "disagree" in f.message and "1062" in f.message
    assert f.wizard == "rebuild-replica"


def test_findings_of_a_13114_impossible_position_on_mysql_8_repoint_to_the_next_binlog():
    cfg = config_for("node1", "node2")
    a = node(cfg, "node1", server_id=1, files=binlogs(1000))
    text = WORDINGS[5][1]
    assert "position > file size" in text
    ch = channel(
        a, file="mysql-bin.000001", pos=1200, io="No", lag=None, last_io_errno=13114, last_io_error=text
    )
    b = node(cfg, "node2", server_id=2, read_only=True, channels=(ch,))
    fs = analyse([a, b])
    (f,) = [f for f in fs if f.code == "io_error"]
    assert f.wizard == "repoint" and "MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=4" in f.advice
    assert "disagree" not in f.message
    # the 13114 is the IO thread's own 1236: the coordinates are impossible whatever the polling order
    assert [f.code for f in fs if f.code == "coordinates_impossible"] == ["coordinates_impossible"]


def _recorded():
    path = Path(__file__).parent / "recorded" / "mysql_rows.py"
    spec = importlib.util.spec_from_file_location("recorded_mysql_rows_w", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M = _recorded()


@pytest.mark.parametrize(
    "row,version,key,io_label",
    [
        ("MYSQL57_PURGED", "5.7.44-log", "binlog_purged", "Last_IO_Errno"),
        ("MYSQL57_POSITION_PAST_END", "5.7.44-log", "impossible_position", "Last_IO_Errno"),
        ("MYSQL57_GTID_PURGED", "5.7.44-log", "gtid_purged", "Last_IO_Errno"),
        ("MYSQL57_COORDINATOR_1062", "5.7.44-log", "duplicate_key", "Last_SQL_Errno"),
        ("MYSQL8018_GTID_PURGED", "8.0.18", "gtid_purged", "Last_IO_Errno"),
        ("MYSQL8018_TLS", "8.0.18", "tls_required", "Last_IO_Errno"),
        ("MYSQL8018_RELAY", "8.0.18", "relay_log_corrupt", "Last_SQL_Errno"),
        ("MYSQL8036_SLAVE_POSITION_PAST_END", "8.0.36", "impossible_position", "Last_IO_Errno"),
        ("MYSQL8036_SLAVE_GTID_PURGED", "8.0.36", "gtid_purged", "Last_IO_Errno"),
    ],
)
def test_recorded_rows_of_each_version_classify_through_the_live_path(row, version, key, io_label):
    values = dict(M.MYSQL57_VARIABLES, version=version)
    dialect = dialect_for("mysql", version)
    status = build_status(NodeConfig(name="r"), dialect, values, [getattr(M, row)])
    (ch,) = status.channels
    io = ch.last_io_errno, ch.last_io_error
    sql = ch.last_sql_errno, ch.last_sql_error
    errno, text = io if io_label == "Last_IO_Errno" else sql
    assert E.classify(errno, text).key == key
    # SHOW SLAVE STATUS keeps Master_*/Slave_* names on every 8.0, 8.0.22+ included
    assert ch.label("source_log_file") == "Master_Log_File"


# -- the live path: the failed worker read from performance_schema ----------------------------------------
class _Server:
    """Answers the collector's statements from recorded rows (pure: no server involved)."""

    def __init__(self, replica_row, workers=()):
        from replui.mysql import marker
        from replui.mysql.dialect import (
            SHOW_BINARY_LOGS,
            SHOW_MASTER_STATUS,
            SHOW_SLAVE_STATUS,
            variables_sql,
        )
        from replui.mysql.workers import WORKER_ERRORS_SQL

        self.cache = {}
        self.asked = []
        variables = [
            {"Variable_name": k, "Value": v} for k, v in dict(M.MYSQL57_VARIABLES, version="5.7.44").items()
        ]
        self.answers = {
            variables_sql(): variables,
            SHOW_SLAVE_STATUS: [replica_row],
            SHOW_MASTER_STATUS: M.MYSQL57_MASTER_STATUS,
            SHOW_BINARY_LOGS: M.MYSQL57_BINARY_LOGS,
            WORKER_ERRORS_SQL: list(workers),
        }
        self.mark_sql = marker.READ_MARK

    def query(self, sql, args=None):
        from replui.mysql.client import NodeError

        self.asked.append(sql)
        if sql in self.answers:
            return self.answers[sql]
        raise NodeError(1146, "Table 'replui_state.rebuild' doesn't exist")


def test_the_collector_reads_the_failed_worker_when_the_coordinator_stopped():
    from replui.mysql.status import collect_status
    from replui.mysql.workers import WORKER_ERRORS_SQL

    row = dict(M.MYSQL57_COORDINATOR_1062, Last_SQL_Errno=0, Last_Errno=0)  # only the coordinator's words
    worker = {
        "CHANNEL_NAME": "",
        "WORKER_ID": 3,
        "LAST_ERROR_NUMBER": 1032,
        "LAST_ERROR_MESSAGE": WORKER_MESSAGE.replace(
            "Duplicate entry '1' for key 'PRIMARY', Error_code: 1062",
            "Can't find record in 't', Error_code: 1032",
        ),
        "LAST_ERROR_TIMESTAMP": "2024-06-11 10:02:33.000000",
    }
    server = _Server(row, [worker])
    status = collect_status(server, NodeConfig(name="r"))
    assert WORKER_ERRORS_SQL in server.asked and status.reachable and not status.warnings
    (ch,) = status.channels
    assert E.worker_of(ch.raw) == (1032, worker["LAST_ERROR_MESSAGE"])
    (f,) = [f for f in analyse([status]) if f.code == "sql_error"]
    assert f.errno == 1032 and f.wizard == "rebuild-replica" and "Can't find record" in f.message


def test_the_collector_does_not_read_workers_without_the_coordinators_message():
    from replui.mysql.status import collect_status
    from replui.mysql.workers import WORKER_ERRORS_SQL

    server = _Server(M.MYSQL57_PURGED)
    collect_status(server, NodeConfig(name="r"))
    assert WORKER_ERRORS_SQL not in server.asked
