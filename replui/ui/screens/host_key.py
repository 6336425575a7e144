"""``HostKeyScreen``: trust an SSH host key seen for the first time?

Asked when a node's SSH host offers a key no known_hosts file has (a host
with no known key at all; a *changed* key is refused and never asked about:
:mod:`replui.transport.hostkeys`). The safe answer — escape, ``n`` — trusts
nothing; only ``y`` or the button trusts the key, which is then written to
replui's own known_hosts file. Dismisses with True (trust) or False.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from replui.model import UnknownHostKey

HOST_KEY_HELP = """\
An SSH host replui connects to offered a host key that is in no known_hosts file.

Compare the fingerprint with the one the host's administrator reads on the host itself:
    ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub

y or the button: trust this key; it is written to replui's own known_hosts file.
n or escape: do not trust it; the nodes on this host stay unreachable.
A key that differs from a known one is never asked about: it is refused.
"""


class HostKeyScreen(ModalScreen[bool]):
    """``HostKeyScreen(key, nodes)``: ``nodes`` are the names of the nodes
    reached through that host (for the question)."""

    HELP = HOST_KEY_HELP

    BINDINGS = [
        Binding("escape", "decline", "No, do not trust"),
        Binding("y", "trust", "Yes, trust", show=False),
        Binding("n", "decline", "No", show=False),
    ]
    AUTO_FOCUS = "#host-key-no"

    def __init__(self, key: UnknownHostKey, nodes: list[str]) -> None:
        super().__init__()
        self.key = key
        self.nodes = nodes

    @property
    def question(self) -> str:
        return (
            f"The SSH host {self.key.where} (for {', '.join(self.nodes)}) offered a host key that no "
            f"known_hosts file has:\n\n    {self.key.key_type} {self.key.fingerprint}\n\n"
            "Trust it only if it matches the fingerprint read on the host itself "
            "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub). "
            "A trusted key is written to replui's own known_hosts file."
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="host-key-box"):
            yield Static(f"Unknown SSH host key: {self.key.where}", id="host-key-title", markup=False)
            with VerticalScroll(id="host-key-body", can_focus=False):
                yield Static(self.question, id="host-key-question", markup=False)
            with Vertical(id="host-key-answer"):
                yield Static("y: yes, trust it · n or escape: no", id="host-key-keys", markup=False)
                with Horizontal(id="host-key-buttons"):
                    yield Button("Trust this key", id="host-key-yes", variant="warning")
                    yield Button("Do not trust", id="host-key-no", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if not event.button.has_focus:
            return  # a click that began before this dialog was shown answers nothing
        self.dismiss(event.button.id == "host-key-yes")

    def action_trust(self) -> None:
        self.dismiss(True)

    def action_decline(self) -> None:
        self.dismiss(False)
