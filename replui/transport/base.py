"""The one interface for *where a command runs and how bytes move*.

A :class:`Transport` runs commands (:class:`LocalTransport` runs them on
this machine) and holds private files (MySQL option files with passwords). Wizards
and the dump stream only ever talk to this interface, so a remote host plugs
in by implementing it — nothing else changes.

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
    whole process tree the command started, not only its first process.
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


@runtime_checkable
class Transport(Protocol):
    """Where commands run and private files live.

    ``name`` says where, for messages and transcripts (``"local"``,
    ``"ssh:db1"``).
    """

    name: str

    async def spawn(self, argv: list[str], *, stdin: bool = False, env: dict[str, str] | None = None,
                    cwd: str | None = None) -> Process:
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

    async def cleanup(self) -> None:
        """Stop every command still running that this transport started, and
        delete the private directory with everything in it. Idempotent."""
