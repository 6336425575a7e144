"""Do no harm, on the real lab: everything knowable is refused before the
first change, other replicas are never collateral, writes reach only the
confirmed server (a switching proxy in front of the replica), "verified"
means the data matches, skipped events are never "verified", and an
interrupted rebuild leaves a mark the dashboard shows.

Each test broke (or was silently wrong) on the code before these rules.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io

import pytest

from replui.config import load_config
from replui.lab import replication as rep
from replui.monitor import Monitor
from replui.wizards.cli import add_wizard_parser, run_wizard

pytestmark = pytest.mark.lab


@pytest.fixture(autouse=True)
def _transcripts(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def wizard(lab, *argv: str, stdin: str | None = None, yes: bool = True) -> int:
    parser = argparse.ArgumentParser()
    add_wizard_parser(parser.add_subparsers(dest="command"))
    extra = ["--yes"] if yes else []
    args = parser.parse_args(["wizard", *argv, "--config", str(lab.config_path), *extra, "--timeout", "60"])
    return run_wizard(args, stdin=io.StringIO(stdin) if stdin is not None else None)


def threads(lab, name: str) -> tuple[str, str]:
    row = lab.replica_status(name)
    return row["Slave_IO_Running"], row["Slave_SQL_Running"]


def running_and_unchanged(lab, name: str, before: dict) -> bool:
    row = lab.replica_status(name)
    return (row["Slave_SQL_Running"], row["Master_Host"], row["Master_Port"]) == (
        "Yes",
        before["Master_Host"],
        before["Master_Port"],
    )


def checksums(lab, name: str, dbs=None) -> dict[str, int]:
    out = {}
    for db in dbs or lab.user_databases("node1"):
        for table, _kind in lab.sql(name, f"SHOW FULL TABLES FROM `{db}` WHERE Table_type = 'BASE TABLE'"):
            (row,) = lab.sql(name, f"CHECKSUM TABLE `{db}`.`{table}`")
            out[row[0]] = row[1]
    return out


def last_transcript(tmp_path) -> str:
    files = sorted((tmp_path / "state").rglob("*.md"), key=lambda p: p.stat().st_mtime)
    return files[-1].read_text()


# -- refuse before touching -------------------------------------------------------------------


def test_an_unknown_database_is_refused_before_replication_is_stopped(healthy_lab, capsys):
    lab = healthy_lab
    before = lab.replica_status("node2")
    assert (
        wizard(lab, "rebuild-replica", "--source", "node1", "--replica", "node2", "--databases", "nosuchdb")
        == 1
    )
    assert "nosuchdb" in capsys.readouterr().out
    assert threads(lab, "node2") == ("Yes", "Yes") and running_and_unchanged(lab, "node2", before)
    # --dry-run runs the same read-only checks, so it refuses too
    assert (
        wizard(
            lab,
            "rebuild-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--databases",
            "nosuchdb",
            "--dry-run",
            yes=False,
        )
        == 1
    )
    assert "nosuchdb" in capsys.readouterr().out


def test_a_database_named_dash_is_copied_like_any_other(healthy_lab):
    lab = healthy_lab
    lab.sql(
        "node1",
        [
            "CREATE DATABASE `-dash`",
            "CREATE TABLE `-dash`.t (id INT PRIMARY KEY, v VARCHAR(20))",
            "INSERT INTO `-dash`.t VALUES (1, 'one'), (2, 'two')",
        ],
    )
    lab.wait_caught_up(30)
    lab.sql("node2", ["SET sql_log_bin=0", "DELETE FROM `-dash`.t WHERE id = 2"])  # drifted on the replica
    try:
        assert wizard(lab, "rebuild-replica", "--source", "node1", "--replica", "node2") == 0
        assert lab.sql("node2", "SELECT id, v FROM `-dash`.t ORDER BY id") == [(1, "one"), (2, "two")]
        assert checksums(lab, "node1") == checksums(lab, "node2")
    finally:
        lab.sql("node1", "DROP DATABASE IF EXISTS `-dash`")
        lab.wait_caught_up(30)


def test_reset_replica_to_an_impossible_position_changes_nothing(healthy_lab, capsys):
    lab = healthy_lab
    file, _ = lab.master_status("node1")
    before = lab.replica_status("node2")
    assert wizard(lab, "reset-replica", "--node", "node2", "--to", f"{file}:999999999") == 1
    assert "past the end" in capsys.readouterr().out
    after = lab.replica_status("node2")
    assert (
        threads(lab, "node2") == ("Yes", "Yes")
        and after["Master_Log_File"]
        and running_and_unchanged(lab, "node2", before)
    )


def test_repoint_inside_an_event_or_to_a_future_file_is_refused_before_stopping(healthy_lab, capsys):
    lab = healthy_lab
    file, _ = lab.master_status("node1")
    assert (
        wizard(lab, "repoint", "--node", "node2", "--to", f"{file}:100") == 1
    )  # inside the format description event
    assert "not the start of an event" in capsys.readouterr().out
    base, num = file.rsplit(".", 1)
    future = f"{base}.{int(num) + 5:0{len(num)}d}"
    assert wizard(lab, "repoint", "--node", "node2", "--to", f"{future}:4") == 1
    out = capsys.readouterr().out
    assert "is not there" in out and "no longer" not in out
    assert threads(lab, "node2") == ("Yes", "Yes")


# -- other replicas are never collateral ------------------------------------------------------------


def test_add_replica_never_changes_the_password_of_an_account_other_replicas_use(
    healthy_lab, monkeypatch, capsys
):
    from replui.lab.state import REPL_USER

    lab = healthy_lab
    lab.sql(
        "node2", ["STOP SLAVE", "RESET SLAVE ALL"]
    )  # node2 becomes a new replica of node1; node1 still replicates from node2

    def node1_still_replicates() -> None:
        lab.sql(
            "node1", ["STOP SLAVE", "START SLAVE"]
        )  # a reconnect: a changed password fails here with 1045
        row = rep.wait_for(
            lambda: (lambda r: r if rep.threads_running(r) or int(r["Last_IO_Errno"] or 0) else None)(
                lab.replica_status("node1")
            ),
            30,
            "node1's IO thread connected or failed",
        )
        assert rep.threads_running(row) and not int(row["Last_IO_Errno"] or 0)

    assert (
        wizard(lab, "add-replica", "--source", "node1", "--replica", "node2", "--repl-user", REPL_USER) == 2
    )
    assert "needs --repl-password-env" in capsys.readouterr().err
    monkeypatch.setenv("WRONG_PW", "not-the-password")
    assert (
        wizard(
            lab,
            "add-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--repl-user",
            REPL_USER,
            "--repl-password-env",
            "WRONG_PW",
        )
        == 1
    )
    assert "does not log in" in capsys.readouterr().out
    node1_still_replicates()
    monkeypatch.setenv("REPL_PW", lab.repl_password)
    assert (
        wizard(
            lab,
            "add-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--repl-user",
            REPL_USER,
            "--repl-password-env",
            "REPL_PW",
        )
        == 0
    )
    assert lab.replica_status("node2")["Master_User"] == REPL_USER
    node1_still_replicates()


def test_a_non_ascii_replication_password_works(healthy_lab, monkeypatch):
    lab = healthy_lab
    lab.sql("node2", ["STOP SLAVE", "RESET SLAVE ALL"])
    monkeypatch.setenv("REPL_PW", "pä€ss-wörd")
    try:
        assert (
            wizard(
                lab,
                "add-replica",
                "--source",
                "node1",
                "--replica",
                "node2",
                "--repl-user",
                "replui_utf8",
                "--repl-password-env",
                "REPL_PW",
            )
            == 0
        )
        assert rep.threads_running(lab.replica_status("node2"))
    finally:
        for n in ("node1", "node2"):
            lab.sql(n, ["SET sql_log_bin=0", "DROP USER IF EXISTS 'replui_utf8'@'%'"])


# -- write only to the confirmed server -----------------------------------------------------------------


async def test_identity_is_read_from_global_values_on_the_writing_connection(healthy_lab):
    from replui.wizards.context import StepContext
    from replui.wizards.runner import read_identity

    lab = healthy_lab
    config = load_config(lab.config_path)
    ctx = StepContext(config=config)
    await ctx.query("node2", "SELECT 1")  # the session exists before the change
    (sid,) = lab.sql("node2", "SELECT @@global.server_id")[0]
    try:
        lab.sql("node2", "SET GLOBAL server_id = 33")
        assert (await read_identity(ctx, "node2")).server_id == 33
    finally:
        lab.sql("node2", f"SET GLOBAL server_id = {int(sid)}")
        ctx.close()


async def test_a_proxy_switched_at_the_prompt_cannot_make_the_restore_write_elsewhere(healthy_lab):
    """node2 is reached through a proxy; while the operator reads the prompt
    of the data-replacing step, the proxy fails over to node1. replui's own
    connection still leads to node2, but every new connection leads to node1:
    the restore client's guard stops it before any statement, and node1 (and
    node2) keep their data."""
    from tcp_proxy import SwitchableProxy

    from replui.wizards.catalogue import build_plan
    from replui.wizards.context import StepContext
    from replui.wizards.runner import run_plan

    lab = healthy_lab
    real = load_config(lab.config_path)
    n1, n2 = real.node("node1"), real.node("node2")
    proxy = SwitchableProxy((n2.host, n2.port))
    config = dataclasses.replace(real, nodes=(n1, dataclasses.replace(n2, host="127.0.0.1", port=proxy.port)))
    monitor = Monitor(config)
    statuses = await asyncio.to_thread(monitor.poll_all)
    monitor.close()
    before = (checksums(lab, "node1"), checksums(lab, "node2"))
    plan = build_plan("rebuild-replica", config, statuses, source="node1", replica="node2")
    ctx = StepContext(config=config, statuses={s.name: s for s in statuses})

    async def confirm(step):
        if step.id == "stream":
            proxy.switch((n1.host, n1.port))
        return True

    try:
        res = await run_plan(plan, ctx, confirm=confirm)
    finally:
        await ctx.aclose()
        proxy.close()
    assert not res.ok and res.failed_step == "stream" and "reached a different server" in res.message
    assert (checksums(lab, "node1"), checksums(lab, "node2")) == before
    assert lab.sql("node2", "SHOW DATABASES LIKE 'replui_state'") == []  # nothing was replaced: no mark left


# -- confirm exact statements; every statement in the transcript --------------------------------------


def test_the_prompts_show_the_statements_as_they_will_run(healthy_lab, capsys):
    lab = healthy_lab
    # stop: yes; stream: a wrong node name stops the run; then the undo is offered: no
    assert (
        wizard(
            lab,
            "rebuild-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--databases",
            "shop",
            stdin="y\nnope\nn\n",
            yes=False,
        )
        == 1
    )
    out = capsys.readouterr().out
    prompt = out[out.index("Step [stream]") :]
    assert "DROP DATABASE IF EXISTS `shop`;" in prompt and "<each database in scope>" not in prompt
    assert "@@global.server_id = 2" in prompt


def test_declining_a_later_step_offers_to_start_replication_again(healthy_lab, capsys):
    lab = healthy_lab
    assert (
        wizard(
            lab, "rebuild-replica", "--source", "node1", "--replica", "node2", stdin="y\nnope\ny\n", yes=False
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "replication is stopped on node2" in out
    lab.wait_replication_running(30)
    assert threads(lab, "node2") == ("Yes", "Yes")


def test_resync_pair_shows_and_logs_every_statement_and_verifies_the_data(healthy_lab, tmp_path):
    lab = healthy_lab
    lab.sql("node2", ["SET sql_log_bin=0", "DELETE FROM shop.orders WHERE id <= 3"])
    assert wizard(lab, "resync-pair", "--authoritative", "node1", "--other", "node2") == 0
    text = last_transcript(tmp_path)
    for stmt in (
        "node1> CREATE DATABASE IF NOT EXISTS replui;",
        "node1> REPLACE INTO replui.heartbeat",
        "node2> STOP SLAVE SQL_THREAD;",
        "verified: all",
    ):
        assert stmt in text
    assert "CREATE DATABASE IF NOT EXISTS replui" in text.split("## Pre-flight checks")[0]  # in the plan too


# -- "verified" means the data matches -------------------------------------------------------------------


async def test_verify_data_finds_a_row_that_differs(healthy_lab):
    from replui.mysql.dialect import dialect_for
    from replui.wizards.context import StepContext
    from replui.wizards.plan import Plan
    from replui.wizards.runner import run_plan
    from replui.wizards.verify_data import verify_data_step

    lab = healthy_lab
    lab.sql("node2", ["SET sql_log_bin=0", "UPDATE shop.customers SET city = 'Porto' WHERE id = 1"])
    config = load_config(lab.config_path)
    dl = dialect_for("mariadb", "10.11.0-MariaDB")
    ctx = StepContext(config=config)
    ctx.state.databases = ["shop"]

    async def yes(step):
        return True

    try:
        res = await run_plan(
            Plan("t", "t", "t", (verify_data_step("node2", "node1", dl, dl),)), ctx, confirm=yes
        )
    finally:
        await ctx.aclose()
    assert not res.ok and "shop.customers" in res.message and "differs" in res.message
    assert threads(lab, "node2") == ("Yes", "Yes")  # its SQL thread runs again


def test_rebuild_replica_verifies_the_copy_table_by_table(healthy_lab, tmp_path, capsys):
    lab = healthy_lab
    lab.sql("node2", ["SET sql_log_bin=0", "UPDATE shop.customers SET city = 'Porto' WHERE id = 2"])
    assert wizard(lab, "rebuild-replica", "--source", "node1", "--replica", "node2", "--via-file") == 0
    out = capsys.readouterr().out
    assert "verified: all" in out and "the data was compared and matches" in out
    assert lab.sql("node2", "SHOW DATABASES LIKE 'replui_state'") == []


def test_reset_replica_after_a_purge_applies_what_the_source_still_has_and_is_not_verified(
    healthy_lab, capsys
):
    lab = healthy_lab
    lab.wait_caught_up(30)
    lab.sql("node2", "STOP SLAVE")
    needed = lab.replica_status("node2")["Relay_Master_Log_File"]
    lab.sql("node1", "FLUSH BINARY LOGS")
    lab.sql(
        "node1",
        "INSERT INTO shop.customers (id, name, email, city, created_at) VALUES "
        "(330001, 'kept', 'k@node1.example', 'Faro', '2024-03-01 10:00:00')",
    )  # in the oldest file left
    kept_file, _ = lab.master_status("node1")
    lab.sql("node1", "FLUSH BINARY LOGS")

    def purged() -> bool:
        lab.sql("node1", f"PURGE BINARY LOGS TO '{kept_file}'")
        return needed not in [r[0] for r in lab.sql("node1", "SHOW BINARY LOGS")]

    rep.wait_for(purged, 30, f"{needed} purged on node1")
    lab.sql("node2", "START SLAVE")
    rep.wait_for(lambda: int(lab.replica_status("node2")["Last_IO_Errno"] or 0) == 1236, 30, "1236 on node2")
    assert wizard(lab, "reset-replica", "--node", "node2") == 3
    out = capsys.readouterr().out
    assert f"{kept_file}:4" in out and needed in out and "lost for good" in out
    assert "NOT verified" in out and "rebuild-replica --source node1 --replica node2" in out
    lab.wait_caught_up(30)
    assert lab.sql("node2", "SELECT name FROM shop.customers WHERE id = 330001") == [("kept",)]


# -- an interrupted rebuild leaves a mark the dashboard shows -----------------------------------------------


async def test_a_cancelled_rebuild_leaves_a_mark_that_status_reports_until_a_rebuild_verifies(
    healthy_lab, capsys
):
    from replui.cli import main
    from replui.wizards.catalogue import build_plan
    from replui.wizards.context import StepContext
    from replui.wizards.plan import StepState
    from replui.wizards.runner import run_plan

    lab = healthy_lab
    config = load_config(lab.config_path)
    monitor = Monitor(config)
    statuses = await asyncio.to_thread(monitor.poll_all)
    monitor.close()
    plan = build_plan("rebuild-replica", config, statuses, source="node1", replica="node2")
    ctx = StepContext(config=config, statuses={s.name: s for s in statuses})
    locker = lab.connect("node1")
    with locker.cursor() as cur:  # hold the dump at its FLUSH TABLES WITH READ LOCK
        cur.execute("LOCK TABLES shop.orders WRITE")

    def on_event(step, ev):
        if isinstance(ev, StepState) and step is not None and step.id == "stream" and ev.state == "running":
            asyncio.get_running_loop().call_later(1.0, ctx.cancel.set)

    async def yes(step):
        return True

    try:
        res = await run_plan(plan, ctx, confirm=yes, on_event=on_event)
    finally:
        locker.close()
        await ctx.aclose()
    assert not res.ok and res.failed_step == "stream" and "cancelled" in res.message
    assert lab.sql("node2", "SELECT wizard, source_node FROM replui_state.rebuild_in_progress") == [
        ("rebuild-replica", "node1")
    ]
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["status", "--config", str(lab.config_path)]) == 2
    out = capsys.readouterr().out
    assert "rebuild_incomplete" in out and "rebuild-replica --source node1 --replica node2" in out
    assert (
        await asyncio.to_thread(wizard, lab, "rebuild-replica", "--source", "node1", "--replica", "node2")
        == 0
    )
    assert lab.sql("node2", "SHOW DATABASES LIKE 'replui_state'") == []


def test_a_1045_from_the_replication_user_is_repaired_by_set_repl_password(healthy_lab, monkeypatch):
    from replui.analysis.findings import analyse
    from replui.lab.state import REPL_USER
    from replui.monitor import poll_once

    lab = healthy_lab
    lab.sql("node1", ["SET sql_log_bin=0", f"ALTER USER '{REPL_USER}'@'%' IDENTIFIED BY 'n€w-pässword'"])
    lab.sql("node2", ["STOP SLAVE", "START SLAVE"])
    rep.wait_for(lambda: int(lab.replica_status("node2")["Last_IO_Errno"] or 0) == 1045, 30, "1045 on node2")
    config = load_config(lab.config_path)
    finding = next(f for f in analyse(poll_once(config)) if f.code == "io_error" and f.nodes[0] == "node2")
    assert finding.wizard == "set-repl-password" and "set-repl-password --node node2" in finding.advice
    monkeypatch.setenv("NEW_REPL_PW", "n€w-pässword")
    assert wizard(lab, "set-repl-password", "--node", "node2", "--repl-password-env", "NEW_REPL_PW") == 0
    assert rep.threads_running(lab.replica_status("node2"))
