"""One PyMySQL connection per configured node, with clean errors.

:class:`NodeClient` opens its connection lazily on the first call, keeps it
open between polls, and drops it after any connection-level failure so the
next call reconnects. Every PyMySQL/socket error becomes a :class:`NodeError`
with the server or client ``errno`` (e.g. 2003) and a one-line message — never
a traceback.

Credentials never travel on a command line: the password comes from
:meth:`NodeConfig.resolve_password` (config, environment or command; resolved
once per client, again after an access-denied 1045) and goes over the protocol
as UTF-8 bytes — what the ``mariadb``/``mysql`` clients send for a password
typed in a UTF-8 terminal or option file (PyMySQL would encode a ``str``
password as latin-1: ``ä`` then fails with 1045 and ``€`` cannot be sent at
all). When neither user nor password is configured, PyMySQL reads ``[client]``
from ``node.defaults_file`` or ``~/.my.cnf`` (``read_default_file``); its
password is read here as UTF-8 too.

A client may be bound to a confirmed server (:meth:`NodeClient.bind_identity`):
every connection it opens from then on is checked against that identity
(``@@global.server_id``, ``@@global.hostname``, ``@@global.port``, MySQL's
``@@global.server_uuid``) before anything runs on it.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any, Mapping

import pymysql
import pymysql.converters
import pymysql.cursors
import pymysql.err

from replui.config import ConfigError, MysqlVia, NodeConfig
from replui.model import UnknownHostKey

if TYPE_CHECKING:
    from typing import TypeAlias

    #: A connection opened with ``cursorclass=DictCursor``: rows are dicts keyed by column name.
    DictConnection: TypeAlias = pymysql.connections.Connection[pymysql.cursors.DictCursor]

#: Client errnos that mean the connection is gone (CR_* codes, 2000-2999)
#: besides PyMySQL's OperationalError/InterfaceError classes.
_CLIENT_ERRNO_MIN, _CLIENT_ERRNO_MAX = 2000, 2999
ER_ACCESS_DENIED = 1045
ER_UNKNOWN_SYSTEM_VARIABLE = 1193
#: The identity keys :meth:`NodeClient.bind_identity` compares, in message order.
IDENTITY_KEYS = ("server_id", "server_uuid", "hostname", "port")
_NO_UUID_KEY = "identity_without_server_uuid"


class NodeError(Exception):
    """A failure talking to one node.

    ``errno`` is the MySQL server or client error number (1045 access denied,
    2003 can't connect, 2013 lost connection, 1064 parse error…) or None when
    there is none (e.g. a password command failed). ``message`` is one line
    of text, prefixed with the errno when there is one, e.g.
    ``"2003: Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"``.
    ``connection_lost`` says whether the connection was dropped by this error.
    ``unknown_host_key`` is set when an SSH host offered a key not yet known.
    """

    def __init__(
        self,
        errno: int | None,
        message: str,
        *,
        connection_lost: bool = False,
        unknown_host_key: UnknownHostKey | None = None,
    ):
        self.unknown_host_key = unknown_host_key
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


def _close_quietly(conn: DictConnection) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - already broken
        pass


def _option_file_password(path: str) -> str | None:
    """The ``[client]`` password of the option file at ``path`` read as UTF-8
    (PyMySQL reads it in the locale's encoding and sends it as latin-1);
    None when there is none or the file cannot be parsed (PyMySQL decides)."""
    from pymysql.optionfile import Parser

    try:
        cfg = Parser()
        with open(path, encoding="utf-8") as fh:
            cfg.read_file(fh)
        return cfg.get("client", "password")
    except Exception:  # noqa: BLE001 - unreadable or no password: PyMySQL's own reading applies
        return None


def _norm_identity(key: str, value: object) -> object:
    """Identity values as compared: ints for ids and ports, lower-case uuids."""
    if value is None:
        return None
    if key in ("server_id", "port"):
        try:
            return int(value)  # type: ignore[call-overload]  # any server value: int() decides, TypeError is caught
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    return str(value).lower() if key == "server_uuid" else str(value)


def _read_identity(conn: DictConnection, *, with_uuid: bool) -> dict[str, object]:
    """One query of global values on ``conn`` (``@@global``: MariaDB's
    ``@@server_id`` has a session value that a SET GLOBAL does not change)."""
    base = "@@global.server_id AS server_id, @@global.hostname AS hostname, @@global.port AS port"
    with conn.cursor() as cur:
        if with_uuid:
            try:
                cur.execute(f"SELECT {base}, @@global.server_uuid AS server_uuid")
                row = dict(cur.fetchone() or {})
                return {k: _norm_identity(k, row.get(k)) for k in IDENTITY_KEYS}
            except pymysql.err.MySQLError as exc:
                if not (exc.args and exc.args[0] == ER_UNKNOWN_SYSTEM_VARIABLE):
                    raise
        cur.execute(f"SELECT {base}")  # MariaDB: no server_uuid (1193)
        row = dict(cur.fetchone() or {})
    row["server_uuid"] = None
    return {k: _norm_identity(k, row.get(k)) for k in IDENTITY_KEYS}


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
        self._conn: DictConnection | None = None
        self.cache: dict[str, Any] = {}
        self._password: str | None = None
        self._password_known = False
        self._expected: dict[str, object] | None = None
        #: How the open connection reached the server (:meth:`NodeConfig.route_label`; None before any).
        self.route: str | None = None

    # -- connection ---------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a connection is open (it may still turn out dead)."""
        return self._conn is not None and bool(self._conn.open)

    def resolve_password(self) -> str | None:
        """The node's password (see :meth:`NodeConfig.resolve_password`),
        resolved on the first call and remembered until the server refuses it
        (1045). Raises :class:`~replui.config.ConfigError` (file, line, key)."""
        if not self._password_known:
            self._password = self.node.resolve_password()
            self._password_known = True
        return self._password

    def _forget_password(self) -> None:
        self._password, self._password_known = None, False

    def _connect_kwargs(self) -> dict[str, Any]:
        node = self.node
        try:
            password = self.resolve_password()
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
        if node.socket:
            kw["unix_socket"] = node.socket
        if node.defaults_file:
            kw["read_default_file"] = os.path.expanduser(node.defaults_file)
        elif password is None and node.user is None:
            mycnf = os.path.expanduser("~/.my.cnf")
            if os.path.isfile(mycnf):
                kw["read_default_file"] = mycnf
        if password is None and "read_default_file" in kw:
            password = _option_file_password(kw["read_default_file"])
        if password:  # bytes: PyMySQL sends them as they are (a str would become latin-1)
            kw["password"] = password.encode("utf-8")
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

    def _ensure(self) -> DictConnection:
        if self._conn is not None and self._conn.open:
            return self._conn
        self._drop()
        kw = self._connect_kwargs()
        via = self.node.mysql_via
        if via is MysqlVia.SSH:
            conn = self._open(kw, ssh=True)
        elif via is MysqlVia.AUTO:
            try:
                conn = self._open(kw, ssh=False)
            except NodeError as direct:
                if not direct.connection_lost or direct.errno == ER_ACCESS_DENIED:
                    raise
                try:
                    conn = self._open(kw, ssh=True)
                except NodeError as exc:
                    raise NodeError(
                        exc.errno,
                        f"{exc.message} (direct: {direct.message})",
                        connection_lost=True,
                        unknown_host_key=exc.unknown_host_key,
                    ) from None
        else:
            conn = self._open(kw, ssh=False)
        if self._expected:
            self._check_identity(conn)
        self._conn = conn
        self.cache.clear()
        return conn

    def _open(self, kw: dict[str, Any], *, ssh: bool) -> DictConnection:
        """A new connection, directly or through the node's SSH host; sets
        :attr:`route`. Raises :class:`NodeError`."""
        node = self.node
        sock: socket.socket | None = None
        if ssh:
            sock = self._ssh_socket()
        try:
            conn: DictConnection = pymysql.connect(**kw)
            # An option file may name a socket or database: the node's own
            # address and no default database win (we never want ~/.my.cnf's
            # socket used for a remote host).
            conn.unix_socket = node.socket or None
            conn.host = node.host
            conn.port = node.port
            conn.db = None
            conn.connect(sock=sock)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a NodeError
            if sock is not None:
                sock.close()
            err = _wrap(exc)
            if err.errno == ER_ACCESS_DENIED:
                self._forget_password()  # a rotated password is fetched again next time
            if node.socket and err.errno in (2002, 2003) and node.socket not in err.message:
                detail = err.message.split(": ", 1)[-1]
                err = NodeError(
                    2002,
                    f"Can't connect to the server through socket '{node.socket}': {detail}",
                    connection_lost=True,
                )
            raise err from None
        self.route = node.route_label(ssh=ssh)
        return conn

    def _ssh_socket(self) -> socket.socket:
        """A socket to the server through the node's SSH host (the hub's shared
        connection). Raises :class:`NodeError`: 2002/2003 when SSH stands but
        the server's socket or port refused, errno None when SSH itself failed."""
        from replui.transport.hostkeys import HostKeyUnknown
        from replui.transport.sshhub import SshError, hub

        node = self.node
        target = node.ssh_target
        if target is None:  # MysqlVia.SSH always has a target; kept for the type checker
            raise NodeError(None, f"{node.name}: no SSH host configured", connection_lost=True)
        try:
            return hub().mysql_socket(
                target, host=node.host, port=node.port, path=node.socket, timeout=node.connect_timeout
            )
        except SshError as exc:
            if exc.stage == "channel":
                if node.socket:
                    message = f"Can't connect to the server through socket '{node.socket}' on {target.label}"
                    raise NodeError(2002, f"{message} ({exc.cause})", connection_lost=True) from None
                message = f"Can't connect to MySQL server on '{node.host}:{node.port}' via ssh {target.label}"
                raise NodeError(
                    2003, f"{message} ({exc.cause.split(': ', 1)[-1]})", connection_lost=True
                ) from None
            unknown = None
            if isinstance(exc.host_key, HostKeyUnknown):
                hk = exc.host_key
                unknown = UnknownHostKey(hk.host, hk.port, hk.fingerprint, hk.key_type)
            raise NodeError(None, str(exc), connection_lost=True, unknown_host_key=unknown) from None

    # -- identity -------------------------------------------------------------------

    def bind_identity(self, expected: Mapping[str, object] | None) -> None:
        """Bind this client to a confirmed server: ``expected`` has keys among
        ``server_id``, ``server_uuid``, ``hostname``, ``port`` (None values
        are ignored); None unbinds.

        From then on every connection the client opens (the first and every
        reconnect) reads the server's global identity before it is used; on
        any difference it is closed and :class:`NodeError` (errno None,
        ``connection_lost=True``) says what differs — nothing runs on it. The
        connection open now, if any, is not re-checked.
        """
        if expected is None:
            self._expected = None
            return
        unknown = set(expected) - set(IDENTITY_KEYS)
        if unknown:
            raise ValueError(
                f"unknown identity keys {sorted(unknown)} (expected some of {', '.join(IDENTITY_KEYS)})"
            )
        self._expected = {k: _norm_identity(k, v) for k, v in expected.items() if v is not None} or None

    def identity(self) -> dict[str, object]:
        """The server's global identity read on the current connection
        (opened if needed): ``{"server_id": int, "server_uuid": str | None
        (None on MariaDB, which has none), "hostname": str, "port": int}``.
        Raises :class:`NodeError`."""
        conn = self._ensure()
        try:
            ident = _read_identity(conn, with_uuid=not self.cache.get(_NO_UUID_KEY))
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from None
        if ident["server_uuid"] is None:
            self.cache[_NO_UUID_KEY] = True  # MariaDB: skip the failing column on this connection
        return ident

    def _check_identity(self, conn: DictConnection) -> None:
        expected = self._expected or {}
        try:
            actual = _read_identity(conn, with_uuid="server_uuid" in expected)
        except Exception as exc:  # noqa: BLE001 - the connection is not used either way
            _close_quietly(conn)
            err = _wrap(exc)
            raise NodeError(
                err.errno,
                f"{self.node.name}: could not confirm which server this connection "
                f"reached ({err.message}); nothing was run on it",
                connection_lost=True,
            ) from None
        diffs = [
            f"{k} {expected[k]} -> {actual.get(k)}"
            for k in IDENTITY_KEYS
            if k in expected and _norm_identity(k, actual.get(k)) != expected[k]
        ]
        if diffs:
            _close_quietly(conn)
            raise NodeError(
                None,
                f"{self.node.name}: this connection reached a different server than the "
                f"one confirmed ({', '.join(diffs)}); nothing was run on it",
                connection_lost=True,
            )

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            _close_quietly(conn)

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
