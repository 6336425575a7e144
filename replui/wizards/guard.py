"""Bind a command-line tool's connection to the server the operator confirmed.

replui's own connection is bound by the runner (the client re-checks the
server's identity on every reconnect). A restore runs in the ``mariadb`` /
``mysql`` client, which opens its own connection — through a proxy or a
virtual IP that may by then lead to another server. So the first statement
the client reads is a guard that makes it fail, before any other statement,
unless the global ``server_id``, ``hostname``, ``port`` (and ``server_uuid``
on MySQL) are the confirmed ones::

    SET SESSION sql_mode = IF(@@global.server_id = 2 AND @@global.hostname = X'6e6f646532'
        AND @@global.port = 3306, @@session.sql_mode, 'replui: not node2');

The client then stops with ``ERROR 1231 … Variable 'sql_mode' can't be set
to the value of 'replui: not node2'`` (``--batch`` without ``--force`` stops
at the first error), and nothing after the guard runs. The comparison reads
``@@global`` values (MariaDB's ``server_id`` also has a session value), and
the host name is compared as a hex literal, which no ``sql_mode`` can
misread. Works the same on MySQL 5.7/8.x and MariaDB.
"""

from __future__ import annotations

from replui.wizards.plan import Identity

#: The text the client prints when the guard fails (part of ERROR 1231).
GUARD_MARK = "replui: not "


def identity_guard(node: str, identity: Identity) -> str:
    """The guard statement (with ``;``) for ``node`` confirmed as ``identity``.

    Raises ValueError when the identity has neither server_id nor hostname
    (nothing to bind to)."""
    conds = []
    if identity.server_id is not None:
        conds.append(f"@@global.server_id = {int(identity.server_id)}")
    if identity.hostname is not None:
        conds.append(f"@@global.hostname = X'{identity.hostname.encode('utf-8').hex()}'")
    if identity.port is not None:
        conds.append(f"@@global.port = {int(identity.port)}")
    if identity.server_uuid:
        conds.append(f"@@global.server_uuid = X'{identity.server_uuid.encode('ascii').hex()}'")
    if identity.server_id is None and identity.hostname is None:
        raise ValueError(f"no confirmed identity for {node}: nothing to bind the restore to")
    safe = "".join(ch for ch in node if ch.isalnum() or ch in "._-")
    return f"SET SESSION sql_mode = IF({' AND '.join(conds)}, @@session.sql_mode, '{GUARD_MARK}{safe}');"


def guard_failed(stderr_text: str) -> bool:
    """True when a client's stderr shows the guard refused the server."""
    return GUARD_MARK in stderr_text and "1231" in stderr_text
