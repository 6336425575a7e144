"""The host → host pipe (``transfer = "direct"``): the dump piped into the
client on the replica's host, only coordinates, progress and a report
crossing back. With stand-in tools on this machine (real processes and the
real script, no mocks); the SSH tier is tests/test_placement_ssh_lab.py."""

from __future__ import annotations

import asyncio

import pytest
from test_dumpstream import FAKE_CLIENT, FAKE_DUMP, MARIADB_HEAD, MARIADB_TAIL, NODE, leftovers, make_tool

from replui.model import BinlogCoordinates
from replui.transport import LocalTransport
from replui.wizards.hostpipe import stream_on_replica_host
from replui.wizards.relay import StreamCancelled, StreamError

GUARD = b"SET SESSION sql_mode = 'guard';\n"


async def pipe(tmp_path, dump_body: str, client_body: str, **kw):
    (tmp_path / "head.sql").write_bytes(MARIADB_HEAD)
    (tmp_path / "tail.sql").write_bytes(MARIADB_TAIL)
    body = dump_body.replace("HEAD", str(tmp_path / "head.sql")).replace("TAIL", str(tmp_path / "tail.sql"))
    dump = make_tool(tmp_path, "fake-dump", FAKE_DUMP, body)
    client = make_tool(
        tmp_path, "fake-client", FAKE_CLIENT, client_body.replace("OUT", str(tmp_path / "got"))
    )
    (tmp_path / "private").mkdir()
    t = LocalTransport(tmp_root=str(tmp_path / "private"))
    try:
        return await stream_on_replica_host(
            NODE,
            NODE,
            transport=t,
            dump_tool=dump,
            client_tool=client,
            restore_preamble=GUARD,
            where="db2's host",
            **kw,
        )
    finally:
        await t.cleanup()
        assert leftovers(str(tmp_path / "fake-")) == []
        assert not list((tmp_path / "private").glob("*/*")), "a private file or directory was left"


BIG = "cat HEAD; head -c 3000000 /dev/zero | tr '\\0' 'x'; cat TAIL"


async def test_the_client_gets_the_preamble_then_every_byte_and_only_the_report_comes_back(tmp_path):
    events, lines = [], []
    res = await pipe(
        tmp_path, BIG, "cat > OUT; echo clean > OUT.eof", on_progress=events.append, on_line=lines.append
    )
    dump = MARIADB_HEAD + b"x" * 3_000_000 + MARIADB_TAIL
    assert (tmp_path / "got").read_bytes() == GUARD + dump
    assert res.bytes == len(dump) and res.dump_rc == 0 and res.restore_rc == 0
    assert res.coordinates == BinlogCoordinates("mysql-bin.000002", 1234, "0-1-5,1-2-9")
    assert "0 bytes of the dump relayed through the jump host" in res.wire_note
    assert res.wire_note.startswith(f"host → host on db2's host: {len(dump)} bytes of SQL")
    crossed = int(res.wire_note.split("jump host (")[1].split()[0])
    assert crossed < 1000
    assert events and events[-1].bytes == len(dump)
    assert lines[0] == (
        "host → host: fake-dump piped into fake-client on db2's host; the dump does not cross the jump host"
    )


async def test_a_dump_without_coordinates_never_starts_the_client(tmp_path):
    with pytest.raises(StreamError) as exc:
        await pipe(tmp_path, "head -c 200000 /dev/zero | tr '\\0' 'y'", "cat > OUT")
    assert exc.value.step == "dump" and "no binlog coordinates" in exc.value.message
    assert not (tmp_path / "got").exists()


async def test_a_dump_refused_before_its_head_names_the_dump_and_its_error(tmp_path):
    with pytest.raises(StreamError) as exc:
        await pipe(tmp_path, "echo 'fake-dump: Got error: 1045: Access denied' >&2; exit 2", "cat > OUT")
    assert exc.value.step == "dump" and exc.value.returncode == 2
    assert "Access denied" in exc.value.message
    assert not (tmp_path / "got").exists()


async def test_a_dump_failing_midway_stops_the_client_before_it_sees_the_end_of_its_input(tmp_path):
    with pytest.raises(StreamError) as exc:
        await pipe(
            tmp_path,
            "cat HEAD; head -c 500000 /dev/zero | tr '\\0' 'x'; "
            "echo 'fake-dump: Lost connection' >&2; exit 3",
            "cat > OUT; echo clean > OUT.eof",
        )
    assert exc.value.step == "dump" and exc.value.returncode == 3
    assert "Lost connection" in exc.value.message
    assert not (tmp_path / "got.eof").exists()  # the client was stopped, not told the input ended


async def test_a_failing_client_names_the_restore_and_stops_the_dump(tmp_path):
    with pytest.raises(StreamError) as exc:
        await pipe(
            tmp_path,
            "cat HEAD; while :; do head -c 65536 /dev/zero; done",  # would never end on its own
            "head -c 10 > /dev/null; "
            "echo \"ERROR 1231 (42000): Variable 'sql_mode' can't be set\" >&2; exit 1",
        )
    assert exc.value.step == "restore" and exc.value.returncode == 1
    assert "ERROR 1231" in exc.value.stderr_tail


async def test_cancel_stops_both_tools(tmp_path):
    cancel = asyncio.Event()

    async def later():
        await asyncio.sleep(1.0)
        cancel.set()

    task = asyncio.ensure_future(later())
    with pytest.raises(StreamCancelled):
        await pipe(
            tmp_path,
            "cat HEAD; while :; do head -c 65536 /dev/zero; sleep 0.01; done",
            "cat > OUT",
            cancel=cancel,
        )
    await task
