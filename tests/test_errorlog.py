"""The error-log evidence for unusable replication metadata: which lines count,
in MariaDB's wording (lines as the lab's MariaDB 10.11 servers write them) and
MySQL's (5.7 and 8.0 wordings from the MySQL server's error message reference,
as no MySQL server can be installed here), and what the dashboard makes of it."""

from dataclasses import replace

from canned import config_for, node

from replui.analysis.errorlog import LINE_LIMIT, metadata_failure
from replui.analysis.findings import analyse, last_source
from replui.model import LogVerdict, MetadataLog, Severity

STARTED = (
    "2026-11-22 10:27:11 0 [Note] Starting MariaDB 10.11.19-MariaDB-0+deb12u1-log source revision "
    "5843d8475120241667a7ce0f8a1abb6c9b43a273 server_uid hggI50gtZMFziSjYptSHO8qhe3I= as process 25619"
)
READY = "2026-11-22 10:27:11 0 [Note] /usr/sbin/mariadbd: ready for connections."
READ_FAILED = "2026-11-22 10:13:01 0 [ERROR] Error reading master configuration"
INIT_FAILED = "2026-11-22 10:13:01 0 [ERROR] Failed to initialize the master info structure"
DELETED = "2026-11-22 10:15:07 25 [Note] Deleted Master_info file '/var/lib/mysql/master.info'."
CHANGED = (
    "2026-11-22 10:16:00 8 [Note] 'CHANGE MASTER TO executed'. Previous state master_host='', "
    "master_port='3306', master_log_file='', master_log_pos='4'. New state master_host='10.0.0.1'"
)
SQL_STARTED = (
    "2026-11-22 10:16:00 10 [Note] Slave SQL thread initialized, starting replication in log "
    "'mysql-bin.000001' at position 328, relay log './node1-relay-bin.000001' position: 4"
)
MYSQL57_FAILED = (
    "2019-03-01T10:00:00.000000Z 0 [ERROR] Slave: Failed to initialize the master info structure for "
    "channel ''; its record may still be present in 'mysql.slave_master_info' table, consider deleting it."
)
MYSQL80_FAILED = (
    "2023-03-01T10:00:00.000000Z 0 [ERROR] [MY-010426] [Repl] Replica: Failed to initialize the connection "
    "metadata structure for channel ''; its record may still be present in the 'mysql.slave_master_info' "
    "table, consider deleting it."
)
MYSQL80_STARTED = (
    "2023-03-01T10:00:01.000000Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.36) starting "
    "as process 1"
)
MYSQL80_READY = (
    "2023-03-01T10:00:01.000000Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. "
    "Version: '8.0.36'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306"
)
MYSQL57_STARTED = (
    "2019-03-01T10:00:00.000000Z 0 [Note] /usr/sbin/mysqld (mysqld 5.7.44-log) starting as process 1 ..."
)
MYSQL80_CONNECTED = (
    "2023-03-01T10:05:00.000000Z 12 [System] [MY-010562] [Repl] Replica I/O thread for channel '': "
    "connected to source 'repl@10.0.0.1:3306',replication started in log 'binlog.000003' at position 157"
)


def log(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_a_failure_since_the_last_start_counts() -> None:
    # as the lab's MariaDB logs a start with an unreadable master.info: the failure before "ready"
    assert metadata_failure(log(STARTED, READ_FAILED, INIT_FAILED, READY)) == INIT_FAILED
    assert metadata_failure(log(READ_FAILED)) == READ_FAILED  # a tail that starts after the start-up line


def test_a_failure_before_a_restart_or_a_repair_does_not() -> None:
    assert metadata_failure(log(READ_FAILED, STARTED)) is None
    assert metadata_failure(log(STARTED, READ_FAILED, DELETED)) is None  # RESET SLAVE ALL
    assert metadata_failure(log(STARTED, READ_FAILED, CHANGED)) is None
    assert metadata_failure(log(STARTED, READ_FAILED, SQL_STARTED)) is None
    assert metadata_failure(log(STARTED, READ_FAILED, DELETED, READ_FAILED)) == READ_FAILED


def test_mysql_wordings() -> None:
    assert metadata_failure(log(MYSQL57_FAILED)) == MYSQL57_FAILED
    assert metadata_failure(log(MYSQL80_FAILED)) == MYSQL80_FAILED
    assert metadata_failure(log(MYSQL80_FAILED, MYSQL80_STARTED)) is None
    assert metadata_failure(log(MYSQL80_STARTED, MYSQL80_FAILED, MYSQL80_READY)) == MYSQL80_FAILED
    assert metadata_failure(log(MYSQL57_FAILED, MYSQL57_STARTED)) is None
    assert metadata_failure(log(MYSQL80_STARTED, MYSQL80_FAILED, MYSQL80_CONNECTED)) is None


def test_nothing_in_an_ordinary_log_or_garbage() -> None:
    assert metadata_failure("") is None
    assert (
        metadata_failure(log(STARTED, "2026-11-22 10:13:01 0 [Note] InnoDB: log sequence number 93618"))
        is None
    )
    assert metadata_failure("\x00\x00\ufffd binary \ufffd\n" * 50) is None


def test_a_long_line_is_cut() -> None:
    long = READ_FAILED + " x" * 400
    found = metadata_failure(log(long))
    assert found is not None and len(found) == LINE_LIMIT and found.endswith("…")


# -- what the dashboard makes of it ---------------------------------------------
def _pair(verdict: LogVerdict, **kw: object):
    cfg = config_for("node1", "node2")
    n1 = node(cfg, "node1", server_id=1)
    n2 = node(
        cfg,
        "node2",
        server_id=2,
        gtid_slave_pos="0-1-5",
        gtid_domain_id=0,
        metadata_log=MetadataLog(verdict, "/var/log/mysql/error.log", **kw),  # type: ignore[arg-type]
    )
    return [n1, n2]


def test_a_logged_failure_is_critical_1201_with_the_reset_replica_repair() -> None:
    statuses = _pair(LogVerdict.FAILED, line=READ_FAILED)
    [f] = [f for f in analyse(statuses) if f.nodes[0] == "node2"]
    assert (f.severity, f.code, f.errno, f.wizard, f.nodes) == (
        Severity.CRITICAL,
        "replica_metadata_unusable",
        1201,
        "reset-replica",
        ("node2", "node1"),
    )
    assert READ_FAILED in f.message and "0-1-5" in f.message and "/var/log/mysql/error.log" in f.message
    assert "reset-replica --node node2 --source node1" in f.advice


def test_an_unread_log_is_a_note_and_a_clean_one_nothing() -> None:
    [f] = [f for f in analyse(_pair(LogVerdict.UNREAD, why="no SSH to its host")) if f.nodes[0] == "node2"]
    assert (f.severity, f.code, f.errno, f.wizard) == (Severity.OK, "replica_unconfigured", None, None)
    assert "no SSH to its host" in f.message and "START SLAVE" in f.advice and "1201" in f.advice
    assert not [f for f in analyse(_pair(LogVerdict.CLEAN)) if f.nodes[0] == "node2"]


def test_a_node_that_replicates_gets_no_metadata_finding() -> None:
    statuses = _pair(LogVerdict.FAILED, line=READ_FAILED)
    statuses[1] = replace(statuses[1], metadata_log=None)
    assert not [f for f in analyse(statuses) if f.nodes[0] == "node2"]


def test_last_source_by_the_server_id_in_gtid_slave_pos() -> None:
    n1, n2 = _pair(LogVerdict.FAILED)
    assert last_source(n2, [n1, n2]) == "node1"
    assert last_source(replace(n2, gtid_slave_pos="0-1-5,7-9-3"), [n1, n2]) == "node1"  # its own domain, 0
    assert last_source(replace(n2, gtid_slave_pos="0-9-5"), [n1, n2]) is None  # server 9 is not configured
    assert last_source(replace(n2, gtid_slave_pos="0-1-5-junk"), [n1, n2]) is None
    assert last_source(replace(n2, gtid_slave_pos="3-1-5,7-1-3", gtid_domain_id=0), [n1, n2]) is None
    advice = analyse([n1, replace(n2, gtid_slave_pos="0-9-5")])[0].advice
    assert "--source SOURCE" in advice


# -- where the log is read --------------------------------------------------------
class _Server:
    """Answers the one question error_log_end asks the server: where its log is."""

    def __init__(self, log_error: str, datadir: str = "/var/lib/mysql/") -> None:
        self.row = {"log_error": log_error, "datadir": datadir}

    def query(self, sql: str) -> list[dict[str, str]]:
        return [self.row]


def test_the_log_is_read_here_only_when_the_server_runs_here(tmp_path) -> None:
    import socket

    from replui.hostfacts import error_log_end

    path = tmp_path / "error.log"
    path.write_text(log(STARTED, READ_FAILED), encoding="utf-8")
    cfg = config_for("node1")
    nc = cfg.node("node1")
    got_path, text, why = error_log_end(nc, _Server(str(path)), socket.gethostname())  # type: ignore[arg-type]
    assert (got_path, why) == (str(path), "") and text is not None and metadata_failure(text) == READ_FAILED
    # the same path on a server behind a port forward: never read here
    got_path, text, why = error_log_end(nc, _Server(str(path)), "db1.elsewhere")  # type: ignore[arg-type]
    assert text is None and "db1.elsewhere" in why and "no SSH" in why
    _, text, why = error_log_end(nc, _Server("stderr"), socket.gethostname())  # type: ignore[arg-type]
    assert text is None and "journalctl" in why
    _, text, why = error_log_end(nc, _Server(str(tmp_path / "gone.log")), socket.gethostname())  # type: ignore[arg-type]
    assert text is None and "gone.log" in why


def test_only_the_end_of_a_long_log_is_read(tmp_path) -> None:
    import socket

    from replui.hostfacts import error_log_end

    path = tmp_path / "error.log"
    path.write_text(log(READ_FAILED) + "x" * 200_000 + "\n" + log(STARTED), encoding="utf-8")
    _, text, _ = error_log_end(
        config_for("n").node("n"), _Server(str(path)), socket.gethostname(), nbytes=1000
    )  # type: ignore[arg-type]
    assert text is not None and len(text) == 1000 and metadata_failure(text) is None
