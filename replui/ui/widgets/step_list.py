"""The step list of a wizard: one row per step with its state as a symbol
(so it reads without colour) and a CSS class (``-pending``, ``-awaiting`` (confirm dialog open), ``-running``,
``-done``, ``-failed``, ``-refused``, ``-declined``, ``-cancelled``,
``-skipped``) the theme colours. ``up``/``down`` browse the steps; the screen
shows the browsed step's preview and *why*. The list scrolls when it is
taller than its pane and keeps the browsed (running) step in view.

Every place that shows a step names it by :func:`step_title`: a step's title
names the node it acts on ("Clear the rebuild mark on node2"), so no view
appends the target again (the plan tests hold every wizard to it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from replui.wizards.plan import Step, StepStatus

#: Symbol per step status (a mark that reads without colour).
STATE_SYMBOLS: dict[StepStatus, str] = {
    StepStatus.PENDING: "·",
    StepStatus.AWAITING: "?",
    StepStatus.RUNNING: "▶",
    StepStatus.DONE: "✔",
    StepStatus.FAILED: "✖",
    StepStatus.REFUSED: "✖",
    StepStatus.DECLINED: "■",
    StepStatus.CANCELLED: "■",
    StepStatus.SKIPPED: "↷",
}
STATES = tuple(STATE_SYMBOLS)


def step_title(step: Step) -> str:
    """The step as every view names it: its title, which already names its
    target node (no view appends ``on <target>``)."""
    return step.title


def step_flags(step: Step) -> str:
    """``"  !! replaces data"``, ``"  ! destructive"`` or ``""``."""
    return "  !! replaces data" if step.replaces_data else ("  ! destructive" if step.destructive else "")


def step_label(index: int, step: Step, state: StepStatus) -> str:
    """``"✔ 2. Stop and start replication on node2  ! destructive"`` — the row text."""
    return f"{STATE_SYMBOLS.get(state, '?')} {index}. {step_title(step)}{step_flags(step)}"


class StepRow(Static):
    """One step's row; ``state`` is its :class:`StepStatus`."""

    def __init__(self, index: int, step: Step) -> None:
        super().__init__(
            step_label(index, step, StepStatus.PENDING), classes="step-row -pending", markup=False
        )
        self.index, self.step, self.state = index, step, StepStatus.PENDING

    def set_state(self, state: StepStatus) -> None:
        self.remove_class(f"-{self.state}")
        self.state = state
        self.add_class(f"-{state}")
        self.update(step_label(self.index, self.step, state))


class StepList(Widget, can_focus=True):
    """The steps of a plan and their states. :meth:`set_state` changes one
    step; ``cursor`` is the browsed step (index into ``steps``)."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous step", show=False),
        Binding("down", "move(1)", "Next step", show=False),
    ]

    cursor: reactive[int] = reactive(0)

    class Browsed(Message):
        """The operator moved to another step (``index`` into the plan's steps)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, steps: tuple[Step, ...], id: str | None = "step-list") -> None:  # noqa: A002 - Textual's id
        super().__init__(id=id)
        self.steps = steps
        self.border_title = "Steps"
        self.border_subtitle = "↑/↓ browse"

    def compose(self) -> ComposeResult:
        for i, s in enumerate(self.steps, 1):
            yield StepRow(i, s)

    @property
    def rows(self) -> list[StepRow]:
        return list(self.query(StepRow))

    def row(self, step_id: str) -> StepRow:
        """The row of the step with id ``step_id`` (KeyError if none)."""
        for r in self.rows:
            if r.step.id == step_id:
                return r
        raise KeyError(step_id)

    def state_of(self, step_id: str) -> StepStatus:
        return self.row(step_id).state

    def states(self) -> dict[str, StepStatus]:
        """``{step id: state}`` in plan order."""
        return {r.step.id: r.state for r in self.rows}

    def set_state(self, step_id: str, state: StepStatus) -> None:
        self.row(step_id).set_state(state)

    def watch_cursor(self, old: int, new: int) -> None:
        rows = self.rows
        for i, r in enumerate(rows):
            r.set_class(i == new, "-cursor")
        self.keep_in_view(new)

    def keep_in_view(self, index: int) -> None:
        """Scroll the list so step ``index`` shows (once the layout is current:
        a row may just have changed state)."""
        rows = self.rows
        if 0 <= index < len(rows):
            self.call_after_refresh(self.scroll_to_widget, rows[index], animate=False)

    def action_move(self, delta: int) -> None:
        if not self.steps:
            return
        self.cursor = max(0, min(len(self.steps) - 1, self.cursor + delta))
        self.post_message(self.Browsed(self.cursor))
