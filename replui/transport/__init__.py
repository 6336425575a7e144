"""Where commands run and how bytes move: :class:`Transport` and its
implementation :class:`LocalTransport` (commands on this machine)."""

from replui.transport.base import ByteReader, ByteWriter, Process, Transport, TransportError
from replui.transport.local import LocalProcess, LocalTransport, terminate_tree

__all__ = ["ByteReader", "ByteWriter", "Process", "Transport", "TransportError", "LocalProcess", "LocalTransport", "terminate_tree"]
