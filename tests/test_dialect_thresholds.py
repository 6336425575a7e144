"""The one version-threshold table (``replui.mysql.dialect.THRESHOLDS``) and
the words it makes replui write, checked at every boundary.

The expectations are built from MySQL's own statements and column lists, not
from replui's code: the statement names each manual documents (MySQL 5.7,
8.0 and 8.4 reference manuals: "CHANGE MASTER TO Statement", "CHANGE
REPLICATION SOURCE TO Statement", "START REPLICA Statement" and its
``until_option``, "SHOW REPLICA STATUS Statement", "SHOW BINARY LOG STATUS
Statement", "mysqldump — A Database Backup Program"), the option names of
their grammars (copied below), and the status column lists of
``tests/recorded/mysql_rows.py`` (the manual's lists, in order). Boundaries:
8.0.21/8.0.22 (``REPLICA``), 8.0.22/8.0.23 (``CHANGE REPLICATION SOURCE``),
8.0.25/8.0.26 (``--source-data``, ``log_replica_updates``), 8.1/8.2
(``SHOW BINARY LOG STATUS``).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from replui.model import Flavor, NodeStatus
from replui.mysql.dialect import FEATURES, THRESHOLDS, Dialect, dialect_at, dialect_for, server_dialect, since
from replui.wizards.dumptools import dump_argv, parse_tool_version
from replui.wizards.sql import (
    change_source,
    reset_replica,
    show_replica_status,
    show_source_status,
    start_replica,
    stop_replica,
)
from replui.wizards.verify_data import until_statement

ROOT = Path(__file__).parent.parent
RECORDED = Path(__file__).parent / "recorded"


def _load_mysql_rows():
    spec = importlib.util.spec_from_file_location("recorded_mysql_rows_t", RECORDED / "mysql_rows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M = _load_mysql_rows()

# -- what the MySQL manuals document ----------------------------------------------------------------------

#: The classic statements (MySQL 5.7 manual); 8.4 removed them all.
CLASSIC = {
    "START SLAVE",
    "STOP SLAVE",
    "RESET SLAVE",
    "SHOW SLAVE STATUS",
    "SHOW MASTER STATUS",
    "CHANGE MASTER TO",
}
#: Statement names per release, from each manual's statement pages: (first release, statements added).
MYSQL_STATEMENTS_ADDED = (
    ((5, 7, 0), CLASSIC),
    ((8, 0, 22), {"START REPLICA", "STOP REPLICA", "RESET REPLICA", "SHOW REPLICA STATUS"}),
    ((8, 0, 23), {"CHANGE REPLICATION SOURCE TO"}),
    ((8, 2, 0), {"SHOW BINARY LOG STATUS"}),
)

#: MySQL 5.7 manual, "CHANGE MASTER TO Statement": the option names of its grammar.
CHANGE_MASTER_57_OPTIONS = {
    "MASTER_BIND",
    "MASTER_HOST",
    "MASTER_USER",
    "MASTER_PASSWORD",
    "MASTER_PORT",
    "MASTER_CONNECT_RETRY",
    "MASTER_RETRY_COUNT",
    "MASTER_DELAY",
    "MASTER_HEARTBEAT_PERIOD",
    "MASTER_LOG_FILE",
    "MASTER_LOG_POS",
    "MASTER_AUTO_POSITION",
    "RELAY_LOG_FILE",
    "RELAY_LOG_POS",
    "MASTER_SSL",
    "MASTER_SSL_CA",
    "MASTER_SSL_CAPATH",
    "MASTER_SSL_CERT",
    "MASTER_SSL_CRL",
    "MASTER_SSL_CRLPATH",
    "MASTER_SSL_KEY",
    "MASTER_SSL_CIPHER",
    "MASTER_SSL_VERIFY_SERVER_CERT",
    "MASTER_TLS_VERSION",
    "IGNORE_SERVER_IDS",
}
#: MySQL 8.0 manual, "CHANGE MASTER TO Statement": the 5.7 options and the 8.0 additions.
CHANGE_MASTER_80_OPTIONS = CHANGE_MASTER_57_OPTIONS | {
    "PRIVILEGE_CHECKS_USER",
    "REQUIRE_ROW_FORMAT",
    "REQUIRE_TABLE_PRIMARY_KEY_CHECK",
    "ASSIGN_GTIDS_TO_ANONYMOUS_TRANSACTIONS",
    "SOURCE_CONNECTION_AUTO_FAILOVER",
    "MASTER_COMPRESSION_ALGORITHMS",
    "MASTER_ZSTD_COMPRESSION_LEVEL",
    "MASTER_TLS_CIPHERSUITES",
    "MASTER_PUBLIC_KEY_PATH",
    "GET_MASTER_PUBLIC_KEY",
    "NETWORK_NAMESPACE",
    "GTID_ONLY",
}
#: MySQL 8.0/8.4 manual, "CHANGE REPLICATION SOURCE TO Statement": the option names of its grammar.
CHANGE_SOURCE_OPTIONS = {
    "SOURCE_BIND",
    "SOURCE_HOST",
    "SOURCE_USER",
    "SOURCE_PASSWORD",
    "SOURCE_PORT",
    "PRIVILEGE_CHECKS_USER",
    "REQUIRE_ROW_FORMAT",
    "REQUIRE_TABLE_PRIMARY_KEY_CHECK",
    "ASSIGN_GTIDS_TO_ANONYMOUS_TRANSACTIONS",
    "SOURCE_LOG_FILE",
    "SOURCE_LOG_POS",
    "SOURCE_AUTO_POSITION",
    "RELAY_LOG_FILE",
    "RELAY_LOG_POS",
    "SOURCE_HEARTBEAT_PERIOD",
    "SOURCE_CONNECT_RETRY",
    "SOURCE_RETRY_COUNT",
    "SOURCE_CONNECTION_AUTO_FAILOVER",
    "SOURCE_DELAY",
    "SOURCE_COMPRESSION_ALGORITHMS",
    "SOURCE_ZSTD_COMPRESSION_LEVEL",
    "SOURCE_SSL",
    "SOURCE_SSL_CA",
    "SOURCE_SSL_CAPATH",
    "SOURCE_SSL_CERT",
    "SOURCE_SSL_CRL",
    "SOURCE_SSL_CRLPATH",
    "SOURCE_SSL_KEY",
    "SOURCE_SSL_CIPHER",
    "SOURCE_SSL_VERIFY_SERVER_CERT",
    "SOURCE_TLS_VERSION",
    "SOURCE_TLS_CIPHERSUITES",
    "SOURCE_PUBLIC_KEY_PATH",
    "GET_SOURCE_PUBLIC_KEY",
    "NETWORK_NAMESPACE",
    "IGNORE_SERVER_IDS",
    "GTID_ONLY",
}
#: MySQL 8.0 manual, "START REPLICA Statement", ``until_option`` (8.4 drops the MASTER_ pair).
UNTIL_80_OPTIONS = {
    "SQL_BEFORE_GTIDS",
    "SQL_AFTER_GTIDS",
    "MASTER_LOG_FILE",
    "MASTER_LOG_POS",
    "SOURCE_LOG_FILE",
    "SOURCE_LOG_POS",
    "RELAY_LOG_FILE",
    "RELAY_LOG_POS",
    "SQL_AFTER_MTS_GAPS",
}
UNTIL_57_OPTIONS = UNTIL_80_OPTIONS - {"SOURCE_LOG_FILE", "SOURCE_LOG_POS"}


def mysql_statements(version: tuple[int, int, int]) -> set[str]:
    """The replication statements the manual documents for ``version``."""
    out: set[str] = set()
    for first, added in MYSQL_STATEMENTS_ADDED:
        if version >= first:
            out |= added
    if version >= (8, 4, 0):
        out -= CLASSIC
    return out


def change_options(version: tuple[int, int, int], head: str) -> set[str]:
    if head == "CHANGE REPLICATION SOURCE TO":
        return CHANGE_SOURCE_OPTIONS
    return CHANGE_MASTER_80_OPTIONS if version >= (8, 0, 0) else CHANGE_MASTER_57_OPTIONS


def _option_names(sql: str) -> set[str]:
    body = sql.split(" TO ", 1)[1] if " TO " in sql else sql.split(" UNTIL ", 1)[1]
    return {part.split("=", 1)[0].strip() for part in re.split(r",\s*(?=[A-Z_]+=)", body)}


# -- the table ----------------------------------------------------------------------------------------------


def test_every_threshold_names_its_manual_section():
    seen = set()
    for t in THRESHOLDS:
        assert (t.feature, t.flavor) not in seen, f"{t.feature} twice for {t.flavor}"
        seen.add((t.feature, t.flavor))
        assert len(t.since) == 3 and all(isinstance(x, int) for x in t.since)
        assert t.does.strip()
        manual = "MySQL" if t.flavor is Flavor.MYSQL else "MariaDB"
        assert t.reference.startswith(manual) and re.search(r'"[^"]+"', t.reference), t.reference
        assert ".".join(map(str, t.since)) in t.reference or t.since[2] == 0, (
            f"{t.feature}: the reference should quote the release {t.since}"
        )


def test_the_table_holds_the_documented_releases():
    rows = {(t.feature, t.flavor.value): t.since for t in THRESHOLDS}
    assert rows[("replica_statements", "mysql")] == (8, 0, 22)  # "START REPLICA": From MySQL 8.0.22
    assert rows[("source_statements", "mysql")] == (8, 0, 23)  # "CHANGE REPLICATION SOURCE TO": 8.0.23
    assert rows[("source_data", "mysql")] == (8, 0, 26)  # mysqldump --source-data
    assert rows[("log_replica_updates", "mysql")] == (8, 0, 26)
    assert rows[("binary_log_status", "mysql")] == (8, 2, 0)  # "SHOW BINARY LOG STATUS"
    assert rows[("replica_statements", "mariadb")] == (10, 5, 1)  # MariaDB "SHOW REPLICA STATUS"


def test_since_reads_the_table():
    assert since("source_data", "mysql", (8, 0, 26)) and not since("source_data", "mysql", (8, 0, 25))
    assert not since("source_data", Flavor.MARIADB, (11, 4, 0))  # no row: never
    assert not since("replica_statements", "mysql", ())  # unknown version: the oldest
    assert since("replica_statements", "mariadb", (10, 5, 1))
    assert not since("replica_statements", "mariadb", (10, 5, 0))
    with pytest.raises(KeyError):
        since("no_such_feature", "mysql", (8, 0, 0))
    assert {"replica_statements", "source_statements", "source_data", "binary_log_status"} <= FEATURES


def test_no_version_comparison_outside_the_table():
    """Every version threshold lives in dialect.py's table: no ``>= (8, 0, …)`` anywhere else in replui."""
    pattern = re.compile(r"[<>]=?\s*\(\s*\d+\s*,\s*\d+")
    offenders = []
    for path in (ROOT / "replui").rglob("*.py"):
        if path.name == "dialect.py":
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert offenders == []


# -- the boundaries -----------------------------------------------------------------------------------------

BOUNDARIES = [
    # version, START/STOP/RESET word, CHANGE head, replica status, source status, public key option,
    # dump option, log_replica_updates variable, IO thread column
    (
        "5.7.44",
        "SLAVE",
        "CHANGE MASTER TO",
        "SHOW SLAVE STATUS",
        "SHOW MASTER STATUS",
        None,
        "--master-data=2",
        "log_slave_updates",
        "Slave_IO_Running",
    ),
    (
        "8.0.21",
        "SLAVE",
        "CHANGE MASTER TO",
        "SHOW SLAVE STATUS",
        "SHOW MASTER STATUS",
        "GET_MASTER_PUBLIC_KEY",
        "--master-data=2",
        "log_slave_updates",
        "Slave_IO_Running",
    ),
    (
        "8.0.22",
        "REPLICA",
        "CHANGE MASTER TO",
        "SHOW REPLICA STATUS",
        "SHOW MASTER STATUS",
        "GET_MASTER_PUBLIC_KEY",
        "--master-data=2",
        "log_slave_updates",
        "Replica_IO_Running",
    ),
    (
        "8.0.23",
        "REPLICA",
        "CHANGE REPLICATION SOURCE TO",
        "SHOW REPLICA STATUS",
        "SHOW MASTER STATUS",
        "GET_SOURCE_PUBLIC_KEY",
        "--master-data=2",
        "log_slave_updates",
        "Replica_IO_Running",
    ),
    (
        "8.0.25",
        "REPLICA",
        "CHANGE REPLICATION SOURCE TO",
        "SHOW REPLICA STATUS",
        "SHOW MASTER STATUS",
        "GET_SOURCE_PUBLIC_KEY",
        "--master-data=2",
        "log_slave_updates",
        "Replica_IO_Running",
    ),
    (
        "8.0.26",
        "REPLICA",
        "CHANGE REPLICATION SOURCE TO",
        "SHOW REPLICA STATUS",
        "SHOW MASTER STATUS",
        "GET_SOURCE_PUBLIC_KEY",
        "--source-data=2",
        "log_replica_updates",
        "Replica_IO_Running",
    ),
    (
        "8.1.0",
        "REPLICA",
        "CHANGE REPLICATION SOURCE TO",
        "SHOW REPLICA STATUS",
        "SHOW MASTER STATUS",
        "GET_SOURCE_PUBLIC_KEY",
        "--source-data=2",
        "log_replica_updates",
        "Replica_IO_Running",
    ),
    (
        "8.2.0",
        "REPLICA",
        "CHANGE REPLICATION SOURCE TO",
        "SHOW REPLICA STATUS",
        "SHOW BINARY LOG STATUS",
        "GET_SOURCE_PUBLIC_KEY",
        "--source-data=2",
        "log_replica_updates",
        "Replica_IO_Running",
    ),
    (
        "8.4.3",
        "REPLICA",
        "CHANGE REPLICATION SOURCE TO",
        "SHOW REPLICA STATUS",
        "SHOW BINARY LOG STATUS",
        "GET_SOURCE_PUBLIC_KEY",
        "--source-data=2",
        "log_replica_updates",
        "Replica_IO_Running",
    ),
]


@pytest.mark.parametrize(
    "version, word, head, replica_sql, source_sql, key_option, dump_option, log_var, io_column", BOUNDARIES
)
def test_mysql_words_and_flags_at_each_boundary(
    version, word, head, replica_sql, source_sql, key_option, dump_option, log_var, io_column
):
    dl = dialect_for("mysql", version)
    assert (stop_replica(dl).sql, start_replica(dl).sql, reset_replica(dl, all=True).sql) == (
        f"STOP {word}",
        f"START {word}",
        f"RESET {word} ALL",
    )
    assert dl.change_source_head == head
    assert change_source(dl, log_file="f.1", log_pos=4).sql.startswith(head + " ")
    assert show_replica_status(dl).sql == replica_sql == dl.replica_status_sql  # writing and reading agree
    assert show_source_status(dl).sql == source_sql == dl.binlog_status_sql
    assert dl.public_key_option == key_option
    assert dl.dump_options(gtid=True) == (dump_option,)  # --gtid is MariaDB's
    assert dl.log_replica_updates_var == log_var
    assert dl.labels["io_running"] == io_column


@pytest.mark.parametrize("version", [b[0] for b in BOUNDARIES])
def test_every_statement_written_is_documented_for_its_release(version):
    """The statements, options and columns replui uses at ``version`` are in
    that release's manual: its statement list, the grammar of the ``CHANGE``
    statement it writes, ``START … UNTIL``'s options, the status columns."""
    dl = dialect_for("mysql", version)
    v = dl.version
    documented = mysql_statements(v)
    change = change_source(
        dl,
        host="h",
        port=3306,
        user="u",
        password="p",
        log_file="f.1",
        log_pos=4,
        connect_retry=1,
        get_public_key=True,
    )
    gtid = change_source(dl, auto_position=True)
    assert _written(dl) <= documented
    assert _option_names(change.sql) | _option_names(gtid.sql) <= change_options(v, dl.change_source_head)
    until = until_statement(dl, "f.1", 4, lambda x: f"'{x}'")
    assert until.startswith(f"START {dl.replica_word} SQL_THREAD UNTIL ")
    assert _option_names(until) <= (UNTIL_80_OPTIONS if v >= (8, 0, 22) else UNTIL_57_OPTIONS)
    columns = M.REPLICA_STATUS_80_COLUMNS if dl.uses_replica_terms else M.SLAVE_STATUS_57_COLUMNS
    assert set(dl.labels.values()) <= set(columns)


def _written(dl: Dialect) -> set[str]:
    """The statement names replui writes for ``dl``."""
    return {
        stop_replica(dl).sql,
        start_replica(dl).sql,
        reset_replica(dl).sql,
        show_replica_status(dl).sql,
        show_source_status(dl).sql,
        dl.change_source_head,
    }


def test_the_newest_documented_words_are_chosen():
    """At each release where the manual adds a spelling, replui switches to it right there."""
    for first, added in MYSQL_STATEMENTS_ADDED[1:]:
        prev = (first[0], first[1], first[2] - 1) if first[2] else (first[0], first[1] - 1, 99)
        new = dialect_for("mysql", ".".join(map(str, first)))
        old = dialect_for("mysql", ".".join(map(str, prev)))
        assert added <= _written(new), (first, added)
        assert not (added & _written(old)), (prev, added)


# -- MariaDB, unknown servers, tools ------------------------------------------------------------------------

MARIADB_VERSIONS = ["10.4.30-MariaDB", "10.5.1-MariaDB", "10.11.6-MariaDB", "11.4.2-MariaDB"]


@pytest.mark.parametrize("version", MARIADB_VERSIONS)
def test_mariadb_writes_the_classic_words_in_every_version(version):
    dl = dialect_for("mariadb", version)
    assert (stop_replica(dl).sql, show_replica_status(dl).sql, show_source_status(dl).sql) == (
        "STOP SLAVE",
        "SHOW SLAVE STATUS",
        "SHOW MASTER STATUS",
    )
    assert change_source(dl, use_gtid="slave_pos").sql == "CHANGE MASTER TO MASTER_USE_GTID=slave_pos"
    assert dl.public_key_option is None and dl.dump_options(gtid=True) == ("--master-data=2", "--gtid")
    assert dl.replica_syntax is (dl.version >= (10, 5, 1))  # it parses REPLICA from 10.5.1 all the same


def test_dialect_of_a_status_as_syntax_of_was():
    assert Dialect.of(None).display_name == "MariaDB 10.11.0"
    assert Dialect.of(NodeStatus(name="n", host="h", port=1)).is_mariadb  # flavour not probed: MariaDB
    unknown = Dialect.of(NodeStatus(name="n", host="h", port=1, flavor=Flavor.MYSQL, version="unknown"))
    assert (unknown.flavor, unknown.version) == (Flavor.MYSQL, (0, 0, 0))
    assert stop_replica(unknown).sql == "STOP SLAVE"
    m = Dialect.of(NodeStatus(name="n", host="h", port=1, flavor=Flavor.MYSQL, version="8.0.36-0ubuntu0"))
    assert (m.display_name, m.change_source_head) == ("MySQL 8.0.36", "CHANGE REPLICATION SOURCE TO")


def test_server_dialect_reads_a_handshake_version():
    """The lab's switch: 8.0.22 already says REPLICA (it used to wait for 8.0.23)."""
    m8022 = server_dialect("8.0.22")
    assert (m8022.replica_word, m8022.source_prefix) == ("REPLICA", "MASTER_")
    assert server_dialect("5.5.5-10.11.6-MariaDB").is_mariadb
    assert server_dialect("10.11.6-MariaDB-log").replica_word == "SLAVE"
    assert server_dialect("not a version").version == (0, 0, 0)


@pytest.mark.parametrize(
    "line, option",
    [
        ("mysqldump  Ver 8.0.25 for Linux on x86_64 (MySQL Community Server - GPL)", "--master-data=2"),
        ("mysqldump  Ver 8.0.26 for Linux on x86_64 (MySQL Community Server - GPL)", "--source-data=2"),
        ("mysqldump  Ver 8.4.0 for Linux on x86_64 (MySQL Community Server - GPL)", "--source-data=2"),
        ("mysqldump  Ver 10.13 Distrib 5.7.44, for Linux (x86_64)", "--master-data=2"),
        ("mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu", "--master-data=2"),
    ],
)
def test_the_dump_tool_own_version_decides_its_flag(line, option):
    tool = parse_tool_version("/usr/bin/dump", line)
    argv = dump_argv(tool, "o.cnf", gtid=True)
    assert argv[3] == option and tool.dialect.dump_options() == (option,)
    assert ("--gtid" in argv) is (tool.flavor == "mariadb")
    flags = dialect_at(tool.flavor, tool.version).dump_options(gtid=True)
    assert tuple(argv[3 : 3 + len(flags)]) == flags
