"""A database host's SSH server dies in the middle of a streamed rebuild: the
remote commands notice (end of input, a broken pipe, the source's watcher, the
replica's heartbeat), end, and remove their private directories themselves —
replui cannot reach that host any more to do it. Real sshd's and MariaDB
servers in the SSH lab's network namespaces (``ssh_lab``); no mocks.

Each host gets its own ``work_dir`` here, so "no private directory is left"
is exact even while other replui runs share this machine's /tmp.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replui.transport.sshhub import close_hub

pytestmark = pytest.mark.lab

DB = "selfclean"
ROWS = 200_000


@pytest.fixture(autouse=True)
def _fresh_hub(tmp_path, monkeypatch):
    """Each test gets its own SSH connections, known_hosts and transcripts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    close_hub()
    yield
    close_hub()


def _config(lab, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """The lab's replui config with a ``work_dir`` of each host's own (0700)."""
    work = {name: tmp_path / f"work-{name}" for name in ("db1", "db2")}
    text = lab.config_text()
    for name, d in work.items():
        d.mkdir(mode=0o700)
        text = text.replace(f'name = "{name}"\n', f'name = "{name}"\nwork_dir = "{d}"\n')
    path = tmp_path / "ssh.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path, work


def _wizard(path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "replui", "wizard", "rebuild-replica", "--config", str(path)]
        + ["--source", "db1", "--replica", "db2", "--yes", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stray(lab, host: str) -> list[str]:
    """The processes on ``host`` other than its MariaDB server and its sshd listener."""
    keep = {str(lab.host(host).pid)}
    return [
        row
        for row in lab.remote_processes(host)
        if row.split()[0] not in keep and not re.search(r"mariadbd", row)
    ]


def _restoring(lab) -> bool:
    """Whether db2 is executing one of the dump's INSERTs (the restore is under way)."""
    rows = lab.sql(
        "db2", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO%'"
    )
    return bool(rows[0][0])


def _option_dirs(lab) -> dict[str, str]:
    """The private directory of the dump's option file on db1 and the restore
    client's on db2, from their command lines (empty until both run)."""
    found = {}
    for host, pattern in (("db1", r"mariadb-dump .*--single-transaction"), ("db2", r"mariadb --defaults")):
        for row in lab.remote_processes(host, pattern):
            m = re.search(r"--defaults-extra-file=(/\S+)/[^/\s]+\.cnf", row)
            if m:
                found[host] = m.group(1)
    return found


def test_the_replicas_ssh_server_killed_mid_transfer_fails_the_restore_and_both_hosts_clean_up(
    ssh_lab, tmp_path
):
    lab = ssh_lab
    path, work = _config(lab, tmp_path)
    lab.sql(
        "db1",
        [
            f"DROP DATABASE IF EXISTS {DB}",
            f"CREATE DATABASE {DB}",
            f"CREATE TABLE {DB}.t (id INT AUTO_INCREMENT PRIMARY KEY, pad VARCHAR(250))",
            f"INSERT INTO {DB}.t (pad) SELECT REPEAT('x', 250) FROM {DB}.seq_1_to_{ROWS}",
        ],
    )
    lab.wait_caught_up(120)
    proc = _wizard(path, "--databases", DB)
    restarted = False
    try:
        deadline = time.monotonic() + 60
        dirs: dict[str, str] = {}
        while len(dirs) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the dump and the restore never ran"
            dirs = _option_dirs(lab)
            time.sleep(0.02)
        assert all(Path(d).parent == work[host] for host, d in dirs.items()), dirs
        while not _restoring(lab):
            assert proc.poll() is None and time.monotonic() < deadline, "no INSERT reached db2"
            time.sleep(0.02)
        listener = lab.host("db2").pid
        sessions = [int(row.split()[0]) for row in lab.remote_processes("db2", r"^sshd")]
        lab.kill_sshd("db2")  # db2's host answers no new connection either: nobody but itself can clean up
        for pid in sessions:
            if pid != listener:
                with contextlib.suppress(ProcessLookupError):  # gone with its parent
                    os.kill(pid, signal.SIGKILL)
        output, _ = proc.communicate(timeout=120)
        failed = output.split("FAILED:")[-1]
        assert proc.returncode != 0, output[-3000:]
        assert "FAILED: step stream" in output, output[-3000:]
        assert "restore failed" in failed and "db2's host" in failed and "10.231.1.3" in failed, failed
        assert "== [change-master]" not in output and "== [start]" not in output
        assert (
            lab.replica_status("db2")["Slave_SQL_Running"] == "No"
        )  # stopped by the wizard, never restarted

        for _ in range(100):  # the remote commands end by themselves (db2 cannot be signalled from here)
            if (
                not _stray(lab, "db1")
                and not _stray(lab, "db2")
                and not any(os.listdir(d) for d in work.values())
            ):
                break
            time.sleep(0.1)
        assert _stray(lab, "db1") == [] and _stray(lab, "db2") == []
        assert [p.name for d in work.values() for p in d.iterdir()] == []  # option files and FIFOs gone
        for d in dirs.values():
            assert not os.path.exists(d)

        lab.start_sshd("db2")
        restarted = True
        # the mark says db2 is half-restored; a rebuild over a new connection repairs it
        again = _wizard(path)
        out, _ = again.communicate(timeout=300)
        assert again.returncode == 0, out[-3000:]
        assert [p.name for d in work.values() for p in d.iterdir()] == []
    finally:
        if proc.poll() is None:
            proc.kill()
        if not restarted:
            lab.start_sshd("db2")
        lab.sql("db1", f"DROP DATABASE IF EXISTS {DB}")
