"""Pure analysis of collected statuses: topology, findings, known errors.

No I/O and no textual/rich imports.
"""

from replui.analysis.errors import KNOWN_ERRORS, KnownError, classify
from replui.analysis.findings import analyse, field_marks, summary
from replui.analysis.topology import Edge, Topology, build_topology

__all__ = [
    "KNOWN_ERRORS",
    "KnownError",
    "classify",
    "analyse",
    "field_marks",
    "summary",
    "Edge",
    "Topology",
    "build_topology",
]
