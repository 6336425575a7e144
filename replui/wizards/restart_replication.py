"""``restart-replication --node N``: the Chameleon Cloud runbook 'MySQL
Replication Error', "network connectivity broken between sites":
``stop slave; start slave;`` then ``show slave status\\G``."""

from __future__ import annotations

from replui.config import Config
from replui.sources import REPLICATION_ERROR
from replui.wizards import checks
from replui.wizards.common import (
    Statuses,
    WizardError,
    dialect_of,
    identities,
    need_node,
    source_of,
    status_map,
    verify_sql,
)
from replui.wizards.plan import VERIFY_TIMEOUT, Plan
from replui.wizards.sql import show_replica_status, start_replica, stop_replica
from replui.wizards.steps import describe_channel, sql_step, status_step, verify_step

SEED = REPLICATION_ERROR


def build_restart_replication_plan(
    config: Config,
    statuses: Statuses,
    *,
    node: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: show status, ``STOP SLAVE; START SLAVE`` on ``node``, verify.
    Raises WizardError when ``node`` is unknown."""
    sts = status_map(statuses)
    st = need_node(config, sts, node, "--node")
    assert node is not None
    if st.reachable and not st.channels:
        raise WizardError(f"{node} is not a replica (SHOW SLAVE STATUS is empty): nothing to restart")
    dl = dialect_of(sts, node)
    source = source_of(sts, node)
    before = describe_channel(node, st)
    summary = (
        f"Restart the replication threads of {node}" + (f" (source {source})" if source else "") + ".\n"
        "When the network between a replica and its source breaks, the IO thread may stop and not recover; "
        f"restarting the threads once the network works again often fixes it, as {SEED} says."
    )
    steps = (
        status_step(
            "before",
            f"Show {node}'s replica status",
            "Record the state before changing anything; the IO error names what broke (e.g. 2003 can't "
            f"connect). From {SEED}: 'Try pinging the address of the master host (show slave status\\G)'.",
            node,
            show_replica_status(dl).sql,
        ),
        sql_step(
            "restart",
            f"Stop and start replication on {node}",
            "Restart both replication threads so the IO thread reconnects to its source: "
            f"'stop slave; start slave;' in {SEED}. "
            "The relay log and the coordinates are kept: nothing is skipped or lost.",
            node,
            lambda ctx, lit: [stop_replica(dl), start_replica(dl)],
            destructive=True,
        ),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    )
    pre = [checks.is_replica(node)]
    if source:
        pre.append(checks.server_ids_unique([node, source]))
    return Plan(
        "restart-replication",
        f"Restart replication on {node}",
        summary + ("\nSeen now:\n  " + "\n  ".join(before) if before else ""),
        steps,
        tuple(pre),
        identities(sts, [node]),
        (),
        {"node": node},
    )
