"""The dashboard: header, the nodes (side-by-side panes, or the compact
comparison table when the panes do not fit), findings, footer.

Which form shows the nodes follows the width (panes when each gets
:data:`PANE_MIN_WIDTH` cells, else the table); ``v`` overrides it. The
findings take a share of the height that ``+``/``-`` change (down to hidden).
When a replica has an error, every pane gets an error banner of the same
height right under its title (so the rows still line up) and ``e`` shows the
whole text of every error.
"""

from __future__ import annotations

import time
from enum import Enum
from typing import TYPE_CHECKING, Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.css.query import NoMatches
from textual.events import Resize
from textual.screen import Screen

from replui.config import Config
from replui.model import Finding, NodeStatus
from replui.ui.freshness import is_stale
from replui.ui.rows import error_lines
from replui.ui.screens.help import HELP_TEXT, HelpScreen
from replui.ui.widgets.compare_table import CompareTable, NodeColumn
from replui.ui.widgets.findings_list import FindingsList
from replui.ui.widgets.footer import KeyFooter
from replui.ui.widgets.header import DashboardHeader, freshness_summary
from replui.ui.widgets.node_pane import NodePane, placeholder
from replui.ui.widgets.training_banner import TrainingBanner

if TYPE_CHECKING:  # replui.ui.app imports this module
    from textual import getters

    from replui.training import TrainingSession
    from replui.ui.app import ReplUIApp

#: Narrowest a side-by-side pane may be (cells): a 21-cell label, a mark and a binlog file name.
PANE_MIN_WIDTH = 42
#: Heights of the findings area, smallest first (``+``/``-`` move along; "hidden" hides it).
FINDINGS_SIZES = ("hidden", "small", "medium", "large")


class View(Enum):
    """How the nodes are shown: by the width (``AUTO``), or as the operator chose with ``v``."""

    AUTO = "auto"
    PANES = "panes"
    TABLE = "table"


class DashboardScreen(Screen[None]):
    """Shows ``statuses`` (name -> latest status) and ``findings``; :meth:`show` updates.
    ``read_at`` maps a node to the ``clock()`` time its status was read."""

    HELP = HELP_TEXT
    BINDINGS = [
        Binding("w", "app.wizard", "Wizard"),
        Binding("r", "app.refresh_now", "Refresh"),
        Binding("e", "errors", "Errors"),
        Binding("l", "error_logs", "Logs", show=False),  # in the help; the footer is full at 80 columns
        Binding("p", "paste", "Paste", show=False),  # in the help too
        Binding("v", "view", "View"),
        Binding("f", "findings", "Findings"),
        Binding("plus,equals_sign", "findings_size(1)", "Size", key_display="+/-"),
        Binding("minus", "findings_size(-1)", "Smaller findings", show=False),
    ]

    if TYPE_CHECKING:  # how Textual itself types ``app`` (MessagePump); no runtime change
        app = getters.app(ReplUIApp)

    def __init__(
        self,
        config: Config,
        statuses: dict[str, NodeStatus],
        findings: list[Finding],
        read_at: dict[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        training: "TrainingSession | None" = None,
    ) -> None:
        super().__init__(id="dashboard")
        #: The walkthrough under way (``replui train``): a banner line names it.
        self.training = training
        self.config = config
        self.names = [n.name for n in config.nodes]
        self.statuses = dict(statuses)
        self.findings = list(findings)
        self.read_at = read_at if read_at is not None else {}
        self.clock = clock
        self.view = View.AUTO
        self.findings_size = "medium"
        self.refreshing = 0
        self._ready = False
        self._panes: dict[str, NodePane] = {}
        self._banner = -1
        self._shown_view: View | None = None

    def _status(self, name: str) -> NodeStatus:
        if name in self.statuses:
            return self.statuses[name]
        n = self.config.node(name)
        return placeholder(name, n.host, n.port)

    def _known(self) -> list[NodeStatus]:
        return [self.statuses[n] for n in self.names if n in self.statuses]

    def ages(self) -> dict[str, float | None]:
        """Seconds since each node was read (None: not read yet), in config order."""
        now = self.clock()
        return {n: (now - self.read_at[n]) if n in self.read_at else None for n in self.names}

    # typed accessors
    @property
    def header(self) -> DashboardHeader:
        return self.query_one(DashboardHeader)

    @property
    def findings_list(self) -> FindingsList:
        return self.query_one(FindingsList)

    @property
    def compare(self) -> CompareTable:
        return self.query_one(CompareTable)

    def pane(self, name: str) -> NodePane:
        """The pane of node ``name``."""
        if name not in self._panes:
            raise NoMatches(f"no pane for node {name!r}")
        return self._panes[name]

    def compose(self) -> ComposeResult:
        yield DashboardHeader()
        if self.training is not None:
            yield TrainingBanner(self.training)
        slots = channel_slots(self._known())
        interval = self.config.poll_interval
        with ScrollableContainer(id="panes"):
            for name in self.names:
                pane = NodePane(
                    self._status(name),
                    self.findings,
                    slots,
                    self._known(),
                    read_at=self.read_at.get(name),
                    poll_interval=interval,
                    clock=self.clock,
                )
                self._panes[name] = pane
                yield pane
        table = CompareTable()
        table.poll_interval = interval
        yield table
        yield FindingsList(self.findings)
        yield KeyFooter(compact=True)

    def on_findings_list_wizard_requested(self, message: FindingsList.WizardRequested) -> None:
        message.stop()
        self.app.action_wizard(message.finding)

    async def on_mount(self) -> None:
        self._ready = True
        self._apply_findings_size()
        await self.show(self.statuses, self.findings)
        self.set_interval(1.0, self.tick)

    def on_unmount(self) -> None:
        self._ready = False

    # ---- layout -------------------------------------------------------------------
    def shown_view(self) -> View:
        """PANES or TABLE: what the operator chose, else what the width allows."""
        if self.view is not View.AUTO:
            return self.view
        fits = self.size.width >= len(self.names) * PANE_MIN_WIDTH + 2
        return View.PANES if fits else View.TABLE

    def banner_lines(self) -> int:
        """The height of the error banners: 0 when no node has an error, else 2
        lines on a short terminal and 4 on a tall one."""
        if not any(self.statuses[n].reachable and error_lines(self.statuses[n]) for n in self.statuses):
            return 0
        return 2 if self.size.height < 35 else 4

    async def on_resize(self, event: Resize) -> None:
        await self.show(self.statuses, self.findings, force=True)

    def _apply_findings_size(self) -> None:
        for size in FINDINGS_SIZES:
            self.set_class(size == self.findings_size, f"-findings-{size}")

    # ---- updates ------------------------------------------------------------------
    async def show(
        self,
        statuses: dict[str, NodeStatus],
        findings: list[Finding],
        read_at: dict[str, float] | None = None,
        *,
        force: bool = False,
    ) -> None:
        """Show the latest ``statuses`` and ``findings`` (``read_at``: when each
        was read) in the nodes' view, the header and the list. Only what
        changed is redrawn; ``force`` redraws the view (its size changed).

        Before the screen is mounted this only stores them; mounting shows them."""
        self.statuses, self.findings = dict(statuses), list(findings)
        if read_at is not None:
            self.read_at = read_at
        if not self._ready:
            return
        view = self.shown_view()
        if view is not self._shown_view:
            self._shown_view = view
            self.query_one("#panes").display = view is View.PANES
            self.compare.display = view is View.TABLE
            force = True
        slots = channel_slots(self._known())
        banner = self.banner_lines()
        known = self._known()
        if view is View.PANES:
            if banner != self._banner or force:
                for p in self._panes.values():
                    p.banner.display = banner > 0
                    p.banner.styles.height = banner
            for name in self.names:
                await self.pane(name).show(
                    self._status(name), self.findings, slots, known, self.read_at.get(name)
                )
        else:
            ages = self.ages()
            columns = {n: NodeColumn(self._status(n), ages[n]) for n in self.names}
            self.compare.show(self.names, columns, self.findings, slots, banner, force=force)
        self._banner = banner
        self.header.show(self.names, known, self.findings)
        self._show_freshness()
        self.findings_list.show(self.findings)

    def tick(self) -> None:
        """Every second: the ages move (titles repaint, stale nodes are flagged)."""
        if not self._ready:
            return
        if self._shown_view is View.PANES:
            for name, p in self._panes.items():
                p.read_at = self.read_at.get(name, p.read_at)
                p.tick()
        elif self._shown_view is View.TABLE:
            self.compare.show_ages(self.ages())
        self._show_freshness()

    def _show_freshness(self) -> None:
        ages = self.ages()
        interval = self.config.poll_interval
        stale = any(is_stale(a, interval) for a in ages.values())
        self.header.show_freshness(freshness_summary(ages, interval, self.refreshing), stale)

    def set_refreshing(self, count: int) -> None:
        """``count`` nodes are being read on the operator's ``r`` (0: done)."""
        self.refreshing = count
        if self._ready:
            self._show_freshness()

    # ---- actions ------------------------------------------------------------------
    def error_text(self) -> str:
        """The whole text of every node's errors, node by node (the ``e`` dialog)."""
        parts: list[str] = []
        for n in self.names:
            lines = error_lines(self._status(n))
            if lines:
                parts.append(n)
                parts += [f"  {line}" for line in lines]
                parts.append("")
        if not parts:
            parts = ["No node reports an error."]
        return "\n".join(parts).rstrip()

    def action_errors(self) -> None:
        self.app.push_screen(
            HelpScreen(self.error_text(), title="Errors — the whole text of every node's errors")
        )

    def action_error_logs(self) -> None:
        """Read the tail of every node's error log (on its host, over SSH) in a
        worker thread, then show them."""
        self.notify("Reading the error logs…", timeout=2)
        self.run_worker(self._read_error_logs, thread=True, group="error-logs", exclusive=True)

    def _read_error_logs(self) -> None:
        monitor = getattr(self.app, "monitor", None)
        if monitor is None:
            return
        texts = [monitor.error_log(n.name) for n in self.config.nodes]
        self.app.call_from_thread(
            self.app.push_screen,
            HelpScreen("\n\n".join(texts), title="Error logs — the last lines of each server's log_error"),
        )

    def action_paste(self) -> None:
        """Status text pasted from elsewhere, read offline (:mod:`replui.ui.screens.paste`)."""
        from replui.ui.screens.paste import PasteScreen

        self.app.push_screen(PasteScreen())

    async def action_view(self) -> None:
        order = [View.AUTO, View.PANES, View.TABLE]
        self.view = order[(order.index(self.view) + 1) % len(order)]
        await self.show(self.statuses, self.findings, force=True)
        shown = self.shown_view().value
        self.notify(f"View: {shown}" + (" (by the width)" if self.view is View.AUTO else ""), timeout=2)

    def action_findings(self) -> None:
        """Focus the findings list (showing it first if it was hidden)."""
        if self.findings_size == "hidden":
            self.findings_size = "medium"
            self._apply_findings_size()
        self.findings_list.table.focus()

    def action_findings_size(self, step: int) -> None:
        i = FINDINGS_SIZES.index(self.findings_size)
        self.findings_size = FINDINGS_SIZES[max(0, min(len(FINDINGS_SIZES) - 1, i + step))]
        self._apply_findings_size()


def channel_slots(statuses: list[NodeStatus]) -> int:
    """Channel sections per pane: the most channels any node has, at least 1."""
    return max([len(s.channels) for s in statuses if s.reachable] + [1])
