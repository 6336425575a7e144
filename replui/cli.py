"""Command line: argument parsing, one function per subcommand.

``replui`` (or ``replui tui``) opens the dashboard; ``replui status`` prints the
same collection and findings for scripts and cron; ``replui lab …`` runs the
local lab; ``replui wizard NAME`` runs a guided repair. Only the TUI path
imports textual.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from replui import __version__
from replui.config import ConfigError, find_config

# Monitoring-plugin exit codes (Nagios/Icinga convention).
EXIT_OK, EXIT_WARNING, EXIT_CRITICAL, EXIT_UNKNOWN = 0, 1, 2, 3


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", "-c", metavar="FILE", help="config file (default: ./replui.toml, then $XDG_CONFIG_HOME/replui/config.toml)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replui", description="See and repair MySQL/MariaDB replication.")
    parser.add_argument("--version", action="version", version=f"replui {__version__}")
    _add_config(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tui", help="open the side-by-side dashboard (the default)")
    _add_config(p)
    p.add_argument("--theme", help="theme name (overrides the config)")

    p = sub.add_parser("status", help="collect status and findings once, print them, exit 0/1/2/3")
    _add_config(p)
    p.add_argument("--json", action="store_true", help="print JSON (documented in the README)")

    from replui.lab.cli import add_lab_parser
    from replui.wizards.cli import add_wizard_parser

    add_lab_parser(sub)
    add_wizard_parser(sub)
    return parser


def cmd_status(args: argparse.Namespace) -> int:
    """``replui status``: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
    from replui.analysis.findings import analyse
    from replui.monitor import poll_once
    from replui.report import exit_code, render_text, to_json

    try:
        config = find_config(args.config)
    except ConfigError as exc:
        print(f"replui: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    statuses = poll_once(config)
    findings = analyse(statuses, lag_warning=config.lag_warning, lag_critical=config.lag_critical)
    if args.json:
        print(to_json(statuses, findings))
    else:
        print(render_text(statuses, findings))
    return exit_code(statuses, findings)


def cmd_tui(args: argparse.Namespace) -> int:
    try:
        config = find_config(args.config)
    except ConfigError as exc:
        print(f"replui: {exc}", file=sys.stderr)
        return 2
    from replui.monitor import Monitor
    from replui.ui.app import ReplUIApp

    monitor = Monitor(config)
    try:
        ReplUIApp(monitor, theme=getattr(args, "theme", None)).run()
    finally:
        monitor.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "tui"):
            return cmd_tui(args)
        if args.command == "status":
            return cmd_status(args)
        if args.command == "lab":
            from replui.lab.cli import run_lab

            return run_lab(args)
        if args.command == "wizard":
            from replui.wizards.cli import run_wizard

            return run_wizard(args)
    except KeyboardInterrupt:
        print("replui: interrupted", file=sys.stderr)
        return 130
    parser.print_help()
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
