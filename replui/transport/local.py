"""Commands on this machine: :class:`LocalTransport` on asyncio subprocesses.

Every command starts in its own session (``start_new_session=True``), so it
leads its own process group; terminating it signals the whole group, and a
shell pipeline or a tool's helpers go with it — cancel leaves no process
behind. Private files live in a ``mkdtemp`` directory (mode 0700) and are
created with mode 0600 from the first byte (``O_CREAT|O_EXCL``); private
directories (:meth:`LocalTransport.make_private_dir`) are ``mkdtemp``
directories beside it, under the node's ``work_dir`` (``tmp_root``; default
the system temp dir). :meth:`LocalTransport.cleanup` removes them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import signal
import tempfile

from replui.transport.base import ByteReader, ByteWriter, Process, TransportError

#: Pipe capacity asked for on Linux (F_SETPIPE_SZ); the kernel caps it at
#: /proc/sys/fs/pipe-max-size (1 MiB by default). Fewer wake-ups per MiB relayed.
PIPE_SIZE = 1024 * 1024


def _grow_pipe(transport: asyncio.BaseTransport | None) -> None:
    """Ask for a larger pipe buffer; silently keep the default when refused."""
    if transport is None:
        return
    pipe = transport.get_extra_info("pipe")
    setsz = getattr(fcntl, "F_SETPIPE_SZ", None)
    if pipe is None or setsz is None:
        return
    with contextlib.suppress(OSError, ValueError):
        fcntl.fcntl(pipe.fileno(), setsz, PIPE_SIZE)


class LocalProcess:
    """A command started by :class:`LocalTransport` (see :class:`~replui.transport.base.Process`).

    ``stdin``/``stdout``/``stderr`` are asyncio ``StreamWriter``/``StreamReader``.
    ``terminate()``/``kill()`` signal the process group (the command and
    every process it started that stayed in its group); ``terminate_tree()``
    is :func:`terminate_tree` on this process.
    """

    def __init__(self, proc: asyncio.subprocess.Process, argv: list[str]):
        # LocalTransport.spawn always pipes stdout and stderr
        assert proc.stdout is not None and proc.stderr is not None
        self._proc = proc
        self.argv = list(argv)
        self.pid: int | None = proc.pid
        self.stdin: ByteWriter | None = proc.stdin
        self.stdout: ByteReader = proc.stdout
        self.stderr: ByteReader = proc.stderr

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode

    async def wait(self) -> int:
        return await self._proc.wait()

    def close(self) -> None:
        """Close the pipes to an exited command (unread output is dropped), so
        no asyncio transport outlives the run and complains, at interpreter
        exit, that its event loop is closed. Does nothing while it runs."""
        transport = getattr(self._proc, "_transport", None)
        if transport is not None and self._proc.returncode is not None:
            transport.close()

    def _signal(self, sig: int) -> None:
        if self.pid is None:
            return
        try:
            os.killpg(self.pid, sig)  # our pid leads its own group (start_new_session)
        except (ProcessLookupError, PermissionError):
            if self._proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self._proc.send_signal(sig)

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    async def terminate_tree(self, timeout: float = 5.0) -> int | None:
        """SIGTERM the process group, SIGKILL after ``timeout``; see :func:`terminate_tree`."""
        return await terminate_tree(self, timeout)

    def __repr__(self) -> str:
        return (
            f"<LocalProcess pid={self.pid} rc={self.returncode} argv0={self.argv[0] if self.argv else ''!r}>"
        )


def _group_alive(pgid: int) -> bool:
    """True while any process is left in process group ``pgid``."""
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _leftovers(proc: Process) -> bool:
    """True while processes of ``proc``'s group remain (local processes only)."""
    return isinstance(proc, LocalProcess) and proc.pid is not None and _group_alive(proc.pid)


async def terminate_tree(proc: Process, timeout: float = 5.0) -> int | None:
    """Stop ``proc`` (any :class:`~replui.transport.base.Process`) and, for a
    local one, its whole process group: SIGTERM, then SIGKILL after
    ``timeout`` seconds. Returns the command's exit status (negative: the
    signal that ended it), or None if it could not be reaped within another
    ``timeout``. Safe on a process that has already exited (it still clears
    leftovers in its group)."""
    loop = asyncio.get_running_loop()
    if proc.returncode is None or _leftovers(proc):
        proc.terminate()
        deadline = loop.time() + timeout
        waiter = asyncio.ensure_future(proc.wait())
        try:
            while True:
                if proc.returncode is not None and not _leftovers(proc):
                    break
                if loop.time() >= deadline:
                    proc.kill()
                    break
                await asyncio.wait([waiter], timeout=0.05)
        finally:
            if not waiter.done():
                waiter.cancel()
    with contextlib.suppress(asyncio.TimeoutError):
        return await asyncio.wait_for(proc.wait(), timeout)
    return None


class LocalTransport:
    """Runs commands on this machine (see :class:`~replui.transport.base.Transport`).

    ``tmp_root`` is where the private directory and the directories of
    :meth:`make_private_dir` are created: the node's ``work_dir`` (default:
    the system temp dir, ``$TMPDIR`` else ``/tmp``).
    ``cleanup()`` terminates any command still running, then deletes them.
    """

    name = "local"

    def __init__(self, tmp_root: str | None = None):
        self._tmp_root = tmp_root
        self._dir: str | None = None
        self._dirs: list[str] = []  # made by make_private_dir, not yet removed
        self._procs: set[LocalProcess] = set()

    @property
    def private_dir(self) -> str | None:
        """The 0700 directory holding private files, once created."""
        return self._dir

    async def spawn(
        self,
        argv: list[str],
        *,
        stdin: bool = False,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> LocalProcess:
        """Start ``argv`` in its own session; see :meth:`Transport.spawn`.
        Raises :class:`TransportError` when it cannot start."""
        if not argv:
            raise TransportError("empty command")
        full_env = None
        if env:
            full_env = dict(os.environ)
            full_env.update(env)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=full_env,
                cwd=cwd,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError:
            raise TransportError(f"{argv[0]}: command not found on this machine") from None
        except PermissionError:
            raise TransportError(f"{argv[0]}: not executable") from None
        except OSError as exc:
            raise TransportError(f"{argv[0]}: cannot start ({exc.strerror or exc})") from None
        transport = getattr(proc, "_transport", None)
        if transport is not None:
            _grow_pipe(transport.get_pipe_transport(1))
            if stdin:
                _grow_pipe(transport.get_pipe_transport(0))
        lp = LocalProcess(proc, argv)
        self._procs = {p for p in self._procs if p.returncode is None or (p.pid and _group_alive(p.pid))}
        self._procs.add(lp)
        return lp

    @property
    def tmp_root(self) -> str:
        """Where private files and directories are made: ``work_dir``, else the system temp dir."""
        return self._tmp_root or tempfile.gettempdir()

    def _private_dir(self) -> str:
        if self._dir is None or not os.path.isdir(self._dir):
            self._dir = tempfile.mkdtemp(prefix="replui-", dir=self._tmp_root)  # mode 0700
            os.chmod(self._dir, 0o700)
        return self._dir

    async def write_private_file(self, data: bytes, suffix: str = "") -> str:
        """A new 0600 file holding ``data`` in the 0700 private directory; its path."""
        try:
            fd, path = tempfile.mkstemp(suffix=suffix, prefix="f-", dir=self._private_dir())  # O_EXCL, 0600
            try:
                os.fchmod(fd, 0o600)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        except OSError as exc:
            raise TransportError(
                f"cannot write a private file in {self.tmp_root} on this machine: {exc.strerror or exc}"
            ) from None
        return path

    async def remove(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    async def make_private_dir(self, prefix: str = "replui-dir-") -> str:
        """A new empty 0700 ``mkdtemp`` directory under ``tmp_root``; its path.
        Removed by :meth:`remove_tree` or :meth:`cleanup`."""
        try:
            path = tempfile.mkdtemp(prefix=prefix, dir=self._tmp_root)  # mode 0700
            os.chmod(path, 0o700)
        except OSError as exc:
            raise TransportError(
                f"cannot make a private directory in {self.tmp_root} on this machine: {exc.strerror or exc}"
            ) from None
        self._dirs.append(path)
        return path

    async def remove_tree(self, path: str) -> None:
        """Delete ``path`` (made by :meth:`make_private_dir`) with everything in
        it; no error if gone. A path this transport did not make is refused
        with :class:`TransportError` (nothing is deleted)."""
        mine = next((d for d in self._dirs if os.path.abspath(d) == os.path.abspath(path)), None)
        if mine is None:
            if os.path.lexists(path):
                raise TransportError(f"{path}: not a directory this transport made; not removed")
            return
        shutil.rmtree(mine, ignore_errors=True)
        self._dirs.remove(mine)

    async def cleanup(self) -> None:
        """Terminate leftover commands, then delete the private directory and
        every directory :meth:`make_private_dir` made."""
        procs, self._procs = list(self._procs), set()
        try:
            if procs:
                await asyncio.gather(*(terminate_tree(p) for p in procs), return_exceptions=True)
        finally:  # cancelled while stopping them: the files still go
            dirs, self._dirs = self._dirs, []
            for d in dirs:
                shutil.rmtree(d, ignore_errors=True)
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None
