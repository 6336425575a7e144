"""``heartbeat --source S``: "MySQL Replication and Caucus" (Charles Roth,
2014), section VII ("update zzz_replication set
now=now()" on the source, read on the replica; "this has the bonus of also
telling you if the clocks on the two servers drift too far apart").

Writes one row of ``replui.heartbeat`` on S (created if missing), then reads
it on every replica downstream of S. ``Seconds_Behind_Master`` only measures
the SQL thread against the IO thread; a row written and seen gives the true
lag. Clock skew is each server's ``NOW(6)`` minus replui's own clock, taken
at the midpoint of the query's round trip.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import AsyncIterator

from replui.config import Config
from replui.sources import CAUCUS
from replui.units import signed_seconds
from replui.wizards import checks
from replui.wizards.common import Statuses, WizardError, downstream_of, identities, need_node, status_map
from replui.wizards.context import StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Event, OutputLine, Plan, Step, StepFailed
from replui.wizards.sql import Statement
from replui.wizards.steps import sql_step

SEED = f"{CAUCUS}, section VII"
CREATE = [
    Statement.plain("CREATE DATABASE IF NOT EXISTS replui"),
    Statement.plain(
        "CREATE TABLE IF NOT EXISTS replui.heartbeat (server_id INT UNSIGNED NOT NULL PRIMARY KEY, "
        "ts DATETIME(6) NOT NULL) ENGINE=InnoDB"
    ),
]
WRITE = "REPLACE INTO replui.heartbeat (server_id, ts) VALUES (@@server_id, NOW(6))"
READ_BACK = "SELECT ts, NOW(6) AS now FROM replui.heartbeat WHERE server_id = @@server_id"
READ_REPLICA = "SELECT ts, NOW(6) AS now FROM replui.heartbeat WHERE server_id = %s"


def _epoch(value: object) -> float:
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=dt.timezone.utc).timestamp() if value.tzinfo is None else value.timestamp()
        )
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.timezone.utc).timestamp()


async def _skew(ctx: StepContext, node: str) -> float:
    """Server clock minus replui's clock, in seconds (``UTC_TIMESTAMP(6)``)."""
    t0 = time.time()
    server_now = await ctx.scalar(node, "SELECT UTC_TIMESTAMP(6)")
    t1 = time.time()
    return _epoch(server_now) - (t0 + t1) / 2


def build_heartbeat_plan(
    config: Config,
    statuses: Statuses,
    *,
    source: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: create ``replui.heartbeat`` on S if missing, write the time,
    read it on every replica of S. ``ctx.state.heartbeat`` ends as
    ``{replica: {"lag": s, "skew": s}}``. WizardError when S has no configured replica."""
    sts = status_map(statuses)
    need_node(config, sts, source, "--source")
    assert source is not None
    replicas = downstream_of(sts, source)
    if not replicas:
        raise WizardError(f"no configured node replicates from {source}: nothing to read the heartbeat on")

    async def write(ctx: StepContext) -> AsyncIterator[Event]:
        sid = await ctx.scalar(source, "SELECT @@server_id")
        await ctx.execute(source, WRITE)
        ctx.state.heartbeat_written_at = time.monotonic()
        rows = await ctx.query(source, READ_BACK)
        ctx.state.heartbeat_written = (int(sid), rows[0]["ts"])
        skew = await _skew(ctx, source)
        ctx.state.heartbeat_source_skew = skew
        yield OutputLine(
            f"{source}: wrote ts {rows[0]['ts']} (server_id {sid}); "
            f"clock skew vs replui {signed_seconds(skew)}",
            "stdout",
        )

    async def read(ctx: StepContext) -> AsyncIterator[Event]:
        written = ctx.state.heartbeat_written
        if written is None:
            raise StepFailed("nothing was written on the source")
        sid, ts = written
        results = ctx.state.heartbeat
        failed = []
        for r in replicas:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    rows = await ctx.query(r, READ_REPLICA, (sid,))
                except Exception as exc:  # noqa: BLE001 - missing table until replicated
                    rows = []
                    err = str(exc)
                else:
                    err = ""
                if rows and _epoch(rows[0]["ts"]) >= _epoch(ts):
                    seen = time.monotonic()
                    skew = await _skew(ctx, r)
                    raw = _epoch(rows[0]["now"]) - _epoch(ts)
                    lag = seen - ctx.state.heartbeat_written_at
                    results[r] = {"lag": lag, "skew": skew, "raw": raw}
                    rel = skew - ctx.state.heartbeat_source_skew
                    yield OutputLine(
                        f"{r}: heartbeat seen after {max(0.0, lag):.3f} s (true lag); "
                        f"its clock is {signed_seconds(rel)} from "
                        f"{source}'s, {signed_seconds(skew)} from replui's",
                        "stdout",
                    )
                    break
                if time.monotonic() > deadline:
                    failed.append(r)
                    yield OutputLine(
                        f"{r}: heartbeat not seen after {timeout:.0f} s" + (f" ({err})" if err else ""),
                        "stderr",
                    )
                    break
                await ctx.sleep(0.1)
        if failed:
            raise StepFailed(
                f"the heartbeat from {source} did not reach {', '.join(failed)} within {timeout:.0f} s"
            )

    steps = (
        sql_step(
            "create-table",
            f"Create replui.heartbeat on {source} if missing",
            f"A one-row-per-source table, like the zzz_replication table of {SEED}; created on the source so "
            "it replicates.",
            source,
            lambda ctx, lit: CREATE,
            destructive=False,
            writes=True,
        ),
        Step(
            id="write",
            title=f"Write the time on {source}",
            why=f"The source writes its clock, like the cron job in {SEED}; "
            "the row travels the replication path.",
            preview=WRITE + ";\n" + READ_BACK + ";",
            run=write,
            target=source,
            destructive=False,
            replaces_data=False,
            writes=True,
        ),
        Step(
            id="read",
            title="Read it on " + ", ".join(replicas),
            why="Each replica shows the row once it has fetched and applied the event: the time that took is "
            f"the true lag; comparing clocks gives the skew: 'telling you if the clocks … drift', in {SEED}. "
            f"Waits at most {timeout:.0f} s per replica.",
            preview=READ_REPLICA.replace("%s", "<server_id of " + source + ">") + ";",
            run=read,
            target=None,
            destructive=False,
            replaces_data=False,
        ),
    )
    summary = (
        f"Measure true replication lag from {source} to {', '.join(replicas)} "
        "and the clock skew between them.\n"
        f"Writes one row in replui.heartbeat on {source}; nothing else changes."
    )
    return Plan(
        "heartbeat",
        f"Heartbeat from {source}",
        summary,
        steps,
        (checks.reachable(source, *replicas), checks.log_bin_on(source)),
        identities(sts, [source]),
        (),
        {"source": source},
    )
