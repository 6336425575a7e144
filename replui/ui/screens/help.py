"""The help screen: keys and what the marks mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

HELP_TEXT = """\
replui — replication dashboard

Keys
  r   refresh every node now
  t   next theme
  f   focus the findings list (↑/↓ to read each finding's advice)
  w   wizard: pick a repair (pre-filled from the selected finding), see its
      plan, run it; enter on a finding does the same
  ?   this help
  q   quit

Marks (colour and symbol, so they read in monochrome)
  ✖   critical: replication is broken or data may differ
  ▲   warning: something to check
  ✔   ok

Each pane shows the server's own labels (Master_Log_File on MariaDB and
MySQL < 8.0.22, Source_Log_File on MySQL 8.0.22+). Rows line up across panes
so the coordinates of source and replica compare on one line.
Seconds_Behind_Master NULL means unknown (a thread is stopped), never 0.

Press escape, q or ? to close."""


class HelpScreen(ModalScreen[None]):
    """``HelpScreen(text=None)``: ``text`` (plain, no markup) is the help of the
    screen ``?`` was pressed on (its ``HELP``); the dashboard's by default."""

    BINDINGS = [
        ("escape", "close", "Close"),
        ("q", "close", "Close"),
        ("question_mark", "close", "Close"),
    ]

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.text = text or HELP_TEXT

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(self.text, id="help-text", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
