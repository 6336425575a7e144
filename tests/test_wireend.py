"""Each end of a streamed dump made ready in one command on its host, then the
wire scripts run in that private directory and remove it themselves.

A "host" here is a local transport with another name that tracks adopted
directories (as :class:`~replui.transport.ssh.SshTransport` does), so the
same ``sh`` scripts run that a database host runs over SSH; stand-in tools
are real processes (no mocks). The SSH side is in test_ssh_selfcleanup_lab.py.
"""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from replui.config import NodeConfig
from replui.transport.base import TransportError
from replui.transport.local import LocalTransport
from replui.wizards.dumpstream import StreamError, stream_dump
from replui.wizards.wireend import PREPARE_SH, HostDirs, probe_host

HEAD = b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=1234;\n"
DUMP = """#!/bin/sh
[ "$1" = --version ] && { echo "%s"; exit 0; }
f=${1#--defaults-extra-file=}
echo "option file $(stat -c %%a "$f") dir $(stat -c %%a "$(dirname "$f")") $f" >&2
cat "%s"; printf 'INSERT INTO t VALUES (1);\\n'
"""
CLIENT = """#!/bin/sh
[ "$1" = --version ] && { echo "fake-client  Ver 15.1 Distrib 10.11.19-MariaDB"; exit 0; }
f=${1#--defaults-extra-file=}
cp "$f" "%s"
cat > "%s"
"""
NODE = NodeConfig(name="db1", user="u", password="s3cret")
REPLICA = NodeConfig(name="db2", user="u", password="s3cret", ssl=True, ssl_ca="/ca.pem")


class FakeHost(LocalTransport):
    """A database host: commands run here, but it is not "local", so the
    prepare command and the wire scripts run as on a remote host; it counts
    the commands it starts. ``path`` replaces PATH for them."""

    def __init__(self, name: str, root: Path, path: str | None = None) -> None:
        super().__init__(tmp_root=str(root))
        self.name = f"fakehost:{name}"
        self.root = root
        self.path = path
        self.started: list[list[str]] = []
        self.released: list[str] = []

    @property
    def private_parent(self) -> str | None:
        return str(self.root)

    def adopt_private_dir(self, path: str) -> None:
        self._dirs.append(path)

    def release_private_dir(self, path: str) -> None:
        self.released.append(path)
        if path in self._dirs:
            self._dirs.remove(path)

    async def spawn(self, argv, *, stdin=False, env=None, cwd=None):
        self.started.append(list(argv))
        extra = {"PATH": self.path} if self.path else None
        return await super().spawn(argv, stdin=stdin, env=extra, cwd=cwd)


def tools(tmp_path: Path, version: str = "fake-dump  Ver 10.19 Distrib 10.11.19-MariaDB") -> tuple[str, str]:
    (tmp_path / "head.sql").write_bytes(HEAD)
    dump, client = tmp_path / "fake-dump", tmp_path / "fake-client"
    dump.write_text(DUMP % (version, tmp_path / "head.sql"))
    client.write_text(CLIENT % (tmp_path / "client.cnf", tmp_path / "received"))
    for p in (dump, client):
        p.chmod(0o755)
    return str(dump), str(client)


def hosts(tmp_path: Path, path: str | None = None) -> tuple[FakeHost, FakeHost]:
    (tmp_path / "h1").mkdir(mode=0o700)
    (tmp_path / "h2").mkdir(mode=0o700)
    return FakeHost("db1", tmp_path / "h1", path), FakeHost("db2", tmp_path / "h2", path)


def test_the_fake_host_is_what_the_stream_takes_for_a_remote_one(tmp_path):
    h1, _ = hosts(tmp_path)
    assert isinstance(h1, HostDirs) and h1.name != "local"


async def test_two_commands_a_host_and_the_scripts_remove_their_directories(tmp_path):
    dump, client = tools(tmp_path)
    h1, h2 = hosts(tmp_path)
    lines: list[str] = []
    try:
        res = await stream_dump(
            NODE,
            REPLICA,
            source_transport=h1,
            replica_transport=h2,
            dump_tool=dump,
            client_tool=client,
            on_line=lines.append,
            restore_init_command="SET SESSION sql_log_bin=0",
        )
    finally:
        await h1.cleanup()
        await h2.cleanup()
    assert (tmp_path / "received").read_bytes() == HEAD + b"INSERT INTO t VALUES (1);\n"
    assert res.coordinates.file == "mysql-bin.000002" and "sha256 equal on both sides" in res.wire_note
    # one prepare command and one wire script a host: nothing before, nothing after
    assert [argv[2] == PREPARE_SH for argv in h1.started] == [True, False]
    assert [argv[2] == PREPARE_SH for argv in h2.started] == [True, False]
    assert len(h1.released) == 1 and len(h2.released) == 1  # each script said it removed its directory
    assert list((tmp_path / "h1").iterdir()) == [] and list((tmp_path / "h2").iterdir()) == []
    # the option file was 0600 in a 0700 directory under the host's private parent, never in argv
    (seen,) = [ln for ln in lines if ln.startswith("option file")]
    assert seen.startswith("option file 600 dir 700 ") and str(tmp_path / "h1") in seen
    assert not any("s3cret" in " ".join(argv) for argv in h1.started + h2.started)
    received = (tmp_path / "client.cnf").read_text()
    assert 'password="s3cret"' in received and 'init-command="SET SESSION sql_log_bin=0"' in received
    assert "\nssl\n" in received and "ssl-mode" not in received  # the MariaDB client's variant
    assert not any("replui-end-" in ln for ln in lines)  # the scripts' reports are not shown


async def test_a_mysql_tool_gets_the_mysql_variant_of_the_option_file(tmp_path):
    dump, client = tools(tmp_path, "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)")
    h1, h2 = hosts(tmp_path)
    lines: list[str] = []
    try:
        res = await stream_dump(
            REPLICA, NODE, source_transport=h1, replica_transport=h2, dump_tool=dump, client_tool=client,
            on_line=lines.append,
        )  # fmt: skip
    finally:
        await h1.cleanup()
        await h2.cleanup()
    assert res.dump_argv[1].endswith("/mysql.cnf") and "--source-data=2" in res.dump_argv
    assert res.restore_argv[1].endswith("/mariadb.cnf")


async def test_a_missing_client_is_named_and_the_sources_directory_does_not_stay(tmp_path):
    dump, _client = tools(tmp_path)
    h1, h2 = hosts(tmp_path)
    try:
        with pytest.raises(TransportError, match=r"none of .*/no-such-client is installed \(fakehost:db2\)"):
            await stream_dump(
                NODE,
                REPLICA,
                source_transport=h1,
                replica_transport=h2,
                dump_tool=dump,
                client_tool=str(tmp_path / "no-such-client"),
            )
        assert list((tmp_path / "h1").iterdir()) == []  # removed before cleanup
    finally:
        await h1.cleanup()
        await h2.cleanup()


async def test_a_host_without_the_check_tools_is_refused_before_a_directory_is_made(tmp_path):
    dump, client = tools(tmp_path)
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("sh", "cat", "head", "stat", "dirname", "mktemp", "tail", "rm", "zstd", "gzip"):
        for d in ("/usr/bin", "/bin"):
            if os.path.exists(f"{d}/{tool}"):
                (bare / tool).symlink_to(f"{d}/{tool}")
                break
    h1, h2 = hosts(tmp_path, path=str(bare))
    try:
        with pytest.raises(
            TransportError, match=r"db1's host \(fakehost:db1\) lacks mkfifo, sha256sum, tee, wc"
        ):
            await stream_dump(
                NODE, REPLICA, source_transport=h1, replica_transport=h2, dump_tool=dump, client_tool=client
            )
    finally:
        await h1.cleanup()
        await h2.cleanup()
    assert list((tmp_path / "h1").iterdir()) == [] and list((tmp_path / "h2").iterdir()) == []


async def test_a_killed_script_leaves_its_directory_to_the_stream_which_removes_it(tmp_path):
    """No report from the replica's script (killed outright: no trap runs):
    the step fails, and stream_dump removes the directory itself."""
    dump, _ = tools(tmp_path)
    client = tmp_path / "killing-client"
    client.write_text('#!/bin/sh\n[ "$1" = --version ] && exit 0\nkill -KILL 0\n')
    client.chmod(0o755)
    h1, h2 = hosts(tmp_path)
    try:
        with pytest.raises(StreamError) as exc:
            await stream_dump(
                NODE,
                REPLICA,
                source_transport=h1,
                replica_transport=h2,
                dump_tool=dump,
                client_tool=str(client),
            )
        assert exc.value.step == "restore"
        assert list((tmp_path / "h2").iterdir()) == []  # removed by stream_dump, not left to cleanup
    finally:
        await h1.cleanup()
        await h2.cleanup()
    assert list((tmp_path / "h1").iterdir()) == []


def test_the_prepare_command_makes_nothing_when_the_tool_is_missing(tmp_path):
    async def go():
        t = LocalTransport()
        try:
            proc = await t.spawn(
                ["sh", "-c", PREPARE_SH, "sh", "dir", str(tmp_path), "1", "no-such-tool-here"], stdin=True
            )
            assert proc.stdin is not None
            proc.stdin.write(b"[client]\n")
            proc.stdin.close()
            out = await proc.stdout.read()
            return await proc.wait(), out
        finally:
            await t.cleanup()

    rc, out = asyncio.run(go())
    assert rc == 3 and b"tool " not in out and list(tmp_path.iterdir()) == []


def test_the_prepare_command_writes_both_variants_0600_in_a_0700_directory(tmp_path):
    async def go():
        t = LocalTransport()
        try:
            proc = await t.spawn(["sh", "-c", PREPARE_SH, "sh", "dir", str(tmp_path), "2", "sh"], stdin=True)
            assert proc.stdin is not None
            proc.stdin.write(b"[client]\nssl\n[client]\nssl-mode=REQUIRED\n")
            proc.stdin.close()
            out = (await proc.stdout.read()).decode()
            return await proc.wait(), out
        finally:
            await t.cleanup()

    rc, out = asyncio.run(go())
    assert rc == 0
    d = Path(out.strip().splitlines()[-1].removeprefix("dir "))
    assert d.parent == tmp_path and d.name.startswith("replui-")
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert sorted(p.name for p in d.iterdir()) == ["mariadb.cnf", "mysql.cnf"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in d.iterdir())
    assert (d / "mariadb.cnf").read_text() == "[client]\nssl\n"
    assert (d / "mysql.cnf").read_text() == "[client]\nssl-mode=REQUIRED\n"


def test_one_command_tells_a_hosts_tool_and_wire_tools(tmp_path):
    dump, _client = tools(tmp_path)
    h1, _ = hosts(tmp_path)

    async def go():
        try:
            found = await probe_host("db1", h1, ("no-such-dump", dump))
            missing = await probe_host("db1", h1, ("no-such-dump",))
            here = await probe_host("db1", LocalTransport(), ("no-such-dump",))
            return found, missing, here
        finally:
            await h1.cleanup()

    found, missing, here = asyncio.run(go())
    assert found.tool is not None and found.tool.path == dump and found.tool.version == (10, 11, 19)
    assert {"sha256sum", "wc", "mkfifo", "tee"} <= found.have
    assert len(h1.started) == 2  # one command each
    assert missing.tool is None and missing.have == found.have
    assert here.tool is None and {"sha256sum", "tee"} <= here.have
    assert list((tmp_path / "h1").iterdir()) == []  # nothing written
