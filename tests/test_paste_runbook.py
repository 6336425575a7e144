"""The two ``SHOW SLAVE STATUS`` excerpts of 'How to get an active-active MySQL setup
back in sync after hard crash' (Jo Vandeginste, 2016), pasted as the post prints them
(tests/pastes/crash_runbook/: each excerpt verbatim, with its Markdown fence), must read
as relay log corruption on node1 and an impossible position on node2 — with that post's
repairs as advice: node1 re-pointed at its Relay_Master_Log_File/Exec_Master_Log_Pos,
node2 at node1's next binlog file, position 4.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from replui.analysis.findings import analyse
from replui.paste import read_pastes
from replui.sources import CRASH_RESYNC

HERE = Path(__file__).parent / "pastes" / "crash_runbook"
NODE1 = (HERE / "node1.txt").read_text()
NODE2 = (HERE / "node2.txt").read_text()


def _findings(statuses):
    bad = [f for f in analyse(statuses) if f.severity.value != "ok"]
    return {(f.code, f.nodes[0]): f for f in bad}


def _check(found):
    assert set(found) == {("sql_error", "node1"), ("io_error", "node2")}, sorted(found)
    relay = found[("sql_error", "node1")]
    assert relay.errno == 1594 and relay.wizard == "repoint"
    assert "relay log is corrupt" in relay.message and "Last_Error" in relay.message
    assert "MASTER_LOG_FILE='mysql-bin.000253', MASTER_LOG_POS=419130498" in relay.advice
    assert "--from-exec-position" in relay.advice and CRASH_RESYNC in relay.advice
    cut = found[("io_error", "node2")]
    assert cut.errno == 1236 and cut.wizard == "repoint"
    assert "impossible position" in cut.message and "cut short" in cut.message
    assert "MASTER_LOG_FILE='mysql-bin.000235', MASTER_LOG_POS=4" in cut.advice
    assert "--next-binlog" in cut.advice and CRASH_RESYNC in cut.advice
    # the excerpts show no thread states and no Seconds_Behind_Master: nothing is made up from them
    for f in found.values():
        assert "None" not in f.message and "None" not in f.advice


def test_the_two_excerpts_one_file_per_node():
    pasted = read_pastes([("node1.txt", NODE1), ("node2.txt", NODE2)])
    assert [s.name for s in pasted.statuses] == ["node1", "node2"]
    _check(_findings(pasted.statuses))
    node1 = pasted.statuses[0].channels[0]
    assert node1.last_sql_error == "" and node1.raw["Last_Error"].startswith("Relay log read failure")
    assert node1.raw["Last_Error"].endswith("'SHOW SLAVE STATUS' on this slave.")  # the wrapped lines joined
    assert (node1.io_running, node1.sql_running) == ("", "")  # not shown: unknown


def test_the_two_excerpts_in_one_file_as_the_post_introduces_them():
    text = "* node1:\n\n-- node node1\n" + NODE1 + "\n* node2:\n\n-- node node2\n" + NODE2
    pasted = read_pastes([("crash.md", text)])
    _check(_findings(pasted.statuses))


def test_the_excerpts_with_their_indentation_lost():
    flat = "-- node node1\n" + "\n".join(ln.strip() for ln in NODE1.splitlines())
    flat += "\n-- node node2\n" + "\n".join(ln.strip() for ln in NODE2.splitlines())
    _check(_findings(read_pastes([("flat.txt", flat)]).statuses))


def test_replui_diagnose_prints_the_runbooks_repairs_and_exits_critical(tmp_path):
    for name, text in (("node1.txt", NODE1), ("node2.txt", NODE2)):
        (tmp_path / name).write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "replui", "diagnose", "node1.txt", "node2.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    assert run.stdout.startswith(
        "REPLUI CRITICAL - 2 node(s), 2 problem(s): sql_error on node1; io_error on node2"
    )
    assert "replui wizard repoint --node node2 --next-binlog" in run.stdout
    assert "replui wizard repoint --node node1 --from-exec-position" in run.stdout
    doc = json.loads(
        subprocess.run(
            [sys.executable, "-m", "replui", "diagnose", "--json", "node1.txt", "node2.txt"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    )
    assert doc["exit_code"] == 2 and [f["errno"] for f in doc["findings"]] == [1594, 1236]
