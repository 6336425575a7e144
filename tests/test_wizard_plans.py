"""Wizard plans are pure data: golden previews per dialect, escaping of
hostile values, and the pre-flight checks' refusals.

Regenerate the golden files with ``UPDATE_GOLDEN=1 pytest tests/test_wizard_plans.py``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import canned
import pytest

from replui.model import BinlogCoordinates, Flavor
from replui.mysql.dialect import dialect_for
from replui.wizards import checks
from replui.wizards.catalogue import NAMES as WIZARDS
from replui.wizards.catalogue import build_plan
from replui.wizards.common import WizardError
from replui.wizards.context import StepContext
from replui.wizards.repoint import next_binlog_name, parse_coordinates
from replui.wizards.sql import (
    change_source,
    create_replication_user,
    mask,
    offline_literal,
    reset_replica,
    start_replica,
    stop_replica,
)

GOLDEN = Path(__file__).parent / "golden"
MARIADB = dialect_for("mariadb", "10.11.6-MariaDB")
MYSQL80 = dialect_for("mysql", "8.0.36")
MYSQL57 = dialect_for("mysql", "5.7.44")


def as_mysql80(scenario):
    cfg, sts = scenario
    return cfg, [
        replace(
            s,
            flavor=Flavor.MYSQL,
            version="8.0.36",
            server_uuid=f"00000000-0000-0000-0000-{s.server_id or 0:012d}",
        )
        if s.reachable
        else s
        for s in sts
    ]


CASES = {
    "restart-replication": (canned.unreachable_pair, {"node": "node1"}),
    "repoint-next-binlog": (canned.crashed_pair_after_hard_crash, {"node": "node2", "next_binlog": True}),
    "repoint-from-exec": (
        canned.crashed_pair_after_hard_crash,
        {"node": "node1", "from_exec_position": True},
    ),
    "repoint-to": (canned.crashed_pair_after_hard_crash, {"node": "node2", "to": "mysql-bin.000235:4"}),
    "reset-replica": (canned.replica_of_a_purged_source, {"node": "replica"}),
    "heartbeat": (canned.four_nodes, {"source": "src"}),
    "rebuild-replica": (canned.replica_1062, {"source": "source", "replica": "replica"}),
    "rebuild-replica-via-file": (
        canned.replica_1062,
        {"source": "source", "replica": "replica", "databases": "shop,crm", "via_file": True},
    ),
    "resync-pair": (canned.broken_pair_1062, {"authoritative": "node1", "other": "node2"}),
    "add-replica": (canned.chain_three, {"source": "a", "replica": "c"}),
    "compare-data": (canned.healthy_pair, {"source": "node1", "replica": "node2"}),
}


def _wizard_of(case: str) -> str:
    return next(w for w in WIZARDS if case.startswith(w))


@pytest.mark.parametrize("dialect", ["mariadb", "mysql80"])
@pytest.mark.parametrize("case", list(CASES))
def test_plan_preview_matches_golden_text(case, dialect):
    scenario, options = CASES[case]
    cfg, sts = scenario() if dialect == "mariadb" else as_mysql80(scenario())
    if case == "add-replica":  # c must not be a replica yet
        sts = [replace(s, channels=()) if s.name == "c" else s for s in sts]
    text = build_plan(_wizard_of(case), cfg, sts, **options).render()
    path = GOLDEN / f"{case}.{dialect}.txt"
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_mysql80_plans_use_replica_and_source_words():
    cfg, sts = as_mysql80(canned.crashed_pair_after_hard_crash())
    text = build_plan("repoint", cfg, sts, node="node2", next_binlog=True).render()
    assert (
        "STOP REPLICA;" in text
        and "CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='mysql-bin.000235', SOURCE_LOG_POS=4;" in text
    )
    assert "SLAVE" not in text.replace("SHOW SLAVE", "")


def test_statement_spellings_per_dialect():
    assert (stop_replica(MARIADB).sql, start_replica(MYSQL80).sql, reset_replica(MYSQL57, all=True).sql) == (
        "STOP SLAVE",
        "START REPLICA",
        "RESET SLAVE ALL",
    )
    assert (
        change_source(MYSQL57, log_file="f.1", log_pos=4).sql
        == "CHANGE MASTER TO MASTER_LOG_FILE='f.1', MASTER_LOG_POS=4"
    )
    assert change_source(dialect_for("mysql", "8.0.22"), log_pos=4).sql.startswith("CHANGE MASTER TO")
    assert change_source(MARIADB, use_gtid="slave_pos").sql == "CHANGE MASTER TO MASTER_USE_GTID=slave_pos"
    with pytest.raises(ValueError):
        change_source(MYSQL80, use_gtid="slave_pos")
    with pytest.raises(ValueError):
        change_source(MARIADB)


@pytest.mark.parametrize("dl", [MARIADB, MYSQL80])
def test_hostile_host_user_password_give_one_escaped_statement(dl):
    host, user, pw = "db'1\\x\n;DROP", "re'pl\\\n", "p'w\"\\;\nSTART SLAVE"
    st = change_source(
        dl, host=host, port=3306, user=user, password=pw, log_file="mysql-bin.000001", log_pos=4
    )
    # every literal is escaped: no raw quote, backslash or newline survives inside a literal
    assert "\n" not in st.sql
    assert (
        offline_literal(host) in st.sql and offline_literal(user) in st.sql and offline_literal(pw) in st.sql
    )
    assert "'db\\'1\\\\x\\n;DROP'" in st.sql
    # the shown text never holds the password
    assert pw not in st.shown and offline_literal(pw) not in st.shown and "PASSWORD='***'" in st.shown
    # one statement: outside literals there is no ';'
    outside, i, inq = [], 0, False
    while i < len(st.sql):
        c = st.sql[i]
        if inq and c == "\\":
            i += 2
            continue
        if c == "'":
            inq = not inq
        elif not inq:
            outside.append(c)
        i += 1
    assert not inq and ";" not in "".join(outside)


def test_replication_user_statements_mask_the_password():
    sts = create_replication_user(MARIADB, "re'pl", "%", "s3'cret")
    assert all("s3" not in s.shown for s in sts)
    assert "CREATE USER IF NOT EXISTS 're\\'pl'@'%' IDENTIFIED BY 's3\\'cret'" == sts[0].sql
    assert mask("pw is s3'cret and s3\\'cret", ["s3'cret"]) == "pw is *** and ***"


def test_add_replica_password_never_appears_in_the_plan(monkeypatch):
    monkeypatch.setenv("REPL_PW", "hunter'2\\")
    cfg, sts = canned.chain_three()
    sts = [replace(s, channels=()) if s.name == "c" else s for s in sts]
    plan = build_plan("add-replica", cfg, sts, source="a", replica="c", repl_password_env="REPL_PW")
    assert "hunter" not in plan.render() and "hunter'2\\" in plan.secrets


def test_bad_options_raise_wizard_error():
    cfg, sts = canned.crashed_pair_after_hard_crash()
    with pytest.raises(WizardError, match="exactly one"):
        build_plan("repoint", cfg, sts, node="node2")
    with pytest.raises(WizardError, match="no node named"):
        build_plan("restart-replication", cfg, sts, node="nope")
    with pytest.raises(WizardError, match="both node1"):
        build_plan("rebuild-replica", cfg, sts, source="node1", replica="node1")
    with pytest.raises(WizardError, match="FILE:POS"):
        parse_coordinates("mysql-bin.000001")
    assert (
        next_binlog_name("mysql-bin.000234") == "mysql-bin.000235" and next_binlog_name("b.999") == "b.1000"
    )


def test_next_binlog_prefers_the_file_the_source_lists():
    cfg, sts = canned.crashed_pair_after_hard_crash()
    plan = build_plan("repoint", cfg, sts, node="node2", next_binlog=True)
    assert plan.options["coordinates"] == "mysql-bin.000235:4"


# -- pre-flight refusals (pure: canned statuses, no server) ---------------------


def ctx_for(scenario, **values) -> StepContext:
    cfg, sts = scenario
    ctx = StepContext(config=cfg, statuses={s.name: s for s in sts})
    for key, value in values.items():
        setattr(ctx.state, key, value)
    ctx.state.offline = True
    return ctx


async def test_compare_data_refuses_a_replica_whose_sql_thread_does_not_run():
    from replui.wizards.compare_data import sql_thread_runs

    res = await sql_thread_runs("node2").evaluate(ctx_for(canned.broken_pair_1062()))
    assert not res.ok and "error 1062" in res.reason and "repair that first" in res.reason
    cfg, sts = canned.healthy_pair()
    stopped = [replace(s, channels=(replace(s.channels[0], sql_running="No"),)) for s in sts]
    res = await sql_thread_runs("node2").evaluate(ctx_for((cfg, stopped)))
    assert not res.ok and "Slave_SQL_Running is No" in res.reason and "start it first" in res.reason
    assert (await sql_thread_runs("node2").evaluate(ctx_for(canned.healthy_pair()))).ok
    with pytest.raises(WizardError, match="both node1"):
        build_plan("compare-data", cfg, sts, source="node1", replica="node1")


async def test_refuses_when_the_target_is_the_source():
    res = await checks.target_is_not("node1", "node1", "authoritative node").evaluate(
        ctx_for(canned.healthy_pair())
    )
    assert not res.ok and "authoritative node" in res.reason


async def test_refuses_when_the_target_is_not_a_replica_of_that_source():
    ctx = ctx_for(canned.four_nodes())
    res = await checks.replicates_from("rep3", "src").evaluate(ctx)
    assert not res.ok and "rep3 is not a replica of src" in res.reason and "rep2" in res.reason
    assert (await checks.replicates_from("rep2", "src").evaluate(ctx)).ok


async def test_refuses_when_server_ids_are_not_unique():
    cfg, sts = canned.healthy_pair()
    sts = [replace(s, server_id=7) for s in sts]
    res = await checks.server_ids_unique(["node1", "node2"]).evaluate(ctx_for((cfg, sts)))
    assert not res.ok and "both have server_id 7" in res.reason


async def test_refuses_when_log_bin_is_off_on_the_source():
    cfg, sts = canned.healthy_pair()
    sts = [replace(s, log_bin=False) if s.name == "node1" else s for s in sts]
    res = await checks.log_bin_on("node1").evaluate(ctx_for((cfg, sts)))
    assert not res.ok and "log_bin is OFF on node1" in res.reason


async def test_refuses_a_mysql_gtid_source_before_anything_changes():
    cfg, sts = canned.source_with_replicas()  # MySQL 8.4
    on = [replace(s, gtid_mode="ON") for s in sts]
    res = await checks.no_mysql_gtid_dump("src").evaluate(ctx_for((cfg, on)))
    assert not res.ok and "gtid_mode=ON" in res.reason and "RESET MASTER" in res.reason
    off = [replace(s, gtid_mode="OFF") for s in sts]
    assert (await checks.no_mysql_gtid_dump("src").evaluate(ctx_for((cfg, off)))).ok
    assert (await checks.no_mysql_gtid_dump("node1").evaluate(ctx_for(canned.healthy_pair()))).ok  # MariaDB


async def test_refuses_when_the_dump_has_no_coordinates():
    check = checks.coordinates_present(lambda ctx: ctx.state.coordinates, "the dump")
    assert not (await check.evaluate(ctx_for(canned.healthy_pair()))).ok
    ctx = ctx_for(canned.healthy_pair(), coordinates=BinlogCoordinates(None, None))
    assert "missing from the dump" in (await check.evaluate(ctx)).reason


async def test_refuses_when_the_source_no_longer_has_the_binlog_file():
    ctx = ctx_for(
        canned.replica_of_a_purged_source(), coordinates=BinlogCoordinates("mysql-bin.000002", 5123)
    )
    check = checks.source_has_binlog("source", lambda c: c.state.coordinates)
    res = await check.evaluate(ctx)
    assert not res.ok and "mysql-bin.000002 is no longer there: source purged it" in res.reason
    ctx.state.coordinates = BinlogCoordinates("mysql-bin.000006", 4)
    assert (await check.evaluate(ctx)).ok


async def test_refuses_an_impossible_position():
    ctx = ctx_for(
        canned.crashed_pair_after_hard_crash(), coordinates=BinlogCoordinates("mysql-bin.000234", 173841457)
    )
    res = await checks.source_has_binlog("node1", lambda c: c.state.coordinates).evaluate(ctx)
    assert not res.ok and "impossible position" in res.reason


def test_cli_names_match_the_registry():
    from replui.wizards.cli import WIZARD_NAMES

    assert WIZARD_NAMES == tuple(WIZARDS)


def test_cli_parses_wizard_options():
    import argparse

    from replui.wizards.cli import _options, add_wizard_parser

    parser = argparse.ArgumentParser()
    add_wizard_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["wizard", "repoint", "--node", "node2", "--next-binlog", "--dry-run"])
    assert args.name == "repoint" and args.dry_run and not args.yes
    assert _options(args) == {"node": "node2", "next_binlog": True, "timeout": 120.0}


def test_rebuild_replica_says_when_it_re_points_a_replica_of_a_third_node(monkeypatch):
    cfg, sts = canned.chain_three()  # c replicates from b
    monkeypatch.setenv("RPW", "pw")
    plan = build_plan(
        "rebuild-replica", cfg, sts, source="a", replica="c", repl_user="repl", repl_password_env="RPW"
    )
    assert "c replicates from b today; after this, from a." in plan.summary
    step = next(s for s in plan.steps if s.id == "change-master")
    assert step.destructive and "from b to a" in step.title and "c replicates from b today" in step.why
