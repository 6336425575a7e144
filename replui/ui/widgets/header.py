"""The dashboard header: topology and the worst severity."""

from __future__ import annotations

from textual.widgets import Static

from replui.model import Finding, NodeStatus, Severity, worst
from replui.ui.rows import SYMBOLS


def topology_text(names: list[str], statuses: list[NodeStatus]) -> str:
    """``build_topology(statuses).describe()`` (e.g. "node1 ⇄ node2"), or the
    node names when the topology module is missing or fails."""
    try:
        from replui.analysis.topology import build_topology

        text = build_topology(list(statuses)).describe()
        if text:
            return str(text)
    except Exception:  # noqa: BLE001 - the view must survive an engine bug; the names still say something
        pass
    return "  ".join(names)


class DashboardHeader(Static):
    """One line: app name, topology, worst severity and finding count."""

    def __init__(self) -> None:
        super().__init__("replui", id="dashboard-header")

    def show(self, names: list[str], statuses: list[NodeStatus], findings: list[Finding]) -> None:
        sev = worst(findings)
        problems = [f for f in findings if f.severity is not Severity.OK]
        count = f"{len(problems)} finding{'s' if len(problems) != 1 else ''}" if problems else "no problems"
        self.update(
            f" replui │ {topology_text(names, statuses)} │ {SYMBOLS[sev]} {sev.value.upper()} · {count}"
        )
        for cls in ("-error", "-warn", "-ok"):
            self.remove_class(cls)
        self.add_class({Severity.CRITICAL: "-error", Severity.WARNING: "-warn", Severity.OK: "-ok"}[sev])
