"""Wizard names (for scripts, the CLI and the TUI's advice) -> plan builders.

Every builder is ``build_<name>_plan(config, statuses, **options) -> Plan``,
pure, raising :class:`~replui.wizards.common.WizardError` for bad options.
"""

from __future__ import annotations

from typing import Callable

from replui.wizards.add_replica import build_add_replica_plan
from replui.wizards.heartbeat import build_heartbeat_plan
from replui.wizards.plan import Plan
from replui.wizards.rebuild_replica import build_rebuild_replica_plan
from replui.wizards.repoint import build_repoint_plan
from replui.wizards.reset_replica import build_reset_replica_plan
from replui.wizards.restart_replication import build_restart_replication_plan
from replui.wizards.resync_pair import build_resync_pair_plan
from replui.wizards.set_repl_password import build_set_repl_password_plan

WIZARDS: dict[str, Callable[..., Plan]] = {
    "restart-replication": build_restart_replication_plan,
    "repoint": build_repoint_plan,
    "reset-replica": build_reset_replica_plan,
    "heartbeat": build_heartbeat_plan,
    "rebuild-replica": build_rebuild_replica_plan,
    "resync-pair": build_resync_pair_plan,
    "add-replica": build_add_replica_plan,
    "set-repl-password": build_set_repl_password_plan,
}


def build_plan(name: str, config, statuses, **options) -> Plan:
    """The plan of wizard ``name``; KeyError naming the known wizards."""
    try:
        builder = WIZARDS[name]
    except KeyError:
        raise KeyError(f"no wizard named {name!r} (known: {', '.join(WIZARDS)})") from None
    return builder(config, statuses, **options)
