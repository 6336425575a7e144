"""One PyMySQL connection per configured node, with clean errors.

:class:`NodeClient` opens its connection lazily on the first call, keeps it
open between polls, and drops it after any connection-level failure so the
next call reconnects. Every PyMySQL/socket error becomes a :class:`NodeError`
with the server or client ``errno`` (e.g. 2003) and a one-line message — never
a traceback.

Credentials never travel on a command line: the password comes from
:meth:`NodeConfig.resolve_password` (config, environment or command) and goes
over the protocol; when neither user nor password is configured, PyMySQL reads
``[client]`` from ``node.defaults_file`` or ``~/.my.cnf`` (``read_default_file``).
"""

from __future__ import annotations

import os
import socket
from typing import Any

import pymysql
import pymysql.converters
import pymysql.cursors
import pymysql.err

from replui.config import ConfigError, NodeConfig

#: Client errnos that mean the connection is gone (CR_* codes, 2000-2999)
#: besides PyMySQL's OperationalError/InterfaceError classes.
_CLIENT_ERRNO_MIN, _CLIENT_ERRNO_MAX = 2000, 2999


class NodeError(Exception):
    """A failure talking to one node.

    ``errno`` is the MySQL server or client error number (1045 access denied,
    2003 can't connect, 2013 lost connection, 1064 parse error…) or None when
    there is none (e.g. a password command failed). ``message`` is one line
    of text, prefixed with the errno when there is one, e.g.
    ``"2003: Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"``.
    ``connection_lost`` says whether the connection was dropped by this error.
    """

    def __init__(self, errno: int | None, message: str, *, connection_lost: bool = False):
        text = " ".join(str(message).split())
        if errno is not None and not text.startswith(f"{errno}:"):
            text = f"{errno}: {text}" if text else str(errno)
        self.errno = errno
        self.message = text or "unknown error"
        self.connection_lost = connection_lost
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def _wrap(exc: BaseException) -> NodeError:
    """PyMySQL / socket / config exception -> NodeError (one line, errno)."""
    if isinstance(exc, NodeError):
        return exc
    if isinstance(exc, ConfigError):
        return NodeError(None, str(exc))
    if isinstance(exc, pymysql.err.MySQLError):
        args = exc.args
        errno = args[0] if args and isinstance(args[0], int) else None
        msg = str(args[1]) if len(args) > 1 else (str(args[0]) if args and errno is None else "")
        if errno == 0:  # PyMySQL's InterfaceError(0, '') for a closed connection
            errno = None
            msg = msg or "connection is closed"
        lost = isinstance(exc, (pymysql.err.OperationalError, pymysql.err.InterfaceError)) and (
            errno is None or _CLIENT_ERRNO_MIN <= errno <= _CLIENT_ERRNO_MAX
        )
        return NodeError(errno, msg or exc.__class__.__name__, connection_lost=lost)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return NodeError(None, f"timed out: {exc}" if str(exc) else "timed out", connection_lost=True)
    if isinstance(exc, OSError):
        return NodeError(None, f"{exc.strerror or exc}", connection_lost=True)
    return NodeError(None, f"{exc.__class__.__name__}: {exc}", connection_lost=True)


class NodeClient:
    """A lazily opened, self-healing PyMySQL connection to ``node``.

    Not thread-safe: use one client per thread at a time (the Monitor holds a
    per-node lock). ``cache`` is a dict the status collector uses for facts
    about the current server (its :class:`~replui.mysql.dialect.Dialect`); it
    is cleared whenever the connection is (re)opened, since a restart may
    bring a different server version.
    """

    def __init__(self, node: NodeConfig):
        self.node = node
        self._conn: pymysql.connections.Connection | None = None
        self.cache: dict[str, Any] = {}

    # -- connection ---------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a connection is open (it may still turn out dead)."""
        return self._conn is not None and bool(self._conn.open)

    def _connect_kwargs(self) -> dict[str, Any]:
        node = self.node
        try:
            password = node.resolve_password()
        except ConfigError as exc:
            raise NodeError(None, str(exc)) from None
        kw: dict[str, Any] = dict(
            host=node.host,
            port=node.port,
            connect_timeout=node.connect_timeout,
            read_timeout=node.read_timeout,
            write_timeout=node.read_timeout,
            autocommit=True,
            charset="utf8mb4",
            cursorclass=pymysql.cursors.DictCursor,
            defer_connect=True,
            program_name="replui",
        )
        if node.user is not None:
            kw["user"] = node.user
        if password is not None:
            kw["password"] = password
        if node.socket:
            kw["unix_socket"] = node.socket
        if node.defaults_file:
            kw["read_default_file"] = os.path.expanduser(node.defaults_file)
        elif password is None and node.user is None:
            mycnf = os.path.expanduser("~/.my.cnf")
            if os.path.isfile(mycnf):
                kw["read_default_file"] = mycnf
        if node.ssl or node.ssl_ca or node.ssl_cert or node.ssl_key:
            if node.ssl_ca:
                kw["ssl_ca"] = node.ssl_ca
            if node.ssl_cert:
                kw["ssl_cert"] = node.ssl_cert
            if node.ssl_key:
                kw["ssl_key"] = node.ssl_key
            kw["ssl_verify_cert"] = bool(node.ssl_verify_server_cert)
            kw["ssl_verify_identity"] = bool(node.ssl_verify_server_cert)
            if not (node.ssl_ca or node.ssl_cert or node.ssl_key or node.ssl_verify_server_cert):
                kw["ssl"] = {"verify_mode": False, "check_hostname": False}  # TLS required, unverified
        return kw

    def _ensure(self) -> pymysql.connections.Connection:
        if self._conn is not None and self._conn.open:
            return self._conn
        self._drop()
        kw = self._connect_kwargs()
        try:
            conn = pymysql.connect(**kw)
            # An option file may name a socket or database: the node's own
            # address and no default database win (we never want ~/.my.cnf's
            # socket used for a remote host).
            conn.unix_socket = self.node.socket or None
            conn.host = self.node.host
            conn.port = self.node.port
            conn.db = None
            conn.connect()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a NodeError
            raise _wrap(exc) from None
        self._conn = conn
        self.cache.clear()
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass

    def close(self) -> None:
        """Close the connection (if open). The next call reconnects."""
        self._drop()

    def _fail(self, exc: BaseException) -> NodeError:
        err = _wrap(exc)
        if err.connection_lost:
            self._drop()
        return err

    # -- queries --------------------------------------------------------------------

    def query(self, sql: str, args: Any = None) -> list[dict[str, Any]]:
        """Run ``sql`` and return all rows as dicts keyed by column name.

        ``args`` are PyMySQL client-side parameters (escaped with the
        connection's charset). Raises :class:`NodeError`.
        """
        conn = self._ensure()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return list(cur.fetchall() or [])
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from None

    def execute(self, sql: str, args: Any = None) -> int:
        """Run a statement; return the number of rows affected. Raises NodeError."""
        conn = self._ensure()
        try:
            with conn.cursor() as cur:
                return int(cur.execute(sql, args) or 0)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from None

    def scalar(self, sql: str, args: Any = None) -> Any:
        """The first column of the first row of ``sql``, or None for no rows."""
        rows = self.query(sql, args)
        if not rows:
            return None
        return next(iter(rows[0].values()), None)

    def literal(self, value: Any) -> str:
        """``value`` as an SQL literal (strings quoted and escaped).

        Uses the live connection's escaper (``Connection.escape``, which
        ``literal()`` aliases; it honours ``NO_BACKSLASH_ESCAPES``); without a connection, falls back to
        :func:`pymysql.converters.escape_item` (``'...'`` with backslash
        escapes). Never opens a connection.
        """
        conn = self._conn
        if conn is not None and conn.open:
            try:
                return conn.escape(value)  # literal()'s non-deprecated name in PyMySQL 2.2
            except Exception:  # noqa: BLE001 - fall back to the offline escaper
                pass
        if isinstance(value, str):
            return "'" + pymysql.converters.escape_string(value) + "'"
        return pymysql.converters.escape_item(value, "utf8mb4")

    def __enter__(self) -> "NodeClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NodeClient({self.node.name!r}, {self.node.address}, connected={self.connected})"
