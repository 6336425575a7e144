"""The dashboard at every terminal size, readable at a glance and cheap when
idle: Pilot over canned statuses (``canned`` served by ``StaticMonitor``, the
real analysis), no servers."""

from __future__ import annotations

import html
import re

import canned
from tui_helpers import SIZES, make_app, static_monitor, until, with_status

from replui.model import Finding, Severity


def inside(widget, screen) -> bool:
    """``widget`` is displayed and lies wholly inside the screen."""
    r, s = widget.region, screen.region
    return bool(widget.display) and r.width > 0 and r.height > 0 and s.contains_region(r)


def screen_text(app) -> str:
    """The screen's text (the SVG screenshot without its markup)."""
    svg = app.export_screenshot()
    lines = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return html.unescape("\n".join(lines)).replace("\xa0", " ")


async def test_findings_codes_are_whole_when_the_findings_arrive_after_the_first_paint():
    # Live polling paints the table before the analysis has anything ("no findings"), then the
    # findings arrive: the code column must fit them at once, not keep the width of its header.
    findings = [
        Finding(Severity.CRITICAL, "server_id_duplicate", ("node1", "node2"), "x" * 50) for i in range(3)
    ]
    mon = static_monitor(canned.healthy_pair, poll_interval=60)
    mon.analyse = lambda statuses: findings if len(statuses) == 2 else []  # type: ignore[method-assign]
    app = make_app(mon, poll=True)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await until(pilot, lambda: len(app.statuses) == 2, "both nodes read")
        await pilot.pause(0.3)
        cells = [line.strip() for line in screen_text(app).splitlines()]
        assert "server_id_duplicate" in cells  # a table cell of its own, not cut to "serv"


async def test_a_findings_advice_shows_square_brackets_as_typed():
    finding = Finding(
        Severity.CRITICAL,
        "server_id_duplicate",
        ("node1", "node2"),
        "node1 has server_id 1, like node2",
        advice="Give each node a unique server_id under [mysqld] in my.cnf and restart.",
    )
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        app.dashboard.findings_list.show([finding])
        await pilot.pause()
        assert "under [mysqld] in my.cnf" in str(app.dashboard.findings_list.detail.render())


async def test_an_unchanged_poll_restyles_nothing(monkeypatch):
    # Idle cost: a poll that brings the same status must not re-apply CSS to the panes
    # (that was most of the CPU of an idle 8-node dashboard).
    mon = static_monitor(canned.four_nodes)
    app = make_app(mon)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await pilot.pause()
        calls: list[int] = []
        real = type(app.stylesheet).update_nodes

        def counting(self, nodes, animate=False):
            nodes = list(nodes)
            calls.append(len(nodes))
            return real(self, nodes, animate=animate)

        monkeypatch.setattr(type(app.stylesheet), "update_nodes", counting)
        for name in app.names:
            with_status(mon, name, collected_at=mon.poll(name).collected_at + 2.0)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.poll_counts["src"] == 2
        assert sum(calls) == 0, calls


async def test_at_80x24_every_node_of_a_pair_is_on_screen():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "node1" in text and "node2" in text
        # the coordinates of both nodes are readable on one screen
        assert text.count("mysql-bin.000002") >= 2


async def test_a_failing_channels_error_is_near_the_top_of_its_pane_and_whole_on_e():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await pilot.pause()
        n2, n1 = app.dashboard.pane("node2"), app.dashboard.pane("node1")
        banner = n2.banner
        assert banner.display and banner.region.y <= n2.region.y + 1  # right under the title
        assert "Last_SQL_Error 1062: Could not execute" in str(banner.render())
        assert n1.banner.region.height == banner.region.height  # rows still line up
        assert n1.row("binlog_file").region.y == n2.row("binlog_file").region.y
        await pilot.press("e")
        whole = app.screen.query_one("#help-text").render()
        assert "end_log_pos 1874" in str(whole)  # the end of the error text, cut in the panes


async def test_a_node_read_longer_ago_than_two_poll_intervals_is_flagged_stale():
    mon = static_monitor(canned.healthy_pair, poll_interval=2)
    app = make_app(mon)
    now = [1000.0]
    app.clock = lambda: now[0]
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await pilot.pause()
        assert "all live" in str(app.dashboard.header.render())
        app.read_at["node2"] = 990.0  # node2's poll hangs: its last answer is 10 s old
        app.dashboard.tick()
        await pilot.pause()
        pane = app.dashboard.pane("node2")
        assert pane.has_class("-stale") and not app.dashboard.pane("node1").has_class("-stale")
        assert "STALE read 10s ago" in str(pane.title.render())
        assert "STALE node2 read 10s ago" in str(app.dashboard.header.render())


async def test_r_says_it_is_refreshing_until_every_node_answered():
    mon = static_monitor(canned.healthy_pair)
    app = make_app(mon)
    gate = __import__("threading").Event()
    real = mon.poll

    def held(name):
        gate.wait(10)
        return real(name)

    async with app.run_test(size=SIZES["160x45"]) as pilot:
        mon.poll = held  # type: ignore[method-assign]
        await pilot.press("r")
        await pilot.pause()
        assert "refreshing 2 nodes" in str(app.dashboard.header.render())
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "all live" in str(app.dashboard.header.render())


async def test_the_source_is_shown_by_its_node_name():
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await pilot.pause()
        assert app.dashboard.pane("node2").row("ch0-source_host").row.value == "node1 (127.0.0.1:33061)"


async def test_v_switches_between_panes_and_the_table_and_findings_resize_down_to_hidden():
    app = make_app(canned.healthy_pair)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await pilot.pause()
        dash = app.dashboard
        assert dash.query_one("#panes").display and not dash.compare.display
        await pilot.press("v", "v")  # auto → panes → table
        assert dash.compare.display and not dash.query_one("#panes").display
        for _ in range(3):
            await pilot.press("minus")
        await pilot.pause()
        assert not dash.findings_list.display or dash.findings_list.region.height == 0
        await pilot.press("f")
        await pilot.pause()
        assert dash.findings_list.region.height > 0 and app.focused is dash.findings_list.table


async def test_sigterm_while_the_wizard_picker_is_open_exits_cleanly():
    import signal

    from replui.ui.screens.wizard_picker import WizardPickerScreen

    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WizardPickerScreen), "the picker")
        app.stop_for_signal(signal.SIGTERM)
        await until(pilot, lambda: app.return_code is not None, "the exit", rounds=500)
    assert app.return_code == 128 + signal.SIGTERM


async def test_the_table_fills_its_labels_and_widths_when_the_first_statuses_arrive_after_the_first_paint():
    # Live polling paints the table from placeholders (no labels, short values) before any node
    # answers; when the statuses arrive, the labels and the column widths must follow them.
    mon = static_monitor(canned.healthy_pair, poll_interval=60)
    app = make_app(mon, poll=True)
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await until(pilot, lambda: len(app.statuses) == 2, "both nodes read")
        await pilot.pause(0.5)
        cells = [line.strip() for line in screen_text(app).splitlines()]
        assert "Master_Host:port" in cells
        assert "node1 (127.0.0.1:33061)" in cells
