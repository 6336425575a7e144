"""``replui wizard NAME --config FILE [options] [--dry-run] [--yes]``.

Streams every step's output to stdout; ``--dry-run`` prints the plan with
its exact commands and changes nothing; without ``--yes`` asks on the
terminal before each destructive step (typing the node's name for steps
that replace data). Exit 0 when the final verification passed, 1 when a
step failed, was refused or declined (the message names the step), 2 for
bad options/config, 3 when every step ran but the result could not be
verified (the message says why and what to run), and 128 + the signal's
number when a signal stopped the run, as a shell reports a command a
signal ended: 130 for SIGINT (Ctrl-C), 143 for SIGTERM, 129 for SIGHUP.

SIGTERM, SIGHUP and SIGINT stop the run wherever it is (a step, a prompt):
the running step is cancelled, which terminates its tools; every private
option file and temporary dump is removed (:meth:`StepContext.aclose` runs
on every path); the transcript says which signal stopped the run at which
step. While a step that replaces data runs, a first Ctrl-C only warns and a
second one within :data:`CONFIRM_CANCEL_SECONDS` cancels; SIGTERM and SIGHUP
come from the system, with nobody to ask, and cancel at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Iterable, TextIO

from replui.units import human_bytes
from replui.wizards import catalogue

if TYPE_CHECKING:
    from replui.config import Config
    from replui.model import NodeStatus
    from replui.wizards.context import StepContext
    from replui.wizards.plan import Event, Plan, Step

#: The wizard names, from the catalogue (which imports no wizard module).
WIZARD_NAMES = catalogue.NAMES

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_VERIFIED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: The signals that stop a run; the exit status is 128 + the signal's number.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: Seconds within which a second Ctrl-C cancels a step that replaces data.
CONFIRM_CANCEL_SECONDS = 5.0


def add_wizard_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``wizard NAME …`` to ``subparsers`` (from ``add_subparsers``): one
    sub-command per wizard of the catalogue, each with its own options
    (``replui wizard NAME --help``)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "wizard",
        help="run a guided repair (see 'replui wizard --help')",
        description="Run a guided repair wizard. 'replui wizard NAME --help' lists its options.",
    )
    sub = p.add_subparsers(dest="name", metavar="NAME", required=True)
    catalogue.add_parsers(sub)
    return p


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return catalogue.options_from_args(args)


# -- signals ------------------------------------------------------------------------------------


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


class _Stopped(BaseException):
    """A stop signal arrived while no event loop handled it (before the run
    started): nothing was changed and no file was written."""

    def __init__(self, sig: int) -> None:
        super().__init__(_signal_name(sig))
        self.sig = sig


class _EarlySignals:
    """While set up (main thread only), a stop signal raises :class:`_Stopped`;
    the run's loop installs its own handlers over these. On exit the
    handlers found on entry are put back."""

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "_EarlySignals":
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._previous[sig] = signal.signal(sig, self._raise)
        return self

    @staticmethod
    def _raise(sig: int, _frame: FrameType | None) -> None:
        raise _Stopped(sig)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()


class _SafeOut:
    """``out`` whose writes never raise: after SIGHUP the terminal may be gone
    (EIO), and a vanished terminal must not stop the cleanup."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> None:
        try:
            self._out.write(text)
        except (OSError, ValueError):
            pass

    def flush(self) -> None:
        try:
            self._out.flush()
        except (OSError, ValueError):
            pass


class _SignalStop:
    """The loop's handlers for :data:`STOP_SIGNALS` during a run. ``step`` is
    the running step (None between steps and at prompts), kept current from
    the runner's events; ``stopped_by`` the signal that cancelled the run."""

    def __init__(self, ctx: StepContext, out: _SafeOut, loop: asyncio.AbstractEventLoop) -> None:
        self.ctx, self.out, self.loop = ctx, out, loop
        self.step: Step | None = None
        self.stopped_by: int | None = None
        self._armed_until: float | None = None

    def install(self) -> None:
        for sig in STOP_SIGNALS:
            try:
                self.loop.add_signal_handler(sig, self.received, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread: the signals are not ours

    def received(self, sig: int) -> None:
        name, step = _signal_name(sig), self.step
        where = f" at step {step.id}" if step is not None else ""
        if self.ctx.cancel.is_set():
            self.out.write(
                f"\n{name}: already stopping; the running tools are being stopped and temporary "
                "files removed\n"
            )
            self.out.flush()
            return
        if sig == signal.SIGINT and step is not None and step.replaces_data:
            now = self.loop.time()
            if self._armed_until is None or now > self._armed_until:
                self._armed_until = now + CONFIRM_CANCEL_SECONDS
                target = step.target or "the replica"
                secs = f"{CONFIRM_CANCEL_SECONDS:.0f}"
                self.out.write(
                    f"\n!! Ctrl-C during step [{step.id}], which is replacing the data on "
                    f"{target}: cancelling now leaves {target} half-restored\n!! (marked; re-run "
                    f"the rebuild to repair it). Press Ctrl-C again within {secs} s to cancel; "
                    "otherwise the step goes on.\n"
                )
                self.out.flush()
                self.ctx.log(
                    f"SIGINT{where}: the step replaces data on {target}; asked for a second Ctrl-C to cancel"
                )
                return
        self.stopped_by = sig
        self.ctx.log(f"{name} received{where}: cancelling the run")
        self.out.write(
            f"\n{name}: cancelling{where}; stopping the running tools and removing temporary files\n"
        )
        self.out.flush()
        self.ctx.cancel_reason = name
        self.ctx.cancel.set()


# -- the prompt ---------------------------------------------------------------------------------


class _LineReader:
    """Lines typed on ``stdin`` for the prompts, read without blocking the
    loop, so a signal at a prompt ends the run at once: on a terminal or a
    pipe the loop watches the descriptor (no thread waits on it); a regular
    file never makes a read wait; a stream without a descriptor (tests'
    StringIO) is read as it is."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin
        self.pending = b""
        self.eof = False
        try:
            self.fd: int | None = stdin.fileno()
        except (AttributeError, OSError, ValueError):
            self.fd = None

    async def readline(self, cancel: asyncio.Event) -> str | None:
        """The next line ("" at end of input), or None when ``cancel`` was set first."""
        if cancel.is_set():
            return None
        if self.fd is None:
            return self.stdin.readline()
        while b"\n" not in self.pending and not self.eof:
            chunk = await self._read(cancel)
            if chunk is None:
                return None
            if not chunk:
                self.eof = True
            self.pending += chunk
        line, sep, self.pending = self.pending.partition(b"\n")
        return (line + sep).decode("utf-8", "replace")

    async def _read(self, cancel: asyncio.Event) -> bytes | None:
        assert self.fd is not None
        fd = self.fd
        loop = asyncio.get_running_loop()
        got: asyncio.Future[bytes] = loop.create_future()

        def ready() -> None:
            if not got.done():
                try:
                    got.set_result(os.read(fd, 4096))
                except OSError:  # EIO: the terminal hung up — as the end of input
                    got.set_result(b"")

        try:
            loop.add_reader(fd, ready)
        except (OSError, ValueError, NotImplementedError):
            # a regular file (or /dev/null) cannot be watched, and a read of it never waits
            try:
                return os.read(fd, 4096)
            except OSError:
                return b""
        waiter = asyncio.ensure_future(cancel.wait())
        racing: set[asyncio.Future[Any]] = {got, waiter}
        try:
            await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        finally:
            loop.remove_reader(fd)
            waiter.cancel()
        if not got.done():
            got.cancel()
            return None
        return got.result()


# -- the run --------------------------------------------------------------------------------------


def run_wizard(args: argparse.Namespace, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run ``args.name`` as parsed by :func:`add_wizard_parser`; the exit status."""
    with _EarlySignals():
        try:
            return _run_wizard(args, stdin or sys.stdin, out or sys.stdout)
        except _Stopped as exc:
            print(
                f"replui: stopped by {_signal_name(exc.sig)} before the wizard changed anything",
                file=sys.stderr,
            )
            return 128 + exc.sig
        except KeyboardInterrupt:
            print("replui: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED


def _run_wizard(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from replui.config import ConfigError, find_config
    from replui.wizards.common import WizardError

    try:
        config = find_config(args.config)
    except ConfigError as exc:
        print(f"replui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from replui.monitor import poll_once

    statuses = poll_once(config)
    try:
        plan = catalogue.build_plan(args.name, config, statuses, **_options(args))
    except (WizardError, KeyError, ValueError) as exc:
        print(f"replui wizard {args.name}: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(_run(plan, config, statuses, bool(args.yes), stdin, out, dry_run=bool(args.dry_run)))


async def _run(
    plan: Plan,
    config: Config,
    statuses: Iterable[NodeStatus],
    yes: bool,
    stdin: TextIO,
    out: TextIO,
    *,
    dry_run: bool = False,
    ctx: StepContext | None = None,
    refresh_statuses: bool = True,
    transcript_dir: Path | None = None,
) -> int:
    """Run ``plan`` with the terminal's prompts and the stop signals' handlers;
    the exit status. ``dry_run``: the pre-flight checks and the read-only
    steps only (the runner stops before the first step that writes).
    ``ctx``, ``refresh_statuses`` and ``transcript_dir`` are for tests
    (canned plans)."""
    from replui.wizards.context import StepContext
    from replui.wizards.plan import OutputLine, Progress, StepState, StepStatus
    from replui.wizards.runner import run_plan

    if ctx is None:
        ctx = StepContext(config=config, statuses={s.name: s for s in statuses})
    safe = _SafeOut(out)
    stop = _SignalStop(ctx, safe, asyncio.get_running_loop())
    stop.install()
    reader = _LineReader(stdin)
    last_progress = [0.0]

    async def ask(prompt: str) -> str | None:
        safe.write(prompt)
        safe.flush()
        line = await reader.readline(ctx.cancel)
        if line is None:
            safe.write("\n")
        return line.strip() if line is not None else None

    async def confirm(step: Step) -> bool:
        if yes:
            safe.write(f"--yes: running destructive step [{step.id}] {step.title}\n")
            return True
        safe.write(
            f"\nStep [{step.id}] {step.title} is DESTRUCTIVE"
            + (f" and REPLACES DATA on {step.target}" if step.replaces_data else "")
            + ".\n"
        )
        safe.write("It will run:\n" + "\n".join("  " + ln for ln in step.preview.splitlines()) + "\n")
        safe.flush()
        if step.replaces_data:
            answer = await ask(f"Type the node name ({step.target}) to go on, anything else stops: ")
            return answer == step.target
        answer = await ask("Go on? [y/N] ")
        return answer is not None and answer.lower() in ("y", "yes")

    def on_event(step: Step | None, ev: Event) -> None:
        if isinstance(ev, OutputLine):
            safe.write(("  " if step else "") + ev.text + "\n")
        elif isinstance(ev, StepState):
            if ev.state is StepStatus.RUNNING and step is not None:
                stop.step = step
                safe.write(f"\n== [{step.id}] {step.title}\n")  # a title names its target
            elif stop.step is step:
                stop.step = None
        elif isinstance(ev, Progress):
            if ev.seconds - last_progress[0] >= 1.0:
                last_progress[0] = ev.seconds
                rate = f", {human_bytes(ev.rate)}/s" if ev.rate else ""
                eta = f", ETA {ev.eta:.0f} s" if ev.eta is not None else ""
                safe.write(f"  .. {human_bytes(ev.bytes)} in {ev.seconds:.0f} s{rate}{eta}\n")
        safe.flush()

    try:
        safe.write(plan.render() + "\n")
        result = await run_plan(
            plan,
            ctx,
            confirm=confirm,
            on_event=on_event,
            dry_run=dry_run,
            refresh_statuses=refresh_statuses,
            transcript_dir=transcript_dir,
        )
    finally:
        stop.step = None
        left = await ctx.aclose()
        for line in left:
            print(f"replui: WARNING: {line}", file=sys.stderr)
    not_verified = result.ok and bool(getattr(result, "data_may_differ", ""))
    head = "\nFAILED: " if not result.ok else ("\nDONE, NOT VERIFIED: " if not_verified else "\nOK: ")
    safe.write(head + result.message + "\n")
    if dry_run:
        safe.write("(dry run: nothing was changed)\n")
    if result.transcript_path:
        safe.write(f"transcript: {result.transcript_path}\n")
    safe.flush()
    if stop.stopped_by is not None:
        return 128 + stop.stopped_by
    if not result.ok:
        return EXIT_FAILED
    return EXIT_NOT_VERIFIED if not_verified else EXIT_OK
