"""Is a node's replication metadata usable? Known before anything changes.

A node whose ``SHOW SLAVE STATUS`` is empty either replicates from nobody, or
keeps a ``master.info``/``relay-log.info`` (MySQL: the connection and applier
metadata repositories) it cannot read: then ``START SLAVE`` and ``CHANGE
MASTER TO`` fail with error 1201 "Could not initialize master info
structure", as in 'Fail over MySQL and Rails' ("This can be solved by
resetting the slave"). A wizard that learns this only at its ``CHANGE
MASTER`` has already replaced the data.

:func:`probe` tells the two apart without changing anything: on such a node
``START SLAVE`` answers "not configured" (1200, ``ER_BAD_SLAVE``; MariaDB words
it "Misconfigured slave: MASTER_HOST was not set") when there is nothing to
clear, and 1201 (``ER_MASTER_INFO``; ``ER_CONNECTION_METADATA`` in MySQL 8.0),
1794 (``ER_SLAVE_CONFIGURATION``/``ER_REPLICA_CONFIGURATION``: "failed to
initialize properly"), 1871 or 1872 (``ER_SLAVE_MI_INIT_REPOSITORY``,
``ER_SLAVE_RLI_INIT_REPOSITORY``: a repository table it cannot read) when the
metadata is unusable (MariaDB KB and MySQL manual, "Server Error Message
Reference"). It starts nothing either way. :func:`reset_metadata_step` is the
repair: ``RESET SLAVE ALL`` (``RESET REPLICA ALL`` on MySQL 8.0.22+), which
forgets the metadata, relay logs and connection settings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import AsyncIterator

from replui.mysql.dialect import Dialect
from replui.sources import RAILS_FAILOVER
from replui.wizards.context import StepContext
from replui.wizards.plan import Check, CheckResult, Event, OutputLine, Step, StepFailed
from replui.wizards.sql import reset_replica, show_replica_status, start_replica

#: START SLAVE's answer on a node that replicates from nobody (ER_BAD_SLAVE / ER_BAD_REPLICA).
NOT_CONFIGURED_ERRNOS: tuple[int, ...] = (1200,)
#: START SLAVE's answers on a node whose replication metadata cannot be read.
UNUSABLE_ERRNOS: tuple[int, ...] = (1201, 1794, 1871, 1872)


class Metadata(enum.Enum):
    """What a node's replication metadata is, as :func:`probe` found it."""

    CONFIGURED = "configured"
    """``SHOW SLAVE STATUS`` has a row: the node is a replica (not probed further)."""
    NOT_CONFIGURED = "not configured"
    """Status empty and ``START SLAVE`` answered 1200: it replicates from nobody; nothing to clear."""
    UNUSABLE = "unusable"
    """Status empty and ``START SLAVE`` answered one of :data:`UNUSABLE_ERRNOS`: RESET SLAVE ALL clears it."""
    STARTED = "started"
    """Status empty but ``START SLAVE`` succeeded: the node was configured between the two statements."""
    UNKNOWN = "unknown"
    """Another answer (no privilege, lost connection): nothing can be said."""


@dataclass(frozen=True)
class Probe:
    """:func:`probe`'s finding: ``state``, the ``errno`` and one-line
    ``message`` of ``START SLAVE``'s answer (None/"" when it was not run or
    succeeded)."""

    state: Metadata
    errno: int | None = None
    message: str = ""

    def describe(self, node: str, start_sql: str = "START SLAVE") -> str:
        """One sentence for the operator, naming ``node`` and the answer."""
        said = f"{start_sql} answered {self.message}" if self.message else ""
        return {
            Metadata.CONFIGURED: f"{node} is a replica (its replica status has a row)",
            Metadata.NOT_CONFIGURED: f"{node} replicates from nobody and its metadata is fine ({said})",
            Metadata.UNUSABLE: f"{node}'s replication metadata (master.info, relay-log.info) cannot be read "
            f"({said})",
            Metadata.STARTED: f"{start_sql} succeeded on {node} although its replica status was empty a "
            "moment before: someone configured replication there meanwhile",
            Metadata.UNKNOWN: f"cannot tell whether {node}'s replication metadata is usable ({said})",
        }[self.state]


async def probe(ctx: StepContext, node: str, dl: Dialect) -> Probe:
    """Read ``SHOW SLAVE STATUS`` on ``node`` and, when it is empty, run
    ``START SLAVE`` there on the same connection and classify the refusal
    (see the module's docstring). Changes nothing: a node without replica
    status has no thread ``START SLAVE`` could start. Never raises (an error
    reading the status is :attr:`Metadata.UNKNOWN`)."""
    from replui.mysql.client import NodeError

    try:
        rows = await ctx.query(node, show_replica_status(dl).sql)
    except NodeError as exc:
        return Probe(Metadata.UNKNOWN, exc.errno, exc.message)
    if rows:
        return Probe(Metadata.CONFIGURED)
    try:
        await ctx.query(node, start_replica(dl).sql)
    except NodeError as exc:
        if exc.errno in NOT_CONFIGURED_ERRNOS:
            return Probe(Metadata.NOT_CONFIGURED, exc.errno, exc.message)
        if exc.errno in UNUSABLE_ERRNOS:
            return Probe(Metadata.UNUSABLE, exc.errno, exc.message)
        return Probe(Metadata.UNKNOWN, exc.errno, exc.message)
    return Probe(Metadata.STARTED)


def reset_metadata_step(
    node: str,
    dl: Dialect,
    *,
    step_id: str = "reset-metadata",
    why: str = "",
) -> Step:
    """Destructive: ``RESET SLAVE ALL`` on ``node``, which has no replica
    status. Right before it, the step reads ``SHOW SLAVE STATUS`` again on
    the connection that writes and fails without resetting when a row
    appeared meanwhile (on MySQL ``RESET REPLICA ALL`` would drop every
    channel). Raises StepFailed then, NodeError when the server refuses."""
    show, reset = show_replica_status(dl), reset_replica(dl, all=True)
    why = why or (
        f"{node} has no replica status, so RESET {dl.replica_word} ALL forgets nothing it uses: only "
        "master.info and relay-log.info (MySQL: the metadata repositories), the relay logs and connection "
        "settings left by an earlier setup. Where they cannot be read, CHANGE MASTER fails with 1201 "
        f"'Could not initialize master info structure' — {RAILS_FAILOVER}: 'This can be solved by resetting "
        "the slave'. Run before any data is replaced, so a refusal here leaves the data as it was."
    )

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        rows = await ctx.query(node, show.sql)
        if rows:
            raise StepFailed(
                f"{node} has a replica status again ({show.sql} returned a row): it was configured "
                "meanwhile; nothing was reset"
            )
        await ctx.execute(node, reset.sql)
        yield OutputLine(f"Query OK ({show.sql} on {node} was still empty right before)", "stdout")

    return Step(
        id=step_id,
        title=f"Clear {node}'s replication metadata",
        why=why,
        preview=f"{show.sql}; -- must still be empty\n{reset.sql};",
        run=run,
        target=node,
        destructive=True,
    )


def metadata_check(node: str, *, reset_step: str | None = None, must_be_unusable: bool = False) -> Check:
    """``node`` has no replica status; is its replication metadata usable?
    Asked with :func:`probe` (``START SLAVE`` is
    refused either way: 1200 "not configured" or 1201 "could not initialize
    master info structure"), before anything changes, instead of learning it
    from a ``CHANGE MASTER`` that fails after the data was replaced.

    With ``reset_step`` (the id of a planned ``RESET SLAVE ALL`` step) both
    answers pass and the reason says whether that step is needed; with
    ``must_be_unusable`` only 1201 passes (a reset needs something to reset).
    A node that turned out to be a replica, a ``START SLAVE`` that succeeded
    and any other answer refuse."""

    async def run(ctx: StepContext) -> CheckResult:
        dl = Dialect.of(ctx.statuses.get(node))
        found = await probe(ctx, node, dl)
        said = found.describe(node, f"START {dl.replica_word}")
        reset = f"RESET {dl.replica_word} ALL"
        if found.state is Metadata.UNUSABLE:
            if reset_step:
                return CheckResult(
                    True, f"{said}: step {reset_step} clears it with {reset} before CHANGE MASTER"
                )
            return CheckResult(True, f"START {dl.replica_word} answered {found.message}")
        if found.state is Metadata.NOT_CONFIGURED:
            if must_be_unusable:
                return CheckResult(
                    False,
                    f"{said}: there is nothing to reset; to make {node} a replica use add-replica",
                )
            return CheckResult(True, said + (f"; step {reset_step} only tidies up" if reset_step else ""))
        if found.state is Metadata.CONFIGURED:
            return CheckResult(False, f"{said} now: build the plan again from its current status")
        return CheckResult(False, said)

    title = (
        f"{node}'s replication metadata cannot be read (START SLAVE answers 1201)"
        if must_be_unusable
        else f"{node}'s replication metadata is usable, or cleared before CHANGE MASTER (START SLAVE probe)"
    )
    return Check(title, run)
