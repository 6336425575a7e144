"""``python -m bench.ssh_tui [--size-mb 200] [--keys 15] [--interval 0.5] [--dir DIR] [--py-spy FILE]``

Does the TUI stay responsive while a rebuild's bytes flow through the jump
host? In one run, on a throwaway SSH lab (:class:`replui.lab.sshlab.SshLab`:
a jump host, db1 → db2, reached only through the jump):

1. about SIZE MiB of InnoDB data is made on db1 server-side (the Sequence
   engine, :mod:`bench`'s table and INSERT, binlog off: db2 does not get it);
2. the real TUI (``python -m replui --config CFG``) runs in a pseudo-terminal
   of 160x45 (:class:`bench.tui.Terminal`, whose reading thread also feeds a
   watch on the screen's text here);
3. **idle**: ``--keys`` key-to-repaint samples on the dashboard (``?``, until
   its help text arrives; escape), as :mod:`bench.tui` takes them;
4. ``rebuild-replica --source db1 --replica db2 --databases bench`` is started
   **from the TUI, by keys**: ``w`` (the wizard picker), Home and ↓ to the
   wizard, tab tab to the options line, the options typed, ``ctrl+s``; each
   confirm dialog is answered as an operator would (``y``; the step that
   replaces db2's data: ``db2`` typed, then enter);
5. **during the transfer** — from the first progress figures of the stream
   step on the screen until they stop moving (the relay's last chunk) — a
   sample every ``--interval`` seconds on the wizard screen: ``?`` opens its
   help (its own text) and ``?`` closes it again, timed too (until the wizard
   screen's footer is painted again, so no sample starts under the help;
   escape would cancel the run once the help is gone). Samples taken after
   the last byte, while the step waits for the restore and checks both
   ends, are shown apart;
6. **wizard screen, after the run**: ``--keys`` samples the same way, for the
   same screen without a transfer.

Printed: the medians and maxima, during ÷ idle, the transfer's seconds and
MiB/s (SQL bytes, as replui counts them), the TUI process's CPU while the
bytes flowed (``/proc/PID/stat``, all threads, and per thread: named when
py-spy is there), and how busy the whole machine was (everything runs on
it: both servers, the dump, zstd, three sshd). ``--py-spy FILE`` also
records the TUI with py-spy over the transfer (it costs CPU: not for the
figures). The issue's target: key to repaint under 100 ms. Nothing is
asserted. The lab is torn down on every exit (also SIGTERM) unless ``--keep``.

Each ``?`` builds a whole screen and drops it: its garbage is the TUI's
garbage collector's work too, and a full collection (hundreds of ms on a
long-lived TUI) shows as a slow sample whatever the transfer does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ssh import (  # noqa: E402
    Timer,
    end_lab,
    grow_dataset,
    lab_base,
    load_average,
    ssh_true_seconds,
    stop_on_sigterm,
)
from bench.tui import SIZE, Terminal, cpu_seconds, key_latencies  # noqa: E402

MiB = 2**20
WIZARD = "rebuild-replica"
OPTIONS = "--source db1 --replica db2 --databases bench"
#: The wizard screen's help (WIZARD_HELP): its arrival is the repaint after ``?`` there.
WIZARD_HELP_MARKER = "every step of the plan and where it stands"
#: The wizard screen's footer (the help's own covers it): painted again once the help has closed.
WIZARD_FOOTER = "Next pane"
#: Text each stage waits for.
PICKER_OPEN = "Plan (as --dry-run prints it)"
PLAN_SHOWN = "In scope: bench."
WIZARD_SCREEN = f"Wizard {WIZARD}: "
DASHBOARD_READY = "Slave_SQL_Running"  # db2's channel, once the dashboard has read it
#: The confirm dialogs (replui/ui/screens/confirm.py) and the help over one of them.
ASK_YES = "y: yes · n or escape: no, stop"
ASK_NAME = "Type the node name (db2)"
ASK_CANCEL = "y: yes, cancel it"
CONFIRM_HELP = "asked before every step that changes a server"

_UNIT = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}
_BYTES = r"\d+(?:\.\d+)? (?:B|KiB|MiB|GiB|TiB)"
#: The stream step's progress figures (describe_progress), not its final "done · …" line.
PROGRESS = re.compile(
    rf"(?<!done · )(?<![\d.])({_BYTES})(?: of {_BYTES} \(\d+%\))? · (?:\d+ rows · )?{_BYTES}/s · "
)
DONE = re.compile(rf"done · ({_BYTES})(?: · (?:\d+ rows · )?({_BYTES})/s)?")
AWAITING = re.compile(r"waiting for your answer on step (\d+)/\d+")
FINISHED = re.compile(rf"{WIZARD_SCREEN}[^\n—]*— (verified|done|not verified|failed)\b")
OUTCOME = re.compile(r"(?:✔ VERIFIED|✔ DONE|▲ DONE, NOT VERIFIED|✖ FAILED|✖ REFUSED)[^\n│┃]*")


class BenchError(Exception):
    """A stage did not happen on the screen in time (the message says which)."""


def log(msg: str = "") -> None:
    print(msg, flush=True)


def to_bytes(text: str) -> int:
    num, unit = text.split()
    return int(float(num) * _UNIT[unit])


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) of each thread of ``pid``, by ``name/tid``
    (the main thread, Textual's event loop, as ``main``)."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        label = "main" if tid == str(pid) else f"{name}/{tid}"
        out[label] = (int(fields[11]) + int(fields[12])) / tick
    return out


def py_spy() -> str | None:
    """The py-spy executable: on PATH, else /tmp/spy/bin/py-spy (``python3 -m venv /tmp/spy &&
    /tmp/spy/bin/pip install py-spy``); None when neither is there."""
    exe = shutil.which("py-spy") or "/tmp/spy/bin/py-spy"
    return exe if os.access(exe, os.X_OK) else None


def thread_names(pid: int) -> dict[str, str]:
    """Python's names of ``pid``'s threads by native id, from ``py-spy dump``
    (Python 3.11 does not name the OS threads); {} without py-spy."""
    exe = py_spy()
    if exe is None:
        return {}
    try:
        out = subprocess.run([exe, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return dict(re.findall(r'^Thread (\d+) \([a-z]+\): "([^"]*)"', out.stdout, re.M))


def machine_cpu() -> tuple[float, float]:
    """``(busy, total)`` jiffies of all the machine's CPUs, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return float(sum(fields) - idle), float(sum(fields))


@dataclass
class Watch:
    """What the screen showed, and when (``time.monotonic()``): fed every chunk
    of text the terminal reads, in its reading thread."""

    pid: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    carry: str = ""
    wizard_at: float = 0.0
    first_progress: float = 0.0
    first_progress_text: str = ""
    last_progress: float = 0.0
    last_progress_text: str = ""
    done_at: float = 0.0
    done_bytes: int = 0
    done_rate: str = ""
    cpu_first: float = 0.0
    cpu_done: float = 0.0
    cpu_last: float = 0.0
    threads_first: dict[str, float] = field(default_factory=dict)
    threads_last: dict[str, float] = field(default_factory=dict)
    machine_first: tuple[float, float] = (0.0, 0.0)
    machine_last: tuple[float, float] = (0.0, 0.0)
    threads_done: dict[str, float] = field(default_factory=dict)
    awaiting: int = 0  # the step the wizard waits on (its latest "waiting for your answer")
    awaiting_at: float = 0.0
    seen: dict[str, float] = field(default_factory=dict)  # dialog text → last seen
    finished: str = ""
    outcome: str = ""

    def feed(self, chunk: str) -> None:
        now = time.monotonic()
        with self.lock:
            text = self.carry + chunk
            self.carry = text[-400:]  # a pattern cut between two reads is seen whole next time
            if not self.wizard_at and WIZARD_SCREEN in text:
                self.wizard_at = now
            for key in (ASK_YES, ASK_NAME, ASK_CANCEL, CONFIRM_HELP):
                if key in text:
                    self.seen[key] = now
            for m in AWAITING.finditer(text):
                step = int(m.group(1))
                if step != self.awaiting:
                    self.awaiting, self.awaiting_at = step, now
            if not self.done_at:
                for m in PROGRESS.finditer(text):
                    if not self.first_progress:
                        self.first_progress, self.first_progress_text = now, m.group(0)
                        if self.pid:
                            self.cpu_first, self.threads_first = cpu_seconds(self.pid), thread_cpu(self.pid)
                            self.machine_first = machine_cpu()
                    if m.group(1) != self.last_progress_text:  # the bytes moved on
                        self.last_progress, self.last_progress_text = now, m.group(1)
                        if self.pid:
                            self.cpu_last, self.threads_last = cpu_seconds(self.pid), thread_cpu(self.pid)
                            self.machine_last = machine_cpu()
                d = DONE.search(text)
                if d and self.first_progress:
                    self.done_at, self.done_bytes, self.done_rate = (
                        now,
                        to_bytes(d.group(1)),
                        d.group(2) or "",
                    )
                    if self.pid:
                        self.cpu_done, self.threads_done = cpu_seconds(self.pid), thread_cpu(self.pid)
            f = FINISHED.search(text)
            if f:
                self.finished = f.group(1)
            o = OUTCOME.search(text)
            if o:
                self.outcome = o.group(0).strip()


class WatchedTerminal(Terminal):
    """:class:`bench.tui.Terminal` whose every read also goes to ``watch.feed``.

    The terminal's reading thread appends what it reads with
    ``self._text = (self._text + text)[-200_000:]`` and :meth:`Terminal.mark`
    empties ``_text``: here ``_text`` is a property that gives the reading
    thread ``""``, so what it stores is exactly the new chunk, which is passed
    on to the watch and appended to the text that :meth:`Terminal.wait_for`
    looks at (emptied by ``mark()`` as before)."""

    def __init__(self, config: Path, src: Path, watch: Watch) -> None:
        self._watch = watch
        self._buf = ""
        super().__init__(config, src)
        watch.pid = self.pid

    def _in_reader(self) -> bool:
        return threading.current_thread() is self.__dict__.get("_reader")

    @property
    def _text(self) -> str:
        return "" if self._in_reader() else self._buf

    @_text.setter
    def _text(self, value: str) -> None:
        if self._in_reader():
            self._watch.feed(value)
            self._buf = (self._buf + value)[-200_000:]
        else:
            self._buf = value


def wait_until(what: str, predicate: Any, timeout: float, term: Terminal) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if term._closed:
            raise BenchError(f"the TUI exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not seen on the screen within {timeout:.0f} s")
        time.sleep(0.02)


def start_rebuild(term: WatchedTerminal, watch: Watch) -> None:
    """Open the wizard picker, choose rebuild-replica, type its options, start it."""
    from replui.wizards.catalogue import NAMES

    term.mark()
    term.send(b"w")
    if not term.wait_for(PICKER_OPEN, 15):
        raise BenchError("`w` did not open the wizard picker")
    time.sleep(0.3)
    term.send(b"\x1b[H")  # Home: the first wizard of the list
    for _ in range(NAMES.index(WIZARD)):
        time.sleep(0.1)
        term.send(b"\x1b[B")  # ↓
    time.sleep(0.5)
    term.send(b"\t")  # the plan
    time.sleep(0.2)
    term.send(b"\t")  # the options line
    time.sleep(0.3)
    term.mark()
    term.send(b"\x01\x0b")  # ctrl+a (home), ctrl+k (delete to the end): the pre-filled options gone
    time.sleep(0.2)
    term.send(OPTIONS.encode())
    if not term.wait_for(PLAN_SHOWN, 15):
        raise BenchError(f"the picker's plan did not follow the options typed ({OPTIONS})")
    time.sleep(0.5)
    term.send(b"\x13")  # ctrl+s: start
    wait_until("the wizard screen", lambda: watch.wizard_at, 20, term)


class Answerer:
    """Answers the confirm dialogs as the operator: ``y``, or the node's name
    then enter where the step replaces data; never cancels a restore."""

    #: Seconds after which a step still awaiting is answered again: keys typed
    #: before the dialog took the focus went to the screen behind it.
    RETRY = 3.0

    def __init__(self, term: Terminal, watch: Watch) -> None:
        self.term, self.watch = term, watch
        self.answered: dict[int, float] = {}
        self.last = 0.0
        self.said: list[str] = []

    def poll(self) -> None:
        w, now = self.watch, time.monotonic()
        with w.lock:
            seen = dict(w.seen)
            step, since = w.awaiting, w.awaiting_at
        fresh = {k: t for k, t in seen.items() if t > self.last + 0.15}  # not a frame from before our answer
        if ASK_CANCEL in fresh:
            self._send(b"n", "n (keep restoring)")
            return
        if CONFIRM_HELP in fresh and fresh[CONFIRM_HELP] >= max(fresh.values()):
            self._send(b"?", "? (closes a help opened over a confirm dialog)")
            return
        if not step or now - since < 0.25:
            return
        again = step in self.answered
        if again and now - self.answered[step] < self.RETRY:
            return
        self.answered[step] = now
        if again:
            # the title may still name a step already answered (only its changed cells are repainted), or
            # the keys came before the dialog had the focus: answer both kinds; on a dialog that asks y the
            # y closes it, on one that asks the name ctrl+a ctrl+k clears the field first, and on the
            # wizard screen d … enter toggle the detail twice
            self._send(b"y", None)
            time.sleep(0.15)
            self._send(b"\x01\x0bdb2", None)
            time.sleep(0.15)
            self._send(b"\r", f"step {step} or the next: y, then db2 + enter (again)")
            return
        asks = {k: t for k, t in fresh.items() if k in (ASK_YES, ASK_NAME)}
        if not asks:
            del self.answered[step]
            return
        kind = max(asks, key=lambda k: asks[k])
        if kind == ASK_NAME:
            self._send(b"db2", None)
            time.sleep(0.15)
            self._send(b"\r", f"step {step}: db2 + enter")
        else:
            self._send(b"y", f"step {step}: y")

    def _send(self, keys: bytes, said: str | None) -> None:
        self.term.send(keys)
        self.last = time.monotonic()
        if said:
            self.said.append(said)


def wizard_sample(term: Terminal, timeout: float = 15.0) -> tuple[float | None, float | None]:
    """One key-to-repaint on the wizard screen, both ways: ms from ``?`` to its
    help text on the terminal, then from ``?`` (which closes the help) to the
    wizard screen's footer painted again (None: not within ``timeout``). The
    next sample starts on the wizard screen, never while the help is still open."""
    term.mark()
    t0 = time.monotonic()
    term.send(b"?")
    opened = term.wait_for(WIZARD_HELP_MARKER, timeout)
    t1 = time.monotonic()
    term.mark()
    term.send(b"?")
    closed = term.wait_for(WIZARD_FOOTER, timeout)
    t2 = time.monotonic()
    return (1000 * (t1 - t0) if opened else None), (1000 * (t2 - t1) if closed else None)


def during_transfer(
    term: Terminal, watch: Watch, answerer: Answerer, interval: float, spy: SpyRecorder | None
) -> list[tuple[float, float, float]]:
    """``(sent at, open ms, close ms)`` samples from the first progress figures until the stream
    step shows done, one every ``interval`` s (or as soon as the last one has closed)."""
    wait_until(
        "the stream step's progress",
        lambda: (answerer.poll(), watch.first_progress)[1] or watch.finished,
        900,
        term,
    )
    if watch.finished:
        raise BenchError(f"the wizard ended ({watch.finished}) before any byte moved: {watch.outcome}")
    if spy is not None:
        spy.start()
    out: list[tuple[float, float, float]] = []
    start = watch.first_progress
    i = 0
    while not watch.done_at and not watch.finished:
        slot = start + i * interval
        while time.monotonic() < slot and not watch.done_at:
            time.sleep(0.01)
        if watch.done_at:
            break
        sent = time.monotonic()
        opened, closed = wizard_sample(term)
        if opened is None or closed is None:
            log("  a sample's help did not open or close within 15 s (counted as 15000 ms)")
        out.append((sent, opened or 15000.0, closed or 15000.0))
        time.sleep(0.1)
        i = max(i + 1, int((time.monotonic() - start) / interval) + 1)
    if spy is not None:
        spy.stop()
    return out


class SpyRecorder:
    """``py-spy record`` of the TUI process from the first progress figures
    to the stream step's end (``--nonblocking``: the TUI is never paused, but
    the sampler takes CPU of its own: the latencies of such a run are not the
    benchmark's). A ``.txt`` output is py-spy's raw format (collapsed stacks,
    thread ids in them), anything else a flame graph (SVG)."""

    def __init__(self, pid: int, output: Path) -> None:
        self.pid, self.output = pid, output
        self.proc: subprocess.Popen[bytes] | None = None
        self.exe = py_spy() or "py-spy"

    def start(self) -> None:
        fmt = "raw" if self.output.suffix == ".txt" else "flamegraph"
        argv = [self.exe, "record", "--pid", str(self.pid), "--nonblocking", "--threads", "-f", fmt]
        self.proc = subprocess.Popen(
            [*argv, "-o", str(self.output)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode not in (0, -signal.SIGINT):
            log(f"  py-spy: {err.decode(errors='replace')[-400:]}")
        log(f"  py-spy record of the TUI during the transfer: {self.output}")


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    return f"median {statistics.median(values):.0f} ms, max {max(values):.0f} ms, n={len(values)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ssh_tui", description=(__doc__ or "").split("\n\n")[1])
    ap.add_argument(
        "--size-mb", type=int, default=200, help="MiB of InnoDB data on db1 to rebuild db2 from (default 200)"
    )
    ap.add_argument("--keys", type=int, default=15, help="idle key-to-repaint samples (default 15)")
    ap.add_argument(
        "--interval", type=float, default=0.5, help="seconds between samples during the transfer (0.5)"
    )
    ap.add_argument(
        "--dir", default=None, help="lab directory (default: a new one under /tmp, removed after)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the lab running afterwards")
    ap.add_argument(
        "--buffer-pool", default="512M", help="innodb_buffer_pool_size of the lab's servers (default 512M)"
    )
    ap.add_argument(
        "--py-spy",
        metavar="FILE",
        default=None,
        help="also record the TUI with py-spy during the transfer (FILE.txt: raw stacks, else SVG)",
    )
    args = ap.parse_args(argv)
    if args.size_mb < 1:
        ap.error("--size-mb must be at least 1")
    base = lab_base(ap, args.dir, "rb-sshtui-")
    stop_on_sigterm("bench.ssh_tui")
    return _run(args, base)


def _run(args: argparse.Namespace, base: Path) -> int:
    from replui.lab.server import LabError
    from replui.lab.sshlab import SshLab

    lab = None
    term: WatchedTerminal | None = None
    work = base / "work"
    timer = Timer()
    try:
        log(f"starting an SSH lab (jump, db1 → db2) in {base}")
        lab = SshLab.up(
            base / "lab",
            count=2,
            topology="source-replica",
            buffer_pool=args.buffer_pool,
            echo=lambda m: log("  " + m),
        )
        work.mkdir(parents=True, exist_ok=True)
        os.chmod(work, 0o700)
        config = lab.write_config(work / "replui.toml")
        log(f"one `ssh db1 true` (through the jump): {ssh_true_seconds(lab.ssh_config_path, 1):.2f} s")
        log(f"making about {args.size_mb} MiB of InnoDB data on db1 (db2 does not replicate it)")
        rows, dl = grow_dataset(lab, timer, args.size_mb)

        os.environ["XDG_STATE_HOME"] = str(work / "state")  # the wizard's transcript, inherited by the TUI
        watch = Watch()
        term = WatchedTerminal(config, ROOT, watch)
        log(f"TUI pid {term.pid} in a {SIZE[0]}x{SIZE[1]} pseudo-terminal; waiting for the dashboard")
        if not term.wait_for(DASHBOARD_READY, 60):
            raise BenchError("the dashboard never showed db2's replication")
        time.sleep(3)

        cpu0, t0 = cpu_seconds(term.pid), time.monotonic()
        idle = key_latencies(term, args.keys)
        idle_cpu = 100 * (cpu_seconds(term.pid) - cpu0) / (time.monotonic() - t0)
        log(f"idle (dashboard): {summary(idle)}; TUI CPU {idle_cpu:.1f} % of a core meanwhile")

        log(f"starting {WIZARD} from the TUI: w, the picker, options `{OPTIONS}`, ctrl+s")
        t_start = time.monotonic()
        start_rebuild(term, watch)
        answerer = Answerer(term, watch)
        spy = SpyRecorder(term.pid, Path(args.py_spy).resolve()) if args.py_spy else None
        try:
            timed = during_transfer(term, watch, answerer, args.interval, spy)
        finally:
            if spy is not None:
                spy.stop()
        # while bytes flowed: sent before the progress figures last moved (the relay's last
        # chunk); after that the stream step only waits for the restore and checks both ends
        during = [ms for sent, ms, _ in timed if sent <= watch.last_progress]
        during_close = [ms for sent, _, ms in timed if sent <= watch.last_progress]
        tail = [ms for sent, ms, _ in timed if sent > watch.last_progress]
        wait_until(
            "the end of the wizard", lambda: (answerer.poll(), watch.finished)[1], 1800, term
        )  # also the steps after the stream: their confirm dialogs
        t_end = time.monotonic()
        time.sleep(1.5)
        after: list[float] = []
        after_close: list[float] = []
        for i in range(args.keys):
            opened, closed = wizard_sample(term)
            after += [opened] if opened is not None else []
            after_close += [closed] if closed is not None else []
            time.sleep(0.3 + (i % 5) * 0.1)
        log(f"answered: {', '.join(answerer.said)}")

        flow = watch.last_progress - watch.first_progress  # bytes flowing through the jump host
        step = watch.done_at - watch.first_progress
        mib = watch.done_bytes / MiB
        cpu = 100 * (watch.cpu_last - watch.cpu_first) / flow if flow > 0 else 0.0
        threads = {
            k: 100 * (v - watch.threads_first.get(k, 0.0)) / flow
            for k, v in watch.threads_last.items()
            if flow > 0
        }
        names = thread_names(term.pid)
        label = {k: names.get(k.rpartition("/")[2], k) for k in threads}
        label["main"] = "main (Textual's event loop)"
        busiest = sorted(((label[k], v) for k, v in threads.items()), key=lambda kv: -kv[1])[:4]
        log("")
        log("=" * 100)
        log(
            f"{WIZARD} db1 → db2 through the jump host, started from the TUI: {dl / MiB:.0f} MiB of data "
            f"({rows} rows) on db1; {watch.outcome or watch.finished}"
        )
        log(
            f"transfer: bytes flowing (first → last progress figures on the screen) {flow:.1f} s, "
            f"{mib:.0f} MiB of SQL = {mib / flow if flow > 0 else 0:.1f} MiB/s (the screen's own figure, "
            f"from the step's start: {watch.done_rate}/s); the stream step showed done {step - flow:.1f} s "
            f"later (restore finishing, both ends' counts and SHA-256 read); the whole wizard "
            f"{t_end - t_start:.1f} s"
        )
        log("key to repaint (? opens the help: until its text is on the terminal):")
        log(f"  idle, on the dashboard (then escape)              {summary(idle)}")
        log(f"  while the bytes flowed, on the wizard screen      {summary(during)}")
        log(f"  stream step after its last byte, wizard screen    {summary(tail)}")
        log(f"  wizard screen after the run                       {summary(after)}")
        log("and back (? again closes the help: until the wizard screen's footer is painted again):")
        log(f"  while the bytes flowed                            {summary(during_close)}")
        log(f"  wizard screen after the run                       {summary(after_close)}")
        if idle and during:
            log(
                f"during ÷ idle: median {statistics.median(during) / statistics.median(idle):.1f}x, "
                f"max {max(during) / max(idle):.1f}x; target: key to repaint < 100 ms "
                f"({sum(1 for x in during if x >= 100)} of {len(during)} samples while the bytes flowed "
                "at ≥ 100 ms)"
            )
        log(f"  each, idle:   {' '.join(f'{x:.0f}' for x in idle)}")
        log(f"  each, during: {' '.join(f'{x:.0f}' for x in during)}")
        log(f"  each, after:  {' '.join(f'{x:.0f}' for x in after)}")
        log(
            f"TUI CPU while the bytes flowed: {cpu:.0f} % of one core (all threads; idle dashboard: "
            f"{idle_cpu:.1f} %); by thread: " + ", ".join(f"{k} {v:.0f} %" for k, v in busiest)
        )
        (b0, t0_), (b1, t1_) = watch.machine_first, watch.machine_last
        busy = 100 * (b1 - b0) / (t1_ - t0_) if t1_ > t0_ else 0.0
        log(
            f"the whole machine meanwhile: {busy:.0f} % busy of its {os.cpu_count()} CPUs "
            "(the TUI, sshd of the jump and both hosts, the dump, zstd, both servers)"
        )
        log(
            f"(terminal {SIZE[0]}x{SIZE[1]}, a sample every {args.interval:g} s during the transfer, "
            f"{os.cpu_count()} CPUs, load average at the end {load_average()}; nothing asserted)"
        )
        return 0
    except (BenchError, LabError, TimeoutError, OSError) as exc:
        print(f"bench.ssh_tui: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the teardown short
        if term is not None:
            try:
                term.send(b"\x1b")  # back to the dashboard (once the run has ended), then q
                time.sleep(0.3)
            except OSError:
                pass
            term.stop()
        end_lab(lab, work, base, args, "bench.ssh_tui")


if __name__ == "__main__":
    raise SystemExit(main())
