"""The SSH lab against its real processes: every sshd with its own host key,
db hosts reachable only through the jump (netns mode), replication between
them, ``scp -3``, a rotated host key refused, and nothing left after ``down()``."""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import stat
import subprocess
import time
import tomllib

import pytest
from ssh_fixtures import start_ssh_lab

from replui.lab.server import LabError

pytestmark = pytest.mark.lab


@pytest.fixture(params=["netns", "loopback"])
def any_ssh_lab(request):
    """Each session SSH lab in turn."""
    return request.getfixturevalue("ssh_lab" if request.param == "netns" else "ssh_lab_loopback")


def _key_blob(path) -> str:
    return path.read_text().split()[1]


def test_every_sshd_answers_with_its_own_host_key(any_ssh_lab):
    lab = any_ssh_lab
    fingerprints = {h.fingerprint for h in lab.all_hosts}
    assert len(fingerprints) == len(lab.all_hosts)
    assert all(fp.startswith("SHA256:") for fp in fingerprints)
    for h in lab.all_hosts:
        # strict checking against the lab's known_hosts: 0 only with the right key
        out = lab.ssh(h.name, ["true"], timeout=30)
        assert out.returncode == 0, (h.name, out.stderr)
        # and the key served is this host's own: keyscan from where the host is reached
        where = "jump" if h.is_db else None
        argv = ["ssh-keyscan", "-T", "5", "-t", "ed25519", "-p", str(h.port), h.address]
        scan = (
            lab.run(where, argv)
            if where
            else subprocess.run(argv, capture_output=True, text=True, timeout=30)
        )
        assert _key_blob(h.host_key_pub) in scan.stdout, (h.name, scan.stdout, scan.stderr)


def test_private_files_are_0600(any_ssh_lab):
    lab = any_ssh_lab
    for path in (lab.client_key, lab.credentials_path, lab.config_path, lab.option_file("db1")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert lab.admin_password and lab.admin_password not in " ".join(
        line for name in lab.names for line in lab.remote_processes(name)
    )


def test_netns_direct_mysql_connect_fails_at_once(ssh_lab):
    host, port = ssh_lab.mysql_address("db1")
    assert (host, port) == ("10.231.1.2", 3306)
    started = time.monotonic()
    with pytest.raises(OSError), socket.create_connection((host, port), timeout=3):
        pass
    assert time.monotonic() - started < 1.0
    # the jump does not route between its two networks
    assert ssh_lab.run("jump", ["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.strip() == "0"


def test_mysql_answers_over_ssh(any_ssh_lab):
    lab = any_ssh_lab
    for name in lab.names:
        out = lab.ssh(
            name,
            [
                "mariadb",
                f"--defaults-file={lab.option_file(name)}",
                "--protocol=tcp",
                "-h127.0.0.1",
                f"-P{lab.mysql_port(name)}",
                "-N",
                "-e",
                "SELECT @@server_id",
            ],
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == str(lab.server_id(name))


def test_replica_runs_from_its_source_and_is_caught_up(any_ssh_lab):
    lab = any_ssh_lab
    email = f"sshlab-{secrets.token_hex(4)}@example.com"
    lab.sql(
        "db1",
        "INSERT INTO shop.customers (name, email, city, created_at) VALUES ('ssh lab', %s, 'Porto', NOW())",
        (email,),
    )
    lab.wait_caught_up(30)
    row = lab.replica_status("db2")
    assert row is not None
    assert (row["Slave_IO_Running"], row["Slave_SQL_Running"]) == ("Yes", "Yes")
    assert (row["Master_Host"], int(row["Master_Port"])) == lab.mysql_address("db1")
    sums = [lab.sql(n, "CHECKSUM TABLE shop.customers, shop.orders") for n in lab.names]
    assert sums[0] == sums[1]
    assert lab.sql("db2", "SELECT COUNT(*) FROM shop.customers WHERE email = %s", (email,)) == [(1,)]
    assert lab.replica_status("db1") is None  # source-replica


def test_scp_3_copies_between_db_hosts(any_ssh_lab):
    lab = any_ssh_lab
    data = secrets.token_bytes(300_000)
    src, dst = lab.directory / "scp-src.bin", lab.directory / f"scp-dst-{secrets.token_hex(3)}.bin"
    src.write_bytes(data)
    out = subprocess.run(
        ["scp", "-q", "-3", "-F", str(lab.ssh_config_path), f"db1:{src}", f"db2:{dst}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    remote = lab.ssh("db2", ["sha256sum", str(dst)])
    assert remote.stdout.split()[0] == hashlib.sha256(data).hexdigest()


def test_rotated_host_key_is_refused(any_ssh_lab):
    lab = any_ssh_lab
    before = lab.host("db2").fingerprint
    try:
        after = lab.rotate_host_key("db2")
        assert after != before
        out = lab.ssh("db2", ["true"])
        assert out.returncode == 255
        assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in out.stderr
        assert "Host key verification failed" in out.stderr
        assert lab.ssh("db1", ["true"]).returncode == 0  # the others are untouched
    finally:
        lab.write_known_hosts()
    assert lab.ssh("db2", ["true"]).returncode == 0


def test_killed_sshd_refuses_then_starts_again(any_ssh_lab):
    lab = any_ssh_lab
    try:
        lab.kill_sshd("db2")
        assert not lab.remote_processes("db2", r"sshd: .*\[listener\]")
        out = lab.ssh("db2", ["true"])
        assert out.returncode == 255
        assert re.search(r"refused|failed", out.stderr), out.stderr
    finally:
        lab.start_sshd("db2")
    assert lab.ssh("db2", ["true"]).returncode == 0


def test_config_text(any_ssh_lab):
    lab = any_ssh_lab
    doc = tomllib.loads(lab.config_text())
    d = doc["defaults"]
    assert d["user"] == lab.admin_user and d["password"] == lab.admin_password
    assert d["mysql_via"] == "ssh"
    assert d["ssh_identity"] == str(lab.client_key) and d["ssh_known_hosts"] == str(lab.known_hosts)
    assert d["ssh_jump"] == f"{lab.ssh_user}@{lab.jump.address}:{lab.jump.port}"
    assert [n["name"] for n in doc["nodes"]] == lab.names
    for n in doc["nodes"]:
        h = lab.host(n["name"])
        assert (n["host"], n["port"]) == ("127.0.0.1", lab.mysql_port(h.name))
        assert (n["ssh_host"], n["ssh_port"]) == (h.address, h.port)
    other = tomllib.loads(lab.config_text(mysql_via="auto", jump=False, known_hosts=False, password_env="PW"))
    assert other["defaults"]["password_env"] == "PW" and "password" not in other["defaults"]
    assert "ssh_jump" not in other["defaults"] and "ssh_known_hosts" not in other["defaults"]
    assert (other["nodes"][0]["host"], other["nodes"][0]["port"]) == lab.mysql_address("db1")


def test_config_loads_in_replui(any_ssh_lab):
    config = pytest.importorskip("replui.config")
    if not hasattr(config.NodeConfig, "ssh_host"):
        pytest.skip("replui.config has no SSH keys yet")
    cfg = config.load_config(any_ssh_lab.config_path)
    node = cfg.nodes[0]
    assert node.ssh_host == any_ssh_lab.host("db1").address
    assert node.ssh_port == any_ssh_lab.host("db1").port
    assert (
        str(node.ssh_jump[0]) == f"{any_ssh_lab.ssh_user}@{any_ssh_lab.jump.address}:{any_ssh_lab.jump.port}"
    )


@pytest.mark.parametrize("netns", [True, False], ids=["netns", "loopback"])
def test_down_leaves_nothing(tmp_path, netns):
    lab = start_ssh_lab(tmp_path, netns=netns, count=1)
    # a session left open, as a crashed client would
    client = subprocess.Popen(
        [*lab.ssh_argv("db1"), "sleep 600"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while not lab.remote_processes("db1", r"^sleep 600"):
            assert time.monotonic() < deadline, "the remote sleep never started"
            time.sleep(0.1)
        assert lab.remote_processes("db1", "mariadbd") and lab.remote_processes("jump", "sshd")
        lab.down()
        assert lab.leftovers() == []
        lab.down()  # idempotent
    finally:
        client.kill()
        client.wait()
    own = [ln for ln in _ps() if str(tmp_path) in ln]
    assert own == []
    assert not [ns for ns in _netns_list() if ns.startswith(lab.lab_id + "-")]
    if netns:
        links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
        assert lab.root_veth not in links
        routes = subprocess.run(["ip", "route"], capture_output=True, text=True).stdout
        assert lab.link_index is not None and f"metric {4000 + lab.link_index}" not in routes


def test_failed_up_tears_down(tmp_path, monkeypatch):
    from replui.lab.sshlab import SshLab, netns_unavailable_reason

    made = []

    def boom(self):
        made.append(self)
        raise LabError("injected failure")

    monkeypatch.setattr(SshLab, "_point_all", boom)
    netns = netns_unavailable_reason() is None
    with pytest.raises(LabError, match="setting up replication: injected failure"):
        start_ssh_lab(tmp_path, netns=netns, count=2)
    (lab,) = made
    assert lab.leftovers() == []
    assert not [ln for ln in _ps() if str(tmp_path) in ln]
    assert not [ns for ns in _netns_list() if ns.startswith(lab.lab_id + "-")]


def _ps() -> list[str]:
    return subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout.splitlines()


def _netns_list() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def test_a_stale_unreachable_route_does_not_stop_the_next_lab(tmp_path):
    """A route left by a lab whose namespace vanished before its veth could be
    read (its link index lost) must not make the next lab fail with "File exists"."""
    from ssh_fixtures import ssh_lab_unavailable

    from replui.lab.sshlab import net

    reason = ssh_lab_unavailable(True)
    if reason:
        pytest.skip(reason)
    with net.machine_lock():
        k = net.free_link()
    stale = ["unreachable", net.DB_CIDR, "metric", str(net.ROUTE_METRIC + k)]
    subprocess.run(["ip", "route", "add", *stale], check=True)
    try:
        lab = start_ssh_lab(tmp_path, netns=True, count=1)
        try:
            assert lab.link_index == k
        finally:
            lab.down()
        routes = subprocess.run(["ip", "route"], capture_output=True, text=True).stdout
        assert f"metric {net.ROUTE_METRIC + k}" not in routes
    finally:
        subprocess.run(["ip", "route", "del", *stale], capture_output=True, check=False)


def test_a_lab_id_is_free_again_once_released():
    """Lab ids are letters after the process id: a long test session must get them back."""
    from replui.lab.sshlab import net

    taken = []
    try:
        while True:
            try:
                taken.append(net.reserve_id())
            except LabError as exc:
                assert "26" in str(exc)
                break
        assert taken, "no id could be reserved"
        net.release_id(taken[-1])
        assert net.reserve_id() == taken[-1]
    finally:
        for lab_id in taken:
            net.release_id(lab_id)


def test_a_key_generation_that_hangs_is_a_lab_error(tmp_path):
    import subprocess

    from replui.lab.sshlab import sshd

    proc = subprocess.Popen(["sleep", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with pytest.raises(LabError, match="did not end within 0.2 s"):
        sshd.finish_keygen(proc, tmp_path / "key", timeout=0.2)
    assert proc.poll() is not None  # killed, not left running
