"""The paste screen: status text pasted into a text area, read as ``replui diagnose``
reads a file (:func:`replui.paste.read_pastes`), and its findings listed as on the
dashboard — for a colleague's ``SHOW SLAVE STATUS\\G`` from a ticket or a chat, with
no connection to their servers.

The text is read again half a second after the last change. Text that cannot be read
shows the message naming its line; the findings of the last readable text stay until
then. Enter on a finding does not start a wizard: pasted nodes have no connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static, TextArea

from replui.analysis.findings import analyse, summary
from replui.model import Finding
from replui.paste import PasteError, read_pastes
from replui.ui.widgets.findings_list import FindingsList
from replui.ui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from textual.timer import Timer

#: What the pasted text is called in messages (``pasted:12: …``) and its node when unnamed.
SOURCE = "pasted"
#: Seconds after the last keystroke before the text is read again.
READ_DELAY = 0.5

PASTE_HELP = """\
Paste status text — read offline, as replui diagnose reads a file

Paste (ctrl+v, or your terminal's paste) the output of SHOW SLAVE STATUS\\G,
SHOW REPLICA STATUS, SHOW ALL SLAVES STATUS, SHOW MASTER STATUS, SHOW BINARY
LOG STATUS or SHOW BINARY LOGS — vertical, table or tab-separated, with the
prompts, "1 row in set", "# " or "> " prefixes and "..." elisions as they came.
Several nodes: put a line "-- node NAME" (or "-- node NAME HOST:PORT", so
replicas' Master_Host finds it) before each node's text.

The findings are those replui status would give for the same output. A column
the text does not show is unknown: nothing is concluded from it. Pasted nodes
have no live connection, so no wizard runs from here.

Keys
  tab       between the text and the findings
  ctrl+l    clear the text
  escape    back to the dashboard"""


class PasteScreen(Screen[None]):
    """``PasteScreen(text="")``: a text area to paste into and the findings of what it holds."""

    HELP = PASTE_HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+l", "clear", "Clear"),
    ]
    DEFAULT_CSS = """
    PasteScreen { layout: vertical; }
    #paste-hint { height: auto; color: $foreground 70%; padding: 0 1; }
    #paste-text { height: 1fr; min-height: 5; border: round $primary; }
    #paste-text:focus { border: round $accent; }
    #paste-result { height: auto; max-height: 4; padding: 0 1; color: $foreground; }
    #paste-result.-error { color: $error; text-style: bold; }
    PasteScreen #findings { height: 1fr; min-height: 6; border: round $primary; border-title-color: $accent; }
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(id="paste")
        self.initial = text
        self.findings: list[Finding] = []
        self.message = ""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            'Paste SHOW SLAVE/MASTER STATUS output ("-- node NAME" between nodes) · ? help',
            id="paste-hint",
            markup=False,
        )
        with Vertical():
            yield TextArea(self.initial, id="paste-text", soft_wrap=False, show_line_numbers=True)
            yield Static("", id="paste-result", markup=False)
            yield FindingsList([])
        yield KeyFooter()

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#paste-text", TextArea)

    @property
    def result(self) -> Static:
        return self.query_one("#paste-result", Static)

    def on_mount(self) -> None:
        self.text_area.border_title = "Pasted status text"
        self.read_text()
        self.text_area.focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(READ_DELAY, self.read_text)

    def read_text(self) -> None:
        """Read the text area now and show its findings, or the message naming the line."""
        self._timer = None
        text = self.text_area.text
        if not text.strip():
            self._show([], "Nothing pasted yet.", error=False)
            return
        try:
            pasted = read_pastes([(SOURCE, text)])
            findings = analyse(pasted.statuses)
        except PasteError as exc:
            self._show(self.findings, str(exc), error=True)
            return
        except Exception as exc:  # noqa: BLE001 - hostile text must end in a message, never a traceback
            self._show(self.findings, f"{SOURCE}: cannot read this text as status ({exc})", error=True)
            return
        names = ", ".join(s.name for s in pasted.statuses)
        skipped = (
            f"; {len(pasted.skipped)} line(s) not read as status (prose, notes)" if pasted.skipped else ""
        )
        head = f"Read {len(pasted.statuses)} node(s) from the paste, no live connection: {names}{skipped}."
        counts = summary(findings).split(" — ")[0]  # the findings list below has the messages
        self._show(findings, f"{head} Findings: {counts}.", error=False)

    def _show(self, findings: list[Finding], message: str, *, error: bool) -> None:
        self.findings = list(findings)
        self.message = message
        self.result.update(message)
        self.result.set_class(error, "-error")
        self.query_one(FindingsList).show(self.findings)

    def on_findings_list_wizard_requested(self, event: FindingsList.WizardRequested) -> None:
        event.stop()
        self.notify(
            "Pasted nodes have no live connection: run the wizard on the dashboard of the configured "
            "nodes (or replui wizard … --config FILE).",
            severity="warning",
            timeout=4,
        )

    def action_clear(self) -> None:
        self.text_area.clear()
        self.text_area.focus()

    def action_close(self) -> None:
        self.app.pop_screen()
