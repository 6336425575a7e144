"""SSH values of a node's configuration: ``mysql_via``, ``transfer``, jump
hops, the SSH target, ``work_dir`` (where replui's private files go on the
node's host), and their checks.

:data:`SSH_CONVERTERS` maps each key to a function that checks and converts its
(already type-checked) TOML value, raising ValueError with a message of the form
"expected …, got …"; :mod:`replui.config` turns that into a
:class:`~replui.config.ConfigError` naming the file, line and key. The public
names are importable from :mod:`replui.config`.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Callable

_HOST_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_USER_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_PORT_RE = re.compile(r"[0-9]{1,5}")
_SCOPE_RE = re.compile(r"[A-Za-z0-9._-]+")
_MAX_HOST = 253
_MAX_USER = 64
_WORK_DIR_RE = re.compile(r"[A-Za-z0-9_./+=,@-]+")
_MAX_WORK_DIR = 200
_HOP_SHAPE = "[user@]host[:port], an IPv6 address as [::1]:22"


class MysqlVia(str, enum.Enum):
    """How replui reaches a node's server (``mysql_via``): ``DIRECT`` from this
    machine, ``SSH`` through a tunnel to the node's SSH host, ``AUTO`` directly
    when that connects, else through SSH."""

    DIRECT = "direct"
    SSH = "ssh"
    AUTO = "auto"


class Transfer(str, enum.Enum):
    """How a streamed dump reaches this node when it is the replica (``transfer``).

    ``JUMP``: the dump runs on the source's host (or, when that host lacks the
    dump tool, on the jump host against a forward of the source's MySQL) and
    its bytes are relayed through the jump host into the client on this
    node's host. ``DIRECT``: this node's host reaches the source's MySQL at its
    replication address (``repl_host``/``repl_port``) and runs the dump itself,
    piped into its own client: the bytes never pass through the jump host."""

    JUMP = "jump"
    DIRECT = "direct"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True)
class JumpHop:
    """One ProxyJump hop: ``host`` (a name, IPv4 or IPv6 address without
    brackets), ``port`` (None: ``~/.ssh/config``'s, else 22) and ``user``
    (None: ``~/.ssh/config``'s, else the local user).

    ``str()`` gives OpenSSH's ``[user@]host[:port]`` form, an IPv6 address in
    brackets, so ``",".join(map(str, hops))`` is a ProxyJump value.
    """

    host: str
    port: int | None = None
    user: str | None = None

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{user}{_bracketed(self.host)}{port}"


@dataclass(frozen=True)
class SshTarget:
    """Where a node's commands run over SSH: ``host`` (``ssh_host``, else the
    node's ``host``), ``port``/``user`` (None: ``~/.ssh/config``'s, else 22 and
    the local user), ``identity`` (a private key file, None: the agent and
    ``~/.ssh/config``), ``jump`` (ProxyJump hops, first hop first) and
    ``known_hosts`` (a known_hosts file to check host keys against, None:
    ``~/.ssh/known_hosts``; replui's own file is checked as well).
    ``work_dir`` is the node's ``work_dir``: the directory on the host for
    replui's private files (None: ``$TMPDIR``, else ``/tmp``); it is no part
    of :attr:`key` (it says nothing about the connection)."""

    host: str
    port: int | None = None
    user: str | None = None
    identity: str | None = None
    jump: tuple[JumpHop, ...] = ()
    known_hosts: str | None = None
    work_dir: str | None = None

    @property
    def key(self) -> tuple[str, int | None, str | None, str | None, tuple[JumpHop, ...], str | None]:
        """Identifies one SSH connection: nodes whose targets have equal keys share it."""
        return (self.host, self.port, self.user, self.identity, self.jump, self.known_hosts)

    @property
    def label(self) -> str:
        """E.g. ``root@db1:2222`` (user and port only when set), plus
        ``via jump1,admin@jump2`` when there are jump hops."""
        text = str(JumpHop(self.host, self.port, self.user))
        if self.jump:
            text += " via " + ",".join(str(h) for h in self.jump)
        return text


def _first_bad(text: str, allowed: str) -> str:
    for ch in text:
        if not re.fullmatch(allowed, ch):
            return f"unexpected character {ch!r}"
    return "unexpected characters"


def _host_problem(host: str) -> str | None:
    """Why ``host`` is no SSH host name or address, or None."""
    if not host:
        return "no host"
    if ":" in host:
        addr, _, scope = host.partition("%")
        try:
            ipaddress.IPv6Address(addr)
        except ValueError:
            return f"{host!r} is no IPv6 address"
        if "%" in host and not _SCOPE_RE.fullmatch(scope):
            return f"{host!r} has a bad zone index"
        return None
    if host.startswith("-"):
        return "a host cannot start with '-'"
    if len(host) > _MAX_HOST:
        return f"a host name has at most {_MAX_HOST} characters"
    if not _HOST_RE.fullmatch(host):
        return _first_bad(host, r"[A-Za-z0-9._-]")
    return None


def _user_problem(user: str) -> str | None:
    """Why ``user`` is no SSH user name, or None."""
    if not user:
        return "no user before '@'"
    if user.startswith("-"):
        return "a user name cannot start with '-'"
    if len(user) > _MAX_USER:
        return f"a user name has at most {_MAX_USER} characters"
    if not _USER_RE.fullmatch(user):
        return _first_bad(user, r"[A-Za-z0-9._-]")
    return None


def _parse_port(text: str) -> int:
    if not text:
        raise ValueError("no port after ':'")
    if not _PORT_RE.fullmatch(text) or not 1 <= int(text) <= 65535:
        raise ValueError(f"port {text!r} is not a number 1-65535")
    return int(text)


def _hop(text: str) -> JumpHop:
    if not text:
        raise ValueError("empty hop")
    user: str | None = None
    rest = text
    if "@" in text:
        user, _, rest = text.partition("@")
        problem = _user_problem(user)
        if problem:
            raise ValueError(problem)
    port: int | None = None
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise ValueError("no ']' after the IPv6 address")
        host, after = rest[1:end], rest[end + 1 :]
        if ":" not in host:
            raise ValueError("only an IPv6 address goes in brackets")
        if after:
            if not after.startswith(":"):
                raise ValueError(f"unexpected {after!r} after ']'")
            port = _parse_port(after[1:])
    else:
        if rest.count(":") > 1:
            raise ValueError("an IPv6 address goes in brackets, e.g. [::1]:22")
        host, sep, port_text = rest.partition(":")
        if sep:
            port = _parse_port(port_text)
    problem = _host_problem(host)
    if problem:
        raise ValueError(problem)
    return JumpHop(host, port, user)


def parse_hop(text: str) -> JumpHop:
    """One ``[user@]host[:port]`` hop (IPv6 as ``[::1]:22``); ValueError quoting it."""
    try:
        return _hop(text)
    except ValueError as exc:
        raise ValueError(f"bad jump hop {text!r}: {exc} (expected {_HOP_SHAPE})") from None


def parse_jump(value: Any) -> tuple[JumpHop, ...]:
    """``ssh_jump`` -> its hops, first hop first.

    A string holds one hop or several separated by commas, like OpenSSH's
    ProxyJump (``"jump1,admin@jump2:2222"``); a list holds one hop per item;
    ``[]`` means no jump host. ValueError quoting the first bad hop.
    """
    if isinstance(value, str):
        return tuple(parse_hop(part) for part in value.split(","))
    if isinstance(value, list):
        hops = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"expected each jump hop as a string [user@]host[:port], got {item!r}")
            hops.append(parse_hop(item))
        return tuple(hops)
    raise ValueError(f"expected a jump hop {_HOP_SHAPE} or a list of them, got {value!r}")


def check_ssh_host(value: str) -> str:
    """``value`` if it is a host name, an IPv4 or IPv6 address (no brackets)
    or a ``~/.ssh/config`` Host alias of letters, digits, '.', '_', '-'."""
    problem = _host_problem(value)
    if problem:
        raise ValueError(f"expected an SSH host name or address, got {value!r}: {problem}")
    return value


def check_ssh_user(value: str) -> str:
    """``value`` if it is a user name of letters, digits, '.', '_', '-' (not first)."""
    problem = _user_problem(value)
    if problem:
        problem = "empty" if not value else problem
        raise ValueError(f"expected an SSH user name, got {value!r}: {problem}")
    return value


def _mysql_via(value: str) -> MysqlVia:
    try:
        return MysqlVia(value)
    except ValueError:
        raise ValueError(f'expected "direct", "ssh" or "auto", got {value!r}') from None


def _transfer(value: str) -> Transfer:
    try:
        return Transfer(value)
    except ValueError:
        raise ValueError(f'expected "jump" or "direct", got {value!r}') from None


def check_work_dir(value: str) -> str:
    """``value`` (a node's ``work_dir``) if it is an absolute directory path of
    letters, digits and ``/._+=,@-`` without a ``..`` component, at most 200
    characters; returned without a trailing ``/``. It is a path on the node's
    own host (``~`` would not mean the same there), and it ends up in the
    tools' command lines (``--defaults-extra-file=DIR/…``), so nothing a
    shell or an option parser could read twice is let through. ValueError
    "expected …, got …" otherwise."""
    shape = "an absolute directory path on the node's host"
    if not value.startswith("/"):
        hint = " (~ is not expanded: the path is on the node's host)" if value.startswith("~") else ""
        raise ValueError(f"expected {shape}, got {value!r}{hint}")
    if len(value) > _MAX_WORK_DIR:
        raise ValueError(f"expected {shape} of at most {_MAX_WORK_DIR} characters, got {len(value)}")
    if not _WORK_DIR_RE.fullmatch(value):
        problem = _first_bad(value, r"[A-Za-z0-9_./+=,@-]")
        raise ValueError(f"expected {shape} of letters, digits and /._+=,@-, got {value!r}: {problem}")
    if ".." in value.split("/"):
        raise ValueError(f"expected {shape} without '..', got {value!r}")
    return value.rstrip("/") or "/"


def _file_path(value: str) -> str:
    if not value:
        raise ValueError("expected a file path, got ''")
    return value


#: key -> a function checking and converting its type-checked TOML value
#: (ValueError "expected …, got …" when it is wrong).
SSH_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "ssh_host": check_ssh_host,
    "ssh_user": check_ssh_user,
    "ssh_jump": parse_jump,
    "ssh_identity": _file_path,
    "ssh_known_hosts": _file_path,
    "mysql_via": _mysql_via,
    "transfer": _transfer,
    "work_dir": check_work_dir,
}
