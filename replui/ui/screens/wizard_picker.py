"""The wizard picker: the eight wizards, their options and the plan they
would run — ``Plan.render()``, the exact text ``--dry-run`` prints — before
anything runs.

A finding that names a wizard (``Finding.wizard``) preselects it, its options
pre-filled from the finding (``Finding.nodes`` is ``(subject, source…)``).
With no problem selected (no finding, or one that names no wizard, such as an
OK one) nothing is chosen or typed for the operator and Start stays disabled
until a wizard is chosen; choosing one fills its options from the finding's
nodes or the given node, for the operator to check.

Options are edited as on the command line (``--source node1 --replica node2
--next-binlog``). Dismisses with a :class:`PickedWizard`, or None.

Below 120 columns (``-narrow``) the list is stacked above the plan; the
options and the buttons stay docked at the bottom of the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from replui.config import Config
from replui.model import Finding, NodeStatus
from replui.ui.widgets.footer import KeyFooter
from replui.wizards import catalogue
from replui.wizards.plan import Plan

#: The wizards in the order the picker lists them, and one line on each: from the catalogue.
WIZARD_NAMES = catalogue.NAMES
WIZARD_BLURBS = {w.name: w.summary for w in catalogue.WIZARDS}
REPL_PASSWORD_ENV = catalogue.REPL_PASSWORD_ENV
options_text = catalogue.options_text
parse_options = catalogue.parse_options

#: The about line when no problem is selected (no finding, or an OK one).
NO_PROBLEM = "No problem selected: pick a wizard, then its options"
#: The plan pane before a wizard is chosen.
CHOOSE_FIRST = (
    "Choose a wizard in the list (↑/↓ or a click): its plan is shown here, exactly as "
    "--dry-run prints it, before anything runs."
)

_START = Binding.Group("Start")
_CLOSE = Binding.Group("Close")


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


def usage(name: str) -> str:
    """Wizard ``name``'s options as ``--help`` would sum them up:
    ``--node NODE [--timeout SECONDS]``; one of a group as ``(--to FILE:POS | --next-binlog)``."""
    parts: list[str] = []
    groups: dict[str, list[str]] = {}
    for o in catalogue.wizard(name).options:
        text = o.cli if o.flag else f"{o.cli} {o.metavar or 'VALUE'}"
        if o.group:
            if o.group not in groups:
                groups[o.group] = []
                parts.append(o.group)  # replaced by the group's text below
            groups[o.group].append(text)
        else:
            parts.append(text if o.required else f"[{text}]")
    return " ".join(f"({' | '.join(groups[p])})" if p in groups else p for p in parts)


class WizardList(OptionList):
    """The wizards. ``enter`` starts the highlighted one. A click chooses a
    wizard; a click on the chosen one starts it, so its plan is always seen first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Start", group=_START)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``select`` is shown disabled while there is no plan to start."""
        if action == "select" and getattr(self.screen, "plan", None) is None:
            return None
        return True

    async def _on_click(self, event: events.Click) -> None:
        clicked = event.style.meta.get("option")
        if isinstance(clicked, int) and clicked != self.highlighted:
            event.prevent_default()  # only choose: OptionList would select (start) at once
            if not self.get_option_at_index(clicked).disabled:
                self.highlighted = clicked


class OptionsInput(Input):
    """The options line; ``enter`` starts the plan."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Start", group=_START)]


class WizardPickerScreen(ModalScreen["PickedWizard | None"], inherit_bindings=False):
    """``WizardPickerScreen(config, statuses, finding=None, node=None)``."""

    HELP = """\
Wizard picker

Choose a repair, check its options, read its plan, then start it.

The list
  The wizards, each with a line on what it does. A finding whose
  advice names a wizard preselects it, its options filled in from the
  finding's nodes. With no problem selected (no finding, an OK one, or
  one that names no wizard) nothing is chosen or typed for you and
  Start stays disabled: choose a wizard with ↑/↓ (or a click), then
  check the options it fills in. A click on the chosen wizard starts it.

Options
  Typed as on the command line, e.g. --source node1 --replica node2
  or --node node2 --next-binlog; replui wizard NAME --help lists a
  wizard's options. A password is never typed here: the option
  --repl-password-env names the environment variable that holds it.

Plan
  Exactly the plan that replui wizard NAME ... --dry-run prints: the
  pre-flight checks, then every step with its SQL or command. It
  follows the options as you type; when they are wrong it says why
  and Start stays disabled.

Nothing runs here. Start opens the wizard screen, which runs the
pre-flight checks and asks in a confirm dialog before every step that
changes a server (a step that replaces data asks for the node's name).

Keys
  ↑/↓         choose a wizard; scroll the plan when it has the focus
  PgUp/PgDn   a page up or down in the list or the plan
  tab         next field: list, plan, options, Start, Close
  shift+tab   previous field
  enter       start the plan (in the list or the options)
  ctrl+s      start the plan, from any field
  escape, q   close without starting (in the options q is typed)
  ?           this help"""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start", group=_START),
        Binding("enter", "start", "Start", show=False),
        Binding("escape", "close", "Close", group=_CLOSE),
        Binding("q", "close", "Close", show=False),
        Binding("tab", "app.focus_next", "Next field"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False),
    ]

    def __init__(
        self,
        config: Config,
        statuses: Mapping[str, NodeStatus],
        finding: Finding | None = None,
        node: str | None = None,
    ) -> None:
        super().__init__()
        self.config, self.statuses, self.finding, self.node = config, dict(statuses), finding, node
        #: the chosen wizard: the finding's, else None until the operator chooses one
        self.selected: str | None = finding.wizard if finding and finding.wizard in WIZARD_NAMES else None
        self.plan: Plan | None = None

    @property
    def wizard_list(self) -> OptionList:
        """The list of wizards."""
        return self.query_one("#picker-list", OptionList)

    @property
    def options_input(self) -> Input:
        """The options line."""
        return self.query_one("#picker-options", Input)

    @property
    def plan_view(self) -> Static:
        """The plan as ``--dry-run`` prints it (or why it cannot be built)."""
        return self.query_one("#picker-plan", Static)

    def _about(self) -> str:
        f = self.finding
        if f is not None and self.selected is not None:
            return f"From finding {f.code} on {', '.join(f.nodes)}; nothing runs before you confirm."
        if f is not None and f.severity.rank > 0:
            return f"Finding {f.code} on {', '.join(f.nodes)} names no wizard: pick one, then its options."
        return NO_PROBLEM + "."

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = "Wizard picker"
            yield Static(self._about(), id="picker-about", markup=False)
            with Container(id="picker-main"):
                lst = WizardList(
                    *[
                        Option(Group(Text(n, "bold"), Padding(WIZARD_BLURBS[n], (0, 0, 0, 2))), id=n)
                        for n in WIZARD_NAMES
                    ],
                    id="picker-list",
                )
                lst.highlighted = None  # OptionList highlights its first option: nothing is chosen yet
                lst.border_title = "Wizards"
                lst.border_subtitle = "↑/↓ choose"
                yield lst
                with VerticalScroll(id="picker-plan-scroll") as scroll:
                    scroll.border_title = "Plan (as --dry-run prints it)"
                    scroll.border_subtitle = "↑/↓ PgUp/PgDn scroll"
                    yield Static(CHOOSE_FIRST, id="picker-plan", markup=False)
            with Horizontal(id="picker-bottom"):
                options = OptionsInput(id="picker-options", placeholder="choose a wizard first")
                options.border_title = "Options"
                yield options
                yield Button("Start", id="picker-start", variant="warning", disabled=True)
                yield Button("Close", id="picker-close")
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        lst = self.wizard_list
        if self.selected is not None:
            lst.highlighted = WIZARD_NAMES.index(self.selected)
            self._select(self.selected)
            self.call_after_refresh(lst.scroll_to_highlight)  # once laid out: the chosen one in view
        lst.focus()

    def _select(self, name: str) -> None:
        self.selected = name
        self.options_input.placeholder = usage(name)
        text = options_text(prefill(name, self.finding, self.node, self.statuses))
        if self.options_input.value != text:
            self.options_input.value = text  # Input.Changed rebuilds the plan
        self._rebuild(text)

    def _rebuild(self, text: str) -> None:
        if self.selected is None:
            self.plan, shown = None, CHOOSE_FIRST
        else:
            self.plan, shown = build(self.selected, self.config, self.statuses, text)
        self.plan_view.update(shown)
        self.query_one("#picker-start", Button).disabled = self.plan is None
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``start`` is shown disabled while there is no plan to start."""
        if action == "start" and self.plan is None:
            return None
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index != event.option_list.highlighted:
            return  # stale: the highlight has moved on (or was cleared) since
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
        if self.plan is None or self.selected is None:
            self.app.bell()
            return
        self.dismiss(
            PickedWizard(self.selected, parse_options(self.selected, self.options_input.value), self.plan)
        )

    def action_close(self) -> None:
        """Close without starting anything."""
        self.dismiss(None)
