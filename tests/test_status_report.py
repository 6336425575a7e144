"""`replui status`: the JSON shape the README documents, text output, exit codes."""

from __future__ import annotations

import json

import canned
import pytest

from replui.analysis.findings import analyse
from replui.report import exit_code, render_text, to_json

NODE_KEYS = {
    "name",
    "host",
    "port",
    "reachable",
    "error",
    "flavor",
    "version",
    "server_id",
    "read_only",
    "binlog",
    "channels",
}
CHANNEL_KEYS = {
    "name",
    "source_host",
    "source_port",
    "source_log_file",
    "read_source_log_pos",
    "relay_source_log_file",
    "exec_source_log_pos",
    "io_running",
    "sql_running",
    "seconds_behind_source",
    "last_io_errno",
    "last_io_error",
    "last_sql_errno",
    "last_sql_error",
}


def _report(scenario):
    _, statuses = scenario()
    findings = analyse(statuses)
    return statuses, findings, json.loads(to_json(statuses, findings))


def test_json_has_the_documented_keys():
    _, _, doc = _report(canned.broken_pair_1062)
    assert doc["nodes"] and doc["findings"]
    for node in doc["nodes"]:
        assert NODE_KEYS <= node.keys()
        assert set(node["binlog"]) >= {"file", "position", "gtid"}
        for ch in node["channels"]:
            assert CHANNEL_KEYS <= ch.keys()
    for f in doc["findings"]:
        assert {"severity", "code", "nodes", "message", "advice"} <= f.keys()


@pytest.mark.parametrize(
    "scenario,code",
    [
        (canned.healthy_pair, 0),
        (canned.source_with_replicas, 1),
        (canned.broken_pair_1062, 2),
        (canned.unreachable_pair, 2),
    ],
    ids=["healthy", "lagging", "1062", "unreachable"],
)
def test_exit_code_follows_the_monitoring_plugin_convention(scenario, code):
    statuses, findings, doc = _report(scenario)
    assert exit_code(statuses, findings) == code
    assert doc["exit_code"] == code


def test_no_nodes_is_unknown():
    assert exit_code([], []) == 3


def test_null_lag_stays_null_in_json():
    _, _, doc = _report(canned.broken_pair_1062)
    lags = [
        ch["seconds_behind_source"]
        for n in doc["nodes"]
        for ch in n["channels"]
        if ch["sql_running"] != "Yes"
    ]
    assert lags and all(v is None for v in lags)


def test_text_report_leads_with_the_plugin_summary_and_gives_advice():
    statuses, findings, _ = _report(canned.broken_pair_1062)
    text = render_text(statuses, findings)
    first = text.splitlines()[0]
    assert first.startswith("REPLUI CRITICAL - 2 node(s)")
    assert "1062" in text and "advice:" in text


def test_unreachable_node_shows_its_error():
    statuses, findings, doc = _report(canned.unreachable_pair)
    down = [n for n in doc["nodes"] if not n["reachable"]]
    assert down and down[0]["error"]
    assert "UNREACHABLE" in render_text(statuses, findings)


def _down_config(tmp_path):
    path = tmp_path / "down.toml"
    node = 'host = "127.0.0.1"\nport = 1\nconnect_timeout = 1\npassword = "x"\n'
    path.write_text(f'[[nodes]]\nname = "a"\n{node}[[nodes]]\nname = "b"\n{node}')
    return path


@pytest.mark.parametrize("args", [[], ["--json"]], ids=["text", "json"])
def test_status_into_a_closed_pipe_exits_quietly(tmp_path, args):
    import subprocess
    import sys

    # the reader is gone before replui writes (as `replui status | head -1` once head has its line)
    argv = [sys.executable, "-m", "replui", "status", "--config", str(_down_config(tmp_path)), *args]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    text = err.decode()
    assert "Traceback" not in text and "BrokenPipe" not in text and "Exception ignored" not in text, text
    assert proc.returncode == 2  # the status is still the exit code


def test_status_piped_into_head_exits_quietly(tmp_path):
    import shlex
    import subprocess
    import sys

    config = shlex.quote(str(_down_config(tmp_path)))
    cmd = f"{shlex.quote(sys.executable)} -m replui status --config {config} | head -c 1"
    out = subprocess.run(["sh", "-c", cmd], capture_output=True, timeout=60)
    assert out.stdout == b"R"
    assert b"Traceback" not in out.stderr and b"BrokenPipe" not in out.stderr, out.stderr
