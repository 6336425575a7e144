"""An unreadable master.info in pasted text: ``SHOW SLAVE STATUS`` answers ``Empty set``,
and what says why is pasted beside it — ``START SLAVE``'s ``ERROR 1201`` (as 'Fail over
MySQL and Rails' quotes it) or the error log's own lines. ``replui diagnose`` gives the
live dashboard's ``replica_metadata_unusable`` (1201, reset-replica) for it."""

from __future__ import annotations

import json

from replui.diagnose import diagnose
from replui.paste import read_pastes

MARIADB = (
    "-- node node2\n"
    "MariaDB [(none)]> SHOW SLAVE STATUS\\G\n"
    "Empty set (0.000 sec)\n\n"
    "MariaDB [(none)]> START SLAVE;\n"
    "ERROR 1201 (HY000): Could not initialize master info structure for ''; more error messages can be found "
    "in the MariaDB error log\n"
)
RUNBOOK_LINE = (
    "ERROR 1201 (HY000) at line 22: Could not initialize master info structure; more error messages can be "
    "found in the MySQL error log"
)
LOG = """\
mysql> SHOW SLAVE STATUS\\G
Empty set (0.00 sec)

$ sudo tail -3 /var/log/mysql/error.log
2026-11-22 10:27:11 0 [ERROR] Error reading master configuration
2026-11-22 10:27:11 0 [ERROR] Failed to initialize the master info structure
2026-11-22 10:27:11 0 [Note] /usr/sbin/mariadbd: ready for connections.
"""


def findings(text: str, path: str = "node2.txt") -> list[dict]:
    _code, report, _notes = diagnose([(path, text)], json_out=True)
    data = json.loads(report)
    return [f for f in data["findings"] if f["severity"] != "ok"]


def test_start_slave_answering_1201_beside_an_empty_status() -> None:
    [f] = findings(MARIADB)
    assert (f["code"], f["errno"], f["wizard"], f["nodes"]) == (
        "replica_metadata_unusable",
        1201,
        "reset-replica",
        ["node2"],
    )
    assert "ERROR 1201 (HY000): Could not initialize master info structure" in f["message"]
    assert "reset-replica --node node2 --source SOURCE" in f["advice"]
    code, _, _ = diagnose([("node2.txt", MARIADB)])
    assert code == 2


def test_the_runbooks_own_line() -> None:
    [f] = findings(
        "mysql> SHOW SLAVE STATUS\\G\nEmpty set (0.00 sec)\n\nmysql> START SLAVE;\n" + RUNBOOK_LINE + "\n"
    )
    assert f["code"] == "replica_metadata_unusable" and RUNBOOK_LINE in f["message"]


def test_the_error_logs_lines() -> None:
    [f] = findings(LOG)
    assert f["code"] == "replica_metadata_unusable"
    assert "Failed to initialize the master info structure" in f["message"]


def test_an_empty_status_alone_is_read_and_is_no_problem() -> None:
    pasted = read_pastes([("node2.txt", "mysql> SHOW SLAVE STATUS\\G\nEmpty set (0.00 sec)\n")])
    [status] = pasted.statuses
    assert status.channels == () and status.metadata_log is None
    assert findings("mysql> SHOW SLAVE STATUS\\G\nEmpty set (0.00 sec)\n") == []


def test_1200_not_configured_is_not_an_unreadable_master_info() -> None:
    text = (
        "mysql> SHOW SLAVE STATUS\\G\nEmpty set (0.00 sec)\n\nmysql> START SLAVE;\n"
        "ERROR 1200 (HY000): Misconfigured slave: MASTER_HOST was not set; Fix in config file or with "
        "CHANGE MASTER TO\n"
    )
    assert findings(text) == []


def test_a_node_that_shows_a_replica_status_is_not_called_unreadable() -> None:
    text = (
        "mysql> SHOW SLAVE STATUS\\G\n*************************** 1. row ***************************\n"
        "Master_Host: node1\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\n"
        "Last_IO_Errno: 0\nLast_SQL_Errno: 0\n" + LOG.split("$ ", 1)[1].split("\n", 1)[1]
    )
    [status] = read_pastes([("node2.txt", text)]).statuses
    assert status.channels and status.metadata_log is None
