"""The bytes of a dump on the wire between two hosts: compression, and proof
that what arrived is what left.

When either end of a streamed dump runs on another host (an SSH transport),
the dump is compressed on the source host and decompressed on the replica
host — ``zstd`` where both have it, else ``gzip``, else none (:func:`choose_wire`,
shown before the bytes flow) — and each end counts the bytes and takes their
SHA-256 as they pass (``tee`` into ``sha256sum`` and ``wc -c`` through FIFOs in
a private directory). The jump host relays the compressed bytes, takes their
SHA-256 too and decompresses a copy only to read the binlog coordinates
(:class:`Decoder`). After the run, :func:`read_report` fetches each end's
figures; the step fails unless all three digests and counts agree.

Between two local transports (the lab) nothing changes: no compression, no
wrapper (:attr:`Wire.checked` is False).

The shell scripts are POSIX ``sh`` (dash has no ``pipefail``): each stage writes
its own exit status to a file, and the script exits with the tool's status.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import zlib
from dataclasses import dataclass
from typing import Protocol

from replui.transport.base import Transport, TransportError, run_to_end

__all__ = [
    "SOURCE_SH",
    "REPLICA_SH",
    "Codec",
    "Wire",
    "EndReport",
    "Decoder",
    "WireMeter",
    "choose_wire",
    "encode",
    "read_report",
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
    the tool's exit status ``rc`` and the (de)compressor's ``codec_rc``."""

    sha256: str
    bytes: int
    rc: int | None
    codec_rc: int | None


#: On the source host: ``sh -c SOURCE_SH sh DIR CODEC TOOL ARGS…`` — the tool's
#: stdout compressed, counted and hashed on its way out.
SOURCE_SH = r"""d=$1; z=$2; shift 2
enc() { case $z in zstd) zstd -q -c -3 ;; gzip) gzip -c -1 ;; *) cat ;; esac; }
mkfifo "$d/h" "$d/n" || exit 125
sha256sum < "$d/h" > "$d/sum" &
wc -c < "$d/n" > "$d/count" &
{ "$@"; echo $? > "$d/rc"; } | { enc; echo $? > "$d/zrc"; } | tee "$d/h" "$d/n"
wait
rc=$(cat "$d/rc" 2>/dev/null || echo 125)
z_rc=$(cat "$d/zrc" 2>/dev/null || echo -)
echo "$(cut -c1-64 "$d/sum") $(tr -d ' ' < "$d/count") $rc $z_rc" > "$d/report"
[ "$rc" = 0 ] || exit "$rc"
exit "$(cat "$d/zrc" 2>/dev/null || echo 125)"
"""

#: On the replica host: ``sh -c REPLICA_SH sh DIR CODEC TOOL ARGS…`` — the wire
#: stream counted and hashed as it arrives, decompressed into the tool's stdin.
REPLICA_SH = r"""d=$1; z=$2; shift 2
dec() { case $z in zstd) zstd -q -d -c ;; gzip) gzip -d -c ;; *) cat ;; esac; }
mkfifo "$d/h" "$d/n" || exit 125
sha256sum < "$d/h" > "$d/sum" &
wc -c < "$d/n" > "$d/count" &
tee "$d/h" "$d/n" | { dec; echo $? > "$d/zrc"; } | "$@"
rc=$?
wait
z_rc=$(cat "$d/zrc" 2>/dev/null || echo -)
echo "$(cut -c1-64 "$d/sum") $(tr -d ' ' < "$d/count") $rc $z_rc" > "$d/report"
exit $rc
"""

_PROBE = 'for c in zstd gzip sha256sum wc mkfifo tee; do command -v "$c" >/dev/null 2>&1 && echo "$c"; done'
_CHECK_TOOLS = {"sha256sum", "wc", "mkfifo", "tee"}


async def _tools(transport: Transport) -> set[str]:
    """Which of the wire's tools exist where ``transport`` runs commands."""
    _rc, out, _err = await run_to_end(transport, ["sh", "-c", _PROBE])
    return set(out.decode("utf-8", "replace").split())


def _where(transport: Transport) -> str:
    return "this machine" if transport.name == "local" else transport.name.removeprefix("ssh:")


async def choose_wire(source: Transport, replica: Transport, source_name: str, replica_name: str) -> Wire:
    """The :class:`Wire` for a dump from ``source``'s host to ``replica``'s (the
    nodes' names for messages): both
    local: none, unchecked. Otherwise zstd where both ends have it, else gzip,
    else none; checked when both ends have ``sha256sum``, ``wc``, ``mkfifo`` and
    ``tee`` (else the transfer is refused: a remote copy is never taken on
    trust). Raises :class:`TransportError` naming the host that lacks them."""
    if source.name == "local" and replica.name == "local":
        return Wire(Codec.NONE, False, "both ends on this machine: no compression")
    have_s, have_r = await asyncio.gather(_tools(source), _tools(replica))
    for transport, name, have in ((source, source_name, have_s), (replica, replica_name, have_r)):
        missing = sorted(_CHECK_TOOLS - have)
        if missing:
            raise TransportError(
                f"{name}'s host ({_where(transport)}) lacks {', '.join(missing)} (coreutils), needed to "
                "check the bytes that cross the network"
            )
    both = have_s & have_r
    ends = f"{source_name}'s and {replica_name}'s hosts"
    if "zstd" in both:
        return Wire(Codec.ZSTD, True, f"zstd on the wire: both {ends} have it")
    if "gzip" in both:
        return Wire(Codec.GZIP, True, f"gzip on the wire: {ends} do not both have zstd")
    return Wire(Codec.NONE, True, f"no compression: {ends} share neither zstd nor gzip")


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


async def read_report(transport: Transport, directory: str) -> EndReport | None:
    """The figures one end wrote to ``directory`` (None when it wrote none: the
    end did not get that far)."""
    _rc, raw, _err = await run_to_end(transport, ["sh", "-c", 'cat "$1/report" 2>/dev/null', "sh", directory])
    out = raw.decode("utf-8", "replace").split()
    if len(out) < 4 or len(out[0]) != 64:
        return None
    return EndReport(out[0], _int(out[1]) or 0, _int(out[2]), _int(out[3]))
