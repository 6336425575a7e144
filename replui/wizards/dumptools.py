"""The dump and client tools: which exist on a transport, their versions, and
the exact command lines (passwords only ever in an option file, never argv)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from replui.mysql.dialect import Dialect, dialect_at
from replui.transport.base import Transport, TransportError, run_to_end
from replui.wizards.optionfile import defaults_extra_file_arg

DUMP_TOOLS = ("mariadb-dump", "mysqldump")
CLIENT_TOOLS = ("mariadb", "mysql")


@dataclass(frozen=True)
class ToolInfo:
    """A client tool: ``path``, ``flavor`` ("mariadb"/"mysql") and ``version``
    as a tuple (e.g. (8, 0, 36)); from its ``--version`` line."""

    path: str
    flavor: str
    version: tuple[int, ...]

    @property
    def dialect(self) -> Dialect:
        """The dialect the tool speaks: its own flavour and version decide
        its options (an unknown version, ``()``, is the oldest)."""
        return dialect_at(self.flavor, self.version)


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


def dump_argv(
    tool: ToolInfo, option_file: str, *, databases: list[str] | None = None, gtid: bool = False
) -> list[str]:
    """The dump command (the runbooks 'MySQL Replication Error' and 'Fail over
    MySQL and Rails'; the MySQL manual's mysqldump and MariaDB's mariadb-dump
    pages): consistent
    snapshot with coordinates as a comment; routines, triggers, events;
    binary as hex; rows streamed (``--quick``). The TOOL's flavour and version
    (its :attr:`ToolInfo.dialect`) decide: ``--source-data=2`` for mysqldump
    8.0.26+ (``--master-data`` is deprecated there and gone in 8.4); MariaDB
    with ``gtid`` adds ``--gtid``. ``databases`` None means ``--all-databases``;
    names follow ``--``, so any name the server accepts (``-dash``) is a name.
    Raises ValueError for an empty name or one holding NUL (argv cannot carry it)."""
    argv = [
        tool.path,
        defaults_extra_file_arg(option_file),
        "--single-transaction",
        *tool.dialect.dump_options(gtid=gtid),
    ]
    argv += ["--routines", "--triggers", "--events", "--hex-blob", "--quick"]
    if databases:
        bad = [d for d in databases if not d or "\x00" in d]
        if bad:
            raise ValueError(f"not a database name: {bad[0]!r}")
        # "--" ends the options (my_getopt): a database named "-dash" is a name, not an option
        argv += ["--databases", "--", *databases]
    else:
        argv.append("--all-databases")
    return argv


def client_argv(tool: ToolInfo, option_file: str) -> list[str]:
    """The restore command: the client reading SQL from stdin."""
    return [tool.path, defaults_extra_file_arg(option_file), "--batch"]


def tool_missing(transport: Transport, names: tuple[str, ...]) -> TransportError:
    """The error for a host (``transport``'s) that has none of the tools ``names``."""
    return TransportError(
        f"none of {', '.join(names)} is installed ({transport.name}); install the MariaDB or MySQL client"
    )


async def _run_capture(transport: Transport, argv: list[str], timeout: float = 30.0) -> tuple[int, str]:
    rc, out, _err = await run_to_end(transport, argv, timeout)
    return rc, out.decode("utf-8", "replace")


async def find_tool(
    transport: Transport, names: tuple[str, ...], explicit: str | None = None, default_flavor: str = "mariadb"
) -> ToolInfo:
    """The first of ``names`` that exists where ``transport`` runs commands
    (``explicit`` wins), with its ``--version``. Local: ``shutil.which``;
    elsewhere ``command -v`` in ``sh``. Raises :class:`TransportError` when none exists."""
    path = explicit
    if path is None and transport.name == "local":
        import shutil

        path = next((p for p in (shutil.which(n) for n in names) if p), None)
    elif (
        path is None
    ):  # one command finds the tool and asks its version (each remote command costs a round trip)
        script = (
            'for n in "$@"; do p=$(command -v "$n") && { echo "$p"; "$p" --version; exit 0; }; done; exit 1'
        )
        rc, out = await _run_capture(transport, ["sh", "-c", script, "sh", *names])
        lines = out.strip().splitlines() if rc == 0 else []
        if lines:
            return parse_tool_version(lines[0], lines[1] if len(lines) > 1 else "", default_flavor)
    if not path:
        raise tool_missing(transport, names)
    rc, out = await _run_capture(transport, [path, "--version"])
    return parse_tool_version(path, out.splitlines()[0] if out else "", default_flavor)
