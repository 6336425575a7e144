"""Canned statuses and a fixed monitor for the TUI tests and snapshots.

Private to the TUI tests: fixed values (no clocks), MariaDB-style labels by
default, one MySQL 8.0 node (``Source_*`` labels) in :func:`four_nodes`.
Findings are canned too (``FixtureMonitor(findings=...)``) so the screens do
not change when the analysis rules evolve; pass ``findings=None`` to use
``replui.analysis.findings.analyse``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from replui.config import Config, parse_config
from replui.model import BinlogCoordinates, BinlogFile, Channel, Finding, Flavor, NodeStatus, Severity

MYSQL_LABELS = {
    "io_running": "Replica_IO_Running",
    "sql_running": "Replica_SQL_Running",
    "source_host": "Source_Host",
    "source_port": "Source_Port",
    "source_log_file": "Source_Log_File",
    "read_source_log_pos": "Read_Source_Log_Pos",
    "relay_source_log_file": "Relay_Source_Log_File",
    "exec_source_log_pos": "Exec_Source_Log_Pos",
    "seconds_behind_source": "Seconds_Behind_Source",
    "last_io_errno": "Last_IO_Errno",
    "last_io_error": "Last_IO_Error",
    "last_sql_errno": "Last_SQL_Errno",
    "last_sql_error": "Last_SQL_Error",
}

ERR_1062 = (
    "Could not execute Write_rows_v1 event on table shop.orders; Duplicate entry '4711' for key 'PRIMARY', "
    "Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log node1-bin.000007, end_log_pos 91234"
)


def make_config(names: Sequence[str]) -> Config:
    text = "[defaults]\nuser = \"replui\"\npoll_interval = 0.05\n"
    for i, n in enumerate(names):
        text += f'\n[[nodes]]\nname = "{n}"\nhost = "10.0.0.{11 + i}"\nport = 3306\n'
    return parse_config(text, "<tui-test>")


def node(name: str, i: int, *, channels: tuple[Channel, ...] = (), flavor: Flavor = Flavor.MARIADB, read_only: bool = False, pos: int = 4_518_220) -> NodeStatus:
    mysql = flavor is Flavor.MYSQL
    return NodeStatus(
        name=name,
        host=f"10.0.0.{11 + i}",
        port=3306,
        reachable=True,
        flavor=flavor,
        version="8.0.36" if mysql else "10.11.6-MariaDB",
        server_id=i + 1,
        server_uuid=f"3e11fa47-71ca-11e1-9e33-c80aa9429{562 + i}" if mysql else None,
        read_only=read_only,
        super_read_only=False if mysql else None,
        log_bin=True,
        binlog_format="ROW",
        gtid_mode="OFF",
        binlog=BinlogCoordinates(file=f"{name}-bin.000007", position=pos, gtid=None),
        binlog_files=tuple(BinlogFile(f"{name}-bin.00000{k}", 1_073_741_824 if k < 7 else 52_428_800) for k in range(1, 8)),
        channels=channels,
    )


def channel(source: str, src_index: int, *, pos: int = 4_518_220, exec_pos: int | None = None, sql: str = "Yes", io: str = "Yes", errno: int = 0, error: str = "", lag: int | None = 0, mysql: bool = False, name: str = "") -> Channel:
    kw = {}
    if mysql:
        kw["labels"] = dict(MYSQL_LABELS)
    return Channel(
        name=name,
        source_host=f"10.0.0.{11 + src_index}",
        source_port=3306,
        source_log_file=f"{source}-bin.000007",
        read_source_log_pos=pos,
        relay_source_log_file=f"{source}-bin.000007",
        exec_source_log_pos=pos if exec_pos is None else exec_pos,
        io_running=io,
        sql_running=sql,
        seconds_behind_source=lag,
        last_sql_errno=errno,
        last_sql_error=error,
        **kw,
    )


class FixtureMonitor:
    """The StatusSource protocol over fixed statuses (like ``replui.monitor.StaticMonitor``)."""

    def __init__(self, config: Config, statuses: Sequence[NodeStatus], findings: list[Finding] | None = None):
        self.config = config
        self._statuses = {s.name: s for s in statuses}
        self._findings = findings
        self.polls: list[str] = []

    def node_names(self) -> list[str]:
        return [n.name for n in self.config.nodes]

    def poll(self, name: str) -> NodeStatus:
        self.polls.append(name)
        return self._statuses[name]

    def set_status(self, status: NodeStatus) -> None:
        self._statuses[status.name] = status

    def analyse(self, statuses: Sequence[NodeStatus]) -> list[Finding]:
        if self._findings is not None:
            names = {s.name for s in statuses}
            return [f for f in self._findings if f.nodes and f.nodes[0] in names]
        from replui.analysis.findings import analyse

        return analyse(list(statuses), lag_warning=self.config.lag_warning, lag_critical=self.config.lag_critical)

    def close(self) -> None:
        pass


def healthy_pair() -> FixtureMonitor:
    cfg = make_config(["node1", "node2"])
    n1 = node("node1", 0, channels=(channel("node2", 1, pos=3_906_551),), pos=4_518_220)
    n2 = node("node2", 1, channels=(channel("node1", 0, pos=4_518_220),), pos=3_906_551)
    return FixtureMonitor(cfg, [n1, n2], findings=[])


FINDING_1062 = Finding(
    Severity.CRITICAL,
    "sql_error",
    ("node2", "node1"),
    "node2: the SQL thread stopped on error 1062 (duplicate key) applying node1's events",
    advice="node2 already holds a row node1 is inserting: the two servers' data differ. Skipping the event "
    "(SQL_SLAVE_SKIP_COUNTER) hides the divergence; rebuild node2 from node1 with the rebuild-replica wizard.",
    channel="",
    fields=("sql_running", "last_sql_errno", "last_sql_error", "exec_source_log_pos"),
    wizard="rebuild-replica",
    errno=1062,
)
FINDING_LAG_UNKNOWN = Finding(
    Severity.WARNING,
    "lag_unknown",
    ("node2",),
    "node2: Seconds_Behind_Master is NULL (unknown) because the SQL thread is stopped",
    advice="Lag is unknown, not 0: fix the SQL thread first.",
    channel="",
    fields=("seconds_behind_source",),
)


def broken_pair_1062() -> FixtureMonitor:
    cfg = make_config(["node1", "node2"])
    n1 = node("node1", 0, channels=(channel("node2", 1, pos=3_906_551),), pos=4_518_220)
    n2 = node("node2", 1, channels=(channel("node1", 0, pos=4_518_220, exec_pos=4_391_007, sql="No", errno=1062, error=ERR_1062, lag=None),), pos=3_906_551)
    return FixtureMonitor(cfg, [n1, n2], findings=[FINDING_1062, FINDING_LAG_UNKNOWN])


def unreachable_pair() -> FixtureMonitor:
    cfg = make_config(["node1", "node2"])
    n1 = node("node1", 0, channels=(channel("node2", 1, io="Connecting", lag=None),), pos=4_518_220)
    n2 = NodeStatus(name="node2", host="10.0.0.12", port=3306, reachable=False, errno=2003, error="Can't connect to MySQL server on '10.0.0.12' ([Errno 111] Connection refused)")
    down = Finding(Severity.CRITICAL, "unreachable", ("node2",), "node2 (10.0.0.12:3306) does not answer: error 2003", advice="Check that mariadbd runs on node2 and that port 3306 is open from here.", errno=2003)
    io = Finding(Severity.CRITICAL, "io_connecting", ("node1", "node2"), "node1: the IO thread cannot reach its source node2", channel="", fields=("io_running",))
    return FixtureMonitor(cfg, [n1, n2], findings=[down, io])


def four_nodes() -> FixtureMonitor:
    cfg = make_config(["node1", "node2", "node3", "node4"])
    n1 = node("node1", 0, channels=(channel("node2", 1, pos=3_906_551),), pos=4_518_220)
    n2 = node("node2", 1, channels=(channel("node1", 0, pos=4_518_220),), pos=3_906_551, read_only=False)
    n3 = node("node3", 2, channels=(channel("node1", 0, pos=4_518_220, exec_pos=4_400_000, lag=42),), read_only=True, pos=120)
    n4 = node("node4", 3, channels=(channel("node1", 0, pos=4_518_220, mysql=True),), flavor=Flavor.MYSQL, read_only=False, pos=197)
    lag = Finding(Severity.WARNING, "lag", ("node3", "node1"), "node3 is 42 s behind node1 (warning at 30 s)", advice="Watch whether the lag shrinks; long transactions or a slow disk on node3 are the usual causes.", channel="", fields=("seconds_behind_source", "exec_source_log_pos"))
    ro = Finding(Severity.WARNING, "replica_writable", ("node4",), "node4 replicates from node1 but read_only is OFF", advice="Set read_only=ON (and super_read_only on MySQL) on a pure replica so stray writes cannot diverge it.", fields=("read_only",))
    return FixtureMonitor(cfg, [n1, n2, n3, n4], findings=[lag, ro])


def with_status(monitor: FixtureMonitor, name: str, **changes) -> NodeStatus:
    """Replace ``name``'s canned status with a modified copy; returns it."""
    st = replace(monitor._statuses[name], **changes)
    monitor.set_status(st)
    return st
