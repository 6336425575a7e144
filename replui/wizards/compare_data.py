"""``compare-data --source S --replica R [--databases LIST]``: is the replica's
data the same as its source's?

Running threads and equal coordinates say replication runs, not that the
data is the same: a row written on the replica, or on one side of a
master⇄master pair with ``sql_log_bin=0``, shows no error until a later event
trips over it (1062, 1032), or never. 'Fixing MySQL Multi-Master Replication'
ends with "make an update on each server, and it should appear on the other
server!", which proves the changes flow, not that the rows already there are
equal; pt-table-checksum compares those with checksums. This wizard checksums every in-scope table on S and on
R at one binlog position of S (:func:`replui.wizards.verify_data.verify_data_step`:
R's SQL thread is held there with ``START SLAVE UNTIL`` and started again) and
names each table that differs. It writes no data; the only change is R's SQL
thread stopped for the comparison and started again, so it must be running
before (the wizard leaves it as it found it).

In a master⇄master pair written on both sides, R's own writes during the
comparison can make a table differ for a moment: compare again, or when
writes pause.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from replui.config import Config
from replui.sources import MULTI_MASTER
from replui.wizards import checks
from replui.wizards.checks import channel_of
from replui.wizards.common import Statuses, WizardError, dialect_of, identities, need_node, status_map
from replui.wizards.context import StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Check, CheckResult, Plan
from replui.wizards.rebuild_replica import parse_databases
from replui.wizards.transfer import scope_step
from replui.wizards.verify_data import verify_data_step

SEED = MULTI_MASTER


def sql_thread_runs(replica: str) -> Check:
    """Refuse unless ``replica``'s SQL thread runs without an error: the
    comparison stops it and starts it again, which must leave it as it was."""

    def run(ctx: StepContext) -> CheckResult:
        ch = channel_of(ctx.statuses.get(replica))
        if ch is None:
            return CheckResult(False, f"{replica} is not a replica (SHOW SLAVE STATUS is empty)")
        if ch.last_sql_errno:
            return CheckResult(
                False,
                f"{replica}'s SQL thread stopped with error {ch.last_sql_errno}: repair that first; "
                "the finding names the wizard",
            )
        if not ch.sql_ok:
            return CheckResult(
                False,
                f"{replica}'s {ch.label('sql_running')} is {ch.sql_running or 'unknown'}: the comparison "
                "stops and starts it, so start it first (or compare when it runs)",
            )
        return CheckResult(True)

    return Check(f"{replica}'s SQL thread runs (compare-data stops it and starts it again)", run)


def build_compare_data_plan(
    config: Config,
    statuses: Statuses,
    *,
    source: str | None = None,
    replica: str | None = None,
    databases: str | Iterable[str] | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: the databases to compare (read-only), then every table of them
    checksummed on ``source`` and ``replica`` at one position of ``source``
    (``timeout``: seconds ``replica`` may take to get there). Pre-flight:
    both reachable, ``replica`` replicates from ``source``, its SQL thread
    runs. WizardError for unknown nodes or ``source == replica``."""
    sts = status_map(statuses)
    need_node(config, sts, source, "--source")
    need_node(config, sts, replica, "--replica")
    assert source is not None and replica is not None
    if source == replica:
        raise WizardError(f"--source and --replica are both {source}: compare a replica with its source")
    dbs = parse_databases(databases)
    scope = dataclasses.replace(
        scope_step(source, dbs),
        title=f"Choose the databases to compare on {source}",
        why="In scope: " + (", ".join(dbs) if dbs else f"every user database of {source}") + ". Read only.",
    )
    dl_r = dialect_of(sts, replica)
    compare = verify_data_step(
        replica, source, dl_r, dialect_of(sts, source), timeout=timeout, step_id="compare"
    )
    compare = dataclasses.replace(
        compare,
        title=f"Compare {replica}'s tables with {source}'s, at one binlog position",
        why=f"Threads that run do not prove the data is the same. Every in-scope table is checksummed on "
        f"{source} and on {replica} at the same binlog position of {source} ({replica}'s SQL thread is held "
        f"there with START {dl_r.replica_word} UNTIL, then started again); each table whose checksum differs "
        f"is named. Nothing is written. {SEED} tests with 'make an update on each server, and it should "
        "appear on the other server!': that shows the changes flow, this that the rows already there match.",
    )
    summary = (
        f"Compare {replica}'s data with {source}'s, table by table (CHECKSUM TABLE at one binlog position of "
        f"{source}), as pt-table-checksum does. Threads that run and coordinates that match do not prove the "
        "data is the same. Nothing is written; each table that differs is named."
    )
    pre = (
        checks.reachable(source, replica),
        checks.replicates_from(replica, source),
        sql_thread_runs(replica),
    )
    return Plan(
        "compare-data",
        f"Compare {replica}'s data with {source}'s",
        summary,
        (scope, compare),
        pre,
        identities(sts, [source, replica]),
        (),
        {"source": source, "replica": replica, **({"databases": ",".join(dbs)} if dbs else {})},
    )
