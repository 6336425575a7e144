"""The dump stream: option files, coordinate parsing, the relay and its
failures (with stand-in tools: real processes, no mocks), then real
mariadb-dump → mariadb streams between two throwaway servers (``lab``)."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from replui.config import NodeConfig
from replui.model import BinlogCoordinates
from replui.transport import LocalTransport
from replui.wizards.coordinates import CoordinateScanner, parse_coordinates
from replui.wizards.dumpfile import copy_file, dump_to_file, restore_from_file
from replui.wizards.dumpstream import StreamCancelled, StreamError, stream_dump
from replui.wizards.dumptools import ToolInfo, client_argv, dump_argv, parse_tool_version
from replui.wizards.optionfile import client_option_file, quote_option_value
from replui.wizards.plan import Progress

HOSTILE = "p'a\"s\\s#w rd\n\t;--x\\"

# Heads as the tools print them (MariaDB 10.11 captured; MySQL from the manuals' mysqldump pages).
MARIADB_HEAD = (
    b"/*M!999999\\- enable the sandbox mode */ \n"
    b"-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n--\n"
    b"/*!40101 SET NAMES utf8mb4 */;\n-- CHANGE MASTER TO MASTER_USE_GTID=slave_pos;\n\n"
    b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=1234;\n\n"
    b"--\n-- Current Database: `shop`\n"
)
MARIADB_TAIL = (
    b"UNLOCK TABLES;\n\n"
    b"-- The deferred gtid setting for slave corresponding to the master-data CHANGE-MASTER follows\n\n"
    b"-- Preferably use GTID to start replication from GTID position:\n\n"
    b"-- SET GLOBAL gtid_slave_pos='0-1-5,1-2-9';\n"
    b"/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n-- Dump completed on 2026-01-01\n"
)
MYSQL57_HEAD = (
    b"-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)\n"
    b"SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;\n"
    b"SET @@SESSION.SQL_LOG_BIN= 0;\n\n--\n-- GTID state at the beginning of the backup \n--\n\n"
    b"SET @@GLOBAL.GTID_PURGED='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';\n\n--\n"
    b"-- Position to start replication or point-in-time recovery from\n--\n\n"
    b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=154;\n\n"
)
MYSQL8_HEAD = (
    b"-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n"
    b"SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n"
    b"4f11fa47-71ca-11e1-9e33-c80aa9429563:1-7';\n\n"
    b"-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157;\n\n"
)


# ----------------------------------------------------------------------------- option files
def test_option_values_are_double_quoted_with_escapes():
    assert quote_option_value('a"b\\c') == '"a\\"b\\\\c"'
    assert quote_option_value("x\ny\tz#w s") == '"x\\ny\\tz#w s"'
    with pytest.raises(ValueError) as exc:
        quote_option_value("pass\x00word")
    assert "pass" not in str(exc.value)


@pytest.mark.skipif(not shutil.which("my_print_defaults"), reason="my_print_defaults not installed")
def test_hostile_values_read_back_exactly_through_the_real_option_file_reader(tmp_path):
    node = NodeConfig(name="n", host="h#1 'x'", port=3307, user='u"s\\e r#', password=HOSTILE)
    path = tmp_path / "c.cnf"
    path.write_bytes(client_option_file(node))
    out = subprocess.run(
        ["my_print_defaults", f"--defaults-file={path}", "client"], capture_output=True, check=True
    ).stdout.decode()
    assert f"--password={HOSTILE}\n" in out
    assert f"--user={node.user}\n" in out
    assert f"--host={node.host}\n" in out
    assert "--port=3307\n" in out and "--protocol=TCP\n" in out


def test_socket_and_tls_settings_by_client_flavour():
    node = NodeConfig(
        name="n",
        user="u",
        password="p",
        socket="/run/my sql.sock",
        ssl=True,
        ssl_ca="/ca.pem",
        ssl_verify_server_cert=True,
    )
    maria = client_option_file(node).decode()
    assert 'socket="/run/my sql.sock"' in maria and "protocol=SOCKET" in maria and "host=" not in maria
    assert "\nssl\n" in maria and "ssl-verify-server-cert" in maria and 'ssl-ca="/ca.pem"' in maria
    mysql = client_option_file(node, flavor="mysql").decode()
    assert "ssl-mode=VERIFY_IDENTITY" in mysql and "\nssl\n" not in mysql


def test_no_password_line_when_the_node_has_none():
    text = client_option_file(NodeConfig(name="n", user="u", defaults_file="/etc/replui/my.cnf")).decode()
    assert text.startswith("!include /etc/replui/my.cnf\n[client]\n") and "password" not in text


# ----------------------------------------------------------------------------- commands
def test_dump_command_per_tool_and_version_keeps_the_option_file_first():
    maria = parse_tool_version(
        "/usr/bin/mariadb-dump", "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu"
    )
    assert maria == ToolInfo("/usr/bin/mariadb-dump", "mariadb", (10, 11, 19))
    argv = dump_argv(maria, "/tmp/x/o.cnf", databases=["shop", "b"], gtid=True)
    assert argv[:4] == [
        "/usr/bin/mariadb-dump",
        "--defaults-extra-file=/tmp/x/o.cnf",
        "--single-transaction",
        "--master-data=2",
    ]
    assert "--gtid" in argv and argv[-4:] == ["--databases", "--", "shop", "b"]
    for opt in ("--routines", "--triggers", "--events", "--hex-blob", "--quick"):
        assert opt in argv
    m8 = parse_tool_version(
        "mysqldump", "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)"
    )
    assert m8.flavor == "mysql" and m8.version == (8, 0, 36)
    a8 = dump_argv(m8, "o.cnf", gtid=True)
    assert "--source-data=2" in a8 and "--gtid" not in a8 and a8[-1] == "--all-databases"
    m57 = parse_tool_version("mysqldump", "mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)")
    assert m57.version == (5, 7, 44) and "--master-data=2" in dump_argv(m57, "o.cnf")
    assert client_argv(maria, "/p.cnf")[1] == "--defaults-extra-file=/p.cnf"
    # a name after "--", never an option
    assert dump_argv(maria, "o.cnf", databases=["-dash"])[-3:] == ["--databases", "--", "-dash"]
    for bad in ("", "a\x00b"):
        with pytest.raises(ValueError):
            dump_argv(maria, "o.cnf", databases=[bad])


# ----------------------------------------------------------------------------- coordinates
@pytest.mark.parametrize(
    "head, expected",
    [
        (MARIADB_HEAD, BinlogCoordinates("mysql-bin.000002", 1234, None)),
        (
            MYSQL57_HEAD,
            BinlogCoordinates("mysql-bin.000003", 154, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"),
        ),
        (
            MYSQL8_HEAD,
            BinlogCoordinates(
                "binlog.000002",
                157,
                "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4f11fa47-71ca-11e1-9e33-c80aa9429563:1-7",
            ),
        ),
        (
            b"CHANGE MASTER TO MASTER_LOG_FILE='b.000001', MASTER_LOG_POS=4;\n",
            BinlogCoordinates("b.000001", 4, None),
        ),
    ],
    ids=["mariadb", "mysql57", "mysql8026", "master-data-1"],
)
def test_coordinates_are_read_from_every_head_format(head, expected):
    assert parse_coordinates(head) == expected


@pytest.mark.parametrize("head", [MARIADB_HEAD + b"x" * 300 + MARIADB_TAIL, MYSQL57_HEAD, MYSQL8_HEAD])
def test_coordinates_survive_any_split_into_chunks(head):
    whole = (
        parse_coordinates(head)
        if head.startswith(b"-- My")
        else BinlogCoordinates("mysql-bin.000002", 1234, "0-1-5,1-2-9")
    )
    for size in (1, 2, 7, 64):
        s = CoordinateScanner()
        for i in range(0, len(head), size):
            s.feed(head[i : i + size])
        assert s.result() == whole
    rnd = random.Random(3)
    for _ in range(50):
        s, i = CoordinateScanner(), 0
        while i < len(head):
            n = rnd.randint(1, 40)
            s.feed(head[i : i + n])
            i += n
        assert s.result() == whole


def test_a_value_cut_at_the_end_of_a_chunk_is_not_taken():
    s = CoordinateScanner()
    s.feed(b"-- CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=12")
    assert not s.head.complete and not s.head_done
    s.feed(b"34;\n")
    assert s.head == BinlogCoordinates("mysql-bin.000002", 1234, None) and s.head_done


def test_mariadb_deferred_gtid_is_found_at_the_end_of_a_long_stream():
    s = CoordinateScanner()
    s.feed(MARIADB_HEAD)
    row = b"INSERT INTO t VALUES " + b",".join(b"(%d,'abc')" % i for i in range(1000)) + b";\n"
    for _ in range(300):  # ~4 MB between head and tail
        s.feed(row)
    for i in range(0, len(MARIADB_TAIL), 5):
        s.feed(MARIADB_TAIL[i : i + 5])
    assert s.result() == BinlogCoordinates("mysql-bin.000002", 1234, "0-1-5,1-2-9")


def test_a_head_without_coordinates_ends_the_head_incomplete():
    s = CoordinateScanner(head_limit=1024)
    s.feed(b"-- just data\n" * 200)
    assert s.head_done and not s.head.complete


# ----------------------------------------------------------------------------- relay with stand-in tools
FAKE_DUMP = """#!/bin/sh
[ "$1" = --version ] && { echo "fake-dump  Ver 10.19 Distrib 10.11.19-MariaDB"; exit 0; }
case "$1" in --defaults-extra-file=*) ;; *) echo "option file not first" >&2; exit 7;; esac
%s
"""
FAKE_CLIENT = """#!/bin/sh
[ "$1" = --version ] && { echo "fake-client  Ver 15.1 Distrib 10.11.19-MariaDB"; exit 0; }
%s
"""


def make_tool(tmp_path: Path, name: str, template: str, body: str) -> str:
    p = tmp_path / name
    p.write_text(template % body)
    p.chmod(0o755)
    return str(p)


def leftovers(marker: str) -> list[str]:
    """Command lines of live processes that mention ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if marker in cmd and state not in ("Z", "X"):
                found.append(cmd)
    return found


NODE = NodeConfig(name="n", user="u", password="pw")


async def run_fake(tmp_path, dump_body: str, client_body: str, **kw):
    head = tmp_path / "head.sql"
    head.write_bytes(MARIADB_HEAD)
    dump = make_tool(tmp_path, "fake-dump", FAKE_DUMP, dump_body.replace("HEAD", str(head)))
    client = make_tool(
        tmp_path, "fake-client", FAKE_CLIENT, client_body.replace("OUT", str(tmp_path / "received"))
    )
    t = LocalTransport(tmp_root=str(tmp_path))
    try:
        return await stream_dump(
            NODE, NODE, source_transport=t, replica_transport=t, dump_tool=dump, client_tool=client, **kw
        )
    finally:
        await t.cleanup()
        assert leftovers(str(tmp_path / "fake-")) == []


async def test_relay_copies_every_byte_with_small_chunks_and_reports_progress(tmp_path):
    events = []
    res = await run_fake(
        tmp_path,
        "cat HEAD; head -c 3000000 /dev/zero | tr '\\0' 'x'; printf 'END\\n'",
        "cat > OUT",
        chunk_size=4096,
        on_progress=events.append,
        estimate_bytes=3_000_000,
    )
    got = (tmp_path / "received").read_bytes()
    assert got == MARIADB_HEAD + b"x" * 3_000_000 + b"END\n"
    assert res.bytes == len(got) and res.dump_rc == 0 and res.restore_rc == 0
    assert res.coordinates == BinlogCoordinates("mysql-bin.000002", 1234, None)
    assert events and events[-1].bytes == len(got) and events[-1].total == 3_000_000
    assert all(isinstance(e, Progress) for e in events)


async def test_a_dump_without_coordinates_fails_before_the_replica_gets_a_byte(tmp_path):
    with pytest.raises(StreamError) as exc:
        await run_fake(tmp_path, "head -c 200000 /dev/zero | tr '\\0' 'y'", "cat > OUT")
    assert exc.value.step == "dump" and "no binlog coordinates" in exc.value.message
    assert not (tmp_path / "received").exists() or (tmp_path / "received").read_bytes() == b""


async def test_a_failing_dump_names_the_dump_step_and_its_error(tmp_path):
    with pytest.raises(StreamError) as exc:
        await run_fake(
            tmp_path, "cat HEAD; echo 'fake-dump: Got error: 1045: Access denied' >&2; exit 2", "cat > OUT"
        )
    assert exc.value.step == "dump" and exc.value.returncode == 2
    assert "Access denied" in exc.value.message and "Access denied" in exc.value.stderr_tail


async def test_a_failing_restore_names_the_restore_step_and_stops_the_dump(tmp_path):
    with pytest.raises(StreamError) as exc:
        await run_fake(
            tmp_path,
            "cat HEAD; while :; do echo 'INSERT INTO t VALUES (1);'; done",
            "head -c 100 > /dev/null; echo 'ERROR 1064 (42000) at line 3: syntax' >&2; exit 1",
        )
    assert exc.value.step == "restore" and exc.value.returncode == 1 and "ERROR 1064" in exc.value.message


async def test_cancel_stops_both_tools(tmp_path):
    cancel = asyncio.Event()
    lines = []

    def progress(p):
        if p.bytes > 100_000:
            cancel.set()

    with pytest.raises(StreamCancelled):
        await run_fake(
            tmp_path,
            "cat HEAD; echo started >&2; while :; do echo 'INSERT INTO t VALUES (1);'; done",
            "cat > /dev/null",
            cancel=cancel,
            on_progress=progress,
            on_line=lines.append,
        )
    assert "started" in lines


PREAMBLE = b"SELECT 'replui-preamble-marker';\n"


async def test_the_restore_preamble_reaches_the_client_before_any_dump_byte(tmp_path):
    res = await run_fake(
        tmp_path,
        "cat HEAD; printf 'INSERT INTO t VALUES (1);\\n'",
        "cat > OUT",
        chunk_size=7,
        restore_preamble=PREAMBLE,
    )
    got = (tmp_path / "received").read_bytes()
    assert got == PREAMBLE + MARIADB_HEAD + b"INSERT INTO t VALUES (1);\n"
    assert res.bytes == len(MARIADB_HEAD) + len(b"INSERT INTO t VALUES (1);\n")  # dump bytes only


async def test_a_dump_without_coordinates_sends_not_even_the_preamble(tmp_path):
    with pytest.raises(StreamError) as exc:
        await run_fake(
            tmp_path, "head -c 200000 /dev/zero | tr '\\0' 'y'", "cat > OUT", restore_preamble=PREAMBLE
        )
    assert exc.value.step == "dump"
    assert not (tmp_path / "received").exists() or (tmp_path / "received").read_bytes() == b""


async def test_restore_from_a_file_sends_the_preamble_first(tmp_path):
    import gzip

    path = tmp_path / "d.sql.gz"
    body = MARIADB_HEAD + b"INSERT INTO t VALUES (1);\n" + MARIADB_TAIL
    with gzip.open(path, "wb") as fh:
        fh.write(body)
    client = make_tool(tmp_path, "fake-client", FAKE_CLIENT, f"cat > {tmp_path / 'received'}")
    t = LocalTransport(tmp_root=str(tmp_path))
    try:
        await restore_from_file(
            NODE, str(path), replica_transport=t, client_tool=client, restore_preamble=PREAMBLE
        )
    finally:
        await t.cleanup()
    assert (tmp_path / "received").read_bytes() == PREAMBLE + body


async def test_via_file_round_trip_checks_the_checksum(tmp_path):
    head = tmp_path / "head.sql"
    head.write_bytes(MARIADB_HEAD + b"INSERT INTO t VALUES (1);\n" * 5000 + MARIADB_TAIL)
    dump = make_tool(tmp_path, "fake-dump", FAKE_DUMP, f"cat {head}")
    client = make_tool(tmp_path, "fake-client", FAKE_CLIENT, f"cat > {tmp_path / 'received'}")
    t = LocalTransport(tmp_root=str(tmp_path))
    try:
        fd = await dump_to_file(NODE, str(tmp_path / "d.sql.gz"), source_transport=t, dump_tool=dump)
        assert fd.coordinates == BinlogCoordinates("mysql-bin.000002", 1234, "0-1-5,1-2-9")
        assert (tmp_path / "d.sql.gz.sha256").read_text().startswith(fd.sha256)
        digest = await copy_file(fd.path, str(tmp_path / "copy.sql.gz"), sha256=fd.sha256)
        res = await restore_from_file(
            NODE, str(tmp_path / "copy.sql.gz"), replica_transport=t, sha256=digest, client_tool=client
        )
        assert (tmp_path / "received").read_bytes() == head.read_bytes() and res.restore_rc == 0
        with open(tmp_path / "copy.sql.gz", "r+b") as fh:
            fh.seek(100)
            fh.write(b"\xff\xff")
        with pytest.raises(StreamError) as exc:
            await restore_from_file(
                NODE, str(tmp_path / "copy.sql.gz"), replica_transport=t, sha256=digest, client_tool=client
            )
        assert exc.value.step == "copy" and "checksum" in exc.value.message
    finally:
        await t.cleanup()


# ----------------------------------------------------------------------------- real servers
@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two throwaway MariaDB servers: node1 (source, with `shop` and a 20 MB
    `big` database) and node2, not replicating. Both know a user whose
    password is hostile (quotes, backslash, newline, '#')."""
    from replui.lab.lab import Lab
    from replui.lab.server import ServerMissing

    try:
        lab = Lab.up(tmp_path_factory.mktemp("ds") / "lab", "source-replica", 2)
    except ServerMissing as exc:
        pytest.skip(str(exc))
    try:
        lab.sql("node2", ["STOP SLAVE", "RESET SLAVE ALL"])
        for name in ("node1", "node2"):
            with lab.connect(name) as conn, conn.cursor() as cur:
                cur.execute("SET sql_log_bin=0")
                cur.execute("CREATE USER 'ho''stile'@'127.0.0.1' IDENTIFIED BY %s", (HOSTILE,))
                cur.execute("GRANT ALL ON *.* TO 'ho''stile'@'127.0.0.1'")
        lab.sql(
            "node1",
            [
                "SET sql_log_bin=0",
                "CREATE DATABASE big",
                "CREATE TABLE big.t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB",
                "INSERT INTO big.t SELECT seq, CONCAT(SHA2(seq, 256), MD5(seq)) FROM big.seq_1_to_150000",
            ],
        )
        lab.sql("node2", "DROP DATABASE IF EXISTS shop")
        yield lab
    finally:
        lab.down(purge=True)


def node(lab, name: str) -> NodeConfig:
    return NodeConfig(
        name=name, host="127.0.0.1", port=lab.node(name).port, user="ho'stile", password=HOSTILE
    )


def checksum(lab, name: str, table: str):
    return lab.sql(name, f"CHECKSUM TABLE {table}")[0][1]


@pytest.mark.lab
async def test_stream_dump_copies_a_database_and_returns_the_source_coordinates(pair):
    lab = pair
    file, pos = lab.master_status("node1")
    t = LocalTransport()
    seen_cmdlines: list[str] = []

    def watch(_progress):
        seen_cmdlines.extend(leftovers("--defaults-extra-file"))

    try:
        res = await stream_dump(
            node(lab, "node1"),
            node(lab, "node2"),
            source_transport=t,
            replica_transport=t,
            databases=["shop"],
            gtid=True,
            on_progress=watch,
        )
    finally:
        await t.cleanup()
    assert res.coordinates.file == file and res.coordinates.position == pos
    assert res.coordinates.gtid  # MariaDB's deferred gtid_slave_pos line
    for table in ("shop.customers", "shop.orders"):
        assert checksum(lab, "node1", table) == checksum(lab, "node2", table)
    assert seen_cmdlines and not any(HOSTILE in c or lab.admin_password in c for c in seen_cmdlines)


@pytest.mark.lab
async def test_a_dump_killed_mid_stream_fails_the_dump_step_and_leaves_no_process(pair):
    lab = pair
    t = LocalTransport()
    killed: list[int] = []
    cmdlines: list[str] = []

    def kill_dump(p):
        cmdlines.extend(leftovers("--defaults-extra-file"))
        if p.bytes > 1_000_000 and not killed:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        cmd = (entry / "cmdline").read_bytes().split(b"\0")
                    except OSError:
                        continue
                    if (
                        cmd
                        and cmd[0].endswith(b"-dump")
                        and b"big" in cmd
                        and t.private_dir
                        and t.private_dir.encode() in cmd[1]
                    ):
                        os.kill(int(entry.name), signal.SIGKILL)
                        killed.append(int(entry.name))

    try:
        with pytest.raises(StreamError) as exc:
            await stream_dump(
                node(lab, "node1"),
                node(lab, "node2"),
                source_transport=t,
                replica_transport=t,
                databases=["big"],
                on_progress=kill_dump,
                chunk_size=64 * 1024,
            )
        private = t.private_dir
    finally:
        await t.cleanup()
    assert killed
    assert exc.value.step == "dump" and exc.value.returncode == -9 and "signal 9" in exc.value.message
    assert leftovers(private) == []
    assert cmdlines and not any(HOSTILE in c for c in cmdlines)


@pytest.mark.lab
async def test_a_failing_preamble_stops_the_real_client_before_the_dump_touches_the_replica(pair):
    lab = pair
    lab.sql("node2", "DROP DATABASE IF EXISTS shop")
    t = LocalTransport()
    guard = b"SET SESSION sql_mode = IF(@@port = 1, @@session.sql_mode, 'replui: not this server');\n"
    try:
        with pytest.raises(StreamError) as exc:
            await stream_dump(
                node(lab, "node1"),
                node(lab, "node2"),
                source_transport=t,
                replica_transport=t,
                databases=["shop"],
                restore_preamble=guard,
            )
        private = t.private_dir
    finally:
        await t.cleanup()
    assert exc.value.step == "restore" and "replui: not this server" in exc.value.message
    assert "shop" not in [r[0] for r in lab.sql("node2", "SHOW DATABASES")]
    assert leftovers(private) == []


@pytest.mark.lab
async def test_the_restore_init_command_keeps_the_restore_out_of_the_replicas_binlog(pair):
    lab = pair
    lab.sql("node2", "DROP DATABASE IF EXISTS shop")
    before = lab.master_status("node2")
    t = LocalTransport()
    try:
        await stream_dump(
            node(lab, "node1"),
            node(lab, "node2"),
            source_transport=t,
            replica_transport=t,
            databases=["shop"],
            restore_init_command="SET SESSION sql_log_bin=0",
        )
    finally:
        await t.cleanup()
    assert before[0] and lab.master_status("node2") == before  # nothing of the restore was binlogged
    assert checksum(lab, "node1", "shop.orders") == checksum(lab, "node2", "shop.orders")
