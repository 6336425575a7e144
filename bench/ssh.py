"""``python -m bench.ssh [--size-mb 200] [--dir DIR] [--keep]``

replui's SSH mode on a throwaway SSH lab (:class:`replui.lab.sshlab.SshLab`:
a jump host, db1 → db2, each database host with its own sshd and MariaDB,
reached only through the jump), timed against OpenSSH baselines in the same
run:

1. **Relay through the jump host** (this process is the jump host's client:
   every byte is decrypted here and encrypted again). A file of SIZE MB of
   incompressible bytes on db1 is moved to db2:

   (a) replui, in a fresh interpreter (its peak RSS, ``VmHWM``, is its own):
       :func:`replui.transport.transport_for` on db1 and db2 from the lab's
       replui config, ``cat FILE`` on db1, ``sh -c 'cat > DEST'`` on db2, and
       stdout → stdin in 256 KiB reads with ``drain()`` (as
       :mod:`replui.wizards.relay` does); the copy's sha256 is checked;
   (b) ``scp -3 -F ssh_config db1:FILE db2:DEST`` (OpenSSH, same jump host).

   Also at SIZE/4, so the peak RSS of two sizes can be compared (it should
   not grow with the bytes moved). Targets: a/b ≥ 0.8, peak RSS flat.

2. **Rebuild over SSH**: about SIZE/2 MB of InnoDB data made on db1
   server-side (the Sequence engine, :mod:`bench`'s table and INSERT), db2's
   replication stopped and its ``bench`` database dropped before each run:

   (a) replui: :func:`replui.wizards.dumpstream.stream_dump` db1 → db2 over
       the SSH transports, in a fresh interpreter, as rebuild-replica's stream
       step runs it (the restore client's ``init-command`` keeps the restore
       out of db2's binlog: ``SET SESSION sql_log_bin=0``);
   (b) the runbook procedure over SSH: ``ssh db1 'mariadb-dump … | gzip >
       file'``, ``scp -3 db1:file db2:file``, ``ssh db2 'gunzip < file |
       mariadb'``, the same dump options (:func:`replui.wizards.dumptools.dump_argv`),
       credentials in the lab's option files on each host (never on argv).

   db1's new rows are flushed to disk first; then (a) and (b) alternate,
   ``--rebuild-runs`` times each (default 2). Target: a/b of the medians ≤ 0.6.

Nothing is asserted; figures, ratios and targets are printed, then where the
run's time went. The lab is torn down on every exit (also SIGTERM) unless
``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHUNK = 256 * 1024  # the relay's read size (stream_dump's default chunk_size)
MiB = 2**20
_SAFE_DIR = re.compile(r"[A-Za-z0-9_./+=,@-]+")
#: What the child interpreters import: the peak RSS of an interpreter that only imports these
#: is printed next to theirs.
CHILD_IMPORTS = (
    "import asyncio, hashlib, json, asyncssh, replui.config, replui.transport, "
    "replui.transport.ssh, replui.transport.sshhub, replui.wizards.dumpstream"
)


def log(msg: str = "") -> None:
    print(msg, flush=True)


def vm_hwm_kib() -> int:
    """Peak resident set size of this process (``VmHWM`` in /proc/self/status), KiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def mib_s(nbytes: int, secs: float) -> float:
    return nbytes / MiB / secs if secs > 0 else 0.0


# ----------------------------------------------------------------------------- the child interpreters


async def _ticker(lags: list[float], period: float = 0.01) -> None:
    """Wake every ``period`` s; record how late (the event loop's responsiveness)."""
    while True:
        t = time.monotonic()
        await asyncio.sleep(period)
        lags.append(max(0.0, time.monotonic() - t - period))


def _lag_ms(lags: list[float]) -> tuple[float, float]:
    if not lags:
        return 0.0, 0.0
    lags = sorted(lags)
    return lags[int(len(lags) * 0.99)] * 1000, lags[-1] * 1000


async def _ciphers(transport: Any) -> dict[str, str]:
    """The negotiated cipher of ``transport``'s SSH connection (and of its jump hop's)."""
    hub = transport.hub
    out: dict[str, str] = {}
    try:
        conn = await hub.call(hub.connection(transport.target))
        out["db"] = str(conn.get_extra_info("send_cipher"))
        for key, c in list(getattr(hub, "_conns", {}).items()):  # a private table: keys are hop chains
            if isinstance(key, tuple) and len(key) == 1:  # the first hop alone: the jump
                out["jump"] = str(c.get_extra_info("send_cipher"))
    except Exception as exc:  # noqa: BLE001 - a figure only; never fail the bench for it
        out["error"] = str(exc)
    return out


async def _child_relay(job: dict[str, Any]) -> dict[str, Any]:
    from replui.config import load_config
    from replui.transport import transport_for
    from replui.transport.sshhub import close_hub

    config = load_config(job["config"])
    src_t = transport_for(config.node(job["source"]))
    dst_t = transport_for(config.node(job["dest"]))
    lags: list[float] = []
    ticker = asyncio.create_task(_ticker(lags))
    cpu0, main0 = resource.getrusage(resource.RUSAGE_SELF), time.thread_time()
    reads = moved = 0
    t0 = time.monotonic()
    try:
        src = await src_t.spawn(["cat", "--", job["file"]])
        dst = await dst_t.spawn(["sh", "-c", 'exec cat > "$1"', "sh", job["dest_file"]], stdin=True)
        assert dst.stdin is not None
        t1 = time.monotonic()
        while True:
            data = await src.stdout.read(CHUNK)
            if not data:
                break
            reads += 1
            moved += len(data)
            dst.stdin.write(data)
            await dst.stdin.drain()
        dst.stdin.close()
        rc_src, rc_dst = await src.wait(), await dst.wait()
        t2 = time.monotonic()
        ciphers = await _ciphers(src_t)
    finally:
        ticker.cancel()
        await src_t.cleanup()
        await dst_t.cleanup()
    cpu1, main1 = resource.getrusage(resource.RUSAGE_SELF), time.thread_time()
    close_hub()
    p99, lag_max = _lag_ms(lags)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {
        "bytes": moved,
        "reads": reads,
        "rc": [rc_src, rc_dst],
        "start_s": t1 - t0,
        "transfer_s": t2 - t1,
        "seconds": t2 - t0,
        "cpu_s": cpu,
        "cpu_main_s": main1 - main0,
        "vmhwm_kib": vm_hwm_kib(),
        "ciphers": ciphers,
        "loop_lag_p99_ms": p99,
        "loop_lag_max_ms": lag_max,
    }


def _count_commands(transport: Any, log: list[float]) -> None:
    """Record the seconds of every remote command ``transport`` runs (its ``spawn`` and
    its method for short commands, ``run_command`` or older ``_run``), on this instance only."""
    for attr in ("spawn", "run_command", "_run"):
        orig = getattr(transport, attr, None)
        if orig is None:
            continue

        def timed(*a: Any, _orig: Any = orig, **kw: Any) -> Any:
            async def go() -> Any:
                t = time.monotonic()
                try:
                    return await _orig(*a, **kw)
                finally:
                    log.append(time.monotonic() - t)

            return go()

        setattr(transport, attr, timed)


async def _child_stream(job: dict[str, Any]) -> dict[str, Any]:
    from replui.config import load_config
    from replui.transport import transport_for
    from replui.transport.sshhub import close_hub
    from replui.wizards.dumpstream import stream_dump

    config = load_config(job["config"])
    source, replica = config.node(job["source"]), config.node(job["replica"])
    src_t, rep_t = transport_for(source), transport_for(replica)
    commands: list[float] = []
    _count_commands(src_t, commands)
    _count_commands(rep_t, commands)
    lags: list[float] = []
    ticker = asyncio.create_task(_ticker(lags))
    marks: list[float] = []  # monotonic time of the first and the latest Progress

    def progress(_p: Any) -> None:
        if marks:
            marks[1:] = [time.monotonic()]
        else:
            marks.append(time.monotonic())

    said: list[str] = []
    cpu0, main0 = resource.getrusage(resource.RUSAGE_SELF), time.thread_time()
    t0 = time.monotonic()
    try:
        r = await stream_dump(
            source,
            replica,
            source_transport=src_t,
            replica_transport=rep_t,
            databases=job["databases"],
            estimate_bytes=job.get("estimate_bytes"),
            on_progress=progress,
            on_line=lambda line: said.append(line) if line.startswith("transfer") else None,
            restore_init_command=job.get("init_command"),
        )
        secs = time.monotonic() - t0
    finally:
        ticker.cancel()
        await src_t.cleanup()
        await rep_t.cleanup()
    cpu1, main1 = resource.getrusage(resource.RUSAGE_SELF), time.thread_time()
    close_hub()
    p99, lag_max = _lag_ms(lags)
    return {
        "seconds": secs,
        "bytes": r.bytes,
        "file": r.coordinates.file,
        "position": r.coordinates.position,
        "cpu_s": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
        "cpu_main_s": main1 - main0,
        "vmhwm_kib": vm_hwm_kib(),
        "dump_argv": r.dump_argv,
        "first_byte_s": (marks[0] - t0) if marks else 0.0,
        "last_byte_s": (marks[-1] - t0) if marks else 0.0,
        "commands": len(commands),
        "commands_s": sum(commands),
        "said": said[:4],
        "loop_lag_p99_ms": p99,
        "loop_lag_max_ms": lag_max,
    }


def child_main(kind: str) -> int:
    """``python -m bench.ssh --child relay|stream``: a JSON job on stdin, one JSON line out."""
    job = json.loads(sys.stdin.read())
    run = _child_relay if kind == "relay" else _child_stream
    print(json.dumps(asyncio.run(run(job))), flush=True)
    return 0


# ----------------------------------------------------------------------------- the parent


class Timer:
    """Where the run's time went: seconds per phase, in order."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float]] = []

    def add(self, what: str, secs: float) -> None:
        self.phases.append((what, secs))

    def run(self, what: str, argv: list[str], **kw: Any) -> tuple[float, subprocess.CompletedProcess[bytes]]:
        """Run ``argv`` (SystemExit with its stderr tail when it fails); its seconds, recorded."""
        t0 = time.monotonic()
        out = subprocess.run(argv, capture_output=True, **kw)
        secs = time.monotonic() - t0
        self.add(what, secs)
        if out.returncode != 0:
            raise SystemExit(
                f"bench.ssh: {what} failed ({out.returncode}): {shlex.join(argv)[:300]}\n"
                f"{out.stderr.decode(errors='replace')[-1200:]}"
            )
        return secs, out


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_child(timer: Timer, what: str, kind: str, job: dict[str, Any]) -> dict[str, Any]:
    wall, out = timer.run(
        what,
        [sys.executable, "-m", "bench.ssh", "--child", kind],
        input=json.dumps(job).encode(),
        cwd=str(ROOT),
    )
    res: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    res["wall"] = wall
    return res


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


SLOW_LOGIN = (
    "`ssh db1 true` took more than {secs:.0f} s: the hosts' login shell is stuck or slow (root's "
    "rc files run for every SSH session here; e.g. a stale lock of `pyenv rehash` in ~/.bashrc, left by "
    "a session killed mid-login, makes each one wait 60 s)"
)


def openssh_cipher(ssh_config: Path) -> str:
    """The cipher OpenSSH negotiates with db1 (from ``ssh -v``)."""
    try:
        out = subprocess.run(
            ["ssh", "-v", "-F", str(ssh_config), "db1", "true"], capture_output=True, text=True, timeout=30
        )
    except subprocess.TimeoutExpired:
        raise SystemExit("bench.ssh: " + SLOW_LOGIN.format(secs=30)) from None
    found = re.findall(r"kex: client->server cipher: (\S+)", out.stderr)
    return found[-1] if found else "?"


def ssh_true_seconds(ssh_config: Path, times: int = 3) -> float:
    """Median seconds of ``ssh db1 true`` (connect through the jump, log in, run the
    login shell's rc files, exit): what each new OpenSSH session costs here."""
    secs = []
    for _ in range(times):
        t0 = time.monotonic()
        subprocess.run(["ssh", "-F", str(ssh_config), "db1", "true"], capture_output=True, timeout=60)
        secs.append(time.monotonic() - t0)
    median = sorted(secs)[len(secs) // 2]
    if median > 5:
        log("WARNING: " + SLOW_LOGIN.format(secs=5) + "; the figures below carry that cost")
    return median


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def baseline_rss_kib() -> int:
    """VmHWM of an interpreter that only imports what the child interpreters import."""
    code = CHILD_IMPORTS + ";print([ln.split()[1] for ln in open('/proc/self/status') if 'VmHWM' in ln][0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=str(ROOT), check=True)
    return int(out.stdout.decode().strip())


def bench_relay(lab: Any, timer: Timer, config: Path, work: Path, size_mb: int) -> dict[str, Any]:
    """Part 1 at one size: make the file on db1, (a) replui's relay, (b) ``scp -3``."""
    d1, d2 = work / "db1", work / "db2"
    src, dst_a, dst_b = d1 / f"random-{size_mb}.bin", d2 / f"relay-{size_mb}.bin", d2 / f"scp-{size_mb}.bin"
    nbytes = size_mb * MiB
    t0 = time.monotonic()
    made = lab.run(
        "db1", ["sh", "-c", f"head -c {nbytes} /dev/urandom > {shlex.quote(str(src))}"], timeout=600
    )
    if made.returncode != 0:
        raise SystemExit(f"bench.ssh: making {src} on db1 failed: {made.stderr[-500:]}")
    want = sha256_file(src)
    timer.add(f"relay {size_mb} MiB: make the file on db1 (urandom) + sha256", time.monotonic() - t0)
    job = {"config": str(config), "source": "db1", "dest": "db2", "file": str(src), "dest_file": str(dst_a)}
    a = run_child(timer, f"relay {size_mb} MiB: (a) replui relay interpreter", "relay", job)
    t0 = time.monotonic()
    a["sha_ok"] = a["bytes"] == nbytes and sha256_file(dst_a) == want
    dst_a.unlink()
    cpu0 = children_cpu()
    b_secs, _ = timer.run(
        f"relay {size_mb} MiB: (b) scp -3",
        ["scp", "-3", "-q", "-F", str(lab.ssh_config_path), f"db1:{src}", f"db2:{dst_b}"],
        timeout=3600,
    )
    b = {"seconds": b_secs, "cpu_s": children_cpu() - cpu0}
    b["sha_ok"] = sha256_file(dst_b) == want
    dst_b.unlink()
    src.unlink()
    timer.add(f"relay {size_mb} MiB: sha256 checks, clean up", time.monotonic() - t0 - b_secs)
    return {"size_mb": size_mb, "bytes": nbytes, "a": a, "b": b}


def grow_dataset(lab: Any, timer: Timer, target_mb: int) -> tuple[int, int]:
    """bench.t on db1 (binlog off for these sessions, so nothing replicates) until its
    data_length reaches ``target_mb`` MiB; ``(rows, data_length)``."""
    from bench.__main__ import BATCH_ROWS, DB, INSERT, TABLE

    def measure() -> tuple[int, int]:
        lab.sql("db1", f"ANALYZE TABLE {DB}.t")
        rows = lab.sql("db1", f"SELECT COUNT(*) FROM {DB}.t")[0][0]
        dl = lab.sql(
            "db1",
            "SELECT COALESCE(SUM(data_length), 0) FROM information_schema.tables WHERE table_schema = %s",
            (DB,),
        )[0][0]
        return int(rows), int(dl)

    t_start = time.monotonic()
    lab.sql("db1", ["SET sql_log_bin=0", f"CREATE DATABASE IF NOT EXISTS {DB}", TABLE])
    target = target_mb * MiB
    rows, dl = measure()
    while dl < target:
        per_row = dl / rows if rows and dl else 300.0
        want = max(10_000, min(BATCH_ROWS * 4, int((target - dl) / per_row * 1.02)))
        lo, hi = rows + 1, rows + want
        t0 = time.monotonic()
        lab.sql("db1", ["SET sql_log_bin=0", INSERT.format(lo=lo, hi=hi)])
        rows, dl = measure()
        log(f"  generated rows {lo}..{hi} in {time.monotonic() - t0:.1f} s; data_length {dl / MiB:.0f} MiB")
    timer.add(f"rebuild: generate {dl / MiB:.0f} MiB on db1 (Sequence engine)", time.monotonic() - t_start)
    return rows, dl


def reset_db2(lab: Any, db: str) -> None:
    lab.sql("db2", [f"DROP DATABASE IF EXISTS {db}", "RESET MASTER"])


def db2_rows(lab: Any, db: str) -> int:
    return int(lab.sql("db2", f"SELECT COUNT(*) FROM {db}.t")[0][0])


def runbook_over_ssh(
    lab: Any, timer: Timer, work: Path, dump_cmd: str, client_cmd: str, what: str = "rebuild"
) -> dict[str, Any]:
    """The runbook's three steps over SSH: dump | gzip on db1, scp -3, gunzip | client on db2."""
    cfg = str(lab.ssh_config_path)
    f1, f2 = work / "db1" / "dump.sql.gz", work / "db2" / "dump.sql.gz"  # one file system: two names

    def remote(script: str) -> str:
        return "bash -c " + shlex.quote("set -o pipefail; " + script)

    t_dump, _ = timer.run(
        f"{what}: (b) ssh db1 'mariadb-dump | gzip > file'",
        ["ssh", "-F", cfg, "db1", remote(f"{dump_cmd} | gzip > {shlex.quote(str(f1))}")],
        timeout=7200,
    )
    t_copy, _ = timer.run(
        f"{what}: (b) scp -3 db1:file db2:file", ["scp", "-3", "-q", "-F", cfg, f"db1:{f1}", f"db2:{f2}"]
    )
    t_restore, _ = timer.run(
        f"{what}: (b) ssh db2 'gunzip < file | mariadb'",
        ["ssh", "-F", cfg, "db2", remote(f"gunzip < {shlex.quote(str(f2))} | {client_cmd}")],
        timeout=7200,
    )
    gz = f1.stat().st_size
    f1.unlink()
    f2.unlink()
    return {
        "dump": t_dump,
        "copy": t_copy,
        "restore": t_restore,
        "total": t_dump + t_copy + t_restore,
        "gz_bytes": gz,
    }


def settle(lab: Any, timer: Timer, db: str) -> None:
    """Flush db1's dirty pages of ``db``.t (``FLUSH TABLES … FOR EXPORT``), so the run
    that comes first does not share the disk with the flushing of the rows just made."""
    t0 = time.monotonic()
    lab.sql("db1", [f"FLUSH TABLES {db}.t FOR EXPORT", "UNLOCK TABLES"])
    timer.add("rebuild: flush db1's new rows to disk (FLUSH TABLES … FOR EXPORT)", time.monotonic() - t0)


def bench_rebuild(lab: Any, timer: Timer, config: Path, work: Path, size: int, runs: int) -> dict[str, Any]:
    """Part 2: make the data, then ``runs`` × ((a) replui's stream, (b) the runbook over SSH),
    alternating, db2's copy dropped before each; the figures of each run and the medians."""
    import statistics

    from bench.__main__ import DB
    from replui.wizards.dumptools import client_argv, dump_argv, parse_tool_version

    log("")
    log(f"2. rebuild db2 from db1 over SSH, about {size // 2} MiB of InnoDB data, {runs} runs of each")
    lab.sql("db2", ["STOP SLAVE", "RESET SLAVE ALL"])  # db2 is only a restore target here
    rows, dl = grow_dataset(lab, timer, max(1, size // 2))
    settle(lab, timer, DB)
    job = {
        "config": str(config),
        "source": "db1",
        "replica": "db2",
        "databases": [DB],
        "estimate_bytes": dl,
        "init_command": "SET SESSION sql_log_bin=0",  # as rebuild-replica's stream step
    }
    # the runbook's commands: the same dump options as replui's (its own dump_argv), the
    # lab's option file of each host (credentials never on argv)
    version = subprocess.run(
        [lab.binary.dump or "mariadb-dump", "--version"], capture_output=True, text=True, check=True
    ).stdout
    dtool = parse_tool_version("mariadb-dump", version)
    ctool = parse_tool_version("mariadb", version)
    dump_cmd = shlex.join(dump_argv(dtool, str(lab.option_file("db1")), databases=[DB]))
    client_cmd = shlex.join(client_argv(ctool, str(lab.option_file("db2"))))
    done: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for i in range(1, runs + 1):
        reset_db2(lab, DB)
        a = run_child(timer, f"rebuild {i}: (a) replui stream_dump interpreter", "stream", job)
        a_rows = db2_rows(lab, DB)
        log(
            f"  run {i} (a) replui stream_dump: {a['seconds']:.1f} s "
            f"({a['wall']:.1f} s with the interpreter), "
            f"{a['bytes'] / MiB:.0f} MiB of SQL = {mib_s(a['bytes'], a['seconds']):.1f} MiB/s, "
            f"CPU {a['cpu_s']:.1f} s (event loop thread {a['cpu_main_s']:.1f} s), "
            f"peak RSS {a['vmhwm_kib'] / 1024:.1f} MiB, loop lag p99 {a['loop_lag_p99_ms']:.1f} ms "
            f"max {a['loop_lag_max_ms']:.1f} ms; db2 has {a_rows} of {rows} rows"
        )
        log(
            f"      first byte to db2 after {a['first_byte_s']:.1f} s, last at {a['last_byte_s']:.1f} s, "
            f"returned at {a['seconds']:.1f} s; {a['commands']} remote commands started "
            f"({a['commands_s']:.1f} s summed)" + "".join(f"; {line}" for line in a["said"])
        )
        reset_db2(lab, DB)
        b = runbook_over_ssh(lab, timer, work, dump_cmd, client_cmd, f"rebuild {i}")
        b_rows = db2_rows(lab, DB)
        log(
            f"  run {i} (b) runbook over SSH: dump|gzip {b['dump']:.1f} s + scp -3 {b['copy']:.1f} s + "
            f"gunzip|client {b['restore']:.1f} s = {b['total']:.1f} s "
            f"({b['gz_bytes'] / MiB:.1f} MiB gzipped); db2 has {b_rows} of {rows} rows"
        )
        done.append((a, b))
    log(f"      dump command: ssh db1 {dump_cmd} | gzip > …")
    log("      (a)'s restore stays out of db2's binlog, as the wizard's does; (b)'s is binlogged")
    a = done[0][0]
    if dump_argv(dtool, "X", databases=[DB])[2:] != a["dump_argv"][2:]:  # past tool, option file
        log(f"      NOTE: replui's dump options differ: {shlex.join(a['dump_argv'])}")
    return {
        "rows": rows,
        "dl": dl,
        "runs": done,
        "median_a": statistics.median(a["seconds"] for a, _ in done),
        "median_b": statistics.median(b["total"] for _, b in done),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ssh", description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument(
        "--size-mb",
        type=int,
        default=200,
        help="MiB relayed (also SIZE/4); the rebuild's dataset is about SIZE/2 MiB (default 200)",
    )
    ap.add_argument(
        "--dir", default=None, help="lab directory (default: a new one under /tmp, removed after)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the lab running afterwards")
    ap.add_argument(
        "--buffer-pool", default="512M", help="innodb_buffer_pool_size of the lab's servers (default 512M)"
    )
    ap.add_argument(
        "--rebuild-runs",
        type=int,
        default=2,
        help="runs of each rebuild, (a) and (b) alternating (default 2)",
    )
    ap.add_argument("--skip-relay", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--skip-rebuild", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child", choices=("relay", "stream"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(args.child)
    if args.size_mb < 4:
        ap.error("--size-mb must be at least 4")
    base = lab_base(ap, args.dir, "rb-ssh-")
    stop_on_sigterm("bench.ssh")
    return _run(args, base)


def lab_base(ap: argparse.ArgumentParser, directory: str | None, prefix: str) -> Path:
    """The lab directory: ``directory``, else a new one under /tmp named ``prefix…``;
    refused (``ap.error``) when sshd_config/ProxyCommand quoting could not hold it."""
    base = Path(directory).resolve() if directory else Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    if not _SAFE_DIR.fullmatch(str(base)):
        ap.error(f"{base}: the lab directory may hold only letters, digits and ._/+=,@- (no spaces)")
    return base


def end_lab(lab: Any, work: Path, base: Path, args: argparse.Namespace, name: str) -> None:
    """Tear the bench's lab down and remove its directories, unless ``--keep``
    (then say how to reach it); ``args.dir`` given: that directory stays."""
    if args.keep:
        if lab is not None:
            log(f"lab kept: ssh -F {lab.ssh_config_path} db1; replui --config {work / 'replui.toml'}")
        return
    from replui.lab.server import LabError

    if lab is not None:
        try:
            lab.down(purge=True)
        except LabError as exc:
            print(f"{name}: stopping the lab: {exc}", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    if not args.dir:
        shutil.rmtree(base, ignore_errors=True)


def stop_on_sigterm(name: str) -> None:
    """SIGTERM raises SystemExit(143), so the ``finally`` blocks tear the lab down."""

    def on_term(_sig: int, _frame: Any) -> None:
        print(f"{name}: SIGTERM: stopping, tearing the lab down", file=sys.stderr, flush=True)
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_term)


def _run(args: argparse.Namespace, base: Path) -> int:
    from replui.lab.server import LabError
    from replui.lab.sshlab import SshLab

    timer = Timer()
    t_all = time.monotonic()
    lab = None
    work = base / "work"
    try:
        log(f"starting an SSH lab (jump, db1 → db2) in {base}")
        t0 = time.monotonic()
        lab = SshLab.up(
            base / "lab",
            count=2,
            topology="source-replica",
            buffer_pool=args.buffer_pool,
            echo=lambda m: log("  " + m),
        )
        timer.add("lab up", time.monotonic() - t0)
        for sub in ("db1", "db2"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(work, 0o700)
        config = lab.write_config(work / "replui.toml")
        size = args.size_mb
        t0 = time.monotonic()
        base_rss = baseline_rss_kib()
        cipher_openssh = openssh_cipher(lab.ssh_config_path)
        ssh_true = ssh_true_seconds(lab.ssh_config_path)
        timer.add("probes: baseline RSS, ssh -v (cipher), ssh db1 true x3", time.monotonic() - t0)
        log(
            f"one `ssh db1 true` (through the jump, login shell included): {ssh_true:.2f} s; "
            f"load average {load_average()} ({os.cpu_count()} CPUs)"
        )
        relays: list[dict[str, Any]] = []
        if not args.skip_relay:
            log("")
            log(f"1. relay db1 → this process (the jump's client) → db2, {size} and {size // 4} MiB")
            for mb in (size // 4, size):
                r = bench_relay(lab, timer, config, work, mb)
                a, b, nb = r["a"], r["b"], r["bytes"]
                log(
                    f"  {mb} MiB: (a) replui {a['seconds']:.2f} s ({a['start_s']:.2f} s to start both "
                    f"commands, {a['transfer_s']:.2f} s moving) = {mib_s(nb, a['seconds']):.1f} MiB/s, "
                    f"CPU {a['cpu_s']:.1f} s (event loop thread {a['cpu_main_s']:.1f} s), "
                    f"{a['reads']} reads of {nb / max(1, a['reads']) / 1024:.0f} KiB on average, "
                    f"peak RSS {a['vmhwm_kib'] / 1024:.1f} MiB, sha256 {'ok' if a['sha_ok'] else 'MISMATCH'}"
                )
                log(
                    f"  {mb} MiB: (b) scp -3  {b['seconds']:.2f} s = {mib_s(nb, b['seconds']):.1f} MiB/s, "
                    f"CPU {b['cpu_s']:.1f} s (scp and its ssh processes), "
                    f"sha256 {'ok' if b['sha_ok'] else 'MISMATCH'}"
                )
                relays.append(r)
        rebuild: dict[str, Any] | None = None
        if not args.skip_rebuild:
            rebuild = bench_rebuild(lab, timer, config, work, size, args.rebuild_runs)

        log("")
        log("=" * 100)
        if relays:
            log("1. relay through the jump host (incompressible bytes db1 → db2)")
            log(
                f"{'MiB':>6} {'replui s':>9} {'MiB/s':>7} {'scp -3 s':>9} {'MiB/s':>7} {'a/b':>5} "
                f"{'CPU a s':>8} {'CPU b s':>8} {'peak RSS MiB':>12} {'sha256':>7}"
            )
            for r in relays:
                a, b = r["a"], r["b"]
                ratio = b["seconds"] / a["seconds"] if a["seconds"] > 0 else 0.0
                log(
                    f"{r['size_mb']:6d} {a['seconds']:9.2f} {mib_s(r['bytes'], a['seconds']):7.1f} "
                    f"{b['seconds']:9.2f} {mib_s(r['bytes'], b['seconds']):7.1f} {ratio:5.2f} "
                    f"{a['cpu_s']:8.1f} {b['cpu_s']:8.1f} {a['vmhwm_kib'] / 1024:12.1f} "
                    f"{'ok' if a['sha_ok'] and b['sha_ok'] else 'BAD':>7}"
                )
            small, big = relays[0]["a"]["vmhwm_kib"], relays[-1]["a"]["vmhwm_kib"]
            log(
                f"  a/b is throughput (replui MiB/s ÷ scp -3 MiB/s); target ≥ 0.80. Peak RSS at "
                f"{relays[-1]['size_mb']} MiB ÷ at {relays[0]['size_mb']} MiB: {big / 1024:.1f} / "
                f"{small / 1024:.1f} = {big / small:.2f} (target: flat, ≈ 1.00)"
            )
            ciph = relays[-1]["a"]["ciphers"]
            log(
                f"  ciphers: asyncssh (replui) {ciph.get('db', '?')} to the db hosts, tunnelled in "
                f"{ciph.get('jump', '?')} to the jump; OpenSSH (scp) {cipher_openssh} (the same nesting, "
                "ProxyJump)"
            )
        if rebuild is not None:
            log(f"2. rebuild over SSH ({len(rebuild['runs'])} runs of each, alternating (a) and (b))")
            log(
                f"{'data MiB':>8} {'rows':>9} {'SQL MiB':>8} {'replui s':>9} {'runbook s':>9} {'a/b':>5} "
                f"{'peak RSS MiB':>12}"
            )
            for a, b in rebuild["runs"]:
                log(
                    f"{rebuild['dl'] / MiB:8.0f} {rebuild['rows']:9d} {a['bytes'] / MiB:8.0f} "
                    f"{a['seconds']:9.1f} {b['total']:9.1f} {a['seconds'] / b['total']:5.2f} "
                    f"{a['vmhwm_kib'] / 1024:12.1f}"
                )
            ma, mb = rebuild["median_a"], rebuild["median_b"]
            log(f"{'median':>8} {'':9} {'':8} {ma:9.1f} {mb:9.1f} {ma / mb:5.2f}")
            log("  a/b is wall time (replui ÷ runbook), of the medians; target ≤ 0.60")
        log(
            "(peak RSS of an interpreter that only imports replui's SSH and stream modules: "
            f"{base_rss / 1024:.1f} MiB; one `ssh db1 true`: {ssh_true:.2f} s; "
            f"load average at the end {load_average()})"
        )
        return 0
    except (LabError, TimeoutError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"bench.ssh: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the teardown short
        t0 = time.monotonic()
        end_lab(lab, work, base, args, "bench.ssh")
        timer.add("lab down" if not args.keep else "(lab kept)", time.monotonic() - t0)
        if timer.phases:
            total = time.monotonic() - t_all
            log("")
            log(f"where the time went ({total:.1f} s in all):")
            for what, secs in timer.phases:
                log(f"  {secs:8.2f} s  {what}")


if __name__ == "__main__":
    raise SystemExit(main())
