"""Read a server's error log for what ``SHOW SLAVE STATUS`` cannot show: that
the server could not read its replication metadata.

A replica whose ``master.info`` (MySQL: the connection metadata repository)
is unusable shows an *empty* replica status, exactly like a server that
replicates from nobody; ``START SLAVE`` then fails with 1201, as in 'Fail
over MySQL and Rails'. The server says why only in its error log, at start-up
and at each ``START SLAVE``:

- MariaDB (``sql/rpl_mi.cc``, ``sql/slave.cc``): "Error reading master
  configuration", "Failed to initialize the master info structure",
  "Error reading relay log configuration";
- MySQL 5.7: "Failed to initialize the master info structure for channel
  ''; its record may still be present in 'mysql.slave_master_info' table",
  "Failed to create or recover replication info repositories";
- MySQL 8.0.26+: the same with "connection metadata structure" and
  "Error reading source configuration".

A failure counts only when nothing after it in the log shows the metadata
replaced or working: the server starting again (MariaDB 10.4+ "Starting
MariaDB … as process N", older servers and MySQL "… (mysqld 8.0.36) starting
as process N"; not "ready for connections", which a server with an
unreadable ``master.info`` logs *after* the failure),
``RESET SLAVE ALL`` (MariaDB: "Deleted Master_info file"), a ``CHANGE MASTER
TO`` ("'CHANGE MASTER TO executed'", MySQL 5.7 "… FOR CHANNEL '' executed",
8.0.23+ "'CHANGE REPLICATION SOURCE TO FOR CHANNEL '' executed'") or a
replication thread started ("Slave SQL thread initialized", "Slave I/O
thread: connected to master", MySQL 8.0.26+ "Replica …"), as the lab's own
servers log them.
"""

from __future__ import annotations

import re

#: A line saying the server could not read its replication metadata (wordings above).
METADATA_FAILURE = re.compile(
    r"Error reading (?:master|source|relay log) configuration"
    r"|Failed to initiali[sz]e (?:the )?(?:master info|connection metadata) structure"
    r"|Failed to create or recover replication info repositor",
    re.IGNORECASE,
)
#: A line after which earlier failures no longer count (see above).
METADATA_SETTLED = re.compile(
    r"\bstarting\b.*\bas process \d+"
    r"|Deleted Master_info file"
    r"|'CHANGE (?:MASTER|REPLICATION SOURCE) TO[^']*executed'"
    r"|(?:Slave|Replica) SQL thread\b[^,]*\binitialized"
    r"|(?:Slave|Replica) I/O thread\b.*\bconnected to (?:master|source)",
    re.IGNORECASE,
)
#: Longest failure line kept (characters).
LINE_LIMIT = 300


def metadata_failure(text: str) -> str | None:
    """The last line of ``text`` (the tail of an error log) saying the server
    could not read its replication metadata, when no line after it matches
    :data:`METADATA_SETTLED`; None when there is no such line. The line comes back stripped and cut to
    :data:`LINE_LIMIT` characters."""
    found: str | None = None
    for line in text.splitlines():
        if METADATA_SETTLED.search(line):
            found = None
        elif METADATA_FAILURE.search(line):
            found = line.strip()
    if found is not None and len(found) > LINE_LIMIT:
        found = found[: LINE_LIMIT - 1] + "…"
    return found
