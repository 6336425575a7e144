"""Dialect choice and row -> model normalisation, fed with recorded rows.

MySQL rows (5.7 ``SHOW SLAVE STATUS``, 8.0.22+ ``SHOW REPLICA STATUS``, 8.4
``SHOW REPLICA STATUS`` + ``SHOW BINARY LOG STATUS``) are recorded rows built
from the official column lists (full list, in order, from the MySQL reference
manual); no MySQL server can run here. See ``tests/recorded/mysql_rows.py``.

MariaDB rows (``SHOW ALL SLAVES STATUS`` with ``Connection_name``,
``Using_Gtid``, ``Gtid_IO_Pos``) were captured with PyMySQL from a real
MariaDB 10.11 server: ``tests/recorded/mariadb_10_11.json``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from replui.config import NodeConfig
from replui.model import Flavor
from replui.mysql.dialect import (
    MARIADB_LABELS,
    SHOW_ALL_SLAVES_STATUS,
    SHOW_BINARY_LOG_STATUS,
    SHOW_MASTER_STATUS,
    SHOW_REPLICA_STATUS,
    SHOW_SLAVE_STATUS,
    dialect_for,
    dialect_from_variables,
    flavor_of,
    parse_version,
    query_with_fallback,
    rows_to_variables,
    variables_sql,
)
from replui.mysql.status import build_status, normalise_binary_logs, normalise_binlog, normalise_channel

RECORDED = Path(__file__).parent / "recorded"


def _load_mysql_rows():
    spec = importlib.util.spec_from_file_location("recorded_mysql_rows", RECORDED / "mysql_rows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M = _load_mysql_rows()
MARIA = json.loads((RECORDED / "mariadb_10_11.json").read_text())
NODE = NodeConfig(name="n1", host="127.0.0.1", port=3306)


# -- versions and flavours ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8.0.36", (8, 0, 36)),
        ("8.0.36-0ubuntu0.22.04.1", (8, 0, 36)),
        ("5.7.44-log", (5, 7, 44)),
        ("10.11.19-MariaDB-0+deb12u1-log", (10, 11, 19)),
        ("5.5.5-10.6.12-MariaDB", (10, 6, 12)),
        ("11.4", (11, 4, 0)),
    ],
)
def test_parse_version_reads_major_minor_patch(text, expected):
    assert parse_version(text) == expected


def test_parse_version_rejects_text_without_a_version():
    with pytest.raises(ValueError, match="cannot read a server version"):
        parse_version("unknown")


def test_flavor_is_mariadb_when_version_or_comment_says_so():
    assert flavor_of("10.11.19-MariaDB-0+deb12u1-log", "Debian 12") is Flavor.MARIADB
    assert flavor_of("10.6.5", "mariadb.org binary distribution") is Flavor.MARIADB
    assert flavor_of("8.0.36", "MySQL Community Server - GPL") is Flavor.MYSQL
    assert flavor_of("8.0.35-27", "Percona Server (GPL), Release 27") is Flavor.MYSQL


# -- statements per dialect -----------------------------------------------------------


@pytest.mark.parametrize(
    "version, replica_sql, binlog_sql, replica_terms",
    [
        ("5.7.44-log", SHOW_SLAVE_STATUS, SHOW_MASTER_STATUS, False),
        ("8.0.21", SHOW_SLAVE_STATUS, SHOW_MASTER_STATUS, False),
        ("8.0.22", SHOW_REPLICA_STATUS, SHOW_MASTER_STATUS, True),
        ("8.1.0", SHOW_REPLICA_STATUS, SHOW_MASTER_STATUS, True),
        ("8.2.0", SHOW_REPLICA_STATUS, SHOW_BINARY_LOG_STATUS, True),
        ("8.4.3", SHOW_REPLICA_STATUS, SHOW_BINARY_LOG_STATUS, True),
    ],
)
def test_mysql_statements_follow_the_version(version, replica_sql, binlog_sql, replica_terms):
    d = dialect_for(Flavor.MYSQL, version)
    assert d.replica_status_sql == replica_sql
    assert d.binlog_status_sql == binlog_sql
    assert d.uses_replica_terms is replica_terms
    assert d.replica_syntax is replica_terms
    assert d.labels["io_running"] == ("Replica_IO_Running" if replica_terms else "Slave_IO_Running")


def test_mariadb_lists_every_named_connection_with_legacy_labels():
    d = dialect_for("mariadb", "10.11.19-MariaDB-0+deb12u1-log")
    assert d.replica_status_sql == SHOW_ALL_SLAVES_STATUS
    assert d.binlog_status_sql == SHOW_MASTER_STATUS
    assert d.uses_replica_terms is False
    assert d.replica_syntax is True  # START/STOP REPLICA parse from 10.5.1
    assert d.labels["channel_name"] == "Connection_name"
    assert d.labels["source_log_file"] == "Master_Log_File"
    assert d.has_server_uuid is False
    assert dialect_for("mariadb", "10.4.30-MariaDB").replica_syntax is False


def test_mysql_8022_labels_name_the_replica_columns():
    labels = dialect_for(Flavor.MYSQL, "8.0.22").labels
    assert labels["source_log_file"] == "Source_Log_File"
    assert labels["read_source_log_pos"] == "Read_Source_Log_Pos"
    assert labels["relay_source_log_file"] == "Relay_Source_Log_File"
    assert labels["exec_source_log_pos"] == "Exec_Source_Log_Pos"
    assert labels["seconds_behind_source"] == "Seconds_Behind_Source"
    assert labels["source_host"] == "Source_Host"
    assert labels["sql_state"] == "Replica_SQL_Running_State"
    assert labels["channel_name"] == "Channel_Name"
    # every label is a real column of the manual's list
    assert set(labels.values()) <= set(M.REPLICA_STATUS_80_COLUMNS)


def test_legacy_mysql_labels_are_real_57_columns():
    labels = dialect_for(Flavor.MYSQL, "5.7.44").labels
    assert set(labels.values()) <= set(M.SLAVE_STATUS_57_COLUMNS)


def test_mariadb_labels_are_real_columns_of_the_captured_row():
    assert set(MARIADB_LABELS.values()) <= set(MARIA["show_all_slaves_status"][0])


def test_variables_decide_features_over_the_version():
    names = {"version", "server_uuid", "log_slave_updates", "gtid_mode"}  # no super_read_only
    d = dialect_for(Flavor.MYSQL, "8.0.36", names)
    assert d.has_super_read_only is False
    assert d.has_server_uuid is True
    assert d.log_replica_updates_var == "log_slave_updates"
    d2 = dialect_from_variables(M.MYSQL80_VARIABLES)
    assert d2.has_super_read_only and d2.log_replica_updates_var == "log_replica_updates"


def test_variables_are_read_in_one_statement():
    sql = variables_sql()
    assert sql.startswith("SHOW GLOBAL VARIABLES WHERE Variable_name IN (")
    for name in ("'gtid_executed'", "'gtid_binlog_pos'", "'log_replica_updates'", "'server_uuid'"):
        assert name in sql
    with pytest.raises(ValueError):
        variables_sql(["version'; DROP TABLE x; --"])


def test_rows_to_variables_lowercases_names():
    v = rows_to_variables(
        [{"Variable_name": "GTID_MODE", "Value": "ON"}, {"Variable_name": "x", "Value": None}]
    )
    assert v == {"gtid_mode": "ON", "x": ""}


class _FakeClient:
    """Answers statements from a table; raises like NodeClient for others
    (pure test of the fallback logic — no server involved)."""

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def query(self, sql, args=None):
        from replui.mysql.client import NodeError

        self.asked.append(sql)
        if sql in self.answers:
            return self.answers[sql]
        raise NodeError(1064, "You have an error in your SQL syntax")


def test_new_statement_falls_back_to_old_on_parse_error_and_is_remembered():
    client = _FakeClient({SHOW_SLAVE_STATUS: [M.MYSQL57_CRASHED_PAIR_NODE1]})
    d = dialect_for(Flavor.MYSQL, "8.0.36")  # version says REPLICA, the server disagrees
    rows, d2 = query_with_fallback(client, d, "replica_status")
    assert client.asked == [SHOW_REPLICA_STATUS, SHOW_SLAVE_STATUS]
    assert rows == [M.MYSQL57_CRASHED_PAIR_NODE1]
    assert d2.replica_status_sql == SHOW_SLAVE_STATUS and d2.uses_replica_terms is False
    assert d2.labels["io_running"] == "Slave_IO_Running"


def test_binlog_status_falls_back_to_show_master_status():
    client = _FakeClient({SHOW_MASTER_STATUS: M.MYSQL57_MASTER_STATUS})
    rows, d2 = query_with_fallback(client, dialect_for(Flavor.MYSQL, "8.4.0"), "binlog_status")
    assert d2.binlog_status_sql == SHOW_MASTER_STATUS and rows[0]["File"] == "mysql-bin.000254"


def test_fallback_reraises_non_parse_errors():
    from replui.mysql.client import NodeError

    class Denied(_FakeClient):
        def query(self, sql, args=None):
            raise NodeError(
                1227,
                "Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) "
                "for this operation",
            )

    with pytest.raises(NodeError) as info:
        query_with_fallback(Denied({}), dialect_for(Flavor.MYSQL, "8.0.36"), "replica_status")
    assert info.value.errno == 1227


# -- MySQL 5.7: 'active-active MySQL setup back in sync after hard crash' ---------------


def test_hard_crash_relay_log_failure_row_keeps_coordinates_and_error():
    d = dialect_for(Flavor.MYSQL, "5.7.44-log")
    ch = normalise_channel(M.MYSQL57_CRASHED_PAIR_NODE1, d)
    assert ch.name == ""
    assert ch.source_log_file == "mysql-bin.000253"
    assert ch.read_source_log_pos == 569975131
    assert ch.relay_log_file == "relay-bin.000198"
    assert ch.relay_log_pos == 179576569
    assert ch.relay_source_log_file == "mysql-bin.000253"
    assert ch.exec_source_log_pos == 419130498
    assert ch.io_running == "Yes" and ch.sql_running == "No"
    assert ch.last_sql_errno == 1594
    assert ch.last_sql_error.startswith("Relay log read failure: Could not parse relay log event entry.")
    assert ch.seconds_behind_source is None
    assert ch.label("exec_source_log_pos") == "Exec_Master_Log_Pos"
    assert ch.raw["Seconds_Behind_Master"] == "NULL"
    assert ch.raw["Read_Master_Log_Pos"] == "569975131"


def test_hard_crash_impossible_position_row_reports_io_error_1236():
    ch = normalise_channel(M.MYSQL57_CRASHED_PAIR_NODE2, dialect_for(Flavor.MYSQL, "5.7.44"))
    assert ch.io_running == "No" and not ch.io_ok
    assert ch.last_io_errno == 1236
    assert "impossible position" in ch.last_io_error
    assert (ch.source_log_file, ch.read_source_log_pos) == ("mysql-bin.000234", 173841457)
    assert ch.exec_source_log_pos == 173841457
    assert ch.source_host == "node1" and ch.source_port == 3306


def test_rows_with_text_values_parse_like_typed_rows():
    typed = normalise_channel(M.MYSQL57_CRASHED_PAIR_NODE1)
    text = normalise_channel(M.as_strings(M.MYSQL57_CRASHED_PAIR_NODE1))
    assert text.read_source_log_pos == typed.read_source_log_pos == 569975131
    assert text.last_sql_errno == 1594 and text.seconds_behind_source is None


def test_mysql57_status_from_recorded_rows():
    v = M.MYSQL57_VARIABLES
    d = dialect_from_variables(v)
    st = build_status(
        NODE,
        d,
        v,
        [M.MYSQL57_CRASHED_PAIR_NODE1],
        M.MYSQL57_MASTER_STATUS,
        M.MYSQL57_BINARY_LOGS,
        collected_at=1000.0,
    )
    assert st.reachable and st.flavor is Flavor.MYSQL and st.version == "5.7.44-log"
    assert st.server_uuid == M.REPLICA_UUID
    assert st.read_only is False and st.super_read_only is False
    assert st.log_bin is True and st.log_replica_updates is True and st.binlog_format == "ROW"
    assert st.gtid_mode == "OFF" and st.gtid_executed == ""
    assert st.binlog is not None and (st.binlog.file, st.binlog.position) == ("mysql-bin.000254", 154)
    assert st.binlog.gtid is None
    assert st.binlog_file("mysql-bin.000253").size == 569975131
    assert st.replica_syntax is False
    assert st.collected_at == 1000.0
    assert st.gtid_current_pos is None and st.gtid_domain_id is None


# -- MySQL 8.0.22+ ---------------------------------------------------------------------


def test_mysql80_replica_row_maps_source_columns():
    d = dialect_for(Flavor.MYSQL, "8.0.36")
    ch = normalise_channel(M.MYSQL80_REPLICA_HEALTHY, d)
    assert ch.io_ok and ch.sql_ok
    assert (ch.source_host, ch.source_port, ch.source_user) == ("127.0.0.1", 13000, "root")
    assert (ch.source_log_file, ch.read_source_log_pos) == ("master-bin.000001", 927)
    assert (ch.relay_source_log_file, ch.exec_source_log_pos) == ("master-bin.000001", 927)
    assert ch.seconds_behind_source == 3
    assert ch.source_uuid == M.SOURCE_UUID and ch.source_server_id == 1
    assert ch.auto_position is True
    assert ch.executed_gtid_set == f"{M.SOURCE_UUID}:1-927,{M.REPLICA_UUID}:1-2"  # line break gone
    assert ch.label("read_source_log_pos") == "Read_Source_Log_Pos"
    assert ch.label("seconds_behind_source") == "Seconds_Behind_Source"
    assert ch.label("io_running") == "Replica_IO_Running"
    assert ch.sql_state.startswith("Replica has read all relay log")


def test_mysql80_named_channel_with_duplicate_key():
    ch = normalise_channel(M.MYSQL80_REPLICA_DUPLICATE, dialect_for(Flavor.MYSQL, "8.0.36"))
    assert ch.name == "analytics"
    assert ch.sql_running == "No" and ch.last_sql_errno == 1062
    assert "Duplicate entry '42'" in ch.last_sql_error
    assert ch.seconds_behind_source is None  # NULL: unknown, never 0
    assert ch.last_sql_error_timestamp == "240611 10:02:33"


def test_mysql80_status_from_recorded_rows():
    v = M.MYSQL80_VARIABLES
    d = dialect_from_variables(v)
    st = build_status(
        NODE,
        d,
        v,
        [M.MYSQL80_REPLICA_HEALTHY, M.MYSQL80_REPLICA_DUPLICATE],
        M.MYSQL80_MASTER_STATUS,
        M.MYSQL80_BINARY_LOGS,
    )
    assert [c.name for c in st.channels] == ["", "analytics"]
    assert st.read_only is True and st.super_read_only is True
    assert st.gtid_mode == "ON"
    assert st.gtid_executed == f"{M.SOURCE_UUID}:1-927,{M.REPLICA_UUID}:1-2"
    assert st.gtid_purged == f"{M.SOURCE_UUID}:1-100"
    assert st.binlog.gtid == st.gtid_executed
    assert [f.name for f in st.binlog_files] == ["binlog.000002", "binlog.000003"]
    assert st.replica_syntax is True and st.is_replica


# -- MySQL 8.4 -------------------------------------------------------------------------


def test_mysql84_uses_binary_log_status_and_replica_columns():
    v = M.MYSQL84_VARIABLES
    d = dialect_from_variables(v)
    assert d.binlog_status_sql == SHOW_BINARY_LOG_STATUS and d.replica_status_sql == SHOW_REPLICA_STATUS
    assert d.log_replica_updates_var == "log_replica_updates"
    st = build_status(NODE, d, v, [M.MYSQL84_REPLICA], M.MYSQL84_BINARY_LOG_STATUS, M.MYSQL84_BINARY_LOGS)
    ch = st.channels[0]
    assert ch.io_running == "Connecting" and ch.last_io_errno == 2061
    assert ch.source_uuid == "" and ch.source_server_id == 0
    assert ch.seconds_behind_source is None
    assert st.log_replica_updates is True and st.super_read_only is False
    assert st.binlog == normalise_binlog(M.MYSQL84_BINARY_LOG_STATUS, d)
    assert (st.binlog.file, st.binlog.position, st.binlog.gtid) == (
        "binlog.000007",
        197,
        f"{M.SOURCE_UUID}:1-50",
    )


def test_binlog_is_none_when_log_bin_is_off():
    v = dict(M.MYSQL57_VARIABLES, log_bin="OFF")
    st = build_status(NODE, dialect_from_variables(v), v, [], M.MYSQL57_MASTER_STATUS, M.MYSQL57_BINARY_LOGS)
    assert st.log_bin is False and st.binlog is None and st.binlog_files == ()
    assert not st.is_replica


def test_binlog_is_none_for_an_empty_result():
    assert normalise_binlog([], dialect_for(Flavor.MYSQL, "8.0.36")) is None
    assert normalise_binary_logs([]) == ()


# -- MariaDB 10.11 (captured) ----------------------------------------------------------


def _maria_status(rows_key="show_all_slaves_status"):
    v = rows_to_variables(MARIA["variables"])
    d = dialect_from_variables(v)
    return d, build_status(
        NODE, d, v, MARIA[rows_key], MARIA["show_master_status"], MARIA["show_binary_logs"]
    )


def test_mariadb_captured_rows_give_one_channel_per_connection():
    d, st = _maria_status()
    assert d.flavor is Flavor.MARIADB and st.flavor is Flavor.MARIADB
    assert [c.name for c in st.channels] == ["", "node1"]
    default, node1 = st.channels
    assert default.using_gtid == "Slave_Pos" and node1.using_gtid == "No"
    assert default.gtid_io_pos == ""
    assert node1.io_running == "Connecting" and node1.sql_running == "Yes"
    assert node1.last_io_errno == 2003
    assert (node1.source_log_file, node1.read_source_log_pos) == ("mysql-bin.000253", 569975131)
    assert node1.seconds_behind_source is None
    assert node1.source_uuid is None  # MariaDB has no Master_UUID
    assert node1.label("channel_name") == "Connection_name"
    assert node1.label("source_log_file") == "Master_Log_File"
    assert node1.raw["Gtid_Slave_Pos"] == "0-2-3"


def test_mariadb_variables_fill_gtid_positions_and_leave_mysql_fields_empty():
    _d, st = _maria_status()
    assert st.server_uuid is None and st.super_read_only is None
    assert st.gtid_executed == "0-2-3"  # @@gtid_binlog_pos
    assert st.gtid_current_pos == "0-2-3" and st.gtid_slave_pos == ""
    assert st.gtid_domain_id == 0 and st.server_id == 2
    assert st.gtid_mode == "ON"  # the default connection uses GTID
    assert st.log_bin is True and st.log_replica_updates is True
    assert st.binlog.file == "mysql-bin.000001" and st.binlog.position == 768
    assert st.binlog.gtid == "0-2-3"
    assert st.binlog_files[0].size == 768


def test_mariadb_stopped_connection_reads_no():
    _d, st = _maria_status("show_all_slaves_status_node1_stopped")
    node1 = st.channels[1]
    assert node1.io_running == "No" and node1.sql_running == "No"
    assert node1.seconds_behind_source is None


def test_mariadb_gtid_mode_off_when_no_connection_uses_gtid():
    v = rows_to_variables(MARIA["variables"])
    d = dialect_from_variables(v)
    rows = [dict(r, Using_Gtid="No") for r in MARIA["show_all_slaves_status"]]
    assert build_status(NODE, d, v, rows).gtid_mode == "OFF"
