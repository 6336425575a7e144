"""`replui status` end to end on the real lab (two MariaDB servers, node1 ⇄ node2).

No mocks: the lab fixture starts real ``mariadbd`` processes; breaks are made the
way the runbooks describe them ('MySQL Replication Error': a row written on the replica, then the
same key arriving from the source -> 1062).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lab_helpers import break_with_duplicate_key

pytestmark = pytest.mark.lab


def status_json(lab) -> tuple[int, dict]:
    """Run the real CLI (`python -m replui status --json`) against the lab."""
    out = subprocess.run(
        [sys.executable, "-m", "replui", "status", "--json", "--config", str(lab.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stderr == "" or "Traceback" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout)


def test_healthy_lab_reports_ok_and_exit_0(healthy_lab):
    code, doc = status_json(healthy_lab)
    assert code == 0, [f for f in doc["findings"] if f["severity"] != "ok"]
    assert doc["status"] == "OK"
    assert not [f for f in doc["findings"] if f["severity"] == "critical"]
    names = [n["name"] for n in doc["nodes"]]
    assert names == ["node1", "node2"]
    for node in doc["nodes"]:
        assert node["reachable"] and node["flavor"] == "mariadb"
        assert node["binlog"]["file"].startswith("mysql-bin.")
        (ch,) = node["channels"]
        assert ch["io_running"] == "Yes" and ch["sql_running"] == "Yes"
    assert {f["code"] for f in doc["findings"]} >= {"replication_ok"}


def test_duplicate_key_on_node2_is_critical_with_exit_2(healthy_lab):
    break_with_duplicate_key(healthy_lab)
    code, doc = status_json(healthy_lab)
    assert code == 2 and doc["status"] == "CRITICAL"
    sql_errors = [f for f in doc["findings"] if f["code"] == "sql_error"]
    assert sql_errors, doc["findings"]
    (f,) = sql_errors
    assert f["severity"] == "critical" and f["errno"] == 1062
    assert f["nodes"][0] == "node2"
    assert "1062" in f["message"] and f["advice"]
    node2 = next(n for n in doc["nodes"] if n["name"] == "node2")
    assert node2["channels"][0]["last_sql_errno"] == 1062
    assert node2["channels"][0]["sql_running"] == "No"
    assert node2["channels"][0]["seconds_behind_source"] is None  # NULL stays unknown


def test_text_status_names_the_break(healthy_lab):
    break_with_duplicate_key(healthy_lab, key=9002)
    out = subprocess.run(
        [sys.executable, "-m", "replui", "status", "--config", str(healthy_lab.config_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stdout.startswith("REPLUI CRITICAL")
    assert "1062" in out.stdout


def test_stopped_node_is_unreachable_while_the_other_still_reports(healthy_lab):
    healthy_lab.stop_node("node2")
    try:
        code, doc = status_json(healthy_lab)
        assert code == 2
        node1, node2 = doc["nodes"]
        assert node2["reachable"] is False and node2["error"]
        assert node2["errno"] in (2002, 2003, 2013)
        assert node1["reachable"] is True and node1["binlog"]["file"]
        unreachable = [f for f in doc["findings"] if f["code"] == "node_unreachable"]
        assert unreachable and unreachable[0]["nodes"][0] == "node2"
    finally:
        healthy_lab.start_node("node2")


def test_broken_config_gives_unknown_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[nodes]]\nname = "a"\nport = "x"\n')
    out = subprocess.run(
        [sys.executable, "-m", "replui", "status", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 3
    assert f"{bad}:3: nodes[0].port" in out.stderr
    assert "Traceback" not in out.stderr
