"""Where the dump and the restore run, on real hosts behind a jump host
(``ssh_lab``: real sshd's and MariaDB servers in network namespaces; no mocks).

(a) db1's host has no ``mariadb-dump``: the dump runs on the jump host against
    db1 through a unix socket forwarded over db1's SSH connection, and the
    copy is verified. The host is a second sshd for db1 (same host key, same
    namespace) whose sessions run in a private mount namespace where
    ``mariadb-dump`` — and ``mysqldump``, its link — is ``/dev/null``; db1's own
    sshd, and every other test, never see it, and it ends with the test.
(b) ``transfer = "direct"``: db2's host dumps db1 at its replication address
    and pipes it into its own client; the output says no byte of the dump
    crossed the jump host, and the link between this machine and the jump
    host carried far fewer bytes than the dump holds.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
from test_ssh_remote_lab import assert_nothing_left, checksums, private_dirs, replui

from replui.lab.sshlab import procs
from replui.transport.sshhub import close_hub

pytestmark = pytest.mark.lab

SPARE_SSH_PORT = 2222  # the second sshd's port in db1's namespace (only 22 and 3306 listen there)
TOOLS = r"mariadb-dump|mysqldump|mariadb --defaults|sha256sum|replui-pipe"


@pytest.fixture(autouse=True)
def _fresh_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    close_hub()
    yield
    close_hub()


@contextlib.contextmanager
def sshd_without_dump_tool(lab, name: str, tmp_path: Path) -> Iterator[Path]:
    """A second sshd for host ``name`` on :data:`SPARE_SSH_PORT` whose sessions
    cannot run ``mariadb-dump``/``mysqldump``; yields a known_hosts file that
    also trusts it. Stopped (with its sessions) when the block ends."""
    if lab.host(name).namespace is None:
        pytest.skip("needs the netns lab (a host's own port and mount namespace)")
    h = lab.host(name)
    dump = shutil.which("mariadb-dump")
    assert dump is not None, "the jump host needs mariadb-dump for this test"
    config = tmp_path / "sshd_config"
    text = h.sshd_config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^ListenAddress .*$", f"ListenAddress {h.address}:{SPARE_SSH_PORT}", text)
    text = re.sub(r"(?m)^PidFile .*$", f'PidFile "{tmp_path / "sshd.pid"}"', text)
    config.write_text(text, encoding="utf-8")
    known = tmp_path / "known_hosts"
    kind, blob = h.host_key_pub.read_text(encoding="utf-8").split()[:2]
    known.write_text(
        lab.known_hosts.read_text(encoding="utf-8") + f"[{h.address}]:{SPARE_SSH_PORT} {kind} {blob}\n"
    )
    script = 'mount --bind /dev/null "$1" && exec "$2" -D -e -f "$3"'
    with open(tmp_path / "sshd.log", "ab") as log:
        sshd = subprocess.Popen(
            [*lab.ns_prefix(name), "unshare", "--mount", "--propagation", "private"]
            + ["sh", "-c", script, "sh", dump, procs.which("sshd"), str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 15
        while not procs.listening(sshd.pid, h.address, SPARE_SSH_PORT):
            assert sshd.poll() is None, (tmp_path / "sshd.log").read_text()
            assert time.monotonic() < deadline, "the second sshd did not listen"
            time.sleep(0.05)
        yield known
    finally:
        for pid in (*procs.descendants(sshd.pid), sshd.pid):
            procs.kill(pid, signal.SIGTERM)
        sshd.wait(timeout=10)


def _node_block(text: str, name: str) -> tuple[int, int]:
    start = text.index(f'name = "{name}"')
    end = text.find("[[nodes]]", start)
    return start, (len(text) if end < 0 else end)


def set_node_keys(text: str, name: str, **keys: object) -> str:
    """``text`` (a lab config) with ``keys`` set in node ``name``'s entry."""
    start, end = _node_block(text, name)
    block = text[start:end]
    for key, value in keys.items():
        shown = f'"{value}"' if isinstance(value, str) else str(value)
        if re.search(rf"(?m)^{key} = ", block):
            block = re.sub(rf"(?m)^{key} = .*$", f"{key} = {shown}", block)
        else:
            block = block.rstrip("\n") + f"\n{key} = {shown}\n\n"
    return text[:start] + block + text[end:]


def rebuild(path: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return replui(
        "wizard",
        "rebuild-replica",
        "--config",
        str(path),
        "--source",
        "db1",
        "--replica",
        "db2",
        "--yes",
        *more,
    )


def test_a_source_host_without_the_dump_tool_is_dumped_from_the_jump_host_through_a_forward(
    ssh_lab, tmp_path
):
    with sshd_without_dump_tool(ssh_lab, "db1", tmp_path) as known:
        text = ssh_lab.config_text().replace(str(ssh_lab.known_hosts), str(known))
        path = tmp_path / "nodump.toml"
        path.write_text(set_node_keys(text, "db1", ssh_port=SPARE_SSH_PORT))
        os.chmod(path, 0o600)
        ssh_lab.sql("db2", ["SET sql_log_bin=0", "DELETE FROM shop.orders ORDER BY id LIMIT 5"])  # drift
        assert checksums(ssh_lab, "db1") != checksums(ssh_lab, "db2")
        before = private_dirs()
        procs_before = {h: set(ssh_lab.remote_processes(h)) for h in ("db1", "db2")}

        out = rebuild(path)

        assert out.returncode == 0, out.stdout[-4000:] + out.stderr
        assert "mariadb-dump runs on the jump host against db1 through ssh" in out.stdout
        assert "mariadb runs on db2's host" in out.stdout
        assert "bytes on the wire from the jump host (dumping db1)" in out.stdout  # not "from db1"
        assert "bytes on the wire from db1" not in out.stdout
        assert "verified: all 2 tables are identical on db1 and db2" in out.stdout
        assert checksums(ssh_lab, "db1") == checksums(ssh_lab, "db2")
        assert_nothing_left(before, out.stdout)
        assert not list(Path("/tmp").glob("replui-fwd-*")), "the forward's directory was left behind"
        for host in ("db1", "db2"):
            assert ssh_lab.remote_processes(host, TOOLS) == []
        assert settled(lambda: set(ssh_lab.remote_processes("db2")) - procs_before["db2"]) == set()


def settled(extra, timeout: float = 5.0):
    """``extra()`` once it is empty, or its last value after ``timeout`` seconds
    (a process may take a moment to go after its command has ended)."""
    deadline = time.monotonic() + timeout
    while (left := extra()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _jump_link_bytes(lab) -> int:
    """Bytes both ways on the link between this machine and the jump host."""
    stats = Path("/sys/class/net") / lab.root_veth / "statistics"
    return sum(int((stats / f).read_text()) for f in ("rx_bytes", "tx_bytes"))


BULK_ROWS = 24000  # about 5 MB of SQL: far more than the SSH traffic of a whole run


def test_transfer_direct_pipes_the_dump_on_the_replicas_host_and_not_through_the_jump_host(ssh_lab, tmp_path):
    if ssh_lab.host("db1").namespace is None:
        pytest.skip("needs the netns lab (the jump host's own link)")
    host, port = ssh_lab.mysql_address("db1")
    text = set_node_keys(ssh_lab.config_text(), "db1", repl_host=host, repl_port=port)
    path = tmp_path / "direct.toml"
    path.write_text(set_node_keys(text, "db2", transfer="direct"))
    os.chmod(path, 0o600)
    try:
        ssh_lab.sql(
            "db1",
            [
                "CREATE DATABASE bulk",
                "CREATE TABLE bulk.blobs (id INT PRIMARY KEY, a CHAR(128), b CHAR(64))",
                "INSERT INTO bulk.blobs SELECT seq, SHA2(seq, 512), SHA2(seq, 256) "
                f"FROM bulk.seq_1_to_{BULK_ROWS}",
            ],
        )
        ssh_lab.wait_caught_up()
        ssh_lab.sql("db2", ["SET sql_log_bin=0", "DELETE FROM bulk.blobs WHERE id % 7 = 0"])  # drift
        before = private_dirs()
        procs_before = set(ssh_lab.remote_processes("db2"))
        link_before = _jump_link_bytes(ssh_lab)

        out = rebuild(path, "--databases", "bulk")

        crossed = _jump_link_bytes(ssh_lab) - link_before
        assert out.returncode == 0, out.stdout[-4000:] + out.stderr
        assert (
            f"mariadb-dump runs on db2's host ({ssh_lab.host('db2').address}) against db1 at {host}:{port} "
            "(its replication address), piped into mariadb there: the bytes do not pass through the jump host"
        ) in out.stdout
        sql_bytes = int(re.search(r"(\d+) bytes of SQL in", out.stdout).group(1))
        assert sql_bytes > 4_000_000
        assert "0 bytes of the dump relayed through the jump host" in out.stdout
        assert crossed < sql_bytes / 4, f"{crossed} bytes crossed the jump host's link for {sql_bytes} of SQL"
        assert "verified: all 1 tables are identical on db1 and db2" in out.stdout
        assert checksums(ssh_lab, "db1", ("bulk",)) == checksums(ssh_lab, "db2", ("bulk",))
        assert_nothing_left(before, out.stdout)
        for name in ("db1", "db2"):
            assert ssh_lab.remote_processes(name, TOOLS) == []
        assert settled(lambda: set(ssh_lab.remote_processes("db2")) - procs_before) == set()
    finally:
        ssh_lab.sql("db1", "DROP DATABASE IF EXISTS bulk")
        ssh_lab.wait_caught_up()
        ssh_lab.sql("db2", ["SET sql_log_bin=0", "DROP DATABASE IF EXISTS bulk"])
