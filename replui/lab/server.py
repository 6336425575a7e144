"""One local lab server: find the binary, write its option files, initialise
its datadir, start it, wait for it, stop it.

Nothing here knows about replication; :mod:`replui.lab.lab` wires servers
together. Every password lives in files of mode 0600 (``my.cnf`` is not
secret; ``client.cnf`` and the one-shot ``init.sql`` are), never on argv.

Errors are :class:`LabError` with a message fit for a user; a missing server
binary is :class:`ServerMissing` (the CLI exits 3 on it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Sequence

INSTALL_HINT = "apt-get install -y mariadb-server"


class LabError(Exception):
    """A lab operation failed; ``str()`` is the message for the user."""


class ServerMissing(LabError):
    """No MariaDB/MySQL server binary on this machine."""


@dataclass(frozen=True)
class ServerBinary:
    """The server found on this machine.

    ``flavor`` is ``"mariadb"`` or ``"mysql"``; ``server`` the daemon path;
    ``install_db`` the datadir initialiser (MariaDB only; MySQL uses
    ``mysqld --initialize-insecure``); ``client``/``admin``/``dump`` the
    command line tools (paths or None when absent).
    """

    flavor: str
    server: str
    install_db: str | None
    client: str | None
    admin: str | None
    dump: str | None
    version: str


def search_path() -> str:
    """Where server binaries are looked for: ``$REPLUI_LAB_PATH`` when set
    (e.g. a MySQL tarball's ``bin``), else ``$PATH`` plus the sbin directories."""
    if os.environ.get("REPLUI_LAB_PATH"):
        return os.environ["REPLUI_LAB_PATH"]
    return os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/usr/local/sbin:/usr/local/mysql/bin"


def _which(*names: str) -> str | None:
    path = search_path()
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def find_server() -> ServerBinary:
    """Detect ``mariadbd`` (preferred) or ``mysqld`` and the matching tools
    in :func:`search_path`.

    Raises :class:`ServerMissing` naming the install command when neither
    daemon exists. ``mysqld`` may itself be MariaDB (older packages): the
    ``--version`` output decides the flavour.
    """
    server = _which("mariadbd", "mysqld")
    if not server:
        raise ServerMissing(
            f"no MariaDB or MySQL server found (looked for mariadbd and mysqld in {search_path()}). "
            f"Install one with: {INSTALL_HINT}"
        )
    try:
        version = subprocess.run(
            [server, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerMissing(f"{server} cannot run ({exc}). Reinstall it with: {INSTALL_HINT}") from None
    flavor = "mariadb" if "mariadb" in version.lower() else "mysql"
    if flavor == "mariadb":
        return ServerBinary(
            flavor,
            server,
            _which("mariadb-install-db", "mysql_install_db"),
            _which("mariadb", "mysql"),
            _which("mariadb-admin", "mysqladmin"),
            _which("mariadb-dump", "mysqldump"),
            version,
        )
    return ServerBinary(
        flavor, server, None, _which("mysql"), _which("mysqladmin"), _which("mysqldump"), version
    )


@dataclass
class NodePaths:
    """Where one node's files live (all under ``<lab dir>/<name>/``)."""

    name: str
    base: Path

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket(self) -> Path:
        return self.base / "mysqld.sock"

    @property
    def pid_file(self) -> Path:
        return self.base / "mysqld.pid"

    @property
    def error_log(self) -> Path:
        return self.base / "error.log"

    @property
    def my_cnf(self) -> Path:
        return self.base / "my.cnf"

    @property
    def option_file(self) -> Path:
        return self.base / "client.cnf"

    @property
    def init_sql(self) -> Path:
        return self.base / "init.sql"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def _opt(value: str | os.PathLike[str]) -> str:
    """Quote a value for a MySQL option file (backslash and double quote escaped)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_my_cnf(
    paths: NodePaths,
    *,
    flavor: str,
    server_id: int,
    port: int,
    auto_inc: tuple[int, int],
    read_only: bool,
    buffer_pool: str = "32M",
    bind_address: str = "127.0.0.1",
) -> None:
    """The server's only option file (passed as ``--defaults-file``, so
    ``/etc/mysql`` is never read). Small buffers by default: CI machines have
    2 cores; ``buffer_pool`` (``innodb_buffer_pool_size``, e.g. ``"512M"``) is
    raised by the benchmark so it measures the tool, not a starved server.
    ``bind_address``: loopback by default; the SSH lab's servers, each alone in
    a network namespace, listen on ``0.0.0.0``."""
    inc, off = auto_inc
    lines = [
        "[mysqld]",
        f"datadir={_opt(paths.datadir)}",
        f"socket={_opt(paths.socket)}",
        f"pid-file={_opt(paths.pid_file)}",
        f"log-error={_opt(paths.error_log)}",
        # a private tmpdir: parallel bootstraps sharing /tmp were seen to collide on #sql-temptable files
        f"tmpdir={_opt(paths.base / 'tmp')}",
        f"port={port}",
        f"bind-address={bind_address}",
        "skip-name-resolve",
        f"server-id={server_id}",
        "log_bin=mysql-bin",
        "binlog_format=ROW",
        f"relay_log={paths.name}-relay-bin",
        f"auto_increment_increment={inc}",
        f"auto_increment_offset={off}",
        f"read_only={'ON' if read_only else 'OFF'}",
        f"innodb_buffer_pool_size={buffer_pool}",
        "performance_schema=OFF",
        "max_connections=30",
    ]
    if flavor == "mariadb":
        # log_slave_updates: node1 passes node2's writes on to node3.. (MySQL 8 has it ON by default)
        lines += [
            "log_slave_updates=ON",
            "innodb_log_file_size=16M",
            "innodb_use_native_aio=OFF",
            "aria_log_file_size=8M",
        ]
    else:
        lines += ["mysqlx=OFF"]
    paths.base.mkdir(parents=True, exist_ok=True)
    (paths.base / "tmp").mkdir(exist_ok=True)
    paths.my_cnf.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_client_cnf(paths: NodePaths, user: str, password: str) -> None:
    """``[client]`` option file (mode 0600) for ``mariadb``/``mariadb-admin``/``mariadb-dump``:
    admin user, password and the node's socket. Pass it as ``--defaults-file=``."""
    write_private(
        paths.option_file,
        f"[client]\nuser={_opt(user)}\npassword={_opt(password)}\nsocket={_opt(paths.socket)}\n",
    )


def free_port(avoid: Collection[int] = frozenset()) -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (the kernel picks it)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port not in avoid:
            return port
    raise LabError("could not find a free TCP port on 127.0.0.1")


def port_is_free(port: int) -> bool:
    """True when ``127.0.0.1:port`` can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as mariadbd does: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _user_args(binary: ServerBinary) -> list[str]:
    # mariadbd refuses to run as root unless told so explicitly.
    return ["--user=root"] if os.geteuid() == 0 else []


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a text file, or a note that it is absent."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"


def initialise(binary: ServerBinary, paths: NodePaths, init_sql: str) -> subprocess.Popen[bytes]:
    """Start creating the system tables in ``paths.datadir`` and running
    ``init_sql`` (written to a 0600 file; the caller deletes it after
    :func:`finish_initialise`). Returns the running process so several nodes
    initialise in parallel."""
    paths.datadir.mkdir(parents=True, exist_ok=True)
    write_private(paths.init_sql, init_sql)
    log = open(paths.base / "install.log", "wb")
    if binary.flavor == "mariadb":
        if not binary.install_db:
            raise ServerMissing(f"mariadb-install-db is missing. Install it with: {INSTALL_HINT}")
        me = "root" if os.geteuid() == 0 else _current_user()
        cmd = [
            binary.install_db,
            f"--defaults-file={paths.my_cnf}",
            f"--datadir={paths.datadir}",
            "--skip-test-db",
            "--auth-root-authentication-method=socket",
            f"--auth-root-socket-user={me}",
            f"--extra-file={paths.init_sql}",
            *_user_args(binary),
        ]
        if os.geteuid() != 0:
            cmd.append(f"--user={me}")
    else:  # MySQL 5.7+/8.x: best effort
        cmd = [
            binary.server,
            f"--defaults-file={paths.my_cnf}",
            "--initialize-insecure",
            f"--init-file={paths.init_sql}",
            *_user_args(binary),
        ]
    try:
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=paths.base
        )
    finally:
        log.close()


def finish_initialise(proc: subprocess.Popen[bytes], paths: NodePaths, timeout: float = 180.0) -> None:
    """Wait for :func:`initialise`; raise LabError with the log tail on failure.
    The 0600 ``init.sql`` (it holds passwords) is removed either way."""
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = -1
    finally:
        paths.init_sql.unlink(missing_ok=True)
    if rc != 0:
        raise LabError(
            f"{paths.name}: initialising {paths.datadir} failed (exit {rc}):\n"
            + tail(paths.base / "install.log")
            + "\n"
            + tail(paths.error_log)
        )


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def start(binary: ServerBinary, paths: NodePaths, prefix: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """Launch the server detached (own session, so it outlives ``replui lab up``).
    The process handle lets an in-process caller reap it; its pid is the server's.
    ``prefix`` is put before the server's argv, e.g. ``["ip", "netns", "exec", NS]``
    (the SSH lab); it must exec the server in place (``ip netns exec``, ``env``
    do), so the pid stays the server's."""
    paths.socket.unlink(missing_ok=True)
    cmd = [*prefix, binary.server, f"--defaults-file={paths.my_cnf}", *_user_args(binary)]
    return subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=paths.base,
        start_new_session=True,
        close_fds=True,
    )


def pid_alive(pid: int | None, marker: str | os.PathLike[str] | None = None) -> bool:
    """True when process ``pid`` exists, is not a zombie, and (when
    ``marker`` is given) its command line contains ``marker`` — so a recycled
    pid is not mistaken for a lab server. Reads ``/proc``."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
        if marker is not None:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            return str(marker) in cmdline
        return True
    except (OSError, IndexError):
        return False


def wait_ready(paths: NodePaths, proc_or_pid: subprocess.Popen[bytes] | int, timeout: float = 90.0) -> None:
    """Block until the server answers on its socket (any reply, even
    "access denied", means it is up). Raises LabError with the error log
    tail when the process exits or ``timeout`` seconds pass."""
    import pymysql

    deadline = time.monotonic() + timeout
    while True:
        exited = (
            proc_or_pid.poll() is not None
            if isinstance(proc_or_pid, subprocess.Popen)
            else not pid_alive(proc_or_pid)
        )
        if exited:
            raise LabError(
                f"{paths.name}: the server exited while starting. "
                f"Last lines of {paths.error_log}:\n{tail(paths.error_log)}"
            )
        if paths.socket.exists():
            try:
                pymysql.connect(
                    unix_socket=str(paths.socket), user="replui_probe", password="", connect_timeout=2
                ).close()
                return
            except pymysql.err.OperationalError as exc:
                if exc.args and exc.args[0] in (1045, 1698, 1130):
                    return
            except Exception:  # noqa: BLE001 - keep polling until the deadline
                pass
        if time.monotonic() > deadline:
            raise LabError(
                f"{paths.name}: not ready after {timeout:.0f} s. "
                f"Last lines of {paths.error_log}:\n{tail(paths.error_log)}"
            )
        time.sleep(0.2)


def stop(
    binary: ServerBinary,
    paths: NodePaths,
    pid: int | None,
    proc: subprocess.Popen[bytes] | None = None,
    timeout: float = 30.0,
) -> None:
    """Stop one server: ``mariadb-admin shutdown`` through the 0600 option
    file, then SIGTERM, then SIGKILL, each after ``timeout`` seconds.
    Returns when no process with ``pid`` is left (reaping it when ``proc`` is ours)."""
    marker = paths.my_cnf

    def gone(wait: float) -> bool:
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if proc is not None:
                proc.poll()
            if not pid_alive(pid, marker):
                return True
            time.sleep(0.1)
        return not pid_alive(pid, marker)

    if not pid or not pid_alive(pid, marker):  # pid_alive is False for no pid: this only narrows pid to int
        if proc is not None:
            proc.poll()
        return
    if binary.admin and paths.option_file.exists():
        try:
            subprocess.run(
                [binary.admin, f"--defaults-file={paths.option_file}", "--connect-timeout=5", "shutdown"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            pass
    if gone(timeout):
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if gone(wait):
            return
    raise LabError(f"{paths.name}: process {pid} survived SIGKILL")
