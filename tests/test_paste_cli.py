"""``replui diagnose FILE... [--json]`` end to end (the real CLI in a subprocess): the
text and JSON of ``replui status`` and its exit codes, 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN (text it cannot read: a message naming the file and line, never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import canned

from replui.analysis.findings import analyse
from replui.report import to_json


def node_text(
    name, peer, *, lag=0, file="mysql-bin.000002", pos=3300, peer_file="mysql-bin.000002", peer_pos=3300
):
    return (
        f"-- node {name}\n"
        "mysql> SHOW MASTER STATUS;\n"
        "+------------------+----------+--------------+------------------+\n"
        "| File             | Position | Binlog_Do_DB | Binlog_Ignore_DB |\n"
        "+------------------+----------+--------------+------------------+\n"
        f"| {file} | {pos:>8} |              |                  |\n"
        "+------------------+----------+--------------+------------------+\n"
        "1 row in set (0.00 sec)\n\n"
        "mysql> SHOW SLAVE STATUS\\G\n"
        "*************************** 1. row ***************************\n"
        f"                  Master_Host: {peer}\n"
        "                  Master_Port: 3306\n"
        f"              Master_Log_File: {peer_file}\n"
        f"          Read_Master_Log_Pos: {peer_pos}\n"
        f"        Relay_Master_Log_File: {peer_file}\n"
        f"          Exec_Master_Log_Pos: {peer_pos}\n"
        "             Slave_IO_Running: Yes\n"
        "            Slave_SQL_Running: Yes\n"
        f"        Seconds_Behind_Master: {lag}\n"
        "                Last_IO_Errno: 0\n"
        "                Last_IO_Error: \n"
        "               Last_SQL_Errno: 0\n"
        "               Last_SQL_Error: \n"
        "1 row in set (0.00 sec)\n"
    )


HEALTHY = node_text("node1", "node2") + node_text("node2", "node1")
LAGGING = node_text("node1", "node2") + node_text("node2", "node1", lag=60)


def run(*args, stdin=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "replui", "diagnose", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_exit_codes_ok_warning_critical_unknown(tmp_path):
    (tmp_path / "healthy.txt").write_text(HEALTHY)
    (tmp_path / "lagging.txt").write_text(LAGGING)
    (tmp_path / "broken.txt").write_text(
        "  Master_Log_File: mysql-bin.000001\n  Read_Master_Log_Pos: twelve\n"
    )
    ok = run("healthy.txt", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("REPLUI OK - 2 node(s), 0 problem(s)")
    assert "no live connection" in ok.stdout
    warn = run("lagging.txt", cwd=tmp_path)
    assert warn.returncode == 1 and "lag_high on node2" in warn.stdout.splitlines()[0]
    bad = run("broken.txt", cwd=tmp_path)
    assert bad.returncode == 3 and bad.stdout == ""
    assert bad.stderr.startswith("replui: broken.txt:2: Read_Master_Log_Pos: 'twelve' is not a number")
    assert "Traceback" not in bad.stderr
    missing = run("nowhere.txt", cwd=tmp_path)
    assert missing.returncode == 3 and "cannot read nowhere.txt" in missing.stderr


def test_json_is_replui_status_json_with_the_same_exit_code(tmp_path):
    (tmp_path / "lagging.txt").write_text(LAGGING)
    got = run("--json", "lagging.txt", cwd=tmp_path)
    doc = json.loads(got.stdout)
    assert got.returncode == doc["exit_code"] == 1 and doc["status"] == "WARNING"
    _, statuses = canned.healthy_pair()
    live = json.loads(to_json(statuses, analyse(statuses)))
    assert doc.keys() == live.keys()
    assert doc["nodes"][0].keys() == live["nodes"][0].keys()
    assert doc["nodes"][0]["channels"][0].keys() == live["nodes"][0]["channels"][0].keys()
    assert doc["findings"][0].keys() == live["findings"][0].keys()
    node2 = doc["nodes"][1]
    assert node2["reachable"] and node2["error"].startswith("no live connection")
    assert node2["reached_via"] == "pasted text (lagging.txt lines 26-50)"
    assert node2["flavor"] is None and node2["server_id"] is None  # not in the paste: unknown


def test_json_of_unreadable_text_is_the_unknown_document(tmp_path):
    (tmp_path / "t.txt").write_text("a\tb\tc\n")
    got = run("--json", "t.txt", cwd=tmp_path)
    doc = json.loads(got.stdout)
    assert got.returncode == 3 and doc["status"] == "UNKNOWN" and doc["error"].startswith("t.txt:1: ")
    assert doc["nodes"] == [] and doc["findings"] == []


def test_stdin_and_lines_not_read_are_counted_on_stderr():
    got = run("-", stdin="Here is node1, it broke overnight:\n" + node_text("node1", "node2"))
    assert got.returncode == 0, got.stderr
    assert "1 line(s) not read as status" in got.stderr and "stdin:1" in got.stderr


def test_diagnose_is_listed_in_the_help():
    got = subprocess.run(
        [sys.executable, "-m", "replui", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "diagnose" in got.stdout
