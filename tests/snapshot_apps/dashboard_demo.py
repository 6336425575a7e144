"""Run a canned dashboard by hand: python tests/snapshot_apps/dashboard_demo.py [healthy|broken|unreachable|four] [theme]"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import tui_fixtures as fx  # noqa: E402

from replui.ui.app import ReplUIApp  # noqa: E402

BUILDERS = {"healthy": fx.healthy_pair, "broken": fx.broken_pair_1062, "unreachable": fx.unreachable_pair, "four": fx.four_nodes}

if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "broken"
    theme = sys.argv[2] if len(sys.argv) > 2 else "dark"
    ReplUIApp(BUILDERS[which](), theme=theme, poll=False).run()
