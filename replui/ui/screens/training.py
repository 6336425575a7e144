"""Training mode in the TUI: the end of a walkthrough (verdict, time, hints)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

#: Help added to the dashboard's in training mode.
TRAINING_HELP = """
Training
  h       the next hint (each one used is counted)
  c       check the repair (replui lab check): every replica running and
          caught up, every table equal on every node
  Wizards show each step's why and wait for it to be acknowledged."""


class TrainingDoneScreen(ModalScreen[None]):
    """``TrainingDoneScreen(lines)``: the session's summary; any of enter,
    escape or q closes it (the dashboard stays, the lab stays repaired)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,q", "close", "Close"),
    ]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="training-done"):
            yield Static("Training done", id="training-done-title")
            yield Static("\n".join(self.lines), id="training-done-body", markup=False)
            yield Static("enter: back to the dashboard · q on the dashboard: quit", id="training-done-keys")

    def action_close(self) -> None:
        self.dismiss(None)
