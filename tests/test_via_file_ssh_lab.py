"""``--via-file`` host → jump → host on the SSH lab (``ssh_lab``: db1 → db2,
each with its own sshd and MariaDB in a network namespace, behind a jump
host; no mocks): the dump is written on db1's host, copied through this
machine into db2's host and restored there; a full disk on db2's host stops
the copy and leaves db2 untouched; the pre-flight refuses an estimate that
cannot fit. Each node's ``work_dir`` is a directory of this test, so what
is left on each host can be listed (db2's small file system is a tmpfs
mounted inside db2's own mount namespace, over SSH, so it is listed there)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from replui.transport.sshhub import close_hub

pytestmark = pytest.mark.lab

TOOLS = r"mariadb-dump|mysqldump|mariadb --defaults|sha256sum|gzip|tee |awk|replui-"


@pytest.fixture(autouse=True)
def _fresh_hub(tmp_path, monkeypatch):
    """Each test gets its own SSH connections, known_hosts and transcripts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    close_hub()
    yield
    close_hub()


def replui(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m replui ARGV`` as a user runs it (its own process, its own SSH connections)."""
    return subprocess.run(
        [sys.executable, "-m", "replui", *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


def rebuild(config: Path, databases: str) -> subprocess.CompletedProcess[str]:
    return replui(
        "wizard",
        "rebuild-replica",
        "--config",
        str(config),
        "--source",
        "db1",
        "--replica",
        "db2",
        "--via-file",
        "--databases",
        databases,
        "--yes",
    )


def config_with_work_dirs(lab, path: Path, **work_dirs: Path) -> Path:
    """The lab's config with ``work_dir = "…"`` on the nodes named in ``work_dirs``."""
    text = lab.config_text()
    for node, directory in work_dirs.items():
        line = f'name = "{node}"\n'
        assert text.count(line) == 1
        text = text.replace(line, f'{line}work_dir = "{directory}"\n')
    path.write_text(text)
    path.chmod(0o600)
    return path


def label_of(lab, name: str) -> str:
    """How replui names ``name``'s host in messages: ``user@address:port``."""
    h = lab.host(name)
    return f"{lab.ssh_user}@{h.address}:{h.port}"


def checksums(lab, name: str, database: str) -> dict[str, int]:
    out = {}
    for (table,) in lab.sql(name, f"SHOW TABLES FROM `{database}`"):
        (row,) = lab.sql(name, f"CHECKSUM TABLE `{database}`.`{table}`")
        out[row[0]] = row[1]
    return out


def settle(lab, before: set[str], timeout: float = 15.0) -> list[str]:
    """What runs on the lab's hosts now and did not before (waits for the wizard's sessions to end)."""
    deadline = time.monotonic() + timeout
    while True:
        new = sorted(set(lab.leftovers()) - before)
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.2)


def listed_on(lab, host: str, directory: Path) -> list[str]:
    """``ls -A`` of ``directory`` as ``host`` sees it (its own mount namespace)."""
    done = lab.ssh(host, ["ls", "-A", str(directory)], check=True)
    return done.stdout.split()


@pytest.fixture
def noise(ssh_lab):
    """``noise.t`` on db1 (replicated to db2): 8000 rows of 1 KiB random bytes, about
    9.5 MiB of table data whose dump compresses to about as much (hex of random bytes)."""
    ssh_lab.sql(
        "db1",
        [
            "CREATE DATABASE noise",
            "CREATE TABLE noise.t (id INT PRIMARY KEY, b BLOB)",
            "INSERT INTO noise.t SELECT seq, RANDOM_BYTES(1024) FROM noise.seq_1_to_8000",
            "ANALYZE TABLE noise.t",
        ],
    )
    ssh_lab.wait_caught_up(120)
    try:
        yield "noise"
    finally:
        if ssh_lab.replica_status("db2")["Slave_SQL_Running"] != "Yes":
            ssh_lab.sql("db2", "START SLAVE")
        ssh_lab.wait_replication_running(60)
        ssh_lab.sql("db1", "DROP DATABASE IF EXISTS noise")
        ssh_lab.wait_caught_up(120)


@contextlib.contextmanager
def mounted_tmpfs(lab, host: str, directory: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` on ``directory`` inside ``host``'s own mount namespace
    (mounted over SSH as root): only that host sees what is written there —
    this machine and the other host see the empty directory beneath."""
    directory.mkdir()
    done = lab.ssh(host, ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(directory)])
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs on {host}'s host: {done.stderr.strip()}")
    try:
        yield directory
    finally:
        lab.ssh(host, ["umount", "-l", str(directory)])


def test_via_file_rebuild_goes_host_to_jump_to_host_and_leaves_nothing(ssh_lab, tmp_path):
    """Each work_dir exists only on its own host (a tmpfs in that host's mount
    namespace), as on real machines: the dump must be written, hashed and read
    on db1's host, the copy written and restored on db2's — nothing of it can
    be opened from this machine."""
    with (
        mounted_tmpfs(ssh_lab, "db1", tmp_path / "w1", "64m") as w1,
        mounted_tmpfs(ssh_lab, "db2", tmp_path / "w2", "64m") as w2,
    ):
        config = config_with_work_dirs(ssh_lab, tmp_path / "ssh.toml", db1=w1, db2=w2)
        ssh_lab.sql("db2", ["SET sql_log_bin=0", "DELETE FROM shop.orders ORDER BY id LIMIT 3"])  # drift
        assert checksums(ssh_lab, "db1", "shop") != checksums(ssh_lab, "db2", "shop")
        before = set(ssh_lab.leftovers())

        out = rebuild(config, "shop")

        assert out.returncode == 0, out.stdout[-4000:] + out.stderr
        text = out.stdout
        assert "verified: all 2 tables are identical on db1 and db2" in text
        assert checksums(ssh_lab, "db1", "shop") == checksums(ssh_lab, "db2", "shop")
        assert f"{w1}/replui-dump-" in text
        assert f"db1.sql.gz on db1's host ({label_of(ssh_lab, 'db1')})" in text
        assert "on db1's host, on this machine and on db2's host, as dumped" in text
        assert f"{w2}/replui-copy-" in text
        # dump, copy and option files: all gone from both hosts
        assert listed_on(ssh_lab, "db1", w1) == [] and listed_on(ssh_lab, "db2", w2) == []
        assert settle(ssh_lab, before) == []
        for host in ("db1", "db2"):
            assert ssh_lab.remote_processes(host, TOOLS) == []


def test_a_full_disk_on_the_replicas_host_stops_at_the_copy_and_leaves_db2_untouched(
    ssh_lab, tmp_path, noise
):
    w1 = tmp_path / "w1"
    w1.mkdir()
    with mounted_tmpfs(ssh_lab, "db2", tmp_path / "small", "3m") as small:
        config = config_with_work_dirs(ssh_lab, tmp_path / "ssh.toml", db1=w1, db2=small)
        ssh_lab.sql("db2", ["SET sql_log_bin=0", "DELETE FROM noise.t WHERE id <= 10"])  # drift
        untouched = checksums(ssh_lab, "db2", noise)
        before = set(ssh_lab.leftovers())

        started = time.monotonic()
        out = rebuild(config, noise)
        took = time.monotonic() - started

        text = out.stdout
        assert out.returncode != 0, text[-4000:]
        assert "Traceback" not in text + out.stderr
        failed = text.split("\nFAILED: ", 1)[1]
        assert failed.startswith("step copy-file")
        assert f"db2's host ({label_of(ssh_lab, 'db2')})" in failed and "No space left on device" in failed
        assert "== [restore-file]" not in text
        assert "== [change-master]" not in text and "== [start]" not in text
        assert took < 120, took
        # db2: no mark, no drop, no restore — its (drifted) data is as it was
        assert checksums(ssh_lab, "db2", noise) == untouched
        assert ssh_lab.sql("db2", "SELECT COUNT(*) FROM noise.t") == [(7990,)]
        assert ssh_lab.sql("db2", "SHOW DATABASES LIKE 'replui_state'") == []
        # nothing left on either host: no partial copy, no dump, no option file, no process
        assert listed_on(ssh_lab, "db2", small) == []
        assert os.listdir(w1) == []
        assert settle(ssh_lab, before) == []
        for host in ("db1", "db2"):
            assert ssh_lab.remote_processes(host, TOOLS) == []


def test_the_preflight_refuses_a_work_dir_the_estimate_cannot_fit_before_anything_stops(
    ssh_lab, tmp_path, noise
):
    w1 = tmp_path / "w1"
    w1.mkdir()
    with mounted_tmpfs(ssh_lab, "db2", tmp_path / "tiny", "1m") as tiny:
        config = config_with_work_dirs(ssh_lab, tmp_path / "ssh.toml", db1=w1, db2=tiny)
        before = set(ssh_lab.leftovers())

        out = rebuild(config, noise)

        text = out.stdout
        assert out.returncode != 0, text[-4000:]
        assert "refused by check 'room for the dump file on db1's host and its copy on db2's host'" in text
        reason = text.split("FAIL check: room for the dump file", 1)[1].splitlines()[0]
        assert f"db2's host ({label_of(ssh_lab, 'db2')}) has 1.0 MiB free in {tiny}" in reason
        assert "needs at least" in reason and "set db2's work_dir" in reason
        assert "== [stop]" not in text and "== [dump-file]" not in text
        assert ssh_lab.replica_status("db2")["Slave_SQL_Running"] == "Yes"  # nothing was stopped
        assert listed_on(ssh_lab, "db2", tiny) == [] and os.listdir(w1) == []
        assert settle(ssh_lab, before) == []
