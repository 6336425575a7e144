"""``replui train [SCENARIO]`` and ``replui transcript list|show``.

``train`` breaks the lab (``--dir``, default ``./.lab``) with a scenario
(random when none is named) and opens the dashboard in training mode: ``h``
shows the next hint, ``c`` checks the repair, wizards show each step's *why*
and wait for it to be acknowledged. ``--free``: no TUI — the trainee repairs
with plain SQL in another terminal; this terminal gives hints and checks.
Exit 0 when the lab was left healthy, 1 otherwise, 2 on bad arguments.

``transcript list`` lists the wizard and training transcripts (newest last);
``transcript show [NAME|last]`` prints one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from replui.training import TrainingSession


def add_train_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``train`` and ``transcript`` on the top-level subparsers."""
    p = sub.add_parser("train", help="training: break the lab, find and repair the fault, get it checked")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="a name from `replui lab scenarios`")
    p.add_argument("--dir", default=".lab", metavar="DIR", help="lab directory (default: ./.lab)")
    p.add_argument(
        "--free", action="store_true", help="repair with plain SQL elsewhere; hints and checks here"
    )
    p.add_argument("--seed", type=int, default=None, help="repeat the same random choices")
    t = sub.add_parser("transcript", help="list or show the transcripts of wizard runs and training sessions")
    tsub = t.add_subparsers(dest="transcript_command", metavar="ACTION")
    tsub.add_parser("list", help="one line per transcript, newest last")
    show = tsub.add_parser("show", help="print one transcript")
    show.add_argument("name", nargs="?", default="last", help="a file name from `list`, or last (default)")
    for q in (t, *tsub.choices.values()):
        q.add_argument("--config", "-c", metavar="FILE", default=argparse.SUPPRESS, help="config file")


def _transcript_dir(args: argparse.Namespace) -> Path:
    """The config's ``log_dir`` (the default config when none is named and
    one exists), else the XDG state directory."""
    from replui.config import ConfigError, find_config
    from replui.wizards.transcript import log_dir

    try:
        config = find_config(getattr(args, "config", None))
    except ConfigError:
        config = None
    return log_dir(config)


def _outcome(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    title = text.splitlines()[0].lstrip("# ") if text else ""
    lines = text.splitlines()
    after = lines[lines.index("## Outcome") + 1 :] if "## Outcome" in lines else []
    tail = [ln.lstrip("- ").replace("**", "") for ln in after if ln.strip()]
    return f"{title} — {tail[0] if tail else 'no outcome (interrupted)'}"


def run_transcript(args: argparse.Namespace) -> int:
    """``replui transcript list|show``; exit 1 when there is nothing to show."""
    d = _transcript_dir(args)
    files = sorted(d.glob("*.md")) if d.is_dir() else []
    action = getattr(args, "transcript_command", None) or "list"
    if action == "list":
        if not files:
            print(f"no transcripts in {d}")
            return 1
        for f in files:
            print(f"{f.name}  {_outcome(f)}")
        return 0
    name = args.name
    chosen = files[-1:] if name == "last" else [f for f in files if f.name == name or f.stem == name]
    if not chosen:
        print(
            f"replui transcript: no transcript {name!r} in {d} (see `replui transcript list`)",
            file=sys.stderr,
        )
        return 1
    print(chosen[0].read_text(encoding="utf-8", errors="replace"), end="")
    return 0


def _free(session: TrainingSession, ask: Callable[[str], str]) -> int:
    print("Repair it with SQL in another terminal. Here: h = next hint, c = check, q = give up.")
    while True:
        try:
            answer = ask("train> ").strip().lower()
        except EOFError:
            answer = "q"
        if answer in ("h", "hint"):
            hint = session.next_hint()
            print(hint or "no more hints")
        elif answer in ("c", "check"):
            verdict = session.check()
            if verdict.healthy:
                break
            print("not yet healthy:")
            for p in verdict.problems:
                print(f"  - {p}")
        elif answer in ("q", "quit"):
            session.check(wait=0)
            break
        elif answer:
            print("h = next hint, c = check, q = give up")
    return 0 if session.verdict is not None and session.verdict.healthy else 1


def run_train(args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    """``replui train``: see the module docstring."""
    from replui.lab.scenarios import BreakOptions
    from replui.lab.server import LabError
    from replui.training import TrainingSession
    from replui.wizards.transcript import log_dir

    try:
        session = TrainingSession.begin(
            args.dir, args.scenario, free=args.free, options=BreakOptions(seed=args.seed)
        )
    except (LabError, TimeoutError, OSError) as exc:
        print(f"replui train: {exc}", file=sys.stderr)
        return 1
    sc = session.scenario
    print(f"Training: {sc.name} — {sc.summary}")
    if args.free:
        rc = _free(session, ask)
    else:
        rc = _walkthrough(session)
    for line in session.summary():
        print(line)
    try:
        from replui.config import load_config

        path = session.write_record(log_dir(load_config(session.lab.config_path)))
        print(f"transcript: {path}")
    except Exception as exc:  # noqa: BLE001 - the session happened; a record that cannot be written is said
        print(f"replui train: cannot write the transcript: {exc}", file=sys.stderr)
    return rc


def _walkthrough(session: TrainingSession) -> int:
    from replui.config import load_config
    from replui.monitor import Monitor
    from replui.ui.app import ReplUIApp

    monitor = Monitor(load_config(session.lab.config_path))
    try:
        app = ReplUIApp(monitor, training=session)
        app.run()
    finally:
        monitor.close()
    if session.verdict is None:
        session.check(wait=0)
    return 0 if session.verdict is not None and session.verdict.healthy else 1
