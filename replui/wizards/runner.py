"""Run a :class:`~replui.wizards.plan.Plan`: checks before the first change,
the target's identity on the connection that writes, the operator's yes to
the exact statements, live output, cancel, and the Markdown transcript. Used
by the TUI and the CLI alike.

Order of a run:

1. refresh every node's status (unless ``refresh_statuses=False``) and run
   the checks that need no step (the pre-flight checks); one failure refuses
   the whole plan before anything is written;
2. for each step: if destructive, re-read the target's global
   ``server_id``/``server_uuid``/``hostname``/``port`` on replui's own
   connection to it and compare with what the plan saw, show the operator
   the statements exactly as they will run and ``await confirm(step)``, then
   read the identity again on that same connection (the prompt may have
   waited long) and bind the connection to it, so a reconnect that reaches
   another server fails before any statement; run the step, passing each
   event to ``on_event(step, event)``; then run the checks that needed it;
3. a failing step stops the run: later steps never run. When the operator
   declines (or a check refuses) a later step, the run says what earlier
   steps left behind and offers each step's undo (``START SLAVE`` after
   ``STOP SLAVE``) through ``confirm``.

``ctx.cancel.set()`` stops the running step: its task is cancelled, so an
``await`` inside it raises CancelledError and its ``finally`` kills the
processes it started; the outcome names ``ctx.cancel_reason``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from replui.wizards.context import StepContext
from replui.wizards.plan import (
    Check,
    Event,
    Identity,
    OutputLine,
    Plan,
    Progress,
    Step,
    StepState,
    StepStatus,
)
from replui.wizards.sql import mask
from replui.wizards.transcript import Transcript, config_secrets, log_dir

Confirm = Callable[[Step], Awaitable[bool]]
OnEvent = Callable[["Step | None", Event], Any]


@dataclass(frozen=True)
class RunResult:
    """``ok`` when every step (the final verification included) passed;
    otherwise ``failed_step`` is the id of the step that failed, was refused,
    declined or cancelled (None when the pre-flight checks refused the plan)
    and ``message`` says why in one line. ``transcript_path`` is the
    Markdown transcript (None if it could not be written).

    ``data_may_differ`` is non-empty when every step ran but the data cannot
    be shown to match (events in purged binlogs were skipped): the run is
    then not "verified" and the message advises a rebuild. ``verified`` is
    True when a step compared the data on both sides and it matched."""

    ok: bool
    failed_step: str | None
    message: str
    transcript_path: Path | None
    verified: bool = False
    data_may_differ: str = ""


async def read_identity(ctx: StepContext, node: str) -> Identity:
    """The live identity of ``node`` read on the connection replui writes
    with: ``@@global.server_id`` (MariaDB's session value can differ),
    ``@@global.hostname``, ``@@global.port`` and ``@@global.server_uuid``
    where it exists (not on MariaDB). Raises NodeError when the node cannot be asked."""
    if ctx.identity_reader is not None:
        return await ctx.identity_reader(node)
    ident = await asyncio.to_thread(
        ctx.client(node).identity
    )  # NodeClient.identity: one read of @@global values
    uuid = ident.get("server_uuid")
    return Identity(
        int(str(ident["server_id"])),
        str(uuid) if uuid else None,
        str(ident["hostname"]),
        int(str(ident["port"])),
    )


async def run_plan(
    plan: Plan,
    ctx: StepContext,
    *,
    confirm: Confirm,
    on_event: OnEvent = lambda s, e: None,
    refresh_statuses: bool = True,
    transcript_dir: Path | None = None,
    dry_run: bool = False,
    teaching: bool = False,
) -> RunResult:
    """Run ``plan`` in ``ctx``; never raises (errors become the result).

    ``teaching`` (training walkthroughs): every step, also one that only
    reads, goes through ``confirm`` first, so its *why* is shown and
    acknowledged before it runs; declining stops the run as for a
    destructive step.

    ``confirm(step)`` is awaited before each destructive step; ``on_event``
    receives ``(step, event)`` for every step event and the runner's
    :class:`StepState` changes (``step`` None for plan-level lines such as
    pre-flight results). ``refresh_statuses`` re-collects every node's status
    before the checks (tests with canned statuses turn it off).

    ``dry_run`` runs the pre-flight checks and every step up to the first one
    that writes (they only read), with the checks those steps make possible,
    then stops: ``ok`` says whether the real run would get past them.
    """
    secrets = ctx.secrets
    secrets.extend(s for s in (*plan.secrets, *config_secrets(ctx.config)) if s and s not in secrets)
    narr = Narrator(on_event, secrets)
    try:
        narr.transcript = Transcript.create(transcript_dir or log_dir(ctx.config), plan.wizard, secrets)
    except OSError as exc:
        narr.emit(None, OutputLine(f"cannot write the transcript: {exc}", "stderr"))
    ctx_log = ctx.log

    def log(text: str) -> None:
        narr.log(text)
        ctx_log(text)

    ctx.log = log
    started = time.time()
    narr.write(f"# replui wizard transcript: {plan.title}")
    narr.write("")
    narr.write(f"- wizard: `{plan.wizard}`")
    narr.write(f"- started: {time.strftime('%Y-%m-%d %H:%M:%S %z', time.localtime(started))}")
    narr.write(f"- config: {getattr(ctx.config, 'path', None)}")
    narr.write(f"- options: {dict(plan.options)}")
    narr.write("")
    narr.write("## Plan")
    narr.block(plan.render().splitlines())
    try:
        result = await _run(plan, ctx, confirm, narr, refresh_statuses, dry_run, teaching)
    except BaseException as exc:  # noqa: BLE001 - the outcome is written whatever happens
        result = RunResult(
            False,
            None,
            f"stopped by {ctx.cancel_reason if ctx.cancel.is_set() else type(exc).__name__}",
            None,
        )
        narr.outcome("**FAILED** — " + result.message)
        narr.close()
        ctx.log = ctx_log
        raise
    head = (
        "**FAILED** — "
        if not result.ok
        else ("**DONE, NOT VERIFIED** — " if result.data_may_differ else "**OK** — ")
    )
    narr.outcome(head + result.message, f"- finished after {time.time() - started:.2f} s")
    narr.close()
    ctx.log = ctx_log
    return RunResult(
        result.ok,
        result.failed_step,
        mask(result.message, secrets),
        narr.path,
        result.verified,
        result.data_may_differ,
    )


class Narrator:
    """Where a run's words go, in one place: the viewer (``on_event``: the
    TUI's wizard screen or the CLI's printer) and the Markdown transcript.
    Lines for the viewer are masked (every secret); the transcript masks
    them itself. A viewer that raises never breaks the run."""

    def __init__(self, on_event: OnEvent, secrets: list[str]) -> None:
        self.on_event = on_event
        self.secrets = secrets
        self.transcript: Transcript | None = None

    @property
    def path(self) -> Path | None:
        """The transcript's path (None when it could not be written)."""
        return self.transcript.path if self.transcript else None

    def emit(self, step: Step | None, ev: Event) -> None:
        """An event to the viewer only."""
        try:
            self.on_event(step, ev)
        except Exception:  # noqa: BLE001 - a broken viewer must not break the run
            pass

    def say(self, step: Step | None, text: str, stream: str = "info") -> None:
        """A line of output: to the viewer (masked) and the transcript."""
        self.emit(step, OutputLine(mask(text, self.secrets), stream))
        self.log(text)

    def echo_for(self, step: Step) -> Callable[[str], None]:
        """``echo(text)`` saying ``text`` as ``step``'s output (for :attr:`StepContext.echo`)."""

        def echo(text: str) -> None:
            self.say(step, text)

        return echo

    def log(self, text: str) -> None:
        """A line to the transcript only."""
        if self.transcript:
            self.transcript.line(text)

    def write(self, text: str = "") -> None:
        """A Markdown line of the transcript (headings, lists)."""
        if self.transcript:
            self.transcript.close_block()
            self.transcript.write(text)

    def block(self, lines: list[str]) -> None:
        """A code block of the transcript (a plan, a step's preview)."""
        if self.transcript:
            self.transcript.close_block()
            self.transcript.block(lines)

    def outcome(self, *lines: str) -> None:
        """The transcript's ``## Outcome`` section."""
        self.write("")
        self.write("## Outcome")
        self.write("")
        for ln in lines:
            self.write(ln)

    def close(self) -> None:
        if self.transcript:
            self.transcript.close()


def _record_dashboard(ctx: StepContext, narr: Narrator) -> None:
    """The transcript's record of what the dashboard showed when the wizard
    started: every node's status and the findings, as ``replui status``
    prints them (:func:`replui.report.render_text`)."""
    if not ctx.statuses:
        return
    from replui.analysis.findings import analyse
    from replui.report import render_text

    statuses = [ctx.statuses[n.name] for n in ctx.config.nodes if n.name in ctx.statuses]
    try:
        findings = analyse(statuses, lag_warning=ctx.config.lag_warning, lag_critical=ctx.config.lag_critical)
        text = render_text(statuses, findings)
    except Exception as exc:  # noqa: BLE001 - the record is an aid; the run goes on without it
        text = f"(the status could not be rendered: {exc})"
    narr.write("")
    narr.write("## What the dashboard showed when the wizard started")
    narr.write("")
    narr.block(text.splitlines())


async def _run_checks(
    checks: list[Check], ctx: StepContext, step: Step | None, narr: Narrator
) -> tuple[str, str] | None:
    """Run ``checks``; ``(name, reason)`` of the first that fails, else None."""
    for check in checks:
        res = await check.evaluate(ctx)
        prefix = "check: " if step is not None else ""
        narr.say(
            step,
            f"{'ok  ' if res.ok else 'FAIL'} {prefix}{check.name}"
            + (f": {res.reason}" if res.reason else ""),
        )
        if not res.ok:
            return check.name, res.reason
    return None


async def _run(
    plan: Plan,
    ctx: StepContext,
    confirm: Confirm,
    narr: Narrator,
    refresh: bool,
    dry_run: bool = False,
    teaching: bool = False,
) -> RunResult:
    if refresh:
        names = [n.name for n in ctx.config.nodes]
        await asyncio.gather(*(ctx.refresh(n) for n in names))
    _record_dashboard(ctx, narr)
    narr.write("")
    narr.write("## Pre-flight checks")
    failed = await _run_checks(plan.checks_after(None), ctx, None, narr)
    if failed:
        return RunResult(False, None, f"refused by pre-flight check '{failed[0]}': {failed[1]}", None)

    baseline: dict[str, Identity] = dict(plan.identities)
    done: list[Step] = []
    for i, step in enumerate(plan.steps, 1):
        if dry_run and step.changes_server:
            ahead = {s.id for s in plan.steps[i - 1 :]}
            later = [c.name for c in plan.preflight if set(c.needs) & ahead]
            msg = (
                "dry run: every check that needs no change passed; "
                f"the run would now start step {step.id} ({step.title})"
            )
            if later:
                msg += "; checked during the run: " + ", ".join(later)
            narr.say(None, msg)
            return RunResult(True, None, msg, None)
        narr.write("")
        narr.write(f"## Step {i}/{len(plan.steps)}: [{step.id}] {step.title}")  # a title names its target
        narr.write("")
        narr.write("Why: " + step.why)
        narr.write("")
        narr.write("Preview:")
        narr.block(step.preview.splitlines())
        if ctx.cancel.is_set():
            return _stop(
                step,
                narr,
                StepStatus.CANCELLED,
                f"cancelled by {ctx.cancel_reason} before step {step.id}",
                done,
            )
        if step.destructive and step.target:
            ok, why = await _check_identity(ctx, step.target, baseline)
            narr.say(step, why)
            if not ok:
                return await _stop_and_offer_undo(
                    step,
                    ctx,
                    confirm,
                    narr,
                    StepStatus.REFUSED,
                    f"step {step.id} ({step.title}) refused: {why}",
                    done,
                )
        if teaching and not step.destructive:
            try:
                understood = await confirm(step)
            except Exception as exc:  # noqa: BLE001 - a prompt that fails counts as "no"
                understood = False
                narr.say(step, f"acknowledgement failed: {exc}", "stderr")
            narr.say(step, f"why: {'acknowledged' if understood else 'not acknowledged'} by the trainee")
            if not understood:
                return _stop(
                    step, narr, StepStatus.DECLINED, f"stopped before step {step.id} ({step.title})", done
                )
        if step.destructive:
            shown = dataclasses.replace(step, preview=mask(step.exact_preview(ctx), ctx.secrets))
            try:
                yes = await confirm(shown)
            except Exception as exc:  # noqa: BLE001 - a prompt that fails counts as "no"
                yes = False
                narr.say(step, f"confirmation failed: {exc}", "stderr")
            if ctx.cancel.is_set():
                return _stop(
                    step,
                    narr,
                    StepStatus.CANCELLED,
                    f"cancelled by {ctx.cancel_reason} at step {step.id}",
                    done,
                )
            narr.say(step, f"decision: {'confirmed' if yes else 'declined'} by the operator")
            if not yes:
                return await _stop_and_offer_undo(
                    step,
                    ctx,
                    confirm,
                    narr,
                    StepStatus.DECLINED,
                    f"stopped: the operator declined step {step.id} ({step.title})",
                    done,
                )
            # the prompt may have waited long: check again on the connection that writes, then bind it
            if step.target:
                ok, why = await _check_identity(ctx, step.target, baseline)
                narr.say(step, why + ("; replui's connection to it is bound to this identity" if ok else ""))
                if not ok:
                    return await _stop_and_offer_undo(
                        step,
                        ctx,
                        confirm,
                        narr,
                        StepStatus.REFUSED,
                        f"step {step.id} ({step.title}) refused: {why}",
                        done,
                    )
                _bind(ctx, step.target, baseline[step.target])
        narr.emit(step, StepState(StepStatus.RUNNING))
        ctx.echo = narr.echo_for(step)
        t0 = time.monotonic()
        try:
            outcome = await _run_step(step, ctx, narr)
        finally:
            ctx.echo = lambda text: None
        secs = time.monotonic() - t0
        if outcome.status is StepStatus.CANCELLED:
            narr.emit(step, StepState(StepStatus.CANCELLED, f"cancelled by {ctx.cancel_reason}", secs))
            narr.say(step, f"cancelled after {secs:.2f} s")
            return RunResult(
                False,
                step.id,
                f"cancelled by {ctx.cancel_reason} at step {step.id} ({step.title}); "
                f"later steps were not run{_left_behind(done + [step])}",
                None,
            )
        if outcome.status is StepStatus.FAILED:
            err = outcome.error
            narr.emit(step, StepState(StepStatus.FAILED, err, secs))
            narr.say(step, f"FAILED after {secs:.2f} s: {err}", "stderr")
            return RunResult(
                False,
                step.id,
                f"step {step.id} ({step.title}) failed: {err}; later steps were not run{_left_behind(done)}",
                None,
            )
        narr.emit(step, StepState(StepStatus.DONE, "", secs))
        narr.say(step, f"done in {secs:.2f} s")
        done.append(step)
        failed = await _run_checks(plan.checks_after(step.id), ctx, step, narr)
        if failed:
            nxt = plan.steps[i] if i < len(plan.steps) else step
            return await _stop_and_offer_undo(
                nxt,
                ctx,
                confirm,
                narr,
                StepStatus.REFUSED,
                f"step {nxt.id} ({nxt.title}) refused by check '{failed[0]}': {failed[1]}",
                done,
            )
    differ = ctx.state.data_may_differ
    verified = ctx.state.data_verified
    if differ:
        return RunResult(
            True,
            None,
            f"{plan.title}: all {len(plan.steps)} steps done, but NOT verified: {differ}",
            None,
            False,
            differ,
        )
    return RunResult(
        True,
        None,
        f"{plan.title}: all {len(plan.steps)} steps done"
        + ("; the data was compared and matches" if verified else ""),
        None,
        verified,
    )


def _left_behind(done: list[Step]) -> str:
    """``"; left behind: replication is stopped on node2"`` for the steps that
    leave something, else ``""``."""
    left = [s.leaves for s in done if s.leaves]
    return "; left behind: " + "; ".join(left) if left else ""


def _stop(
    step: Step, narr: Narrator, state: StepStatus, message: str, done: list[Step] | None = None
) -> RunResult:
    message += _left_behind(done or [])
    narr.emit(step, StepState(state, message))
    narr.say(step, message, "stderr")
    return RunResult(False, step.id, message, None)


async def _stop_and_offer_undo(
    step: Step,
    ctx: StepContext,
    confirm: Confirm,
    narr: Narrator,
    state: StepStatus,
    message: str,
    done: list[Step],
) -> RunResult:
    """Stop before ``step``; say what earlier steps left and offer to undo
    each (latest first) — unless data was already replaced, which an undo
    cannot repair (the rebuild mark says so)."""
    result = _stop(step, narr, state, message, done)
    if any(s.replaces_data for s in done):
        return result
    undone = []
    for s in reversed(done):
        if s.undo is None or ctx.cancel.is_set():
            continue
        try:
            yes = await confirm(s.undo)
        except Exception:  # noqa: BLE001 - a prompt that fails counts as "no"
            yes = False
        narr.say(s.undo, f"undo {s.undo.id}: {'confirmed' if yes else 'declined'} by the operator")
        if not yes:
            continue
        ctx.echo = narr.echo_for(s.undo)
        try:
            undo_outcome = await _run_step(s.undo, ctx, narr)
        finally:
            ctx.echo = lambda text: None
        if undo_outcome.status is StepStatus.DONE:
            undone.append(s.leaves or s.id)
            narr.say(s.undo, f"undone: {s.undo.title}")
        else:
            narr.say(s.undo, f"undo failed: {undo_outcome.error or 'cancelled'}", "stderr")
    if undone:
        left = [s.leaves for s in done if s.leaves and s.leaves not in undone]
        msg = (
            message.split("; left behind:")[0]
            + "; undone: "
            + "; ".join(undone)
            + ("; left behind: " + "; ".join(left) if left else "")
        )
        return RunResult(False, result.failed_step, msg, None)
    return result


def _bind(ctx: StepContext, node: str, identity: Identity) -> None:
    """Bind ``node``'s client to ``identity``: a reconnect that reaches
    another server fails before any statement."""
    ctx.confirmed[node] = identity
    client = ctx.clients.get(node)
    bind = getattr(client, "bind_identity", None)
    if bind is not None:
        bind(
            {
                "server_id": identity.server_id,
                "server_uuid": identity.server_uuid,
                "hostname": identity.hostname,
                "port": identity.port,
            }
        )


async def _check_identity(ctx: StepContext, node: str, baseline: dict[str, Identity]) -> tuple[bool, str]:
    try:
        live = await read_identity(ctx, node)
    except Exception as exc:  # noqa: BLE001 - an identity that cannot be read refuses the step
        return False, f"cannot confirm {node}'s identity: {exc}"
    seen = baseline.get(node)
    if seen is None or seen == Identity():
        baseline[node] = live
        return True, f"identity of {node}: {live.describe()} (first seen now)"
    diffs = seen.differences(live)
    if diffs:
        return False, f"{node} is not the server the plan was built for ({'; '.join(diffs)})"
    # fill in what the plan did not know (e.g. @@port) for the next check
    baseline[node] = Identity(
        seen.server_id if seen.server_id is not None else live.server_id,
        seen.server_uuid if seen.server_uuid is not None else live.server_uuid,
        seen.hostname if seen.hostname is not None else live.hostname,
        seen.port if seen.port is not None else live.port,
    )
    return True, f"identity of {node} confirmed: {live.describe()}"


@dataclass(frozen=True)
class StepOutcome:
    """How one step's run ended: ``status`` is DONE, FAILED or CANCELLED;
    ``error`` the one-line reason when it failed."""

    status: StepStatus
    error: str = ""


DONE = StepOutcome(StepStatus.DONE)
CANCELLED = StepOutcome(StepStatus.CANCELLED)


async def _run_step(step: Step, ctx: StepContext, narr: Narrator) -> StepOutcome:
    """Run one step and say how it ended (never raises)."""
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=1000)
    done = object()

    async def pump() -> None:
        gen = step.run(ctx)
        try:
            async for ev in gen:
                await queue.put(ev)
        finally:
            aclose = getattr(gen, "aclose", None)
            if aclose is not None:
                await aclose()

    task = asyncio.create_task(pump())
    task.add_done_callback(lambda _t: queue.put_nowait(done) if not queue.full() else None)
    cancel_wait = asyncio.create_task(ctx.cancel.wait())
    try:
        while True:
            getter = asyncio.create_task(queue.get())
            finished, _ = await asyncio.wait({getter, cancel_wait}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in finished:
                getter.cancel()
                task.cancel()
                try:
                    await task
                except BaseException:  # noqa: BLE001 - the step's own cleanup ran; we only wait for it
                    pass
                return CANCELLED
            ev = getter.result()
            if ev is done:
                if not task.done():
                    continue
                break
            if isinstance(ev, OutputLine):
                narr.say(step, ev.text, ev.stream)
            elif isinstance(ev, (Progress, StepState)):
                narr.emit(step, ev)
            if task.done() and queue.empty():
                break
    finally:
        cancel_wait.cancel()
    if task.cancelled():
        return CANCELLED
    exc = task.exception()
    if exc is None:
        return DONE
    if isinstance(exc, asyncio.CancelledError):
        return CANCELLED
    return StepOutcome(StepStatus.FAILED, str(exc) or exc.__class__.__name__)
