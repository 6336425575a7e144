"""``replui lab check``: is the lab healthy again after a break?

Healthy means: every server runs; server ids are distinct; every replica's
IO and SQL threads run without an error and it has executed its source's
binlog up to the source's current position (waited for up to ``wait``
seconds: a replica still retrying a source that just came back, or that just
reconnected and catches up); every table of
every user database has the same ``CHECKSUM TABLE`` on every node, and no
table exists on some nodes only. Anything else is named, one line each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from replui.lab import load

if TYPE_CHECKING:
    from replui.lab.lab import Lab

#: Seconds ``check`` waits for replicas to reconnect and catch up before it calls them broken or behind.
CATCH_UP_WAIT = 15.0


@dataclass
class Verdict:
    """``problems`` is empty when the lab is healthy; ``checked`` counts the
    tables compared."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def healthy(self) -> bool:
        return not self.problems


def channel_problem(lab: Lab, replica: str, source: str) -> str | None:
    """What is wrong with ``replica``'s channel from ``source`` (no status,
    an error, a thread not running), or None."""
    row = lab.replica_status(replica)
    if not row:
        return f"{replica} does not replicate from {source} (no replica status)"
    for thread, errno_key, error_key in (
        ("Slave_IO_Running", "Last_IO_Errno", "Last_IO_Error"),
        ("Slave_SQL_Running", "Last_SQL_Errno", "Last_SQL_Error"),
    ):
        if int(str(row.get(errno_key) or 0)):
            return f"{replica}: error {row[errno_key]}: {row.get(error_key)}"
        if row.get(thread) != "Yes":
            return f"{replica}: {thread} is {row.get(thread)}"
    return None


def reconnecting(lab: Lab, replica: str) -> bool:
    """Whether ``replica``'s IO thread is retrying its source (``Slave_IO_Running``
    ``Connecting`` with a client error 2xxx, such as 2003 while the source
    restarts) while its SQL thread runs without error: it heals by itself
    within ``MASTER_CONNECT_RETRY`` seconds of the source answering again."""
    row = lab.replica_status(replica) or {}
    io_errno = int(str(row.get("Last_IO_Errno") or 0))
    return (
        row.get("Slave_IO_Running") == "Connecting"
        and 2000 <= io_errno < 3000
        and row.get("Slave_SQL_Running") == "Yes"
        and not int(str(row.get("Last_SQL_Errno") or 0))
    )


def _behind(lab: Lab, replica: str, source: str) -> str | None:
    file, pos = lab.master_status(source)
    row = lab.replica_status(replica) or {}
    done = (str(row.get("Relay_Master_Log_File")), int(str(row.get("Exec_Master_Log_Pos") or 0)))
    if done >= (file, pos):
        return None
    return f"{replica} has executed {source}'s binlog up to {done[0]}:{done[1]}, {source} is at {file}:{pos}"


def _checksums(lab: Lab, verdict: Verdict) -> None:
    tables: dict[str, dict[str, int | None]] = {}
    for name in lab.names:
        for db in lab.user_databases(name):
            q = "`" + db.replace("`", "``") + "`"
            for table, *_ in lab.sql(name, f"SHOW FULL TABLES FROM {q} WHERE Table_type='BASE TABLE'"):
                t = "`" + str(table).replace("`", "``") + "`"
                (row,) = lab.sql(name, f"CHECKSUM TABLE {q}.{t}")
                tables.setdefault(f"{db}.{table}", {})[name] = None if row[1] is None else int(row[1])
    for table, sums in sorted(tables.items()):
        verdict.checked += 1
        missing = [n for n in lab.names if n not in sums]
        if missing:
            verdict.problems.append(f"{table} is missing on {', '.join(missing)}")
        elif len(set(sums.values())) > 1:
            figures = ", ".join(f"{n} {s}" for n, s in sums.items())
            verdict.problems.append(f"{table} differs between nodes (CHECKSUM TABLE: {figures})")


def check_lab(lab: Lab, wait: float = CATCH_UP_WAIT) -> Verdict:
    """The :class:`Verdict` on ``lab``. Never raises for an unhealthy lab
    (that is a problem in the verdict); LabError only when the lab directory
    is unusable."""
    v = Verdict()
    lab.reload()
    down = [n for n in lab.names if not lab.is_alive(n)]
    v.problems += [f"{n} is not running (replui lab start-node {n})" for n in down]
    if down:
        return v
    ids: dict[int, str] = {}
    for n in lab.names:
        sid = int(lab.sql(n, "SELECT @@server_id")[0][0])
        if sid in ids:
            v.problems.append(f"{n} and {ids[sid]} have the same server_id {sid}")
        ids.setdefault(sid, n)
    deadline = time.monotonic() + wait
    while True:  # a replica retrying a source that just came back is waited for, like catching up
        failing = [(r, p) for r, s in lab.edges if (p := channel_problem(lab, r, s))]
        if not failing or time.monotonic() >= deadline or not all(reconnecting(lab, r) for r, _ in failing):
            break
        time.sleep(0.5)
    if failing:
        v.problems += [p for _, p in failing]
        return v
    behind: list[str] = []
    while True:
        behind = [b for r, s in lab.edges if (b := _behind(lab, r, s))]
        if not behind or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    v.problems += behind
    still = load.running(lab.dir)
    if still:
        v.problems.append(f"the write load on the lab still runs ({still[1]:.0f} s left)")
    if not behind:
        _checksums(lab, v)
    return v
