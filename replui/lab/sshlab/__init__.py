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

The package, one job per module:

- :mod:`.hosts`: the address plan and :class:`SshHost`;
- :mod:`.procs`: processes read from ``/proc``, running commands;
- :mod:`.net`: namespaces, veths, the bridge, routes, lab ids, :func:`reap_stale`;
- :mod:`.sshd`: keys, ``sshd_config``, ``known_hosts``, ``ssh_config``, one sshd;
- :mod:`.servers`: the MariaDB side (credentials, datadirs, servers, replication);
- :mod:`.layout`, :mod:`.access`, :mod:`.lab`: :class:`SshLab` in three layers
  (its state and facts; SQL, commands, processes, replui config; up and down);
- :mod:`.cli`: ``python -m replui.lab.sshlab``, the keep-it-up command.
"""

from replui.lab.server import LabError, ServerMissing
from replui.lab.sshlab.cli import main
from replui.lab.sshlab.hosts import (
    DB_CIDR,
    DB_NET,
    LINK_NET,
    MARKER_ENV,
    MAX_HOSTS,
    MYSQL_PORT,
    SSH_PORT,
    SshHost,
)
from replui.lab.sshlab.lab import SshLab
from replui.lab.sshlab.net import (
    LOCK_FILE,
    ROUTE_METRIC,
    NetnsUnavailable,
    netns_unavailable_reason,
    reap_stale,
)
from replui.lab.sshlab.procs import SSHD_SEARCH
from replui.lab.sshlab.sshd import INSTALL_HINT, SshMissing, ssh_missing_reason

__all__ = [
    "DB_CIDR",
    "DB_NET",
    "INSTALL_HINT",
    "LINK_NET",
    "LOCK_FILE",
    "MARKER_ENV",
    "MAX_HOSTS",
    "MYSQL_PORT",
    "ROUTE_METRIC",
    "SSHD_SEARCH",
    "SSH_PORT",
    "LabError",
    "NetnsUnavailable",
    "ServerMissing",
    "SshHost",
    "SshLab",
    "SshMissing",
    "main",
    "netns_unavailable_reason",
    "reap_stale",
    "ssh_missing_reason",
]
