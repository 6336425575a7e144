"""Shared helpers for the tests on the real lab (the ``lab`` fixture of conftest.py):
waiting on the servers, and breaks made the way the runbooks describe them."""

from __future__ import annotations

import time


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def break_with_duplicate_key(lab, key: int = 9001) -> None:
    """The cause in 'MySQL Replication Error' (Chameleon Cloud): a row written
    on node2 with sql_log_bin=0 (so it does not replicate back), then the same
    primary key written on node1. A row with that key left by an earlier test
    (a healed lab carries node1's rows everywhere) is removed first, on both nodes."""
    for name in ("node1", "node2"):
        lab.sql(name, ["SET sql_log_bin=0", f"DELETE FROM shop.customers WHERE id={key:d}"])
    lab.sql(
        "node2",
        [
            "SET sql_log_bin=0",
            "INSERT INTO shop.customers (id, name, email, city, created_at) "
            f"VALUES ({key}, 'stray', 'stray{key}@example.com', 'Nowhere', NOW())",
        ],
    )
    lab.sql(
        "node1",
        [
            "INSERT INTO shop.customers (id, name, email, city, created_at) "
            f"VALUES ({key}, 'real', 'real{key}@example.com', 'Lisbon', NOW())",
        ],
    )

    def errored():
        row = lab.replica_status("node2")
        return row and int(row.get("Last_SQL_Errno") or 0) == 1062

    wait_for(errored, what="node2 to stop with 1062")
