"""The wizard screen: a plan's steps with their states, the current step's
*why* and exact statements, a progress bar for dump/transfer/restore, a live
output log, and the outcome with the transcript path.

The engine (:func:`replui.wizards.runner.run_plan`, the same the CLI runs)
runs as an async worker on the App (group ``"wizard"``), so it survives the
confirm dialog pushed over this screen. :class:`WizardRun` turns the runner's
callbacks into past-tense messages posted to the screen: output lines and
progress are batched (at most one :class:`WizardOutput` per ``batch_seconds``,
progress coalesced to the latest event) because a dump prints fast; the log
(:class:`OutputLog`) is capped (``LOG_MAX_LINES``), shows text as is (no
markup: dump output contains ``[``) and follows the newest line until the
operator scrolls back. Before each destructive step the runner awaits
:meth:`WizardRun.confirm`, which pushes :class:`ConfirmScreen` and awaits its
answer. ``escape``/``ctrl+c`` set ``ctx.cancel``: the runner cancels the step,
whose cleanup stops its commands. While a step that replaces data runs they
first ask (:class:`CancelRestoreScreen`): cancelling leaves the target
half-restored, so only a yes cancels. When the run ends the App's refresh
action polls every node, so the dashboard shows the verified result.

Layout at every size: the output keeps at least a third of the height (the
top part, steps and detail, shrinks first and its step list scrolls); the
outcome is two or three lines. Narrower than 120 columns the step list takes
the width and ``d`` shows the browsed step's detail in its place.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Log, Static
from textual.worker import Worker

from replui.ui.screens.confirm import CancelRestoreScreen, ConfirmScreen
from replui.ui.widgets.footer import KeyFooter
from replui.ui.widgets.step_list import StepList, step_flags, step_title
from replui.ui.widgets.wizard_progress import WizardProgress
from replui.wizards.context import StepContext
from replui.wizards.plan import Event, OutputLine, Plan, Progress, Step, StepState, StepStatus
from replui.wizards.runner import RunResult, run_plan
from replui.wizards.sql import mask

LOG_MAX_LINES = 5000

WIZARD_HELP = """\
The wizard screen — one repair, run step by step

Panes
  Steps     every step of the plan and where it stands (↑/↓ browse them)
  Detail    the browsed step: why it is needed (and the runbook or manual
            it comes from) and its statements — as planned until the step
            is reached, then exactly as they run (passwords as ***)
  Progress  bytes moved, rate and time left of a dump, copy or restore
  Output    every statement replui runs and every line the commands print
            (the same lines go to the transcript). It follows the newest
            line until you scroll back; End follows again

Keys
  escape      cancel the run (asks first while data is being replaced);
              once the run has ended: back to the dashboard
  PgUp/PgDn   scroll the output (Home: its first line)
  End         the newest output line, and follow it again
  d, enter    narrower than 120 columns: the browsed step's detail in
              place of the steps; d again: the steps
  tab         next pane (the focused pane has a highlighted border;
              ↑/↓ browse the steps or scroll the focused pane)
  ?           this help

Marks of a step
  ·  not reached yet            ▶  running
  ?  waiting for your answer    ✔  done
  ✖  failed, or refused by a check or by the node's identity
  ■  you said no, or cancelled  ↷  skipped
  !  changes a server (asks first)
  !! replaces data (asks for the node's name)

Outcome
  VERIFIED             every step passed and the copied data was compared
                       table by table: it matches
  DONE                 every step passed; no data was compared (nothing was
                       copied, or the plan has no comparison)
  DONE, NOT VERIFIED   every step passed but the data may differ (the
                       outcome says why): rebuild to be sure
  FAILED / REFUSED     the step named stopped the run; later steps did not
                       run, and the outcome says what earlier steps left
  The transcript (its path under the outcome) has the whole run."""


# -- messages (past tense: what happened) -----------------------------------------------


class WizardStepChanged(Message):
    """Step ``step_id`` changed to ``state`` (``AWAITING`` while the confirm
    dialog is open); ``message`` says why; ``exact`` is the step's statements
    as they run (when awaiting or running), ``step`` the step itself."""

    def __init__(
        self,
        step_id: str,
        state: StepStatus,
        message: str = "",
        seconds: float = 0.0,
        *,
        exact: str | None = None,
        step: Step | None = None,
    ) -> None:
        super().__init__()
        self.step_id, self.state, self.message, self.seconds = step_id, state, message, seconds
        self.exact, self.step = exact, step


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


def exact_statements(step: Step, ctx: StepContext) -> str:
    """The step's statements as they run now, every secret masked: the text
    the runner hands the confirm dialog (``Step.exact_preview``)."""
    return mask(step.exact_preview(ctx), ctx.secrets)


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
        teaching: bool = False,
    ) -> None:
        self.screen, self.plan, self.ctx = screen, plan, ctx
        self.teaching = teaching
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
            exact = exact_statements(step, self.ctx) if ev.state is StepStatus.RUNNING else None
            self.screen.post_message(
                WizardStepChanged(step.id, ev.state, ev.message, ev.seconds, exact=exact, step=step)
            )

    async def confirm(self, step: Step) -> bool:
        """Push the confirm dialog and await the operator's answer. ``step``
        is the runner's copy whose preview is the exact statements: the
        dialog and the screen's detail show that same text."""
        self.flush()
        self.screen.post_message(
            WizardStepChanged(
                step.id, StepStatus.AWAITING, "waiting for your answer", exact=step.preview, step=step
            )
        )
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
                teaching=self.teaching,
            )
        except Exception as exc:  # noqa: BLE001 - run_plan never raises; never show a traceback if it does
            result = RunResult(False, None, f"the wizard could not run: {exc}", None)
        finally:
            left: list[str] = []
            try:
                left = await self.ctx.aclose()
            except Exception as exc:  # noqa: BLE001 - never a traceback; say it instead
                left = [f"cleanup failed: {exc}"]
            for line in left:
                self.screen.app.notify(line, title="Left behind", severity="error", timeout=60)
        self.flush()
        self.result = result
        self.screen.post_message(WizardFinished(result))
        refresh = getattr(self.screen.app, "action_refresh_now", None)
        if refresh is not None:
            refresh()  # the dashboard shows the result as the nodes are polled again
        return result


# -- the screen ------------------------------------------------------------------------


def outcome_head(plan: Plan, result: RunResult) -> str:
    """The outcome in one line — ``VERIFIED`` only when the data was compared
    and matched; ``DONE, NOT VERIFIED`` when the data may differ; ``DONE``
    when every step passed and no data was replaced — or the failed step and
    why."""
    if result.ok and result.data_may_differ:
        return f"▲ DONE, NOT VERIFIED — {result.message}"
    if result.ok and result.verified:
        return f"✔ VERIFIED — {result.message}"
    if result.ok:
        return f"✔ DONE — {result.message}"
    if result.failed_step is None:
        return f"✖ REFUSED before anything changed — {result.message}"
    steps = {s.id: s for s in plan.steps}
    failed = steps.get(result.failed_step)
    name = step_title(failed) if failed is not None else result.failed_step
    return f"✖ FAILED at step '{name}' — {result.message}"


def transcript_line(result: RunResult) -> str:
    """``Transcript: ~/…/20260101T000000Z-repoint.md`` (the home directory as ``~``)."""
    path = result.transcript_path
    if path is None:
        return "Transcript: (not written)"
    shown = str(path)
    home = str(Path.home())
    if home not in ("", "/") and shown.startswith(home + "/"):
        shown = "~" + shown[len(home) :]
    return f"Transcript: {shown}"


def outcome_text(plan: Plan, result: RunResult) -> str:
    """The outcome as the screen shows it: :func:`outcome_head`, then the transcript's path."""
    return outcome_head(plan, result) + "\n" + transcript_line(result)


def step_heading(index: int, total: int, step: Step, state: StepStatus) -> str:
    """``"Step 2/5: Stop replication on node2  ! destructive  [running]"`` (the detail's heading)."""
    return f"Step {index}/{total}: {step_title(step)}{step_flags(step)}  [{state}]"


def output_separator(index: int, total: int, step: Step) -> str:
    """``"── step 2/5: Stop replication on node2 ──"``: the output's line before a step's output."""
    return f"── step {index}/{total}: {step_title(step)} ──"


def wrap_line(line: str, width: int) -> list[str]:
    """``line`` cut into rows of at most ``width`` characters, the rows after
    the first indented by two spaces (a terminal would wrap it too; the
    transcript keeps the line whole). ``width`` under 20: the line as is."""
    if width < 20 or len(line) <= width:
        return [line]
    rows = textwrap.wrap(
        line,
        width,
        subsequent_indent="  ",
        break_long_words=True,
        break_on_hyphens=False,
        replace_whitespace=False,
        drop_whitespace=True,
    )
    return rows or [line]


class OutputLog(Log):
    """The run's output. It follows the newest line (Textual's anchor) until
    the operator scrolls back (wheel, PgUp, Home, ↑); End — or scrolling back
    to the bottom — follows again. It keeps following when its height
    changes (the outcome appears) and while a dialog covers the screen.
    Lines wider than the pane are wrapped when written (:func:`wrap_line`),
    so nothing hides past its right edge."""

    def on_mount(self) -> None:
        self.anchor()

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        """Write ``lines``, each wrapped to the pane's width."""
        width = self.scrollable_content_region.width
        rows = [row for line in lines for part in line.splitlines() or [""] for row in wrap_line(part, width)]
        return super().write_lines(rows, scroll_end)

    @property
    def following(self) -> bool:
        """True while the log follows the newest line."""
        # Textual exposes is_anchored but not whether the operator released the anchor.
        return self.is_anchored and not self._anchor_released

    def follow(self) -> None:
        """Scroll to the newest line and follow again."""
        self.scroll_end(animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self.following:
            self.follow()


class WizardScreen(Screen[None]):
    """``WizardScreen(plan, context=None, refresh_statuses=True, transcript_dir=None)``.

    Starts the run when mounted (``context`` defaults to a StepContext on the
    App's config and latest statuses). ``result`` is the RunResult once
    finished; ``running`` while the worker runs."""

    HELP = WIZARD_HELP
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    _OUTPUT_KEYS = Binding.Group("Output")

    BINDINGS = [
        Binding("escape", "cancel_or_close", "Cancel"),
        Binding("escape", "back", "Back"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True),
        # priority: they scroll the output whichever pane has the focus (↑/↓ scroll that pane)
        Binding(
            "pageup", "output_page(-1)", "Output up", key_display="PgUp", group=_OUTPUT_KEYS, priority=True
        ),
        Binding(
            "pagedown", "output_page(1)", "Output down", key_display="PgDn", group=_OUTPUT_KEYS, priority=True
        ),
        Binding(
            "end", "output_end", "Follow the output", key_display="End", group=_OUTPUT_KEYS, priority=True
        ),
        Binding("home", "output_home", "First output line", show=False, priority=True),
        Binding("tab", "app.focus_next", "Next pane"),
        Binding("d", "toggle_detail", "Details"),
        Binding("enter", "toggle_detail", "Details", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(
        self,
        plan: Plan,
        *,
        context: StepContext | None = None,
        refresh_statuses: bool = True,
        transcript_dir: Path | None = None,
        start: bool = True,
        teaching: bool = False,
    ) -> None:
        super().__init__()
        self.plan = plan
        #: Training: every step's *why* is shown and acknowledged before it runs.
        self.teaching = teaching
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
        #: The exact statements of each step reached (by step id), as the confirm dialog showed
        #: them or as they ran; the detail shows them instead of the plan's preview.
        self.exact: dict[str, str] = {}
        #: The outcome as shown (``outcome_text``), once finished.
        self.outcome_message = ""
        self._progress_step: str | None = None

    # typed accessors
    @property
    def step_list(self) -> StepList:
        return self.query_one(StepList)

    @property
    def output(self) -> OutputLog:
        return self.query_one("#wizard-log", OutputLog)

    @property
    def progress(self) -> WizardProgress:
        return self.query_one(WizardProgress)

    @property
    def outcome(self) -> Vertical:
        return self.query_one("#wizard-outcome", Vertical)

    @property
    def detail(self) -> VerticalScroll:
        return self.query_one("#wizard-detail", VerticalScroll)

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
            detail = VerticalScroll(id="wizard-detail")
            detail.border_title = "Detail"
            detail.border_subtitle = "↑/↓ scroll"
            with detail:
                yield Static("", id="step-heading", markup=False)
                yield Static("", id="step-why", markup=False)
                yield Static("", id="step-preview-label", markup=False)
                yield Static("", id="step-preview", markup=False)
        yield WizardProgress()
        log = OutputLog(max_lines=LOG_MAX_LINES, highlight=False, id="wizard-log")
        log.border_title = "Output"
        log.border_subtitle = "PgUp/PgDn/End"
        yield log
        with Vertical(id="wizard-outcome"):
            yield Static("", id="outcome-head", markup=False)
            yield Static("", id="outcome-transcript", markup=False)
        yield KeyFooter(show_command_palette=False)

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

    def on_resize(self, event: events.Resize) -> None:
        # the breakpoint classes (-narrow/-wide) change with the size: so does whether d shows
        self.call_after_refresh(self.refresh_bindings)

    def on_screen_resume(self) -> None:
        # back from a dialog: show the newest line (the log may have been written meanwhile)
        if self.output.following:
            self.call_after_refresh(self.output.follow)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """escape cancels while the run runs and goes back once it ended (the
        footer says which); ``d`` shows only where the detail is not already
        beside the steps."""
        if action == "toggle_detail":
            return self.has_class("-narrow")
        if action == "cancel_or_close":
            return self.result is None
        if action == "back":
            return self.result is not None
        return True

    def start(self) -> Worker[RunResult]:
        """Start the run as an App worker (once)."""
        if self.worker is not None:
            return self.worker
        app: Any = self.app
        ctx = self._step_context or StepContext(
            config=app.config, statuses=dict(getattr(app, "statuses", {}))
        )
        self.wizard_run = WizardRun(
            self,
            self.plan,
            ctx,
            refresh_statuses=self.refresh_statuses,
            transcript_dir=self.transcript_dir,
            teaching=self.teaching,
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
        """Show step ``index``'s heading, *why* and statements: exact once the
        step was reached (as confirmed or run), else as planned."""
        if not self.plan.steps:
            return
        index = max(0, min(index, len(self.plan.steps) - 1))
        s = self.plan.steps[index]
        state = self.step_list.rows[index].state if self.step_list.rows else StepStatus.PENDING
        self.query_one("#step-heading", Static).update(
            step_heading(index + 1, len(self.plan.steps), s, state)
        )
        self.query_one("#step-why", Static).update("Why: " + " ".join(s.why.split()))
        exact = self.exact.get(s.id)
        if exact is not None or s.render is None:
            label = "Statements, exactly as they run:"
            text = exact if exact is not None else s.preview
        else:
            label = "Statements as planned (the values earlier steps find are filled in when it runs):"
            text = s.preview
        self.query_one("#step-preview-label", Static).update(label)
        self.query_one("#step-preview", Static).update(text.strip() or "(nothing to run: replui checks only)")
        self.step_list.cursor = index

    def _index(self, step_id: str) -> int | None:
        for i, s in enumerate(self.plan.steps):
            if s.id == step_id:
                return i
        return None

    # messages from the run
    def on_wizard_step_changed(self, message: WizardStepChanged) -> None:
        if message.exact is not None:
            self.exact[message.step_id] = message.exact
        i = self._index(message.step_id)
        if i is None:  # a step outside the plan: the undo of a done step, offered after a no
            self._other_step_changed(message)
            return
        total = len(self.plan.steps)
        s = self.plan.steps[i]
        self.step_list.set_state(message.step_id, message.state)
        if message.state is StepStatus.RUNNING:
            self.running_step = s
            self.progress.reset()
            self._progress_step = None
            self.output.write_line(output_separator(i + 1, total, s))
        elif self.running_step is not None and self.running_step.id == message.step_id:
            self.running_step = None
            self._drop_cancel_dialog()
        if message.state is StepStatus.DONE and self._progress_step == message.step_id:
            self.progress.complete()
        self.current = i
        self.show_step(i)
        self.step_list.keep_in_view(i)
        self._set_status(
            {
                StepStatus.AWAITING: f"waiting for your answer on step {i + 1}/{total}",
                StepStatus.RUNNING: f"running step {i + 1}/{total}",
            }.get(message.state, f"step {i + 1}/{total} {message.state}")
        )

    def _other_step_changed(self, message: WizardStepChanged) -> None:
        step = message.step
        title = step_title(step) if step is not None else message.step_id
        if message.state is StepStatus.AWAITING:
            self.output.write_line(f"── offered: {title} ──")
            self._set_status(f"waiting for your answer: {title}")
        else:
            self._set_status(f"{title}: {message.state}")

    def on_wizard_output(self, message: WizardOutput) -> None:
        self.output.write_lines(message.lines)
        if self.output.following:
            # the layout may be stale (a dialog covers the screen): scroll once it is current
            self.output.follow()

    def on_wizard_progressed(self, message: WizardProgressed) -> None:
        self._progress_step = message.step_id
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
        if self._progress_step is None or self._progress_step != res.failed_step:
            self.progress.display = False  # the outcome says it all: the output gets the rows
        head, tail = outcome_head(self.plan, res), transcript_line(res)
        self.outcome_message = head + "\n" + tail
        self.output.write_lines(["── outcome ──", head, tail])
        self.query_one("#outcome-head", Static).update(head)
        self.query_one("#outcome-transcript", Static).update(tail)
        self.outcome.set_class(res.ok and bool(res.data_may_differ), "-warn")
        self.outcome.set_class(res.ok and not res.data_may_differ, "-ok")
        self.outcome.set_class(not res.ok, "-failed")
        self.outcome.display = True
        self.refresh_bindings()  # escape: back to the dashboard
        if self.output.following:
            self.output.follow()

    def on_step_list_browsed(self, message: StepList.Browsed) -> None:
        self.show_step(message.index)

    # actions
    def action_output_page(self, direction: int) -> None:
        """PgUp/PgDn: scroll the output a page (whatever pane has the focus)."""
        if direction < 0:
            self.output.scroll_page_up(animate=False)
        else:
            self.output.scroll_page_down(animate=False)

    def action_output_home(self) -> None:
        """Home: the first line of the output (it stops following)."""
        self.output.scroll_home(animate=False)

    def action_output_end(self) -> None:
        """End: the newest line of the output, and follow it again."""
        self.output.follow()

    def action_toggle_detail(self) -> None:
        """``d``: narrower than 120 columns, the browsed step's detail in
        place of the step list, and back."""
        if not self.has_class("-narrow"):
            return
        showing = not self.has_class("-show-detail")
        self.set_class(showing, "-show-detail")
        if showing and self.step_list.has_focus:
            self.detail.focus()
        elif not showing and self.detail.has_focus:
            self.step_list.focus()

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

    def action_back(self) -> None:
        """escape once the run has ended: back to the dashboard."""
        if self.app.screen is self:
            self.dismiss()

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
