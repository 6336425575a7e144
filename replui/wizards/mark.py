"""Set and clear the "rebuild in progress" mark (:mod:`replui.mysql.marker`)
on the replica whose data a wizard replaces. Both run on replui's own
connection to the replica (bound to the confirmed server) with
``sql_log_bin=0``, so the mark never reaches a binlog or another server."""

from __future__ import annotations

from typing import AsyncIterator

from replui.mysql import marker
from replui.wizards.context import StepContext
from replui.wizards.plan import Event, OutputLine, Step
from replui.wizards.sql import Literal, Statement


def set_mark_statements(wizard: str, source: str, databases: list[str], literal: Literal) -> list[Statement]:
    """The statements that write the mark (shown and run alike)."""
    values = ", ".join(literal(v) for v in (wizard, source, ",".join(databases)))
    insert = marker.SET_MARK.replace("%s, %s, %s", values)
    return [
        Statement.plain(s)
        for s in (
            "SET SESSION sql_log_bin=0",
            marker.CREATE_DATABASE,
            marker.CREATE_TABLE,
            insert,
            "SET SESSION sql_log_bin=1",
        )
    ]


async def set_mark(ctx: StepContext, replica: str, wizard: str, source: str, databases: list[str]) -> None:
    """Write the mark on ``replica``. Raises NodeError."""
    try:
        for st in set_mark_statements(wizard, source, databases, ctx.literal(replica))[:-1]:
            await ctx.execute(replica, st.sql)
    finally:
        await ctx.execute(replica, "SET SESSION sql_log_bin=1")


CLEAR = [
    Statement.plain("SET SESSION sql_log_bin=0"),
    Statement.plain(marker.CLEAR_MARK),
    Statement.plain("SET SESSION sql_log_bin=1"),
]


def clear_mark_step(replica: str) -> Step:
    """The last step of a data-replacing wizard: the data was verified, so the
    mark goes (its database with it)."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        for st in CLEAR:
            await ctx.execute(replica, st.sql)
        yield OutputLine(f"{replica}: the rebuild is complete and verified; the mark is removed", "stdout")

    return Step(
        id="clear-mark",
        title=f"Clear the rebuild mark on {replica}",
        why=f"The copied data matched, so {replica} is no longer marked as half-restored (the "
        "dashboard stops "
        f"showing rebuild_incomplete). Not written to {replica}'s binlog.",
        preview="\n".join(s.shown + ";" for s in CLEAR),
        run=run,
        target=replica,
        destructive=False,
        replaces_data=False,
        writes=True,
    )
