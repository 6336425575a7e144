"""``--via-file``: the runbooks' way ('MySQL Replication Error', Chameleon Cloud;
'Fail over MySQL and Rails') — dump to a gzip file with a sha256 checksum,
copy it ``scp -3``-style, restore it — for when a stream is not wanted.

Every part runs on the host that holds the file, through that node's
transport (this machine's ``sh`` for a node without SSH; the scripts are in
:mod:`replui.wizards.filesh`):

- :func:`dump_to_file` on the source's host: the dump piped into ``gzip`` into
  ``FILE.partial``, renamed when whole; its SHA-256 and byte counts taken
  there. The dump's first 64 KiB come back to this machine as soon as they
  are written and its last 64 KiB at the end: the binlog coordinates are read
  from them, and a dump whose head has none is stopped at once (nothing else
  of the dump crosses the network).
- :func:`copy_file` from the source's host through this machine to the
  replica's host (``cat`` out of one transport, into ``FILE.partial`` on the
  other): the SHA-256 is taken on the source's host as the file is read, on
  this machine as the bytes pass, and on the replica's host as they arrive;
  the copy is renamed only when all three equal the dump's. Nothing is
  written to this machine's disk. A full disk on the replica's host stops the
  copy at once and names the host and the cause.
- :func:`verify_file` on the replica's host: ``sha256sum`` again, before the
  replica is touched.
- :func:`restore_from_file` on the replica's host: the restore preamble (the
  identity guard), then ``gzip -dc FILE``, into the client.

Failures raise :class:`StreamError` naming the step ("dump", "copy",
"restore"), the node's host and the cause; every process a function started
is gone when it returns.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from replui.config import NodeConfig
from replui.model import BinlogCoordinates
from replui.transport.base import Process, Transport, run_to_end
from replui.wizards.coordinates import HEAD_LIMIT, CoordinateScanner
from replui.wizards.diskspace import host_label
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, client_argv, dump_argv, find_tool
from replui.wizards.filesh import (
    DUMP_SH,
    RECEIVE_SH,
    RESTORE_SH,
    SEND_SH,
    SHA_SH,
    DumpReport,
    Frames,
    ProtocolError,
    parse_sha,
    write_error,
)
from replui.wizards.optionfile import client_option_file
from replui.wizards.relay import (
    STDERR_TAIL,
    DumpResult,
    Meter,
    NoCoordinates,
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

__all__ = [
    "FileDump",
    "FileCopy",
    "DumpResult",
    "Progress",
    "StreamCancelled",
    "StreamError",
    "dump_to_file",
    "copy_file",
    "verify_file",
    "restore_from_file",
]

T = TypeVar("T")


@dataclass(frozen=True)
class FileDump:
    """A dump written by :func:`dump_to_file`: the gzip ``path`` on the source's
    host (``host``: where, for messages), ``sha256`` (hex, of the compressed
    file, taken there; also written to ``path + ".sha256"`` in ``sha256sum``
    format), coordinates, SQL ``bytes``, ``compressed_bytes``, wall
    ``seconds``, the dump's exit status, stderr tail and command."""

    path: str
    sha256: str
    coordinates: BinlogCoordinates
    bytes: int
    compressed_bytes: int
    seconds: float
    dump_rc: int
    dump_stderr_tail: str = ""
    dump_argv: list[str] = field(default_factory=list)
    host: str = ""


@dataclass(frozen=True)
class FileCopy:
    """A copy made by :func:`copy_file`: ``path`` on the replica's host,
    ``bytes`` copied, wall ``seconds``, and the SHA-256 (hex) taken on the
    source's host as it was read (``source_sha256``), on this machine as it
    passed (``relay_sha256``) and on the replica's host as it arrived
    (``replica_sha256``) — equal, or the copy raised."""

    path: str
    bytes: int
    seconds: float
    source_sha256: str
    relay_sha256: str
    replica_sha256: str

    @property
    def sha256(self) -> str:
        return self.replica_sha256


async def _race(work: asyncio.Future[T], cancel: asyncio.Event | None, what: str) -> T:
    """Await ``work``; raise StreamCancelled (after cancelling it) if ``cancel`` is set first."""
    if cancel is None:
        return await work
    cancel_t = asyncio.ensure_future(cancel.wait())
    racing: list[asyncio.Future[Any]] = [work, cancel_t]
    try:
        await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
    finally:
        cancel_t.cancel()
    if not work.done():
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        raise StreamCancelled(f"cancelled; {what} was stopped")
    return work.result()


def _where(node: str, transport: Transport) -> str:
    return f"{node}'s host ({host_label(transport)})"


async def _read_all(reader: Any) -> bytes:
    out = bytearray()
    while chunk := await reader.read(65536):
        out += chunk
    return bytes(out)


async def _discard(reader: Any) -> None:
    while await reader.read(65536):
        pass


def _drained(proc: Process | None) -> list[asyncio.Future[Any]]:
    """A task reading what is left of ``proc``'s stdout, discarding it: a
    remote command's channel closes (and its exit status arrives) only once
    its output has been read, so a command stopped mid-stream is drained while
    :func:`finish` stops it. Only once nothing else reads that stdout."""
    return [] if proc is None else [asyncio.ensure_future(_discard(proc.stdout))]


async def _settle(proc: Process, timeout: float = 10.0) -> int | None:
    """``proc``'s exit status, or None when it is not known within ``timeout`` seconds."""
    try:
        return await asyncio.wait_for(proc.wait(), timeout)
    except asyncio.TimeoutError:
        return None


# ----------------------------------------------------------------------------- dump
@dataclass
class _DumpRead:
    """What :data:`DUMP_SH` printed: the report (None: it never got there),
    whether FILE is whole (``done``), the dump's last bytes."""

    report: DumpReport | None = None
    done: bool = False
    tail: bytes = b""


async def _read_dump(frames: Frames, scanner: CoordinateScanner, meter: Meter) -> _DumpRead:
    """Read :data:`DUMP_SH`'s stdout to its end, feeding the scanner and the
    meter. Raises NoCoordinates as soon as a full head holds none."""
    got = _DumpRead()
    head_bytes = 0
    while (line := await frames.line()) is not None:
        kind, _, rest = line.partition(" ")
        if kind == "H":
            head = await frames.exactly(int(rest) if rest.isdigit() else 0)
            head_bytes = len(head)
            scanner.feed(head)
            meter.add(head_bytes)
            if scanner.head_done and not scanner.head.complete:
                raise NoCoordinates()
        elif kind in ("P", "S") and rest.isdigit():
            meter.add(head_bytes + int(rest) - meter.bytes)
        elif kind == "R":
            got.report = DumpReport.parse(rest.split())
        elif kind == "T":
            got.tail = await frames.exactly(int(rest) if rest.isdigit() else 0)
        elif kind == "D":
            got.done = rest == "0"
        else:
            raise ProtocolError(f"an unexpected line {line[:40]!r}")
    return got


async def dump_to_file(
    source: NodeConfig,
    path: str,
    *,
    source_transport: Transport,
    databases: list[str] | None = None,
    gtid: bool = False,
    flavor: str = "mariadb",
    dump_tool: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    cancel: asyncio.Event | None = None,
    estimate_bytes: int | None = None,
    compresslevel: int = 6,
) -> FileDump:
    """Dump ``source`` (the command of :func:`~replui.wizards.dumpstream.stream_dump`)
    into a gzip file at ``path`` on the source's host — where
    ``source_transport`` runs commands; its directory must exist (a private
    one from ``make_private_dir``) — compressed there with ``gzip
    -compresslevel``. Written to ``path.partial``, renamed when the dump, gzip
    and the write all succeeded, with ``path.sha256`` beside it; removed
    otherwise. Progress (SQL bytes, against ``estimate_bytes``) and the dump's
    stderr lines as the stream path gives them.

    Raises StreamError("dump") on a failed dump, gzip or write (a full disk
    names the host), or when the dump's head has no binlog coordinates (the
    dump is stopped as soon as its first 64 KiB are read); StreamCancelled;
    TransportError when the tool is missing."""
    started = time.monotonic()
    where = _where(source.name, source_transport)
    tool = await find_tool(source_transport, DUMP_TOOLS, dump_tool, flavor)
    opt = await source_transport.write_private_file(client_option_file(source, flavor=tool.flavor), ".cnf")
    argv = dump_argv(tool, opt, databases=databases, gtid=gtid)
    name = tool_name(argv)
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    scanner, meter = CoordinateScanner(), Meter("dump", estimate_bytes, on_progress)
    script = ["sh", "-c", DUMP_SH, "sh", path, str(int(compresslevel)), str(HEAD_LIMIT), *argv]
    proc: Process | None = None
    tasks: list[asyncio.Future[Any]] = []
    try:
        proc = await source_transport.spawn(script)
        tasks.append(asyncio.ensure_future(pump_lines(proc.stderr, tail, on_line, name)))
        reading = asyncio.ensure_future(_read_dump(Frames(proc.stdout), scanner, meter))
        try:
            got = await _race(reading, cancel, "the dump")
        except NoCoordinates:
            await finish([proc], tasks + _drained(proc))
            raise no_coordinates_error(name) from None
        except ProtocolError as exc:
            await finish([proc], tasks + _drained(proc))
            raise StreamError(
                "dump", f"the dump script on {where} printed {exc}", None, tail_text(tail)
            ) from None
        script_rc = await _settle(proc)
        await finish([proc], tasks)
        rep = got.report
        if rep is None:
            raise StreamError(
                "dump",
                f"the dump into {path} on {where} stopped before its end: "
                + describe_exit(script_rc, tail, "the dump script"),
                script_rc,
                tail_text(tail),
            )
        if rep.frc != 0:
            raise StreamError("dump", f"cannot write {path} on {where}: {write_error(list(tail))}", rep.frc)
        if rep.rc != 0:
            raise StreamError("dump", describe_exit(rep.rc, tail, name), rep.rc, tail_text(tail))
        if rep.zrc != 0:
            raise StreamError(
                "dump", f"gzip failed on {where} (status {rep.zrc}): the file is incomplete", rep.zrc
            )
        if got.tail:
            scanner.feed(got.tail)
        if not scanner.head.complete:
            raise no_coordinates_error(name)
        if not got.done or not rep.sha256 or rep.compressed is None or rep.sql is None:
            raise StreamError(
                "dump",
                f"{path} on {where} was not completed: {write_error(list(tail))}",
                None,
                tail_text(tail),
            )
        meter.add(rep.sql - meter.bytes, force=True)
        return FileDump(
            path,
            rep.sha256,
            scanner.result(),
            rep.sql,
            rep.compressed,
            time.monotonic() - started,
            0,
            tail_text(tail),
            argv,
            host_label(source_transport),
        )
    finally:
        await asyncio.shield(finish([proc], tasks + _drained(proc)))
        await source_transport.remove(opt)


# ----------------------------------------------------------------------------- copy
@dataclass
class _Received:
    """What :data:`RECEIVE_SH` printed: SHA-256, byte count and the writer's status."""

    sha256: str = ""
    count: int | None = None
    write_rc: int | None = None

    @classmethod
    def parse(cls, text: bytes) -> _Received:
        got = cls()
        for line in text.decode("utf-8", "replace").splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "N" and rest.strip().isdigit():
                got.count = int(rest)
            elif kind == "F" and rest.strip().isdigit():
                got.write_rc = int(rest)
            elif (sha := parse_sha(line)) is not None:
                got.sha256 = sha
        return got


async def copy_file(
    src: str,
    dst: str,
    *,
    sha256: str | None = None,
    source_transport: Transport | None = None,
    replica_transport: Transport | None = None,
    source_name: str = "the source",
    replica_name: str = "the replica",
    size: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    cancel: asyncio.Event | None = None,
    chunk_size: int = 1024 * 1024,
) -> str:
    """Copy ``src`` on the source's host to ``dst`` on the replica's host
    (``dst.partial``, renamed when whole) and return its SHA-256 (hex); see
    :func:`copy_across`. Without transports both paths are on this machine and
    the copy is a plain one in Python, hashed as it reads and again after it
    wrote. With ``sha256`` given, a copy whose digest differs raises
    StreamError("copy") and is removed."""
    if source_transport is not None and replica_transport is not None:
        done = await copy_across(
            src,
            dst,
            sha256=sha256,
            source_transport=source_transport,
            replica_transport=replica_transport,
            source_name=source_name,
            replica_name=replica_name,
            size=size,
            on_progress=on_progress,
            on_line=on_line,
            cancel=cancel,
            chunk_size=chunk_size,
        )
        return done.sha256
    return await _copy_here(src, dst, sha256=sha256, on_progress=on_progress, cancel=cancel)


async def copy_across(
    src: str,
    dst: str,
    *,
    sha256: str | None,
    source_transport: Transport,
    replica_transport: Transport,
    source_name: str,
    replica_name: str,
    size: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    cancel: asyncio.Event | None = None,
    chunk_size: int = 1024 * 1024,
) -> FileCopy:
    """``cat`` ``src`` out of the source's host (:data:`SEND_SH`), through this
    machine (in chunks of ``chunk_size`` bytes, back-pressured, nothing on
    disk), into ``dst.partial`` on the replica's host (:data:`RECEIVE_SH`).
    The SHA-256 is taken on all three; ``dst.partial`` is renamed to ``dst``
    only when they agree with each other and with ``sha256`` (the dump's,
    when given). Progress counts the bytes against ``size``; ``on_line`` gets
    the receiving end's stderr lines.

    Raises StreamError("copy") naming the host and the cause: the source file
    unreadable, the replica's disk full (or any write error: the receiving
    end stops at once and the sender is stopped), a checksum mismatch (the
    partial copy is removed); StreamCancelled; TransportError."""
    started = time.monotonic()
    src_where, dst_where = _where(source_name, source_transport), _where(replica_name, replica_transport)
    send_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    recv_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    meter, relayed = Meter("copy", size, on_progress), hashlib.sha256()
    sender = receiver = None
    tasks: list[asyncio.Future[Any]] = []
    moving: asyncio.Future[None] | None = None
    spawned = await asyncio.gather(
        source_transport.spawn(["sh", "-c", SEND_SH, "sh", src, src + ".send"]),
        replica_transport.spawn(["sh", "-c", RECEIVE_SH, "sh", dst, dst + ".receive"], stdin=True),
        return_exceptions=True,
    )
    sender = spawned[0] if not isinstance(spawned[0], BaseException) else None
    receiver = spawned[1] if not isinstance(spawned[1], BaseException) else None
    try:
        for failed in spawned:
            if isinstance(failed, BaseException):
                raise failed  # the finally stops the one that did start
        assert sender is not None and receiver is not None and receiver.stdin is not None
        stdin, source_out = receiver.stdin, sender.stdout
        pumps = [
            asyncio.ensure_future(pump_lines(sender.stderr, send_tail, None, "the sender")),
            asyncio.ensure_future(pump_lines(receiver.stderr, recv_tail, on_line, "the receiver")),
        ]
        report = asyncio.ensure_future(_read_all(receiver.stdout))
        tasks += [*pumps, report]

        async def relay() -> None:
            while chunk := await source_out.read(chunk_size):
                relayed.update(chunk)
                stdin.write(chunk)
                await stdin.drain()
                meter.add(len(chunk))
            stdin.close()

        moving = asyncio.ensure_future(relay())
        tasks.append(moving)
        failure = await _watch_copy(moving, sender, receiver, cancel)
        if failure is not None:  # stop relaying; what the sender still sends is read and dropped
            moving.cancel()
            await asyncio.gather(moving, return_exceptions=True)
            tasks += _drained(sender)
        if failure == "cancel":
            raise StreamCancelled("cancelled; the copy was stopped")
        if failure in ("receiver", "sender"):
            await (sender if failure == "receiver" else receiver).terminate_tree(2)
        send_rc, recv_rc = await asyncio.gather(_settle(sender), _settle(receiver))
        await asyncio.wait([report, *pumps], timeout=5)
        got = _Received.parse(report.result() if report.done() and not report.exception() else b"")
        if got.write_rc not in (0, None) or (failure == "receiver" and got.write_rc is None):
            raise StreamError(
                "copy",
                f"cannot write {dst} on {dst_where}: {write_error(list(recv_tail))}",
                got.write_rc,
            )
        if failure == "sender" or send_rc != 0:
            raise StreamError(
                "copy",
                f"cannot read {src} on {src_where}: " + describe_exit(send_rc, send_tail, "the sender"),
                send_rc,
                tail_text(send_tail),
            )
        if recv_rc != 0 or got.write_rc is None:
            raise StreamError(
                "copy",
                f"the copy into {dst} on {dst_where} stopped: "
                + describe_exit(recv_rc, recv_tail, "the receiving end"),
                recv_rc,
                tail_text(recv_tail),
            )
        at_source = next((s for ln in reversed(send_tail) if (s := parse_sha(ln))), "")
        digests = {
            f"the dump on {src_where}": (sha256 or "").lower(),
            f"{src_where} read": at_source,
            "this machine relayed": relayed.hexdigest(),
            f"{dst_where} received": got.sha256,
        }
        if not sha256:
            del digests[f"the dump on {src_where}"]
        if len(set(digests.values())) != 1 or got.count != meter.bytes:
            await _quiet(replica_transport, ["rm", "-f", "--", dst + ".partial"])
            listed = "; ".join(f"{who} {d[:16] or 'nothing'}…" for who, d in digests.items())
            raise StreamError(
                "copy",
                f"checksum mismatch copying {src} to {dst} ({meter.bytes} bytes sent, "
                f"{got.count} received): {listed}; the copy was removed",
            )
        rc, _out, err = await run_to_end(replica_transport, ["mv", "-f", "--", dst + ".partial", dst])
        if rc != 0:
            why = err.decode("utf-8", "replace").strip()[:200]
            raise StreamError("copy", f"cannot rename {dst}.partial on {dst_where}: {why}", rc)
        meter.add(0, force=True)
        return FileCopy(
            dst, meter.bytes, time.monotonic() - started, at_source, relayed.hexdigest(), got.sha256
        )
    finally:
        if moving is None or not moving.done():  # never started, or stopped by an error here
            if moving is not None:
                moving.cancel()
                await asyncio.gather(moving, return_exceptions=True)
            tasks += _drained(sender)
        await asyncio.shield(finish([sender, receiver], tasks))


async def _watch_copy(
    moving: asyncio.Future[None], sender: Process, receiver: Process, cancel: asyncio.Event | None
) -> str | None:
    """Wait until the relay is done; None, or the first failure: "cancel",
    "receiver" (it ended or stopped reading before the end: a write error),
    "sender" (it failed)."""
    recv_done = asyncio.ensure_future(receiver.wait())
    send_done = asyncio.ensure_future(sender.wait())
    cancel_t = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    try:
        while True:
            if cancel_t is not None and cancel_t.done():
                return "cancel"
            if moving.done():
                exc = moving.exception()
                if isinstance(exc, (BrokenPipeError, ConnectionResetError)):
                    return "receiver"
                if exc is not None:
                    raise exc
                return None
            if recv_done.done():
                return "receiver"
            if send_done.done() and send_done.result() != 0:
                return "sender"
            waiting = [t for t in (moving, recv_done, send_done, cancel_t) if t is not None and not t.done()]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in (recv_done, send_done, cancel_t):
            if t is not None and not t.done():
                t.cancel()


async def _quiet(transport: Transport, argv: list[str]) -> None:
    """Run a cleanup command; its failure is not the error to report."""
    try:
        await run_to_end(transport, argv)
    except Exception:  # noqa: BLE001 - the directory goes with the transport's cleanup() anyway
        pass


async def _copy_here(
    src: str,
    dst: str,
    *,
    sha256: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: asyncio.Event | None = None,
    chunk_size: int = 1024 * 1024,
) -> str:
    """Both files on this machine: copy in Python (``dst.partial``), hashing as
    it reads, hash what was written, rename when both equal ``sha256``."""
    import os

    meter, h = Meter("copy", os.path.getsize(src), on_progress), hashlib.sha256()
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
        written = await asyncio.to_thread(_sha256_of, partial, chunk_size)
        want = (sha256 or h.hexdigest()).lower()
        if h.hexdigest() != want or written != want:
            raise StreamError(
                "copy",
                f"checksum mismatch after copying {src} to {dst}: expected {want}, read {h.hexdigest()}, "
                f"wrote {written}",
            )
        os.replace(partial, dst)
        meter.add(0, force=True)
        ok = True
        return written
    except OSError as exc:
        raise StreamError(
            "copy", f"cannot copy {src} to {dst} on this machine: {exc.strerror or exc}"
        ) from None
    finally:
        if not ok and os.path.exists(partial):
            os.unlink(partial)


def _sha256_of(path: str, chunk_size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while data := fh.read(chunk_size):
            h.update(data)
    return h.hexdigest()


# ----------------------------------------------------------------------------- verify
async def verify_file(
    transport: Transport,
    path: str,
    sha256: str,
    node: str = "the replica",
    *,
    cancel: asyncio.Event | None = None,
) -> str:
    """``sha256sum`` of ``path`` on ``node``'s host (where ``transport`` runs
    commands); returns it (hex) when it equals ``sha256``. Raises
    StreamError("copy") naming the host on a mismatch or an unreadable file,
    StreamCancelled. Nothing is written."""
    where = _where(node, transport)
    proc = await transport.spawn(["sh", "-c", SHA_SH, "sh", path])
    tasks: list[asyncio.Future[Any]] = []
    try:
        both = asyncio.ensure_future(asyncio.gather(_read_all(proc.stdout), _read_all(proc.stderr)))
        tasks.append(both)
        out, err = await _race(both, cancel, "the checksum")
        rc = await _settle(proc)
    finally:
        await asyncio.shield(finish([proc], tasks + _drained(proc)))
    got = parse_sha(out.decode("utf-8", "replace"))
    if rc != 0 or got is None:
        why = " ".join(err.decode("utf-8", "replace").split())[:200] or f"sha256sum exited with status {rc}"
        raise StreamError("copy", f"cannot read {path} on {where}: {why}", rc)
    if got != sha256.lower():
        raise StreamError(
            "copy",
            f"{path} on {where}: checksum mismatch (expected {sha256}, got {got}); "
            "the file is damaged — copy it again",
        )
    return got


# ----------------------------------------------------------------------------- restore
@dataclass
class _Restored:
    """What :data:`RESTORE_SH` printed: SQL bytes of the file and gzip's status."""

    sql: int | None = None
    gzip_rc: int | None = None


async def _read_restore(frames: Frames, meter: Meter) -> _Restored:
    got = _Restored()
    while (line := await frames.line()) is not None:
        kind, _, rest = line.partition(" ")
        if not rest.isdigit():
            continue
        if kind == "P":
            meter.add(int(rest) - meter.bytes)
        elif kind == "S":
            got.sql = int(rest)
            meter.add(got.sql - meter.bytes)
        elif kind == "Z":
            got.gzip_rc = int(rest)
    return got


async def restore_from_file(
    replica: NodeConfig,
    path: str,
    *,
    replica_transport: Transport,
    sha256: str | None = None,
    flavor: str = "mariadb",
    client_tool: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    cancel: asyncio.Event | None = None,
    estimate_bytes: int | None = None,
    restore_preamble: bytes = b"",
) -> DumpResult:
    """Restore the gzip file ``path`` on the replica's host (where
    ``replica_transport`` runs commands) into ``replica``: with ``sha256``,
    :func:`verify_file` first (StreamError("copy") on a mismatch, before the
    client starts); then :data:`RESTORE_SH` feeds the client
    ``restore_preamble`` (a statement there that fails stops the client
    before the file's first byte reaches it) and ``gzip -dc path``.

    Returns :class:`DumpResult` (``dump_rc`` None; no coordinates: the dump
    step read them; ``bytes``: SQL bytes of the file). Raises
    StreamError("restore") when the client fails or the file cannot be
    decompressed, StreamCancelled, TransportError."""
    started = time.monotonic()
    where = _where(replica.name, replica_transport)
    if sha256 is not None:
        await verify_file(replica_transport, path, sha256, replica.name, cancel=cancel)
    tool = await find_tool(replica_transport, CLIENT_TOOLS, client_tool, flavor)
    opt = await replica_transport.write_private_file(client_option_file(replica, flavor=tool.flavor), ".cnf")
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    meter = Meter("restore", estimate_bytes, on_progress)
    argv = client_argv(tool, opt)
    name = tool_name(argv)
    proc: Process | None = None
    tasks: list[asyncio.Future[Any]] = []
    try:
        proc = await replica_transport.spawn(
            ["sh", "-c", RESTORE_SH, "sh", path, path + ".restore", *argv], stdin=True
        )
        tasks.append(asyncio.ensure_future(pump_lines(proc.stderr, tail, on_line, name)))
        reading = asyncio.ensure_future(_read_restore(Frames(proc.stdout), meter))
        tasks.append(reading)
        stdin = proc.stdin
        assert stdin is not None
        try:
            stdin.write(restore_preamble)
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client is gone already: its status says why
        stdin.close()

        async def to_end(p: Process) -> int:
            rc = await p.wait()
            await asyncio.wait([reading], timeout=5)
            return rc

        rc = await _race(asyncio.ensure_future(to_end(proc)), cancel, "the restore")
        await finish([proc], tasks)
        got = reading.result() if reading.done() and not reading.exception() else _Restored()
        if rc != 0:
            raise StreamError("restore", describe_exit(rc, tail, name), rc, tail_text(tail))
        if got.gzip_rc != 0:
            status = "no status" if got.gzip_rc is None else f"status {got.gzip_rc}"
            raise StreamError(
                "restore",
                f"{path} on {where}: cannot read the compressed dump (gzip: {status}); "
                f"{replica.name} holds part of it",
                got.gzip_rc,
                tail_text(tail),
            )
        meter.add(0, force=True)
        return DumpResult(
            BinlogCoordinates(),
            got.sql if got.sql is not None else meter.bytes,
            time.monotonic() - started,
            None,
            rc,
            "",
            tail_text(tail),
            [],
            argv,
        )
    finally:
        await asyncio.shield(finish([proc], tasks))
        await replica_transport.remove(opt)
