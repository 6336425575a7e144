"""The compact comparison: one column per node, one row per coordinate.

The same rows as the panes (:func:`replui.ui.rows.pane_rows`), with each
label written once in a fixed first column, so at 80 columns two or three
nodes' binlog coordinates still compare on one line, and more nodes scroll
sideways under the fixed labels. Errors come first (one wrapped row), then
how fresh each column is, then the rows; a finding's mark colours its cell
and puts its symbol in front (so it reads in monochrome).

Updating is cheap when nothing changed: :meth:`CompareTable.show` rebuilds
the table only when the rows or nodes change, otherwise it updates the
cells whose text changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from replui.model import Finding, NodeStatus, Severity
from replui.ui.freshness import freshness_text, is_stale
from replui.ui.rows import SYMBOLS, Row, error_lines, pane_rows, row_marks
from replui.ui.widgets.field_row import fit
from replui.ui.widgets.node_pane import pane_severity

#: Widest the label column gets (cells); longer labels end in "…".
LABEL_WIDTH = 22
#: The key of the labels' column (node names are the other columns' keys).
LABEL_COLUMN = "\x00labels"  # no node name can clash with it
#: Narrowest a node's column gets before the table scrolls sideways (cells).
MIN_NODE_WIDTH = 18


@dataclass(frozen=True)
class NodeColumn:
    """What one node's column shows: its ``status``, its ``findings`` marks
    and ``age`` (seconds since read, None: not read yet)."""

    status: NodeStatus
    age: float | None


def merged_label(rows: list[Row | None]) -> str:
    """One label for a row: the nodes' own labels, distinct ones joined by " / "
    (e.g. ``Master_Log_File / Source_Log_File`` on a mixed MariaDB/MySQL 8.4 set)."""
    seen: list[str] = []
    for r in rows:
        if r is not None and r.label and r.label not in seen:
            seen.append(r.label)
    return " / ".join(seen)


def heading_label(key: str) -> str:
    """The label column's text for a section heading row ``key``."""
    return "Source (binlog)" if key == "source_heading" else "Replica channel"


def heading_cell(row: Row) -> str:
    """A node's cell on a heading row: what differs between nodes (the channel's
    name, "not a replica" or why not, "binlog off"), not the heading the label says."""
    if row.key == "source_heading":
        return "binlog off" if "off" in row.label else ""
    if row.channel is not None:
        return f"'{row.channel}'" if row.channel else "default"
    return row.label.removeprefix("Replica: ") if row.label else ""


class CompareTable(DataTable[Text]):
    """``CompareTable()``; :meth:`show` fills it. ``banner_lines`` is the height
    of the errors row (0: no errors row)."""

    def __init__(self) -> None:
        super().__init__(id="compare", cursor_type="row", zebra_stripes=False, fixed_columns=1)
        self._shape: tuple[tuple[str, ...], tuple[str, ...], int, int] = ((), (), 0, 0)
        self._cells: dict[tuple[str, str], Text] = {}
        self.poll_interval = 2.0

    def _styles(self) -> dict[Severity, Style]:
        theme = self.app.current_theme
        return {
            Severity.CRITICAL: Style(color=theme.error, bold=True),
            Severity.WARNING: Style(color=theme.warning, bold=True),
            Severity.OK: Style(color=theme.success),
        }

    def _cell(self, row: Row | None, mark: Severity | None, styles: dict[Severity, Style]) -> Text:
        if row is None:
            return Text("")
        if row.kind == "heading":
            return Text(heading_cell(row), style="italic")
        if mark is None:
            return Text(row.value)
        return Text(f"{SYMBOLS[mark]} {row.value}", style=styles[mark])

    def show(
        self,
        names: list[str],
        columns: dict[str, NodeColumn],
        findings: list[Finding],
        slots: int,
        banner_lines: int,
        *,
        force: bool = False,
    ) -> None:
        """Show one column per node of ``names`` (``columns`` holds each one's
        status and age) with the marks of ``findings``, ``slots`` channel
        sections and an errors row ``banner_lines`` high (0: none); ``force``
        rebuilds the table (its width changed)."""
        statuses = [columns[n].status for n in names]
        per_node = {n: pane_rows(columns[n].status, slots, statuses) for n in names}
        marks = {n: row_marks(columns[n].status, findings) for n in names}
        keys = [r.key for r in per_node[names[0]]] if names else []
        styles = self._styles()
        cells: dict[tuple[str, str], Text] = {}
        labels: dict[str, Text] = {}
        if banner_lines:
            labels["errors"] = Text("Errors (e)", style="bold")
            for n in names:
                errors = " · ".join(error_lines(columns[n].status))
                cells[("errors", n)] = Text(errors, style=styles[Severity.CRITICAL] if errors else "")
        labels["read"] = Text("Read", style="dim")
        for n in names:
            cells[("read", n)] = self._age_cell(columns[n].age, styles)
        for i, key in enumerate(keys):
            rows = [per_node[n][i] if i < len(per_node[n]) else None for n in names]
            heading = rows[0] is not None and rows[0].kind == "heading"
            labels[key] = Text(
                heading_label(key) if heading else fit(merged_label(rows), LABEL_WIDTH),
                style="bold" if heading else "",
            )
            for n, r in zip(names, rows, strict=True):
                cells[(key, n)] = self._cell(r, marks[n].get(key), styles)
        for key, label in labels.items():  # labels are cells of the "label" column
            cells[(key, LABEL_COLUMN)] = label
        # rebuilt when the nodes, the rows, the errors row or the column width (it follows the values) change
        shape = (tuple(names), tuple(keys), banner_lines, self._node_width(names, cells))
        if force or shape != self._shape:
            self._rebuild(names, columns, findings, labels, cells, banner_lines, shape[-1])
            self._shape = shape
        else:
            for (key, n), text in cells.items():
                if self._cells.get((key, n)) != text:
                    self.update_cell(key, n, text)
            for n in names:
                self._update_header(n, columns[n], findings)
        self._cells = cells

    def _age_cell(self, age: float | None, styles: dict[Severity, Style]) -> Text:
        stale = is_stale(age, self.poll_interval)
        return Text(
            freshness_text(age, self.poll_interval), style=styles[Severity.WARNING] if stale else "dim"
        )

    def show_ages(self, ages: dict[str, float | None]) -> None:
        """Update the "Read" row: ``ages`` maps a node to seconds since it was read."""
        if not self.row_count:
            return
        styles = self._styles()
        for n, age in ages.items():
            text = self._age_cell(age, styles)
            if (("read", n) in self._cells) and self._cells[("read", n)] != text:
                self._cells[("read", n)] = text
                self.update_cell("read", n, text)

    def _header(self, name: str, column: NodeColumn, findings: list[Finding]) -> Text:
        sev = pane_severity(column.status, findings)
        return Text(f"{name} {SYMBOLS[sev]}" if sev is not None else name, style="bold")

    def _update_header(self, name: str, column: NodeColumn, findings: list[Finding]) -> None:
        header = self._header(name, column, findings)
        col = self.columns.get(name)  # type: ignore[call-overload]
        if col is not None and col.label != header:
            col.label = header
            self.refresh()

    def _node_width(self, names: list[str], cells: dict[tuple[str, str], Text]) -> int:
        avail = max(0, self.size.width - LABEL_WIDTH - 4)
        widest = max(
            [len(t.plain) for (k, n), t in cells.items() if k != "errors" and n != LABEL_COLUMN]
            + [MIN_NODE_WIDTH]
        )
        if not names:
            return widest
        share = avail // len(names) - 2
        return max(MIN_NODE_WIDTH, min(widest, share) if share >= MIN_NODE_WIDTH else MIN_NODE_WIDTH)

    def _rebuild(
        self,
        names: list[str],
        columns: dict[str, NodeColumn],
        findings: list[Finding],
        labels: dict[str, Text],
        cells: dict[tuple[str, str], Text],
        banner_lines: int,
        width: int,
    ) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        self.add_column(Text(""), width=LABEL_WIDTH, key=LABEL_COLUMN)
        for n in names:
            self.add_column(self._header(n, columns[n], findings), width=width, key=n)
        for key, label in labels.items():
            height = banner_lines if key == "errors" else 1
            self.add_row(label, *[cells.get((key, n), Text("")) for n in names], key=key, height=height)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))
