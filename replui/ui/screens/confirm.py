"""The confirm dialog before a destructive step: what will run where, and a
Yes/No. For a step that replaces data the operator must type the target
node's name before the confirm button is enabled (the CLI asks the same).
Dismisses with True (go on) or False (stop the run).

Both dialogs fit the terminal at every size: the box is at most the screen,
its head (the step) is docked at the top and the answer (name box, keys,
buttons) at the bottom, so they always show; the long parts (the exact
statements, the *why*) scroll in between."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from replui.ui.widgets.step_list import step_title
from replui.wizards.plan import Step

CONFIRM_HELP = """\
The confirm dialog — asked before every step that changes a server

What it shows
  the step (its title names the node it acts on), then what it does to
  that node, then the exact statements or commands as they will run
  (passwords as ***) and why the step is needed. That part scrolls:
  ↑/↓, PgUp/PgDn or the mouse wheel, when it is longer than the box.

Answering
  y         yes, run this step
  n, escape no: stop the wizard here (steps already done stay done; the
            outcome says what they left behind and offers their undo)
  tab       move between the statements, the name box and the buttons

A step that REPLACES DATA (a restore) asks for the target node's name:
type it exactly and press enter (or tab to the red button, enabled only
once the name matches). y types into the name box there; escape still
says no. The wizard checks the node's identity (server_id, hostname,
port) again after your answer, before the first statement runs."""

CANCEL_RESTORE_HELP = """\
Cancel a running restore?

The step that is running replaces the data of a node: its databases were
dropped and the dump is being loaded into them. Cancelling now stops the
dump and the restore at once and leaves that node half-restored: some
tables loaded, some missing. replui marks the node so the dashboard and
every later wizard say so, until a rebuild repairs it.

Answering
  y          yes, cancel the restore (then re-run the rebuild wizard)
  n, escape  no, keep restoring (the safe answer; ctrl+c says no too)
  tab        move between the buttons

If the step ends while this question is open, the question goes away:
there is nothing left to cancel."""


def confirm_title(step: Step) -> str:
    """The dialog's first line: the step, named as everywhere (:func:`step_title`)."""
    return step_title(step)


def confirm_kind(step: Step) -> str:
    """What the step does to its target, in one sentence."""
    where = f" on {step.target}" if step.target else ""
    if not step.destructive and not step.changes_server:
        return f"This step only reads{where}: nothing changes."
    if step.replaces_data:
        return f"This step REPLACES THE DATA{where}: what is there now is lost."
    return f"This step changes the server{where}."


class ConfirmScreen(ModalScreen[bool]):
    """``ConfirmScreen(step)``; ``needs_name`` when ``step.replaces_data``.
    ``step.preview`` is the text shown: the runner hands the dialog the step
    with its exact statements (``Step.exact_preview``, masked) as preview."""

    HELP = CONFIRM_HELP

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
        self.AUTO_FOCUS = "#confirm-name" if self.needs_name else "#confirm-body"  # type: ignore[misc]

    @property
    def confirm_button(self) -> Button:
        return self.query_one("#confirm-yes", Button)

    @property
    def name_input(self) -> Input:
        return self.query_one("#confirm-name", Input)

    def compose(self) -> ComposeResult:
        s = self.step
        with Vertical(id="confirm-box"):
            with Vertical(id="confirm-head"):
                yield Static(confirm_title(s), id="confirm-title", markup=False)
                yield Static(confirm_kind(s), id="confirm-kind", markup=False)
            body = VerticalScroll(id="confirm-body")
            body.border_subtitle = "↑/↓ PgUp/PgDn"
            with body:
                yield Static(s.preview.strip() or "(no command)", id="confirm-preview", markup=False)
                yield Static("Why: " + " ".join(s.why.split()), id="confirm-why", markup=False)
            with Vertical(id="confirm-answer"):
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

    HELP = CANCEL_RESTORE_HELP

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
            yield Static(f"{step_title(self.step)} is running", id="cancel-restore-title", markup=False)
            with VerticalScroll(id="cancel-restore-body", can_focus=False):
                yield Static(self.question, id="cancel-restore-question", markup=False)
            with Vertical(id="cancel-restore-answer"):
                yield Static(
                    "y: yes, cancel it · n or escape: no, keep restoring",
                    id="cancel-restore-keys",
                    markup=False,
                )
                with Horizontal(id="cancel-restore-buttons"):
                    yield Button(
                        f"Yes, cancel the restore into {self.target}",
                        id="cancel-restore-yes",
                        variant="error",
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
