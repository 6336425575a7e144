"""Which statements and column names a given server speaks — to read its
status and to change its replication.

A :class:`Dialect` is decided from the server's own answers: its flavour
(``MariaDB`` in ``@@version``/``@@version_comment``), its version, which
variables exist (``server_uuid``, ``super_read_only``, ``log_replica_updates``)
and, lazily, whether the newer statement parses: :func:`query_with_fallback`
tries the dialect's statement and on ``ER_PARSE_ERROR`` (1064) the older or
newer spelling, and returns the dialect that worked so the caller remembers it.

The same object says how to *change* replication (the wizards' statement
builders in :mod:`replui.wizards.sql`, the lab): ``START/STOP/RESET SLAVE`` or
``REPLICA``, ``CHANGE MASTER TO MASTER_…`` or ``CHANGE REPLICATION SOURCE TO
SOURCE_…``, ``GET_MASTER/SOURCE_PUBLIC_KEY``, ``MASTER_USE_GTID`` or
``…_AUTO_POSITION``, the words of ``START … UNTIL``, and the dump's
``--master-data``/``--source-data``/``--gtid`` (for a dump *tool*, build the
dialect from its ``--version`` with :func:`dialect_at`).

Every version at which something changes is one row of :data:`THRESHOLDS`,
with the manual section that says so; :func:`since` reads it, and nothing
else in replui compares versions. In short (MySQL 8.0/8.4 manuals, MariaDB KB):

- MySQL 8.0.22 added ``START/STOP/RESET REPLICA`` and ``SHOW REPLICA STATUS``
  whose columns say ``Source_*``/``Replica_*``; ``SHOW SLAVE STATUS`` keeps
  ``Master_*``/``Slave_*`` and is gone in 8.4. 8.0.23 added ``CHANGE
  REPLICATION SOURCE TO SOURCE_…``; 8.0.26 ``mysqldump --source-data`` and
  ``log_replica_updates``.
- MySQL 8.2.0 added ``SHOW BINARY LOG STATUS``; ``SHOW MASTER STATUS`` is gone in 8.4.
- MariaDB keeps ``Master_*``/``Slave_*`` column names in every statement;
  ``SHOW ALL SLAVES STATUS`` lists every named connection (``Connection_name``)
  and adds ``Gtid_Slave_Pos``; ``SHOW REPLICA``/``START REPLICA`` parse from
  10.5.1, but replui writes the classic words, which every MariaDB parses.
  (MariaDB 10.5.2's ``SHOW BINLOG STATUS`` is not used: ``SHOW MASTER STATUS``
  works in every MariaDB.)
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from replui.model import LEGACY_LABELS, Flavor, NodeStatus

if TYPE_CHECKING:  # pragma: no cover
    from replui.mysql.client import NodeClient

ER_PARSE_ERROR = 1064

SHOW_REPLICA_STATUS = "SHOW REPLICA STATUS"
SHOW_SLAVE_STATUS = "SHOW SLAVE STATUS"
SHOW_ALL_SLAVES_STATUS = "SHOW ALL SLAVES STATUS"
SHOW_BINARY_LOG_STATUS = "SHOW BINARY LOG STATUS"
SHOW_MASTER_STATUS = "SHOW MASTER STATUS"
SHOW_BINARY_LOGS = "SHOW BINARY LOGS"

#: Canonical channel field -> column of ``SHOW REPLICA STATUS`` on MySQL 8.0.22+.
REPLICA_LABELS: Mapping[str, str] = MappingProxyType(
    {
        **LEGACY_LABELS,
        "io_running": "Replica_IO_Running",
        "sql_running": "Replica_SQL_Running",
        "io_state": "Replica_IO_State",
        "sql_state": "Replica_SQL_Running_State",
        "source_host": "Source_Host",
        "source_port": "Source_Port",
        "source_user": "Source_User",
        "source_log_file": "Source_Log_File",
        "read_source_log_pos": "Read_Source_Log_Pos",
        "relay_source_log_file": "Relay_Source_Log_File",
        "exec_source_log_pos": "Exec_Source_Log_Pos",
        "seconds_behind_source": "Seconds_Behind_Source",
        "source_server_id": "Source_Server_Id",
        "source_uuid": "Source_UUID",
    }
)

_MYSQL_ONLY = (
    "source_uuid",
    "retrieved_gtid_set",
    "executed_gtid_set",
    "auto_position",
    "last_io_error_timestamp",
    "last_sql_error_timestamp",
)
_MARIADB_ONLY = ("using_gtid", "gtid_io_pos")

#: MySQL labels before 8.0.22 / with SHOW SLAVE STATUS.
MYSQL_LEGACY_LABELS: Mapping[str, str] = MappingProxyType(
    {k: v for k, v in LEGACY_LABELS.items() if k not in _MARIADB_ONLY}
)
#: MariaDB labels (``SHOW ALL SLAVES STATUS``): legacy names, ``Connection_name``.
MARIADB_LABELS: Mapping[str, str] = MappingProxyType(
    {**{k: v for k, v in LEGACY_LABELS.items() if k not in _MYSQL_ONLY}, "channel_name": "Connection_name"}
)
_REPLICA_LABELS_MYSQL: Mapping[str, str] = MappingProxyType(
    {k: v for k, v in REPLICA_LABELS.items() if k not in _MARIADB_ONLY}
)


@dataclass(frozen=True)
class Threshold:
    """From version ``since`` on, a ``flavor`` server has ``feature``: what
    changes is ``does``; ``reference`` is the manual section saying so."""

    feature: str
    flavor: Flavor
    since: tuple[int, int, int]
    does: str
    reference: str


#: Every version threshold replui knows, one row each (the only version
#: comparisons in replui are :func:`since` reading this table). A feature
#: without a row for a flavour never applies to it.
THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(
        "server_uuid",
        Flavor.MYSQL,
        (5, 6, 0),
        "the server_uuid variable exists",
        'MySQL 5.6 manual, "Replication and Binary Logging Options and Variables" (server_uuid)',
    ),
    Threshold(
        "gtid_mode",
        Flavor.MYSQL,
        (5, 6, 5),
        "GTIDs: the gtid_mode variable exists",
        'MySQL 5.6 manual, "Global Transaction ID Options and Variables" (gtid_mode, 5.6.5)',
    ),
    Threshold(
        "super_read_only",
        Flavor.MYSQL,
        (5, 7, 8),
        "the super_read_only variable exists",
        'MySQL 5.7 manual, "Server System Variables" (super_read_only, 5.7.8)',
    ),
    Threshold(
        "get_public_key",
        Flavor.MYSQL,
        (8, 0, 0),
        "CHANGE MASTER TO takes GET_MASTER_PUBLIC_KEY=1 (caching_sha2_password, the 8.0 default, "
        "needs the source's public key without TLS); every 8.0 GA has it",
        'MySQL 8.0 manual, "CHANGE MASTER TO Statement" (GET_MASTER_PUBLIC_KEY) and '
        '"Caching SHA-2 Pluggable Authentication"',
    ),
    Threshold(
        "replica_statements",
        Flavor.MYSQL,
        (8, 0, 22),
        "START/STOP/RESET REPLICA and SHOW REPLICA STATUS, whose columns say Source_*/Replica_*",
        'MySQL 8.0 manual, "START REPLICA Statement", "STOP REPLICA Statement", '
        '"RESET REPLICA Statement", "SHOW REPLICA STATUS Statement" (each: "From MySQL 8.0.22")',
    ),
    Threshold(
        "replica_statements",
        Flavor.MARIADB,
        (10, 5, 1),
        "START/STOP/RESET REPLICA and SHOW REPLICA STATUS parse (aliases: the columns keep "
        "Master_*/Slave_*; replui still writes the classic words on MariaDB)",
        'MariaDB KB "SHOW REPLICA STATUS", "START REPLICA", "STOP REPLICA" (MariaDB 10.5.1)',
    ),
    Threshold(
        "source_statements",
        Flavor.MYSQL,
        (8, 0, 23),
        "CHANGE REPLICATION SOURCE TO SOURCE_… (SOURCE_AUTO_POSITION, GET_SOURCE_PUBLIC_KEY) and "
        "START REPLICA … UNTIL SOURCE_LOG_FILE/SOURCE_LOG_POS",
        'MySQL 8.0 manual, "CHANGE REPLICATION SOURCE TO Statement" ("From MySQL 8.0.23") and '
        '"START REPLICA Statement" (until_option)',
    ),
    Threshold(
        "source_data",
        Flavor.MYSQL,
        (8, 0, 26),
        "mysqldump --source-data (--master-data is deprecated, and gone in 8.4)",
        'MySQL 8.0 manual, "mysqldump — A Database Backup Program" (--source-data, 8.0.26)',
    ),
    Threshold(
        "log_replica_updates",
        Flavor.MYSQL,
        (8, 0, 26),
        "the variable is log_replica_updates (log_slave_updates before)",
        'MySQL 8.0 manual, "Binary Logging Options and Variables" (log_replica_updates, 8.0.26)',
    ),
    Threshold(
        "binary_log_status",
        Flavor.MYSQL,
        (8, 2, 0),
        "SHOW BINARY LOG STATUS (SHOW MASTER STATUS is deprecated, and gone in 8.4)",
        'MySQL 8.4 manual, "SHOW BINARY LOG STATUS Statement" (added in 8.2.0)',
    ),
)

_THRESHOLD: dict[tuple[str, Flavor], Threshold] = {(t.feature, t.flavor): t for t in THRESHOLDS}
assert len(_THRESHOLD) == len(THRESHOLDS), "one row per feature and flavour"
FEATURES: frozenset[str] = frozenset(t.feature for t in THRESHOLDS)


def since(feature: str, flavor: Flavor | str, version: Sequence[int]) -> bool:
    """Whether a ``flavor`` server (or tool) at ``version`` (``(major, minor,
    patch)``; shorter tuples compare as they are, ``()`` is older than all)
    has ``feature`` — a row of :data:`THRESHOLDS`; no row for the flavour
    means never. Raises KeyError for a feature the table does not know."""
    if feature not in FEATURES:
        raise KeyError(f"no version threshold named {feature!r}")
    row = _THRESHOLD.get((feature, _flavor(flavor)))
    return row is not None and tuple(version) >= row.since


def _flavor(flavor: Flavor | str | None) -> Flavor:
    """``flavor`` as a :class:`Flavor`; unknown (None, other text) is MariaDB."""
    if isinstance(flavor, Flavor):
        return flavor
    return Flavor.MYSQL if str(flavor or "").strip().lower() == Flavor.MYSQL.value else Flavor.MARIADB


def parse_version(version: str) -> tuple[int, int, int]:
    """``"8.0.36-0ubuntu0.22.04.1"`` -> ``(8, 0, 36)``;
    ``"5.5.5-10.11.6-MariaDB"`` -> ``(10, 11, 6)`` (the old replication
    handshake prefix is dropped). Raises ValueError when no ``x.y`` is found."""
    text = (version or "").strip()
    if text.startswith("5.5.5-") and "mariadb" in text.lower():
        text = text[len("5.5.5-") :]
    m = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", text)
    if m is None:
        raise ValueError(f"cannot read a server version from {version!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def flavor_of(version: str | None, version_comment: str | None = None) -> Flavor:
    """MariaDB when ``MariaDB`` appears in ``@@version`` or
    ``@@version_comment`` (case-insensitive), else MySQL (Percona Server,
    Oracle MySQL and other MySQL forks speak MySQL's dialect)."""
    text = f"{version or ''} {version_comment or ''}".lower()
    return Flavor.MARIADB if "mariadb" in text else Flavor.MYSQL


@dataclass(frozen=True)
class Dialect:
    """How to talk to one server: how to read its status (the fields) and
    how to change its replication (the properties below ``is_mariadb``).

    ``version`` is ``(major, minor, patch)``. Statement fields hold complete
    SQL. ``uses_replica_terms``: the replica status columns are
    ``Source_*``/``Replica_*`` (MySQL ``SHOW REPLICA STATUS``). ``replica_syntax``:
    the server parses ``START/STOP/SHOW REPLICA`` (MySQL 8.0.22+, MariaDB
    10.5.1+). ``labels``: canonical channel field -> this server's column name.
    ``log_replica_updates_var``: the variable's name on this server.

    Build one with :func:`dialect_for` (version text), :func:`dialect_at`
    (version tuple, e.g. a dump tool's), :meth:`of` (a :class:`NodeStatus`)
    or :func:`probe` (a live server).
    """

    flavor: Flavor
    version: tuple[int, int, int]
    version_str: str = ""
    replica_status_sql: str = SHOW_SLAVE_STATUS
    binlog_status_sql: str = SHOW_MASTER_STATUS
    binary_logs_sql: str = SHOW_BINARY_LOGS
    uses_replica_terms: bool = False
    replica_syntax: bool = False
    has_server_uuid: bool = False
    has_super_read_only: bool = False
    has_gtid_mode: bool = False
    log_replica_updates_var: str = "log_slave_updates"
    labels: Mapping[str, str] = field(default_factory=lambda: MYSQL_LEGACY_LABELS)

    @classmethod
    def of(cls, status: NodeStatus | None) -> "Dialect":
        """The dialect of the server ``status`` describes, from its flavour
        and version alone. Unknown flavour (no status, or none probed):
        MariaDB 10.11; unreadable version: ``(0, 0, 0)`` — on MySQL the
        classic words, which every version up to 8.3 parses."""
        if status is None or status.flavor is None:
            return dialect_at(Flavor.MARIADB, DEFAULT_MARIADB_VERSION)
        flavor = _flavor(status.flavor.value if isinstance(status.flavor, Flavor) else str(status.flavor))
        return server_dialect(status.version or "", flavor=flavor)

    @property
    def is_mariadb(self) -> bool:
        return self.flavor is Flavor.MARIADB

    def since(self, feature: str) -> bool:
        """This server has ``feature`` (a row of :data:`THRESHOLDS`)."""
        return since(feature, self.flavor, self.version)

    @property
    def display_name(self) -> str:
        """``"MariaDB 10.11.6"``, ``"MySQL 8.0.36"``."""
        return f"{'MariaDB' if self.is_mariadb else 'MySQL'} {'.'.join(map(str, self.version))}"

    # -- changing replication: the words replui writes -------------------------------

    @property
    def replica_words(self) -> bool:
        """Write ``START/STOP/RESET REPLICA`` and ``SHOW REPLICA STATUS``
        (MySQL 8.0.22+). MariaDB gets the classic words in every version."""
        return not self.is_mariadb and self.since("replica_statements")

    @property
    def source_words(self) -> bool:
        """Write ``CHANGE REPLICATION SOURCE TO SOURCE_…`` and ``UNTIL
        SOURCE_LOG_…`` (MySQL 8.0.23+)."""
        return not self.is_mariadb and self.since("source_statements")

    @property
    def replica_word(self) -> str:
        """``REPLICA`` or ``SLAVE``, as in ``STOP REPLICA``/``START SLAVE SQL_THREAD``."""
        return "REPLICA" if self.replica_words else "SLAVE"

    @property
    def source_prefix(self) -> str:
        """``SOURCE_`` or ``MASTER_``, the prefix of ``CHANGE … TO`` and ``UNTIL`` options."""
        return "SOURCE_" if self.source_words else "MASTER_"

    @property
    def change_source_head(self) -> str:
        """``CHANGE REPLICATION SOURCE TO`` or ``CHANGE MASTER TO``."""
        return "CHANGE REPLICATION SOURCE TO" if self.source_words else "CHANGE MASTER TO"

    @property
    def show_replica_status_sql(self) -> str:
        """The default channel's status as an operator types it: ``SHOW
        REPLICA STATUS`` or ``SHOW SLAVE STATUS`` (on MariaDB too — the
        collector reads :attr:`replica_status_sql`, every connection)."""
        return SHOW_REPLICA_STATUS if self.replica_words else SHOW_SLAVE_STATUS

    @property
    def show_source_status_sql(self) -> str:
        """``SHOW BINARY LOG STATUS`` (MySQL 8.2+) or ``SHOW MASTER STATUS``."""
        return SHOW_BINARY_LOG_STATUS if self.since("binary_log_status") else SHOW_MASTER_STATUS

    @property
    def public_key_option(self) -> str | None:
        """``GET_SOURCE_PUBLIC_KEY``/``GET_MASTER_PUBLIC_KEY`` (MySQL 8.0+), else None."""
        if not self.since("get_public_key"):
            return None
        return "GET_SOURCE_PUBLIC_KEY" if self.source_words else "GET_MASTER_PUBLIC_KEY"

    @property
    def gtid_option(self) -> str:
        """The ``CHANGE … TO`` option choosing GTID positioning: MariaDB's
        ``MASTER_USE_GTID``, MySQL's ``MASTER_/SOURCE_AUTO_POSITION``."""
        return "MASTER_USE_GTID" if self.is_mariadb else self.source_prefix + "AUTO_POSITION"

    def dump_options(self, *, gtid: bool = False) -> tuple[str, ...]:
        """The dump options recording the binlog coordinates as a comment:
        ``--source-data=2`` (MySQL 8.0.26+) or ``--master-data=2``, and
        MariaDB's ``--gtid`` when ``gtid`` (MariaDB KB "mariadb-dump")."""
        data = "--source-data=2" if self.since("source_data") else "--master-data=2"
        return (data, "--gtid") if gtid and self.is_mariadb else (data,)

    def with_statement(self, kind: str, sql: str) -> "Dialect":
        """A copy using ``sql`` for ``kind`` (``"replica_status"`` or
        ``"binlog_status"``), relabelled when the replica statement changes."""
        if kind == "replica_status":
            replica_terms = self.flavor is Flavor.MYSQL and sql == SHOW_REPLICA_STATUS
            labels = _labels(self.flavor, replica_terms)
            return dataclasses.replace(
                self, replica_status_sql=sql, uses_replica_terms=replica_terms, labels=labels
            )
        if kind == "binlog_status":
            return dataclasses.replace(self, binlog_status_sql=sql)
        raise ValueError(f"unknown statement kind {kind!r} (expected replica_status or binlog_status)")


def _labels(flavor: Flavor, replica_terms: bool) -> Mapping[str, str]:
    if flavor is Flavor.MARIADB:
        return MARIADB_LABELS
    return _REPLICA_LABELS_MYSQL if replica_terms else MYSQL_LEGACY_LABELS


#: The version assumed for a server whose flavour is unknown (``Dialect.of``).
DEFAULT_MARIADB_VERSION: tuple[int, int, int] = (10, 11, 0)


def dialect_for(
    flavor: Flavor | str, version_str: str, variable_names: Iterable[str] | None = None
) -> Dialect:
    """The dialect a server of ``flavor`` and ``version_str`` should speak.

    Pure. ``variable_names`` (the variables the server has, lower-case) refine
    the version guess where given: ``server_uuid``, ``super_read_only``,
    ``gtid_mode``, ``log_replica_updates``. Without them, the version decides
    (:data:`THRESHOLDS`). Raises ValueError for an unreadable version.
    """
    return dialect_at(flavor, parse_version(version_str), version_str, variable_names)


def server_dialect(
    version_str: str, version_comment: str | None = None, *, flavor: Flavor | None = None
) -> Dialect:
    """Like :func:`dialect_for`, but the flavour comes from the version text
    (:func:`flavor_of`) unless given, and an unreadable version is
    ``(0, 0, 0)`` — the classic words — instead of an error. For a PyMySQL
    handshake's ``server_version`` or a :class:`NodeStatus`."""
    fl = flavor if flavor is not None else flavor_of(version_str, version_comment)
    try:
        v = parse_version(version_str)
    except ValueError:
        v = (0, 0, 0)
    return dialect_at(fl, v, version_str)


def dialect_at(
    flavor: Flavor | str,
    version: Sequence[int],
    version_str: str = "",
    variable_names: Iterable[str] | None = None,
) -> Dialect:
    """The dialect of a ``flavor`` server — or dump tool — at ``version``
    (``(major, minor, patch)``; missing parts are 0, ``()`` is ``(0, 0, 0)``).
    ``variable_names`` as in :func:`dialect_for`. Raises ValueError for an
    unknown flavour."""
    fl = Flavor(flavor) if not isinstance(flavor, Flavor) else flavor
    parts = (tuple(int(x) for x in version) + (0, 0, 0))[:3]
    v: tuple[int, int, int] = (parts[0], parts[1], parts[2])
    names = {n.lower() for n in variable_names} if variable_names is not None else None

    def has(var: str, default: bool) -> bool:
        return (var in names) if names is not None else default

    if fl is Flavor.MARIADB:
        return Dialect(
            flavor=fl,
            version=v,
            version_str=version_str,
            replica_status_sql=SHOW_ALL_SLAVES_STATUS,
            binlog_status_sql=SHOW_MASTER_STATUS,
            uses_replica_terms=False,
            replica_syntax=since("replica_statements", fl, v),
            has_server_uuid=has("server_uuid", False),
            has_super_read_only=has("super_read_only", False),
            has_gtid_mode=has("gtid_mode", False),
            log_replica_updates_var="log_replica_updates"
            if has("log_replica_updates", False)
            else "log_slave_updates",
            labels=MARIADB_LABELS,
        )
    replica = since("replica_statements", fl, v)
    return Dialect(
        flavor=fl,
        version=v,
        version_str=version_str,
        replica_status_sql=SHOW_REPLICA_STATUS if replica else SHOW_SLAVE_STATUS,
        binlog_status_sql=SHOW_BINARY_LOG_STATUS if since("binary_log_status", fl, v) else SHOW_MASTER_STATUS,
        uses_replica_terms=replica,
        replica_syntax=replica,
        has_server_uuid=has("server_uuid", since("server_uuid", fl, v)),
        has_super_read_only=has("super_read_only", since("super_read_only", fl, v)),
        has_gtid_mode=has("gtid_mode", since("gtid_mode", fl, v)),
        log_replica_updates_var=(
            "log_replica_updates"
            if has("log_replica_updates", since("log_replica_updates", fl, v))
            else "log_slave_updates"
        ),
        labels=_labels(fl, replica),
    )


#: Variables read in one ``SHOW GLOBAL VARIABLES`` round trip by :func:`probe`
#: and by the status collector.
STATUS_VARIABLES: tuple[str, ...] = (
    "version",
    "version_comment",
    "hostname",
    "server_id",
    "server_uuid",
    "read_only",
    "super_read_only",
    "log_bin",
    "binlog_format",
    "log_slave_updates",
    "log_replica_updates",
    "gtid_mode",
    "gtid_executed",
    "gtid_purged",
    "gtid_binlog_pos",
    "gtid_current_pos",
    "gtid_slave_pos",
    "gtid_domain_id",
    "gtid_strict_mode",
    "enforce_gtid_consistency",
)


def variables_sql(names: Iterable[str] = STATUS_VARIABLES) -> str:
    """``SHOW GLOBAL VARIABLES WHERE Variable_name IN (...)`` for ``names``
    (identifiers restricted to ``[a-z0-9_]`` so no escaping is needed)."""
    clean = []
    for n in names:
        if not re.fullmatch(r"[A-Za-z0-9_]+", n):
            raise ValueError(f"not a variable name: {n!r}")
        clean.append(f"'{n}'")
    return "SHOW GLOBAL VARIABLES WHERE Variable_name IN (" + ", ".join(clean) + ")"


def rows_to_variables(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``SHOW VARIABLES`` rows (``Variable_name``, ``Value``) -> ``{name: value}``,
    names lower-case, values as str (None -> "")."""
    out: dict[str, str] = {}
    for row in rows:
        name = row.get("Variable_name", row.get("VARIABLE_NAME"))
        value = row.get("Value", row.get("VARIABLE_VALUE"))
        if name is None:
            continue
        if isinstance(value, (bytes, bytearray)):
            value = value.decode("utf-8", "replace")
        out[str(name).lower()] = "" if value is None else str(value)
    return out


def dialect_from_variables(variables: Mapping[str, str]) -> Dialect:
    """The dialect implied by a server's variables (``version``,
    ``version_comment`` and which variables exist). Raises ValueError when
    ``version`` is missing or unreadable."""
    version = variables.get("version")
    if not version:
        raise ValueError("the server did not report @@version")
    return dialect_for(flavor_of(version, variables.get("version_comment")), version, variables.keys())


def probe(client: "NodeClient", variables: Mapping[str, str] | None = None) -> Dialect:
    """Probe ``client``'s server: one ``SHOW GLOBAL VARIABLES`` round trip
    (skipped when ``variables`` from :data:`STATUS_VARIABLES` are given).
    Statement spellings are confirmed lazily by :func:`query_with_fallback`.
    Raises NodeError (connection) or ValueError (no version)."""
    if variables is None:
        variables = rows_to_variables(client.query(variables_sql()))
    return dialect_from_variables(variables)


_ALTERNATES = {
    "replica_status": {
        SHOW_REPLICA_STATUS: (SHOW_SLAVE_STATUS,),
        SHOW_SLAVE_STATUS: (SHOW_REPLICA_STATUS,),
        SHOW_ALL_SLAVES_STATUS: (SHOW_SLAVE_STATUS,),
    },
    "binlog_status": {
        SHOW_BINARY_LOG_STATUS: (SHOW_MASTER_STATUS,),
        SHOW_MASTER_STATUS: (SHOW_BINARY_LOG_STATUS,),
    },
}


def query_with_fallback(
    client: "NodeClient", dialect: Dialect, kind: str
) -> tuple[list[dict[str, Any]], Dialect]:
    """Run the dialect's ``kind`` statement (``"replica_status"`` or
    ``"binlog_status"``); if the server answers ER_PARSE_ERROR (1064), try the
    other spelling. Returns ``(rows, dialect)`` where ``dialect`` names the
    statement that worked (remember it). Raises the NodeError of the first
    attempt when every spelling fails."""
    sql = dialect.replica_status_sql if kind == "replica_status" else dialect.binlog_status_sql
    try:
        return client.query(sql), dialect
    except Exception as first:  # NodeError; imported lazily to keep this module pure
        if getattr(first, "errno", None) != ER_PARSE_ERROR:
            raise
        for alt in _ALTERNATES[kind].get(sql, ()):
            try:
                rows = client.query(alt)
            except Exception as exc:  # noqa: BLE001
                if getattr(exc, "errno", None) == ER_PARSE_ERROR:
                    continue
                raise
            return rows, dialect.with_statement(kind, alt)
        raise first
