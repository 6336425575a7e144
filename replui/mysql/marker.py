"""The "rebuild in progress" mark a data-replacing wizard leaves on a replica.

Before a wizard drops and restores a replica's databases it writes one row
into ``replui_state.rebuild_in_progress`` on that replica (with
``sql_log_bin=0``, so the row never reaches a binlog or another server), and
removes it (the whole ``replui_state`` database) only after the copied data
was verified. A repair cut short
(cancelled, killed, a failed restore) therefore leaves the row behind, and
the status collector turns it into a CRITICAL ``rebuild_incomplete`` finding
whose advice is to run the rebuild again: a half-restored replica whose
threads happen to run must never read as healthy.

``replui_state`` is never in the scope of a copy (see
:data:`replui.wizards.transfer.SYSTEM_DATABASES`): a restore cannot clobber
its own mark. The SQL here is the one place the schema is declared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

DATABASE = "replui_state"
TABLE = f"{DATABASE}.rebuild_in_progress"

CREATE_DATABASE = f"CREATE DATABASE IF NOT EXISTS {DATABASE}"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id TINYINT UNSIGNED NOT NULL PRIMARY KEY, "
    "wizard VARCHAR(64) NOT NULL, "
    "source_node VARCHAR(255) NOT NULL, scope TEXT NOT NULL, started_at DATETIME NOT NULL) ENGINE=InnoDB"
)
#: ``%s`` parameters: wizard name, source node name, scope (comma-separated databases).
SET_MARK = (
    f"REPLACE INTO {TABLE} (id, wizard, source_node, scope, started_at) "
    "VALUES (1, %s, %s, %s, UTC_TIMESTAMP())"
)
#: Clearing the mark removes its database: nothing of replui is left on the server.
CLEAR_MARK = f"DROP DATABASE IF EXISTS {DATABASE}"
#: What the status collector reads; errors 1049 (unknown database) and 1146
#: (no such table) mean "no mark".
READ_MARK = f"SELECT wizard, source_node, scope, started_at FROM {TABLE} WHERE id = 1"
NO_MARK_ERRNOS = (1049, 1146)


@dataclass(frozen=True)
class RebuildMark:
    """A rebuild that started on a node and was not verified: ``wizard``
    (its CLI name), ``source`` (the node the data came from), ``scope`` (the
    databases being replaced) and ``started_at`` (UTC, as the server wrote it)."""

    wizard: str
    source: str
    scope: tuple[str, ...]
    started_at: str

    def rerun_command(self, replica: str) -> str:
        """The command that repeats the rebuild (e.g. ``replui wizard
        rebuild-replica --source node1 --replica node2``)."""
        if self.wizard == "resync-pair":
            return f"replui wizard resync-pair --authoritative {self.source} --other {replica}"
        return f"replui wizard {self.wizard} --source {self.source} --replica {replica}"


def parse_mark(row: Mapping[str, Any] | None) -> RebuildMark | None:
    """One row of :data:`READ_MARK` (a dict) -> :class:`RebuildMark`; None for no row."""
    if not row:
        return None
    started = row.get("started_at")
    if isinstance(started, dt.datetime):
        started = started.strftime("%Y-%m-%d %H:%M:%S UTC")
    scope = tuple(d for d in str(row.get("scope") or "").split(",") if d)
    return RebuildMark(
        str(row.get("wizard") or "rebuild-replica"),
        str(row.get("source_node") or "?"),
        scope,
        str(started or ""),
    )
