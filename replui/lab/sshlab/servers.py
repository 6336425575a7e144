"""The MariaDB side of the SSH lab: credentials, option files and datadirs,
starting each server under a namespace prefix, the :class:`~replui.lab.lab.Lab`
view used for SQL over the servers' sockets, and replication wiring.

Server files and start/stop are :mod:`replui.lab.server`'s; the topology
(writers, edges, auto-increment) and SQL helpers are the local lab's. Passwords
live in 0600 files only (``credentials.json``, ``client.cnf``, ``init.sql``).
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

import pymysql

from replui.lab import replication as rep
from replui.lab import server
from replui.lab.lab import Lab, _init_sql
from replui.lab.server import ServerBinary
from replui.lab.sshlab.hosts import DB_NET, MARKER_ENV, SshHost
from replui.lab.sshlab.procs import Proc
from replui.lab.state import ADMIN_USER, REPL_USER, LabNode, LabState, writers


def write_credentials(path: Path) -> tuple[str, str]:
    """New random admin and replication passwords, written with the user names
    to ``path`` (JSON ``{"admin_user", "admin_password", "repl_user",
    "repl_password"}``, mode 0600); returns ``(admin_password, repl_password)``."""
    admin_password, repl_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    creds = {
        "admin_user": ADMIN_USER,
        "admin_password": admin_password,
        "repl_user": REPL_USER,
        "repl_password": repl_password,
    }
    server.write_private(path, json.dumps(creds, indent=2) + "\n")
    return admin_password, repl_password


def _admin_from_db_net_sql(admin_password: str) -> str:
    """netns mode: the admin user also from the database network (a tunnel to
    the db host's own 10.231.1.x address, or from the jump)."""

    def lit(s: str) -> str:
        return "'" + pymysql.converters.escape_string(s) + "'"

    host = f"{DB_NET}.%"
    return (
        "SET sql_log_bin=0;\n"
        f"CREATE USER IF NOT EXISTS '{ADMIN_USER}'@'{host}' IDENTIFIED BY {lit(admin_password)};\n"
        f"GRANT ALL PRIVILEGES ON *.* TO '{ADMIN_USER}'@'{host}' WITH GRANT OPTION;\n"
        "FLUSH PRIVILEGES;\n"
    )


def start_initialise(
    binary: ServerBinary,
    hosts: Sequence[SshHost],
    *,
    topology: str,
    netns: bool,
    buffer_pool: str,
    admin_password: str,
    repl_password: str,
    helpers: list[subprocess.Popen[bytes]],
) -> list[tuple[SshHost, subprocess.Popen[bytes]]]:
    """Write each database host's ``my.cnf`` (read-only unless a writer of
    ``topology``; bound to 0.0.0.0 in netns mode, else 127.0.0.1) and 0600
    ``client.cnf``, and start initialising its datadir with the lab's users;
    each initialiser is appended to ``helpers`` as it starts. Finish with
    :func:`replui.lab.server.finish_initialise`."""
    names = [h.name for h in hosts]
    wr = writers(topology, names)
    inc = len(hosts) if topology == "master-master" else 1
    init = _init_sql(admin_password, repl_password)
    if netns:
        init += _admin_from_db_net_sql(admin_password)
    installs = []
    for h in hosts:
        assert h.server_id is not None and h.mysql_port is not None
        server.write_my_cnf(
            h.paths,
            flavor=binary.flavor,
            server_id=h.server_id,
            port=h.mysql_port,
            auto_inc=(inc, h.server_id if inc > 1 else 1),
            read_only=h.name not in wr,
            buffer_pool=buffer_pool,
            bind_address="0.0.0.0" if netns else "127.0.0.1",
        )
        server.write_client_cnf(h.paths, ADMIN_USER, admin_password)
        installs.append((h, server.initialise(binary, h.paths, init)))
        helpers.append(installs[-1][1])
    return installs


def start_mysqld(binary: ServerBinary, h: SshHost, prefix: Sequence[str], marker: str) -> Proc:
    """Start ``h``'s server detached, ``prefix`` (e.g. ``ip netns exec NS``) and
    ``env REPLUI_SSHLAB=marker`` before it; its pid is the server's."""
    popen = server.start(binary, h.paths, prefix=[*prefix, "env", f"{MARKER_ENV}={marker}"])
    return Proc.of(popen)


def sql_lab(
    directory: Path,
    topology: str,
    binary: ServerBinary,
    hosts: Sequence[SshHost],
    pids: Mapping[str, int],
    credentials: Mapping[str, str],
) -> Lab:
    """A :class:`~replui.lab.lab.Lab` over the database ``hosts`` (``pids``: their
    servers' pids by name; ``credentials``: the :func:`write_credentials` JSON)
    for SQL over each server's socket and the replication waits."""
    nodes = [LabNode(h.name, h.server_id or 0, h.mysql_port or 0, h.base, pids.get(h.name)) for h in hosts]
    state = LabState(
        topology=topology,
        flavor=binary.flavor,
        server=binary.server,
        admin_password=credentials["admin_password"],
        repl_password=credentials["repl_password"],
        nodes=nodes,
        admin_user=credentials["admin_user"],
        repl_user=credentials["repl_user"],
    )
    return Lab(directory, state, binary)


def point_all(db: Lab, edges: Sequence[tuple[str, str]], addresses: Mapping[str, tuple[str, int]]) -> None:
    """Point each replica of ``edges`` (``(replica, source)``) at its source's
    current binlog position on ``addresses[source]`` (``(host, port)`` as seen
    from the replica) as the replication user, and start it."""
    for replica, source in edges:
        file, pos = db.master_status(source)
        host, port = addresses[source]
        with db.connect(replica) as conn:
            rep.point(
                conn,
                host=host,
                port=port,
                user=db.state.repl_user,
                password=db.repl_password,
                log_file=file,
                log_pos=pos,
            )
            rep.start_replica(conn)
