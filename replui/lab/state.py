"""The lab's files: ``lab.json`` (state, 0600) and ``replui.toml`` (0600).

``lab.json`` holds::

    {"version": 1, "flavor": "mariadb", "server": "/usr/sbin/mariadbd",
     "topology": "master-master", "admin_user": "replui_admin",
     "admin_password": "…", "repl_user": "repl", "repl_password": "…",
     "nodes": [{"name": "node1", "server_id": 1, "port": 41234, "pid": 1234,
                "base": "/abs/.lab/node1", "datadir": …, "socket": …,
                "pid_file": …, "error_log": …, "my_cnf": …, "option_file": …}]}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from replui.lab.server import LabError, NodePaths, write_private

TOPOLOGIES = ("master-master", "source-replica")
ADMIN_USER = "replui_admin"
REPL_USER = "repl"


class LabNodeJSON(TypedDict):
    """One entry of ``lab.json``'s ``nodes`` (paths as strings)."""

    name: str
    server_id: int
    port: int
    pid: int | None
    base: str
    datadir: str
    socket: str
    pid_file: str
    error_log: str
    my_cnf: str
    option_file: str


class LabStateJSON(TypedDict):
    """The whole of ``lab.json``."""

    version: int
    flavor: str
    server: str
    topology: str
    admin_user: str
    admin_password: str
    repl_user: str
    repl_password: str
    nodes: list[LabNodeJSON]


@dataclass
class LabNode:
    """One lab server. ``port`` is TCP on 127.0.0.1; ``pid`` None when not started."""

    name: str
    server_id: int
    port: int
    base: Path
    pid: int | None = None
    host: str = "127.0.0.1"

    @property
    def paths(self) -> NodePaths:
        return NodePaths(self.name, self.base)

    @property
    def datadir(self) -> Path:
        return self.paths.datadir

    @property
    def socket(self) -> Path:
        return self.paths.socket

    @property
    def option_file(self) -> Path:
        """``[client]`` file (0600) with the admin user, password and socket."""
        return self.paths.option_file

    @property
    def error_log(self) -> Path:
        return self.paths.error_log

    @property
    def pid_file(self) -> Path:
        return self.paths.pid_file

    @property
    def my_cnf(self) -> Path:
        return self.paths.my_cnf

    def to_json(self) -> LabNodeJSON:
        p = self.paths
        return {
            "name": self.name,
            "server_id": self.server_id,
            "port": self.port,
            "pid": self.pid,
            "base": str(self.base),
            "datadir": str(p.datadir),
            "socket": str(p.socket),
            "pid_file": str(p.pid_file),
            "error_log": str(p.error_log),
            "my_cnf": str(p.my_cnf),
            "option_file": str(p.option_file),
        }


@dataclass
class LabState:
    """Everything ``lab.json`` records."""

    topology: str
    flavor: str
    server: str
    admin_password: str = field(repr=False)
    repl_password: str = field(repr=False)
    nodes: list[LabNode]
    admin_user: str = ADMIN_USER
    repl_user: str = REPL_USER

    def to_json(self) -> LabStateJSON:
        return {
            "version": 1,
            "flavor": self.flavor,
            "server": self.server,
            "topology": self.topology,
            "admin_user": self.admin_user,
            "admin_password": self.admin_password,
            "repl_user": self.repl_user,
            "repl_password": self.repl_password,
            "nodes": [n.to_json() for n in self.nodes],
        }


def edges(topology: str, names: list[str]) -> list[tuple[str, str]]:
    """``(replica, source)`` pairs. master-master: node1⇄node2 and every
    further node a replica of node1; source-replica: node1 → all others."""
    if len(names) < 2:
        return []
    if topology == "master-master":
        return [(names[1], names[0]), (names[0], names[1])] + [(n, names[0]) for n in names[2:]]
    return [(n, names[0]) for n in names[1:]]


def writers(topology: str, names: list[str]) -> list[str]:
    """Nodes that accept writes (the others get ``read_only=ON``)."""
    return names[:2] if topology == "master-master" else names[:1]


def save_state(path: Path, state: LabState) -> None:
    """Write ``lab.json`` atomically with mode 0600."""
    tmp = path.with_suffix(".json.tmp")
    write_private(tmp, json.dumps(state.to_json(), indent=2) + "\n")
    os.replace(tmp, path)


def load_state(path: Path) -> LabState:
    """Read ``lab.json``; LabError when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        nodes = [
            LabNode(n["name"], int(n["server_id"]), int(n["port"]), Path(n["base"]), n.get("pid"))
            for n in data["nodes"]
        ]
        return LabState(
            topology=data["topology"],
            flavor=data["flavor"],
            server=data["server"],
            admin_password=data["admin_password"],
            repl_password=data["repl_password"],
            nodes=nodes,
            admin_user=data.get("admin_user", ADMIN_USER),
            repl_user=data.get("repl_user", REPL_USER),
        )
    except FileNotFoundError:
        raise LabError(
            f"no lab in {path.parent} (no {path.name}); start one with: replui lab up --dir {path.parent}"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabError(
            f"{path} is unreadable ({exc}); "
            f"remove the directory or run: replui lab down --purge --dir {path.parent}"
        ) from None


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def write_replui_toml(path: Path, state: LabState) -> None:
    """``replui.toml`` for :mod:`replui.config` (mode 0600: it holds the admin password)."""
    lines = [
        "# Written by 'replui lab up'. Open with: replui --config " + str(path),
        "",
        "[defaults]",
        f"user = {_toml_str(state.admin_user)}",
        f"password = {_toml_str(state.admin_password)}",
        "poll_interval = 2",
        'theme = "dark"',
        "",
    ]
    for n in state.nodes:
        lines += [
            "[[nodes]]",
            f"name = {_toml_str(n.name)}",
            f"host = {_toml_str(n.host)}",
            f"port = {n.port}",
            "",
        ]
    write_private(path, "\n".join(lines))
