"""What the monitor claims, checked on real servers (the session lab: node1 ⇄ node2).

No mocks: writes, delays, marks, users and server ids are made with SQL on the
lab's ``mariadbd`` processes and undone afterwards.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

from replui.analysis.findings import analyse
from replui.config import NodeConfig, load_config
from replui.model import Severity
from replui.monitor import Monitor
from replui.mysql import marker
from replui.mysql.client import NodeClient, NodeError

pytestmark = pytest.mark.lab


def _wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


# -- 1. no CRITICAL from the polling race ------------------------------------------------------------
def test_no_false_critical_under_sustained_writes(healthy_lab):
    lab = healthy_lab
    lab.sql("node1", "CREATE TABLE shop.truth_writes (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(200))")
    stop = threading.Event()
    written = [0]
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with lab.connect("node1") as conn, conn.cursor() as cur:
                while not stop.is_set():
                    cur.execute("INSERT INTO shop.truth_writes (v) VALUES (REPEAT('x', 150))")
                    written[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    monitor = Monitor(load_config(lab.config_path))
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    bad, ahead, forced = [], 0, 0
    try:
        _wait(lambda: written[0] > 50, what="the writer to get going")
        for i in range(40):
            if i % 4 == 3:
                statuses = monitor.poll_all()  # concurrent, as `replui status` does
            else:  # the racy order: the source first, then its replica
                statuses = [monitor.poll("node1"), monitor.poll("node2")]
                forced += 1
            findings = analyse(statuses)
            bad += [
                f for f in findings if f.code == "coordinates_impossible" or f.severity is Severity.CRITICAL
            ]
            ahead += sum(1 for f in findings if f.nodes[0] == "node2" and "ahead of node1" in f.message)
    finally:
        stop.set()
        thread.join(timeout=30)
        monitor.close()
        lab.sql("node1", "DROP TABLE IF EXISTS shop.truth_writes")
        lab.wait_caught_up()
    assert not failures, failures
    assert forced >= 30 and written[0] > 100
    assert not bad, [(f.code, f.message) for f in bad[:3]]
    assert ahead > 0, "the replica was never seen past its source: the race was not exercised"


# -- 2. a delayed replica ----------------------------------------------------------------------------------
def test_sql_delay_is_read_from_a_real_server(healthy_lab):
    lab = healthy_lab
    lab.sql("node2", ["STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=5", "START SLAVE"])
    monitor = Monitor(load_config(lab.config_path))
    try:
        st = monitor.poll("node2")
        (ch,) = st.channels
        assert ch.sql_delay == 5 and ch.label("sql_delay") == "SQL_Delay"
        findings = analyse([monitor.poll("node1"), st])
        delayed = [f for f in findings if f.code == "replica_delayed"]
        assert delayed and delayed[0].severity is Severity.OK and "SQL_Delay 5 s" in delayed[0].message
    finally:
        monitor.close()
        lab.sql("node2", ["STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=0", "START SLAVE"])
    assert lab.replica_status("node2")["SQL_Delay"] == 0


# -- 3. a rebuild that did not finish --------------------------------------------------------------------
def test_a_rebuild_mark_on_a_real_replica_is_critical(healthy_lab, capsys):
    from replui.cli import main

    lab = healthy_lab
    lab.sql(
        "node2",
        ["SET sql_log_bin=0", marker.CREATE_DATABASE, marker.CREATE_TABLE, marker.SET_MARK],
        args=("rebuild-replica", "node1", "shop"),
    )
    monitor = Monitor(load_config(lab.config_path))
    try:
        statuses = monitor.poll_all()
        node1, node2 = statuses
        assert node1.rebuild_mark is None and node2.warnings == ()
        mark = node2.rebuild_mark
        assert (mark.wizard, mark.source, mark.scope) == ("rebuild-replica", "node1", ("shop",))
        assert mark.started_at.endswith(" UTC")
        findings = analyse(statuses)
        (f,) = [f for f in findings if f.code == "rebuild_incomplete"]
        assert f.severity is Severity.CRITICAL and f.wizard == "rebuild-replica"
        assert "replication_ok" not in [g.code for g in findings if g.nodes[0] == "node2"]
        assert main(["status", "--config", str(lab.config_path)]) == 2
        assert "rebuild_incomplete on node2" in capsys.readouterr().out
        assert main(["status", "--json", "--config", str(lab.config_path)]) == 2
        doc = json.loads(capsys.readouterr().out)
        assert doc["nodes"][1]["rebuild_mark"]["source"] == "node1"
    finally:
        monitor.close()
        lab.sql("node2", ["SET sql_log_bin=0", f"DROP DATABASE IF EXISTS {marker.DATABASE}"])
    assert main(["status", "--config", str(lab.config_path)]) == 0
    capsys.readouterr()


def test_an_unreadable_mark_is_a_warning_not_an_outage(healthy_lab):
    lab = healthy_lab
    port = lab.node("node1").port
    lab.sql(
        "node1",
        [
            "SET sql_log_bin=0",
            "CREATE OR REPLACE USER 'truthmon'@'127.0.0.1' IDENTIFIED BY 'mon-pw'",
            "GRANT BINLOG MONITOR, REPLICA MONITOR ON *.* TO 'truthmon'@'127.0.0.1'",
        ],
    )
    try:
        from replui.mysql.status import collect_status

        node = NodeConfig(name="node1", host="127.0.0.1", port=port, user="truthmon", password="mon-pw")
        with NodeClient(node) as client:
            st = collect_status(client, node)
    finally:
        lab.sql("node1", ["SET sql_log_bin=0", "DROP USER 'truthmon'@'127.0.0.1'"])
    assert st.reachable and st.channels and st.rebuild_mark is None
    (w,) = [w for w in st.warnings if marker.DATABASE in w]
    assert "1142" in w and "GRANT SELECT ON replui_state.*" in w


# -- 6. passwords beyond ASCII ---------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["pässwörd", "pa€€-wörd"], ids=["latin1", "euro"])
def test_non_ascii_passwords_log_in_like_the_mariadb_client(healthy_lab, tmp_path, password):
    from replui.wizards.optionfile import client_option_file

    lab = healthy_lab
    user = "truth_utf8"
    lab.sql(
        "node1",
        [
            "SET NAMES utf8mb4",
            "SET sql_log_bin=0",
            f"CREATE OR REPLACE USER '{user}'@'127.0.0.1' IDENTIFIED BY %s",
        ],
        args=(password,),
    )
    try:
        node = NodeConfig(
            name="node1", host="127.0.0.1", port=lab.node("node1").port, user=user, password=password
        )
        with NodeClient(node) as client:
            assert client.scalar("SELECT CURRENT_USER()") == f"{user}@127.0.0.1"
        cnf = tmp_path / "client.cnf"
        cnf.write_bytes(client_option_file(node))
        cnf.chmod(0o600)
        out = subprocess.run(
            [lab.binary.client, f"--defaults-file={cnf}", "-N", "-e", "SELECT CURRENT_USER()"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == f"{user}@127.0.0.1"
    finally:
        lab.sql("node1", ["SET sql_log_bin=0", f"DROP USER IF EXISTS '{user}'@'127.0.0.1'"])


# -- 8. a client bound to a confirmed server ----------------------------------------------------------------
def test_a_bound_client_refuses_a_connection_to_a_different_server(healthy_lab):
    lab = healthy_lab
    node = load_config(lab.config_path).node("node2")
    original = int(lab.sql("node2", "SELECT @@global.server_id")[0][0])
    client = NodeClient(node)
    try:
        ident = client.identity()
        assert ident["server_id"] == original and ident["port"] == node.port and ident["server_uuid"] is None
        assert ident["hostname"]
        client.bind_identity(ident)
        assert client.scalar("SELECT 1") == 1
        lab.sql("node2", f"SET GLOBAL server_id={original + 31}")
        # the connection already open is not checked again
        assert client.scalar("SELECT @@global.server_id") == original + 31
        client.close()
        with pytest.raises(NodeError) as info:
            client.query("SELECT 1")
        err = info.value
        assert err.connection_lost and err.errno is None and not client.connected
        assert str(err) == (
            f"node2: this connection reached a different server than the one confirmed "
            f"(server_id {original} -> {original + 31}); nothing was run on it"
        )
        client.bind_identity(None)
        assert client.scalar("SELECT 1") == 1  # unbound: anything goes
        client.bind_identity({"server_id": original, "hostname": None, "port": node.port})
        client.close()
        with pytest.raises(NodeError, match=f"server_id {original} -> {original + 31}"):
            client.scalar("SELECT 1")
    finally:
        lab.sql("node2", f"SET GLOBAL server_id={original}")
        client.close()
    assert client.scalar("SELECT 1") == 1  # the confirmed server again
    client.close()
