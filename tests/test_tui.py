"""The dashboard driven by Pilot over canned statuses (no servers): scenarios of
``canned`` served by ``replui.monitor.StaticMonitor``, so the findings are the real analysis's."""

from __future__ import annotations

import canned
from tui_helpers import SIZE, make_app, static_monitor, with_status

from replui.model import BinlogCoordinates, Flavor, Severity
from replui.monitor import StaticMonitor
from replui.ui.messages import FindingsUpdated
from replui.ui.screens.help import HelpScreen
from replui.ui.theme_files import bundled_theme_dir
from replui.ui.widgets.findings_list import FindingsList
from replui.ui.widgets.node_pane import NodePane


def row_value(pane: NodePane, key: str) -> str:
    return pane.row(key).row.value


async def test_one_pane_per_node_with_the_servers_own_labels():
    mon = static_monitor(canned.four_nodes)  # with rep3 a MySQL 8.4 replica (Source_*/Replica_* labels)
    mon.set_status(
        canned.node(
            mon.config,
            "rep3",
            server_id=4,
            read_only=True,
            flavor=Flavor.MYSQL,
            channels=(canned.channel(mon.poll("rep2"), modern=True),),
        )
    )
    app = make_app(mon)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panes = list(app.screen.query(NodePane))
        assert [p.node_name for p in panes] == ["src", "rep1", "rep2", "rep3"]
        rep1 = app.dashboard.pane("rep1")
        assert rep1.row("ch0-source_log_file").row.label == "Master_Log_File"
        assert rep1.row("ch0-read_source_log_pos").row.label == "Read_Master_Log_Pos"
        assert row_value(app.dashboard.pane("src"), "binlog_file") == "mysql-bin.000002"
        rep3 = app.dashboard.pane("rep3")  # MySQL 8.4: Source_* labels
        assert rep3.row("ch0-source_log_file").row.label == "Source_Log_File"
        assert rep3.row("ch0-exec_source_log_pos").row.label == "Exec_Source_Log_Pos"


async def test_rows_line_up_across_panes():
    app = make_app(canned.four_nodes)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panes = list(app.screen.query(NodePane))
        for key in ("binlog_file", "ch0-read_source_log_pos", "ch0-last_sql_error", "server_id"):
            ys = {p.row(key).region.y for p in panes}
            assert len(ys) == 1, (key, ys)


async def test_a_node_that_is_not_a_replica_is_padded_to_the_same_height():
    mon = static_monitor(canned.healthy_pair)
    with_status(mon, "node1", channels=())
    app = make_app(mon)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        n1, n2 = app.dashboard.pane("node1"), app.dashboard.pane("node2")
        assert n1.row("ch0-heading").row.label == "Replica: not a replica"
        assert n1.row("ch0-last_sql_error").region.y == n2.row("ch0-last_sql_error").region.y


async def test_a_node_whose_master_info_cannot_be_read_says_so_instead_of_not_a_replica():
    from replui.model import LogVerdict, MetadataLog

    mon = static_monitor(canned.healthy_pair)
    line = "2026-11-22 10:13:01 0 [ERROR] Error reading master configuration"
    log = MetadataLog(LogVerdict.FAILED, "/var/log/mysql/error.log", line=line)
    with_status(mon, "node1", channels=(), gtid_slave_pos="0-2-100", gtid_domain_id=0, metadata_log=log)
    app = make_app(mon)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.dashboard.pane("node1").row("ch0-heading").row.label == "Replica: master.info unreadable"
        [f] = [f for f in app.findings if f.code == "replica_metadata_unusable"]
        assert f.nodes == ("node1", "node2") and line in f.message


async def test_1062_marks_last_sql_errno_as_error_and_lists_the_finding():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        n2 = app.dashboard.pane("node2")
        errno_row = n2.row("ch0-last_sql_error")
        assert errno_row.has_class("-error")
        assert errno_row.row.value.startswith("1062: Could not execute")
        assert n2.row("ch0-sql_running").has_class("-error")
        assert n2.row("ch0-exec_source_log_pos").has_class("-warn")  # coordinates_behind, a warning
        assert n2.row("ch0-seconds_behind_source").row.value == "NULL (unknown)"
        assert not app.dashboard.pane("node1").row("ch0-last_sql_error").has_class("-error")
        assert n2.has_class("-error")
        findings = app.screen.query_one(FindingsList)
        assert [f.code for f in findings.findings] == [
            "sql_error",
            "coordinates_behind",
            "coordinates_caught_up",
            "replication_ok",
        ]
        assert findings.findings[0].wizard == "resync-pair"  # master⇄master
        assert "resync-pair" in str(findings.detail.render())
        assert "CRITICAL" in str(app.dashboard.header.render())


async def test_selecting_a_finding_shows_its_advice():
    app = make_app(canned.broken_pair_1062)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        assert app.focused is app.dashboard.findings_list.table
        await pilot.press("down")
        await pilot.pause()
        second = app.dashboard.findings_list.findings[1]  # coordinates_behind: repair the error first
        assert second.code == "coordinates_behind" and second.advice
        assert second.advice in str(app.dashboard.findings_list.detail.render())


async def test_unreachable_node_shows_its_error_while_the_other_shows_data():
    app = make_app(canned.unreachable_pair)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        n1, n2 = app.dashboard.pane("node1"), app.dashboard.pane("node2")
        assert n2.has_class("-down")
        box = str(n2.down_box.render())
        assert "2003" in box and "Connection refused" in box
        assert n2.down_box.display and not n1.down_box.display
        assert row_value(n1, "binlog_position") == "5400"
        assert n1.row("ch0-io_running").row.value == "Connecting"
        assert n1.row("ch0-io_running").has_class("-error")


async def test_t_cycles_the_theme():
    app = make_app(canned.healthy_pair, theme="dark")
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "replui-dark"
        await pilot.press("t")
        assert app.theme != "replui-dark"
        assert app.theme in {"replui-light", "replui-high-contrast"}
        for _ in range(len(app.theme_names) - 1):
            await pilot.press("t")
        assert app.theme == "replui-dark"


async def test_config_theme_names_map_to_bundled_themes():
    for short, full in (
        ("light", "replui-light"),
        ("high-contrast", "replui-high-contrast"),
        ("replui-dark", "replui-dark"),
    ):
        app = make_app(canned.healthy_pair, theme=short)
        async with app.run_test(size=SIZE):
            assert app.theme == full


async def test_unknown_theme_falls_back_with_a_notification():
    app = make_app(canned.healthy_pair, theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "replui-dark"
        assert any("no-such-theme" in str(n.message) for n in app._notifications)


async def test_broken_theme_files_are_reported_in_one_notification(tmp_path):
    (tmp_path / "bad1.toml").write_text('name = "bad1"\nprimary = "not-a-colour"\n')
    (tmp_path / "bad2.toml").write_text("name = [unclosed\n")
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#123456"\ndark = false\n')
    app = make_app(canned.healthy_pair, theme="good", theme_dirs=[bundled_theme_dir(), tmp_path])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "good"
        notes = [str(n.message) for n in app._notifications]
        assert len(notes) == 1
        assert "bad1.toml" in notes[0] and "bad2.toml" in notes[0]


async def test_r_polls_every_node_again_and_shows_the_change():
    mon = static_monitor(canned.healthy_pair)
    app = make_app(mon)
    async with app.run_test(size=SIZE) as pilot:
        assert app.poll_counts == {"node1": 1, "node2": 1}
        with_status(mon, "node1", binlog=BinlogCoordinates("mysql-bin.000003", 777))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.poll_counts == {"node1": 2, "node2": 2}
        assert row_value(app.dashboard.pane("node1"), "binlog_file") == "mysql-bin.000003"


async def test_polling_reanalyses_and_posts_findings_updated():
    mon = static_monitor(canned.broken_pair_1062, poll_interval=0.05)
    app = make_app(mon, poll=True)
    seen: list[FindingsUpdated] = []
    async with app.run_test(
        size=SIZE, message_hook=lambda m: seen.append(m) if isinstance(m, FindingsUpdated) else None
    ) as pilot:
        while min(app.poll_counts.values()) < 2 or not seen:  # shown in batches, a moment after the polls
            await pilot.pause(0.05)
        assert seen[-1].findings[0].severity is Severity.CRITICAL
        assert app.dashboard.pane("node2").row("ch0-last_sql_error").has_class("-error")


async def test_polling_survives_the_help_screen():
    app = make_app(static_monitor(canned.healthy_pair, poll_interval=0.05), poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        before = dict(app.poll_counts)
        while min(app.poll_counts[n] - before[n] for n in before) < 1:
            await pilot.pause(0.05)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_real_analysis_of_the_shared_1062_pair_marks_last_sql_errno():
    cfg, statuses = canned.broken_pair_1062()
    app = make_app(StaticMonitor(cfg, statuses))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        replica = app.dashboard.pane("node2")
        assert replica.row("ch0-last_sql_error").has_class("-error")
        assert "sql_error" in [f.code for f in app.findings]


def test_theme_file_loading_does_not_import_textual():
    import subprocess
    import sys

    code = (
        "import sys, replui.ui.theme_files as t, replui.ui.rows; t.load_theme_files(); "
        "assert 'textual' not in sys.modules and 'rich' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_bundled_themes_are_valid_and_cover_the_config_names():
    from replui.ui.theme_files import THEME_ALIASES, load_theme_files

    specs, errors = load_theme_files([bundled_theme_dir()])
    assert errors == []
    names = {s.name for s in specs}
    assert {THEME_ALIASES[k] for k in ("dark", "light", "high-contrast")} <= names
