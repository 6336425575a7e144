"""The confirm dialog before a destructive step: what will run where, and a
Yes/No. For a step that replaces data the operator must type the target
node's name before the confirm button is enabled (the CLI asks the same).
Dismisses with True (go on) or False (stop the run)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from replui.wizards.plan import Step


class ConfirmScreen(ModalScreen[bool]):
    """``ConfirmScreen(step)``; ``needs_name`` when ``step.replaces_data``."""

    BINDINGS = [
        Binding("escape", "decline", "No, stop"),
        Binding("ctrl+c", "decline", "No, stop", show=False, priority=True),
        Binding("y", "accept", "Yes", show=False),
        Binding("n", "decline", "No", show=False),
    ]

    def __init__(self, step: Step) -> None:
        super().__init__()
        self.step = step
        self.needs_name = bool(step.replaces_data)
        self.expected = step.target or ""
        # focus on show: the name box, else the preview (y/n answer); never a button, so a
        # click that began on the previous dialog (a double click) lands on no focused button.
        # The ignore: Textual types AUTO_FOCUS as a ClassVar yet reads it from the instance
        # (Screen._update_auto_focus), so a per-dialog value works but cannot be typed.
        self.AUTO_FOCUS = "#confirm-name" if self.needs_name else "#confirm-preview-scroll"  # type: ignore[misc]

    @property
    def confirm_button(self) -> Button:
        return self.query_one("#confirm-yes", Button)

    @property
    def name_input(self) -> Input:
        return self.query_one("#confirm-name", Input)

    def compose(self) -> ComposeResult:
        s = self.step
        where = f" on {s.target}" if s.target else ""
        head = f"{s.title}{where}"
        kind = (
            "This step REPLACES THE DATA" + where + ": what is there now is lost."
            if s.replaces_data
            else "This step changes the server" + where + "."
        )
        with Vertical(id="confirm-box"):
            yield Static(head, id="confirm-title", markup=False)
            yield Static(kind, id="confirm-kind", markup=False)
            with VerticalScroll(id="confirm-preview-scroll"):
                yield Static(s.preview.strip() or "(no command)", id="confirm-preview", markup=False)
            yield Static("Why: " + " ".join(s.why.split()), id="confirm-why", markup=False)
            if self.needs_name:
                yield Static(
                    f"Type the node name ({self.expected}) to enable the confirm button:",
                    id="confirm-ask",
                    markup=False,
                )
                yield Input(placeholder=self.expected, id="confirm-name")
            yield Static(
                "Type the name and press enter, or tab to the buttons; escape: no, stop."
                if self.needs_name
                else "y: yes · n or escape: no, stop · tab: the buttons",
                id="confirm-keys",
                markup=False,
            )
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    "Yes, run it" if not self.needs_name else f"Replace data on {self.expected}",
                    id="confirm-yes",
                    variant="error",
                    disabled=self.needs_name,
                )
                yield Button("No, stop the wizard", id="confirm-no", variant="primary")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.confirm_button.disabled = event.value.strip() != self.expected

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() == self.expected:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if not event.button.has_focus:
            # a click that began before this dialog was shown (a double click on the last one) answers nothing
            return
        if event.button.id == "confirm-yes" and not event.button.disabled:
            self.dismiss(True)
        elif event.button.id == "confirm-no":
            self.dismiss(False)

    def action_accept(self) -> None:
        """``y``: yes, unless the node's name must be typed (then ``y`` is typed into the box)."""
        if not self.needs_name:
            self.dismiss(True)

    def action_decline(self) -> None:
        self.dismiss(False)


class CancelRestoreScreen(ModalScreen[bool]):
    """``CancelRestoreScreen(step)``: asked before cancelling a running step
    that replaces data. Cancelling it leaves the target half-restored (the
    rebuild mark says so until a rebuild repairs it), so the safe answer —
    escape, ``n``, ``ctrl+c`` — keeps it running; only ``y`` or the button
    cancels. Dismisses with True (cancel) or False (keep running)."""

    BINDINGS = [
        Binding("escape", "keep", "No, keep restoring"),
        Binding("ctrl+c", "keep", "No, keep restoring", show=False, priority=True),
        Binding("y", "cancel_step", "Yes, cancel", show=False),
        Binding("n", "keep", "No", show=False),
    ]
    AUTO_FOCUS = "#cancel-restore-no"

    def __init__(self, step: Step) -> None:
        super().__init__()
        self.step = step
        self.target = step.target or "the replica"

    @property
    def question(self) -> str:
        return (
            f"Cancel the restore into {self.target}? Its data will be left half-restored and marked; "
            "re-run the rebuild to repair it"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-restore-box"):
            where = f" on {self.step.target}" if self.step.target else ""
            yield Static(f"{self.step.title}{where} is running", id="cancel-restore-title", markup=False)
            yield Static(self.question, id="cancel-restore-question", markup=False)
            yield Static(
                "y: yes, cancel it · n or escape: no, keep restoring", id="cancel-restore-keys", markup=False
            )
            with Horizontal(id="cancel-restore-buttons"):
                yield Button(
                    f"Yes, cancel the restore into {self.target}", id="cancel-restore-yes", variant="error"
                )
                yield Button("No, keep restoring", id="cancel-restore-no", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if not event.button.has_focus:
            return  # a click that began before this dialog was shown answers nothing
        self.dismiss(event.button.id == "cancel-restore-yes")

    def action_cancel_step(self) -> None:
        self.dismiss(True)

    def action_keep(self) -> None:
        self.dismiss(False)
