"""Canned :class:`NodeStatus` scenarios: the one library for the pure tests,
the TUI tests, the SVG snapshots and the demo apps in tests/snapshot_apps/.

Each scenario returns ``(Config, list[NodeStatus])`` with statuses in config
order; the TUI serves one through ``replui.monitor.StaticMonitor(cfg, statuses)``
(see ``tui_helpers.static_monitor``), so its findings come from the real analysis.
Texts and coordinates come from the runbooks where they have them (the two
``SHOW SLAVE STATUS`` excerpts of 'How to get an active-active MySQL setup back
in sync after hard crash', the 1236 message of 'Fail over MySQL and Rails').
Builders: :func:`config_for`, :func:`node`, :func:`channel`, :func:`down`.

The SVG snapshots render ``healthy_pair``, ``broken_pair_1062``, ``four_nodes``
and ``unreachable_pair``: changing those changes the snapshots (add a new
scenario instead, and list it in :data:`SCENARIOS`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from replui.config import Config, parse_config
from replui.model import LEGACY_LABELS, BinlogCoordinates, BinlogFile, Channel, Flavor, NodeStatus

HOST = "127.0.0.1"
BASE_PORT = 33061

#: MySQL 8.0.22+ labels (Source_*/Replica_*) for channels of a modern MySQL.
MODERN_LABELS = {
    k: v.replace("Master", "Source").replace("Slave", "Replica") for k, v in LEGACY_LABELS.items()
}

MARIADB_1062 = (
    "Could not execute Write_rows_v1 event on table shop.orders; Duplicate entry '42' for key 'PRIMARY', "
    "Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000003, "
    "end_log_pos 1874"
)
CRASH_RUNBOOK_RELAY_ERROR = (
    "Relay log read failure: Could not parse relay log event entry. The possible reasons are: the master's "
    "binary log is corrupted (you can check this by running 'mysqlbinlog' on the binary log), the slave's "
    "relay log is corrupted (you can check this by running 'mysqlbinlog' on the relay log), a network "
    "problem, or a bug in the master's or slave's MySQL code. If you want to check the master's binary log "
    "or slave's relay log, you will be able to know their names by issuing 'SHOW SLAVE STATUS' on this slave."
)
CRASH_RUNBOOK_1236 = (
    "Got fatal error 1236 from master when reading data from binary log: "
    "'Client requested master to start replication from impossible position'"
)
RAILS_RUNBOOK_1236 = (
    "Got fatal error 1236 from master when reading data from binary log: "
    "'Could not find first log file name in binary log index file'"
)
ERR_2003 = "Can't connect to MySQL server on '127.0.0.1' (111 \"Connection refused\")"
IO_2003 = (
    "error reconnecting to master 'repl@127.0.0.1:33062' - retry-time: 60  maximum-retries: 100000  message: "
    "Can't connect to MySQL server on '127.0.0.1' (111 \"Connection refused\")"
)


def config_for(*names: str, host: str = HOST, base_port: int = BASE_PORT) -> Config:
    """A Config with nodes ``names`` on ``host`` ports ``base_port``, +1, …"""
    text = '[defaults]\nuser = "replui"\npassword_env = "REPLUI_PASSWORD"\n'
    for i, n in enumerate(names):
        text += f'\n[[nodes]]\nname = "{n}"\nhost = "{host}"\nport = {base_port + i}\n'
    return parse_config(text, "canned.toml")


def binlogs(*sizes: int, first: int = 1, base: str = "mysql-bin") -> tuple[BinlogFile, ...]:
    """``SHOW BINARY LOGS`` rows ``base.00000<first>``… with the given sizes (bytes)."""
    return tuple(BinlogFile(f"{base}.{first + i:06d}", size) for i, size in enumerate(sizes))


def node(
    cfg: Config,
    name: str,
    *,
    server_id: int,
    files: tuple[BinlogFile, ...] = (),
    position: int | None = None,
    channels: tuple[Channel, ...] = (),
    read_only: bool = False,
    flavor: Flavor = Flavor.MARIADB,
    **kw,
) -> NodeStatus:
    """A reachable node; its ``SHOW MASTER STATUS`` is the last file of ``files``
    at ``position`` (default: that file's size)."""
    nc = cfg.node(name)
    binlog = None
    if files:
        binlog = BinlogCoordinates(
            files[-1].name,
            files[-1].size if position is None else position,
            gtid=f"0-{server_id}-100" if flavor is Flavor.MARIADB else None,
        )
    base = dict(
        name=name,
        host=nc.host,
        port=nc.port,
        reachable=True,
        flavor=flavor,
        version="10.11.6-MariaDB" if flavor is Flavor.MARIADB else "8.4.0",
        version_comment="Debian" if flavor is Flavor.MARIADB else "MySQL Community Server - GPL",
        hostname=f"{name}.lab",
        server_id=server_id,
        server_uuid=None if flavor is Flavor.MARIADB else f"00000000-0000-0000-0000-{server_id:012d}",
        read_only=read_only,
        super_read_only=None if flavor is Flavor.MARIADB else read_only,
        log_bin=bool(files),
        binlog_format="ROW",
        log_replica_updates=True,
        gtid_mode="OFF",
        binlog=binlog,
        binlog_files=files,
        channels=channels,
        replica_syntax=flavor is Flavor.MYSQL,
        collected_at=1_700_000_000.0,
        query_seconds=0.004,
    )
    base.update(kw)
    return NodeStatus(**base)


def channel(
    src: NodeStatus | tuple[str, int],
    *,
    file: str | None = None,
    pos: int | None = None,
    exec_file: str | None = None,
    exec_pos: int | None = None,
    io: str = "Yes",
    sql: str = "Yes",
    lag: int | None = 0,
    name: str = "",
    modern: bool = False,
    **kw,
) -> Channel:
    """A channel replicating from ``src`` (a status, or ``(host, port)`` for an
    external source). Coordinates default to ``src``'s current binlog position
    (caught up); ``exec_*`` default to the read coordinates."""
    if isinstance(src, NodeStatus):
        host, port, sid = src.host, src.port, src.server_id
        if file is None and src.binlog:
            file, pos = src.binlog.file, src.binlog.position if pos is None else pos
    else:
        (host, port), sid = src, kw.pop("source_server_id", None)
    exec_file = file if exec_file is None else exec_file
    exec_pos = pos if exec_pos is None else exec_pos
    args = dict(
        name=name,
        source_host=host,
        source_port=port,
        source_user="repl",
        source_log_file=file,
        read_source_log_pos=pos,
        relay_log_file="relay-bin.000002",
        relay_log_pos=(exec_pos or 4),
        relay_source_log_file=exec_file,
        exec_source_log_pos=exec_pos,
        io_running=io,
        sql_running=sql,
        io_state="Waiting for master to send event" if io == "Yes" else "",
        sql_state="Slave has read all relay log; waiting for more updates" if sql == "Yes" else "",
        seconds_behind_source=lag,
        source_server_id=sid,
        labels=dict(MODERN_LABELS if modern else LEGACY_LABELS),
    )
    args.update(kw)
    return Channel(**args)


def down(cfg: Config, name: str, *, errno: int = 2003, error: str = ERR_2003) -> NodeStatus:
    """An unreachable node (client error ``errno``)."""
    nc = cfg.node(name)
    return NodeStatus(
        name=name,
        host=nc.host,
        port=nc.port,
        reachable=False,
        errno=errno,
        error=error,
        collected_at=1_700_000_000.0,
    )


def _pair(cfg: Config) -> tuple[NodeStatus, NodeStatus]:
    a = node(cfg, "node1", server_id=1, files=binlogs(1200, 5400, first=1))
    b = node(cfg, "node2", server_id=2, files=binlogs(900, 3300, first=1))
    return a, b


def healthy_pair() -> tuple[Config, list[NodeStatus]]:
    """node1 ⇄ node2, both threads running, caught up, lag 0."""
    cfg = config_for("node1", "node2")
    a, b = _pair(cfg)
    return cfg, [replace(a, channels=(channel(b),)), replace(b, channels=(channel(a),))]


def broken_pair_1062() -> tuple[Config, list[NodeStatus]]:
    """node1 ⇄ node2; node2's SQL thread stopped on a duplicate key (MariaDB text), \
1874 bytes applied of 5400."""
    cfg = config_for("node1", "node2")
    a, b = _pair(cfg)
    ch = channel(
        a,
        exec_file="mysql-bin.000002",
        exec_pos=1874,
        sql="No",
        lag=None,
        last_sql_errno=1062,
        last_sql_error=MARIADB_1062,
        last_sql_error_timestamp="231114 22:13:20",
    )
    return cfg, [replace(a, channels=(channel(b),)), replace(b, channels=(ch,))]


def replica_1062() -> tuple[Config, list[NodeStatus]]:
    """'MySQL Replication Error' (Chameleon Cloud): source → replica; someone
    wrote to the (writable) replica, now 1062."""
    cfg = config_for("source", "replica")
    s = node(cfg, "source", server_id=1, files=binlogs(4000, 2100))
    ch = channel(s, exec_pos=1874, sql="No", lag=None, last_sql_errno=1062, last_sql_error=MARIADB_1062)
    r = node(cfg, "replica", server_id=2, files=binlogs(700), read_only=False, channels=(ch,))
    return cfg, [s, r]


def crashed_pair_after_hard_crash() -> tuple[Config, list[NodeStatus]]:
    """'How to get an active-active MySQL setup back in sync after hard crash',
    after node1's hard crash: node1's relay log is corrupt (bare
    ``Last_Error``), node2 gets 1236 "impossible position" because node1's
    mysql-bin.000234 was cut short at 173840000 < 173841457; node1 restarted
    into mysql-bin.000235."""
    cfg = config_for("node1", "node2")
    f1 = (
        BinlogFile("mysql-bin.000233", 1073741900),
        BinlogFile("mysql-bin.000234", 173840000),
        BinlogFile("mysql-bin.000235", 52310),
    )
    f2 = (BinlogFile("mysql-bin.000252", 1073742000), BinlogFile("mysql-bin.000253", 612004118))
    a = node(cfg, "node1", server_id=1, files=f1)
    b = node(cfg, "node2", server_id=2, files=f2)
    ch1 = channel(
        b,
        file="mysql-bin.000253",
        pos=569975131,
        exec_file="mysql-bin.000253",
        exec_pos=419130498,
        io="Yes",
        sql="No",
        lag=None,
        relay_log_file="relay-bin.000198",
        relay_log_pos=179576569,
        raw={"Last_Errno": "1594", "Last_Error": CRASH_RUNBOOK_RELAY_ERROR},
    )
    ch2 = channel(
        a,
        file="mysql-bin.000234",
        pos=173841457,
        io="No",
        sql="Yes",
        lag=None,
        relay_log_file="relay-bin.000197",
        relay_log_pos=101852398,
        last_io_errno=1236,
        last_io_error=CRASH_RUNBOOK_1236,
    )
    return cfg, [replace(a, channels=(ch1,)), replace(b, channels=(ch2,))]


def replica_of_a_purged_source() -> tuple[Config, list[NodeStatus]]:
    """'Fail over MySQL and Rails': the replica was off too long; the source purged mysql-bin.000002 → \
1236 "could not find first log file"."""
    cfg = config_for("source", "replica")
    s = node(cfg, "source", server_id=1, files=binlogs(1048576, 30000, first=5))
    ch = channel(
        s,
        file="mysql-bin.000002",
        pos=5123,
        io="No",
        sql="Yes",
        lag=None,
        last_io_errno=1236,
        last_io_error=RAILS_RUNBOOK_1236,
    )
    r = node(cfg, "replica", server_id=2, read_only=True, channels=(ch,))
    return cfg, [s, r]


def unreachable_pair() -> tuple[Config, list[NodeStatus]]:
    """node1 ⇄ node2 with node2 down (2003): node1's IO thread keeps retrying."""
    cfg = config_for("node1", "node2")
    a, _ = _pair(cfg)
    ch = channel(
        ("127.0.0.1", cfg.node("node2").port),
        file="mysql-bin.000002",
        pos=3300,
        io="Connecting",
        lag=None,
        last_io_errno=2003,
        last_io_error=IO_2003,
        source_server_id=2,
    )
    return cfg, [replace(a, channels=(ch,)), down(cfg, "node2")]


def source_with_replicas() -> tuple[Config, list[NodeStatus]]:
    """src → rep1, rep2 (MySQL 8.4 labels); rep2 is 2 files behind with a 45 s lag."""
    cfg = config_for("src", "rep1", "rep2")
    s = node(cfg, "src", server_id=1, files=binlogs(1000, 2000, 500), flavor=Flavor.MYSQL)
    r1 = node(
        cfg, "rep1", server_id=2, read_only=True, flavor=Flavor.MYSQL, channels=(channel(s, modern=True),)
    )
    r2 = node(
        cfg,
        "rep2",
        server_id=3,
        read_only=True,
        flavor=Flavor.MYSQL,
        channels=(channel(s, file="mysql-bin.000001", pos=600, lag=45, modern=True),),
    )
    return cfg, [s, r1, r2]


def four_nodes() -> tuple[Config, list[NodeStatus]]:
    """src → rep1, rep2; rep2 → rep3 (a chain under a fan-out), all healthy."""
    cfg = config_for("src", "rep1", "rep2", "rep3")
    s = node(cfg, "src", server_id=1, files=binlogs(1000, 2000))
    r1 = node(cfg, "rep1", server_id=2, read_only=True, channels=(channel(s),))
    r2 = node(cfg, "rep2", server_id=3, read_only=True, files=binlogs(800), channels=(channel(s),))
    r3 = node(cfg, "rep3", server_id=4, read_only=True, channels=(channel(r2),))
    return cfg, [s, r1, r2, r3]


def chain_three() -> tuple[Config, list[NodeStatus]]:
    """a → b → c, healthy."""
    cfg = config_for("a", "b", "c")
    a = node(cfg, "a", server_id=1, files=binlogs(100))
    b = node(cfg, "b", server_id=2, files=binlogs(200), read_only=True, channels=(channel(a),))
    c = node(cfg, "c", server_id=3, read_only=True, channels=(channel(b),))
    return cfg, [a, b, c]


def external_source() -> tuple[Config, list[NodeStatus]]:
    """One configured replica of a source outside the config."""
    cfg = config_for("replica")
    ch = channel(("db9.example.com", 3306), file="mysql-bin.000077", pos=12345, source_server_id=99)
    return cfg, [node(cfg, "replica", server_id=2, read_only=True, channels=(ch,))]


def stopped_pair_mismatch() -> tuple[Config, list[NodeStatus]]:
    """'Fixing MySQL Multi-Master Replication': node1 ⇄ node2 with both threads
    stopped by hand (no error) and node1 behind node2."""
    cfg = config_for("node1", "node2")
    a, b = _pair(cfg)
    ch1 = channel(b, file="mysql-bin.000001", pos=400, io="No", sql="No", lag=None)
    ch2 = channel(a, io="No", sql="No", lag=None)
    return cfg, [replace(a, channels=(ch1,)), replace(b, channels=(ch2,))]


SCENARIOS: dict[str, Callable[[], tuple[Config, list[NodeStatus]]]] = {
    "healthy_pair": healthy_pair,
    "broken_pair_1062": broken_pair_1062,
    "replica_1062": replica_1062,
    "crashed_pair_after_hard_crash": crashed_pair_after_hard_crash,
    "replica_of_a_purged_source": replica_of_a_purged_source,
    "unreachable_pair": unreachable_pair,
    "source_with_replicas": source_with_replicas,
    "four_nodes": four_nodes,
    "chain_three": chain_three,
    "external_source": external_source,
    "stopped_pair_mismatch": stopped_pair_mismatch,
}
