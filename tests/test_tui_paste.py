"""The paste screen (``p`` on the dashboard): pasted status text read as ``replui
diagnose`` reads it, with the same findings; a message naming the line for text it
cannot read; no wizard from pasted nodes. SVG snapshot of the crash runbook's two
excerpts at 80x24 and 160x45 (regenerate with ``--snapshot-update``)."""

from __future__ import annotations

from pathlib import Path

import canned
import pytest
from tui_helpers import SIZES, make_app, until

from replui.analysis.findings import analyse
from replui.paste import read_pastes
from replui.ui.screens.dashboard import DashboardScreen
from replui.ui.screens.paste import PasteScreen
from replui.ui.screens.wizard_picker import WizardPickerScreen

HERE = Path(__file__).parent / "pastes" / "crash_runbook"
CRASH = (
    "-- node node1\n"
    + (HERE / "node1.txt").read_text()
    + "-- node node2\n"
    + (HERE / "node2.txt").read_text()
)


async def open_paste(pilot, app) -> PasteScreen:
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, PasteScreen), "paste screen shown")
    return app.screen


async def test_pasted_text_gives_the_findings_replui_diagnose_gives():
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_paste(pilot, app)
        assert screen.message == "Nothing pasted yet."
        screen.text_area.load_text(CRASH)
        await until(pilot, lambda: screen.findings, "findings read")
        want = analyse(read_pastes([("pasted", CRASH)]).statuses)
        assert [(f.code, f.nodes) for f in screen.findings] == [(f.code, f.nodes) for f in want]
        assert "no live connection" in screen.message and "Findings: 2 critical." in screen.message
        table = screen.query_one("#findings-table")
        assert table.row_count == len(want)


async def test_text_it_cannot_read_shows_the_line_and_keeps_the_last_findings():
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_paste(pilot, app)
        screen.text_area.load_text(CRASH)
        await until(pilot, lambda: screen.findings, "findings read")
        before = list(screen.findings)
        screen.text_area.load_text("  Master_Log_File: mysql-bin.000001\n  Read_Master_Log_Pos: twelve\n")
        await until(pilot, lambda: screen.message.startswith("pasted:2:"), "the message naming line 2")
        assert screen.result.has_class("-error") and screen.findings == before


async def test_no_wizard_from_a_pasted_node_and_escape_goes_back():
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_paste(pilot, app)
        screen.text_area.load_text(CRASH)
        await until(pilot, lambda: screen.findings, "findings read")
        screen.query_one("#findings-table").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PasteScreen) and not isinstance(app.screen, WizardPickerScreen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "back on the dashboard")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_paste_screen_with_the_crash_runbooks_excerpts(snap_compare, size):
    app = make_app(canned.healthy_pair)

    async def run_before(pilot) -> None:
        app.push_screen(PasteScreen(CRASH))
        await until(pilot, lambda: isinstance(app.screen, PasteScreen), "paste screen shown")
        await until(pilot, lambda: app.screen.findings, "findings read")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
