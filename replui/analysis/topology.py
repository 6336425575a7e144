"""Who replicates from whom, worked out from the nodes' own replica status.

:func:`build_topology` matches each replication channel's source
(``Master_Host``/``Master_Port``, ``Master_Server_Id``) to a configured node and
returns a :class:`Topology`: the edges, master⇄master pairs, chains, rings,
each node's role, and a one-line :meth:`Topology.describe` for the header.

Pure: no I/O, no textual/rich.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from replui.model import Channel, NodeStatus

#: Host names that all mean "this machine" (normalised to ``"localhost"``).
LOOPBACK = frozenset(
    {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "localhost.localdomain", "ip6-localhost"}
)
DEFAULT_PORT = 3306


def normalise_host(host: str | None) -> str:
    """Lower-case ``host``, drop IPv6 brackets and a trailing dot; every
    loopback spelling (``localhost``, ``127.0.0.1``, ``::1``, ``0.0.0.0``)
    becomes ``"localhost"``. ``None``/empty -> ``""``."""
    h = (host or "").strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    h = h.rstrip(".")
    if h in LOOPBACK or h.startswith("127."):
        return "localhost"
    return h


@dataclass(frozen=True)
class Edge:
    """``replica`` replicates from ``source`` over channel ``channel`` (``""`` is
    the default channel). ``external`` is True when the source is not a
    configured node; ``source`` is then ``"host:port (not in config)"``.
    ``matched_by`` is ``"server_id"``, ``"host"`` or ``"external"``."""

    source: str
    replica: str
    channel: str = ""
    external: bool = False
    matched_by: str = "host"


@dataclass(frozen=True)
class Topology:
    """The replication graph of the configured nodes.

    ``nodes`` are the configured node names in config order, ``unreachable``
    those whose poll failed (they still appear: isolated, or through the edges
    their peers report). ``edges`` follow node then channel order.
    """

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    unreachable: frozenset[str] = field(default_factory=frozenset)

    # -- lookups ---------------------------------------------------------
    def edge_for(self, replica: str, channel: str = "") -> Edge | None:
        """The edge of ``replica``'s channel ``channel``, or None."""
        for e in self.edges:
            if e.replica == replica and e.channel == channel:
                return e
        return None

    def sources_of(self, name: str) -> list[str]:
        """Sources ``name`` replicates from (configured names or external labels), in channel order."""
        out: list[str] = []
        for e in self.edges:
            if e.replica == name and e.source not in out:
                out.append(e.source)
        return out

    def replicas_of(self, name: str) -> list[str]:
        """Configured nodes that replicate from ``name``, in config order."""
        out: list[str] = []
        for e in self.edges:
            if e.source == name and e.replica not in out:
                out.append(e.replica)
        return out

    @property
    def external_sources(self) -> list[str]:
        """Labels ``"host:port (not in config)"`` of sources outside the config."""
        out: list[str] = []
        for e in self.edges:
            if e.external and e.source not in out:
                out.append(e.source)
        return out

    @property
    def internal_edges(self) -> list[Edge]:
        return [e for e in self.edges if not e.external]

    # -- shapes -----------------------------------------------------------
    @property
    def pairs(self) -> list[tuple[str, str]]:
        """master⇄master pairs ``(a, b)``: a replicates from b and b from a; a first in config order."""
        out: list[tuple[str, str]] = []
        links = {(e.source, e.replica) for e in self.internal_edges}
        for a in self.nodes:
            for b in self.nodes:
                if self._idx(a) < self._idx(b) and (a, b) in links and (b, a) in links:
                    out.append((a, b))
        return out

    @property
    def rings(self) -> list[tuple[str, ...]]:
        """Directed cycles of three or more configured nodes (``a → b → c → a``),
        each rotated to start at its first node in config order."""
        succ = self._succ(self.internal_edges)
        found: list[tuple[str, ...]] = []
        seen: set[frozenset[str]] = set()

        def walk(start: str, path: list[str]) -> None:
            for nxt in succ.get(path[-1], []):
                if nxt == start and len(path) >= 3:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        found.append(tuple(path))
                elif nxt not in path and self._idx(nxt) > self._idx(start):
                    walk(start, path + [nxt])

        for n in self.nodes:
            walk(n, [n])
        return found

    @property
    def chains(self) -> list[tuple[str, ...]]:
        """Linear paths of three or more nodes (``a → b → c``) outside pairs and rings."""
        return [p for p in self._paths() if len(p) >= 3]

    @property
    def roles(self) -> dict[str, str]:
        """Configured node -> ``"source"``, ``"replica"``, ``"both"`` or ``"standalone"``."""
        out: dict[str, str] = {}
        for n in self.nodes:
            src, rep = bool(self.replicas_of(n)), bool(self.sources_of(n))
            out[n] = "both" if src and rep else "source" if src else "replica" if rep else "standalone"
        return out

    def describe(self) -> str:
        """One line for the header, e.g. ``"node1 ⇄ node2"``, ``"src → rep1, rep2"``,
        ``"a → b → c"``; parts joined by ``"; "``. Standalone nodes are named
        with ``(standalone)``, unreachable isolated ones with ``(unreachable)``."""
        parts: list[str] = [f"{a} ⇄ {b}" for a, b in self.pairs]  # a pair is only seen when both answer
        parts += [" → ".join(r + (r[0],)) for r in self.rings]
        rest = self._rest_edges()
        succ = self._succ(rest)
        done: set[tuple[str, str]] = set()

        def lab(n: str) -> str:
            return f"{n} (unreachable)" if n in self.unreachable else n

        def render(n: str) -> str:
            kids = [k for k in succ.get(n, []) if (n, k) not in done]
            for k in kids:
                done.add((n, k))
            if not kids:
                return lab(n)
            if len(kids) == 1:
                return f"{lab(n)} → {render(kids[0])}"
            for k in kids:
                if succ.get(k):
                    pending.append(k)
            return f"{lab(n)} → {', '.join(map(lab, kids))}"

        pending: list[str] = []
        for root in self._roots(rest):
            pending.append(root)
            while pending:
                n = pending.pop(0)
                if any((n, k) not in done for k in succ.get(n, [])):
                    parts.append(render(n))
        in_graph = {e.source for e in self.edges} | {e.replica for e in self.edges}
        for n in self.nodes:
            if n not in in_graph:
                parts.append(f"{n} (unreachable)" if n in self.unreachable else f"{n} (standalone)")
        return "; ".join(parts) if parts else "no nodes"

    # -- helpers ----------------------------------------------------------
    def _idx(self, name: str) -> int:
        try:
            return self.nodes.index(name)
        except ValueError:
            return len(self.nodes)

    def _order(self) -> list[str]:
        out = list(self.nodes)
        for e in self.edges:
            if e.source not in out:
                out.append(e.source)
        return out

    def _succ(self, edges: Sequence[Edge]) -> dict[str, list[str]]:
        succ: dict[str, list[str]] = {}
        for e in edges:
            lst = succ.setdefault(e.source, [])
            if e.replica not in lst:
                lst.append(e.replica)
        return succ

    def _rest_edges(self) -> list[Edge]:
        used: set[tuple[str, str]] = set()
        for a, b in self.pairs:
            used |= {(a, b), (b, a)}
        for r in self.rings:
            used |= {(r[i], r[(i + 1) % len(r)]) for i in range(len(r))}
        return [e for e in self.edges if (e.source, e.replica) not in used]

    def _roots(self, edges: Sequence[Edge]) -> list[str]:
        targets = {e.replica for e in edges}
        sources = {e.source for e in edges}
        order = self._order()
        roots = [n for n in order if n in sources and n not in targets]
        # whatever is left on a cycle with no root still gets rendered
        return roots + [n for n in order if n in sources and n not in roots]

    def _paths(self) -> list[tuple[str, ...]]:
        rest = self._rest_edges()
        succ = self._succ(rest)
        indeg: dict[str, int] = {}
        for e in rest:
            indeg[e.replica] = indeg.get(e.replica, 0) + 1
        out: list[tuple[str, ...]] = []
        for start in self._order():
            if start not in succ:
                continue
            # a path starts where it cannot be continued backwards linearly
            preds = [e.source for e in rest if e.replica == start]
            if len(preds) == 1 and len(succ.get(preds[0], [])) == 1:
                continue
            for first in succ[start]:
                path = [start, first]
                while (
                    len(succ.get(path[-1], [])) == 1
                    and indeg.get(succ[path[-1]][0], 0) == 1
                    and succ[path[-1]][0] not in path
                ):
                    path.append(succ[path[-1]][0])
                out.append(tuple(path))
        return out


def _source_label(ch: Channel) -> str:
    return (
        f"{ch.source_host or '?'}:"
        f"{ch.source_port if ch.source_port is not None else DEFAULT_PORT} (not in config)"
    )


def match_source(ch: Channel, replica: NodeStatus, statuses: Sequence[NodeStatus]) -> tuple[str | None, str]:
    """The configured node ``ch`` replicates from: ``(name, "server_id")`` when
    ``Master_Server_Id`` equals exactly one other node's ``@@server_id``, else
    ``(name, "host")`` when exactly one node's host or ``@@hostname`` and port
    match ``Master_Host``/``Master_Port`` (loopback spellings are equal, and a
    loopback source means the replica's own machine), else ``(None, "external")``."""
    if ch.source_server_id:
        hits = [s for s in statuses if s.server_id == ch.source_server_id and s.name != replica.name]
        if len(hits) == 1:
            return hits[0].name, "server_id"
    want_host = normalise_host(ch.source_host)
    want_port = ch.source_port if ch.source_port is not None else DEFAULT_PORT
    if not want_host:
        return None, "external"
    wanted = {want_host}
    if want_host == "localhost":  # the replica's own machine, however it is named in the config
        wanted |= {normalise_host(replica.host), normalise_host(replica.hostname)} - {""}
    hits = []
    for s in statuses:
        if s.name == replica.name or s.port != want_port:
            continue
        names = {normalise_host(s.host), normalise_host(s.hostname)} - {""}
        if names & wanted:
            hits.append(s)
    if len(hits) > 1:  # prefer an exact host match over a loopback/hostname one
        exact = [s for s in hits if normalise_host(s.host) == want_host]
        hits = exact if len(exact) == 1 else hits
    if len(hits) == 1:
        return hits[0].name, "host"
    return None, "external"


def build_topology(statuses: Sequence[NodeStatus]) -> Topology:
    """Build the :class:`Topology` of ``statuses`` (one per configured node, in
    config order). Unreachable nodes report no channels, so they appear only
    through the edges their replicas report. Never raises."""
    edges: list[Edge] = []
    for s in statuses:
        for ch in s.channels:
            name, how = match_source(ch, s, statuses)
            if name is None:
                edges.append(Edge(_source_label(ch), s.name, ch.name, True, "external"))
            else:
                edges.append(Edge(name, s.name, ch.name, False, how))
    return Topology(
        nodes=tuple(s.name for s in statuses),
        edges=tuple(edges),
        unreachable=frozenset(s.name for s in statuses if not s.reachable),
    )
