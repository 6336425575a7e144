"""Stream a dump from a source into a replica while the dump runs.

``mariadb-dump``/``mysqldump`` runs on the source's transport, the
``mariadb``/``mysql`` client on the replica's; Python relays stdout→stdin in
chunks with back-pressure (``await drain()``), so nothing is written to disk
and nothing is buffered whole in memory (a few chunks plus a 64 KiB head and
tail window). The binlog coordinates the wizard needs for ``CHANGE MASTER TO``
are read from the head of the stream (seeds 000/004: ``--master-data=2``).
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
The ``--via-file`` path (seed way: gzip file, sha256, copy, restore) is in
:mod:`replui.wizards.dumpfile`-style helpers at the end of this module.
"""

from __future__ import annotations

import asyncio
import collections
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from replui.config import NodeConfig
from replui.transport.base import Process, Transport, TransportError
from replui.transport.local import terminate_tree
from replui.wizards.optionfile import client_option_file, defaults_extra_file_arg

DUMP_TOOLS = ("mariadb-dump", "mysqldump")
CLIENT_TOOLS = ("mariadb", "mysql")
HEAD_LIMIT = 64 * 1024  # bytes scanned (and at most held back) at the head
TAIL_KEEP = 64 * 1024  # bytes kept from the end of the stream for deferred GTIDs
PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 Progress events per second
STDERR_TAIL = 20  # lines kept per tool for messages


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DumpCoordinates:
    """Where the replica starts: ``file``/``position`` (bytes) in the source's
    binlog and the ``gtid`` position/set (MariaDB ``gtid_slave_pos`` or MySQL
    ``GTID_PURGED``), each None when the dump did not carry it."""

    file: str | None = None
    position: int | None = None
    gtid: str | None = None

    @property
    def complete(self) -> bool:
        return self.file is not None and self.position is not None


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


# ----------------------------------------------------------------------------- coordinates
_CHANGE_RE = re.compile(
    rb"CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\s+(?:[^;]*?,\s*)?(?:MASTER|SOURCE)_LOG_FILE\s*=\s*'((?:[^'\\]|\\.)*)'"
    rb"\s*,\s*(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)\s*[,;]", re.I)
_MARIADB_GTID_RE = re.compile(rb"SET\s+GLOBAL\s+gtid_slave_pos\s*=\s*'([^']*)'\s*;", re.I)
_MYSQL_GTID_RE = re.compile(rb"SET\s+@@GLOBAL\.GTID_PURGED\s*=\s*(?:/\*!\d+\s*'\+'\s*\*/\s*)?'([^']*)'\s*;", re.I)


def parse_coordinates(text: bytes) -> DumpCoordinates:
    """The coordinates in a piece of dump text (head or tail). Only complete
    statements count (a value cut at the end of ``text`` is ignored); the
    ``--`` comment prefix is optional (``--master-data=1`` writes none).
    Newlines inside a MySQL GTID set are removed."""
    file = pos = gtid = None
    m = _CHANGE_RE.search(text)
    if m:
        file, pos = m.group(1).decode("utf-8", "replace"), int(m.group(2))
    g = _MARIADB_GTID_RE.search(text) or _MYSQL_GTID_RE.search(text)
    if g:
        gtid = "".join(g.group(1).decode("utf-8", "replace").split())
    return DumpCoordinates(file, pos, gtid)


class CoordinateScanner:
    """Feed the stream in chunks of any size; reads coordinates from the first
    :data:`HEAD_LIMIT` bytes and the last :data:`TAIL_KEEP` bytes (holding no
    more than that). ``head_done`` turns true once file and position are
    known or the head window is full; :meth:`result` merges head and tail."""

    def __init__(self, head_limit: int = HEAD_LIMIT, tail_keep: int = TAIL_KEEP):
        self.head_limit = head_limit
        self.tail_keep = tail_keep
        self._head = bytearray()
        self._tail = b""
        self.head = DumpCoordinates()

    @property
    def head_done(self) -> bool:
        return self.head.complete or len(self._head) >= self.head_limit

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < self.head_limit:
            self._head += chunk[: self.head_limit - len(self._head)]
            self.head = parse_coordinates(bytes(self._head))
        if len(chunk) >= self.tail_keep:
            self._tail = chunk[-self.tail_keep:]
        else:
            self._tail = (self._tail + chunk)[-self.tail_keep:]

    def result(self) -> DumpCoordinates:
        tail = parse_coordinates(self._tail)
        return DumpCoordinates(self.head.file or tail.file,
                               self.head.position if self.head.position is not None else tail.position,
                               tail.gtid or self.head.gtid)


# ----------------------------------------------------------------------------- commands
@dataclass(frozen=True)
class ToolInfo:
    """A client tool: ``path``, ``flavor`` ("mariadb"/"mysql") and ``version``
    as a tuple (e.g. (8, 0, 36)); from its ``--version`` line."""

    path: str
    flavor: str
    version: tuple[int, ...]


_VER_RE = re.compile(r"Distrib\s+(\d+)\.(\d+)\.(\d+)|Ver\s+(\d+)\.(\d+)\.(\d+)")


def parse_tool_version(path: str, line: str, default_flavor: str = "mariadb") -> ToolInfo:
    """``--version`` output → :class:`ToolInfo`. ``mysqldump  Ver 8.0.36 for Linux``
    (MySQL 8), ``mysqldump  Ver 10.13 Distrib 5.7.44`` (5.7),
    ``mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB``."""
    flavor = "mariadb" if "mariadb" in line.lower() else ("mysql" if line.strip() else default_flavor)
    m = _VER_RE.search(line)
    version: tuple[int, ...] = ()
    if m:
        nums = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        version = tuple(int(x) for x in nums)
    return ToolInfo(path, flavor, version)


def dump_argv(tool: ToolInfo, option_file: str, *, databases: list[str] | None = None, gtid: bool = False) -> list[str]:
    """The dump command (seeds 000/004, MySQL/MariaDB manuals): consistent
    snapshot with coordinates as a comment; routines, triggers, events;
    binary as hex; rows streamed (``--quick``). ``--source-data=2`` for MySQL
    8.0.26+ (``--master-data`` is deprecated there and gone in 8.4); MariaDB
    with ``gtid`` adds ``--gtid``. ``databases`` None means ``--all-databases``."""
    new_mysql = tool.flavor == "mysql" and tool.version >= (8, 0, 26)
    argv = [tool.path, defaults_extra_file_arg(option_file), "--single-transaction",
            "--source-data=2" if new_mysql else "--master-data=2"]
    if gtid and tool.flavor == "mariadb":
        argv.append("--gtid")
    argv += ["--routines", "--triggers", "--events", "--hex-blob", "--quick"]
    if databases:
        bad = [d for d in databases if not d or d.startswith("-") or "\x00" in d]
        if bad:
            raise ValueError(f"not a database name: {bad[0]!r}")
        argv += ["--databases", *databases]
    else:
        argv.append("--all-databases")
    return argv


def client_argv(tool: ToolInfo, option_file: str) -> list[str]:
    """The restore command: the client reading SQL from stdin."""
    return [tool.path, defaults_extra_file_arg(option_file), "--batch"]


async def _run_capture(transport: Transport, argv: list[str], timeout: float = 30.0) -> tuple[int, str]:
    proc = await transport.spawn(argv)
    try:
        out = await asyncio.wait_for(proc.stdout.read(), timeout)
        rc = await asyncio.wait_for(proc.wait(), timeout)
    finally:
        await terminate_tree(proc, 2)
    return rc, out.decode("utf-8", "replace")


async def find_tool(transport: Transport, names: tuple[str, ...], explicit: str | None = None,
                    default_flavor: str = "mariadb") -> ToolInfo:
    """The first of ``names`` that exists where ``transport`` runs commands
    (``explicit`` wins), with its ``--version``. Local: ``shutil.which``;
    elsewhere ``command -v`` in ``sh``. Raises :class:`TransportError` when none exists."""
    path = explicit
    if path is None and transport.name == "local":
        import shutil

        path = next((p for p in (shutil.which(n) for n in names) if p), None)
    elif path is None:
        script = 'for n in "$@"; do command -v "$n" && exit 0; done; exit 1'
        rc, out = await _run_capture(transport, ["sh", "-c", script, "sh", *names])
        path = out.strip().splitlines()[0] if rc == 0 and out.strip() else None
    if not path:
        raise TransportError(f"none of {', '.join(names)} is installed ({transport.name}); install the MariaDB or MySQL client")
    rc, out = await _run_capture(transport, [path, "--version"])
    return parse_tool_version(path, out.splitlines()[0] if out else "", default_flavor)


# ----------------------------------------------------------------------------- plumbing
async def _pump_lines(reader, tail: collections.deque, on_line: Callable[[str], None] | None) -> None:
    """Read ``reader`` to its end, splitting lines (long ones cut at 8 KiB)."""
    buf = b""
    while True:
        data = await reader.read(8192)
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b"\n")
        if len(buf) > 8192:
            lines.append(buf)
            buf = b""
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            tail.append(line)
            if on_line:
                on_line(line)
    if buf:
        line = buf.decode("utf-8", "replace")
        tail.append(line)
        if on_line:
            on_line(line)


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
                 require_coordinates: bool, before_eof: Callable[[], Awaitable[bool]]) -> None:
    """Move chunks from ``read`` into ``proc.stdin`` with back-pressure. The
    head is held back until its coordinates are known (or missing: raise
    _NoCoordinates). At end of input, ``before_eof()`` decides whether to close
    stdin (True: the input ended cleanly). Raises _RestoreGone on a broken pipe."""
    held = bytearray()
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
                chunk, held = bytes(held), None
            proc.stdin.write(chunk)
            await proc.stdin.drain()
            meter.add(len(chunk))
        if not await before_eof():
            return
        if held is not None:
            if require_coordinates and not scanner.head.complete:
                raise _NoCoordinates()
            proc.stdin.write(bytes(held))
            await proc.stdin.drain()
            meter.add(len(held))
        proc.stdin.close()
        meter.add(0, force=True)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise _RestoreGone() from exc


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
                      estimate_bytes: int | None = None) -> DumpResult:
    """Dump ``source`` and restore it into ``replica`` at the same time.

    ``databases`` None dumps ``--all-databases``. ``gtid`` adds MariaDB's
    ``--gtid``. ``flavor`` is assumed for a tool whose ``--version`` says
    nothing. ``dump_tool``/``client_tool`` override the search for
    ``mariadb-dump``/``mysqldump`` and ``mariadb``/``mysql``. ``on_line`` gets
    every stderr line of both tools; ``on_progress`` a :class:`Progress`
    (step ``"stream"``) at most ~10×/s; ``estimate_bytes`` (e.g. the sum of
    information_schema ``data_length`` in scope) feeds its total and ETA.
    Passwords go through 0600 option files (``--defaults-extra-file``),
    removed afterwards.

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
        dump = await source_transport.spawn(dargv)
        tasks.append(asyncio.ensure_future(_pump_lines(dump.stderr, dump_tail, on_line)))
        restore = await replica_transport.spawn(rargv, stdin=True)
        tasks.append(asyncio.ensure_future(_pump_lines(restore.stderr, restore_tail, on_line)))
        tasks.append(asyncio.ensure_future(restore.stdout.read()))  # the client prints nothing; keep the pipe drained

        async def dump_ok() -> bool:
            return await dump.wait() == 0

        relay = asyncio.ensure_future(_relay(lambda: dump.stdout.read(chunk_size), restore, scanner, meter, True, dump_ok))
        tasks.append(relay)
        failure = await _drive(relay, dump, restore, cancel)
        if failure is not None:
            await _finish([dump, restore], tasks)
            step, rc = failure
            dname, cname = dargv[0].rsplit("/", 1)[-1], rargv[0].rsplit("/", 1)[-1]
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


# ----------------------------------------------------------------------------- --via-file (the seeds' way)
@dataclass(frozen=True)
class FileDump:
    """A dump written by :func:`dump_to_file`: the gzip ``path`` on this
    machine, ``sha256`` (hex, of the compressed file; also written to
    ``path + ".sha256"`` in ``sha256sum`` format), coordinates, SQL ``bytes``,
    ``compressed_bytes``, wall ``seconds``, the dump's exit status, stderr tail
    and command."""

    path: str
    sha256: str
    coordinates: DumpCoordinates
    bytes: int
    compressed_bytes: int
    seconds: float
    dump_rc: int
    dump_stderr_tail: str = ""
    dump_argv: list[str] = field(default_factory=list)


class _HashingFile:
    """A binary file that hashes and counts what is written through it."""

    def __init__(self, fh):
        import hashlib

        self.fh, self.hash, self.count = fh, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.hash.update(data)
        self.count += len(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


async def _race(work: asyncio.Future, cancel: asyncio.Event | None):
    """Await ``work``; raise StreamCancelled (after cancelling it) if ``cancel`` is set first."""
    if cancel is None:
        return await work
    cancel_t = asyncio.ensure_future(cancel.wait())
    try:
        await asyncio.wait([work, cancel_t], return_when=asyncio.FIRST_COMPLETED)
    finally:
        cancel_t.cancel()
    if not work.done():
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        raise StreamCancelled("cancelled; the command was stopped")
    return work.result()


async def dump_to_file(source: NodeConfig, path: str, *, source_transport: Transport, databases: list[str] | None = None,
                       gtid: bool = False, flavor: str = "mariadb", dump_tool: str | None = None,
                       on_progress: Callable[[Progress], None] | None = None, on_line: Callable[[str], None] | None = None,
                       cancel: asyncio.Event | None = None, chunk_size: int = 256 * 1024,
                       estimate_bytes: int | None = None, compresslevel: int = 6) -> FileDump:
    """Dump ``source`` (same command as :func:`stream_dump`) into a gzip file at
    ``path`` on this machine, compressing in Python (gzip level
    ``compresslevel``, in a worker thread) and hashing as it writes. Written to
    ``path.partial`` and renamed on success; removed on failure.

    Raises StreamError("dump") on a failed dump or missing coordinates,
    StreamCancelled, TransportError."""
    import gzip
    import os

    started = time.monotonic()
    tool = await find_tool(source_transport, DUMP_TOOLS, dump_tool, flavor)
    opt = await source_transport.write_private_file(client_option_file(source, flavor=tool.flavor), ".cnf")
    argv = dump_argv(tool, opt, databases=databases, gtid=gtid)
    tail: collections.deque = collections.deque(maxlen=STDERR_TAIL)
    scanner, meter = CoordinateScanner(), _Meter("dump", estimate_bytes, on_progress)
    partial = path + ".partial"
    dump, tasks, ok = None, [], False
    fh = open(partial, "wb")
    try:
        hf = _HashingFile(fh)
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=hf, compresslevel=compresslevel, mtime=0)
        dump = await source_transport.spawn(argv)
        tasks.append(asyncio.ensure_future(_pump_lines(dump.stderr, tail, on_line)))

        async def consume() -> int:
            while chunk := await dump.stdout.read(chunk_size):
                scanner.feed(chunk)
                if scanner.head_done and not scanner.head.complete:
                    raise _NoCoordinates()
                await asyncio.to_thread(gz.write, chunk)
                meter.add(len(chunk))
            return await dump.wait()

        try:
            rc = await _race(asyncio.ensure_future(consume()), cancel)
        except _NoCoordinates:
            await _finish([dump], tasks)
            raise _no_coordinates_error(argv[0].rsplit("/", 1)[-1]) from None
        await _finish([dump], tasks)
        name = argv[0].rsplit("/", 1)[-1]
        if rc != 0:
            raise StreamError("dump", _describe(rc, tail, name), rc, _tail_text(tail))
        if not scanner.head.complete:
            raise _no_coordinates_error(name)
        await asyncio.to_thread(gz.close)
        fh.close()
        digest = hf.hash.hexdigest()
        os.replace(partial, path)
        with open(path + ".sha256", "w", encoding="utf-8") as sh:
            sh.write(f"{digest}  {os.path.basename(path)}\n")
        meter.add(0, force=True)
        ok = True
        return FileDump(path, digest, scanner.result(), meter.bytes, hf.count, time.monotonic() - started, rc,
                        _tail_text(tail), argv)
    finally:
        await asyncio.shield(_finish([dump], tasks))
        fh.close()
        if not ok:
            import contextlib

            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        await source_transport.remove(opt)


async def copy_file(src: str, dst: str, *, sha256: str | None = None, on_progress: Callable[[Progress], None] | None = None,
                    cancel: asyncio.Event | None = None, chunk_size: int = 1024 * 1024) -> str:
    """Copy ``src`` to ``dst`` on this machine (``dst.partial``, renamed when
    complete), hashing on the way; returns the sha256 (hex). With ``sha256``
    given, a different digest raises StreamError("copy") and removes the copy."""
    import hashlib
    import os

    meter, h = _Meter("copy", os.path.getsize(src), on_progress), hashlib.sha256()
    partial = dst + ".partial"
    ok = False
    try:
        with open(src, "rb") as fi, open(partial, "wb") as fo:
            while True:
                if cancel is not None and cancel.is_set():
                    raise StreamCancelled("cancelled; the copy was stopped")
                data = await asyncio.to_thread(fi.read, chunk_size)
                if not data:
                    break
                h.update(data)
                await asyncio.to_thread(fo.write, data)
                meter.add(len(data))
        if sha256 is not None and h.hexdigest() != sha256.lower():
            raise StreamError("copy", f"checksum mismatch after copying {src} to {dst}: expected {sha256}, got {h.hexdigest()}")
        os.replace(partial, dst)
        meter.add(0, force=True)
        ok = True
        return h.hexdigest()
    except OSError as exc:
        raise StreamError("copy", f"cannot copy {src} to {dst}: {exc.strerror or exc}") from None
    finally:
        if not ok and os.path.exists(partial):
            os.unlink(partial)


async def file_sha256(path: str, chunk_size: int = 1024 * 1024) -> str:
    """sha256 (hex) of a file, read in chunks in a worker thread."""
    import hashlib

    def run() -> str:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while data := fh.read(chunk_size):
                h.update(data)
        return h.hexdigest()

    return await asyncio.to_thread(run)


async def restore_from_file(replica: NodeConfig, path: str, *, replica_transport: Transport, sha256: str | None = None,
                            flavor: str = "mariadb", client_tool: str | None = None,
                            on_progress: Callable[[Progress], None] | None = None, on_line: Callable[[str], None] | None = None,
                            cancel: asyncio.Event | None = None, chunk_size: int = 256 * 1024,
                            estimate_bytes: int | None = None) -> DumpResult:
    """Verify ``path`` (gzip, on this machine) against ``sha256`` when given
    (StreamError("copy") on mismatch, before the replica is touched), then
    decompress it in Python and feed the client on ``replica_transport``.
    Returns :class:`DumpResult` (``dump_rc`` None; coordinates read from the
    file). Raises StreamError("restore"), StreamCancelled, TransportError."""
    import gzip

    started = time.monotonic()
    if sha256 is not None:
        got = await file_sha256(path)
        if got != sha256.lower():
            raise StreamError("copy", f"{path}: checksum mismatch (expected {sha256}, got {got}); the file is damaged — copy it again")
    tool = await find_tool(replica_transport, CLIENT_TOOLS, client_tool, flavor)
    opt = await replica_transport.write_private_file(client_option_file(replica, flavor=tool.flavor), ".cnf")
    tail: collections.deque = collections.deque(maxlen=STDERR_TAIL)
    scanner, meter = CoordinateScanner(), _Meter("restore", estimate_bytes, on_progress)
    restore, tasks = None, []
    gz = gzip.open(path, "rb")
    try:
        argv = client_argv(tool, opt)
        restore = await replica_transport.spawn(argv, stdin=True)
        tasks += [asyncio.ensure_future(_pump_lines(restore.stderr, tail, on_line)), asyncio.ensure_future(restore.stdout.read())]

        async def always() -> bool:
            return True

        relay = asyncio.ensure_future(_relay(lambda: asyncio.to_thread(gz.read, chunk_size), restore, scanner, meter, False, always))
        tasks.append(relay)
        try:
            failure = await _drive(relay, None, restore, cancel)
        except (OSError, EOFError, zlib.error) as exc:  # gzip: damaged or truncated file
            await _finish([restore], tasks)
            raise StreamError("restore", f"{path}: cannot read the compressed dump ({exc})") from None
        await _finish([restore], tasks)
        name = argv[0].rsplit("/", 1)[-1]
        if failure is not None:
            if failure[0] == "cancel":
                raise StreamCancelled("cancelled; the restore was stopped")
            msg = _describe(restore.returncode, tail, name) if failure[0] != "restore-early" else f"{name} exited before the end of the file"
            raise StreamError("restore", msg, restore.returncode, _tail_text(tail))
        return DumpResult(scanner.result(), meter.bytes, time.monotonic() - started, None, restore.returncode,
                          "", _tail_text(tail), [], argv)
    finally:
        await asyncio.shield(_finish([restore], tasks))
        gz.close()
        await replica_transport.remove(opt)
