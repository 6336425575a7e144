"""A node's pane: title, then the fixed rows of :mod:`replui.ui.rows`.

The dashboard gives every pane the same channel-slot count, so the rows line
up across panes. An unreachable node shows its client error (errno and
message) in place of its rows.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from replui.model import Finding, NodeStatus, Severity
from replui.ui.rows import CSS_CLASS, SYMBOLS, Row, node_severity, pane_rows, row_marks
from replui.ui.widgets.field_row import FieldRow

_SEV_CLASSES = tuple(CSS_CLASS.values())


def safe_id(name: str) -> str:
    """A widget id for node ``name`` (ids allow letters, digits, ``_`` and ``-``)."""
    return "pane-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def placeholder(name: str, host: str, port: int) -> NodeStatus:
    """The status shown before a node's first poll returns."""
    return NodeStatus(name=name, host=host, port=port, reachable=False, error="waiting for the first poll…")


def label_width(rows: list[Row]) -> int:
    return max([len(r.label) for r in rows if r.kind == "field"] + [8])


class NodePane(Vertical):
    """The pane of node ``name``; :meth:`show` updates it in place."""

    def __init__(self, status: NodeStatus, findings: list[Finding], slots: int) -> None:
        super().__init__(id=safe_id(status.name), classes="node-pane")
        self.node_name = status.name
        self.status = status
        self.findings = findings
        self.slots = slots
        self._rows = pane_rows(status, slots)

    # typed accessors
    @property
    def title(self) -> Static:
        return self.query_one(".pane-title", Static)

    @property
    def down_box(self) -> Static:
        return self.query_one(".unreachable", Static)

    def row(self, key: str) -> FieldRow:
        """The row widget of row ``key`` (e.g. ``"ch0-last_sql_errno"``)."""
        return self.query_one(f"#row-{key}", FieldRow)

    def compose(self) -> ComposeResult:
        yield Static(self._title_text(), classes="pane-title")
        yield Static(self._down_text(), classes="unreachable")
        lw = label_width(self._rows)
        marks = row_marks(self.status, self.findings)
        for r in self._rows:
            w = FieldRow(r, lw)
            w.update_row(r, marks.get(r.key), lw)
            yield w

    def on_mount(self) -> None:
        self._apply_state()

    def _title_text(self) -> str:
        sev = node_severity(self.node_name, self.findings)
        if not self.status.reachable and self.status.errno is not None:
            sev = Severity.CRITICAL
        tag = f"  {SYMBOLS[sev]} {sev.value}" if sev is not None else ""
        return f"{self.node_name}{tag}"

    def _down_text(self) -> str:
        s = self.status
        if s.reachable:
            return ""
        if s.errno is None and s.error and s.error.startswith("waiting"):
            return s.error
        text = s.error or "no answer"
        if s.errno is not None and text.startswith(f"{s.errno}"):
            text = text[len(str(s.errno)) :].lstrip(" :")
        errno = f"error {s.errno}: " if s.errno is not None else ""
        return f"✖ UNREACHABLE\n{errno}{text}"

    def _apply_state(self) -> None:
        s = self.status
        sev = node_severity(self.node_name, self.findings)
        down = not s.reachable
        if down and s.errno is not None:
            sev = Severity.CRITICAL
        for cls in _SEV_CLASSES:
            self.remove_class(cls)
        if sev is not None:
            self.add_class(CSS_CLASS[sev])
        self.set_class(down, "-down")
        self.title.update(self._title_text())
        self.down_box.update(self._down_text())

    async def show(self, status: NodeStatus, findings: list[Finding], slots: int) -> None:
        """Show ``status`` with the marks of ``findings`` and ``slots`` channel sections."""
        self.status, self.findings, self.slots = status, findings, slots
        rows = pane_rows(status, slots)
        lw = label_width(rows)
        marks = row_marks(status, findings)
        if [r.key for r in rows] != [r.key for r in self._rows]:
            await self.query(FieldRow).remove()
            widgets = []
            for r in rows:
                w = FieldRow(r, lw)
                w.update_row(r, marks.get(r.key), lw)
                widgets.append(w)
            await self.mount_all(widgets)
        else:
            for r in rows:
                self.row(r.key).update_row(r, marks.get(r.key), lw)
        self._rows = rows
        self._apply_state()
