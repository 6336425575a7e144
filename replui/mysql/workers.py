"""A multi-threaded replica's failed worker: where the cause of "Coordinator stopped
because there were error(s) in the worker(s)" is.

MySQL's coordinator message names no cause (MySQL replication applier: "See error log
and/or performance_schema.replication_applier_status_by_worker table for more details");
the worker's ``LAST_ERROR_NUMBER``/``LAST_ERROR_MESSAGE`` in that table do (MySQL 5.7+
manual, "The replication_applier_status_by_worker Table"). The collector reads the table
only when a channel shows the coordinator's message, and the paste reader when it is
pasted; both put the failed worker's error into the channel's row under
:data:`replui.analysis.errors.WORKER_ERRNO_KEY`/``WORKER_ERROR_KEY``, where the findings
read it. Pure, but for the SQL text.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from replui.analysis import errors as E

#: The failed workers, one row each (``CHANNEL_NAME``, ``WORKER_ID``, ``LAST_ERROR_*``).
WORKER_ERRORS_SQL = (
    "SELECT CHANNEL_NAME, WORKER_ID, LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE, LAST_ERROR_TIMESTAMP "
    f"FROM {E.WORKER_TABLE} WHERE LAST_ERROR_NUMBER <> 0"
)
_SQL_ERROR_COLUMNS = ("Last_SQL_Error", "Last_Error")
_CHANNEL_COLUMNS = ("Channel_Name", "Channel_name", "Connection_name")


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def shows_coordinator(row: Mapping[str, Any]) -> bool:
    """Whether a replica status row's SQL error is the coordinator's message."""
    return any(
        E.COORDINATOR_PATTERN in "".join(_text(row.get(c)).lower().split()) for c in _SQL_ERROR_COLUMNS
    )


def channel_of(row: Mapping[str, Any]) -> str:
    """The channel a replica status or worker row belongs to (``""``: the default)."""
    for key, value in row.items():
        if key in _CHANNEL_COLUMNS or str(key).lower() == "channel_name":
            return _text(value)
    return ""


def merge_worker_errors(
    replica_rows: Iterable[Mapping[str, Any]], worker_rows: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``replica_rows`` with each channel's failed worker (the latest, by
    :func:`replui.analysis.errors.worker_error`) added as ``WORKER_ERRNO_KEY`` (the number,
    as text) and ``WORKER_ERROR_KEY``; rows without a failed worker are unchanged copies."""
    by_channel: dict[str, list[Mapping[str, Any]]] = {}
    for w in worker_rows:
        by_channel.setdefault(channel_of(w), []).append(w)
    out = []
    for row in replica_rows:
        merged = dict(row)
        failed = E.worker_error([dict(w) for w in by_channel.get(channel_of(row), [])])
        if failed is not None:
            merged[E.WORKER_ERRNO_KEY] = str(failed[0])
            merged[E.WORKER_ERROR_KEY] = failed[1]
        out.append(merged)
    return out
