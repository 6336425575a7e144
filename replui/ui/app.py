"""The replui TUI: a thin view on :class:`replui.monitor.StatusSource`.

Polling: one async worker per node, living on the App (so it survives pushed
screens). Each runs ``monitor.poll(name)`` in a thread, posts
:class:`~replui.ui.messages.NodeStatusUpdated`, then waits
``config.poll_interval`` seconds (or until ``r`` wakes it); the next poll of a
node starts only after the previous one finished, and a hung node delays no
other. Updates are gathered: the analysis over all latest statuses and the
dashboard's redraw run at most once per :data:`SHOW_SECONDS` however many
nodes answered in between (with 32 nodes every 2 s that is 4 redraws a
second, not 16), and the dashboard redraws only what changed.

With ``poll=False`` (tests, snapshots) every node is polled exactly once,
synchronously, before the dashboard is built, so the first frame is
deterministic; ``r`` then polls each node once more in a worker.
"""

from __future__ import annotations

import asyncio
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches

from replui.model import Finding, NodeStatus, Severity, UnknownHostKey
from replui.ui.messages import FindingsUpdated, NodeStatusUpdated
from replui.ui.screens.dashboard import DashboardScreen
from replui.ui.screens.help import HelpScreen
from replui.ui.screens.host_key import HostKeyScreen
from replui.ui.screens.wizard import WizardScreen
from replui.ui.screens.wizard_picker import PickedWizard, WizardPickerScreen
from replui.ui.theme_files import resolve_theme_name
from replui.ui.themes import register_themes

if TYPE_CHECKING:  # replui.monitor imports the analysis; the app only needs the protocol
    from textual.timer import Timer

    from replui.monitor import StatusSource
    from replui.training import TrainingSession
    from replui.wizards.context import StepContext
    from replui.wizards.plan import Plan

#: Polled statuses are shown at most this often (seconds): one analysis and redraw per batch.
SHOW_SECONDS = 0.25


def _trust_host_key(fingerprint: str) -> None:
    from replui.transport.sshhub import hub

    hub().policy.accept(fingerprint)


class ReplUIApp(App[None]):
    """``ReplUIApp(monitor, theme=None, poll=True, theme_dirs=None)``.

    ``theme`` overrides ``monitor.config.theme`` (``"dark"``, ``"light"``,
    ``"high-contrast"`` or a theme name); ``theme_dirs`` replaces the theme
    folders searched (default: bundled ``themes/`` then
    ``$XDG_CONFIG_HOME/replui/themes``).
    """

    CSS_PATH = ["app.tcss", "dashboard.tcss", "wizard.tcss", "confirm.tcss", "picker.tcss", "dialogs.tcss"]
    TITLE = "replui"
    BINDINGS = [
        Binding("h", "hint", "Hint", show=False),  # the training banner names h and c
        Binding("c", "check_training", "Check", show=False),
        Binding("t", "next_theme", "Theme", show=False),  # in the help; the footer is full at 80 columns
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        monitor: "StatusSource",
        theme: str | None = None,
        poll: bool = True,
        theme_dirs: Iterable[Path] | None = None,
        training: "TrainingSession | None" = None,
    ) -> None:
        super().__init__()
        #: A training walkthrough (``replui train``): hints on h, the repair checked on c.
        self.training = training
        self.monitor = monitor
        self.config = monitor.config
        self.poll_enabled = poll
        self.names: list[str] = list(monitor.node_names())
        self.statuses: dict[str, NodeStatus] = {}
        self.findings: list[Finding] = []
        self.poll_counts: dict[str, int] = {n: 0 for n in self.names}
        #: when each node's latest status arrived, in ``clock()`` seconds
        self.read_at: dict[str, float] = {}
        #: the clock of ``read_at`` and the dashboard's ages (tests freeze it)
        self.clock: Callable[[], float] = time.monotonic
        self._refresh_pending: set[str] = set()
        self._show_timer: Timer | None = None
        self._last_show = 0.0
        self._inflight: set[str] = set()
        self._wake: dict[str, asyncio.Event] = {}
        # One thread per node: a hung node (up to its connect/read timeouts) never
        # waits behind others in the shared default executor (6 threads on 2 cores).
        self._poll_pool = ThreadPoolExecutor(
            max_workers=max(1, len(self.names)), thread_name_prefix="replui-poll"
        )
        self.theme_names, theme_errors = register_themes(self, theme_dirs)
        requested = theme or self.config.theme
        name, problem = resolve_theme_name(requested, self.theme_names)
        if name not in self.available_themes:
            name = "textual-dark"
        self._startup_problems = theme_errors + ([problem] if problem else [])
        self.theme = name
        self.dashboard: DashboardScreen | None = None
        #: where wizard transcripts go (None: the config's log_dir, else the XDG state dir)
        self.wizard_transcript_dir: Path | None = None
        #: SSH host-key fingerprints already asked about (each is asked once per run)
        self._asked_host_keys: set[str] = set()
        #: what to call to trust a fingerprint (the process's SSH connections; tests replace it)
        self.trust_host_key: Callable[[str], None] = _trust_host_key

    # ---- lifecycle -------------------------------------------------------
    def on_mount(self) -> None:
        if not self.poll_enabled:
            for name in self.names:
                self._record(self._poll_blocking(name))
            self.findings = self._analyse()
        self.dashboard = DashboardScreen(
            self.config,
            self.statuses,
            self.findings,
            self.read_at,
            clock=lambda: self.clock(),
            training=self.training,
        )
        self.push_screen(self.dashboard)
        self._announce_training()
        if self._startup_problems:
            self.notify(
                "\n".join(self._startup_problems), title="Theme problems", severity="warning", timeout=15
            )
        if self.poll_enabled:
            for name in self.names:
                self._wake[name] = asyncio.Event()
                self.run_worker(self._poll_loop(name), name=f"poll:{name}", group="poll", exit_on_error=False)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, self.stop_for_signal, sig)
            except (
                NotImplementedError,
                RuntimeError,
                ValueError,
            ):  # not the main thread (tests), or no such signal
                pass

    def stop_for_signal(self, sig: int) -> None:
        """SIGTERM/SIGHUP: cancel a running wizard — its tools stop, its option
        files and dump copies go, its transcript says "cancelled by SIGTERM at
        step …" — then exit with 128 + the signal number, as a shell would.
        Nobody is asked: the signal comes from the system."""
        self.run_worker(
            self._stop_for_signal(signal.Signals(sig).name, 128 + int(sig)),
            group="signal",
            exit_on_error=False,
        )

    async def _stop_for_signal(self, name: str, code: int) -> None:
        from textual.screen import ModalScreen

        running = [
            (s.wizard_run, s.worker)
            for s in self.screen_stack
            if isinstance(s, WizardScreen)
            and s.wizard_run is not None
            and s.worker is not None
            and not s.worker.is_finished
        ]
        for run, _ in running:
            run.ctx.cancel_reason = name
            run.ctx.cancel.set()
        while isinstance(self.screen, ModalScreen):  # a prompt waiting for an answer gets "no"
            self.screen.dismiss(False)
            await asyncio.sleep(0)
        for _, worker in running:
            await worker.wait()
        self.exit(return_code=code)

    def on_unmount(self) -> None:
        self.workers.cancel_group(self, "poll")
        self._poll_pool.shutdown(wait=False, cancel_futures=True)

    # ---- polling ---------------------------------------------------------
    def _poll_blocking(self, name: str) -> NodeStatus:
        try:
            return self.monitor.poll(name)
        except Exception as exc:  # noqa: BLE001 - poll() should never raise; never show a traceback if it does
            n = self.config.node(name)
            return NodeStatus(
                name=name, host=n.host, port=n.port, reachable=False, error=f"poll failed: {exc}"
            )

    async def _poll_once(self, name: str) -> None:
        self._inflight.add(name)
        try:
            status = await asyncio.get_running_loop().run_in_executor(
                self._poll_pool, self._poll_blocking, name
            )
        finally:
            self._inflight.discard(name)
        self.post_message(NodeStatusUpdated(status))

    async def _poll_loop(self, name: str) -> None:
        wake = self._wake[name]
        while True:
            wake.clear()
            await self._poll_once(name)
            try:
                await asyncio.wait_for(wake.wait(), timeout=self.config.poll_interval)
            except TimeoutError:
                pass

    def _record(self, status: NodeStatus) -> None:
        self.statuses[status.name] = status
        self.poll_counts[status.name] = self.poll_counts.get(status.name, 0) + 1
        self.read_at[status.name] = self.clock()
        if status.unknown_host_key is not None:
            self.call_later(self._ask_host_key, status.unknown_host_key)
        if status.name in self._refresh_pending:
            self._refresh_pending.discard(status.name)
            if self.dashboard is not None:
                self.dashboard.set_refreshing(len(self._refresh_pending))

    def _analyse(self) -> list[Finding]:
        latest = [self.statuses[n] for n in self.names if n in self.statuses]
        try:
            return list(self.monitor.analyse(latest))
        except Exception as exc:  # noqa: BLE001 - an analysis bug must not take the view down
            return [
                Finding(
                    Severity.WARNING,
                    "analysis_failed",
                    tuple(self.names[:1]),
                    f"the analysis failed: {exc!r}",
                    advice="Report this as a replui bug; the panes still show the raw status.",
                )
            ]

    async def on_node_status_updated(self, message: NodeStatusUpdated) -> None:
        self._record(message.status)
        if not self.poll_enabled:  # updates come only from ``r``: show each at once
            await self._show_latest()
            return
        if self._show_timer is None:
            wait = max(0.01, self._last_show + SHOW_SECONDS - time.monotonic())
            self._show_timer = self.set_timer(wait, self._show_latest)

    async def _show_latest(self) -> None:
        """Analyse the latest statuses and show them (one batch of updates)."""
        self._show_timer = None
        self._last_show = time.monotonic()
        self.findings = self._analyse()
        if self.dashboard is not None and self.is_running:  # not while shutting down
            try:
                await self.dashboard.show(self.statuses, self.findings, self.read_at)
            except NoMatches:
                if self.is_running and self.dashboard.is_attached:
                    raise
        self.post_message(FindingsUpdated(self.findings))

    def _ask_host_key(self, key: UnknownHostKey) -> None:
        """Ask once whether to trust ``key``; a yes trusts it and polls again."""
        if key.fingerprint in self._asked_host_keys:
            return
        self._asked_host_keys.add(key.fingerprint)
        nodes = [
            s.name
            for s in self.statuses.values()
            if s.unknown_host_key is not None and s.unknown_host_key.fingerprint == key.fingerprint
        ]

        def answered(trust: bool | None) -> None:
            if trust:
                self.trust_host_key(key.fingerprint)
                self.notify(f"Trusting {key.fingerprint} for {key.where}", title="SSH host key")
                self.action_refresh_now()

        self.push_screen(HostKeyScreen(key, nodes), callback=answered)

    # ---- actions ---------------------------------------------------------
    def action_refresh_now(self) -> None:
        """Poll every node now (a node whose poll is in flight polls again right
        after); the header says "refreshing" until every node has answered."""
        self._refresh_pending = set(self.names)
        if self.dashboard is not None:
            self.dashboard.set_refreshing(len(self._refresh_pending))
        if self.poll_enabled:
            for ev in self._wake.values():
                ev.set()
            return
        for name in self.names:
            if name not in self._inflight:
                self.run_worker(
                    self._poll_once(name), name=f"refresh:{name}", group="refresh", exit_on_error=False
                )

    def action_next_theme(self) -> None:
        names = self.theme_names or list(self.available_themes)
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_wizard(self, finding: Finding | None = None) -> None:
        """Open the wizard picker, pre-filled from ``finding`` (default: the
        selected row of the findings list), else from the first replica."""
        if self.dashboard is None or self.screen is not self.dashboard:
            return
        finding = finding or self.dashboard.findings_list.selected_finding
        node: str | None = None
        if finding is None or not finding.nodes:
            replicas = [n for n in self.names if self.statuses.get(n) and self.statuses[n].channels]
            node = next(iter(replicas or self.names), None)
        self.push_screen(WizardPickerScreen(self.config, self.statuses, finding, node), callback=self._picked)

    def _picked(self, picked: object) -> None:
        # a PickedWizard, or None/False when the picker was closed (escape, or a signal's "no")
        if isinstance(picked, PickedWizard):
            self.start_wizard(picked.plan)

    def start_wizard(
        self,
        plan: "Plan",
        *,
        context: "StepContext | None" = None,
        refresh_statuses: bool = True,
        transcript_dir: Path | None = None,
    ) -> WizardScreen:
        """Push a :class:`WizardScreen` that runs ``plan`` as an App worker
        (group ``"wizard"``); ``context`` defaults to the config and the latest
        statuses. Returns the screen (its ``result`` once finished)."""
        screen = WizardScreen(
            plan,
            context=context,
            refresh_statuses=refresh_statuses,
            transcript_dir=transcript_dir or self.wizard_transcript_dir,
            teaching=self.training is not None,
        )
        self.push_screen(screen)
        return screen

    # ---- training --------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("hint", "check_training"):
            return self.training is not None
        return True

    def _announce_training(self) -> None:
        t = self.training
        if t is None:
            return
        self.sub_title = f"training: {t.scenario.name}"
        self.notify(
            f"{t.scenario.summary}\nFind it on the dashboard and repair it. h: a hint · c: check the repair",
            title=f"Training: {t.scenario.name}",
            timeout=20,
        )

    def action_hint(self) -> None:
        """``h`` (training): the next hint."""
        t = self.training
        if t is None:
            return
        hint = t.next_hint()
        if hint is None:
            self.notify("No more hints.", timeout=5)
            return
        self.notify(hint, title=f"Hint {len(t.hints_shown)} of {len(t.hints)}", timeout=30)

    def action_check_training(self) -> None:
        """``c`` (training): check the repair in a thread; the summary when healthy."""
        if self.training is not None:
            self.notify("Checking the lab…", timeout=3)
            self.run_worker(self._check_training(), group="training", exclusive=True, exit_on_error=False)

    async def _check_training(self) -> None:
        from replui.ui.screens.training import TrainingDoneScreen

        t = self.training
        if t is None:
            return
        try:
            verdict = await asyncio.to_thread(t.check)
        except Exception as exc:  # noqa: BLE001 - a lab that cannot be checked is said, never a traceback
            self.notify(f"cannot check the lab: {exc}", severity="error", timeout=10)
            return
        if verdict.healthy:
            self.push_screen(TrainingDoneScreen(t.summary()))
        else:
            self.notify("\n".join(verdict.problems), title="Not repaired yet", severity="warning", timeout=20)

    def action_help(self) -> None:
        """``?``: the help of the screen it was pressed on (its ``HELP`` text)."""
        if not isinstance(self.screen, HelpScreen):
            text = getattr(self.screen, "HELP", None)
            if self.training is not None and self.screen is self.dashboard:
                from replui.ui.screens.help import HELP_TEXT
                from replui.ui.screens.training import TRAINING_HELP

                text = (text or HELP_TEXT) + "\n" + TRAINING_HELP
            self.push_screen(HelpScreen(text))
