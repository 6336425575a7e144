"""A short walkthrough in the real TUI (Pilot) on the real lab: the lab is
broken, a hint is asked for, the wizard runs in teaching mode (every step's
why acknowledged, also the steps that only read), and the check ends the
session with its verdict, time and hints used. Also ``--free`` mode and the
training record."""

from __future__ import annotations

import pytest

from replui.config import load_config
from replui.lab.scenarios import BreakOptions
from replui.training import TrainingSession
from replui.ui.widgets.training_banner import banner_text

pytestmark = pytest.mark.lab


async def test_a_walkthrough_from_break_to_verified_repair(healthy_lab, tmp_path) -> None:
    from tui_helpers import answer_every_question, refresh, until

    from replui.monitor import Monitor
    from replui.ui.app import ReplUIApp
    from replui.ui.screens.confirm import confirm_kind
    from replui.ui.screens.training import TrainingDoneScreen
    from replui.ui.widgets.training_banner import TrainingBanner
    from replui.wizards import catalogue

    session = TrainingSession.begin(healthy_lab.dir, "crash-truncated-binlog", options=BreakOptions(seed=5))
    config = load_config(healthy_lab.config_path)
    monitor = Monitor(config)
    app = ReplUIApp(monitor, theme="dark", poll=False, training=session)
    app.wizard_transcript_dir = tmp_path / "transcripts"
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await refresh(app, pilot)
            assert app.sub_title == "training: crash-truncated-binlog"
            codes = {(f.code, f.errno) for f in app.findings if f.nodes[:1] == ("node2",)}
            assert ("io_error", 1236) in codes
            banner = app.dashboard.query_one(TrainingBanner)
            assert str(banner.render()).startswith(
                " TRAINING crash-truncated-binlog │ h hint 0/3 · c check │ "
            )
            await pilot.press("h")
            assert len(session.hints_shown) == 1
            banner.refresh_text()
            assert "h hint 1/3" in str(banner.render())
            plan = catalogue.build_plan(
                "repoint", config, list(app.statuses.values()), node="node2", next_binlog=True
            )
            screen = app.start_wizard(plan)
            assert screen.teaching
            kinds: list[str] = []

            async def answer(dialog):
                kinds.append(confirm_kind(dialog.step))
                await pilot.press("y")

            await answer_every_question(pilot, app, screen, answer)
            assert screen.result.ok, screen.result.message
            assert len(kinds) == len(plan.steps)  # every step acknowledged, not only the destructive ones
            assert any("only reads" in k for k in kinds)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.dashboard, "back on the dashboard")
            await pilot.press("c")
            await until(
                pilot, lambda: isinstance(app.screen, TrainingDoneScreen), "the end of the session", 20000
            )
            text = "\n".join(app.screen.lines)
            assert "✔ repaired in" in banner_text(session)
    finally:
        monitor.close()
    assert "Verdict: healthy" in text
    assert "Hints used: 1 of 3" in text
    assert "Time taken:" in text
    record = session.write_record(tmp_path / "records")
    body = record.read_text(encoding="utf-8")
    assert "# replui training: crash-truncated-binlog" in body and "Verdict: healthy" in body
    assert healthy_lab.admin_password not in body


def test_free_mode_gives_hints_and_checks_a_repair_made_by_hand(
    healthy_lab, tmp_path, capsys, monkeypatch
) -> None:
    import argparse

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    from replui.train_cli import run_train

    answers = iter(["h", "c", "fix", "c"])
    lab = healthy_lab

    def ask(_prompt: str) -> str:
        a = next(answers)
        if a == "fix":  # the trainee, in another terminal: the hint's repair, by hand
            lab.sql(
                "node2",
                ["STOP SLAVE", f"SET GLOBAL server_id={lab.node('node2').server_id:d}", "START SLAVE"],
            )
            return ""
        return a

    args = argparse.Namespace(dir=str(lab.dir), scenario="duplicate-server-id", free=True, seed=2)
    assert run_train(args, ask=ask) == 0
    out = capsys.readouterr().out
    assert "Training: duplicate-server-id" in out
    assert "not yet healthy:" in out and "same server_id" in out
    assert "Verdict: healthy" in out and "Hints used: 1 of 3" in out
    (record,) = (tmp_path / "state" / "replui" / "transcripts").glob("*-train-duplicate-server-id.md")
    assert "Hints shown" in record.read_text(encoding="utf-8")
