"""The wizard screen: a plan's steps with their states, the current step's
*why* and exact preview, a progress bar for dump/transfer/restore, a live
output log, and the outcome with the transcript path.

The engine (:func:`replui.wizards.runner.run_plan`, the same the CLI runs)
runs as an async worker on the App (group ``"wizard"``), so it survives the
confirm dialog pushed over this screen. :class:`WizardRun` turns the runner's
callbacks into past-tense messages posted to the screen: output lines and
progress are batched (at most one :class:`WizardOutput` per ``batch_seconds``,
progress coalesced to the latest event) because a dump prints fast; the Log
widget is capped (``LOG_MAX_LINES``) and shows text as is (no markup: dump
output contains ``[``). Before each destructive step the runner awaits
:meth:`WizardRun.confirm`, which pushes :class:`ConfirmScreen` and awaits its
answer. ``escape``/``ctrl+c`` set ``ctx.cancel``: the runner cancels the step,
whose cleanup stops its commands. While a step that replaces data runs they
first ask (:class:`CancelRestoreScreen`): cancelling leaves the target
half-restored, so only a yes cancels. When the run ends the App's refresh
action polls every node, so the dashboard shows the verified result.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Log, Static
from textual.worker import Worker

from replui.ui.screens.confirm import CancelRestoreScreen, ConfirmScreen
from replui.ui.widgets.step_list import StepList
from replui.ui.widgets.wizard_progress import WizardProgress
from replui.wizards.context import StepContext
from replui.wizards.plan import Event, OutputLine, Plan, Progress, Step, StepState, StepStatus
from replui.wizards.runner import RunResult, run_plan

LOG_MAX_LINES = 5000


# -- messages (past tense: what happened) -----------------------------------------------


class WizardStepChanged(Message):
    """Step ``step_id`` changed to ``state`` (``AWAITING`` while the confirm
    dialog is open); ``message`` says why."""

    def __init__(self, step_id: str, state: StepStatus, message: str = "", seconds: float = 0.0) -> None:
        super().__init__()
        self.step_id, self.state, self.message, self.seconds = step_id, state, message, seconds


class WizardOutput(Message):
    """A batch of output ``lines`` (already masked by the runner)."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class WizardProgressed(Message):
    """The latest :class:`Progress` of step ``step_id``."""

    def __init__(self, step_id: str, progress: Progress) -> None:
        super().__init__()
        self.step_id, self.progress = step_id, progress


class WizardFinished(Message):
    """The run ended with ``result`` (a :class:`RunResult`)."""

    def __init__(self, result: RunResult) -> None:
        super().__init__()
        self.result = result


# -- the engine glue ----------------------------------------------------------------


class WizardRun:
    """One run of ``plan`` in ``ctx`` for ``screen``; :meth:`run` is the
    worker's coroutine and never raises (errors become the RunResult)."""

    def __init__(
        self,
        screen: "WizardScreen",
        plan: Plan,
        ctx: StepContext,
        *,
        refresh_statuses: bool = True,
        transcript_dir: Path | None = None,
        batch_seconds: float = 0.05,
    ) -> None:
        self.screen, self.plan, self.ctx = screen, plan, ctx
        self.refresh_statuses, self.transcript_dir, self.batch_seconds = (
            refresh_statuses,
            transcript_dir,
            batch_seconds,
        )
        self._lines: list[str] = []
        self._progress: tuple[str, Progress] | None = None
        self._scheduled: asyncio.TimerHandle | None = None
        self.result: RunResult | None = None

    # runner callbacks
    def on_event(self, step: Step | None, ev: Event) -> None:
        if isinstance(ev, OutputLine):
            self._lines.append(f"[stderr] {ev.text}" if ev.stream == "stderr" else ev.text)
            self._schedule()
        elif isinstance(ev, Progress) and step is not None:
            self._progress = (step.id, ev)
            self._schedule()
        elif isinstance(ev, StepState) and step is not None:
            self.flush()
            self.screen.post_message(WizardStepChanged(step.id, ev.state, ev.message, ev.seconds))

    async def confirm(self, step: Step) -> bool:
        """Push the confirm dialog and await the operator's answer."""
        self.flush()
        self.screen.post_message(WizardStepChanged(step.id, StepStatus.AWAITING, "waiting for your answer"))
        answer = await self.screen.app.push_screen(ConfirmScreen(step), wait_for_dismiss=True)
        return bool(answer)

    def _schedule(self) -> None:
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_later(self.batch_seconds, self.flush)

    def flush(self) -> None:
        """Post what is pending now: one WizardOutput, the latest progress."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if self._lines:
            lines, self._lines = self._lines, []
            self.screen.post_message(WizardOutput(lines))
        if self._progress is not None:
            (sid, p), self._progress = self._progress, None
            self.screen.post_message(WizardProgressed(sid, p))

    async def run(self) -> RunResult:
        try:
            result = await run_plan(
                self.plan,
                self.ctx,
                confirm=self.confirm,
                on_event=self.on_event,
                refresh_statuses=self.refresh_statuses,
                transcript_dir=self.transcript_dir,
            )
        except Exception as exc:  # noqa: BLE001 - run_plan never raises; never show a traceback if it does
            result = RunResult(False, None, f"the wizard could not run: {exc}", None)
        finally:
            try:
                await self.ctx.aclose()
            except Exception:  # noqa: BLE001
                pass
        self.flush()
        self.result = result
        self.screen.post_message(WizardFinished(result))
        refresh = getattr(self.screen.app, "action_refresh_now", None)
        if refresh is not None:
            refresh()  # the dashboard shows the result as the nodes are polled again
        return result


# -- the screen ------------------------------------------------------------------------


def outcome_text(plan: Plan, result: RunResult) -> str:
    """The outcome line(s) — ``VERIFIED`` only when the data was compared and
    matched; ``DONE, NOT VERIFIED`` when the data may differ; ``DONE`` when
    every step passed and no data was replaced — or the failed step and why,
    then the transcript path."""
    if result.ok and result.data_may_differ:
        head = f"▲ DONE, NOT VERIFIED — {result.message}"
    elif result.ok and result.verified:
        head = f"✔ VERIFIED — {result.message}"
    elif result.ok:
        head = f"✔ DONE — {result.message}"
    elif result.failed_step is None:
        head = f"✖ REFUSED before anything changed — {result.message}"
    else:
        titles = {s.id: s.title for s in plan.steps}
        head = f"✖ FAILED at step '{titles.get(result.failed_step, result.failed_step)}' — {result.message}"
    tail = f"Transcript: {result.transcript_path}" if result.transcript_path else "Transcript: (not written)"
    return head + "\n" + tail + "\nPress escape to return to the dashboard."


class WizardScreen(Screen[None]):
    """``WizardScreen(plan, context=None, refresh_statuses=True, transcript_dir=None)``.

    Starts the run when mounted (``context`` defaults to a StepContext on the
    App's config and latest statuses). ``result`` is the RunResult once
    finished; ``running`` while the worker runs."""

    BINDINGS = [
        Binding("escape", "cancel_or_close", "Cancel / close"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True),
        Binding("q", "close", "Close"),
        Binding("tab", "focus_next", "Next pane", show=False),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        context: StepContext | None = None,
        refresh_statuses: bool = True,
        transcript_dir: Path | None = None,
        start: bool = True,
    ) -> None:
        super().__init__()
        self.plan = plan
        self._step_context = context
        self.refresh_statuses, self.transcript_dir, self.autostart = refresh_statuses, transcript_dir, start
        self.current = 0
        self.result: RunResult | None = None
        self.wizard_run: WizardRun | None = None
        self.worker: Worker[RunResult] | None = None
        self.status_text = "starting"
        #: The step running now (None between steps and at prompts).
        self.running_step: Step | None = None
        self.cancel_dialog: CancelRestoreScreen | None = None

    # typed accessors
    @property
    def step_list(self) -> StepList:
        return self.query_one(StepList)

    @property
    def output(self) -> Log:
        return self.query_one("#wizard-log", Log)

    @property
    def progress(self) -> WizardProgress:
        return self.query_one(WizardProgress)

    @property
    def outcome(self) -> Static:
        return self.query_one("#wizard-outcome", Static)

    @property
    def running(self) -> bool:
        return self.wizard_run is not None and self.result is None

    @property
    def ctx(self) -> StepContext | None:
        return self.wizard_run.ctx if self.wizard_run else self._step_context

    def compose(self) -> ComposeResult:
        yield Static(self._title_line(), id="wizard-title", markup=False)
        with Horizontal(id="wizard-top"):
            yield StepList(self.plan.steps)
            with Vertical(id="wizard-detail"):
                yield Static("", id="step-heading", markup=False)
                with VerticalScroll(id="step-why-scroll"):
                    yield Static("", id="step-why", markup=False)
                with VerticalScroll(id="step-preview-scroll"):
                    yield Static("", id="step-preview", markup=False)
        yield WizardProgress()
        log = Log(max_lines=LOG_MAX_LINES, highlight=False, id="wizard-log")
        log.border_title = "Output"
        yield log
        yield Static("", id="wizard-outcome", markup=False)
        yield Footer()

    def _title_line(self) -> str:
        return f"Wizard {self.plan.wizard}: {self.plan.title} — {self.status_text}"

    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.query_one("#wizard-title", Static).update(self._title_line())

    def on_mount(self) -> None:
        self.outcome.display = False
        self.show_step(0)
        self.step_list.focus()
        if self.autostart:
            self.start()

    def start(self) -> Worker[RunResult]:
        """Start the run as an App worker (once)."""
        if self.worker is not None:
            return self.worker
        app: Any = self.app
        ctx = self._step_context or StepContext(
            config=app.config, statuses=dict(getattr(app, "statuses", {}))
        )
        self.wizard_run = WizardRun(
            self, self.plan, ctx, refresh_statuses=self.refresh_statuses, transcript_dir=self.transcript_dir
        )
        self._set_status("running")
        self.worker = app.run_worker(
            self.wizard_run.run(),
            name=f"wizard:{self.plan.wizard}",
            group="wizard",
            exclusive=True,
            exit_on_error=False,
        )
        return self.worker

    def show_step(self, index: int) -> None:
        """Show step ``index``'s heading, *why* and exact preview."""
        if not self.plan.steps:
            return
        index = max(0, min(index, len(self.plan.steps) - 1))
        s = self.plan.steps[index]
        state = self.step_list.rows[index].state if self.step_list.rows else StepStatus.PENDING
        flags = " — REPLACES DATA" if s.replaces_data else (" — destructive" if s.destructive else "")
        self.query_one("#step-heading", Static).update(
            f"Step {index + 1}/{len(self.plan.steps)}: {s.title}"
            + (f" — on {s.target}" if s.target else "")
            + f"{flags} [{state}]"
        )
        self.query_one("#step-why", Static).update("Why: " + " ".join(s.why.split()))
        self.query_one("#step-preview", Static).update(
            s.preview.strip() or "(nothing to run: replui checks only)"
        )
        self.step_list.cursor = index

    def _index(self, step_id: str) -> int:
        for i, s in enumerate(self.plan.steps):
            if s.id == step_id:
                return i
        return self.current

    # messages from the run
    def on_wizard_step_changed(self, message: WizardStepChanged) -> None:
        i = self._index(message.step_id)
        self.step_list.set_state(message.step_id, message.state)
        if message.state is StepStatus.RUNNING:
            self.running_step = self.plan.steps[i]
        elif self.running_step is not None and self.running_step.id == message.step_id:
            self.running_step = None
            self._drop_cancel_dialog()
        if message.state is StepStatus.RUNNING:
            self.progress.reset()
            s = self.plan.steps[i]
            self.output.write_line(
                f"── step {i + 1}/{len(self.plan.steps)}: {s.title}"
                + (f" on {s.target}" if s.target else "")
                + " ──"
            )
        self.current = i
        self.show_step(i)
        self._set_status(
            {
                StepStatus.AWAITING: f"waiting for your answer on step {i + 1}",
                StepStatus.RUNNING: f"running step {i + 1}/{len(self.plan.steps)}",
            }.get(message.state, f"step {i + 1} {message.state}")
        )

    def on_wizard_output(self, message: WizardOutput) -> None:
        # Follow the output unless the operator has focused the log to read back
        # (Log's own auto_scroll only follows when its layout is current, which
        # it is not while a confirm dialog covers this screen).
        follow = not self.output.has_focus or self.output.is_vertical_scroll_end
        self.output.write_lines(message.lines, scroll_end=follow)

    def on_wizard_progressed(self, message: WizardProgressed) -> None:
        self.progress.show(message.progress)

    def on_wizard_finished(self, message: WizardFinished) -> None:
        self.result = message.result
        self.running_step = None
        self._drop_cancel_dialog()
        res = message.result
        self._set_status(
            "failed"
            if not res.ok
            else "not verified"
            if res.data_may_differ
            else "verified"
            if res.verified
            else "done"
        )
        self.outcome.update(outcome_text(self.plan, message.result))
        self.outcome.set_class(res.ok and bool(res.data_may_differ), "-warn")
        self.outcome.set_class(res.ok and not res.data_may_differ, "-ok")
        self.outcome.set_class(not message.result.ok, "-failed")
        self.outcome.display = True

    def on_step_list_browsed(self, message: StepList.Browsed) -> None:
        self.show_step(message.index)

    # actions
    def action_cancel(self) -> None:
        """Set the cancel event: the runner stops the running command. While a
        step that replaces data runs, ask first (only a yes cancels)."""
        if not self.running or self.ctx is None or self.ctx.cancel.is_set():
            return
        step = self.running_step
        if step is not None and step.replaces_data:
            if self.cancel_dialog is None:
                self.cancel_dialog = CancelRestoreScreen(step)
                self.app.push_screen(self.cancel_dialog, self._cancel_answered)
            return
        self._cancel_now()

    def _cancel_answered(self, yes: bool | None) -> None:
        self.cancel_dialog = None
        if yes:
            self._cancel_now()
        elif yes is False and self.running:
            self.output.write_line("not cancelled: the step goes on")

    def _cancel_now(self) -> None:
        if self.running and self.ctx is not None and not self.ctx.cancel.is_set():
            self.ctx.cancel.set()
            self._set_status("cancelling…")
            self.output.write_line("cancel requested by the operator: stopping the running step")

    def _drop_cancel_dialog(self) -> None:
        """The step the dialog asks about has ended: the question is moot."""
        dialog, self.cancel_dialog = self.cancel_dialog, None
        if dialog is not None and self.app.screen is dialog:
            dialog.dismiss(None)

    def action_close(self) -> None:
        """``q``: back to the dashboard once the run has ended (never mid-run)."""
        if self.running:
            self.notify("The wizard is running: escape cancels it first.", timeout=4)
        elif self.app.screen is self:
            self.dismiss()

    def action_cancel_or_close(self) -> None:
        """Cancel while running; return to the dashboard once finished."""
        if self.running:
            self.action_cancel()
        elif self.app.screen is self:
            self.dismiss()
