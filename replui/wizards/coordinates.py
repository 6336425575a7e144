"""Binlog coordinates at the head (and tail) of a dump stream.

Where ``mariadb-dump``/``mysqldump`` put them is described in
:mod:`replui.wizards.dumpstream`; this module only reads them, in chunks of any
size, holding at most a 64 KiB head and tail window.
"""

from __future__ import annotations

import re

from replui.model import BinlogCoordinates

HEAD_LIMIT = 64 * 1024  # bytes scanned (and at most held back) at the head
TAIL_KEEP = 64 * 1024  # bytes kept from the end of the stream for deferred GTIDs


_CHANGE_RE = re.compile(
    rb"CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\s+TO\s+(?:[^;]*?,\s*)?(?:MASTER|SOURCE)_LOG_FILE\s*=\s*'((?:[^'\\]|\\.)*)'"
    rb"\s*,\s*(?:MASTER|SOURCE)_LOG_POS\s*=\s*(\d+)\s*[,;]",
    re.I,
)
_MARIADB_GTID_RE = re.compile(rb"SET\s+GLOBAL\s+gtid_slave_pos\s*=\s*'([^']*)'\s*;", re.I)
_MYSQL_GTID_RE = re.compile(
    rb"SET\s+@@GLOBAL\.GTID_PURGED\s*=\s*(?:/\*!\d+\s*'\+'\s*\*/\s*)?'([^']*)'\s*;", re.I
)


def parse_coordinates(text: bytes) -> BinlogCoordinates:
    """The coordinates in a piece of dump text (head or tail). Only complete
    statements count (a value cut at the end of ``text`` is ignored); the
    ``--`` comment prefix is optional (``--master-data=1`` writes none).
    Newlines inside a MySQL GTID set are removed."""
    file = pos = gtid = None
    m = _CHANGE_RE.search(text)
    if m:
        file, pos = m.group(1).decode("utf-8", "replace"), int(m.group(2))
    g = _MARIADB_GTID_RE.search(text) or _MYSQL_GTID_RE.search(text)
    if g:
        gtid = "".join(g.group(1).decode("utf-8", "replace").split())
    return BinlogCoordinates(file, pos, gtid)


class CoordinateScanner:
    """Feed the stream in chunks of any size; reads coordinates from the first
    :data:`HEAD_LIMIT` bytes and the last :data:`TAIL_KEEP` bytes (holding no
    more than that). ``head_done`` turns true once file and position are
    known or the head window is full; :meth:`result` merges head and tail."""

    def __init__(self, head_limit: int = HEAD_LIMIT, tail_keep: int = TAIL_KEEP):
        self.head_limit = head_limit
        self.tail_keep = tail_keep
        self._head = bytearray()
        self._tail = b""
        self.head = BinlogCoordinates()

    @property
    def head_done(self) -> bool:
        return self.head.complete or len(self._head) >= self.head_limit

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < self.head_limit:
            self._head += chunk[: self.head_limit - len(self._head)]
            self.head = parse_coordinates(bytes(self._head))
        if len(chunk) >= self.tail_keep:
            self._tail = chunk[-self.tail_keep :]
        else:
            self._tail = (self._tail + chunk)[-self.tail_keep :]

    def result(self) -> BinlogCoordinates:
        tail = parse_coordinates(self._tail)
        return BinlogCoordinates(
            self.head.file or tail.file,
            self.head.position if self.head.position is not None else tail.position,
            tail.gtid or self.head.gtid,
        )
