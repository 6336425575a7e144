"""Stream a dump from a source into a replica while the dump runs.

``mariadb-dump``/``mysqldump`` runs on the source's transport, the
``mariadb``/``mysql`` client on the replica's; Python relays stdout→stdin in
chunks with back-pressure (``await drain()``), so nothing is written to disk
and nothing is buffered whole in memory (a few chunks plus a 64 KiB head and
tail window). The binlog coordinates the wizard needs for ``CHANGE MASTER TO``
are read from the head of the stream (``--master-data=2``, as the runbooks
'MySQL Replication Error' and 'Fail over MySQL and Rails' dump).
The first bytes reach the replica only once the coordinates are known: a dump
without them fails before the replica is touched.

Where the coordinates are (checked against mariadb-dump 10.11 and the MySQL
manuals' mysqldump pages):

- ``-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=1234;``
  at the head (MariaDB; MySQL 5.7/8.0 with ``--master-data=2``);
- ``-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;``
  (MySQL 8.0.26+ with ``--source-data=2``);
- MariaDB GTID: ``-- SET GLOBAL gtid_slave_pos='0-1-5';`` — at the head in
  old releases, *deferred to the end* of the dump since 10.x ("The deferred
  gtid setting … follows"), so the last 64 KiB are scanned too;
- MySQL GTID: ``SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'uuid:1-5';`` (8.0.17+;
  without the ``'+'`` on 5.7), at the head, possibly over several lines.

Failures raise :class:`StreamError` naming the side that failed; the other
process is terminated; cancel terminates both. No process is left behind.
The ``--via-file`` path (the runbooks' way: gzip file, sha256, copy, restore) is in
:mod:`replui.wizards.dumpfile`.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from replui.config import NodeConfig
from replui.transport.base import Process, Transport
from replui.transport.local import terminate_tree
from replui.wizards.coordinates import HEAD_LIMIT, CoordinateScanner, DumpCoordinates
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, client_argv, dump_argv, find_tool
from replui.wizards.optionfile import client_option_file

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 Progress events per second
STDERR_TAIL = 20  # lines kept per tool for messages
LINE_CAP = 512  # bytes of one stderr line relayed or kept; the rest is counted, never shown
OUTPUT_CAP_LINES = 200  # stderr lines relayed per tool ...
OUTPUT_CAP_BYTES = 64 * 1024  # ... or bytes, whichever comes first; then only counted


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Progress:
    """One progress report. ``step`` is ``"stream"``, ``"dump"``, ``"copy"`` or
    ``"restore"``; ``bytes`` relayed so far (uncompressed SQL text, or file
    bytes for ``"copy"``); ``seconds`` since the step began;
    ``rate_bytes_per_s``; ``total_bytes_estimate`` (from information_schema
    ``data_length``, so only a guess of the text size) and ``eta_seconds``
    are None when unknown."""

    step: str
    bytes: int
    seconds: float
    rate_bytes_per_s: float
    total_bytes_estimate: int | None = None
    eta_seconds: float | None = None


@dataclass(frozen=True)
class DumpResult:
    """The outcome of :func:`stream_dump` (or :func:`restore_from_file`):
    coordinates, SQL ``bytes`` relayed, wall ``seconds``, exit statuses (None:
    that side did not run), the last stderr lines of each tool, and the
    commands as run (no password in them)."""

    coordinates: DumpCoordinates
    bytes: int
    seconds: float
    dump_rc: int | None
    restore_rc: int | None
    dump_stderr_tail: str = ""
    restore_stderr_tail: str = ""
    dump_argv: list[str] = field(default_factory=list)
    restore_argv: list[str] = field(default_factory=list)


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


# ----------------------------------------------------------------------------- plumbing
async def _pump_lines(reader, tail: collections.deque, on_line: Callable[[str], None] | None,
                      name: str = "the tool") -> None:
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
                head += view[start:min(end, start + room)]
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


class _Meter:
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
            self.on_progress(Progress(self.step, self.bytes, secs, rate, self.estimate, eta))


class _NoCoordinates(Exception):
    pass


class _RestoreGone(Exception):
    pass


async def _relay(read: Callable[[], Awaitable[bytes]], proc: Process, scanner: CoordinateScanner, meter: _Meter,
                 require_coordinates: bool, before_eof: Callable[[], Awaitable[bool]],
                 preamble: bytes = b"") -> None:
    """Move chunks from ``read`` into ``proc.stdin`` with back-pressure. The
    head is held back until its coordinates are known (or missing: raise
    _NoCoordinates); ``preamble`` goes first, when the head is released (not
    counted by ``meter``). At end of input, ``before_eof()`` decides whether
    to close stdin (True: the input ended cleanly). Raises _RestoreGone on a
    broken pipe."""
    held = bytearray()

    async def release(head: bytes) -> None:
        proc.stdin.write(bytes(preamble) + head)
        await proc.stdin.drain()
        meter.add(len(head))

    try:
        while True:
            chunk = await read()
            if not chunk:
                break
            scanner.feed(chunk)
            if held is not None:
                held += chunk
                if not scanner.head_done:
                    continue
                if require_coordinates and not scanner.head.complete:
                    raise _NoCoordinates()
                head, held = bytes(held), None
                await release(head)
                continue
            proc.stdin.write(chunk)
            await proc.stdin.drain()
            meter.add(len(chunk))
        if not await before_eof():
            return
        if held is not None:
            if require_coordinates and not scanner.head.complete:
                raise _NoCoordinates()
            await release(bytes(held))
        proc.stdin.close()
        meter.add(0, force=True)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise _RestoreGone() from exc


def _tool_name(argv: list[str]) -> str:
    return argv[0].rsplit("/", 1)[-1]


def _tail_text(lines: collections.deque) -> str:
    return "\n".join(lines)


def _describe(rc: int | None, tail: collections.deque, tool: str) -> str:
    last = next((ln for ln in reversed(tail) if ln.strip()), "")
    how = f"was killed by signal {-rc}" if rc is not None and rc < 0 else f"exited with status {rc}"
    return f"{tool} {how}" + (f": {last.strip()}" if last else "")


async def _drive(relay: asyncio.Task, dump: Process | None, restore: Process,
                 cancel: asyncio.Event | None) -> tuple[str, int | None] | None:
    """Wait for the relay and both processes; return None on success or
    ``(step, returncode)`` for the first failure seen ("cancel", "dump",
    "nocoord", "restore", "restore-early")."""
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
                if isinstance(exc, _NoCoordinates):
                    return ("nocoord", None)
                if isinstance(exc, _RestoreGone):
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
            waiting = [t for t in (relay, restore_done, dump_done, cancel_t) if t is not None and not t.done()]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (restore_done, dump_done, cancel_t):
            if t is not None and not t.done():
                t.cancel()


async def _finish(procs: list[Process], tasks: list[asyncio.Task]) -> None:
    """Terminate what still runs, then let the stderr readers drain (≤ 2 s)."""
    await asyncio.gather(*(terminate_tree(p) for p in procs if p is not None), return_exceptions=True)
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
        close = getattr(p, "close", None)
        if close is not None:
            close()


def _no_coordinates_error(dump_name: str) -> StreamError:
    return StreamError("dump", f"the dump carries no binlog coordinates (no CHANGE MASTER TO/CHANGE REPLICATION SOURCE TO line in "
                               f"its first {HEAD_LIMIT // 1024} KiB): check that log_bin is ON on the source and that the "
                               f"dump user may read the binlog position ({dump_name} --master-data needs RELOAD and "
                               "BINLOG MONITOR/REPLICATION CLIENT); nothing was written to the replica")


async def stream_dump(source: NodeConfig, replica: NodeConfig, *, source_transport: Transport, replica_transport: Transport,
                      databases: list[str] | None = None, gtid: bool = False, flavor: str = "mariadb",
                      dump_tool: str | None = None, client_tool: str | None = None,
                      on_progress: Callable[[Progress], None] | None = None, on_line: Callable[[str], None] | None = None,
                      cancel: asyncio.Event | None = None, chunk_size: int = 256 * 1024,
                      estimate_bytes: int | None = None, restore_preamble: bytes = b"") -> DumpResult:
    """Dump ``source`` and restore it into ``replica`` at the same time.

    ``databases`` None dumps ``--all-databases``. ``gtid`` adds MariaDB's
    ``--gtid``. ``flavor`` is assumed for a tool whose ``--version`` says
    nothing. ``dump_tool``/``client_tool`` override the search for
    ``mariadb-dump``/``mysqldump`` and ``mariadb``/``mysql``. ``on_line`` gets
    every stderr line of both tools; ``on_progress`` a :class:`Progress`
    (step ``"stream"``) at most ~10×/s; ``estimate_bytes`` (e.g. the sum of
    information_schema ``data_length`` in scope) feeds its total and ETA.
    Passwords go through 0600 option files (``--defaults-extra-file``),
    removed afterwards. ``restore_preamble`` is written to the restore
    client's stdin before any byte of the dump, once the dump's coordinates
    are known (a dump without them still sends the client nothing): a
    statement there that fails stops the client before the dump reaches it.

    Returns :class:`DumpResult`. Raises :class:`StreamError` (``step`` "dump"
    or "restore") when a side fails or the dump has no coordinates,
    :class:`StreamCancelled` when ``cancel`` is set, :class:`TransportError`
    when a tool is missing; in every case both processes are gone on return.
    """
    started = time.monotonic()
    dtool = await find_tool(source_transport, DUMP_TOOLS, dump_tool, flavor)
    ctool = await find_tool(replica_transport, CLIENT_TOOLS, client_tool, flavor)
    src_opt = await source_transport.write_private_file(client_option_file(source, flavor=dtool.flavor), ".cnf")
    dump = restore = None
    rep_opt = None
    dump_tail: collections.deque = collections.deque(maxlen=STDERR_TAIL)
    restore_tail: collections.deque = collections.deque(maxlen=STDERR_TAIL)
    tasks: list[asyncio.Task] = []
    scanner = CoordinateScanner()
    meter = _Meter("stream", estimate_bytes, on_progress)
    try:
        rep_opt = await replica_transport.write_private_file(client_option_file(replica, flavor=ctool.flavor), ".cnf")
        dargv = dump_argv(dtool, src_opt, databases=databases, gtid=gtid)
        rargv = client_argv(ctool, rep_opt)
        dname, cname = _tool_name(dargv), _tool_name(rargv)
        dump = await source_transport.spawn(dargv)
        tasks.append(asyncio.ensure_future(_pump_lines(dump.stderr, dump_tail, on_line, dname)))
        restore = await replica_transport.spawn(rargv, stdin=True)
        tasks.append(asyncio.ensure_future(_pump_lines(restore.stderr, restore_tail, on_line, cname)))
        tasks.append(asyncio.ensure_future(restore.stdout.read()))  # the client prints nothing; keep the pipe drained

        async def dump_ok() -> bool:
            return await dump.wait() == 0

        relay = asyncio.ensure_future(_relay(lambda: dump.stdout.read(chunk_size), restore, scanner, meter,
                                             True, dump_ok, restore_preamble))
        tasks.append(relay)
        failure = await _drive(relay, dump, restore, cancel)
        if failure is not None:
            await _finish([dump, restore], tasks)
            step, rc = failure
            if step == "cancel":
                raise StreamCancelled()
            if step == "dump":
                raise StreamError("dump", _describe(rc, dump_tail, dname), rc, _tail_text(dump_tail))
            if step == "nocoord":
                raise _no_coordinates_error(dname)
            msg = _describe(restore.returncode, restore_tail, cname)
            if step == "restore-early":
                msg = f"{cname} exited before the end of the dump"
            raise StreamError("restore", msg, restore.returncode, _tail_text(restore_tail))
        await _finish([dump, restore], tasks)
        return DumpResult(scanner.result(), meter.bytes, time.monotonic() - started, dump.returncode, restore.returncode,
                          _tail_text(dump_tail), _tail_text(restore_tail), dargv, rargv)
    finally:
        await asyncio.shield(_finish([dump, restore], tasks))
        await source_transport.remove(src_opt)
        if rep_opt:
            await replica_transport.remove(rep_opt)

