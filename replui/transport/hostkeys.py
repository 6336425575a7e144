"""SSH host keys: which keys are trusted, and what happens to one that is not.

Trusted keys come from OpenSSH ``known_hosts`` files — the node's
``ssh_known_hosts`` or else ``~/.ssh/known_hosts`` — and from replui's own
file (:func:`own_known_hosts_path`), where a key lands only when the operator
accepted it by its fingerprint: ``--accept-host-key SHA256:…`` on the command
line, or the question the TUI asks. A key is never accepted silently:

- an **unknown** host (no key known for it) raises :class:`HostKeyUnknown`
  carrying the offered key's SHA256 fingerprint, so the caller can show it
  and ask;
- a **changed** key (other keys known for the host) raises
  :class:`HostKeyChanged` naming the host and both fingerprints, and is
  refused even when its fingerprint was "accepted": a changed key is the
  man-in-the-middle case, and the operator must remove the old entry by hand
  (``ssh-keygen -R host``) after checking.

The check itself is asyncssh's (``known_hosts=`` on ``connect``); this module
supplies the known-hosts object and the decision for a key it does not trust
(``SSHClient.validate_host_public_key``), as asyncssh's manual describes
("Specifying known hosts", asyncssh.readthedocs.io).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import asyncssh

__all__ = [
    "HostKeyError",
    "HostKeyUnknown",
    "HostKeyChanged",
    "HostKeyPolicy",
    "Rejection",
    "own_known_hosts_path",
    "known_hosts_entry_name",
]


def own_known_hosts_path(env: Mapping[str, str] | None = None) -> Path:
    """replui's own known_hosts file: ``$XDG_CONFIG_HOME/replui/known_hosts``
    (``~/.config/replui/known_hosts`` when unset). Keys accepted by their
    fingerprint are written there, in OpenSSH format."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or "~").expanduser() / ".config")
    return Path(base) / "replui" / "known_hosts"


def known_hosts_entry_name(host: str, port: int | None) -> str:
    """How OpenSSH names a host in known_hosts: ``host`` on port 22 (or
    unknown), else ``[host]:port`` (``sshd(8)``, SSH_KNOWN_HOSTS FILE FORMAT)."""
    if port in (None, 22):
        return host
    return f"[{host}]:{port}"


class HostKeyError(Exception):
    """A host key that is not trusted. ``host``/``port`` name the SSH server
    as connected to; ``str()`` is one line for the user."""

    def __init__(self, host: str, port: int | None, message: str):
        self.host = host
        self.port = port
        super().__init__(message)


class HostKeyUnknown(HostKeyError):
    """No key is known for the host. ``fingerprint`` is the offered key's
    ``SHA256:…`` fingerprint (what ``ssh-keygen -lf`` prints), ``key_type``
    its algorithm (``ssh-ed25519``)."""

    def __init__(self, host: str, port: int | None, fingerprint: str, key_type: str):
        self.fingerprint = fingerprint
        self.key_type = key_type
        name = known_hosts_entry_name(host, port)
        super().__init__(
            host,
            port,
            f"ssh {name}: unknown host key {key_type} {fingerprint}; check it with the host's "
            f"administrator, then accept it with --accept-host-key {fingerprint}",
        )


class HostKeyChanged(HostKeyError):
    """Other keys are known for the host than the one it offered: refused.
    ``known`` are the known keys' fingerprints, ``offered`` the new one's."""

    def __init__(self, host: str, port: int | None, known: tuple[str, ...], offered: str):
        self.known = known
        self.offered = offered
        name = known_hosts_entry_name(host, port)
        super().__init__(
            host,
            port,
            f"ssh {name}: WARNING: the host key has changed (known {', '.join(known)}, offered "
            f"{offered}); someone may be intercepting the connection — refused. If the host was "
            f"really reinstalled, remove the old key (ssh-keygen -R '{name}') and connect again",
        )


@dataclass(frozen=True)
class Rejection:
    """A key the policy did not trust during one connection attempt."""

    host: str
    port: int | None
    fingerprint: str
    key_type: str
    known: tuple[str, ...]

    def error(self) -> HostKeyError:
        """The error to raise for it: changed when other keys are known, else unknown."""
        if self.known:
            return HostKeyChanged(self.host, self.port, self.known, self.fingerprint)
        return HostKeyUnknown(self.host, self.port, self.fingerprint, self.key_type)


def _fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


class HostKeyPolicy:
    """Which host keys replui trusts, shared by every SSH connection.

    ``files`` are the known_hosts files to trust besides replui's own
    (``own_file``, default :func:`own_known_hosts_path`); ``accepted`` are
    ``SHA256:…`` fingerprints the operator accepted for hosts not yet known.
    Thread-safe: the TUI may accept a key while connections are made.
    """

    def __init__(self, accepted: Iterable[str] = (), own_file: Path | None = None):
        self.own_file = own_file if own_file is not None else own_known_hosts_path()
        self._accepted = {_normal(f) for f in accepted}
        self._lock = threading.Lock()

    def accept(self, fingerprint: str) -> None:
        """Trust a key with this ``SHA256:…`` fingerprint the next time an
        unknown host offers it (it is then written to :attr:`own_file`)."""
        with self._lock:
            self._accepted.add(_normal(fingerprint))

    def known_hosts(self, files: Iterable[str]) -> asyncssh.SSHKnownHosts:
        """The trusted keys of ``files`` (missing ones skipped) and of
        :attr:`own_file`, read now (so a key accepted a moment ago counts)."""
        paths = [p for p in (*files, str(self.own_file)) if p and os.path.isfile(p)]
        return asyncssh.read_known_hosts(paths) if paths else asyncssh.SSHKnownHosts()

    def decide(
        self, known: asyncssh.SSHKnownHosts, host: str, addr: str, port: int | None, key: asyncssh.SSHKey
    ) -> Rejection | None:
        """Called for a key ``known`` does not trust: None to trust it (an
        accepted fingerprint for a host with no known key: written to
        :attr:`own_file` first), else the :class:`Rejection` to report."""
        fingerprint = _fingerprint(key)
        host_keys = known.match(host, addr, port)[0]
        known_prints = tuple(sorted({_fingerprint(k) for k in host_keys}))
        with self._lock:
            accepted = fingerprint in self._accepted
        if accepted and not known_prints:
            self.remember(host, port, key)
            return None
        return Rejection(host, port, fingerprint, key.get_algorithm(), known_prints)

    def remember(self, host: str, port: int | None, key: asyncssh.SSHKey) -> None:
        """Append ``key`` for ``host``/``port`` to :attr:`own_file` (created
        with mode 0600 in a 0700 directory). Raises OSError when it cannot be
        written; the connection then fails rather than trust an unrecorded key."""
        line = known_hosts_entry_name(host, port) + " " + key.export_public_key("openssh").decode().strip()
        self.own_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.own_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)


def _normal(fingerprint: str) -> str:
    """``SHA256:abc`` as asyncssh prints it (the prefix in its case, the base64 kept)."""
    text = fingerprint.strip()
    if text.lower().startswith("sha256:"):
        return "SHA256:" + text[7:]
    return text
