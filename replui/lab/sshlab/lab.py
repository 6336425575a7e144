"""Starting and stopping an SSH lab: :class:`SshLab` ties the network
(:mod:`.net`), the sshds (:mod:`.sshd`) and the MariaDB servers
(:mod:`.servers`) together: :meth:`SshLab.up` builds and starts everything
step by step, :meth:`SshLab.down` removes it all; in between an sshd can be
killed, restarted or given a new host key."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pymysql

from replui.lab import replication as rep
from replui.lab import sample, server
from replui.lab.server import LabError
from replui.lab.sshlab import net, procs, servers, sshd
from replui.lab.sshlab.access import SshLabAccess
from replui.lab.sshlab.hosts import MAX_HOSTS, plan_hosts, public_key
from replui.lab.sshlab.net import NetnsUnavailable, netns_unavailable_reason
from replui.lab.sshlab.sshd import SshMissing, ssh_missing_reason
from replui.lab.state import TOPOLOGIES

_SAFE_PATH = re.compile(r"[A-Za-z0-9_./+=,@-]+")


@dataclass
class SshLab(SshLabAccess):
    """A running SSH lab. Build with :meth:`up`; stop with :meth:`down`.

    ``directory``: the lab's files; ``jump``: the jump host; ``hosts``: the
    database hosts (``db1``…); ``client_key``: the private key (0600) every
    sshd accepts for ``ssh_user``; ``known_hosts``: every sshd's host key in
    OpenSSH format; ``netns``: netns mode (else loopback); ``lab_id``: the
    per-run prefix of namespace names and process markers; ``timings``:
    seconds per step of :meth:`up` and of the last :meth:`down`.
    """

    # ----- sshd
    def _keygen(self, key: Path, comment: str) -> subprocess.Popen[bytes]:
        proc = sshd.keygen(key, comment)
        self._helpers.append(proc)
        return proc

    def write_known_hosts(self) -> None:
        """(Re)write :attr:`known_hosts` from every host's current key (e.g. after
        :meth:`rotate_host_key`, to trust the new one)."""
        sshd.write_known_hosts(self.known_hosts, self.all_hosts)

    def start_sshd(self, name: str, timeout: float = 15.0) -> None:
        """Start host ``name``'s sshd (same config and host key) and wait until it
        listens; no-op when it runs. LabError with its log tail when it exits."""
        h = self.host(name)
        cur = self._sshd.get(name)
        if cur is not None and cur.alive():
            return
        p = self._sshd[name] = sshd.spawn_sshd(h, self.ns_prefix(name), self._marker(name))
        h.pid = p.pid
        assert p.popen is not None
        sshd.wait_listening(h, p.popen, timeout)

    def kill_sshd(self, name: str) -> None:
        """SIGKILL host ``name``'s sshd listener only: sessions already open keep
        running (as after a real sshd crash); new connections are refused until
        :meth:`start_sshd`. :meth:`down` still ends those sessions."""
        p = self._sshd.pop(name, None)
        self.host(name).pid = None
        if p is not None:
            self._orphans.setdefault(name, []).extend(sshd.kill_listener(p))

    def rotate_host_key(self, name: str) -> str:
        """Give host ``name`` a new host key and restart its sshd; :attr:`known_hosts`
        is NOT updated (so SSH reports a changed host key; :meth:`write_known_hosts`
        trusts the new key). Returns the new fingerprint ``"SHA256:…"``."""
        h = self.host(name)
        self.kill_sshd(name)
        sshd.finish_keygen(self._keygen(h.host_key, f"replui-sshlab {name}"), h.host_key)
        h.fingerprint = sshd.fingerprint(h.host_key_pub)
        self.start_sshd(name)
        return h.fingerprint

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
        lab_id = net.reserve_id()
        user = "root" if os.geteuid() == 0 else server._current_user()
        jump, hosts = plan_hosts(d, lab_id, count, netns)
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

    @contextlib.contextmanager
    def _step(self, what: str) -> Iterator[None]:
        """Time step ``what`` into :attr:`timings`; its errors become LabError naming it."""
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
        admin_password, repl_password = servers.write_credentials(self.credentials_path)
        with self._step("writing MariaDB option files and initialising datadirs"):
            installs = servers.start_initialise(
                self.binary,
                self.hosts,
                topology=self.topology,
                netns=self.netns,
                buffer_pool=buffer_pool,
                admin_password=admin_password,
                repl_password=repl_password,
                helpers=self._helpers,
            )
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
                sshd.finish_keygen(proc, key)
            os.chmod(self.client_key, 0o600)
            for h in self.all_hosts:
                h.fingerprint = sshd.fingerprint(h.host_key_pub)
                sshd.write_sshd_config(h, self.authorized_keys, self._marker(h.name))
            pub = public_key(self.client_key).read_text(encoding="utf-8")
            self.authorized_keys.write_text(pub, encoding="utf-8")
            self.write_known_hosts()
            sshd.write_ssh_config(
                self.ssh_config_path, self.all_hosts, self.ssh_user, self.client_key, self.known_hosts
            )
        with self._step("starting sshd"):
            for h in self.all_hosts:
                self.start_sshd(h.name, timeout=min(timeout, 15.0))
        with self._step("initialising datadirs (mariadb-install-db)"):
            for h, proc in installs:
                server.finish_initialise(proc, h.paths, timeout=timeout * 2)
        with self._step("starting mariadbd"):
            for h in self.hosts:
                self._mysqld[h.name] = servers.start_mysqld(
                    self.binary, h, self.ns_prefix(h.name), self._marker(h.name)
                )
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

    def repoint(self, timeout: float = 60.0) -> None:
        """Point every replica at its source again and wait until replication runs
        (after a test or a scenario reset a replica). Raises LabError."""
        self._point_all()
        self.wait_replication_running(timeout)

    def _point_all(self) -> None:
        """Point every replica at its source's database-network address and start it."""
        servers.point_all(self._mysql, self.edges, {name: self.mysql_address(name) for name in self.names})

    def _make_network(self) -> None:
        jns = self.jump.namespace
        assert jns is not None
        with net.machine_lock():
            k = self.link_index = net.free_link()
            self.jump.address = net.jump_address(k)
            self._network_made = True
            net.link_root(self.namespaces, jns, self.root_veth, k)
        net.wire_hosts(self.jump, self.hosts)

    # ----- teardown
    def down(self, purge: bool = False, timeout: float = 10.0) -> None:
        """Stop everything the lab started and remove its network: mariadbd
        (SIGTERM, SIGKILL after ``timeout`` s), every sshd and session (SIGKILL),
        every other process in its namespaces, the namespaces, the root veth and
        the unreachable route. Works when processes already died; idempotent.
        ``purge`` also deletes the directory. LabError when a process survives."""
        t0 = time.monotonic()
        # helpers of a failed up() (mariadb-install-db and its bootstrap server, ssh-keygen)
        procs.end_helpers(self._helpers, timeout)
        self._helpers.clear()
        # mariadbd first, gracefully and all at once
        dbs = [(p.pid, p.start) for p in self._mysqld.values() if p.alive()]
        for pid, _ in dbs:
            procs.kill(pid, signal.SIGTERM)
        for pid in procs.wait_gone(dbs, timeout):
            procs.kill(pid)
        # every other process of every host, sshd listeners first so no new session starts
        victims: dict[int, int | None] = {}
        for h in self.all_hosts:
            for pid, start in self._tracked(h.name):
                procs.kill(pid)
                victims[pid] = start
        for h in self.all_hosts:
            for pid in self._host_pids(h.name):
                victims[pid] = procs.start_time(pid)
        for pid in victims:
            procs.kill(pid)
        for p in (*self._sshd.values(), *self._mysqld.values()):
            if p.popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.popen.wait(timeout=timeout)
        left = procs.wait_gone([*victims.items(), *dbs], timeout)
        self._sshd.clear()
        self._mysqld.clear()
        self._orphans.clear()
        self._db = None
        for h in self.all_hosts:
            h.pid = None
        errors = [f"process {pid} ({procs.cmdline(pid)}) survived SIGKILL" for pid in left]
        if self._network_made:
            errors += net.remove_network(self.namespaces, self.root_veth, self.link_index)
        if purge:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.timings["down"] = round(time.monotonic() - t0, 3)
        if errors:
            raise LabError("ssh lab down: " + "; ".join(errors))
        net.release_id(self.lab_id)
