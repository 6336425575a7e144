"""The wire scripts and their proof, run here with the local transport (the
same POSIX sh the database hosts run): compression round trips, each end's
count and SHA-256, a tool's failure kept as the script's exit status, and
a difference between the ends refused."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import shutil
import subprocess

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
    WireMeter,
    choose_wire,
    encode,
    read_report,
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


async def _through_the_scripts(codec: Codec, tool: list[str], sink: list[str], tamper: bytes = b""):
    t = LocalTransport()
    try:
        src_dir, rep_dir = await t.make_private_dir(), await t.make_private_dir()
        src = await t.spawn(["sh", "-c", SOURCE_SH, "sh", src_dir, codec.value, *tool])
        rep = await t.spawn(["sh", "-c", REPLICA_SH, "sh", rep_dir, codec.value, *sink], stdin=True)
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
        return rcs, out, jump, await read_report(t, src_dir), await read_report(t, rep_dir)
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

    async def compare():
        t = LocalTransport()
        try:
            d1, d2 = await t.make_private_dir(), await t.make_private_dir()
            for d, r in ((d1, sent), (d2, got)):
                await (await t.spawn(["sh", "-c", f'echo "{r.sha256} {r.bytes} 0 0" > {d}/report'])).wait()
            wire = dumpstream.Wire(Codec.NONE, True, "")
            await dumpstream._compare_ends(wire, (jump, jump), ("db1", t, d1), ("db2", t, d2))
        finally:
            await t.cleanup()

    with pytest.raises(StreamError, match=r"the bytes differ: the jump host sent \d+ .* db2 received \d+"):
        asyncio.run(compare())
