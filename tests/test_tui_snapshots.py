"""SVG snapshots of the dashboard (160x50, theme replui-dark, canned statuses,
real analysis). Regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the SVGs in tests/__snapshots__/."""

from __future__ import annotations

import canned
import pytest
from tui_helpers import SIZE, make_app


@pytest.mark.parametrize(
    "builder",
    [canned.healthy_pair, canned.broken_pair_1062, canned.four_nodes, canned.unreachable_pair],
    ids=["healthy_pair", "broken_pair_1062", "four_nodes", "unreachable_pair"],
)
def test_dashboard_snapshot(snap_compare, builder):
    assert snap_compare(make_app(builder), terminal_size=SIZE)


def test_light_theme_snapshot_of_the_broken_pair(snap_compare):
    assert snap_compare(make_app(canned.broken_pair_1062, theme="light"), terminal_size=SIZE)
