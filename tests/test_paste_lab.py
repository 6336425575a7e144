"""``replui diagnose`` on what the real ``mariadb`` client prints from the real lab gives
the findings ``replui status`` gives from the same servers (no mocks: real MariaDB, the
real client, the real CLI in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lab_helpers import break_with_duplicate_key

pytestmark = pytest.mark.lab

VARIABLES = (
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'version_comment', 'hostname', 'server_id', "
    "'read_only', 'log_bin', 'log_slave_updates', 'binlog_format', 'gtid_binlog_pos', 'gtid_slave_pos', "
    "'gtid_current_pos', 'gtid_domain_id')"
)


def client(lab, name: str, sql: str, *flags: str) -> str:
    out = subprocess.run(
        [lab.binary.client, f"--defaults-file={lab.node(name).option_file}", *flags, "-e", sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout


def paste_of(lab) -> str:
    """Each node's status as someone pastes it: \\G, tables, tab-separated, prompts."""
    parts = []
    for n in lab.nodes:
        parts.append(f"-- node {n.name} 127.0.0.1:{n.port}")
        parts.append("MariaDB [(none)]> SHOW ALL SLAVES STATUS\\G")
        parts.append(client(lab, n.name, "SHOW ALL SLAVES STATUS\\G") + "1 row in set (0.001 sec)\n")
        parts.append("MariaDB [(none)]> SHOW MASTER STATUS;")
        parts.append(client(lab, n.name, "SHOW MASTER STATUS", "-t"))
        parts.append(f'$ mariadb -B -e "SHOW BINARY LOGS"\n{client(lab, n.name, "SHOW BINARY LOGS", "-B")}')
        parts.append(client(lab, n.name, VARIABLES, "-t"))
    return "\n".join(parts)


def cli_json(*args: str) -> tuple[int, dict]:
    out = subprocess.run(
        [sys.executable, "-m", "replui", *args, "--json"], capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in out.stderr, out.stderr
    return out.returncode, json.loads(out.stdout)


def findings(doc: dict) -> list[tuple[str, str, str]]:
    return sorted((f["severity"], f["code"], f["nodes"][0]) for f in doc["findings"])


def compare(lab, tmp_path):
    (tmp_path / "lab.txt").write_text(paste_of(lab))
    live_code, live = cli_json("status", "--config", str(lab.config_path))
    code, pasted = cli_json("diagnose", str(tmp_path / "lab.txt"))
    assert code == live_code
    assert findings(pasted) == findings(live)
    for got, want in zip(pasted["nodes"], live["nodes"], strict=True):
        for key in (
            "name",
            "port",
            "flavor",
            "version",
            "server_id",
            "read_only",
            "log_bin",
            "binlog",
            "binlog_files",
        ):
            assert got[key] == want[key], key
        for gch, wch in zip(got["channels"], want["channels"], strict=True):
            for key in (
                "name",
                "source_host",
                "source_port",
                "io_running",
                "sql_running",
                "last_sql_errno",
                "read_source_log_pos",
                "exec_source_log_pos",
                "seconds_behind_source",
                "labels",
            ):
                assert gch[key] == wch[key], key
    return pasted


def test_a_healthy_lab_pasted_reads_as_it_polls(healthy_lab, tmp_path):
    doc = compare(healthy_lab, tmp_path)
    assert doc["status"] == "OK"


def test_a_duplicate_key_on_node2_pasted_reads_as_it_polls(healthy_lab, tmp_path):
    break_with_duplicate_key(healthy_lab)
    doc = compare(healthy_lab, tmp_path)
    (f,) = [f for f in doc["findings"] if f["code"] == "sql_error"]
    assert f["nodes"][0] == "node2" and f["errno"] == 1062
