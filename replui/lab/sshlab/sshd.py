"""The SSH side of the lab: ed25519 keys, each host's ``sshd_config``, the
client's ``known_hosts`` and ``ssh_config``, and starting and stopping one
``sshd`` listener.

Paths written into OpenSSH configs are double-quoted; the lab only accepts
directories without quotes or spaces. Failures are LabError (SshMissing when
``sshd`` is absent) with the command's stderr or the sshd log's tail.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Sequence

from replui.lab import server
from replui.lab.server import LabError
from replui.lab.sshlab import procs
from replui.lab.sshlab.hosts import MARKER_ENV, SshHost, public_key
from replui.lab.sshlab.procs import SSHD_SEARCH, Proc

INSTALL_HINT = "apt-get install -y openssh-server openssh-client"


class SshMissing(LabError):
    """No ``sshd``/``ssh``/``ssh-keygen`` on this machine."""


def ssh_missing_reason() -> str | None:
    """None when ``sshd``, ``ssh``, ``ssh-keygen`` and ``scp`` exist, else what is missing
    and how to install it."""
    missing = [n for n in ("sshd", "ssh", "ssh-keygen", "scp") if not procs.which(n)]
    if missing:
        return f"{', '.join(missing)} not found (looked in {SSHD_SEARCH}); install with: {INSTALL_HINT}"
    return None


def _quoted(path: Path | str) -> str:
    """A path for sshd_config/ssh_config: double-quoted (the lab checks it holds no quote or space)."""
    return f'"{path}"'


# ----- keys


def keygen(key: Path, comment: str) -> subprocess.Popen[bytes]:
    """Start ``ssh-keygen`` writing a new passphrase-less ed25519 ``key`` (and
    ``key.pub``), replacing any old one; finish with :func:`finish_keygen`."""
    key.unlink(missing_ok=True)
    public_key(key).unlink(missing_ok=True)
    return subprocess.Popen(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish_keygen(proc: subprocess.Popen[bytes], key: Path, timeout: float = 60.0) -> None:
    """Wait (``timeout`` seconds at most) for :func:`keygen` of ``key``; LabError
    when it failed or did not end in time (it is killed then)."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise LabError(f"ssh-keygen -f {key} did not end within {timeout:g} s") from None
    if proc.returncode != 0:
        raise LabError(f"ssh-keygen -f {key} exited {proc.returncode}: {procs.tail(err)}")


def fingerprint(pub: Path) -> str:
    """``"SHA256:…"`` of the public key file ``pub``."""
    out = procs.run(["ssh-keygen", "-l", "-f", str(pub)], f"fingerprint of {pub}").stdout.split()
    if len(out) < 2:
        raise LabError(f"ssh-keygen -lf {pub}: unexpected output {' '.join(out)!r}")
    return out[1]


# ----- config files


def write_sshd_config(h: SshHost, authorized_keys: Path, marker: str) -> None:
    """``h.sshd_config``: listen on ``h.address:h.port`` with ``h``'s host key,
    public keys from ``authorized_keys`` only (root included), forwarding
    allowed, and ``REPLUI_SSHLAB=marker`` set in every session."""
    lines = [
        "# Written by replui.lab.sshlab",
        f"ListenAddress {h.address}:{h.port}",
        f"HostKey {_quoted(h.host_key)}",
        f"PidFile {_quoted(h.sshd_pid_file)}",
        f"AuthorizedKeysFile {_quoted(authorized_keys)}",
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "AllowTcpForwarding yes",
        "AllowStreamLocalForwarding yes",
        "AllowAgentForwarding no",
        "PermitTunnel no",
        "X11Forwarding no",
        "PrintMotd no",
        "PrintLastLog no",
        "UseDNS no",
        "Subsystem sftp internal-sftp",
        "MaxStartups 50",
        "MaxSessions 50",
        "LogLevel ERROR",
        f"SetEnv {MARKER_ENV}={marker}",
    ]
    h.sshd_config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_known_hosts(path: Path, hosts: Sequence[SshHost]) -> None:
    """``path``: one line per host, its :attr:`~SshHost.known_hosts_name` and current public key."""
    lines = []
    for h in hosts:
        kind, blob = h.host_key_pub.read_text(encoding="utf-8").split()[:2]
        lines.append(f"{h.known_hosts_name} {kind} {blob}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_ssh_config(
    path: Path, hosts: Sequence[SshHost], user: str, identity: Path, known_hosts: Path
) -> None:
    """``path``: an OpenSSH client config with ``Host NAME`` per host (database
    hosts through ``ProxyJump jump``) and, for all, ``user``, the key
    ``identity`` only, strict checking against ``known_hosts``, batch mode."""
    lines = ["# Written by replui.lab.sshlab. Use: ssh -F " + str(path) + " db1 CMD", ""]
    for h in hosts:
        lines += [f"Host {h.name}", f"  HostName {h.address}", f"  Port {h.port}"]
        if h.is_db:
            lines.append("  ProxyJump jump")
        lines.append("")
    lines += [
        "Host *",
        f"  User {user}",
        f"  IdentityFile {_quoted(identity)}",
        "  IdentitiesOnly yes",
        f"  UserKnownHostsFile {_quoted(known_hosts)}",
        "  GlobalKnownHostsFile /dev/null",
        "  StrictHostKeyChecking yes",
        "  UpdateHostKeys no",
        "  CheckHostIP no",
        "  BatchMode yes",
        "  ConnectTimeout 10",
        "  ControlMaster no",
        "  ControlPath none",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


# ----- the daemon


def spawn_sshd(h: SshHost, prefix: Sequence[str], marker: str) -> Proc:
    """Start ``h``'s sshd in the foreground of its own session (``prefix``, e.g.
    ``ip netns exec NS``, before it; ``REPLUI_SSHLAB=marker`` in its
    environment; output appended to ``h.sshd_log``). SshMissing without sshd."""
    sshd = procs.which("sshd")
    if not sshd:
        raise SshMissing(f"sshd not found; install with: {INSTALL_HINT}")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
    env = dict(os.environ, **{MARKER_ENV: marker})
    with open(h.sshd_log, "ab") as log:
        popen = subprocess.Popen(
            [*prefix, sshd, "-D", "-e", "-f", str(h.sshd_config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    return Proc.of(popen)


def wait_listening(h: SshHost, popen: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until ``h``'s sshd ``popen`` listens on ``h.address:h.port``;
    LabError with its log tail when it exits, or after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not procs.listening(popen.pid, h.address, h.port):
        if popen.poll() is not None:
            raise LabError(
                f"{h.name}: sshd exited ({popen.returncode}) while starting:\n{server.tail(h.sshd_log)}"
            )
        if time.monotonic() > deadline:
            raise LabError(f"{h.name}: sshd not listening on {h.address}:{h.port} after {timeout:.0f} s")
        time.sleep(0.02)


def kill_listener(p: Proc) -> list[tuple[int, int | None]]:
    """SIGKILL the sshd listener ``p`` alone and wait (10 s) until it is gone;
    returns its descendants (open sessions, left running) as ``(pid, start)``.
    LabError when it does not go."""
    if not p.alive():
        return []
    sessions = [(pid, procs.start_time(pid)) for pid in procs.descendants(p.pid)]
    procs.kill(p.pid)
    if p.popen is not None:
        try:
            p.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise LabError(f"sshd {p.pid} survived SIGKILL for 10 s") from None
    procs.wait_gone([(p.pid, p.start)], 10)
    return sessions
