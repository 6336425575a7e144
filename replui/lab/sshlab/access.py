"""Using a running SSH lab: :class:`SshLabAccess` adds SQL on each server
(over its Unix socket), commands on a host (in its namespace, or over SSH
through the jump), the processes of each host, and replui's TOML config for
the lab. :class:`~replui.lab.sshlab.lab.SshLab` adds starting and stopping."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any, Sequence

import pymysql

from replui.lab import server
from replui.lab.lab import Lab
from replui.lab.sshlab import net, procs
from replui.lab.sshlab.hosts import MARKER_ENV
from replui.lab.sshlab.layout import SshLabLayout
from replui.lab.sshlab.servers import sql_lab


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


class SshLabAccess(SshLabLayout):
    """SQL, commands, processes and the replui config of a lab (see :class:`~replui.lab.sshlab.SshLab`)."""

    # ----- SQL (over each server's socket, for test setup and checks)
    @property
    def _mysql(self) -> Lab:
        if self._db is None:
            pids = {name: p.pid for name, p in self._mysqld.items()}
            self._db = sql_lab(
                self.directory, self.topology, self.binary, self.hosts, pids, self._credentials()
            )
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
    def _tracked(self, name: str) -> list[tuple[int, int | None]]:
        """``(pid, start)`` of host ``name``'s live sshd listener and mariadbd."""
        out: list[tuple[int, int | None]] = []
        for table in (self._sshd, self._mysqld):
            p = table.get(name)
            if p is not None and p.alive():
                out.append((p.pid, p.start))
        return out

    def _host_pids(self, name: str) -> set[int]:
        """Every live process of host ``name`` (see :meth:`remote_processes`), this one excepted."""
        h = self.host(name)
        pids = {pid for pid, _ in self._tracked(name)}
        sshd = self._sshd.get(name)
        if sshd is not None and sshd.alive():
            pids.update(procs.descendants(sshd.pid))
        pids.update(pid for pid, start in self._orphans.get(name, []) if procs.alive(pid, start))
        needle = f"{MARKER_ENV}={self._marker(name)}".encode()
        pids.update(pid for pid in procs.pids() if procs.environ_marked(pid, needle))
        if h.namespace:
            pids.update(procs.pids_in_netns(h.namespace))
        return {pid for pid in pids if procs.alive(pid) and pid != os.getpid()}

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
            cmd = procs.cmdline(pid)
            if rx is None or rx.search(cmd):
                rows.append(f"{pid} {cmd}")
        return rows

    def leftovers(self) -> list[str]:
        """``"PID COMMAND LINE"`` of every live process of the lab's hosts, plus
        ``"netns NAME"`` for each of its namespaces still present: empty after :meth:`down`."""
        rows = [row for h in self.all_hosts for row in self.remote_processes(h.name)]
        present = set(net.namespaces())
        rows += [f"netns {ns}" for ns in self.namespaces if ns in present]
        return rows

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
