"""The wizard catalogue: each wizard declared once, and the command line,
the picker and the advice derived from it (a wizard or option that advice
names must exist)."""

from __future__ import annotations

import argparse
import re

import pytest

from replui.wizards import catalogue


def parser() -> argparse.ArgumentParser:
    from replui.wizards.cli import add_wizard_parser

    p = argparse.ArgumentParser(prog="replui")
    add_wizard_parser(p.add_subparsers(dest="command"))
    return p


def test_every_wizard_builder_imports():
    for w in catalogue.WIZARDS:
        module, func = w.builder.split(":")
        import importlib

        assert callable(getattr(importlib.import_module(module), func)), w.name


@pytest.mark.parametrize("name", catalogue.NAMES)
def test_wizard_help_lists_that_wizards_options_only(name, capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["wizard", name, "--help"])
    text = capsys.readouterr().out
    mine = {o.cli for o in catalogue.wizard(name).options}
    others = {o.cli for w in catalogue.WIZARDS for o in w.options} - mine
    assert all(opt in text for opt in mine)
    assert not [opt for opt in others if re.search(re.escape(opt) + r"\b", text)]


def test_the_command_line_parses_into_builder_options():
    args = parser().parse_args(
        ["wizard", "repoint", "--node", "node2", "--next-binlog", "--config", "c.toml"]
    )
    assert catalogue.options_from_args(args) == {"node": "node2", "next_binlog": True, "timeout": 120.0}
    with pytest.raises(SystemExit):  # exactly one of --to, --next-binlog, --from-exec-position
        parser().parse_args(["wizard", "repoint", "--node", "node2", "--next-binlog", "--to", "f.000001:4"])
    with pytest.raises(SystemExit):  # an option of another wizard
        parser().parse_args(["wizard", "restart-replication", "--node", "node2", "--via-file"])


def test_picker_text_round_trips_and_refuses_other_wizards_options():
    opts = {"source": "node1", "replica": "node 2", "via_file": True}
    assert catalogue.parse_options("rebuild-replica", catalogue.options_text(opts)) == opts
    with pytest.raises(ValueError, match="heartbeat has no option '--via-file'"):
        catalogue.parse_options("heartbeat", "--source node1 --via-file")
    with pytest.raises(ValueError, match="--timeout needs a number of seconds greater than 0"):
        catalogue.parse_options("heartbeat", "--source node1 --timeout -5")


def test_command_is_pasteable_and_refuses_unknown_options():
    assert (
        catalogue.command("restart-replication", {"node": "node2"}, "lab/replui.toml")
        == "replui wizard restart-replication --node node2 --config lab/replui.toml"
    )
    with pytest.raises(KeyError):
        catalogue.command("restart-replication", {"via_file": True})
    with pytest.raises(KeyError):
        catalogue.command("no-such-wizard", {})


def _advice_findings():
    import canned

    from replui.analysis.findings import analyse

    for name in dir(canned):
        fn = getattr(canned, name)
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", "") == canned.__name__:
            try:
                result = fn()
            except Exception:  # noqa: BLE001 - a helper that needs arguments, not a scenario
                continue
            if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list):
                yield from analyse(result[1])


def test_every_wizard_and_option_that_advice_names_exists():
    from replui.analysis import errors as E

    named = {w for e in E.KNOWN_ERRORS for w in (e.wizard, e.pair_wizard) if w} | {
        f.wizard for f in _advice_findings() if f.wizard
    }
    assert named and named <= set(catalogue.NAMES)
    texts = [e.advice for e in E.KNOWN_ERRORS] + [f.advice for f in _advice_findings()]
    for text in texts:
        for m in re.finditer(r"replui wizard ([a-z-]+)((?: --[a-z-]+(?: [^\s-][^\s]*)?)*)", text):
            w = catalogue.wizard(m.group(1))
            for flag in re.findall(r"--[a-z-]+", m.group(2)):
                if flag not in ("--config", "--yes", "--dry-run"):
                    w.option(flag)


def test_status_and_the_dashboard_give_the_full_command_to_paste():
    import json

    import canned

    from replui.analysis.findings import analyse
    from replui.report import render_text, to_json
    from replui.ui.widgets.findings_list import describe

    cfg, statuses = canned.replica_1062()
    findings = analyse(statuses)
    f = next(x for x in findings if x.wizard)
    want = catalogue.advice_command(f, "lab/replui.toml")
    assert (
        want and want.startswith(f"replui wizard {f.wizard} --") and want.endswith("--config lab/replui.toml")
    )
    assert f"wizard: {want}" in render_text(statuses, findings, "lab/replui.toml")
    doc = json.loads(to_json(statuses, findings, "lab/replui.toml"))
    assert want in [x["command"] for x in doc["findings"]]
    assert f"Wizard: {want}" in describe(f, "lab/replui.toml")


def test_every_wizard_waits_the_same_verify_timeout_by_default_in_cli_and_tui():
    # one default, so the TUI's picker (builder defaults) and the CLI (catalogue options) agree
    import importlib
    import inspect

    from replui.wizards.plan import VERIFY_TIMEOUT

    for w in catalogue.WIZARDS:
        for opt in w.options:
            if opt.name == "timeout":
                assert opt.default == VERIFY_TIMEOUT, w.name
        module, func = w.builder.split(":")
        fn = getattr(importlib.import_module(module), func)
        param = inspect.signature(fn).parameters.get("timeout")
        if param is not None:
            assert param.default == VERIFY_TIMEOUT, w.name
