"""``python -m bench.tui [--nodes 2,8,32] [--seconds 20] [--src DIR] [--dir DIR] [--keep]``

What the dashboard costs while nothing happens, on a throwaway lab of three
idle MariaDB servers (node1 ⇄ node2, node3 a replica of node1). For each
node count N the config lists N entries pointing in turn at the three
servers (so 32 nodes are 32 connections polled every 2 s), and:

* **TUI CPU**: ``replui --config`` runs in a real pseudo-terminal of 160x45
  (its output read and thrown away, as a terminal would), warmed up for
  ``--warmup`` seconds, then its CPU time (user + system, all threads, from
  ``/proc/PID/stat``) is read over ``--seconds`` seconds: per cent of one
  core, and per node.
* **Baseline, same run**: a process that polls the same N entries with the
  same engine (:class:`replui.monitor.Monitor`, one thread per node, every
  2 s) and draws nothing. ``TUI / poll`` says what the screen adds.
* **Key to repaint** (at 8 nodes, or the middle count): ``?`` is written to
  the terminal and the time until the help text arrives on the terminal's
  output is read, ``--keys`` times, spread over the poll cycle; then escape.

``--src DIR`` runs the replui of another checkout (e.g. a worktree of an
older commit) against the same lab, for before/after figures. The issue's
targets: under 1 % of one core per node, key to repaint under 100 ms.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import codecs
import fcntl
import os
import pty
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from replui.lab.lab import Lab  # noqa: E402
from replui.lab.server import LabError  # noqa: E402

POLL_INTERVAL = int(os.environ.get("BENCH_POLL_INTERVAL", "2"))
SIZE = (160, 45)
#: Words of the dashboard's help dialog: their arrival on the terminal is the repaint after ``?``.
HELP_MARKER = "Marks (colour and symbol"
_ESCAPES = re.compile(
    r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b."
)

POLL_ONLY = """
import sys, threading, time
sys.path.insert(0, sys.argv[2])
from replui.config import load_config
from replui.monitor import Monitor
config = load_config(sys.argv[1])
monitor = Monitor(config)
def loop(name):
    while True:
        monitor.poll(name)
        time.sleep(config.poll_interval)
for name in monitor.node_names():
    threading.Thread(target=loop, args=(name,), daemon=True).start()
threading.Event().wait()
"""


def log(msg: str) -> None:
    print(msg, flush=True)


def write_config(lab: Lab, count: int, path: Path) -> None:
    """A config of ``count`` entries pointing in turn at the lab's servers."""
    lines = [
        "[defaults]",
        f'user = "{lab.admin_user}"',
        f'password = "{lab.admin_password}"',
        f"poll_interval = {POLL_INTERVAL}",
        'theme = "dark"',
        "",
    ]
    servers = lab.nodes
    for i in range(count):
        node = servers[i % len(servers)]
        name = node.name if i < len(servers) else f"{node.name}-{i + 1}"
        lines += ["[[nodes]]", f'name = "{name}"', 'host = "127.0.0.1"', f"port = {node.port}", ""]
    path.write_text("\n".join(lines))
    path.chmod(0o600)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Terminal:
    """``replui --config CONFIG`` in a pseudo-terminal of ``SIZE``; a thread
    reads its output (as a terminal would) and can wait for a text to appear."""

    def __init__(self, config: Path, src: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the TUI
            env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(src))
            env.pop("TEXTUAL", None)
            os.chdir(src)
            os.execve(sys.executable, [sys.executable, "-m", "replui", "--config", str(config)], env)
        cols, rows = SIZE
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._cond = threading.Condition()
        self._text = ""
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            pending += decoder.decode(data)
            cut = pending.rfind("\x1b")  # keep an escape sequence that may be incomplete
            done, pending = (pending[:cut], pending[cut:]) if cut >= 0 else (pending, "")
            text = _ESCAPES.sub("", done)
            with self._cond:
                self._text = (self._text + text)[-200_000:]
                self._cond.notify_all()

    def mark(self) -> None:
        """Forget the output so far: :meth:`wait_for` looks only at what comes next."""
        with self._cond:
            self._text = ""

    def wait_for(self, text: str, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while text not in self._text:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return False
                self._cond.wait(left)
        return True

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def stop(self) -> None:
        try:
            self.send(b"q")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    return
                time.sleep(0.1)
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass


def measure_cpu(pid: int, warmup: float, seconds: float) -> float:
    """Per cent of one core that ``pid`` used over ``seconds`` after ``warmup``."""
    time.sleep(warmup)
    a, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    b, t1 = cpu_seconds(pid), time.monotonic()
    return 100.0 * (b - a) / (t1 - t0)


def poll_only_cpu(config: Path, src: Path, warmup: float, seconds: float) -> float:
    proc = subprocess.Popen(
        [sys.executable, "-c", POLL_ONLY, str(config), str(src)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        return measure_cpu(proc.pid, warmup, seconds)
    finally:
        proc.kill()
        _, err = proc.communicate()
        if proc.returncode not in (0, -9):
            log(f"  poll-only process: {err.decode(errors='replace')[-500:]}")


def key_latencies(term: Terminal, keys: int) -> list[float]:
    """Milliseconds from writing ``?`` to the help text on the terminal, ``keys`` times."""
    out: list[float] = []
    for i in range(keys):
        time.sleep(0.37 + (i % 5) * 0.29)  # land at different points of the poll cycle
        term.mark()
        t0 = time.monotonic()
        term.send(b"?")
        if not term.wait_for(HELP_MARKER):
            log("  the help text never arrived; key latency not measured")
            return out
        out.append(1000 * (time.monotonic() - t0))
        term.send(b"\x1b")
        time.sleep(0.3)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", default="2,8,32", help="node counts, comma-separated (default 2,8,32)")
    ap.add_argument("--seconds", type=float, default=20.0, help="CPU measured over this long (default 20)")
    ap.add_argument("--warmup", type=float, default=6.0, help="seconds before measuring (default 6)")
    ap.add_argument("--keys", type=int, default=15, help="key-to-repaint samples (default 15)")
    ap.add_argument("--src", default=str(ROOT), help="the replui checkout to run (default: this one)")
    ap.add_argument("--dir", default=None, help="lab directory (default: a temporary one, removed after)")
    ap.add_argument("--keep", action="store_true", help="keep the lab running afterwards")
    args = ap.parse_args(argv)
    try:
        counts = [int(s) for s in args.nodes.split(",") if s.strip()]
    except ValueError:
        ap.error("--nodes expects integers, e.g. 2,8,32")
    src = Path(args.src).resolve()
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="rb-tui-"))
    lab = None
    rows: list[tuple[int, float, float, list[float]]] = []
    latency_at = 8 if 8 in counts else counts[len(counts) // 2]
    try:
        log(f"starting a three-node lab in {base}; replui from {src}")
        lab = Lab.up(base / "lab", "master-master", 3, echo=lambda m: log("  " + m))
        for n in counts:
            config = base / f"nodes-{n}.toml"
            write_config(lab, n, config)
            poll = poll_only_cpu(config, src, args.warmup, args.seconds)
            term = Terminal(config, src)
            try:
                tui = measure_cpu(term.pid, args.warmup, args.seconds)
                lat = key_latencies(term, args.keys) if n == latency_at else []
            finally:
                term.stop()
            rows.append((n, tui, poll, lat))
            extra = (
                f", key to repaint median {statistics.median(lat):.0f} ms, max {max(lat):.0f} ms "
                f"(each: {' '.join(f'{x:.0f}' for x in lat)})"
                if lat
                else ""
            )
            log(
                f"  {n:2d} nodes: TUI {tui:5.1f} % of a core ({tui / n:.2f} % per node), "
                f"poll only {poll:4.1f} %{extra}"
            )
        log("")
        head = f"{'nodes':>5} {'TUI %':>6} {'% per node':>10} {'poll %':>6} {'TUI/poll':>8}"
        log(f"{head} {'key ms p50/max':>15}")
        for n, tui, poll, lat in rows:
            ratio = f"{tui / poll:8.1f}" if poll > 0.05 else f"{'-':>8}"
            keys = f"{statistics.median(lat):.0f}/{max(lat):.0f}" if lat else "-"
            log(f"{n:5d} {tui:6.1f} {tui / n:10.2f} {poll:6.1f} {ratio} {keys:>15}")
        log(
            f"(poll interval {POLL_INTERVAL} s, terminal {SIZE[0]}x{SIZE[1]}, CPU over {args.seconds:.0f} s; "
            "targets: < 1 % of one core per node, key to repaint < 100 ms at 8 nodes)"
        )
        return 0
    except (LabError, OSError) as exc:
        print(f"bench.tui: {exc}", file=sys.stderr)
        return 2
    finally:
        if lab is not None and not args.keep:
            try:
                lab.down(purge=True)
            except LabError as exc:
                print(f"bench.tui: stopping the lab: {exc}", file=sys.stderr)
            if not args.dir:
                shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
