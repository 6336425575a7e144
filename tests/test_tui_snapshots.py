"""SVG snapshots of the dashboard (theme replui-dark, canned statuses, real
analysis) at 80x24 — tmux or screen on a jump host: the comparison table —
and at 160x45 (the panes), plus the four-node, unreachable and light-theme
screens at 160x45. Regenerate with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at the SVGs in tests/__snapshots__/."""

from __future__ import annotations

import canned
import pytest
from tui_helpers import SIZES, make_app


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(
    "builder", [canned.healthy_pair, canned.broken_pair_1062], ids=["healthy_pair", "broken_pair_1062"]
)
def test_dashboard_snapshot(snap_compare, builder, size):
    assert snap_compare(make_app(builder), terminal_size=SIZES[size])


@pytest.mark.parametrize(
    "builder", [canned.four_nodes, canned.unreachable_pair], ids=["four_nodes", "unreachable_pair"]
)
def test_dashboard_snapshot_at_160x45(snap_compare, builder):
    assert snap_compare(make_app(builder), terminal_size=SIZES["160x45"])


def test_light_theme_snapshot_of_the_broken_pair(snap_compare):
    assert snap_compare(make_app(canned.broken_pair_1062, theme="light"), terminal_size=SIZES["160x45"])


def test_the_errors_dialog_at_80x24(snap_compare):
    assert snap_compare(make_app(canned.broken_pair_1062), terminal_size=SIZES["80x24"], press=["e"])
