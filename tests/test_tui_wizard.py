"""The wizard screen driven by Pilot: a fake plan of fake steps
(``tui_helpers.FakeRun``) on canned statuses (confirm dialog before each destructive step, \
the node's name typed
for a step that replaces data, declining stops the run, output in the log,
the progress bar advancing, cancel), the picker pre-filled from a finding,
and restart-replication walked through its confirm dialog on the real lab."""

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
        assert screen.outcome.display and "✔ DONE" in str(
            screen.outcome.render()
        )  # no data was compared: not "verified"
        assert screen.result.transcript_path and screen.result.transcript_path.exists()
        assert str(screen.result.transcript_path) in str(screen.outcome.render())
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
        assert "declined" in str(screen.outcome.render()) and "Stream node1's dump into node2" in str(
            screen.outcome.render()
        )


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
        Severity.CRITICAL, "io_error", ("node2", "node1"), "Last_IO_Error: " + canned.SEED002_1236, errno=1236
    )
    relay = Finding(
        Severity.CRITICAL, "sql_error", ("node1", "node2"), "Last_Error: " + canned.SEED002_RELAY, errno=1594
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
            assert "✔ DONE" in str(wizard.outcome.render()) and "VERIFIED" not in str(wizard.outcome.render())
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

    assert "set-repl-password" in CLI_NAMES and set(WIZARD_NAMES) == set(CLI_NAMES) == set(WIZARD_BLURBS)
    args = wizard_parser().parse_args(
        ["wizard", "set-repl-password", "--node", "node2", "--repl-password-env", "NEW_PW"]
    )
    assert _options(args) == {"node": "node2", "repl_password_env": "NEW_PW", "timeout": 60.0}
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
