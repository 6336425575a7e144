"""Run a dashboard over tests/canned.py by hand: python tests/snapshot_apps/canned_demo.py broken_pair_1062 [theme]"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import canned  # noqa: E402

from replui.monitor import StaticMonitor  # noqa: E402
from replui.ui.app import ReplUIApp  # noqa: E402

if __name__ == "__main__":
    cfg, statuses = getattr(canned, sys.argv[1] if len(sys.argv) > 1 else "broken_pair_1062")()
    ReplUIApp(StaticMonitor(cfg, statuses), theme=sys.argv[2] if len(sys.argv) > 2 else "dark", poll=False).run()
