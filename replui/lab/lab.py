"""The local lab: N real servers on loopback, replicating, with a ``shop``
database, driven from the CLI (``replui lab …``) and from tests.

    lab = Lab.up("/tmp/x", "master-master", 2)   # or Lab.load(dir) for a running one
    lab.sql("node1", "INSERT INTO shop.customers …")
    lab.wait_caught_up()
    lab.stop_node("node2"); lab.start_node("node2")
    lab.heal()                                   # healthy replication, identical data
    lab.down(purge=True)

Every method raises :class:`~replui.lab.server.LabError` (a user-facing
message) or TimeoutError (replication did not reach the wanted state).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable, Sequence, TypedDict

import pymysql

from replui.lab import replication as rep
from replui.lab import sample, server
from replui.lab.server import LabError, ServerBinary
from replui.lab.state import (
    ADMIN_USER,
    REPL_USER,
    TOPOLOGIES,
    LabNode,
    LabState,
    edges,
    load_state,
    save_state,
    write_replui_toml,
    writers,
)

SYSTEM_DATABASES = ("mysql", "information_schema", "performance_schema", "sys")


class NodeRunState(TypedDict):
    """One row of :meth:`Lab.status`."""

    name: str
    port: int
    pid: int | None
    alive: bool
    server_id: int


def _init_sql(admin_password: str, repl_password: str) -> str:
    def lit(s: str) -> str:
        return "'" + pymysql.converters.escape_string(s) + "'"

    lines = ["FLUSH PRIVILEGES;", "SET sql_log_bin=0;"]
    for host in ("127.0.0.1", "localhost"):
        lines += [
            f"CREATE USER IF NOT EXISTS '{ADMIN_USER}'@'{host}' IDENTIFIED BY {lit(admin_password)};",
            f"GRANT ALL PRIVILEGES ON *.* TO '{ADMIN_USER}'@'{host}' WITH GRANT OPTION;",
        ]
    lines += [
        f"CREATE USER IF NOT EXISTS '{REPL_USER}'@'%' IDENTIFIED BY {lit(repl_password)};",
        f"GRANT REPLICATION SLAVE ON *.* TO '{REPL_USER}'@'%';",
        "FLUSH PRIVILEGES;",
    ]
    return "\n".join(lines) + "\n"


class Lab:
    """A lab directory with its state. Build with :meth:`up` or :meth:`load`."""

    def __init__(
        self,
        directory: str | Path,
        state: LabState,
        binary: ServerBinary | None = None,
        echo: Callable[[str], None] | None = None,
    ):
        self.dir = Path(directory).resolve()
        self.state = state
        self._binary = binary
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self.echo = echo or (lambda _msg: None)
        self.created = False  # set by up(): this call created the lab
        self.restarted: list[str] = []  # set by up(): nodes found stopped and started again

    # ----- files and facts
    @property
    def state_path(self) -> Path:
        return self.dir / "lab.json"

    @property
    def config_path(self) -> Path:
        """``replui.toml`` for ``replui --config``."""
        return self.dir / "replui.toml"

    @property
    def topology(self) -> str:
        return self.state.topology

    @property
    def nodes(self) -> list[LabNode]:
        return list(self.state.nodes)

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.state.nodes]

    @property
    def admin_user(self) -> str:
        return self.state.admin_user

    @property
    def admin_password(self) -> str:
        return self.state.admin_password

    @property
    def repl_password(self) -> str:
        return self.state.repl_password

    @property
    def edges(self) -> list[tuple[str, str]]:
        """``(replica, source)`` pairs of this topology."""
        return edges(self.topology, self.names)

    @property
    def binary(self) -> ServerBinary:
        if self._binary is None:
            self._binary = server.find_server()
        return self._binary

    def node(self, name: str) -> LabNode:
        """The node called ``name``; KeyError listing the names otherwise."""
        for n in self.state.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no lab node {name!r} (nodes: {', '.join(self.names)})")

    def is_alive(self, name: str) -> bool:
        """The node's server process exists (checked in /proc, zombies count as dead)."""
        n = self.node(name)
        if name in self._procs:
            self._procs[name].poll()
        return server.pid_alive(n.pid, n.my_cnf)

    def status(self) -> list[NodeRunState]:
        """``[{"name", "port", "pid", "alive", "server_id"}]`` per node."""
        self.reload()
        return [
            {
                "name": n.name,
                "port": n.port,
                "pid": n.pid,
                "alive": self.is_alive(n.name),
                "server_id": n.server_id,
            }
            for n in self.state.nodes
        ]

    def reload(self) -> None:
        """Re-read ``lab.json`` (another process, e.g. the CLI, may have
        started or stopped nodes). Keeps this object's process handles."""
        if self.state_path.exists():
            self.state = load_state(self.state_path)

    def _save(self) -> None:
        save_state(self.state_path, self.state)
        write_replui_toml(self.config_path, self.state)

    # ----- SQL
    def connect(self, name: str, database: str | None = None, **kw: Any) -> pymysql.connections.Connection:
        """A new autocommit PyMySQL connection to ``name`` over its socket as the admin user."""
        n = self.node(name)
        return pymysql.connect(
            unix_socket=str(n.socket),
            user=self.admin_user,
            password=self.admin_password,
            database=database,
            autocommit=True,
            connect_timeout=5,
            read_timeout=60,
            **kw,
        )

    def sql(
        self, name: str, sql: str | Sequence[str], args: Any = None, database: str | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement (or a list, in one session, ``args`` for the
        last) on ``name``; returns the last statement's rows as tuples."""
        stmts = [sql] if isinstance(sql, str) else list(sql)
        with self.connect(name, database) as conn, conn.cursor() as cur:
            for i, stmt in enumerate(stmts):
                cur.execute(stmt, args if i == len(stmts) - 1 else None)
            return list(cur.fetchall())

    def query(
        self, name: str, sql: str, args: Any = None, database: str | None = None
    ) -> list[dict[str, Any]]:
        """Like :meth:`sql` for one statement, rows as dicts (column name → value)."""
        with self.connect(name, database) as conn, conn.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def replica_status(self, name: str) -> dict[str, Any] | None:
        """``SHOW SLAVE STATUS`` of ``name`` as a dict, None when it has no source."""
        with self.connect(name) as conn:
            return rep.replica_status(conn)

    def master_status(self, name: str) -> tuple[str, int]:
        """``SHOW MASTER STATUS`` of ``name``: ``(binlog file, position in bytes)``."""
        with self.connect(name) as conn:
            return rep.master_status(conn)

    # ----- creation
    @classmethod
    def load(cls, directory: str | Path = ".lab", echo: Callable[[str], None] | None = None) -> "Lab":
        """The lab recorded in ``directory/lab.json`` (running or not); LabError if none."""
        d = Path(directory).resolve()
        return cls(d, load_state(d / "lab.json"), echo=echo)

    @classmethod
    def up(
        cls,
        directory: str | Path = ".lab",
        topology: str = "master-master",
        nodes: int = 2,
        echo: Callable[[str], None] | None = None,
        timeout: float = 90.0,
        buffer_pool: str = "32M",
    ) -> "Lab":
        """Start the lab in ``directory``: create it when there is none,
        else restart whichever of its servers are not running (same datadirs;
        a port taken meanwhile is replaced and replicas re-pointed). Returns
        when every channel has both threads running. ``timeout`` (seconds)
        bounds each wait; ``buffer_pool`` is each new server's
        ``innodb_buffer_pool_size``. Raises ServerMissing, LabError, TimeoutError."""
        d = Path(directory).resolve()
        if (d / "lab.json").exists():
            lab = cls.load(d, echo)
            lab.restarted = lab.start_all(timeout=timeout)
            return lab
        if topology not in TOPOLOGIES:
            raise LabError(f"unknown topology {topology!r} (expected {' or '.join(TOPOLOGIES)})")
        if not 1 <= nodes <= 9:
            raise LabError(f"--nodes must be between 1 and 9, got {nodes}")
        binary = server.find_server()
        if len(str(d / "node9" / "mysqld.sock")) > 100:
            raise LabError(
                f"{d} is too deep for a Unix socket path (at most ~100 characters); choose a shorter --dir"
            )
        d.mkdir(parents=True, exist_ok=True)
        ports: set[int] = set()
        node_list = []
        for i in range(1, nodes + 1):
            ports.add(port := server.free_port(ports))
            node_list.append(LabNode(f"node{i}", i, port, d / f"node{i}"))
        state = LabState(
            topology=topology,
            flavor=binary.flavor,
            server=binary.server,
            admin_password=secrets.token_urlsafe(18),
            repl_password=secrets.token_urlsafe(18),
            nodes=node_list,
        )
        lab = cls(d, state, binary, echo)
        lab.created = True
        try:
            lab._create(timeout, buffer_pool)
        except BaseException:
            lab._abandon()
            raise
        return lab

    def _create(self, timeout: float, buffer_pool: str = "32M") -> None:
        names = self.names
        wr = writers(self.topology, names)
        for n in self.state.nodes:
            inc = len(names) if self.topology == "master-master" else 1
            server.write_my_cnf(
                n.paths,
                flavor=self.binary.flavor,
                server_id=n.server_id,
                port=n.port,
                auto_inc=(inc, n.server_id if inc > 1 else 1),
                read_only=n.name not in wr,
                buffer_pool=buffer_pool,
            )
            server.write_client_cnf(n.paths, self.admin_user, self.admin_password)
        self.echo(f"initialising {len(names)} datadirs under {self.dir} ({self.binary.version})")
        init = _init_sql(self.admin_password, self.repl_password)
        procs = [(n, server.initialise(self.binary, n.paths, init)) for n in self.state.nodes]
        for n, p in procs:
            server.finish_initialise(p, n.paths, timeout=timeout * 2)
        self._start_nodes(self.names, timeout)
        for n in self.state.nodes:
            with self.connect(n.name) as conn:
                rep.reset_binlogs(conn)
        self._point_all(timeout)
        with self.connect(names[0]) as conn, conn.cursor() as cur:
            sample.load(cur)
        self.wait_caught_up(timeout)
        self.echo("sample database shop loaded on node1 and replicated")

    def _abandon(self) -> None:
        """Creation failed: stop what was started, remove what was written."""
        for n in self.state.nodes:
            try:
                server.stop(self.binary, n.paths, n.pid, self._procs.get(n.name), timeout=15)
            except LabError:
                pass
            shutil.rmtree(n.base, ignore_errors=True)
        for p in (self.state_path, self.config_path):
            p.unlink(missing_ok=True)

    def _start_nodes(self, names: list[str], timeout: float) -> None:
        for name in names:
            n = self.node(name)
            if not server.port_is_free(n.port):
                old, n.port = n.port, server.free_port({m.port for m in self.state.nodes})
                self.echo(f"{name}: port {old} is taken, using {n.port}")
                text = n.my_cnf.read_text(encoding="utf-8").replace(f"\nport={old}\n", f"\nport={n.port}\n")
                n.my_cnf.write_text(text, encoding="utf-8")
            self._procs[name] = proc = server.start(self.binary, n.paths)
            n.pid = proc.pid
        self._save()
        for name in names:
            server.wait_ready(self.node(name).paths, self._procs[name], timeout)
            self.echo(f"{name}: up on 127.0.0.1:{self.node(name).port} (pid {self.node(name).pid})")

    def _point_all(self, timeout: float) -> None:
        for replica, source in self.edges:
            file, pos = self.master_status(source)
            with self.connect(replica) as conn:
                rep.point(
                    conn,
                    host="127.0.0.1",
                    port=self.node(source).port,
                    user=self.state.repl_user,
                    password=self.repl_password,
                    log_file=file,
                    log_pos=pos,
                )
                rep.start_replica(conn)
        self.wait_replication_running(timeout)

    # ----- running state
    def start_all(self, timeout: float = 90.0) -> list[str]:
        """Start every stopped node (see :meth:`start_node`); returns the names started."""
        self.reload()
        dead = [n.name for n in self.state.nodes if not self.is_alive(n.name)]
        self._start_and_repair(dead, timeout)
        return dead

    def _start_and_repair(self, names: list[str], timeout: float) -> None:
        before = {n.name: n.port for n in self.state.nodes}
        if names:
            self._start_nodes(names, timeout)
        for replica, source in self.edges:
            if self.node(source).port != before[source] and self.is_alive(replica):
                self._repoint_port(replica, source)
        self.wait_replication_running(timeout)

    def _repoint_port(self, replica: str, source: str) -> None:
        with self.connect(replica) as conn:
            row = rep.replica_status(conn)
            rep.stop_replica(conn)
            file, pos = (
                (row["Relay_Master_Log_File"], int(row["Exec_Master_Log_Pos"]))
                if row
                else self.master_status(source)
            )
            rep.point(
                conn,
                host="127.0.0.1",
                port=self.node(source).port,
                user=self.state.repl_user,
                password=self.repl_password,
                log_file=file,
                log_pos=pos,
            )
            rep.start_replica(conn)

    def stop_node(self, name: str, timeout: float = 30.0) -> None:
        """Shut ``name`` down (admin shutdown, then SIGTERM, then SIGKILL); its port stops answering."""
        self.reload()
        n = self.node(name)
        server.stop(self.binary, n.paths, n.pid, self._procs.pop(name, None), timeout)
        n.pid = None
        self._save()

    def start_node(self, name: str, wait_replication: bool = True, timeout: float = 90.0) -> None:
        """Start ``name`` again on its datadir (no-op when running). A port
        taken meanwhile is replaced and its replicas re-pointed. By default
        wait until every channel between running nodes runs again."""
        self.reload()
        if wait_replication:
            self._start_and_repair([] if self.is_alive(name) else [name], timeout)
        elif not self.is_alive(name):
            self._start_nodes([name], timeout)

    def wait_replication_running(self, timeout: float = 60.0) -> None:
        """Wait until every replica whose source is running has both threads
        ``Yes``; TimeoutError otherwise (channels to stopped nodes are skipped)."""
        for replica, source in self.edges:
            if not (self.is_alive(replica) and self.is_alive(source)):
                continue

            def running(r: str = replica) -> bool:
                return rep.threads_running(self.replica_status(r))

            rep.wait_for(running, timeout, f"replication on {replica}")

    def wait_caught_up(self, timeout: float = 60.0) -> None:
        """Wait until every replica has executed its source's binlog up to
        the source's current ``SHOW MASTER STATUS`` (file, position)."""
        for _ in range(2):  # master-master: a second pass sees events that came back around
            for replica, source in self.edges:
                target = self.master_status(source)

                def reached(r: str = replica, t: tuple[str, int] = target) -> bool:
                    row = self.replica_status(r)
                    if not row:
                        return False
                    if row.get("Last_SQL_Errno"):
                        raise LabError(
                            f"{r}: replication stopped with error {row['Last_SQL_Errno']}: "
                            f"{row.get('Last_SQL_Error')}"
                        )
                    return (row["Relay_Master_Log_File"], int(row["Exec_Master_Log_Pos"])) >= t

                rep.wait_for(reached, timeout, f"{replica} catching up with {source} at {target}")

    def heal(self, resync_data: bool = True, timeout: float = 90.0) -> None:
        """Back to healthy: every node running, ``repl`` present with the lab
        password everywhere, ``read_only`` per topology, each node's own ``server_id``, user databases of
        node1 copied to the others (when ``resync_data``; binlog off while
        loading), each replica re-pointed at its source's current coordinates
        and running. Destroys whatever differences tests made on purpose."""
        self.reload()
        self._start_nodes([n for n in self.names if not self.is_alive(n)], timeout)
        wr = writers(self.topology, self.names)
        for name in self.names:
            with self.connect(name) as conn, conn.cursor() as cur:
                rep.stop_replica(conn)
                rep.reset_replica_all(conn)
                cur.execute("SET sql_log_bin=0")
                cur.execute(
                    f"CREATE USER IF NOT EXISTS '{REPL_USER}'@'%%' IDENTIFIED BY %s", (self.repl_password,)
                )
                cur.execute(f"ALTER USER '{REPL_USER}'@'%%' IDENTIFIED BY %s", (self.repl_password,))
                cur.execute(f"GRANT REPLICATION SLAVE ON *.* TO '{REPL_USER}'@'%'")
                cur.execute("SET GLOBAL read_only=" + ("OFF" if name in wr else "ON"))
                cur.execute(f"SET GLOBAL server_id={self.node(name).server_id:d}")
                cur.execute(
                    "FLUSH BINARY LOGS"
                )  # a fresh binlog file: a damaged current one no longer matters
        if resync_data:
            self._resync_from(self.names[0])
        self._point_all(timeout)

    def user_databases(self, name: str) -> list[str]:
        """Databases on ``name`` other than the system ones."""
        return [r[0] for r in self.sql(name, "SHOW DATABASES") if r[0] not in SYSTEM_DATABASES]

    def _resync_from(self, origin: str) -> None:
        dbs = self.user_databases(origin)
        dump = b""
        client = ""  # the mariadb client: checked below whenever there is a dump to load
        if dbs:
            if not self.binary.dump or not self.binary.client:
                raise LabError(f"mariadb-dump/mariadb client missing; install with: {server.INSTALL_HINT}")
            client = self.binary.client
            out = subprocess.run(
                [
                    self.binary.dump,
                    f"--defaults-file={self.node(origin).option_file}",
                    "--single-transaction",
                    "--routines",
                    "--events",
                    "--triggers",
                    "--add-drop-database",
                    "--databases",
                    *dbs,
                ],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=300,
                check=False,
            )
            if out.returncode != 0:
                raise LabError(f"dumping {origin} failed: {out.stderr.decode(errors='replace')[-500:]}")
            dump = out.stdout
        for name in self.names:
            if name == origin:
                continue
            for db in set(self.user_databases(name)) - set(dbs):
                self.sql(name, ["SET sql_log_bin=0", f"DROP DATABASE `{db.replace('`', '``')}`"])
            if dump:
                out = subprocess.run(
                    [
                        client,
                        f"--defaults-file={self.node(name).option_file}",
                        "--init-command=SET sql_log_bin=0",
                    ],
                    input=dump,
                    capture_output=True,
                    timeout=300,
                    check=False,
                )
                if out.returncode != 0:
                    raise LabError(
                        f"loading {origin}'s data into {name} failed: "
                        f"{out.stderr.decode(errors='replace')[-500:]}"
                    )

    def down(self, purge: bool = False, timeout: float = 30.0) -> None:
        """Stop every server (none is left running); ``purge`` removes the directory."""
        self.reload()
        errors = []
        for n in self.state.nodes:
            try:
                server.stop(self.binary, n.paths, n.pid, self._procs.pop(n.name, None), timeout)
                n.pid = None
            except LabError as exc:
                errors.append(str(exc))
        if errors:
            raise LabError("; ".join(errors))
        if purge:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.state_path.exists():
            self._save()
