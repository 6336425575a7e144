"""Commands on a database host over SSH: :class:`SshTransport`.

Each command runs in an exec channel of the host's shared connection
(:mod:`replui.transport.sshhub`), wrapped so that

- it leads its own process group (sshd starts every session with
  ``setsid()``; the wrapper prints its pid, which is the group's id, before
  it ``exec``\\s the command), and terminate/kill signal that whole group with
  ``kill -- -PGID`` over a second channel — a pipeline or a tool's helpers go
  with it;
- a missing command is reported at spawn (``command -v``) as
  :class:`~replui.transport.base.TransportError` naming the host.

Private files (option files with passwords) are written under a directory
made with ``umask 077; mktemp -d`` on the host, their bytes sent on the
channel's stdin (never in a command line). A directory a remote command
made itself and removes when it ends (the wire's, :mod:`replui.wizards.wireend`)
is adopted, so it is removed here too if that command could not.
:meth:`SshTransport.cleanup` kills what still runs and removes every
directory it made or adopted — over a new connection when the old one was
dropped.

Everything asyncssh does happens on the hub's loop; the streams
(:mod:`replui.transport.sshstreams`) carry each read, write and drain over to
it, so the caller may run on any event loop (the TUI's, or ``asyncio.run`` in the CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shlex
from typing import TYPE_CHECKING

import asyncssh

from replui.transport.base import ByteReader, ByteWriter, TransportError
from replui.transport.sshhub import SshError, SshHub, describe_failure
from replui.transport.sshstreams import RemoteReader, RemoteWriter

if TYPE_CHECKING:
    from replui.config import SshTarget

__all__ = ["SshTransport", "SshProcess"]

#: The wrapper every command runs in: report a missing command, else print the
#: process group id and become the command (same pid, so same group).
_WRAPPER = (
    'command -v "$1" >/dev/null 2>&1 || { echo "replui-missing" >&2; exit 127; }; '
    'echo "replui-pgid $$" >&2; exec "$@"'
)
_START_TIMEOUT = 30.0  # seconds for a command to report that it started
CLEANUP_TIMEOUT = 15.0  # seconds for the removal of the private directories


def remote_command(argv: list[str], cwd: str | None = None) -> str:
    """The command line sent to the host's login shell for ``argv`` (quoted
    word by word; ``cwd`` entered first)."""
    inner = _WRAPPER if cwd is None else f"cd {shlex.quote(cwd)} || exit 126; " + _WRAPPER
    return "exec /bin/sh -c " + shlex.quote(inner) + " sh " + shlex.join(argv)


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data or ""


class SshProcess:
    """A command started by :class:`SshTransport` (see :class:`~replui.transport.base.Process`).

    ``pid`` is the remote process id (also its process group id).
    """

    def __init__(
        self, transport: "SshTransport", proc: asyncssh.SSHClientProcess[bytes], argv: list[str], pgid: int
    ):
        self._transport = transport
        self._hub = transport.hub
        self._proc = proc
        self.argv = list(argv)
        self.pid: int | None = pgid
        where = transport.name
        self.stdin: ByteWriter | None = RemoteWriter(self._hub, proc.stdin, where)
        self.stdout: ByteReader = RemoteReader(self._hub, proc.stdout)
        self.stderr: ByteReader = RemoteReader(self._hub, proc.stderr)

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode

    async def wait(self) -> int:
        """Wait for the command's channel to close; its exit status. Unread
        output stays readable (asyncssh's ``SSHClientProcess.wait()`` would
        read — and so take — whatever the relay has not read yet)."""
        with contextlib.suppress(asyncssh.Error, OSError):
            await self._hub.call(self._proc.wait_closed())
        rc = self._proc.returncode
        return rc if rc is not None else -1  # the channel closed with no status: the connection dropped

    def _signal(self, sig: str) -> None:
        if self.pid is not None:
            self._hub.submit(self._transport.signal_group(self.pid, sig))

    def terminate(self) -> None:
        self._signal("TERM")

    def kill(self) -> None:
        self._signal("KILL")

    async def terminate_tree(self, timeout: float = 5.0) -> int | None:
        """TERM the remote process group, wait up to ``timeout`` s, then KILL
        whatever of the group is left. The exit status, or None. A command that
        has already exited on its own is left alone: replui's remote commands
        start no process that outlives them (the wire scripts ``wait`` for
        theirs), and a group id signalled after its processes are gone could
        by then belong to someone else. Each signal is one remote command."""
        if self.pid is not None and self._proc.returncode is None:
            with contextlib.suppress(SshError, TransportError):
                await self._transport.signal_group(self.pid, "TERM")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wait(), timeout)
            with contextlib.suppress(SshError, TransportError):
                await self._transport.signal_group(self.pid, "KILL")
        try:
            return await asyncio.wait_for(self.wait(), timeout)
        except asyncio.TimeoutError:
            return None

    def close(self) -> None:
        if self._proc.returncode is not None or self._proc.channel.is_closing():
            self._hub.call_soon(self._proc.close)

    def __repr__(self) -> str:
        argv0 = self.argv[0] if self.argv else ""
        return f"<SshProcess {self._transport.name} pid={self.pid} rc={self.returncode} argv0={argv0!r}>"


class SshTransport:
    """Runs commands on ``target``'s host over the hub's shared connection
    (see :class:`~replui.transport.base.Transport`). ``name`` is
    ``"ssh:" + target.label``."""

    def __init__(self, target: "SshTarget", hub: SshHub | None = None):
        from replui.transport.sshhub import hub as default_hub

        self.target = target
        self.hub = hub if hub is not None else default_hub()
        self.name = f"ssh:{target.label}"
        self._dir: str | None = None
        self._dirs: list[str] = []
        self._self_removing: set[str] = set()  # adopted: their command removes them when it ends
        self._procs: list[SshProcess] = []

    # -- running commands ------------------------------------------------------------

    async def run_command(
        self, command: str, data: bytes | None = None, timeout: float = 30.0
    ) -> tuple[int, str]:
        """Run ``command`` (a shell line, for the host's login shell) to its end; ``(exit status,
        stdout + stderr)``. Raises :class:`TransportError` naming the host when SSH fails
        or it runs longer than ``timeout`` seconds."""

        async def complete(conn: asyncssh.SSHClientConnection) -> tuple[int, str]:
            # not conn.run(): with a forwarded MySQL channel open on the same connection
            # its wait() never returned here; reading both streams, then waiting for
            # the channel to close, does
            proc = await conn.create_process(command, encoding=None)
            try:
                if data:
                    proc.stdin.write(data)
                proc.stdin.write_eof()
                out, err = await asyncio.gather(proc.stdout.read(), proc.stderr.read())
                await proc.wait_closed()
            finally:
                proc.close()
            rc = proc.returncode
            return (rc if rc is not None else -1), _text(out) + _text(err)

        async def go() -> tuple[int, str]:
            conn = await self.hub.connection(self.target)
            try:
                return await asyncio.wait_for(complete(conn), timeout)
            except (asyncssh.Error, OSError, asyncio.TimeoutError) as exc:
                raise SshError(self.target.label, describe_failure(exc, timeout), stage="channel") from None

        try:
            return await self.hub.call(go())
        except SshError as exc:
            raise TransportError(str(exc)) from None

    async def signal_group(self, pgid: int, sig: str) -> None:
        """Send ``SIG<sig>`` to remote process group ``pgid`` (no error when it is gone)."""
        await self.run_command(f"kill -{sig} -- -{int(pgid)} 2>/dev/null; true", timeout=10.0)

    async def spawn(
        self,
        argv: list[str],
        *,
        stdin: bool = False,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> SshProcess:
        """Start ``argv`` on the host; see :meth:`Transport.spawn`. ``env`` is
        refused (an SSH server takes only the variables it is told to accept,
        and a value in the command line would show in ``ps``). Raises
        :class:`TransportError` naming the host when the connection fails or
        the command is not installed there."""
        if not argv:
            raise TransportError("empty command")
        if env:
            raise TransportError(f"{self.name}: environment variables cannot be passed to a remote command")
        command = remote_command(argv, cwd)

        async def go() -> tuple[asyncssh.SSHClientProcess[bytes], str]:
            conn = await self.hub.connection(self.target)
            try:
                proc = await conn.create_process(command, encoding=None)
            except (asyncssh.Error, OSError) as exc:
                raise SshError(self.target.label, describe_failure(exc), stage="channel") from None
            try:
                first = await asyncio.wait_for(proc.stderr.readline(), _START_TIMEOUT)
            except (asyncssh.Error, OSError, asyncio.TimeoutError) as exc:
                proc.close()
                raise SshError(
                    self.target.label, f"{argv[0]} did not start: {describe_failure(exc, _START_TIMEOUT)}"
                ) from None
            if not stdin:
                proc.stdin.write_eof()
            text = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(first)
            return proc, text.strip()

        try:
            proc, first = await self.hub.call(go())
        except SshError as exc:
            raise TransportError(str(exc)) from None
        if first == "replui-missing":
            self.hub.call_soon(proc.close)
            raise TransportError(f"{argv[0]}: command not found on {self.target.label}")
        if not first.startswith("replui-pgid "):
            self.hub.call_soon(proc.close)
            raise TransportError(f"{argv[0]}: could not start on {self.target.label}: {first[:200]}")
        sp = SshProcess(self, proc, argv, int(first.split()[1]))
        if not stdin:
            sp.stdin = None
        self._procs = [p for p in self._procs if p.returncode is None]
        self._procs.append(sp)
        return sp

    # -- private files and directories -------------------------------------------------------

    async def _mktemp(self, prefix: str) -> str:
        """A new 0700 directory ``PREFIXxxxxxxxx`` in the node's ``work_dir`` on
        the host (``$TMPDIR``, else ``/tmp``, when unset); its path. Raises
        :class:`TransportError` naming the host and the directory."""
        safe = "".join(ch for ch in prefix if ch.isalnum() or ch in "-_.") or "replui-"
        work = self.target.work_dir
        root = shlex.quote(work) if work else '"${TMPDIR:-/tmp}"'
        rc, out = await self.run_command(f"umask 077; mktemp -d {root}/{safe}XXXXXXXX")
        path = out.strip().splitlines()[-1] if out.strip() else ""
        if rc != 0 or not path.startswith("/"):
            raise TransportError(
                f"{self.name}: cannot make a private directory in {work or '$TMPDIR (else /tmp)'}: "
                f"{out.strip()[:200]}"
            )
        return path

    async def write_private_file(self, data: bytes, suffix: str = "") -> str:
        """A new 0600 file holding ``data`` in a 0700 directory on the host (made
        by the same remote command the first time); its path there. The bytes
        travel on the channel's stdin."""
        safe_suffix = "".join(ch for ch in suffix if ch.isalnum() or ch in "-_.")
        name = f"f-{secrets.token_hex(6)}{safe_suffix}"
        work = self.target.work_dir
        if self._dir is None:
            root = shlex.quote(work) if work else '"${TMPDIR:-/tmp}"'
            make = f'd=$(mktemp -d {root}/replui-XXXXXXXX) || exit 1; echo "$d"; '
        else:
            make = f"d={shlex.quote(self._dir)}; "
        rc, out = await self.run_command(f'umask 077; {make}set -C; cat > "$d/{name}"', data=data)
        lines = out.strip().splitlines()
        if self._dir is None and rc == 0 and lines and lines[0].startswith("/"):
            self._dir = lines[0]
        if rc != 0 or self._dir is None:
            where = self._dir or work or "$TMPDIR (else /tmp)"
            raise TransportError(f"{self.name}: cannot write a private file in {where}: {out.strip()[:200]}")
        return f"{self._dir}/{name}"

    async def remove(self, path: str) -> None:
        with contextlib.suppress(TransportError):
            await self.run_command(f"rm -f -- {shlex.quote(path)}")

    async def make_private_dir(self, prefix: str = "replui-dir-") -> str:
        """A new 0700 directory in the node's ``work_dir`` on the host; see :meth:`_mktemp`."""
        path = await self._mktemp(prefix)
        self._dirs.append(path)
        return path

    async def remove_tree(self, path: str) -> None:
        if path not in self._dirs:
            raise TransportError(
                f"{path}: not a directory this transport made on {self.target.label}; not removed"
            )
        await self.run_command(f"rm -rf -- {shlex.quote(path)}")
        self._dirs.remove(path)
        self._self_removing.discard(path)

    # -- directories a remote command makes and removes itself ----------------------------------

    @property
    def private_parent(self) -> str | None:
        """The directory on the host under which private directories are made:
        the node's ``work_dir``; None: ``${TMPDIR:-/tmp}`` of the login shell
        there (as :meth:`make_private_dir`)."""
        work = getattr(self.target, "work_dir", None)
        return work if isinstance(work, str) and work else None

    def adopt_private_dir(self, path: str) -> None:
        """Track ``path``, a private directory a command made on the host and
        removes itself when it ends (the wire's prepare command and script,
        :mod:`replui.wizards.wireend`): :meth:`remove_tree` and :meth:`cleanup`
        remove it like one :meth:`make_private_dir` made, in case that command
        could not (it was killed). No round trip."""
        if path not in self._dirs:
            self._dirs.append(path)
        self._self_removing.add(path)

    def release_private_dir(self, path: str) -> None:
        """Forget ``path`` (adopted): the command that owned it reported it removed. No round trip."""
        if path in self._dirs:
            self._dirs.remove(path)
        self._self_removing.discard(path)

    async def cleanup(self) -> None:
        """Kill every command still running (its whole group), then remove every
        directory made here; a dropped connection is opened again. Idempotent.
        Raises :class:`TransportError` naming the host and the directories when
        they could not be removed (the host stopped answering): they may hold an
        option file with a password, so the operator must hear of them."""
        procs, self._procs = self._procs, []
        try:
            if procs:
                await asyncio.gather(*(p.terminate_tree(2.0) for p in procs), return_exceptions=True)
        finally:
            dirs = [*self._dirs, *([self._dir] if self._dir else [])]
            self_removing, self._self_removing = self._self_removing, set()
            self._dirs, self._dir = [], None
            for p in procs:
                p.close()
            if dirs:
                listed = " ".join(shlex.quote(d) for d in dirs)
                try:
                    rc, out = await self.run_command(f"rm -rf -- {listed}", timeout=CLEANUP_TIMEOUT)
                except TransportError as exc:
                    rc, out = -1, str(exc)
                if rc != 0:
                    raise TransportError(_not_removed(self.target.label, dirs, self_removing, out))


def _not_removed(label: str, dirs: list[str], self_removing: set[str], cause: str) -> str:
    """The message for private directories on ``label``'s host that could not be
    removed; those in ``self_removing`` are removed by their own command when it
    ends (also when the connection drops), which replui could not confirm."""
    theirs = [d for d in dirs if d in self_removing]
    ours = [d for d in dirs if d not in self_removing]
    parts = []
    if ours:
        parts.append(f"could not remove {', '.join(ours)}")
    if theirs:
        parts.append(
            f"could not confirm that {', '.join(theirs)} "
            + ("is" if len(theirs) == 1 else "are")
            + " gone (the command that made it removes it when it ends, also when the connection drops)"
        )
    return (
        f"{label}: {'; '.join(parts)} ({cause.strip()[:200]}); check and remove them by hand: "
        "they may hold an option file with a password"
    )
