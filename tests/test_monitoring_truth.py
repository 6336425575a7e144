"""What the monitor claims must be true: no CRITICAL from a polling race, a
delayed replica is delayed (not lagging), a cut-short rebuild is never healthy.

Pure: canned statuses (``tests/canned.py``) and rows built from the servers'
column lists (``tests/recorded/``); the real-server versions are in
``test_monitoring_truth_lab.py``.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import canned
import pytest
from canned import binlogs, channel, config_for, node

from replui.analysis.findings import CODES, analyse
from replui.config import NodeConfig
from replui.model import Severity
from replui.mysql.client import NodeClient
from replui.mysql.dialect import MARIADB_LABELS, dialect_for
from replui.mysql.marker import RebuildMark
from replui.mysql.status import collect_status, normalise_channel
from replui.report import exit_code, render_text, to_json

CRIT, WARN, OK = Severity.CRITICAL, Severity.WARNING, Severity.OK
RECORDED = Path(__file__).parent / "recorded"


def codes(findings, subject=None):
    return [f.code for f in findings if subject is None or f.nodes[0] == subject]


def one(findings, code, subject=None):
    hits = [f for f in findings if f.code == code and (subject is None or f.nodes[0] == subject)]
    assert len(hits) == 1, (code, [(f.code, f.nodes, f.message) for f in findings])
    return hits[0]


# -- polling order ---------------------------------------------------------------------------
SOURCE_FIRST = dict(src=(10.00, 10.01), rep=(10.02, 10.03))
REPLICA_FIRST = dict(src=(10.02, 10.03), rep=(10.00, 10.01))
OVERLAPPING = dict(src=(10.00, 10.03), rep=(10.01, 10.02))
UNKNOWN = dict(src=(None, None), rep=(None, None))


def _pair(order, *, file="mysql-bin.000002", pos=800, exec_file=None, exec_pos=None, **ch_kw):
    """s -> r where r's coordinates are past s's SHOW MASTER STATUS (mysql-bin.000002:500)."""
    cfg = config_for("s", "r")
    (s0, s1), (r0, r1) = order["src"], order["rep"]
    s = node(cfg, "s", server_id=1, files=binlogs(1000, 500), poll_started=s0, poll_finished=s1)
    ch = channel(s, file=file, pos=pos, exec_file=exec_file, exec_pos=exec_pos, **ch_kw)
    r = node(cfg, "r", server_id=2, read_only=True, channels=(ch,), poll_started=r0, poll_finished=r1)
    return [s, r]


@pytest.mark.parametrize(
    "order", [SOURCE_FIRST, OVERLAPPING, UNKNOWN], ids=["source-first", "overlapping", "unknown"]
)
def test_replica_past_the_source_read_earlier_is_a_race_not_critical(order):
    fs = analyse(_pair(order))
    assert "coordinates_impossible" not in codes(fs)
    assert not [f for f in fs if f.severity is CRIT]
    f = one(fs, "coordinates_caught_up", "r")
    assert f.severity is OK
    assert "ahead of s's SHOW MASTER STATUS" in f.message and "wrote more between the two reads" in f.message
    assert ("which was read before r's status" in f.message) == (order is SOURCE_FIRST)
    assert "replication_ok" in codes(fs, "r")


def test_replica_past_the_source_read_entirely_after_it_is_impossible():
    f = one(analyse(_pair(REPLICA_FIRST)), "coordinates_impossible", "r")
    assert f.severity is CRIT
    assert "Read_Master_Log_Pos 800 is past the end of mysql-bin.000002 on s (size 500 bytes)" in f.message


def test_newer_file_after_a_rotation_between_the_reads_is_a_race():
    fs = analyse(_pair(SOURCE_FIRST, file="mysql-bin.000003", pos=200))
    assert "coordinates_impossible" not in codes(fs) and not [f for f in fs if f.severity is CRIT]
    assert "ahead of s's SHOW MASTER STATUS" in one(fs, "coordinates_caught_up", "r").message
    f = one(analyse(_pair(REPLICA_FIRST, file="mysql-bin.000003", pos=200)), "coordinates_impossible", "r")
    assert "newer than s's current binlog mysql-bin.000002" in f.message


def test_past_the_end_of_a_closed_file_is_impossible_whatever_the_order():
    # mysql-bin.000001 is closed (the source writes mysql-bin.000002): its 1000 bytes never grow
    for order in (SOURCE_FIRST, OVERLAPPING, UNKNOWN):
        f = one(analyse(_pair(order, file="mysql-bin.000001", pos=1500)), "coordinates_impossible", "r")
        assert f.severity is CRIT and "past the end of mysql-bin.000001 on s (size 1000 bytes)" in f.message


def test_a_purged_file_is_impossible_whatever_the_order():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(1000, 500, first=5), poll_started=10.0, poll_finished=10.01)
    ch = channel(s, file="mysql-bin.000002", pos=4)
    r = node(cfg, "r", server_id=2, read_only=True, channels=(ch,), poll_started=10.02, poll_finished=10.03)
    f = one(analyse([s, r]), "coordinates_impossible", "r")
    assert "purged" in f.message and f.wizard == "rebuild-replica"


def test_the_replicas_own_1236_makes_a_position_past_the_current_file_impossible():
    fs = analyse(
        _pair(SOURCE_FIRST, io="No", lag=None, last_io_errno=1236, last_io_error=canned.CRASH_RUNBOOK_1236)
    )
    f = one(fs, "coordinates_impossible", "r")
    assert f.severity is CRIT and "past the end of mysql-bin.000002" in f.message


def test_read_ahead_by_timing_with_exec_behind_is_behind_not_impossible():
    fs = analyse(_pair(SOURCE_FIRST, exec_file="mysql-bin.000002", exec_pos=300, lag=1))
    f = one(fs, "coordinates_behind", "r")
    assert f.severity is OK
    assert "Read_Master_Log_Pos mysql-bin.000002:800 is ahead of s's SHOW MASTER STATUS" in f.message
    assert "Exec_Master_Log_Pos mysql-bin.000002:300 is 200 bytes behind" in f.message


def test_unconfirmed_sources_names_sources_to_read_again():
    from replui.analysis.findings import unconfirmed_sources

    assert unconfirmed_sources(_pair(SOURCE_FIRST)) == ["s"]
    assert unconfirmed_sources(_pair(OVERLAPPING)) == ["s"]
    assert unconfirmed_sources(_pair(REPLICA_FIRST)) == []  # proven either way
    assert unconfirmed_sources(_pair(SOURCE_FIRST, file="mysql-bin.000001", pos=1500)) == []  # closed file
    _, healthy = canned.healthy_pair()
    assert unconfirmed_sources(healthy) == []


def test_collect_status_stamps_the_poll_with_monotonic_times():
    node_cfg = NodeConfig(name="gone", host="127.0.0.1", port=1, user="u", password="p", connect_timeout=1.0)
    ticks = iter([5.0, 5.25])
    st = collect_status(NodeClient(node_cfg), node_cfg, now=lambda: 1234.0, monotonic=lambda: next(ticks))
    assert st.reachable is False
    assert (st.collected_at, st.poll_started, st.poll_finished) == (1234.0, 5.0, 5.25)


# -- delayed replicas (MASTER_DELAY) ------------------------------------------------------------
def _mysql_rows():
    spec = importlib.util.spec_from_file_location("recorded_mysql_rows", RECORDED / "mysql_rows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sql_delay_is_read_from_mysql_replica_status_rows():
    # a SHOW REPLICA STATUS row built from the MySQL 8.0/8.4 manual's column list
    # (tests/recorded/mysql_rows.py)
    m = _mysql_rows()
    row = m.make_row(
        m.REPLICA_STATUS_80_COLUMNS, SQL_Delay=3600, SQL_Remaining_Delay=120, Seconds_Behind_Source=3650
    )
    ch = normalise_channel(row, dialect_for("mysql", "8.4.0"))
    assert (ch.sql_delay, ch.sql_remaining_delay, ch.seconds_behind_source) == (3600, 120, 3650)
    assert (ch.label("sql_delay"), ch.label("sql_remaining_delay")) == ("SQL_Delay", "SQL_Remaining_Delay")
    plain = normalise_channel(
        m.as_strings(m.make_row(m.SLAVE_STATUS_57_COLUMNS)), dialect_for("mysql", "5.7.44")
    )
    assert (plain.sql_delay, plain.sql_remaining_delay) == (0, None)  # NULL: not waiting on an event


def test_sql_delay_is_read_from_mariadb_rows():
    # the captured MariaDB 10.11 SHOW ALL SLAVES STATUS row (tests/recorded/mariadb_10_11.json) with
    # the delay columns set as a server with MASTER_DELAY=3600 reports them
    row = dict(json.loads((RECORDED / "mariadb_10_11.json").read_text())["show_all_slaves_status"][0])
    row.update(SQL_Delay=3600, SQL_Remaining_Delay=None)
    ch = normalise_channel(row, dialect_for("mariadb", "10.11.19-MariaDB"))
    assert (ch.sql_delay, ch.sql_remaining_delay) == (3600, None)
    assert {"SQL_Delay", "SQL_Remaining_Delay"} <= set(MARIADB_LABELS.values())


def _delayed(lag, delay=3600, remaining=120):
    cfg = config_for("src", "node2")
    s = node(cfg, "src", server_id=1, files=binlogs(1000, 500))
    ch = channel(
        s, exec_file="mysql-bin.000001", exec_pos=400, lag=lag, sql_delay=delay, sql_remaining_delay=remaining
    )
    return [s, node(cfg, "node2", server_id=2, read_only=True, channels=(ch,))]


def test_a_delayed_replica_is_delayed_by_design_not_lagging():
    fs = analyse(_delayed(3620), lag_warning=30, lag_critical=300)
    assert "lag_high" not in codes(fs)
    f = one(fs, "replica_delayed", "node2")
    assert f.severity is OK
    assert f.message == "node2 is delayed by design: SQL_Delay 3600 s, SQL_Remaining_Delay 120 s"
    assert "replication_ok" in codes(fs, "node2")
    assert one(fs, "coordinates_behind", "node2").severity is OK
    assert "replica_delayed" in CODES


def test_a_delayed_replica_lags_only_past_its_delay_plus_the_limits():
    f = one(analyse(_delayed(3650), lag_warning=30, lag_critical=300), "lag_high", "node2")
    assert f.severity is WARN and "SQL_Delay 3600" in f.message
    assert one(analyse(_delayed(3950), lag_warning=30, lag_critical=300), "lag_high").severity is CRIT
    assert "lag_high" not in codes(analyse(_delayed(3629, remaining=None), lag_warning=30))
    assert "SQL_Remaining_Delay NULL" in one(analyse(_delayed(10, remaining=None)), "replica_delayed").message
    assert "replica_delayed" not in codes(analyse(_delayed(10, delay=0, remaining=None)))


def test_delay_columns_are_in_the_json():
    doc = json.loads(to_json(_delayed(3620), analyse(_delayed(3620))))
    ch = doc["nodes"][1]["channels"][0]
    assert (ch["sql_delay"], ch["sql_remaining_delay"]) == (3600, 120)


# -- a rebuild that did not finish ------------------------------------------------------------------
MARK = RebuildMark("rebuild-replica", "node1", ("shop",), "2026-11-22 01:02:03 UTC")


def _marked(mark=MARK):
    _, st = canned.healthy_pair()
    return [st[0], replace(st[1], rebuild_mark=mark)]


def test_a_rebuild_mark_is_critical_and_names_the_rerun():
    fs = analyse(_marked())
    f = one(fs, "rebuild_incomplete", "node2")
    assert f.severity is CRIT and f.nodes == ("node2", "node1") and f.wizard == "rebuild-replica"
    assert f.message == (
        "node2: a rebuild from node1 (rebuild-replica, started 2026-11-22 01:02:03 UTC) "
        "did not finish: its data (shop) may be half-restored"
    )
    assert "replui wizard rebuild-replica --source node1 --replica node2" in f.advice
    assert "rebuild_incomplete" in CODES


def test_a_marked_node_is_never_replication_ok():
    fs = analyse(_marked())
    assert "replication_ok" not in codes(fs, "node2")
    assert "replication_ok" in codes(fs, "node1")


def test_a_resync_mark_names_resync_pair():
    f = one(
        analyse(_marked(RebuildMark("resync-pair", "node1", ("shop", "crm"), "2026-11-22 01:02:03 UTC"))),
        "rebuild_incomplete",
    )
    assert f.wizard == "resync-pair" and "(shop, crm)" in f.message
    assert "replui wizard resync-pair --authoritative node1 --other node2" in f.advice


def test_a_rebuild_mark_makes_status_critical_and_is_in_the_json():
    st = _marked()
    fs = analyse(st)
    assert exit_code(st, fs) == 2
    doc = json.loads(to_json(st, fs))
    assert doc["status"] == "CRITICAL"
    assert doc["nodes"][0]["rebuild_mark"] is None
    assert doc["nodes"][1]["rebuild_mark"] == {
        "wizard": "rebuild-replica",
        "source": "node1",
        "scope": ["shop"],
        "started_at": "2026-11-22 01:02:03 UTC",
    }
    assert "rebuild_incomplete on node2" in render_text(st, fs).splitlines()[0]
