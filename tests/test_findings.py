"""Findings: every code, from the runbooks' own texts and coordinates (docs/sources.md)."""

from dataclasses import replace

import canned
import pytest
from canned import binlogs, channel, config_for, node

from replui.analysis import errors as E
from replui.analysis.findings import analyse, bytes_behind, field_marks, next_binlog, summary
from replui.model import Severity
from replui.sources import CRASH_RESYNC, RAILS_FAILOVER, REPLICATION_ERROR
from replui.wizards.catalogue import NAMES

CRIT, WARN, OK = Severity.CRITICAL, Severity.WARNING, Severity.OK


def codes(findings, node=None):
    return [f.code for f in findings if node is None or f.nodes[0] == node]


def one(findings, code, node=None):
    hits = [f for f in findings if f.code == code and (node is None or f.nodes[0] == node)]
    assert len(hits) == 1, (code, [(f.code, f.nodes) for f in findings])
    return hits[0]


# -- known-error table ---------------------------------------------------------
def test_classify_tells_the_two_1236_forms_apart_by_message():
    assert E.classify(1236, canned.RAILS_RUNBOOK_1236).key == "binlog_purged"
    assert E.classify(1236, canned.RAILS_RUNBOOK_1236).wizard == "rebuild-replica"
    assert E.classify(1236, canned.CRASH_RUNBOOK_1236).key == "impossible_position"
    assert E.classify(1236, canned.CRASH_RUNBOOK_1236).wizard == "repoint"
    assert E.classify(1236, "binlog truncated in the middle of event").key == "binlog_read_error"


def test_classify_relay_log_corruption_by_errno_or_text():
    for errno in (1594, 1595, 13121):  # 13121: MySQL 8.0's number (13117 is its IO thread's "Fatal error")
        assert E.classify(errno, "").key == "relay_log_corrupt"
    assert E.classify(0, canned.CRASH_RUNBOOK_RELAY_ERROR).key == "relay_log_corrupt"


def test_classify_table_rows_and_wizards():
    assert E.wizard_for(E.classify(1062, canned.MARIADB_1062)) == "rebuild-replica"
    assert E.wizard_for(E.classify(1062, ""), pair=True) == "resync-pair"
    assert E.wizard_for(E.classify(1032, ""), pair=True) == "resync-pair"
    assert E.classify(1133, "").wizard == "create-repl-user"
    assert E.classify(1201, "").wizard == "reset-replica"
    assert E.classify(1045, "").wizard == "set-repl-password"
    for errno in (2002, 2003, 2005):
        assert E.classify(errno, "").key == "network" and REPLICATION_ERROR in E.classify(errno, "").advice
    assert E.classify(0, "Got fatal error 1236 from master").key == "binlog_read_error"
    assert E.classify(9999, "something new") is None
    assert all(k.wizard in NAMES for k in E.KNOWN_ERRORS)
    assert all(k.origin in k.advice for k in E.KNOWN_ERRORS if k.origin)
    assert not any("seed" in k.advice.lower() for k in E.KNOWN_ERRORS)


# -- errors on channels ------------------------------------------------------------
def test_hard_crash_impossible_position_advises_next_binlog_position_4():
    _, st = canned.crashed_pair_after_hard_crash()
    f = one(analyse(st), "io_error", "node2")
    assert (f.severity, f.errno, f.wizard) == (CRIT, 1236, "repoint")
    assert "impossible position" in f.message
    assert "MASTER_LOG_FILE='mysql-bin.000235', MASTER_LOG_POS=4" in f.advice and CRASH_RESYNC in f.advice
    assert f.fields == ("io_running", "last_io_errno", "last_io_error")


def test_hard_crash_relay_log_failure_in_last_error_only_repoints_from_exec_position():
    _, st = canned.crashed_pair_after_hard_crash()
    f = one(analyse(st), "sql_error", "node1")
    assert (f.severity, f.errno, f.wizard) == (CRIT, 1594, "repoint")
    assert "Last_Error" in f.message and "Relay log read failure" in f.message
    assert "MASTER_LOG_FILE='mysql-bin.000253', MASTER_LOG_POS=419130498" in f.advice
    assert "--from-exec-position" in f.advice


def test_replica_of_a_purged_source_binlog_advises_rebuild():
    _, st = canned.replica_of_a_purged_source()
    f = one(analyse(st), "io_error", "replica")
    assert (f.errno, f.wizard) == (1236, "rebuild-replica")
    assert "RESET SLAVE" in f.advice and RAILS_FAILOVER in f.advice


def test_mariadb_1062_on_a_replica_advises_rebuild_and_on_a_pair_resync():
    _, st = canned.replica_1062()
    f = one(analyse(st), "sql_error", "replica")
    assert (f.severity, f.errno, f.wizard) == (CRIT, 1062, "rebuild-replica")
    assert "Duplicate entry '42'" in f.message and "Last_SQL_Errno 1062" in f.message
    _, st = canned.broken_pair_1062()
    assert one(analyse(st), "sql_error", "node2").wizard == "resync-pair"


def test_sql_error_uses_modern_labels_on_mysql():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(100))
    r = node(
        cfg,
        "r",
        server_id=2,
        read_only=True,
        channels=(
            channel(
                s,
                sql="No",
                lag=None,
                modern=True,
                last_sql_errno=1032,
                last_sql_error="Could not execute Delete_rows event; Can't find record in 't'",
            ),
        ),
    )
    f = one(analyse([s, r]), "sql_error")
    assert f.message.startswith("r Last_SQL_Errno 1032") and f.wizard == "rebuild-replica"


@pytest.mark.parametrize(
    "errno,wizard", [(1133, "create-repl-user"), (1201, "reset-replica"), (1045, "set-repl-password")]
)
def test_other_known_errors_name_their_wizard(errno, wizard):
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(100))
    r = node(
        cfg,
        "r",
        server_id=2,
        read_only=True,
        channels=(channel(s, io="No", lag=None, last_io_errno=errno, last_io_error="x"),),
    )
    f = one(analyse([s, r]), "io_error")
    assert (f.errno, f.wizard) == (errno, wizard)


def test_replication_access_denied_advises_setting_the_stored_password():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(100))
    text = (
        "error connecting to master 'repl@127.0.0.1:3306' - retry-time: 60 message: "
        "Access denied for user 'repl'@'localhost'"
    )
    r = node(
        cfg,
        "r",
        server_id=2,
        read_only=True,
        channels=(channel(s, io="Connecting", lag=None, last_io_errno=1045, last_io_error=text),),
    )
    f = one(analyse([s, r]), "io_error")
    assert (f.errno, f.wizard) == (1045, "set-repl-password")
    assert "password" in f.message and "stored on the replica" in f.message
    assert "replui wizard set-repl-password --node r --repl-password-env " in f.advice
    assert "repl" in f.advice and "on s" in f.advice
    assert "set-repl-password" in NAMES


def test_unknown_error_still_critical_with_generic_advice():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(100))
    r = node(
        cfg,
        "r",
        server_id=2,
        read_only=True,
        channels=(
            channel(s, sql="No", lag=None, last_sql_errno=1146, last_sql_error="Table 'x.y' doesn't exist"),
        ),
    )
    f = one(analyse([s, r]), "sql_error")
    assert f.severity is CRIT and f.wizard is None and "error log" in f.advice


# -- threads -------------------------------------------------------------------------
def test_threads_stopped_without_error():
    _, st = canned.stopped_pair_mismatch()
    fs = analyse(st)
    f = one(fs, "io_thread_stopped", "node1")
    assert f.severity is CRIT and f.wizard == "restart-replication" and "NULL (unknown)" in f.message
    assert one(fs, "sql_thread_stopped", "node1").severity is CRIT


def test_io_connecting_is_a_warning():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(100))
    r = node(cfg, "r", server_id=2, read_only=True, channels=(channel(s, io="Connecting", lag=None),))
    f = one(analyse([s, r]), "io_thread_connecting")
    assert f.severity is WARN and "Connecting" in f.message


# -- unreachable --------------------------------------------------------------------------
@pytest.mark.parametrize("errno,needle", [(2003, "bind-address"), (2005, "DNS"), (1045, "password")])
def test_unreachable_node_is_critical_with_advice_per_client_error(errno, needle):
    cfg = config_for("a")
    f = one(analyse([canned.down(cfg, "a", errno=errno, error="boom")]), "node_unreachable")
    assert (f.severity, f.errno, f.nodes) == (CRIT, errno, ("a",))
    assert "boom" in f.message and needle in f.advice


def test_unreachable_pair_reports_node_and_network_io_error():
    _, st = canned.unreachable_pair()
    fs = analyse(st)
    assert one(fs, "node_unreachable", "node2").errno == 2003
    f = one(fs, "io_error", "node1")
    assert (f.errno, f.wizard) == (2003, "restart-replication") and REPLICATION_ERROR in f.advice
    assert "writable_replica" not in codes(fs)  # node2 may be its unseen master⇄master partner


# -- coordinates (the crosswise check of 'Fixing MySQL Multi-Master Replication') ------------
def test_coordinates_caught_up_and_replication_ok_on_a_healthy_pair():
    _, st = canned.healthy_pair()
    fs = analyse(st)
    assert {f.severity for f in fs} == {OK}
    assert sorted(codes(fs)) == sorted(["coordinates_caught_up", "replication_ok"] * 2)
    assert summary(fs) == "all well: 4 ok"


def test_coordinates_behind_counts_bytes_across_files():
    _, st = canned.stopped_pair_mismatch()
    f = one(analyse(st), "coordinates_behind", "node1")
    # node2's files: 000001 (900 bytes), 000002 at 3300 -> (900-400) + 3300
    assert f.severity is WARN and "3800 bytes, 1 file behind" in f.message
    assert "Read_Master_Log_Pos" in f.message and f.wizard == "restart-replication"
    src = st[1]
    assert bytes_behind(src, "mysql-bin.000001", 400) == (3800, 1)
    assert bytes_behind(src, "mysql-bin.000002", 3000) == (300, 0)


def test_coordinates_behind_is_ok_while_threads_run_and_lag_is_small():
    cfg = config_for("s", "r")
    s = node(cfg, "s", server_id=1, files=binlogs(1000, 500))
    r = node(
        cfg, "r", server_id=2, read_only=True, channels=(channel(s, file="mysql-bin.000002", pos=480, lag=1),)
    )
    fs = analyse([s, r])
    assert one(fs, "coordinates_behind").severity is OK
    assert "replication_ok" in codes(fs)


def test_coordinates_impossible_past_end_of_file_after_hard_crash():
    _, st = canned.crashed_pair_after_hard_crash()
    f = one(analyse(st), "coordinates_impossible", "node2")
    assert f.severity is CRIT and f.wizard == "repoint"
    assert (
        "node2 Read_Master_Log_Pos 173841457 is past the end of mysql-bin.000234 on node1 "
        "(size 173840000 bytes)" in f.message
    )
    assert "read_source_log_pos" in f.fields and "exec_source_log_pos" in f.fields


def test_coordinates_impossible_purged_file_after_a_purge():
    _, st = canned.replica_of_a_purged_source()
    f = one(analyse(st), "coordinates_impossible", "replica")
    assert f.wizard == "rebuild-replica" and "purged" in f.message and "mysql-bin.000005" in f.message


def test_coordinates_impossible_file_newer_than_sources_current():
    cfg = config_for("s", "r")
    # after RESET MASTER; s was read entirely after r, so no write between the reads explains it
    s = node(cfg, "s", server_id=1, files=binlogs(300), poll_started=20.5, poll_finished=20.6)
    r = node(
        cfg,
        "r",
        server_id=2,
        read_only=True,
        channels=(channel(s, file="mysql-bin.000009", pos=120),),
        poll_started=20.0,
        poll_finished=20.1,
    )
    f = one(analyse([s, r]), "coordinates_impossible")
    assert "newer than s's current binlog mysql-bin.000001" in f.message and f.wizard == "rebuild-replica"
    assert "replication_ok" not in codes(analyse([s, r]))


def test_next_binlog_from_list_or_by_number():
    _, st = canned.crashed_pair_after_hard_crash()
    assert next_binlog(st[0], "mysql-bin.000234") == "mysql-bin.000235"
    assert next_binlog(None, "mysql-bin.000999") == "mysql-bin.001000"


# -- node-level ------------------------------------------------------------------------------
def test_writable_replica_but_not_a_pair_member():
    _, st = canned.replica_1062()
    f = one(analyse(st), "writable_replica", "replica")
    assert f.severity is WARN and f.fields == ("read_only",) and REPLICATION_ERROR in f.message
    _, st = canned.healthy_pair()  # both writable, but each is the other's source
    assert "writable_replica" not in codes(analyse(st))


def test_duplicate_server_id_flags_every_node_sharing_it():
    _, st = canned.healthy_pair()
    st = [st[0], replace(st[1], server_id=1)]
    fs = [f for f in analyse(st) if f.code == "server_id_duplicate"]
    assert [f.nodes for f in fs] == [("node1", "node2"), ("node2", "node1")]
    assert all(f.severity is CRIT and f.fields == ("server_id",) for f in fs)


def test_server_id_zero():
    _, st = canned.chain_three()
    f = one(analyse([replace(st[0], server_id=0), *st[1:]]), "server_id_zero")
    assert f.severity is CRIT and f.nodes == ("a",)


def test_log_bin_off_on_a_source():
    _, st = canned.chain_three()
    f = one(analyse([replace(st[0], log_bin=False), *st[1:]]), "log_bin_off")
    assert f.severity is CRIT and f.nodes == ("a", "b")


def test_log_replica_updates_off_in_the_middle_of_a_chain():
    _, st = canned.chain_three()
    f = one(analyse([st[0], replace(st[1], log_replica_updates=False), st[2]]), "log_replica_updates_off")
    assert f.severity is WARN and f.nodes == ("b", "c")


# -- lag -------------------------------------------------------------------------------------
def test_lag_thresholds():
    _, st = canned.source_with_replicas()
    f = one(analyse(st), "lag_high", "rep2")
    assert f.severity is WARN and "Seconds_Behind_Source 45" in f.message
    assert one(analyse(st, lag_critical=40), "lag_high").severity is CRIT
    assert "lag_high" not in codes(analyse(st, lag_warning=60))


def test_null_lag_with_running_threads_is_unknown_not_zero():
    _, st = canned.healthy_pair()
    st = [replace(st[0], channels=(replace(st[0].channels[0], seconds_behind_source=None),)), st[1]]
    fs = analyse(st)
    f = one(fs, "lag_unknown", "node1")
    assert f.severity is WARN and "NULL" in f.message and "not 0" in f.message and f.wizard == "heartbeat"
    assert "replication_ok" not in codes(fs, "node1")


# -- external, ordering, summary, marks -------------------------------------------------------
def test_external_source_is_ok_while_io_runs_and_warning_otherwise():
    _, st = canned.external_source()
    assert one(analyse(st), "external_source").severity is OK
    st = [replace(st[0], channels=(replace(st[0].channels[0], io_running="No"),))]
    assert one(analyse(st), "external_source").severity is WARN


def test_findings_are_sorted_critical_first_and_deterministic():
    _, st = canned.crashed_pair_after_hard_crash()
    fs = analyse(st)
    ranks = [f.severity.rank for f in fs]
    assert ranks == sorted(ranks, reverse=True)
    assert fs == analyse(list(st))
    assert summary(fs).startswith("3 critical, 1 warning — node1")


def test_field_marks_worst_per_field_and_source_binlog_rows():
    _, st = canned.crashed_pair_after_hard_crash()
    fs = analyse(st)
    m = field_marks(fs, "node2", "")
    assert m["last_io_errno"] is CRIT and m["read_source_log_pos"] is CRIT
    assert field_marks(fs, "node1", None) == {"binlog_file": CRIT, "binlog_position": CRIT}
    assert field_marks(fs, "node1", "")["exec_source_log_pos"] is WARN
    assert field_marks(fs, "node1", "")["sql_running"] is CRIT
    assert field_marks(fs, "node1", "other") == {}


def test_every_scenario_analyses_without_error():
    for name, build in canned.SCENARIOS.items():
        cfg, st = build()
        assert [s.name for s in st] == [n.name for n in cfg.nodes], name
        assert all(f.nodes and f.code for f in analyse(st)), name


def test_a_status_read_only_in_part_is_a_warning_not_silence():
    from dataclasses import replace

    cfg, sts = canned.healthy_pair()
    sts = [
        replace(
            sts[0],
            warnings=(
                "SHOW ALL SLAVES STATUS: 1227: Access denied; "
                "you need (at least one of) the SUPER, REPLICA MONITOR privilege(s)",
            ),
        ),
        sts[1],
    ]
    (f,) = [f for f in analyse(sts) if f.code == "status_incomplete"]
    assert f.severity is Severity.WARNING and f.nodes == ("node1",)
    assert "1227" in f.message and "REPLICA MONITOR" in f.advice
