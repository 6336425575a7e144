"""Where the dump and the restore of a streamed copy run, decided before the
bytes flow: :class:`Placement`.

By default (``transfer = "jump"`` on the replica) the dump tool runs on the
source's host and the client on the replica's host, and the bytes are relayed
through this machine — the jump host — as ``scp -3`` copies between two
remote hosts. When a host reached by SSH lacks its tool and this machine has
it, the tool runs here instead, against the node's MySQL through a unix socket
forwarded over the node's SSH connection (:meth:`SshHub.forward_mysql`; the
socket lives in a 0700 directory here and goes with it). A node whose
``mysql_via`` is ``"direct"`` is reached straight from here, without a forward.

With ``transfer = "direct"`` on the replica, the replica's host reaches the
source's MySQL at its replication address (``source_address``, the one
``CHANGE MASTER TO`` names) and runs the dump itself, piped into its own
client (:mod:`replui.wizards.hostpipe`): the bytes never pass through the jump
host. That host then needs both tools; nothing falls back.

:func:`decide` is pure (it reads :class:`ToolFacts`); :func:`placement_for`
asks the hosts; :func:`prepared_ends` opens the forwards and yields the
transports and node configurations the tools use (copies, never the
configuration itself), closing and removing the forwards on every exit path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable

from replui.config import MysqlVia, NodeConfig, Transfer
from replui.transport.base import Transport, TransportError
from replui.wizards.context import StepContext
from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, find_tool

__all__ = [
    "JUMP_KEY",
    "Runs",
    "Tool",
    "ToolFacts",
    "ToolPlace",
    "Placement",
    "PlacementError",
    "decide",
    "intent_lines",
    "placement_for",
    "prepared_ends",
    "Ends",
]

#: The key of this machine's transport in ``StepContext.transports`` for tools
#: that fall back to the jump host (no node name can contain '@').
JUMP_KEY = "@jump-host"
#: Where a node without SSH runs its tools.
HERE = "this machine"


class Runs(str, enum.Enum):
    """Where one tool runs."""

    #: On the node's own host (over SSH; this machine for a node without SSH).
    NODE_HOST = "node-host"
    #: On this machine, the jump host, against the node's MySQL through a forward (or directly).
    JUMP_HOST = "jump-host"
    #: The dump, on the replica's host, against the source's replication address.
    REPLICA_HOST = "replica-host"


class Tool(str, enum.Enum):
    DUMP = "dump"
    CLIENT = "client"


class PlacementError(Exception):
    """No host can run a tool (or ``transfer = "direct"`` cannot be honoured);
    ``str()`` names the node, the host, the tool and what to do."""


@dataclass(frozen=True)
class ToolFacts:
    """What a probe found: ``found[(node, tool)]`` is the tool's file name on
    that node's host (None: absent) and ``here[tool]`` on this machine. A
    missing key was not asked: the tool is taken to be there (the stream
    reports it if it is not)."""

    found: dict[tuple[str, Tool], str | None] = field(default_factory=dict)
    here: dict[Tool, str | None] = field(default_factory=dict)

    def on_host(self, node: str, tool: Tool) -> bool:
        return self.found.get((node, tool), "") is not None

    def name(self, node: str | None, tool: Tool, default: str) -> str:
        got = self.found.get((node, tool)) if node is not None else self.here.get(tool)
        return (got or default).rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ToolPlace:
    """One tool: ``name`` (``mariadb-dump``), the ``node`` whose server it
    connects to, where it ``runs``, the ``host`` running it in words and how it
    ``reach``-es the server; ``why`` says why it is not on the node's host."""

    name: str
    node: str
    runs: Runs
    host: str
    reach: str
    why: str = ""

    @property
    def remote(self) -> bool:
        """It runs on another host than this machine."""
        return self.runs is not Runs.JUMP_HOST and self.host != HERE

    def describe(self) -> str:
        text = f"{self.name} runs on {self.host} against {self.reach}"
        return text + (f": {self.why}" if self.why else "")


@dataclass(frozen=True)
class Placement:
    """Where the dump and the restore of one streamed copy run.
    ``relayed``: the dump's bytes pass through this machine."""

    transfer: Transfer
    dump: ToolPlace
    restore: ToolPlace

    @property
    def relayed(self) -> bool:
        return self.transfer is Transfer.JUMP

    @property
    def falls_back(self) -> bool:
        return Runs.JUMP_HOST in (self.dump.runs, self.restore.runs)

    def lines(self) -> list[str]:
        """What the preview and the step's output say, one fact a line."""
        if not self.relayed:
            return [
                f"{self.dump.describe()}, piped into {self.restore.name} there: "
                "the bytes do not pass through the jump host"
            ]
        relay = (
            ["the bytes are relayed through the jump host"] if self.dump.remote or self.restore.remote else []
        )
        return [self.dump.describe(), self.restore.describe(), *relay]


def host_label(node: NodeConfig) -> str:
    """``db1's host (db1.internal)``, or ``this machine`` for a node without SSH."""
    target = node.ssh_target
    return f"{node.name}'s host ({target.host})" if target is not None else HERE


def _on_node_host(node: NodeConfig, name: str) -> ToolPlace:
    reach = f"{node.name} at {node.address}"
    return ToolPlace(name, node.name, Runs.NODE_HOST, host_label(node), reach)


def _on_jump_host(node: NodeConfig, name: str, why: str) -> ToolPlace:
    target = node.ssh_target
    if node.mysql_via is MysqlVia.DIRECT or target is None:
        reach = f"{node.name} directly at {node.address}"
    else:
        reach = f"{node.name} through ssh (a forward to {node.address} on {target.host})"
    return ToolPlace(name, node.name, Runs.JUMP_HOST, "the jump host", reach, why)


def _where_key(node: NodeConfig, key: str) -> str:
    dotted, line = node.where(key)
    return f"{node.source_path or '<config>'}" + (f":{line}" if line else "") + f": {dotted}"


def _end(node: NodeConfig, tool: Tool, names: tuple[str, ...], facts: ToolFacts) -> ToolPlace:
    """The dump tool (``tool`` DUMP) or the client for ``node``: on its host
    when it has one, else on this machine. Raises PlacementError."""
    default = names[0]
    if node.ssh_target is None or facts.on_host(node.name, tool):
        return _on_node_host(node, facts.name(node.name, tool, default))
    either = " nor ".join(names)
    if facts.here.get(tool, "") is None:
        raise PlacementError(
            f"neither {host_label(node)} nor the jump host has {' or '.join(names)}: install the MariaDB or "
            "MySQL client on one of them"
        )
    return _on_jump_host(node, facts.name(None, tool, default), f"{host_label(node)} has neither {either}")


def decide(
    source: NodeConfig,
    replica: NodeConfig,
    facts: ToolFacts,
    dump_names: tuple[str, ...] = DUMP_TOOLS,
    client_names: tuple[str, ...] = CLIENT_TOOLS,
) -> Placement:
    """Where the dump of ``source`` and the restore into ``replica`` run, from
    what ``facts`` says each host has (``replica.transfer`` decides between
    relaying and host → host). Pure. Raises :class:`PlacementError` when no
    host has a tool, or ``transfer = "direct"`` lacks a tool on the replica's
    host or a replication address of the source."""
    if replica.transfer is Transfer.DIRECT:
        problem = source.source_address_problem()
        where = _where_key(replica, "transfer")
        if problem:
            raise PlacementError(f'transfer = "direct" ({where}) needs the source\'s address: {problem}')
        missing = [
            " or ".join(names)
            for tool, names in ((Tool.DUMP, dump_names), (Tool.CLIENT, client_names))
            if not facts.on_host(replica.name, tool)
        ]
        if missing:
            raise PlacementError(
                f'transfer = "direct" ({where}): {host_label(replica)} lacks {" and ".join(missing)}, needed '
                'to dump the source there: install the MariaDB or MySQL client, or set transfer = "jump"'
            )
        host, port = source.source_address
        shown = f"[{host}]" if ":" in host else host
        dump = ToolPlace(
            facts.name(replica.name, Tool.DUMP, dump_names[0]),
            source.name,
            Runs.REPLICA_HOST,
            host_label(replica),
            f"{source.name} at {shown}:{port} (its replication address)",
        )
        restore = _on_node_host(replica, facts.name(replica.name, Tool.CLIENT, client_names[0]))
        return Placement(Transfer.DIRECT, dump, restore)
    return Placement(
        Transfer.JUMP,
        _end(source, Tool.DUMP, dump_names, facts),
        _end(replica, Tool.CLIENT, client_names, facts),
    )


def intent_lines(source: NodeConfig, replica: NodeConfig, dump_name: str, client_name: str) -> list[str]:
    """What the plan's preview says before the hosts are asked (empty when
    both nodes run their tools on this machine and nothing goes host → host)."""
    if replica.transfer is Transfer.DIRECT:
        host, port = source.source_address
        return [
            f"{dump_name} runs on {host_label(replica)} against {source.name} at {host}:{port} (its "
            f"replication address), piped into {client_name} there: "
            "the bytes do not pass through the jump host"
        ]
    if not (source.uses_ssh or replica.uses_ssh):
        return []
    out = []
    for node, name in ((source, dump_name), (replica, client_name)):
        line = f"{name} runs on {host_label(node)}"
        if node.uses_ssh:
            via = "" if node.mysql_via is MysqlVia.DIRECT else " through ssh"
            line += f", or on the jump host against {node.name}{via} when that host lacks it"
        out.append(line)
    return [*out, "the bytes are relayed through the jump host"]


# -- asking the hosts ------------------------------------------------------------------------------


def jump_transport(ctx: StepContext) -> Transport:
    """This machine's transport for tools that fall back to the jump host
    (cleaned up with the run's other transports by ``ctx.aclose()``)."""
    if JUMP_KEY not in ctx.transports:
        from replui.transport import transport_for

        ctx.transports[JUMP_KEY] = transport_for(NodeConfig(name=JUMP_KEY))  # no SSH: this machine
    transport: Transport = ctx.transports[JUMP_KEY]
    return transport


async def _found(transport: Transport, names: tuple[str, ...]) -> str | None:
    try:
        return (await find_tool(transport, names)).path
    except TransportError:
        return None


async def _asked(ctx: StepContext, node: str, names: tuple[str, ...]) -> str | None:
    """The path of the first of ``names`` on ``node``'s host (None: none, or the host
    cannot be asked), asked with its wire tools in one command
    (:func:`replui.wizards.wireend.probe_host`); those are kept in
    ``ctx.state.wire_tools`` for :func:`replui.wizards.wire.choose_wire`."""
    from replui.wizards.wireend import probe_host

    transport = ctx.transport(node)
    try:
        found = await probe_host(node, transport, names)
    except TransportError:
        return None
    ctx.state.wire_tools[transport.name] = found.have
    return found.tool.path if found.tool is not None else None


async def probe(ctx: StepContext, source: NodeConfig, replica: NodeConfig) -> ToolFacts:
    """Ask the hosts that may run a tool which they have: the source's and the
    replica's hosts over SSH (their dump tool, their client; the replica's
    dump tool too with ``transfer = "direct"``) and this machine. One remote
    command per question, all at once; a host that relays the stream is asked
    its wire tools in the same command (:func:`_asked`)."""
    import asyncio

    direct = replica.transfer is Transfer.DIRECT
    asks: list[tuple[str | None, Tool, tuple[str, ...]]] = []
    if direct:
        asks += [(replica.name, Tool.DUMP, DUMP_TOOLS), (replica.name, Tool.CLIENT, CLIENT_TOOLS)]
    else:
        if source.uses_ssh:
            asks.append((source.name, Tool.DUMP, DUMP_TOOLS))
        if replica.uses_ssh:
            asks.append((replica.name, Tool.CLIENT, CLIENT_TOOLS))
        asks += [(None, Tool.DUMP, DUMP_TOOLS), (None, Tool.CLIENT, CLIENT_TOOLS)]

    def ask(node: str | None, names: tuple[str, ...]) -> Awaitable[str | None]:
        if node is None:
            return _found(jump_transport(ctx), names)
        return _found(ctx.transport(node), names) if direct else _asked(ctx, node, names)

    results = await asyncio.gather(*(ask(node, names) for node, _tool, names in asks))
    facts = ToolFacts()
    for (node, tool, _names), path in zip(asks, results, strict=True):
        if node is None:
            facts.here[tool] = path
        else:
            facts.found[(node, tool)] = path
    return facts


async def placement_for(ctx: StepContext, source: str, replica: str) -> Placement:
    """The placement the pre-flight check decided for this pair (kept in
    ``ctx.state.placements``), else decided now. Raises PlacementError."""
    known = ctx.state.placements.get((source, replica))
    if isinstance(known, Placement):
        return known
    scfg, rcfg = ctx.config.node(source), ctx.config.node(replica)
    asked = rcfg.transfer is Transfer.DIRECT or scfg.uses_ssh or rcfg.uses_ssh
    facts = await probe(ctx, scfg, rcfg) if asked else ToolFacts()
    placement = decide(scfg, rcfg, facts)
    ctx.state.placements[(source, replica)] = placement
    return placement


# -- the ends, ready for the stream ----------------------------------------------------------------


@dataclass(frozen=True)
class Ends:
    """What the tools use: the node configurations (copies pointing at a
    forward, or at the source's replication address) and the transports that
    run them; ``restore_key`` is the ``ctx.transports`` key of the client's."""

    source: NodeConfig
    replica: NodeConfig
    source_transport: Transport
    replica_transport: Transport
    restore_key: str


async def _forwarded(
    ctx: StepContext, node: NodeConfig, stack: contextlib.AsyncExitStack
) -> tuple[NodeConfig, Transport]:
    """``node`` as a tool on this machine reaches it: through a unix socket
    forwarded over its SSH connection (in a 0700 directory here), or as it is
    when replui reaches it directly. The forward and its directory are closed
    and removed when ``stack`` unwinds."""
    here = jump_transport(ctx)
    target = node.ssh_target
    if node.mysql_via is MysqlVia.DIRECT or target is None:
        return node, here
    from replui.transport.sshhub import SshError, SshHub
    from replui.transport.sshhub import hub as default_hub

    remote: Any = ctx.transport(node.name)
    hub: SshHub = getattr(remote, "hub", None) or default_hub()
    directory = await here.make_private_dir("replui-fwd-")
    stack.push_async_callback(here.remove_tree, directory)
    path = f"{directory}/{node.name}.sock"
    try:
        forward = await hub.forward_mysql(target, path, host=node.host, port=node.port, path=node.socket)
    except SshError as exc:
        raise TransportError(f"{node.name}: {exc}") from None
    stack.push_async_callback(hub.close_forward, forward)
    return dataclasses.replace(node, socket=path), here


@contextlib.asynccontextmanager
async def prepared_ends(
    ctx: StepContext, placement: Placement, source: str, replica: str
) -> AsyncIterator[Ends]:
    """The :class:`Ends` for ``placement``: forwards opened for the tools that
    run on the jump host, the source's replication address for a host → host
    dump. Everything opened here is closed and removed on exit, whatever the
    exit. Raises TransportError naming the node when a forward cannot be made."""
    scfg, rcfg = ctx.config.node(source), ctx.config.node(replica)
    async with contextlib.AsyncExitStack() as stack:
        src_cfg, src_t = scfg, ctx.transport(source)
        rep_cfg, rep_t, rep_key = rcfg, ctx.transport(replica), replica
        if placement.dump.runs is Runs.REPLICA_HOST:
            host, port = scfg.source_address
            src_cfg, src_t = dataclasses.replace(scfg, host=host, port=port, socket=None), rep_t
        elif placement.dump.runs is Runs.JUMP_HOST:
            src_cfg, src_t = await _forwarded(ctx, scfg, stack)
        if placement.restore.runs is Runs.JUMP_HOST:
            rep_cfg, rep_t = await _forwarded(ctx, rcfg, stack)
            rep_key = JUMP_KEY
        yield Ends(src_cfg, rep_cfg, src_t, rep_t, rep_key)


async def no_binlog_copy(ctx: StepContext, key: str, node: NodeConfig) -> NodeConfig:
    """A copy of ``node`` whose option file also sets ``init-command=SET SESSION
    sql_log_bin=0`` — a 0600 file on the transport ``ctx.transports[key]``
    (where the client runs), chaining the node's own ``defaults_file``;
    listed in ``ctx.state.private_files`` for removal."""
    text = (
        f"!include {node.defaults_file}\n" if node.defaults_file else ""
    ) + '[client]\ninit-command="SET SESSION sql_log_bin=0"\n'
    path = await ctx.transport(key).write_private_file(text.encode(), ".cnf")
    ctx.state.private_files.append((key, path))
    return dataclasses.replace(node, defaults_file=path)
