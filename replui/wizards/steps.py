"""Step builders the wizards share: run SQL, show reasoning, verify a replica.

``sql_step`` takes a ``make(ctx, literal)`` function so the preview (built
with ``ctx=None`` and the offline escaper) and the statement run (built with
the live connection's escaper and the values earlier steps stored) come from
the same code.
"""

from __future__ import annotations

import time
from typing import AsyncIterator, Callable, Sequence

from replui.model import BinlogCoordinates, Channel, NodeStatus
from replui.mysql.dialect import Dialect
from replui.sources import CRASH_RESYNC, REPLICATION_ERROR
from replui.wizards.checks import channel_of
from replui.wizards.context import StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Event, OutputLine, Step, StepFailed
from replui.wizards.sql import Literal, Statement, offline_literal, start_replica

Make = Callable[["StepContext | None", Literal], Sequence[Statement]]


def preview_of(make: Make, note: str = "") -> str:
    text = "\n".join(s.shown + ";" for s in make(None, offline_literal))
    return text + (f"\n-- {note}" if note else "")


def sql_step(
    id: str,  # noqa: A002 - the step's public keyword, as in Step(id=...)
    title: str,
    why: str,
    node: str,
    make: Make,
    *,
    destructive: bool = True,
    replaces_data: bool = False,
    note: str = "",
    writes: bool | None = None,
    undo: Step | None = None,
    leaves: str = "",
) -> Step:
    """A step running ``make``'s statements on ``node`` one by one; each is
    echoed as shown (password masked) by :meth:`StepContext.execute`, then
    ``Query OK, n rows affected``. The confirm prompt shows ``make``'s
    statements built with the values known at that moment."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        for st in make(ctx, ctx.literal(node)):
            n = await ctx.execute(node, st.sql, shown=st.shown)
            yield OutputLine(f"Query OK, {n} rows affected", "stdout")

    def render(ctx: StepContext) -> str:
        return "\n".join(s.shown + ";" for s in make(ctx, ctx.literal(node)))

    return Step(
        id=id,
        title=title,
        why=why,
        preview=preview_of(make, note),
        run=run,
        target=node,
        destructive=destructive,
        replaces_data=replaces_data,
        render=render,
        writes=writes,
        undo=undo,
        leaves=leaves,
    )


def start_step(node: str, dl: Dialect, why: str) -> Step:
    """Destructive: ``START SLAVE`` (``START REPLICA`` on MySQL 8.0.22+) on
    ``node``, step id ``start``; ``why`` says why and where it comes from."""
    return sql_step("start", f"Start replication on {node}", why, node, lambda ctx, lit: [start_replica(dl)])


def stop_step(
    id: str,  # noqa: A002 - the step's public keyword, as in Step(id=...)
    title: str,
    why: str,
    node: str,
    stop: Statement,
    start: Statement,
) -> Step:
    """``STOP SLAVE`` on ``node`` (destructive), with ``START SLAVE`` as its
    undo: offered when the operator stops the run at a later step."""
    undo = sql_step(
        f"undo-{id}",
        f"Start replication on {node} again",
        f"Undo step {id}: replication was stopped and nothing else has changed yet.",
        node,
        lambda ctx, lit: [start],
    )
    return sql_step(
        id, title, why, node, lambda ctx, lit: [stop], undo=undo, leaves=f"replication is stopped on {node}"
    )


def info_step(
    id: str,  # noqa: A002 - the step's public keyword, as in Step(id=...)
    title: str,
    why: str,
    lines: Sequence[str],
    preview: str = "",
) -> Step:
    """A step that only explains (no server is touched)."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        for ln in lines:
            yield OutputLine(ln, "info")

    return Step(
        id=id,
        title=title,
        why=why,
        preview=preview or "(nothing is run: reasoning only)",
        run=run,
        target=None,
        destructive=False,
        replaces_data=False,
    )


def describe_channel(node: str, st: NodeStatus) -> list[str]:
    """``SHOW SLAVE STATUS\\G``-style lines with the server's own labels."""
    ch = channel_of(st)
    if not st.reachable:
        return [f"{node}: not reachable ({st.error})"]
    if ch is None:
        return [f"{node}: not a replica"]
    keys = (
        "io_running",
        "sql_running",
        "source_host",
        "source_port",
        "source_log_file",
        "read_source_log_pos",
        "relay_source_log_file",
        "exec_source_log_pos",
        "seconds_behind_source",
        "last_io_errno",
        "last_io_error",
        "last_sql_errno",
        "last_sql_error",
    )
    out = []
    for k in keys:
        v = getattr(ch, k)
        if k.startswith("last_") and not v:
            continue
        out.append(f"{node}: {ch.label(k):>22}: {'NULL' if v is None else v}")
    return out


def status_step(
    id: str,  # noqa: A002 - the step's public keyword, as in Step(id=...)
    title: str,
    why: str,
    node: str,
    sql_text: str,
) -> Step:
    """Read-only: show the replica's status (kept in the transcript as the 'before')."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        st = await ctx.refresh(node)
        for ln in describe_channel(node, st):
            yield OutputLine(ln, "stdout")

    return Step(
        id=id,
        title=title,
        why=why,
        preview=sql_text + "\\G",
        run=run,
        target=node,
        destructive=False,
        replaces_data=False,
    )


def caught_up(ch: Channel | None, src: BinlogCoordinates | None) -> bool:
    """Both threads run, no error, the SQL thread has executed everything the
    IO thread read, ``Seconds_Behind_Master`` is 0, and (when the source's
    coordinates are known) the IO thread has read up to them."""
    if ch is None or not (ch.io_ok and ch.sql_ok) or ch.last_io_errno or ch.last_sql_errno:
        return False
    if ch.seconds_behind_source != 0:
        return False
    if ch.relay_source_log_file != ch.source_log_file or ch.exec_source_log_pos != ch.read_source_log_pos:
        return False
    if src is not None and src.file:
        if ch.source_log_file != src.file:
            return ch.source_log_file is not None and src.file is not None and ch.source_log_file > src.file
        return (ch.read_source_log_pos or 0) >= (src.position or 0)
    return True


def verify_step(
    replica: str,
    source: str | None,
    *,
    timeout: float = VERIFY_TIMEOUT,
    interval: float = 0.5,
    id: str = "verify",  # noqa: A002 - the step's public keyword, as in Step(id=...)
    why: str = "",
    status_sql: str = "SHOW SLAVE STATUS",
    source_sql: str = "SHOW MASTER STATUS",
) -> Step:
    """Wait (at most ``timeout`` seconds) until ``replica`` has both threads
    ``Yes`` and has caught up with ``source``'s current coordinates
    (``Seconds_Behind_Master`` 0, read = executed position); print the lag as
    it falls. Fails at once on an SQL thread error, else at the deadline with
    the last state seen."""
    why = why or (
        "Replication is repaired only when both threads say Yes and the replica has read and applied "
        "everything up to the source's current binlog position: "
        "'use show slave status\\G to verify any fix', "
        f"as {REPLICATION_ERROR} says, and watch Seconds_Behind_Master fall to 0, as in {CRASH_RESYNC}. "
        f"Waits at most {timeout:.0f} s."
    )

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        deadline = time.monotonic() + timeout
        last_line = ""
        first_pos = None
        while True:
            src = None
            if source is not None:
                sst = await ctx.refresh(source)
                src = sst.binlog if sst.reachable else None
            st = await ctx.refresh(replica)
            ch = channel_of(st)
            if ch is None:
                raise StepFailed(
                    f"{replica} is not a replica any more"
                    if st.reachable
                    else f"{replica} is not reachable: {st.error}"
                )
            pos = (ch.source_log_file, ch.read_source_log_pos)
            first_pos = first_pos or pos
            behind = ch.seconds_behind_source
            line = (
                f"{replica}: IO {ch.io_running}, SQL {ch.sql_running}, read {pos[0]}:{pos[1]}, "
                f"executed {ch.relay_source_log_file}:{ch.exec_source_log_pos}, "
                f"{ch.label('seconds_behind_source')} {'NULL' if behind is None else behind}"
                + (f"; source at {src.file}:{src.position}" if src else "")
            )
            if line != last_line:
                yield OutputLine(line, "stdout")
                last_line = line
            if ch.last_sql_errno and not ch.sql_ok:
                raise StepFailed(
                    f"{replica}: SQL thread stopped with error {ch.last_sql_errno}: {ch.last_sql_error}"
                )
            if caught_up(ch, src):
                advanced = (
                    ""
                    if pos == first_pos
                    else f" (read position advanced from {first_pos[0]}:{first_pos[1]})"
                )
                yield OutputLine(
                    f"replication runs: {replica} runs both threads and is caught up with "
                    f"{source or 'its source'}{advanced}",
                    "info",
                )
                ctx.state.replicating.append(replica)
                return
            if time.monotonic() > deadline:
                err = f" last IO error {ch.last_io_errno}: {ch.last_io_error}" if ch.last_io_errno else ""
                raise StepFailed(
                    f"{replica} not healthy after {timeout:.0f} s: "
                    f"IO {ch.io_running}, SQL {ch.sql_running}.{err}"
                )
            await ctx.sleep(interval)

    preview = f"{status_sql}\\G on {replica} every {interval:g} s (at most {timeout:.0f} s)"
    if source:
        preview += f"\n{source_sql} on {source} for its current coordinates"
    return Step(
        id=id,
        title=f"Verify {replica} is replicating and caught up",
        why=why,
        preview=preview,
        run=run,
        target=replica,
        destructive=False,
        replaces_data=False,
    )
