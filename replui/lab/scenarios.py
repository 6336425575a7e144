"""Break the running lab the way real incidents do, for training and tests.

Each :class:`Scenario` breaks real servers with real statements, files and
signals — no status is faked — and names what the dashboard should then show
(the finding code and error number), the wizard whose advice repairs it, and
hints for a trainee, one at a time. ``replui lab scenarios`` lists them,
``replui lab break NAME`` runs one, ``replui lab check`` says whether the lab is
healthy again (:mod:`replui.lab.check`).

The incidents come from the runbooks of :mod:`replui.sources`: a write on a
replica and a missing row ('MySQL Replication Error', Chameleon Cloud;
'Fixing MySQL Multi-Master Replication'), purged binlogs and unusable
master.info ('Fail over MySQL and Rails'), a binlog cut short and a damaged
relay log after a hard crash, and the replication user missing on one side
('How to get an active-active MySQL setup back in sync after hard crash').

Every break raises :class:`~replui.lab.server.LabError` with a message fit
for a user, or TimeoutError when the servers never showed the failure.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from replui.lab import load
from replui.lab import replication as rep
from replui.lab.server import LabError
from replui.lab.state import REPL_USER

if TYPE_CHECKING:
    from replui.lab.lab import Lab

#: Where the scenario last broken is written in the lab directory (read by ``lab check`` and ``train``).
BROKEN_FILE = "scenario.json"
#: How long a break waits for the servers to show the failure (seconds).
SHOW_TIMEOUT = 60.0


@dataclass(frozen=True)
class Roles:
    """The two nodes a scenario works on: ``replica`` replicates from ``source``."""

    source: str
    replica: str


@dataclass(frozen=True)
class Broken:
    """What a break did: the scenario's ``name``, the nodes (``roles``),
    ``detail`` (one line a trainer may read; never shown before the hints),
    ``started`` (Unix time, seconds), the ``expected`` finding code and
    ``errno`` on ``roles.replica`` (None where the dashboard cannot see it)
    and the ``repair`` command (after ``replui wizard``; "" by hand)."""

    name: str
    roles: Roles
    detail: str
    started: float
    expected: str | None
    errno: int | None
    repair: str

    def save(self, lab_dir: Path) -> None:
        """Write it to ``lab_dir/scenario.json`` (mode 0600)."""
        path = lab_dir / BROKEN_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)

    @classmethod
    def load(cls, lab_dir: Path) -> "Broken | None":
        """The last break recorded in ``lab_dir``, or None (none, or unreadable)."""
        try:
            raw = json.loads((lab_dir / BROKEN_FILE).read_text(encoding="utf-8"))
            raw["roles"] = Roles(**raw["roles"])
            return cls(**raw)
        except (OSError, ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class BreakOptions:
    """Choices for a break: ``seed`` repeats the random ones (keys, rows, bytes);
    ``load_seconds`` bounds the write load of ``replica-lag`` (seconds)."""

    seed: int | None = None
    load_seconds: float = load.DEFAULT_SECONDS


BreakFn = Callable[["Lab", Roles, random.Random, BreakOptions], str]


@dataclass(frozen=True)
class Scenario:
    """One incident. ``summary`` is the one-line listing; ``expected`` the
    finding code on the replica once broken and ``errno`` its error number
    (None: not visible on the dashboard, e.g. data drift without an error);
    ``repair`` the ``replui wizard`` command the advice names, a template
    with ``{source}``/``{replica}`` ("" when it is fixed by hand: the hints
    say how), ``pair_repair`` the one for a master⇄master lab when it
    differs; ``pair_only`` when it needs master⇄master; ``hints`` are
    templates too, easiest last; ``origin`` the runbook it comes from;
    ``detect`` the wizard command that shows a break no finding shows (a
    template too; "" when the dashboard shows it)."""

    name: str
    summary: str
    expected: str | None
    errno: int | None
    repair: str
    hints: tuple[str, ...]
    run: BreakFn
    pair_only: bool = False
    origin: str = ""
    pair_repair: str = ""
    detect: str = ""

    def detect_for(self, roles: Roles) -> str:
        """:attr:`detect` with the nodes filled in ("" when there is none)."""
        return self.detect.format(source=roles.source, replica=roles.replica)

    def repair_for(self, topology: str, roles: Roles) -> str:
        """The wizard command line (after ``replui wizard``) in a lab of
        ``topology``, nodes filled in; "" when the repair is by hand."""
        template = self.pair_repair if topology == "master-master" and self.pair_repair else self.repair
        return template.format(source=roles.source, replica=roles.replica)

    def wizard_for(self, topology: str, roles: Roles) -> str | None:
        """The repair wizard's name, or None."""
        return self.repair_for(topology, roles).split(" ", 1)[0] or None

    def hint_texts(self, roles: Roles) -> list[str]:
        """The hints with the nodes' names filled in."""
        return [h.format(source=roles.source, replica=roles.replica) for h in self.hints]


# -- helpers -------------------------------------------------------------------------------------------------
def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _replica_row(lab: Lab, name: str) -> dict[str, object]:
    row = lab.replica_status(name)
    if not row:
        raise LabError(f"{name} is not a replica: nothing to break there")
    return row


def _wait_error(lab: Lab, replica: str, field_name: str, errnos: tuple[int, ...], what: str) -> int:
    """Wait until ``replica``'s ``Last_{IO,SQL}_Errno`` is one of ``errnos``; that errno."""

    def shown() -> int | None:
        row = lab.replica_status(replica) or {}
        got = int(str(row.get(field_name) or 0))
        return got if got in errnos else None

    got = rep.wait_for(shown, SHOW_TIMEOUT, f"{replica} showing {what}")
    assert got is not None  # wait_for returns only a truthy value
    return got


def _new_customer_id(lab: Lab, rng: random.Random, nodes: tuple[str, ...]) -> int:
    """A customer id free on every node in ``nodes``."""
    for _ in range(50):
        key = rng.randint(500_000, 900_000)
        if all(not lab.sql(n, "SELECT 1 FROM shop.customers WHERE id=%s", (key,)) for n in nodes):
            return key
    raise LabError("no free customer id found in shop.customers")


def _insert_customer(key: int, tag: str) -> tuple[str, tuple[object, ...]]:
    return (
        "INSERT INTO shop.customers (id, name, email, city, created_at) VALUES (%s, %s, %s, %s, NOW())",
        (key, f"Trainee {tag}", f"train{key}.{tag}@example.com", "Lisbon"),
    )


def _wait_caught_up(lab: Lab, roles: Roles) -> None:
    target = lab.master_status(roles.source)

    def reached() -> bool:
        row = lab.replica_status(roles.replica) or {}
        return (str(row.get("Master_Log_File")), int(str(row.get("Read_Master_Log_Pos") or 0))) >= target

    rep.wait_for(reached, SHOW_TIMEOUT, f"{roles.replica} receiving {roles.source}'s binlog")


def _restart(lab: Lab, name: str, broken: Roles) -> None:
    """Start ``name`` again and wait until every channel other than the broken
    one runs (a restarted node's own replicas reconnect within seconds)."""
    lab.start_node(name, wait_replication=False)
    for replica, _source in lab.edges:
        if replica == broken.replica:
            continue

        def running(r: str = replica) -> bool:
            return rep.threads_running(lab.replica_status(r))

        rep.wait_for(running, SHOW_TIMEOUT, f"replication on {replica} after {name} restarted")


# -- the breaks ----------------------------------------------------------------------------------------------
def _network_cut(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    lab.stop_node(roles.source)
    _wait_error(lab, roles.replica, "Last_IO_Errno", (2003, 2013, 2002, 2006), "a lost connection")
    return f"{roles.source}'s server was shut down; {roles.replica} keeps trying to reconnect"


def _write_on_replica(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    key = _new_customer_id(lab, rng, (roles.source, roles.replica))
    sql, args = _insert_customer(key, "replica")
    lab.sql(roles.replica, ["SET sql_log_bin=0", sql], args)
    sql, args = _insert_customer(key, "replica")  # the same key and email: the source's row collides
    lab.sql(roles.source, sql, args)
    _wait_error(lab, roles.replica, "Last_SQL_Errno", (1062,), "error 1062")
    return f"customer {key} was inserted on {roles.replica} directly, then on {roles.source}"


def _missing_row(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    ids = [int(r[0]) for r in lab.sql(roles.replica, "SELECT id FROM shop.customers ORDER BY id")]
    if not ids:
        raise LabError(f"{roles.replica} has no customers to delete: run `replui lab up` again")
    key = rng.choice(ids)
    lab.sql(roles.replica, ["SET sql_log_bin=0", f"DELETE FROM shop.customers WHERE id={key:d}"])
    lab.sql(roles.source, "UPDATE shop.customers SET city='Porto (moved)' WHERE id=%s", (key,))
    _wait_error(lab, roles.replica, "Last_SQL_Errno", (1032,), "error 1032")
    return f"customer {key} was deleted on {roles.replica} directly, then updated on {roles.source}"


def _binlog_purged(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    _replica_row(lab, roles.replica)
    lab.sql(roles.replica, "STOP SLAVE")
    for i in range(3):
        key = _new_customer_id(lab, rng, (roles.source,))
        sql, args = _insert_customer(key, f"purged{i}")
        lab.sql(roles.source, sql, args)
        lab.sql(roles.source, "FLUSH BINARY LOGS")
    current, _pos = lab.master_status(roles.source)
    lab.sql(roles.source, f"PURGE BINARY LOGS TO '{current}'")
    lab.sql(roles.replica, "START SLAVE")
    _wait_error(lab, roles.replica, "Last_IO_Errno", (1236,), "error 1236")
    return f"{roles.replica} was stopped while {roles.source} wrote, rotated and purged up to {current}"


def _crash_truncated_binlog(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    before_file, before_pos = lab.master_status(roles.source)
    for i in range(3):
        key = _new_customer_id(lab, rng, (roles.source, roles.replica))
        sql, args = _insert_customer(key, f"crash{i}")
        lab.sql(roles.source, sql, args)
    _wait_caught_up(lab, roles)
    lab.stop_node(roles.source)
    path = lab.node(roles.source).datadir / before_file
    with open(path, "r+b") as fh:  # as after a power loss: the tail the replica already read is gone
        fh.truncate(before_pos)
    _restart(lab, roles.source, roles)
    _wait_error(lab, roles.replica, "Last_IO_Errno", (1236,), "error 1236")
    return (
        f"{roles.source}'s {before_file} was cut at {before_pos} after {roles.replica} had read past it; "
        f"{roles.source} restarted on a new binlog file"
    )


def _relay_log_corrupt(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    _replica_row(lab, roles.replica)
    lab.sql(roles.replica, "STOP SLAVE SQL_THREAD")
    for i in range(3):
        key = _new_customer_id(lab, rng, (roles.source, roles.replica))
        sql, args = _insert_customer(key, f"relay{i}")
        lab.sql(roles.source, sql, args)
    _wait_caught_up(lab, roles)
    row = _replica_row(lab, roles.replica)
    relay_file, relay_pos = str(row["Relay_Log_File"]), int(str(row["Relay_Log_Pos"]))
    lab.stop_node(roles.replica)
    path = lab.node(roles.replica).datadir / relay_file
    size = path.stat().st_size
    at = relay_pos + 40
    if at + 16 > size:
        raise LabError(f"{relay_file} on {roles.replica} holds no unexecuted event to damage")
    with open(path, "r+b") as fh:  # bytes of the next unexecuted event overwritten, as by a failing disk
        fh.seek(at)
        fh.write(bytes(rng.randrange(256) for _ in range(16)))
    _restart(lab, roles.replica, roles)
    _wait_error(lab, roles.replica, "Last_SQL_Errno", (1594, 1595), "a relay log read failure")
    return f"16 bytes of {relay_file} on {roles.replica} were overwritten after position {relay_pos}"


def _missing_repl_user(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    lab.sql(roles.replica, ["SET sql_log_bin=0", f"DROP USER IF EXISTS '{REPL_USER}'@'%'"])
    lab.sql(roles.source, f"SET PASSWORD FOR '{REPL_USER}'@'%%' = PASSWORD(%s)", (lab.repl_password,))
    _wait_error(lab, roles.replica, "Last_SQL_Errno", (1133, 1396), "error 1133")
    return f"{REPL_USER} was dropped on {roles.replica} only; {roles.source} then set its password"


def _master_info_broken(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    _replica_row(lab, roles.replica)
    lab.stop_node(roles.replica)
    path = lab.node(roles.replica).datadir / "master.info"
    path.write_text("not a number\n\x00\x00garbage\n", encoding="latin-1")
    _restart(lab, roles.replica, roles)

    def refused() -> str | None:
        try:
            lab.sql(roles.replica, "START SLAVE")
        except Exception as exc:  # noqa: BLE001 - the refusal is what we wait for
            return str(exc)
        return None

    rep.wait_for(refused, SHOW_TIMEOUT, f"{roles.replica} refusing START SLAVE")
    return f"{roles.replica}'s master.info was overwritten with garbage while it was stopped"


def _duplicate_server_id(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    sid = int(lab.sql(roles.source, "SELECT @@server_id")[0][0])
    lab.sql(roles.replica, ["STOP SLAVE", f"SET GLOBAL server_id={sid:d}", "START SLAVE"])
    _wait_error(lab, roles.replica, "Last_IO_Errno", (1593,), "equal server ids")
    return f"{roles.replica}'s server_id was set to {sid}, {roles.source}'s own"


def _pair_drift(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    ids = [int(r[0]) for r in lab.sql(roles.source, "SELECT id FROM shop.orders ORDER BY id")]
    if len(ids) < 2:
        raise LabError(f"{roles.source} has too few orders to drift")
    a, b = rng.sample(ids, 2)
    lab.sql(roles.source, ["SET sql_log_bin=0", f"UPDATE shop.orders SET status='cancelled' WHERE id={a:d}"])
    lab.sql(roles.replica, ["SET sql_log_bin=0", f"UPDATE shop.orders SET amount_cents=1 WHERE id={b:d}"])
    return f"order {a} changed on {roles.source} only and order {b} on {roles.replica} only"


def _replica_lag(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    seconds = opts.load_seconds
    load.start(lab, roles.source, seconds)

    def behind() -> bool:
        row = lab.replica_status(roles.replica) or {}
        return int(str(row.get("Seconds_Behind_Master") or 0)) >= 5

    rep.wait_for(behind, SHOW_TIMEOUT, f"{roles.replica} falling behind")
    return (
        f"{load.CLIENTS} clients write on {roles.source} for {seconds:.0f} s, faster than {roles.replica}'s "
        "single SQL thread can apply"
    )


def _wrong_repl_password(lab: Lab, roles: Roles, rng: random.Random, opts: BreakOptions) -> str:
    _replica_row(lab, roles.replica)
    wrong = "wrong-" + "".join(rng.choice("abcdefghkmnpqrstuvwxyz23456789") for _ in range(10))
    lab.sql(roles.replica, ["STOP SLAVE", "CHANGE MASTER TO MASTER_PASSWORD=%s"], (wrong,))
    lab.sql(roles.replica, "START SLAVE")
    _wait_error(lab, roles.replica, "Last_IO_Errno", (1045,), "error 1045")
    return f"{roles.replica}'s stored replication password was changed to a wrong one"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "network-cut",
        "the replica loses its source (the source's server goes down)",
        "io_error",
        2003,
        "",
        (
            "Which node has no pane data? Look at the Address row and the error in {source}'s pane.",
            "Read Last_IO_Error on {replica}: it cannot connect — to where?",
            "Bring {source} back (replui lab start-node {source}); {replica} reconnects by itself.",
        ),
        _network_cut,
    ),
    Scenario(
        "write-on-replica",
        "a row written on the replica, then the same key on the source → 1062",
        "sql_error",
        1062,
        "rebuild-replica --source {source} --replica {replica}",
        (
            "Look at Last_SQL_Error on {replica}: which key collides?",
            "Where did that row on {replica} come from, if {source} never sent it?",
            "Skipping the event hides the drift: rebuild {replica} from {source} (wizard rebuild-replica).",
        ),
        _write_on_replica,
        origin="'MySQL Replication Error' (Chameleon Cloud)",
        pair_repair="resync-pair --authoritative {source} --other {replica}",
    ),
    Scenario(
        "missing-row",
        "a row deleted on the replica, then updated on the source → 1032",
        "sql_error",
        1032,
        "rebuild-replica --source {source} --replica {replica}",
        (
            "Look at Last_SQL_Error on {replica}: which row could not be found?",
            "Is that row on {source}? On {replica}?",
            "{replica} has drifted: rebuild it from {source} (wizard rebuild-replica).",
        ),
        _missing_row,
        origin="'Fixing MySQL Multi-Master Replication'",
        pair_repair="resync-pair --authoritative {source} --other {replica}",
    ),
    Scenario(
        "binlog-purged",
        "the source purges binlogs the stopped replica still needs → 1236",
        "io_error",
        1236,
        "rebuild-replica --source {source} --replica {replica}",
        (
            "Look at Last_IO_Error on {replica}: which file does it ask for?",
            "Which binlog files does {source} still have (its oldest)? Compare with Master_Log_File.",
            "The events in between are gone: rebuild {replica} from {source} (wizard rebuild-replica).",
        ),
        _binlog_purged,
        origin="'Fail over MySQL and Rails'",
        pair_repair="resync-pair --authoritative {source} --other {replica}",
    ),
    Scenario(
        "crash-truncated-binlog",
        "the source's binlog cut short as after a power loss → 1236 impossible position",
        "io_error",
        1236,
        "repoint --node {replica} --next-binlog",
        (
            "Look at Last_IO_Error on {replica}: which file and position does it ask for?",
            "How big is that file on {source} now? Which file did {source} start after its restart?",
            "Point {replica} at the start of {source}'s next binlog file (wizard repoint --next-binlog).",
        ),
        _crash_truncated_binlog,
        origin="'How to get an active-active MySQL setup back in sync after hard crash'",
    ),
    Scenario(
        "relay-log-corrupt",
        "the replica's relay log damaged → relay log read failure (1594)",
        "sql_error",
        1594,
        "repoint --node {replica} --from-exec-position",
        (
            "Look at Last_SQL_Error on {replica}: is the source's binlog at fault, or {replica}'s relay log?",
            "Which source position did {replica} execute last (Relay_Master_Log_File, Exec_Master_Log_Pos)?",
            "Re-fetch from there (wizard repoint --from-exec-position).",
        ),
        _relay_log_corrupt,
        origin="'How to get an active-active MySQL setup back in sync after hard crash'",
    ),
    Scenario(
        "missing-repl-user",
        "the replication user missing on one side → 1133",
        "sql_error",
        1133,
        "create-repl-user --node {replica} --repl-password-env REPLUI_REPL_PASSWORD",
        (
            "Look at Last_SQL_Error on {replica}: which statement failed, about which user?",
            f"Does '{REPL_USER}'@'%' exist on {{replica}}? (SELECT user, host FROM mysql.user)",
            "Create the replication user on {replica} as on {source} (wizard create-repl-user).",
        ),
        _missing_repl_user,
        origin="'Fail over MySQL and Rails'",
    ),
    Scenario(
        "master-info-broken",
        "the replica's connection metadata unusable → 1201 on START SLAVE",
        "replica_metadata_unusable",
        1201,
        "reset-replica --node {replica} --source {source}",
        (
            "Does {replica} still show replica status? What does its error log say (the finding quotes it)?",
            "Where does {replica} keep its source's host, user and position (master.info)?",
            "Reset {replica}'s replica settings and point it again (wizard reset-replica --source {source}).",
        ),
        _master_info_broken,
        origin="'Fail over MySQL and Rails'",
    ),
    Scenario(
        "duplicate-server-id",
        "the replica has its source's server_id → 1593",
        "server_id_duplicate",
        1593,
        "",
        (
            "Compare the Server id rows of the panes.",
            "Look at Last_IO_Error on {replica}.",
            "Give {replica} its own server_id back (SET GLOBAL server_id=…, and in my.cnf); START SLAVE.",
        ),
        _duplicate_server_id,
    ),
    Scenario(
        "pair-drift",
        "the two sides of a master⇄master pair diverged (no error shown)",
        None,
        None,
        "resync-pair --authoritative {source} --other {replica}",
        (
            "Every thread runs and nothing is behind — is the data the same on both sides?",
            "Compare the tables on both sides at one binlog position: wizard compare-data --source {source} "
            "--replica {replica} (CHECKSUM TABLE on each).",
            "Make {replica} a copy of {source} again (wizard resync-pair).",
        ),
        _pair_drift,
        pair_only=True,
        origin="'Fixing MySQL Multi-Master Replication'",
        detect="compare-data --source {source} --replica {replica}",
    ),
    Scenario(
        "replica-lag",
        "sustained writes the replica cannot keep up with (bounded in time)",
        "lag_high",
        None,
        "",
        (
            "Look at Seconds_Behind_Master on {replica}: is it growing or shrinking?",
            "Is the IO thread behind (Read_Master_Log_Pos) or the SQL thread (Exec_Master_Log_Pos)?",
            "The load ends by itself: watch {replica} catch up; nothing to repair.",
        ),
        _replica_lag,
    ),
    Scenario(
        "wrong-repl-password",
        "the replica's stored replication password no longer matches → 1045",
        "io_error",
        1045,
        "set-repl-password --node {replica} --repl-password-env REPLUI_REPL_PASSWORD",
        (
            "Look at Last_IO_Error on {replica}: who refuses whom?",
            "Does the replication user still exist on {source}? Then which password is wrong?",
            "Store the right password on {replica} (wizard set-repl-password).",
        ),
        _wrong_repl_password,
    ),
)


def scenario(name: str) -> Scenario:
    """The scenario called ``name``. Raises LabError listing the names."""
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise LabError(f"no scenario {name!r}; one of: {', '.join(s.name for s in SCENARIOS)}")


def roles_for(lab: Lab, sc: Scenario) -> Roles:
    """The source and replica the scenario breaks: the first replication
    channel into a node other than node1 (node1 → node2 in both topologies).
    Raises LabError when the lab cannot host it (a pair-only scenario on a
    source-replica lab, or a lab without replication)."""
    if sc.pair_only and lab.topology != "master-master":
        raise LabError(f"{sc.name} needs a master-master lab: replui lab up --topology master-master")
    for replica, source in lab.edges:
        if replica != lab.names[0]:
            return Roles(source, replica)
    raise LabError(f"{sc.name} needs a lab with a replica: replui lab up --nodes 2")


def break_lab(lab: Lab, name: str, opts: BreakOptions | None = None) -> Broken:
    """Break the healthy, running ``lab`` with scenario ``name`` (``opts``:
    the random seed, the load's duration); record and return what was done. Raises
    LabError (a stopped node, a replication channel already failing, an
    unknown name, a lab that cannot host it),
    TimeoutError (the servers never showed the failure)."""
    sc = scenario(name)
    stopped = [n for n in lab.names if not lab.is_alive(n)]
    if stopped:
        raise LabError(
            f"{', '.join(stopped)} not running: replui lab up first (break works on a running lab)"
        )
    from replui.lab.check import channel_problem

    problems = [p for r, s in lab.edges if (p := channel_problem(lab, r, s))]
    if problems:
        raise LabError(
            f"the lab is already broken ({'; '.join(problems)}): repair it, or reset it with "
            f"replui lab heal --dir {lab.dir}"
        )
    if load.running(lab.dir):
        raise LabError("a write load still runs on the lab: wait for it to end, or replui lab heal")
    roles = roles_for(lab, sc)
    opts = opts or BreakOptions()
    rng = random.Random(opts.seed)
    started = time.time()
    detail = sc.run(lab, roles, rng, opts)
    broken = Broken(
        sc.name, roles, detail, started, sc.expected, sc.errno, sc.repair_for(lab.topology, roles)
    )
    broken.save(lab.dir)
    return broken
