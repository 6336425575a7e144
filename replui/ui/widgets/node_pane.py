"""A node's pane: a title (name, worst severity, how fresh its data is), an
error banner, then the fixed rows of :mod:`replui.ui.rows`.

The dashboard gives every pane the same channel-slot count and the same
banner height, so the rows line up across panes. An unreachable node shows
its client error (errno and message) in place of its rows.

Updating is cheap when nothing changed: :meth:`NodePane.show` re-renders only
the rows whose text or mark changed and touches CSS classes only when they
change (re-applying CSS to a pane's rows was most of an idle dashboard's CPU).
"""

from __future__ import annotations

import re
import time
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from replui.model import Finding, NodeStatus, Severity
from replui.ui.freshness import freshness_text, is_stale
from replui.ui.rows import CSS_CLASS, SYMBOLS, Row, error_lines, node_severity, pane_rows, row_marks
from replui.ui.widgets.field_row import FieldRow, fit, wrap_lines

_SEV_CLASSES = tuple(CSS_CLASS.values())


def safe_id(name: str) -> str:
    """A widget id for node ``name`` (ids allow letters, digits, ``_`` and ``-``)."""
    return "pane-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def placeholder(name: str, host: str, port: int) -> NodeStatus:
    """The status shown before a node's first poll returns."""
    return NodeStatus(name=name, host=host, port=port, reachable=False, error="waiting for the first poll…")


def label_width(rows: list[Row]) -> int:
    return max([len(r.label) for r in rows if r.kind == "field"] + [8])


def row_widgets(rows: list[Row], marks: dict[str, Severity]) -> list[FieldRow]:
    """One :class:`FieldRow` per row, marked, with a common label width."""
    lw = label_width(rows)
    widgets = []
    for r in rows:
        w = FieldRow(r, lw)
        w.update_row(r, marks.get(r.key), lw)
        widgets.append(w)
    return widgets


def pane_severity(status: NodeStatus, findings: list[Finding]) -> Severity | None:
    """The worst severity of ``status``'s findings; CRITICAL for an unreachable node."""
    sev = node_severity(status.name, findings)
    if not status.reachable and status.errno is not None:
        sev = Severity.CRITICAL
    return sev


class PaneTitle(Widget):
    """``node1  ✖ critical          read 3s ago``: rendered at paint time from
    the pane's status and the App's clock, so the age moves with a repaint
    (no layout, no restyle)."""

    def __init__(self, pane: "NodePane") -> None:
        super().__init__(classes="pane-title")
        self.pane = pane
        self._shown: tuple[str, str] = ("", "")

    def update_if_changed(self) -> None:
        """Repaint when the text changed (an age crossed into "read 3s ago", a severity moved)."""
        if self.texts() != self._shown:
            self.refresh()

    def texts(self) -> tuple[str, str]:
        """``(left, right)``: the name and severity, and the freshness."""
        p = self.pane
        sev = pane_severity(p.status, p.findings)
        left = p.node_name + (f"  {SYMBOLS[sev]} {sev.value}" if sev is not None else "")
        return left, freshness_text(p.age(), p.poll_interval)

    def render(self) -> Text:
        left, right = self._shown = self.texts()
        width = max(1, self.content_size.width)
        if len(left) + 2 + len(right) > width:
            return Text(fit(left, width))
        return Text(left + " " * (width - len(left) - len(right)) + right)


class ErrorBanner(Widget):
    """The node's errors (:func:`~replui.ui.rows.error_lines`) wrapped over the
    banner's height, the last line ending in ``… (e: whole text)`` when cut."""

    def __init__(self) -> None:
        super().__init__(classes="error-banner")
        self.lines: list[str] = []

    def show(self, lines: list[str]) -> None:
        if lines != self.lines:
            self.lines = lines
            self.refresh()

    def render(self) -> Text:
        width, height = max(1, self.content_size.width), max(1, self.content_size.height)
        out: list[str] = []
        for line in self.lines:
            out += wrap_lines("✖ " + line, width, height)
        if len(out) > height or any(w.endswith("…") for w in out[:height]):
            out = out[:height]
            hint = " (e: whole text)"
            last = out[-1].rstrip("… ")
            out[-1] = fit(last, width - len(hint) - 1).rstrip("…") + "…" + hint
        return Text("\n".join(out))


class NodePane(Vertical):
    """The pane of node ``name``; :meth:`show` updates it in place."""

    def __init__(
        self,
        status: NodeStatus,
        findings: list[Finding],
        slots: int,
        others: list[NodeStatus] | None = None,
        *,
        read_at: float | None = None,
        poll_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(id=safe_id(status.name), classes="node-pane")
        self.node_name = status.name
        self.status = status
        self.findings = findings
        self.slots = slots
        self.read_at = read_at
        self.poll_interval = poll_interval
        self.clock = clock
        self._rows = pane_rows(status, slots, others or ())
        self._stale = False
        self._shown_down = ""

    # typed accessors
    @property
    def title(self) -> PaneTitle:
        return self.query_one(PaneTitle)

    @property
    def banner(self) -> ErrorBanner:
        return self.query_one(ErrorBanner)

    @property
    def down_box(self) -> Static:
        return self.query_one(".unreachable", Static)

    def row(self, key: str) -> FieldRow:
        """The row widget of row ``key`` (e.g. ``"ch0-last_sql_error"``)."""
        return self.query_one(f"#row-{key}", FieldRow)

    def age(self) -> float | None:
        """Seconds since this node was last read (None: not read yet)."""
        return None if self.read_at is None else self.clock() - self.read_at

    def compose(self) -> ComposeResult:
        yield PaneTitle(self)
        yield ErrorBanner()
        yield Static(self._down_text(), classes="unreachable", markup=False)
        yield from row_widgets(self._rows, row_marks(self.status, self.findings))

    def on_mount(self) -> None:
        self._apply_state(force=True)

    def _down_text(self) -> str:
        s = self.status
        if s.reachable:
            return ""
        if s.errno is None and s.error and s.error.startswith("waiting"):
            return s.error
        return "✖ " + "\n".join(error_lines(s))

    def _apply_state(self, force: bool = False) -> None:
        s = self.status
        sev = pane_severity(s, self.findings)
        wanted = {CSS_CLASS[sev]} if sev is not None else set()
        for cls in _SEV_CLASSES:
            if (cls in wanted) != self.has_class(cls):
                self.set_class(cls in wanted, cls)
        down = not s.reachable
        if down != self.has_class("-down"):
            self.set_class(down, "-down")
        self.title.update_if_changed()
        text = self._down_text()
        if force or text != self._shown_down:
            self._shown_down = text
            self.down_box.update(text)
        self.banner.show(error_lines(s) if s.reachable else [])

    def tick(self) -> None:
        """Repaint the title (its age moved); flag the pane stale or fresh on a change."""
        stale = is_stale(self.age(), self.poll_interval)
        if stale != self._stale:
            self._stale = stale
            self.set_class(stale, "-stale")
        self.title.update_if_changed()

    async def show(
        self,
        status: NodeStatus,
        findings: list[Finding],
        slots: int,
        others: list[NodeStatus] | None = None,
        read_at: float | None = None,
    ) -> None:
        """Show ``status`` (read at ``read_at``, the App's clock) with the marks
        of ``findings``, ``slots`` channel sections and the sources named from
        ``others``."""
        self.status, self.findings, self.slots = status, findings, slots
        if read_at is not None:
            self.read_at = read_at
        rows = pane_rows(status, slots, others or ())
        lw = label_width(rows)
        marks = row_marks(status, findings)
        if [r.key for r in rows] != [r.key for r in self._rows]:
            await self.query(FieldRow).remove()
            await self.mount_all(row_widgets(rows, marks))
        else:
            for r in rows:
                self.row(r.key).update_row(r, marks.get(r.key), lw)
        self._rows = rows
        self._apply_state()
        self.tick()
