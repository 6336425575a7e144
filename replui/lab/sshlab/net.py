"""The SSH lab's network in netns mode: namespaces, veths, the jump's bridge,
the root namespace's unreachable route, the machine-wide lock that
serialises setups, lab ids, and :func:`reap_stale` for crashed labs.

Names: a lab id is ``rl<pid><letter>`` (the creating process's pid); its
namespaces ``<id>-jump``, ``<id>-db1``…; its root-side veth ``<id>j`` with
``10.231.0.(4k+1)/30`` for the lab's link index k (0-63), the jump's end
``10.231.0.(4k+2)``; its route ``unreachable 10.231.1.0/24 metric 4000+k``.
Every ``ip`` failure is a :class:`~replui.lab.server.LabError` naming the step.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import subprocess
import threading
from pathlib import Path
from typing import Iterator, Sequence

from replui.lab.server import LabError
from replui.lab.sshlab import procs
from replui.lab.sshlab.hosts import DB_CIDR, DB_NET, LINK_NET, SshHost

ROUTE_METRIC = 4000  # + k: each lab's own unreachable route for DB_CIDR in the root namespace
LOCK_FILE = Path("/run/replui-sshlab.lock")
_NS_RE = re.compile(r"^(rl(\d+)[a-z])-(jump|db\d+)$")
_used_ids: set[str] = set()  # lab ids taken by this process
_used_ids_lock = threading.Lock()


class NetnsUnavailable(LabError):
    """netns mode cannot run here (not root, no ``ip``, or namespaces refused)."""


def netns_unavailable_reason() -> str | None:
    """None when netns mode can run here (root, ``ip`` present, a namespace can be
    created and deleted: probed), else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root (running as uid %d)" % os.geteuid()
    ip = procs.which("ip")
    if not ip:
        return "the ip command (iproute2) is missing; install with: apt-get install -y iproute2"
    probe = f"rl{os.getpid()}probe{secrets.token_hex(2)}"
    try:
        procs.run([ip, "netns", "add", probe], "probing ip netns", timeout=15)
    except LabError as exc:
        return str(exc)
    try:
        procs.run([ip, "netns", "del", probe], "probing ip netns", timeout=15)
    except LabError as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    """Serialises netns setups of this machine (choice of names and link subnets)."""
    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def namespaces() -> list[str]:
    """Every named network namespace of this machine (``ip netns``), sorted."""
    try:
        return sorted(os.listdir("/run/netns"))
    except OSError:
        return []


def reserve_id() -> str:
    """A lab id ``rl<pid><letter>`` no namespace here and no running lab of this
    process uses (:func:`release_id` frees it); LabError when 26 are in use."""
    taken = {m.group(1) for ns in namespaces() if (m := _NS_RE.match(ns))}
    with _used_ids_lock:
        for letter in "abcdefghijklmnopqrstuvwxyz":
            lab_id = f"rl{os.getpid()}{letter}"
            if lab_id not in taken and lab_id not in _used_ids:
                _used_ids.add(lab_id)
                return lab_id
    raise LabError("too many SSH labs running in this process (26)")


def release_id(lab_id: str) -> None:
    """Let a later lab of this process use ``lab_id`` again (its namespaces are gone)."""
    with _used_ids_lock:
        _used_ids.discard(lab_id)


def _link_index(veth: str) -> int | None:
    """k of the root-side veth's address 10.231.0.(4k+1), None when it has none."""
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", veth], capture_output=True, text=True, check=False
    ).stdout
    m = re.search(rf"inet {re.escape(LINK_NET)}\.(\d+)/30", out)
    return (int(m.group(1)) - 1) // 4 if m else None


def reap_stale() -> list[str]:
    """Remove what crashed netns labs left behind: namespaces ``rl<pid><letter>-…``
    whose creating process is gone, every process in them, their root-side veth
    and unreachable route. Returns the namespaces removed. Root only."""
    removed = []
    labs: set[str] = set()
    for ns in namespaces():
        m = _NS_RE.match(ns)
        if not m or procs.alive(int(m.group(2))):
            continue
        for pid in procs.pids_in_netns(ns):
            procs.kill(pid)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        removed.append(ns)
        labs.add(m.group(1))
    for lab_id in labs:
        drop_root_link(lab_id + "j")
    return removed


def drop_root_link(veth: str, k: int | None = None) -> None:
    """Delete the root-side ``veth`` and the unreachable route of its link
    index ``k`` (read from the veth's address when not given; no error when
    absent). Give ``k`` when the namespaces may already be gone: deleting the
    jump's namespace deletes the veth pair, and with it the address ``k`` is read from."""
    k = _link_index(veth) if k is None else k
    subprocess.run(["ip", "link", "del", veth], capture_output=True, check=False)
    if k is not None:
        subprocess.run(
            ["ip", "route", "del", "unreachable", DB_CIDR, "metric", str(ROUTE_METRIC + k)],
            capture_output=True,
            check=False,
        )


def free_link() -> int:
    """Reap stale labs, then the lowest link index k whose /30 of 10.231.0.0/24 no
    address of the root namespace uses; LabError when all 64 are taken. Call it
    under :func:`machine_lock` and claim k (:func:`link_root`) before releasing it."""
    reap_stale()
    used = set()
    out = procs.run(["ip", "-4", "-o", "addr", "show"], "listing addresses").stdout
    for m in re.finditer(rf"inet {re.escape(LINK_NET)}\.(\d+)/", out):
        used.add((int(m.group(1)) - 1) // 4)
    free = [k for k in range(64) if k not in used]
    if not free:
        raise LabError(f"every /30 of {LINK_NET}.0/24 is taken by other SSH labs")
    return free[0]


def jump_address(k: int) -> str:
    """The jump's address on link ``k``: ``10.231.0.(4k+2)``."""
    return f"{LINK_NET}.{4 * k + 2}"


def link_root(names: Sequence[str], jump_ns: str, root_veth: str, k: int) -> None:
    """Create the namespaces ``names`` (loopback up in each), the veth
    ``root_veth`` ⇄ ``eth0`` of ``jump_ns`` with ``10.231.0.(4k+1)/30`` on the
    root side, and the root namespace's unreachable route (metric 4000+k)."""
    for ns in names:
        procs.run(["ip", "netns", "add", ns], f"creating namespace {ns}")
        procs.run(["ip", "-n", ns, "link", "set", "lo", "up"], f"{ns}: lo up")
    procs.run(
        ["ip", "link", "add", root_veth, "type", "veth", "peer", "name", "eth0", "netns", jump_ns],
        "creating the root-jump veth",
    )
    procs.run(["ip", "addr", "add", f"{LINK_NET}.{4 * k + 1}/30", "dev", root_veth], "root veth address")
    procs.run(["ip", "link", "set", root_veth, "up"], "root veth up")
    procs.run(  # replace: a route a vanished lab left behind on this k is taken over, not an error
        ["ip", "route", "replace", "unreachable", DB_CIDR, "metric", str(ROUTE_METRIC + k)],
        "the root namespace's unreachable route to the database network",
    )


def wire_hosts(jump: SshHost, hosts: Sequence[SshHost]) -> None:
    """In the jump's namespace: its ``eth0`` address (``jump.address``/30), the
    bridge ``br0`` with ``10.231.1.1/24``, IP forwarding off, and one veth per
    database host (``v<name>`` on the bridge ⇄ ``eth0`` with the host's address/24)."""
    jns = jump.namespace
    assert jns is not None
    ipj = ["ip", "-n", jns]
    procs.run([*ipj, "addr", "add", f"{jump.address}/30", "dev", "eth0"], "jump address")
    procs.run([*ipj, "link", "set", "eth0", "up"], "jump eth0 up")
    procs.run([*ipj, "link", "add", "br0", "type", "bridge"], "jump bridge")
    procs.run([*ipj, "addr", "add", f"{DB_NET}.1/24", "dev", "br0"], "jump bridge address")
    procs.run([*ipj, "link", "set", "br0", "up"], "jump bridge up")
    procs.run(
        ["ip", "netns", "exec", jns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0"], "jump: no forwarding"
    )
    for h in hosts:
        assert h.namespace is not None
        port = f"v{h.name}"
        procs.run(
            [*ipj, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", h.namespace],
            f"{h.name}: veth",
        )
        procs.run([*ipj, "link", "set", port, "master", "br0", "up"], f"{h.name}: bridge port")
        procs.run(
            ["ip", "-n", h.namespace, "addr", "add", f"{h.address}/24", "dev", "eth0"], f"{h.name}: address"
        )
        procs.run(["ip", "-n", h.namespace, "link", "set", "eth0", "up"], f"{h.name}: eth0 up")


def remove_network(names: Sequence[str], root_veth: str, k: int | None = None) -> list[str]:
    """Kill every process still in the namespaces ``names``, delete those present,
    then the root veth and the route of link index ``k`` (read from the veth
    first when not given). Returns the failures as messages."""
    k = _link_index(root_veth) if k is None else k
    errors = []
    present = set(namespaces())
    for ns in names:
        if ns in present:
            for pid in procs.pids_in_netns(ns):  # started meanwhile, e.g. by a session
                procs.kill(pid)
            out = subprocess.run(["ip", "netns", "del", ns], capture_output=True, text=True, check=False)
            if out.returncode != 0:
                errors.append(f"ip netns del {ns}: {procs.tail(out.stderr)}")
    drop_root_link(root_veth, k)
    return errors
