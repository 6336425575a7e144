"""The wizard picker: the eight wizards, their options pre-filled from the
selected finding (``Finding.wizard`` preselected; ``Finding.nodes`` is
``(subject, source…)``) or from a node, and the plan they would run —
``Plan.render()``, the exact text ``--dry-run`` prints — before anything runs.

Options are edited as on the command line (``--source node1 --replica node2
--next-binlog``). Dismisses with a :class:`PickedWizard`, or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from replui.config import Config
from replui.model import Finding, NodeStatus
from replui.wizards import catalogue
from replui.wizards.plan import Plan

#: The wizards in the order the picker lists them, and one line on each: from the catalogue.
WIZARD_NAMES = catalogue.NAMES
WIZARD_BLURBS = {w.name: w.summary for w in catalogue.WIZARDS}
REPL_PASSWORD_ENV = catalogue.REPL_PASSWORD_ENV
options_text = catalogue.options_text
parse_options = catalogue.parse_options


@dataclass(frozen=True)
class PickedWizard:
    """What the operator chose: wizard ``name``, its ``options`` (builder
    keyword arguments) and the ``plan`` they were shown."""

    name: str
    options: Mapping[str, Any]
    plan: Plan


def _source_of(statuses: Mapping[str, NodeStatus], node: str | None) -> str | None:
    if node is None:
        return None
    from replui.wizards.common import source_of

    try:
        return source_of(dict(statuses), node)
    except Exception:  # noqa: BLE001 - unknown node, unreachable…: no pre-fill
        return None


def prefill(
    name: str, finding: Finding | None, node: str | None, statuses: Mapping[str, NodeStatus]
) -> dict[str, Any]:
    """Builder options for wizard ``name`` from ``finding`` (its first node is
    the subject, the second its source) or else ``node`` (its source from
    ``statuses``); the catalogue says how each wizard uses them
    (:func:`replui.wizards.catalogue.prefill`)."""
    subject = finding.nodes[0] if finding and finding.nodes else node
    source = finding.nodes[1] if finding and len(finding.nodes) > 1 else _source_of(statuses, subject)
    return catalogue.prefill(name, subject, source, finding)


def build(
    name: str, config: Config, statuses: Mapping[str, NodeStatus], text: str
) -> tuple[Plan | None, str]:
    """``(plan, rendered)`` or ``(None, reason)``: never raises."""
    try:
        plan = catalogue.build_plan(name, config, list(statuses.values()), **parse_options(name, text))
    except Exception as exc:  # noqa: BLE001 - WizardError, KeyError, ValueError: shown, never a traceback
        return None, f"Cannot build this plan: {exc.args[0] if exc.args else exc}"
    return plan, plan.render()


class WizardPickerScreen(ModalScreen["PickedWizard | None"]):
    """``WizardPickerScreen(config, statuses, finding=None, node=None)``."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "start", "Start")]

    def __init__(
        self,
        config: Config,
        statuses: Mapping[str, NodeStatus],
        finding: Finding | None = None,
        node: str | None = None,
    ) -> None:
        super().__init__()
        self.config, self.statuses, self.finding, self.node = config, dict(statuses), finding, node
        self.selected = finding.wizard if finding and finding.wizard in WIZARD_NAMES else WIZARD_NAMES[0]
        self.plan: Plan | None = None

    @property
    def wizard_list(self) -> OptionList:
        return self.query_one("#picker-list", OptionList)

    @property
    def options_input(self) -> Input:
        return self.query_one("#picker-options", Input)

    @property
    def plan_view(self) -> Static:
        return self.query_one("#picker-plan", Static)

    def compose(self) -> ComposeResult:
        about = (
            f"From finding {self.finding.code} on {', '.join(self.finding.nodes)}"
            if self.finding
            else f"From node {self.node}"
            if self.node
            else "Pick a wizard"
        )
        with Vertical(id="picker-box"):
            yield Static(
                about + " — the plan is shown before anything runs.", id="picker-about", markup=False
            )
            with Horizontal(id="picker-main"):
                yield OptionList(
                    *[Option(f"{n}\n  {WIZARD_BLURBS[n]}", id=n) for n in WIZARD_NAMES], id="picker-list"
                )
                with Vertical(id="picker-right"):
                    yield Input(id="picker-options", placeholder="--node NAME …")
                    with VerticalScroll(id="picker-plan-scroll"):
                        yield Static("", id="picker-plan", markup=False)
            with Horizontal(id="picker-buttons"):
                yield Button("Start wizard", id="picker-start", variant="warning")
                yield Button("Close", id="picker-close")

    def on_mount(self) -> None:
        lst = self.wizard_list
        lst.highlighted = WIZARD_NAMES.index(self.selected)
        self._select(self.selected)
        lst.focus()

    def _select(self, name: str) -> None:
        self.selected = name
        text = options_text(prefill(name, self.finding, self.node, self.statuses))
        if self.options_input.value != text:
            self.options_input.value = text  # Input.Changed rebuilds the plan
        self._rebuild(text)

    def _rebuild(self, text: str) -> None:
        self.plan, shown = build(self.selected, self.config, self.statuses, text)
        self.plan_view.update(shown)
        self.query_one("#picker-start", Button).disabled = self.plan is None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id and event.option.id != self.selected:
            self._select(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_start()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._rebuild(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "picker-start":
            self.action_start()
        else:
            self.action_close()

    def action_start(self) -> None:
        """Start the shown plan (nothing happens when it cannot be built)."""
        if self.plan is not None:
            self.dismiss(
                PickedWizard(self.selected, parse_options(self.selected, self.options_input.value), self.plan)
            )

    def action_close(self) -> None:
        self.dismiss(None)
