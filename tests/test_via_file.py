"""``--via-file`` on any transport (here this machine's, real processes and
stand-in tools, no server): the dump on the source's host with its
coordinates, the copy host → this machine → host with three checksums, the
check before the replica is touched, a full disk contained, the free-space
rule, and the ``work_dir`` key."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest
from test_dumpstream import FAKE_CLIENT, FAKE_DUMP, MARIADB_HEAD, MARIADB_TAIL, leftovers, make_tool

from replui.config import Config, ConfigError, NodeConfig, parse_config
from replui.model import BinlogCoordinates
from replui.transport import LocalTransport, transport_for
from replui.transport.base import TransportError
from replui.wizards import checks, diskspace, dumpfile
from replui.wizards.context import StepContext
from replui.wizards.dumpfile import StreamCancelled, StreamError
from replui.wizards.plan import StepFailed

NODE = NodeConfig(name="n", user="u", password="pw")
BODY = MARIADB_HEAD + b"INSERT INTO t VALUES (1);\n" * 60_000 + MARIADB_TAIL


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def tools(tmp_path):
    """A stand-in dump printing BODY (``cat`` of a file) and a client saving its stdin."""
    src = tmp_path / "body.sql"
    src.write_bytes(BODY)
    dump = make_tool(tmp_path, "fake-dump", FAKE_DUMP, f"cat {src}")
    client = make_tool(tmp_path, "fake-client", FAKE_CLIENT, f"cat > {tmp_path / 'received'}")
    return dump, client


def dirs(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for n in names:
        (tmp_path / n).mkdir()
        out.append(tmp_path / n)
    return out


# ----------------------------------------------------------------------------- the dump
async def test_the_dump_is_compressed_on_its_host_with_its_coordinates_and_checksum(tmp_path, tools):
    (work,) = dirs(tmp_path, "w1")
    t = LocalTransport(tmp_root=str(work))
    seen = []
    try:
        d = await t.make_private_dir("replui-dump-")
        fd = await dumpfile.dump_to_file(
            NODE, f"{d}/n.sql.gz", source_transport=t, dump_tool=tools[0], on_progress=seen.append
        )
        assert fd.coordinates == BinlogCoordinates("mysql-bin.000002", 1234, "0-1-5,1-2-9")  # GTID: the tail
        assert gzip.decompress(Path(fd.path).read_bytes()) == BODY
        assert (
            fd.sha256 == sha(Path(fd.path).read_bytes())
            and fd.compressed_bytes == Path(fd.path).stat().st_size
        )
        assert fd.bytes == len(BODY) and fd.host == "this machine"
        assert Path(fd.path + ".sha256").read_text() == f"{fd.sha256}  n.sql.gz\n"
        assert sorted(os.listdir(d)) == ["n.sql.gz", "n.sql.gz.sha256"]  # no .partial, no FIFOs
        assert seen and seen[-1].bytes == len(BODY)
    finally:
        await t.cleanup()
    assert list(work.iterdir()) == [] and leftovers(str(tmp_path / "fake-")) == []


async def test_a_dump_without_coordinates_is_stopped_as_soon_as_its_head_is_read(tmp_path):
    (work,) = dirs(tmp_path, "w1")
    endless = make_tool(
        tmp_path, "fake-dump", FAKE_DUMP, "while :; do echo 'INSERT INTO t VALUES (2);'; done"
    )
    t = LocalTransport(tmp_root=str(work))
    try:
        d = await t.make_private_dir("replui-dump-")
        started = time.monotonic()
        with pytest.raises(StreamError) as exc:
            await dumpfile.dump_to_file(NODE, f"{d}/n.sql.gz", source_transport=t, dump_tool=endless)
        assert time.monotonic() - started < 20  # the dump never ends by itself: it was stopped
        assert exc.value.step == "dump" and "no binlog coordinates" in exc.value.message
        assert leftovers(str(tmp_path / "fake-")) == []
    finally:
        await t.cleanup()


async def test_cancel_stops_the_dump_and_its_pipeline(tmp_path):
    (work,) = dirs(tmp_path, "w1")
    head = tmp_path / "head.sql"
    head.write_bytes(MARIADB_HEAD)
    slow = make_tool(tmp_path, "fake-dump", FAKE_DUMP, f"cat {head}; while :; do echo 'INSERT (1);'; done")
    cancel = asyncio.Event()
    t = LocalTransport(tmp_root=str(work))
    try:
        d = await t.make_private_dir("replui-dump-")

        def progress(p):
            if p.bytes > 2_000_000:
                cancel.set()

        with pytest.raises(StreamCancelled):
            await dumpfile.dump_to_file(
                NODE, f"{d}/n.sql.gz", source_transport=t, dump_tool=slow, cancel=cancel, on_progress=progress
            )
        assert leftovers(str(tmp_path / "fake-")) == [] and leftovers(f"{d}/n.sql.gz") == []
    finally:
        await t.cleanup()
    assert list(work.iterdir()) == []


# ----------------------------------------------------------------------------- the copy
async def copied(tmp_path: Path, tools, **kw):
    """Dump on one transport, copy to another (each with its own work_dir)."""
    w1, w2 = dirs(tmp_path, "w1", "w2")
    src, dst = LocalTransport(tmp_root=str(w1)), LocalTransport(tmp_root=str(w2))
    d1 = await src.make_private_dir("replui-dump-")
    d2 = await dst.make_private_dir("replui-copy-")
    fd = await dumpfile.dump_to_file(NODE, f"{d1}/n.sql.gz", source_transport=src, dump_tool=tools[0])
    return src, dst, fd, f"{d2}/n.sql.gz"


async def test_the_copy_is_hashed_on_both_hosts_and_here_and_renamed_when_whole(tmp_path, tools):
    src, dst, fd, target = await copied(tmp_path, tools)
    seen = []
    try:
        done = await dumpfile.copy_across(
            fd.path,
            target,
            sha256=fd.sha256,
            source_transport=src,
            replica_transport=dst,
            source_name="db1",
            replica_name="db2",
            size=fd.compressed_bytes,
            on_progress=seen.append,
            chunk_size=4096,
        )
        assert done.source_sha256 == done.relay_sha256 == done.replica_sha256 == fd.sha256
        assert Path(target).read_bytes() == Path(fd.path).read_bytes()
        assert sorted(os.listdir(Path(target).parent)) == ["n.sql.gz"]
        assert seen[-1].bytes == fd.compressed_bytes == done.bytes and seen[-1].total == fd.compressed_bytes
        # the restore reads it on the replica's host, preamble first
        res = await dumpfile.restore_from_file(
            NODE,
            target,
            replica_transport=dst,
            sha256=fd.sha256,
            client_tool=tools[1],
            restore_preamble=b"-- g\n",
        )
        assert (tmp_path / "received").read_bytes() == b"-- g\n" + BODY and res.bytes == len(BODY)
    finally:
        await src.cleanup()
        await dst.cleanup()
    assert leftovers(str(tmp_path)) == []


async def test_a_file_that_changed_since_the_dump_is_not_copied(tmp_path, tools):
    src, dst, fd, target = await copied(tmp_path, tools)
    try:
        with open(fd.path, "r+b") as fh:
            fh.seek(50)
            fh.write(b"\x00\x01")
        with pytest.raises(StreamError) as exc:
            await dumpfile.copy_across(
                fd.path,
                target,
                sha256=fd.sha256,
                source_transport=src,
                replica_transport=dst,
                source_name="db1",
                replica_name="db2",
            )
        assert exc.value.step == "copy" and "checksum mismatch" in exc.value.message
        assert "the dump on db1's host (this machine)" in exc.value.message
        assert os.listdir(Path(target).parent) == []  # neither the copy nor its .partial
    finally:
        await src.cleanup()
        await dst.cleanup()


@pytest.fixture
def tiny_fs(tmp_path):
    """A 256 KiB tmpfs (root only: skipped elsewhere), unmounted afterwards."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


async def test_a_full_disk_on_the_replicas_host_stops_the_copy_naming_the_host(tmp_path, tools, tiny_fs):
    big = tmp_path / "random.sql"
    big.write_bytes(MARIADB_HEAD + os.urandom(3_000_000).hex().encode())  # does not compress below 1 MiB
    dump = make_tool(tmp_path, "fake-dump2", FAKE_DUMP, f"cat {big}")
    (w1,) = dirs(tmp_path, "w1")
    src, dst = LocalTransport(tmp_root=str(w1)), LocalTransport(tmp_root=str(tiny_fs))
    try:
        d1 = await src.make_private_dir("replui-dump-")
        d2 = await dst.make_private_dir("replui-copy-")
        fd = await dumpfile.dump_to_file(NODE, f"{d1}/n.sql.gz", source_transport=src, dump_tool=dump)
        started = time.monotonic()
        with pytest.raises(StreamError) as exc:
            await dumpfile.copy_across(
                fd.path,
                f"{d2}/n.sql.gz",
                sha256=fd.sha256,
                source_transport=src,
                replica_transport=dst,
                source_name="db1",
                replica_name="db2",
            )
        assert time.monotonic() - started < 20
        msg = exc.value.message
        assert (
            exc.value.step == "copy"
            and "db2's host (this machine)" in msg
            and "No space left on device" in msg
        )
        assert os.listdir(d2) == [n for n in os.listdir(d2) if n.endswith(".partial")]  # at most the partial
    finally:
        await src.cleanup()
        await dst.cleanup()
    assert list(tiny_fs.iterdir()) == [] and list(w1.iterdir()) == []
    assert leftovers(str(tmp_path)) == []


async def test_a_full_disk_on_the_sources_host_fails_the_dump_naming_the_host(tmp_path, tiny_fs):
    big = tmp_path / "random.sql"
    big.write_bytes(MARIADB_HEAD + os.urandom(2_000_000).hex().encode())
    dump = make_tool(tmp_path, "fake-dump", FAKE_DUMP, f"cat {big}")
    t = LocalTransport(tmp_root=str(tiny_fs))
    try:
        d = await t.make_private_dir("replui-dump-")
        with pytest.raises(StreamError) as exc:
            await dumpfile.dump_to_file(NODE, f"{d}/n.sql.gz", source_transport=t, dump_tool=dump)
        assert exc.value.step == "dump" and "n's host (this machine)" in exc.value.message
        assert "No space left on device" in exc.value.message
        assert os.listdir(d) == []  # the .partial is gone too
    finally:
        await t.cleanup()
    assert leftovers(str(tmp_path)) == []


# ----------------------------------------------------------------------------- the restore step
async def test_a_corrupt_copy_is_refused_before_the_replica_is_touched(tmp_path, tools):
    from replui.mysql.dialect import dialect_for
    from replui.wizards.transfer import via_file_steps

    src, dst, fd, target = await copied(tmp_path, tools)
    await dumpfile.copy_across(
        fd.path,
        target,
        sha256=fd.sha256,
        source_transport=src,
        replica_transport=dst,
        source_name="db1",
        replica_name="db2",
    )
    with open(target, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\xff\xff")
    config = Config(
        None,
        (
            NodeConfig(name="db1", work_dir=str(tmp_path / "w1")),
            NodeConfig(name="db2", work_dir=str(tmp_path / "w2")),
        ),
    )
    ctx = StepContext(config=config, transports={"db1": src, "db2": dst})
    ctx.state.databases, ctx.state.file_dump, ctx.state.copied = ["shop"], fd, target
    (_dump, _copy, restore) = via_file_steps(
        config, "db1", "db2", dialect_for("mariadb", "10.11.6"), None, False
    )
    try:
        with pytest.raises(StepFailed) as exc:
            async for _ev in restore.run(ctx):
                pass
        assert "checksum mismatch" in str(exc.value) and "db2's host" in str(exc.value)
        assert ctx.clients == {}  # no connection to db2 was ever opened: nothing marked, nothing dropped
        assert not (tmp_path / "received").exists()
    finally:
        await ctx.aclose()
    assert list((tmp_path / "w1").iterdir()) == [] and list((tmp_path / "w2").iterdir()) == []


# ----------------------------------------------------------------------------- free space
def space(available: int, missing: tuple[str, ...] = ()) -> diskspace.FreeSpace:
    return diskspace.FreeSpace("db2", "root@10.0.0.3:22", "/srv/tmp", "/dev/sdb1", "/srv", available, missing)


def test_the_space_rule_refuses_only_a_clear_shortfall_and_warns_below_the_estimate():
    mib = 1024 * 1024
    refused = diskspace.judge(space(2 * mib), 100 * mib)  # needs 10 MiB + 1 MiB even at 10:1
    assert "db2's host (root@10.0.0.3:22) has 2.0 MiB free in /srv/tmp" in refused.refuse
    assert "100.0 MiB of table data" in refused.refuse and "11.0 MiB" in refused.refuse
    warned = diskspace.judge(space(40 * mib), 100 * mib)
    assert not warned.refuse and "40.0 MiB free" in warned.warn and "100.0 MiB" in warned.warn
    assert diskspace.judge(space(200 * mib), 100 * mib) == diskspace.Verdict()
    both = diskspace.judge(space(15 * mib), 100 * mib, files=2)  # the dump and its copy on one disk
    assert both.refuse and "share that file system" in both.refuse
    assert diskspace.judge(space(0), 0) == diskspace.Verdict()  # nothing measured: nothing refused
    assert "lacks awk" in diskspace.judge(space(200 * mib, ("awk",)), 1).refuse


async def test_free_space_is_read_in_the_nodes_work_dir_where_its_transport_runs(tmp_path):
    t = LocalTransport(tmp_root=str(tmp_path))
    got = await diskspace.free_space(t, "db1", str(tmp_path))
    assert got.directory == str(tmp_path) and got.available > 0 and got.missing == ()
    assert got.where == "db1's host (this machine)"
    with pytest.raises(TransportError) as exc:
        await diskspace.free_space(t, "db1", str(tmp_path / "nope"))
    assert "db1's host (this machine): cannot read the free space of" in str(exc.value)
    assert str(tmp_path / "nope") in str(exc.value)


async def test_the_preflight_check_refuses_when_the_estimate_cannot_fit(tmp_path, tiny_fs):
    config = Config(
        None, (NodeConfig(name="db1", work_dir=str(tmp_path)), NodeConfig(name="db2", work_dir=str(tiny_fs)))
    )
    (check,) = checks.file_space_checks("db1", "db2", True)
    assert check.needs == ("scope",) and check.before == "dump-file"
    assert checks.file_space_checks("db1", "db2", False) == []
    ctx = StepContext(config=config)
    try:
        ctx.state.estimate_bytes = 50 * 1024 * 1024
        res = await check.evaluate(ctx)
        assert not res.ok and "db2's host (this machine) has" in res.reason and str(tiny_fs) in res.reason
    finally:
        await ctx.aclose()
    roomy = Config(None, (config.nodes[0], NodeConfig(name="db2", work_dir=str(tmp_path))))
    ctx = StepContext(config=roomy)
    try:
        ctx.state.estimate_bytes = 50 * 1024 * 1024
        assert (await check.evaluate(ctx)).ok
    finally:
        await ctx.aclose()


# ----------------------------------------------------------------------------- work_dir
BASE = """
[defaults]
user = "u"
{defaults}
[[nodes]]
name = "db1"
ssh_host = "db1.example"
{node}
"""


def load(defaults: str = "", node: str = "") -> Config:
    return parse_config(BASE.format(defaults=defaults, node=node), "replui.toml", check_paths=False)


def test_work_dir_is_a_node_key_with_a_default_and_reaches_the_ssh_target():
    assert load().nodes[0].work_dir is None
    cfg = load(defaults='work_dir = "/var/tmp/replui/"')
    node = cfg.nodes[0]
    assert node.work_dir == "/var/tmp/replui" and node.ssh_target.work_dir == "/var/tmp/replui"
    assert node.ssh_target.key == load().nodes[0].ssh_target.key  # the same SSH connection
    assert load(defaults='work_dir = "/a"', node='work_dir = "/b"').nodes[0].work_dir == "/b"


@pytest.mark.parametrize(
    "value, expected",
    [
        ('"tmp/replui"', "expected an absolute directory path on the node's host, got 'tmp/replui'"),
        ('"~/tmp"', "~ is not expanded"),
        ('"/tmp/a b"', "unexpected character ' '"),
        ('"/tmp/$(reboot)"', "unexpected character '$'"),
        ('"/tmp/x\\n--user=root"', "unexpected character '\\n'"),
        ('"/tmp/../etc"', "without '..'"),
        ("3", "expected an absolute directory path on the node's host, got 3"),
    ],
)
def test_a_bad_work_dir_is_refused_naming_file_line_and_key(value, expected):
    with pytest.raises(ConfigError) as exc:
        load(node=f"work_dir = {value}")
    assert str(exc.value).startswith("replui.toml:8: nodes[0].work_dir: ") and expected in str(exc.value)


def test_a_local_nodes_work_dir_must_exist_here(tmp_path):
    text = f'[[nodes]]\nname = "n"\nwork_dir = "{tmp_path / "nope"}"\n'
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "r.toml")
    assert "r.toml:3: nodes[0].work_dir: no such directory on this machine" in str(exc.value)
    ok = parse_config(f'[[nodes]]\nname = "n"\nwork_dir = "{tmp_path}"\n', "r.toml")
    t = transport_for(ok.nodes[0])
    assert isinstance(t, LocalTransport) and t.tmp_root == str(tmp_path)
