"""replui on database hosts it reaches only through SSH: real OpenSSH sshd's
(one per host, each with its own host key, behind a jump host) and real
MariaDB servers inside network namespaces the fixture made (``ssh_lab``).
No mocks: the direct connect is proved to fail first, then status, the
dashboard and rebuild-replica go host → jump → host through replui's SSH
connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replui.config import load_config
from replui.monitor import poll_once
from replui.transport.sshhub import close_hub

pytestmark = pytest.mark.lab


@pytest.fixture(autouse=True)
def _fresh_hub(tmp_path, monkeypatch):
    """Each test gets its own SSH connections and its own replui known_hosts and transcripts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    close_hub()
    yield
    close_hub()


def replui(
    *argv: str, env_home: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m replui ARGV`` as a user runs it (its own process, its own SSH connections)."""
    env = dict(os.environ)
    if env_home is not None:
        env["HOME"] = str(env_home)
    return subprocess.run(
        [sys.executable, "-m", "replui", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def checksums(lab, name: str, databases=("shop",)) -> dict[str, int]:
    out = {}
    for db in databases:
        for (table,) in lab.sql(name, f"SHOW TABLES FROM `{db}`"):
            (row,) = lab.sql(name, f"CHECKSUM TABLE `{db}`.`{table}`")
            out[row[0]] = row[1]
    return out


def private_dirs() -> set[str]:
    """replui's private directories in /tmp (the namespaces share this machine's file system)."""
    return {p.name for p in Path("/tmp").glob("replui-*")}


def assert_nothing_left(before: set[str], output: str) -> None:
    """The option files' directories the wizard printed are gone; in CI, where nothing
    else runs replui, no private directory at all is left beyond ``before``."""
    import re

    for path in re.findall(r"--defaults-extra-file=(/\S+)", output):
        assert not Path(path).parent.exists(), path
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        assert private_dirs() <= before


def test_the_database_hosts_cannot_be_reached_directly(ssh_lab):
    address = ssh_lab.mysql_address("db1")
    with pytest.raises(OSError):
        socket.create_connection(address, timeout=2).close()


def test_a_config_that_reaches_its_hosts_only_by_ssh_shows_live_status(ssh_lab, tmp_path):
    config = load_config(ssh_lab.write_config(tmp_path / "ssh.toml"))
    statuses = {s.name: s for s in poll_once(config)}
    for name in ("db1", "db2"):
        assert statuses[name].reachable, statuses[name].error
        assert statuses[name].server_id == ssh_lab.server_id(name)
        assert (
            statuses[name].reached_via
            == "via ssh "
            + ssh_lab.host(name).address
            + " → 127.0.0.1:3306 (through "
            + ssh_lab.jump.address
            + ")"
        )
    (channel,) = statuses["db2"].channels
    assert channel.io_running == "Yes" and channel.sql_running == "Yes"

    out = replui("status", "--json", "--config", str(tmp_path / "ssh.toml"))
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert [n["reachable"] for n in doc["nodes"]] == [True, True]
    assert all(n["reached_via"].startswith("via ssh") for n in doc["nodes"])


def test_a_direct_config_fails_where_the_ssh_one_works(ssh_lab, tmp_path):
    config = load_config(ssh_lab.write_config(tmp_path / "direct.toml", mysql_via="direct"))
    statuses = poll_once(config)
    assert not any(s.reachable for s in statuses)
    auto = load_config(ssh_lab.write_config(tmp_path / "auto.toml", mysql_via="auto"))
    assert all(s.reachable for s in poll_once(auto))  # direct first, then SSH


def test_an_unknown_host_key_is_refused_with_its_fingerprint_until_accepted(ssh_lab, tmp_path):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)  # an empty ~/.ssh: no key is known
    path = ssh_lab.write_config(tmp_path / "nokh.toml", known_hosts=False)
    jump = ssh_lab.jump.fingerprint
    db1, db2 = ssh_lab.host("db1").fingerprint, ssh_lab.host("db2").fingerprint

    out = replui("status", "--config", str(path), env_home=home)
    assert out.returncode == 2
    assert f"unknown host key ssh-ed25519 {jump}" in out.stdout
    assert f"--accept-host-key {jump}" in out.stdout

    out = replui("status", "--config", str(path), "--accept-host-key", jump, env_home=home)
    assert out.returncode == 2  # the jump host is trusted now; the database hosts are not
    assert db1 in out.stdout and db2 in out.stdout

    accepted = ["--accept-host-key", db1, "--accept-host-key", db2]
    out = replui("status", "--config", str(path), *accepted, env_home=home)
    assert out.returncode == 0, out.stdout + out.stderr
    own = Path(os.environ["XDG_CONFIG_HOME"]) / "replui" / "known_hosts"
    assert oct(own.stat().st_mode & 0o777) == "0o600"
    assert own.read_text().count("ssh-ed25519") == 3

    out = replui("status", "--config", str(path), env_home=home)  # remembered, nothing to accept
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_changed_host_key_is_refused_naming_both_fingerprints(ssh_lab, tmp_path):
    path = ssh_lab.write_config(tmp_path / "ssh.toml")
    before = ssh_lab.host("db2").fingerprint
    try:
        after = ssh_lab.rotate_host_key("db2")
        out = replui("status", "--config", str(path), "--accept-host-key", after)
        assert out.returncode == 2
        assert "host key has changed" in out.stdout
        assert before in out.stdout and after in out.stdout
        assert "db1 127.0.0.1:3306  mariadb" in out.stdout  # the other host is untouched
    finally:
        ssh_lab.write_known_hosts()


def test_a_key_the_host_does_not_authorize_is_refused(ssh_lab, tmp_path):
    key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    text = ssh_lab.config_text().replace(str(ssh_lab.client_key), str(key))
    (tmp_path / "wrong.toml").write_text(text)
    statuses = poll_once(load_config(tmp_path / "wrong.toml"))
    assert not any(s.reachable for s in statuses)
    assert all("authentication refused" in (s.error or "") for s in statuses)


def test_rebuild_replica_runs_host_to_jump_to_host_and_leaves_nothing_behind(ssh_lab, tmp_path):
    path = ssh_lab.write_config(tmp_path / "ssh.toml")
    ssh_lab.sql("db2", ["SET sql_log_bin=0", "DELETE FROM shop.orders ORDER BY id LIMIT 3"])  # drift
    assert checksums(ssh_lab, "db1") != checksums(ssh_lab, "db2")
    before = private_dirs()
    out = replui(
        "wizard", "rebuild-replica", "--config", str(path), "--source", "db1", "--replica", "db2", "--yes"
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    assert "verified: all 2 tables are identical on db1 and db2" in out.stdout
    assert checksums(ssh_lab, "db1") == checksums(ssh_lab, "db2")
    assert_nothing_left(before, out.stdout)
    for host in ("db1", "db2"):
        assert ssh_lab.remote_processes(host, r"mariadb-dump|mysqldump|mariadb --defaults|sha256sum") == []


def _session_sshds(lab, host: str) -> list[int]:
    """The sshd processes serving open connections on ``host`` (not its listener)."""
    listener = lab.host(host).pid
    pids = []
    for row in lab.remote_processes(host, r"^sshd|/sshd"):
        pid = int(row.split()[0])
        if pid != listener:
            pids.append(pid)
    return pids


def test_an_sshd_killed_mid_transfer_stops_the_wizard_before_change_master(ssh_lab, tmp_path):
    path = ssh_lab.write_config(tmp_path / "ssh.toml")
    ssh_lab.sql(
        "db1",
        [
            "CREATE DATABASE IF NOT EXISTS big",
            "CREATE TABLE IF NOT EXISTS big.t (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(250))",
            "INSERT INTO big.t (pad) SELECT REPEAT('x', 250) FROM big.seq_1_to_200000",
        ],
    )
    ssh_lab.wait_caught_up(120)
    before = private_dirs()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replui",
            "wizard",
            "rebuild-replica",
            "--config",
            str(path),
            "--source",
            "db1",
            "--replica",
            "db2",
            "--databases",
            "big",
            "--yes",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ssh_lab.remote_processes(
            "db1", r"mariadb-dump .*--single-transaction"
        ):  # the dump, not a probe
            assert proc.poll() is None and time.monotonic() < deadline, "the dump never started"
            time.sleep(0.02)
        # the dump's private directory (its option file, the wire's FIFOs and figures), from its command line
        private = {
            m.group(1)
            for row in ssh_lab.remote_processes("db1", r"mariadb-dump .*--single-transaction")
            if (m := re.search(r"--defaults-extra-file=(/\S+)/[^/\s]+\.cnf", row))
        }
        assert private
        for pid in _session_sshds(ssh_lab, "db1"):
            os.kill(pid, signal.SIGKILL)
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, output[-3000:]
    assert "FAILED: step stream" in output, output[-3000:]
    assert "10.231.1.2" in output.split("FAILED:")[-1] or "db1" in output.split("FAILED:")[-1]
    assert "== [change-master]" not in output and "== [start]" not in output
    status = ssh_lab.replica_status("db2")
    assert status["Slave_SQL_Running"] == "No"  # stopped by the wizard, never restarted
    for _ in range(50):
        if (
            not ssh_lab.remote_processes("db1", r"mariadb-dump")
            and not ssh_lab.remote_processes("db2", r"mariadb --defaults")
            and not any(os.path.exists(d) for d in private)
        ):
            break
        time.sleep(0.1)
    assert ssh_lab.remote_processes("db1", r"mariadb-dump") == []
    assert ssh_lab.remote_processes("db2", r"mariadb --defaults") == []
    assert [d for d in private if os.path.exists(d)] == []
    assert_nothing_left(before, output)

    # the mark says db2 is half-restored; a rebuild over a new connection repairs it
    out = replui(
        "wizard", "rebuild-replica", "--config", str(path), "--source", "db1", "--replica", "db2", "--yes"
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    assert checksums(ssh_lab, "db1", ("shop", "big")) == checksums(ssh_lab, "db2", ("shop", "big"))
    ssh_lab.sql("db1", "DROP DATABASE big")


async def test_the_dashboard_shows_live_panes_and_runs_rebuild_replica_host_to_jump_to_host(
    ssh_lab, tmp_path
):
    from tui_helpers import answer_every_question, refresh

    from replui.monitor import Monitor
    from replui.ui.app import ReplUIApp
    from replui.wizards import catalogue

    config = load_config(ssh_lab.write_config(tmp_path / "ssh.toml"))
    ssh_lab.sql("db2", ["SET sql_log_bin=0", "DELETE FROM shop.customers ORDER BY id LIMIT 2"])  # drift
    monitor = Monitor(config)
    app = ReplUIApp(monitor, theme="dark", poll=False)
    app.wizard_transcript_dir = tmp_path / "transcripts"
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await refresh(app, pilot)
            assert app.statuses["db1"].reachable and app.statuses["db2"].reachable
            address = str(app.dashboard.pane("db2").row("address").render())
            assert "via ssh 10.231.1.3" in address
            plan = catalogue.build_plan(
                "rebuild-replica", config, list(app.statuses.values()), source="db1", replica="db2"
            )
            screen = app.start_wizard(plan)

            async def answer(dialog):
                if dialog.step.replaces_data:
                    dialog.name_input.value = "db2"
                    await pilot.pause()
                    await pilot.click("#confirm-yes")
                else:
                    await pilot.press("y")

            await answer_every_question(pilot, app, screen, answer)
            assert screen.result.ok, screen.result.message
            assert "verified" in screen.result.message.lower() or "match" in screen.result.message
    finally:
        monitor.close()
    assert checksums(ssh_lab, "db1") == checksums(ssh_lab, "db2")


def test_the_replica_reaching_its_source_is_tested_from_the_replicas_host(ssh_lab, tmp_path):
    from replui.wizards.add_replica import reach_check
    from replui.wizards.context import StepContext

    config = load_config(ssh_lab.write_config(tmp_path / "ssh.toml"))
    host, port = ssh_lab.mysql_address("db1")

    async def check(address):
        ctx = StepContext(config=config, statuses={})
        try:
            return await reach_check("db2", *address).run(ctx)
        finally:
            await ctx.aclose()

    assert asyncio.run(check((host, port))).ok  # db2 reaches db1; this machine could not (first test)
    refused = asyncio.run(check((host, 1)))
    assert not refused.ok and "db2's host cannot reach 10.231.1.2:1" in refused.reason


def test_a_source_reached_through_ssh_at_loopback_needs_repl_host_before_add_replica(ssh_lab, tmp_path):
    from replui.wizards import catalogue
    from replui.wizards.common import WizardError

    path = ssh_lab.write_config(tmp_path / "ssh.toml")
    config = load_config(path)
    statuses = poll_once(config)
    with pytest.raises(WizardError, match=r"set repl_host \(and repl_port\) for db1"):
        catalogue.build_plan("add-replica", config, statuses, source="db1", replica="db2")
    host, port = ssh_lab.mysql_address("db1")
    text = path.read_text().replace(
        'ssh_host = "10.231.1.2"', f'ssh_host = "10.231.1.2"\nrepl_host = "{host}"'
    )
    path.write_text(text)
    plan = catalogue.build_plan("add-replica", load_config(path), statuses, source="db1", replica="db2")
    assert f"CHANGE MASTER to {host}:{port}" in plan.summary or any(f"{host}" in c.title for c in plan.checks)


def test_the_error_log_tail_is_read_on_the_servers_host(ssh_lab, tmp_path):
    from replui.monitor import Monitor

    monitor = Monitor(load_config(ssh_lab.write_config(tmp_path / "ssh.toml")))
    try:
        text = monitor.error_log("db1")
    finally:
        monitor.close()
    head, _, body = text.partition("\n")
    assert head.startswith("db1: the last 40 lines of /") and head.endswith("on 10.231.1.2")
    assert "ready for connections" in body or "mariadbd" in body.lower()


def test_a_replica_reset_on_purpose_has_its_error_log_read_over_ssh_and_no_finding(ssh_lab, tmp_path):
    """db2 detached with RESET SLAVE ALL (as after a promotion): its status is empty but it applied
    db1's transactions, so the poll reads its error log on its host, finds the reset, and says nothing."""
    from replui.analysis.findings import analyse
    from replui.model import LogVerdict

    config = load_config(ssh_lab.write_config(tmp_path / "ssh.toml"))
    ssh_lab.sql("db2", ["STOP SLAVE", "RESET SLAVE ALL"])
    try:
        db1, db2 = poll_once(config)
        assert not db2.channels and db2.gtid_slave_pos
        assert db2.metadata_log is not None and db2.metadata_log.verdict is LogVerdict.CLEAN, db2.metadata_log
        assert db2.metadata_log.path and db2.metadata_log.path.startswith("/")
        assert not [f for f in analyse([db1, db2]) if f.nodes[0] == "db2"]
    finally:
        ssh_lab.repoint()


def test_a_hung_ssh_host_delays_no_other_node(ssh_lab, tmp_path):
    import threading

    from replui.monitor import Monitor

    monitor = Monitor(load_config(ssh_lab.write_config(tmp_path / "ssh.toml")))
    stopped = [int(row.split()[0]) for row in ssh_lab.remote_processes("db2", r"sshd")]
    assert stopped
    results: dict[str, object] = {}
    try:
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)  # db2's sshd answers nothing, as a hung host does
        db2 = threading.Thread(target=lambda: results.setdefault("db2", monitor.poll("db2")))
        db2.start()
        results["db1"] = monitor.poll("db1")
        db2_still_waiting = db2.is_alive()
        db2.join(90)  # gives up after its SSH connect timeout
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        monitor.close()
    assert results["db1"].reachable  # answered while db2's poll was still waiting
    assert db2_still_waiting
    assert not results["db2"].reachable and "no answer within" in results["db2"].error


def test_an_unreachable_ssh_host_is_named_with_its_cause(ssh_lab, tmp_path):
    text = ssh_lab.config_text().replace('ssh_host = "10.231.1.3"', 'ssh_host = "10.231.1.99"')
    (tmp_path / "gone.toml").write_text(text)
    statuses = {s.name: s for s in poll_once(load_config(tmp_path / "gone.toml"))}
    assert statuses["db1"].reachable
    assert not statuses["db2"].reachable
    assert "10.231.1.99" in statuses["db2"].error
