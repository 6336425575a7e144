"""The local lab starts real servers that replicate, and cleans up after itself."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pymysql
import pytest

from replui.cli import main
from replui.lab.lab import Lab


def _cmdlines() -> dict[int, str]:
    """pid -> command line (NULs as spaces) of every process now."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                pass
    return out


def _lab_processes(directory: Path) -> dict[int, str]:
    return {pid: cmd for pid, cmd in _cmdlines().items() if str(directory) in cmd}


@pytest.mark.lab
def test_up_replicates_both_ways(healthy_lab):
    lab = healthy_lab
    lab.sql(
        "node1",
        "INSERT INTO shop.customers (name, email, city, created_at) "
        "VALUES ('From One', 'one@lab.test', 'Lisbon', NOW())",
    )
    lab.sql(
        "node2",
        "INSERT INTO shop.customers (name, email, city, created_at) "
        "VALUES ('From Two', 'two@lab.test', 'Osaka', NOW())",
    )
    lab.wait_caught_up()
    for node in ("node1", "node2"):
        emails = {
            r[0] for r in lab.sql(node, "SELECT email FROM shop.customers WHERE email LIKE '%@lab.test'")
        }
        assert emails == {"one@lab.test", "two@lab.test"}, node
    assert lab.sql("node1", "CHECKSUM TABLE shop.orders") == lab.sql("node2", "CHECKSUM TABLE shop.orders")


@pytest.mark.lab
def test_sample_database_is_identical_on_both_nodes(healthy_lab):
    for node in ("node1", "node2"):
        assert healthy_lab.sql(node, "SELECT COUNT(*) FROM shop.orders") == [(300,)]
        assert healthy_lab.sql(node, "SELECT COUNT(*) FROM shop.customers")[0][0] >= 100


@pytest.mark.lab
def test_each_node_has_its_own_server_id_binlog_and_a_running_channel(healthy_lab):
    lab = healthy_lab
    for i, node in enumerate(("node1", "node2"), start=1):
        row = lab.query(
            node,
            "SELECT @@server_id AS sid, @@log_bin AS lb, @@binlog_format AS fmt, "
            "@@auto_increment_offset AS off",
        )[0]
        assert (row["sid"], row["lb"], row["fmt"], row["off"]) == (i, 1, "ROW", i)
        status = lab.replica_status(node)
        assert status["Slave_IO_Running"] == "Yes" and status["Slave_SQL_Running"] == "Yes"
        assert status["Master_User"] == "repl"
    assert lab.replica_status("node1")["Master_Port"] == lab.node("node2").port
    assert lab.replica_status("node2")["Master_Port"] == lab.node("node1").port


@pytest.mark.lab
def test_secret_files_are_private(lab):
    for path in [lab.state_path, lab.config_path] + [n.option_file for n in lab.nodes]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not list(lab.dir.glob("*/init.sql")), "the one-shot init file with passwords must be gone"


@pytest.mark.lab
def test_replui_toml_loads_with_every_node(lab):
    from replui.config import load_config

    cfg = load_config(lab.config_path)
    assert [(n.name, n.host, n.port) for n in cfg.nodes] == [(n.name, "127.0.0.1", n.port) for n in lab.nodes]
    assert cfg.nodes[0].user == "replui_admin" and cfg.nodes[0].resolve_password() == lab.admin_password
    with pymysql.connect(
        host="127.0.0.1",
        port=cfg.nodes[1].port,
        user=cfg.nodes[1].user,
        password=cfg.nodes[1].resolve_password(),
    ) as conn:
        assert conn.open


@pytest.mark.lab
def test_up_again_is_harmless(healthy_lab, capsys):
    pids = [n.pid for n in healthy_lab.nodes]
    assert main(["lab", "up", "--dir", str(healthy_lab.dir)]) == 0
    assert "already running" in capsys.readouterr().out
    healthy_lab.reload()
    assert [n.pid for n in healthy_lab.nodes] == pids


@pytest.mark.lab
def test_stop_node_makes_it_unreachable_and_start_node_restores_replication(healthy_lab, capsys):
    lab = healthy_lab
    port = lab.node("node2").port
    assert main(["lab", "stop-node", "node2", "--dir", str(lab.dir)]) == 0
    lab.reload()
    assert not lab.is_alive("node2")
    with pytest.raises(pymysql.err.OperationalError) as info:
        pymysql.connect(host="127.0.0.1", port=port, user="x", password="y", connect_timeout=2)
    assert info.value.args[0] == 2003
    assert main(["lab", "status", "--dir", str(lab.dir)]) == 0
    assert "stopped" in capsys.readouterr().out

    lab.sql(
        "node1",
        "INSERT INTO shop.customers (name, email, city, created_at) "
        "VALUES ('While Down', 'down@lab.test', 'Kyiv', NOW())",
    )
    assert main(["lab", "start-node", "node2", "--dir", str(lab.dir)]) == 0
    lab.reload()
    assert lab.is_alive("node2")
    lab.wait_caught_up()
    assert lab.sql("node2", "SELECT city FROM shop.customers WHERE email = 'down@lab.test'") == [("Kyiv",)]


@pytest.mark.lab
def test_no_password_on_any_command_line(healthy_lab):
    lab = healthy_lab
    secrets = (lab.admin_password, lab.repl_password)
    seen: list[str] = []
    done = threading.Event()

    def exercise():  # spawns mariadb-admin (shutdown), mariadbd, mariadb-dump and mariadb
        try:
            lab.stop_node("node2")
            lab.start_node("node2")
            lab.heal()
        finally:
            done.set()

    worker = threading.Thread(target=exercise)
    worker.start()
    while not done.is_set():
        seen.extend(_cmdlines().values())
    worker.join()
    seen.extend(_cmdlines().values())
    assert any(str(lab.dir) in cmd for cmd in seen), "the sampler saw the lab's processes"
    leaks = [cmd for cmd in seen if any(s in cmd for s in secrets)]
    assert leaks == []


@pytest.mark.lab
def test_source_replica_lab_via_cli_and_down_leaves_no_process(tmp_path, capsys):
    directory = tmp_path / "sr"
    assert main(["lab", "up", "--dir", str(directory), "--topology", "source-replica"]) == 0
    out = capsys.readouterr().out
    assert f"replui --config {directory / 'replui.toml'}" in out
    lab = Lab.load(directory)
    try:
        assert lab.sql("node2", "SELECT @@read_only") == [(1,)]
        assert lab.replica_status("node1") is None
        assert lab.replica_status("node2")["Slave_SQL_Running"] == "Yes"
        lab.sql("node1", "CREATE TABLE shop.t (id INT PRIMARY KEY)")
        lab.sql("node1", "INSERT INTO shop.t VALUES (7)")
        lab.wait_caught_up()
        assert lab.sql("node2", "SELECT id FROM shop.t") == [(7,)]
        assert _lab_processes(directory)
    finally:
        rc = main(["lab", "down", "--dir", str(directory), "--purge"])
    assert rc == 0
    assert _lab_processes(directory) == {}
    assert not directory.exists()


def test_missing_directory_is_a_clear_error(tmp_path, capsys):
    assert main(["lab", "status", "--dir", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert "no lab in" in err and "replui lab up" in err


def test_missing_server_names_the_install_command_and_exits_3(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, REPLUI_LAB_PATH=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "replui", "lab", "up", "--dir", str(tmp_path / "lab")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 3
    assert "apt-get install -y mariadb-server" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "lab").exists()


@pytest.mark.lab
def test_up_restarts_a_killed_node_on_its_datadir(healthy_lab, capsys):
    import signal

    lab = healthy_lab
    os.kill(lab.node("node2").pid, signal.SIGKILL)
    from replui.lab.replication import wait_for

    wait_for(lambda: not lab.is_alive("node2"), 30, "node2 gone")
    assert main(["lab", "up", "--dir", str(lab.dir)]) == 0
    assert "restarted node2" in capsys.readouterr().out
    lab.reload()
    lab.wait_replication_running()
    assert lab.sql("node2", "SELECT COUNT(*) FROM shop.orders") == [(300,)]


@pytest.mark.lab
def test_heal_repairs_a_duplicate_key_break(healthy_lab):
    lab = healthy_lab
    lab.sql("node2", ["SET sql_log_bin=0", "INSERT INTO shop.orders VALUES (9001, 1, 100, 'new', NOW())"])
    lab.sql("node1", "INSERT INTO shop.orders VALUES (9001, 2, 200, 'paid', NOW())")
    from replui.lab.replication import wait_for

    row = wait_for(
        lambda: (r := lab.replica_status("node2")) and r["Last_SQL_Errno"] and r, 60, "the 1062 break"
    )
    assert row["Last_SQL_Errno"] == 1062
    lab.heal()
    assert lab.replica_status("node2")["Slave_SQL_Running"] == "Yes"
    assert lab.sql("node2", "SELECT customer_id FROM shop.orders WHERE id = 9001") == [(2,)]
    assert lab.sql("node1", "CHECKSUM TABLE shop.orders") == lab.sql("node2", "CHECKSUM TABLE shop.orders")
