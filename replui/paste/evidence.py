"""What a paste says about a node's replication metadata besides its status rows.

A replica whose ``master.info`` cannot be read shows an *empty* ``SHOW SLAVE
STATUS``; what tells it from a server that replicates from nobody is pasted next
to it: ``START SLAVE`` answering ``ERROR 1201 (HY000): Could not initialize master
info structure …`` ('Fail over MySQL and Rails' quotes exactly that), or the
error log's own lines (:mod:`replui.analysis.errorlog`). This module finds both in
a node's cleaned lines, and whether its replica status was pasted as ``Empty set``.

Pure: cleaned lines in, :class:`Evidence` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replui.analysis import errors as E
from replui.analysis.errorlog import metadata_failure
from replui.paste.clean import EMPTY_SET
from replui.paste.model import LineKind, NodeText, Statement

#: ``ERROR 1201 (HY000): text`` (the client's answer to a statement; ``mysql -e`` adds
#: ``at line 1``).
_CLIENT_ERROR = re.compile(
    r"^\s*ERROR\s+(?P<errno>\d{4,5})\s*(?:\([0-9A-Z]{5}\))?(?:\s+at\s+line\s+\d+)?\s*:\s*(?P<text>.*)$"
)


@dataclass(frozen=True)
class Evidence:
    """``replica_empty``: a replica-status statement answered ``Empty set``;
    ``failure``: the pasted line saying the metadata cannot be read (a client
    ``ERROR 1201 …`` or an error-log line), "" when there is none."""

    replica_empty: bool = False
    failure: str = ""

    @property
    def any(self) -> bool:
        return self.replica_empty or bool(self.failure)


def metadata_evidence(node: NodeText) -> Evidence:
    """The :class:`Evidence` in ``node``'s cleaned lines. Never raises."""
    empty = False
    failure = ""
    statement: Statement | None = None
    log_lines: list[str] = []
    for line in node.lines:
        if line.kind is LineKind.STATEMENT:
            statement = line.statement
            continue
        if (
            line.kind is LineKind.BLANK
            and EMPTY_SET.match(line.text)
            and statement is Statement.REPLICA_STATUS
        ):
            empty = True
        if line.kind is not LineKind.DATA:
            continue
        m = _CLIENT_ERROR.match(line.text)
        if m and E.classify(int(m.group("errno")), m.group("text")) is E.MASTER_INFO:
            failure = line.text.strip()
        else:
            log_lines.append(line.text)
    logged = metadata_failure("\n".join(log_lines))
    return Evidence(empty, failure or logged or "")
