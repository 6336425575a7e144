"""Run a :class:`~replui.wizards.plan.Plan`: pre-flight checks, the target's
identity before every destructive step, the operator's yes, live output,
cancel, and the Markdown transcript. Used by the TUI and the CLI alike.

Order of a run:

1. refresh every node's status (unless ``refresh_statuses=False``) and run
   the plan's pre-flight checks (those without ``before``); one failure
   refuses the whole plan before anything is written;
2. for each step: its own ``before`` checks; if destructive, re-read the
   target's ``@@server_id``/``@@server_uuid``/``@@hostname``/``@@port`` and
   compare with what the plan saw (a mismatch stops the run), then
   ``await confirm(step)`` (False stops the run); run the step, passing each
   event to ``on_event(step, event)``;
3. a failing step stops the run: later steps never run.

``ctx.cancel.set()`` stops the running step: its task is cancelled, so an
``await`` inside it raises CancelledError and its ``finally`` kills the
processes it started.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from replui.wizards.plan import Event, Identity, OutputLine, Plan, Progress, Step, StepContext, StepState
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
    Markdown transcript (None if it could not be written)."""

    ok: bool
    failed_step: str | None
    message: str
    transcript_path: Path | None


async def read_identity(ctx: StepContext, node: str) -> Identity:
    """The live identity of ``node``: ``@@server_id``, ``@@hostname``,
    ``@@port`` and ``@@server_uuid`` where it exists (not on MariaDB).
    Raises NodeError when the node cannot be asked."""
    reader = getattr(ctx, "identity_reader", None)
    if reader is not None:
        return await reader(node)
    row = (await ctx.query(node, "SELECT @@server_id AS server_id, @@hostname AS hostname, @@port AS port"))[0]
    uuid = None
    try:
        uuid = await ctx.scalar(node, "SELECT @@server_uuid")
    except Exception:  # noqa: BLE001 - MariaDB: unknown system variable (1193)
        uuid = None
    return Identity(int(row["server_id"]), str(uuid) if uuid else None, str(row["hostname"]), int(row["port"]))


def _fmt_event(ev: Event) -> str | None:
    if isinstance(ev, OutputLine):
        return ev.text if ev.stream != "stderr" else f"[stderr] {ev.text}"
    if isinstance(ev, Progress):
        return None
    return None


async def run_plan(plan: Plan, ctx: StepContext, *, confirm: Confirm, on_event: OnEvent = lambda s, e: None,
                   refresh_statuses: bool = True, transcript_dir: Path | None = None) -> RunResult:
    """Run ``plan`` in ``ctx``; never raises (errors become the result).

    ``confirm(step)`` is awaited before each destructive step; ``on_event``
    receives ``(step, event)`` for every step event and the runner's
    :class:`StepState` changes (``step`` None for plan-level lines such as
    pre-flight results). ``refresh_statuses`` re-collects every node's status
    before the checks (tests with canned statuses turn it off).
    """
    secrets = ctx.secrets
    secrets.extend(s for s in (*plan.secrets, *config_secrets(ctx.config)) if s and s not in secrets)
    transcript: Transcript | None = None
    try:
        transcript = Transcript.create(transcript_dir or log_dir(ctx.config), plan.wizard, secrets)
    except OSError as exc:
        _emit(on_event, None, OutputLine(f"cannot write the transcript: {exc}", "stderr"))
    t = transcript
    ctx_log = ctx.log

    def log(text: str) -> None:
        if t:
            t.line(text)
        ctx_log(text)

    ctx.log = log

    def w(text: str = "") -> None:
        if t:
            t.close_block()
            t.write(text)

    def block(lines: list[str]) -> None:
        if t:
            t.close_block()
            t.block(lines)

    w.block = block  # type: ignore[attr-defined]

    def say(step: Step | None, text: str, stream: str = "info") -> None:
        _emit(on_event, step, OutputLine(mask(text, secrets), stream))
        if t:
            t.line(text)

    started = time.time()
    w(f"# replui wizard transcript: {plan.title}")
    w("")
    w(f"- wizard: `{plan.wizard}`")
    w(f"- started: {time.strftime('%Y-%m-%d %H:%M:%S %z', time.localtime(started))}")
    w(f"- config: {getattr(ctx.config, 'path', None)}")
    w(f"- options: {dict(plan.options)}")
    w("")
    w("## Plan")
    if t:
        t.block(plan.render().splitlines())

    result = await _run(plan, ctx, confirm, on_event, refresh_statuses, w, say)
    w("")
    w("## Outcome")
    w("")
    w(("**OK** — " if result.ok else "**FAILED** — ") + result.message)
    w(f"- finished after {time.time() - started:.2f} s")
    if t:
        t.close()
    ctx.log = ctx_log
    return RunResult(result.ok, result.failed_step, mask(result.message, secrets), t.path if t else None)


def _emit(on_event: OnEvent, step: Step | None, ev: Event) -> None:
    try:
        on_event(step, ev)
    except Exception:  # noqa: BLE001 - a broken viewer must not break the run
        pass


async def _run(plan: Plan, ctx: StepContext, confirm: Confirm, on_event: OnEvent, refresh: bool, w, say) -> RunResult:
    if refresh:
        names = [n.name for n in ctx.config.nodes]
        await asyncio.gather(*(ctx.refresh(n) for n in names))
    w("")
    w("## Pre-flight checks")
    for check in plan.preflight:
        if check.before is not None:
            continue
        res = await check.evaluate(ctx)
        say(None, f"{'ok  ' if res.ok else 'FAIL'} {check.name}" + ("" if res.ok else f": {res.reason}"))
        if not res.ok:
            return RunResult(False, None, f"refused by pre-flight check '{check.name}': {res.reason}", None)

    baseline: dict[str, Identity] = dict(plan.identities)
    for i, step in enumerate(plan.steps, 1):
        w("")
        w(f"## Step {i}/{len(plan.steps)}: [{step.id}] {step.title}" + (f" — on {step.target}" if step.target else ""))
        w("")
        w("Why: " + step.why)
        w("")
        w("Preview:")
        if t_block := getattr(w, "block", None):
            t_block(step.preview.splitlines())
        if ctx.cancel.is_set():
            return _stop(step, on_event, say, "cancelled", f"cancelled by the operator before step {step.id}")
        for check in plan.preflight:
            if check.before == step.id:
                res = await check.evaluate(ctx)
                say(step, f"{'ok  ' if res.ok else 'FAIL'} check: {check.name}" + ("" if res.ok else f": {res.reason}"))
                if not res.ok:
                    return _stop(step, on_event, say, "refused", f"step {step.id} ({step.title}) refused by check '{check.name}': {res.reason}")
        if step.destructive and step.target:
            ok, why = await _check_identity(ctx, step.target, baseline)
            say(step, why)
            if not ok:
                return _stop(step, on_event, say, "refused", f"step {step.id} ({step.title}) refused: {why}")
        if step.destructive:
            try:
                yes = await confirm(step)
            except Exception as exc:  # noqa: BLE001
                yes = False
                say(step, f"confirmation failed: {exc}", "stderr")
            say(step, f"decision: {'confirmed' if yes else 'declined'} by the operator")
            if not yes:
                return _stop(step, on_event, say, "declined", f"stopped: the operator declined step {step.id} ({step.title})")
        _emit(on_event, step, StepState("running"))
        t0 = time.monotonic()
        err = await _run_step(step, ctx, on_event, say)
        secs = time.monotonic() - t0
        if err == "cancelled":
            _emit(on_event, step, StepState("cancelled", "cancelled by the operator", secs))
            say(step, f"cancelled after {secs:.2f} s")
            return RunResult(False, step.id, f"step {step.id} ({step.title}) cancelled by the operator; later steps were not run", None)
        if err is not None:
            _emit(on_event, step, StepState("failed", err, secs))
            say(step, f"FAILED after {secs:.2f} s: {err}", "stderr")
            return RunResult(False, step.id, f"step {step.id} ({step.title}) failed: {err}; later steps were not run", None)
        _emit(on_event, step, StepState("done", "", secs))
        say(step, f"done in {secs:.2f} s")
    return RunResult(True, None, f"{plan.title}: all {len(plan.steps)} steps done", None)


def _stop(step: Step, on_event: OnEvent, say, state: str, message: str) -> RunResult:
    _emit(on_event, step, StepState(state, message))
    say(step, message, "stderr")
    return RunResult(False, step.id, message, None)


async def _check_identity(ctx: StepContext, node: str, baseline: dict[str, Identity]) -> tuple[bool, str]:
    try:
        live = await read_identity(ctx, node)
    except Exception as exc:  # noqa: BLE001
        return False, f"cannot confirm {node}'s identity: {exc}"
    seen = baseline.get(node)
    if seen is None or seen == Identity():
        baseline[node] = live
        return True, f"identity of {node}: {live.describe()} (first seen now)"
    diffs = seen.differences(live)
    if diffs:
        return False, f"{node} is not the server the plan was built for ({'; '.join(diffs)})"
    # fill in what the plan did not know (e.g. @@port) for the next check
    baseline[node] = Identity(*(a if a is not None else b for a, b in zip(
        (seen.server_id, seen.server_uuid, seen.hostname, seen.port), (live.server_id, live.server_uuid, live.hostname, live.port))))
    return True, f"identity of {node} confirmed: {live.describe()}"


async def _run_step(step: Step, ctx: StepContext, on_event: OnEvent, say) -> str | None:
    """Run one step; None when it succeeded, ``"cancelled"``, or the error text."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
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
                return "cancelled"
            ev = getter.result()
            if ev is done:
                if not task.done():
                    continue
                break
            if isinstance(ev, OutputLine):
                say(step, ev.text, ev.stream)
            else:
                _emit(on_event, step, ev)
            if task.done() and queue.empty():
                break
    finally:
        cancel_wait.cancel()
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    if exc is None:
        return None
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return str(exc) or exc.__class__.__name__

