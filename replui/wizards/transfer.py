"""The data-moving steps of rebuild-replica, resync-pair and add-replica:
choose the databases in scope, replace them on the replica with a dump of
the source (streamed, or the runbooks' way through a compressed file), and
point the replica at the coordinates from the head of the dump.

The restore runs with ``SET SESSION sql_log_bin=0`` (the client's
``init-command``), so nothing it does reaches the replica's binlog — in a
master⇄master pair the source would otherwise replay the restore. The source
is only read (``mariadb-dump --single-transaction --master-data=2``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import posixpath
import shlex
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, TypeVar

from replui.config import Config, NodeConfig
from replui.model import BinlogCoordinates
from replui.mysql import marker
from replui.mysql.dialect import Dialect
from replui.sources import CAUCUS, RAILS_FAILOVER, REPLICATION_ERROR
from replui.transport.base import TransportError
from replui.wizards import dumpfile, dumpstream, hostpipe, placement
from replui.wizards.context import CoordinatesKey, StepContext
from replui.wizards.guard import guard_failed, identity_guard
from replui.wizards.mark import CLEAR, set_mark, set_mark_statements
from replui.wizards.plan import Event, OutputLine, Progress, Step, StepFailed
from replui.wizards.sql import Literal, Statement, change_source, quote_ident

T = TypeVar("T")
#: What a dump/copy/restore function reports progress and stderr lines to.
OnProgress = Callable[[Progress], None]
OnLine = Callable[[str], None]

#: Never copied: the server's own schemas and replui's rebuild mark.
SYSTEM_DATABASES = ("mysql", "information_schema", "performance_schema", "sys", marker.DATABASE)
#: Where the dump, restore and re-point come from (the first re-snapshots and re-points, the second dumps with
#: mysqldump --single-transaction --master-data).
SEEDS = f"As in {REPLICATION_ERROR} and {RAILS_FAILOVER}"


def scope_step(source: str, databases: list[str] | None) -> Step:
    """Read-only, and run before anything is stopped or dropped: the
    databases to copy (``databases``, else every user database of the source
    — Charles Roth, section IV: 'dump everything except mysql and information_schema')
    and their size; ``ctx.state.databases``, ``ctx.state.estimate_bytes``.
    Fails when a named database does not exist on the source, is a system
    schema, or when nothing is left to copy. Any name the server accepts is
    copied as it is (the dump takes the names after ``--``)."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        rows = await ctx.query(source, "SHOW DATABASES")
        have = [next(iter(r.values())) for r in rows]
        if databases:
            system = [d for d in databases if d.lower() in SYSTEM_DATABASES]
            if system:
                raise StepFailed(
                    f"{', '.join(system)} cannot be copied: "
                    "system schemas and replui's own are never replaced"
                )
            missing = [d for d in databases if d not in have]
            if missing:
                raise StepFailed(
                    f"{source} has no database {', '.join(repr(d) for d in missing)} "
                    f"(it has: {', '.join(d for d in have if d.lower() not in SYSTEM_DATABASES) or 'none'})"
                )
            chosen = list(dict.fromkeys(databases))
        else:
            chosen = [d for d in have if d.lower() not in SYSTEM_DATABASES]
        if not chosen:
            raise StepFailed(f"{source} has no user database to copy")
        ph = ", ".join(["%s"] * len(chosen))
        size = await ctx.scalar(
            source,
            "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables "
            f"WHERE table_schema IN ({ph})",
            chosen,
        )
        ctx.state.databases = chosen
        ctx.state.estimate_bytes = int(size or 0)
        yield OutputLine(
            f"in scope: {', '.join(chosen)} (about {int(size or 0) / 1e6:.1f} MB of table data on {source})",
            "stdout",
        )

    scope = (
        ", ".join(databases)
        if databases
        else f"every database of {source} except {', '.join(SYSTEM_DATABASES)}"
    )
    return Step(
        id="scope",
        title=f"Choose the databases to copy from {source}",
        why=f"In scope: {scope}. Dump the databases you replicate, "
        f"never 'mysql', as {CAUCUS}, section IV, says. Checked before anything is stopped or dropped.",
        preview="SHOW DATABASES;\n"
        "SELECT SUM(data_length + index_length) FROM information_schema.tables "
        "WHERE table_schema IN (<in scope>);",
        run=run,
        target=source,
        destructive=False,
        replaces_data=False,
    )


def restore_preamble(ctx: StepContext, replica: str, databases: list[str]) -> str:
    """What the restore client reads before the dump: the identity guard for
    the confirmed ``replica`` (:mod:`replui.wizards.guard`), then
    ``DROP DATABASE IF EXISTS`` for each database in scope — so the drops run
    on the client's own connection, after the guard, never on another server.
    Raises StepFailed when no identity was confirmed."""
    ident = ctx.confirmed.get(replica)
    if ident is None:
        raise StepFailed(f"no confirmed identity for {replica}: refusing to restore into an unchecked server")
    lines = [
        f"-- replui: fail unless this connection reached {replica} ({ident.describe()})",
        identity_guard(replica, ident),
    ]
    lines += [f"DROP DATABASE IF EXISTS {quote_ident(d)};" for d in databases]
    return "\n".join(lines) + "\n"


def _restore_head_preview(
    ctx: StepContext | None, replica: str, wizard: str, source: str, databases: list[str] | None
) -> str:
    """The statements a data-replacing step runs before the dump's own, as
    they will run (with ``ctx``) or with placeholders (plan preview)."""
    in_scope = ctx.state.databases if ctx is not None else None
    known = in_scope is not None
    dbs = list(in_scope) if in_scope is not None else (databases or ["<each database in scope>"])
    lit = ctx.literal(replica) if ctx is not None else _lit
    head = [f"-- on {replica}, replui's connection: mark the rebuild (not binlogged)"]
    head += [s.shown + ";" for s in set_mark_statements(wizard, source, dbs, lit)]
    head.append("-- read first by the restore client (sql_log_bin=0): the identity guard, then the drops")
    ident = ctx.confirmed.get(replica) if ctx is not None else None
    head.append(
        identity_guard(replica, ident)
        if ident is not None
        else (
            f"SET SESSION sql_mode = IF(<{replica}'s confirmed server_id, hostname and port>, "
            f"@@session.sql_mode, 'replui: not {replica}');"
        )
    )
    head += [
        f"DROP DATABASE IF EXISTS {quote_ident(d) if known or databases else '`' + d + '`'};" for d in dbs
    ]
    return "\n".join(head)


def _dump_preview(
    source_cfg: NodeConfig,
    replica_cfg: NodeConfig,
    dl: Dialect,
    databases: list[str] | None,
    gtid: bool,
    where: list[str] | None = None,
) -> str:
    """The dump piped into the client (first line: the dump command), then
    where each runs as ``-- `` lines: ``where`` (a decided placement's lines),
    else what the configuration intends (none when both run on this machine)."""
    tool = "mariadb-dump" if dl.is_mariadb else "mysqldump"
    client = "mariadb" if dl.is_mariadb else "mysql"
    dbs = (
        ("--databases -- " + " ".join(shlex.quote(d) for d in databases))
        if databases
        else "--databases -- <in scope>"
    )
    if where is None:
        where = placement.intent_lines(source_cfg, replica_cfg, tool, client)
    return (
        f"{tool} --defaults-extra-file=<0600 file: {source_cfg.name}'s user, password ***> "
        f"--single-transaction {' '.join(dl.dump_options(gtid=gtid))} --routines --triggers --events "
        f"--hex-blob --quick {dbs}\n"
        f"  | {client} --defaults-extra-file=<0600 file: {replica_cfg.name}'s user, password ***; "
        "init-command=SET SESSION sql_log_bin=0> --batch"
    ) + "".join(f"\n-- {line}" for line in where)


async def _begin_restore(
    ctx: StepContext, config: Config, source: str, replica: str, wizard: str
) -> tuple[str, NodeConfig]:
    """What every data-replacing step does first, after the operator's yes:
    build the restore preamble (identity guard, then the drops; refuses
    without a confirmed identity), mark the rebuild on ``replica``, and write
    the restore client's option file. Returns ``(preamble, replica config)``."""
    dbs = ctx.state.in_scope()
    preamble = restore_preamble(ctx, replica, dbs)
    await set_mark(ctx, replica, wizard, source, dbs)
    return preamble, await _no_binlog_node(ctx, config.node(replica))


async def _no_binlog_node(ctx: StepContext, node: NodeConfig) -> NodeConfig:
    """A copy of ``node`` whose option file also sets ``init-command=SET SESSION sql_log_bin=0``
    (a 0600 file on the replica's transport, chaining the node's own ``defaults_file``)."""
    text = (
        f"!include {node.defaults_file}\n" if node.defaults_file else ""
    ) + '[client]\ninit-command="SET SESSION sql_log_bin=0"\n'
    path = await ctx.transport(node.name).write_private_file(text.encode(), ".cnf")
    ctx.state.private_files.append((node.name, path))
    return dataclasses.replace(node, defaults_file=path)


class ToolRun(Generic[T]):
    """A dump, copy or restore running as a task: :meth:`events` yields its
    Progress/OutputLine events as they come and ends when the task ends;
    :attr:`result` is then its return value (its exception is raised by
    :meth:`events`). Leaving :meth:`events` early cancels the task and waits
    for its cleanup."""

    def __init__(self, coro_fn: Callable[[OnProgress, OnLine], Awaitable[T]]) -> None:
        self._coro_fn = coro_fn
        self._task: asyncio.Future[T] | None = None

    async def events(self) -> AsyncIterator[Event]:
        q: asyncio.Queue[Event | None] = asyncio.Queue()

        def on_line(line: str) -> None:
            q.put_nowait(OutputLine(line.rstrip("\n"), "stderr"))

        task = self._task = asyncio.ensure_future(self._coro_fn(q.put_nowait, on_line))
        task.add_done_callback(lambda _t: q.put_nowait(None))
        try:
            while (ev := await q.get()) is not None:
                yield ev
            while not q.empty():
                if (ev := q.get_nowait()) is not None:
                    yield ev
            task.result()  # raises the tool's failure here
        finally:
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @property
    def result(self) -> T:
        """The task's return value (after :meth:`events` ended). Raises RuntimeError before."""
        if self._task is None or not self._task.done():
            raise RuntimeError("the tool has not finished")
        return self._task.result()


def _fail(exc: BaseException, replica: str = "the replica") -> StepFailed:
    if isinstance(exc, dumpstream.StreamError):
        if exc.step == "restore" and guard_failed(exc.stderr_tail):
            return StepFailed(
                f"the restore client's connection reached a different server than the confirmed {replica}: "
                "it stopped at the identity guard, before any drop or restore statement"
            )
        tail = f" — {exc.stderr_tail.splitlines()[-1]}" if exc.stderr_tail.strip() else ""
        return StepFailed(f"{exc.step} failed: {exc.message}{tail}")
    return StepFailed(str(exc) or exc.__class__.__name__)


async def _clear_mark_after_guard(ctx: StepContext, replica: str, exc: BaseException) -> None:
    """The guard stopped the client before any statement: nothing was
    replaced on ``replica``, so its mark goes again."""
    if isinstance(exc, dumpstream.StreamError) and exc.step == "restore" and guard_failed(exc.stderr_tail):
        for st in CLEAR:
            await ctx.execute(replica, st.sql)


def stream_step(
    config: Config,
    source: str,
    replica: str,
    dl: Dialect,
    databases: list[str] | None,
    gtid: bool,
    wizard: str = "rebuild-replica",
) -> Step:
    """Destructive, replaces data: mark the rebuild on the replica, then
    stream the source's dump into the replica's client, which first reads the
    identity guard and drops the in-scope databases (``sql_log_bin=0``); the
    dump's coordinates land in ``ctx.state.coordinates``. Where each tool
    runs is the pair's :class:`~replui.wizards.placement.Placement` (decided
    by the pre-flight check, else here before the first byte): relayed
    through this machine (a tool whose host lacks it runs here through a
    forward), or host → host on the replica's host (``transfer = "direct"``)."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        dbs = ctx.state.in_scope()
        preamble = restore_preamble(ctx, replica, dbs)  # refuses before anything without a confirmed identity
        try:
            plc = await placement.placement_for(ctx, source, replica)
        except placement.PlacementError as exc:
            raise StepFailed(str(exc)) from None
        how = "host → host" if not plc.relayed else "no intermediate file"
        yield OutputLine(f"streaming {', '.join(dbs)} from {source} into {replica} ({how})", "info")
        for ln in plc.lines():
            yield OutputLine(ln, "info")
        try:
            async with placement.prepared_ends(ctx, plc, source, replica) as ends:
                await set_mark(ctx, replica, wizard, source, dbs)
                rep_cfg = ends.replica
                if not plc.relayed:  # stream_dump writes sql_log_bin=0 into the client's own option file
                    rep_cfg = await placement.no_binlog_copy(ctx, ends.restore_key, ends.replica)
                for ln in preamble.splitlines():
                    yield OutputLine(f"{replica} (restore client)> {ln}", "info")

                def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpstream.DumpResult]:
                    common: dict[str, Any] = dict(
                        databases=dbs,
                        gtid=gtid,
                        flavor=dl.flavor.value,
                        on_progress=on_progress,
                        on_line=on_line,
                        cancel=ctx.cancel,
                        estimate_bytes=ctx.state.estimate_bytes or None,
                        restore_preamble=preamble.encode("utf-8"),
                    )
                    if not plc.relayed:
                        return hostpipe.stream_on_replica_host(
                            ends.source,
                            rep_cfg,
                            transport=ends.replica_transport,
                            where=plc.restore.host,
                            **common,
                        )
                    return dumpstream.stream_dump(
                        ends.source,
                        rep_cfg,
                        source_transport=ends.source_transport,
                        replica_transport=ends.replica_transport,
                        restore_init_command="SET SESSION sql_log_bin=0",
                        **common,
                    )

                stream = ToolRun(go)
                async for ev in stream.events():
                    yield ev
                res = stream.result
                c = res.coordinates
                ctx.state.coordinates = c
                yield OutputLine(f"dump: {' '.join(res.dump_argv)}", "info")
                yield OutputLine(f"restore: {' '.join(res.restore_argv)}", "info")
                yield OutputLine(
                    f"{res.bytes} bytes of SQL in {res.seconds:.1f} s; coordinates from the head of the "
                    f"dump: {c.file}:{c.position}" + (f", GTID {c.gtid}" if c.gtid else ""),
                    "stdout",
                )
                if res.wire_note:
                    yield OutputLine(res.wire_note, "stdout")
        except (dumpstream.StreamError, TransportError) as exc:
            await _clear_mark_after_guard(ctx, replica, exc)
            raise _fail(exc, replica) from None
        finally:
            await _remove_private(ctx)

    def render(ctx: StepContext) -> str:
        known = ctx.state.placements.get((source, replica))
        return (
            _restore_head_preview(ctx, replica, wizard, source, databases)
            + "\n"
            + _dump_preview(
                config.node(source),
                config.node(replica),
                dl,
                ctx.state.databases or databases,
                gtid,
                known.lines() if isinstance(known, placement.Placement) else None,
            )
        )

    return Step(
        id="stream",
        title=f"Replace {replica}'s data with {source}'s (dump streamed into restore)",
        why=f"Dump {source} with its binlog coordinates and restore into {replica} while the "
        "dump runs: no file, "
        f"nothing held whole in memory. {replica} is first marked as being rebuilt (the dashboard shows "
        f"rebuild_incomplete until the data is verified); the restore client checks it reached {replica} "
        "before anything else, then drops the in-scope databases (so no stray table survives); neither the "
        f"drop nor the restore is written to {replica}'s binlog (sql_log_bin=0). {source} is only read. "
        f"{SEEDS}.",
        preview=_restore_head_preview(None, replica, wizard, source, databases)
        + "\n"
        + _dump_preview(config.node(source), config.node(replica), dl, databases, gtid),
        run=run,
        target=replica,
        destructive=True,
        replaces_data=True,
        render=render,
    )


async def _remove_private(ctx: StepContext) -> None:
    files, ctx.state.private_files = ctx.state.private_files, []
    for node, path in files:
        try:
            await ctx.transport(node).remove(path)
        except Exception:  # noqa: BLE001 - best effort: the transport's cleanup() removes it at the end of the run
            pass


def _copied(ctx: StepContext) -> str:
    if ctx.state.copied is None:
        raise StepFailed("no copied dump file to restore (the copy step did not finish)")
    return ctx.state.copied


async def _drop_dir(ctx: StepContext, node: str, path: str | None) -> None:
    """Remove a ``--via-file`` directory on ``node``'s host now (best effort: the
    transport's ``cleanup()`` at the end of the run removes it otherwise)."""
    if path:
        try:
            await ctx.transport(node).remove_tree(path)
        except Exception:  # noqa: BLE001 - the transport's cleanup() still removes it
            pass


async def _room(ctx: StepContext, node: str, size: int, what: str, exact: bool) -> list[OutputLine]:
    """The free space in ``node``'s ``work_dir`` on its host before a file of
    about ``size`` bytes is written there, as output lines (a warning when it
    looks too small; the write itself decides, see
    :func:`replui.wizards.diskspace.judge`). Nothing when it cannot be read:
    the pre-flight check already did."""
    from replui.units import human_bytes
    from replui.wizards import diskspace

    try:
        space = await diskspace.free_space(ctx.transport(node), node, ctx.config.node(node).work_dir)
    except TransportError:
        return []
    free = f"{space.where}: {human_bytes(space.available)} free in {space.directory}"
    lines = [OutputLine(f"{free} for {what} ({'' if exact else 'about '}{human_bytes(size)})", "info")]
    if exact and space.available < size:
        lines.append(
            OutputLine(
                f"warning: {what} ({human_bytes(size)}) is larger than the space df reports free there; "
                "the copy stops at once, naming the host, if the disk fills",
                "stderr",
            )
        )
    elif not exact and (verdict := diskspace.judge(space, size, 1, what)).warn:
        lines.append(OutputLine(f"warning: {verdict.warn}", "stderr"))
    return lines


def via_file_steps(
    config: Config,
    source: str,
    replica: str,
    dl: Dialect,
    databases: list[str] | None,
    gtid: bool,
    wizard: str = "rebuild-replica",
) -> list[Step]:
    """The runbooks' way, host → this machine → host: dump into a gzip file on
    the source's host (sha256 beside it), copy it through this machine into
    the replica's host (sha256 taken on all three and compared), check it
    again there, restore from it. Each file lives in a 0700 directory made by
    its host's transport in that node's ``work_dir``
    (:mod:`replui.wizards.dumpfile`): the source's is removed once the copy
    is checked, the replica's after the restore, both when a step fails, and
    by the transports' ``cleanup()`` (:meth:`StepContext.aclose`) on every
    exit of the run, signals included."""

    async def dump(ctx: StepContext) -> AsyncIterator[Event]:
        for line in await _room(ctx, source, ctx.state.estimate_bytes, "the dump file", exact=False):
            yield line
        st = ctx.transport(source)
        d = await st.make_private_dir("replui-dump-")
        ctx.state.dump_dir = d
        path = posixpath.join(d, f"{source}.sql.gz")

        def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpfile.FileDump]:
            return dumpfile.dump_to_file(
                config.node(source),
                path,
                source_transport=st,
                databases=ctx.state.in_scope(),
                gtid=gtid,
                flavor=dl.flavor.value,
                on_progress=on_progress,
                on_line=on_line,
                cancel=ctx.cancel,
                estimate_bytes=ctx.state.estimate_bytes or None,
            )

        try:
            dumping = ToolRun(go)
            async for ev in dumping.events():
                yield ev
            fd = dumping.result
            ctx.state.file_dump = fd
            c = fd.coordinates
            ctx.state.coordinates = c
            yield OutputLine(
                f"{fd.path} on {source}'s host ({fd.host}): {fd.compressed_bytes} bytes (from {fd.bytes} "
                f"bytes of SQL), sha256 {fd.sha256}; coordinates {c.file}:{c.position}"
                + (f", GTID {c.gtid}" if c.gtid else ""),
                "stdout",
            )
        except BaseException as exc:
            ctx.state.dump_dir = None
            await asyncio.shield(_drop_dir(ctx, source, d))
            if not isinstance(exc, Exception):
                raise
            raise _fail(exc, replica) from None

    async def copy(ctx: StepContext) -> AsyncIterator[Event]:
        fd = ctx.state.file_dump
        if ctx.state.dump_dir is None or fd is None:
            raise StepFailed("no dump file to copy (the dump step did not finish)")
        for line in await _room(ctx, replica, fd.compressed_bytes, "the copy", exact=True):
            yield line
        st, rt = ctx.transport(source), ctx.transport(replica)
        rd = await rt.make_private_dir("replui-copy-")
        dst = posixpath.join(rd, f"{source}.sql.gz")

        def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpfile.FileCopy]:
            return dumpfile.copy_across(
                fd.path,
                dst,
                sha256=fd.sha256,
                source_transport=st,
                replica_transport=rt,
                source_name=source,
                replica_name=replica,
                size=fd.compressed_bytes,
                on_progress=on_progress,
                on_line=on_line,
                cancel=ctx.cancel,
            )

        try:
            copying = ToolRun(go)
            async for ev in copying.events():
                yield ev
            done = copying.result
            ctx.state.copied = dst
            yield OutputLine(
                f"copied {done.bytes} bytes to {dst} on {replica}'s host in {done.seconds:.1f} s; sha256 "
                f"{done.sha256} on {source}'s host, on this machine and on {replica}'s host, as dumped",
                "stdout",
            )
        except BaseException as exc:
            await asyncio.shield(_drop_dir(ctx, replica, rd))
            d, ctx.state.dump_dir = ctx.state.dump_dir, None
            await asyncio.shield(_drop_dir(ctx, source, d))
            if not isinstance(exc, Exception):
                raise
            raise _fail(exc, replica) from None
        d, ctx.state.dump_dir = ctx.state.dump_dir, None
        await _drop_dir(ctx, source, d)  # the copy is whole: the source's disk gets its space back

    async def restore(ctx: StepContext) -> AsyncIterator[Event]:
        fd = ctx.state.file_dump
        copied = _copied(ctx)
        try:
            try:
                got = await dumpfile.verify_file(
                    ctx.transport(replica), copied, fd.sha256, replica, cancel=ctx.cancel
                )
            except Exception as exc:  # noqa: BLE001 - any failure becomes the step's one-line reason
                raise _fail(exc, replica) from None
            # said at once (a yielded line may be shown after the statements below)
            ctx.echo(
                f"{copied} on {replica}'s host: sha256 {got}, as dumped; "
                f"nothing was written to {replica} before this check"
            )
            preamble, rep_cfg = await _begin_restore(ctx, config, source, replica, wizard)
            for ln in preamble.splitlines():
                yield OutputLine(f"{replica} (restore client)> {ln}", "info")

            def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpstream.DumpResult]:
                return dumpfile.restore_from_file(
                    rep_cfg,
                    copied,
                    replica_transport=ctx.transport(replica),
                    flavor=dl.flavor.value,
                    on_progress=on_progress,
                    on_line=on_line,
                    cancel=ctx.cancel,
                    estimate_bytes=fd.bytes or None,
                    restore_preamble=preamble.encode("utf-8"),
                )

            try:
                restoring = ToolRun(go)
                async for ev in restoring.events():
                    yield ev
                done = restoring.result
                yield OutputLine(f"restored {done.bytes} bytes of SQL in {done.seconds:.1f} s", "stdout")
            except Exception as exc:  # noqa: BLE001 - any failure becomes the step's one-line reason
                await _clear_mark_after_guard(ctx, replica, exc)
                raise _fail(exc, replica) from None
        finally:
            await _remove_private(ctx)
            ctx.state.copied = None
            await asyncio.shield(_drop_dir(ctx, replica, posixpath.dirname(copied)))
            d, ctx.state.dump_dir = ctx.state.dump_dir, None
            await asyncio.shield(_drop_dir(ctx, source, d))

    def render(ctx: StepContext) -> str:
        return _restore_head_preview(ctx, replica, wizard, source, databases) + "\n" + restore_tail

    tool = "mariadb-dump" if dl.is_mariadb else "mysqldump"
    client = "mariadb" if dl.is_mariadb else "mysql"
    dump_cmd = _dump_preview(config.node(source), config.node(replica), dl, databases, gtid).split("\n")[0]
    src_dir = f"<{source}'s work_dir on its host>/replui-dump-…"
    rep_dir = f"<{replica}'s work_dir on its host>/replui-copy-…"
    restore_tail = (
        f"-- on {replica}'s host, before {replica} is touched: sha256sum {rep_dir}/{source}.sql.gz "
        "(must equal the dump's)\n"
        f"gunzip < {rep_dir}/{source}.sql.gz | {client} --defaults-extra-file=<0600 file; "
        "init-command=SET SESSION sql_log_bin=0> --batch"
    )
    return [
        Step(
            id="dump-file",
            title=f"Dump {source} into a compressed file on its host",
            why=f"As in {RAILS_FAILOVER}: '{tool} --single-transaction --master-data | gzip > file', on "
            f"{source}'s own host; the sha256 of the file is written beside it. The coordinates are read "
            "from the head of the dump as it is written: a dump without them is stopped at once.",
            preview=f"{dump_cmd} | gzip > {src_dir}/{source}.sql.gz\n"
            f"-- on {source}'s host: its sha256 and size taken as it is written, {source}.sql.gz.sha256 "
            "beside it",
            run=dump,
            target=source,
            destructive=False,
            replaces_data=False,
        ),
        Step(
            id="copy-file",
            title=f"Copy the file from {source}'s host to {replica}'s host and check its checksum",
            why=f"As in {REPLICATION_ERROR}: copy the snapshot to a node with access to the replica "
            "(scp -3: through this machine, nothing stored here); the sha256 taken on both hosts and here "
            "proves the copy is whole. A full disk stops the copy at once.",
            preview=f"cat {src_dir}/{source}.sql.gz  -- on {source}'s host, through this machine, into\n"
            f"cat > {rep_dir}/{source}.sql.gz.partial  -- on {replica}'s host; renamed when the sha256 on "
            "both hosts and here equal the dump's",
            run=copy,
            target=None,
            destructive=False,
            replaces_data=False,
        ),
        Step(
            id="restore-file",
            title=f"Replace {replica}'s data from the file",
            why=f"As in {RAILS_FAILOVER}: 'gunzip < file | mysql', on {replica}'s own host, once the file's "
            f"sha256 is checked there again. {replica} is marked as being rebuilt until the data is "
            "verified; the restore client checks it reached the confirmed server, then drops the in-scope "
            "databases; neither the drop nor the restore is written to its binlog (sql_log_bin=0).",
            preview=_restore_head_preview(None, replica, wizard, source, databases) + "\n" + restore_tail,
            run=restore,
            target=replica,
            destructive=True,
            replaces_data=True,
            render=render,
        ),
    ]


def point_step(
    replica: str,
    source: str,
    dl: Dialect,
    *,
    key: CoordinatesKey = "coordinates",
    host: str | None = None,
    port: int | None = None,
    user: str | None = None,
    password: str | None = None,
    password_fn: Callable[[], str] | None = None,
    use_gtid: bool = False,
    step_id: str = "change-master",
    title: str | None = None,
    why: str | None = None,
) -> Step:
    """``CHANGE MASTER TO`` on ``replica`` with the coordinates in
    ``ctx.state`` (``key``: coordinates or peer_coordinates; and connection settings when given). With
    ``use_gtid`` (MariaDB) sets ``gtid_slave_pos`` from the dump and uses
    ``MASTER_USE_GTID=slave_pos`` instead of file/position."""
    ph_file = (
        "<file from the dump head>" if key == "coordinates" else f"<File of SHOW MASTER STATUS on {source}>"
    )
    ph_pos = (
        "<position from the dump head>"
        if key == "coordinates"
        else f"<Position of SHOW MASTER STATUS on {source}>"
    )
    shown_pw = "***" if (password is not None or password_fn is not None) else None

    def statements(c: BinlogCoordinates | None, lit: Literal, pw: str | None) -> list[Statement]:
        out: list[Statement] = []
        if use_gtid:
            g = c.gtid if c else "<GTID from the dump>"
            out.append(
                Statement(f"SET GLOBAL gtid_slave_pos = {lit(g)}", f"SET GLOBAL gtid_slave_pos = {lit(g)}")
            )
            out.append(
                change_source(
                    dl, host=host, port=port, user=user, password=pw, use_gtid="slave_pos", literal=lit
                )
            )
        else:
            out.append(
                change_source(
                    dl,
                    host=host,
                    port=port,
                    user=user,
                    password=pw,
                    log_file=c.file if c else ph_file,
                    log_pos=c.position if c else 0,
                    use_gtid="no" if dl.is_mariadb else None,
                    get_public_key=bool(host),
                    literal=lit,
                )
            )
        return out

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        c = ctx.state.coords(key)
        if c is None or not c.file:
            raise StepFailed("no coordinates from the dump: refusing to point the replica anywhere")
        pw = password if password is not None else (password_fn() if password_fn else None)
        for st in statements(c, ctx.literal(replica), pw):
            await ctx.execute(replica, st.sql, shown=st.shown)
            yield OutputLine("Query OK", "stdout")

    def render(ctx: StepContext) -> str:
        c = ctx.state.coords(key)
        if c is None or not c.file:
            raise LookupError("coordinates not known yet")
        return ";\n".join(s.shown for s in statements(c, ctx.literal(replica), shown_pw)) + ";"

    preview = ";\n".join(s.shown for s in statements(None, lambda v: _lit(v), shown_pw)) + ";"
    preview = preview.replace("MASTER_LOG_POS=0", f"MASTER_LOG_POS={ph_pos}").replace(
        "SOURCE_LOG_POS=0", f"SOURCE_LOG_POS={ph_pos}"
    )
    return Step(
        id=step_id,
        title=title or f"Point {replica} at {source}'s coordinates from the dump",
        why=why
        or (
            f"The dump's head says where {source}'s binlog stood at the snapshot (--master-data=2); "
            f"{replica} continues from exactly there, so nothing is applied twice or skipped. {SEEDS}."
        ),
        preview=preview,
        run=run,
        target=replica,
        destructive=True,
        replaces_data=False,
        render=render,
    )


def _lit(v: Any) -> str:
    from replui.wizards.sql import offline_literal

    return offline_literal(v)
