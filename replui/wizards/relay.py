"""The dump relay: what the stream path (:mod:`replui.wizards.dumpstream`)
and the file path (:mod:`replui.wizards.dumpfile`) share.

- the outcome and errors: :class:`Progress`, :class:`DumpResult`,
  :class:`StreamError`, :class:`StreamCancelled`;
- the tools' stderr: :func:`pump_lines` relays it line by line, every line
  cut at :data:`LINE_CAP` bytes and at most :data:`OUTPUT_CAP_LINES` lines or
  :data:`OUTPUT_CAP_BYTES` per tool; the last :data:`STDERR_TAIL` lines are
  kept for messages (:func:`tail_text`, :func:`describe_exit`);
- the bytes: :func:`relay_chunks` moves chunks into a client's stdin with
  back-pressure, holding the head back until its binlog coordinates are known
  (:class:`NoCoordinates` otherwise), counted by a :class:`Meter`;
- the processes: :func:`drive` waits for the relay and the tools and names
  the first failure; :func:`finish` stops what still runs
  (``Process.terminate_tree``), drains the stderr readers and closes the pipes.

Everything here talks to :mod:`replui.transport.base` only, so the tools may
run on any transport.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from replui.model import BinlogCoordinates
from replui.transport.base import ByteReader, Process
from replui.wizards.coordinates import HEAD_LIMIT, CoordinateScanner
from replui.wizards.plan import Progress

__all__ = [
    "PROGRESS_INTERVAL",
    "STDERR_TAIL",
    "LINE_CAP",
    "OUTPUT_CAP_LINES",
    "OUTPUT_CAP_BYTES",
    "Progress",
    "DumpResult",
    "StreamError",
    "StreamCancelled",
    "NoCoordinates",
    "RestoreGone",
    "Meter",
    "pump_lines",
    "relay_chunks",
    "drive",
    "finish",
    "tool_name",
    "tail_text",
    "describe_exit",
    "no_coordinates_error",
]

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 Progress events per second
STDERR_TAIL = 20  # lines kept per tool for messages
LINE_CAP = 512  # bytes of one stderr line relayed or kept; the rest is counted, never shown
OUTPUT_CAP_LINES = 200  # stderr lines relayed per tool ...
OUTPUT_CAP_BYTES = 64 * 1024  # ... or bytes, whichever comes first; then only counted


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DumpResult:
    """The outcome of :func:`~replui.wizards.dumpstream.stream_dump` (or
    :func:`~replui.wizards.dumpfile.restore_from_file`): coordinates, SQL
    ``bytes`` relayed, wall ``seconds``, exit statuses (None: that side did
    not run), the last stderr lines of each tool, and the commands as run (no
    password in them)."""

    coordinates: BinlogCoordinates
    bytes: int
    seconds: float
    dump_rc: int | None
    restore_rc: int | None
    dump_stderr_tail: str = ""
    restore_stderr_tail: str = ""
    dump_argv: list[str] = field(default_factory=list)
    restore_argv: list[str] = field(default_factory=list)
    #: what crossed the network, when an end ran on another host: codec, bytes
    #: on the wire and the SHA-256 both ends and the jump host agreed on ("" locally)
    wire_note: str = ""


class StreamError(Exception):
    """A dump, copy or restore failed. ``step`` is ``"dump"``, ``"restore"``,
    ``"copy"`` (or ``"cancel"`` for :class:`StreamCancelled`); ``message`` one
    line for the user; ``returncode`` the tool's exit status (negative: killed
    by that signal; None: not applicable); ``stderr_tail`` its last lines."""

    def __init__(self, step: str, message: str, returncode: int | None = None, stderr_tail: str = ""):
        self.step = step
        self.message = message
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(f"{step}: {message}")


class StreamCancelled(StreamError):
    """The caller set the cancel event; both tools were terminated."""

    def __init__(self, message: str = "cancelled; the dump and the restore were stopped"):
        super().__init__("cancel", message)


class NoCoordinates(Exception):
    """The head of the dump ended without binlog coordinates (raised by
    :func:`relay_chunks`; :func:`no_coordinates_error` is the message)."""


class RestoreGone(Exception):
    """The client's stdin broke (it exited) while the relay wrote to it."""


# ----------------------------------------------------------------------------- plumbing
async def pump_lines(
    reader: ByteReader,
    tail: collections.deque[str],
    on_line: Callable[[str], None] | None,
    name: str = "the tool",
) -> None:
    """Read ``reader`` (a tool's stderr) to its end, splitting lines.

    A failing restore can echo a whole multi-row INSERT: no line is held or
    shown whole. Each line keeps its first LINE_CAP bytes, then
    ``… [N more bytes cut]``; ``tail`` gets every line so cut (the last
    STDERR_TAIL for messages); ``on_line`` gets the first OUTPUT_CAP_LINES
    lines or OUTPUT_CAP_BYTES characters, whichever comes first, and at the
    end (or when cancelled) one line saying how much of ``name``'s output was
    cut after that."""
    head = bytearray()  # the first LINE_CAP bytes of the current line
    extra = 0  # bytes of the current line past the cap
    relayed_lines = relayed_bytes = cut_lines = cut_bytes = 0

    def emit(raw: bytes, more: int) -> None:
        nonlocal relayed_lines, relayed_bytes, cut_lines, cut_bytes
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if more:
            line += f"… [{more} more bytes cut]"
        tail.append(line)
        if on_line is None:
            return
        size = len(line) + 1
        if not cut_lines and relayed_lines < OUTPUT_CAP_LINES and relayed_bytes + size <= OUTPUT_CAP_BYTES:
            relayed_lines += 1
            relayed_bytes += size
            on_line(line)
        else:
            cut_lines += 1
            cut_bytes += len(raw) + more + 1

    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            view, start = memoryview(data), 0
            while start < len(data):
                nl = data.find(b"\n", start)
                end = len(data) if nl < 0 else nl
                room = max(0, LINE_CAP - len(head))
                head += view[start : min(end, start + room)]
                extra += max(0, end - start - room)
                if nl < 0:
                    break
                emit(bytes(head), extra)
                head.clear()
                extra = 0
                start = nl + 1
        if head or extra:
            emit(bytes(head), extra)
    finally:
        if cut_lines and on_line is not None:
            on_line(f"[further output of {name} was cut: {cut_lines} more lines, {cut_bytes} bytes]")


class Meter:
    """Counts bytes and emits :class:`Progress` at most every PROGRESS_INTERVAL."""

    def __init__(self, step: str, estimate: int | None, on_progress: Callable[[Progress], None] | None):
        self.step, self.estimate, self.on_progress = step, estimate, on_progress
        self.start = time.monotonic()
        self.bytes = 0
        self._last = 0.0

    def add(self, n: int, force: bool = False) -> None:
        self.bytes += n
        now = time.monotonic()
        if self.on_progress and (force or now - self._last >= PROGRESS_INTERVAL):
            self._last = now
            secs = now - self.start
            rate = self.bytes / secs if secs > 0 else 0.0
            eta = None
            if self.estimate and rate > 0:
                eta = max(0.0, (self.estimate - self.bytes) / rate)
            self.on_progress(
                Progress(bytes=self.bytes, seconds=secs, total=self.estimate, rate=rate, eta=eta)
            )


async def relay_chunks(
    read: Callable[[], Awaitable[bytes]],
    proc: Process,
    scanner: CoordinateScanner,
    meter: Meter,
    require_coordinates: bool,
    before_eof: Callable[[], Awaitable[bool]],
    preamble: bytes = b"",
    decode: Callable[[bytes], bytes] | None = None,
) -> None:
    """Move chunks from ``read`` into ``proc.stdin`` with back-pressure. The
    head is held back until its coordinates are known (or missing: raise
    :class:`NoCoordinates`); ``preamble`` goes first, when the head is released (not
    counted by ``meter``). ``decode`` turns a chunk as read (compressed on the
    wire: :mod:`replui.wizards.wire`) into the SQL text the scanner reads and
    ``meter`` counts; the chunk itself is forwarded as read. At end of input,
    ``before_eof()`` decides whether to close stdin (True: the input ended
    cleanly). Raises :class:`RestoreGone` on a broken pipe."""
    stdin = proc.stdin
    assert stdin is not None, "relay_chunks needs a process spawned with stdin=True"
    held: bytearray | None = bytearray()
    held_sql = 0

    async def release(head: bytes) -> None:
        stdin.write(bytes(preamble) + head)
        await stdin.drain()
        meter.add(held_sql)

    try:
        while True:
            chunk = await read()
            if not chunk:
                break
            text = decode(chunk) if decode is not None else chunk
            scanner.feed(text)
            if held is not None:
                held += chunk
                held_sql += len(text)
                if not scanner.head_done:
                    continue
                if require_coordinates and not scanner.head.complete:
                    raise NoCoordinates()
                head, held = bytes(held), None
                await release(head)
                continue
            stdin.write(chunk)
            await stdin.drain()
            meter.add(len(text))
        if not await before_eof():
            return
        if held is not None:
            if require_coordinates and not scanner.head.complete:
                raise NoCoordinates()
            await release(bytes(held))
        stdin.close()
        meter.add(0, force=True)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise RestoreGone() from exc


def tool_name(argv: list[str]) -> str:
    """The tool's file name (``mariadb-dump``) from its command line."""
    return argv[0].rsplit("/", 1)[-1]


def tail_text(lines: collections.deque[str]) -> str:
    """The kept stderr lines as one text."""
    return "\n".join(lines)


def describe_exit(rc: int | None, tail: collections.deque[str], tool: str) -> str:
    """``"<tool> exited with status N: <last stderr line>"`` (or ``was killed by signal N``)."""
    last = next((ln for ln in reversed(tail) if ln.strip()), "")
    how = f"was killed by signal {-rc}" if rc is not None and rc < 0 else f"exited with status {rc}"
    return f"{tool} {how}" + (f": {last.strip()}" if last else "")


async def drive(
    relay: asyncio.Task[None], dump: Process | None, restore: Process, cancel: asyncio.Event | None
) -> tuple[str, int | None] | None:
    """Wait for the relay task and both processes (``dump`` None: no dump
    runs); return None on success or ``(step, returncode)`` for the first
    failure seen ("cancel", "dump", "nocoord", "restore", "restore-early")."""
    restore_done = asyncio.ensure_future(restore.wait())
    dump_done = asyncio.ensure_future(dump.wait()) if dump else None
    cancel_t = asyncio.ensure_future(cancel.wait()) if cancel else None
    try:
        while True:
            if cancel_t and cancel_t.done():
                return ("cancel", None)
            if dump_done and dump_done.done() and dump_done.result() != 0:
                return ("dump", dump_done.result())
            if relay.done():
                exc = relay.exception()
                if isinstance(exc, NoCoordinates):
                    return ("nocoord", None)
                if isinstance(exc, RestoreGone):
                    await asyncio.wait([restore_done], timeout=5)
                    return ("restore", restore.returncode)
                if exc is not None:
                    raise exc
            if restore_done.done():
                if restore_done.result() != 0:
                    return ("restore", restore_done.result())
                if not relay.done():
                    return ("restore-early", 0)
            if all(t.done() for t in (relay, restore_done, dump_done) if t is not None):
                return None
            waiting = [
                t for t in (relay, restore_done, dump_done, cancel_t) if t is not None and not t.done()
            ]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (restore_done, dump_done, cancel_t):
            if t is not None and not t.done():
                t.cancel()


async def finish(procs: Sequence[Process | None], tasks: Sequence[asyncio.Future[Any] | None]) -> None:
    """Terminate what still runs (each process's whole tree), then let the
    stderr readers drain (≤ 2 s), then close the processes' pipes. None
    entries (a process never started) are skipped."""
    await asyncio.gather(*(p.terminate_tree() for p in procs if p is not None), return_exceptions=True)
    pending = [t for t in tasks if t is not None and not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=2)
    for t in tasks:
        if t is not None and not t.done():
            t.cancel()
    for t in tasks:
        if t is not None and t.done() and not t.cancelled():
            t.exception()  # retrieved: no "exception never retrieved" noise
    for p in procs:
        if p is not None:
            p.close()


def no_coordinates_error(dump_name: str) -> StreamError:
    """The error for a dump whose head holds no binlog coordinates."""
    return StreamError(
        "dump",
        f"the dump carries no binlog coordinates (no CHANGE MASTER TO/CHANGE REPLICATION SOURCE TO line in "
        f"its first {HEAD_LIMIT // 1024} KiB): check that log_bin is ON on the source and that the "
        f"dump user may read the binlog position ({dump_name} --master-data needs RELOAD and "
        "BINLOG MONITOR/REPLICATION CLIENT); nothing was written to the replica",
    )
