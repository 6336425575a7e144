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

Over SSH the round trips before the first byte are few: each host is asked
once, both at the same time, for its tool, the wire's tools, a private
directory and the option file in it (:func:`~replui.wizards.wireend.prepare_ends`);
then the dump and the restore start together in those directories. Each end's
wire script prints its byte count and SHA-256 as its last line and removes its
directory itself (:mod:`replui.wizards.wire`), so nothing is sent after the last byte.
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
from replui.transport.base import Process, Transport
from replui.wizards.coordinates import CoordinateScanner
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, client_argv, dump_argv
from replui.wizards.optionfile import client_option_file, quote_option_value
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
    EndReport,
    Trailer,
    Wire,
    WireMeter,
    decide_wire,
    encode,
    where,
)
from replui.wizards.wireend import EndSpec, PreparedEnd, prepare_ends

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
    restore_init_command: str | None = None,
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
    ``restore_init_command`` is a statement the restore client runs as it
    connects (``init-command`` in its option file, e.g. ``SET SESSION
    sql_log_bin=0``).

    Returns :class:`DumpResult`. Raises :class:`StreamError` (``step`` "dump"
    or "restore") when a side fails or the dump has no coordinates,
    :class:`StreamCancelled` when ``cancel`` is set, :class:`TransportError`
    when a tool is missing; in every case both processes are gone on return.
    """
    started = time.monotonic()
    wired = not (source_transport.name == "local" and replica_transport.name == "local")
    init = b""
    if restore_init_command:
        init = f"init-command={quote_option_value(restore_init_command)}\n".encode()
    src_end, rep_end = await prepare_ends(
        EndSpec(
            source.name,
            source_transport,
            DUMP_TOOLS,
            dump_tool,
            lambda fl: client_option_file(source, flavor=fl),
        ),
        EndSpec(
            replica.name,
            replica_transport,
            CLIENT_TOOLS,
            client_tool,
            lambda fl: client_option_file(replica, flavor=fl) + init,
        ),
        flavor,
        wired=wired,
    )
    removed = {"source": False, "replica": False}
    try:
        wire = Wire(Codec.NONE, False, "both ends on this machine: no compression")
        if wired:
            wire = decide_wire(
                (
                    (source.name, source_transport, src_end.have),
                    (replica.name, replica_transport, rep_end.have),
                )
            )
        if wire.checked and on_line is not None:
            on_line(f"transfer: {wire.why}; bytes counted and hashed (SHA-256) at both ends")
        return await _stream(
            (source, src_end),
            (replica, rep_end),
            wire,
            removed,
            databases=databases,
            gtid=gtid,
            on_progress=on_progress,
            on_line=on_line,
            cancel=cancel,
            chunk_size=chunk_size,
            estimate_bytes=estimate_bytes,
            restore_preamble=restore_preamble,
            started=started,
        )
    finally:
        await asyncio.shield(
            asyncio.gather(src_end.discard(removed["source"]), rep_end.discard(removed["replica"]))
        )


def _watch(transport: Transport) -> str:
    """The wire script's WATCH argument: ``watch`` behind an SSH channel (``ssh:…``), whose
    connection can drop and whose server closes the script's stdin when the script ends."""
    return "watch" if transport.name.startswith("ssh:") else "-"


def _no_status(proc: Process, node: NodeConfig, transport: Transport, tool: str) -> str | None:
    """The message for a remote tool that ended with no exit status (its SSH
    connection dropped, or the host stopped answering), else None."""
    if transport.name == "local" or proc.returncode is not None:
        return None
    return (
        f"{tool} on {node.name}'s host ({where(transport)}) ended with no exit status: "
        "the SSH connection dropped or the host stopped answering"
    )


async def _stream(
    source_end: tuple[NodeConfig, PreparedEnd],
    replica_end: tuple[NodeConfig, PreparedEnd],
    wire: Wire,
    removed: dict[str, bool],
    *,
    databases: list[str] | None,
    gtid: bool,
    on_progress: Callable[[Progress], None] | None,
    on_line: Callable[[str], None] | None,
    cancel: asyncio.Event | None,
    chunk_size: int,
    estimate_bytes: int | None,
    restore_preamble: bytes,
    started: float,
) -> DumpResult:
    """The dump and the restore, started together on the prepared ends; see
    :func:`stream_dump`. Sets ``removed["source"]``/``["replica"]`` when that
    end's script reported its private directory removed."""
    (source, src), (replica, rep) = source_end, replica_end
    source_transport, replica_transport = src.transport, rep.transport
    wire_preamble = encode(restore_preamble, wire.codec)
    from_source, to_replica = WireMeter(), WireMeter()
    to_replica(wire_preamble)  # the jump host sends it before the dump's first byte
    dump_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    restore_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    tasks: list[asyncio.Task[Any]] = []
    scanner = CoordinateScanner()
    meter = Meter("stream", estimate_bytes, on_progress)
    dargv = dump_argv(src.tool, src.option_file, databases=databases, gtid=gtid)
    rargv = client_argv(rep.tool, rep.option_file)
    dname, cname = tool_name(dargv), tool_name(rargv)
    drun, rrun = dargv, rargv
    s_trailer, r_trailer = Trailer(), Trailer()
    if wire.checked:
        assert src.directory is not None and rep.directory is not None
        codec = wire.codec.value
        s_watch, r_watch = (_watch(t) for t in (source_transport, replica_transport))
        drun = ["sh", "-c", SOURCE_SH, "sh", src.directory, codec, s_trailer.nonce, s_watch, *dargv]
        rrun = ["sh", "-c", REPLICA_SH, "sh", rep.directory, codec, r_trailer.nonce, r_watch, *rargv]
    dump = restore = None
    try:
        started_both = await asyncio.gather(
            source_transport.spawn(drun, stdin=_watch(source_transport) == "watch"),  # for its watcher
            replica_transport.spawn(rrun, stdin=True),
            return_exceptions=True,
        )
        dump = started_both[0] if not isinstance(started_both[0], BaseException) else None
        restore = started_both[1] if not isinstance(started_both[1], BaseException) else None
        for failed in started_both:
            if isinstance(failed, BaseException):
                raise failed  # the finally below stops the one that did start
        assert dump is not None and restore is not None
        tasks.append(
            asyncio.ensure_future(pump_lines(dump.stderr, dump_tail, s_trailer.shown(on_line), dname))
        )
        tasks.append(
            asyncio.ensure_future(pump_lines(restore.stderr, restore_tail, r_trailer.shown(on_line), cname))
        )
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
        await finish([dump, restore], tasks)
        sent = got = None
        if wire.checked:
            sent, got = s_trailer.take(dump_tail), r_trailer.take(restore_tail)
            removed["source"] = sent is not None and sent.removed
            removed["replica"] = got is not None and got.removed
        if failure is not None:
            step, rc = failure
            if step == "cancel":
                raise StreamCancelled()
            if step == "dump":
                lost = _no_status(dump, source, source_transport, dname)
                raise StreamError(
                    "dump", lost or describe_exit(rc, dump_tail, dname), rc, tail_text(dump_tail)
                )
            if step == "nocoord":
                raise no_coordinates_error(dname)
            lost = _no_status(restore, replica, replica_transport, cname)
            msg = lost or describe_exit(restore.returncode, restore_tail, cname)
            if step == "restore-early" and not lost:
                msg = f"{cname} exited before the end of the dump"
            raise StreamError("restore", msg, restore.returncode, tail_text(restore_tail))
        note = ""
        if wire.checked:
            note = _compare_ends(
                wire,
                (from_source, to_replica),
                (_end_label(source, source_transport, "dumping"), sent),
                (_end_label(replica, replica_transport, "restoring into"), got),
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


def _end_label(node: NodeConfig, transport: Transport, doing: str) -> str:
    """Who ran ``node``'s end of the wire, for messages: the node's name, or
    "the jump host (dumping db1)" (``doing`` "dumping") when the node's host
    is reached over SSH but its tool fell back to this machine
    (:mod:`replui.wizards.placement`)."""
    if transport.name == "local" and node.uses_ssh:
        return f"the jump host ({doing} {node.name})"
    return node.name


def _compare_ends(
    wire: Wire,
    jump: tuple[WireMeter, WireMeter],
    source_end: tuple[str, EndReport | None],
    replica_end: tuple[str, EndReport | None],
) -> str:
    """Check that the source sent what the jump host received, and the replica
    received what the jump host sent (the same bytes, after the preamble it
    adds), from each end's report (``(node name, report)``); the note for the
    output. Raises :class:`StreamError` ("restore") when they differ, or an end
    left no figures."""
    (name_s, sent), (name_r, got) = source_end, replica_end
    received, sent_on = jump
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
