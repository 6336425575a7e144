"""The dashboard on the real lab: the 1062 break is highlighted, and a stopped
node shows its error in its pane while the other keeps updating.

Real MariaDB servers (the session ``lab`` fixture), the real ``Monitor``
(PyMySQL), the real Textual app driven by ``Pilot``.
"""

from __future__ import annotations

import pytest
from lab_helpers import break_with_duplicate_key
from tui_helpers import SIZE, refresh

from replui.config import load_config
from replui.monitor import Monitor
from replui.ui.app import ReplUIApp

pytestmark = pytest.mark.lab


async def test_1062_break_is_highlighted_on_the_real_lab(healthy_lab):
    monitor = Monitor(load_config(healthy_lab.config_path))
    app = ReplUIApp(monitor, theme="dark", poll=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            n2 = app.dashboard.pane("node2")
            assert not n2.row("ch0-last_sql_error").has_class("-error")
            break_with_duplicate_key(healthy_lab, key=9101)
            await refresh(app, pilot)
            assert n2.row("ch0-last_sql_error").has_class("-error")
            assert n2.row("ch0-sql_running").has_class("-error")
            assert "1062" in str(n2.row("ch0-last_sql_error").render())
            assert any(f.code == "sql_error" and f.errno == 1062 for f in app.findings)
            assert not app.dashboard.pane("node1").row("ch0-last_sql_error").has_class("-error")
    finally:
        monitor.close()


async def test_stopped_node_shows_its_error_while_the_other_keeps_updating(healthy_lab):
    monitor = Monitor(load_config(healthy_lab.config_path))
    app = ReplUIApp(monitor, theme="dark", poll=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            healthy_lab.stop_node("node2")
            try:
                await refresh(app, pilot)
                n1, n2 = app.dashboard.pane("node1"), app.dashboard.pane("node2")
                assert n2.has_class("-down") and n2.down_box.display
                assert "2003" in str(n2.down_box.render()) or "2013" in str(n2.down_box.render())
                # node1 is still polled and shows fresh data: a write there moves its binlog position
                healthy_lab.sql(
                    "node1",
                    "INSERT INTO shop.orders (customer_id, amount_cents, status, created_at) "
                    "VALUES (1, 100, 'new', NOW())",
                )
                pos = healthy_lab.master_status("node1")[1]
                await refresh(app, pilot)
                assert app.statuses["node1"].reachable and app.statuses["node1"].binlog.position == pos
                assert str(pos) in str(n1.row("binlog_position").render())
                assert not app.statuses["node2"].reachable
            finally:
                healthy_lab.start_node("node2")
    finally:
        monitor.close()
