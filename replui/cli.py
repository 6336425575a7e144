"""Command line: argument parsing, one function per subcommand.

``replui`` (or ``replui tui``) opens the dashboard; ``replui status`` prints the
same collection and findings for scripts and cron; ``replui lab …`` runs the
local lab; ``replui wizard NAME`` runs a guided repair. Only the TUI path
imports textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Sequence

from replui import __version__
from replui.config import ConfigError, find_config

if TYPE_CHECKING:
    from replui.monitor import Monitor

# Monitoring-plugin exit codes (Nagios/Icinga convention).
EXIT_OK, EXIT_WARNING, EXIT_CRITICAL, EXIT_UNKNOWN = 0, 1, 2, 3


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        "-c",
        metavar="FILE",
        help="config file (default: ./replui.toml, then $XDG_CONFIG_HOME/replui/config.toml)",
    )
    add_host_key_option(p)


def add_host_key_option(p: argparse.ArgumentParser) -> None:
    """``--accept-host-key SHA256:…`` (repeatable) on ``p``: see :func:`apply_host_key_option`."""
    p.add_argument(
        "--accept-host-key",
        metavar="SHA256:…",
        action="append",
        default=argparse.SUPPRESS,
        help="trust an SSH host key not yet known, by its fingerprint (written to replui's own known_hosts)",
    )


def apply_host_key_option(args: argparse.Namespace) -> None:
    """Tell the process's SSH connections to trust the fingerprints given with
    ``--accept-host-key`` for hosts with no known key (a changed key is still
    refused: :mod:`replui.transport.hostkeys`)."""
    accepted = getattr(args, "accept_host_key", None) or []
    if accepted:
        from replui.transport.sshhub import hub

        for fingerprint in accepted:
            hub().policy.accept(fingerprint)


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

    from replui.diagnose import add_diagnose_parser
    from replui.lab.cli import add_lab_parser
    from replui.wizards.cli import add_wizard_parser

    add_lab_parser(sub)
    add_wizard_parser(sub)
    add_diagnose_parser(sub)
    from replui.train_cli import add_train_parsers

    add_train_parsers(sub)
    return parser


def _monitor_or_none(args: argparse.Namespace, *, json_out: bool = False) -> Monitor | None:
    """A Monitor for the configuration, every node's password resolved; None after saying why not.

    Unusable configuration (the file, or a node's password source) is
    reported as ``replui: <file>:<line>: <key>: <message>`` on stderr, or as
    the UNKNOWN JSON document with ``json_out``.
    """
    from replui.monitor import Monitor
    from replui.report import unknown_json

    monitor = None
    try:
        monitor = Monitor(find_config(args.config))
        monitor.resolve_passwords()
        return monitor
    except ConfigError as exc:
        if monitor is not None:
            monitor.close()
        if json_out:
            print(unknown_json(str(exc)))
        else:
            print(f"replui: {exc}", file=sys.stderr)
        return None


def cmd_status(args: argparse.Namespace) -> int:
    """``replui status``: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (an
    unusable configuration or password source: nothing is polled then)."""
    from replui.report import exit_code, render_text, to_json

    monitor = _monitor_or_none(args, json_out=args.json)
    if monitor is None:
        return EXIT_UNKNOWN
    try:
        statuses = monitor.poll_all()
        findings = monitor.analyse(statuses)
    finally:
        monitor.close()
    path = monitor.config.path
    _emit(to_json(statuses, findings, path) if args.json else render_text(statuses, findings, path))
    return exit_code(statuses, findings)


def cmd_tui(args: argparse.Namespace) -> int:
    """The dashboard; exit 3 before it opens when the configuration or a
    password source cannot be used."""
    monitor = _monitor_or_none(args)
    if monitor is None:
        return EXIT_UNKNOWN
    from replui.ui.app import ReplUIApp

    try:
        app = ReplUIApp(monitor, theme=getattr(args, "theme", None))
        app.run()
    finally:
        monitor.close()
    return app.return_code or 0


def _silence_stdout() -> None:
    """The reader of stdout is gone (``replui status | head -1``): point
    stdout at /dev/null so nothing more fails on it, not even the final
    flush at exit (the Python documentation's recipe for SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (a test's capture)
        pass
    finally:
        os.close(devnull)


def _emit(text: str) -> None:
    """Print ``text`` and flush; a reader that has gone away is not an error."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
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
    if args.command in ("train", "transcript"):
        from replui.train_cli import run_train, run_transcript

        return run_train(args) if args.command == "train" else run_transcript(args)
    if args.command == "diagnose":
        from replui.diagnose import run_diagnose

        return run_diagnose(args)
    parser.print_help()
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. A closed stdout (a pipe
    whose reader left) ends it quietly with the code it had reached (1 when
    none yet)."""
    code: int | None = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        apply_host_key_option(args)
        code = _dispatch(parser, args)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        print("replui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return code if code is not None else 1
    finally:
        ssh = sys.modules.get("replui.transport.sshhub")  # loaded only when a node uses SSH
        if ssh is not None:
            ssh.close_hub()  # every SSH connection ends with the command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
