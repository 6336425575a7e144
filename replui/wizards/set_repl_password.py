"""``set-repl-password --node N --repl-password-env VAR``: the replica's IO
thread fails with 1045 (access denied) because the replication password it
stores no longer matches the account on its source (the password was
changed, or the account re-created). Store the right one: ``STOP SLAVE``,
``CHANGE MASTER TO MASTER_PASSWORD=…`` (only the password changes; host,
user and coordinates stay — MariaDB/MySQL manual "CHANGE MASTER TO"),
``START SLAVE``, verify. The password comes from an environment variable,
never the command line, and is masked everywhere.
"""

from __future__ import annotations

from replui.config import Config
from replui.wizards import checks
from replui.wizards.common import (
    Statuses,
    WizardError,
    dialect_of,
    identities,
    need_replica,
    password_from_env,
    source_of,
    status_map,
    verify_sql,
)
from replui.wizards.plan import VERIFY_TIMEOUT, Plan
from replui.wizards.sql import change_source, show_replica_status, start_replica, stop_replica
from replui.wizards.steps import sql_step, start_step, status_step, stop_step, verify_step


def build_set_repl_password_plan(
    config: Config,
    statuses: Statuses,
    *,
    node: str | None = None,
    repl_password_env: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: show status, stop N's replication, ``CHANGE MASTER TO
    MASTER_PASSWORD`` (the password from the environment variable named by
    ``repl_password_env``), start, verify. WizardError when N is not a
    replica or the variable is missing."""
    sts = status_map(statuses)
    st, ch = need_replica(config, sts, node, "--node", "no replication password to set")
    assert node is not None
    if not repl_password_env:
        raise WizardError(
            "--repl-password-env VAR is required: the name of an environment variable holding the "
            "replication password (never given on the command line)"
        )
    pw = password_from_env(repl_password_env)
    source = source_of(sts, node)
    dl = dialect_of(sts, node)
    user = ch.source_user if ch is not None else None
    where = f"{ch.source_host}:{ch.source_port}" if ch is not None else "its source"
    steps = (
        status_step(
            "before",
            f"Show {node}'s replica status",
            "Record the error before changing anything (1045: access denied for the replication user).",
            node,
            show_replica_status(dl).sql,
        ),
        stop_step(
            "stop",
            f"Stop replication on {node}",
            "The threads must be stopped before CHANGE MASTER.",
            node,
            stop_replica(dl),
            start_replica(dl),
        ),
        sql_step(
            "set-password",
            f"Store the replication password on {node}",
            f"{node} logs in to {where} as {user!r} with the password it stores; after a password change on "
            "the source that login fails with 1045. Only the password changes: host, user and coordinates "
            "stay.",
            node,
            lambda ctx, lit: [change_source(dl, password=pw, literal=lit)],
        ),
        start_step(node, dl, "The IO thread logs in again with the new password."),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    )
    summary = (
        f"Store a new replication password on {node} (user {user!r} on {where}), from ${repl_password_env}; "
        "the account on the source is not touched."
    )
    return Plan(
        "set-repl-password",
        f"Set the replication password on {node}",
        summary,
        steps,
        (checks.is_replica(node),),
        identities(sts, [node]),
        (pw,),
        {"node": node, "repl_password_env": repl_password_env},
    )
