"""Shared helpers for the TUI tests driven by Pilot (test_tui*.py).

* :func:`static_monitor`, :func:`make_app`: a ``ReplUIApp`` over a scenario of
  ``canned`` served by ``replui.monitor.StaticMonitor`` (real analysis), with
  the bundled themes only; :func:`with_status` swaps one node's status.
* :func:`until`, :func:`refresh`: let the app run until something holds.
* :func:`confirm_shown`, :func:`cancel_dialog_shown`: wait for a dialog to be
  shown and focused.
* :class:`FakeRun`, :func:`start_wizard`: a four-step fake plan (fixed
  figures, no server) started on the wizard screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import canned

from replui.config import Config
from replui.model import NodeStatus
from replui.monitor import StaticMonitor, StatusSource
from replui.ui.app import ReplUIApp
from replui.ui.screens.confirm import CancelRestoreScreen, ConfirmScreen
from replui.ui.screens.wizard import WizardScreen
from replui.ui.theme_files import bundled_theme_dir
from replui.wizards.context import StepContext
from replui.wizards.plan import Identity, OutputLine, Plan, Progress, Step

SIZE = (160, 50)
#: The sizes every main screen is snapshotted at: 80x24 (tmux or screen on a jump host) and a wide one.
SIZES = {"80x24": (80, 24), "160x45": (160, 45)}
MIB = 1024 * 1024

Scenario = Callable[[], "tuple[Config, list[NodeStatus]]"]


# -- the app over a canned scenario ---------------------------------------------------------------


def static_monitor(builder: Scenario = canned.healthy_pair, **config_changes) -> StaticMonitor:
    """``StaticMonitor`` over scenario ``builder`` (a function of ``canned``);
    ``config_changes`` replace fields of its config (e.g. ``poll_interval=0.05``)."""
    cfg, statuses = builder()
    return StaticMonitor(replace(cfg, **config_changes) if config_changes else cfg, statuses)


def make_app(
    source: Scenario | StatusSource = canned.healthy_pair,
    *,
    theme: str = "replui-dark",
    poll: bool = False,
    theme_dirs: Iterable[Path] | None = None,
) -> ReplUIApp:
    """The app over ``source``: a scenario of ``canned`` (served by :func:`static_monitor`)
    or a monitor; themes from ``theme_dirs`` (default: the bundled ones only)."""
    monitor = static_monitor(source) if callable(source) else source
    dirs = [bundled_theme_dir()] if theme_dirs is None else list(theme_dirs)
    app = ReplUIApp(monitor, theme=theme, poll=poll, theme_dirs=dirs)
    if not poll:
        app.clock = lambda: 1000.0  # ages on screen stand still: "live", whatever the machine's speed
    return app


def with_status(monitor: StaticMonitor, name: str, **changes) -> NodeStatus:
    """Replace ``name``'s status in ``monitor`` with a modified copy; returns it."""
    st = replace(monitor.poll(name), **changes)
    monitor.set_status(st)
    return st


# -- waiting on the app ---------------------------------------------------------------------------


async def until(pilot, cond, what: str, rounds: int = 2000) -> None:
    """Let the app run until ``cond()`` holds (bounded, not a timing assertion)."""
    for _ in range(rounds):
        if cond():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


async def refresh(app, pilot, timeout=20.0):
    """Press r and wait until every node has been polled once more."""
    before = dict(app.poll_counts)
    await pilot.press("r")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while any(app.poll_counts[n] <= before[n] for n in before):
        assert loop.time() < deadline, "refresh did not complete"
        await pilot.pause(0.05)
    await pilot.pause()


async def confirm_shown(pilot, app, other_than=None) -> ConfirmScreen:
    """Wait for a confirm dialog (not ``other_than``) and for it to take focus."""
    await until(
        pilot,
        lambda: isinstance(app.screen, ConfirmScreen) and app.screen is not other_than,
        "confirm dialog",
    )
    await until(pilot, lambda: app.focused is not None and app.focused.screen is app.screen, "dialog focused")
    return app.screen


async def cancel_dialog_shown(pilot, app) -> CancelRestoreScreen:
    """Wait for the "cancel the restore?" question and for it to take focus."""
    await until(pilot, lambda: isinstance(app.screen, CancelRestoreScreen), "the cancel question")
    await until(
        pilot, lambda: app.focused is not None and app.focused.screen is app.screen, "question focused"
    )
    return app.screen


# -- a fake wizard plan ---------------------------------------------------------------------------


class FakeRun:
    """A four-step plan whose steps record that they ran; ``gate`` holds the
    stream step half-way (set by default); ``block`` makes it wait forever."""

    def __init__(self, gate_open: bool = True, block: bool = False, hold: str | None = None) -> None:
        self.ran: list[str] = []
        self.gate = asyncio.Event()
        if gate_open:
            self.gate.set()
        self.block = block
        self.hold = hold  # the id of a step that waits forever after its output

    def step(
        self, step_id, title, lines, *, destructive=False, replaces_data=False, target="node2", progress=False
    ) -> Step:
        async def run(ctx):
            self.ran.append(step_id)
            for ln in lines:
                yield OutputLine(ln, "stdout")
            if self.hold == step_id:
                await asyncio.Event().wait()
            if progress:
                yield Progress(bytes=12 * MIB, seconds=3.0, total=48 * MIB, rate=4 * MIB, eta=9.0)
                await self.gate.wait()
                if self.block:
                    await asyncio.Event().wait()
                yield Progress(bytes=48 * MIB, seconds=12.0, total=48 * MIB, rate=4 * MIB, eta=0.0)

        preview = {
            "inspect": "SHOW SLAVE STATUS",
            "stream": "mariadb-dump --defaults-extra-file=*** --single-transaction "
            "--master-data=2 shop | mariadb --defaults-extra-file=*** shop",
            "change-master": "STOP SLAVE;\nCHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PASSWORD='***', "
            "MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=5400;\nSTART SLAVE;",
            "verify": "SHOW SLAVE STATUS",
        }[step_id]
        return Step(
            id=step_id,
            title=title,
            why=f"Why {title.lower()}: the fake plan's teaching text "
            "('MySQL Replication Error', Chameleon Cloud runbook).",
            preview=preview,
            run=run,
            target=target,
            destructive=destructive,
            replaces_data=replaces_data,
        )

    def plan(self) -> Plan:
        return Plan(
            "fake-rebuild",
            "Rebuild node2 from node1 (fake)",
            "A fake plan for the TUI tests.",
            (
                self.step(
                    "inspect",
                    "Show node2's replica status",
                    ["Slave_IO_Running: Yes", "[note] brackets stay as typed"],
                ),
                self.step(
                    "stream",
                    "Stream node1's dump into node2",
                    [
                        "-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=5400;",
                        "[stream] 48.0 MiB restored",
                    ],
                    destructive=True,
                    replaces_data=True,
                    progress=True,
                ),
                self.step(
                    "change-master",
                    "Point node2 at node1's coordinates",
                    ["CHANGE MASTER done"],
                    destructive=True,
                ),
                self.step("verify", "Verify node2 replicates", ["verified: node2 runs both threads"]),
            ),
        )

    def context(self, app: ReplUIApp) -> StepContext:
        ctx = StepContext(config=app.config, statuses=dict(app.statuses))

        async def identity(node):  # the canned node as the runner would read it
            st = app.statuses[node]
            return Identity(st.server_id, st.server_uuid, st.hostname, st.port)

        ctx.identity_reader = identity  # type: ignore[attr-defined]
        return ctx


async def start_wizard(app, pilot, fake: FakeRun, transcript_dir) -> WizardScreen:
    """Start ``fake``'s plan on the wizard screen (statuses as the dashboard has
    them, transcript in ``transcript_dir``); returns once the screen or its
    first confirm dialog is shown."""
    screen = app.start_wizard(
        fake.plan(), context=fake.context(app), refresh_statuses=False, transcript_dir=transcript_dir
    )
    await until(
        pilot, lambda: app.screen is screen or isinstance(app.screen, ConfirmScreen), "wizard screen shown"
    )
    return screen


async def answer_every_question(pilot, app, screen, answer) -> None:
    """Until the wizard ``screen`` has a result: wait for each new confirm
    dialog and ``await answer(dialog)`` (which must close it)."""
    answered = None
    while screen.result is None:
        await until(
            pilot,
            lambda previous=answered: (
                screen.result is not None
                or (isinstance(app.screen, ConfirmScreen) and app.screen is not previous)
            ),
            "a question or the end",
            rounds=20000,
        )
        if screen.result is not None:
            break
        dialog = await confirm_shown(pilot, app, other_than=answered)
        await answer(dialog)
        answered = dialog
