"""Run a canned dashboard by hand: \
PYTHONPATH=tests python tests/snapshot_apps/dashboard_demo.py [healthy|broken|unreachable|four] [theme]"""

import sys

import canned

from replui.monitor import StaticMonitor
from replui.ui.app import ReplUIApp

BUILDERS = {
    "healthy": canned.healthy_pair,
    "broken": canned.broken_pair_1062,
    "unreachable": canned.unreachable_pair,
    "four": canned.four_nodes,
}

if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "broken"
    theme = sys.argv[2] if len(sys.argv) > 2 else "dark"
    ReplUIApp(StaticMonitor(*BUILDERS[which]()), theme=theme, poll=False).run()
