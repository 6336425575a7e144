"""Known replication errors: errno and message text -> cause, repair, wizard.

The table follows the MySQL and MariaDB error references ("Common errors and their
usual causes"), with the repairs the runbooks of :mod:`replui.sources` used. Advice strings are
templates: :func:`advice_for` fills ``{replica}``, ``{source}``, ``{file}``,
``{pos}``, ``{next_file}``, ``{exec_file}``, ``{exec_pos}``, ``{user}`` and
leaves a readable placeholder for whatever is unknown.

One error reads differently across MySQL 5.5–8.4 and MariaDB 10.x–11.x, and the
cause decides the repair, so each row lists its :class:`Wording` s — the text each
server writes, from the servers' own message files (MySQL ``share/errmsg-utf8.txt``
and ``messages_to_clients.txt``, MariaDB ``sql/share/errmsg-utf8.txt`` and
``sql/sql_repl.cc``) as the MySQL "Server Error Message Reference" and the MariaDB
KB "MariaDB Error Codes" pages print them. :func:`read_error` matches them with the
whitespace taken out, so a message wrapped by a terminal or by the server still
matches. The error number and the text are both read; where they name different
causes, :attr:`ErrorReading.notes` says so and the text decides (it names the cause;
the number may be a wrapper, a worker's, or the wrong field).

Pure data; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from replui.sources import CRASH_RESYNC, MULTI_MASTER, RAILS_FAILOVER, REPLICATION_ERROR

_FATAL_1236_57 = "Got fatal error 1236 from master when reading data from binary log: '…'"
_FATAL_1236_80 = "Got fatal error 1236 from source when reading data from binary log: '…'"
_MYSQL_REF = 'MySQL 5.7/8.0/8.4 "Server Error Message Reference"'
_MARIADB_REF = 'MariaDB KB "MariaDB Error Codes"'


@dataclass(frozen=True)
class Wording:
    """One way a server words an error. ``text`` is the message as the server
    writes it (``…`` where it fills something in), ``servers`` which versions
    write it, ``reference`` the manual page that prints it."""

    text: str
    servers: str
    reference: str


@dataclass(frozen=True)
class KnownError:
    """One row of the table. ``key`` is a stable id (``"binlog_purged"``…),
    ``errnos`` the server error numbers it covers, ``cause`` a short cause,
    ``advice`` the repair (a template), ``wizard`` the wizard that performs it,
    ``pair_wizard`` the one to use instead in a master⇄master pair, ``origin``
    the citation of the runbook it comes from (a :mod:`replui.sources`
    constant the advice quotes; ``""`` when none). ``wordings`` are the texts
    each server version writes for it; ``patterns`` the lower-case phrases
    (no whitespace) that identify it in a message."""

    key: str
    errnos: tuple[int, ...]
    cause: str
    advice: str
    wizard: str | None
    origin: str
    pair_wizard: str | None = None
    wordings: tuple[Wording, ...] = ()
    patterns: tuple[str, ...] = ()


#: Numbers MySQL 8.0+ writes in ``Last_IO_Errno``/``Last_SQL_Errno`` for an error
#: that older servers (and MariaDB) number the classic way: 13114 is the replica's
#: wrapper around the source's 1236 ("Got fatal error 1236 from source …", MySQL 8.0
#: error log MY-013114), 13121 the applier's relay log read failure (MY-013121,
#: "Relay log read failure: …", 1594 elsewhere).
ERRNO_ALIASES: Mapping[int, int] = {13114: 1236, 13121: 1594}


def canonical_errno(errno: int | None) -> int | None:
    """``errno`` with MySQL 8.0's wrapper numbers mapped to the classic ones
    (:data:`ERRNO_ALIASES`: 13114 -> 1236, 13121 -> 1594); 0/None -> None."""
    if not errno:
        return None
    return ERRNO_ALIASES.get(errno, errno)


BINLOG_PURGED = KnownError(
    "binlog_purged",
    (1236,),
    "the source purged the binlog file the replica still needs",
    "{source} no longer has {file}: the events between it and the source's oldest binlog are gone, so "
    "{replica} cannot catch up. STOP SLAVE; RESET SLAVE; START SLAVE only helps when the data is still in "
    "sync; otherwise rebuild {replica} from a dump of {source} taken with its binlog coordinates "
    "(mysqldump --single-transaction --master-data=2) — wizard rebuild-replica. Both repairs are in "
    + RAILS_FAILOVER
    + "; master⇄master: resync-pair (the other side must be re-pointed too), as in "
    + MULTI_MASTER
    + ".",
    "rebuild-replica",
    RAILS_FAILOVER,
    pair_wizard="resync-pair",
    wordings=(
        Wording(
            "Could not find first log file name in binary log index file",
            "MySQL 5.5–8.4 and MariaDB 10.x–11.x, inside "
            + _FATAL_1236_57
            + " (MySQL 8.0.26+: "
            + _FATAL_1236_80
            + ")",
            _MYSQL_REF + " (ER_MASTER_FATAL_ERROR_READING_BINLOG, 1236); " + _MARIADB_REF + " (1236)",
        ),
    ),
    patterns=("couldnotfindfirstlogfilename",),
)
GTID_PURGED = KnownError(
    "gtid_purged",
    (1236, 1789),
    "GTID auto-positioning: the source purged binlogs holding transactions the replica has not applied",
    "{source} purged binlogs that hold transactions {replica} never applied; with GTID auto-positioning "
    "(MASTER_AUTO_POSITION=1, MASTER_USE_GTID) there is no later position to resume from, and RESET SLAVE "
    "does not bring them back. Rebuild {replica} from a dump of {source} (the dump carries GTID_PURGED / "
    "gtid_slave_pos) — wizard rebuild-replica — and keep binlogs longer on {source} "
    '(binlog_expire_logs_seconds, expire_logs_days), as the MySQL manual\'s "GTID Auto-Positioning" '
    "section advises.",
    "rebuild-replica",
    "",
    "resync-pair",
    wordings=(
        Wording(
            "The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has "
            "purged binary logs containing GTIDs that the slave requires.",
            "MySQL 5.6–5.7, inside " + _FATAL_1236_57,
            _MYSQL_REF + " (ER_MASTER_HAS_PURGED_REQUIRED_GTIDS, 1789, sent as 1236)",
        ),
        Wording(
            "Cannot replicate because the master purged required binary logs. Replicate the missing "
            "transactions from elsewhere, or provision a new slave from backup. …",
            "MySQL 8.0 before 8.0.26 (Last_IO_Errno 13114), inside " + _FATAL_1236_57,
            _MYSQL_REF + " (ER_MASTER_HAS_PURGED_REQUIRED_GTIDS)",
        ),
        Wording(
            "Cannot replicate because the source purged required binary logs. Replicate the missing "
            "transactions from elsewhere, or provision a new replica from backup. …",
            "MySQL 8.0.26–8.4 (Last_IO_Errno 13114), inside " + _FATAL_1236_80,
            _MYSQL_REF + " (ER_SOURCE_HAS_PURGED_REQUIRED_GTIDS)",
        ),
        Wording(
            "Could not find GTID state requested by slave in any binlog files. Probably the slave state is "
            "too old and required binlog files have been purged.",
            "MariaDB 10.x–11.x, inside " + _FATAL_1236_57,
            "MariaDB sql/sql_repl.cc (sent as 1236); " + _MARIADB_REF,
        ),
    ),
    patterns=(
        "purgedbinarylogscontaininggtids",
        "purgedrequiredbinarylogs",
        "couldnotfindgtidstaterequested",
    ),
)
IMPOSSIBLE_POSITION = KnownError(
    "impossible_position",
    (1236,),
    "the source's binlog was cut short (crash), so the replica asks for a position past its end",
    "After a crash the source starts a new binlog file: STOP SLAVE on {replica}, then CHANGE MASTER TO "
    "MASTER_LOG_FILE='{next_file}', MASTER_LOG_POS=4 and START SLAVE; watch Seconds_Behind_Master fall to 0. "
    "Events in the lost tail of {file} never reached {replica}: check the data if they matter — "
    "wizard repoint --next-binlog, as in " + CRASH_RESYNC + ".",
    "repoint",
    CRASH_RESYNC,
    wordings=(
        Wording(
            "Client requested master to start replication from impossible position",
            "MySQL 5.5 and MariaDB 10.x–11.x, inside " + _FATAL_1236_57,
            _MYSQL_REF + " (1236); " + _MARIADB_REF + " (1236); quoted in " + CRASH_RESYNC,
        ),
        Wording(
            "Client requested master to start replication from position > file size",
            "MySQL 5.6–8.0.25, inside " + _FATAL_1236_57,
            _MYSQL_REF + " (ER_MASTER_FATAL_ERROR_READING_BINLOG, 1236)",
        ),
        Wording(
            "Client requested source to start replication from position > file size",
            "MySQL 8.0.26–8.4 (Last_IO_Errno 13114), inside " + _FATAL_1236_80,
            _MYSQL_REF + " (ER_SOURCE_FATAL_ERROR_READING_BINLOG, 1236)",
        ),
    ),
    patterns=("impossibleposition", "startreplicationfromposition>filesize"),
)
GTID_DIVERGED = KnownError(
    "gtid_diverged",
    (1236,),
    "the replica has transactions the source never had (written on the replica, or lost from the "
    "source's binlog in a crash): the two have diverged",
    "{replica} asked {source} for a GTID position {source}'s binlog does not contain: {replica} executed "
    "transactions {source} never wrote. List them before anything else — MariaDB: compare {replica}'s "
    "gtid_slave_pos/gtid_binlog_pos with {source}'s gtid_binlog_pos; MySQL: SELECT "
    "GTID_SUBTRACT(<{replica}'s gtid_executed>, <{source}'s gtid_executed>). Then rebuild {replica} "
    "from {source} — wizard rebuild-replica (master⇄master: resync-pair, as in " + MULTI_MASTER + ").",
    "rebuild-replica",
    MULTI_MASTER,
    "resync-pair",
    wordings=(
        Wording(
            "Error: connecting slave requested to start from GTID …, which is not in the master's binlog",
            "MariaDB 10.x–11.x, inside " + _FATAL_1236_57,
            "MariaDB sql/sql_repl.cc (ER_GTID_POSITION_NOT_FOUND_IN_BINLOG, sent as 1236); " + _MARIADB_REF,
        ),
        Wording(
            "Error: connecting slave requested to start from GTID …, which is not in the master's binlog. "
            "Since the master's binlog contains GTIDs with higher sequence numbers, it probably means that "
            "the slave has diverged due to executing extra erroneous transactions",
            "MariaDB 10.x–11.x, inside " + _FATAL_1236_57,
            _MARIADB_REF + " (ER_GTID_POSITION_NOT_FOUND_IN_BINLOG2, sent as 1236)",
        ),
        Wording(
            "Slave has more GTIDs than the master has, using the master's SERVER_UUID. …",
            "MySQL 5.7–8.0.25 (Replica has more GTIDs than the source has, using the source's "
            "SERVER_UUID from 8.0.26), inside " + _FATAL_1236_57,
            _MYSQL_REF + " (ER_SLAVE_HAS_MORE_GTIDS_THAN_MASTER, sent as 1236)",
        ),
    ),
    patterns=("whichisnotinthemaster'sbinlog", "hasmoregtidsthanthe"),
)
BINLOG_READ_ERROR = KnownError(
    "binlog_read_error",
    (1236,),
    "the source could not send its binlog (corrupt or truncated event, or a packet over max_allowed_packet)",
    "Read {source}'s error log and run mysqlbinlog on {file} there; if the file is damaged, "
    "point {replica} at "
    "the next good position or file with wizard repoint, as in " + CRASH_RESYNC + "; else rebuild it "
    "(wizard rebuild-replica).",
    "repoint",
    CRASH_RESYNC,
    wordings=(
        Wording(
            _FATAL_1236_57 + " with any other reason (bogus data in log event, binlog truncated in the "
            "middle of event, log event entry exceeded max_allowed_packet)",
            "MySQL 5.5–8.0.25 and MariaDB; " + _FATAL_1236_80 + " on MySQL 8.0.26+ (Last_IO_Errno 13114)",
            _MYSQL_REF + " (ER_MASTER_FATAL_ERROR_READING_BINLOG, 1236)",
        ),
    ),
)
RELAY_LOG_CORRUPT = KnownError(
    "relay_log_corrupt",
    (1594, 1595, 13121),
    "the replica's relay log is corrupt (often after a hard crash)",
    "The relay log of {replica} is damaged but {source}'s binlog is fine: STOP SLAVE, then CHANGE MASTER TO "
    "MASTER_LOG_FILE='{exec_file}', MASTER_LOG_POS={exec_pos} "
    "(its Relay_Master_Log_File/Exec_Master_Log_Pos, "
    "the last executed event), START SLAVE; this discards and re-fetches the relay logs — "
    "wizard repoint --from-exec-position, as in " + CRASH_RESYNC + ".",
    "repoint",
    CRASH_RESYNC,
    wordings=(
        Wording(
            "Relay log read failure: Could not parse relay log event entry. The possible reasons are: the "
            "master's binary log is corrupted …, the slave's relay log is corrupted …",
            "MySQL 5.5–8.0.25 and MariaDB (1594; MySQL 8.0: Last_SQL_Errno 13121); quoted in " + CRASH_RESYNC,
            _MYSQL_REF + " (ER_SLAVE_RELAY_LOG_READ_FAILURE, 1594); " + _MARIADB_REF + " (1594)",
        ),
        Wording(
            "Relay log read failure: Could not parse relay log event entry. The possible reasons are: the "
            "source's binary log is corrupted …, the replica's relay log is corrupted …",
            "MySQL 8.0.26–8.4 (Last_SQL_Errno 13121)",
            _MYSQL_REF + " (ER_REPLICA_RELAY_LOG_READ_FAILURE, 1594)",
        ),
        Wording(
            "Relay log write failure: …",
            "MySQL 5.5–8.4 and MariaDB (1595)",
            _MYSQL_REF + " (ER_SLAVE_RELAY_LOG_WRITE_FAILURE, 1595); " + _MARIADB_REF + " (1595)",
        ),
    ),
    patterns=("relaylogreadfailure", "relaylogwritefailure"),
)
TLS_REQUIRED = KnownError(
    "tls_required",
    (2061,),
    "the replication user authenticates with caching_sha2_password, which without TLS needs the source's "
    "RSA public key: the login reached the source, so the network is fine",
    "{source} answered {replica}'s login as {user}, but caching_sha2_password (MySQL 8.0's default) "
    "refuses a password over an unencrypted connection unless the replica asks for the source's public "
    "key. On {replica}: STOP SLAVE; CHANGE MASTER TO GET_MASTER_PUBLIC_KEY=1 (MySQL 8.0.23+: CHANGE "
    "REPLICATION SOURCE TO GET_SOURCE_PUBLIC_KEY=1), or MASTER_SSL=1 to use TLS; START SLAVE — then check "
    "the IO thread connects (wizard restart-replication), as the MySQL manual's \"Caching SHA-2 Pluggable "
    'Authentication" and "CHANGE REPLICATION SOURCE TO Statement" (GET_SOURCE_PUBLIC_KEY) explain. '
    "Firewalls and DNS are not the cause.",
    "restart-replication",
    "",
    wordings=(
        Wording(
            "error connecting to master '…' - retry-time: … message: Authentication plugin "
            "'caching_sha2_password' reported error: Authentication requires secure connection.",
            "MySQL 8.0.4–8.0.22",
            _MYSQL_REF + ' "Client Error Message Reference" (CR_AUTH_PLUGIN_ERR, 2061)',
        ),
        Wording(
            "Error connecting to source '…'. This was attempt …, with a delay of … seconds between attempts. "
            "Message: Authentication plugin 'caching_sha2_password' reported error: Authentication requires "
            "secure connection.",
            "MySQL 8.0.23–8.4",
            _MYSQL_REF + ' "Client Error Message Reference" (CR_AUTH_PLUGIN_ERR, 2061)',
        ),
    ),
    patterns=("authenticationrequiressecureconnection",),
)
DUPLICATE_KEY = KnownError(
    "duplicate_key",
    (1062,),
    "a row was written on the replica directly, so the source's insert collides with it",
    "{replica} has data the source never sent: it was written on the replica directly. Skipping the "
    "event hides the drift; rebuild {replica} from a dump of {source} with its binlog coordinates, then set "
    "read_only=ON on replicas — wizard rebuild-replica, as in " + REPLICATION_ERROR + "; master⇄master: "
    "resync-pair, as in " + MULTI_MASTER + ".",
    "rebuild-replica",
    REPLICATION_ERROR,
    "resync-pair",
    wordings=(
        Wording(
            "Could not execute Write_rows event on table …; Duplicate entry '…' for key '…', "
            "Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; …",
            "MySQL 5.5–8.4 and MariaDB (Write_rows_v1 on MariaDB); statement-based: Error 'Duplicate entry "
            "…' on query.",
            _MYSQL_REF + " (ER_DUP_ENTRY, 1062); " + _MARIADB_REF + " (1062)",
        ),
    ),
    patterns=("duplicateentry", "ha_err_found_dupp_key"),
)
MISSING_ROW = KnownError(
    "missing_row",
    (1032,),
    "a row was deleted or changed on the replica directly, so the source's update/delete finds nothing",
    "{replica} has drifted from {source}: repair that one row by hand and verify both sides "
    "with CHECKSUM TABLE, "
    "or rebuild it from a dump of {source} with binlog coordinates — wizard rebuild-replica, as in "
    + REPLICATION_ERROR
    + "; master⇄master: resync-pair, as in "
    + MULTI_MASTER
    + ".",
    "rebuild-replica",
    REPLICATION_ERROR,
    "resync-pair",
    wordings=(
        Wording(
            "Could not execute Delete_rows event on table …; Can't find record in '…', Error_code: 1032; "
            "handler error HA_ERR_KEY_NOT_FOUND; …",
            "MySQL 5.5–8.4 and MariaDB (Update_rows/Delete_rows, _v1 on MariaDB)",
            _MYSQL_REF + " (ER_KEY_NOT_FOUND, 1032); " + _MARIADB_REF + " (1032)",
        ),
    ),
    patterns=("can'tfindrecordin", "ha_err_key_not_found"),
)
MISSING_USER = KnownError(
    "missing_user",
    (1133,),
    "the replication user exists on one side only, so a replicated SET PASSWORD/GRANT fails",
    "A replicated statement names an account {replica} does not have (its Last_SQL_Error quotes it): create "
    "it on {replica} as {source} has it — the same host part, password and grants (REPLICATION SLAVE), with "
    "sql_log_bin=0 so it does not replicate back — then START SLAVE on {replica}, which runs the statement "
    "again: put the account's password (the one {source} stores) in an environment variable and run replui "
    "wizard create-repl-user --node {replica} --repl-password-env REPLUI_REPL_PASSWORD. 'The repl user needs "
    "to be set on each of the machines that are part of the replication', as " + RAILS_FAILOVER + " says.",
    "create-repl-user",
    RAILS_FAILOVER,
    wordings=(
        Wording(
            "Error 'Can't find any matching row in the user table' on query. …",
            "MySQL 5.5–8.4 and MariaDB; quoted in " + RAILS_FAILOVER,
            _MYSQL_REF + " (ER_PASSWORD_NO_MATCH, 1133)",
        ),
    ),
    patterns=("can'tfindanymatchingrowintheusertable",),
)
MASTER_INFO = KnownError(
    "master_info",
    (1201,),
    "stale or unreadable master.info / relay-log.info",
    "{replica} cannot read its master.info/relay-log.info: START SLAVE and CHANGE MASTER TO fail with 1201, "
    "and SHOW SLAVE STATUS may be empty. Reset it and point it again, without a dump: replui wizard "
    "reset-replica --node {replica} --source {source}. With an empty status it first checks that START SLAVE "
    "answers 1201, reads the position {replica} had executed from relay-log.info (or give --to FILE:POS), "
    "then runs STOP SLAVE; RESET SLAVE ALL; CHANGE MASTER TO {source}'s address, a replication account for "
    "{replica} (or --repl-user USER --repl-password-env VAR) and that position; START SLAVE. 'This can be "
    "solved by resetting the slave', as in " + RAILS_FAILOVER + ".",
    "reset-replica",
    RAILS_FAILOVER,
    wordings=(
        Wording(
            "Could not initialize master info structure; more error messages can be found in the "
            "MySQL error log",
            "MySQL 5.5–5.7 and MariaDB; quoted in " + RAILS_FAILOVER,
            _MYSQL_REF + " (ER_MASTER_INFO, 1201)",
        ),
    ),
    patterns=("couldnotinitializemasterinfo",),
)
ACCESS_DENIED = KnownError(
    "access_denied",
    (1045,),
    "the replication user's password stored on the replica (CHANGE MASTER TO MASTER_PASSWORD) no longer "
    "matches the user on the source, or that user is missing or may not connect from the replica's host",
    "{source} refuses {replica}'s replication login as {user}. If the user exists on {source} (SELECT user, "
    "host FROM mysql.user; SHOW GRANTS FOR it: REPLICATION SLAVE, a host part matching {replica}), its "
    "password changed and {replica} still stores the old one: put the current password in an environment "
    "variable and run replui wizard set-repl-password --node {replica} --repl-password-env REPL_PASSWORD "
    "(STOP SLAVE; CHANGE MASTER TO MASTER_PASSWORD=…; START SLAVE; then it checks the IO thread connects). "
    "If the user is missing, create it on {source} with REPLICATION SLAVE first (wizard add-replica does).",
    "set-repl-password",
    "",
    wordings=(
        Wording(
            "error connecting to master '…' - retry-time: … message: Access denied for user '…'@'…' "
            "(using password: YES)",
            "MySQL 5.5–8.0.22 and MariaDB (MySQL 8.0.23+: Error connecting to source '…'. This was attempt "
            "…)",
            _MYSQL_REF + " (ER_ACCESS_DENIED_ERROR, 1045)",
        ),
    ),
    patterns=("accessdenied",),
)
NETWORK = KnownError(
    "network",
    (2002, 2003, 2005, 2013),
    "network: the source is down, unreachable, firewalled, bound to another address (bind-address) "
    "or its name does not resolve",
    "Check that {source} is running and reachable from {replica} "
    "(ping, then mysql -h to Master_Host:Master_Port; "
    "bind-address in my.cnf, firewall, DNS); once fixed, STOP SLAVE; START SLAVE "
    "and verify with SHOW SLAVE STATUS\\G "
    "— wizard restart-replication, as in " + REPLICATION_ERROR + ".",
    "restart-replication",
    REPLICATION_ERROR,
    wordings=(
        Wording(
            "error connecting to master '…' - retry-time: … message: Can't connect to MySQL server on '…' "
            '(111 "Connection refused")',
            "MySQL 5.5–8.0.22 and MariaDB (MariaDB 10.6+: Can't connect to server on '…'; MySQL 8.0.23+: "
            "Error connecting to source '…'. This was attempt …)",
            _MYSQL_REF + ' "Client Error Message Reference" (CR_CONN_HOST_ERROR 2003, CR_UNKNOWN_HOST 2005)',
        ),
    ),
    patterns=(
        "can'tconnecttomysqlserver",
        "can'tconnecttoserver",
        "unknownmysqlserverhost",
        "errorconnectingtomaster",
        "errorconnectingtosource",
        "errorreconnectingtomaster",
        "errorreconnectingtosource",
    ),
)

KNOWN_ERRORS: tuple[KnownError, ...] = (
    BINLOG_PURGED,
    GTID_PURGED,
    IMPOSSIBLE_POSITION,
    GTID_DIVERGED,
    BINLOG_READ_ERROR,
    RELAY_LOG_CORRUPT,
    TLS_REQUIRED,
    DUPLICATE_KEY,
    MISSING_ROW,
    MISSING_USER,
    MASTER_INFO,
    ACCESS_DENIED,
    NETWORK,
)

#: The rows the source's refusal to send its binlog (1236) can mean; the message decides.
BINLOG_1236_FORMS: tuple[KnownError, ...] = (
    BINLOG_PURGED,
    GTID_PURGED,
    IMPOSSIBLE_POSITION,
    GTID_DIVERGED,
    BINLOG_READ_ERROR,
)

#: The multi-threaded applier's message: the coordinator quotes no cause, the worker's
#: error number is in ``Last_SQL_Errno`` and its text in
#: ``performance_schema.replication_applier_status_by_worker`` (MySQL 5.7 "at master log",
#: 8.0.26+ "at source log"; MySQL replication applier, rpl_rli_pdb.cc).
COORDINATOR_PATTERN = "coordinatorstoppedbecausetherewereerror(s)intheworker(s)"
WORKER_TABLE = "performance_schema.replication_applier_status_by_worker"
#: Keys under which a worker's error (from :data:`WORKER_TABLE`) joins a channel's raw row.
WORKER_ERRNO_KEY = "Worker_Last_Error_Number"
WORKER_ERROR_KEY = "Worker_Last_Error_Message"

_ERRNO_IN_TEXT = re.compile(
    r"(?:fatal error|Error_code:|error(?: code)?:?|MY-0*)\s*(\d{4,5})\b|\(errno:?\s*(\d{4,5})\)",
    re.IGNORECASE,
)


def errno_in_text(text: str) -> int | None:
    """An error number quoted in ``text`` (``"Got fatal error 1236 …"``,
    ``"Error_code: 1062"``, ``"Error_code: MY-001062"``, ``"Internal MariaDB
    error code: 2003"``), or None."""
    m = _ERRNO_IN_TEXT.search(text or "")
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def _squash(text: str) -> str:
    """``text`` lower-case with every whitespace removed: a message wrapped by a
    terminal (mid-word) or by the server (at spaces) reads the same."""
    return "".join((text or "").lower().split())


def _by_text(text: str) -> KnownError | None:
    low = _squash(text)
    if not low:
        return None
    for known in KNOWN_ERRORS:
        if any(p in low for p in known.patterns):
            return known
    if errno_in_text(text) == 1236 or "whenreadingdatafrombinarylog" in low:
        return BINLOG_READ_ERROR
    return None


def _by_errno(errno: int | None) -> KnownError | None:
    num = canonical_errno(errno)
    if num is None:
        return None
    if num == 1236:
        return BINLOG_READ_ERROR
    for known in KNOWN_ERRORS:
        if known in BINLOG_1236_FORMS:
            continue
        if num in known.errnos or (errno in known.errnos):
            return known
    return None


def _agree(by_errno: KnownError, by_text: KnownError) -> bool:
    if by_errno is by_text:
        return True
    return by_errno is BINLOG_READ_ERROR and by_text in BINLOG_1236_FORMS


@dataclass(frozen=True)
class ErrorReading:
    """What an error number and its text say together (:func:`read_error`).

    ``known`` is the row the advice follows (the text's when it names one, else
    the number's); ``errno`` the number to show (the given one, else one the text
    quotes, else None); ``by_errno``/``by_text`` what each alone reads as;
    ``notes`` sentences to add to the finding: the number and the text
    disagreeing, a multi-threaded applier's worker error, where to read it."""

    known: KnownError | None
    errno: int | None
    by_errno: KnownError | None
    by_text: KnownError | None
    notes: tuple[str, ...] = ()


def read_error(
    errno: int | None, text: str = "", *, worker_errno: int | None = None, worker_text: str = ""
) -> ErrorReading:
    """Read ``errno`` and the server's message ``text`` (``Last_IO_Error``,
    ``Last_SQL_Error``, ``Last_Error``) together; ``worker_errno``/``worker_text``
    are a multi-threaded applier worker's ``LAST_ERROR_NUMBER``/``LAST_ERROR_MESSAGE``
    from :data:`WORKER_TABLE` when known. Never raises.

    The text decides between the 1236 forms (purged file, GTID purged, impossible
    position / position > file size, GTID diverged, other) and names relay log
    corruption whatever the number (Jo Vandeginste's crashed node shows it in
    ``Last_Error`` only). MySQL 8.0's wrapper numbers (:data:`ERRNO_ALIASES`) agree
    with the classic ones. A number and a text naming different causes are both
    reported (``notes``); the advice follows the text. "Coordinator stopped because
    there were error(s) in the worker(s)" names no cause: the worker's number (in
    ``Last_SQL_Errno``, or ``worker_errno``, or quoted in ``worker_text``) does.
    """
    text = text or ""
    notes: list[str] = []
    coordinator = COORDINATOR_PATTERN in _squash(text)
    quoted = errno_in_text(text)
    given = errno or None
    if coordinator:
        inner = worker_errno or errno_in_text(worker_text) or None
        by_text = _by_text(worker_text)
        if inner and given and canonical_errno(inner) != canonical_errno(given):
            notes.append(
                f"the error number {given} and the failed worker's error {inner} disagree; "
                f"the advice follows the worker's"
            )
        number = inner or given
        by_errno = _by_errno(number)
        if worker_text.strip():
            notes.append(
                f"a worker of the multi-threaded applier failed: {' '.join(worker_text.split())[:300]}"
            )
        else:
            failed = f" with error {number}" if number else ""
            notes.append(
                f"a worker of the multi-threaded applier failed{failed} and the coordinator's message names "
                "no cause: read the worker's own message with SELECT WORKER_ID, LAST_ERROR_NUMBER, "
                f"LAST_ERROR_MESSAGE FROM {WORKER_TABLE}"
            )
        known = by_text or by_errno
        return ErrorReading(known, number or quoted, by_errno, by_text, tuple(notes))
    by_text = _by_text(text)
    by_errno = _by_errno(given if given else quoted)
    if given and by_text is not None and by_errno is not None and not _agree(by_errno, by_text):
        notes.append(
            f"the error number {given} ({by_errno.cause}) and the text ({by_text.cause}) disagree; "
            "the advice follows the text — check which is right before repairing"
        )
    elif given and quoted and canonical_errno(quoted) != canonical_errno(given):
        if by_text is None or (given not in by_text.errnos and canonical_errno(given) not in by_text.errnos):
            notes.append(
                f"the error number {given} and the {quoted} quoted in the text disagree; "
                + ("the advice follows the text" if by_text else "neither is a known replication error")
            )
    known = by_text or by_errno
    return ErrorReading(known, given or quoted, by_errno, by_text, tuple(notes))


def classify(errno: int | None, text: str = "") -> KnownError | None:
    """The :class:`KnownError` for ``errno`` and the server's message ``text``
    (``Last_IO_Error``/``Last_SQL_Error``/``Last_Error``), or None — the row
    :func:`read_error` gives.

    The message decides between the 1236 forms: "could not find first log
    file" (purged, as in 'Fail over MySQL and Rails') vs "impossible position"
    or "position > file size" (cut short by a crash, as in Jo Vandeginste's 'How
    to get an active-active MySQL setup back in sync after hard crash'), GTID
    purged, GTID diverged; "Relay log read/write failure" means relay log
    corruption whatever the errno (that post shows it in ``Last_Error`` only). An
    errno of 0/None is taken from the text when it quotes one.
    """
    return read_error(errno, text).known


class _Blanks(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return {
            "replica": "the replica",
            "source": "the source",
            "file": "that binlog file",
            "next_file": "the source's next binlog file",
            "exec_file": "Relay_Master_Log_File",
            "exec_pos": "Exec_Master_Log_Pos",
            "pos": "that position",
            "user": "the replication user",
        }.get(key, key)


def advice_for(known: KnownError, **values: object) -> str:
    """``known.advice`` with the given values filled in (None/"" values fall
    back to a generic phrase, so the text always reads)."""
    return known.advice.format_map(_Blanks({k: str(v) for k, v in values.items() if v not in (None, "")}))


def wizard_for(known: KnownError, *, pair: bool = False) -> str | None:
    """The wizard to name: ``pair_wizard`` for master⇄master when there is one."""
    return known.pair_wizard if pair and known.pair_wizard else known.wizard


def worker_error(rows: list[Mapping[str, object]]) -> tuple[int, str] | None:
    """The failed worker's ``(LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE)`` among rows of
    :data:`WORKER_TABLE` (column names in any case): the one with the latest
    ``LAST_ERROR_TIMESTAMP``, else the first with a number; None when no worker
    has an error."""
    best: tuple[str, int, str] | None = None
    for row in rows:
        low = {str(k).lower(): v for k, v in row.items()}
        try:
            number = int(str(low.get("last_error_number") or 0).strip() or 0)
        except ValueError:
            continue
        if not number:
            continue
        stamp = str(low.get("last_error_timestamp") or "")
        message = str(low.get("last_error_message") or "")
        if best is None or stamp > best[0]:
            best = (stamp, number, message)
    return (best[1], best[2]) if best else None


def worker_of(raw: Mapping[str, str]) -> tuple[int | None, str]:
    """The failed worker's error a channel's raw row carries under
    :data:`WORKER_ERRNO_KEY`/:data:`WORKER_ERROR_KEY`: ``(number or None, message or "")``."""
    number = str(raw.get(WORKER_ERRNO_KEY) or "").strip()
    return (int(number) if number.isdigit() and int(number) else None), str(raw.get(WORKER_ERROR_KEY) or "")


#: Advice for replui's own monitoring connection failing (node unreachable), by client errno.
CLIENT_ADVICE: dict[int, str] = {
    2002: "The local socket is missing: is mysqld running, "
    "and is 'socket' in the config the server's socket? "
    "This is the 'ERROR 2002 Can't connect to local MySQL server through socket' of " + RAILS_FAILOVER + ".",
    2003: "Nothing answers on that host:port: check the server is running (systemctl status mariadb/mysql), "
    "the firewall between replui and the node, and bind-address in my.cnf: it must be an address the node is "
    "reached on, as " + RAILS_FAILOVER + " explains.",
    2005: "The host name does not resolve: check the name in the config and DNS / /etc/hosts.",
    2013: "The connection was lost during the handshake or a query: check the server's error log, "
    "connect_timeout/read_timeout in the config, and the network.",
    1045: "The server refused replui's user or password: fix user/password (or password_env, "
    "password_command, ~/.my.cnf) in the config, and check the account's host part with SHOW GRANTS.",
    1130: "The server does not allow replui's user from this host: CREATE USER for this host and grant "
    "REPLICATION CLIENT (MySQL) or BINLOG MONITOR, REPLICA MONITOR (MariaDB).",
}


def client_advice(errno: int | None) -> str:
    """Advice for a monitoring connection that failed with client ``errno``."""
    return CLIENT_ADVICE.get(
        errno or 0,
        "Check that the server is running and that the host, port and credentials in the config are right.",
    )
