"""The one interface for *where a command runs and how bytes move*.

A :class:`Transport` runs commands (:class:`LocalTransport` runs them on
this machine), stops them with everything they started, and holds private
files (MySQL option files with passwords) and private directories (a dump
written to a file). Wizards and the dump relay only ever talk to this
interface and get a node's transport from
:func:`replui.transport.transport_for`, so a remote host plugs in by
implementing it — nothing else changes.

Everything is async: a dump relays megabytes per second through the event
loop, and cancel must reach a running command at once.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class TransportError(Exception):
    """A command could not be started, or a private file could not be
    written or removed. ``str()`` is a one-line message for the user."""


@runtime_checkable
class ByteWriter(Protocol):
    """The writing end of a process's stdin (asyncio ``StreamWriter`` shape)."""

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None:
        """Wait until the buffer is low enough to write more (back-pressure).
        Raises ``BrokenPipeError``/``ConnectionResetError`` when the reader is gone."""

    def close(self) -> None: ...


@runtime_checkable
class ByteReader(Protocol):
    """A process's stdout or stderr (asyncio ``StreamReader`` shape)."""

    async def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes; ``b""`` at end of stream."""

    async def readline(self) -> bytes:
        """One line including its ``\\n``; the rest at end of stream; ``b""`` after it."""


@runtime_checkable
class Process(Protocol):
    """A running command started by :meth:`Transport.spawn`.

    ``stdin`` is None unless ``spawn(stdin=True)``. ``argv`` is the command as
    started (for transcripts; it never holds a password — see
    :mod:`replui.wizards.optionfile`). ``terminate()``/``kill()`` signal the
    whole process tree the command started, not only its first process;
    ``terminate_tree()`` stops that tree and reaps it; ``close()`` releases
    the pipes once the command has exited.
    """

    argv: list[str]
    pid: int | None
    stdin: ByteWriter | None
    stdout: ByteReader
    stderr: ByteReader

    @property
    def returncode(self) -> int | None:
        """The exit status once known (negative: killed by that signal), else None."""

    async def wait(self) -> int:
        """Wait for the command to exit; return its exit status."""

    def terminate(self) -> None:
        """Ask the command's whole tree to stop (SIGTERM)."""

    def kill(self) -> None:
        """Stop the command's whole tree now (SIGKILL)."""

    async def terminate_tree(self, timeout: float = 5.0) -> int | None:
        """Stop the command and every process it started: ``terminate()``, then
        ``kill()`` after ``timeout`` seconds if any of the tree is left. Return
        the exit status (negative: the signal that ended it), or None if it
        could not be reaped within another ``timeout``. Safe on a command that
        has already exited (it still clears what it left running)."""

    def close(self) -> None:
        """Release the pipes of a command that has exited (unread output is
        dropped); nothing happens while it still runs. Idempotent."""


@runtime_checkable
class Transport(Protocol):
    """Where commands run and private files and directories live.

    ``name`` says where, for messages and transcripts (``"local"``,
    ``"ssh:db1"``).
    """

    name: str

    async def spawn(
        self,
        argv: list[str],
        *,
        stdin: bool = False,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> Process:
        """Start ``argv`` (no shell). stdout and stderr are always pipes; stdin is
        a pipe when ``stdin`` is true, else empty. ``env`` adds to (overrides in)
        the transport's environment. Raises :class:`TransportError` when the
        command cannot be started (not found, not executable)."""

    async def write_private_file(self, data: bytes, suffix: str = "") -> str:
        """Write ``data`` to a new file of mode 0600 in this transport's private
        directory (mode 0700, created on first use); return its path as seen
        by commands spawned here. Used for option files holding passwords."""

    async def remove(self, path: str) -> None:
        """Delete a file written by :meth:`write_private_file` (no error if gone)."""

    async def make_private_dir(self, prefix: str = "replui-dir-") -> str:
        """Create a new empty directory of mode 0700 (its name starts with
        ``prefix``) for files commands spawned here read or write; return its
        path as they see it. It stays until :meth:`remove_tree` or
        :meth:`cleanup`. Raises :class:`TransportError` when it cannot be made."""

    async def remove_tree(self, path: str) -> None:
        """Delete a directory made by :meth:`make_private_dir` with everything
        in it (no error if gone). Raises :class:`TransportError` for a path this
        transport did not make."""

    async def cleanup(self) -> None:
        """Stop every command still running that this transport started, then
        delete the private directory and every directory made by
        :meth:`make_private_dir`, with everything in them. Idempotent."""


async def run_to_end(
    transport: Transport, argv: list[str], timeout: float = 30.0
) -> tuple[int, bytes, bytes]:
    """Run ``argv`` on ``transport`` to its end: ``(exit status, stdout, stderr)``.
    For short commands (a tool's version, a probe); the command is stopped
    (its whole tree) if it runs longer than ``timeout`` seconds, which raises
    ``asyncio.TimeoutError``. Raises :class:`TransportError` when it cannot start."""
    import asyncio

    proc = await transport.spawn(argv)
    try:
        out, err = await asyncio.wait_for(asyncio.gather(proc.stdout.read(), proc.stderr.read()), timeout)
        rc = await asyncio.wait_for(proc.wait(), timeout)
    finally:
        await proc.terminate_tree(2)
        proc.close()
    return rc, out, err
