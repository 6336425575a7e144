"""``KeyFooter``: Textual's footer without its leak.

Textual's ``Footer`` (8.2) rebuilds its keys whenever the bindings change —
on every screen switch — and binds each new key's ``compact`` to its own
(``data_bind``). The binding is a watcher kept in the footer's list until
``compact`` changes, which it never does in replui; so every key it ever
showed stays alive, a few thousand objects per dialog opened, and Python's
full garbage collections — pauses of the whole TUI — grow with the session
(hundreds of ms after an hour of use; Textualize/textual#6666).
:class:`KeyFooter` drops the watchers of keys that are gone after each
rebuild. It draws exactly as ``Footer`` does (CSS written for ``Footer``
applies).
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeyFooter(Footer):
    """A :class:`textual.widgets.Footer` that lets go of the keys it no longer shows."""

    async def recompose(self) -> None:
        await super().recompose()
        self.drop_dead_watchers()

    def drop_dead_watchers(self) -> None:
        """Forget the bindings of keys that have been removed."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [(r, cb) for r, cb in entries if not (r._closing or r._closed)]
