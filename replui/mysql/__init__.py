"""The MySQL/MariaDB layer: connections (:mod:`.client`), dialects
(:mod:`.dialect`), status collection (:mod:`.status`) and GTID maths
(:mod:`.gtid`). No UI imports here."""

from replui.mysql.client import NodeClient, NodeError
from replui.mysql.dialect import Dialect, dialect_for, probe
from replui.mysql.status import collect_status

__all__ = ["NodeClient", "NodeError", "Dialect", "dialect_for", "probe", "collect_status"]
