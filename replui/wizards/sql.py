"""Replication statements for one server's dialect, with every literal escaped.

The wizards build their SQL here, never by hand: :class:`Syntax` says which
spelling a server understands (from its :class:`~replui.model.NodeStatus`
``flavor`` and ``version``, read by :func:`replui.mysql.dialect.parse_version`;
the collector's :class:`~replui.mysql.dialect.Dialect` decides how to *read*
status, this decides how to *change* replication), and each builder returns a :class:`Statement`
holding the text to run and the text to show (passwords as ``'***'``).

Spellings (MySQL 8.4 manual "CHANGE REPLICATION
SOURCE TO", MariaDB KB "CHANGE MASTER TO"):

* MariaDB (all versions): ``CHANGE MASTER TO MASTER_…``, ``START/STOP/RESET
  SLAVE``, ``SHOW SLAVE STATUS``, ``SHOW MASTER STATUS``, ``MASTER_USE_GTID``.
* MySQL before 8.0.22: the same classic names (no ``MASTER_USE_GTID``;
  ``MASTER_AUTO_POSITION`` instead).
* MySQL 8.0.22+: ``START/STOP/RESET REPLICA``, ``SHOW REPLICA STATUS``;
  8.0.23+: ``CHANGE REPLICATION SOURCE TO SOURCE_…``; 8.2+: ``SHOW BINARY
  LOG STATUS``.

Literals cannot be bound as server-side parameters in ``CHANGE MASTER``, so
they are escaped on the client: with ``literal`` (a
:meth:`replui.mysql.client.NodeClient.literal`, which honours
``NO_BACKSLASH_ESCAPES``) or, offline, :func:`pymysql.converters.escape_string`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pymysql.converters

from replui.model import Flavor, NodeStatus
from replui.mysql.dialect import parse_version

Literal = Callable[[Any], str]
MASK = "'***'"


def offline_literal(value: Any) -> str:
    """``value`` as an SQL literal without a connection: strings quoted and
    escaped by :func:`pymysql.converters.escape_string` (backslash escapes),
    ints as digits. Raises TypeError for other types."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + pymysql.converters.escape_string(value) + "'"
    raise TypeError(f"cannot make an SQL literal of {type(value).__name__}")


@dataclass(frozen=True)
class Statement:
    """One SQL statement: ``sql`` to execute, ``shown`` for previews and
    transcripts (identical except that passwords read ``'***'``)."""

    sql: str
    shown: str

    @classmethod
    def plain(cls, sql: str) -> "Statement":
        return cls(sql, sql)


@dataclass(frozen=True)
class Syntax:
    """Which statement spellings a server takes.

    ``flavor`` is ``"mariadb"`` or ``"mysql"``; ``version`` ``(major, minor,
    patch)``. Unknown version on MySQL means the newest syntax is *not*
    assumed (classic names work up to 8.3)."""

    flavor: str = "mariadb"
    version: tuple[int, int, int] = (10, 11, 0)

    @classmethod
    def of(cls, status: NodeStatus | None) -> "Syntax":
        """The syntax of the server ``status`` describes (MariaDB when unknown)."""
        if status is None or status.flavor is None:
            return cls()
        flavor = status.flavor.value if isinstance(status.flavor, Flavor) else str(status.flavor)
        try:
            version = parse_version(status.version or "")
        except ValueError:
            version = (0, 0, 0)
        return cls(flavor, version)

    @property
    def mariadb(self) -> bool:
        return self.flavor == "mariadb"

    @property
    def replica_words(self) -> bool:
        """``START/STOP/RESET REPLICA`` and ``SHOW REPLICA STATUS`` (MySQL 8.0.22+)."""
        return not self.mariadb and self.version >= (8, 0, 22)

    @property
    def source_words(self) -> bool:
        """``CHANGE REPLICATION SOURCE TO SOURCE_…`` (MySQL 8.0.23+)."""
        return not self.mariadb and self.version >= (8, 0, 23)

    @property
    def has_server_uuid(self) -> bool:
        return not self.mariadb

    @property
    def label(self) -> str:
        return f"{'MariaDB' if self.mariadb else 'MySQL'} {'.'.join(map(str, self.version))}"


def stop_replica(sx: Syntax) -> Statement:
    return Statement.plain("STOP REPLICA" if sx.replica_words else "STOP SLAVE")


def start_replica(sx: Syntax) -> Statement:
    return Statement.plain("START REPLICA" if sx.replica_words else "START SLAVE")


def reset_replica(sx: Syntax, *, all: bool = False) -> Statement:  # noqa: A002 - the SQL keyword
    word = "REPLICA" if sx.replica_words else "SLAVE"
    return Statement.plain(f"RESET {word}{' ALL' if all else ''}")


def show_replica_status(sx: Syntax) -> Statement:
    return Statement.plain("SHOW REPLICA STATUS" if sx.replica_words else "SHOW SLAVE STATUS")


def show_source_status(sx: Syntax) -> Statement:
    """``SHOW MASTER STATUS`` (``SHOW BINARY LOG STATUS`` on MySQL 8.2+)."""
    return Statement.plain("SHOW BINARY LOG STATUS" if not sx.mariadb and sx.version >= (8, 2, 0) else "SHOW MASTER STATUS")


def change_source(
    sx: Syntax,
    *,
    host: str | None = None,
    port: int | None = None,
    user: str | None = None,
    password: str | None = None,
    log_file: str | None = None,
    log_pos: int | None = None,
    use_gtid: str | None = None,
    auto_position: bool | None = None,
    connect_retry: int | None = None,
    get_public_key: bool = False,
    literal: Literal = offline_literal,
) -> Statement:
    """``CHANGE MASTER TO …`` / ``CHANGE REPLICATION SOURCE TO …`` setting only
    the options given (the server keeps the others — MySQL and MariaDB
    manuals). ``port``/``log_pos`` are ints (byte offset for ``log_pos``);
    ``use_gtid`` is MariaDB's ``slave_pos``/``current_pos``/``no``;
    ``auto_position`` MySQL's ``MASTER_AUTO_POSITION``. Every string goes
    through ``literal``; the shown text has the password as ``'***'``.

    Raises ValueError when no option is given, a number is negative, or
    ``use_gtid`` is not one of the three words.
    """
    p = "SOURCE_" if sx.source_words else "MASTER_"
    parts: list[tuple[str, str, str]] = []  # (name, value, shown value)

    def add(name: str, value: str, shown: str | None = None) -> None:
        parts.append((p + name, value, value if shown is None else shown))

    def num(name: str, v: int) -> None:
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{p}{name} must be a non-negative integer, got {v!r}")
        add(name, str(v))

    if host is not None:
        add("HOST", literal(str(host)))
    if port is not None:
        num("PORT", port)
    if user is not None:
        add("USER", literal(str(user)))
    if password is not None:
        add("PASSWORD", literal(str(password)), MASK)
    if log_file is not None:
        add("LOG_FILE", literal(str(log_file)))
    if log_pos is not None:
        num("LOG_POS", log_pos)
    if connect_retry is not None:
        num("CONNECT_RETRY", connect_retry)
    if use_gtid is not None:
        if not sx.mariadb:
            raise ValueError("MASTER_USE_GTID exists on MariaDB only")
        if use_gtid.lower() not in ("slave_pos", "current_pos", "no"):
            raise ValueError(f"MASTER_USE_GTID must be slave_pos, current_pos or no, got {use_gtid!r}")
        parts.append(("MASTER_USE_GTID", use_gtid.lower(), use_gtid.lower()))
    if auto_position is not None:
        if sx.mariadb:
            raise ValueError("MASTER_AUTO_POSITION exists on MySQL only (MariaDB uses MASTER_USE_GTID)")
        add("AUTO_POSITION", "1" if auto_position else "0")
    if get_public_key and not sx.mariadb and sx.version >= (8, 0, 0):
        parts.append(("GET_SOURCE_PUBLIC_KEY" if sx.source_words else "GET_MASTER_PUBLIC_KEY", "1", "1"))
    if not parts:
        raise ValueError("CHANGE MASTER needs at least one option")
    head = "CHANGE REPLICATION SOURCE TO " if sx.source_words else "CHANGE MASTER TO "
    return Statement(head + ", ".join(f"{n}={v}" for n, v, _ in parts), head + ", ".join(f"{n}={s}" for n, _, s in parts))


def create_replication_user(sx: Syntax, user: str, host: str, password: str, *, literal: Literal = offline_literal,
                            set_password: bool = False) -> list[Statement]:
    """``CREATE USER IF NOT EXISTS`` + ``GRANT REPLICATION SLAVE`` (least
    privilege for a replica's IO thread, as in 'MySQL Replication and Caucus'
    and 'Fail over MySQL and Rails'). An account that already exists keeps
    its password — other replicas may log in with it —
    unless ``set_password`` (an account only this replica uses) adds ``ALTER
    USER … IDENTIFIED BY``. MySQL 8 gets ``caching_sha2_password`` by
    default; its replicas then need ``GET_SOURCE_PUBLIC_KEY=1`` or TLS
    (MySQL manual: "CHANGE REPLICATION SOURCE TO Statement")."""
    acct = f"{literal(user)}@{literal(host)}"
    create = f"CREATE USER IF NOT EXISTS {acct} IDENTIFIED BY "
    out = [Statement(create + literal(password), create + MASK)]
    if set_password:
        out.append(Statement(f"ALTER USER {acct} IDENTIFIED BY {literal(password)}", f"ALTER USER {acct} IDENTIFIED BY {MASK}"))
    out.append(Statement.plain(f"GRANT REPLICATION SLAVE ON *.* TO {acct}"))
    return out


def quote_ident(name: str) -> str:
    """``name`` as a back-quoted identifier (embedded back-quotes doubled)."""
    return "`" + name.replace("`", "``") + "`"


def mask(text: str, secrets: "list[str] | tuple[str, ...] | set[str]") -> str:
    """``text`` with every occurrence of each non-empty secret (and its
    SQL-escaped form) replaced by ``***``. For transcripts and errors."""
    for s in sorted({x for x in secrets if x}, key=len, reverse=True):
        for form in {s, pymysql.converters.escape_string(s)}:
            text = text.replace(form, "***")
    return text
