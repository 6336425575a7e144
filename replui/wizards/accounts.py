"""A MySQL/MariaDB account as one server has it — its host parts, plugin and
grants — read so that the same account can be created on another server,
with every name and literal escaped.

Facts come from the server's own tables: ``mysql.user`` (``User``, ``Host``,
``plugin``, ``authentication_string``) and ``information_schema``'s
``USER_PRIVILEGES``, ``SCHEMA_PRIVILEGES`` and ``TABLE_PRIVILEGES``, whose
``GRANTEE`` is ``'user'@'host'`` written without escaping (MariaDB KB and
MySQL manual, "INFORMATION_SCHEMA USER_PRIVILEGES Table"). Statements are
built here, never copied from ``SHOW GRANTS`` text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from replui.mysql.dialect import Dialect
from replui.wizards.context import StepContext
from replui.wizards.sql import MASK, Literal, Statement, quote_ident

#: A privilege name as information_schema gives it (``REPLICATION SLAVE``, ``XA_RECOVER_ADMIN``).
_PRIVILEGE = re.compile(r"[A-Z][A-Z0-9_ ]*")
_PLUGIN = re.compile(r"[A-Za-z0-9_]+")
#: ``FOR|TO 'user'@'host'`` (or back-quoted) in a replicated statement quoted by an error text.
_IN_ERROR = re.compile(
    r"\b(?:FOR|TO)\s+(?:'((?:[^'\\]|\\.|'')*)'|`((?:[^`]|``)*)`)@(?:'((?:[^'\\]|\\.|'')*)'|`((?:[^`]|``)*)`)",
    re.IGNORECASE,
)
_ESCAPES = {"0": "\x00", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "b": "\b"}


class AccountError(Exception):
    """An account that cannot be read or copied; ``str()`` names the node and the cause."""


@dataclass(frozen=True)
class Grant:
    """Privileges at one level: ``level`` is ``*.*``, ``db`` or ``db.table``
    as names (``schema``/``table``, "" for a wider level); ``privileges`` in
    the server's words; ``grantable`` when held WITH GRANT OPTION."""

    privileges: tuple[str, ...]
    schema: str = ""
    table: str = ""
    grantable: bool = False

    @property
    def on(self) -> str:
        """``*.*``, ```db`.*`` or ```db`.`t``` with the names back-quoted."""
        if not self.schema:
            return "*.*"
        return quote_ident(self.schema) + "." + (quote_ident(self.table) if self.table else "*")


@dataclass(frozen=True)
class Account:
    """``'user'@'host'`` on one server: its authentication ``plugin`` and
    ``auth`` (the stored hash: a secret, never shown) and its ``grants``
    (global first)."""

    user: str
    host: str
    plugin: str
    auth: str
    grants: tuple[Grant, ...]

    @property
    def grantee(self) -> str:
        """``'user'@'host'`` as information_schema's GRANTEE writes it (no escaping)."""
        return f"'{self.user}'@'{self.host}'"

    def shown(self, lit: Literal) -> str:
        """``'user'@'host'`` as literals (escaped)."""
        return f"{lit(self.user)}@{lit(self.host)}"


def native_hash(password: str) -> str:
    """The ``mysql_native_password`` hash of ``password``: ``*`` and the upper-case
    hex of SHA1(SHA1(password)), as ``authentication_string`` stores it."""
    return "*" + hashlib.sha1(hashlib.sha1(password.encode("utf-8")).digest()).hexdigest().upper()


def is_native(account: Account) -> bool:
    """Whether ``account`` stores a ``mysql_native_password`` hash (comparable with :func:`native_hash`)."""
    return (
        account.plugin in ("", "mysql_native_password") and len(account.auth) == 41 and account.auth[0] == "*"
    )


def _unquote(single: str | None, back: str | None) -> str:
    if back is not None:
        return back.replace("``", "`")
    text = (single or "").replace("''", "'")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def account_in_error(text: str) -> tuple[str, str] | None:
    """``(user, host)`` of the first ``FOR|TO 'user'@'host'`` in an error text
    that quotes the failed statement (``Last_SQL_Error`` of a 1133), with its
    escapes undone; None when it quotes none."""
    m = _IN_ERROR.search(text or "")
    if not m:
        return None
    return _unquote(m.group(1), m.group(2)), _unquote(m.group(3), m.group(4))


def _yes(value: object) -> bool:
    return str(value or "").upper() == "YES"


async def read_accounts(ctx: StepContext, node: str, user: str, host: str | None = None) -> list[Account]:
    """Every account named ``user`` on ``node`` (only ``'user'@'host'`` when
    ``host`` is given), with its grants. Read-only. Raises NodeError, and
    AccountError when an account's global privileges cannot be read (every
    account has a row there, ``USAGE`` at least) or a privilege or plugin
    name is not one a statement can carry."""
    rows = await ctx.query(
        node,
        "SELECT Host AS host, plugin AS plugin, authentication_string AS auth FROM mysql.user "
        "WHERE User = %s ORDER BY Host",
        (user,),
    )
    out: list[Account] = []
    for row in rows:
        h = str(row["host"])
        if host is not None and h != host:
            continue
        grantee = f"'{user}'@'{h}'"
        glob = await ctx.query(
            node,
            "SELECT PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g FROM information_schema.USER_PRIVILEGES "
            "WHERE GRANTEE = %s",
            (grantee,),
        )
        if not glob:
            raise AccountError(
                f"cannot read the global privileges of {grantee} on {node} (information_schema)"
            )
        grants = [
            Grant(
                tuple(str(r["p"]) for r in glob if r["p"] != "USAGE"),
                grantable=any(_yes(r["g"]) for r in glob),
            )
        ]
        per_schema = await ctx.query(
            node,
            "SELECT TABLE_SCHEMA AS s, PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g "
            "FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %s ORDER BY TABLE_SCHEMA",
            (grantee,),
        )
        per_table = await ctx.query(
            node,
            "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, PRIVILEGE_TYPE AS p, IS_GRANTABLE AS g "
            "FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = %s ORDER BY TABLE_SCHEMA, TABLE_NAME",
            (grantee,),
        )
        levels: dict[tuple[str, str], list[dict[str, object]]] = {}
        for r in per_schema:
            levels.setdefault((str(r["s"]), ""), []).append(r)
        for r in per_table:
            levels.setdefault((str(r["s"]), str(r["t"])), []).append(r)
        for (schema, table), rs in levels.items():
            grants.append(Grant(tuple(str(r["p"]) for r in rs), schema, table, any(_yes(r["g"]) for r in rs)))
        account = Account(user, h, str(row.get("plugin") or ""), str(row.get("auth") or ""), tuple(grants))
        _check_names(account, node)
        out.append(account)
    return out


def _check_names(account: Account, node: str) -> None:
    for g in account.grants:
        for p in g.privileges:
            if not _PRIVILEGE.fullmatch(p):
                raise AccountError(f"{account.grantee} on {node} holds a privilege named {p!r}: not copied")
    if account.plugin and not _PLUGIN.fullmatch(account.plugin):
        raise AccountError(f"{account.grantee} on {node} uses a plugin named {account.plugin!r}: not copied")


def create_account(dl: Dialect, account: Account, password: str, lit: Literal) -> list[Statement]:
    """``CREATE USER`` (not ``IF NOT EXISTS``: an account that appeared
    meanwhile fails the statement rather than being changed) with
    ``password`` and ``account``'s plugin — MariaDB: ``IDENTIFIED BY`` for
    ``mysql_native_password``, else ``IDENTIFIED VIA plugin USING
    PASSWORD(…)``; MySQL: ``IDENTIFIED WITH plugin BY`` — then one ``GRANT``
    per level that holds privileges. The shown text has the password as
    ``'***'``."""
    acct = account.shown(lit)
    native = account.plugin in ("", "mysql_native_password")
    if dl.is_mariadb and not native:
        how, shown = (
            f"IDENTIFIED VIA {account.plugin} USING PASSWORD({lit(password)})",
            f"IDENTIFIED VIA {account.plugin} USING PASSWORD({MASK})",
        )
    elif not dl.is_mariadb and account.plugin:
        how, shown = (
            f"IDENTIFIED WITH {account.plugin} BY {lit(password)}",
            f"IDENTIFIED WITH {account.plugin} BY {MASK}",
        )
    else:
        how, shown = f"IDENTIFIED BY {lit(password)}", f"IDENTIFIED BY {MASK}"
    out = [Statement(f"CREATE USER {acct} {how}", f"CREATE USER {acct} {shown}")]
    for g in account.grants:
        if g.privileges or g.grantable:
            option = " WITH GRANT OPTION" if g.grantable else ""
            privileges = ", ".join(g.privileges or ("USAGE",))
            out.append(Statement.plain(f"GRANT {privileges} ON {g.on} TO {acct}{option}"))
    return out
