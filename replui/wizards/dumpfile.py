"""``--via-file``: the runbooks' way ('MySQL Replication Error', Chameleon Cloud;
'Fail over MySQL and Rails') — dump to a gzip file with a
sha256 checksum, copy it, restore it — for when a stream is not wanted."""

from __future__ import annotations

import asyncio
import collections
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, TypeVar

from replui.config import NodeConfig
from replui.model import BinlogCoordinates
from replui.transport.base import Transport
from replui.wizards.coordinates import CoordinateScanner
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, client_argv, dump_argv, find_tool
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
    drive,
    finish,
    no_coordinates_error,
    pump_lines,
    relay_chunks,
    tail_text,
    tool_name,
)

T = TypeVar("T")


@dataclass(frozen=True)
class FileDump:
    """A dump written by :func:`dump_to_file`: the gzip ``path`` on this
    machine, ``sha256`` (hex, of the compressed file; also written to
    ``path + ".sha256"`` in ``sha256sum`` format), coordinates, SQL ``bytes``,
    ``compressed_bytes``, wall ``seconds``, the dump's exit status, stderr tail
    and command."""

    path: str
    sha256: str
    coordinates: BinlogCoordinates
    bytes: int
    compressed_bytes: int
    seconds: float
    dump_rc: int
    dump_stderr_tail: str = ""
    dump_argv: list[str] = field(default_factory=list)


class _HashingFile:
    """A binary file that hashes and counts what is written through it."""

    def __init__(self, fh: BinaryIO) -> None:
        import hashlib

        self.fh, self.hash, self.count = fh, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.count += len(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


async def _race(work: asyncio.Future[T], cancel: asyncio.Event | None) -> T:
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
        raise StreamCancelled("cancelled; the command was stopped")
    return work.result()


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
    chunk_size: int = 256 * 1024,
    estimate_bytes: int | None = None,
    compresslevel: int = 6,
) -> FileDump:
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
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    scanner, meter = CoordinateScanner(), Meter("dump", estimate_bytes, on_progress)
    partial = path + ".partial"
    dump, tasks, ok = None, [], False
    fh = open(partial, "wb")
    try:
        hf = _HashingFile(fh)
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=hf, compresslevel=compresslevel, mtime=0)
        dump = await source_transport.spawn(argv)
        tasks.append(asyncio.ensure_future(pump_lines(dump.stderr, tail, on_line, tool_name(argv))))

        async def consume() -> int:
            while chunk := await dump.stdout.read(chunk_size):
                scanner.feed(chunk)
                if scanner.head_done and not scanner.head.complete:
                    raise NoCoordinates()
                await asyncio.to_thread(gz.write, chunk)
                meter.add(len(chunk))
            return await dump.wait()

        try:
            rc = await _race(asyncio.ensure_future(consume()), cancel)
        except NoCoordinates:
            await finish([dump], tasks)
            raise no_coordinates_error(argv[0].rsplit("/", 1)[-1]) from None
        await finish([dump], tasks)
        name = argv[0].rsplit("/", 1)[-1]
        if rc != 0:
            raise StreamError("dump", describe_exit(rc, tail, name), rc, tail_text(tail))
        if not scanner.head.complete:
            raise no_coordinates_error(name)
        await asyncio.to_thread(gz.close)
        fh.close()
        digest = hf.hash.hexdigest()
        os.replace(partial, path)
        with open(path + ".sha256", "w", encoding="utf-8") as sh:
            sh.write(f"{digest}  {os.path.basename(path)}\n")
        meter.add(0, force=True)
        ok = True
        return FileDump(
            path,
            digest,
            scanner.result(),
            meter.bytes,
            hf.count,
            time.monotonic() - started,
            rc,
            tail_text(tail),
            argv,
        )
    finally:
        await asyncio.shield(finish([dump], tasks))
        fh.close()
        if not ok:
            import contextlib

            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        await source_transport.remove(opt)


async def copy_file(
    src: str,
    dst: str,
    *,
    sha256: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: asyncio.Event | None = None,
    chunk_size: int = 1024 * 1024,
) -> str:
    """Copy ``src`` to ``dst`` on this machine (``dst.partial``, renamed when
    complete), hashing on the way; returns the sha256 (hex). With ``sha256``
    given, a different digest raises StreamError("copy") and removes the copy."""
    import hashlib
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
        if sha256 is not None and h.hexdigest() != sha256.lower():
            raise StreamError(
                "copy",
                f"checksum mismatch after copying {src} to {dst}: expected {sha256}, got {h.hexdigest()}",
            )
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
    chunk_size: int = 256 * 1024,
    estimate_bytes: int | None = None,
    restore_preamble: bytes = b"",
) -> DumpResult:
    """Verify ``path`` (gzip, on this machine) against ``sha256`` when given
    (StreamError("copy") on mismatch, before the replica is touched), then
    decompress it in Python and feed the client on ``replica_transport``,
    ``restore_preamble`` first (a statement there that fails stops the
    client before the file's first byte reaches it).
    Returns :class:`DumpResult` (``dump_rc`` None; coordinates read from the
    file). Raises StreamError("restore"), StreamCancelled, TransportError."""
    import gzip

    started = time.monotonic()
    if sha256 is not None:
        got = await file_sha256(path)
        if got != sha256.lower():
            raise StreamError(
                "copy",
                f"{path}: checksum mismatch (expected {sha256}, got {got}); "
                "the file is damaged — copy it again",
            )
    tool = await find_tool(replica_transport, CLIENT_TOOLS, client_tool, flavor)
    opt = await replica_transport.write_private_file(client_option_file(replica, flavor=tool.flavor), ".cnf")
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    scanner, meter = CoordinateScanner(), Meter("restore", estimate_bytes, on_progress)
    restore, tasks = None, []
    gz = gzip.open(path, "rb")
    try:
        argv = client_argv(tool, opt)
        restore = await replica_transport.spawn(argv, stdin=True)
        tasks += [
            asyncio.ensure_future(pump_lines(restore.stderr, tail, on_line, tool_name(argv))),
            asyncio.ensure_future(restore.stdout.read()),
        ]

        async def always() -> bool:
            return True

        relay = asyncio.ensure_future(
            relay_chunks(
                lambda: asyncio.to_thread(gz.read, chunk_size),
                restore,
                scanner,
                meter,
                False,
                always,
                restore_preamble,
            )
        )
        tasks.append(relay)
        try:
            failure = await drive(relay, None, restore, cancel)
        except (OSError, EOFError, zlib.error) as exc:  # gzip: damaged or truncated file
            await finish([restore], tasks)
            raise StreamError("restore", f"{path}: cannot read the compressed dump ({exc})") from None
        await finish([restore], tasks)
        name = argv[0].rsplit("/", 1)[-1]
        if failure is not None:
            if failure[0] == "cancel":
                raise StreamCancelled("cancelled; the restore was stopped")
            msg = (
                describe_exit(restore.returncode, tail, name)
                if failure[0] != "restore-early"
                else f"{name} exited before the end of the file"
            )
            raise StreamError("restore", msg, restore.returncode, tail_text(tail))
        return DumpResult(
            scanner.result(),
            meter.bytes,
            time.monotonic() - started,
            None,
            restore.returncode,
            "",
            tail_text(tail),
            [],
            argv,
        )
    finally:
        await asyncio.shield(finish([restore], tasks))
        gz.close()
        await replica_transport.remove(opt)
