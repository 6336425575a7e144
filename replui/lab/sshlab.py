"""The SSH lab: simulated database hosts, each with its own OpenSSH ``sshd``
and MariaDB, reached through a jump host, for replui's SSH mode (tests,
benchmarks, trying it out).

**netns mode** (the default as root where ``ip netns`` works) builds, with a
per-run name prefix ``rl<pid><letter>`` so concurrent or crashed runs never
collide::

    root namespace (replui, the tests)
      veth 10.231.0.1/30  ──  10.231.0.2/30  jump namespace  sshd :22
                                             bridge 10.231.1.1/24
                              ┌──────────────────┴──────────────────┐
                   db1 namespace 10.231.1.2             db2 namespace 10.231.1.3 …
                   sshd :22, mariadbd :3306             sshd :22, mariadbd :3306

The jump does not forward IP, and the root namespace has an ``unreachable``
route for 10.231.1.0/24 (the sandbox's default gateway would otherwise accept
any TCP connection): from here a connection to a database host fails at once,
only SSH through the jump reaches it. Database hosts talk to each other over
the bridge (a replica replicates from its source's 10.231.1.x:3306). A second
lab of the same machine takes the next /30 of 10.231.0.0/24 for its link.

**loopback mode** (``netns=False``; no root needed) has the same shape on
127.0.0.1: every sshd and every mariadbd on its own free port, the database
hosts still reached through the jump sshd in the written ssh_config. Nothing
is isolated there: the database ports answer from here too.

    lab = SshLab.up(tmp_path)                  # 2 db hosts, db2 replicating from db1
    lab.ssh("db1", ["mariadb", "-e", "SELECT 1"])   # through the jump
    lab.config_text()                          # a replui TOML config for SSH mode
    lab.down()                                 # no process, namespace or veth left

Every password lives in files of mode 0600 (``credentials.json``, each
host's ``client.cnf``, ``replui.toml``), never on argv. Every error is a
:class:`~replui.lab.server.LabError` naming the step that failed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pymysql

from replui.lab import replication as rep
from replui.lab import sample, server
from replui.lab.lab import Lab, _init_sql
from replui.lab.server import LabError, NodePaths, ServerBinary, ServerMissing
from replui.lab.state import ADMIN_USER, REPL_USER, TOPOLOGIES, LabNode, LabState, edges, writers

LINK_NET = "10.231.0"  # root <-> jump: one /30 per lab, 10.231.0.(4k+1) / .(4k+2)
DB_NET = "10.231.1"  # the database network behind the jump: jump .1, dbN .(N+1)
DB_CIDR = f"{DB_NET}.0/24"
MYSQL_PORT = 3306
SSH_PORT = 22
MAX_HOSTS = 4
ROUTE_METRIC = 4000  # + k: each lab's own unreachable route for DB_CIDR in the root namespace
MARKER_ENV = "REPLUI_SSHLAB"  # "<lab id>/<host>" in the environment of every process the lab starts
LOCK_FILE = Path("/run/replui-sshlab.lock")
SSHD_SEARCH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin"]
)
INSTALL_HINT = "apt-get install -y openssh-server openssh-client"
_NS_RE = re.compile(r"^(rl(\d+)[a-z])-(jump|db\d+)$")
_SAFE_PATH = re.compile(r"[A-Za-z0-9_./+=,@-]+")
_used_ids: set[str] = set()  # lab ids taken by this process
_used_ids_lock = threading.Lock()


class SshMissing(LabError):
    """No ``sshd``/``ssh``/``ssh-keygen`` on this machine."""


class NetnsUnavailable(LabError):
    """netns mode cannot run here (not root, no ``ip``, or namespaces refused)."""


@dataclass
class SshHost:
    """One simulated host with its ``sshd``.

    ``name``: ``"jump"``, ``"db1"``, ``"db2"``…; ``namespace``: its network
    namespace (None in loopback mode); ``address``/``port``: where its sshd
    listens, as seen from where it is reached (the jump: from here; a db
    host: from the jump); ``host_key``: the private ed25519 host key (0600);
    ``fingerprint``: ``"SHA256:…"`` of it; ``base``: its directory;
    ``mysql_port``/``server_id``: its MariaDB (None for the jump), the port
    as seen on the host itself; ``pid``: the sshd listener's pid (None when
    stopped).
    """

    name: str
    namespace: str | None
    address: str
    port: int
    host_key: Path
    fingerprint: str
    base: Path
    mysql_port: int | None = None
    server_id: int | None = None
    pid: int | None = None

    @property
    def host_key_pub(self) -> Path:
        return self.host_key.with_name(self.host_key.name + ".pub")

    @property
    def sshd_config(self) -> Path:
        return self.base / "sshd_config"

    @property
    def sshd_log(self) -> Path:
        return self.base / "sshd.log"

    @property
    def sshd_pid_file(self) -> Path:
        return self.base / "sshd.pid"

    @property
    def known_hosts_name(self) -> str:
        """This host's name in known_hosts: ``addr``, or ``[addr]:port`` off port 22."""
        return self.address if self.port == SSH_PORT else f"[{self.address}]:{self.port}"

    @property
    def is_db(self) -> bool:
        return self.mysql_port is not None

    @property
    def paths(self) -> NodePaths:
        """Its MariaDB's files (datadir, socket, my.cnf, client.cnf…) under ``base``."""
        return NodePaths(self.name, self.base)


# ----- small process and command helpers


def _tail(text: str | bytes | None, lines: int = 12) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join(text.strip().splitlines()[-lines:])


def _run(
    argv: Sequence[str], what: str, timeout: float = 60.0, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``argv``; LabError naming ``what`` with the stderr tail when it fails."""
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
            f"{what}: {shlex.join(argv)} exited {out.returncode}: {_tail(out.stderr) or _tail(out.stdout)}"
        )
    return out


def _stat(pid: int) -> tuple[int, str, int] | None:
    """``(ppid, state, start time in clock ticks)`` of ``pid`` from /proc, None when gone."""
    try:
        rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(rest[1]), rest[0], int(rest[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int, start: int | None = None) -> bool:
    """``pid`` exists, is no zombie, and (``start`` given) started at ``start``: not a recycled pid."""
    st = _stat(pid)
    return st is not None and st[1] not in ("Z", "X") and (start is None or st[2] == start)


def _pids() -> list[int]:
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _descendants(root: int) -> list[int]:
    """Every live descendant of ``root`` (children, their children…)."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        st = _stat(pid)
        if st is not None:
            children.setdefault(st[0], []).append(pid)
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _environ_marked(pid: int, needle: bytes) -> bool:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return any(item.startswith(needle) for item in env.split(b"\0"))


def _netns_id(namespace: str) -> tuple[int, int] | None:
    try:
        st = os.stat(f"/run/netns/{namespace}")
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _pids_in_netns(namespace: str) -> list[int]:
    """Processes whose network namespace is ``namespace`` (compared by inode, no exec)."""
    ident = _netns_id(namespace)
    if ident is None:
        return []
    found = []
    for pid in _pids():
        try:
            st = os.stat(f"/proc/{pid}/ns/net")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == ident:
            found.append(pid)
    return found


def _kill(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _wait_gone(pids: Sequence[tuple[int, int | None]], timeout: float) -> list[int]:
    """Wait until none of ``(pid, start)`` is alive; returns those still alive after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid, start in pids if _alive(pid, start)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _listening(pid: int, address: str, port: int) -> bool:
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


def _which(name: str) -> str | None:
    return shutil.which(name, path=SSHD_SEARCH)


def ssh_missing_reason() -> str | None:
    """None when ``sshd``, ``ssh``, ``ssh-keygen`` and ``scp`` exist, else what is missing
    and how to install it."""
    missing = [n for n in ("sshd", "ssh", "ssh-keygen", "scp") if not _which(n)]
    if missing:
        return f"{', '.join(missing)} not found (looked in {SSHD_SEARCH}); install with: {INSTALL_HINT}"
    return None


def netns_unavailable_reason() -> str | None:
    """None when netns mode can run here (root, ``ip`` present, a namespace can be
    created and deleted: probed), else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root (running as uid %d)" % os.geteuid()
    ip = _which("ip")
    if not ip:
        return "the ip command (iproute2) is missing; install with: apt-get install -y iproute2"
    probe = f"rl{os.getpid()}probe{secrets.token_hex(2)}"
    try:
        _run([ip, "netns", "add", probe], "probing ip netns", timeout=15)
    except LabError as exc:
        return str(exc)
    try:
        _run([ip, "netns", "del", probe], "probing ip netns", timeout=15)
    except LabError as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def _machine_lock() -> Iterator[None]:
    """Serialises netns setups of this machine (choice of names and link subnets)."""
    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _namespaces() -> list[str]:
    try:
        return sorted(os.listdir("/run/netns"))
    except OSError:
        return []


def _link_index(veth: str) -> int | None:
    """k of the root-side veth's address 10.231.0.(4k+1), None when it has none."""
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", veth], capture_output=True, text=True, check=False
    ).stdout
    m = re.search(rf"inet {re.escape(LINK_NET)}\.(\d+)/30", out)
    return (int(m.group(1)) - 1) // 4 if m else None


def reap_stale() -> list[str]:
    """Remove what crashed netns labs left behind: namespaces ``rl<pid><letter>-…``
    whose creating process is gone, every process in them, their root-side veth
    and unreachable route. Returns the namespaces removed. Root only."""
    removed = []
    labs: set[str] = set()
    for ns in _namespaces():
        m = _NS_RE.match(ns)
        if not m or _alive(int(m.group(2))):
            continue
        for pid in _pids_in_netns(ns):
            _kill(pid)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        removed.append(ns)
        labs.add(m.group(1))
    for lab_id in labs:
        _drop_root_link(lab_id + "j")
    return removed


def _drop_root_link(veth: str) -> None:
    k = _link_index(veth)
    subprocess.run(["ip", "link", "del", veth], capture_output=True, check=False)
    if k is not None:
        subprocess.run(
            ["ip", "route", "del", "unreachable", DB_CIDR, "metric", str(ROUTE_METRIC + k)],
            capture_output=True,
            check=False,
        )


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _quoted(path: Path | str) -> str:
    """A path for sshd_config/ssh_config: double-quoted (the lab checks it holds no quote or space)."""
    return f'"{path}"'


# ----- the lab


@dataclass
class _Proc:
    pid: int
    start: int | None
    popen: subprocess.Popen[bytes] | None = None


@dataclass
class SshLab:
    """A running SSH lab. Build with :meth:`up`; stop with :meth:`down`.

    ``directory``: the lab's files; ``jump``: the jump host; ``hosts``: the
    database hosts (``db1``…); ``client_key``: the private key (0600) every
    sshd accepts for ``ssh_user``; ``known_hosts``: every sshd's host key in
    OpenSSH format; ``netns``: netns mode (else loopback); ``lab_id``: the
    per-run prefix of namespace names and process markers; ``timings``:
    seconds per step of :meth:`up` and of the last :meth:`down`.
    """

    directory: Path
    netns: bool
    topology: str
    lab_id: str
    jump: SshHost
    hosts: list[SshHost]
    ssh_user: str
    binary: ServerBinary
    link_index: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    echo: Callable[[str], None] = field(default=lambda _msg: None, repr=False)
    _sshd: dict[str, _Proc] = field(default_factory=dict, repr=False)
    _mysqld: dict[str, _Proc] = field(default_factory=dict, repr=False)
    _orphans: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict, repr=False)
    _db: Lab | None = field(default=None, repr=False)
    _network_made: bool = field(default=False, repr=False)
    _helpers: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)  # keygen, install-db

    # ----- files and facts
    @property
    def client_key(self) -> Path:
        """The client's private ed25519 key (0600); ``.pub`` beside it."""
        return self.directory / "client_key"

    @property
    def known_hosts(self) -> Path:
        return self.directory / "known_hosts"

    @property
    def authorized_keys(self) -> Path:
        return self.directory / "authorized_keys"

    @property
    def ssh_config_path(self) -> Path:
        """An OpenSSH client config: ``Host jump``, ``Host db1``… (db hosts through
        ``ProxyJump jump``, in both modes), strict host key checking against
        :attr:`known_hosts`; for ``ssh -F`` and ``scp -3 -F``."""
        return self.directory / "ssh_config"

    @property
    def credentials_path(self) -> Path:
        """``{"admin_user", "admin_password", "repl_user", "repl_password"}``, mode 0600."""
        return self.directory / "credentials.json"

    @property
    def config_path(self) -> Path:
        """``replui.toml`` (0600) written by :meth:`up`: :meth:`config_text` with its defaults."""
        return self.directory / "replui.toml"

    @property
    def mode(self) -> str:
        return "netns" if self.netns else "loopback"

    @property
    def names(self) -> list[str]:
        """The database hosts' names, ``["db1", "db2"…]``."""
        return [h.name for h in self.hosts]

    @property
    def root_veth(self) -> str:
        """The root namespace's end of the link to the jump (netns mode)."""
        return self.lab_id + "j"

    @property
    def namespaces(self) -> list[str]:
        """Every namespace of this lab, jump first (empty in loopback mode)."""
        return [h.namespace for h in self.all_hosts if h.namespace]

    @property
    def all_hosts(self) -> list[SshHost]:
        """The jump, then the database hosts."""
        return [self.jump, *self.hosts]

    def host(self, name: str) -> SshHost:
        """The host called ``name`` (``"jump"`` included); KeyError listing the names otherwise."""
        for h in self.all_hosts:
            if h.name == name:
                return h
        raise KeyError(f"no ssh lab host {name!r} (hosts: jump, {', '.join(self.names)})")

    def db_host(self, name: str) -> SshHost:
        h = self.host(name)
        if not h.is_db:
            raise KeyError(f"{name!r} has no database (database hosts: {', '.join(self.names)})")
        return h

    def _credentials(self) -> dict[str, str]:
        data: dict[str, str] = json.loads(self.credentials_path.read_text(encoding="utf-8"))
        return data

    @property
    def admin_user(self) -> str:
        return self._credentials()["admin_user"]

    @property
    def admin_password(self) -> str:
        """Read from :attr:`credentials_path` (0600)."""
        return self._credentials()["admin_password"]

    @property
    def repl_user(self) -> str:
        return self._credentials()["repl_user"]

    @property
    def repl_password(self) -> str:
        return self._credentials()["repl_password"]

    def mysql_port(self, name: str) -> int:
        """The MariaDB TCP port of ``name`` as seen on that host (3306 in netns mode)."""
        port = self.db_host(name).mysql_port
        assert port is not None
        return port

    def mysql_address(self, name: str) -> tuple[str, int]:
        """``(host, port)`` of ``name``'s MariaDB as seen from the other database
        hosts (and the jump): ``("10.231.1.2", 3306)``, loopback ``("127.0.0.1", port)``."""
        h = self.db_host(name)
        return h.address, self.mysql_port(name)

    def socket(self, name: str) -> Path:
        """``name``'s MariaDB Unix socket (in the lab directory; it works from any namespace)."""
        return self.db_host(name).paths.socket

    def option_file(self, name: str) -> Path:
        """``[client]`` file (0600: admin user, password, socket) for ``mariadb --defaults-file=``."""
        return self.db_host(name).paths.option_file

    def server_id(self, name: str) -> int:
        sid = self.db_host(name).server_id
        assert sid is not None
        return sid

    @property
    def edges(self) -> list[tuple[str, str]]:
        """``(replica, source)`` pairs of this topology."""
        return edges(self.topology, self.names)

    # ----- SQL (over each server's socket, for test setup and checks)
    @property
    def _mysql(self) -> Lab:
        if self._db is None:
            nodes = [LabNode(h.name, h.server_id or 0, h.mysql_port or 0, h.base) for h in self.hosts]
            for n in nodes:
                proc = self._mysqld.get(n.name)
                n.pid = proc.pid if proc else None
            state = LabState(
                topology=self.topology,
                flavor=self.binary.flavor,
                server=self.binary.server,
                admin_password=self.admin_password,
                repl_password=self.repl_password,
                nodes=nodes,
                admin_user=self.admin_user,
                repl_user=self.repl_user,
            )
            self._db = Lab(self.directory, state, self.binary)
        return self._db

    def connect(
        self, name: str, database: str | None = None, **kw: Any
    ) -> pymysql.connections.Connection[Any]:
        """A new autocommit PyMySQL connection to ``name`` as the admin user over its Unix socket."""
        return self._mysql.connect(name, database, **kw)

    def sql(self, name: str, sql: str | Sequence[str], args: Any = None) -> list[tuple[Any, ...]]:
        """Run statements on ``name`` (see :meth:`replui.lab.lab.Lab.sql`); the last one's rows."""
        return self._mysql.sql(name, sql, args)

    def query(self, name: str, sql: str, args: Any = None) -> list[dict[str, Any]]:
        """One statement on ``name``, rows as dicts."""
        return self._mysql.query(name, sql, args)

    def replica_status(self, name: str) -> dict[str, Any] | None:
        """``SHOW SLAVE STATUS`` of ``name`` as a dict, None when it replicates from nobody."""
        return self._mysql.replica_status(name)

    def wait_replication_running(self, timeout: float = 60.0) -> None:
        """Every channel has both threads running (TimeoutError otherwise)."""
        self._mysql.wait_replication_running(timeout)

    def wait_caught_up(self, timeout: float = 60.0) -> None:
        """Every replica has executed its source's binlog up to the source's current position."""
        self._mysql.wait_caught_up(timeout)

    # ----- running commands
    def ns_prefix(self, name: str) -> list[str]:
        """argv prefix running a command "on" host ``name``: ``ip netns exec NS``, empty in loopback mode."""
        ns = self.host(name).namespace
        return ["ip", "netns", "exec", ns] if ns else []

    def run(
        self,
        name: str,
        argv: Sequence[str],
        *,
        input: str | None = None,  # noqa: A002 - subprocess.run's name
        timeout: float = 60.0,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` on host ``name`` without SSH (in its namespace; plain in
        loopback mode), capturing text output; ``check`` raises CalledProcessError."""
        return subprocess.run(
            [*self.ns_prefix(name), *argv],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def ssh_argv(self, name: str, *options: str) -> list[str]:
        """``["ssh", "-F", ssh_config, *options, name]``: append the remote command."""
        return ["ssh", "-F", str(self.ssh_config_path), *options, name]

    def ssh(
        self,
        name: str,
        command: str | Sequence[str],
        *,
        input: str | None = None,  # noqa: A002 - subprocess.run's name
        timeout: float = 60.0,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on ``name`` over SSH (db hosts through the jump) with
        :attr:`ssh_config_path`; a list is shell-quoted for the remote shell."""
        remote = command if isinstance(command, str) else shlex.join(command)
        return subprocess.run(
            [*self.ssh_argv(name), remote],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    # ----- processes
    def _marker(self, name: str) -> str:
        return f"{self.lab_id}/{name}"

    def _tracked(self, name: str) -> list[tuple[int, int | None]]:
        out: list[tuple[int, int | None]] = []
        for table in (self._sshd, self._mysqld):
            p = table.get(name)
            if p is not None and _alive(p.pid, p.start):
                out.append((p.pid, p.start))
        return out

    def _host_pids(self, name: str) -> set[int]:
        h = self.host(name)
        pids = {pid for pid, _ in self._tracked(name)}
        sshd = self._sshd.get(name)
        if sshd is not None and _alive(sshd.pid, sshd.start):
            pids.update(_descendants(sshd.pid))
        pids.update(pid for pid, start in self._orphans.get(name, []) if _alive(pid, start))
        needle = f"{MARKER_ENV}={self._marker(name)}".encode()
        pids.update(pid for pid in _pids() if _environ_marked(pid, needle))
        if h.namespace:
            pids.update(_pids_in_netns(h.namespace))
        return {pid for pid in pids if _alive(pid) and pid != os.getpid()}

    def remote_processes(self, name: str, pattern: str | None = None) -> list[str]:
        """``"PID COMMAND LINE"`` of every live process of host ``name`` whose command
        line matches the regular expression ``pattern`` (all when None). netns mode:
        every process in its namespace; both modes: its sshd and mariadbd, the
        sshd's descendants (also those of listeners :meth:`kill_sshd` killed), and
        processes whose environment carries its marker (``REPLUI_SSHLAB``, set by
        sshd's ``SetEnv`` in every session; sshd's own processes blank theirs)."""
        rx = re.compile(pattern) if pattern else None
        rows = []
        for pid in sorted(self._host_pids(name)):
            cmd = _cmdline(pid)
            if rx is None or rx.search(cmd):
                rows.append(f"{pid} {cmd}")
        return rows

    def leftovers(self) -> list[str]:
        """``"PID COMMAND LINE"`` of every live process of the lab's hosts, plus
        ``"netns NAME"`` for each of its namespaces still present: empty after :meth:`down`."""
        rows = [row for name in ("jump", *self.names) for row in self.remote_processes(name)]
        present = set(_namespaces())
        rows += [f"netns {ns}" for ns in self.namespaces if ns in present]
        return rows

    # ----- sshd
    def _write_sshd_config(self, h: SshHost) -> None:
        lines = [
            "# Written by replui.lab.sshlab",
            f"ListenAddress {h.address}:{h.port}",
            f"HostKey {_quoted(h.host_key)}",
            f"PidFile {_quoted(h.sshd_pid_file)}",
            f"AuthorizedKeysFile {_quoted(self.authorized_keys)}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "AllowTcpForwarding yes",
            "AllowStreamLocalForwarding yes",
            "AllowAgentForwarding no",
            "PermitTunnel no",
            "X11Forwarding no",
            "PrintMotd no",
            "PrintLastLog no",
            "UseDNS no",
            "Subsystem sftp internal-sftp",
            "MaxStartups 50",
            "MaxSessions 50",
            "LogLevel ERROR",
            f"SetEnv {MARKER_ENV}={self._marker(h.name)}",
        ]
        h.sshd_config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _keygen(self, key: Path, comment: str) -> subprocess.Popen[bytes]:
        key.unlink(missing_ok=True)
        key.with_name(key.name + ".pub").unlink(missing_ok=True)
        proc = subprocess.Popen(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._helpers.append(proc)
        return proc

    @staticmethod
    def _finish_keygen(proc: subprocess.Popen[bytes], key: Path) -> None:
        _, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            raise LabError(f"ssh-keygen -f {key} exited {proc.returncode}: {_tail(err)}")

    @staticmethod
    def _fingerprint(pub: Path) -> str:
        out = _run(["ssh-keygen", "-l", "-f", str(pub)], f"fingerprint of {pub}").stdout.split()
        if len(out) < 2:
            raise LabError(f"ssh-keygen -lf {pub}: unexpected output {' '.join(out)!r}")
        return out[1]

    def write_known_hosts(self) -> None:
        """(Re)write :attr:`known_hosts` from every host's current key (e.g. after
        :meth:`rotate_host_key`, to trust the new one)."""
        lines = []
        for h in self.all_hosts:
            kind, blob = h.host_key_pub.read_text(encoding="utf-8").split()[:2]
            lines.append(f"{h.known_hosts_name} {kind} {blob}")
        self.known_hosts.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _write_ssh_config(self) -> None:
        lines = ["# Written by replui.lab.sshlab. Use: ssh -F " + str(self.ssh_config_path) + " db1 CMD", ""]
        for h in self.all_hosts:
            lines += [f"Host {h.name}", f"  HostName {h.address}", f"  Port {h.port}"]
            if h.is_db:
                lines.append("  ProxyJump jump")
            lines.append("")
        lines += [
            "Host *",
            f"  User {self.ssh_user}",
            f"  IdentityFile {_quoted(self.client_key)}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {_quoted(self.known_hosts)}",
            "  GlobalKnownHostsFile /dev/null",
            "  StrictHostKeyChecking yes",
            "  UpdateHostKeys no",
            "  CheckHostIP no",
            "  BatchMode yes",
            "  ConnectTimeout 10",
            "  ControlMaster no",
            "  ControlPath none",
            "",
        ]
        self.ssh_config_path.write_text("\n".join(lines), encoding="utf-8")

    def start_sshd(self, name: str, timeout: float = 15.0) -> None:
        """Start host ``name``'s sshd (same config and host key) and wait until it
        listens; no-op when it runs. LabError with its log tail when it exits."""
        h = self.host(name)
        cur = self._sshd.get(name)
        if cur is not None and _alive(cur.pid, cur.start):
            return
        sshd = _which("sshd")
        if not sshd:
            raise SshMissing(f"sshd not found; install with: {INSTALL_HINT}")
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
        env = dict(os.environ, **{MARKER_ENV: self._marker(name)})
        with open(h.sshd_log, "ab") as log:
            popen = subprocess.Popen(
                [*self.ns_prefix(name), sshd, "-D", "-e", "-f", str(h.sshd_config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        st = _stat(popen.pid)
        self._sshd[name] = _Proc(popen.pid, st[2] if st else None, popen)
        h.pid = popen.pid
        deadline = time.monotonic() + timeout
        while not _listening(popen.pid, h.address, h.port):
            if popen.poll() is not None:
                raise LabError(
                    f"{name}: sshd exited ({popen.returncode}) while starting:\n{server.tail(h.sshd_log)}"
                )
            if time.monotonic() > deadline:
                raise LabError(f"{name}: sshd not listening on {h.address}:{h.port} after {timeout:.0f} s")
            time.sleep(0.02)

    def kill_sshd(self, name: str) -> None:
        """SIGKILL host ``name``'s sshd listener only: sessions already open keep
        running (as after a real sshd crash); new connections are refused until
        :meth:`start_sshd`. :meth:`down` still ends those sessions."""
        p = self._sshd.pop(name, None)
        self.host(name).pid = None
        if p is None or not _alive(p.pid, p.start):
            return
        for pid in _descendants(p.pid):
            st = _stat(pid)
            self._orphans.setdefault(name, []).append((pid, st[2] if st else None))
        _kill(p.pid)
        if p.popen is not None:
            p.popen.wait(timeout=10)
        _wait_gone([(p.pid, p.start)], 10)

    def rotate_host_key(self, name: str) -> str:
        """Give host ``name`` a new host key and restart its sshd; :attr:`known_hosts`
        is NOT updated (so SSH reports a changed host key; :meth:`write_known_hosts`
        trusts the new key). Returns the new fingerprint ``"SHA256:…"``."""
        h = self.host(name)
        self.kill_sshd(name)
        self._finish_keygen(self._keygen(h.host_key, f"replui-sshlab {name}"), h.host_key)
        h.fingerprint = self._fingerprint(h.host_key_pub)
        self.start_sshd(name)
        return h.fingerprint

    # ----- MariaDB
    def _start_mysqld(self, h: SshHost) -> None:
        prefix = [*self.ns_prefix(h.name), "env", f"{MARKER_ENV}={self._marker(h.name)}"]
        popen = server.start(self.binary, h.paths, prefix=prefix)
        st = _stat(popen.pid)
        self._mysqld[h.name] = _Proc(popen.pid, st[2] if st else None, popen)

    def _admin_extra_sql(self) -> str:
        """netns mode: the admin user also from the database network (a tunnel to
        the db host's own 10.231.1.x address, or from the jump)."""
        if not self.netns:
            return ""

        def lit(s: str) -> str:
            return "'" + pymysql.converters.escape_string(s) + "'"

        host = f"{DB_NET}.%"
        return (
            "SET sql_log_bin=0;\n"
            f"CREATE USER IF NOT EXISTS '{ADMIN_USER}'@'{host}' IDENTIFIED BY {lit(self.admin_password)};\n"
            f"GRANT ALL PRIVILEGES ON *.* TO '{ADMIN_USER}'@'{host}' WITH GRANT OPTION;\n"
            "FLUSH PRIVILEGES;\n"
        )

    # ----- creation
    @classmethod
    def up(
        cls,
        directory: str | Path,
        *,
        count: int = 2,
        topology: str = "source-replica",
        netns: bool | None = None,
        timeout: float = 90.0,
        buffer_pool: str = "32M",
        echo: Callable[[str], None] | None = None,
    ) -> SshLab:
        """Build and start a lab in ``directory`` (created; it must not hold a
        running lab): ``count`` (1-4) database hosts; ``topology``
        ``"source-replica"`` (db1 → the others) or ``"master-master"`` (db1 ⇄ db2,
        the others replicas of db1); ``netns`` True/False forces the mode, None
        picks netns when :func:`netns_unavailable_reason` is None. Returns when
        every sshd listens, every channel runs and the ``shop`` sample database
        is on every host. ``timeout`` (seconds) bounds each wait.

        Raises SshMissing, ServerMissing, NetnsUnavailable or LabError (naming
        the step, with the command's stderr tail); on any failure everything
        already made is torn down first."""
        t0 = time.monotonic()
        d = Path(directory).resolve()
        if topology not in TOPOLOGIES:
            raise LabError(f"unknown topology {topology!r} (expected {' or '.join(TOPOLOGIES)})")
        if not 1 <= count <= MAX_HOSTS:
            raise LabError(f"count must be between 1 and {MAX_HOSTS}, got {count}")
        if not _SAFE_PATH.fullmatch(str(d)):
            raise LabError(f"{d}: the SSH lab needs a directory path of letters, digits and ._/+=,@- only")
        if len(str(d / "db9" / "mysqld.sock")) > 100:
            raise LabError(f"{d} is too deep for a Unix socket path (at most ~100 characters)")
        reason = ssh_missing_reason()
        if reason:
            raise SshMissing(reason)
        binary = server.find_server()
        if netns is None:
            netns = netns_unavailable_reason() is None
        elif netns:
            reason = netns_unavailable_reason()
            if reason:
                raise NetnsUnavailable(f"netns mode is unavailable: {reason}")
        d.mkdir(parents=True, exist_ok=True)
        if any((d / n / "sshd.pid").exists() for n in ("jump", "db1")):
            raise LabError(f"{d} already holds an SSH lab; use an empty directory")
        lab_id = cls._reserve_id()
        user = "root" if os.geteuid() == 0 else server._current_user()

        def mk(name: str, address: str, port: int, index: int | None) -> SshHost:
            base = d / name
            return SshHost(
                name=name,
                namespace=f"{lab_id}-{name}" if netns else None,
                address=address,
                port=port,
                host_key=base / "ssh_host_ed25519_key",
                fingerprint="",
                base=base,
                mysql_port=None if index is None else (MYSQL_PORT if netns else 0),
                server_id=index,
            )

        if netns:
            jump = mk("jump", f"{LINK_NET}.2", SSH_PORT, None)
            hosts = [mk(f"db{i}", f"{DB_NET}.{i + 1}", SSH_PORT, i) for i in range(1, count + 1)]
        else:
            ports: set[int] = set()

            def port() -> int:
                ports.add(p := server.free_port(ports))
                return p

            jump = mk("jump", "127.0.0.1", port(), None)
            hosts = [mk(f"db{i}", "127.0.0.1", port(), i) for i in range(1, count + 1)]
            for h in hosts:
                h.mysql_port = port()
        lab = cls(d, netns, topology, lab_id, jump, hosts, user, binary, echo=echo or (lambda _m: None))
        try:
            lab._build(timeout, buffer_pool)
        except BaseException:
            try:
                lab.down()
            except LabError as exc:
                lab.echo(f"tearing the failed lab down: {exc}")
            raise
        lab.timings["up"] = time.monotonic() - t0
        lab.echo(f"ssh lab up in {lab.timings['up']:.1f} s ({lab.mode}, {lab.directory})")
        return lab

    @staticmethod
    def _reserve_id() -> str:
        taken = {m.group(1) for ns in _namespaces() if (m := _NS_RE.match(ns))}
        with _used_ids_lock:
            for letter in "abcdefghijklmnopqrstuvwxyz":
                lab_id = f"rl{os.getpid()}{letter}"
                if lab_id not in taken and lab_id not in _used_ids:
                    _used_ids.add(lab_id)
                    return lab_id
        raise LabError("too many SSH labs in this process (26)")

    @contextlib.contextmanager
    def _step(self, what: str) -> Iterator[None]:
        t0 = time.monotonic()
        try:
            yield
        except LabError as exc:
            raise type(exc)(f"ssh lab: {what}: {exc}") from None
        except (OSError, subprocess.SubprocessError, pymysql.MySQLError, TimeoutError, ValueError) as exc:
            raise LabError(f"ssh lab: {what} failed: {exc}") from exc
        finally:
            self.timings[what] = round(time.monotonic() - t0, 3)

    def _build(self, timeout: float, buffer_pool: str) -> None:
        admin_password, repl_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
        server.write_private(
            self.credentials_path,
            json.dumps(
                {
                    "admin_user": ADMIN_USER,
                    "admin_password": admin_password,
                    "repl_user": REPL_USER,
                    "repl_password": repl_password,
                },
                indent=2,
            )
            + "\n",
        )
        with self._step("writing MariaDB option files and initialising datadirs"):
            wr = writers(self.topology, self.names)
            inc = len(self.hosts) if self.topology == "master-master" else 1
            init = _init_sql(admin_password, repl_password) + self._admin_extra_sql()
            installs = []
            for h in self.hosts:
                assert h.server_id is not None and h.mysql_port is not None
                server.write_my_cnf(
                    h.paths,
                    flavor=self.binary.flavor,
                    server_id=h.server_id,
                    port=h.mysql_port,
                    auto_inc=(inc, h.server_id if inc > 1 else 1),
                    read_only=h.name not in wr,
                    buffer_pool=buffer_pool,
                    bind_address="0.0.0.0" if self.netns else "127.0.0.1",
                )
                server.write_client_cnf(h.paths, ADMIN_USER, admin_password)
                installs.append((h, server.initialise(self.binary, h.paths, init)))
                self._helpers.append(installs[-1][1])
        with self._step("generating SSH keys"):
            for h in self.all_hosts:
                h.base.mkdir(parents=True, exist_ok=True)
            keygens = [(self.client_key, self._keygen(self.client_key, f"replui-sshlab {self.lab_id}"))]
            keygens += [
                (h.host_key, self._keygen(h.host_key, f"replui-sshlab {h.name}")) for h in self.all_hosts
            ]
        if self.netns:
            with self._step("creating network namespaces"):
                self._make_network()
        with self._step("writing SSH keys and configs"):
            for key, proc in keygens:
                self._finish_keygen(proc, key)
            os.chmod(self.client_key, 0o600)
            for h in self.all_hosts:
                h.fingerprint = self._fingerprint(h.host_key_pub)
                self._write_sshd_config(h)
            pub = self.client_key.with_name("client_key.pub").read_text(encoding="utf-8")
            self.authorized_keys.write_text(pub, encoding="utf-8")
            self.write_known_hosts()
            self._write_ssh_config()
        with self._step("starting sshd"):
            for h in self.all_hosts:
                self.start_sshd(h.name, timeout=min(timeout, 15.0))
        with self._step("initialising datadirs (mariadb-install-db)"):
            for h, proc in installs:
                server.finish_initialise(proc, h.paths, timeout=timeout * 2)
        with self._step("starting mariadbd"):
            for h in self.hosts:
                self._start_mysqld(h)
            for h in self.hosts:
                p = self._mysqld[h.name]
                assert p.popen is not None
                server.wait_ready(h.paths, p.popen, timeout)
        with self._step("setting up replication"):
            for h in self.hosts:
                with self.connect(h.name) as conn:
                    rep.reset_binlogs(conn)
            self._point_all()
            self.wait_replication_running(timeout)
        with self._step("loading the sample database"):
            with self.connect(self.names[0]) as conn, conn.cursor() as cur:
                sample.load(cur)
            self.wait_caught_up(timeout)
        with self._step("writing replui.toml"):
            self.write_config(self.config_path)
        self._helpers.clear()

    def _point_all(self) -> None:
        for replica, source in self.edges:
            file, pos = self._mysql.master_status(source)
            host, port = self.mysql_address(source)
            with self.connect(replica) as conn:
                rep.point(
                    conn,
                    host=host,
                    port=port,
                    user=self.repl_user,
                    password=self.repl_password,
                    log_file=file,
                    log_pos=pos,
                )
                rep.start_replica(conn)

    def _make_network(self) -> None:
        ip = ["ip"]
        with _machine_lock():
            reap_stale()
            used = set()
            out = _run([*ip, "-4", "-o", "addr", "show"], "listing addresses").stdout
            for m in re.finditer(rf"inet {re.escape(LINK_NET)}\.(\d+)/", out):
                used.add((int(m.group(1)) - 1) // 4)
            free = [k for k in range(64) if k not in used]
            if not free:
                raise LabError(f"every /30 of {LINK_NET}.0/24 is taken by other SSH labs")
            k = self.link_index = free[0]
            self.jump.address = f"{LINK_NET}.{4 * k + 2}"
            self._network_made = True
            for ns in self.namespaces:
                _run([*ip, "netns", "add", ns], f"creating namespace {ns}")
                _run([*ip, "-n", ns, "link", "set", "lo", "up"], f"{ns}: lo up")
            jns = self.jump.namespace
            assert jns is not None
            _run(
                [*ip, "link", "add", self.root_veth, "type", "veth", "peer", "name", "eth0", "netns", jns],
                "creating the root-jump veth",
            )
            _run(
                [*ip, "addr", "add", f"{LINK_NET}.{4 * k + 1}/30", "dev", self.root_veth], "root veth address"
            )
            _run([*ip, "link", "set", self.root_veth, "up"], "root veth up")
            _run(
                [*ip, "route", "add", "unreachable", DB_CIDR, "metric", str(ROUTE_METRIC + k)],
                "the root namespace's unreachable route to the database network",
            )
        _run([*ip, "-n", jns, "addr", "add", f"{self.jump.address}/30", "dev", "eth0"], "jump address")
        _run([*ip, "-n", jns, "link", "set", "eth0", "up"], "jump eth0 up")
        _run([*ip, "-n", jns, "link", "add", "br0", "type", "bridge"], "jump bridge")
        _run([*ip, "-n", jns, "addr", "add", f"{DB_NET}.1/24", "dev", "br0"], "jump bridge address")
        _run([*ip, "-n", jns, "link", "set", "br0", "up"], "jump bridge up")
        _run(
            ["ip", "netns", "exec", jns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"], "jump: no forwarding"
        )
        for h in self.hosts:
            assert h.namespace is not None
            port = f"v{h.name}"
            _run(
                [
                    *ip,
                    "-n",
                    jns,
                    "link",
                    "add",
                    port,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    "eth0",
                    "netns",
                    h.namespace,
                ],
                f"{h.name}: veth",
            )
            _run([*ip, "-n", jns, "link", "set", port, "master", "br0", "up"], f"{h.name}: bridge port")
            _run(
                [*ip, "-n", h.namespace, "addr", "add", f"{h.address}/24", "dev", "eth0"],
                f"{h.name}: address",
            )
            _run([*ip, "-n", h.namespace, "link", "set", "eth0", "up"], f"{h.name}: eth0 up")

    # ----- teardown
    def down(self, purge: bool = False, timeout: float = 10.0) -> None:
        """Stop everything the lab started and remove its network: mariadbd
        (SIGTERM, SIGKILL after ``timeout`` s), every sshd and session (SIGKILL),
        every other process in its namespaces, the namespaces, the root veth and
        the unreachable route. Works when processes already died; idempotent.
        ``purge`` also deletes the directory. LabError when a process survives."""
        t0 = time.monotonic()
        # helpers of a failed up() (mariadb-install-db and its bootstrap server, ssh-keygen)
        for proc in self._helpers:
            if proc.poll() is None:
                for pid in (*_descendants(proc.pid), proc.pid):
                    _kill(pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.communicate(timeout=timeout)
        self._helpers.clear()
        # mariadbd first, gracefully and all at once
        dbs = [(p.pid, p.start) for p in self._mysqld.values() if _alive(p.pid, p.start)]
        for pid, _ in dbs:
            _kill(pid, signal.SIGTERM)
        for pid in _wait_gone(dbs, timeout):
            _kill(pid)
        # every other process of every host, sshd listeners first so no new session starts
        victims: dict[int, int | None] = {}
        for name in ("jump", *self.names):
            for pid, start in self._tracked(name):
                _kill(pid)
                victims[pid] = start
        for name in ("jump", *self.names):
            for pid in self._host_pids(name):
                st = _stat(pid)
                victims[pid] = st[2] if st else None
        for pid in victims:
            _kill(pid)
        for p in (*self._sshd.values(), *self._mysqld.values()):
            if p.popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.popen.wait(timeout=timeout)
        left = _wait_gone([*victims.items(), *dbs], timeout)
        self._sshd.clear()
        self._mysqld.clear()
        self._orphans.clear()
        self._db = None
        for h in self.all_hosts:
            h.pid = None
        errors = [f"process {pid} ({_cmdline(pid)}) survived SIGKILL" for pid in left]
        if self._network_made:
            present = set(_namespaces())
            for ns in self.namespaces:
                if ns in present:
                    for pid in _pids_in_netns(ns):  # started meanwhile, e.g. by a session
                        _kill(pid)
                    out = subprocess.run(
                        ["ip", "netns", "del", ns], capture_output=True, text=True, check=False
                    )
                    if out.returncode != 0:
                        errors.append(f"ip netns del {ns}: {_tail(out.stderr)}")
            _drop_root_link(self.root_veth)
        if purge:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.timings["down"] = round(time.monotonic() - t0, 3)
        if errors:
            raise LabError("ssh lab down: " + "; ".join(errors))

    # ----- replui configuration
    def config_text(
        self,
        *,
        mysql_via: str = "ssh",
        jump: bool = True,
        known_hosts: bool = True,
        password_env: str | None = None,
    ) -> str:
        """A replui TOML config for this lab. ``[defaults]``: the admin ``user``,
        ``password`` (or ``password_env = NAME`` when given: set that variable to
        :attr:`admin_password`), ``mysql_via``, ``ssh_user``, ``ssh_identity``,
        ``ssh_jump`` (``"root@10.231.0.2:22"``; omitted when ``jump`` is False),
        ``ssh_known_hosts`` (omitted when ``known_hosts`` is False). One
        ``[[nodes]]`` per database host with ``ssh_host``/``ssh_port`` and
        ``host``/``port``: with ``mysql_via = "ssh"`` as seen from the db host
        (``127.0.0.1``), with ``"direct"``/``"auto"`` the db host's network
        address (``10.231.1.x:3306``, which fails at once from here in netns mode)."""
        if mysql_via not in ("direct", "ssh", "auto"):
            raise ValueError(f"mysql_via must be direct, ssh or auto, got {mysql_via!r}")
        lines = [
            f"# Written by replui.lab.sshlab ({self.mode} mode). Open with: replui --config FILE",
            "",
            "[defaults]",
            f"user = {_toml(self.admin_user)}",
            f"password_env = {_toml(password_env)}"
            if password_env
            else f"password = {_toml(self.admin_password)}",
            f"mysql_via = {_toml(mysql_via)}",
            f"ssh_user = {_toml(self.ssh_user)}",
            f"ssh_identity = {_toml(str(self.client_key))}",
        ]
        if jump:
            lines.append(f"ssh_jump = {_toml(f'{self.ssh_user}@{self.jump.address}:{self.jump.port}')}")
        if known_hosts:
            lines.append(f"ssh_known_hosts = {_toml(str(self.known_hosts))}")
        lines += ["poll_interval = 2", ""]
        for h in self.hosts:
            host, port = (
                ("127.0.0.1", self.mysql_port(h.name)) if mysql_via == "ssh" else self.mysql_address(h.name)
            )
            lines += [
                "[[nodes]]",
                f"name = {_toml(h.name)}",
                f"host = {_toml(host)}",
                f"port = {port}",
                f"ssh_host = {_toml(h.address)}",
                f"ssh_port = {h.port}",
                "",
            ]
        return "\n".join(lines)

    def write_config(self, path: str | Path | None = None, **kw: Any) -> Path:
        """Write :meth:`config_text` (``kw`` passed on) to ``path`` (default
        :attr:`config_path`) with mode 0600; returns the path."""
        p = Path(path) if path is not None else self.config_path
        server.write_private(p, self.config_text(**kw))
        return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m replui.lab.sshlab [DIR]``: start an SSH lab, print how to use it,
    keep it up until Ctrl-C (or SIGTERM), then tear it down."""
    parser = argparse.ArgumentParser(prog="python -m replui.lab.sshlab", description=main.__doc__)
    parser.add_argument("dir", nargs="?", default=".sshlab", help="lab directory (default ./.sshlab)")
    parser.add_argument("--count", type=int, default=2, help="database hosts, 1-4 (default 2)")
    parser.add_argument("--topology", choices=TOPOLOGIES, default="source-replica")
    parser.add_argument("--loopback", action="store_true", help="no namespaces: every daemon on 127.0.0.1")
    args = parser.parse_args(argv)
    try:
        lab = SshLab.up(
            args.dir,
            count=args.count,
            topology=args.topology,
            netns=False if args.loopback else None,
            echo=lambda m: print(m, flush=True),
        )
    except (ServerMissing, SshMissing) as exc:
        print(exc, file=sys.stderr)
        return 3
    except LabError as exc:
        print(exc, file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"\nreplui --config {lab.config_path}\nssh -F {lab.ssh_config_path} db1\n\nCtrl-C stops the lab.")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    lab.down()
    print(f"ssh lab down in {lab.timings['down']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
