"""The dashboard header: topology, the worst severity, and how fresh the data is."""

from __future__ import annotations

from textual.widgets import Static

from replui.model import Finding, NodeStatus, Severity, worst
from replui.ui.freshness import age_text, is_stale
from replui.ui.rows import CSS_CLASS, SYMBOLS


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


def freshness_summary(ages: dict[str, float | None], poll_interval: float, refreshing: int = 0) -> str:
    """``"↻ refreshing 3 nodes…"`` while ``r``'s polls are out; else the stale
    nodes (``"▲ STALE node3 read 14s ago"``), else ``"all live"`` or when the
    oldest was read (``"oldest read 3s ago"``). ``ages``: seconds since each
    node was read."""
    if refreshing:
        return f"↻ refreshing {refreshing} node{'s' if refreshing != 1 else ''}…"
    stale = [n for n, a in ages.items() if is_stale(a, poll_interval)]
    if stale:
        shown = ", ".join(f"{n} {age_text(ages[n], poll_interval)}" for n in stale[:3])
        more = f" +{len(stale) - 3}" if len(stale) > 3 else ""
        return f"▲ STALE {shown}{more}"
    known = [a for a in ages.values() if a is not None]
    if not known:
        return "not read yet"
    text = age_text(max(known), poll_interval)
    if len(known) < len(ages):
        return f"{len(ages) - len(known)} not read yet"
    return ("all " if len(ages) > 1 else "") + text if text == "live" else f"oldest {text}"


class DashboardHeader(Static):
    """One line: app name, topology, worst severity and finding count, freshness."""

    def __init__(self) -> None:
        super().__init__("replui", id="dashboard-header", markup=False)
        self._main = "replui"
        self._fresh = ""
        self._shown = ""

    def show(self, names: list[str], statuses: list[NodeStatus], findings: list[Finding]) -> None:
        """Show the topology of ``statuses`` and the worst of ``findings``."""
        sev = worst(findings)
        problems = [f for f in findings if f.severity is not Severity.OK]
        count = f"{len(problems)} finding{'s' if len(problems) != 1 else ''}" if problems else "no problems"
        self._main = (
            f" replui │ {topology_text(names, statuses)} │ {SYMBOLS[sev]} {sev.value.upper()} · {count}"
        )
        for sv, cls in CSS_CLASS.items():
            if (sv is sev) != self.has_class(cls):
                self.set_class(sv is sev, cls)
        self._render_line()

    def show_freshness(self, text: str, stale: bool) -> None:
        """Show ``text`` (:func:`freshness_summary`) at the end of the line."""
        self._fresh = text
        if stale != self.has_class("-stale"):
            self.set_class(stale, "-stale")
        self._render_line()

    def _render_line(self) -> None:
        line = self._main + (f" │ {self._fresh}" if self._fresh else "")
        if line != self._shown:
            self._shown = line
            self.update(line)
