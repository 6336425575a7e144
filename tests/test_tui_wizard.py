"""The wizard screen driven by Pilot: a fake plan of fake steps
(``tui_helpers.FakeRun``) on canned statuses (confirm dialog before each
destructive step, the node's name typed for a step that replaces data,
declining stops the run, output in the log, the progress bar advancing,
cancel), the picker pre-filled from a finding, and restart-replication walked
through its confirm dialog on the real lab. At every terminal size (80x24 …
220x50): the layout, the output that follows its newest line, the dialogs
that fit, the exact statements in the detail, the keys and the help; and the
words: every place names a step the same way, with no word twice."""

from __future__ import annotations

import canned
import pytest
from textual.widgets import Static
from tui_helpers import MIB, SIZE, FakeRun, cancel_dialog_shown, confirm_shown, make_app, start_wizard, until

from replui.model import Finding, Severity
from replui.ui.app import ReplUIApp
from replui.ui.screens.wizard import WizardScreen
from replui.ui.screens.wizard_picker import WizardPickerScreen, options_text, parse_options, prefill


def log_text(screen: WizardScreen) -> str:
    return "\n".join(screen.output.lines)


async def test_confirm_dialog_before_the_destructive_step_needs_the_node_name(tmp_path):
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        dialog = await confirm_shown(pilot, app)
        assert dialog.step.id == "stream" and dialog.needs_name
        assert fake.ran == ["inspect"]  # asked before the destructive step ran
        assert screen.step_list.states() == {
            "inspect": "done",
            "stream": "awaiting",
            "change-master": "pending",
            "verify": "pending",
        }
        assert dialog.confirm_button.disabled
        await pilot.press(*"node1")  # the wrong node
        await pilot.pause()
        assert dialog.confirm_button.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and fake.ran == ["inspect"]
        for _ in "node1":
            await pilot.press("backspace")
        await pilot.press(*"node2")
        await pilot.pause()
        assert not dialog.confirm_button.disabled
        await pilot.click("#confirm-yes")
        second = await confirm_shown(pilot, app, other_than=dialog)
        assert second.step.id == "change-master" and not second.needs_name
        assert fake.ran == ["inspect", "stream"]
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        assert screen.result.ok, screen.result.message
        assert fake.ran == ["inspect", "stream", "change-master", "verify"]
        assert set(screen.step_list.states().values()) == {"done"}
        text = log_text(screen)
        assert "[note] brackets stay as typed" in text and "[stream] 48.0 MiB restored" in text
        assert "verified: node2 runs both threads" in text
        # no data was compared: not "verified"
        assert screen.outcome.display and "✔ DONE" in screen.outcome_message
        assert screen.result.transcript_path and screen.result.transcript_path.exists()
        assert str(screen.result.transcript_path) in screen.outcome_message
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard


async def test_declining_stops_the_run_and_no_later_step_runs(tmp_path):
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.click("#confirm-no")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        assert not screen.result.ok and screen.result.failed_step == "stream"
        assert fake.ran == ["inspect"]
        assert screen.step_list.states() == {
            "inspect": "done",
            "stream": "declined",
            "change-master": "pending",
            "verify": "pending",
        }
        assert "declined" in screen.outcome_message
        assert "Stream node1's dump into node2" in screen.outcome_message


async def test_output_lines_reach_the_log_and_the_progress_bar_advances(tmp_path):
    app, fake = make_app(), FakeRun(gate_open=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press(*"node2", "enter")
        await until(pilot, lambda: screen.progress.last is not None, "first progress")
        bar = screen.progress.bar
        assert screen.progress.display and bar.total == 48 * MIB and bar.progress == 12 * MIB
        figures = str(screen.progress.figures.render())
        assert "12.0 MiB of 48.0 MiB (25%)" in figures and "4.0 MiB/s" in figures and "ETA 9s" in figures
        assert "-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=5400;" in log_text(
            screen
        )
        fake.gate.set()
        await until(
            pilot,
            lambda: screen.progress.last is not None and screen.progress.last.bytes == 48 * MIB,
            "last progress",
        )
        assert bar.progress == 48 * MIB
        await confirm_shown(pilot, app)
        await pilot.press("escape")  # no: stop before change-master
        await until(pilot, lambda: screen.result is not None, "run finished")
        assert fake.ran == ["inspect", "stream"] and screen.result.failed_step == "change-master"


async def test_cancel_stops_a_running_step_that_replaces_no_data_at_once(tmp_path):
    app, fake = make_app(), FakeRun(hold="verify")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        first = await confirm_shown(pilot, app)
        await pilot.press(*"node2", "enter")
        second = await confirm_shown(pilot, app, other_than=first)
        assert second.step.id == "change-master"
        await pilot.press("y")
        await until(pilot, lambda: screen.step_list.state_of("verify") == "running", "verify running")
        await pilot.press("escape")
        await until(pilot, lambda: screen.result is not None, "run finished")
        assert not screen.result.ok and screen.result.failed_step == "verify"
        assert "cancelled" in screen.result.message
        assert screen.step_list.state_of("verify") == "cancelled"
        assert app.screen is screen  # still showing the outcome


async def stream_running(pilot, screen: WizardScreen) -> None:
    def running() -> bool:
        return screen.step_list.state_of("stream") == "running" and screen.progress.last is not None

    await until(pilot, running, "stream running")


async def test_cancelling_a_step_that_replaces_data_asks_first_and_only_yes_cancels(tmp_path):
    app, fake = make_app(), FakeRun(gate_open=True, block=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press(*"node2", "enter")
        await stream_running(pilot, screen)
        await pilot.press("escape")
        dialog = await cancel_dialog_shown(pilot, app)
        assert dialog.step.id == "stream"
        assert str(dialog.query_one("#cancel-restore-question", Static).render()) == (
            "Cancel the restore into node2? Its data will be left half-restored and marked; "
            "re-run the rebuild to repair it"
        )
        assert not screen.ctx.cancel.is_set()
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, "back on the wizard")
        await pilot.press("ctrl+c")  # the same question; ctrl+c or escape there keeps the step running
        await cancel_dialog_shown(pilot, app)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: app.screen is screen, "back on the wizard")
        await pilot.press("escape")
        await cancel_dialog_shown(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back on the wizard")
        await pilot.pause(0.1)
        assert screen.running and screen.step_list.state_of("stream") == "running"
        assert not screen.ctx.cancel.is_set()
        assert "not cancelled: the step goes on" in log_text(screen)
        await pilot.press("escape")
        await cancel_dialog_shown(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        assert (
            not screen.result.ok
            and screen.result.failed_step == "stream"
            and "cancelled" in screen.result.message
        )
        assert screen.step_list.state_of("stream") == "cancelled" and fake.ran == ["inspect", "stream"]
        assert app.screen is screen  # still showing the outcome


async def test_the_cancel_question_goes_away_when_the_step_ends_meanwhile(tmp_path):
    app, fake = make_app(), FakeRun(gate_open=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press(*"node2", "enter")
        await stream_running(pilot, screen)
        await pilot.press("escape")
        dialog = await cancel_dialog_shown(pilot, app)
        fake.gate.set()  # the restore finishes while the question is open
        await until(pilot, lambda: app.screen is not dialog, "the question gone")
        await until(pilot, lambda: screen.step_list.state_of("stream") == "done", "stream done")
        assert not screen.ctx.cancel.is_set()


def test_prefill_takes_subject_and_source_from_the_finding():
    f = Finding(
        Severity.CRITICAL, "sql_error", ("node2", "node1"), "1062", wizard="rebuild-replica", errno=1062
    )
    assert prefill("rebuild-replica", f, None, {}) == {"source": "node1", "replica": "node2"}
    assert prefill("resync-pair", f, None, {}) == {"authoritative": "node1", "other": "node2"}
    assert prefill("restart-replication", f, None, {}) == {"node": "node2"}
    assert prefill("heartbeat", f, None, {}) == {"source": "node1"}
    cut = Finding(
        Severity.CRITICAL,
        "io_error",
        ("node2", "node1"),
        "Last_IO_Error: " + canned.CRASH_RUNBOOK_1236,
        errno=1236,
    )
    relay = Finding(
        Severity.CRITICAL,
        "sql_error",
        ("node1", "node2"),
        "Last_Error: " + canned.CRASH_RUNBOOK_RELAY_ERROR,
        errno=1594,
    )
    assert prefill("repoint", cut, None, {}) == {"node": "node2", "next_binlog": True}
    assert prefill("repoint", relay, None, {}) == {"node": "node1", "from_exec_position": True}
    assert parse_options("repoint", options_text({"node": "node2", "next_binlog": True})) == {
        "node": "node2",
        "next_binlog": True,
    }
    with pytest.raises(ValueError):
        parse_options("repoint", "--bogus x")


async def test_w_opens_the_picker_from_the_selected_finding_with_its_plan():
    app = make_app(canned.broken_pair_1062)
    started = []
    app.start_wizard = lambda plan, **kw: started.append(plan)  # record instead of running against no server
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", "w")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, WizardPickerScreen)
        assert picker.selected == "resync-pair"  # the 1062 finding's advice in a master⇄master pair
        assert picker.options_input.value == "--authoritative node1 --other node2"
        shown = str(picker.plan_view.render())
        assert picker.plan is not None and picker.plan.render().splitlines()[0] in shown
        await pilot.press("up")  # rebuild-replica: source=nodes[1], replica=nodes[0]
        await pilot.pause()
        assert (
            picker.selected == "rebuild-replica"
            and picker.options_input.value == "--source node1 --replica node2"
        )
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.dashboard
        assert [p.wizard for p in started] == ["rebuild-replica"]


@pytest.mark.lab
async def test_restart_replication_through_the_confirm_dialog_on_the_lab(healthy_lab, tmp_path):
    from replui.config import load_config
    from replui.monitor import Monitor

    lab = healthy_lab
    lab.sql("node2", "STOP SLAVE IO_THREAD")
    monitor = Monitor(load_config(lab.config_path))
    app = ReplUIApp(monitor, theme="dark", poll=False)
    app.wizard_transcript_dir = tmp_path
    try:
        async with app.run_test(size=SIZE) as pilot:
            finding = next(
                f for f in app.findings if f.wizard == "restart-replication" and f.nodes[0] == "node2"
            )
            app.action_wizard(finding)
            await until(
                pilot, lambda: isinstance(app.screen, WizardPickerScreen) and app.screen.is_mounted, "picker"
            )
            await pilot.pause()
            assert app.screen.options_input.value == "--node node2" and app.screen.plan is not None
            await pilot.click("#picker-start")
            await confirm_shown(pilot, app)
            assert app.screen.step.id == "restart" and "STOP SLAVE" in app.screen.step.preview
            wizard = app.screen_stack[-2]
            assert isinstance(wizard, WizardScreen)
            polls = dict(app.poll_counts)
            await pilot.press("y")
            await until(pilot, lambda: wizard.result is not None, "run finished", rounds=6000)
            assert wizard.result.ok, wizard.result.message
            row = lab.replica_status("node2")
            assert row["Slave_IO_Running"] == "Yes" and row["Slave_SQL_Running"] == "Yes"
            await until(
                pilot,
                lambda: all(app.poll_counts[n] > polls[n] for n in polls),
                "dashboard refreshed",
                rounds=3000,
            )
            await pilot.pause()
            assert app.dashboard.pane("node2").row("ch0-io_running").row.value == "Yes"
            assert "✔ DONE" in wizard.outcome_message and "VERIFIED" not in wizard.outcome_message
    finally:
        monitor.close()


def wizard_parser():
    import argparse

    from replui.wizards.cli import add_wizard_parser

    parser = argparse.ArgumentParser(prog="replui")
    add_wizard_parser(parser.add_subparsers(dest="command"))
    return parser


@pytest.mark.parametrize("bad", ["-5", "0", "-0.5", "nan", "inf", "-inf", "soon"])
def test_timeout_must_be_a_finite_number_of_seconds_above_zero(bad, capsys):
    parser = wizard_parser()
    for argv in (["--timeout", bad], [f"--timeout={bad}"]):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["wizard", "repoint", "--node", "node2", *argv])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        if argv == ["--timeout", "-inf"]:  # argparse itself takes "-inf" for an option
            assert "argument --timeout: expected one argument" in err
        else:
            assert "argument --timeout: needs a number of seconds" in err and repr(bad) in err
    with pytest.raises(ValueError, match="--timeout needs a number of seconds"):
        parse_options("repoint", f"--node node2 --timeout {bad}")


def test_a_good_timeout_is_taken():
    assert (
        wizard_parser().parse_args(["wizard", "heartbeat", "--source", "node1", "--timeout", "2.5"]).timeout
        == 2.5
    )
    assert parse_options("heartbeat", "--timeout 30") == {"timeout": 30.0}


def test_set_repl_password_is_offered_by_the_command_line_and_the_picker():
    from replui.ui.screens.wizard_picker import REPL_PASSWORD_ENV, WIZARD_BLURBS, WIZARD_NAMES
    from replui.wizards.cli import WIZARD_NAMES as CLI_NAMES
    from replui.wizards.cli import _options
    from replui.wizards.plan import VERIFY_TIMEOUT

    assert "set-repl-password" in CLI_NAMES and set(WIZARD_NAMES) == set(CLI_NAMES) == set(WIZARD_BLURBS)
    args = wizard_parser().parse_args(
        ["wizard", "set-repl-password", "--node", "node2", "--repl-password-env", "NEW_PW"]
    )
    assert _options(args) == {"node": "node2", "repl_password_env": "NEW_PW", "timeout": VERIFY_TIMEOUT}
    f = Finding(
        Severity.CRITICAL, "io_error", ("node2", "node1"), "1045", wizard="set-repl-password", errno=1045
    )
    opts = prefill("set-repl-password", f, None, {})
    assert opts == {"node": "node2", "repl_password_env": REPL_PASSWORD_ENV}
    assert options_text(opts) == f"--node node2 --repl-password-env {REPL_PASSWORD_ENV}"
    assert parse_options("set-repl-password", options_text(opts)) == opts


async def test_the_picker_builds_set_repl_password_from_the_node_and_the_variable(monkeypatch):
    from replui.ui.screens.wizard_picker import REPL_PASSWORD_ENV, WIZARD_NAMES

    monkeypatch.setenv(REPL_PASSWORD_ENV, "n3w'pw")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        picker = WizardPickerScreen(app.config, app.statuses, node="node2")
        app.push_screen(picker)
        await until(pilot, lambda: app.screen is picker and picker.is_mounted, "picker")
        picker.wizard_list.highlighted = WIZARD_NAMES.index("set-repl-password")
        await until(
            pilot, lambda: picker.selected == "set-repl-password" and picker.plan is not None, "plan built"
        )
        assert picker.options_input.value == f"--node node2 --repl-password-env {REPL_PASSWORD_ENV}"
        shown = str(picker.plan_view.render())
        assert picker.plan.wizard == "set-repl-password" and "node2" in shown and "n3w'pw" not in shown


def test_the_outcome_says_verified_only_when_the_data_was_compared():
    from replui.ui.screens.wizard import outcome_text
    from replui.wizards.plan import Plan
    from replui.wizards.runner import RunResult

    plan = Plan("reset-replica", "Reset replica node2", "s", ())
    lost = RunResult(
        True, None, "all 7 steps done, but NOT verified: events lost", None, False, "events lost"
    )
    assert outcome_text(plan, lost).startswith("▲ DONE, NOT VERIFIED") and "✔" not in outcome_text(plan, lost)
    assert outcome_text(plan, RunResult(True, None, "done", None, True)).startswith("✔ VERIFIED")
    assert outcome_text(plan, RunResult(True, None, "done", None)).startswith("✔ DONE")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
async def test_a_signal_cancels_the_running_wizard_and_exits_as_a_shell_would(tmp_path, sig):
    import signal

    fake = FakeRun(gate_open=False, block=True)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        dialog = await confirm_shown(pilot, app)
        dialog.name_input.value = "node2"
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await until(pilot, lambda: "stream" in fake.ran, "stream running")
        app.stop_for_signal(getattr(signal, sig))
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
    assert app.return_code == 128 + getattr(signal, sig)
    assert screen.result.message.startswith(f"cancelled by {sig} at step stream")
    assert f"cancelled by {sig} at step stream" in screen.result.transcript_path.read_text()


async def test_a_signal_at_a_prompt_answers_no_and_exits(tmp_path):
    import signal

    fake = FakeRun()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        app.stop_for_signal(signal.SIGTERM)
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
    assert (
        app.return_code == 143 and fake.ran == ["inspect"] and "cancelled by SIGTERM" in screen.result.message
    )


# -- every terminal size: layout, the output that follows, dialogs that fit, words -----------------

#: Every size the wizard screen and its dialogs must work at (tmux on a jump host … a wide desktop).
ALL_SIZES = [(80, 24), (100, 30), (160, 45), (220, 50)]


def size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def start_plan(app, fake: FakeRun, plan, tmp_path) -> WizardScreen:
    """Start ``plan`` (steps made by ``fake``) on the wizard screen."""
    return app.start_wizard(plan, context=fake.context(app), refresh_statuses=False, transcript_dir=tmp_path)


def long_output_plan(fake: FakeRun, lines: int = 300):
    """Three steps: a long output, a destructive step (its confirm dialog covers the screen),
    then more output ending in ``verified: the last line``."""
    from replui.wizards.plan import Plan

    return Plan(
        "fake-long",
        "A long output (fake)",
        "A fake plan with a long output.",
        (
            fake.step("inspect", "Show node2's replica status", [f"status line {i}" for i in range(lines)]),
            fake.step(
                "change-master",
                "Point node2 at node1's coordinates",
                ["CHANGE MASTER done"],
                destructive=True,
            ),
            fake.step(
                "verify",
                "Verify node2 replicates",
                [f"verify line {i}" for i in range(lines)] + ["verified: the last line"],
            ),
        ),
    )


def shown_lines(log) -> list[str]:
    """The lines of ``log`` its region shows now."""
    top, height = int(log.scroll_y), log.scrollable_content_region.height
    return list(log.lines[top : top + height])


def inside(screen, widget) -> bool:
    """``widget`` is shown (a region of at least a row) wholly inside ``screen``'s region."""
    r = widget.region
    return widget.display and r.height > 0 and r.width > 0 and screen.region.contains_region(r)


def assert_layout(app, screen: WizardScreen) -> None:
    """The output keeps a third of the screen; the step list, the progress (when shown) and the
    outcome (when shown) are on screen and overlap nothing."""
    height = app.size.height
    log = screen.output
    assert log.region.height * 3 >= height, f"the output has {log.region.height} rows of {height}"
    assert log.scrollable_content_region.height >= 3
    assert inside(screen, log) and inside(screen, screen.step_list)
    assert screen.step_list.scrollable_content_region.height >= 3
    parts = [log, screen.step_list]
    for part in (screen.progress, screen.outcome):
        if part.display:
            assert inside(screen, part), part
            parts.append(part)
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            assert not a.region.overlaps(b.region), (a, b)


@pytest.mark.parametrize("size", ALL_SIZES, ids=size_id)
async def test_the_wizard_screen_fits_every_size_while_running_and_after_a_failure(tmp_path, size):
    app, fake = make_app(), FakeRun(gate_open=False)
    async with app.run_test(size=size) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press(*"node2", "enter")
        await stream_running(pilot, screen)
        await pilot.pause()
        assert screen.progress.display
        assert_layout(app, screen)
        fake.gate.set()
        await confirm_shown(pilot, app)
        await pilot.press("escape")  # no: the run fails at change-master
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        assert screen.outcome.display and not screen.result.ok
        assert_layout(app, screen)
        assert screen.outcome.region.height <= 3  # compact: it never pushes the output away
        assert str(screen.result.transcript_path) in screen.outcome_message


@pytest.mark.parametrize("size", ALL_SIZES, ids=size_id)
async def test_the_step_detail_has_room_or_is_one_key_away(tmp_path, size):
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=size) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        detail = screen.query_one("#wizard-detail")
        if size[0] >= 120:  # side by side
            assert inside(screen, detail) and detail.region.width >= 50
        else:  # the step list takes the width; d shows the detail in its place, d again the list
            assert not detail.display and screen.step_list.region.width >= size[0] - 2
            await pilot.press("d")
            await pilot.pause()
            assert inside(screen, detail) and detail.region.width >= size[0] - 2
            assert not screen.step_list.display
            await pilot.press("d")
            await pilot.pause()
            assert screen.step_list.display and not detail.display
        assert_layout(app, screen)


async def test_the_running_step_is_kept_in_view_in_a_short_step_list(tmp_path):
    import asyncio

    from replui.wizards.plan import OutputLine, Plan, Step

    async def quick(ctx):
        yield OutputLine("ok", "stdout")

    async def hold(ctx):
        yield OutputLine("holding", "stdout")
        await asyncio.Event().wait()

    steps = tuple(
        Step(
            id=f"s{i}",
            title=f"Check number {i} on node2",
            why="A check.",
            preview="SELECT 1",
            run=hold if i == 13 else quick,
            target="node2",
        )
        for i in range(1, 15)
    )
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = start_plan(app, fake, Plan("fake-many", "Many steps (fake)", "s", steps), tmp_path)
        await until(pilot, lambda: screen.is_mounted and screen.step_list.state_of("s13") == "running", "s13")
        await pilot.pause()
        steps_view, row = screen.step_list, screen.step_list.row("s13")
        top, height = steps_view.scroll_y, steps_view.scrollable_content_region.height
        assert top <= row.virtual_region.y and row.virtual_region.bottom <= top + height
        await pilot.press("escape")
        await until(pilot, lambda: screen.result is not None, "run finished")


@pytest.mark.parametrize("size", ALL_SIZES, ids=size_id)
async def test_the_output_follows_the_newest_line_through_a_dialog_and_the_outcome(tmp_path, size):
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=size) as pilot:
        screen = start_plan(app, fake, long_output_plan(fake), tmp_path)
        await confirm_shown(pilot, app)  # it covered the screen while 300 lines were written
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        assert screen.outcome.display
        log = screen.output
        assert log.is_vertical_scroll_end and "verified: the last line" in shown_lines(log)


async def test_page_keys_scroll_the_output_from_the_screen_and_end_follows_again(tmp_path):
    from replui.ui.screens.wizard import WizardOutput

    app, fake = make_app(), FakeRun()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = start_plan(app, fake, long_output_plan(fake), tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        log = screen.output
        assert screen.step_list.has_focus  # the keys act from the screen, the log need not be focused
        bottom = log.scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert log.scroll_y < bottom
        await pilot.press("home")
        await pilot.pause()
        assert log.scroll_y == 0
        screen.post_message(WizardOutput(["one more line"]))
        await pilot.pause()
        assert log.scroll_y == 0  # read back: new lines do not move the output
        await pilot.press("pagedown")
        await pilot.pause()
        assert log.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert log.is_vertical_scroll_end
        screen.post_message(WizardOutput(["and the newest line"]))
        await pilot.pause()
        assert log.is_vertical_scroll_end and "and the newest line" in shown_lines(log)
        keys = {key: b.binding for key, b in screen.active_bindings.items()}
        for key in ("escape", "pageup", "pagedown", "end", "tab", "question_mark"):
            assert key in keys and keys[key].show, key
        assert "PgUp" in str(log.border_subtitle)


async def long_confirm(pilot, app, fake: FakeRun, tmp_path, size):
    """The confirm dialog of the stream step with a long preview and why."""
    from dataclasses import replace

    from replui.wizards.plan import Plan

    plan = fake.plan()
    stream = plan.steps[1]
    long = replace(
        stream,
        preview="\n".join(f"mariadb-dump --part {i} shop | mariadb shop" for i in range(40)),
        why=" ".join(["The dump is streamed into the restore."] * 30),
    )
    plan = Plan(plan.wizard, plan.title, plan.summary, (plan.steps[0], long, *plan.steps[2:]))
    start_plan(app, fake, plan, tmp_path)
    return await confirm_shown(pilot, app)


@pytest.mark.parametrize("size", ALL_SIZES, ids=size_id)
async def test_the_confirm_dialog_fits_and_its_answer_is_always_visible(tmp_path, size):
    from textual.widgets import Button

    app, fake = make_app(), FakeRun()
    async with app.run_test(size=size) as pilot:
        dialog = await long_confirm(pilot, app, fake, tmp_path, size)
        await pilot.pause()
        box = dialog.query_one("#confirm-box")
        assert dialog.region.contains_region(box.region)
        body = dialog.query_one("#confirm-body")
        assert body.max_scroll_y > 0  # the long parts scroll inside the box
        for w in (dialog.name_input, dialog.confirm_button, dialog.query_one("#confirm-no", Button)):
            assert inside(dialog, w) and box.region.contains_region(w.region), w
            assert not w.region.overlaps(body.region)
        await pilot.press(*"node2", "enter")
        second = await confirm_shown(pilot, app, other_than=dialog)
        for w in (second.confirm_button, second.query_one("#confirm-no", Button)):
            assert inside(second, w), w
        await pilot.press("n")


@pytest.mark.parametrize("size", ALL_SIZES, ids=size_id)
async def test_the_cancel_question_fits_every_size(tmp_path, size):
    from textual.widgets import Button

    app, fake = make_app(), FakeRun(gate_open=True, block=True)
    async with app.run_test(size=size) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press(*"node2", "enter")
        await stream_running(pilot, screen)
        await pilot.press("escape")
        dialog = await cancel_dialog_shown(pilot, app)
        await pilot.pause()
        for bid in ("#cancel-restore-yes", "#cancel-restore-no"):
            assert inside(dialog, dialog.query_one(bid, Button)), bid
        assert dialog.region.contains_region(dialog.query_one("#cancel-restore-box").region)
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")


async def test_walk_a_wizard_through_its_confirm_dialog_at_80x24(tmp_path):
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        dialog = await confirm_shown(pilot, app)
        assert dialog.needs_name and dialog.name_input.has_focus and inside(dialog, dialog.name_input)
        await pilot.press(*"node2")
        await pilot.pause()
        assert not dialog.confirm_button.disabled and inside(dialog, dialog.confirm_button)
        await pilot.press("enter")
        second = await confirm_shown(pilot, app, other_than=dialog)
        assert fake.ran == ["inspect", "stream"] and second.step.id == "change-master"
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        assert screen.result.ok and fake.ran == ["inspect", "stream", "change-master", "verify"]
        assert "verified: node2 runs both threads" in shown_lines(screen.output)
        assert_layout(app, screen)


async def test_the_step_detail_shows_the_exact_statements_once_rendered(tmp_path):
    from dataclasses import replace

    from replui.wizards.plan import Plan

    exact = (
        "STOP SLAVE;\nCHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000009', MASTER_LOG_POS=77;\nSTART SLAVE;"
    )
    fake = FakeRun()
    plan = fake.plan()
    cm = replace(plan.steps[2], render=lambda ctx: exact)
    plan = Plan(plan.wizard, plan.title, plan.summary, (*plan.steps[:2], cm, plan.steps[3]))
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = start_plan(app, fake, plan, tmp_path)
        first = await confirm_shown(pilot, app)
        screen.show_step(2)
        assert "MASTER_LOG_POS=5400" in str(
            screen.query_one("#step-preview", Static).render()
        )  # the plan's text
        await pilot.press(*"node2", "enter")
        second = await confirm_shown(pilot, app, other_than=first)
        assert exact in str(second.query_one("#confirm-preview", Static).render())
        assert exact in str(screen.query_one("#step-preview", Static).render())  # the same text as the dialog
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        screen.show_step(2)
        assert exact in str(screen.query_one("#step-preview", Static).render())


async def test_a_finished_step_shows_its_progress_complete(tmp_path):
    from replui.wizards.plan import OutputLine, Plan, Progress, Step

    async def copy(ctx):
        yield OutputLine("copying", "stdout")
        yield Progress(bytes=12 * MIB, seconds=3.0, total=48 * MIB)  # the last event: 25 %

    fake = FakeRun()
    plan = Plan(
        "fake-copy",
        "Copy (fake)",
        "s",
        (
            Step(
                id="copy",
                title="Copy node1's dump to node2",
                why="w",
                preview="scp",
                run=copy,
                target="node2",
            ),
            fake.plan().steps[2],
        ),
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = start_plan(app, fake, plan, tmp_path)
        await confirm_shown(pilot, app)
        assert screen.step_list.state_of("copy") == "done"
        assert screen.progress.display and screen.progress.bar.percentage == 1.0
        await pilot.press("n")


def test_each_wizard_screen_explains_itself():
    from replui.ui.screens.confirm import CancelRestoreScreen, ConfirmScreen

    for cls in (WizardScreen, ConfirmScreen, CancelRestoreScreen):
        assert isinstance(cls.HELP, str) and len(cls.HELP) > 200, cls
    for word in (
        "✔",
        "✖",
        "■",
        "↷",
        "?",
        "▶",
        "VERIFIED",
        "DONE, NOT VERIFIED",
        "PgUp",
        "End",
        "tab",
        "escape",
    ):
        assert word in WizardScreen.HELP, word
    assert "node" in ConfirmScreen.HELP and "half-restored" in CancelRestoreScreen.HELP


async def test_question_mark_shows_the_help_of_the_wizard_screen(tmp_path):
    from replui.ui.screens.help import HelpScreen

    app, fake = make_app(), FakeRun()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        assert app.screen.text == WizardScreen.HELP


async def test_a_focused_pane_shows_it(tmp_path):
    app, fake = make_app(), FakeRun()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        log = screen.output
        unfocused = log.styles.border_top
        assert screen.step_list.has_focus and screen.step_list.styles.border_top != unfocused
        while not log.has_focus:
            await pilot.press("tab")
        await pilot.pause()
        assert log.styles.border_top != unfocused


# -- the words: a step is named the same way everywhere, no word twice -------------------------------


def every_plan():
    """One plan of every wizard of the catalogue (and the variants of the plan tests)."""
    import os
    from dataclasses import replace

    from replui.wizards.catalogue import NAMES, build_plan

    os.environ.setdefault("REPLUI_TEST_PW", "s3cret")
    cases = [
        ("restart-replication", canned.unreachable_pair, {"node": "node1"}),
        ("repoint", canned.crashed_pair_after_hard_crash, {"node": "node2", "next_binlog": True}),
        ("repoint", canned.crashed_pair_after_hard_crash, {"node": "node1", "from_exec_position": True}),
        ("reset-replica", canned.replica_of_a_purged_source, {"node": "replica"}),
        ("heartbeat", canned.four_nodes, {"source": "src"}),
        ("rebuild-replica", canned.replica_1062, {"source": "source", "replica": "replica"}),
        (
            "rebuild-replica",
            canned.replica_1062,
            {"source": "source", "replica": "replica", "databases": "shop,crm", "via_file": True},
        ),
        ("resync-pair", canned.broken_pair_1062, {"authoritative": "node1", "other": "node2"}),
        ("add-replica", canned.chain_three, {"source": "a", "replica": "c"}),
        ("set-repl-password", canned.healthy_pair, {"node": "node2", "repl_password_env": "REPLUI_TEST_PW"}),
        ("create-repl-user", canned.healthy_pair, {"node": "node2", "repl_password_env": "REPLUI_TEST_PW"}),
        ("reset-replica", canned.healthy_pair, {"node": "node2", "source": "node1"}),
        ("compare-data", canned.healthy_pair, {"source": "node1", "replica": "node2"}),
        ("rebuild-replica", canned.healthy_pair, {"source": "node1", "replica": "node2"}),
    ]
    plans = []
    for name, scenario, options in cases:
        cfg, sts = scenario()
        if name == "add-replica":  # c must not be a replica yet
            sts = [replace(s, channels=()) if s.name == "c" else s for s in sts]
        if name == "reset-replica" and "source" in options:  # master.info unreadable: no replica status
            sts = [replace(s, channels=()) if s.name == options["node"] else s for s in sts]
        if name == "rebuild-replica" and scenario is canned.healthy_pair:  # no status: the metadata reset
            sts = [replace(s, channels=()) if s.name == options["replica"] else s for s in sts]
            options = {**options, "repl_user": "repl", "repl_password_env": "REPLUI_TEST_PW"}
        plans.append(build_plan(name, cfg, sts, **options))
    assert {p.wizard for p in plans} == set(NAMES)
    return plans


DOUBLED = __import__("re").compile(r"(?<![\w'])([\w']+(?: [\w']+)?) \1(?![\w'])")


def test_every_step_title_names_its_target_once():
    import re

    for plan in every_plan():
        for s in (*plan.steps, *(s.undo for s in plan.steps if s.undo is not None)):
            if s.target:
                assert re.search(rf"(?<![\w-]){re.escape(s.target)}(?![\w-])", s.title), (
                    plan.wizard,
                    s.title,
                )
            assert not DOUBLED.search(s.title), (plan.wizard, s.title)


def test_every_place_that_shows_a_step_names_it_the_same_way_without_doubled_words():
    import re

    from replui.ui.screens.confirm import confirm_title
    from replui.ui.screens.wizard import output_separator, step_heading
    from replui.ui.widgets.step_list import step_label
    from replui.wizards.plan import StepStatus

    for plan in every_plan():
        n = len(plan.steps)
        for i, s in enumerate(plan.steps, 1):
            places = [
                step_label(i, s, StepStatus.DONE),
                step_heading(i, n, s, StepStatus.RUNNING),
                output_separator(i, n, s),
                confirm_title(s),
            ]
            for text in places:
                assert s.title in text and not DOUBLED.search(text), (plan.wizard, text)
                if s.target:
                    word = re.compile(rf"(?<![\w-]){re.escape(s.target)}(?![\w-])")
                    assert len(word.findall(text)) == len(word.findall(s.title)), text


async def test_the_undo_offered_after_a_no_is_asked_and_run_on_the_wizard_screen(tmp_path):
    from dataclasses import replace

    from replui.wizards.plan import OutputLine, Plan, Step

    async def start_again(ctx):
        yield OutputLine("replication started again", "stdout")

    fake = FakeRun()
    undo = Step(
        id="undo-inspect",
        title="Start replication on node2 again",
        why="Undo.",
        preview="START SLAVE;",
        run=start_again,
        target="node2",
        destructive=True,
    )
    base = fake.plan()
    inspect = replace(base.steps[0], undo=undo, leaves="replication is stopped on node2")
    plan = Plan("fake-undo", "Undo (fake)", "s", (inspect, base.steps[2]))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = start_plan(app, fake, plan, tmp_path)
        first = await confirm_shown(pilot, app)
        await pilot.press("n")  # no to change-master: the undo of inspect is offered
        second = await confirm_shown(pilot, app, other_than=first)
        assert second.step.id == "undo-inspect"
        assert "Start replication on node2 again" in str(second.query_one("#confirm-title", Static).render())
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()
        assert app.screen is screen and screen.step_list.state_of("change-master") == "declined"
        assert "replication started again" in log_text(screen)
