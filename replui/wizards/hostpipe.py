"""A dump piped into the client on one host: ``transfer = "direct"``.

The replica's host runs ``mariadb-dump``/``mysqldump`` against the source's
replication address and pipes it into its own ``mariadb``/``mysql``, so the
dump's bytes never pass through the jump host. Only a few lines cross it,
on the command's stdout: the statements holding the binlog coordinates (the
host picks them out of the first and last 64 KiB itself, with ``awk``), the
dump's progress (``wchar`` of ``/proc/PID/io``, about every half second, where
the host has it) and a closing report (SQL bytes counted with ``wc -c``, both
exit statuses).

As on the relayed path (:mod:`replui.wizards.dumpstream`), no byte reaches the
replica before the coordinates are known: the host holds the dump's head in
its private directory, says which coordinates it holds, and waits for ``go``
on stdin; anything else (or the jump host stopping the command) ends it before
the client starts. Then the restore preamble (the identity guard and the
drops, a private file) goes first, then the dump. A dump that fails midway
stops the client with SIGTERM before it sees the end of its input; a client
that fails stops the dump.

The script is POSIX ``sh`` plus ``head -c``, ``tail -c``, ``tee``, ``wc``,
``awk`` and ``mkfifo``; each stage writes its exit status to a file.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import shlex
import time
from typing import Any, Callable

from replui.config import NodeConfig
from replui.model import BinlogCoordinates
from replui.transport.base import Process, Transport
from replui.wizards.coordinates import HEAD_LIMIT, TAIL_KEEP, parse_coordinates
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, client_argv, dump_argv, find_tool
from replui.wizards.optionfile import client_option_file
from replui.wizards.relay import (
    STDERR_TAIL,
    DumpResult,
    Meter,
    Progress,
    StreamCancelled,
    StreamError,
    describe_exit,
    finish,
    no_coordinates_error,
    pump_lines,
    tail_text,
    tool_name,
)

__all__ = ["HOST_SH", "stream_on_replica_host"]

#: The statements holding coordinates, from a head or tail file (at most 16 KiB of them).
_COORD_AWK = (
    "{ u = toupper($0) } "
    "u ~ /CHANGE (MASTER|REPLICATION SOURCE) TO|GTID_SLAVE_POS|GTID_PURGED/ { p = 1 } "
    'p { n += length($0); if (n > 16384) exit; print; if (index($0, ";")) p = 0 }'
)

#: ``sh -c HOST_SH sh DIR PREAMBLE CLIENT DUMP ARGS…`` on the replica's host:
#: DIR a private directory, PREAMBLE a file the client reads first, CLIENT the
#: client's command line (shell-quoted), then the dump's argv.
HOST_SH = (
    r"""d=$1; pre=$2; client=$3; shift 3
coords() { awk '"""
    + _COORD_AWK
    + r"""' "$1"; }
mkfifo "$d/out" "$d/n" "$d/t" || exit 125
{ "$@" & echo $! > "$d/dpid"; wait $!; echo $? > "$d/drc"; } > "$d/out" &
exec 3< "$d/out"
head -c """
    + str(HEAD_LIMIT)
    + r""" <&3 > "$d/head"
echo replui-head
coords "$d/head"
echo "replui-head-end $(cat "$d/drc" 2>/dev/null || echo -)"
read -r answer || answer=
[ "$answer" = go ] || exit 124
( while [ ! -e "$d/drc" ]; do
    w=$(sed -n 's/^wchar: *//p' "/proc/$(cat "$d/dpid" 2>/dev/null)/io" 2>/dev/null)
    [ -n "$w" ] && echo "replui-progress $w"
    sleep 0.5
  done ) 3<&- &
wc -c < "$d/n" > "$d/count" 3<&- &
tail -c """
    + str(TAIL_KEEP)
    + r""" < "$d/t" > "$d/tail" 3<&- &
{ cat "$pre" && { cat "$d/head" && cat <&3; } | tee "$d/n" "$d/t" && {
    r=$(cat "$d/drc" 2>/dev/null || echo 125)
    [ "$r" = 0 ] || { : > "$d/killed"; kill -TERM "$(cat "$d/cpid")" 2>/dev/null; }
  }
} | sh -c 'echo $$ > "$1/cpid"; eval "exec $2"' sh "$d" "$client" 3<&- &
job=$!
exec 3<&-
wait "$job" 2>/dev/null; crc=$?
[ "$crc" = 0 ] || [ -e "$d/drc" ] || kill -TERM "$(cat "$d/dpid")" 2>/dev/null
wait 2>/dev/null
k=0; [ -e "$d/killed" ] && k=1
echo replui-tail
coords "$d/tail"
n=$(tr -d ' ' < "$d/count" 2>/dev/null || echo 0)
echo "replui-end $n $(cat "$d/drc" 2>/dev/null || echo 125) $crc $k"
"""
)


def _int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


class _Lines:
    """The command's stdout as lines, counting every byte that crossed."""

    def __init__(self, proc: Process):
        self._proc = proc
        self.bytes = 0

    async def next(self) -> str | None:
        raw = await self._proc.stdout.readline()
        self.bytes += len(raw)
        return raw.decode("utf-8", "replace").rstrip("\n") if raw else None

    async def until(self, prefix: str) -> tuple[list[str], str | None]:
        lines: list[str] = []
        while (line := await self.next()) is not None:
            if line.startswith(prefix):
                return lines, line
            lines.append(line)
        return lines, None


def _parse(lines: list[str]) -> BinlogCoordinates:
    return parse_coordinates("\n".join(lines).encode("utf-8"))


async def stream_on_replica_host(
    source: NodeConfig,
    replica: NodeConfig,
    *,
    transport: Transport,
    databases: list[str] | None = None,
    gtid: bool = False,
    flavor: str = "mariadb",
    dump_tool: str | None = None,
    client_tool: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    cancel: asyncio.Event | None = None,
    estimate_bytes: int | None = None,
    restore_preamble: bytes = b"",
    where: str | None = None,
) -> DumpResult:
    """Dump ``source`` (a configuration naming the address the replica's host
    reaches it at) and restore it into ``replica``, both tools on
    ``transport`` (the replica's host), piped there.

    Options as :func:`replui.wizards.dumpstream.stream_dump`. Passwords go in
    0600 option files in the transport's private directory; the head and tail
    windows in a 0700 directory; all removed on return. ``wire_note`` says
    how many bytes crossed the jump host (the coordinates' lines and the
    progress, never the dump). Raises :class:`StreamError` ("dump" or
    "restore"; "dump" also for a dump without coordinates, before the client
    starts; ``where`` names the host in messages), :class:`StreamCancelled`, or TransportError when a tool is
    missing; no process is left on return."""
    started = time.monotonic()
    dtool, ctool = await asyncio.gather(
        find_tool(transport, DUMP_TOOLS, dump_tool, flavor),
        find_tool(transport, CLIENT_TOOLS, client_tool, flavor),
    )
    where = where or transport.name.removeprefix("ssh:")
    files: list[str] = []
    directory: str | None = None
    proc: Process | None = None
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    tasks: list[asyncio.Future[Any]] = []
    meter = Meter("stream", estimate_bytes, on_progress)
    try:
        made = await asyncio.gather(
            transport.write_private_file(client_option_file(source, flavor=dtool.flavor), ".cnf"),
            transport.write_private_file(client_option_file(replica, flavor=ctool.flavor), ".cnf"),
            transport.write_private_file(restore_preamble, ".sql"),
            transport.make_private_dir("replui-pipe-"),
            return_exceptions=True,
        )
        files += [m for m in made[:3] if isinstance(m, str)]
        directory = made[3] if isinstance(made[3], str) else None
        for failed in made:
            if isinstance(failed, BaseException):
                raise failed  # the finally below removes what was made
        src_opt, rep_opt, pre, pipe_dir = (str(m) for m in made)
        dargv = dump_argv(dtool, src_opt, databases=databases, gtid=gtid)
        rargv = client_argv(ctool, rep_opt)
        dname, cname = tool_name(dargv), tool_name(rargv)
        if on_line is not None:
            on_line(
                f"host → host: {dname} piped into {cname} on {where}; the dump does not cross the jump host"
            )
        proc = await transport.spawn(
            ["sh", "-c", HOST_SH, "sh", pipe_dir, pre, shlex.join(rargv), *dargv], stdin=True
        )
        tasks.append(asyncio.ensure_future(pump_lines(proc.stderr, tail, on_line, f"{dname} | {cname}")))
        lines = _Lines(proc)
        talk = asyncio.ensure_future(_converse(proc, lines, meter))
        tasks.append(talk)
        waits: list[asyncio.Future[Any]] = [talk]
        if cancel is not None:
            waits.append(asyncio.ensure_future(cancel.wait()))
            tasks.append(waits[-1])
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if not talk.done():
            raise StreamCancelled()
        head, end, tail_lines = talk.result()
        if end is not None:  # the report is out: the command is about to exit on its own
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), 10)
        await finish([proc], tasks)  # else it is stopped here (its dump with it)
        rc = proc.returncode
        if head is None:
            raise StreamError(
                "dump", f"the pipeline did not start on {where} (exit status {rc})", rc, tail_text(tail)
            )
        early_rc = _int(head[1])
        if not head[0].complete:
            if early_rc:
                raise StreamError("dump", describe_exit(early_rc, tail, dname), early_rc, tail_text(tail))
            raise no_coordinates_error(dname)
        if end is None:
            msg = f"the pipeline on {where} ended without its report (exit status {rc})"
            raise StreamError("restore", msg, rc, tail_text(tail))
        count, drc, crc, killed = end
        if killed or (drc not in (0, None) and crc in (0, None)):
            raise StreamError("dump", describe_exit(drc, tail, dname), drc, tail_text(tail))
        if crc != 0:
            raise StreamError("restore", describe_exit(crc, tail, cname), crc, tail_text(tail))
        meter.add(count - meter.bytes, force=True)
        coords = _parse(tail_lines)
        c = head[0]
        result = BinlogCoordinates(c.file, c.position, coords.gtid or c.gtid)
        note = (
            f"host → host on {where}: {count} bytes of SQL from {dname} into {cname}; 0 bytes of the dump "
            f"relayed through the jump host ({lines.bytes} bytes of coordinates, progress and report)"
        )
        return DumpResult(
            result,
            count,
            time.monotonic() - started,
            drc,
            crc,
            tail_text(tail),
            tail_text(tail),
            dargv,
            rargv,
            note,
        )
    finally:
        await asyncio.shield(finish([proc], tasks))
        await asyncio.gather(
            *(transport.remove(f) for f in files),
            *([transport.remove_tree(directory)] if directory else []),
            return_exceptions=True,
        )


_Head = tuple[BinlogCoordinates, str]
_End = tuple[int, int | None, int | None, bool]


async def _converse(
    proc: Process, lines: _Lines, meter: Meter
) -> tuple[_Head | None, _End | None, list[str]]:
    """Read the head's coordinates; say ``go`` when they are complete (else
    stop: the caller ends the command); relay progress; read the tail and the
    report. ``(head, end, tail lines)``; None where the command ended first."""
    first = await lines.next()
    if first != "replui-head":
        return None, None, []
    coord_lines, head_end = await lines.until("replui-head-end ")
    head = (_parse(coord_lines), (head_end or "replui-head-end -").split()[-1])
    if not head[0].complete:
        return head, None, []
    assert proc.stdin is not None
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    while (line := await lines.next()) is not None:
        if line.startswith("replui-progress "):
            wrote = _int(line.split()[-1])
            if wrote is not None and wrote > meter.bytes:
                meter.add(wrote - meter.bytes)
        elif line == "replui-tail":
            tail_lines, end = await lines.until("replui-end ")
            fields = (end or "").split()[1:]
            if len(fields) != 4:
                return head, None, tail_lines
            count = _int(fields[0]) or 0
            return head, (count, _int(fields[1]), _int(fields[2]), fields[3] == "1"), tail_lines
    return head, None, []
