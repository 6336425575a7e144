"""The SSH transport against a real OpenSSH sshd (the SSH lab's database host
db1, reached through its jump host): commands, their output and exit
statuses, process groups, private files. No mocks."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest

from replui.config import load_config
from replui.transport import transport_for
from replui.transport.base import TransportError
from replui.transport.ssh import SshTransport
from replui.transport.sshhub import close_hub

pytestmark = pytest.mark.lab


@pytest.fixture
def db1(ssh_lab, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    close_hub()
    config = load_config(ssh_lab.write_config(tmp_path / "ssh.toml"))
    transport = transport_for(config.node("db1"))
    assert isinstance(transport, SshTransport)
    yield transport
    asyncio.run(transport.cleanup())
    close_hub()


def test_waiting_for_a_command_leaves_its_unread_output_to_the_reader(db1):
    async def go():
        proc = await db1.spawn(["sh", "-c", "head -c 5000000 /dev/zero; exit 3"])
        waiter = asyncio.ensure_future(proc.wait())  # the relay's "did the dump end well?" runs alongside
        got = 0
        while chunk := await proc.stdout.read(256 * 1024):
            got += len(chunk)
        return got, await waiter

    assert asyncio.run(go()) == (5_000_000, 3)


def test_bytes_written_to_a_remote_stdin_arrive_whole_and_in_order(db1):
    data = os.urandom(3 * 1024 * 1024)

    async def go():
        proc = await db1.spawn(["sha256sum"], stdin=True)
        assert proc.stdin is not None
        for i in range(0, len(data), 100_000):
            proc.stdin.write(data[i : i + 100_000])
            await proc.stdin.drain()
        proc.stdin.close()
        out = await proc.stdout.read()
        return out.split()[0].decode(), await proc.wait()

    import hashlib

    assert asyncio.run(go()) == (hashlib.sha256(data).hexdigest(), 0)


def test_a_missing_command_is_refused_at_spawn_naming_the_host(db1):
    with pytest.raises(TransportError, match=r"no-such-tool: command not found on .*10\.231\.1\.2"):
        asyncio.run(db1.spawn(["no-such-tool", "--version"]))


def test_terminate_tree_stops_the_whole_remote_pipeline(db1, ssh_lab):
    async def go():
        proc = await db1.spawn(["sh", "-c", "sleep 301 | sleep 302"])
        await asyncio.sleep(0.3)
        assert len(ssh_lab.remote_processes("db1", r"^sleep 30[12]")) == 2
        rc = await proc.terminate_tree(2.0)
        return rc

    assert asyncio.run(go()) is not None
    assert ssh_lab.remote_processes("db1", r"^sleep 30[12]") == []


def test_private_files_are_0600_in_a_0700_directory_and_cleanup_removes_them(db1):
    async def go():
        path = await db1.write_private_file(b'[client]\npassword="s3cret"\n', ".cnf")
        return path

    path = asyncio.run(go())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # the hosts share this machine's file system
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert open(path, "rb").read() == b'[client]\npassword="s3cret"\n'
    asyncio.run(db1.cleanup())
    assert not os.path.exists(os.path.dirname(path))


def test_cleanup_kills_what_still_runs_and_removes_its_directories(db1, ssh_lab):
    async def go():
        d = await db1.make_private_dir()
        await db1.spawn(["sleep", "303"])
        await db1.cleanup()
        return d

    d = asyncio.run(go())
    assert not os.path.exists(d)
    assert ssh_lab.remote_processes("db1", r"^sleep 303") == []


@pytest.mark.parametrize("patched", [True, False], ids=["replui", "asyncssh-as-shipped"])
def test_a_slow_reader_keeps_the_channel_buffer_under_a_window(db1, patched, monkeypatch):
    """The flow-control fix (replui.transport.asyncssh_window): without it, the
    bytes asyncssh buffers for a reader slower than the sender grow by about a
    window per pause; with it they stay under one window (2 MiB)."""
    from asyncssh.channel import SSHChannel

    from replui.transport import asyncssh_window

    if not patched:
        monkeypatch.setattr(SSHChannel, "_deliver_data", asyncssh_window._ORIGINAL)

    async def go():
        proc = await db1.spawn(["head", "-c", str(48 * 1024 * 1024), "/dev/zero"])
        channel = proc._proc.channel
        most = 0
        while await proc.stdout.read(256 * 1024):
            most = max(most, sum(len(d) for d, _ in channel._recv_buf))
            await asyncio.sleep(0.004)  # a replica slower than the source
        await proc.wait()
        return most

    most = asyncio.run(go())
    window = 2 * 1024 * 1024
    if patched:
        assert most <= window
    else:
        assert most > 2 * window  # the fault the fix is for, still there in asyncssh


def test_a_private_directory_that_cannot_be_removed_is_reported_not_forgotten(db1, ssh_lab, monkeypatch):
    """A host that stops answering before cleanup keeps the option file: the
    operator must be told where (the old cleanup swallowed the failure)."""
    import signal

    from replui.transport import ssh as ssh_module

    monkeypatch.setattr(ssh_module, "CLEANUP_TIMEOUT", 3.0)
    path = asyncio.run(db1.write_private_file(b"[client]\npassword=x\n", ".cnf"))
    stopped = [int(row.split()[0]) for row in ssh_lab.remote_processes("db1", r"sshd")]
    try:
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        with pytest.raises(TransportError, match=r"could not remove .*remove them by hand"):
            asyncio.run(db1.cleanup())
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    assert os.path.exists(path)
    os.unlink(path)
    os.rmdir(os.path.dirname(path))
