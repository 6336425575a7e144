"""Facts read on a database host, where they help a repair: the tail of the
server's error log, over SSH, or from this machine's own files when the
server runs here (its ``@@hostname`` is this machine's).

The log's place is the server's own answer (``@@global.log_error``, relative
paths under ``@@global.datadir``, as the MariaDB and MySQL manuals' "Error
Log" pages describe); the tail is read with ``tail`` on the node's host
through its SSH connection (:mod:`replui.transport.ssh`). Nothing here
raises: a fact that cannot be read comes back as a line saying why.
"""

from __future__ import annotations

import os
import posixpath
import shlex
import socket
from typing import TYPE_CHECKING

from replui.config import NodeConfig

if TYPE_CHECKING:
    from replui.config_ssh import SshTarget
    from replui.mysql.client import NodeClient

#: Lines of the error log shown.
LOG_LINES = 40
#: Seconds allowed for reading it over SSH.
LOG_TIMEOUT = 15.0
#: Bytes of the log's end read by :func:`error_log_end` (64 KiB).
END_BYTES = 65536
#: Seconds allowed for :func:`error_log_end` over SSH (it runs within a poll).
END_TIMEOUT = 5.0


def error_log_path(client: "NodeClient") -> tuple[str | None, str]:
    """``(path, note)``: the server's error log file as its host sees it, or
    None with the reason (``log_error`` empty or ``stderr``: the log goes to
    the journal or the service's output). Raises
    :class:`~replui.mysql.client.NodeError`."""
    rows = client.query("SELECT @@global.log_error AS log_error, @@global.datadir AS datadir")
    row = rows[0] if rows else {}
    raw = row.get("log_error")
    log = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    datadir = row.get("datadir")
    base = datadir.decode("utf-8", "replace") if isinstance(datadir, bytes) else str(datadir or "")
    if not log or log.lower() == "stderr":
        return None, (
            f"log_error is {log or 'empty'!r}: the server logs to its service's output "
            "(journalctl -u mariadb, or the container's log)"
        )
    if not log.startswith("/"):
        log = posixpath.normpath(posixpath.join(base or "/", log))
    return log, ""


def error_log_tail(node: NodeConfig, client: "NodeClient", lines: int = LOG_LINES) -> str:
    """The last ``lines`` lines of ``node``'s error log, read on its host over
    SSH, under a header naming the file; for a node not reached by SSH, or
    when the file cannot be read, a line saying why. Blocking (for a worker
    thread); never raises."""
    from replui.mysql.client import NodeError

    target = node.ssh_target
    if target is None:
        return f"{node.name}: not reached through SSH; its error log is read on its own host"
    try:
        path, why = error_log_path(client)
    except NodeError as exc:
        return f"{node.name}: cannot ask the server where its error log is: {exc}"
    if path is None:
        return f"{node.name}: {why}"
    text, why = _tail_on_host(target, path, f"-n {int(lines)}", LOG_TIMEOUT)
    if text is None:
        return f"{node.name}: {why}"
    body = text.rstrip("\n")
    return f"{node.name}: the last {lines} lines of {path} on {target.host}\n{body}"


def error_log_end(
    node: NodeConfig, client: "NodeClient", server_hostname: str | None, nbytes: int = END_BYTES
) -> tuple[str | None, str | None, str]:
    """``(path, text, why)``: the last ``nbytes`` bytes of ``node``'s error
    log, decoded as UTF-8 (bad bytes replaced). Read over SSH on the node's
    host (``tail -c``, :data:`END_TIMEOUT` seconds) when it has one, else from
    this machine's file system when ``server_hostname`` (the server's
    ``@@hostname``) is this machine's host name: a server on another machine
    reached through a loopback port forward is never mistaken for a local
    one. ``text`` is None when the log cannot be read, and ``why`` then says
    why. Blocking (for the poller's worker thread); never raises."""
    from replui.mysql.client import NodeError

    try:
        path, why = error_log_path(client)
    except NodeError as exc:
        return None, None, f"cannot ask the server where its error log is: {exc.message}"
    if path is None:
        return None, None, why
    target = node.ssh_target
    if target is None:
        here = socket.gethostname()
        if not server_hostname or server_hostname != here:
            return (
                path,
                None,
                (
                    f"the server runs on {server_hostname or 'another host'}, not on this machine ({here}), "
                    "and replui has no SSH access to its host"
                ),
            )
        try:
            with open(path, "rb") as fh:
                fh.seek(max(0, os.fstat(fh.fileno()).st_size - nbytes))
                return path, fh.read(nbytes).decode("utf-8", "replace"), ""
        except OSError as exc:
            return path, None, f"{path}: {exc.strerror or exc}"
    text, why = _tail_on_host(target, path, f"-c {int(nbytes)}", END_TIMEOUT)
    return path, text, why


def _tail_on_host(target: "SshTarget", path: str, amount: str, timeout: float) -> tuple[str | None, str]:
    """``(text, why)``: ``tail AMOUNT -- PATH`` run on ``target`` over SSH
    (``timeout`` seconds); text None when it failed, and ``why`` then names the
    file, the host and the cause. Never raises."""
    from replui.transport.base import TransportError
    from replui.transport.ssh import SshTransport
    from replui.transport.sshhub import hub

    command = f"tail {amount} -- {shlex.quote(path)}"
    try:
        rc, out = hub().run(SshTransport(target).run_command(command, timeout=timeout), timeout + 5)
    except (TransportError, TimeoutError) as exc:
        return None, f"{path} on {target.host}: {exc}"
    if rc != 0:
        return None, f"{path} on {target.host} cannot be read: {out.strip() or f'exit status {rc}'}"
    return out, ""
