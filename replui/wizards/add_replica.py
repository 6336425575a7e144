"""``add-replica --source S --replica R``: "MySQL Replication and Caucus"
(Charles Roth, 2014; sections IV-V: replication user, dump, restore,
``change master``, check both threads) and "Fail over MySQL and Rails" (the
Secondhand application's notes: server-id, log_bin, a least-privilege user
created on both sides — 1133 otherwise).

Pre-flight: both reachable, unique non-zero server_ids, ``log_bin`` on S, R
not already a replica, whether R's replication metadata can be read (a
``master.info`` it cannot read makes ``CHANGE MASTER`` fail with 1201 —
known before the data is replaced, and cleared by ``RESET SLAVE ALL`` right
after R is stopped: :mod:`replui.wizards.metadata`), R can reach S's
address, and where S filters its
binlog (``binlog-ignore-db``/``binlog-do-db``) the ``mysql`` schema is left
out (Charles Roth, section IV: "ignoring the mysql database is really important!").
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets as pysecrets
import socket
from dataclasses import dataclass
from typing import Iterable

from replui.config import Config
from replui.mysql.dialect import Dialect
from replui.sources import CAUCUS, RAILS_FAILOVER
from replui.transport.base import run_to_end
from replui.wizards import checks
from replui.wizards.common import (
    Statuses,
    WizardError,
    dialect_of,
    identities,
    need_node,
    password_from_env,
    status_map,
    verify_sql,
)
from replui.wizards.context import StepContext
from replui.wizards.mark import clear_mark_step
from replui.wizards.metadata import metadata_check, reset_metadata_step
from replui.wizards.plan import VERIFY_TIMEOUT, Check, CheckResult, Plan, Step
from replui.wizards.rebuild_replica import data_step_id, parse_databases, transfer_plan_steps
from replui.wizards.sql import Literal, Statement, create_replication_user, start_replica, stop_replica
from replui.wizards.steps import Make, sql_step, start_step, stop_step, verify_step
from replui.wizards.transfer import point_step, scope_step
from replui.wizards.verify_data import verify_data_step

SEEDS = f"{CAUCUS}, section IV, and {RAILS_FAILOVER}"


def binlog_filter_check(source: str) -> Check:
    def run(ctx: StepContext) -> CheckResult:
        st = ctx.statuses.get(source)
        b = st.binlog if st else None
        if b is None:
            return CheckResult(True)
        ignore = {x.strip().lower() for x in b.ignore_db.split(",") if x.strip()}
        do = {x.strip().lower() for x in b.do_db.split(",") if x.strip()}
        if (ignore or do) and "mysql" not in ignore and (not do or "mysql" in do):
            return CheckResult(
                False,
                f"{source} filters its binlog (Binlog_Do_DB={b.do_db!r}, Binlog_Ignore_DB={b.ignore_db!r}) "
                "but does not ignore 'mysql': permission changes would replicate and can stop the replica, "
                f"as {CAUCUS} warns",
            )
        return CheckResult(True)

    return Check(f"binlog-ignore-db covers mysql on {source} where filters are used", run)


#: A TCP connect test run on the replica's host: bash's /dev/tcp, else nc, else python3.
_REACH_SH = r"""h=$1; p=$2
if command -v bash >/dev/null 2>&1; then exec timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p"; fi
if command -v nc >/dev/null 2>&1; then exec nc -z -w 3 "$h" "$p"; fi
if command -v python3 >/dev/null 2>&1; then
  exec python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)' "$h" "$p"
fi
echo "no bash, nc or python3 there to test the connection with" >&2; exit 3
"""


def reach_check(replica: str, host: str, port: int) -> Check:
    """R can open a TCP connection to S's address, tested from where R's
    transport runs commands: R's own host when it is reached by SSH (the
    connection that matters is R's, not the jump host's); this machine for
    the lab."""

    async def run(ctx: StepContext) -> CheckResult:
        transport = ctx.transport(replica)
        if transport.name != "local":
            rc, _out, err = await run_to_end(transport, ["sh", "-c", _REACH_SH, "sh", host, str(port)], 15)
            if rc != 0:
                detail = " ".join(err.decode("utf-8", "replace").split())[-200:] or f"exit status {rc}"
                return CheckResult(
                    False,
                    f"{replica}'s host cannot reach {host}:{port}: {detail} (check the firewall, the "
                    "source's bind-address in my.cnf, and repl_host in the config)",
                )
            return CheckResult(True)

        def probe() -> None:
            with socket.create_connection((host, port), timeout=3):
                pass

        try:
            await asyncio.to_thread(probe)
        except OSError as exc:
            return CheckResult(
                False,
                f"{replica} cannot reach {host}:{port}: {exc.strerror or exc} (check the firewall and the "
                "source's bind-address in my.cnf)",
            )
        return CheckResult(True)

    return Check(f"{replica} can reach {host}:{port}", run)


def not_a_replica(node: str) -> Check:
    def run(ctx: StepContext) -> CheckResult:
        st = ctx.statuses.get(node)
        if st is not None and st.channels:
            return CheckResult(
                False,
                f"{node} is already a replica (of "
                f"{st.channels[0].source_host}:{st.channels[0].source_port}): use rebuild-replica",
            )
        return CheckResult(True)

    return Check(f"{node} is not a replica yet", run)


def per_replica_user(replica: str) -> str:
    """The replication account created for ``replica`` alone: ``replui_<replica>``,
    at most 32 characters (MySQL's limit for user names)."""
    return ("replui_" + replica)[:32]


def password_works(source: str, user: str, host: str, password: str) -> Check:
    """An existing account is reused only when the operator's password logs
    in with it: changing it would lock out every replica using it (1045 at
    their next reconnect). When ``'user'@'host'`` exists on ``source``
    (``mysql.user``), a login as ``user`` from replui must succeed."""

    async def run(ctx: StepContext) -> CheckResult:
        from replui.mysql.client import NodeClient, NodeError

        n = await ctx.scalar(
            source, "SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", (user, host)
        )
        if not n:
            return CheckResult(True)

        node = dataclasses.replace(
            ctx.config.node(source),
            user=user,
            password=password,
            password_env=None,
            password_command=None,
            defaults_file=None,
        )
        client = NodeClient(node)
        try:
            await asyncio.to_thread(client.query, "SELECT 1")
        except NodeError as exc:
            if exc.errno == 1045:
                return CheckResult(
                    False,
                    f"the password given does not log in as {user!r} on {source} ({exc}): if that account "
                    "exists, other replicas use its current password — give that one; "
                    "replui never changes it",
                )
            return CheckResult(False, f"cannot log in as {user!r} on {source}: {exc}")
        finally:
            client.close()
        return CheckResult(True)

    return Check(f"{user!r} logs in to {source} with the password given (or will be created with it)", run)


@dataclass(frozen=True)
class ReplAccount:
    """The account a replica's IO thread logs in with: ``user``, ``password``
    (a secret), ``shared`` when it is an existing account reused with the
    password from the environment variable ``env`` (never changed), else one
    for this replica alone with a generated password."""

    user: str
    password: str
    shared: bool
    env: str | None = None

    def describe(self, host: str, replica: str) -> str:
        """``account 'u'@'h' …`` for a step's why and a plan's summary (the password never shown)."""
        if self.shared:
            return (
                f"account '{self.user}'@'{host}' with the password from ${self.env}: reused as it is if it "
                "exists (its password is never changed), created otherwise"
            )
        return f"account '{self.user}'@'{host}' for {replica} alone, with a generated password (***)"


def choose_account(replica: str, repl_user: str | None, repl_password_env: str | None) -> ReplAccount:
    """With ``repl_password_env`` (the name of an environment variable holding
    the password): ``repl_user`` (default ``replui_repl``), shared. Without
    it: ``replui_<replica>`` with a generated password. WizardError for a
    ``repl_user`` without its password, or an unset variable."""
    if repl_password_env:
        return ReplAccount(
            repl_user or "replui_repl", password_from_env(repl_password_env), True, repl_password_env
        )
    if repl_user:
        raise WizardError(
            f"--repl-user {repl_user} needs --repl-password-env VAR: an existing account is reused only "
            "with its password (replui never changes it: other replicas log in with it); without "
            f"--repl-user, an account for {replica} alone ({per_replica_user(replica)}) is created"
        )
    return ReplAccount(per_replica_user(replica), pysecrets.token_urlsafe(18), False)


def account_sql(dl: Dialect, acct: ReplAccount, host: str) -> Make:
    """The statements creating ``acct`` at ``host`` with REPLICATION SLAVE, not
    binlogged (``sql_log_bin=0`` … ``=1``): an existing shared account keeps
    its password; one for a replica alone gets the generated one."""

    def make(ctx: StepContext | None, lit: Literal) -> list[Statement]:
        return [
            Statement.plain("SET SESSION sql_log_bin=0"),
            *create_replication_user(
                dl, acct.user, host, acct.password, literal=lit, set_password=not acct.shared
            ),
            Statement.plain("SET SESSION sql_log_bin=1"),
        ]

    return make


def build_add_replica_plan(
    config: Config,
    statuses: Statuses,
    *,
    source: str | None = None,
    replica: str | None = None,
    databases: str | Iterable[str] | None = None,
    via_file: bool = False,
    repl_user: str | None = None,
    repl_host: str = "%",
    repl_password_env: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: the replication account on S and on R (without binlogging it),
    the scope (read-only), stop R, ``RESET SLAVE ALL`` on R (it has no
    replica status: only left-over or unreadable metadata goes), copy the
    data (with the rebuild mark),
    ``CHANGE MASTER TO`` S's address with the account and the dump's
    coordinates, start, verify replication and the data, clear the mark.

    The account: with ``repl_password_env`` (the name of an environment
    variable holding the password) ``repl_user`` (default ``replui_repl``) is
    reused — its password is never changed, and a pre-flight login proves the
    password works when it exists — or created with that password. Without
    it, an account for this replica alone (``replui_<R>``) is created with a
    generated password. WizardError for unknown nodes, S == R, or a named
    account without its password."""
    sts = status_map(statuses)
    need_node(config, sts, source, "--source")
    need_node(config, sts, replica, "--replica")
    assert source is not None and replica is not None
    if source == replica:
        raise WizardError(f"--source and --replica are both {source}")
    acct = choose_account(replica, repl_user, repl_password_env)
    shared, pw, user = acct.shared, acct.password, acct.user
    ss, sr = dialect_of(sts, source), dialect_of(sts, replica)
    scfg = config.node(source)
    problem = scfg.source_address_problem()
    if problem:
        raise WizardError(problem)
    src_host, src_port = scfg.source_address
    dbs = parse_databases(databases)

    def user_sql(dl: Dialect) -> Make:
        return account_sql(dl, acct, repl_host)

    account = acct.describe(repl_host, replica)
    steps: list[Step] = [
        scope_step(source, dbs),
        sql_step(
            "create-user-source",
            f"Create the replication user on {source}",
            f"The {account}; REPLICATION SLAVE only (least privilege) for {replica}'s IO thread; not written "
            f"to the binlog. Created as in {SEEDS}.",
            source,
            user_sql(ss),
        ),
        sql_step(
            "create-user-replica",
            f"Create the same user on {replica}",
            f"Error 1133 in {RAILS_FAILOVER}: 'The repl user needs to be set on each of the machines that "
            f"are part of the replication' (a later master⇄master pair, or a failover, needs it on {replica} "
            "too).",
            replica,
            user_sql(sr),
        ),
        stop_step(
            "stop",
            f"Make sure replication is stopped on {replica}",
            f"'slave stop;', as in {CAUCUS}, section V.",
            replica,
            stop_replica(sr),
            start_replica(sr),
        ),
        reset_metadata_step(replica, sr),
        *transfer_plan_steps(config, sts, source, replica, dbs, via_file, False, wizard="add-replica"),
        point_step(replica, source, sr, host=src_host, port=src_port, user=user, password=pw),
        start_step(replica, sr, f"'start slave; show slave status\\G', as in {CAUCUS}, section V."),
        verify_step(replica, source, timeout=timeout, **verify_sql(sts, replica, source)),
        verify_data_step(replica, source, sr, ss, timeout=timeout),
        clear_mark_step(replica),
    ]
    coords = lambda ctx: ctx.state.coordinates  # noqa: E731
    data_step = data_step_id(via_file)
    pre = [
        checks.reachable(source, replica),
        checks.target_is_not(replica, source, "source"),
        not_a_replica(replica),
        metadata_check(replica, reset_step="reset-metadata"),
        checks.server_ids_unique([source, replica]),
        checks.log_bin_on(source),
        *checks.dump_source_checks(source, sts.get(source)),
        *checks.remote_tool_checks(
            source, replica, checks.tools_checked_ahead(config, source, replica), via_file=via_file
        ),
        *checks.file_space_checks(source, replica, via_file),
        binlog_filter_check(source),
        reach_check(replica, src_host, src_port),
    ]
    if shared:
        pre.append(password_works(source, user, repl_host, pw))
    pre += [
        checks.coordinates_present(coords, "the dump", before="change-master", needs=(data_step,)),
        checks.source_has_binlog(source, coords, before="change-master", needs=(data_step,)),
    ]
    summary = (
        f"Make {replica} a new replica of {source}: replication {account}; copy of "
        f"{', '.join(dbs) if dbs else 'every user database'}, then CHANGE MASTER to {src_host}:{src_port} "
        "at the dump's coordinates; the copy is verified table by table."
    )
    return Plan(
        "add-replica",
        f"Add {replica} as a replica of {source}",
        summary,
        tuple(steps),
        tuple(pre),
        identities(sts, [source, replica]),
        (pw,),
        {"source": source, "replica": replica, "databases": dbs, "via_file": via_file, "repl_user": user},
    )
