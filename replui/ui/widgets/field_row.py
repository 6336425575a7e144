"""One aligned row of a node pane: ``[mark] label  value``.

Rendered from the widget's own width so every pane lays its rows out the same
way: a value too long for its line ends with an ellipsis (the whole text of
errors is in the pane's error banner and one key away, ``e``).
"""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.widget import Widget

from replui.model import Severity
from replui.ui.rows import CSS_CLASS, SYMBOLS, Row

_CLASSES = tuple(CSS_CLASS.values())


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in "…" when cut."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def wrap_lines(text: str, width: int, lines: int) -> list[str]:
    """``text`` wrapped to ``width`` over at most ``lines`` lines; the last ends in "…" when cut."""
    if width <= 0 or lines <= 0:
        return []
    out = textwrap.wrap(" ".join(text.split()), width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        out[-1] = last + " …" if len(last) + 2 <= width else last[: width - 1] + "…"
    return out


class FieldRow(Widget):
    """A pane row. ``row`` is the data, ``mark`` the worst finding severity on
    it (adds the ``-error``/``-warn``/``-ok`` class and a symbol),
    ``label_width`` the label column in cells."""

    def __init__(self, row: Row, label_width: int = 21) -> None:
        super().__init__(id=f"row-{row.key}", classes=f"field-row -{row.kind}")
        self.row = row
        self.mark: Severity | None = None
        self.label_width = label_width

    def update_row(self, row: Row, mark: Severity | None, label_width: int) -> None:
        if (row, mark, label_width) == (self.row, self.mark, self.label_width):
            return
        self.row, self.mark, self.label_width = row, mark, label_width
        for cls in _CLASSES:
            self.remove_class(cls)
        if mark is not None:
            self.add_class(CSS_CLASS[mark])
        self.refresh()

    @property
    def value(self) -> str:
        return self.row.value

    def render(self) -> Text:
        width = max(1, self.content_size.width)
        row = self.row
        sym = SYMBOLS[self.mark] if self.mark is not None else " "
        if row.kind == "heading":
            return Text(fit(row.label, width), style="bold")
        # Keep the label whole and at least 16 cells for the value (a binlog
        # file name): drop the gap after the mark first, then cut the label.
        gap = " " if width >= self.label_width + 19 else ""
        lw = min(self.label_width, max(6, width - 18 - len(gap)))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(sym + gap, style="bold")
        text.append(fit(row.label, lw).ljust(lw) + " ", style="dim" if self.mark is None else "")
        text.append(fit(row.value, width - lw - 2 - len(gap)), style="bold" if self.mark is not None else "")
        return text
