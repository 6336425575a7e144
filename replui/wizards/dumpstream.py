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
:mod:`replui.wizards.dumpfile`; what both paths share (the relay, the stderr
caps, the data types and errors) is in :mod:`replui.wizards.relay`, and
re-exported here (``dumpstream.StreamError``, ``dumpstream.LINE_CAP``…).
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Any, Callable

from replui.config import NodeConfig
from replui.transport.base import Transport
from replui.wizards.coordinates import CoordinateScanner
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, client_argv, dump_argv, find_tool
from replui.wizards.optionfile import client_option_file
from replui.wizards.relay import (  # the data types and caps: callers use them as dumpstream.*
    LINE_CAP,
    OUTPUT_CAP_BYTES,
    OUTPUT_CAP_LINES,
    PROGRESS_INTERVAL,
    STDERR_TAIL,
    DumpResult,
    Meter,
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
from replui.wizards.wire import (
    REPLICA_SH,
    SOURCE_SH,
    Codec,
    Decoder,
    Wire,
    WireMeter,
    choose_wire,
    encode,
    read_report,
)

__all__ = [
    "stream_dump",
    "DumpResult",
    "Progress",
    "StreamCancelled",
    "StreamError",
    "LINE_CAP",
    "OUTPUT_CAP_BYTES",
    "OUTPUT_CAP_LINES",
    "PROGRESS_INTERVAL",
    "STDERR_TAIL",
]


async def stream_dump(
    source: NodeConfig,
    replica: NodeConfig,
    *,
    source_transport: Transport,
    replica_transport: Transport,
    databases: list[str] | None = None,
    gtid: bool = False,
    flavor: str = "mariadb",
    dump_tool: str | None = None,
    client_tool: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_line: Callable[[str], None] | None = None,
    cancel: asyncio.Event | None = None,
    chunk_size: int = 256 * 1024,
    estimate_bytes: int | None = None,
    restore_preamble: bytes = b"",
) -> DumpResult:
    """Dump ``source`` and restore it into ``replica`` at the same time.

    ``databases`` None dumps ``--all-databases``. ``gtid`` adds MariaDB's
    ``--gtid``. ``flavor`` is assumed for a tool whose ``--version`` says
    nothing. ``dump_tool``/``client_tool`` override the search for
    ``mariadb-dump``/``mysqldump`` and ``mariadb``/``mysql``. ``on_line`` gets
    every stderr line of both tools; ``on_progress`` a :class:`Progress`
    (the plan's one progress type) at most ~10×/s; ``estimate_bytes`` (e.g. the sum of
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
    # the two hosts are asked at the same time: each remote command costs a round trip
    dtool, ctool = await asyncio.gather(
        find_tool(source_transport, DUMP_TOOLS, dump_tool, flavor),
        find_tool(replica_transport, CLIENT_TOOLS, client_tool, flavor),
    )
    wire = await choose_wire(source_transport, replica_transport, source.name, replica.name)
    if wire.checked and on_line is not None:
        on_line(f"transfer: {wire.why}; bytes counted and hashed (SHA-256) at both ends")
    src_dir = rep_dir = None
    wire_preamble = encode(restore_preamble, wire.codec)
    from_source, to_replica = WireMeter(), WireMeter()
    to_replica(wire_preamble)  # the jump host sends it before the dump's first byte
    dump = restore = None
    src_opt = rep_opt = None
    dump_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    restore_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    tasks: list[asyncio.Task[Any]] = []
    scanner = CoordinateScanner()
    meter = Meter("stream", estimate_bytes, on_progress)
    try:
        src_opt, rep_opt = await asyncio.gather(
            source_transport.write_private_file(client_option_file(source, flavor=dtool.flavor), ".cnf"),
            replica_transport.write_private_file(client_option_file(replica, flavor=ctool.flavor), ".cnf"),
        )
        dargv = dump_argv(dtool, src_opt, databases=databases, gtid=gtid)
        rargv = client_argv(ctool, rep_opt)
        dname, cname = tool_name(dargv), tool_name(rargv)
        drun, rrun = dargv, rargv
        if wire.checked:
            src_dir, rep_dir = await asyncio.gather(
                source_transport.make_private_dir("replui-wire-"),
                replica_transport.make_private_dir("replui-wire-"),
            )
            drun = ["sh", "-c", SOURCE_SH, "sh", src_dir, wire.codec.value, *dargv]
            rrun = ["sh", "-c", REPLICA_SH, "sh", rep_dir, wire.codec.value, *rargv]
        started_both = await asyncio.gather(
            source_transport.spawn(drun), replica_transport.spawn(rrun, stdin=True), return_exceptions=True
        )
        dump = started_both[0] if not isinstance(started_both[0], BaseException) else None
        restore = started_both[1] if not isinstance(started_both[1], BaseException) else None
        for failed in started_both:
            if isinstance(failed, BaseException):
                raise failed  # the finally below stops the one that did start
        assert dump is not None and restore is not None
        tasks.append(asyncio.ensure_future(pump_lines(dump.stderr, dump_tail, on_line, dname)))
        tasks.append(asyncio.ensure_future(pump_lines(restore.stderr, restore_tail, on_line, cname)))
        tasks.append(
            asyncio.ensure_future(restore.stdout.read())
        )  # the client prints nothing; keep the pipe drained

        async def dump_ok() -> bool:
            return await dump.wait() == 0

        async def read() -> bytes:
            chunk = await dump.stdout.read(chunk_size)
            from_source(chunk)
            to_replica(chunk)
            return chunk

        relay = asyncio.ensure_future(
            relay_chunks(
                read,
                restore,
                scanner,
                meter,
                True,
                dump_ok,
                wire_preamble,
                Decoder(wire.codec) if wire.codec is not Codec.NONE else None,
            )
        )
        tasks.append(relay)
        failure = await drive(relay, dump, restore, cancel)
        if failure is not None:
            await finish([dump, restore], tasks)
            step, rc = failure
            if step == "cancel":
                raise StreamCancelled()
            if step == "dump":
                raise StreamError("dump", describe_exit(rc, dump_tail, dname), rc, tail_text(dump_tail))
            if step == "nocoord":
                raise no_coordinates_error(dname)
            msg = describe_exit(restore.returncode, restore_tail, cname)
            if step == "restore-early":
                msg = f"{cname} exited before the end of the dump"
            raise StreamError("restore", msg, restore.returncode, tail_text(restore_tail))
        await finish([dump, restore], tasks)
        note = ""
        if wire.checked and src_dir and rep_dir:
            note = await _compare_ends(
                wire,
                (from_source, to_replica),
                (source.name, source_transport, src_dir),
                (replica.name, replica_transport, rep_dir),
            )
        return DumpResult(
            scanner.result(),
            meter.bytes,
            time.monotonic() - started,
            dump.returncode,
            restore.returncode,
            tail_text(dump_tail),
            tail_text(restore_tail),
            dargv,
            rargv,
            note,
        )
    finally:
        await asyncio.shield(finish([dump, restore], tasks))
        await asyncio.gather(
            *([source_transport.remove(src_opt)] if src_opt else []),
            *([replica_transport.remove(rep_opt)] if rep_opt else []),
            *([source_transport.remove_tree(src_dir)] if src_dir else []),
            *([replica_transport.remove_tree(rep_dir)] if rep_dir else []),
        )


async def _compare_ends(
    wire: Wire,
    jump: tuple[WireMeter, WireMeter],
    source_end: tuple[str, Transport, str],
    replica_end: tuple[str, Transport, str],
) -> str:
    """Check that the source sent what the jump host received, and the replica
    received what the jump host sent (the same bytes, after the preamble it
    adds); the note for the output. Raises :class:`StreamError` ("restore")
    when they differ, or an end left no figures."""
    (name_s, source_t, src_dir), (name_r, replica_t, rep_dir) = source_end, replica_end
    received, sent_on = jump
    sent, got = await asyncio.gather(read_report(source_t, src_dir), read_report(replica_t, rep_dir))
    if sent is None or got is None:
        missing = name_s if sent is None else name_r
        raise StreamError("restore", f"{missing} left no count and SHA-256 of the bytes it moved", None, "")
    if got.codec_rc not in (0, None):
        message = f"{wire.codec.value} on {name_r} failed (exit {got.codec_rc}): the data is incomplete"
        raise StreamError("restore", message, got.codec_rc, "")
    legs = (
        (
            name_s,
            "sent",
            (sent.sha256, sent.bytes),
            "the jump host received",
            (received.sha256, received.bytes),
        ),
        (
            "the jump host",
            "sent",
            (sent_on.sha256, sent_on.bytes),
            f"{name_r} received",
            (got.sha256, got.bytes),
        ),
    )
    for who, verb, one, whom, other in legs:
        if one != other:
            raise StreamError(
                "restore",
                f"the bytes differ: {who} {verb} {one[1]} (sha256 {one[0][:16]}…), {whom} {other[1]} "
                f"({other[0][:16]}…)",
                None,
                "",
            )
    codec = wire.codec.value if wire.codec is not Codec.NONE else "uncompressed"
    return (
        f"{codec}: {sent.bytes} bytes on the wire from {name_s}, sha256 {sent.sha256[:16]}… on {name_s} "
        f"and on the jump host; {got.bytes} bytes into {name_r} with the guard, sha256 equal on both sides"
    )
