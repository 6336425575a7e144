"""The repairs for a missing replication user (1133) and an unreadable
master.info (1201), as pure data: what is read from an error text and a
relay-log.info file, the escaped statements, the plans' order (nothing
changes before the checks that can refuse), and the advice's commands."""

from __future__ import annotations

from dataclasses import replace

import canned
import pytest

from replui.analysis.findings import analyse
from replui.mysql.dialect import dialect_for
from replui.wizards.accounts import Account, Grant, account_in_error, create_account, native_hash
from replui.wizards.catalogue import advice_command, build_plan
from replui.wizards.common import WizardError
from replui.wizards.context import StepContext
from replui.wizards.create_repl_user import Found, missing_check, password_check
from replui.wizards.relayinfo import parse_relay_log_info
from replui.wizards.sql import offline_literal

MARIADB = dialect_for("mariadb", "10.11.6-MariaDB")
MYSQL80 = dialect_for("mysql", "8.0.36")
ERR_1133 = (
    "Error 'Can't find any matching row in the user table' on query. Default database: ''. "
    "Query: 'SET PASSWORD FOR 'repl'@'%'='*7CB3B702B99D8540845A26BFFC7DD971A9617CD5''"
)
HOSTILE_1133 = (
    "Error 'Can't find any matching row in the user table' on query. Default database: ''. "
    "Query: 'GRANT SELECT ON `shop`.`customers` TO 'r\\'e\\\"p`l\\\\x;--'@'10.0.%\\''"
)


def pair_1133(error: str = ERR_1133):
    cfg, (a, b) = canned.healthy_pair()
    ch = replace(b.channels[0], sql_running="No", last_sql_errno=1133, last_sql_error=error)
    return cfg, [a, replace(b, channels=(ch,))]


def pair_without_status_on_node2():
    cfg, (a, b) = canned.healthy_pair()
    return cfg, [a, replace(b, channels=())]


# -- reading ---------------------------------------------------------------------------------------


def test_relay_log_info_gives_the_executed_source_coordinates():
    assert parse_relay_log_info("5\n./node2-relay-bin.000002\n555\nmysql-bin.000002\n385\n0\n") == (
        parse_relay_log_info("./node2-relay-bin.000002\n555\nmysql-bin.000002\n385\n")
    )
    c = parse_relay_log_info("5\n./node2-relay-bin.000002\n555\nmysql-bin.000002\n385\n0\n")
    assert (c.file, c.position) == ("mysql-bin.000002", 385)
    assert parse_relay_log_info("not a number\n\x00\x00garbage\n") is None
    assert parse_relay_log_info("5\n./r.000001\n4\n\n0\n") is None  # after RESET SLAVE: no source file
    assert parse_relay_log_info("./r.1\n4\n../etc/passwd\n4\n") is None


def test_the_account_named_in_the_error_text_escapes_undone():
    assert account_in_error(ERR_1133) == ("repl", "%")
    assert account_in_error(HOSTILE_1133) == ("r'e\"p`l\\x;--", "10.0.%'")
    assert account_in_error("Query: 'GRANT SELECT ON *.* TO `re``pl`@`10.%`'") == ("re`pl", "10.%")
    assert account_in_error("Error 'Duplicate entry' on query") is None


def test_the_native_password_hash_is_the_servers():
    assert native_hash("password") == "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"


# -- statements ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dl", [MARIADB, MYSQL80], ids=["mariadb", "mysql80"])
def test_hostile_account_gives_escaped_statements_and_masks_the_password(dl):
    acct = Account(
        "r'e\"p`l\\x;--",
        "10.0.%'",
        "mysql_native_password",
        "*HASH",
        (
            Grant(("REPLICATION SLAVE",), grantable=True),
            Grant(("SELECT",), "sh`op\\_x", ""),
            Grant(("INSERT", "UPDATE"), "shop", "cust`omers"),
        ),
    )
    sts = create_account(dl, acct, "p'w\\d", offline_literal)
    who = "'r\\'e\\\"p`l\\\\x;--'@'10.0.%\\''"
    how = "IDENTIFIED BY" if dl is MARIADB else "IDENTIFIED WITH mysql_native_password BY"
    assert [s.sql for s in sts] == [
        f"CREATE USER {who} {how} 'p\\'w\\\\d'",
        f"GRANT REPLICATION SLAVE ON *.* TO {who} WITH GRANT OPTION",
        f"GRANT SELECT ON `sh``op\\_x`.* TO {who}",
        f"GRANT INSERT, UPDATE ON `shop`.`cust``omers` TO {who}",
    ]
    assert sts[0].shown == f"CREATE USER {who} {how} '***'"
    assert all("p\\'w" not in s.shown for s in sts)


# -- create-repl-user ------------------------------------------------------------------------------


def test_create_repl_user_takes_the_account_from_the_error_and_never_shows_the_password(monkeypatch):
    monkeypatch.setenv("PW", "s3'cret")
    cfg, sts = pair_1133(HOSTILE_1133)
    plan = build_plan("create-repl-user", cfg, sts, node="node2", repl_password_env="PW")
    assert plan.options["user"] == "r'e\"p`l\\x;--"
    assert [s.id for s in plan.steps] == ["before", "read-accounts", "create-user", "start", "verify"]
    assert "'10.0.%\\''" in plan.summary
    assert "s3" not in plan.render() and "s3'cret" in plan.secrets
    checks = {c.name: c for c in plan.preflight}
    assert all(c.before == "create-user" for c in checks.values() if c.needs)


def test_create_repl_user_needs_the_password_variable_and_a_replica(monkeypatch):
    monkeypatch.delenv("PW", raising=False)
    cfg, sts = pair_1133()
    with pytest.raises(WizardError, match="--repl-password-env"):
        build_plan("create-repl-user", cfg, sts, node="node2")
    with pytest.raises(WizardError, match="PW is not set"):
        build_plan("create-repl-user", cfg, sts, node="node2", repl_password_env="PW")
    monkeypatch.setenv("PW", "x")
    with pytest.raises(WizardError, match="not a replica"):
        build_plan("create-repl-user", *pair_without_status_on_node2(), node="node2", repl_password_env="PW")


def _repl(host: str = "%", auth: str = native_hash("right")) -> Account:
    return Account("repl", host, "mysql_native_password", auth, (Grant(("REPLICATION SLAVE",)),))


async def test_create_repl_user_refuses_what_it_cannot_copy_or_need_not():
    ctx = StepContext(config=canned.healthy_pair()[0])
    nothing = await missing_check("node1", "node2", "repl", None, Found([], [], True)).evaluate(ctx)
    assert not nothing.ok and "node1 has no account 'repl' either" in nothing.reason
    present = await missing_check("node1", "node2", "repl", "%", Found([_repl()], ["%"], True)).evaluate(ctx)
    assert not present.ok and "another cause" in present.reason
    some = missing_check("node1", "node2", "repl", None, Found([_repl(), _repl("10.%")], ["%"], True))
    assert (await some.evaluate(ctx)).reason == "node2 lacks 'repl'@'10.%'"
    wrong = await password_check("node1", "wrong", Found([_repl()], [], True)).evaluate(ctx)
    assert not wrong.ok and "is not the one node1 stores" in wrong.reason
    assert (await password_check("node1", "right", Found([_repl()], [], True)).evaluate(ctx)).ok


# -- 1201: reset-replica and add-replica -----------------------------------------------------------


def test_reset_replica_on_an_empty_status_needs_the_source_and_changes_nothing_before_its_checks():
    cfg, sts = pair_without_status_on_node2()
    with pytest.raises(WizardError, match="1201.*--source NODE"):
        build_plan("reset-replica", cfg, sts, node="node2")
    plan = build_plan("reset-replica", cfg, sts, node="node2", source="node1")
    ids = [s.id for s in plan.steps]
    assert ids == [
        "before",
        "choose-coordinates",
        "create-user-source",
        "stop",
        "reset",
        "change-master",
        "start",
        "verify",
    ]
    assert not any(s.changes_server for s in plan.steps[: ids.index("create-user-source")])
    assert any("cannot be read" in c.name and not c.needs for c in plan.preflight)
    assert "RESET SLAVE ALL" in plan.render() and "mariadb-dump" not in plan.render()
    to = build_plan("reset-replica", cfg, sts, node="node2", source="node1", to="mysql-bin.000002:4")
    assert "mysql-bin.000002:4 (given with --to)" in to.render()


def test_reset_replica_with_a_status_keeps_its_source_and_connection_settings():
    cfg, sts = canned.replica_of_a_purged_source()
    with pytest.raises(WizardError, match="replica replicates from source, not from replica"):
        build_plan("reset-replica", cfg, sts, node="replica", source="replica")
    with pytest.raises(WizardError, match="keeps its connection settings"):
        build_plan("reset-replica", cfg, sts, node="replica", repl_user="repl", repl_password_env="PW")
    assert build_plan("reset-replica", cfg, sts, node="replica", source="source").wizard == "reset-replica"


def test_add_replica_clears_the_metadata_before_it_replaces_data():
    cfg, sts = canned.chain_three()
    sts = [replace(s, channels=()) if s.name == "c" else s for s in sts]
    plan = build_plan("add-replica", cfg, sts, source="a", replica="c")
    ids = [s.id for s in plan.steps]
    assert ids.index("reset-metadata") < ids.index("stream") < ids.index("change-master")
    assert not any(s.replaces_data for s in plan.steps[: ids.index("reset-metadata")])
    assert any("START SLAVE probe" in c.name for c in plan.preflight)


# -- advice ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "errno,kind,command",
    [
        (1133, "sql", "replui wizard create-repl-user --node r --repl-password-env REPLUI_REPL_PASSWORD"),
        (1201, "io", "replui wizard reset-replica --node r --source s"),
    ],
)
def test_the_advice_names_the_command_that_repairs(errno, kind, command):
    cfg = canned.config_for("s", "r")
    s = canned.node(cfg, "s", server_id=1, files=canned.binlogs(100))
    err = {f"last_{kind}_errno": errno, f"last_{kind}_error": ERR_1133 if errno == 1133 else "x"}
    r = canned.node(cfg, "r", server_id=2, channels=(canned.channel(s, **{kind: "No"}, lag=None, **err),))
    f = next(f for f in analyse([s, r]) if f.code == f"{kind}_error")
    assert advice_command(f) == command
    assert command.split(" --")[0] in f.advice
