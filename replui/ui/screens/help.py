"""The help dialog: the keys of the screen it was asked on and what the marks mean."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from replui.ui.widgets.footer import KeyFooter

#: The dashboard's help, and the default when a screen has none.
HELP_TEXT = """\
replui — the dashboard

Each node's source coordinates (SHOW MASTER STATUS), replica channels
(SHOW SLAVE STATUS / SHOW REPLICA STATUS) and identity, under the server's
own labels (Master_Log_File on MariaDB and MySQL < 8.0.22, Source_Log_File on
MySQL 8.0.22+). The rows line up across nodes, so a replica's
Master_Log_File/Read_Master_Log_Pos compares on one line with its source's
File/Position. Wide terminals show one pane per node; narrow ones a table
with one column per node (v switches).

Keys
  w       wizard: pick a repair, see its plan, run it (enter on a
          finding does the same, pre-filled from that finding)
  r       read every node now (the header says "refreshing" until done)
  e       the whole text of every error (Last_IO_Error, Last_SQL_Error,
          connection errors)
  l       the last lines of each server's error log (@@log_error), read
          on its host over SSH
  p       paste status text (SHOW SLAVE STATUS\\G …) from elsewhere and
          read its findings offline, as replui diagnose does
  v       view: panes / table / by the width
  f       the findings list (↑/↓ to read each finding's advice)
  + / -   findings bigger / smaller (down to hidden)
  tab     next area; ↑/↓, PgUp/PgDn scroll the focused one
  t       next theme
  ?       this help
  q       quit

Marks (colour and symbol, so they read in monochrome)
  ✖   critical: replication is broken or data may differ
  ▲   warning: something to check
  ✔   ok

Freshness: each pane says when its node was last read; "▲ STALE" means its
last read is older than two poll intervals (a poll is hanging or failing).
Seconds_Behind_Master NULL means unknown (a thread is stopped), never 0."""

#: The hint under the help text: it scrolls, and how to close it.
HELP_KEYS = "↑/↓ PgUp/PgDn scroll · escape, q or ? close"


def split_title(text: str) -> tuple[str, str]:
    """``(title, body)``: a help text's first line, and the rest without its leading blank lines."""
    first, _, rest = text.partition("\n")
    return first.strip(), rest.lstrip("\n")


class HelpScreen(ModalScreen[None]):
    """``HelpScreen(text=None, title=None)``: ``text`` (plain, no markup) is the
    help of the screen ``?`` was pressed on (its ``HELP``); the dashboard's by
    default. The dialog's title is ``title``, else the text's first line. The
    text scrolls when it is taller than the terminal."""

    #: Below 86 columns (``-narrow``) the dialog drops its padding: 77 columns of text at 80.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (86, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self, text: str | None = None, title: str | None = None) -> None:
        super().__init__()
        self.text = text or HELP_TEXT
        if title is None:
            self.help_title, self.body = split_title(self.text)
        else:
            self.help_title, self.body = title, self.text

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box") as box:
            box.border_title = self.help_title
            box.border_subtitle = HELP_KEYS
            with VerticalScroll(id="help-scroll"):
                yield Static(self.body, id="help-text", markup=False)
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
