"""No table data in the terminal or the transcript: what a tool writes to
stderr is relayed with every line cut at a cap and at most so many lines or
bytes per tool, then one line saying how much was cut; the stderr tail kept
for the error message is capped the same way. Stand-in tools (real
processes) write a whole 1 MB statement to stderr, as a failing restore can."""

from __future__ import annotations

from pathlib import Path

import pytest

from replui.config import NodeConfig
from replui.transport import LocalTransport
from replui.wizards import relay
from replui.wizards.dumpfile import restore_from_file
from replui.wizards.dumpstream import StreamError, stream_dump

HEAD = (
    b"-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n"
    b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=1234;\n\n"
)
NODE = NodeConfig(name="n", user="u", password="pw")
#: What one relayed line may hold: the cap plus the "… [N more bytes cut]" note.
LINE_LIMIT = relay.LINE_CAP + 40

DUMP = """#!/bin/sh
[ "$1" = --version ] && { echo "fake-dump  Ver 10.19 Distrib 10.11.19-MariaDB"; exit 0; }
cat HEAD_FILE
%s
"""
CLIENT = """#!/bin/sh
[ "$1" = --version ] && { echo "fake-client  Ver 15.1 Distrib 10.11.19-MariaDB"; exit 0; }
%s
"""
#: A restore that fails the way the real client does, echoing a whole multi-row INSERT (1 MB on one line).
ROWS = (
    "{ printf 'ERROR 1406 (22001) at line 42: Data too long: INSERT INTO t VALUES '; "
    "head -c 1000000 /dev/zero | tr '\\0' 'x'; printf '\\n'; }"
)


def tool(tmp_path: Path, name: str, template: str, body: str) -> str:
    p = tmp_path / name
    p.write_text(template.replace("HEAD_FILE", str(tmp_path / "head.sql")) % body)
    p.chmod(0o755)
    return str(p)


async def stream(tmp_path: Path, dump_body: str, client_body: str) -> tuple[list[str], StreamError | None]:
    (tmp_path / "head.sql").write_bytes(HEAD)
    lines: list[str] = []
    t = LocalTransport(tmp_root=str(tmp_path))
    try:
        await stream_dump(
            NODE,
            NODE,
            source_transport=t,
            replica_transport=t,
            on_line=lines.append,
            dump_tool=tool(tmp_path, "fake-dump", DUMP, dump_body),
            client_tool=tool(tmp_path, "fake-client", CLIENT, client_body),
        )
    except StreamError as exc:
        return lines, exc
    finally:
        await t.cleanup()
    return lines, None


async def test_a_megabyte_stderr_line_is_cut_and_the_error_message_stays_short(tmp_path):
    lines, err = await stream(tmp_path, "", f"cat > /dev/null; {ROWS} >&2; exit 1")
    assert err is not None and err.step == "restore" and err.returncode == 1
    assert lines and all(len(ln) <= LINE_LIMIT for ln in lines)
    assert sum(len(ln) for ln in lines) < 4096
    assert lines[0].startswith("ERROR 1406 (22001) at line 42: Data too long: INSERT INTO t VALUES xxx")
    assert "more bytes cut]" in lines[0]
    assert len(err.message) <= LINE_LIMIT + 100 and "ERROR 1406" in err.message
    assert len(err.stderr_tail) <= relay.STDERR_TAIL * (LINE_LIMIT + 1)


async def test_endless_stderr_is_relayed_up_to_the_cap_then_one_line_says_how_much_was_cut(tmp_path):
    spew = (
        "i=0; while [ $i -lt 5000 ]; do "
        "echo \"Warning (Code 1265): Data truncated for column 'v' at row $i\"; i=$((i+1)); done"
    )
    lines, err = await stream(tmp_path, f"{spew} >&2", "cat > /dev/null")
    assert err is None
    assert len(lines) <= relay.OUTPUT_CAP_LINES + 1
    assert sum(len(ln) + 1 for ln in lines) <= relay.OUTPUT_CAP_BYTES + LINE_LIMIT
    assert "further output of fake-dump was cut" in lines[-1]
    assert "lines" in lines[-1] and "bytes" in lines[-1]
    assert lines[0].startswith("Warning (Code 1265)")


async def test_the_tail_for_the_message_holds_the_last_lines_even_after_the_cap(tmp_path):
    body = (
        'i=0; while [ $i -lt 3000 ]; do echo "noise $i"; i=$((i+1)); done >&2; '
        "echo 'ERROR 2013: Lost connection' >&2; exit 2"
    )
    lines, err = await stream(tmp_path, body, "cat > /dev/null")
    assert err is not None and err.step == "dump" and "ERROR 2013: Lost connection" in err.message
    assert "noise 2999" in err.stderr_tail and "noise 100\n" not in err.stderr_tail
    assert not any("ERROR 2013" in ln for ln in lines[:-1])  # past the cap: only counted, never relayed


async def test_restore_from_a_file_caps_the_clients_stderr_too(tmp_path):
    import gzip

    path = tmp_path / "d.sql.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(HEAD + b"INSERT INTO t VALUES (1);\n")
    client = tool(tmp_path, "fake-client", CLIENT, f"cat > /dev/null; {ROWS} >&2; exit 1")
    lines: list[str] = []
    t = LocalTransport(tmp_root=str(tmp_path))
    try:
        with pytest.raises(StreamError) as exc:
            await restore_from_file(
                NODE, str(path), replica_transport=t, client_tool=client, on_line=lines.append
            )
    finally:
        await t.cleanup()
    assert lines and all(len(ln) <= LINE_LIMIT for ln in lines) and sum(map(len, lines)) < 4096
    assert len(exc.value.message) <= LINE_LIMIT + 100


async def test_pump_lines_cuts_without_holding_the_long_line_in_memory():
    import asyncio
    import collections

    reader = asyncio.StreamReader()
    reader.feed_data(b"short\n" + b"y" * 300_000 + b"\nlast line without newline")
    reader.feed_eof()
    tail: collections.deque = collections.deque(maxlen=relay.STDERR_TAIL)
    got: list[str] = []
    await relay.pump_lines(reader, tail, got.append, "tool")
    assert got[0] == "short" and got[2] == "last line without newline"
    assert got[1] == "y" * relay.LINE_CAP + f"… [{300_000 - relay.LINE_CAP} more bytes cut]"
    assert list(tail) == got
