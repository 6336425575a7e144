"""MySQL/MariaDB option files for the command-line tools, so no password is
ever on a command line (``ps`` shows argv to every user).

:func:`client_option_file` renders a node's connection settings as a
``[client]`` group; the caller writes it with
:meth:`~replui.transport.base.Transport.write_private_file` (mode 0600) and
passes ``--defaults-extra-file=PATH`` as the tool's **first** option (the
tools only honour ``--defaults-*`` options in that place).

Value syntax, from the MySQL manual ("Using Option Files": option values may
be enclosed in single or double quotes, useful when they contain ``#``; the
escape sequences ``\\b \\t \\n \\r \\\\ \\s`` stand for backspace, tab, newline,
carriage return, backslash and space) and MariaDB's option-file reader
(mysys ``my_default.c``, which also takes ``\\"`` inside a quoted value). Checked
against the installed reader: ``my_print_defaults`` turns
``password="a\\"b\\\\c\\nd#e"`` into ``a"b\\c<newline>d#e``. So every value is
written double-quoted with ``\\`` ``"`` newline, CR, tab and backspace escaped;
a NUL byte cannot be represented and raises ValueError.
"""

from __future__ import annotations

from replui.config import ConfigError, NodeConfig

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b"}


def quote_option_value(value: object) -> str:
    """``value`` as a double-quoted option-file value, escaped so the reader
    gives back exactly ``str(value)``.

    Raises ValueError for a NUL character (no escape exists for it) — the
    message never contains the value (it may be a password).
    """
    text = str(value)
    if "\x00" in text:
        raise ValueError("a NUL character cannot be written in a MySQL option file")
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def client_option_file(
    node: NodeConfig, *, flavor: str = "mariadb", password: str | None = None, group: str = "client"
) -> bytes:
    """The ``[client]`` option group (UTF-8 bytes) that connects a command-line
    tool to ``node`` the way replui's own connection does.

    - ``user`` and ``password`` (``password`` argument, else
      ``node.resolve_password()``; when both are None no password line is
      written and ``~/.my.cnf`` or ``node.defaults_file`` decides);
    - ``socket`` when configured, else ``host`` + ``port`` with
      ``protocol=TCP`` (so ``localhost`` means TCP, as for PyMySQL);
    - TLS: MariaDB ``ssl``/``ssl-ca``/``ssl-cert``/``ssl-key``/
      ``ssl-verify-server-cert``; MySQL (``flavor="mysql"``: the flavour of
      the client tools, not of the server) ``ssl-mode`` (REQUIRED, or
      VERIFY_IDENTITY when the certificate is verified) and the same file
      options;
    - ``node.defaults_file`` is pulled in first with ``!include`` so the
      explicit settings above win.

    Raises ValueError when a value cannot be written (NUL character) and
    :class:`~replui.config.ConfigError` when the password cannot be resolved.
    """
    if password is None:
        password = node.resolve_password()
    lines: list[str] = []
    if node.defaults_file:
        if "\n" in node.defaults_file or "\x00" in node.defaults_file:
            raise ValueError("defaults_file path contains a newline or NUL")
        lines.append(f"!include {node.defaults_file}")
    lines.append(f"[{group}]")
    if node.user is not None:
        lines.append(f"user={quote_option_value(node.user)}")
    if password is not None:
        lines.append(f"password={quote_option_value(password)}")
    if node.socket:
        lines.append(f"socket={quote_option_value(node.socket)}")
        lines.append("protocol=SOCKET")
    else:
        lines.append(f"host={quote_option_value(node.host)}")
        lines.append(f"port={int(node.port)}")
        lines.append("protocol=TCP")
    tls = node.ssl or node.ssl_ca or node.ssl_cert or node.ssl_key
    if tls:
        if flavor == "mysql":
            lines.append("ssl-mode=" + ("VERIFY_IDENTITY" if node.ssl_verify_server_cert else "REQUIRED"))
        else:
            lines.append("ssl")
            if node.ssl_verify_server_cert:
                lines.append("ssl-verify-server-cert")
        for key, value in (("ssl-ca", node.ssl_ca), ("ssl-cert", node.ssl_cert), ("ssl-key", node.ssl_key)):
            if value:
                lines.append(f"{key}={quote_option_value(value)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def defaults_extra_file_arg(path: str) -> str:
    """``--defaults-extra-file=PATH``: must be the first argument of the tool."""
    if "\n" in path or "\x00" in path:
        raise ValueError("option file path contains a newline or NUL")
    return f"--defaults-extra-file={path}"


__all__ = ["client_option_file", "quote_option_value", "defaults_extra_file_arg", "ConfigError"]
