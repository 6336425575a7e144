"""Replication statements for one server's dialect, with every literal escaped.

The wizards build their SQL here, never by hand. Each builder takes the
server's :class:`~replui.mysql.dialect.Dialect` — the same object that decides
how the collector *reads* status decides the words used to *change*
replication (``Dialect.of(status)`` from a :class:`~replui.model.NodeStatus`;
the version thresholds, with their manual references, are the one table
:data:`replui.mysql.dialect.THRESHOLDS`) — and returns a :class:`Statement`
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

from replui.mysql.dialect import Dialect

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


def stop_replica(dl: Dialect) -> Statement:
    return Statement.plain(f"STOP {dl.replica_word}")


def start_replica(dl: Dialect) -> Statement:
    return Statement.plain(f"START {dl.replica_word}")


def reset_replica(dl: Dialect, *, all: bool = False) -> Statement:  # noqa: A002 - the SQL keyword
    return Statement.plain(f"RESET {dl.replica_word}{' ALL' if all else ''}")


def show_replica_status(dl: Dialect) -> Statement:
    """``SHOW SLAVE STATUS`` (``SHOW REPLICA STATUS`` on MySQL 8.0.22+)."""
    return Statement.plain(dl.show_replica_status_sql)


def show_source_status(dl: Dialect) -> Statement:
    """``SHOW MASTER STATUS`` (``SHOW BINARY LOG STATUS`` on MySQL 8.2+)."""
    return Statement.plain(dl.show_source_status_sql)


def change_source(
    dl: Dialect,
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
    p = dl.source_prefix
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
        if not dl.is_mariadb:
            raise ValueError("MASTER_USE_GTID exists on MariaDB only")
        if use_gtid.lower() not in ("slave_pos", "current_pos", "no"):
            raise ValueError(f"MASTER_USE_GTID must be slave_pos, current_pos or no, got {use_gtid!r}")
        parts.append((dl.gtid_option, use_gtid.lower(), use_gtid.lower()))
    if auto_position is not None:
        if dl.is_mariadb:
            raise ValueError("MASTER_AUTO_POSITION exists on MySQL only (MariaDB uses MASTER_USE_GTID)")
        parts.append((dl.gtid_option, "1" if auto_position else "0", "1" if auto_position else "0"))
    if get_public_key and dl.public_key_option is not None:
        parts.append((dl.public_key_option, "1", "1"))
    if not parts:
        raise ValueError("CHANGE MASTER needs at least one option")
    head = dl.change_source_head + " "
    return Statement(
        head + ", ".join(f"{n}={v}" for n, v, _ in parts), head + ", ".join(f"{n}={s}" for n, _, s in parts)
    )


def create_replication_user(
    dl: Dialect,
    user: str,
    host: str,
    password: str,
    *,
    literal: Literal = offline_literal,
    set_password: bool = False,
) -> list[Statement]:
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
        out.append(
            Statement(
                f"ALTER USER {acct} IDENTIFIED BY {literal(password)}",
                f"ALTER USER {acct} IDENTIFIED BY {MASK}",
            )
        )
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
