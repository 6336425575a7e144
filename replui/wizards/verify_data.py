"""Verify copied data: every in-scope table compared on the source and the
replica at one replication position.

Threads that run and positions that match say replication works, not that
the data is the same. After a wizard replaced a replica's data this step
proves it, the way pt-table-checksum or a hand-run ``CHECKSUM TABLE`` on
both sides would:

1. stop the replica's SQL thread (its IO thread keeps fetching);
2. on the source read ``SHOW MASTER STATUS`` (P1), ``CHECKSUM TABLE`` every
   in-scope base table, read the position again (P2); when P1 ≠ P2 the
   source was written meanwhile: start the SQL thread and try again (at most
   ``attempts`` times), so the source's checksums belong to exactly P1;
3. let the replica's SQL thread run up to P1 exactly
   (``START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE=…, MASTER_LOG_POS=…``,
   MariaDB and MySQL manuals "START SLAVE/START REPLICA … UNTIL") and wait
   until it has stopped there;
4. ``CHECKSUM TABLE`` the same tables on the replica, start its SQL thread
   again, and compare table by table.

"Verified" only when every table exists on both sides with equal checksums;
otherwise the step fails naming each table that differs. The result is
``ctx.state.data_verified = True``.
"""

from __future__ import annotations

import time
from typing import Any, AsyncIterator

from replui.mysql.dialect import Dialect
from replui.wizards.checks import channel_of
from replui.wizards.context import StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Event, OutputLine, Step, StepFailed
from replui.wizards.sql import Literal, quote_ident, show_source_status


def until_statement(dl: Dialect, file: str, pos: int, literal: Literal) -> str:
    """``START SLAVE SQL_THREAD UNTIL MASTER_LOG_FILE='f', MASTER_LOG_POS=n``
    in ``dl``'s words (MySQL 8.0.22+: ``START REPLICA``, 8.0.23+: ``SOURCE_``)."""
    p = dl.source_prefix
    return f"START {dl.replica_word} SQL_THREAD UNTIL {p}LOG_FILE={literal(file)}, {p}LOG_POS={int(pos)}"


async def _tables(ctx: StepContext, node: str, databases: list[str]) -> list[tuple[str, str]]:
    ph = ", ".join(["%s"] * len(databases))
    rows = await ctx.query(
        node,
        "SELECT table_schema AS s, table_name AS t FROM information_schema.tables "
        f"WHERE table_type = 'BASE TABLE' AND table_schema IN ({ph}) ORDER BY 1, 2",
        databases,
    )
    return [(str(r["s"]), str(r["t"])) for r in rows]


async def _checksums(ctx: StepContext, node: str, tables: list[tuple[str, str]]) -> dict[str, Any]:
    """``{"db.table": checksum}`` (None for a table the server could not read)."""
    out: dict[str, Any] = {}
    for i in range(0, len(tables), 200):
        chunk = tables[i : i + 200]
        sql = "CHECKSUM TABLE " + ", ".join(f"{quote_ident(d)}.{quote_ident(t)}" for d, t in chunk)
        for r in await ctx.query(node, sql):
            out[str(r["Table"])] = r["Checksum"]
    return out


async def _source_position(ctx: StepContext, source: str, sql: str) -> tuple[str, int]:
    rows = await ctx.query(source, sql)
    if not rows or not rows[0].get("File"):
        raise StepFailed(
            f"{source} shows no binlog position ({sql} is empty): cannot compare at one position"
        )
    return str(rows[0]["File"]), int(rows[0]["Position"])


def verify_data_step(
    replica: str,
    source: str,
    dl_replica: Dialect,
    dl_source: Dialect,
    *,
    attempts: int = 5,
    timeout: float = VERIFY_TIMEOUT,
    step_id: str = "verify-data",
) -> Step:
    """The step that compares ``ctx.state.databases`` on ``source`` and
    ``replica`` (see the module text). ``timeout`` (seconds) bounds the wait
    for the replica to reach the source's position. Fails when a table
    differs or is missing on one side, or when the source never held still
    for ``attempts`` tries."""
    word = dl_replica.replica_word
    stop_sql, start_sql = f"STOP {word} SQL_THREAD", f"START {word} SQL_THREAD"
    pos_sql = show_source_status(dl_source).sql

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        dbs = list(ctx.state.databases or [])
        if not dbs:
            raise StepFailed("no databases in scope to compare")
        tables = await _tables(ctx, source, dbs)
        theirs = await _tables(ctx, replica, dbs)
        missing = sorted(set(tables) - set(theirs))
        extra = sorted(set(theirs) - set(tables))
        if missing or extra:
            parts = (
                [f"missing on {replica}: " + ", ".join(f"{d}.{t}" for d, t in missing)] if missing else []
            ) + ([f"only on {replica}: " + ", ".join(f"{d}.{t}" for d, t in extra)] if extra else [])
            raise StepFailed("the tables differ — " + "; ".join(parts))
        yield OutputLine(
            f"comparing {len(tables)} tables of {', '.join(dbs)} on {source} and {replica}", "info"
        )
        restarted = False
        try:
            for attempt in range(1, attempts + 1):
                await ctx.execute(replica, stop_sql)
                p1 = await _source_position(ctx, source, pos_sql)
                src_sums = await _checksums(ctx, source, tables)
                p2 = await _source_position(ctx, source, pos_sql)
                if p1 != p2:
                    yield OutputLine(
                        f"{source} was written during its checksums ({p1[0]}:{p1[1]} -> {p2[0]}:{p2[1]}); "
                        f"attempt {attempt} of {attempts}",
                        "stdout",
                    )
                    await ctx.execute(replica, start_sql)
                    await ctx.sleep(0.5 * attempt)
                    continue
                yield OutputLine(f"{source}: checksums taken at {p1[0]}:{p1[1]}", "stdout")
                st = await ctx.refresh(replica)
                ch = channel_of(st)
                at = (ch.relay_source_log_file, ch.exec_source_log_pos) if ch else (None, None)
                if at != p1:
                    await ctx.execute(
                        replica, until_statement(dl_replica, p1[0], p1[1], ctx.literal(replica))
                    )
                    deadline = time.monotonic() + timeout
                    while True:
                        st = await ctx.refresh(replica)
                        ch = channel_of(st)
                        if ch is None:
                            raise StepFailed(f"{replica} is not a replica any more")
                        at = (ch.relay_source_log_file, ch.exec_source_log_pos)
                        if ch.last_sql_errno:
                            raise StepFailed(
                                f"{replica}: SQL thread error {ch.last_sql_errno} on the way to "
                                f"{p1[0]}:{p1[1]}: {ch.last_sql_error}"
                            )
                        if at == p1 and not ch.sql_ok:
                            break
                        if time.monotonic() > deadline:
                            raise StepFailed(
                                f"{replica} did not reach {source}'s {p1[0]}:{p1[1]} within {timeout:.0f} s "
                                f"(executed up to {at[0]}:{at[1]})"
                            )
                        await ctx.sleep(0.2)
                yield OutputLine(f"{replica}: stopped at {source}'s {p1[0]}:{p1[1]}", "stdout")
                rep_sums = await _checksums(ctx, replica, tables)
                await ctx.execute(replica, start_sql)
                restarted = True
                differ = []
                for d, t in tables:
                    key = f"{d}.{t}"
                    a, b = src_sums.get(key), rep_sums.get(key)
                    same = a is not None and a == b
                    if not same:
                        differ.append(f"{key} ({a} on {source}, {b} on {replica})")
                    yield OutputLine(f"{'same   ' if same else 'DIFFERS'} {key}: {a} / {b}", "stdout")
                if differ:
                    raise StepFailed(f"the data differs on {replica}: " + "; ".join(differ))
                ctx.state.data_verified = True
                yield OutputLine(
                    f"verified: all {len(tables)} tables are identical on {source} and {replica} "
                    f"at {p1[0]}:{p1[1]}",
                    "info",
                )
                return
            raise StepFailed(
                f"{source} was written during every one of {attempts} attempts: the data could not be "
                "compared at one position; compare again when writes pause"
            )
        finally:
            if not restarted:
                try:
                    await ctx.execute(replica, start_sql)
                except Exception:  # noqa: BLE001 - the failure above is the one to report
                    pass

    preview = "\n".join(
        [
            f"{stop_sql};  -- on {replica}",
            f"{pos_sql}; CHECKSUM TABLE <each table in scope>; {pos_sql};  -- on {source}, until the "
            "position holds still",
            until_statement(dl_replica, "<file>", 0, lambda v: f"'{v}'").replace(
                "LOG_POS=0", "LOG_POS=<position>"
            )
            + f";  -- on {replica}, then wait until it stops there",
            f"CHECKSUM TABLE <each table in scope>; {start_sql};  -- on {replica}",
        ]
    )
    return Step(
        id=step_id,
        title=f"Verify the data: {replica} against {source}, table by table",
        why="Running threads do not prove the copy is right. Every in-scope table is "
        f"checksummed on {source} "
        f"and on {replica} at the same binlog position ({replica}'s SQL thread is held there with START "
        "SLAVE UNTIL); 'verified' only when every checksum matches.",
        preview=preview,
        run=run,
        target=replica,
        destructive=False,
        replaces_data=False,
        writes=True,
    )
