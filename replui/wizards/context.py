"""What a step runs in: the :class:`StepContext` (the configuration, the
nodes' statuses, clients and transports, the cancel event, the narration
hooks) and the :class:`RunState` the steps of one run hand on to later
steps. The pure plan data is in :mod:`replui.wizards.plan`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal

from replui.config import Config
from replui.model import BinlogCoordinates, NodeStatus
from replui.wizards.plan import Identity, StepFailed

# -- what steps hand on to later steps -------------------------------------------------------

CoordinatesKey = Literal["coordinates", "peer_coordinates"]


@dataclass
class RunState:
    """The facts one run's steps hand on to later steps, typed (one field per
    fact, instead of string keys). Set by the step named in each comment."""

    #: The databases in scope (the ``scope`` step).
    databases: list[str] | None = None
    #: Their size in bytes, from information_schema (``scope``): feeds the progress ETA.
    estimate_bytes: int = 0
    #: Where the replica continues: the head of the dump (``stream``/``dump-file``),
    #: or what reset-replica chose (``choose-coordinates``).
    coordinates: BinlogCoordinates | None = None
    #: resync-pair: the other node's own binlog position after its restore.
    peer_coordinates: BinlogCoordinates | None = None
    #: ``--via-file``: the dump file (a ``dumpfile.FileDump``), its directory and its copy.
    file_dump: Any = None
    dump_dir: str | None = None
    copied: str | None = None
    #: Where the dump and the restore of each ``(source, replica)`` stream run
    #: (a ``placement.Placement``, decided by the pre-flight check or the ``stream`` step).
    placements: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: The wire tools each remote host has, by transport name (``placement.probe``
    #: learns them with the dump tool or client, so ``wire.choose_wire`` need not ask again).
    wire_tools: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Private option files to remove, as ``(node, path)``.
    private_files: list[tuple[str, str]] = field(default_factory=list)
    #: Replicas a verify step saw running and caught up.
    replicating: list[str] = field(default_factory=list)
    #: True once a step compared the copied data and it matched (``verify-data``).
    data_verified: bool = False
    #: Why the data may differ although every step passed (reset-replica after a purge).
    data_may_differ: str = ""
    #: heartbeat: ``(server_id, ts)`` written on the source, when (monotonic
    #: seconds), the source's clock skew (seconds), and per replica
    #: ``{"lag": s, "skew": s, "raw": s}``.
    heartbeat_written: tuple[int, Any] | None = None
    heartbeat_written_at: float = 0.0
    heartbeat_source_skew: float = 0.0
    heartbeat: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Checks use the statuses they were given, without asking the servers (pure tests).
    offline: bool = False

    def in_scope(self) -> list[str]:
        """The databases in scope; StepFailed when the scope step has not run."""
        if self.databases is None:
            raise StepFailed("the databases in scope were not chosen (the scope step did not run)")
        return self.databases

    def coords(self, key: CoordinatesKey) -> BinlogCoordinates | None:
        """``coordinates`` or ``peer_coordinates``."""
        return self.coordinates if key == "coordinates" else self.peer_coordinates

    def set_coords(self, key: CoordinatesKey, value: BinlogCoordinates) -> None:
        if key == "coordinates":
            self.coordinates = value
        else:
            self.peer_coordinates = value


# -- the context a step runs in ---------------------------------------------------------


@dataclass
class StepContext:
    """What a running step may use.

    ``config``; ``statuses`` by node name (refreshed by :meth:`refresh`);
    ``clients`` by node name (:class:`replui.mysql.client.NodeClient`, opened
    lazily); ``transports`` by node name (where commands run and private
    files and directories live: a ``replui.transport`` Transport, from
    :func:`replui.transport.transport_for`; empty until a step needs one);
    ``cancel`` is set to stop the run; ``log(text)`` writes to the transcript
    only; ``state`` (:class:`RunState`) carries facts from step to step (e.g. the coordinates
    read from the head of a dump); ``secrets`` are masked in all output.
    Blocking client calls run in a worker thread (:meth:`sql`).
    """

    config: Config
    statuses: dict[str, NodeStatus] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)
    transports: dict[str, Any] = field(default_factory=dict)
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    #: Why ``cancel`` was set, in words for the transcript ("the operator",
    #: "SIGTERM"); set it before setting ``cancel``.
    cancel_reason: str = "the operator"
    log: Callable[[str], None] = lambda text: None
    state: RunState = field(default_factory=RunState)
    secrets: list[str] = field(default_factory=list)
    #: ``async (node) -> Identity`` replacing the live ``@@server_id``… query
    #: (runner tests); None in real runs.
    identity_reader: Callable[[str], Awaitable[Identity]] | None = None
    #: ``echo(text)``: show a line as output of the running step (the runner
    #: sets it; every statement :meth:`execute` runs is echoed through it).
    echo: Callable[[str], None] = lambda text: None
    #: Identities the runner confirmed on the connection that writes, by node.
    confirmed: dict[str, Identity] = field(default_factory=dict)

    def client(self, node: str) -> Any:
        """The node's client, created on first use (raises KeyError for an unknown node)."""
        if node not in self.clients:
            from replui.mysql.client import NodeClient

            self.clients[node] = NodeClient(self.config.node(node))
        return self.clients[node]

    def transport(self, node: str) -> Any:
        """The node's transport, created on first use from its configuration
        by :func:`replui.transport.transport_for` (raises KeyError for an
        unknown node). It owns the node's processes, private files and private
        directories until :meth:`aclose`."""
        if node not in self.transports:
            from replui.transport import transport_for

            self.transports[node] = transport_for(self.config.node(node))
        return self.transports[node]

    async def query(self, node: str, sql: str, args: Any = None) -> list[dict[str, Any]]:
        """Rows of ``sql`` on ``node`` (in a thread). Raises NodeError."""
        return await asyncio.to_thread(self.client(node).query, sql, args)

    async def execute(self, node: str, sql: str, args: Any = None, *, shown: str | None = None) -> int:
        """Run one statement on ``node`` (in a thread), echoing it first as
        ``node> statement;`` (``shown`` instead of ``sql`` when it hides a
        password; secrets are masked again by the runner) so every statement
        a wizard runs is in its output and transcript. Returns the rows
        affected. Raises NodeError."""
        text = (
            shown if shown is not None else (sql if args is None else _mogrify(sql, args, self.literal(node)))
        )
        self.echo(f"{node}> {text};")
        return await asyncio.to_thread(self.client(node).execute, sql, args)

    async def scalar(self, node: str, sql: str, args: Any = None) -> Any:
        return await asyncio.to_thread(self.client(node).scalar, sql, args)

    def literal(self, node: str) -> Callable[[Any], str]:
        """An escaper for SQL literals bound to ``node``'s connection."""
        literal: Callable[[Any], str] = self.client(node).literal
        return literal

    async def refresh(self, node: str) -> NodeStatus:
        """Collect ``node``'s status now, store and return it (never raises)."""
        from replui.mysql.status import collect_status

        status = await asyncio.to_thread(collect_status, self.client(node), self.config.node(node))
        self.statuses[node] = status
        return status

    async def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``; raise asyncio.CancelledError when cancelled meanwhile."""
        try:
            await asyncio.wait_for(self.cancel.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return
        raise asyncio.CancelledError("cancelled by the operator")

    def close(self) -> None:
        """Close every client (see :meth:`aclose` for transports too)."""
        for c in self.clients.values():
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing is best effort: one failure must not keep others open
                pass

    async def aclose(self) -> list[str]:
        """Close every client and clean up every transport: no process,
        private file or private directory (a ``--via-file`` dump) left behind.
        Returns what could not be cleaned up, one line per transport (a remote
        host that stopped answering keeps its private directory: the operator
        is told where); empty when everything went."""
        self.close()
        problems: list[str] = []
        for t in self.transports.values():
            try:
                await t.cleanup()
            except Exception as exc:  # noqa: BLE001 - one failure must not stop the others
                problems.append(str(exc) or exc.__class__.__name__)
        return problems


def _mogrify(sql: str, args: Any, literal: Callable[[Any], str]) -> str:
    """``sql`` with its ``%s`` parameters filled in as literals (as PyMySQL does), for display."""
    seq = args if isinstance(args, (list, tuple)) else (args,)
    try:
        return sql % tuple(literal(a) for a in seq)
    except (TypeError, ValueError):
        return sql
