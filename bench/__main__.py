"""``python -m bench [--sizes 200,400] [--dir DIR] [--keep]``

On a throwaway two-node lab (node1 the source, node2 with replication
stopped, its ``bench`` database dropped before every run), for each dataset
size (MB of InnoDB ``data_length``), time in one run:

(a) replui: :func:`replui.wizards.dumpstream.stream_dump` node1 → node2, in a
    fresh interpreter per run so its peak RSS (``VmHWM``) is its own;
(b) the runbooks' procedure ('MySQL Replication Error', 'Fail over MySQL and Rails'):
    ``mariadb-dump … | gzip > file``,
    ``cp`` the file, ``gunzip < copy | mariadb`` — bash, option files;
(c) the floor: a bare ``mariadb-dump … | mariadb`` pipe;
(d) what the verify-data step adds after (a): ``CHECKSUM TABLE`` on the
    source, then on the replica.

All three use the same dump options. Prints wall times, a/b, a/c, d/a and the
peak memory; the issue's targets are a/b ≤ 0.6, a/c ≤ 1.15 and a peak
memory that does not grow with the dataset. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pymysql  # noqa: E402

from replui.config import NodeConfig  # noqa: E402
from replui.lab.lab import Lab  # noqa: E402
from replui.lab.server import LabError  # noqa: E402
from replui.wizards.optionfile import client_option_file  # noqa: E402

DB = "bench"
BATCH_ROWS = 100_000
TABLE = f"""CREATE TABLE IF NOT EXISTS {DB}.t (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    k INT UNSIGNED NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    created DATETIME NOT NULL,
    label CHAR(32) NOT NULL,
    payload VARCHAR(255) NOT NULL,
    KEY idx_k (k)
) ENGINE=InnoDB"""
# Server-side generation from the Sequence engine (seq_FROM_to_TO): no row crosses the client.
INSERT = (
    f"INSERT INTO {DB}.t SELECT seq, (seq * 7919) % 1000003, ((seq * 37) % 100000) / 100, "
    "'2024-01-01' + INTERVAL (seq % 31536000) SECOND, MD5(seq), "
    "CONCAT(SHA2(seq, 256), '-', MD5(seq * 3), '-', SHA1(seq * 7), '-', LEFT(MD5(seq * 11), (seq % 32))) "
    f"FROM {DB}.seq_{{lo}}_to_{{hi}}"
)


def log(msg: str) -> None:
    print(msg, flush=True)


def node_config(lab: Lab, name: str) -> NodeConfig:
    n = lab.node(name)
    return NodeConfig(
        name=name, host="127.0.0.1", port=n.port, user=lab.admin_user, password=lab.admin_password
    )


def data_length(lab: Lab) -> tuple[int, int]:
    """``(rows, data_length bytes)`` of bench.t on node1 (after ANALYZE)."""
    lab.sql("node1", f"ANALYZE TABLE {DB}.t")
    rows = lab.sql("node1", f"SELECT COUNT(*) FROM {DB}.t")[0][0]
    dl = lab.sql(
        "node1",
        "SELECT COALESCE(SUM(data_length), 0) FROM information_schema.tables WHERE table_schema = %s",
        (DB,),
    )[0][0]
    return int(rows), int(dl)


def grow_dataset(lab: Lab, target_mb: int) -> tuple[int, int]:
    """Add rows to bench.t on node1 (binlog off for these sessions, so
    nothing replicates) until data_length reaches ``target_mb`` MiB."""
    lab.sql("node1", ["SET sql_log_bin=0", f"CREATE DATABASE IF NOT EXISTS {DB}", TABLE])
    target = target_mb * 1024 * 1024
    rows, dl = data_length(lab)
    while dl < target:
        per_row = dl / rows if rows and dl else 300.0
        want = max(10_000, min(BATCH_ROWS * 4, int((target - dl) / per_row * 1.02)))
        lo, hi = rows + 1, rows + want
        t0 = time.monotonic()
        lab.sql("node1", ["SET sql_log_bin=0", INSERT.format(lo=lo, hi=hi)])
        rows, dl = data_length(lab)
        log(f"  generated rows {lo}..{hi} in {time.monotonic() - t0:.1f} s; data_length {dl / 2**20:.0f} MiB")
    return rows, dl


def reset_replica(lab: Lab) -> None:
    lab.sql("node2", [f"DROP DATABASE IF EXISTS {DB}", "RESET MASTER"])


def run_timed(argv: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.monotonic()
    out = subprocess.run(argv, capture_output=True, **kw)
    secs = time.monotonic() - t0
    if out.returncode != 0:
        raise SystemExit(
            f"benchmark command failed ({out.returncode}): {argv[:3]}…\n"
            f"{out.stderr.decode(errors='replace')[-800:]}"
        )
    return secs, out


def bench_replui(lab: Lab, estimate: int) -> dict:
    job = {
        "source": _fields(node_config(lab, "node1")),
        "replica": _fields(node_config(lab, "node2")),
        "databases": [DB],
        "estimate_bytes": estimate,
    }
    wall, out = run_timed(
        [sys.executable, "-m", "bench.stream_once"], input=json.dumps(job).encode(), cwd=str(ROOT)
    )
    res = json.loads(out.stdout.decode().strip().splitlines()[-1])
    res["wall"] = wall
    return res


def _fields(n: NodeConfig) -> dict:
    return {"name": n.name, "host": n.host, "port": n.port, "user": n.user, "password": n.password}


def bench_verify(lab: Lab) -> float:
    """Seconds for what the verify-data step adds after a copy: ``CHECKSUM
    TABLE`` of the copied table on the source, then on the replica."""
    t0 = time.monotonic()
    for name in ("node1", "node2"):
        lab.sql(name, f"CHECKSUM TABLE {DB}.t")
    return time.monotonic() - t0


def bench_seed(tools: dict, work: Path) -> dict:
    d, c = tools["dump_cmd"], tools["client_cmd"]
    f1, f2 = work / "dump.sql.gz", work / "copy" / "dump.sql.gz"
    f2.parent.mkdir(exist_ok=True)
    t_dump, _ = run_timed(["bash", "-c", f"set -o pipefail; {d} | gzip > {shlex.quote(str(f1))}"])
    t_copy, _ = run_timed(["cp", str(f1), str(f2)])
    t_restore, _ = run_timed(["bash", "-c", f"set -o pipefail; gunzip < {shlex.quote(str(f2))} | {c}"])
    size = f1.stat().st_size
    f1.unlink()
    f2.unlink()
    return {
        "dump": t_dump,
        "copy": t_copy,
        "restore": t_restore,
        "total": t_dump + t_copy + t_restore,
        "gz_bytes": size,
    }


def bench_pipe(tools: dict) -> float:
    secs, _ = run_timed(["bash", "-c", f"set -o pipefail; {tools['dump_cmd']} | {tools['client_cmd']}"])
    return secs


def baseline_rss_kib() -> int:
    """VmHWM of an interpreter that only imports what stream_once imports."""
    code = (
        "import replui.wizards.dumpstream, replui.transport.local, asyncio, json;"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=str(ROOT), check=True)
    return int(out.stdout.decode().strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default="200,400",
        help="dataset sizes in MiB of table data, comma-separated (default 200,400)",
    )
    ap.add_argument(
        "--dir", default=None, help="lab directory (default: a new temporary one, removed afterwards)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the lab running afterwards")
    ap.add_argument(
        "--buffer-pool",
        default="512M",
        help="innodb_buffer_pool_size of the bench servers (default 512M; "
        "the test lab's 32M starves the restore)",
    )
    args = ap.parse_args(argv)
    try:
        sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        ap.error("--sizes expects integers, e.g. 200,400")
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="rb-"))
    work = Path(tempfile.mkdtemp(prefix="replui-bench-"))
    os.chmod(work, 0o700)
    lab = None
    try:
        log(f"starting a two-node lab in {base}")
        lab = Lab.up(
            base / "lab", "source-replica", 2, echo=lambda m: log("  " + m), buffer_pool=args.buffer_pool
        )
        lab.sql("node2", ["STOP SLAVE", "RESET SLAVE ALL"])  # node2 is only a restore target here
        dump_tool, client_tool = lab.binary.dump, lab.binary.client
        if not dump_tool or not client_tool:
            raise LabError("mariadb-dump / mariadb client not installed")
        src_cnf, rep_cnf = work / "source.cnf", work / "replica.cnf"
        for path, name in ((src_cnf, "node1"), (rep_cnf, "node2")):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(client_option_file(node_config(lab, name)))
        opts = "--single-transaction --master-data=2 --routines --triggers --events --hex-blob --quick"
        tools = {
            "dump_cmd": f"{shlex.quote(dump_tool)} --defaults-extra-file={shlex.quote(str(src_cnf))} "
            f"{opts} --databases {DB}",
            "client_cmd": f"{shlex.quote(client_tool)} "
            f"--defaults-extra-file={shlex.quote(str(rep_cnf))} --batch",
        }
        rows_out = []
        base_rss = baseline_rss_kib()
        for size in sizes:
            log(f"dataset {size} MiB of table data:")
            rows, dl = grow_dataset(lab, size)
            reset_replica(lab)
            a = bench_replui(lab, dl)
            log(
                f"  (a) replui stream_dump: {a['seconds']:.1f} s, {a['bytes'] / 2**20:.0f} MiB of SQL, "
                f"peak RSS {a['vmhwm_kib'] / 1024:.1f} MiB, "
                f"event-loop lag p99 {a['loop_lag_p99_ms']:.1f} ms, max {a['loop_lag_max_ms']:.1f} ms"
            )
            d = bench_verify(lab)
            a["verify"] = d
            log(
                f"  (d) verify-data: CHECKSUM TABLE on node1 then node2: {d:.1f} s = "
                f"{d / a['seconds']:.2f} x the stream"
            )
            reset_replica(lab)
            b = bench_seed(tools, work)
            log(
                f"  (b) seed dump|gzip {b['dump']:.1f} s + cp {b['copy']:.1f} s + "
                f"gunzip|client {b['restore']:.1f} s = {b['total']:.1f} s"
            )
            reset_replica(lab)
            c = bench_pipe(tools)
            log(f"  (c) bare pipe: {c:.1f} s")
            rows_out.append((size, rows, dl, a, b, c))
        log("")
        log(
            f"{'data MiB':>8} {'rows':>9} {'SQL MiB':>8} {'replui s':>9} {'seed s':>7} {'pipe s':>7} "
            f"{'a/b':>5} {'a/c':>5} {'peak RSS MiB':>12} {'verify s':>8} {'d/a':>5}"
        )
        for _size, rows, dl, a, b, c in rows_out:
            log(
                f"{dl / 2**20:8.0f} {rows:9d} {a['bytes'] / 2**20:8.0f} {a['seconds']:9.1f} "
                f"{b['total']:7.1f} {c:7.1f} "
                f"{a['seconds'] / b['total']:5.2f} {a['seconds'] / c:5.2f} {a['vmhwm_kib'] / 1024:12.1f} "
                f"{a['verify']:8.1f} {a['verify'] / a['seconds']:5.2f}"
            )
        log(
            "(peak RSS of an interpreter that only imports replui's stream modules: "
            f"{base_rss / 1024:.1f} MiB)"
        )
        log("targets: a/b <= 0.60, a/c <= 1.15, peak RSS flat across sizes")
        return 0
    except (LabError, pymysql.MySQLError, TimeoutError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if lab is not None and not args.keep:
            try:
                lab.down(purge=True)
            except LabError as exc:
                print(f"bench: stopping the lab: {exc}", file=sys.stderr)
            if not args.dir:
                shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
