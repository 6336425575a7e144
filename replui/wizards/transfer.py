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
import os
import shlex
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, TypeVar

from replui.config import Config, NodeConfig
from replui.model import BinlogCoordinates
from replui.mysql import marker
from replui.mysql.dialect import Dialect
from replui.sources import CAUCUS, RAILS_FAILOVER, REPLICATION_ERROR
from replui.transport.base import TransportError
from replui.wizards import dumpfile, dumpstream
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
    source_cfg: NodeConfig, replica_cfg: NodeConfig, dl: Dialect, databases: list[str] | None, gtid: bool
) -> str:
    tool = "mariadb-dump" if dl.is_mariadb else "mysqldump"
    client = "mariadb" if dl.is_mariadb else "mysql"
    dbs = (
        ("--databases -- " + " ".join(shlex.quote(d) for d in databases))
        if databases
        else "--databases -- <in scope>"
    )
    return (
        f"{tool} --defaults-extra-file=<0600 file: {source_cfg.name}'s user, password ***> "
        f"--single-transaction {' '.join(dl.dump_options(gtid=gtid))} --routines --triggers --events "
        f"--hex-blob --quick {dbs}\n"
        f"  | {client} --defaults-extra-file=<0600 file: {replica_cfg.name}'s user, password ***; "
        "init-command=SET SESSION sql_log_bin=0> --batch"
    )


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
    dump's coordinates land in ``ctx.state.coordinates``."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        dbs = ctx.state.in_scope()
        preamble, rep_cfg = await _begin_restore(ctx, config, source, replica, wizard)
        yield OutputLine(
            f"streaming {', '.join(dbs)} from {source} into {replica} (no intermediate file)", "info"
        )
        for ln in preamble.splitlines():
            yield OutputLine(f"{replica} (restore client)> {ln}", "info")

        def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpstream.DumpResult]:
            return dumpstream.stream_dump(
                config.node(source),
                rep_cfg,
                source_transport=ctx.transport(source),
                replica_transport=ctx.transport(replica),
                databases=dbs,
                gtid=gtid,
                flavor=dl.flavor.value,
                on_progress=on_progress,
                on_line=on_line,
                cancel=ctx.cancel,
                estimate_bytes=ctx.state.estimate_bytes or None,
                restore_preamble=preamble.encode("utf-8"),
            )

        try:
            stream = ToolRun(go)
            async for ev in stream.events():
                yield ev
            res = stream.result
            c = res.coordinates
            ctx.state.coordinates = c
            yield OutputLine(f"dump: {' '.join(res.dump_argv)}", "info")
            yield OutputLine(f"restore: {' '.join(res.restore_argv)}", "info")
            yield OutputLine(
                f"{res.bytes} bytes of SQL in {res.seconds:.1f} s; coordinates from the head of the dump: "
                f"{c.file}:{c.position}" + (f", GTID {c.gtid}" if c.gtid else ""),
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
        return (
            _restore_head_preview(ctx, replica, wizard, source, databases)
            + "\n"
            + _dump_preview(
                config.node(source), config.node(replica), dl, ctx.state.databases or databases, gtid
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


def via_file_steps(
    config: Config,
    source: str,
    replica: str,
    dl: Dialect,
    databases: list[str] | None,
    gtid: bool,
    wizard: str = "rebuild-replica",
) -> list[Step]:
    """The runbooks' way: dump into a gzip file (sha256 beside it), copy it
    (checksum checked), restore from it. Files live in a 0700 directory made
    by the source's transport (``make_private_dir``): removed after the
    restore, and by the transport's ``cleanup()`` (:meth:`StepContext.aclose`)
    on every exit of the run, signals included."""

    async def dump(ctx: StepContext) -> AsyncIterator[Event]:
        d = await ctx.transport(source).make_private_dir("replui-dump-")
        ctx.state.dump_dir = d
        path = os.path.join(d, f"{source}.sql.gz")

        def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpfile.FileDump]:
            return dumpfile.dump_to_file(
                config.node(source),
                path,
                source_transport=ctx.transport(source),
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
                f"{fd.path}: {fd.compressed_bytes} bytes (from {fd.bytes} bytes of SQL), sha256 "
                f"{fd.sha256}; coordinates {c.file}:{c.position}",
                "stdout",
            )
        except Exception as exc:  # noqa: BLE001 - any failure becomes the step's one-line reason
            raise _fail(exc, replica) from None

    async def copy(ctx: StepContext) -> AsyncIterator[Event]:
        fd = ctx.state.file_dump
        if ctx.state.dump_dir is None or fd is None:
            raise StepFailed("no dump file to copy (the dump step did not finish)")
        dst = os.path.join(ctx.state.dump_dir, f"{source}.copy.sql.gz")

        def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[str]:
            return dumpfile.copy_file(
                fd.path, dst, sha256=fd.sha256, on_progress=on_progress, cancel=ctx.cancel
            )

        try:
            copying = ToolRun(go)
            async for ev in copying.events():
                yield ev
            ctx.state.copied = dst
            os.unlink(fd.path)
            yield OutputLine(f"copied to {dst}; sha256 {copying.result} matches", "stdout")
        except Exception as exc:  # noqa: BLE001 - any failure becomes the step's one-line reason
            raise _fail(exc, replica) from None

    async def restore(ctx: StepContext) -> AsyncIterator[Event]:
        preamble, rep_cfg = await _begin_restore(ctx, config, source, replica, wizard)
        fd = ctx.state.file_dump
        for ln in preamble.splitlines():
            yield OutputLine(f"{replica} (restore client)> {ln}", "info")

        def go(on_progress: OnProgress, on_line: OnLine) -> Awaitable[dumpstream.DumpResult]:
            return dumpfile.restore_from_file(
                rep_cfg,
                _copied(ctx),
                replica_transport=ctx.transport(replica),
                sha256=fd.sha256,
                flavor=dl.flavor.value,
                on_progress=on_progress,
                on_line=on_line,
                cancel=ctx.cancel,
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
            d = ctx.state.dump_dir
            if d:
                try:
                    await ctx.transport(source).remove_tree(d)
                except Exception:  # noqa: BLE001 - the transport's cleanup() removes it at the end of the run
                    pass

    def render(ctx: StepContext) -> str:
        return (
            _restore_head_preview(ctx, replica, wizard, source, databases)
            + f"\ngunzip < <tmpdir>/{source}.copy.sql.gz | {client} --defaults-extra-file=<0600 file; "
            "init-command=SET SESSION sql_log_bin=0> --batch"
        )

    tool = "mariadb-dump" if dl.is_mariadb else "mysqldump"
    client = "mariadb" if dl.is_mariadb else "mysql"
    dump_cmd = _dump_preview(config.node(source), config.node(replica), dl, databases, gtid).split("\n")[0]
    return [
        Step(
            id="dump-file",
            title=f"Dump {source} into a compressed file",
            why=f"As in {RAILS_FAILOVER}: '{tool} --single-transaction --master-data | gzip > file'; "
            "the sha256 of the file is written beside it.",
            preview=dump_cmd + " | gzip > <tmpdir>/" + source + ".sql.gz",
            run=dump,
            target=source,
            destructive=False,
            replaces_data=False,
        ),
        Step(
            id="copy-file",
            title="Copy the file and check its checksum",
            why=f"As in {REPLICATION_ERROR}: copy the snapshot to a node with access to the replica "
            "(scp -3); the sha256 proves the copy is whole.",
            preview=f"cp <tmpdir>/{source}.sql.gz <tmpdir>/{source}.copy.sql.gz && sha256 check",
            run=copy,
            target=None,
            destructive=False,
            replaces_data=False,
        ),
        Step(
            id="restore-file",
            title=f"Replace {replica}'s data from the file",
            why=f"As in {RAILS_FAILOVER}: 'gunzip < file | mysql'. {replica} is marked as "
            "being rebuilt until "
            "the data is verified; the restore client checks it reached the confirmed server, then drops "
            "the in-scope databases; neither the drop nor the restore is written to its binlog "
            "(sql_log_bin=0).",
            preview=_restore_head_preview(None, replica, wizard, source, databases)
            + f"\ngunzip < <tmpdir>/{source}.copy.sql.gz | {client} --defaults-extra-file=<0600 file; "
            "init-command=SET SESSION sql_log_bin=0> --batch",
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
