"""The dashboard: header, one pane per node side by side, findings, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer

from replui.config import Config
from replui.model import Finding, NodeStatus
from replui.ui.widgets.findings_list import FindingsList
from replui.ui.widgets.header import DashboardHeader
from replui.ui.widgets.node_pane import NodePane, placeholder

if TYPE_CHECKING:  # replui.ui.app imports this module
    from textual import getters

    from replui.ui.app import ReplUIApp


def channel_slots(statuses: list[NodeStatus]) -> int:
    """Channel sections per pane: the most channels any node has, at least 1."""
    return max([len(s.channels) for s in statuses if s.reachable] + [1])


class DashboardScreen(Screen[None]):
    """Shows ``statuses`` (name -> latest status) and ``findings``; :meth:`show` updates.
    ``w`` (or enter on a finding) opens the wizard picker."""

    BINDINGS = [Binding("w", "app.wizard", "Wizard")]

    if TYPE_CHECKING:  # how Textual itself types ``app`` (MessagePump); no runtime change
        app = getters.app(ReplUIApp)

    def __init__(self, config: Config, statuses: dict[str, NodeStatus], findings: list[Finding]) -> None:
        super().__init__(id="dashboard")
        self.config = config
        self.names = [n.name for n in config.nodes]
        self.statuses = dict(statuses)
        self.findings = list(findings)
        self._ready = False

    def _status(self, name: str) -> NodeStatus:
        if name in self.statuses:
            return self.statuses[name]
        n = self.config.node(name)
        return placeholder(name, n.host, n.port)

    def _known(self) -> list[NodeStatus]:
        return [self.statuses[n] for n in self.names if n in self.statuses]

    # typed accessors
    @property
    def header(self) -> DashboardHeader:
        return self.query_one(DashboardHeader)

    @property
    def findings_list(self) -> FindingsList:
        return self.query_one(FindingsList)

    def pane(self, name: str) -> NodePane:
        """The pane of node ``name``."""
        for p in self.query(NodePane):
            if p.node_name == name:
                return p
        raise NoMatches(f"no pane for node {name!r}")

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        slots = channel_slots(self._known())
        with ScrollableContainer(id="panes"):
            for name in self.names:
                yield NodePane(self._status(name), self.findings, slots)
        yield FindingsList(self.findings)
        yield Footer()

    def on_findings_list_wizard_requested(self, message: FindingsList.WizardRequested) -> None:
        message.stop()
        self.app.action_wizard(message.finding)

    async def on_mount(self) -> None:
        self._ready = True
        await self.show(self.statuses, self.findings)

    def on_unmount(self) -> None:
        self._ready = False

    async def show(self, statuses: dict[str, NodeStatus], findings: list[Finding]) -> None:
        """Show the latest ``statuses`` and ``findings`` in every pane, the header and the list.

        Before the screen is mounted this only stores them; mounting shows them."""
        self.statuses, self.findings = dict(statuses), list(findings)
        if not self._ready:
            return
        slots = channel_slots(self._known())
        for name in self.names:
            await self.pane(name).show(self._status(name), self.findings, slots)
        self.header.show(self.names, self._known(), self.findings)
        self.findings_list.show(self.findings)
