"""Pytest fixtures for the SSH lab (:mod:`replui.lab.sshlab`); registered by
``pytest_plugins = ["ssh_fixtures"]`` in conftest.py (or ``-p ssh_fixtures``).

``ssh_lab`` (session): netns mode, a jump host and 2 database hosts (db2
replicating from db1), each with its own sshd and MariaDB; the database
hosts are unreachable from the tests except through SSH. Skipped (the reason
printed), also in CI, when network namespaces cannot be made here (not root,
no ``ip``, or the kernel refuses).
``ssh_lab_loopback`` (session): the same shape on 127.0.0.1 (no isolation),
wherever sshd and a server exist.

Both skip when sshd/ssh is not installed (the reason names the package);
a missing MariaDB/MySQL server fails in CI like conftest's ``lab`` fixture.
Mark tests that use them with ``pytest.mark.lab``. Session teardown calls
``down()``: no process, namespace or veth is left.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from replui.lab.sshlab import SshLab


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _skip(reason: str) -> None:
    print(f"\nSSH lab skipped: {reason}", file=sys.__stderr__, flush=True)  # past the capture
    pytest.skip(reason)


def ssh_lab_unavailable(netns: bool) -> str | None:
    """None when an SSH lab of that mode can start here, else why not.
    A missing database server fails the test in CI (``pytest.fail``)."""
    from replui.lab.server import ServerMissing, find_server
    from replui.lab.sshlab import netns_unavailable_reason, ssh_missing_reason

    try:
        find_server()
    except ServerMissing as exc:
        if _in_ci():
            pytest.fail(f"CI=true but the SSH lab cannot start: {exc}")
        return f"the SSH lab needs a real server: {exc}"
    reason = ssh_missing_reason()
    if reason:
        return f"the SSH lab needs OpenSSH: {reason}"
    if netns:
        reason = netns_unavailable_reason()
        if reason:
            return f"the netns SSH lab cannot run here: {reason}"
    return None


def start_ssh_lab(directory: os.PathLike[str] | str, *, netns: bool, **kw: object) -> SshLab:
    """:meth:`SshLab.up` after :func:`ssh_lab_unavailable` (skipping with its reason)."""
    from replui.lab.sshlab import SshLab

    reason = ssh_lab_unavailable(netns)
    if reason:
        _skip(reason)
    return SshLab.up(directory, netns=netns, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def ssh_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshLab]:
    """A running netns :class:`~replui.lab.sshlab.SshLab`: jump, db1 → db2 (``shop`` loaded)."""
    lab = start_ssh_lab(tmp_path_factory.mktemp("sshlab"), netns=True, count=2, topology="source-replica")
    try:
        yield lab
    finally:
        lab.down()


@pytest.fixture(scope="session")
def ssh_lab_loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshLab]:
    """A running loopback :class:`~replui.lab.sshlab.SshLab` (every daemon on 127.0.0.1)."""
    lab = start_ssh_lab(tmp_path_factory.mktemp("sshlab-lo"), netns=False, count=2, topology="source-replica")
    try:
        yield lab
    finally:
        lab.down()
