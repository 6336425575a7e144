"""Helpers the ``build_*_plan`` functions share: look up nodes and their
source, the dialect of a node, identities. Pure."""

from __future__ import annotations

import os
from typing import Iterable, Mapping, NotRequired, Sequence, TypeAlias, TypedDict

from replui.analysis.topology import build_topology, match_source
from replui.config import Config
from replui.model import Channel, NodeStatus
from replui.mysql.dialect import Dialect
from replui.wizards.checks import channel_of
from replui.wizards.plan import Identity, identity_of
from replui.wizards.sql import show_replica_status, show_source_status


class WizardError(Exception):
    """A plan cannot be built (unknown node, wrong options, a fact the plan
    needs is missing); ``str()`` is the message for the operator."""


Statuses: TypeAlias = "Mapping[str, NodeStatus] | Sequence[NodeStatus]"


def password_from_env(var: str) -> str:
    """The replication password held by environment variable ``var`` (the
    password is never taken on the command line). WizardError when unset."""
    pw = os.environ.get(var)
    if pw is None:
        raise WizardError(f"environment variable {var} is not set")
    return pw


def status_map(statuses: Statuses) -> dict[str, NodeStatus]:
    """``{name: status}`` from a mapping or a sequence of statuses."""
    if isinstance(statuses, Mapping):
        return dict(statuses)
    return {s.name: s for s in statuses}


def need_node(config: Config, statuses: dict[str, NodeStatus], name: str | None, option: str) -> NodeStatus:
    """The status of configured node ``name`` (given as ``option``).
    WizardError when missing or unknown."""
    if not name:
        raise WizardError(f"{option} NODE is required")
    try:
        config.node(name)
    except KeyError as exc:
        raise WizardError(f"{option}: {exc.args[0]}") from None
    st = statuses.get(name)
    if st is None:
        return NodeStatus(
            name=name,
            host=config.node(name).host,
            port=config.node(name).port,
            reachable=False,
            error="not polled",
        )
    return st


def need_replica(
    config: Config, statuses: dict[str, NodeStatus], name: str | None, option: str, why: str
) -> tuple[NodeStatus, Channel | None]:
    """``(status, channel)`` of configured node ``name`` (given as ``option``),
    which must be a replica when it is reachable; ``why`` ends the message
    otherwise ("nothing to restart"). The channel is None for an unreachable
    node. Raises WizardError."""
    st = need_node(config, statuses, name, option)
    ch = channel_of(st)
    if st.reachable and ch is None:
        raise WizardError(f"{name} is not a replica (SHOW SLAVE STATUS is empty): {why}")
    return st, ch


def source_of(statuses: dict[str, NodeStatus], replica: str) -> str | None:
    """The configured node ``replica``'s default channel replicates from, or None."""
    st = statuses.get(replica)
    ch = channel_of(st)
    if st is None or ch is None:
        return None
    name, _ = match_source(ch, st, list(statuses.values()))
    return name


def downstream_of(statuses: dict[str, NodeStatus], source: str) -> list[str]:
    """Every configured node replicating from ``source`` directly or through
    others (``source`` itself excluded), in config order."""
    topo = build_topology(list(statuses.values()))
    seen: list[str] = []
    todo = [source]
    while todo:
        for r in topo.replicas_of(todo.pop(0)):
            if r != source and r not in seen:
                seen.append(r)
                todo.append(r)
    return [n for n in topo.nodes if n in seen]


def dialect_of(statuses: dict[str, NodeStatus], node: str) -> Dialect:
    """The dialect the wizards write for ``node`` (:meth:`Dialect.of` its status)."""
    return Dialect.of(statuses.get(node))


def identities(statuses: dict[str, NodeStatus], nodes: Iterable[str]) -> dict[str, Identity]:
    return {n: identity_of(statuses.get(n)) for n in nodes}


class VerifySql(TypedDict):
    """The keyword arguments :func:`verify_sql` gives :func:`replui.wizards.steps.verify_step`."""

    status_sql: str
    source_sql: NotRequired[str]


def verify_sql(statuses: dict[str, NodeStatus], replica: str, source: str | None) -> VerifySql:
    """Keyword arguments for :func:`replui.wizards.steps.verify_step`: the
    status statements in each node's dialect."""
    out: VerifySql = {"status_sql": show_replica_status(dialect_of(statuses, replica)).sql}
    if source:
        out["source_sql"] = show_source_status(dialect_of(statuses, source)).sql
    return out


def seen_as(st: NodeStatus) -> str:
    """``"MariaDB 10.11.6, server_id 2"`` — how the plan saw a node."""
    if not st.reachable:
        return f"unreachable ({st.error})"
    return f"{Dialect.of(st).display_name}, server_id {st.server_id}"
