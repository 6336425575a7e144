"""``python -m replui.lab.sshlab``: start an SSH lab, keep it up until Ctrl-C
(or SIGTERM), then tear it down. Exit status 0; 3 when sshd or a database
server is missing; 1 on any other lab error."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Sequence

from replui.lab.server import LabError, ServerMissing
from replui.lab.sshlab.lab import SshLab
from replui.lab.sshlab.sshd import SshMissing
from replui.lab.state import TOPOLOGIES


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m replui.lab.sshlab [DIR]``: start an SSH lab, print how to use it,
    keep it up until Ctrl-C (or SIGTERM), then tear it down."""
    parser = argparse.ArgumentParser(prog="python -m replui.lab.sshlab", description=main.__doc__)
    parser.add_argument("dir", nargs="?", default=".sshlab", help="lab directory (default ./.sshlab)")
    parser.add_argument("--count", type=int, default=2, help="database hosts, 1-4 (default 2)")
    parser.add_argument("--topology", choices=TOPOLOGIES, default="source-replica")
    parser.add_argument("--loopback", action="store_true", help="no namespaces: every daemon on 127.0.0.1")
    args = parser.parse_args(argv)
    try:
        lab = SshLab.up(
            args.dir,
            count=args.count,
            topology=args.topology,
            netns=False if args.loopback else None,
            echo=lambda m: print(m, flush=True),
        )
    except (ServerMissing, SshMissing) as exc:
        print(exc, file=sys.stderr)
        return 3
    except LabError as exc:
        print(exc, file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"\nreplui --config {lab.config_path}\nssh -F {lab.ssh_config_path} db1\n\nCtrl-C stops the lab.")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    lab.down()
    print(f"ssh lab down in {lab.timings['down']:.1f} s")
    return 0
