"""The wizard picker and the help dialog driven by Pilot over canned statuses:
they fit the terminal (80x24 to 220x50), their keys, and a healthy pair's
picker that types nothing for the operator and cannot start before a wizard
is chosen."""

from __future__ import annotations

import canned
import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Footer
from tui_helpers import make_app, until

from replui.model import Finding, Severity
from replui.ui.screens.help import HELP_TEXT, HelpScreen
from replui.ui.screens.wizard_picker import WIZARD_NAMES, WizardPickerScreen

ALL_SIZES = [(80, 24), (100, 30), (160, 45), (220, 50)]


def recording(app) -> list:
    """Make ``app.start_wizard`` record the plans it is given instead of running them."""
    started: list = []
    app.start_wizard = lambda plan, **kw: started.append(plan)
    return started


async def open_picker(app, pilot) -> WizardPickerScreen:
    """Press w on the dashboard and wait for the picker to be shown."""
    await pilot.press("w")
    await until(pilot, lambda: isinstance(app.screen, WizardPickerScreen), "picker shown")
    await pilot.pause()
    picker = app.screen
    assert isinstance(picker, WizardPickerScreen)
    return picker


def fully_shown(widget: Widget, screen_region: Region) -> bool:
    """``widget`` is displayed, has a size and lies inside ``screen_region``."""
    r = widget.region
    return widget.display and r.width > 0 and r.height > 0 and screen_region.contains_region(r)


def start_button(picker: WizardPickerScreen) -> Button:
    return picker.query_one("#picker-start", Button)


# -- it fits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ALL_SIZES, ids=[f"{w}x{h}" for w, h in ALL_SIZES])
async def test_the_picker_list_input_and_buttons_are_on_screen(size):
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=size) as pilot:
        picker = await open_picker(app, pilot)
        screen = picker.region
        assert screen == Region(0, 0, *size)
        for widget in (
            picker.wizard_list,
            picker.options_input,
            start_button(picker),
            picker.query_one("#picker-close", Button),
            picker.query_one("#picker-plan-scroll"),
        ):
            assert fully_shown(widget, screen), (widget, widget.region, screen)
        footer = picker.query_one(Footer)
        assert fully_shown(footer, screen) and footer.region.bottom == size[1]


async def test_narrow_stacks_the_list_above_the_plan_wide_puts_them_side_by_side():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(app, pilot)
        lst, plan = picker.wizard_list.region, picker.query_one("#picker-plan-scroll").region
        assert picker.has_class("-narrow") and lst.bottom <= plan.y
        await pilot.resize_terminal(160, 45)
        await until(pilot, lambda: picker.has_class("-wide"), "wide layout")
        await pilot.pause()
        lst, plan = picker.wizard_list.region, picker.query_one("#picker-plan-scroll").region
        assert lst.right <= plan.x and lst.y == plan.y


async def test_the_plan_scrolls_and_says_how():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(app, pilot)
        scroll = picker.query_one("#picker-plan-scroll")
        assert scroll.max_scroll_y > 0  # the resync plan is longer than the pane at 80x24
        assert "scroll" in str(scroll.border_subtitle)
        scroll.focus()
        await pilot.press("pagedown")
        await until(pilot, lambda: scroll.scroll_y > 0, "plan scrolled")


# -- a healthy pair: nothing typed for the operator ---------------------------------------------------


async def test_w_on_a_healthy_pair_prefills_nothing_and_cannot_start():
    app = make_app(canned.healthy_pair)
    started = recording(app)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        assert picker.finding is None or picker.finding.severity is Severity.OK
        assert picker.options_input.value == ""
        assert picker.plan is None and start_button(picker).disabled
        assert "No problem selected: pick a wizard, then its options" in str(
            picker.query_one("#picker-about").render()
        )
        for key in ("enter", "ctrl+s"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is picker and started == [], key
        await pilot.click("#picker-start")
        await pilot.pause()
        assert app.screen is picker and started == []


async def test_after_choosing_a_wizard_the_healthy_pair_plan_can_start():
    app = make_app(canned.healthy_pair)
    started = recording(app)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        await pilot.press("down")  # the operator chooses the first wizard
        await until(pilot, lambda: picker.plan is not None, "plan built")
        assert picker.selected == WIZARD_NAMES[0] and not start_button(picker).disabled
        await pilot.press("ctrl+s")
        await until(pilot, lambda: started, "started")
        assert [p.wizard for p in started] == [WIZARD_NAMES[0]]


@pytest.mark.parametrize(
    ("finding", "about"),
    [
        (None, "No problem selected: pick a wizard, then its options"),
        (
            Finding(Severity.OK, "replication_ok", ("node2", "node1"), "both threads run"),
            "No problem selected: pick a wizard, then its options",
        ),
        (
            Finding(Severity.WARNING, "read_only_off", ("node2",), "node2 is writable"),
            "Finding read_only_off on node2 names no wizard",
        ),
    ],
    ids=["no-finding", "ok-finding", "finding-naming-no-wizard"],
)
async def test_no_wizard_named_prefills_nothing_whether_from_a_node_or_a_finding(finding, about):
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = WizardPickerScreen(app.config, app.statuses, finding, "node2" if finding is None else None)
        app.push_screen(picker)
        await until(pilot, lambda: app.screen is picker and picker.is_mounted, "picker")
        await pilot.pause()
        assert picker.options_input.value == "" and picker.plan is None and picker.selected is None
        assert start_button(picker).disabled and picker.wizard_list.highlighted is None
        assert about in str(picker.query_one("#picker-about").render())
        await pilot.press("down")  # choosing a wizard fills its options in from the node
        await until(pilot, lambda: picker.plan is not None, "plan built")
        assert picker.options_input.value == "--node node2"


async def test_a_finding_naming_a_wizard_still_prefills_it():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        assert picker.finding is not None and picker.finding.wizard == "resync-pair"
        assert picker.selected == "resync-pair"
        assert picker.options_input.value == "--authoritative node1 --other node2"
        assert picker.plan is not None and not start_button(picker).disabled


async def test_one_click_on_a_wizard_chooses_it_a_second_click_starts_it():
    app = make_app(canned.broken_pair_1062)
    started = recording(app)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        lst = picker.wizard_list
        y = next(i for i, line in enumerate(lst._lines) if line[0] == WIZARD_NAMES.index("heartbeat"))
        await pilot.click(lst, offset=(4, 1 + y - int(lst.scroll_y)))
        await until(pilot, lambda: picker.selected == "heartbeat" and picker.plan is not None, "chosen")
        assert app.screen is picker and started == []
        await pilot.click(lst, offset=(4, 1 + y - int(lst.scroll_y)))
        await until(pilot, lambda: started, "started")
        assert [p.wizard for p in started] == ["heartbeat"]


# -- keys ------------------------------------------------------------------------------------------


async def test_the_picker_footer_shows_its_own_keys():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        assert picker.query(Footer)
        shown = {k: b.binding.description for k, b in picker.active_bindings.items() if b.binding.show}
        assert shown.get("escape") == "Close" and shown.get("ctrl+s") == "Start"
        assert shown.get("enter") == "Start" and shown.get("question_mark") == "Help"
        assert "tab" in shown
        picker.options_input.focus()
        await pilot.pause()
        shown = {k: b.binding.description for k, b in picker.active_bindings.items() if b.binding.show}
        assert shown.get("enter") == "Start" and shown.get("ctrl+s") == "Start"


async def test_q_closes_the_picker_unless_typing_in_the_options():
    app = make_app(canned.broken_pair_1062)
    started = recording(app)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        picker.options_input.focus()
        await pilot.press("end", "space", "q")
        await pilot.pause()
        assert app.screen is picker and picker.options_input.value.endswith(" q")
        await pilot.press("backspace", "backspace", "tab")  # the plan builds again; on to Start
        await pilot.pause()
        assert app.focused is start_button(picker)
        await pilot.press("q")
        await until(pilot, lambda: app.screen is app.dashboard, "picker closed")
        assert started == []


async def test_escape_closes_and_ctrl_s_starts_from_any_field():
    app = make_app(canned.broken_pair_1062)
    started = recording(app)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_picker(app, pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.dashboard, "picker closed")
        picker = await open_picker(app, pilot)
        picker.options_input.focus()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: started, "started")
        assert [p.wizard for p in started] == ["resync-pair"]


async def test_tab_moves_through_list_plan_options_and_buttons_with_the_focus_visible():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(160, 45)) as pilot:
        picker = await open_picker(app, pilot)
        order = ["picker-list", "picker-plan-scroll", "picker-options", "picker-start", "picker-close"]
        seen = []
        for _ in order:
            assert app.focused is not None
            seen.append(app.focused.id)
            await pilot.press("tab")
            await pilot.pause()
        assert seen == order
        for wid in order[:3]:
            widget = picker.query_one(f"#{wid}")
            widget.focus()
            await pilot.pause()
            focused = widget.styles.border_top
            picker.query_one("#picker-close").focus()
            await pilot.pause()
            assert widget.styles.border_top != focused, wid


async def test_question_mark_on_the_picker_shows_the_picker_help():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(app, pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help shown")
        help_screen = app.screen
        assert help_screen.text == WizardPickerScreen.HELP
        assert "Wizard picker" in str(help_screen.query_one("#help-box").border_title)
        assert "--dry-run" in WizardPickerScreen.HELP and "ctrl+s" in WizardPickerScreen.HELP
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen is picker, "back on the picker")


# -- the help dialog -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
async def test_the_dashboard_help_fits_at_80x24_with_its_title_and_closes(key):
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help shown")
        await pilot.pause()
        help_screen = app.screen
        box = help_screen.query_one("#help-box")
        assert fully_shown(box, help_screen.region)
        text = getattr(app.dashboard, "HELP", None) or HELP_TEXT  # the dashboard's help, else the default
        assert help_screen.text == text and str(box.border_title) == text.splitlines()[0]
        assert "scroll" in str(box.border_subtitle) and "escape, q or ? close" in str(box.border_subtitle)
        await pilot.press(key)
        await until(pilot, lambda: app.screen is app.dashboard, "help closed")


async def test_a_help_taller_than_the_terminal_scrolls():
    app = make_app(canned.healthy_pair)
    text = "A long help\n\n" + "\n".join(f"line {i}" for i in range(60)) + "\nthe last line"
    async with app.run_test(size=(80, 24)) as pilot:
        help_screen = HelpScreen(text)
        app.push_screen(help_screen)
        await until(pilot, lambda: app.screen is help_screen and help_screen.is_mounted, "help shown")
        await pilot.pause()
        box, scroll = help_screen.query_one("#help-box"), help_screen.query_one("#help-scroll")
        assert fully_shown(box, help_screen.region) and str(box.border_title) == "A long help"
        assert scroll.max_scroll_y > 0 and app.focused is scroll
        await pilot.press("end")
        await until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, "scrolled to the end")
        assert fully_shown(box, help_screen.region)


async def test_the_picker_help_fits_and_scrolls_at_80x24():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(app, pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help shown")
        await pilot.pause()
        help_screen = app.screen
        box, scroll = help_screen.query_one("#help-box"), help_screen.query_one("#help-scroll")
        assert fully_shown(box, help_screen.region) and scroll.max_scroll_y > 0
        assert help_screen.query_one("#help-text").content_region.width >= max(
            len(line) for line in WizardPickerScreen.HELP.splitlines()
        )  # no line of it wraps


async def test_help_screen_takes_a_text_and_an_optional_title():
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=(80, 24)) as pilot:
        default = HelpScreen()
        app.push_screen(default)
        await until(pilot, lambda: app.screen is default and default.is_mounted, "help shown")
        assert default.text == HELP_TEXT
        await pilot.press("escape")
        titled = HelpScreen("Line one\n\nbody", title="Some screen")
        app.push_screen(titled)
        await until(pilot, lambda: app.screen is titled and titled.is_mounted, "help shown")
        assert str(titled.query_one("#help-box").border_title) == "Some screen"
        assert "Line one" in str(titled.query_one("#help-text").render())


def test_the_options_placeholder_sums_up_a_wizards_options():
    from replui.ui.screens.wizard_picker import usage

    assert usage("restart-replication") == "--node NODE [--timeout SECONDS]"
    assert usage("repoint") == (
        "--node NODE (--to FILE:POS | --next-binlog | --from-exec-position) [--timeout SECONDS]"
    )
