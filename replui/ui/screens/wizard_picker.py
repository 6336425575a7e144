"""The wizard picker: the eight wizards, their options pre-filled from the
selected finding (``Finding.wizard`` preselected; ``Finding.nodes`` is
``(subject, source…)``) or from a node, and the plan they would run —
``Plan.render()``, the exact text ``--dry-run`` prints — before anything runs.

Options are edited as on the command line (``--source node1 --replica node2
--next-binlog``). Dismisses with a :class:`PickedWizard`, or None.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Mapping

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from replui.analysis import errors as E
from replui.config import Config
from replui.model import Finding, NodeStatus
from replui.wizards.plan import Plan

#: The wizards in the order the picker lists them (the names scripts use).
WIZARD_NAMES = ("restart-replication", "rebuild-replica", "resync-pair", "repoint", "reset-replica",
                "add-replica", "set-repl-password", "heartbeat")
#: One line on what each does, and whose write-up it follows (docs/sources.md lists them).
WIZARD_BLURBS = {
    "restart-replication": "stop/start the replication threads, verify (Chameleon Cloud runbook)",
    "rebuild-replica": "dump the source, stream it into the replica, re-point (Chameleon Cloud runbook; 'Fail over MySQL and Rails')",
    "resync-pair": "master⇄master: rebuild one side from the other, crosswise (Max Manders, 2010)",
    "repoint": "CHANGE MASTER TO other coordinates after a crash (Jo Vandeginste, 2016)",
    "reset-replica": "stop, RESET SLAVE, re-point, start ('Fail over MySQL and Rails')",
    "add-replica": "create the user, dump, stream, restore, point (Charles Roth, 2014; 'Fail over MySQL and Rails')",
    "set-repl-password": "a replica's IO thread gets 1045: store the replication password again",
    "heartbeat": "write a timestamp on the source, read it on every replica (Charles Roth, 2014)",
}
#: The environment variable the picker proposes for set-repl-password's password (edit it to yours).
REPL_PASSWORD_ENV = "REPLUI_REPL_PASSWORD"
VALUE_OPTIONS = ("node", "source", "replica", "authoritative", "other", "to", "databases", "repl-user", "repl-password-env", "timeout")
FLAG_OPTIONS = ("next-binlog", "from-exec-position", "via-file")


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


def prefill(name: str, finding: Finding | None, node: str | None, statuses: Mapping[str, NodeStatus]) -> dict[str, Any]:
    """Builder options for wizard ``name`` from ``finding`` (its first node is
    the subject, the second its source) or else ``node`` (its source from
    ``statuses``). ``repoint`` picks ``next_binlog`` for a 1236 "impossible
    position" and ``from_exec_position`` for a corrupt relay log, from the
    finding's errno and text (:func:`replui.analysis.errors.classify`).
    ``set-repl-password`` gets the node and :data:`REPL_PASSWORD_ENV` as the
    name of the environment variable holding the password."""
    subject = finding.nodes[0] if finding and finding.nodes else node
    source = finding.nodes[1] if finding and len(finding.nodes) > 1 else _source_of(statuses, subject)
    out: dict[str, Any]
    if name in ("restart-replication", "reset-replica", "repoint"):
        out = {"node": subject}
        if name == "repoint" and finding is not None:
            known = E.classify(finding.errno, finding.message)
            if known is E.IMPOSSIBLE_POSITION:
                out["next_binlog"] = True
            elif known is E.RELAY_LOG_CORRUPT:
                out["from_exec_position"] = True
    elif name in ("rebuild-replica", "add-replica"):
        out = {"source": source, "replica": subject}
    elif name == "resync-pair":
        out = {"authoritative": source, "other": subject}
    elif name == "heartbeat":
        out = {"source": source or subject}
    elif name == "set-repl-password":
        out = {"node": subject, "repl_password_env": REPL_PASSWORD_ENV}
    else:
        out = {}
    return {k: v for k, v in out.items() if v not in (None, False)}


def options_text(options: Mapping[str, Any]) -> str:
    """``{"source": "node1", "next_binlog": True}`` -> ``"--source node1 --next-binlog"``."""
    parts = []
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            parts.append(flag)
        elif v not in (None, False):
            parts += [flag, shlex.quote(str(v))]
    return " ".join(parts)


def parse_options(text: str) -> dict[str, Any]:
    """The inverse of :func:`options_text`; ValueError naming a bad option."""
    out: dict[str, Any] = {}
    tokens = shlex.split(text)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        key = tok[2:] if tok.startswith("--") else None
        if key in FLAG_OPTIONS:
            out[key.replace("-", "_")] = True
            i += 1
        elif key in VALUE_OPTIONS:
            if i + 1 >= len(tokens) or tokens[i + 1].startswith("--"):
                raise ValueError(f"{tok} needs a value")
            val: Any = tokens[i + 1]
            if key == "timeout":
                import argparse

                from replui.wizards.cli import positive_seconds

                try:
                    val = positive_seconds(val)
                except argparse.ArgumentTypeError as exc:
                    raise ValueError(f"--timeout {exc}") from None
            out[key.replace("-", "_")] = val
            i += 2
        else:
            raise ValueError(f"unknown option {tok!r} (known: " + ", ".join("--" + o for o in VALUE_OPTIONS + FLAG_OPTIONS) + ")")
    return out


def build(name: str, config: Config, statuses: Mapping[str, NodeStatus], text: str) -> tuple[Plan | None, str]:
    """``(plan, rendered)`` or ``(None, reason)``: never raises."""
    try:
        from replui.wizards.registry import build_plan

        plan = build_plan(name, config, list(statuses.values()), **parse_options(text))
    except Exception as exc:  # noqa: BLE001 - WizardError, KeyError, ValueError: shown, never a traceback
        return None, f"Cannot build this plan: {exc.args[0] if exc.args else exc}"
    return plan, plan.render()


class WizardPickerScreen(ModalScreen["PickedWizard | None"]):
    """``WizardPickerScreen(config, statuses, finding=None, node=None)``."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "start", "Start")]

    def __init__(self, config: Config, statuses: Mapping[str, NodeStatus], finding: Finding | None = None,
                 node: str | None = None) -> None:
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
        about = (f"From finding {self.finding.code} on {', '.join(self.finding.nodes)}" if self.finding
                 else f"From node {self.node}" if self.node else "Pick a wizard")
        with Vertical(id="picker-box"):
            yield Static(about + " — the plan is shown before anything runs.", id="picker-about", markup=False)
            with Horizontal(id="picker-main"):
                yield OptionList(*[Option(f"{n}\n  {WIZARD_BLURBS[n]}", id=n) for n in WIZARD_NAMES], id="picker-list")
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
            self.dismiss(PickedWizard(self.selected, parse_options(self.options_input.value), self.plan))

    def action_close(self) -> None:
        self.dismiss(None)
