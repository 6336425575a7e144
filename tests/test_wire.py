"""The wire scripts and their proof, run here with the local transport (the
same POSIX sh the database hosts run): compression round trips, each end's
count and SHA-256 printed by the script itself as its last line, a tool's
failure kept as the script's exit status, a difference between the ends
refused, and each script's private directory removed when it ends — also
when it is terminated or the other side of its pipes goes away."""

from __future__ import annotations

import asyncio
import collections
import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import time

import pytest
import zstandard

from replui.transport.local import LocalTransport
from replui.wizards import dumpstream
from replui.wizards.relay import StreamError
from replui.wizards.wire import (
    REPLICA_SH,
    SOURCE_SH,
    Codec,
    Decoder,
    EndReport,
    Trailer,
    WireMeter,
    choose_wire,
    encode,
)

SQL = (
    b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=1234;\n"
    + b"INSERT 1;\n" * 50_000
)


@pytest.mark.parametrize("codec", [Codec.NONE, Codec.GZIP, Codec.ZSTD])
def test_encode_then_decode_gives_the_bytes_back(codec):
    assert Decoder(codec)(encode(SQL, codec)) == SQL


def test_concatenated_members_decode_as_one_stream_on_the_replica():
    # the jump host's guard is one member, the source's dump another
    both = encode(b"SET x=1;\n", Codec.GZIP) + gzip.compress(b"INSERT 2;\n")
    assert gzip.decompress(both) == b"SET x=1;\nINSERT 2;\n"
    z = encode(b"SET x=1;\n", Codec.ZSTD) + zstandard.ZstdCompressor().compress(b"INSERT 2;\n")
    if shutil.which("zstd"):  # what the replica host runs
        out = subprocess.run(["zstd", "-q", "-d", "-c"], input=z, capture_output=True, check=True).stdout
        assert out == b"SET x=1;\nINSERT 2;\n"


def test_a_corrupt_stream_is_named_not_a_traceback():
    with pytest.raises(ValueError, match="zstd stream from the source is corrupt"):
        Decoder(Codec.ZSTD)(b"\x28\xb5\x2f\xfd" + b"\xff" * 64)


def test_two_local_ends_need_no_wire():
    a, b = LocalTransport(), LocalTransport()
    wire = asyncio.run(choose_wire(a, b, "node1", "node2"))
    assert wire.codec is Codec.NONE and not wire.checked


async def _stderr_report(proc, trailer: Trailer) -> tuple[EndReport | None, list[str]]:
    """Read ``proc``'s stderr to its end: its trailer, and the other lines as shown."""
    tail: collections.deque[str] = collections.deque(maxlen=20)
    shown: list[str] = []
    show = trailer.shown(shown.append)
    assert show is not None
    for line in (await proc.stderr.read()).decode().splitlines():
        tail.append(line)
        show(line)
    return trailer.take(tail), [*tail]


async def _through_the_scripts(codec: Codec, tool: list[str], sink: list[str], tamper: bytes = b""):
    t = LocalTransport()
    try:
        src_dir, rep_dir = await t.make_private_dir(), await t.make_private_dir()
        ts, tr = Trailer(), Trailer()
        src = await t.spawn(["sh", "-c", SOURCE_SH, "sh", src_dir, codec.value, ts.nonce, "-", *tool])
        rep = await t.spawn(
            ["sh", "-c", REPLICA_SH, "sh", rep_dir, codec.value, tr.nonce, "-", *sink], stdin=True
        )
        src_err = asyncio.ensure_future(_stderr_report(src, ts))
        rep_err = asyncio.ensure_future(_stderr_report(rep, tr))
        jump = WireMeter()
        assert rep.stdin is not None
        while chunk := await src.stdout.read(65536):
            jump(chunk)
            rep.stdin.write(chunk)
            await rep.stdin.drain()
        if tamper:
            rep.stdin.write(tamper)
        rep.stdin.close()
        out = await rep.stdout.read()
        rcs = (await src.wait(), await rep.wait())
        (sent, src_lines), (got, rep_lines) = await src_err, await rep_err
        assert not os.path.exists(src_dir) and not os.path.exists(rep_dir)  # each script removed its own
        assert not any(ts.nonce in ln for ln in src_lines) and not any(tr.nonce in ln for ln in rep_lines)
        return rcs, out, jump, sent, got
    finally:
        await t.cleanup()


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd is not installed")
@pytest.mark.parametrize("codec", [Codec.NONE, Codec.GZIP, Codec.ZSTD])
def test_both_ends_count_and_hash_the_same_wire_bytes(codec, tmp_path):
    data = tmp_path / "dump.sql"
    data.write_bytes(SQL)
    (rc_src, rc_rep), out, jump, sent, got = asyncio.run(
        _through_the_scripts(codec, ["cat", str(data)], ["sha256sum"])
    )
    assert (rc_src, rc_rep) == (0, 0)
    assert out.split()[0].decode() == hashlib.sha256(SQL).hexdigest()  # the tool got the plain SQL
    assert sent is not None and got is not None
    assert sent.sha256 == jump.sha256 == got.sha256 and sent.bytes == jump.bytes == got.bytes
    assert (sent.rc, sent.codec_rc, got.rc, got.codec_rc) == (0, 0, 0, 0)
    assert sent.removed and got.removed
    if codec is not Codec.NONE:
        assert sent.bytes < len(SQL) / 10


def test_the_source_script_exits_with_the_dump_tools_status():
    (rc_src, _), _, _, sent, _ = asyncio.run(
        _through_the_scripts(Codec.GZIP, ["sh", "-c", "echo partial; exit 2"], ["cat"])
    )
    assert rc_src == 2 and sent is not None and sent.rc == 2


def test_bytes_that_differ_between_the_ends_stop_the_step():
    _, _, jump, sent, got = asyncio.run(
        _through_the_scripts(Codec.NONE, ["printf", "SELECT 1;\\n"], ["cat"], tamper=b"DROP TABLE t;\n")
    )
    assert sent is not None and got is not None and got.bytes == sent.bytes + 14
    wire = dumpstream.Wire(Codec.NONE, True, "")
    with pytest.raises(StreamError, match=r"the bytes differ: the jump host sent \d+ .* db2 received \d+"):
        dumpstream._compare_ends(wire, (jump, jump), ("db1", sent), ("db2", got))


def test_a_trailer_is_taken_only_with_its_own_nonce_and_what_a_tool_printed_before_it_stays():
    trailer, other = Trailer(), Trailer()
    sha = "ab" * 32
    tail = collections.deque([f"ERROR 1064 near 'replui-end-{other.nonce} {sha} 5 0 0 removed'"])
    assert trailer.take(tail) is None and len(tail) == 1  # a line from the data cannot pass for it
    tail = collections.deque(
        ["warning: no newline", f"partialreplui-end-{trailer.nonce} {sha} 12 0 0 removed"]
    )
    shown: list[str] = []
    show = trailer.shown(shown.append)
    assert show is not None
    for line in tail:
        show(line)
    assert trailer.take(tail) == EndReport(sha, 12, 0, 0, True)
    assert list(tail) == ["warning: no newline", "partial"] and shown == ["warning: no newline", "partial"]


def test_a_script_refuses_a_directory_that_is_not_a_private_one(tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "data").write_text("x")
    out = subprocess.run(
        ["sh", "-c", SOURCE_SH, "sh", str(keep), "none", "n0nce", "-", "true"], capture_output=True, text=True
    )
    assert out.returncode == 126 and "not a private directory" in out.stderr
    assert (keep / "data").exists()


def _wait_gone(path: str, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not os.path.exists(path)


@pytest.mark.parametrize("script", ["source", "replica"])
def test_a_terminated_script_removes_its_directory_with_the_option_file(script, tmp_path):
    d = tmp_path / "replui-test"
    d.mkdir(mode=0o700)
    (d / "mariadb.cnf").write_text('[client]\npassword="s3cret"\n')
    sh = SOURCE_SH if script == "source" else REPLICA_SH
    proc = subprocess.Popen(
        ["sh", "-c", sh, "sh", str(d), "gzip", "n0nce", "watch", "sleep", "300"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not (d / "h").exists() and time.monotonic() < deadline:  # the FIFOs are made
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGTERM)  # as terminate_tree does: the whole group
        assert proc.wait(10) == 143
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _wait_gone(str(d))


@pytest.mark.parametrize("tool", ["writing", "idle"])
@pytest.mark.parametrize("script", ["source", "replica"])
def test_a_script_whose_connection_drops_ends_and_removes_its_directory(script, tool, tmp_path):
    """The SSH server serving a script dies: its stdin ends and its stdout and
    stderr lead nowhere. Here the pipes' other ends are closed the same way —
    while the tool writes, and while it waits (a dump waiting for a lock)."""
    d = tmp_path / "replui-test"
    d.mkdir(mode=0o700)
    (d / "mariadb.cnf").write_text('[client]\npassword="s3cret"\n')
    busy = (
        ["sh", "-c", "while :; do head -c 65536 /dev/urandom; done"]
        if tool == "writing"
        else ["sleep", "300"]
    )
    if script == "source":
        argv = ["sh", "-c", SOURCE_SH, "sh", str(d), "gzip", "n0nce", "watch", *busy]
    else:  # the client reads what arrives; "writing": it also writes while it reads
        sink = ["sh", "-c", "cat; " + " ".join(busy[2:])] if tool == "writing" else ["sh", "-c", "sleep 300"]
        argv = ["sh", "-c", REPLICA_SH, "sh", str(d), "gzip", "n0nce", "watch", *sink]
    r_in, w_in = os.pipe()
    r_out, w_out = os.pipe()
    proc = subprocess.Popen(argv, stdin=r_in, stdout=w_out, stderr=w_out, start_new_session=True)
    os.close(r_in)
    os.close(w_out)
    try:
        deadline = time.monotonic() + 10
        while not (d / "h").exists() and time.monotonic() < deadline:  # the FIFOs are made
            time.sleep(0.02)
        time.sleep(0.2)
        t0 = time.monotonic()
        os.close(w_in)  # the connection is gone
        os.close(r_out)
        proc.wait(10)
        assert _wait_gone(str(d))
        assert not _group_alive(proc.pid)
        assert time.monotonic() - t0 < 5
    finally:
        if proc.poll() is None or _group_alive(proc.pid, 0):
            os.killpg(proc.pid, signal.SIGKILL)


def _group_alive(pgid: int, timeout: float = 5.0) -> bool:
    """Whether process group ``pgid`` still has a process after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.02)
