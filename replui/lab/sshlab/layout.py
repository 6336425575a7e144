"""What an SSH lab is and where its things are: :class:`SshLabLayout`, the
state of a lab (its fields) and every fact derived from it (file paths, hosts
by name, credentials, MariaDB addresses and ports, namespaces). Nothing here
starts or talks to a process; :class:`~replui.lab.sshlab.lab.SshLab` builds
on it."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from replui.lab.lab import Lab
from replui.lab.server import ServerBinary
from replui.lab.sshlab.hosts import SshHost
from replui.lab.sshlab.procs import Proc
from replui.lab.state import edges


@dataclass
class SshLabLayout:
    """The state of an SSH lab (the fields of :class:`~replui.lab.sshlab.SshLab`,
    described there) and the facts derived from it."""

    directory: Path
    netns: bool
    topology: str
    lab_id: str
    jump: SshHost
    hosts: list[SshHost]
    ssh_user: str
    binary: ServerBinary
    #: k of the root-jump link (netns mode), None until the link is claimed
    link_index: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    echo: Callable[[str], None] = field(default=lambda _msg: None, repr=False)
    _sshd: dict[str, Proc] = field(default_factory=dict, repr=False)
    _mysqld: dict[str, Proc] = field(default_factory=dict, repr=False)
    _orphans: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict, repr=False)
    _db: Lab | None = field(default=None, repr=False)
    _network_made: bool = field(default=False, repr=False)
    _helpers: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)  # keygen, install-db

    # ----- files
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

    # ----- hosts and namespaces
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

    def ns_prefix(self, name: str) -> list[str]:
        """argv prefix running a command "on" host ``name``: ``ip netns exec NS``, empty in loopback mode."""
        ns = self.host(name).namespace
        return ["ip", "netns", "exec", ns] if ns else []

    def _marker(self, name: str) -> str:
        """``<lab id>/<name>``: the ``REPLUI_SSHLAB`` value of host ``name``'s processes."""
        return f"{self.lab_id}/{name}"

    # ----- credentials
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

    # ----- MariaDB
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
