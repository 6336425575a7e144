"""How fresh each node's data is: the age of its last read, in words, and
whether it is stale (older than two poll intervals: a poll that should have
answered twice has not). Plain functions, no Textual."""

from __future__ import annotations

from replui.units import human_seconds

#: A node's data is stale when its last read is older than this many poll intervals.
STALE_INTERVALS = 2


def is_stale(age: float | None, poll_interval: float) -> bool:
    """True when ``age`` (seconds since the node was last read; None: never
    read) is older than :data:`STALE_INTERVALS` poll intervals (seconds)."""
    return age is not None and age > STALE_INTERVALS * poll_interval


def age_text(age: float | None, poll_interval: float) -> str:
    """``"live"`` while the node answers every poll (``age``, seconds since its
    last read, at most one poll interval and a second); else ``"read 14s ago"``,
    ``"read 2m05s ago"``; ``"not read yet"`` for None. The words change only
    when a poll is late, so an idle dashboard repaints nothing for them."""
    if age is None:
        return "not read yet"
    if age <= poll_interval + 1:
        return "live"
    return f"read {human_seconds(int(age))} ago"


def freshness_text(age: float | None, poll_interval: float) -> str:
    """:func:`age_text`, prefixed ``"▲ STALE "`` when :func:`is_stale`."""
    return ("▲ STALE " if is_stale(age, poll_interval) else "") + age_text(age, poll_interval)
