"""Run a dashboard over tests/canned.py by hand: \
PYTHONPATH=tests python tests/snapshot_apps/canned_demo.py broken_pair_1062 [theme]"""

import sys

import canned

from replui.monitor import StaticMonitor
from replui.ui.app import ReplUIApp

if __name__ == "__main__":
    cfg, statuses = getattr(canned, sys.argv[1] if len(sys.argv) > 1 else "broken_pair_1062")()
    ReplUIApp(
        StaticMonitor(cfg, statuses), theme=sys.argv[2] if len(sys.argv) > 2 else "dark", poll=False
    ).run()
