"""Polling engine shared by ``replui status`` and the TUI.

A :class:`Monitor` owns one :class:`~replui.mysql.client.NodeClient` per
configured node (one connection each, kept open and re-opened after a
failure). :meth:`Monitor.poll` is blocking and is meant to run in a thread:
the TUI calls it from ``asyncio.to_thread`` (one worker per node, so a hung
node delays no other), the CLI from a thread pool.

:class:`StaticMonitor` serves canned statuses (TUI tests, snapshots, demos
without servers) through the same interface.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, Sequence

from replui.analysis.findings import analyse, unconfirmed_sources
from replui.config import Config, NodeConfig
from replui.model import Finding, NodeStatus


class StatusSource(Protocol):
    """What the TUI and CLI need from a poller."""

    config: Config

    def node_names(self) -> list[str]: ...

    def poll(self, name: str) -> NodeStatus:
        """Collect one node's status (blocking; never raises)."""
        ...

    def analyse(self, statuses: Sequence[NodeStatus]) -> list[Finding]: ...

    def error_log(self, name: str) -> str:
        """The tail of ``name``'s error log read on its host, or why not (blocking; never raises)."""
        ...

    def close(self) -> None: ...


class Monitor:
    """Live status of the nodes of ``config``.

    Thread-safety: :meth:`poll` may run concurrently for *different* nodes;
    a per-node lock keeps at most one query in flight per connection.
    """

    def __init__(self, config: Config):
        from replui.mysql.client import NodeClient

        self.config = config
        self._clients: dict[str, NodeClient] = {n.name: NodeClient(n) for n in config.nodes}
        self._locks: dict[str, threading.Lock] = {n.name: threading.Lock() for n in config.nodes}

    def node_names(self) -> list[str]:
        return [n.name for n in self.config.nodes]

    def node_config(self, name: str) -> NodeConfig:
        return self.config.node(name)

    def resolve_passwords(self) -> None:
        """Resolve every node's password now, in config order (each client
        keeps its own for its connections). Raises the first
        :class:`~replui.config.ConfigError` (file, line, key): a password
        source that cannot be used is a configuration problem, not an outage."""
        for client in self._clients.values():
            client.resolve_password()

    def poll(self, name: str) -> NodeStatus:
        """Collect ``name``'s status now. Never raises: failures come back as
        ``NodeStatus(reachable=False, error=..., errno=...)``."""
        from replui.mysql.status import collect_status

        with self._locks[name]:
            return collect_status(self._clients[name], self.config.node(name))

    def error_log(self, name: str) -> str:
        """The tail of ``name``'s error log, read on its host over SSH
        (:func:`replui.hostfacts.error_log_tail`); blocking, never raises."""
        from replui.hostfacts import error_log_tail

        with self._locks[name]:
            return error_log_tail(self.config.node(name), self._clients[name])

    def poll_all(self) -> list[NodeStatus]:
        """All nodes, concurrently (one thread per node), in config order.

        A source that some replica's coordinates are past (it may have been
        read a moment before the replica, see
        :func:`~replui.analysis.findings.unconfirmed_sources`) is read once
        more, after every replica, so the analysis can tell a write between
        the two reads from an impossible position.
        """
        names = self.node_names()
        with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
            statuses = list(pool.map(self.poll, names))
            again = unconfirmed_sources(statuses)
            if again:
                fresh = dict(zip(again, pool.map(self.poll, again), strict=True))
                statuses = [fresh.get(s.name, s) for s in statuses]
        return statuses

    def analyse(self, statuses: Sequence[NodeStatus]) -> list[Finding]:
        return analyse(
            list(statuses), lag_warning=self.config.lag_warning, lag_critical=self.config.lag_critical
        )

    def close(self) -> None:
        for c in self._clients.values():
            c.close()


def poll_once(config: Config) -> list[NodeStatus]:
    """Every node of ``config`` collected once (concurrently, config order) with
    connections opened for this call and closed after: for ``replui status``
    and ``replui wizard``. Never raises for a node that cannot be reached."""
    monitor = Monitor(config)
    try:
        return monitor.poll_all()
    finally:
        monitor.close()


class StaticMonitor:
    """Serves fixed statuses: for tests, snapshots and ``--demo`` screens."""

    def __init__(self, config: Config, statuses: Sequence[NodeStatus]):
        self.config = config
        self._statuses = {s.name: s for s in statuses}

    def node_names(self) -> list[str]:
        return [n.name for n in self.config.nodes]

    def poll(self, name: str) -> NodeStatus:
        return self._statuses[name]

    def poll_all(self) -> list[NodeStatus]:
        return [self.poll(n) for n in self.node_names()]

    def set_status(self, status: NodeStatus) -> None:
        self._statuses[status.name] = status

    def error_log(self, name: str) -> str:
        return f"{name}: canned status; no error log to read"

    def analyse(self, statuses: Sequence[NodeStatus]) -> list[Finding]:
        return analyse(
            list(statuses), lag_warning=self.config.lag_warning, lag_critical=self.config.lag_critical
        )

    def close(self) -> None:
        pass
