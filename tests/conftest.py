"""Shared fixtures for the real-server tier.

``lab`` (session): a 2-node master-master lab (real MariaDB) in a temporary
directory, stopped at the end of the session with no process left.
``healthy_lab`` (function): the same lab, healed first (every node running,
node1's data copied to node2, both channels re-pointed and running).

Tests marked ``lab`` are skipped when no server binary is installed, unless
``CI`` is set to true: CI must run them, so there they fail instead.

tests/ is on ``sys.path`` through pytest's ``pythonpath`` option (pyproject.toml),
so tests import the shared modules by name: ``canned`` (the scenarios),
``tui_helpers`` (Pilot helpers, the fake wizard plan), ``lab_helpers`` (breaks
made on the real lab).
"""

from __future__ import annotations

import os

import pytest

#: the SSH lab's fixtures (``ssh_lab``: database hosts in network namespaces behind a jump host)
pytest_plugins = ["ssh_fixtures"]


def in_ci() -> bool:
    """``CI`` is set to a true value (GitHub Actions and most CI services set CI=true)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def server_missing_reason() -> str | None:
    """None when a MariaDB/MySQL server is installed, else why the lab cannot start."""
    from replui.lab.server import ServerMissing, find_server

    try:
        find_server()
    except ServerMissing as exc:
        return str(exc)
    return None


def pytest_collection_modifyitems(config, items):
    reason = server_missing_reason()
    if reason is None or in_ci():
        return
    skip = pytest.mark.skip(reason=f"lab tests need a real server: {reason}")
    for item in items:
        if "lab" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A running 2-node master-master :class:`replui.lab.lab.Lab` (node1 ⇄ node2,
    ``shop`` loaded). Torn down (every server stopped) after the session."""
    from replui.lab.lab import Lab

    reason = server_missing_reason()
    if reason is not None:
        if in_ci():
            pytest.fail(f"CI=true but the lab cannot start: {reason}")
        pytest.skip(f"lab tests need a real server: {reason}")
    the_lab = Lab.up(tmp_path_factory.mktemp("lab"), "master-master", 2)
    try:
        yield the_lab
    finally:
        the_lab.down()


@pytest.fixture
def healthy_lab(lab):
    """The session ``lab`` after :meth:`Lab.heal`: both nodes running, identical
    user databases (node1's copied), replication re-pointed and running both ways."""
    lab.heal()
    return lab
