"""Where commands run and how bytes move: :class:`Transport` and its
implementations :class:`LocalTransport` (commands on this machine) and
:class:`~replui.transport.ssh.SshTransport` (commands on a database host
over SSH, through :mod:`replui.transport.sshhub`).

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
    and calls ``cleanup()`` when done. A node reached by SSH
    (:attr:`~replui.config.NodeConfig.uses_ssh`) runs its commands on its
    host: an :class:`~replui.transport.ssh.SshTransport` on the process's
    shared SSH connections; any other node's run on this machine: a
    :class:`LocalTransport`. Private files and directories go to the node's
    ``work_dir`` on its host (default: ``$TMPDIR``, else ``/tmp``)."""
    target = node.ssh_target
    if target is not None:
        from replui.transport.ssh import SshTransport

        return SshTransport(target)
    return LocalTransport(tmp_root=node.work_dir)
