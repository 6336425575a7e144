"""Configuration: a TOML file -> frozen :class:`Config`.

The file has a ``[defaults]`` table and ``[[nodes]]`` entries::

    [defaults]
    user = "replui"
    password_env = "REPLUI_PASSWORD"
    poll_interval = 2.0        # seconds between polls
    theme = "dark"
    connect_timeout = 3.0      # seconds
    read_timeout = 5.0         # seconds
    lag_warning = 30           # seconds behind source
    lag_critical = 300

    [[nodes]]
    name = "node1"
    host = "db1.example.com"
    port = 3306

    [[nodes]]                  # reached over SSH, through a bastion
    name = "node2"
    mysql_via = "ssh"          # "direct" (default), "ssh" or "auto"
    host = "127.0.0.1"         # as seen from the SSH host, since mysql_via is "ssh"
    ssh_host = "db2.internal"  # default: host
    ssh_port = 22              # 1-65535; default: ~/.ssh/config's Port, else 22
    ssh_user = "admin"         # default: ~/.ssh/config's User, else the local user
    ssh_identity = "~/.ssh/id_ed25519"  # a private key file; default: agent, ~/.ssh/config
    ssh_jump = "bastion.example.com"    # ProxyJump hops: "[user@]host[:port]", "a,b",
                                        # a list of hops, or [] for none
    ssh_known_hosts = "~/.ssh/known_hosts.db"  # default: ~/.ssh/known_hosts
    transfer = "jump"          # as a replica: "jump" (dump relayed through this machine)
                               # or "direct" (its host dumps the source's repl_host itself)
    work_dir = "/var/tmp/replui"  # on the node's host: replui's private files (option files,
                                  # --via-file dumps); default $TMPDIR, else /tmp

Every node key may also stand in ``[defaults]``. A node has at most one of
``password``, ``password_env`` (an environment variable), ``password_command``
(a command whose first output line is the password, run without a shell and
stopped after ``password_command_timeout`` seconds, default 10) or none of
them, in which case ``~/.my.cnf`` ``[client]`` supplies the user and password
(read by PyMySQL's ``read_default_file``).

The files a node names (``ssl_ca``, ``ssl_cert``, ``ssl_key``, ``socket``,
``defaults_file``, ``ssh_identity``, ``ssh_known_hosts``) must exist when the
config is loaded; ``~`` is expanded. ``socket`` is neither checked nor
expanded for a node with ``mysql_via = "ssh"`` or ``"auto"``: its ``host``,
``port`` and ``socket`` are as seen from the database host.

A node with ``mysql_via = "ssh"`` or ``"auto"``, or any of ``ssh_host``,
``ssh_port``, ``ssh_user``, ``ssh_identity``, ``ssh_jump``, runs its commands
(dump, restore, tools) on its host over SSH (:attr:`NodeConfig.ssh_target`);
``mysql_via`` says whether the MySQL connection goes there too (``"ssh"``),
straight from here (``"direct"``), or straight when it can and else over SSH
(``"auto"``).

The file is found via ``--config FILE``, then ``./replui.toml``, then
``$XDG_CONFIG_HOME/replui/config.toml`` (``~/.config`` when unset).

Every error is a :class:`ConfigError` naming the file, the line (when it can be
found) and the key, and saying what was expected — also the errors of a
password source, raised later by :meth:`NodeConfig.resolve_password`.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import tomli

from replui.config_ssh import SSH_CONVERTERS, JumpHop, MysqlVia, SshTarget, Transfer, check_ssh_host

__all__ = [
    "DEFAULT_PORT",
    "Config",
    "ConfigError",
    "JumpHop",
    "MysqlVia",
    "NodeConfig",
    "SshTarget",
    "Transfer",
    "candidate_paths",
    "find_config",
    "load_config",
    "parse_config",
]

DEFAULT_PORT = 3306


class ConfigError(Exception):
    """A configuration problem: ``path``, ``line`` (1-based or None), ``key``
    (dotted, e.g. ``nodes[2].port``) and ``message`` (what was expected)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        message: str,
        *,
        line: int | None = None,
        key: str | None = None,
    ):
        self.path = str(path) if path is not None else None
        self.line = line
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None and not self.line and not self.key:
            return self.message
        where = self.path or "<config>"
        if self.line:
            where += f":{self.line}"
        if self.key:
            where += f": {self.key}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class NodeConfig:
    """One ``[[nodes]]`` entry with ``[defaults]`` applied.

    Timeouts are seconds. ``ssl_*`` follow the MySQL client option names.
    ``ssh_*`` say how to reach the node's host over SSH (see
    :attr:`ssh_target`; None: ``~/.ssh/config``'s value, else SSH's default);
    ``ssh_jump`` holds the ProxyJump hops, first hop first.
    ``transfer`` says how a streamed dump reaches this node as a replica
    (:class:`~replui.config_ssh.Transfer`).
    ``work_dir`` is the directory on the node's host (this machine for a node
    without SSH) where replui keeps its private files: option files and
    ``--via-file`` dumps (None: ``$TMPDIR``, else ``/tmp``).
    With ``mysql_via`` SSH or AUTO, ``host``/``port``/``socket`` are as seen
    from the SSH host.
    ``source_path`` and ``index`` say where it was defined (for messages);
    ``key_lines`` maps each key given in the file to where it was given:
    ``(dotted key, line)``, e.g. ``("defaults.password_env", 3)`` for a key
    inherited from ``[defaults]`` (line None when it cannot be found).
    """

    name: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    password_env: str | None = None
    password_command: str | None = None
    password_command_timeout: float = 10.0
    socket: str | None = None
    ssl: bool = False
    ssl_ca: str | None = None
    ssl_cert: str | None = None
    ssl_key: str | None = None
    ssl_verify_server_cert: bool = False
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    defaults_file: str | None = None
    ssh_host: str | None = None
    ssh_port: int | None = None
    ssh_user: str | None = None
    ssh_identity: str | None = None
    ssh_jump: tuple[JumpHop, ...] = ()
    ssh_known_hosts: str | None = None
    mysql_via: MysqlVia = MysqlVia.DIRECT
    repl_host: str | None = None
    repl_port: int | None = None
    transfer: Transfer = Transfer.JUMP
    work_dir: str | None = None
    source_path: str | None = None
    index: int = 0
    key_lines: Mapping[str, tuple[str, int | None]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def address(self) -> str:
        return self.socket if self.socket else f"{self.host}:{self.port}"

    @property
    def uses_ssh(self) -> bool:
        """True when the node's commands (dump, restore, tools) run on its
        host over SSH: ``mysql_via`` is SSH or AUTO, or an ``ssh_host``,
        ``ssh_port``, ``ssh_user``, ``ssh_identity`` or ``ssh_jump`` is set."""
        return (
            self.mysql_via != MysqlVia.DIRECT
            or any(v is not None for v in (self.ssh_host, self.ssh_port, self.ssh_user, self.ssh_identity))
            or bool(self.ssh_jump)
        )

    @property
    def ssh_target(self) -> SshTarget | None:
        """Where the node's commands run over SSH (host: ``ssh_host``, else
        ``host``), or None unless :attr:`uses_ssh`."""
        if not self.uses_ssh:
            return None
        return SshTarget(
            host=self.ssh_host or self.host,
            port=self.ssh_port,
            user=self.ssh_user,
            identity=self.ssh_identity,
            jump=self.ssh_jump,
            known_hosts=self.ssh_known_hosts,
            work_dir=self.work_dir,
        )

    @property
    def reach_label(self) -> str:
        """How replui reaches the server, for the dashboard: ``direct
        127.0.0.1:3306``, ``direct socket /run/mysqld/mysqld.sock``, ``via ssh
        db1 → 127.0.0.1:3306`` (plus `` (through jump1)`` with jump hops, by
        host), or ``direct or via ssh db1 → …`` for AUTO."""
        if self.mysql_via == MysqlVia.DIRECT or self.ssh_target is None:
            return self.route_label(ssh=False)
        label = self.route_label(ssh=True)
        return "direct or " + label if self.mysql_via == MysqlVia.AUTO else label

    @property
    def source_address(self) -> tuple[str, int]:
        """``(host, port)`` replicas use to reach this node as their source, for
        ``CHANGE MASTER TO``: ``repl_host``/``repl_port`` when set, else
        ``host``/``port``."""
        return (self.repl_host or self.host, self.repl_port or self.port)

    def source_address_problem(self) -> str | None:
        """Why :attr:`source_address` cannot be given to a replica, or None: a
        node reached through SSH at a loopback address or a socket (as seen from
        its own host) needs ``repl_host``."""
        if self.repl_host or self.mysql_via == MysqlVia.DIRECT:
            return None
        if self.socket or self.host in ("127.0.0.1", "::1", "localhost") or self.host.startswith("127."):
            dotted, line = self.where("repl_host")
            where = f"{self.source_path or '<config>'}" + (f":{line}" if line else "")
            return (
                f"{self.name} is reached through SSH at {self.address} as seen from its own host; replicas "
                f"cannot use that address: set repl_host (and repl_port) for {self.name} in {where} "
                "to the address replicas connect to"
            )
        return None

    def route_label(self, *, ssh: bool) -> str:
        """One route to the server: ``direct DEST`` or ``via ssh HOST → DEST``
        (with `` (through HOP, …)``), DEST being ``host:port`` or ``socket PATH``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        dest = f"socket {self.socket}" if self.socket else f"{host}:{self.port}"
        target = self.ssh_target
        if not ssh or target is None:
            return f"direct {dest}"
        through = f" (through {', '.join(h.host for h in target.jump)})" if target.jump else ""
        return f"via ssh {target.host} → {dest}{through}"

    def where(self, key: str) -> tuple[str, int | None]:
        """``(dotted key, line)`` of ``key`` for messages: where the file gave
        it (the node's entry or ``[defaults]``), else ``nodes[index].key``."""
        return self.key_lines.get(key, (f"nodes[{self.index}].{key}", None))

    def key_error(self, key: str, message: str) -> ConfigError:
        """A :class:`ConfigError` about ``key`` of this node, with its file and line."""
        dotted, line = self.where(key)
        return ConfigError(self.source_path, message, line=line, key=dotted)

    def resolve_password(self) -> str | None:
        """The password from ``password``, ``password_env`` or
        ``password_command``; None means "let ``~/.my.cnf`` decide".

        Raises :class:`ConfigError` (file, line and key of the password
        source) when the variable is unset, or the command cannot run, exits
        non-zero, prints nothing or runs longer than
        ``password_command_timeout`` seconds. The password is never logged.
        """
        if self.password is not None:
            return self.password
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise self.key_error("password_env", f"environment variable {self.password_env} is not set")
            return value
        if self.password_command:
            return self._run_password_command()
        return None

    def _run_password_command(self) -> str:
        try:
            argv = shlex.split(self.password_command or "")
        except ValueError as exc:
            message = f"password_command cannot be split into words: {exc}"
            raise self.key_error("password_command", message) from None
        if not argv:
            raise self.key_error("password_command", "password_command is empty")
        timeout = self.password_command_timeout
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise self.key_error(
                "password_command",
                f"password_command did not finish within {timeout:g} s "
                "(raise password_command_timeout if it needs longer)",
            ) from None
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            message = f"password_command could not run {argv[0]!r}: {reason}"
            raise self.key_error("password_command", message) from None
        if out.returncode != 0:
            detail = " ".join((out.stderr or "").split())[:200]
            raise self.key_error(
                "password_command",
                f"password_command exited {out.returncode}" + (f": {detail}" if detail else ""),
            )
        lines = (out.stdout or "").splitlines()
        if not lines:
            raise self.key_error(
                "password_command",
                "password_command printed nothing (expected the password on its first line)",
            )
        if not lines[0]:
            raise self.key_error(
                "password_command",
                "password_command printed an empty first line (expected the password there)",
            )
        return lines[0]


@dataclass(frozen=True)
class Config:
    """The whole file. ``poll_interval``, lag thresholds and timeouts are seconds."""

    path: str | None
    nodes: tuple[NodeConfig, ...]
    poll_interval: float = 2.0
    theme: str = "dark"
    lag_warning: float = 30.0
    lag_critical: float = 300.0
    log_dir: str | None = None

    def node(self, name: str) -> NodeConfig:
        """The node called ``name``; raises KeyError with the known names."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r} (configured: {', '.join(n.name for n in self.nodes)})")


# key -> (types accepted, description for messages)
_NODE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a string"),
    "host": ((str,), "a host name or address"),
    "port": ((int,), "a port number 1-65535"),
    "user": ((str,), "a string"),
    "password": ((str,), "a string"),
    "password_env": ((str,), "an environment variable name"),
    "password_command": ((str,), "a command line"),
    "socket": ((str,), "a socket path"),
    "ssl": ((bool,), "true or false"),
    "ssl_ca": ((str,), "a file path"),
    "ssl_cert": ((str,), "a file path"),
    "ssl_key": ((str,), "a file path"),
    "ssl_verify_server_cert": ((bool,), "true or false"),
    "connect_timeout": ((int, float), "a number of seconds > 0"),
    "read_timeout": ((int, float), "a number of seconds > 0"),
    "password_command_timeout": ((int, float), "a number of seconds > 0"),
    "defaults_file": ((str,), "a MySQL option file path"),
    "ssh_host": ((str,), "an SSH host name or address"),
    "ssh_port": ((int,), "a port number 1-65535"),
    "ssh_user": ((str,), "an SSH user name"),
    "ssh_identity": ((str,), "a private key file path"),
    "ssh_jump": ((str, list), "a jump host [user@]host[:port] or a list of them"),
    "ssh_known_hosts": ((str,), "a known_hosts file path"),
    "mysql_via": ((str,), '"direct", "ssh" or "auto"'),
    "repl_host": ((str,), "the host name or address replicas use to reach this node"),
    "repl_port": ((int,), "a port number 1-65535"),
    "transfer": ((str,), '"jump" or "direct"'),
    "work_dir": ((str,), "an absolute directory path on the node's host"),
}
#: Node keys naming a file that must exist when the config is loaded.
_PATH_KEYS = ("ssl_ca", "ssl_cert", "ssl_key", "socket", "defaults_file", "ssh_identity", "ssh_known_hosts")
_POSITIVE = ("poll_interval", "connect_timeout", "read_timeout", "password_command_timeout")
_GLOBAL_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "poll_interval": ((int, float), "a number of seconds > 0"),
    "theme": ((str,), "a theme name"),
    "lag_warning": ((int, float), "a number of seconds >= 0"),
    "lag_critical": ((int, float), "a number of seconds >= 0"),
    "log_dir": ((str,), "a directory path"),
}
_PASSWORD_KEYS = ("password", "password_env", "password_command")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class _Locator:
    """Finds the line of a key in the TOML text, for messages (tomli gives
    lines only for syntax errors)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def _table_starts(self, header: str) -> list[int]:
        pat = re.compile(r"^\s*" + re.escape(header) + r"\s*(#.*)?$")
        return [i for i, ln in enumerate(self.lines) if pat.match(ln)]

    def line(self, table: str | None, index: int | None, key: str | None) -> int | None:
        start = 0
        if table == "nodes":
            starts = self._table_starts("[[nodes]]")
            if index is None or index >= len(starts):
                return None
            start = starts[index]
        elif table == "defaults":
            starts = self._table_starts("[defaults]")
            if not starts:
                return None
            start = starts[0]
        if key is None:
            return start + 1
        kpat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*[=.]")
        for i in range(start + (1 if table else 0), len(self.lines)):
            ln = self.lines[i]
            if i > start and table and re.match(r"^\s*\[", ln):
                break
            if not table and re.match(r"^\s*\[", ln):
                break
            if kpat.match(ln):
                return i + 1
        if table:
            return start + 1
        # a top-level name given as a table header: [key], [[key]], [key.sub]
        hpat = re.compile(r"^\s*\[\[?\s*[\"']?" + re.escape(key) + r"[\"']?\s*[\].]")
        for i, ln in enumerate(self.lines):
            if hpat.match(ln):
                return i + 1
        return None


def _check(
    path: str,
    loc: _Locator,
    table: str | None,
    index: int | None,
    key: str,
    value: Any,
    spec: tuple[tuple[type, ...], str],
) -> None:
    types, expected = spec
    ok = isinstance(value, types) and not (bool not in types and isinstance(value, bool))
    if ok and isinstance(value, float):
        ok = math.isfinite(value)  # inf and nan are no timeouts or thresholds
    if ok and key in ("port", "ssh_port", "repl_port"):
        ok = 1 <= value <= 65535
    if ok and key in _POSITIVE:
        ok = value > 0
    if ok and key in ("lag_warning", "lag_critical"):
        ok = value >= 0
    message = None if ok else f"expected {expected}, got {value!r}"
    if ok and key in SSH_CONVERTERS:
        try:
            SSH_CONVERTERS[key](value)
        except ValueError as exc:
            message = str(exc)
    if message is not None:
        dotted = f"{table}[{index}].{key}" if table == "nodes" else (f"{table}.{key}" if table else key)
        raise ConfigError(path, message, line=loc.line(table, index, key), key=dotted)


def _file_problem(key: str, path: str) -> str | None:
    """Why ``path`` (already ``~``-expanded) cannot serve as node key ``key``, or None."""
    if not os.path.exists(path):
        if key == "socket":
            return (
                f"no such file: {path} (a server's socket exists only while it runs: "
                "check the server and 'socket' under [mysqld] in its my.cnf)"
            )
        return f"no such file: {path}"
    if key == "socket":
        return None
    if not os.path.isfile(path):
        return f"not a file: {path}"
    if not os.access(path, os.R_OK):
        return f"not readable by this user: {path}"
    return None


def _work_dir_problem(path: str) -> str | None:
    """Why ``path`` cannot hold replui's private files on this machine (the
    ``work_dir`` of a node without SSH), or None. A remote ``work_dir`` is
    checked on its host by the ``--via-file`` pre-flight."""
    if not os.path.isdir(path):
        return f"no such directory on this machine: {path}"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"not writable by this user: {path}"
    return None


def parse_config(text: str, path: str | os.PathLike[str] = "<string>", *, check_paths: bool = True) -> Config:
    """Parse TOML ``text`` (read from ``path``, used in messages) into a Config.

    Raises :class:`ConfigError` for TOML syntax errors (with tomli's line),
    unknown keys and tables, wrong types, non-finite numbers, missing
    ``name``, duplicate names, more than one password source on a node, a
    bad ``ssh_jump`` hop, ``ssh_host`` or ``ssh_user`` (or ``host`` when it
    stands for ``ssh_host``), a ``mysql_via`` other than direct/ssh/auto, a
    ``work_dir`` that is no absolute path of plain characters, and
    (with ``check_paths``) a ``ssl_ca``/``ssl_cert``/``ssl_key``/``socket``/
    ``defaults_file``/``ssh_identity``/``ssh_known_hosts`` that does not
    exist (``socket`` only with ``mysql_via = "direct"``) or a node without
    SSH whose ``work_dir`` is no writable directory here. Those paths are
    stored with ``~`` expanded.
    """
    path = str(path)
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        msg = getattr(exc, "msg", None) or str(exc)
        raise ConfigError(path, f"invalid TOML: {msg}", line=getattr(exc, "lineno", None)) from None
    loc = _Locator(text)

    for key in data:
        if key not in ("defaults", "nodes") and key not in _GLOBAL_KEYS:
            value = data[key]
            table = isinstance(value, dict) or (
                isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            )
            what = f"unknown table [{key}]" if table else "unknown key"
            expected = "expected [defaults], [[nodes]] or one of " + ", ".join(_GLOBAL_KEYS)
            raise ConfigError(path, f"{what} ({expected})", line=loc.line(None, None, key), key=key)

    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(
            path, "expected a table [defaults]", line=loc.line(None, None, "defaults"), key="defaults"
        )
    globals_: dict[str, Any] = {}
    node_defaults: dict[str, Any] = {}
    for key, value in defaults.items():
        if key in _GLOBAL_KEYS:
            _check(path, loc, "defaults", None, key, value, _GLOBAL_KEYS[key])
            globals_[key] = value
        elif key in _NODE_KEYS and key != "name":
            _check(path, loc, "defaults", None, key, value, _NODE_KEYS[key])
            node_defaults[key] = value
        else:
            raise ConfigError(
                path, "unknown key in [defaults]", line=loc.line("defaults", None, key), key=f"defaults.{key}"
            )
    for key in _GLOBAL_KEYS:
        if key in data:
            _check(path, loc, None, None, key, data[key], _GLOBAL_KEYS[key])
            globals_[key] = data[key]

    raw_nodes = data.get("nodes")
    if raw_nodes is None:
        raise ConfigError(path, "no [[nodes]] entries: expected at least one node with name, host and port")
    if not isinstance(raw_nodes, list):
        raise ConfigError(
            path,
            "expected [[nodes]] entries (an array of tables)",
            line=loc.line(None, None, "nodes"),
            key="nodes",
        )

    nodes: list[NodeConfig] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_nodes):
        if not isinstance(raw, dict):
            line = loc.line(None, None, "nodes") or loc.line("nodes", i, None)
            raise ConfigError(
                path,
                f"expected a table (a [[nodes]] entry with name, host, port), got {raw!r}",
                line=line,
                key=f"nodes[{i}]",
            )
        for key, value in raw.items():
            if key not in _NODE_KEYS:
                raise ConfigError(
                    path,
                    "unknown key (expected one of " + ", ".join(_NODE_KEYS) + ")",
                    line=loc.line("nodes", i, key),
                    key=f"nodes[{i}].{key}",
                )
            _check(path, loc, "nodes", i, key, value, _NODE_KEYS[key])
        if "name" not in raw:
            raise ConfigError(
                path,
                "missing name: every node needs a unique name",
                line=loc.line("nodes", i, None),
                key=f"nodes[{i}].name",
            )
        name = raw["name"]
        if not _NAME_RE.match(name):
            raise ConfigError(
                path,
                "expected a name of letters, digits, '.', '_' or '-' (at most 64)",
                line=loc.line("nodes", i, "name"),
                key=f"nodes[{i}].name",
            )
        if name in seen:
            raise ConfigError(
                path,
                f"duplicate node name {name!r} (also nodes[{seen[name]}])",
                line=loc.line("nodes", i, "name"),
                key=f"nodes[{i}].name",
            )
        seen[name] = i
        own_pw = [k for k in _PASSWORD_KEYS if k in raw]
        if len(own_pw) > 1:
            raise ConfigError(
                path,
                f"expected at most one of password, password_env, password_command; got {', '.join(own_pw)}",
                line=loc.line("nodes", i, own_pw[1]),
                key=f"nodes[{i}].{own_pw[1]}",
            )
        merged = dict(node_defaults)
        if own_pw:  # a node's own password source replaces the default one
            for k in _PASSWORD_KEYS:
                merged.pop(k, None)
        elif len([k for k in _PASSWORD_KEYS if k in merged]) > 1:
            raise ConfigError(
                path,
                "expected at most one of password, password_env, password_command in [defaults]",
                line=loc.line("defaults", None, None),
                key="defaults",
            )
        merged.update(raw)
        key_lines = {
            k: (
                (f"nodes[{i}].{k}", loc.line("nodes", i, k))
                if k in raw
                else (f"defaults.{k}", loc.line("defaults", None, k))
            )
            for k in merged
        }
        for k in SSH_CONVERTERS:
            if k in merged:
                merged[k] = SSH_CONVERTERS[k](merged[k])  # checked above: cannot fail
        remote = merged.get("mysql_via", MysqlVia.DIRECT) != MysqlVia.DIRECT
        for k in _PATH_KEYS:
            if k == "socket" and remote:
                continue  # a path on the SSH host: neither expanded nor checked here
            if merged.get(k):
                merged[k] = os.path.expanduser(merged[k])
                problem = _file_problem(k, merged[k]) if check_paths else None
                if problem:
                    raise ConfigError(path, problem, line=key_lines[k][1], key=key_lines[k][0])
        values: dict[str, Any] = {k: (float(v) if k.endswith("_timeout") else v) for k, v in merged.items()}
        node = NodeConfig(**values, source_path=path, index=i, key_lines=key_lines)
        if check_paths and node.work_dir and not node.uses_ssh:
            problem = _work_dir_problem(node.work_dir)
            if problem:
                raise node.key_error("work_dir", problem)
        if node.uses_ssh and node.ssh_host is None:
            try:
                check_ssh_host(node.host)
            except ValueError as exc:
                raise node.key_error(
                    "host", f"{exc} (host is the SSH host while ssh_host is unset)"
                ) from None
        nodes.append(node)

    if not nodes:
        raise ConfigError(path, "no [[nodes]] entries: expected at least one node")
    return Config(
        path=path,
        nodes=tuple(nodes),
        poll_interval=float(globals_.get("poll_interval", 2.0)),
        theme=globals_.get("theme", "dark"),
        lag_warning=float(globals_.get("lag_warning", 30.0)),
        lag_critical=float(globals_.get("lag_critical", 300.0)),
        log_dir=globals_.get("log_dir"),
    )


def load_config(path: str | os.PathLike[str], *, check_paths: bool = True) -> Config:
    """Read and parse the file at ``path``; ConfigError if unreadable or
    invalid (see :func:`parse_config`; ``check_paths`` is passed on)."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(p, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(p, f"cannot read: {exc}") from None
    return parse_config(text, p, check_paths=check_paths)


def candidate_paths(
    cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> list[Path]:
    """Where a config is looked for when ``--config`` is not given, in order."""
    if env is None:
        env = os.environ
    base = Path(cwd) if cwd else Path.cwd()
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return [base / "replui.toml", Path(xdg) / "replui" / "config.toml"]


def find_config(
    explicit: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Load ``explicit`` if given, else the first existing candidate path.

    Raises ConfigError listing the places looked at when none exists.
    """
    if explicit:
        return load_config(explicit)
    tried = candidate_paths(cwd, env)
    for p in tried:
        if p.is_file():
            return load_config(p)
    raise ConfigError(
        None,
        "no configuration found: pass --config FILE, or create "
        + " or ".join(str(p) for p in tried)
        + " (see sample-configs/, or run 'replui lab up')",
    )
