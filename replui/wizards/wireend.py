"""One end of a streamed dump made ready on its host in one command.

Before the bytes flow, each end needs the dump tool or the client (found, with
its ``--version``: the tool's flavour and version decide its options), the
option file holding the password (mode 0600, in a private directory of mode
0700 — never in argv or the environment) and, when the bytes cross the
network, the wire's tools (:mod:`replui.wizards.wire`).

On a database host reached over SSH every command costs a round trip (a
channel, and the login shell's start-up), so :func:`prepare_ends` asks each
host once, both at the same time: :data:`PREPARE_SH` looks the tool and the
wire's tools up, then makes the private directory under the transport's
``private_parent`` (``${TMPDIR:-/tmp}`` by default, as the transport's own
private directories) and writes the option file into it from its stdin. The
wire script spawned next runs in that directory, owns it and removes it when
it ends (:data:`~replui.wizards.wire.SOURCE_SH`); the transport tracks it
(:class:`HostDirs`) so its ``remove_tree``/``cleanup`` remove it when the
script could not. Where no such transport is at hand (this machine, where
nothing costs a round trip) the same facts come step by step from the
transport's own methods.

:func:`probe_host` is the same look-up without the directory (the dump tool
or the client and the wire's tools of a host in one command), for a
pre-flight check that runs before replication is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from replui.transport.base import Transport, TransportError
from replui.wizards.dumptools import ToolInfo, find_tool, parse_tool_version, tool_missing
from replui.wizards.wire import CHECK_TOOLS, WIRE_TOOLS, host_tools, missing_check_tools, where

__all__ = [
    "PREPARE_SH",
    "HostDirs",
    "PreparedEnd",
    "EndSpec",
    "prepare_ends",
    "HostTools",
    "probe_host",
]

PREPARE_TIMEOUT = 30.0  # seconds for the prepare command (a tool's --version included)

#: ``sh -c PREPARE_SH sh MODE PARENT LINES NAME…`` on the end's host. Prints
#: ``have TOOL`` for each wire tool it has, then ``tool PATH`` and ``version
#: LINE`` for the first of NAME… found (exit 3 when none is). MODE ``dir``
#: then needs the check tools (exit 4), makes a 0700 ``replui-…`` directory
#: under PARENT (empty: ``${TMPDIR:-/tmp}``) and writes stdin into it, the
#: first LINES lines as ``mariadb.cnf`` and the rest as ``mysql.cnf`` (both
#: 0600); ``dir PATH`` is its last line (a signal or a dropped connection before
#: that removes the directory). MODE ``probe`` stops after the look-up.
PREPARE_SH = f"""m=$1; p=$2; k=$3; shift 3
for c in {" ".join(WIRE_TOOLS)}; do command -v "$c" >/dev/null 2>&1 && echo "have $c"; done
t=
for n in "$@"; do t=$(command -v "$n") && [ -n "$t" ] && break; t=; done
[ -n "$t" ] || exit 3
echo "tool $t"
echo "version $("$t" --version 2>/dev/null | head -n 1)"
[ "$m" = dir ] || exit 0
for c in {" ".join(sorted(CHECK_TOOLS))}; do command -v "$c" >/dev/null 2>&1 || exit 4; done
umask 077
d=$(mktemp -d "${{p:-${{TMPDIR:-/tmp}}}}/replui-XXXXXXXX") || exit 5
trap 'rm -rf "$d"; exit 129' HUP; trap 'rm -rf "$d"; exit 143' INT TERM; trap 'rm -rf "$d"; exit 141' PIPE
if (set -C; cat > "$d/in" && head -n "$k" "$d/in" > "$d/mariadb.cnf" &&
  tail -n "+$((k + 1))" "$d/in" > "$d/mysql.cnf"); then
  rm -f "$d/in"; echo "dir $d"
else
  rm -rf "$d"; exit 6
fi
"""


@runtime_checkable
class HostDirs(Protocol):
    """A transport that can track a private directory a command made on its
    host (:class:`~replui.transport.ssh.SshTransport`)."""

    @property
    def private_parent(self) -> str | None:
        """Where private directories are made on the host (None: ``${TMPDIR:-/tmp}`` there)."""

    def adopt_private_dir(self, path: str) -> None:
        """Track ``path``: removed by ``remove_tree``/``cleanup`` like the transport's own."""

    def release_private_dir(self, path: str) -> None:
        """Forget ``path``: the command that owned it removed it."""


@dataclass(frozen=True)
class PreparedEnd:
    """One end ready to run on ``transport``'s host: its ``tool``; the
    ``option_file`` (path there) for the tool's flavour; ``directory``, the
    private directory the wire script runs in (None: no wire script runs
    there); ``have``: the wire tools found there (empty when not asked);
    ``by_script``: the prepare command made the directory, with the option
    file inside it, and the wire script removes it."""

    transport: Transport
    tool: ToolInfo
    option_file: str
    directory: str | None
    have: frozenset[str]
    by_script: bool

    async def discard(self, removed: bool = False) -> None:
        """Remove what is left of this end on its host; ``removed``: the wire
        script said it removed its directory (nothing is sent then). Never raises
        (the transport's cleanup tries again and reports what it could not remove)."""
        with contextlib.suppress(TransportError, OSError):
            if self.by_script and self.directory is not None:
                if removed and isinstance(self.transport, HostDirs):
                    self.transport.release_private_dir(self.directory)
                else:
                    await self.transport.remove_tree(self.directory)
                return
            await self.transport.remove(self.option_file)
            if self.directory is not None:
                await self.transport.remove_tree(self.directory)


#: The option file's bytes for a tool of a flavour ("mariadb" or "mysql").
OptionFile = Callable[[str], bytes]


@dataclass(frozen=True)
class EndSpec:
    """What one end needs: node ``name`` (for messages), its ``transport``, the
    tool ``names`` to look for (``explicit`` wins) and its ``option_file``."""

    name: str
    transport: Transport
    names: tuple[str, ...]
    explicit: str | None
    option_file: OptionFile


async def _run_script(
    transport: Transport, argv: list[str], data: bytes | None, timeout: float
) -> tuple[int, list[str], str]:
    """Run ``argv`` with ``data`` on its stdin; ``(exit status, stdout lines, stderr text)``.
    Raises :class:`TransportError` (naming the host) when it cannot start or runs past ``timeout`` s."""
    proc = await transport.spawn(argv, stdin=data is not None)
    try:
        if data is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(data)
                await proc.stdin.drain()
            proc.stdin.close()
        try:
            out, err = await asyncio.wait_for(asyncio.gather(proc.stdout.read(), proc.stderr.read()), timeout)
            rc = await asyncio.wait_for(proc.wait(), timeout)
        except asyncio.TimeoutError:
            raise TransportError(f"{where(transport)}: no answer within {timeout:g} s") from None
    finally:
        await proc.terminate_tree(2)
        proc.close()
    return rc, out.decode("utf-8", "replace").splitlines(), err.decode("utf-8", "replace").strip()


def _facts(lines: list[str]) -> dict[str, list[str]]:
    facts: dict[str, list[str]] = {}
    for line in lines:
        key, _, value = line.partition(" ")
        facts.setdefault(key, []).append(value)
    return facts


class _Missing(TransportError):
    """None of the tools asked for is on the host; ``have`` says which wire tools are."""

    def __init__(self, message: str, have: frozenset[str]) -> None:
        super().__init__(message)
        self.have = have


async def _by_script(spec: EndSpec, mode: str) -> dict[str, list[str]]:
    """Run :data:`PREPARE_SH` for ``spec`` in ``mode``; what it printed, by its first word.
    Raises :class:`TransportError` naming the host and what is missing."""
    transport = spec.transport
    names = (spec.explicit,) if spec.explicit else spec.names
    data: bytes | None = None
    lines = 0
    parent = ""
    if mode == "dir":
        maria, mysql = spec.option_file("mariadb"), spec.option_file("mysql")
        maria += b"" if maria.endswith(b"\n") else b"\n"
        lines = maria.count(b"\n")
        data = maria + mysql
        parent = getattr(transport, "private_parent", None) or ""
    argv = ["sh", "-c", PREPARE_SH, "sh", mode, parent, str(lines), *names]
    rc, out, err = await _run_script(transport, argv, data, PREPARE_TIMEOUT)
    facts = _facts(out)
    have = frozenset(facts.get("have", []))
    if rc == 3:
        raise _Missing(str(tool_missing(transport, names)), have)
    if rc == 4:
        problem = missing_check_tools(spec.name, transport, have)
        raise TransportError(problem or f"{spec.name}'s host ({where(transport)}) lacks the wire's tools")
    why = err[-200:] or f"exit status {rc}"
    if rc in (5, 6) or (rc == 0 and mode == "dir" and not facts.get("dir")):
        raise TransportError(
            f"{spec.name}'s host ({where(transport)}): cannot make a private directory: {why}"
        )
    if rc != 0 or not facts.get("tool"):
        raise TransportError(f"{spec.name}'s host ({where(transport)}): the tool look-up failed: {why}")
    return facts


def _tool(facts: dict[str, list[str]], default_flavor: str) -> ToolInfo:
    return parse_tool_version(facts["tool"][0], (facts.get("version") or [""])[0], default_flavor)


async def _prepare(spec: EndSpec, default_flavor: str, wired: bool) -> PreparedEnd:
    """One end (see :func:`prepare_ends`)."""
    transport = spec.transport
    if wired and transport.name != "local" and isinstance(transport, HostDirs):
        facts = await _by_script(spec, "dir")
        made = facts["dir"][-1]
        transport.adopt_private_dir(made)
        tool = _tool(facts, default_flavor)
        option = f"{made}/{'mysql' if tool.flavor == 'mysql' else 'mariadb'}.cnf"
        return PreparedEnd(transport, tool, option, made, frozenset(facts.get("have", [])), True)
    tool = await find_tool(transport, spec.names, spec.explicit, default_flavor)
    have: frozenset[str] = frozenset()
    if wired:
        have = frozenset(await host_tools(transport))
        problem = missing_check_tools(spec.name, transport, have)
        if problem:
            raise TransportError(problem)
    path = await transport.write_private_file(spec.option_file(tool.flavor), ".cnf")
    directory: str | None = None
    if wired:
        try:
            directory = await transport.make_private_dir("replui-wire-")
        except BaseException:
            await transport.remove(path)
            raise
    return PreparedEnd(transport, tool, path, directory, have, False)


async def prepare_ends(
    source: EndSpec, replica: EndSpec, default_flavor: str, *, wired: bool
) -> tuple[PreparedEnd, PreparedEnd]:
    """Both ends of a dump made ready at the same time: on a remote host one
    :data:`PREPARE_SH` command each (``wired``: a private directory with the
    option file, for the wire script; else the tool only, the option file
    being the transport's own private file). ``default_flavor`` is assumed for
    a tool whose ``--version`` says nothing.

    Raises :class:`TransportError` naming the host when a tool or a wire tool
    is missing or the directory cannot be made; nothing is left on either
    host then (the end that was made ready is discarded)."""
    results = await asyncio.gather(
        _prepare(source, default_flavor, wired),
        _prepare(replica, default_flavor, wired),
        return_exceptions=True,
    )
    ready = [r for r in results if isinstance(r, PreparedEnd)]
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        await asyncio.gather(*(end.discard() for end in ready))
        raise failed[0]
    src, rep = results
    assert isinstance(src, PreparedEnd) and isinstance(rep, PreparedEnd)
    return src, rep


@dataclass(frozen=True)
class HostTools:
    """What one host has: ``tool``, the first of the names asked for (None: none
    of them), and ``have``, its :data:`~replui.wizards.wire.WIRE_TOOLS`."""

    tool: ToolInfo | None
    have: frozenset[str]


async def probe_host(
    name: str, transport: Transport, names: tuple[str, ...], default_flavor: str = "mariadb"
) -> HostTools:
    """Which of ``names`` (the dump tools or the clients) and which wire tools
    node ``name``'s host has — one command on a remote host (:data:`PREPARE_SH`
    in ``probe`` mode, nothing written), none on this machine. Raises
    :class:`TransportError` naming the host when it cannot be asked."""
    if transport.name == "local":
        try:
            tool: ToolInfo | None = await find_tool(transport, names, None, default_flavor)
        except TransportError:
            tool = None
        return HostTools(tool, frozenset(await host_tools(transport)))
    try:
        facts = await _by_script(EndSpec(name, transport, names, None, lambda _f: b""), "probe")
    except _Missing as exc:
        return HostTools(None, exc.have)
    return HostTools(_tool(facts, default_flavor), frozenset(facts.get("have", [])))
