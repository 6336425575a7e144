"""SVG snapshots of the wizard picker and the help dialog (replui-dark,
canned statuses, real analysis): the picker opened with ``w`` on the broken
pair's first finding (resync-pair pre-filled) at 80x24 and 160x45, and the
dashboard's help at 80x24. Regenerate with ``--snapshot-update`` and look at
the SVGs in tests/__snapshots__/test_tui_picker_snapshots/."""

from __future__ import annotations

import canned
import pytest
from tui_helpers import SIZES, make_app, until

from replui.ui.screens.help import HelpScreen
from replui.ui.screens.wizard_picker import WizardPickerScreen


@pytest.mark.parametrize("size", list(SIZES))
def test_the_picker_on_the_broken_pairs_first_finding(snap_compare, size):
    app = make_app(canned.broken_pair_1062)

    async def run_before(pilot) -> None:
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WizardPickerScreen), "picker shown")
        await until(pilot, lambda: app.screen.plan is not None, "plan built")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_the_help_dialog_at_80x24(snap_compare):
    app = make_app(canned.broken_pair_1062)

    async def run_before(pilot) -> None:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help shown")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES["80x24"], run_before=run_before)
