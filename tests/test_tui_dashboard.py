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
