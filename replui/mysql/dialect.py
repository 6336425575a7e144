"""Which statements and column names a given server speaks.

A :class:`Dialect` is decided from the server's own answers: its flavour
(``MariaDB`` in ``@@version``/``@@version_comment``), its version, which
variables exist (``server_uuid``, ``super_read_only``, ``log_replica_updates``)
and, lazily, whether the newer statement parses: :func:`query_with_fallback`
tries the dialect's statement and on ``ER_PARSE_ERROR`` (1064) the older or
newer spelling, and returns the dialect that worked so the caller remembers it.

Facts (MySQL 8.0/8.4 manual "SHOW REPLICA STATUS Statement", "SHOW BINARY LOG
STATUS Statement"; MariaDB KB "SHOW REPLICA STATUS"):

- MySQL 8.0.22 added ``SHOW REPLICA STATUS`` whose columns say
  ``Source_*``/``Replica_*``; ``SHOW SLAVE STATUS`` keeps ``Master_*``/``Slave_*``
  and is gone in 8.4.
- MySQL 8.2.0 added ``SHOW BINARY LOG STATUS``; ``SHOW MASTER STATUS`` is gone in 8.4.
- MariaDB keeps ``Master_*``/``Slave_*`` column names in every statement;
  ``SHOW ALL SLAVES STATUS`` lists every named connection (``Connection_name``)
  and adds ``Gtid_Slave_Pos``; ``SHOW REPLICA``/``START REPLICA`` parse from 10.5.1.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from replui.model import LEGACY_LABELS, Flavor

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
REPLICA_LABELS: Mapping[str, str] = MappingProxyType({
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
})

_MYSQL_ONLY = ("source_uuid", "retrieved_gtid_set", "executed_gtid_set", "auto_position",
               "last_io_error_timestamp", "last_sql_error_timestamp")
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


def parse_version(version: str) -> tuple[int, int, int]:
    """``"8.0.36-0ubuntu0.22.04.1"`` -> ``(8, 0, 36)``;
    ``"5.5.5-10.11.6-MariaDB"`` -> ``(10, 11, 6)`` (the old replication
    handshake prefix is dropped). Raises ValueError when no ``x.y`` is found."""
    text = (version or "").strip()
    if text.startswith("5.5.5-") and "mariadb" in text.lower():
        text = text[len("5.5.5-"):]
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
    """How to talk to one server.

    ``version`` is ``(major, minor, patch)``. Statement fields hold complete
    SQL. ``uses_replica_terms``: the replica status columns are
    ``Source_*``/``Replica_*`` (MySQL ``SHOW REPLICA STATUS``). ``replica_syntax``:
    the server parses ``START/STOP/SHOW REPLICA`` (MySQL 8.0.22+, MariaDB
    10.5.1+). ``labels``: canonical channel field -> this server's column name.
    ``log_replica_updates_var``: the variable's name on this server.
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

    @property
    def is_mariadb(self) -> bool:
        return self.flavor is Flavor.MARIADB

    def with_statement(self, kind: str, sql: str) -> "Dialect":
        """A copy using ``sql`` for ``kind`` (``"replica_status"`` or
        ``"binlog_status"``), relabelled when the replica statement changes."""
        if kind == "replica_status":
            replica_terms = self.flavor is Flavor.MYSQL and sql == SHOW_REPLICA_STATUS
            labels = _labels(self.flavor, replica_terms)
            return dataclasses.replace(self, replica_status_sql=sql, uses_replica_terms=replica_terms, labels=labels)
        if kind == "binlog_status":
            return dataclasses.replace(self, binlog_status_sql=sql)
        raise ValueError(f"unknown statement kind {kind!r} (expected replica_status or binlog_status)")


def _labels(flavor: Flavor, replica_terms: bool) -> Mapping[str, str]:
    if flavor is Flavor.MARIADB:
        return MARIADB_LABELS
    return _REPLICA_LABELS_MYSQL if replica_terms else MYSQL_LEGACY_LABELS


def dialect_for(flavor: Flavor | str, version_str: str, variable_names: Iterable[str] | None = None) -> Dialect:
    """The dialect a server of ``flavor`` and ``version_str`` should speak.

    Pure. ``variable_names`` (the variables the server has, lower-case) refine
    the version guess where given: ``server_uuid``, ``super_read_only``,
    ``gtid_mode``, ``log_replica_updates``. Without them, the version decides
    (MySQL: ``server_uuid`` from 5.6, ``super_read_only`` from 5.7.8,
    ``log_replica_updates`` from 8.0.26). Raises ValueError for an unreadable
    version.
    """
    fl = Flavor(flavor) if not isinstance(flavor, Flavor) else flavor
    v = parse_version(version_str)
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
            replica_syntax=v >= (10, 5, 1),
            has_server_uuid=has("server_uuid", False),
            has_super_read_only=has("super_read_only", False),
            has_gtid_mode=has("gtid_mode", False),
            log_replica_updates_var="log_replica_updates" if has("log_replica_updates", False) else "log_slave_updates",
            labels=MARIADB_LABELS,
        )
    replica = v >= (8, 0, 22)
    return Dialect(
        flavor=fl,
        version=v,
        version_str=version_str,
        replica_status_sql=SHOW_REPLICA_STATUS if replica else SHOW_SLAVE_STATUS,
        binlog_status_sql=SHOW_BINARY_LOG_STATUS if v >= (8, 2, 0) else SHOW_MASTER_STATUS,
        uses_replica_terms=replica,
        replica_syntax=replica,
        has_server_uuid=has("server_uuid", v >= (5, 6, 0)),
        has_super_read_only=has("super_read_only", v >= (5, 7, 8)),
        has_gtid_mode=has("gtid_mode", v >= (5, 6, 5)),
        log_replica_updates_var="log_replica_updates" if has("log_replica_updates", v >= (8, 0, 26)) else "log_slave_updates",
        labels=_labels(fl, replica),
    )


#: Variables read in one ``SHOW GLOBAL VARIABLES`` round trip by :func:`probe`
#: and by the status collector.
STATUS_VARIABLES: tuple[str, ...] = (
    "version", "version_comment", "hostname", "server_id", "server_uuid",
    "read_only", "super_read_only", "log_bin", "binlog_format",
    "log_slave_updates", "log_replica_updates", "gtid_mode", "gtid_executed",
    "gtid_purged", "gtid_binlog_pos", "gtid_current_pos", "gtid_slave_pos",
    "gtid_domain_id", "gtid_strict_mode", "enforce_gtid_consistency",
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


def query_with_fallback(client: "NodeClient", dialect: Dialect, kind: str) -> tuple[list[dict[str, Any]], Dialect]:
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
