"""Offline diagnosis: read status text people paste into the statuses the live
collector builds, so the same findings come out (``replui diagnose``).

Three steps, one module each: :mod:`replui.paste.clean` splits text into nodes and
removes prompts, prefixes and the client's noise; :mod:`replui.paste.layouts` reads
vertical, table and tab-separated output into rows keyed by the server's column names;
:mod:`replui.paste.build` turns a node's rows into a
:class:`~replui.model.NodeStatus` through :func:`replui.mysql.status.build_status`.
Text that cannot be read raises :class:`PasteError` naming the file and line.

Pure: no I/O (the CLI reads the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from replui.model import NodeStatus
from replui.paste.build import build_node
from replui.paste.clean import split_nodes
from replui.paste.evidence import Evidence, metadata_evidence
from replui.paste.layouts import read_rows
from replui.paste.model import PasteError, Row, Skipped, Statement

__all__ = ["PasteError", "Pasted", "Skipped", "Statement", "read_pastes"]


@dataclass(frozen=True)
class Pasted:
    """What :func:`read_pastes` read: one status per node, in the order the nodes first
    appear, and the lines it did not read as status (prose, notes)."""

    statuses: list[NodeStatus]
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class _NodeParts:
    host: str | None = None
    port: int | None = None
    rows: list[Row] = field(default_factory=list)
    places: list[tuple[str, int, int]] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence)


def read_pastes(texts: Iterable[tuple[str, str]]) -> Pasted:
    """``(path, text)`` pairs (``-`` for stdin) -> the statuses of every node in them.
    A file is one node (named after the file) unless ``-- node NAME [HOST[:PORT]]`` lines
    split it; a node named in several places is read as one. Raises :class:`PasteError`
    (file and line) for text that cannot be read, and for no node at all."""
    parts: dict[str, _NodeParts] = {}
    skipped: list[Skipped] = []
    sources: list[str] = []
    for path, text in texts:
        nodes = split_nodes(path, text)
        sources.append("stdin" if path == "-" else path)
        for node in nodes:
            reading = read_rows(node)
            evidence = metadata_evidence(node)
            skipped += [s for s in reading.skipped if s.text.strip() != evidence.failure]
            if node.implicit and not reading.rows and not evidence.any and len(nodes) > 1:
                continue  # prose before the first "-- node" line
            part = parts.setdefault(node.name, _NodeParts())
            part.evidence = Evidence(
                part.evidence.replica_empty or evidence.replica_empty,
                evidence.failure or part.evidence.failure,
            )
            part.host = node.host or part.host
            part.port = node.port or part.port
            part.rows += reading.rows
            last = max((ln.number for ln in node.lines), default=node.first_line)
            part.places.append((node.source, node.first_line, last))
    if not parts:
        raise PasteError(", ".join(sources) or "stdin", None, "nothing to read: the text is empty")
    statuses = []
    for name, part in parts.items():
        status, unread = build_node(name, part.host, part.port, part.rows, part.places, part.evidence)
        statuses.append(status)
        skipped += unread
    return Pasted(statuses, skipped)
