"""The SSH lab's hosts and their address plan: :class:`SshHost` and
:func:`plan_hosts`, which names each host, its namespace, its directory and
where its sshd and MariaDB listen, in netns or loopback mode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replui.lab import server
from replui.lab.server import NodePaths

LINK_NET = "10.231.0"  # root <-> jump: one /30 per lab, 10.231.0.(4k+1) / .(4k+2)
DB_NET = "10.231.1"  # the database network behind the jump: jump .1, dbN .(N+1)
DB_CIDR = f"{DB_NET}.0/24"
MYSQL_PORT = 3306
SSH_PORT = 22
MAX_HOSTS = 4
MARKER_ENV = "REPLUI_SSHLAB"  # "<lab id>/<host>" in the environment of every process the lab starts


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
        return public_key(self.host_key)

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


def public_key(key: Path) -> Path:
    """The ``.pub`` file beside the private key ``key``."""
    return key.with_name(key.name + ".pub")


def plan_hosts(directory: Path, lab_id: str, count: int, netns: bool) -> tuple[SshHost, list[SshHost]]:
    """The jump and ``count`` database hosts ``db1``… of a lab in ``directory``
    (each host's files under ``directory/NAME``). netns mode: namespaces
    ``<lab_id>-NAME``, the jump at ``10.231.0.2:22`` (moved to the lab's own /30
    when the network is made), dbN at ``10.231.1.(N+1)``, sshd on 22 and MariaDB
    on 3306. Loopback mode: every sshd and MariaDB on its own free port of
    127.0.0.1. ``fingerprint`` is empty until the host keys exist."""

    def mk(name: str, address: str, port: int, index: int | None) -> SshHost:
        base = directory / name
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
        return jump, hosts
    ports: set[int] = set()

    def port() -> int:
        ports.add(p := server.free_port(ports))
        return p

    jump = mk("jump", "127.0.0.1", port(), None)
    hosts = [mk(f"db{i}", "127.0.0.1", port(), i) for i in range(1, count + 1)]
    for h in hosts:
        h.mysql_port = port()
    return jump, hosts
