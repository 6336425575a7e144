"""Every seed scenario on the real lab: break it the way the seed describes,
run the wizard with ``--yes``, and require healthy replication AND identical
data (``CHECKSUM TABLE`` on every table in scope, both sides).

Plus: a dump killed mid-stream fails the wizard naming the step, issues no
CHANGE MASTER or START and leaves the source untouched; no password is ever
on a process's command line during a wizard; a hostile host/user reaches
``SHOW SLAVE STATUS`` exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from replui.config import load_config
from replui.lab import replication as rep
from replui.wizards.cli import add_wizard_parser, run_wizard

pytestmark = pytest.mark.lab


@pytest.fixture(autouse=True)
def _transcripts(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def wizard(lab, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_wizard_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["wizard", *argv, "--config", str(lab.config_path), "--yes", "--timeout", "60"])
    return run_wizard(args)


def checksums(lab, name: str) -> dict[str, int]:
    out = {}
    for db in lab.user_databases("node1"):
        for table, _kind in lab.sql(name, f"SHOW FULL TABLES FROM `{db}` WHERE Table_type = 'BASE TABLE'"):
            (row,) = lab.sql(name, f"CHECKSUM TABLE `{db}`.`{table}`")
            out[row[0]] = row[1]
    return out


def assert_healthy_and_identical(lab) -> None:
    lab.wait_replication_running(60)
    lab.wait_caught_up(60)
    a, b = checksums(lab, "node1"), checksums(lab, "node2")
    assert a and "shop.customers" in a
    assert a == b


def wait_error(lab, name: str, key: str, timeout: float = 30.0) -> dict:
    return rep.wait_for(
        lambda: (lambda r: r if r and int(r.get(key) or 0) else None)(lab.replica_status(name)),
        timeout,
        f"{key} on {name}",
    )


def insert_customers(lab, node: str, ids, extra: list[str] | None = None) -> None:
    stmts = list(extra or []) + [
        f"INSERT INTO shop.customers (id, name, email, city, created_at) VALUES "
        f"({i}, 'n{i}', 'c{i}@{node}.example', 'Lisbon', '2024-03-01 10:00:00')"
        for i in ids
    ]
    lab.sql(node, stmts)


# -- 'MySQL Replication Error' (Chameleon Cloud) ---


def test_replication_error_network_break_restart_replication_repairs(healthy_lab):
    lab = healthy_lab
    lab.sql("node2", "STOP SLAVE IO_THREAD")  # the IO thread gave up after the network broke
    insert_customers(lab, "node1", range(315001, 315011))
    assert wizard(lab, "restart-replication", "--node", "node2") == 0
    assert_healthy_and_identical(lab)


@pytest.mark.parametrize("via_file", [False, True], ids=["stream", "via-file"])
def test_replication_error_duplicate_key_rebuild_replica_repairs(healthy_lab, via_file):
    lab = healthy_lab
    key = 316002 if via_file else 316001
    insert_customers(lab, "node2", [key], extra=["SET sql_log_bin=0"])  # written on the replica by mistake
    insert_customers(lab, "node1", [key])
    row = wait_error(lab, "node2", "Last_SQL_Errno")
    assert int(row["Last_SQL_Errno"]) == 1062
    assert (
        wizard(
            lab,
            "rebuild-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            *(["--via-file"] if via_file else []),
        )
        == 0
    )
    assert_healthy_and_identical(lab)


# -- 'Fixing MySQL Multi-Master Replication' ---


def test_multi_master_master_master_drift_resync_pair_repairs(healthy_lab):
    lab = healthy_lab
    insert_customers(lab, "node2", [317001, 317003], extra=["SET sql_log_bin=0"])
    lab.sql("node2", ["SET sql_log_bin=0", "DELETE FROM shop.orders WHERE id <= 5"])
    insert_customers(lab, "node1", [317001])
    wait_error(lab, "node2", "Last_SQL_Errno")
    assert wizard(lab, "resync-pair", "--authoritative", "node1", "--other", "node2") == 0
    assert_healthy_and_identical(lab)
    insert_customers(lab, "node2", [317101])  # writes still flow both ways
    insert_customers(lab, "node1", [317102])
    assert_healthy_and_identical(lab)


# -- 'active-active MySQL setup back in sync after hard crash' ---


def test_hard_crash_impossible_position_repoint_next_binlog_repairs(healthy_lab):
    lab = healthy_lab
    file, pos = lab.master_status("node1")
    with lab.connect(
        "node2"
    ) as conn:  # node1's binlog was cut short by the crash: node2 wants a position past its end
        rep.stop_replica(conn)
        with conn.cursor() as cur:
            cur.execute("CHANGE MASTER TO MASTER_LOG_FILE=%s, MASTER_LOG_POS=%s", (file, pos + 100000))
    lab.sql("node1", "FLUSH BINARY LOGS")  # the restarted node1 writes a new binlog
    insert_customers(lab, "node1", range(318001, 318006))
    lab.sql("node2", "START SLAVE")
    row = wait_error(lab, "node2", "Last_IO_Errno")
    assert int(row["Last_IO_Errno"]) == 1236
    assert wizard(lab, "repoint", "--node", "node2", "--next-binlog") == 0
    assert_healthy_and_identical(lab)


def test_hard_crash_corrupt_relay_log_repoint_from_exec_position_repairs(healthy_lab):
    lab = healthy_lab
    lab.sql("node2", "STOP SLAVE SQL_THREAD")
    insert_customers(lab, "node1", range(318101, 318111))
    target = lab.master_status("node1")
    rep.wait_for(
        lambda: (lambda r: (r["Master_Log_File"], int(r["Read_Master_Log_Pos"])) >= target)(
            lab.replica_status("node2")
        ),
        30,
        "IO thread",
    )
    row = lab.replica_status("node2")
    relay = lab.node("node2").datadir / row["Relay_Log_File"]
    with open(relay, "r+b") as fh:  # the crash garbled the relay log where the SQL thread resumes
        fh.seek(int(row["Relay_Log_Pos"]))
        fh.write(b"\xff" * 64)
    lab.sql("node2", "START SLAVE SQL_THREAD")
    wait_error(lab, "node2", "Last_SQL_Errno")
    assert wizard(lab, "repoint", "--node", "node2", "--from-exec-position") == 0
    assert_healthy_and_identical(lab)


# -- 'MySQL Replication and Caucus' ---


def test_caucus_heartbeat_measures_lag_on_the_replica(healthy_lab, capsys):
    lab = healthy_lab
    assert wizard(lab, "heartbeat", "--source", "node1") == 0
    out = capsys.readouterr().out
    assert "node2: heartbeat seen after" in out and "true lag" in out
    assert_healthy_and_identical(lab)


def test_caucus_and_rails_add_replica_sets_up_a_new_replica(healthy_lab):
    lab = healthy_lab
    lab.sql(
        "node2", ["STOP SLAVE", "RESET SLAVE ALL"]
    )  # node2 starts as a stand-alone server with stale data
    insert_customers(lab, "node2", [319001], extra=["SET sql_log_bin=0"])
    insert_customers(lab, "node1", range(319101, 319104))
    assert wizard(lab, "add-replica", "--source", "node1", "--replica", "node2") == 0
    row = lab.replica_status("node2")
    assert row["Master_User"] == "replui_node2" and rep.threads_running(
        row
    )  # an account for this replica alone
    grants = lab.sql("node1", "SHOW GRANTS FOR 'replui_node2'@'%'")
    assert "REPLICATION SLAVE" in grants[0][0] and "ALL" not in grants[0][0]
    lab.wait_caught_up(60)
    assert checksums(lab, "node1") == checksums(lab, "node2")


# -- 'Fail over MySQL and Rails' ---


def test_replica_of_a_purged_source_binlog_reset_replica_repairs(healthy_lab):
    lab = healthy_lab
    lab.wait_caught_up(30)
    lab.sql("node2", "STOP SLAVE")
    needed = lab.replica_status("node2")["Master_Log_File"]
    lab.sql("node1", "FLUSH BINARY LOGS")
    file, _ = lab.master_status("node1")

    def purged() -> (
        bool
    ):  # the replica was off too long: its binlog is gone (retry while a dump thread still holds it)
        lab.sql("node1", f"PURGE BINARY LOGS TO '{file}'")
        return needed not in [r[0] for r in lab.sql("node1", "SHOW BINARY LOGS")]

    rep.wait_for(purged, 30, f"{needed} purged on node1")
    lab.sql("node2", "START SLAVE")
    row = wait_error(lab, "node2", "Last_IO_Errno")
    assert int(row["Last_IO_Errno"]) == 1236
    assert (
        wizard(lab, "reset-replica", "--node", "node2") == 3
    )  # replication repaired; purged events may be lost: not verified
    insert_customers(lab, "node1", range(319501, 319504))
    assert_healthy_and_identical(lab)


# -- the command line -----------------------------------------------------------------------------


def test_dry_run_prints_the_exact_plan_and_changes_nothing(healthy_lab, capsys):
    lab = healthy_lab
    lab.sql("node2", "STOP SLAVE")
    before = lab.replica_status("node2")
    parser = argparse.ArgumentParser()
    add_wizard_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "wizard",
            "rebuild-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--config",
            str(lab.config_path),
            "--dry-run",
        ]
    )
    assert run_wizard(args) == 0
    out = capsys.readouterr().out
    assert (
        "mariadb-dump" in out
        and "--master-data=2" in out
        and "STOP SLAVE;" in out
        and "dry run: nothing was changed" in out
    )
    assert lab.admin_password not in out
    after = lab.replica_status("node2")
    assert (after["Slave_IO_Running"], after["Exec_Master_Log_Pos"]) == ("No", before["Exec_Master_Log_Pos"])


def test_without_yes_a_wrong_node_name_stops_before_data_is_replaced(healthy_lab, capsys):
    import io

    lab = healthy_lab
    parser = argparse.ArgumentParser()
    add_wizard_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "wizard",
            "rebuild-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--config",
            str(lab.config_path),
        ]
    )
    insert_customers(lab, "node2", [319901], extra=["SET sql_log_bin=0"])
    assert run_wizard(args, stdin=io.StringIO("y\nnode1\n")) == 1
    out = capsys.readouterr().out
    assert "Type the node name (node2)" in out and "declined step stream" in out
    assert lab.sql("node2", "SELECT COUNT(*) FROM shop.customers WHERE id = 319901") == [(1,)]


# -- safety ------------------------------------------------------------------------------------


async def test_dump_killed_mid_stream_fails_the_step_and_leaves_the_source_untouched(healthy_lab):
    from replui.monitor import Monitor
    from replui.wizards.catalogue import build_plan
    from replui.wizards.context import StepContext
    from replui.wizards.plan import StepState
    from replui.wizards.runner import run_plan

    lab = healthy_lab
    config = load_config(lab.config_path)
    monitor = Monitor(config)
    statuses = await asyncio.to_thread(monitor.poll_all)
    monitor.close()
    before_source = (lab.master_status("node1"), checksums(lab, "node1"))
    before_replica = lab.replica_status("node2")
    plan = build_plan("rebuild-replica", config, statuses, source="node1", replica="node2")
    ctx = StepContext(config=config, statuses={s.name: s for s in statuses})
    locker = lab.connect("node1")
    with locker.cursor() as cur:  # hold the dump at its FLUSH TABLES WITH READ LOCK
        cur.execute("LOCK TABLES shop.orders WRITE")
    seen: list[tuple[str, str]] = []
    killed: list[int] = []

    def release() -> None:
        if locker.open:
            locker.close()

    async def kill_dump() -> None:
        try:
            for _ in range(600):
                for p in Path("/proc").iterdir():
                    if not p.name.isdigit():
                        continue
                    try:
                        cmd = (p / "cmdline").read_bytes()
                        if b"dump" in cmd.split(b"\0")[0] and b"--master-data" in cmd:
                            os.kill(int(p.name), signal.SIGKILL)
                            killed.append(int(p.name))
                            return
                    except (OSError, ProcessLookupError):
                        continue
                await asyncio.sleep(0.05)
        finally:  # never leave the dump (or this test) waiting on the lock
            await asyncio.to_thread(release)

    tasks = []

    def on_event(step, ev):
        if isinstance(ev, StepState):
            seen.append((step.id, ev.state))
            if step.id == "stream" and ev.state == "running":
                tasks.append(asyncio.ensure_future(kill_dump()))

    async def yes(step):
        return True

    watchdog = asyncio.get_running_loop().call_later(120, ctx.cancel.set)
    try:
        res = await run_plan(plan, ctx, confirm=yes, on_event=on_event)
    finally:
        watchdog.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        release()
        await ctx.aclose()
    assert killed, "the dump never started"
    assert not res.ok and res.failed_step == "stream" and "stream" in res.message
    assert not any(s in ("change-master", "start") for s, _ in seen)
    after = lab.replica_status("node2")
    assert (after["Master_Log_File"], after["Read_Master_Log_Pos"], after["Slave_SQL_Running"]) == (
        before_replica["Master_Log_File"],
        before_replica["Read_Master_Log_Pos"],
        "No",
    )
    assert (lab.master_status("node1"), checksums(lab, "node1")) == before_source
    text = res.transcript_path.read_text()
    assert (
        "**FAILED**" in text
        and "step stream" in text
        and "node2> CHANGE MASTER" not in text
        and "node2> START" not in text
    )


def test_no_password_on_any_command_line_during_a_wizard(healthy_lab):
    lab = healthy_lab
    secrets = [lab.admin_password.encode(), lab.repl_password.encode()]
    found: list[str] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for p in Path("/proc").iterdir():
                if not p.name.isdigit():
                    continue
                try:
                    cmd = (p / "cmdline").read_bytes()
                except OSError:
                    continue
                if any(s in cmd for s in secrets):
                    found.append(cmd.replace(b"\0", b" ").decode(errors="replace")[:80])
            time.sleep(0.005)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        assert wizard(healthy_lab, "rebuild-replica", "--source", "node1", "--replica", "node2") == 0
    finally:
        stop.set()
        t.join()
    assert found == []


def test_hostile_host_and_user_reach_show_slave_status_exactly(healthy_lab):
    from replui.mysql.client import NodeClient
    from replui.mysql.dialect import dialect_for
    from replui.wizards.sql import change_source

    lab = healthy_lab
    host, user, pw = "h'o\\st\"x", "re'p\\l\"", "p'w\\d\"\n;x"
    client = NodeClient(load_config(lab.config_path).node("node2"))
    try:
        client.execute("STOP SLAVE")
        st = change_source(
            dialect_for("mariadb", "10.11.0-MariaDB"),
            host=host,
            user=user,
            password=pw,
            literal=client.literal,
        )
        client.execute(st.sql)
        row = client.query("SHOW SLAVE STATUS")[0]
        assert (row["Master_Host"], row["Master_User"]) == (host, user)
        assert pw not in st.shown
    finally:
        client.close()
