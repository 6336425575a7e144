"""The runner with fake steps: pre-flight refusals before anything
destructive, identity checks, stop at the first failure, cancel that leaves
no process behind, and a transcript with every password masked."""

from __future__ import annotations

import asyncio
import os
import sys

import canned

from replui.transport.local import LocalTransport
from replui.wizards.context import StepContext
from replui.wizards.plan import (
    Check,
    CheckResult,
    Identity,
    OutputLine,
    Plan,
    Progress,
    Step,
    StepFailed,
    StepState,
)
from replui.wizards.runner import run_plan

SECRET = "s3'cr\\et\"pw"


def make_step(step_id, log, *, destructive=False, fail=False, target=None, lines=("hello",)):
    async def run(ctx):
        log.append(step_id)
        for ln in lines:
            yield OutputLine(ln, "stdout")
        yield Progress(bytes=10, seconds=0.1)
        if fail:
            raise StepFailed(f"{step_id} broke")

    return Step(
        id=step_id,
        title=f"Step {step_id}",
        why=f"why {step_id}",
        preview=f"SELECT '{step_id}'",
        run=run,
        target=target,
        destructive=destructive,
        replaces_data=False,
    )


def context(**kw) -> StepContext:
    cfg, sts = canned.healthy_pair()
    return StepContext(config=cfg, statuses={s.name: s for s in sts}, **kw)


async def yes(step):
    return True


async def run(plan, ctx, tmp_path, confirm=yes, events=None):
    def on_event(step, ev):
        if events is not None:
            events.append((step.id if step else None, ev))

    return await run_plan(
        plan, ctx, confirm=confirm, on_event=on_event, refresh_statuses=False, transcript_dir=tmp_path
    )


async def test_failed_preflight_refuses_before_any_destructive_step(tmp_path):
    log, asked = [], []

    async def confirm(step):
        asked.append(step.id)
        return True

    plan = Plan(
        "fake",
        "Fake",
        "summary",
        (make_step("read", log), make_step("write", log, destructive=True)),
        (Check("log_bin on node1", lambda ctx: CheckResult(False, "log_bin is OFF on node1")),),
    )
    res = await run(plan, context(), tmp_path, confirm)
    assert not res.ok and res.failed_step is None and "log_bin is OFF on node1" in res.message
    assert log == [] and asked == []


async def test_a_failed_step_stops_the_run_and_later_steps_never_run(tmp_path):
    log, events = [], []
    plan = Plan(
        "fake",
        "Fake",
        "s",
        (
            make_step("dump", log, fail=True),
            make_step("change-master", log, destructive=True),
            make_step("start", log, destructive=True),
        ),
    )
    res = await run(plan, context(), tmp_path, events=events)
    assert (
        not res.ok
        and res.failed_step == "dump"
        and "step dump" in res.message
        and "dump broke" in res.message
    )
    assert log == ["dump"]
    assert (
        "dump",
        StepState(
            "failed",
            "dump broke",
            next(e.seconds for s, e in events if isinstance(e, StepState) and e.state == "failed"),
        ),
    ) in events
    assert any(isinstance(e, Progress) for _, e in events)


async def test_operator_declining_stops_before_the_step(tmp_path):
    log = []

    async def no(step):
        return False

    res = await run(
        Plan("fake", "F", "s", (make_step("write", log, destructive=True),)), context(), tmp_path, no
    )
    assert not res.ok and res.failed_step == "write" and "declined" in res.message and log == []


async def test_identity_mismatch_stops_before_a_destructive_step(tmp_path):
    log = []
    ctx = context()

    async def reader(node):
        return Identity(server_id=99, hostname="elsewhere", port=3306)

    ctx.identity_reader = reader
    plan = Plan(
        "fake",
        "F",
        "s",
        (make_step("write", log, destructive=True, target="node2"),),
        identities={"node2": Identity(server_id=2, hostname="node2.lab")},
    )
    res = await run(plan, ctx, tmp_path)
    assert not res.ok and res.failed_step == "write" and "server_id 2 -> 99" in res.message and log == []


async def test_identity_port_seen_first_is_checked_afterwards(tmp_path):
    log, ports = (
        [],
        iter([3306, 3306, 3307]),
    )  # step a: before and after its prompt; step b: before its prompt
    ctx = context()

    async def reader(node):
        return Identity(server_id=2, hostname="node2.lab", port=next(ports))

    ctx.identity_reader = reader
    plan = Plan(
        "fake",
        "F",
        "s",
        (
            make_step("a", log, destructive=True, target="node2"),
            make_step("b", log, destructive=True, target="node2"),
        ),
        identities={"node2": Identity(server_id=2, hostname="node2.lab")},
    )
    res = await run(plan, ctx, tmp_path)
    assert res.failed_step == "b" and "port 3306 -> 3307" in res.message and log == ["a"]


async def test_check_before_a_step_runs_right_before_it(tmp_path):
    log = []
    plan = Plan(
        "fake",
        "F",
        "s",
        (make_step("dump", log), make_step("change-master", log, destructive=True)),
        (
            Check(
                "coordinates present",
                lambda ctx: CheckResult(False, "the coordinates are missing from the dump"),
                before="change-master",
                needs=("dump",),
            ),
        ),
    )
    res = await run(plan, context(), tmp_path)
    assert res.failed_step == "change-master" and "missing from the dump" in res.message and log == ["dump"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


async def test_cancel_stops_the_running_command_and_leaves_no_process(tmp_path):
    transport = LocalTransport()
    started: list[int] = []
    log = []

    async def run_sleep(ctx):
        proc = await transport.spawn(
            [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"]
        )
        started.append(proc.pid)
        try:
            line = await proc.stdout.readline()
            yield OutputLine(line.decode().strip(), "stdout")
            await proc.wait()
        finally:
            from replui.transport.local import terminate_tree

            await terminate_tree(proc, 2)

    ctx = context()
    plan = Plan(
        "fake",
        "F",
        "s",
        (
            Step(id="long", title="Long", why="why", preview="sleep 600", run=run_sleep),
            make_step("after", log, destructive=True),
        ),
    )

    def on_event(step, ev):
        if isinstance(ev, OutputLine) and ev.text == "up":
            ctx.cancel.set()

    res = await run_plan(
        plan, ctx, confirm=yes, on_event=on_event, refresh_statuses=False, transcript_dir=tmp_path
    )
    assert not res.ok and res.failed_step == "long" and "cancelled" in res.message
    assert log == [] and started and not _alive(started[0])
    await transport.cleanup()


async def test_transcript_has_plan_commands_output_decisions_outcome_and_no_password(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLUI_PASSWORD", "adminpw-XYZ")
    log = []
    step = make_step(
        "write", log, destructive=True, lines=(f"connecting with password {SECRET}", "adminpw-XYZ leaked?")
    )
    plan = Plan("fake", "Fake plan", "summary", (make_step("read", log), step), secrets=(SECRET,))
    res = await run(plan, context(), tmp_path)
    assert res.ok and res.transcript_path is not None and res.transcript_path.parent == tmp_path
    text = res.transcript_path.read_text()
    assert "# replui wizard transcript: Fake plan" in text and "## Plan" in text and "SELECT 'write'" in text
    assert "decision: confirmed" in text and "done in" in text and "## Outcome" in text and "**OK**" in text
    assert SECRET not in text and "adminpw-XYZ" not in text and "***" in text
    assert oct(os.stat(res.transcript_path).st_mode & 0o777) == "0o600"


async def test_log_dir_comes_from_config_then_xdg_state_home(tmp_path):
    from replui.wizards.transcript import log_dir

    cfg, _ = canned.healthy_pair()
    assert log_dir(cfg, {"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "replui" / "transcripts"
    assert log_dir(cfg, {"HOME": "/home/x"}).as_posix() == "/home/x/.local/state/replui/transcripts"
    from dataclasses import replace

    assert log_dir(replace(cfg, log_dir=str(tmp_path / "logs")), {}) == tmp_path / "logs"


# -- refuse before touching ------------------------------------------------------------------


def test_a_plan_whose_check_names_a_missing_step_cannot_be_built():
    import pytest

    from replui.wizards.plan import PlanError

    log = []
    ok = lambda ctx: CheckResult(True)  # noqa: E731
    with pytest.raises(PlanError, match="step 'scope', which the plan does not have"):
        Plan("fake", "F", "s", (make_step("stop", log),), (Check("databases exist", ok, before="scope"),))
    with pytest.raises(PlanError, match="needs 'dump'|'dump'"):
        Plan("fake", "F", "s", (make_step("stop", log),), (Check("coordinates", ok, needs=("dump",)),))
    with pytest.raises(PlanError, match="needs a later step"):
        Plan(
            "fake",
            "F",
            "s",
            (make_step("a", log), make_step("b", log)),
            (Check("c", ok, before="a", needs=("b",)),),
        )


async def test_a_check_that_needs_no_step_runs_before_the_first_destructive_step(tmp_path):
    """Declared as guarding a late step, it still runs in pre-flight: it could run there."""
    log = []
    plan = Plan(
        "fake",
        "F",
        "s",
        (
            make_step("stop", log, destructive=True),
            make_step("scope", log),
            make_step("drop", log, destructive=True),
        ),
        (
            Check(
                "databases exist",
                lambda ctx: CheckResult(False, "node1 has no database nosuchdb"),
                before="drop",
            ),
        ),
    )
    res = await run(plan, context(), tmp_path)
    assert not res.ok and res.failed_step is None and "nosuchdb" in res.message and log == []


async def test_dry_run_runs_read_only_steps_and_their_checks_and_stops_before_the_first_write(tmp_path):
    log = []
    plan = Plan(
        "fake",
        "F",
        "s",
        (make_step("read", log), make_step("write", log, destructive=True)),
        (
            Check(
                "coordinates usable",
                lambda ctx: CheckResult(False, "position 100 is inside an event"),
                needs=("read",),
            ),
        ),
    )
    res = await run_plan(
        plan, context(), confirm=yes, refresh_statuses=False, transcript_dir=tmp_path, dry_run=True
    )
    assert not res.ok and "inside an event" in res.message and log == ["read"]
    plan_ok = Plan("fake", "F", "s", (make_step("read", log), make_step("write", log, destructive=True)))
    res = await run_plan(
        plan_ok, context(), confirm=yes, refresh_statuses=False, transcript_dir=tmp_path, dry_run=True
    )
    assert res.ok and "would now start step write" in res.message and log == ["read", "read"]


async def test_the_prompt_shows_the_statements_exactly_as_they_will_run(tmp_path):
    import dataclasses

    log, shown = [], []
    step = dataclasses.replace(
        make_step("drop", log, destructive=True),
        preview="DROP DATABASE `<each database in scope>`",
        render=lambda ctx: "\n".join(f"DROP DATABASE IF EXISTS `{d}`;" for d in ctx.state.databases),
    )

    async def confirm(s):
        shown.append(s.preview)
        return True

    ctx = context()
    ctx.state.databases = ["shop", "crm"]
    res = await run(Plan("fake", "F", "s", (step,)), ctx, tmp_path, confirm)
    assert res.ok and shown == ["DROP DATABASE IF EXISTS `shop`;\nDROP DATABASE IF EXISTS `crm`;"]


async def test_declining_a_later_step_says_what_earlier_steps_left_and_offers_the_undo(tmp_path):
    import dataclasses

    log, asked = [], []
    undo = make_step("undo-stop", log, destructive=True, target="node2")
    stop = dataclasses.replace(
        make_step("stop", log, destructive=True, target="node2"),
        undo=undo,
        leaves="replication is stopped on node2",
    )

    async def confirm(s):
        asked.append(s.id)
        return s.id != "replace"

    ctx = context()

    async def reader(node):
        return Identity(server_id=2)

    ctx.identity_reader = reader
    res = await run(
        Plan("fake", "F", "s", (stop, make_step("replace", log, destructive=True))), ctx, tmp_path, confirm
    )
    assert not res.ok and res.failed_step == "replace" and "declined" in res.message
    assert asked == ["stop", "replace", "undo-stop"] and log == ["stop", "undo-stop"]
    assert "undone: replication is stopped on node2" in res.message


async def test_a_cancel_names_its_reason_and_the_step(tmp_path):
    async def run_wait(ctx):
        ctx.cancel_reason = "SIGTERM"
        ctx.cancel.set()
        await asyncio.sleep(5)
        yield OutputLine("never")

    res = await run(
        Plan("fake", "F", "s", (Step(id="stream", title="Stream", why="why", preview="x", run=run_wait),)),
        context(),
        tmp_path,
    )
    assert not res.ok and res.message.startswith("cancelled by SIGTERM at step stream")
    assert "cancelled by SIGTERM at step stream" in res.transcript_path.read_text()


async def test_every_statement_a_step_executes_is_echoed_to_the_output_and_transcript(tmp_path):
    ran = []

    class FakeClient:
        def execute(self, sql, args=None):
            ran.append(sql)
            return 0

        def literal(self, v):
            return repr(v)

    async def run_sql(ctx):
        await ctx.execute("node2", "CREATE DATABASE IF NOT EXISTS replui")
        await ctx.execute("node2", "REPLACE INTO t VALUES (%s)", (7,))
        yield OutputLine("done")

    ctx = context()
    ctx.clients["node2"] = FakeClient()
    events = []
    res = await run(
        Plan("fake", "F", "s", (Step(id="w", title="W", why="why", preview="x", run=run_sql),)),
        ctx,
        tmp_path,
        events=events,
    )
    text = res.transcript_path.read_text()
    assert (
        res.ok
        and ran
        and "node2> CREATE DATABASE IF NOT EXISTS replui;" in text
        and "node2> REPLACE INTO t VALUES (7);" in text
    )
    assert any(
        isinstance(e, OutputLine) and e.text == "node2> CREATE DATABASE IF NOT EXISTS replui;"
        for _, e in events
    )


async def test_the_transcript_names_a_steps_target_once(tmp_path):
    # a step's title names its target ("Clear the rebuild mark on node2"): nothing appends it again
    from dataclasses import replace as _replace

    log: list[str] = []
    step = _replace(make_step("clear", log, target="node2"), title="Clear the rebuild mark on node2")
    res = await run(Plan("t", "T", "d", (step,)), context(), tmp_path)
    text = res.transcript_path.read_text()
    assert "Clear the rebuild mark on node2" in text and "node2 — on node2" not in text


async def test_transcript_records_what_the_dashboard_showed_when_the_wizard_started(tmp_path):
    log: list[str] = []
    cfg, sts = canned.broken_pair_1062()
    ctx = StepContext(config=cfg, statuses={s.name: s for s in sts})
    plan = Plan("fake", "Fake plan", "summary", (make_step("read", log),))
    res = await run(plan, ctx, tmp_path)
    text = res.transcript_path.read_text()
    head, _, rest = text.partition("## What the dashboard showed when the wizard started")
    assert rest, "no record of the dashboard"
    assert "REPLUI CRITICAL" in rest and "sql_error" in rest and "1062" in rest
    assert rest.index("sql_error") < rest.index("## Pre-flight checks")


async def test_teaching_mode_asks_before_every_step_and_a_no_stops_before_a_read(tmp_path):
    log: list[str] = []
    asked: list[str] = []

    async def answer(step):
        asked.append(step.id)
        return step.id != "read2"

    plan = Plan("fake", "Fake plan", "summary", (make_step("read1", log), make_step("read2", log)))
    res = await run_plan(
        plan, context(), confirm=answer, refresh_statuses=False, transcript_dir=tmp_path, teaching=True
    )
    assert asked == ["read1", "read2"] and log == ["read1"]
    assert not res.ok and res.failed_step == "read2"
    text = res.transcript_path.read_text()
    assert "why: acknowledged by the trainee" in text and "why: not acknowledged by the trainee" in text
