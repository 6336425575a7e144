"""A long session must not grow with every screen switch: Textual's Footer
keeps a binding to each key it ever showed (Textualize/textual#6666), so
opening and closing the help 40 times left about 300 dead footer keys alive
and made full garbage collections — pauses of the whole TUI — ever longer.
replui's footer drops the bindings of keys that are gone."""

from __future__ import annotations

import gc

from textual.widgets._footer import FooterKey
from tui_helpers import make_app, until

from replui.ui.screens.help import HelpScreen


def footer_keys_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FooterKey))


async def open_and_close_help(app, pilot, times: int) -> None:
    for _ in range(times):
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), "help closed")
    await pilot.pause()


async def test_opening_and_closing_a_dialog_leaves_no_footer_keys_behind():
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await open_and_close_help(app, pilot, 3)  # warm up: every screen has been shown once
        before = footer_keys_alive()
        await open_and_close_help(app, pilot, 40)
        after = footer_keys_alive()
    assert after - before < 20, f"{after - before} footer keys left behind by 40 dialogs"
