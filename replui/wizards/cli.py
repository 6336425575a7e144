"""``replui wizard NAME --config FILE [options] [--dry-run] [--yes]``.

Streams every step's output to stdout; ``--dry-run`` prints the plan with
its exact commands and changes nothing; without ``--yes`` asks on the
terminal before each destructive step (typing the node's name for steps
that replace data). Exit 0 when the final verification passed, 1 when a
step failed, was refused or declined (the message names the step), 2 for
bad options/config, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TextIO

#: The wizard names (``replui.wizards.registry.WIZARDS`` keys, kept here so
#: building the parser imports no wizard module).
WIZARD_NAMES = ("restart-replication", "repoint", "reset-replica", "heartbeat", "rebuild-replica", "resync-pair", "add-replica")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def add_wizard_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``wizard NAME …`` to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser("wizard", help="run a guided repair (see 'replui wizard --help')",
                              description="Run a guided repair wizard: " + ", ".join(WIZARD_NAMES))
    p.add_argument("name", choices=list(WIZARD_NAMES), metavar="NAME", help="one of: " + ", ".join(WIZARD_NAMES))
    p.add_argument("--config", "-c", metavar="FILE", help="config file")
    p.add_argument("--node", help="the node to act on (restart-replication, repoint, reset-replica)")
    p.add_argument("--source", help="the source node (rebuild-replica, add-replica, heartbeat)")
    p.add_argument("--replica", help="the replica node (rebuild-replica, add-replica)")
    p.add_argument("--authoritative", help="the node whose data wins (resync-pair)")
    p.add_argument("--other", help="the node rebuilt from the authoritative one (resync-pair)")
    p.add_argument("--to", metavar="FILE:POS", help="binlog coordinates (repoint, reset-replica)")
    p.add_argument("--next-binlog", action="store_true", help="repoint: the source's next binlog file, position 4")
    p.add_argument("--from-exec-position", action="store_true", help="repoint: the node's own Relay_Master_Log_File/Exec_Master_Log_Pos")
    p.add_argument("--databases", metavar="LIST", help="comma-separated databases to copy (default: every user database)")
    p.add_argument("--via-file", action="store_true", help="dump to a compressed file, check, copy, restore (the seeds' way)")
    p.add_argument("--repl-user", help="replication user (add-replica; rebuild-replica of a node that is not a replica yet)")
    p.add_argument("--repl-password-env", metavar="VAR", help="environment variable holding the replication password")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for verification (default 120)")
    p.add_argument("--dry-run", action="store_true", help="print the plan with its exact commands; change nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before destructive steps")
    return p


def _options(args: argparse.Namespace) -> dict:
    keys = ("node", "source", "replica", "authoritative", "other", "to", "next_binlog", "from_exec_position", "databases",
            "via_file", "repl_user", "repl_password_env", "timeout")
    out = {k: getattr(args, k, None) for k in keys}
    return {k: v for k, v in out.items() if v not in (None, False)}


def _ask(prompt: str, stdin: TextIO, out: TextIO) -> str:
    out.write(prompt)
    out.flush()
    line = stdin.readline()
    return line.strip() if line else ""


def run_wizard(args: argparse.Namespace, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run ``args.name`` as parsed by :func:`add_wizard_parser`; the exit status."""
    from replui.config import ConfigError, find_config
    from replui.wizards.common import WizardError

    out = out or sys.stdout
    stdin = stdin or sys.stdin
    try:
        config = find_config(args.config)
    except ConfigError as exc:
        print(f"replui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from replui.monitor import poll_once

    statuses = poll_once(config)
    try:
        from replui.wizards.registry import build_plan

        plan = build_plan(args.name, config, statuses, **_options(args))
    except (WizardError, KeyError, ValueError) as exc:
        print(f"replui wizard {args.name}: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.dry_run:
        out.write(plan.render())
        out.write("\n(dry run: nothing was changed)\n")
        return EXIT_OK
    try:
        return asyncio.run(_run(plan, config, statuses, bool(args.yes), stdin, out))
    except KeyboardInterrupt:
        print("replui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _run(plan, config, statuses, yes: bool, stdin: TextIO, out: TextIO) -> int:
    from replui.wizards.plan import OutputLine, Progress, StepContext, StepState
    from replui.wizards.runner import run_plan

    ctx = StepContext(config=config, statuses={s.name: s for s in statuses})
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, ctx.cancel.set)
    except (NotImplementedError, RuntimeError):
        pass
    out.write(plan.render() + "\n")
    last_progress = [0.0]

    async def confirm(step) -> bool:
        if yes:
            out.write(f"--yes: running destructive step [{step.id}] {step.title}\n")
            return True
        out.write(f"\nStep [{step.id}] {step.title} is DESTRUCTIVE" + (f" and REPLACES DATA on {step.target}" if step.replaces_data else "") + ".\n")
        out.write("It will run:\n" + "\n".join("  " + ln for ln in step.preview.splitlines()) + "\n")
        out.flush()
        if step.replaces_data:
            answer = await asyncio.to_thread(_ask, f"Type the node name ({step.target}) to go on, anything else stops: ", stdin, out)
            return answer == step.target
        answer = await asyncio.to_thread(_ask, "Go on? [y/N] ", stdin, out)
        return answer.lower() in ("y", "yes")

    def on_event(step, ev) -> None:
        if isinstance(ev, OutputLine):
            out.write(("  " if step else "") + ev.text + "\n")
        elif isinstance(ev, StepState):
            if ev.state == "running" and step is not None:
                out.write(f"\n== [{step.id}] {step.title}" + (f" on {step.target}" if step.target else "") + "\n")
        elif isinstance(ev, Progress):
            if ev.seconds - last_progress[0] >= 1.0:
                last_progress[0] = ev.seconds
                rate = f", {ev.rate / 1e6:.1f} MB/s" if ev.rate else ""
                eta = f", ETA {ev.eta:.0f} s" if ev.eta is not None else ""
                out.write(f"  .. {ev.bytes / 1e6:.1f} MB in {ev.seconds:.0f} s{rate}{eta}\n")
        out.flush()

    try:
        result = await run_plan(plan, ctx, confirm=confirm, on_event=on_event)
    finally:
        await ctx.aclose()
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError):
            pass
    out.write(("\nOK: " if result.ok else "\nFAILED: ") + result.message + "\n")
    if result.transcript_path:
        out.write(f"transcript: {result.transcript_path}\n")
    out.flush()
    return EXIT_OK if result.ok else EXIT_FAILED
