"""Every training scenario on the real lab: break it for real, see the
finding the dashboard shows (``replui status --json``), repair it with the
wizard its advice names (or by hand where the hints say so), and
``replui lab check`` passes again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from replui.lab import load
from replui.lab import replication as rep
from replui.lab.check import check_lab
from replui.lab.scenarios import SCENARIOS, BreakOptions, Broken, break_lab, scenario
from replui.lab.server import LabError

pytestmark = pytest.mark.lab


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _findings(config: str) -> list[dict[str, object]]:
    out = _cli("status", "--json", "--config", config)
    assert out.stdout, out.stderr
    return list(json.loads(out.stdout)["findings"])


def _shows(lab, broken: Broken, config: str | None = None) -> list[tuple[object, object, object]] | None:
    """None when the replica's findings include the expected code and errno, else what the findings are."""
    findings = _findings(config or str(lab.config_path))
    on_replica = [(f["code"], f.get("errno")) for f in findings if f["nodes"][:1] == [broken.roles.replica]]
    codes = {c for c, _ in on_replica}
    errnos = {e for _, e in on_replica}
    if broken.expected in codes and (broken.errno is None or broken.errno in errnos):
        return None
    return [(f["code"], f["nodes"], f.get("errno")) for f in findings]


def _by_hand(lab, broken: Broken) -> None:
    """The repairs the hints describe for scenarios without a wizard."""
    r, s = broken.roles.replica, broken.roles.source
    if broken.name == "network-cut":
        lab.start_node(s)
    elif broken.name == "duplicate-server-id":
        lab.sql(r, ["STOP SLAVE", f"SET GLOBAL server_id={lab.node(r).server_id:d}", "START SLAVE"])
    elif broken.name == "replica-lag":
        while load.running(lab.dir):
            time.sleep(0.5)
    else:
        raise AssertionError(f"no repair by hand for {broken.name}")


NAMES = [s.name for s in SCENARIOS if s.name != "replica-lag"]


@pytest.mark.parametrize("name", NAMES)
def test_break_finding_repair_check(healthy_lab, name: str) -> None:
    lab = healthy_lab
    assert check_lab(lab).healthy
    broken = break_lab(lab, name, BreakOptions(seed=11))
    assert Broken.load(lab.dir) == broken
    verdict = check_lab(lab, wait=2)
    assert not verdict.healthy, f"{name}: lab check still calls the lab healthy"

    if broken.expected is not None:
        seen = _shows(lab, broken)
        assert seen is None, f"{name}: no {broken.expected}/{broken.errno} on {broken.roles.replica}: {seen}"
    if broken.expected is not None and broken.repair:  # the repair is the one the finding's advice names
        named = {
            f["wizard"]
            for f in _findings(str(lab.config_path))
            if f["nodes"][:1] == [broken.roles.replica] and f["code"] == broken.expected
        }
        assert named == {broken.repair.split()[0]}, f"{name}: the finding names {named}, not {broken.repair}"
    detect = scenario(name).detect_for(broken.roles)
    if detect:  # no finding shows it: the wizard that does names what differs
        out = _cli("wizard", *detect.split(), "--config", str(lab.config_path), "--yes")
        assert out.returncode == 1 and "the data differs on" in out.stdout, out.stdout[-3000:]
    if broken.name == "master-info-broken":
        with pytest.raises(Exception, match="1201"):
            lab.sql(broken.roles.replica, "START SLAVE")

    if broken.repair:
        out = _cli(
            "wizard",
            *broken.repair.split(),
            "--config",
            str(lab.config_path),
            "--yes",
            env={"REPLUI_REPL_PASSWORD": lab.repl_password},
        )
        assert out.returncode == 0, f"{broken.repair}:\n{out.stdout[-3000:]}\n{out.stderr[-2000:]}"
    else:
        _by_hand(lab, broken)

    verdict = check_lab(lab)
    assert verdict.healthy, f"{name}: {verdict.problems}"
    assert _cli("lab", "check", "--dir", str(lab.dir)).returncode == 0


def test_lab_check_waits_for_a_replica_that_is_reconnecting(healthy_lab) -> None:
    """A source just restarted: its replica retries every MASTER_CONNECT_RETRY seconds and shows
    error 2003 meanwhile. The check waits for it (as for catching up) instead of failing at once."""
    lab = healthy_lab
    retry = ["STOP SLAVE", "CHANGE MASTER TO MASTER_CONNECT_RETRY={}", "START SLAVE"]
    lab.sql("node1", [retry[0], retry[1].format(4), retry[2]])
    try:
        lab.stop_node("node2")

        def noticed() -> bool:
            return int(str((lab.replica_status("node1") or {}).get("Last_IO_Errno") or 0)) == 2003

        rep.wait_for(noticed, 30, "node1 seeing node2 gone")
        lab.start_node("node2", wait_replication=False)
        verdict = check_lab(lab)
        assert verdict.healthy, verdict.problems
    finally:
        lab.sql("node1", [retry[0], retry[1].format(1), retry[2]])
        lab.wait_replication_running()


def test_replica_lag_shows_then_ends(healthy_lab, tmp_path) -> None:
    """The load is bounded: the lag shows past a low warning limit, then the replica catches up by itself."""
    lab = healthy_lab
    config = tmp_path / "replui.toml"
    config.write_text(
        lab.config_path.read_text(encoding="utf-8").replace("[defaults]\n", "[defaults]\nlag_warning = 3\n"),
        encoding="utf-8",
    )
    try:
        broken = break_lab(lab, "replica-lag", BreakOptions(seed=1, load_seconds=12))
        deadline = time.monotonic() + 30
        while _shows(lab, broken, str(config)) is not None:
            assert time.monotonic() < deadline, "lag_high never shown"
            time.sleep(1)
        _by_hand(lab, broken)
        assert check_lab(lab, wait=40).healthy
    finally:
        load.stop(lab.dir)


def test_cli_lists_and_refuses_unknown(tmp_path) -> None:
    out = _cli("lab", "scenarios")
    assert out.returncode == 0
    assert [ln.split()[0] for ln in out.stdout.splitlines()] == [s.name for s in SCENARIOS]
    with pytest.raises(Exception, match="no scenario 'nope'"):
        scenario("nope")


def test_break_refuses_a_lab_already_broken_and_heal_restores_server_ids(healthy_lab) -> None:
    lab = healthy_lab
    break_lab(lab, "duplicate-server-id", BreakOptions(seed=3))
    with pytest.raises(LabError, match="already broken"):
        break_lab(lab, "missing-row")
    out = _cli("lab", "heal", "--dir", str(lab.dir))
    assert out.returncode == 0, out.stderr
    assert [int(lab.sql(n, "SELECT @@server_id")[0][0]) for n in lab.names] == [
        lab.node(n).server_id for n in lab.names
    ]
    assert check_lab(lab).healthy
