"""SVG snapshots of the wizard screen at both sizes of ``SIZES`` (80x24, the
tmux of a jump host, and 160x45), replui-dark, canned statuses, the fake plan
of tests/tui_helpers.py — fixed figures, no clock on screen: at the confirm
dialog of the step that replaces data, at the yes/no dialog of the next
step, mid-stream with the progress bar at 25 %, and finished after a no
(the outcome under the output). Regenerate with ``--snapshot-update`` and
look at the SVGs in tests/__snapshots__/test_tui_wizard_snapshots/."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from tui_helpers import SIZES, FakeRun, confirm_shown, make_app, start_wizard, until

from replui.wizards import runner


@pytest.fixture(autouse=True)
def fixed_step_clock(monkeypatch):
    """The runner's step timings ("done in 0.00 s") read a clock that stands
    still, so the log on screen is the same on every run (only the runner's
    own module reference is replaced; Textual and asyncio keep the real clock)."""
    monkeypatch.setattr(
        runner,
        "time",
        SimpleNamespace(
            monotonic=lambda: 1000.0, time=time.time, strftime=time.strftime, localtime=time.localtime
        ),
    )


@pytest.fixture(autouse=True)
def fixed_transcript_path(monkeypatch, tmp_path):
    """The transcript's path is on screen: its file name carries a fixed time
    here, and its directory (the test's own) is the home directory, shown as ``~``."""
    from replui.wizards import transcript

    monkeypatch.setattr(
        transcript, "time", SimpleNamespace(strftime=lambda fmt, *a: "20260101T000000Z", gmtime=time.gmtime)
    )
    monkeypatch.setenv("HOME", str(tmp_path))


def started(tmp_path, fake: FakeRun):
    app = make_app()

    async def run_before(pilot) -> None:
        await start_wizard(app, pilot, fake, tmp_path)
        await confirm_shown(pilot, app)
        await pilot.pause()

    return app, run_before


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_wizard_screen_at_the_confirm_dialog(snap_compare, tmp_path, size):
    app, run_before = started(tmp_path, FakeRun())
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_wizard_screen_at_the_yes_no_dialog(snap_compare, tmp_path, size):
    app, confirm = started(tmp_path, FakeRun())

    async def run_before(pilot) -> None:
        await confirm(pilot)
        first = app.screen
        await pilot.press(*"node2", "enter")
        await confirm_shown(pilot, app, other_than=first)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_wizard_screen_mid_stream_with_progress(snap_compare, tmp_path, size):
    fake = FakeRun(gate_open=False)
    app, confirm = started(tmp_path, fake)

    async def run_before(pilot) -> None:
        await confirm(pilot)
        await pilot.press(*"node2", "enter")
        screen = app.screen
        await until(pilot, lambda: screen.progress.last is not None, "first progress")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
def test_wizard_screen_finished_after_a_no(snap_compare, tmp_path, size):
    app, confirm = started(tmp_path, FakeRun())

    async def run_before(pilot) -> None:
        await confirm(pilot)
        first = app.screen
        await pilot.press(*"node2", "enter")
        await confirm_shown(pilot, app, other_than=first)
        screen = app.screen_stack[-2]
        await pilot.press("n")
        await until(pilot, lambda: screen.result is not None, "run finished")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
