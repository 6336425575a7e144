"""Messages the TUI posts; past tense, they say what happened."""

from __future__ import annotations

from textual.message import Message

from replui.model import Finding, NodeStatus


class NodeStatusUpdated(Message):
    """One poll of ``status.name`` finished (reachable or not)."""

    def __init__(self, status: NodeStatus) -> None:
        super().__init__()
        self.status = status


class FindingsUpdated(Message):
    """The analysis ran over all latest statuses; ``findings`` is its result."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__()
        self.findings = findings
