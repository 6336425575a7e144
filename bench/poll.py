"""``python -m bench.poll [--polls N] [--dir DIR] [--keep]``

What reading a node's error log adds to the dashboard's poll. A node with no
replica status that has applied replicated transactions gets the end of its
error log read (an unreadable ``master.info`` shows nowhere else); the
reading is kept for 30 s. On a throwaway master⇄master lab, in one run:

(a) the baseline: node2 polled as a healthy replica (``collect_status``);
(b) node2 after the lab's ``master-info-broken`` break: its first poll, which
    reads the log (64 KiB from the end of the local file);
(c) node2's next polls, which use the kept reading.

Prints medians (milliseconds) and b/a, c/a. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from replui.config import load_config  # noqa: E402
from replui.lab.lab import Lab  # noqa: E402
from replui.lab.scenarios import BreakOptions, break_lab  # noqa: E402
from replui.mysql.client import NodeClient  # noqa: E402
from replui.mysql.status import collect_status  # noqa: E402


def timed_polls(client: NodeClient, node, polls: int, fresh: bool) -> list[float]:
    """``polls`` poll durations in ms; ``fresh``: forget the kept reading before each."""
    out = []
    for _ in range(polls):
        if fresh:
            client.cache.pop("metadata_log", None)
        t = time.perf_counter()
        status = collect_status(client, node)
        out.append((time.perf_counter() - t) * 1000)
        assert status.reachable, status.error
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.poll")
    ap.add_argument("--polls", type=int, default=30)
    ap.add_argument("--dir", help="lab directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="leave the lab running")
    args = ap.parse_args(argv)
    directory = Path(args.dir or tempfile.mkdtemp(prefix="replui-bench-poll-"))
    lab = Lab.up(directory)
    try:
        config = load_config(lab.config_path)
        node = config.node("node2")
        client = NodeClient(node)
        try:
            a = timed_polls(client, node, args.polls, fresh=False)
            break_lab(lab, "master-info-broken", BreakOptions(seed=1))
            client.close()
            b = timed_polls(client, node, args.polls, fresh=True)
            c = timed_polls(client, node, args.polls, fresh=False)[1:]
            kept = collect_status(client, node).metadata_log
        finally:
            client.close()
        ma, mb, mc = (statistics.median(x) for x in (a, b, c))
        print(f"polls of node2, {args.polls} each, medians in ms (baseline: (a) the healthy replica)")
        print(f"  (a) healthy replica               {ma:7.2f}")
        print(f"  (b) no status, error log read     {mb:7.2f}   b/a {mb / ma:5.2f}")
        print(f"  (c) no status, reading kept       {mc:7.2f}   c/a {mc / ma:5.2f}")
        print(f"  finding evidence: {kept.verdict.value if kept else None}: {kept.line if kept else ''}")
    finally:
        if args.keep:
            print(f"lab kept in {directory}: replui lab down --dir {directory}")
        else:
            lab.down(purge=True)
            if not args.dir:
                shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
