"""LocalTransport: commands run, stream and stop without leaving a process;
private files are 0600 in a 0700 directory, private directories are 0700,
and all of them go away with cleanup()."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from replui.transport import LocalTransport, Process, Transport, TransportError
from replui.transport.local import terminate_tree


def processes_in_group(pgid: int) -> list[int]:
    """Live (non-zombie) pids whose process group is ``pgid``, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


@pytest.fixture
async def transport():
    t = LocalTransport()
    yield t
    await t.cleanup()


def test_local_transport_satisfies_the_protocol():
    assert isinstance(LocalTransport(), Transport)
    assert LocalTransport.name == "local"


async def test_spawn_streams_stdout_and_returns_the_exit_status(transport):
    proc = await transport.spawn(["sh", "-c", "printf 'a\\nb\\n'; echo err >&2; exit 3"])
    assert await proc.stdout.readline() == b"a\n"
    assert await proc.stdout.read() == b"b\n"
    assert await proc.stderr.read() == b"err\n"
    assert await proc.wait() == 3
    assert proc.argv[0] == "sh"


async def test_stdin_is_relayed_with_back_pressure(transport):
    proc = await transport.spawn(["wc", "-c"], stdin=True)
    block = b"x" * 65536
    for _ in range(64):  # 4 MiB through a pipe: drain() must wait for the reader
        proc.stdin.write(block)
        await proc.stdin.drain()
    proc.stdin.close()
    assert int(await proc.stdout.read()) == 64 * 65536
    assert await proc.wait() == 0


async def test_env_adds_to_the_environment_and_cwd_applies(transport, tmp_path):
    proc = await transport.spawn(
        ["sh", "-c", 'echo "$REPLUI_T $PATH_SET"; pwd'],
        env={"REPLUI_T": "yes", "PATH_SET": "1"},
        cwd=str(tmp_path),
    )
    out = (await proc.stdout.read()).decode().split("\n")
    assert out[0] == "yes 1" and out[1] == str(tmp_path)
    await proc.wait()


async def test_missing_command_is_a_clear_transport_error(transport):
    with pytest.raises(TransportError, match="command not found"):
        await transport.spawn(["replui-no-such-command-xyz"])


async def test_terminate_tree_leaves_no_process_of_a_pipeline(transport):
    proc = await transport.spawn(["sh", "-c", "sleep 60 | sleep 60 & sleep 60 & wait"])
    for _ in range(100):
        if len(processes_in_group(proc.pid)) >= 4:
            break
        await asyncio.sleep(0.02)
    assert len(processes_in_group(proc.pid)) >= 4
    rc = await proc.terminate_tree(timeout=5)
    assert rc is not None and rc < 0
    assert processes_in_group(proc.pid) == []


async def test_terminate_tree_kills_what_ignores_sigterm(transport):
    proc = await transport.spawn(["sh", "-c", "trap '' TERM; sleep 60 & wait"])
    await asyncio.sleep(0.2)
    rc = await proc.terminate_tree(timeout=0.5)
    assert rc == -9
    assert processes_in_group(proc.pid) == []


async def test_task_cancel_then_terminate_leaves_nothing(transport):
    proc = await transport.spawn(["sleep", "60"])
    reader = asyncio.ensure_future(proc.stdout.read())
    await asyncio.sleep(0.05)
    reader.cancel()
    await proc.terminate_tree()
    assert processes_in_group(proc.pid) == []


async def test_cleanup_stops_running_commands():
    t = LocalTransport()
    proc = await t.spawn(["sh", "-c", "sleep 60 & wait"])
    await asyncio.sleep(0.1)
    await t.cleanup()
    assert processes_in_group(proc.pid) == []
    assert proc.returncode is not None


async def test_private_files_are_0600_in_a_0700_dir_and_removed_by_cleanup(tmp_path):
    t = LocalTransport(tmp_root=str(tmp_path))
    p1 = await t.write_private_file(b'[client]\npassword="s3cret"\n', ".cnf")
    p2 = await t.write_private_file(b"two")
    d = os.path.dirname(p1)
    assert os.path.dirname(p2) == d == t.private_dir
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(p1).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(p2).st_mode) == 0o600
    assert p1.endswith(".cnf") and Path(p1).read_bytes().startswith(b"[client]")
    await t.remove(p2)
    assert not os.path.exists(p2)
    await t.remove(p2)  # already gone: no error
    await t.cleanup()
    assert not os.path.exists(d)
    await t.cleanup()  # idempotent


async def test_spawned_processes_satisfy_the_protocol_and_close_after_exit(transport):
    proc = await transport.spawn(["sh", "-c", "echo unread; sleep 60"])
    assert isinstance(proc, Process)
    proc.close()  # still running: nothing happens
    assert proc.returncode is None
    rc = await proc.terminate_tree(timeout=5)
    assert rc is not None and rc < 0
    proc.close()
    proc.close()  # idempotent
    assert await proc.terminate_tree() == rc  # already gone: safe


async def test_the_module_function_and_the_method_are_the_same_stop(transport):
    proc = await transport.spawn(["sh", "-c", "sleep 60 & wait"])
    await asyncio.sleep(0.1)
    assert await terminate_tree(proc, timeout=5) == await proc.terminate_tree()
    assert processes_in_group(proc.pid) == []


async def test_private_dirs_are_0700_removed_by_remove_tree_or_cleanup(tmp_path):
    t = LocalTransport(tmp_root=str(tmp_path))
    d1 = await t.make_private_dir("replui-dump-")
    d2 = await t.make_private_dir()
    assert d1 != d2 and os.path.dirname(d1) == os.path.dirname(d2) == str(tmp_path)
    assert os.path.basename(d1).startswith("replui-dump-")
    assert stat.S_IMODE(os.stat(d1).st_mode) == 0o700 and stat.S_IMODE(os.stat(d2).st_mode) == 0o700
    (Path(d1) / "sub").mkdir()
    (Path(d1) / "sub" / "f.sql.gz.partial").write_bytes(b"x")
    await t.remove_tree(d1)
    assert not os.path.exists(d1)
    await t.remove_tree(d1)  # already gone: no error
    (Path(d2) / "f").write_bytes(b"y")
    await t.write_private_file(b"secret")
    await t.cleanup()
    assert list(tmp_path.iterdir()) == []
    await t.cleanup()  # idempotent


async def test_remove_tree_refuses_a_directory_the_transport_did_not_make(tmp_path):
    t = LocalTransport(tmp_root=str(tmp_path))
    other = tmp_path / "not-mine"
    other.mkdir()
    (other / "keep").write_bytes(b"k")
    try:
        with pytest.raises(TransportError, match="not a directory this transport made"):
            await t.remove_tree(str(other))
        assert (other / "keep").exists()
        await t.remove_tree(str(tmp_path / "never-existed"))  # gone: no error
    finally:
        await t.cleanup()
    assert (other / "keep").exists()


async def test_cleanup_stops_commands_before_removing_their_directory(tmp_path):
    t = LocalTransport(tmp_root=str(tmp_path))
    d = await t.make_private_dir("replui-dump-")
    proc = await t.spawn(["sh", "-c", f"while :; do echo x >> {d}/out; sleep 0.01; done"])
    await asyncio.sleep(0.1)
    await t.cleanup()
    assert proc.returncode is not None and processes_in_group(proc.pid) == []
    await asyncio.sleep(0.1)
    assert not os.path.exists(d)


async def test_cleanup_removes_the_directories_even_when_cancelled(tmp_path):
    t = LocalTransport(tmp_root=str(tmp_path))
    d = await t.make_private_dir()
    proc = await t.spawn(["sh", "-c", "trap '' TERM; sleep 60 & wait"])
    await asyncio.sleep(0.1)
    task = asyncio.ensure_future(t.cleanup())
    await asyncio.sleep(0.2)  # SIGTERM ignored: cleanup still waits for the tree
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not os.path.exists(d)
    await proc.terminate_tree(timeout=0.5)
    assert processes_in_group(proc.pid) == []
