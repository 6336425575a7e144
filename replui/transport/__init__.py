"""Where commands run and how bytes move: :class:`Transport` and its
implementation :class:`LocalTransport` (commands on this machine).

:func:`transport_for` is the one place that decides, from a node's
configuration, which transport runs commands for it; everything else (the
wizards, the dump relay) only talks to the :class:`Transport` interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from replui.transport.base import ByteReader, ByteWriter, Process, Transport, TransportError
from replui.transport.local import LocalProcess, LocalTransport

if TYPE_CHECKING:
    from replui.config import NodeConfig

__all__ = [
    "ByteReader",
    "ByteWriter",
    "Process",
    "Transport",
    "TransportError",
    "LocalProcess",
    "LocalTransport",
    "transport_for",
]


def transport_for(node: "NodeConfig") -> Transport:
    """A new transport for running ``node``'s commands (its dump or client
    tool) and holding its private files and directories; the caller owns it
    and calls ``cleanup()`` when done. Today every node's commands run on this
    machine: a :class:`LocalTransport` (private files in the system temp dir)."""
    return LocalTransport()
