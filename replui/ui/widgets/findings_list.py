"""The findings list: one table row per finding, and the selected finding's
full message and advice below it.

The columns get explicit widths from their content and the list's width (the
code and node columns whole, the message the rest), set again on every
change and resize: auto-sized columns kept their header's width when the
findings arrived after the first paint."""

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
        self._width = 0

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#findings-table", DataTable)

    @property
    def detail(self) -> Static:
        return self.query_one("#finding-detail", Static)

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="findings-table", cursor_type="row", zebra_stripes=False)
        yield table
        with VerticalScroll(id="finding-detail-scroll"):
            yield Static("", id="finding-detail", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Findings"
        self.show(self.findings, force=True)

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.show(self.findings, force=True)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table's rows: ``(symbol, code, nodes, message)`` per finding."""
        if not self.findings:
            return [("✔", "ok", "", "no findings: replication looks healthy")]
        return [
            (
                SYMBOLS[f.severity],
                f.code,
                ", ".join(f.nodes) + (f" ['{f.channel}']" if f.channel else ""),
                " ".join(f.message.split()),
            )
            for f in self.findings
        ]

    def show(self, findings: list[Finding], *, force: bool = False) -> None:
        """Show ``findings``; the cursor stays on its row where it can. Called
        after every poll: the table is left alone (and the reader's cursor) when
        the findings are what is already shown, unless ``force``."""
        if not force and self.table.row_count and list(findings) == self.findings:
            return
        table = self.table
        keep = table.cursor_row if table.row_count else 0
        self.findings = list(findings)
        rows = self.rows()
        code_w = max(len("Code"), *(len(r[1]) for r in rows))
        nodes_w = min(24, max(len("Nodes"), *(len(r[2]) for r in rows)))
        self._width = self.size.width
        # 3 columns of 1-cell padding each side, the symbol, and a scrollbar's 2 cells
        msg_w = max(20, self._width - code_w - nodes_w - 1 - 8 - 2)
        table.clear(columns=True)
        table.add_column("", width=1, key="sev")
        table.add_column("Code", width=code_w, key="code")
        table.add_column("Nodes", width=nodes_w, key="nodes")
        table.add_column("Message", width=msg_w, key="message")
        for r in rows:
            table.add_row(*r)
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
