"""``replui lab up|status|down|stop-node|start-node|scenarios|break|check|heal``.

Exit codes: 0 done, 1 the lab failed (message printed, with the error log
tail when a server would not start), 3 no server binary installed (the
message names ``apt-get install -y mariadb-server``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from replui.lab.lab import Lab

EXIT_FAILED, EXIT_MISSING = 1, 3


def add_lab_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``lab`` and its sub-commands on the top-level subparsers."""
    lab = subparsers.add_parser("lab", help="run real local servers to try replui on (demo, training, tests)")
    sub = lab.add_subparsers(dest="lab_command", metavar="ACTION")

    def with_dir(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--dir", default=".lab", metavar="DIR", help="lab directory (default: ./.lab)")
        return p

    up = with_dir(sub.add_parser("up", help="start the lab (create it on first use)"))
    up.add_argument(
        "--topology",
        choices=("master-master", "source-replica"),
        default="master-master",
        help="master-master: node1 <-> node2 (+ replicas of node1); source-replica: node1 -> the others",
    )
    up.add_argument("--nodes", type=int, default=2, metavar="N", help="number of servers, 1-9 (default 2)")
    with_dir(sub.add_parser("status", help="each node: port, pid, alive or not"))
    down = with_dir(sub.add_parser("down", help="stop every server of the lab"))
    down.add_argument("--purge", action="store_true", help="also delete the lab directory")
    for name, text in (("stop-node", "stop one server"), ("start-node", "start one stopped server again")):
        p = with_dir(sub.add_parser(name, help=text))
        p.add_argument("node", metavar="NAME", help="node name, e.g. node2")
    sub.add_parser("scenarios", help="list the incidents `lab break` can stage, one line each")
    brk = with_dir(sub.add_parser("break", help="break the running lab the way an incident does"))
    brk.add_argument("scenario", metavar="NAME", help="a name from `replui lab scenarios`")
    brk.add_argument("--seed", type=int, default=None, help="repeat the same random choices (keys, rows)")
    brk.add_argument(
        "--seconds",
        type=float,
        default=None,
        metavar="N",
        help="replica-lag: how long the write load runs (default 90; the replica needs about as long again)",
    )
    with_dir(sub.add_parser("check", help="is the lab healthy again? exit 0 only then, else what is wrong"))
    with_dir(
        sub.add_parser(
            "heal",
            help="reset the lab to healthy: every node running, node1's data copied to the others, "
            "replication re-pointed (undoes a break without repairing it)",
        )
    )
    lab.set_defaults(_lab_parser=lab)


def _echo(msg: str) -> None:
    print(msg, flush=True)


def run_lab(args: argparse.Namespace) -> int:
    """Run the ``lab`` sub-command in ``args``; returns the exit code. Never raises
    for lab failures: they are printed to stderr."""
    from replui.lab.lab import Lab
    from replui.lab.server import LabError, ServerMissing

    action = getattr(args, "lab_command", None)
    if action is None:
        args._lab_parser.print_help()
        return 2
    try:
        if action == "up":
            return _up(args, Lab)
        if action == "status":
            return _status(Lab.load(args.dir))
        if action == "scenarios":
            return _scenarios()
        if action == "break":
            return _break(Lab.load(args.dir, echo=_echo), args.scenario, args.seed, args.seconds)
        if action == "check":
            return _check(Lab.load(args.dir))
        if action == "heal":
            from replui.lab import load

            lab = Lab.load(args.dir, echo=_echo)
            load.stop(lab.dir)
            lab.heal()
            print(f"lab in {lab.dir} healed: replication runs, the data is node1's everywhere")
            return 0
        if action == "down":
            from replui.lab import load

            lab = Lab.load(args.dir)
            load.stop(lab.dir)
            lab.down(purge=args.purge)
            print(f"lab in {lab.dir} stopped" + (" and removed" if args.purge else ""))
            return 0
        lab = Lab.load(args.dir, echo=_echo)
        lab.node(args.node)
        if action == "stop-node":
            lab.stop_node(args.node)
            print(f"{args.node} stopped")
        else:
            lab.start_node(args.node)
            print(f"{args.node} running on 127.0.0.1:{lab.node(args.node).port}")
        return 0
    except ServerMissing as exc:
        print(f"replui lab: {exc}", file=sys.stderr)
        return EXIT_MISSING
    except (LabError, TimeoutError, KeyError, OSError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"replui lab: {msg}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a server error (pymysql) must not become a traceback
        print(f"replui lab: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _up(args: argparse.Namespace, lab_class: type[Lab]) -> int:
    lab = lab_class.up(args.dir, args.topology, args.nodes, echo=_echo)
    if not lab.created and not lab.restarted:
        print(f"the lab in {lab.dir} is already running ({lab.topology}, {len(lab.nodes)} nodes)")
    elif not lab.created:
        print(f"restarted {', '.join(lab.restarted)}")
    if not lab.created and (args.topology != lab.topology or args.nodes != len(lab.nodes)):
        print(
            f"note: the existing lab is {lab.topology} with {len(lab.nodes)} nodes; "
            f"to change it: replui lab down --purge --dir {args.dir}, then lab up again"
        )
    _status(lab)
    print(
        f"\nOpen it with:   replui --config {lab.config_path}\n"
        f"Status:         replui status --config {lab.config_path}\n"
        f"SQL shell:      mariadb --defaults-file={lab.node('node1').option_file}\n"
        f"Stop it with:   replui lab down --dir {args.dir}"
    )
    return 0


def _scenarios() -> int:
    from replui.lab.scenarios import SCENARIOS

    width = max(len(s.name) for s in SCENARIOS)
    for s in SCENARIOS:
        print(f"{s.name:<{width}}  {s.summary}" + ("  [master-master lab]" if s.pair_only else ""))
    return 0


def _break(lab: Lab, name: str, seed: int | None, seconds: float | None) -> int:
    from replui.lab.load import DEFAULT_SECONDS
    from replui.lab.scenarios import BreakOptions, break_lab

    if seconds is not None and not seconds > 0:
        print(f"replui lab: --seconds must be a number > 0, not {seconds:g}", file=sys.stderr)
        return 2
    broken = break_lab(lab, name, BreakOptions(seed, DEFAULT_SECONDS if seconds is None else seconds))
    print(f"{broken.name}: broken on {broken.roles.replica} (its source: {broken.roles.source})")
    print(f"Look at it:    replui --config {lab.config_path}")
    print(f"When repaired: replui lab check --dir {lab.dir}")
    return 0


def _check(lab: Lab) -> int:
    from replui.lab.check import check_lab

    verdict = check_lab(lab)
    if verdict.healthy:
        print(f"healthy: every replica runs and is caught up; {verdict.checked} tables equal on every node")
        return 0
    print("not healthy:")
    for p in verdict.problems:
        print(f"  - {p}")
    return EXIT_FAILED


def _status(lab: Lab) -> int:
    print(f"lab {lab.dir} ({lab.topology})")
    print(f"{'node':<8} {'port':>6} {'pid':>8}  state")
    for row in lab.status():
        print(
            f"{row['name']:<8} {row['port']:>6} {row['pid'] or '-':>8}  "
            f"{'running' if row['alive'] else 'stopped'}"
        )
    return 0
