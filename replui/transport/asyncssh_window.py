"""Flow control for asyncssh channels whose reader is slower than the sender.

asyncssh (2.24.1 and the releases before it that we checked) counts every
byte that arrives against the receive window, and when reading resumes after
a pause it opens the whole window again on the first packet it hands on —
while nearly a window of earlier packets still waits in the channel's own
buffer. The peer then sends another window, and the buffer grows by about a
window per pause: relaying a 200 MiB dump from a fast source to a slower
replica held 162 MiB in that buffer (replui's bench, ``python -m bench.ssh``).
The same fault was fixed in Apache MINA SSHD (issue 292 there).

:func:`apply` replaces ``SSHChannel._deliver_data`` with a version that opens
the window only by what has really been handed on (the bytes still buffered
in the channel are not credited), so the buffer stays under one window. The
rest of the method is asyncssh's own. Applied once, by
:mod:`replui.transport.sshhub`, for asyncssh versions whose method has the
shape this was written against; any other version is left alone.
"""

from __future__ import annotations

import inspect
from typing import Any

from asyncssh.channel import SSHChannel
from asyncssh.constants import MSG_CHANNEL_WINDOW_ADJUST
from asyncssh.misc import ProtocolError
from asyncssh.packet import UInt32

__all__ = ["apply", "applied"]

_ORIGINAL = SSHChannel._deliver_data
#: a line of the method this replacement was written against (asyncssh 2.14 – 2.24)
_EXPECTED = "adjust = self._init_recv_window - self._recv_window"
_applied = False


def _deliver_data(self: Any, data: bytes, datatype: Any) -> None:
    """asyncssh's ``SSHChannel._deliver_data``, crediting the window only with
    bytes no longer waiting in the channel's buffer."""
    waiting = sum(len(d) for d, _ in self._recv_buf)
    if self._recv_window + waiting < self._init_recv_window / 2:
        adjust = self._init_recv_window - self._recv_window - waiting
        self.logger.debug2("Sending window adjust of %d bytes", adjust)
        self.send_packet(MSG_CHANNEL_WINDOW_ADJUST, UInt32(adjust))
        self._recv_window += adjust

    if self._encoding:
        try:
            decoded = self._decoder.decode(data)
        except UnicodeDecodeError as exc:
            raise ProtocolError(str(exc)) from None
    else:
        decoded = data

    if self._session is not None:
        self._session.data_received(decoded, datatype)


def applied() -> bool:
    """Whether the replacement is in place."""
    return _applied


def apply() -> bool:
    """Put the replacement in place when asyncssh's method is the one it was
    written against; True when it is (now or already) in place."""
    global _applied
    if _applied:
        return True
    try:
        source = inspect.getsource(_ORIGINAL)
    except (OSError, TypeError):
        return False
    if _EXPECTED not in source:
        return False
    SSHChannel._deliver_data = _deliver_data  # type: ignore[method-assign]
    _applied = True
    return True
