"""The streams of a remote command, read and written from any event loop.

Everything asyncssh does happens on the :class:`~replui.transport.sshhub.SshHub`'s
loop; :class:`RemoteReader` and :class:`RemoteWriter` carry each read, write and
drain of a command's stdout/stderr/stdin over to it, so the caller may run on
any loop (the TUI's, or ``asyncio.run`` in the CLI). They have the shapes of
:class:`~replui.transport.base.ByteReader` and :class:`~replui.transport.base.ByteWriter`.
"""

from __future__ import annotations

import contextlib
from typing import Any

import asyncssh

from replui.transport.sshhub import SshHub, describe_failure

__all__ = ["RemoteReader", "RemoteWriter"]


class RemoteReader:
    """A remote stream read from another event loop (ByteReader shape)."""

    def __init__(self, hub: SshHub, stream: Any):
        self._hub = hub
        self._stream = stream

    async def read(self, n: int = -1) -> bytes:
        try:
            data = await self._hub.call(self._stream.read(n))
        except (asyncssh.Error, OSError):
            return b""
        return bytes(data)

    async def readline(self) -> bytes:
        try:
            data = await self._hub.call(self._stream.readline())
        except (asyncssh.Error, OSError):
            return b""
        return bytes(data)


class RemoteWriter:
    """A remote stdin written from another event loop (ByteWriter shape).
    ``close()`` sends EOF (the command sees the end of its input)."""

    def __init__(self, hub: SshHub, stream: Any, where: str):
        self._hub = hub
        self._stream = stream
        self._where = where
        self._closed = False

    def write(self, data: bytes) -> None:
        if self._closed:
            raise BrokenPipeError(f"{self._where}: stdin already closed")
        self._hub.call_soon(_write_quietly, self._stream, bytes(data))

    async def drain(self) -> None:
        try:
            await self._hub.call(self._stream.drain())
        except (asyncssh.Error, OSError) as exc:
            raise ConnectionResetError(f"{self._where}: {describe_failure(exc)}") from None
        if self._stream.channel.is_closing():
            raise BrokenPipeError(f"{self._where}: the command's input is closed")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._hub.call_soon(_eof_quietly, self._stream)


def _write_quietly(stream: Any, data: bytes) -> None:
    with contextlib.suppress(Exception):  # a closed channel shows up at drain()
        stream.write(data)


def _eof_quietly(stream: Any) -> None:
    with contextlib.suppress(Exception):
        stream.write_eof()
