"""SSH connections to the database hosts: one per host, shared, kept open.

:class:`SshHub` owns every asyncssh connection replui makes. They live on the
hub's own event loop in a background thread, so

- PyMySQL, which runs in poll threads, gets a MySQL connection through SSH
  as a plain socket (:meth:`SshHub.mysql_socket`), whatever thread asks;
- the bytes of a dump relayed through the jump host are encrypted and
  decrypted off the TUI's event loop;
- a hung SSH peer delays only the callers waiting for *that* host: every
  wait has a timeout, and hosts do not wait for each other;
- a tool that runs on this machine reaches a server on a remote host through
  a local unix socket forwarded over the same connection
  (:meth:`SshHub.forward_mysql`).

Connections are keyed by :attr:`replui.config.SshTarget.key` (nodes on one
host share one), opened on first use and opened again when found closed.
ProxyJump hops (the node's ``ssh_jump``, else ``ProxyJump`` from
``~/.ssh/config``) are connected here one by one, so every hop's host key is
checked by the same :class:`~replui.transport.hostkeys.HostKeyPolicy`.
``~/.ssh/config`` (HostName, User, Port, IdentityFile) and the SSH agent
(``SSH_AUTH_SOCK``) are honoured by asyncssh itself.

Every failure is an :class:`SshError` whose text names the host and the cause.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import getpass
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Coroutine, TypeVar

import asyncssh

from replui.transport import asyncssh_window
from replui.transport.hostkeys import HostKeyError, HostKeyPolicy, Rejection

asyncssh_window.apply()  # a slow reader must not make asyncssh buffer without bound

if TYPE_CHECKING:
    from replui.config import JumpHop, SshTarget

__all__ = ["SshError", "SshForward", "SshHub", "hub", "close_hub", "describe_failure"]

T = TypeVar("T")

#: Seconds between SSH keepalives, and how many may go unanswered before the
#: connection counts as dropped (a peer that vanished mid-transfer is noticed
#: within about 30 s instead of the TCP timeout's minutes).
KEEPALIVE_INTERVAL = 10.0
KEEPALIVE_COUNT_MAX = 3
CONNECT_TIMEOUT = 10.0  # seconds for one SSH connection (each hop)
BRIDGE_CHUNK = 64 * 1024  # bytes per read when bridging a MySQL connection


def _cipher_preference() -> list[str]:
    """asyncssh's default ciphers, AES-GCM first where the CPU has AES
    instructions (``aes`` in /proc/cpuinfo's flags): there it moves bytes
    about 1.5× faster than ChaCha20-Poly1305 in asyncssh (bench/ssh.py)."""
    from asyncssh.encryption import get_default_encryption_algs

    algs = [a.decode() for a in get_default_encryption_algs()]
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            has_aes = any(line.startswith("flags") and " aes " in f"{line} " for line in fh)
    except OSError:
        has_aes = False
    if has_aes:
        gcm = [a for a in algs if "-gcm@" in a]
        algs = sorted(gcm, key=lambda a: "aes128" not in a) + [a for a in algs if a not in gcm]
    return algs


class SshError(Exception):
    """Reaching a host over SSH failed. ``where`` names the SSH server
    (``root@db1:2222``), ``cause`` says why in a few words; ``stage`` is
    ``"connect"`` (the SSH connection, its authentication or host key) or
    ``"channel"`` (the connection stands, but what it was asked to reach —
    a MySQL port, a socket, a command — could not be opened).
    ``host_key`` is the :class:`HostKeyError` when the host key was the cause."""

    def __init__(
        self, where: str, cause: str, *, stage: str = "connect", host_key: HostKeyError | None = None
    ):
        self.where = where
        self.cause = cause
        self.stage = stage
        self.host_key = host_key
        super().__init__(str(host_key) if host_key is not None else f"ssh {where}: {cause}")


def describe_failure(exc: BaseException, timeout: float | None = None) -> str:
    """A few words for an asyncssh / socket failure (no traceback, no class names
    a sysadmin would not know)."""
    if isinstance(exc, asyncssh.PermissionDenied):
        return "authentication refused (no key or agent identity was accepted)"
    if isinstance(exc, asyncssh.ChannelOpenError):
        return exc.reason or "refused by the SSH server"
    if isinstance(exc, asyncssh.DisconnectError):
        return f"disconnected: {exc.reason}" if exc.reason else "disconnected"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror or exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is sshd running there?)"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or exc.__class__.__name__
    return str(exc) or exc.__class__.__name__


@dataclass(frozen=True)
class SshForward:
    """A unix socket on this machine (``path``) whose connections the hub
    carries to ``dest`` (``127.0.0.1:3306`` or ``socket /run/mysqld/mysqld.sock``)
    as seen from the SSH host ``where``; close it with :meth:`SshHub.close_forward`."""

    path: str
    dest: str
    where: str
    listener: Any = field(repr=False, compare=False)


class _Client(asyncssh.SSHClient):
    """Reports a host key the policy would not trust (asyncssh calls
    ``validate_host_public_key`` for a key its known_hosts lacks)."""

    def __init__(self, policy: HostKeyPolicy, known: asyncssh.SSHKnownHosts):
        self._policy = policy
        self._known = known
        self.rejection: Rejection | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        rejection = self._policy.decide(self._known, host, addr, None if port == 22 else port, key)
        self.rejection = rejection
        return rejection is None


def _config_hops(target: "SshTarget") -> tuple["JumpHop", ...]:
    """``ProxyJump`` for ``target``'s host in ``~/.ssh/config``, parsed like the
    config's ``ssh_jump``; ``()`` when there is none, it is ``none``, or the file
    cannot be read. Raises :class:`SshError` for a hop that cannot be parsed."""
    from asyncssh.config import SSHClientConfig

    from replui.config_ssh import parse_jump

    path = Path("~/.ssh/config").expanduser()
    if not path.is_file():
        return ()
    try:
        cfg = SSHClientConfig.load(
            None,
            [str(path)],
            False,
            False,
            False,
            getpass.getuser(),
            target.user or (),
            target.host,
            target.port or (),
        )
        value = cfg.get("ProxyJump")
    except Exception:  # noqa: BLE001 - an unreadable config: asyncssh reports it on connect
        return ()
    if not isinstance(value, str) or not value or value.lower() == "none":
        return ()
    try:
        return parse_jump(value)
    except ValueError as exc:
        raise SshError(target.label, f"ProxyJump in {path}: {exc}") from None


class SshHub:
    """Every SSH connection of this process, on one background event loop.

    ``policy`` decides host keys (default: :class:`HostKeyPolicy` with nothing
    accepted). Thread-safe. :meth:`close` closes every connection and stops
    the loop; the hub starts again on next use.
    """

    def __init__(self, policy: HostKeyPolicy | None = None, connect_timeout: float = CONNECT_TIMEOUT):
        self.policy = policy if policy is not None else HostKeyPolicy()
        self.connect_timeout = connect_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._conns: dict[Any, asyncssh.SSHClientConnection] = {}
        self._locks: dict[Any, asyncio.Lock] = {}
        self._ciphers = _cipher_preference()
        self._bridges: set[asyncio.Future[None]] = set()
        self._forwards: set[Any] = set()
        self._pending: set[concurrent.futures.Future[Any]] = set()

    # -- the loop -------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The hub's event loop (started on first use)."""
        with self._start_lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=run, name="replui-ssh", daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
                self._conns, self._locks = {}, {}
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on the hub's loop; a concurrent future of its result
        (kept referenced until done, so a fire-and-forget call still runs)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the hub's loop and wait (blocking) for its result:
        for threads (PyMySQL polls), never for the hub's own loop. Raises what
        ``coro`` raises, or ``TimeoutError`` after ``timeout`` seconds (the
        coroutine is then cancelled)."""
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout:g} s") from None

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the hub's loop from any event loop (directly when
        already on it). Cancelling the caller cancels ``coro``."""
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    def call_soon(self, fn: Any, *args: Any) -> None:
        """Call ``fn(*args)`` on the hub's loop, in order with other calls."""
        self.loop.call_soon_threadsafe(fn, *args)

    # -- connections ----------------------------------------------------------------

    async def connection(self, target: "SshTarget") -> asyncssh.SSHClientConnection:
        """The open connection to ``target`` (on the hub's loop), made — with its
        jump hops — when there is none or it was closed. Raises :class:`SshError`."""
        from replui.config import JumpHop

        tunnel: asyncssh.SSHClientConnection | None = None
        chain: tuple[Any, ...] = ()
        for hop in target.jump or _config_hops(target):
            chain = (*chain, (hop, target.identity, target.known_hosts))
            tunnel = await self._connect(chain, hop, target, tunnel)
        return await self._connect(
            (*chain, target.key), JumpHop(target.host, target.port, target.user), target, tunnel
        )

    async def _connect(
        self,
        key: Any,
        hop: "JumpHop",
        target: "SshTarget",
        tunnel: asyncssh.SSHClientConnection | None,
    ) -> asyncssh.SSHClientConnection:
        """The open connection to ``hop`` (a jump host, or the target itself) over
        ``tunnel``, cached under ``key``; ``target`` gives the key file and known_hosts."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            conn = self._conns.get(key)
            if conn is not None and not conn.is_closed():
                return conn
            host, port, user, where = hop.host, hop.port, hop.user, str(hop)
            files = (
                [target.known_hosts] if target.known_hosts else [str(Path("~/.ssh/known_hosts").expanduser())]
            )
            known = self.policy.known_hosts(files)
            client = _Client(self.policy, known)
            options: dict[str, Any] = dict(
                known_hosts=known,
                client_factory=lambda: client,
                tunnel=tunnel,
                connect_timeout=self.connect_timeout,
                keepalive_interval=KEEPALIVE_INTERVAL,
                keepalive_count_max=KEEPALIVE_COUNT_MAX,
                encryption_algs=self._ciphers,
            )
            if port:
                options["port"] = port
            if user:
                options["username"] = user
            if target.identity:
                options["client_keys"] = [target.identity]
            try:
                conn = await asyncio.wait_for(asyncssh.connect(host, **options), self.connect_timeout + 1)
            except asyncssh.HostKeyNotVerifiable as exc:
                if client.rejection is not None:
                    err = client.rejection.error()
                    raise SshError(where, str(err), host_key=err) from None
                raise SshError(where, f"host key not trusted ({exc.reason})") from None
            except (OSError, asyncssh.Error, asyncio.TimeoutError, ValueError) as exc:
                raise SshError(where, describe_failure(exc, self.connect_timeout)) from None
            self._conns[key] = conn
            return conn

    async def drop(self, target: "SshTarget") -> None:
        """Close the connection to ``target`` (not its hops), e.g. after it hung."""
        for key in [k for k in self._conns if k and k[-1] == target.key]:
            self._conns.pop(key).abort()

    # -- MySQL through SSH --------------------------------------------------------------

    def mysql_socket(
        self,
        target: "SshTarget",
        *,
        host: str,
        port: int,
        path: str | None = None,
        timeout: float = CONNECT_TIMEOUT,
    ) -> socket.socket:
        """A connected socket to the MySQL server at ``host``:``port`` — or the
        unix socket ``path`` — as seen from ``target``'s host, carried by a
        direct-tcpip (or streamlocal) channel of the shared connection. Blocking,
        for threads. The socket is one end of a socketpair; the hub relays
        between the other end and the channel until either side closes.
        Raises :class:`SshError` (``stage="channel"`` when the SSH connection
        stands but the server's address refused) within about ``timeout`` s."""
        where = target.label
        try:
            return self.run(
                self._mysql_socket(target, host, port, path, timeout), timeout + self.connect_timeout
            )
        except SshError:
            raise
        except TimeoutError:
            self.submit(self.drop(target))  # a hung connection is not reused
            raise SshError(where, f"no answer within {timeout + self.connect_timeout:g} s") from None

    async def _mysql_socket(
        self, target: "SshTarget", host: str, port: int, path: str | None, timeout: float
    ) -> socket.socket:
        conn = await self.connection(target)
        dest = f"socket {path}" if path else f"{host}:{port}"
        try:
            if path:
                opening: Awaitable[Any] = conn.open_unix_connection(path)
            else:
                opening = conn.open_connection(host, port)
            chan_reader, chan_writer = await asyncio.wait_for(opening, timeout)
        except (asyncssh.Error, OSError, asyncio.TimeoutError) as exc:
            raise SshError(
                target.label, f"{dest}: {describe_failure(exc, timeout)}", stage="channel"
            ) from None
        mine, theirs = socket.socketpair()
        mine.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=mine)
        task = asyncio.ensure_future(_bridge(reader, writer, chan_reader, chan_writer))
        self._bridges.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._bridges.discard)
        return theirs

    # -- a MySQL server forwarded to a local unix socket ------------------------------------

    async def forward_mysql(
        self, target: "SshTarget", listen_path: str, *, host: str, port: int, path: str | None = None
    ) -> SshForward:
        """Listen on the unix socket ``listen_path`` here (its directory should
        be private: mode 0700) and carry every connection to it over the shared
        connection to ``target`` — to ``host``:``port``, or the unix socket
        ``path``, as seen from ``target``'s host (asyncssh
        ``forward_local_path_to_port`` / ``forward_local_path``: direct-tcpip and
        streamlocal channels, like :meth:`mysql_socket`). Awaitable from any
        event loop. Raises :class:`SshError` (``stage="channel"`` when the
        connection stands but the listener cannot be made)."""
        return await self.call(self._forward_mysql(target, listen_path, host, port, path))

    async def _forward_mysql(
        self, target: "SshTarget", listen_path: str, host: str, port: int, path: str | None
    ) -> SshForward:
        conn = await self.connection(target)
        dest = f"socket {path}" if path else f"{host}:{port}"
        try:
            if path:
                listener = await conn.forward_local_path(listen_path, path)
            else:
                listener = await conn.forward_local_path_to_port(listen_path, host, port)
        except (asyncssh.Error, OSError) as exc:
            raise SshError(
                target.label,
                f"cannot forward {listen_path} to {dest}: {describe_failure(exc)}",
                stage="channel",
            ) from None
        self._forwards.add(listener)
        return SshForward(listen_path, dest, target.label, listener)

    async def close_forward(self, forward: SshForward) -> None:
        """Stop listening on ``forward.path`` and remove the socket file
        (connections already open end with their tools). Never raises."""

        async def shut() -> None:
            self._forwards.discard(forward.listener)
            with contextlib.suppress(Exception):
                forward.listener.close()
                await asyncio.wait_for(forward.listener.wait_closed(), 5)

        with contextlib.suppress(Exception):
            await self.call(shut())
        with contextlib.suppress(OSError):
            os.unlink(forward.path)

    # -- shutdown -----------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection and stop the loop (waits up to 5 s)."""
        with self._start_lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None or not thread.is_alive():
            return
        conns, self._conns = list(self._conns.values()), {}
        bridges, self._bridges = list(self._bridges), set()
        forwards, self._forwards = list(self._forwards), set()

        async def shut() -> None:
            for f in forwards:
                with contextlib.suppress(Exception):
                    f.close()
            for b in bridges:
                b.cancel()
            await asyncio.gather(*bridges, return_exceptions=True)
            for c in reversed(conns):
                c.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(*(c.wait_closed() for c in conns)), 3)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shut(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        if not thread.is_alive():
            loop.close()


async def _bridge(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    chan_reader: Any,
    chan_writer: Any,
) -> None:
    """Copy bytes both ways between a local socket and an SSH channel until
    either side ends; then close both."""

    async def pump(src: Any, dst: Any) -> None:
        try:
            while True:
                data = await src.read(BRIDGE_CHUNK)
                if not data:
                    break
                dst.write(data)
                await dst.drain()
        except Exception:  # noqa: BLE001 - either side gone: the other is closed below
            pass
        finally:
            with contextlib.suppress(Exception):
                dst.write_eof()

    try:
        await asyncio.gather(pump(reader, chan_writer), pump(chan_reader, writer))
    finally:
        with contextlib.suppress(Exception):
            chan_writer.close()
        with contextlib.suppress(Exception):
            writer.close()


_HUB: SshHub | None = None
_HUB_LOCK = threading.Lock()


def hub() -> SshHub:
    """The process's :class:`SshHub` (made on first use)."""
    global _HUB
    with _HUB_LOCK:
        if _HUB is None:
            _HUB = SshHub()
        return _HUB


def close_hub() -> None:
    """Close the process's hub, if any (every SSH connection ends)."""
    global _HUB
    with _HUB_LOCK:
        current, _HUB = _HUB, None
    if current is not None:
        current.close()
