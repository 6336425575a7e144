"""Room for a ``--via-file`` dump: the free space in a node's ``work_dir`` on
its own host, and the rule that refuses or warns before anything changes.

The space is read where the file will be written — ``df -Pk DIR`` run on the
node's host through its transport (this machine for a node without SSH) —
together with a look for the tools the file path runs there
(:data:`FILE_TOOLS`). The rule is :func:`judge`.
"""

from __future__ import annotations

from dataclasses import dataclass

from replui.transport.base import Transport, TransportError, run_to_end
from replui.units import human_bytes

__all__ = [
    "FILE_TOOLS",
    "COMPRESSION",
    "MARGIN",
    "FreeSpace",
    "Verdict",
    "host_label",
    "free_space",
    "judge",
]

#: What the dump, copy and restore of a ``--via-file`` run use on a host
#: besides the dump tool and the client (POSIX ``sh`` scripts).
FILE_TOOLS = ("gzip", "sha256sum", "mkfifo", "tee", "wc", "awk", "head", "tail", "cut", "tr", "df")
#: A well-compressed dump: gzip turns the SQL of ordinary table data into about a tenth of the
#: data's size (text and numbers; random or already compressed data is the exception).
COMPRESSION = 10
#: Bytes kept free besides the dump: option files, the ``.sha256`` file, the file system's rounding.
MARGIN = 1024 * 1024

#: ``sh -c SPACE_SH sh DIR TOOL…``: the directory (``DIR`` empty: ``$TMPDIR``, else
#: ``/tmp``), each missing tool, then the directory's ``df -Pk`` line.
SPACE_SH = r"""d=${1:-${TMPDIR:-/tmp}}; shift
printf 'D %s\n' "$d"
for c in "$@"; do command -v "$c" >/dev/null 2>&1 || printf 'M %s\n' "$c"; done
df -Pk -- "$d" | sed -n '2,$s/^/F /p'
"""


@dataclass(frozen=True)
class FreeSpace:
    """What ``df -Pk`` says about one node's ``work_dir`` on its host:
    ``node`` and ``host`` (for messages: ``this machine`` or ``user@host:port``),
    ``directory`` as the host resolved it, ``filesystem`` and ``mount`` (which
    file system holds it), ``available`` bytes (df's "Available": what an
    ordinary user may still write), and the :data:`FILE_TOOLS` the host lacks."""

    node: str
    host: str
    directory: str
    filesystem: str
    mount: str
    available: int
    missing: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        """``"db2's host (root@10.0.0.3:22)"``."""
        return f"{self.node}'s host ({self.host})"

    def same_filesystem(self, other: FreeSpace) -> bool:
        """Both directories are on one file system of one machine."""
        return (self.host, self.filesystem, self.mount) == (other.host, other.filesystem, other.mount)


@dataclass(frozen=True)
class Verdict:
    """The rule's answer for one host: ``refuse`` (why not, naming the host,
    the directory and both figures) or ``warn`` (a risk worth a line), each
    empty when it does not apply."""

    refuse: str = ""
    warn: str = ""


def host_label(transport: Transport) -> str:
    """Where ``transport`` runs commands, for messages: ``this machine``, or the
    SSH target without its jump hops (``root@10.0.0.3:22``)."""
    if transport.name == "local":
        return "this machine"
    return transport.name.removeprefix("ssh:").split(" via ", 1)[0]


async def free_space(transport: Transport, node: str, work_dir: str | None) -> FreeSpace:
    """Run ``df -Pk`` on ``work_dir`` (None: ``$TMPDIR``, else ``/tmp``) where
    ``transport`` runs commands, and look for :data:`FILE_TOOLS` there (one
    remote command). Reads nothing else and writes nothing. Raises
    :class:`TransportError` naming the node's host and the directory when df
    cannot tell (no such directory, no df)."""
    host = host_label(transport)
    rc, out, err = await run_to_end(transport, ["sh", "-c", SPACE_SH, "sh", work_dir or "", *FILE_TOOLS])
    directory, missing, fs_line = work_dir or "$TMPDIR", [], ""
    for line in out.decode("utf-8", "replace").splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "D":
            directory = rest
        elif kind == "M":
            missing.append(rest)
        elif kind == "F":
            fs_line = rest
    fields = fs_line.split()
    if len(fields) < 6 or not fields[3].isdigit():
        why = " ".join(err.decode("utf-8", "replace").split())[:200] or f"df exited with status {rc}"
        raise TransportError(f"{node}'s host ({host}): cannot read the free space of {directory}: {why}")
    return FreeSpace(
        node, host, directory, fields[0], " ".join(fields[5:]), int(fields[3]) * 1024, tuple(missing)
    )


def judge(space: FreeSpace, estimate: int, files: int = 1, what: str = "the dump file") -> Verdict:
    """The rule for ``files`` compressed dumps of ``estimate`` bytes of table
    data (information_schema's ``data_length + index_length`` in scope) in
    ``space``:

    - refuse when ``available`` < ``files × estimate / COMPRESSION + MARGIN``:
      even a dump that compresses 10:1 — better than most — would not fit, so
      the run could only fail later, with replication already stopped;
    - warn when ``available`` < ``files × estimate + MARGIN``: it fits only if
      the data compresses at least ``estimate / available`` : 1, which text
      and numbers usually do and random or already compressed data does not;
    - else nothing (a dump is rarely larger than the data it holds).

    Only a clear shortfall refuses: df's "Available" leaves out the blocks a
    file system keeps for root and is approximate on compressing or
    copy-on-write file systems, so between the two figures the write itself
    decides (and a full disk is contained: :mod:`replui.wizards.dumpfile`).
    A missing tool (:data:`FILE_TOOLS`) refuses too. ``estimate`` 0 (nothing
    measured) refuses nothing."""
    if space.missing:
        return Verdict(
            refuse=f"{space.where} lacks {', '.join(space.missing)}, needed to write, copy and check "
            "the --via-file dump there"
        )
    least = files * estimate // COMPRESSION + MARGIN
    full = files * estimate + MARGIN
    both = " (the dump file and its copy share that file system)" if files > 1 else ""
    free = f"{human_bytes(space.available)} free in {space.directory}"
    if estimate > 0 and space.available < least:
        return Verdict(
            refuse=f"{space.where} has {free}; {what} for {human_bytes(estimate)} of table data needs at "
            f"least {human_bytes(least)} there even if it compresses {COMPRESSION}:1{both}: free space "
            f"there or set {space.node}'s work_dir to a directory on a larger file system"
        )
    if estimate > 0 and space.available < full:
        ratio = files * estimate / max(1, space.available - MARGIN)
        return Verdict(
            warn=f"{space.where} has {free}, less than the {human_bytes(estimate)} of table data in "
            f"scope{both}: {what} fits only if it compresses at least {ratio:.1f}:1"
        )
    return Verdict()
