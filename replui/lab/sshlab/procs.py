"""Processes and commands of the SSH lab, read from ``/proc``: run a command
(LabError naming the step), tell a live process from a recycled pid, find a
process's descendants, the processes of a network namespace or carrying the
lab's environment marker, kill and wait, and check a TCP listener.

Pids are ints; a process's start time is in clock ticks since boot (field 22
of ``/proc/PID/stat``), which with the pid names one process for good.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from replui.lab.server import LabError

#: where ``sshd``, ``ip`` and the ssh tools are looked for: ``$PATH`` plus the sbin directories
SSHD_SEARCH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin"]
)


def which(name: str) -> str | None:
    """The path of command ``name`` in :data:`SSHD_SEARCH`, None when absent."""
    return shutil.which(name, path=SSHD_SEARCH)


def tail(text: str | bytes | None, lines: int = 12) -> str:
    """The last ``lines`` lines of a command's output ("" for None)."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join(text.strip().splitlines()[-lines:])


def run(argv: Sequence[str], what: str, timeout: float = 60.0, **kw: Any) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (``timeout`` in seconds), capturing text output; LabError
    naming ``what`` with the stderr tail when it cannot run or exits non-zero."""
    try:
        out = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kw,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{what}: {shlex.join(argv)}: {exc}") from None
    if out.returncode != 0:
        raise LabError(
            f"{what}: {shlex.join(argv)} exited {out.returncode}: {tail(out.stderr) or tail(out.stdout)}"
        )
    return out


def proc_stat(pid: int) -> tuple[int, str, int] | None:
    """``(ppid, state, start time in clock ticks)`` of ``pid`` from /proc, None when gone."""
    try:
        rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(rest[1]), rest[0], int(rest[19])
    except (OSError, IndexError, ValueError):
        return None


def start_time(pid: int) -> int | None:
    """``pid``'s start time in clock ticks, None when it is gone."""
    st = proc_stat(pid)
    return st[2] if st else None


def alive(pid: int, start: int | None = None) -> bool:
    """``pid`` exists, is no zombie, and (``start`` given) started at ``start``: not a recycled pid."""
    st = proc_stat(pid)
    return st is not None and st[1] not in ("Z", "X") and (start is None or st[2] == start)


@dataclass
class Proc:
    """A process the lab started: ``pid``, its ``start`` time (clock ticks; None
    when it was gone at once) and, when this process spawned it, its ``popen``."""

    pid: int
    start: int | None
    popen: subprocess.Popen[bytes] | None = None

    @classmethod
    def of(cls, popen: subprocess.Popen[bytes]) -> Proc:
        return cls(popen.pid, start_time(popen.pid), popen)

    def alive(self) -> bool:
        return alive(self.pid, self.start)


def pids() -> list[int]:
    """Every pid in /proc."""
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def cmdline(pid: int) -> str:
    """``pid``'s command line, arguments joined by spaces ("" when gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    """Every live descendant of ``root`` (children, their children…)."""
    children: dict[int, list[int]] = {}
    for pid in pids():
        st = proc_stat(pid)
        if st is not None:
            children.setdefault(st[0], []).append(pid)
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def environ_marked(pid: int, needle: bytes) -> bool:
    """An entry of ``pid``'s environment starts with ``needle`` (e.g. ``b"NAME=value"``)."""
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return any(item.startswith(needle) for item in env.split(b"\0"))


def pids_in_netns(namespace: str) -> list[int]:
    """Processes whose network namespace is ``namespace`` (compared by inode, no exec)."""
    try:
        st = os.stat(f"/run/netns/{namespace}")
    except OSError:
        return []
    ident = st.st_dev, st.st_ino
    found = []
    for pid in pids():
        try:
            st = os.stat(f"/proc/{pid}/ns/net")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == ident:
            found.append(pid)
    return found


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to ``pid``; a process already gone (or not ours) is no error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def wait_gone(procs: Sequence[tuple[int, int | None]], timeout: float) -> list[int]:
    """Wait until none of ``(pid, start)`` is alive; returns those still alive after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid, start in procs if alive(pid, start)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def listening(pid: int, address: str, port: int) -> bool:
    """``pid``'s network namespace has a TCP listener on ``address:port`` (read from /proc/PID/net/tcp)."""
    try:
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    raw = socket.inet_aton(address)
    wanted = {
        f"{int.from_bytes(raw, 'little'):08X}:{port:04X}",
        f"{int.from_bytes(raw, 'big'):08X}:{port:04X}",
    }
    return any(len(f := line.split()) > 3 and f[1] in wanted and f[3] == "0A" for line in lines)


def end_helpers(helpers: Sequence[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGKILL each still running ``helpers`` process and its descendants, then
    reap it (waiting up to ``timeout`` s each)."""
    for proc in helpers:
        if proc.poll() is None:
            for pid in (*descendants(proc.pid), proc.pid):
                kill(pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.communicate(timeout=timeout)
