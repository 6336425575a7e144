"""Two incidents on the real lab, broken by the lab's own scenarios, repaired by
the wizard the advice names (CLI, ``--yes``), then ``replui lab check`` exits 0:

- the replication user missing on the replica (1133 on a replicated ``SET
  PASSWORD``/``GRANT``): ``create-repl-user`` copies the account from the
  source, hostile names and passwords included;
- master.info unreadable (``START SLAVE``/``CHANGE MASTER`` fail with 1201, the
  replica status is empty): ``reset-replica --source`` resets and re-points
  it without a dump, and ``add-replica`` and ``rebuild-replica`` clear it
  before the data is replaced instead of failing at ``CHANGE MASTER`` after it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from replui.lab import replication as rep
from replui.lab.scenarios import BreakOptions, break_lab
from replui.wizards.cli import add_wizard_parser, run_wizard

pytestmark = pytest.mark.lab

PW_VAR = "REPLUI_TEST_ACCOUNT_PASSWORD"


@pytest.fixture(autouse=True)
def _transcripts(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def wizard(lab, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_wizard_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["wizard", *argv, "--config", str(lab.config_path), "--yes", "--timeout", "60"])
    return run_wizard(args)


def lab_check(lab) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replui", "lab", "check", "--dir", str(lab.dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_lab_healthy(lab) -> None:
    out = lab_check(lab)
    assert out.returncode == 0, out.stdout + out.stderr


def accounts(lab, node: str, user: str) -> list[str]:
    return [str(r[0]) for r in lab.sql(node, "SELECT Host FROM mysql.user WHERE User = %s", (user,))]


def shop_checksum(lab, node: str) -> int:
    return int(lab.sql(node, "CHECKSUM TABLE shop.customers")[0][1])


# -- 1133: the replication user missing on the replica ---------------------------------------------


def test_missing_repl_user_create_repl_user_repairs(healthy_lab, monkeypatch, capsys):
    lab = healthy_lab
    break_lab(lab, "missing-repl-user", BreakOptions(seed=5))
    assert int(lab.replica_status("node2")["Last_SQL_Errno"]) in (1133, 1396)
    assert accounts(lab, "node2", "repl") == []

    monkeypatch.setenv(PW_VAR, "not-" + lab.repl_password)  # a wrong password is refused before any change
    assert wizard(lab, "create-repl-user", "--node", "node2", "--repl-password-env", PW_VAR) == 1
    assert "is not the one node1 stores" in capsys.readouterr().out
    assert accounts(lab, "node2", "repl") == []

    monkeypatch.setenv(PW_VAR, lab.repl_password)
    assert wizard(lab, "create-repl-user", "--node", "node2", "--repl-password-env", PW_VAR) == 0
    assert accounts(lab, "node2", "repl") == ["%"]
    grants = " ".join(str(r[0]) for r in lab.sql("node2", "SHOW GRANTS FOR 'repl'@'%'"))
    assert "REPLICATION SLAVE ON *.*" in grants
    assert_lab_healthy(lab)
    assert accounts(lab, "node1", "repl") == ["%"]  # nothing replicated back to node1


def test_hostile_account_names_and_password_are_copied_exactly(healthy_lab, monkeypatch):
    lab = healthy_lab
    user, host, password = "r'e\"p`l\\x;--", "10.0.%'", "p'w\"d\\`;--"
    lab.sql("node1", ["CREATE USER %s@%s IDENTIFIED BY %s"], (user, host, password))
    lab.sql("node1", "GRANT REPLICATION SLAVE ON *.* TO %s@%s", (user, host))
    rep.wait_for(lambda: accounts(lab, "node2", user) == [host], 30, "the account on node2")
    lab.sql("node2", ["SET sql_log_bin=0", "DROP USER %s@%s"], (user, host))
    lab.sql("node1", "GRANT SELECT ON `shop`.`customers` TO %s@%s", (user, host))  # 1133 on node2

    def stopped() -> bool:
        return int((lab.replica_status("node2") or {}).get("Last_SQL_Errno") or 0) == 1133

    rep.wait_for(stopped, 30, "node2 stopping with 1133")
    monkeypatch.setenv(PW_VAR, password)
    try:
        assert wizard(lab, "create-repl-user", "--node", "node2", "--repl-password-env", PW_VAR) == 0
        assert accounts(lab, "node2", user) == [host]
        hashes = {
            lab.sql(n, "SELECT authentication_string FROM mysql.user WHERE User = %s", (user,))[0][0]
            for n in ("node1", "node2")
        }
        assert len(hashes) == 1
        grants = sorted(str(r[0]) for r in lab.sql("node2", "SHOW GRANTS FOR %s@%s", (user, host)))
        assert any("REPLICATION SLAVE ON *.*" in g for g in grants)
        assert any("SELECT ON `shop`.`customers`" in g for g in grants)
        assert_lab_healthy(lab)
    finally:
        lab.sql("node1", "DROP USER IF EXISTS %s@%s", (user, host))


# -- 1201: master.info unreadable ------------------------------------------------------------------


def test_add_replica_clears_unreadable_master_info_before_replacing_the_data(healthy_lab, capsys):
    """Without the probe and the reset, add-replica replaced node2's data and only then failed
    at CHANGE MASTER with 1201."""
    lab = healthy_lab
    break_lab(lab, "master-info-broken", BreakOptions(seed=5))
    assert lab.replica_status("node2") is None
    assert wizard(lab, "add-replica", "--source", "node1", "--replica", "node2") == 0
    out = capsys.readouterr().out
    assert "cannot be read" in out and "1201" in out
    assert out.index("RESET SLAVE ALL") < out.index("DROP DATABASE IF EXISTS")
    assert_lab_healthy(lab)


def test_the_dashboard_reads_an_unreadable_master_info_from_the_error_log_after_a_restart(healthy_lab):
    """A server started with an unreadable master.info logs the failure *before* 'ready for
    connections' and nothing after it until someone runs START SLAVE: the finding must still show."""
    from replui.analysis.findings import analyse
    from replui.config import load_config
    from replui.monitor import poll_once

    lab = healthy_lab
    break_lab(lab, "master-info-broken", BreakOptions(seed=9))
    lab.stop_node("node2")
    lab.start_node("node2", wait_replication=False)
    statuses = poll_once(load_config(lab.config_path))
    found = [(f.code, f.errno, f.wizard, f.nodes) for f in analyse(statuses) if f.nodes[0] == "node2"]
    assert ("replica_metadata_unusable", 1201, "reset-replica", ("node2", "node1")) in found, found
    assert wizard(lab, "reset-replica", "--node", "node2", "--source", "node1") == 0
    assert_lab_healthy(lab)
    statuses = poll_once(load_config(lab.config_path))
    assert not [f for f in analyse(statuses) if f.code.startswith("replica_")]


def test_rebuild_replica_clears_unreadable_master_info_before_replacing_the_data(
    healthy_lab, monkeypatch, capsys
):
    """rebuild-replica onto a node with no replica status (given the account with --repl-user):
    without the probe and the reset it replaced node2's data, then failed at CHANGE MASTER with 1201."""
    lab = healthy_lab
    break_lab(lab, "master-info-broken", BreakOptions(seed=8))
    assert lab.replica_status("node2") is None
    monkeypatch.setenv(PW_VAR, lab.repl_password)
    argv = ["--source", "node1", "--replica", "node2", "--repl-user", "repl", "--repl-password-env", PW_VAR]
    assert wizard(lab, "rebuild-replica", *argv) == 0, capsys.readouterr().out[-3000:]
    out = capsys.readouterr().out
    assert "cannot be read" in out and "1201" in out
    assert out.index("RESET SLAVE ALL") < out.index("DROP DATABASE IF EXISTS")
    assert_lab_healthy(lab)


def test_reset_replica_repoints_a_node_with_unreadable_master_info_without_a_dump(healthy_lab, capsys):
    lab = healthy_lab
    break_lab(lab, "master-info-broken", BreakOptions(seed=6))
    assert lab.replica_status("node2") is None
    before = shop_checksum(lab, "node2")
    assert wizard(lab, "reset-replica", "--node", "node2", "--source", "node1", "--dry-run") == 0
    with pytest.raises(Exception, match="1201"):  # the dry run's probe changed nothing
        lab.sql("node2", "START SLAVE")
    lab.sql("node1", "UPDATE shop.customers SET city = 'Braga' ORDER BY id LIMIT 1")
    assert wizard(lab, "reset-replica", "--node", "node2", "--source", "node1") == 0
    out = capsys.readouterr().out
    assert "relay-log.info" in out and "RESET SLAVE ALL" in out
    assert "mariadb-dump" not in out and "DROP DATABASE" not in out
    assert shop_checksum(lab, "node2") != before  # node1's update arrived by replication
    assert_lab_healthy(lab)


def test_reset_replica_with_the_operators_coordinates_and_account(healthy_lab, monkeypatch):
    lab = healthy_lab
    break_lab(lab, "master-info-broken", BreakOptions(seed=7))
    file, pos = lab.master_status("node1")
    monkeypatch.setenv(PW_VAR, lab.repl_password)
    argv = ["--node", "node2", "--source", "node1", "--to", f"{file}:{pos}", "--repl-user", "repl"]
    assert wizard(lab, "reset-replica", *argv, "--repl-password-env", PW_VAR) == 0
    assert lab.replica_status("node2")["Master_User"] == "repl"
    assert_lab_healthy(lab)


def test_reset_replica_refuses_a_node_whose_metadata_is_fine(healthy_lab, capsys):
    lab = healthy_lab
    lab.sql("node2", ["STOP SLAVE", "RESET SLAVE ALL"])  # replicates from nobody: START SLAVE says 1200
    assert wizard(lab, "reset-replica", "--node", "node2", "--source", "node1") == 1
    out = capsys.readouterr().out
    assert "refused by pre-flight check" in out and "nothing to reset" in out and "add-replica" in out
    assert lab.replica_status("node2") is None
