"""NodeClient errors and escaping; collect_status never raises.

The first tests need no server (a closed loopback port). The ``lab`` tests
start their own throwaway MariaDB (``mariadb-install-db`` + ``mariadbd`` on a
free port and a private socket) and stop it afterwards — no mocks.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from replui.config import NodeConfig
from replui.model import Flavor
from replui.mysql.client import NodeClient, NodeError
from replui.mysql.status import collect_status

HOSTILE = "x'; DROP TABLE t; -- \\ \" \x00 \n ' OR '1'='1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _closed_node(**kw) -> NodeConfig:
    return NodeConfig(
        name="gone",
        host="127.0.0.1",
        port=_free_port(),
        user="nobody",
        password="pw",
        connect_timeout=2.0,
        **kw,
    )


def test_closed_port_gives_errno_2003_and_one_line_message():
    client = NodeClient(_closed_node())
    with pytest.raises(NodeError) as info:
        client.query("SELECT 1")
    err = info.value
    assert err.errno == 2003
    assert err.message.startswith("2003: Can't connect to MySQL server on '127.0.0.1'")
    assert "\n" not in err.message and "Traceback" not in err.message
    assert str(err) == err.message
    assert not client.connected


def test_collect_status_on_a_closed_port_returns_unreachable():
    node = _closed_node()
    status = collect_status(NodeClient(node), node, now=lambda: 1234.0)
    assert status.reachable is False
    assert status.errno == 2003 and status.error.startswith("2003: ")
    assert (status.name, status.host, status.port) == ("gone", "127.0.0.1", node.port)
    assert status.collected_at == 1234.0 and status.channels == ()


def test_unset_password_variable_becomes_a_node_error_without_errno(monkeypatch):
    monkeypatch.delenv("REPLUI_TEST_NO_SUCH_PW", raising=False)
    node = NodeConfig(
        name="n", host="127.0.0.1", port=_free_port(), user="u", password_env="REPLUI_TEST_NO_SUCH_PW"
    )
    with pytest.raises(NodeError) as info:
        NodeClient(node).query("SELECT 1")
    assert info.value.errno is None
    assert "REPLUI_TEST_NO_SUCH_PW is not set" in info.value.message
    status = collect_status(NodeClient(node), node)
    assert status.reachable is False and status.errno is None and "is not set" in status.error


def test_literal_escapes_hostile_values_without_a_connection():
    client = NodeClient(_closed_node())
    lit = client.literal(HOSTILE)
    assert lit.startswith("'") and lit.endswith("'")
    inner = lit[1:-1]
    # every quote inside is escaped, so the literal cannot be closed early
    assert "'" not in inner.replace("\\'", "")
    assert "\\0" in inner and "\\n" in inner and "\\\\" in inner
    assert client.literal(None) == "NULL" and client.literal(5) == "5"
    assert not client.connected  # literal() never connects


def test_node_error_message_adds_errno_once():
    assert (
        NodeError(1045, "Access denied for user 'x'@'localhost'").message
        == "1045: Access denied for user 'x'@'localhost'"
    )
    assert NodeError(1045, "1045: already").message == "1045: already"
    assert NodeError(None, "line one\n  line two").message == "line one line two"


# -- a throwaway MariaDB -----------------------------------------------------------------

MARIADBD = shutil.which("mariadbd") or "/usr/sbin/mariadbd"


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    if not (os.path.exists(MARIADBD) and shutil.which("mariadb-install-db")):
        pytest.skip("MariaDB is not installed")
    base = tmp_path_factory.mktemp("mariadb")
    datadir, sock, port = base / "data", base / "mysqld.sock", _free_port()
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            "--auth-root-authentication-method=socket",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    proc = subprocess.Popen(
        [
            MARIADBD,
            "--no-defaults",
            "--user=root",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--server-id=7",
            "--log-bin=mysql-bin",
            f"--pid-file={base / 'pid'}",
            f"--log-error={base / 'err.log'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = NodeConfig(
        name="lab", host="127.0.0.1", port=port, user="root", socket=str(sock), connect_timeout=2.0
    )
    client = NodeClient(root)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.query("SELECT 1")
            break
        except NodeError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"mariadbd did not start: {(base / 'err.log').read_text()[-2000:]}")
            time.sleep(0.2)
    try:
        yield {"root": root, "client": client, "port": port, "sock": str(sock)}
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.lab
def test_collect_status_reads_a_real_mariadb_replica(mariadb):
    c, node = mariadb["client"], mariadb["root"]
    c.execute(
        "CHANGE MASTER 'peer' TO MASTER_HOST='127.0.0.1', MASTER_PORT=%s, MASTER_USER='repl', "
        "MASTER_PASSWORD=%s, MASTER_LOG_FILE='mysql-bin.000235', MASTER_LOG_POS=4"
        % (_free_port(), c.literal(HOSTILE))
    )
    try:
        status = collect_status(c, node)
    finally:
        c.execute("RESET SLAVE 'peer' ALL")
    assert status.reachable and status.error is None, status.error
    assert status.flavor is Flavor.MARIADB and status.server_id == 7
    assert (
        status.log_bin is True and status.binlog is not None and status.binlog.file.startswith("mysql-bin.")
    )
    assert status.binlog_file(status.binlog.file) is not None
    assert status.server_uuid is None and status.gtid_domain_id == 0
    (peer,) = status.channels
    assert (
        peer.name == "peer" and peer.source_log_file == "mysql-bin.000235" and peer.read_source_log_pos == 4
    )
    assert peer.io_running == "No" and peer.seconds_behind_source is None
    assert status.warnings == ()


@pytest.mark.lab
def test_literal_round_trips_a_hostile_value_through_the_server(mariadb):
    c = mariadb["client"]
    assert c.scalar(f"SELECT {c.literal(HOSTILE)} AS v") == HOSTILE


@pytest.mark.lab
def test_a_killed_connection_is_reopened_on_the_next_call(mariadb):
    node = mariadb["root"]
    victim = NodeClient(node)
    conn_id = victim.scalar("SELECT CONNECTION_ID()")
    mariadb["client"].execute(f"KILL CONNECTION {int(conn_id)}")
    with pytest.raises(NodeError) as info:
        victim.query("SELECT 1")
    assert info.value.connection_lost and not victim.connected
    assert victim.scalar("SELECT 1") == 1 and victim.connected
    victim.close()


@pytest.mark.lab
def test_a_monitor_without_privileges_stays_reachable(mariadb):
    c = mariadb["client"]
    password = "mon'pw\\x"
    c.execute(f"CREATE OR REPLACE USER 'mon'@'127.0.0.1' IDENTIFIED BY {c.literal(password)}")
    try:
        node = NodeConfig(name="mon", host="127.0.0.1", port=mariadb["port"], user="mon", password=password)
        status = collect_status(NodeClient(node), node)
    finally:
        c.execute("DROP USER 'mon'@'127.0.0.1'")
    assert status.reachable, status.error
    assert status.channels == () and status.binlog_files == ()
    assert status.warnings and all(": " in w for w in status.warnings)
    assert any("1227" in w for w in status.warnings)


@pytest.mark.lab
def test_wrong_password_gives_1045(mariadb):
    node = NodeConfig(name="bad", host="127.0.0.1", port=mariadb["port"], user="nosuchuser", password="wrong")
    status = collect_status(NodeClient(node), node)
    assert (
        status.reachable is False and status.errno == 1045 and status.error.startswith("1045: Access denied")
    )


@pytest.mark.lab
def test_an_option_file_supplies_user_and_password_but_not_the_address(mariadb, tmp_path):
    c = mariadb["client"]
    password = "opt'file\"pw"
    c.execute(f"CREATE OR REPLACE USER 'optuser'@'127.0.0.1' IDENTIFIED BY {c.literal(password)}")
    cnf = tmp_path / "client.cnf"
    cnf.write_text(
        f'[client]\nuser=optuser\npassword="{password}"\nsocket=/nonexistent/mysqld.sock\nhost=192.0.2.1\n'
    )
    cnf.chmod(0o600)
    try:
        node = NodeConfig(name="opt", host="127.0.0.1", port=mariadb["port"], defaults_file=str(cnf))
        assert NodeClient(node).scalar("SELECT CURRENT_USER()") == "optuser@127.0.0.1"
    finally:
        c.execute("DROP USER 'optuser'@'127.0.0.1'")
