"""The bytes of a dump on the wire between two hosts: compression, and proof
that what arrived is what left.

When either end of a streamed dump runs on another host (an SSH transport),
the dump is compressed on the source host and decompressed on the replica
host — ``zstd`` where both have it, else ``gzip``, else none (:func:`decide_wire`,
shown before the bytes flow) — and each end counts the bytes and takes their
SHA-256 as they pass (``tee`` into ``sha256sum`` and ``wc -c`` through FIFOs in
the end's private directory). The jump host relays the compressed bytes, takes
their SHA-256 too and decompresses a copy only to read the binlog coordinates
(:class:`Decoder`). Each end's script prints its figures itself, as the last
line of its stderr (:class:`Trailer`: a marker with a per-run nonce, then
SHA-256, byte count, the tool's and the (de)compressor's exit status); the step
fails unless all three digests and counts agree.

Each script owns its private directory (the option file with the password,
the FIFOs, the figures) and removes it when it ends — also when it is
signalled (HUP, INT, TERM) or its SSH connection drops: its tools then meet
end of input or a broken pipe (SIGPIPE), end, and the script's EXIT trap runs.
The trailer says whether the directory is gone, so no other command is needed.

Between two local transports (the lab) nothing changes: no compression, no
wrapper (:attr:`Wire.checked` is False).

The shell scripts are POSIX ``sh`` (dash has no ``pipefail``): each stage writes
its own exit status to a file, and the script exits with the tool's status.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import hashlib
import secrets
import zlib
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol

from replui.transport.base import Transport, TransportError, run_to_end

__all__ = [
    "SOURCE_SH",
    "REPLICA_SH",
    "WIRE_TOOLS",
    "CHECK_TOOLS",
    "Codec",
    "Wire",
    "EndReport",
    "Trailer",
    "Decoder",
    "WireMeter",
    "choose_wire",
    "decide_wire",
    "host_tools",
    "missing_check_tools",
    "where",
    "encode",
]


class Codec(str, enum.Enum):
    """How the dump is compressed on the wire."""

    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"


@dataclass(frozen=True)
class Wire:
    """The choice for one transfer: ``codec``; ``checked`` when both ends count
    and hash the bytes (an end runs on another host); ``why`` says so in a line."""

    codec: Codec
    checked: bool
    why: str


@dataclass(frozen=True)
class EndReport:
    """What one end saw: ``sha256`` (hex) and ``bytes`` of the wire stream,
    the tool's exit status ``rc`` and the (de)compressor's ``codec_rc``;
    ``removed``: the script removed its private directory before it reported."""

    sha256: str
    bytes: int
    rc: int | None
    codec_rc: int | None
    removed: bool = False


#: What both scripts do first: refuse a directory that is not a private one
#: (``replui-…``), remove it on every exit, and turn HUP/INT/TERM/PIPE into an
#: exit (so the EXIT trap runs; a trapped signal is back to its default in the
#: tools, which a dropped connection ends by end of input or SIGPIPE).
_OWN_DIR = r"""d=$1; z=$2; m=$3; w=$4; shift 4
case ${d##*/} in replui-*) ;; *) echo "replui: $d is not a private directory" >&2; exit 126 ;; esac
trap 'rm -rf "$d"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 141' PIPE
"""

#: The last words of both scripts: the figures, the directory removed, one line on stderr.
_REPORT = r"""s=$(cut -c1-64 "$d/sum" 2>/dev/null); n=$(tr -d ' ' < "$d/count" 2>/dev/null)
rm -rf "$d"; if [ -e "$d" ]; then g=kept; else g=removed; fi
echo "replui-end-$m ${s:--} ${n:--} $rc ${zc:--} $g" >&2
"""

#: On the source host: ``sh -c SOURCE_SH sh DIR CODEC NONCE WATCH TOOL ARGS…`` —
#: the tool's stdout compressed, counted and hashed on its way out; DIR removed
#: at the end. WATCH ``watch`` (over SSH): the script is spawned with a stdin
#: replui never writes, and a watcher reads it — its end means the connection
#: dropped (or the script ended: the SSH server then closes it), and the watcher
#: stops the script's process group: a dump waiting for a lock writes nothing,
#: so no broken pipe would tell it. Anything else: no watcher. zstd at level 1:
#: on mariadb-dump's SQL it writes about 2 % more bytes than level 3 for half
#: the CPU, which the restore running at the same time needs (bench/ssh.py).
SOURCE_SH = (
    _OWN_DIR
    + r"""enc() { case $z in zstd) zstd -q -c -1 ;; gzip) gzip -c -1 ;; *) cat ;; esac; }
mkfifo "$d/h" "$d/n" || exit 125
if [ "$w" = watch ]; then
  exec 3<&0
  ( cat <&3; kill -TERM 0 ) >/dev/null 2>&1 &
  exec 3<&-
fi
exec </dev/null
sha256sum < "$d/h" > "$d/sum" & a=$!
wc -c < "$d/n" > "$d/count" & b=$!
{ "$@"; echo $? > "$d/rc"; } | { enc; echo $? > "$d/zrc"; } | tee "$d/h" "$d/n"
wait $a $b
rc=$(cat "$d/rc" 2>/dev/null || echo 125)
zc=$(cat "$d/zrc" 2>/dev/null)
"""
    + _REPORT
    + r"""[ "$rc" = 0 ] || exit "$rc"
exit "${zc:-125}"
"""
)

#: On the replica host: ``sh -c REPLICA_SH sh DIR CODEC NONCE WATCH TOOL ARGS…`` —
#: the wire stream counted and hashed as it arrives, decompressed into the tool's
#: stdin; DIR removed at the end. The end of stdin is the end of the stream (or a
#: dropped connection: the tools see the same end of input). WATCH ``watch``
#: (over SSH): a heartbeat writes an empty line to stdout (which replui reads and
#: drops) every second; when that pipe is broken the connection is gone, and the
#: heartbeat stops the script's process group — a client busy with one statement,
#: or waiting for a lock, reads no input and would not notice.
REPLICA_SH = (
    _OWN_DIR
    + r"""dec() { case $z in zstd) zstd -q -d -c ;; gzip) gzip -d -c ;; *) cat ;; esac; }
mkfifo "$d/h" "$d/n" || exit 125
hb=
if [ "$w" = watch ]; then
  ( trap '' PIPE; while sleep 1 </dev/null >/dev/null 2>&1; do echo || break; done; kill -TERM 0 ) \
    </dev/null 2>/dev/null &
  hb=$!
fi
sha256sum < "$d/h" > "$d/sum" & a=$!
wc -c < "$d/n" > "$d/count" & b=$!
tee "$d/h" "$d/n" | { dec; echo $? > "$d/zrc"; } | "$@"
rc=$?
[ -z "$hb" ] || kill "$hb" 2>/dev/null
wait $a $b
zc=$(cat "$d/zrc" 2>/dev/null)
"""
    + _REPORT
    + """exit $rc
"""
)

#: The wire's tools a host may have: the codecs, then what counts and hashes the bytes.
WIRE_TOOLS = ("zstd", "gzip", "sha256sum", "wc", "mkfifo", "tee")
#: What both ends need whenever the bytes cross the network (coreutils).
CHECK_TOOLS = frozenset({"sha256sum", "wc", "mkfifo", "tee"})
_PROBE = f'for c in {" ".join(WIRE_TOOLS)}; do command -v "$c" >/dev/null 2>&1 && echo "$c"; done'


async def host_tools(transport: Transport) -> set[str]:
    """Which of :data:`WIRE_TOOLS` exist where ``transport`` runs commands (one command)."""
    _rc, out, _err = await run_to_end(transport, ["sh", "-c", _PROBE])
    return set(out.decode("utf-8", "replace").split())


def where(transport: Transport) -> str:
    """The host ``transport`` runs commands on, for messages: ``this machine`` or ``root@db1:22``."""
    return "this machine" if transport.name == "local" else transport.name.removeprefix("ssh:")


def missing_check_tools(name: str, transport: Transport, have: set[str] | frozenset[str]) -> str | None:
    """The message for node ``name``'s host when ``have`` (its wire tools) lacks
    one of :data:`CHECK_TOOLS`, else None."""
    missing = sorted(CHECK_TOOLS - have)
    if not missing:
        return None
    return (
        f"{name}'s host ({where(transport)}) lacks {', '.join(missing)} (coreutils), needed to "
        "check the bytes that cross the network"
    )


def decide_wire(
    ends: tuple[
        tuple[str, Transport, set[str] | frozenset[str]], tuple[str, Transport, set[str] | frozenset[str]]
    ],
) -> Wire:
    """The :class:`Wire` for a dump between two ends, each ``(node name,
    transport, the wire tools its host has)``, source first: zstd where both
    have it, else gzip, else none; checked. Raises :class:`TransportError`
    naming the first host that lacks one of :data:`CHECK_TOOLS` (a remote copy
    is never taken on trust)."""
    for name, transport, have in ends:
        problem = missing_check_tools(name, transport, have)
        if problem:
            raise TransportError(problem)
    (source_name, _s, have_s), (replica_name, _r, have_r) = ends
    both = set(have_s) & set(have_r)
    hosts = f"{source_name}'s and {replica_name}'s hosts"
    if "zstd" in both:
        return Wire(Codec.ZSTD, True, f"zstd on the wire: both {hosts} have it")
    if "gzip" in both:
        return Wire(Codec.GZIP, True, f"gzip on the wire: {hosts} do not both have zstd")
    return Wire(Codec.NONE, True, f"no compression: {hosts} share neither zstd nor gzip")


async def choose_wire(
    source: Transport,
    replica: Transport,
    source_name: str,
    replica_name: str,
    known: Mapping[str, frozenset[str]] | None = None,
) -> Wire:
    """The :class:`Wire` for a dump from ``source``'s host to ``replica``'s (the
    nodes' names for messages): both local: none, unchecked. Otherwise each
    host is asked which wire tools it has (one command each, at the same time;
    none for a host in ``known``, by transport name) and :func:`decide_wire`
    decides. Raises :class:`TransportError` naming the host that lacks a tool
    the check needs."""
    if source.name == "local" and replica.name == "local":
        return Wire(Codec.NONE, False, "both ends on this machine: no compression")

    async def have(transport: Transport) -> set[str] | frozenset[str]:
        if known is not None and transport.name in known:
            return known[transport.name]
        return await host_tools(transport)

    have_s, have_r = await asyncio.gather(have(source), have(replica))
    return decide_wire(((source_name, source, have_s), (replica_name, replica, have_r)))


def encode(data: bytes, codec: Codec) -> bytes:
    """``data`` as one member/frame of ``codec`` (the replica's decompressor
    reads concatenated members), for bytes the jump host adds to the stream."""
    if not data or codec is Codec.NONE:
        return data
    if codec is Codec.GZIP:
        c = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip member
        return c.compress(data) + c.flush()
    import zstandard

    return zstandard.ZstdCompressor(level=3).compress(data)


class _Stream(Protocol):
    def decompress(self, data: bytes) -> bytes: ...


class Decoder:
    """Decompresses the relayed stream for the coordinate scanner only (the
    compressed bytes are what is forwarded). Raises ValueError on corrupt input."""

    def __init__(self, codec: Codec):
        self.codec = codec
        self._d: _Stream | None = None
        if codec is Codec.GZIP:
            self._d = zlib.decompressobj(31)
        elif codec is Codec.ZSTD:
            import zstandard

            self._d = zstandard.ZstdDecompressor().decompressobj()

    def __call__(self, chunk: bytes) -> bytes:
        if self._d is None:
            return chunk
        try:
            return self._d.decompress(chunk)
        except Exception as exc:  # noqa: BLE001 - zlib.error, zstandard.ZstdError
            raise ValueError(f"the {self.codec.value} stream from the source is corrupt: {exc}") from None


class WireMeter:
    """The jump host's count and SHA-256 of the wire bytes it relays."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.bytes = 0

    def __call__(self, chunk: bytes) -> None:
        self._h.update(chunk)
        self.bytes += len(chunk)

    @property
    def sha256(self) -> str:
        return self._h.hexdigest()


def _int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


class Trailer:
    """The figures one end's script prints as its last stderr line
    (``replui-end-NONCE SHA256 BYTES RC CODEC_RC removed|kept``). ``nonce`` is
    new for each run (the script gets it in its argv), so no line a tool
    prints can pass for the report.

    :meth:`shown` wraps the ``on_line`` callback so the trailer is never shown;
    :meth:`take` reads it from the end's kept stderr lines (and takes it out of them)."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self._marker = f"replui-end-{self.nonce} "

    def shown(self, on_line: Callable[[str], None] | None) -> Callable[[str], None] | None:
        """``on_line`` without the trailer (what a tool printed before it on the same line stays)."""
        if on_line is None:
            return None
        marker = self._marker

        def filtered(line: str) -> None:
            cut = line.find(marker)
            if cut < 0:
                on_line(line)
            elif cut > 0:
                on_line(line[:cut])

        return filtered

    def take(self, tail: collections.deque[str]) -> EndReport | None:
        """The report in the last of ``tail`` (an end's kept stderr lines), which
        loses it; None when the script printed none (it did not get that far)."""
        if not tail:
            return None
        line = tail[-1]
        cut = line.find(self._marker)
        if cut < 0:
            return None
        if cut > 0:
            tail[-1] = line[:cut]
        else:
            tail.pop()
        out = line[cut + len(self._marker) :].split()
        if len(out) < 4 or len(out[0]) != 64:
            return None
        removed = len(out) > 4 and out[4] == "removed"
        return EndReport(out[0], _int(out[1]) or 0, _int(out[2]), _int(out[3]), removed)
