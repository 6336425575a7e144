"""A bounded write load the replica cannot keep up with (scenario ``replica-lag``).

``CLIENTS`` sessions on the source each run, back to back, an ``UPDATE`` that
sleeps ``STATEMENT_SLEEP`` seconds, logged in statement format so the replica
re-runs the sleep. The source runs them in parallel, the replica's single SQL
thread one after the other: it falls behind by about half the elapsed time
(two clients), then needs as long again as the load ran to catch up. The load
stops by itself after ``seconds``; ``stop`` ends it early. It runs in its own
detached process (``python -m replui.lab.load``), its pid in the lab
directory, so ``replui lab break`` returns while the lag builds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from replui.lab.lab import Lab

CLIENTS = 2
STATEMENT_SLEEP = 0.25  # seconds per statement, on the source and again on the replica
DEFAULT_SECONDS = 90.0
PID_FILE = "load.pid"
DATABASE = "lab_load"


def _pid_path(lab_dir: Path) -> Path:
    return lab_dir / PID_FILE


def running(lab_dir: Path) -> tuple[int, float] | None:
    """``(pid, seconds left)`` of a load still running in ``lab_dir``, else None."""
    try:
        pid_text, end_text = _pid_path(lab_dir).read_text(encoding="utf-8").split()
        pid, end = int(pid_text), float(end_text)
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid, max(0.0, end - time.time())


def stop(lab_dir: Path) -> None:
    """End the load of ``lab_dir`` (if any) and forget its pid."""
    got = running(lab_dir)
    if got is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(got[0], signal.SIGTERM)
    with contextlib.suppress(FileNotFoundError):
        _pid_path(lab_dir).unlink()


def start(lab: Lab, source: str, seconds: float = DEFAULT_SECONDS) -> int:
    """Create ``lab_load.ticks`` on ``source`` (replicated) and start the load
    against it for ``seconds``; returns the load's pid. Raises LabError when a
    load already runs."""
    from replui.lab.server import LabError

    if running(lab.dir) is not None:
        raise LabError(f"a write load already runs in {lab.dir.name}: wait for it to end")
    lab.sql(
        source,
        [
            f"CREATE DATABASE IF NOT EXISTS {DATABASE}",
            f"CREATE TABLE IF NOT EXISTS {DATABASE}.ticks (id INT PRIMARY KEY, n BIGINT NOT NULL)",
            f"INSERT IGNORE INTO {DATABASE}.ticks VALUES " + ", ".join(f"({i}, 0)" for i in range(CLIENTS)),
        ],
    )
    log = open(lab.dir / "load.log", "ab")
    with log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "replui.lab.load", str(lab.dir), source, str(seconds)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    path = _pid_path(lab.dir)
    path.write_text(f"{proc.pid} {time.time() + seconds}\n", encoding="utf-8")
    return proc.pid


def _client(lab: Lab, source: str, key: int, deadline: float, stopping: threading.Event) -> None:
    with lab.connect(source) as conn, conn.cursor() as cur:
        cur.execute(
            "SET SESSION binlog_format='STATEMENT'"
        )  # the replica re-runs the statement and its sleep
        while time.time() < deadline and not stopping.is_set():
            cur.execute(
                f"UPDATE {DATABASE}.ticks SET n=n+1 WHERE id=%s AND SLEEP(%s)=0", (key, STATEMENT_SLEEP)
            )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m replui.lab.load LAB_DIR SOURCE SECONDS``."""
    from replui.lab.lab import Lab

    p = argparse.ArgumentParser(prog="python -m replui.lab.load")
    p.add_argument("dir")
    p.add_argument("source")
    p.add_argument("seconds", type=float)
    args = p.parse_args(argv)
    lab = Lab.load(args.dir)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    deadline = time.time() + args.seconds
    threads = [
        threading.Thread(target=_client, args=(lab, args.source, k, deadline, stopping), daemon=True)
        for k in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with contextlib.suppress(FileNotFoundError):
        _pid_path(Path(args.dir)).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
