"""``create-repl-user --node N --repl-password-env VAR [--user USER]``: N's SQL
thread stopped with 1133 ("Can't find any matching row in the user table")
on a replicated ``SET PASSWORD``/``GRANT`` for an account N does not have —
'Fail over MySQL and Rails': "The repl user needs to be set on each of the
machines that are part of the replication".

The account is copied from N's source: the host parts it has there (not a
guessed ``'%'``), its plugin and its grants, read from the source's own
tables (:mod:`replui.wizards.accounts`), with the password from an
environment variable (never the command line; masked everywhere), proven to
be the source's before anything changes. It is created on N with
``sql_log_bin=0`` (in a master⇄master pair, a binlogged ``CREATE USER`` would
reach the source, which has the account, and stop it there), then ``START
SLAVE`` runs the failed statement again; the run ends when N's SQL thread
runs without error and has caught up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AsyncIterator

from replui.config import Config
from replui.mysql.dialect import Dialect
from replui.sources import RAILS_FAILOVER
from replui.wizards import checks
from replui.wizards.accounts import (
    Account,
    AccountError,
    account_in_error,
    create_account,
    is_native,
    native_hash,
)
from replui.wizards.add_replica import password_works
from replui.wizards.common import (
    Statuses,
    WizardError,
    dialect_of,
    identities,
    need_replica,
    password_from_env,
    source_of,
    status_map,
    verify_sql,
)
from replui.wizards.context import StepContext
from replui.wizards.plan import VERIFY_TIMEOUT, Check, CheckResult, Event, OutputLine, Plan, Step, StepFailed
from replui.wizards.sql import MASK, offline_literal, show_replica_status
from replui.wizards.steps import start_step, status_step, verify_step


@dataclass
class Found:
    """What the ``read-accounts`` step found (this plan's run state):
    ``on_source`` every account of the user on the source (the one host part
    when the error names it), ``on_node`` the host parts the node already
    has, ``missing`` the accounts to create."""

    on_source: list[Account] = field(default_factory=list)
    on_node: list[str] = field(default_factory=list)
    read: bool = False

    @property
    def missing(self) -> list[Account]:
        return [a for a in self.on_source if a.host not in self.on_node]


def _who(user: str, host: str | None) -> str:
    return f"{offline_literal(user)}@{offline_literal(host)}" if host is not None else offline_literal(user)


def read_accounts_step(source: str, node: str, user: str, host: str | None, found: Found) -> Step:
    """Read-only: the accounts named ``user`` on ``source`` (with their grants)
    and the host parts ``node`` has; kept in ``found``."""
    from replui.wizards.accounts import read_accounts

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        found.read = False
        try:
            found.on_source = await read_accounts(ctx, source, user, host)
        except AccountError as exc:
            raise StepFailed(str(exc)) from None
        rows = await ctx.query(node, "SELECT Host AS host FROM mysql.user WHERE User = %s", (user,))
        found.on_node = [str(r["host"]) for r in rows]
        found.read = True
        lit = ctx.literal(source)
        for a in found.on_source:
            grants = "; ".join(f"{', '.join(g.privileges)} ON {g.on}" for g in a.grants if g.privileges)
            where = "has it too" if a.host in found.on_node else "LACKS it"
            yield OutputLine(
                f"{source}: {a.shown(lit)} ({a.plugin or 'default plugin'}): {grants or 'USAGE only'}; "
                f"{node} {where}",
                "stdout",
            )
        if not found.on_source:
            yield OutputLine(f"{source} has no account {_who(user, host)}", "stdout")

    return Step(
        id="read-accounts",
        title=f"Read the account on {source} and look for it on {node}",
        why=f"The account is copied as {source} has it — host part, plugin and grants — instead of guessing "
        f"'%'; only what {node} lacks is created.",
        preview=(
            "SELECT Host, plugin, authentication_string FROM mysql.user "
            f"WHERE User = {offline_literal(user)} on {source}\n"
            f"information_schema.USER_PRIVILEGES, SCHEMA_PRIVILEGES, TABLE_PRIVILEGES on {source}\n"
            f"SELECT Host FROM mysql.user WHERE User = {offline_literal(user)} on {node}"
        ),
        run=run,
        target=source,
    )


def missing_check(source: str, node: str, user: str, host: str | None, found: Found) -> Check:
    """After ``read-accounts``: the account exists on ``source`` and ``node`` lacks it."""

    def run(ctx: StepContext) -> CheckResult:
        if not found.read:
            return CheckResult(False, "the accounts were not read")
        who = _who(user, host)
        if not found.on_source:
            return CheckResult(
                False,
                f"{source} has no account {who} either: name the account of the failed statement with --user",
            )
        if not found.missing:
            return CheckResult(
                False,
                f"{node} has {who} on every host part {source} has it: the 1133 has another cause (read "
                f"{node}'s Last_SQL_Error)",
            )
        return CheckResult(True, f"{node} lacks {', '.join(a.shown(offline_literal) for a in found.missing)}")

    return Check(
        f"{node} lacks the account {source} has", run, before="create-user", needs=("read-accounts",)
    )


def password_check(source: str, password: str, found: Found) -> Check:
    """After ``read-accounts``: the password is the one ``source`` stores for
    each account to create — its ``mysql_native_password`` hash compared, or
    (other plugins) a login as that user on ``source``."""

    async def run(ctx: StepContext) -> CheckResult:
        for a in found.missing:
            if is_native(a):
                if native_hash(password) != a.auth.upper():
                    return CheckResult(
                        False,
                        f"the password given is not the one {source} stores for {a.shown(offline_literal)}: "
                        "give that one (the account must have the same password on every node)",
                    )
                continue
            res = await password_works(source, a.user, a.host, password).evaluate(ctx)
            if not res.ok:
                return res
        return CheckResult(True)

    return Check(
        f"the password given is the one {source} stores", run, before="create-user", needs=("read-accounts",)
    )


def create_user_step(node: str, source: str, dl: Dialect, password: str, user: str, found: Found) -> Step:
    """Destructive: with ``sql_log_bin=0`` (set back to 1 on every exit),
    create on ``node`` every account of ``found.missing`` with its grants."""

    async def run(ctx: StepContext) -> AsyncIterator[Event]:
        if not found.missing:
            raise StepFailed(f"nothing to create on {node}: the accounts were not read")
        lit = ctx.literal(node)
        await ctx.execute(node, "SET SESSION sql_log_bin=0")
        try:
            for a in found.missing:
                for st in create_account(dl, a, password, lit):
                    await ctx.execute(node, st.sql, shown=st.shown)
        finally:
            await ctx.execute(node, "SET SESSION sql_log_bin=1")
        created = ", ".join(a.shown(lit) for a in found.missing)
        yield OutputLine(f"created on {node}, not binlogged: {created}", "stdout")

    def render(ctx: StepContext) -> str:
        if not found.missing:
            raise LookupError("accounts not read yet")
        lit = ctx.literal(node)
        shown = [st.shown for a in found.missing for st in create_account(dl, a, MASK, lit)]
        return "\n".join(["SET SESSION sql_log_bin=0", *shown, "SET SESSION sql_log_bin=1"]) + ";"

    placeholder = Account(user, "<host part on " + source + ">", "", "", ())
    preview = "\n".join(
        [
            "SET SESSION sql_log_bin=0;",
            create_account(dl, placeholder, "x", offline_literal)[0].shown + ";",
            f"GRANT <{source}'s grants, level by level> TO {placeholder.shown(offline_literal)};",
            "SET SESSION sql_log_bin=1;",
        ]
    )
    return Step(
        id="create-user",
        title=f"Create the account on {node}, as {source} has it",
        why=f"{RAILS_FAILOVER}: 'The repl user needs to be set on each of the machines that are part of the "
        f"replication'. Same host part, plugin, password and grants as on {source}; not written to {node}'s "
        f"binlog (sql_log_bin=0), so it does not replicate back to {source}, which has it.",
        preview=preview,
        run=run,
        target=node,
        destructive=True,
        render=render,
    )


def build_create_repl_user_plan(
    config: Config,
    statuses: Statuses,
    *,
    node: str | None = None,
    user: str | None = None,
    repl_password_env: str | None = None,
    timeout: float = VERIFY_TIMEOUT,
    **_: object,
) -> Plan:
    """Plan: show N's status, read the account on N's source and on N
    (read-only; then checked: N lacks it, the password is the source's),
    create it on N without binlogging, ``START SLAVE``, verify N's SQL thread
    runs and catches up. ``user`` defaults to the account the failed
    statement names in N's ``Last_SQL_Error`` (its host part too), else the
    user N replicates as. WizardError when N is not a replica of a
    configured node, or the password variable is missing or unset."""
    sts = status_map(statuses)
    st, ch = need_replica(config, sts, node, "--node", "no replicated statement to repair")
    assert node is not None
    if not repl_password_env:
        raise WizardError(
            "--repl-password-env VAR is required: the name of an environment variable holding the "
            "account's password (the one its source stores; never given on the command line)"
        )
    password = password_from_env(repl_password_env)
    source = source_of(sts, node)
    if source is None:
        raise WizardError(f"{node}'s source is not a configured node: the account is read there")
    named = account_in_error(ch.last_sql_error or "") if ch is not None else None
    host: str | None = None
    if user is None:
        if named is not None:
            user, host = named
        elif ch is not None and ch.source_user:
            user = ch.source_user
        else:
            raise WizardError(
                f"give --user: {node}'s error names no account and its replication user is unknown"
            )
    elif named is not None and named[0] == user:
        host = named[1]
    dl = dialect_of(sts, node)
    found = Found()
    steps = (
        status_step(
            "before",
            f"Show {node}'s replica status",
            "Record the error before changing anything (1133: the account is missing on this node).",
            node,
            show_replica_status(dl).sql,
        ),
        read_accounts_step(source, node, user, host, found),
        create_user_step(node, source, dl, password, user, found),
        start_step(
            node, dl, "The SQL thread runs the statement that failed again, now that the account exists."
        ),
        verify_step(node, source, timeout=timeout, **verify_sql(sts, node, source)),
    )
    pre = (
        checks.reachable(node, source),
        checks.replicates_from(node, source),
        missing_check(source, node, user, host, found),
        password_check(source, password, found),
    )
    error = (
        f"{node} reports {ch.label('last_sql_errno')} {ch.last_sql_errno}: {ch.last_sql_error}\n"
        if ch is not None and ch.last_sql_errno
        else ""
    )
    summary = (
        f"Create the account {_who(user, host)} on {node} as {source} has it (host part, plugin, grants), "
        f"password from ${repl_password_env}, not binlogged; then START SLAVE on {node}.\n" + error
    )
    return Plan(
        "create-repl-user",
        f"Create the replication account on {node}",
        summary,
        steps,
        pre,
        identities(sts, [node, source]),
        (password,),
        {"node": node, "user": user, "repl_password_env": repl_password_env},
    )
