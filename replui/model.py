"""The data replui passes around: node statuses, replication channels and findings.

Everything here is a frozen dataclass with no behaviour beyond small derived
properties, so the collector (``replui.mysql.status``), the analysis
(``replui.analysis``), the CLI and the TUI all share one vocabulary.

Field names use the modern terms (source/replica); each :class:`Channel` keeps
``labels``, the server's own column names (``Master_Log_File`` on MariaDB and
MySQL before 8.0.22, ``Source_Log_File`` on MySQL 8.0.22+), so the UI shows what
a sysadmin sees in ``SHOW SLAVE STATUS\\G``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from replui.mysql.marker import RebuildMark


class Flavor(str, Enum):
    """Server family, as probed from ``@@version`` / ``@@version_comment``."""

    MARIADB = "mariadb"
    MYSQL = "mysql"


class Severity(str, Enum):
    """Finding severity; ordered ``OK < WARNING < CRITICAL`` by :attr:`rank`."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"ok": 0, "warning": 1, "critical": 2}[self.value]


@dataclass(frozen=True)
class BinlogFile:
    """One row of ``SHOW BINARY LOGS``: ``Log_name`` and ``File_size`` (bytes)."""

    name: str
    size: int


@dataclass(frozen=True)
class BinlogCoordinates:
    """Binlog coordinates — the one type for them: a node's own
    (``SHOW MASTER STATUS`` / ``SHOW BINARY LOG STATUS`` on MySQL 8.2+), the
    ones at the head of a dump, or where a replica is pointed.

    ``file`` is a binlog file, ``position`` a byte offset in it, ``gtid`` the
    GTID set or position (MySQL ``Executed_Gtid_Set`` / a dump's
    ``GTID_PURGED``; MariaDB ``@@gtid_binlog_pos`` / ``gtid_slave_pos``);
    each ``None`` when unknown. ``do_db``/``ignore_db`` are a source's binlog
    filters (empty elsewhere).
    """

    file: str | None = None
    position: int | None = None
    gtid: str | None = None
    do_db: str = ""
    ignore_db: str = ""

    @property
    def complete(self) -> bool:
        """Both a file and a position are known (what ``CHANGE MASTER TO`` needs)."""
        return self.file is not None and self.position is not None


#: Canonical channel field name -> the label to show on servers that use the
#: legacy names (MariaDB, MySQL < 8.0.22). ``replui.mysql.dialect`` builds the
#: per-server mapping; this is the fallback for canned statuses.
LEGACY_LABELS: Mapping[str, str] = {
    "io_running": "Slave_IO_Running",
    "sql_running": "Slave_SQL_Running",
    "io_state": "Slave_IO_State",
    "sql_state": "Slave_SQL_Running_State",
    "source_host": "Master_Host",
    "source_port": "Master_Port",
    "source_user": "Master_User",
    "source_log_file": "Master_Log_File",
    "read_source_log_pos": "Read_Master_Log_Pos",
    "relay_log_file": "Relay_Log_File",
    "relay_log_pos": "Relay_Log_Pos",
    "relay_source_log_file": "Relay_Master_Log_File",
    "exec_source_log_pos": "Exec_Master_Log_Pos",
    "seconds_behind_source": "Seconds_Behind_Master",
    "last_io_errno": "Last_IO_Errno",
    "last_io_error": "Last_IO_Error",
    "last_io_error_timestamp": "Last_IO_Error_Timestamp",
    "last_sql_errno": "Last_SQL_Errno",
    "last_sql_error": "Last_SQL_Error",
    "last_sql_error_timestamp": "Last_SQL_Error_Timestamp",
    "source_server_id": "Master_Server_Id",
    "source_uuid": "Master_UUID",
    "retrieved_gtid_set": "Retrieved_Gtid_Set",
    "executed_gtid_set": "Executed_Gtid_Set",
    "auto_position": "Auto_Position",
    "using_gtid": "Using_Gtid",
    "gtid_io_pos": "Gtid_IO_Pos",
    "sql_delay": "SQL_Delay",
    "sql_remaining_delay": "SQL_Remaining_Delay",
    "channel_name": "Channel_Name",
}


@dataclass(frozen=True)
class Channel:
    """One replication channel of a replica, normalised from one row of
        ``SHOW SLAVE STATUS`` / ``SHOW REPLICA STATUS`` / ``SHOW ALL SLAVES STATUS``.

        ``name`` is ``""`` for the default channel (MySQL ``Channel_Name``, MariaDB
        ``Connection_name``). Positions are byte offsets in the *source's* binlog
        files; ``seconds_behind_source`` is ``None`` when the server reports NULL
        (a stopped thread) — unknown, never 0. ``io_running`` keeps the server's
        word (``"Yes"``, ``"No"``, ``"Connecting"``, ``"Preparing"``); ``sql_running``
        likewise (``"Yes"``/``"No"``); either is ``""`` when unknown (a pasted fragment
    without the column). Errnos are 0 when there is no error and None when unknown
    (a paste without ``Last_IO_Errno``), never 0 for "not shown".
        ``sql_delay`` is the configured ``MASTER_DELAY`` (``SQL_Delay``, seconds;
        None when the server does not report it); ``sql_remaining_delay`` the
        seconds left before the event now waiting is applied (``SQL_Remaining_Delay``;
        None when NULL: no event is waiting on the delay).
        ``labels`` maps each canonical field name to the server's own column name.
        ``raw`` is the row as the server returned it, values as strings.
    """

    name: str = ""
    source_host: str | None = None
    source_port: int | None = None
    source_user: str | None = None
    source_log_file: str | None = None
    read_source_log_pos: int | None = None
    relay_log_file: str | None = None
    relay_log_pos: int | None = None
    relay_source_log_file: str | None = None
    exec_source_log_pos: int | None = None
    io_running: str = "No"
    sql_running: str = "No"
    io_state: str = ""
    sql_state: str = ""
    seconds_behind_source: int | None = None
    last_io_errno: int | None = 0
    last_io_error: str = ""
    last_io_error_timestamp: str = ""
    last_sql_errno: int | None = 0
    last_sql_error: str = ""
    last_sql_error_timestamp: str = ""
    source_server_id: int | None = None
    source_uuid: str | None = None
    retrieved_gtid_set: str = ""
    executed_gtid_set: str = ""
    auto_position: bool = False
    using_gtid: str = ""
    gtid_io_pos: str = ""
    sql_delay: int | None = None
    sql_remaining_delay: int | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: dict(LEGACY_LABELS))
    raw: Mapping[str, str] = field(default_factory=dict)

    @property
    def io_ok(self) -> bool:
        return self.io_running == "Yes"

    @property
    def sql_ok(self) -> bool:
        return self.sql_running == "Yes"

    def label(self, key: str) -> str:
        """The server's own label for canonical field ``key``."""
        return self.labels.get(key) or LEGACY_LABELS.get(key, key)


@dataclass(frozen=True)
class UnknownHostKey:
    """An SSH server offered a host key that no known_hosts file has, for a
    host with no known key at all: the operator may trust it by its
    fingerprint (``SHA256:…``, as ``ssh-keygen -lf`` prints it).
    ``host``/``port`` name the SSH server as connected to."""

    host: str
    port: int | None
    fingerprint: str
    key_type: str

    @property
    def where(self) -> str:
        """``host`` or ``[host]:port`` (known_hosts spelling)."""
        return self.host if self.port in (None, 22) else f"[{self.host}]:{self.port}"


class LogVerdict(str, Enum):
    """What a node's error log says about its replication metadata
    (:class:`MetadataLog`)."""

    FAILED = "failed"
    """Since the server last started, it logged that it could not read its metadata."""
    CLEAN = "clean"
    """The log was read and says nothing of the kind since the last start."""
    UNREAD = "unread"
    """The log could not be read from here (``why`` says so)."""


@dataclass(frozen=True)
class MetadataLog:
    """The error-log evidence about a node whose replica status is empty but
    which has applied replicated transactions (MariaDB ``@@gtid_slave_pos``
    not empty): either its replica settings were removed on purpose, or its
    connection metadata (``master.info``) cannot be read, which only the
    error log says without starting anything. ``path`` is the log as the
    node's host sees it; ``line`` the failure line (``FAILED`` only); ``why``
    the reason it was not read (``UNREAD`` only)."""

    verdict: LogVerdict
    path: str | None = None
    line: str = ""
    why: str = ""


@dataclass(frozen=True)
class NodeStatus:
    """Everything collected from one server in one poll.

    When ``reachable`` is False only ``name``/``host``/``port``, ``error`` and
    ``errno`` (the client error, e.g. 2003) are meaningful. ``flavor`` and
    ``version`` come from probing; ``server_uuid`` is None on MariaDB (it has
    none). ``read_only``/``super_read_only`` are None where the variable does
    not exist. ``gtid_mode`` is MySQL's ``@@gtid_mode`` (``"ON"``/``"OFF"``…) or,
    on MariaDB, ``"ON"`` when any channel uses GTID else ``"OFF"``.
    ``gtid_executed`` is MySQL ``@@gtid_executed`` or MariaDB
    ``@@gtid_binlog_pos``; ``gtid_current_pos``/``gtid_slave_pos`` are MariaDB's.
    ``collected_at`` is a UNIX time in seconds; ``query_seconds`` the time
    the poll took. ``poll_started``/``poll_finished`` are ``time.monotonic()``
    seconds at the start and end of the poll (None when unknown, e.g. canned
    statuses): they order polls of different nodes, so the analysis can tell
    a replica read after its source from one read before it.
    ``reached_via`` says how the poll reached the server.
    ``rebuild_mark`` is the mark a data-replacing wizard left on this node and
    did not clear (:class:`~replui.mysql.marker.RebuildMark`): its data may be
    half-restored; None when there is none (or it could not be read: then
    ``warnings`` says so).
    """

    name: str
    host: str
    port: int
    reachable: bool = False
    error: str | None = None
    errno: int | None = None
    flavor: Flavor | None = None
    version: str | None = None
    version_comment: str | None = None
    hostname: str | None = None
    server_id: int | None = None
    server_uuid: str | None = None
    read_only: bool | None = None
    super_read_only: bool | None = None
    log_bin: bool | None = None
    binlog_format: str | None = None
    log_replica_updates: bool | None = None
    gtid_mode: str | None = None
    gtid_executed: str | None = None
    gtid_purged: str | None = None
    gtid_current_pos: str | None = None
    gtid_slave_pos: str | None = None
    gtid_domain_id: int | None = None
    binlog: BinlogCoordinates | None = None
    binlog_files: tuple[BinlogFile, ...] = ()
    channels: tuple[Channel, ...] = ()
    replica_syntax: bool = False
    collected_at: float = 0.0
    query_seconds: float = 0.0
    #: Parts of the poll the server refused (e.g. a missing privilege for
    #: ``SHOW BINARY LOGS``), one line each; the node is still reachable.
    warnings: tuple[str, ...] = ()
    poll_started: float | None = None
    poll_finished: float | None = None
    rebuild_mark: RebuildMark | None = None
    #: How this poll reached the server (``"via ssh db1 → 127.0.0.1:3306"``), or for
    #: an unreachable node how it was tried; None when unknown (canned statuses).
    reached_via: str | None = None
    #: Set when the node could not be reached because its SSH host offered a
    #: key not yet known (the TUI asks whether to trust it).
    unknown_host_key: UnknownHostKey | None = None
    #: What the error log says of the replication metadata, read only for a node
    #: with no replica status that has applied replicated transactions; None when
    #: not read (a replica, a node that never replicated, canned statuses).
    metadata_log: MetadataLog | None = None

    @property
    def is_replica(self) -> bool:
        return bool(self.channels)

    def read_before(self, other: "NodeStatus") -> bool:
        """True when this poll finished before ``other``'s started (both
        stamped by the same process' monotonic clock); False when unknown."""
        if self.poll_finished is None or other.poll_started is None:
            return False
        return self.poll_finished <= other.poll_started

    def binlog_file(self, name: str) -> BinlogFile | None:
        """The entry of ``SHOW BINARY LOGS`` named ``name``, or None."""
        for f in self.binlog_files:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True)
class Finding:
    """One thing the analysis noticed.

    ``code`` is stable (scripts match on it, e.g. ``"sql_error"``,
    ``"coordinates_impossible"``); ``nodes`` the node names involved, first the
    one the finding is about; ``channel`` the channel name when it is about
    one; ``fields`` the canonical field names to highlight in that node's pane
    (e.g. ``("last_sql_errno", "last_sql_error")``); ``wizard`` the name of the
    repair wizard the advice names, if any (``"rebuild-replica"``…).
    """

    severity: Severity
    code: str
    nodes: tuple[str, ...]
    message: str
    advice: str = ""
    channel: str | None = None
    fields: tuple[str, ...] = ()
    wizard: str | None = None
    errno: int | None = None


def worst(findings: "list[Finding] | tuple[Finding, ...]") -> Severity:
    """The highest severity among ``findings``; ``OK`` for none."""
    result = Severity.OK
    for f in findings:
        if f.severity.rank > result.rank:
            result = f.severity
    return result


def to_jsonable(obj: Any) -> Any:
    """Dataclasses/enums/tuples -> plain JSON-able values."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    return obj
