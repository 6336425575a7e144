"""Where a replica's SQL thread had got to, read from its applier metadata
when ``SHOW SLAVE STATUS`` cannot say (its ``master.info`` is unusable).

The applier metadata keeps ``Relay_Master_Log_File``/``Exec_Master_Log_Pos``:
on MariaDB and MySQL 5.7 with ``relay_log_info_repository=FILE`` in the file
``@@relay_log_info_file`` (relative to ``@@datadir``); on MySQL with the
TABLE repository (the 8.0 default) in ``mysql.slave_relay_log_info`` (MySQL
manual, "Relay Log and Replication Metadata Repositories"). The file's lines
(MariaDB KB, "relay-log.info"): the number of lines that follow (absent in
old files), the relay log name, its position, the source's binlog file and
the position executed in it.

A file is read where the server runs: over SSH on the node's host, or on this
machine when the node is reached at a loopback address or a socket (the lab);
for a node reached over TCP without SSH the file is on another machine and
is not read (the operator gives ``--to FILE:POS``). It is written every
``sync_relay_log_info`` events: after a crash it may lag, and events applied
again can stop the SQL thread (1062, 1032); a clean shutdown writes it.
"""

from __future__ import annotations

import posixpath

from replui.config import NodeConfig
from replui.model import BinlogCoordinates
from replui.mysql.dialect import Dialect
from replui.wizards.context import StepContext

#: Seconds allowed for reading the file on the node's host.
READ_TIMEOUT = 15.0
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def parse_relay_log_info(text: str) -> BinlogCoordinates | None:
    """The executed source coordinates in a ``relay-log.info`` file's ``text``:
    lines ``[count], relay log, relay pos, source file, source pos``. None when
    they are missing or not a file name and a number of bytes."""
    lines = [ln.strip() for ln in text.splitlines()]
    if lines and lines[0].isdigit():
        lines = lines[1:]
    if len(lines) < 4:
        return None
    file, pos = lines[2], lines[3]
    if not file or not pos.isdigit() or any(c in file for c in "/\\\x00") or not file.isprintable():
        return None
    return BinlogCoordinates(file, int(pos))


def file_readable_here(node: NodeConfig) -> bool:
    """Whether ``node``'s files can be read through its transport: its commands
    run on its host over SSH, or it is reached at a loopback address or a
    socket of this machine."""
    if node.uses_ssh:
        return True
    return bool(node.socket) or node.host in _LOOPBACK or node.host.startswith("127.")


async def read_executed_coordinates(
    ctx: StepContext, node: str, dl: Dialect
) -> tuple[BinlogCoordinates | None, str]:
    """``(coordinates, where)``: the source position ``node``'s SQL thread
    executed, and where it was read (``"relay-log.info on node2's host
    (/var/lib/mysql/relay-log.info)"``); ``(None, why not)`` when it cannot
    be read. Read-only; never raises."""
    from replui.mysql.client import NodeError
    from replui.transport.base import TransportError, run_to_end

    if not dl.is_mariadb:
        try:
            rows = await ctx.query(
                node,
                "SELECT Master_log_name AS f, Master_log_pos AS p FROM mysql.slave_relay_log_info "
                "WHERE Channel_name = ''",
            )
        except NodeError:
            rows = []
        if rows and rows[0].get("f"):
            return BinlogCoordinates(str(rows[0]["f"]), int(str(rows[0]["p"]))), (
                f"mysql.slave_relay_log_info on {node}"
            )
    try:
        rows = await ctx.query(node, "SELECT @@global.datadir AS d, @@global.relay_log_info_file AS f")
    except NodeError as exc:
        return None, f"cannot ask {node} where relay-log.info is: {exc}"
    row = rows[0] if rows else {}
    name, datadir = str(row.get("f") or "relay-log.info"), str(row.get("d") or "")
    path = name if name.startswith("/") else posixpath.join(datadir or "/", name)
    cfg = ctx.config.node(node)
    if not file_readable_here(cfg):
        return None, (
            f"{node} is reached over TCP without SSH, so its {path} is on another machine and is not "
            "read from here"
        )
    try:
        rc, out, err = await run_to_end(ctx.transport(node), ["cat", "--", path], READ_TIMEOUT)
    except (TransportError, TimeoutError) as exc:
        return None, f"cannot read {path} on {node}'s host: {exc}"
    if rc != 0:
        detail = " ".join(err.decode("utf-8", "replace").split())[-200:] or f"exit status {rc}"
        return None, f"cannot read {path} on {node}'s host: {detail}"
    coords = parse_relay_log_info(out.decode("utf-8", "replace"))
    if coords is None:
        return None, f"{path} on {node}'s host holds no readable source coordinates"
    return coords, f"{path} on {node}'s host"
