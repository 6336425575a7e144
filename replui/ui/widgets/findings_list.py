"""The findings list: one table row per finding, and the selected finding's
full message and advice below it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from replui.model import Finding
from replui.ui.rows import SYMBOLS
from replui.wizards.catalogue import advice_command


def describe(f: Finding, config_path: str | None = None) -> str:
    """The full text of finding ``f`` for the detail box, with the wizard
    command to paste (``--config config_path``)."""
    where = ", ".join(f.nodes)
    if f.channel:
        where += f" (channel '{f.channel}')"
    lines = [f"{SYMBOLS[f.severity]} {f.severity.value.upper()} {f.code} — {where}", f.message]
    if f.advice:
        lines += ["", "Advice: " + f.advice]
    if f.wizard:
        lines.append(f"Wizard: {advice_command(f, config_path)}")
    return "\n".join(lines)


class FindingsList(Vertical):
    """Findings table + detail. :meth:`show` replaces the findings, keeping the cursor where it can."""

    class WizardRequested(Message):
        """Enter on a finding: start the wizard its advice names."""

        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, findings: list[Finding] | None = None) -> None:
        super().__init__(id="findings")
        self.findings: list[Finding] = list(findings or [])

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#findings-table", DataTable)

    @property
    def detail(self) -> Static:
        return self.query_one("#finding-detail", Static)

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="findings-table", cursor_type="row", zebra_stripes=False)
        table.border_title = "Findings"
        yield table
        with VerticalScroll(id="finding-detail-scroll"):
            yield Static("", id="finding-detail")

    def on_mount(self) -> None:
        self.table.add_columns("", "Code", "Nodes", "Message")
        self.show(self.findings)

    def show(self, findings: list[Finding]) -> None:
        # Called after every node's poll: leave the table (and the reader's
        # cursor) alone when the findings are what is already shown.
        if self.table.row_count and list(findings) == self.findings:
            return
        table = self.table
        keep = table.cursor_row if table.row_count else 0
        self.findings = list(findings)
        table.clear()
        if not findings:
            table.add_row("✔", "ok", "", "no findings: replication looks healthy")
        for f in findings:
            nodes = ", ".join(f.nodes) + (f" ['{f.channel}']" if f.channel else "")
            table.add_row(SYMBOLS[f.severity], f.code, nodes, f.message)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self._show_detail(table.cursor_row)

    def _show_detail(self, index: int) -> None:
        if 0 <= index < len(self.findings):
            self.detail.update(
                describe(self.findings[index], getattr(getattr(self.app, "config", None), "path", None))
            )
        else:
            self.detail.update("No findings. Select a finding to read its advice.")

    @property
    def selected_finding(self) -> Finding | None:
        """The finding under the cursor, if any."""
        i = self.table.cursor_row if self.table.row_count else -1
        return self.findings[i] if 0 <= i < len(self.findings) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        f = self.selected_finding
        if f is not None:
            self.post_message(self.WizardRequested(f))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(event.cursor_row)
