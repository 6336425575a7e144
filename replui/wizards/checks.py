"""The checks the wizards share.

Each factory returns a :class:`~replui.wizards.plan.Check` that reads
``ctx.statuses`` (the runner refreshes them just before the checks run) and
``ctx.state``; none writes anything. A failed check's reason names the node
and the fact, e.g. ``"node2 is the source: the target must not be node2"``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from replui.analysis.topology import match_source
from replui.model import BinlogCoordinates, Channel, NodeStatus
from replui.wizards.context import StepContext
from replui.wizards.plan import Check, CheckResult


def _status(ctx: StepContext, node: str) -> NodeStatus:
    st = ctx.statuses.get(node)
    if st is None:
        raise LookupError(f"no status for {node}")
    return st


def channel_of(status: NodeStatus | None, name: str = "") -> Channel | None:
    """The replica's channel ``name`` (default channel ``""``; the only one when there is one)."""
    if status is None:
        return None
    for ch in status.channels:
        if ch.name == name:
            return ch
    return status.channels[0] if len(status.channels) == 1 and not name else None


def reachable(*nodes: str) -> Check:
    """Every node answers."""

    def run(ctx: StepContext) -> CheckResult:
        for n in nodes:
            st = ctx.statuses.get(n)
            if st is None or not st.reachable:
                return CheckResult(False, f"{n} is not reachable: {st.error if st else 'no status'}")
        return CheckResult(True)

    return Check(f"{', '.join(nodes)} reachable", run)


def target_is_not(target: str, other: str, role: str = "source") -> Check:
    """Refuse when the target is the source/authoritative node — by name, or by
    being the same server (equal ``@@server_id`` and ``@@hostname``/``server_uuid``)."""

    def run(ctx: StepContext) -> CheckResult:
        if target == other:
            return CheckResult(False, f"{target} is the {role}: the target must be another node")
        t, o = ctx.statuses.get(target), ctx.statuses.get(other)
        if t and o and t.reachable and o.reachable:
            same = (t.server_uuid and t.server_uuid == o.server_uuid) or (
                t.server_id == o.server_id
                and t.hostname == o.hostname
                and t.port == o.port
                and t.host == o.host
            )
            if same:
                return CheckResult(
                    False,
                    f"{target} and {other} are the same server (server_id {t.server_id}): "
                    f"the target is the {role}",
                )
        return CheckResult(True)

    return Check(f"{target} is not the {role} {other}", run)


def replicates_from(replica: str, source: str, channel: str = "") -> Check:
    """Refuse when ``replica`` has no channel whose source is ``source``
    (matched like the topology: ``Master_Server_Id``, else host and port)."""

    def run(ctx: StepContext) -> CheckResult:
        st = _status(ctx, replica)
        ch = channel_of(st, channel)
        if ch is None:
            return CheckResult(False, f"{replica} is not a replica (SHOW SLAVE STATUS is empty)")
        name, _ = match_source(ch, st, list(ctx.statuses.values()))
        if name != source:
            where = f"{ch.source_host}:{ch.source_port}"
            return CheckResult(
                False, f"{replica} is not a replica of {source}: it replicates from {name or where}"
            )
        return CheckResult(True)

    return Check(f"{replica} is a replica of {source}", run)


def is_replica(node: str, channel: str = "") -> Check:
    def run(ctx: StepContext) -> CheckResult:
        if channel_of(_status(ctx, node), channel) is None:
            return CheckResult(
                False, f"{node} is not a replica (SHOW SLAVE STATUS is empty): nothing to restart or re-point"
            )
        return CheckResult(True)

    return Check(f"{node} is a replica", run)


def server_ids_unique(nodes: Sequence[str]) -> Check:
    """Every node has a non-zero ``@@server_id`` no other node shares (a
    replica ignores events carrying its own server_id: 'Fail over MySQL and
    Rails' gives each server its own)."""

    def run(ctx: StepContext) -> CheckResult:
        seen: dict[int, str] = {}
        for n in nodes:
            st = _status(ctx, n)
            if not st.reachable or st.server_id is None:
                continue
            if st.server_id == 0:
                return CheckResult(
                    False, f"{n} has server_id 0: replication needs a unique non-zero server_id"
                )
            if st.server_id in seen:
                return CheckResult(
                    False,
                    f"server_ids not unique: {seen[st.server_id]} and {n} both have server_id {st.server_id}",
                )
            seen[st.server_id] = n
        return CheckResult(True)

    return Check(f"server_ids unique ({', '.join(nodes)})", run)


def log_bin_on(source: str) -> Check:
    """The source writes a binary log (``log_bin`` in my.cnf, as in 'Fail over
    MySQL and Rails')."""

    def run(ctx: StepContext) -> CheckResult:
        st = _status(ctx, source)
        if st.log_bin is False:
            return CheckResult(
                False,
                f"log_bin is OFF on {source}: a source must write a binary log (set log_bin and restart it)",
            )
        return CheckResult(True)

    return Check(f"log_bin on {source}", run)


def no_mysql_gtid_dump(source: str) -> Check:
    """Refuse a dump-and-restore from a MySQL source with ``gtid_mode=ON``:
    its dump carries ``SET @@GLOBAL.GTID_PURGED`` (mysqldump
    ``--set-gtid-purged=AUTO``), which fails with ERROR 3546 unless the
    replica's ``gtid_executed`` is emptied first (``RESET MASTER`` / 8.2+
    ``RESET BINARY LOGS AND GTIDS``), and the replica should then use
    ``SOURCE_AUTO_POSITION=1`` (MySQL manual: "mysqldump", --set-gtid-purged).
    replui refuses such a source before anything is changed rather than
    failing halfway through a restore: the operator follows the MySQL
    manual's GTID provisioning steps by hand."""

    def run(ctx: StepContext) -> CheckResult:
        st = _status(ctx, source)
        mode = (st.gtid_mode or "").upper()
        if st.flavor is not None and st.flavor.value == "mysql" and mode.startswith("ON"):
            return CheckResult(
                False,
                f"{source} runs MySQL with gtid_mode={st.gtid_mode}: its dump sets GTID_PURGED, which needs "
                "the replica's gtid_executed emptied (RESET MASTER) and SOURCE_AUTO_POSITION=1; replui "
                "refuses: follow the MySQL manual's GTID provisioning steps by hand",
            )
        return CheckResult(True)

    return Check(
        f"{source} is not a MySQL source with gtid_mode=ON (its dump needs GTID provisioning by hand)", run
    )


def dump_source_checks(source: str, status: NodeStatus | None) -> list[Check]:
    """The checks a dump-and-restore adds for its ``source`` as seen when the
    plan is built: the MySQL GTID refusal, unless the source is MariaDB."""
    if status is not None and status.flavor is not None and status.flavor.value == "mariadb":
        return []
    return [no_mysql_gtid_dump(source)]


def tools_checked_ahead(config: Any, source: str, replica: str) -> bool:
    """Whether the copy from ``source`` to ``replica`` runs a tool anywhere but
    here against both nodes, so that :func:`remote_tool_checks` must decide
    where before anything changes: either node runs its commands over SSH, or
    the replica's ``transfer = "direct"`` makes its own host (this machine,
    without SSH) dump the source at its replication address."""
    from replui.config_ssh import Transfer

    rcfg = config.node(replica)
    return bool(config.node(source).uses_ssh or rcfg.uses_ssh or rcfg.transfer is Transfer.DIRECT)


def remote_tool_checks(source: str, replica: str, needed: bool, *, via_file: bool = False) -> list[Check]:
    """When either node runs its commands on its own host over SSH, or the
    replica asks for ``transfer = "direct"`` (:func:`tools_checked_ahead`), decide
    before anything changes where the dump and the restore run
    (:mod:`replui.wizards.placement`) and check those hosts have what they
    need: the dump tool and the client (a host that lacks its tool hands it to
    the jump host when that has it; refused only when neither has it), the
    wire's tools (``sha256sum``, ``wc``, ``mkfifo``, ``tee``) on each end that
    relays, and — with ``transfer = "direct"`` on the replica — both tools on
    the replica's host and a TCP connection from there to the source's
    replication address (add-replica's reach test). The decision is kept in
    ``ctx.state.placements`` and its reason says which host runs which tool.
    ``via_file``: the dump and the restore run on the nodes' own hosts (the
    runbooks' file way has no fallback). Nothing to check (an empty list)
    when ``needed`` is False (both run on this machine)."""
    if not needed:
        return []

    async def strict(ctx: StepContext) -> CheckResult:
        from replui.transport.base import TransportError
        from replui.wizards.dumptools import CLIENT_TOOLS, DUMP_TOOLS, find_tool
        from replui.wizards.wire import choose_wire

        s, r = ctx.transport(source), ctx.transport(replica)
        try:
            await find_tool(s, DUMP_TOOLS)
            await find_tool(r, CLIENT_TOOLS)
            await choose_wire(s, r, source, replica)
        except TransportError as exc:
            return CheckResult(False, str(exc))
        return CheckResult(True)

    async def placed(ctx: StepContext) -> CheckResult:
        from replui.transport.base import TransportError
        from replui.wizards import placement
        from replui.wizards.add_replica import reach_check
        from replui.wizards.wire import choose_wire

        try:
            plc = await placement.placement_for(ctx, source, replica)
            if plc.relayed:
                ends = {placement.Runs.JUMP_HOST: placement.jump_transport(ctx)}
                s = ends.get(plc.dump.runs) or ctx.transport(source)
                r = ends.get(plc.restore.runs) or ctx.transport(replica)
                await choose_wire(s, r, source, replica, ctx.state.wire_tools)
            else:
                host, port = ctx.config.node(source).source_address
                reached = await reach_check(replica, host, port).evaluate(ctx)
                if not reached.ok:
                    return reached
        except (TransportError, placement.PlacementError) as exc:
            ctx.state.placements.pop((source, replica), None)
            return CheckResult(False, str(exc))
        return CheckResult(True, "; ".join(plc.lines()))

    if via_file:
        return [
            Check(
                f"the dump tool on {source}'s host, the client on {replica}'s, the wire's tools on both",
                strict,
            )
        ]
    return [Check(f"where the dump of {source} and the restore into {replica} run, and their tools", placed)]


Coords = Callable[[StepContext], "BinlogCoordinates | None"]


def coordinates_present(
    coords: Coords, what: str = "the dump", before: str | None = None, needs: tuple[str, ...] = ()
) -> Check:
    """``coords(ctx)`` names a binlog file and position (``--master-data=2``
    writes them at the head of a dump)."""

    def run(ctx: StepContext) -> CheckResult:
        c = coords(ctx)
        if c is None or not c.file or c.position is None:
            return CheckResult(
                False,
                f"the coordinates are missing from {what}: "
                "no binlog file and position to point the replica at",
            )
        return CheckResult(True)

    return Check(f"coordinates present in {what}", run, before, needs)


def _seq(name: str) -> tuple[str, int] | None:
    base, _, num = (name or "").rpartition(".")
    return (base, int(num)) if base and num.isdigit() else None


def source_has_binlog(
    source: str, coords: Coords, before: str | None = None, refresh: bool = True, needs: tuple[str, ...] = ()
) -> Check:
    """The coordinates name an event boundary ``source`` still has: the file
    is in its ``SHOW BINARY LOGS`` (a file newer than its newest is "not
    there yet"; one older than its oldest is "no longer there": purged, and
    the replica would fail with 1236 "could not find first log file", as in
    'Fail over MySQL and Rails'), the position is not past the file's end,
    and ``SHOW BINLOG EVENTS IN 'file' FROM pos LIMIT 1`` accepts it (a position inside an event makes
    the server answer error 1220 "Wrong offset", and a replica pointed there
    fails with 1236). Refreshes the source's status when it runs (``refresh``)."""

    async def run(ctx: StepContext) -> CheckResult:
        c = coords(ctx)
        if c is None or not c.file:
            return CheckResult(False, "no coordinates to check")
        live = refresh and ctx.config is not None and _can_refresh(ctx, source)
        st = await ctx.refresh(source) if live else _status(ctx, source)
        if not st.reachable:
            return CheckResult(False, f"{source} is not reachable: {st.error}")
        if not st.binlog_files:
            return CheckResult(
                False, f"{source} lists no binary logs (SHOW BINARY LOGS is empty or not permitted)"
            )
        f = st.binlog_file(c.file)
        names = [b.name for b in st.binlog_files]
        if f is None:
            want, oldest, newest = _seq(c.file), _seq(names[0]), _seq(names[-1])
            if want and newest and want[0] == newest[0] and want[1] > newest[1]:
                return CheckResult(
                    False,
                    f"{c.file} is not there: {source}'s newest binlog is {names[-1]} "
                    "(a file that does not exist yet cannot be read)",
                )
            if want and oldest and want[0] == oldest[0] and want[1] < oldest[1]:
                return CheckResult(
                    False,
                    f"{c.file} is no longer there: {source} purged it (its oldest binlog is {names[0]})",
                )
            return CheckResult(False, f"{c.file} is not one of {source}'s binlogs ({names[0]} … {names[-1]})")
        end = f.size
        if st.binlog and st.binlog.file == c.file and st.binlog.position is not None:
            end = max(end, st.binlog.position)
        if c.position is not None and c.position > end:
            return CheckResult(
                False,
                f"position {c.position} is past the end of {c.file} on {source} ({end} bytes): "
                "impossible position",
            )
        if live and c.position is not None and c.position < end:
            try:
                await ctx.query(source, "SHOW BINLOG EVENTS IN %s FROM %s LIMIT 1", (c.file, int(c.position)))
            except Exception as exc:  # noqa: BLE001 - NodeError: 1220 for a position inside an event
                if getattr(exc, "errno", None) == 1220:
                    return CheckResult(
                        False,
                        f"position {c.position} is not the start of an event in {c.file} on {source} "
                        f"(SHOW BINLOG EVENTS: {exc}): a replica pointed there fails with 1236",
                    )
                raise
        return CheckResult(True)

    return Check(f"{source} has the binlog coordinates (file, event boundary)", run, before, needs)


def _can_refresh(ctx: StepContext, node: str) -> bool:
    try:
        ctx.config.node(node)
    except (KeyError, AttributeError):
        return False
    return not ctx.state.offline


def file_space_checks(source: str, replica: str, via_file: bool) -> list[Check]:
    """``--via-file``: room for the dump file in ``source``'s ``work_dir`` on its
    host and for its copy in ``replica``'s, read there with ``df -Pk``
    (:func:`replui.wizards.diskspace.free_space`), and the file path's tools on
    both hosts. The rule is :func:`replui.wizards.diskspace.judge`: refused
    when even a dump compressed 10:1 of the scope's ``data_length +
    index_length`` (``ctx.state.estimate_bytes``, from the ``scope`` step)
    would not fit, plus 1 MiB; a warning (in the transcript; the dump and copy
    steps show the figures of their moment again) when the space is below the
    estimate itself. Both files on one file system of one machine count
    twice. It runs right after ``scope``, before anything is stopped. Nothing
    to check (an empty list) without ``via_file``."""
    if not via_file:
        return []

    async def run(ctx: StepContext) -> CheckResult:
        import asyncio

        from replui.transport.base import TransportError
        from replui.wizards.diskspace import free_space, judge

        estimate = ctx.state.estimate_bytes
        try:
            at_source, at_replica = await asyncio.gather(
                free_space(ctx.transport(source), source, ctx.config.node(source).work_dir),
                free_space(ctx.transport(replica), replica, ctx.config.node(replica).work_dir),
            )
        except TransportError as exc:
            return CheckResult(False, str(exc))
        if at_source.same_filesystem(at_replica):
            verdicts = [judge(at_source, estimate, 2, "the dump file and its copy")]
        else:
            verdicts = [
                judge(at_source, estimate, 1, "the dump file"),
                judge(at_replica, estimate, 1, "its copy"),
            ]
        for v in verdicts:
            if v.refuse:
                return CheckResult(False, v.refuse)
        for v in verdicts:
            if v.warn:
                ctx.log(f"warning: {v.warn}")
        return CheckResult(True)

    return [
        Check(
            f"room for the dump file on {source}'s host and its copy on {replica}'s host",
            run,
            before="dump-file",
            needs=("scope",),
        )
    ]
