"""The POSIX ``sh`` scripts the ``--via-file`` path runs on the database
hosts (through any transport: this machine's ``sh`` too), and the reading of
what they print.

Each script takes its paths as arguments (never spliced into the script), works
in a 0700 directory of FIFOs beside its file, removes it at the end, and counts
and hashes bytes where they are (``tee`` into ``sha256sum`` and ``wc -c``), as
the streamed path's wire scripts do (:mod:`replui.wizards.wire`). dash has no
``pipefail``: each stage's exit status is printed or kept apart.

- :data:`DUMP_SH` on the source's host: the dump, ``gzip`` into ``FILE.partial``
  (renamed when whole), its SHA-256 and both byte counts. Its stdout carries
  :class:`DumpFrames`: the dump's first bytes *as soon as they are written* (the
  coordinates are read from them on this machine, so a dump without them is
  stopped at once), SQL byte counts for the progress, then the report and the
  dump's last bytes (MariaDB writes a deferred GTID there).
- :data:`SEND_SH` on the source's host: the file on stdout, its SHA-256 on stderr.
- :data:`RECEIVE_SH` on the replica's host: stdin into ``FILE.partial``; prints
  the SHA-256 and count of what arrived and the writer's exit status (a full
  disk stops it at once: the sender sees a broken pipe).
- :data:`RESTORE_SH` on the replica's host: stdin (the restore preamble), then
  ``gzip -dc FILE``, into the client; prints SQL byte counts and gzip's status.
- :data:`SHA_SH`: ``sha256sum`` of a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replui.transport.base import ByteReader

__all__ = [
    "DUMP_SH",
    "SEND_SH",
    "RECEIVE_SH",
    "RESTORE_SH",
    "SHA_SH",
    "PROGRESS_STEP",
    "DumpReport",
    "Frames",
    "ProtocolError",
    "parse_sha",
    "write_error",
]

#: SQL bytes between two progress lines of the scripts.
PROGRESS_STEP = 1024 * 1024

#: Counts the SQL on stdin in C-locale bytes; ``P N`` every PROGRESS_STEP, ``S N`` at the end.
_AWK_COUNT = (
    "LC_ALL=C awk -F '\\n' 'BEGIN { m = %d } "
    '{ n += length($0) + 1; if (n >= m) { printf "P %%.0f\\n", n; fflush(); m = n + %d } } '
    'END { printf "S %%.0f\\n", n }\'' % (PROGRESS_STEP, PROGRESS_STEP)
)

#: ``sh -c DUMP_SH sh FILE LEVEL KEEP TOOL ARGS…``: ``TOOL ARGS… | gzip -LEVEL`` into
#: ``FILE.partial``, renamed to FILE (and ``FILE.sha256`` written) when every stage
#: succeeded. Its stdout, in this order: ``H k`` and the dump's first k (≤ KEEP)
#: bytes; ``P n`` lines (SQL bytes after those, every PROGRESS_STEP) and ``S n``;
#: ``R sha256 compressed sql dump_rc gzip_rc write_rc`` (``-``: unknown); ``T k``
#: and the dump's last k (≤ KEEP) bytes; ``D 0`` when FILE is whole, ``D 1`` when
#: nothing is left of it.
DUMP_SH = (
    r"""f=$1; z=$2; keep=$3; shift 3
w="$f.work"
mkdir -m 700 "$w" && mkfifo "$w/a" "$w/t" "$w/c" "$w/h" "$w/n" || exit 125
sha256sum < "$w/h" > "$w/sum" &
wc -c < "$w/n" > "$w/count" &
wc -c < "$w/c" > "$w/sql" &
tail -c "$keep" < "$w/t" > "$w/tail" &
{
  head -c "$keep" > "$w/head"
  k=$(wc -c < "$w/head" 2>/dev/null) || k=0
  echo H $k
  cat "$w/head" 2>/dev/null
  """
    + _AWK_COUNT
    + r""" || cat > /dev/null
} < "$w/a" &
{ "$@"; echo $? > "$w/rc"; } | tee "$w/a" "$w/t" "$w/c" | { gzip -c -"$z"; echo $? > "$w/zrc"; } |
  tee "$w/h" "$w/n" | cat > "$f.partial"
frc=$?
wait
v() { x=$(tr -dc '0-9a-f' < "$w/$1" 2>/dev/null); echo "${x:--}"; }
rc=$(v rc); zrc=$(v zrc); sum=$(v sum)
echo R "$sum" "$(v count)" "$(v sql)" "$rc" "$zrc" "$frc"
k=$(wc -c < "$w/tail" 2>/dev/null) || k=0
echo T $k
cat "$w/tail" 2>/dev/null
ok=1
if [ "$rc" = 0 ] && [ "$zrc" = 0 ] && [ "$frc" = 0 ] && [ ${#sum} = 64 ]; then
  mv -f "$f.partial" "$f" && printf '%s  %s\n' "$sum" "${f##*/}" > "$f.sha256" && ok=0
fi
[ $ok = 0 ] || rm -f "$f.partial" "$f" "$f.sha256"
rm -rf "$w"
echo D $ok
exit $ok
"""
)
#: ``sh -c SEND_SH sh FILE WORKDIR``: FILE on stdout; ``HEX  -`` (its SHA-256 as read) on stderr.
SEND_SH = r"""f=$1; w=$2
[ -r "$f" ] || { echo "cannot read $f" >&2; exit 66; }
mkdir -m 700 "$w" && mkfifo "$w/h" || exit 125
sha256sum < "$w/h" >&2 &
tee "$w/h" < "$f"
rc=$?
wait
rm -rf "$w"
exit $rc
"""

#: ``sh -c RECEIVE_SH sh FILE WORKDIR``: stdin into ``FILE.partial``; prints ``HEX  -``
#: (SHA-256 of what arrived), ``N bytes`` and ``F status`` (the writer's), in any order.
RECEIVE_SH = r"""f=$1; w=$2
mkdir -m 700 "$w" && mkfifo "$w/h" "$w/n" || exit 125
sha256sum < "$w/h" &
{ k=$(wc -c < "$w/n"); echo N $k; } &
tee "$w/h" "$w/n" | { cat > "$f.partial"; echo F $?; }
wait
rm -rf "$w"
"""

#: ``sh -c RESTORE_SH sh FILE WORKDIR TOOL ARGS…``: stdin (the preamble), then
#: ``gzip -dc FILE``, into the tool; prints ``P N``/``S N`` (SQL bytes of the
#: file) and ``Z status`` (gzip's); exits with the tool's status.
RESTORE_SH = (
    r"""f=$1; w=$2; shift 2
[ -r "$f" ] || { echo "cannot read $f" >&2; exit 66; }
mkdir -m 700 "$w" && mkfifo "$w/a" || exit 125
exec 3>&1
{ """
    + _AWK_COUNT
    + r""" || cat > /dev/null; } < "$w/a" &
{ cat; { gzip -dc < "$f"; echo Z $? >&3; } | tee "$w/a"; } | "$@" > /dev/null
rc=$?
wait
rm -rf "$w"
exit $rc
"""
)

#: ``sh -c SHA_SH sh FILE``: ``HEX  -``.
SHA_SH = r"""sha256sum < "$1" """

_SHA_LINE = re.compile(r"^([0-9a-f]{64})\s+-?\s*$")


class ProtocolError(Exception):
    """A script printed something it never prints (its output was cut or mixed)."""


@dataclass(frozen=True)
class DumpReport:
    """The ``R`` line of :data:`DUMP_SH`: ``sha256`` of the gzip file ("" when
    none), ``compressed`` and ``sql`` byte counts, the dump's, gzip's and the
    file writer's exit statuses (None: not known, the stage never reported)."""

    sha256: str
    compressed: int | None
    sql: int | None
    rc: int | None
    zrc: int | None
    frc: int | None

    @classmethod
    def parse(cls, fields: list[str]) -> DumpReport:
        """From the words after ``R``; ProtocolError when there are not six."""
        if len(fields) != 6:
            raise ProtocolError(f"a report of {len(fields)} fields")

        def num(text: str) -> int | None:
            return int(text) if text.isdigit() else None

        sha = fields[0] if len(fields[0]) == 64 else ""
        return cls(sha, num(fields[1]), num(fields[2]), num(fields[3]), num(fields[4]), num(fields[5]))


class Frames:
    """Reads a script's stdout as protocol lines (``line()``) and counted runs
    of raw bytes (``exactly(n)``), over any :class:`ByteReader`."""

    LINE_MAX = 4096

    def __init__(self, reader: ByteReader) -> None:
        self._reader = reader
        self._buf = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        data = await self._reader.read(65536)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    async def line(self) -> str | None:
        """The next line without its newline; None at the end of the stream (a
        last line cut short is dropped). ProtocolError for a line over 4 KiB."""
        while (nl := self._buf.find(b"\n")) < 0:
            if len(self._buf) > self.LINE_MAX:
                raise ProtocolError("a line longer than 4 KiB")
            if not await self._fill():
                return None
        raw = bytes(self._buf[:nl])
        del self._buf[: nl + 1]
        return raw.decode("utf-8", "replace")

    async def exactly(self, n: int) -> bytes:
        """The next ``n`` bytes; ProtocolError when the stream ends first."""
        while len(self._buf) < n:
            if not await self._fill():
                raise ProtocolError(f"the stream ended {n - len(self._buf)} bytes short")
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def parse_sha(line: str) -> str | None:
    """The hex digest of a ``sha256sum`` line from stdin (``HEX  -``), else None."""
    m = _SHA_LINE.match(line.strip())
    return m.group(1) if m else None


_WRITE_ERRORS = (
    "No space left",
    "Disk quota",
    "Read-only file system",
    "File too large",
    "Input/output error",
    "write error",
)


def write_error(lines: list[str]) -> str:
    """The line of a tool's stderr that says why a file could not be written
    (``cat: write error: No space left on device``), else its last line."""
    for ln in lines:
        if any(w in ln for w in _WRITE_ERRORS):
            return ln.strip()
    return next((ln.strip() for ln in reversed(lines) if ln.strip()), "the write failed")
