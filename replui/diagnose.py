"""``replui diagnose FILE... [--json]``: the findings of ``replui status`` from status
text people paste — ``SHOW SLAVE STATUS\\G`` and friends, saved from a terminal, a
ticket or a chat — with no connection to any server.

Each FILE is one node (named after the file) unless ``-- node NAME [HOST[:PORT]]``
lines split it into several; ``-`` reads stdin. The report and its exit codes are
``replui status``'s (:mod:`replui.report`): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN —
text that cannot be read (the message names the file and line), a file that cannot be
opened. Lines not read as status (prose, notes) are counted on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

#: The most text one file may hold (bytes): status output is a few KiB.
MAX_BYTES = 16 * 1024 * 1024
EXIT_UNKNOWN = 3


def add_diagnose_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``diagnose`` on the top-level subparsers."""
    p = subparsers.add_parser(
        "diagnose",
        help="findings from pasted SHOW SLAVE/MASTER STATUS text, no connection needed; exit 0/1/2/3",
        description="Read the text of SHOW SLAVE STATUS\\G, SHOW REPLICA STATUS, SHOW ALL SLAVES STATUS, "
        "SHOW MASTER STATUS, SHOW BINARY LOG STATUS and SHOW BINARY LOGS (vertical, table or "
        "tab-separated; prompts, quoting and elisions allowed) and print the findings replui status "
        "would. One file per node (named after the file), or several nodes in one file separated by "
        "'-- node NAME [HOST[:PORT]]' lines.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="a file of pasted status text; - reads stdin")
    p.add_argument("--json", action="store_true", help="print the JSON of replui status --json")


def _read(path: str) -> str:
    """The text of ``path`` (``-``: stdin), undecodable bytes replaced. Raises OSError or
    ValueError (too large) with a message for the user."""
    if path == "-":
        data = (
            sys.stdin.buffer.read(MAX_BYTES + 1)
            if hasattr(sys.stdin, "buffer")
            else sys.stdin.read().encode()
        )
        name = "stdin"
    else:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        name = path
    if len(data) > MAX_BYTES:
        raise ValueError(f"{name}: more than {MAX_BYTES // (1024 * 1024)} MiB: not pasted status text")
    return data.decode("utf-8", "replace")


def diagnose(texts: Sequence[tuple[str, str]], *, json_out: bool = False) -> tuple[int, str, list[str]]:
    """Pasted ``(path, text)`` pairs -> ``(exit code, report, notes for stderr)``: the
    report ``replui status`` prints (JSON with ``json_out``). Never raises: unreadable
    text gives exit 3 and the UNKNOWN report naming the file and line."""
    from replui.analysis.findings import analyse
    from replui.paste import PasteError, read_pastes
    from replui.report import exit_code, render_text, to_json, unknown_json

    try:
        pasted = read_pastes(texts)
        findings = analyse(pasted.statuses)
    except PasteError as exc:
        return EXIT_UNKNOWN, unknown_json(str(exc)) if json_out else "", [f"replui: {exc}"]
    except Exception as exc:  # noqa: BLE001 - hostile text must end in a message, never a traceback
        where = ", ".join(p for p, _ in texts) or "stdin"
        msg = f"{where}: cannot read this text as status ({exc.__class__.__name__}: {exc})"
        return EXIT_UNKNOWN, unknown_json(msg) if json_out else "", [f"replui: {msg}"]
    notes = []
    if pasted.skipped:
        first = pasted.skipped[0]
        sample = " ".join(first.text.split())[:60]
        notes.append(
            f"replui: note: {len(pasted.skipped)} line(s) not read as status (prose, notes), "
            f"the first {first.source}:{first.number}: {sample!r}"
        )
    report = to_json(pasted.statuses, findings) if json_out else render_text(pasted.statuses, findings)
    return exit_code(pasted.statuses, findings), report, notes


def run_diagnose(args: argparse.Namespace) -> int:
    """``replui diagnose``: read the files, print the report; returns the exit code."""
    from replui.report import unknown_json

    texts: list[tuple[str, str]] = []
    for path in args.files:
        try:
            texts.append((path, _read(path)))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            msg = f"cannot read {path}: {reason}" if isinstance(exc, OSError) else str(exc)
            if args.json:
                print(unknown_json(msg))
            print(f"replui: {msg}", file=sys.stderr)
            return EXIT_UNKNOWN
    code, report, notes = diagnose(texts, json_out=args.json)
    for note in notes:
        print(note, file=sys.stderr)
    if report:
        print(report)
    return code
