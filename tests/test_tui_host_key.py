"""The TUI asks before trusting an SSH host key seen for the first time:
a status whose node could not be reached because its SSH host offered an
unknown key opens the question once; only a yes trusts the fingerprint (and
polls again). Canned statuses; the real SSH side is in test_ssh_lab.py."""

from __future__ import annotations

import canned
import pytest
from tui_helpers import make_app, static_monitor, until, with_status

from replui.model import UnknownHostKey
from replui.ui.screens.host_key import HostKeyScreen

KEY = UnknownHostKey("10.231.1.2", None, "SHA256:qKh3OxKZhKlYm3aBNxkW+Pi98cRCxnvZc5x4vkN7TyA", "ssh-ed25519")


def _unknown_key_app():
    monitor = static_monitor(canned.healthy_pair)
    for name in ("node1", "node2"):
        with_status(
            monitor,
            name,
            reachable=False,
            error=f"ssh 10.231.1.2: unknown host key ssh-ed25519 {KEY.fingerprint}",
            unknown_host_key=KEY,
        )
    app = make_app(monitor)
    trusted: list[str] = []
    app.trust_host_key = trusted.append
    return app, trusted


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_an_unknown_host_key_is_asked_about_once_and_a_yes_trusts_its_fingerprint(size):
    app, trusted = _unknown_key_app()
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HostKeyScreen), "the host key question")
        screen = app.screen
        assert isinstance(screen, HostKeyScreen)
        text = screen.question
        assert KEY.fingerprint in text and "node1, node2" in text
        assert screen.query_one("#host-key-yes").region.bottom <= size[1]  # the answer is on screen
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(app.screen, HostKeyScreen), "the question closed")
        assert trusted == [KEY.fingerprint]
        await pilot.pause()
        assert not isinstance(app.screen, HostKeyScreen)  # not asked again for the same key


async def test_escape_trusts_nothing():
    app, trusted = _unknown_key_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HostKeyScreen), "the host key question")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HostKeyScreen), "the question closed")
        assert trusted == []
