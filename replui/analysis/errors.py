"""Known replication errors: errno (and message text) -> cause, repair, wizard.

The table follows the MySQL and MariaDB error references ("Common errors and their
usual causes"), with the repairs the runbooks of :mod:`replui.sources` used. Advice strings are
templates: :func:`advice_for` fills ``{replica}``, ``{source}``, ``{file}``,
``{pos}``, ``{next_file}``, ``{exec_file}``, ``{exec_pos}``, ``{user}`` and
leaves a readable placeholder for whatever is unknown.

Pure data; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replui.sources import CRASH_RESYNC, MULTI_MASTER, RAILS_FAILOVER, REPLICATION_ERROR


@dataclass(frozen=True)
class KnownError:
    """One row of the table. ``key`` is a stable id (``"binlog_purged"``…),
    ``errnos`` the server error numbers it covers, ``cause`` a short cause,
    ``advice`` the repair (a template), ``wizard`` the wizard that performs it,
    ``pair_wizard`` the one to use instead in a master⇄master pair, ``seed``
    the citation of the runbook it comes from (a :mod:`replui.sources`
    constant the advice quotes; ``""`` when none)."""

    key: str
    errnos: tuple[int, ...]
    cause: str
    advice: str
    wizard: str | None
    seed: str
    pair_wizard: str | None = None


BINLOG_PURGED = KnownError(
    "binlog_purged",
    (1236,),
    "the source purged the binlog file the replica still needs",
    "{source} no longer has {file}: the events between it and the source's oldest binlog are gone, so "
    "{replica} cannot catch up. STOP SLAVE; RESET SLAVE; START SLAVE only helps when the data is still in "
    "sync; otherwise rebuild {replica} from a dump of {source} taken with its binlog coordinates "
    "(mysqldump --single-transaction --master-data=2) — wizard rebuild-replica. Both repairs are in "
    + RAILS_FAILOVER
    + ".",
    "rebuild-replica",
    RAILS_FAILOVER,
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
)
RELAY_LOG_CORRUPT = KnownError(
    "relay_log_corrupt",
    (1594, 1595, 13117),
    "the replica's relay log is corrupt (often after a hard crash)",
    "The relay log of {replica} is damaged but {source}'s binlog is fine: STOP SLAVE, then CHANGE MASTER TO "
    "MASTER_LOG_FILE='{exec_file}', MASTER_LOG_POS={exec_pos} "
    "(its Relay_Master_Log_File/Exec_Master_Log_Pos, "
    "the last executed event), START SLAVE; this discards and re-fetches the relay logs — "
    "wizard repoint --from-exec-position, as in " + CRASH_RESYNC + ".",
    "repoint",
    CRASH_RESYNC,
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
)
MISSING_USER = KnownError(
    "missing_user",
    (1133,),
    "the replication user exists on one side only, so a replicated SET PASSWORD/GRANT fails",
    "Create the replication user {user} on every node of the replication, with the same password and "
    "REPLICATION SLAVE, then START SLAVE on {replica} — wizard add-replica creates it on both sides, as "
    + RAILS_FAILOVER
    + " advises.",
    "add-replica",
    RAILS_FAILOVER,
)
MASTER_INFO = KnownError(
    "master_info",
    (1201,),
    "stale or unreadable master.info / relay-log.info",
    "On {replica}: STOP SLAVE; RESET SLAVE; then CHANGE MASTER TO … with the coordinates again "
    "and START SLAVE "
    "— wizard reset-replica, as in " + RAILS_FAILOVER + ".",
    "reset-replica",
    RAILS_FAILOVER,
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
)

KNOWN_ERRORS: tuple[KnownError, ...] = (
    BINLOG_PURGED,
    IMPOSSIBLE_POSITION,
    BINLOG_READ_ERROR,
    RELAY_LOG_CORRUPT,
    DUPLICATE_KEY,
    MISSING_ROW,
    MISSING_USER,
    MASTER_INFO,
    ACCESS_DENIED,
    NETWORK,
)

_ERRNO_IN_TEXT = re.compile(r"(?:fatal error|Error_code:|error(?: code)?)\s*(\d{4,5})\b", re.IGNORECASE)


def errno_in_text(text: str) -> int | None:
    """An error number quoted in ``text`` (``"Got fatal error 1236 …"``,
    ``"Error_code: 1062"``), or None."""
    m = _ERRNO_IN_TEXT.search(text or "")
    return int(m.group(1)) if m else None


def classify(errno: int | None, text: str = "") -> KnownError | None:
    """The :class:`KnownError` for ``errno`` and the server's message ``text``
    (``Last_IO_Error``/``Last_SQL_Error``/``Last_Error``), or None.

    The message decides between the 1236 forms: "could not find first log
    file" (purged, as in 'Fail over MySQL and Rails') vs "impossible position"
    (cut short by a crash, as in Jo Vandeginste's 'How to get an active-active
    MySQL setup back in sync after hard crash'); "Relay log read/write
    failure" means relay log corruption whatever the errno (that post shows it
    in ``Last_Error`` only). An errno of 0/None is
    taken from the text when it quotes one.
    """
    low = (text or "").lower()
    if "could not find first log file" in low:
        return BINLOG_PURGED
    if "impossible position" in low:
        return IMPOSSIBLE_POSITION
    if "relay log read failure" in low or "relay log write failure" in low:
        return RELAY_LOG_CORRUPT
    if not errno:
        errno = errno_in_text(text)
    if errno == 1236:
        return BINLOG_READ_ERROR
    for k in KNOWN_ERRORS:
        if errno in k.errnos and k.key not in ("binlog_purged", "impossible_position", "binlog_read_error"):
            return k
    if "duplicate entry" in low:
        return DUPLICATE_KEY
    if "access denied" in low:
        return ACCESS_DENIED
    if "can't connect" in low or "error connecting to master" in low or "error connecting to source" in low:
        return NETWORK
    return None


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
