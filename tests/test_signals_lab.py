"""Signals during ``replui wizard`` on the real lab: the wizard runs as a real
subprocess (its own TMPDIR and XDG_STATE_HOME), the dump is held at its
FLUSH TABLES WITH READ LOCK by a ``LOCK TABLES … WRITE`` on node1, and the
test signals it mid-step or at a confirm prompt. Every case requires the
exit status a shell gives (128 + the signal), no traceback, no tool process
left, nothing left in TMPDIR (no option file holding the password, no dump)
and the cancel in the transcript.

The command line's handlers are also driven in this process with a canned
plan whose data-replacing step starts a real process and writes a private
option file, then signals this process itself (no server needed for those)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import canned
import pytest

from replui.transport.local import terminate_tree
from replui.wizards import cli
from replui.wizards.context import StepContext
from replui.wizards.plan import Identity, OutputLine, Plan, Step

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parent.parent


class WizardProcess:
    """``python -m replui wizard rebuild-replica --source node1 --replica node2``
    as a subprocess; stdout and stderr are collected by threads."""

    def __init__(self, lab, tmp_path: Path, *extra: str, yes: bool = True) -> None:
        self.tmpdir = tmp_path / "tmp"
        self.state = tmp_path / "state"
        self.tmpdir.mkdir()
        self.state.mkdir()
        env = dict(os.environ, TMPDIR=str(self.tmpdir), XDG_STATE_HOME=str(self.state), PYTHONUNBUFFERED="1")
        argv = [
            sys.executable,
            "-m",
            "replui",
            "wizard",
            "rebuild-replica",
            "--source",
            "node1",
            "--replica",
            "node2",
            "--config",
            str(lab.config_path),
            "--timeout",
            "60",
            *(["--yes"] if yes else []),
            *extra,
        ]
        pipe = subprocess.PIPE
        self.proc = subprocess.Popen(argv, stdin=pipe, stdout=pipe, stderr=pipe, env=env, cwd=str(REPO))
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(stream, into: list[bytes]) -> None:
        while chunk := os.read(stream.fileno(), 65536):
            into.append(chunk)

    @property
    def stdout(self) -> str:
        return b"".join(self._out).decode(errors="replace")

    @property
    def stderr(self) -> str:
        return b"".join(self._err).decode(errors="replace")

    def wait_for(self, cond, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)
                raise AssertionError(
                    f"the wizard exited ({self.proc.returncode}) before {what}:\n{self.stdout}\n{self.stderr}"
                )
            time.sleep(0.05)
        raise AssertionError(f"never happened: {what}\n{self.stdout}\n{self.stderr}")

    def wait_output(self, text: str, timeout: float = 60.0) -> None:
        self.wait_for(lambda: text in self.stdout, repr(text), timeout)

    def tools(self) -> list[str]:
        """Live processes whose command line names a file in this run's TMPDIR (the tools' option files)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if str(self.tmpdir) in cmd and state not in ("Z", "X"):
                found.append(cmd)
        return found

    def wait_dump(self, timeout: float = 60.0) -> None:
        self.wait_for(
            lambda: any("dump" in c.split(" ", 1)[0] for c in self.tools()), "the dump running", timeout
        )

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def finish(self, timeout: float = 60.0) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(
                f"the wizard did not end within {timeout} s:\n{self.stdout}\n{self.stderr}"
            ) from None
        for t in self._threads:
            t.join(5)
        return rc

    def left_in_tmpdir(self) -> list[str]:
        return sorted(str(p.relative_to(self.tmpdir)) for p in self.tmpdir.rglob("*"))

    def transcript(self) -> str:
        files = sorted((self.state / "replui" / "transcripts").glob("*.md"))
        assert files, "no transcript written"
        return files[-1].read_text()


class Locker:
    """``LOCK TABLES shop.orders WRITE`` on node1: holds the dump at its global read lock."""

    def __init__(self, lab) -> None:
        self.conn = lab.connect("node1")
        with self.conn.cursor() as cur:
            cur.execute("LOCK TABLES shop.orders WRITE")

    def release(self) -> None:
        if self.conn.open:
            self.conn.close()


def assert_stopped_cleanly(w: WizardProcess, rc: int, sig: int) -> None:
    assert rc == 128 + sig, f"exit {rc}\n{w.stdout}\n{w.stderr}"
    assert "Traceback" not in w.stdout and "Traceback" not in w.stderr, w.stderr
    assert "Event loop is closed" not in w.stderr
    assert w.tools() == []
    assert w.left_in_tmpdir() == []
    name = signal.Signals(sig).name
    text = w.transcript()
    assert name in text and "cancelled" in text
    assert f"cancelled by {name}" in text  # the runner's outcome line names the signal


@pytest.mark.parametrize(
    "sig, presses",
    [(signal.SIGTERM, 1), (signal.SIGHUP, 1), (signal.SIGINT, 2)],
    ids=["SIGTERM", "SIGHUP", "SIGINT-twice"],
)
def test_a_signal_mid_stream_stops_the_tools_and_leaves_no_file(healthy_lab, tmp_path, sig, presses):
    lab = healthy_lab
    locker = Locker(lab)
    try:
        w = WizardProcess(lab, tmp_path)
        w.wait_output("== [stream]")
        w.wait_dump()
        # the option files exist while the tools run
        assert any(".cnf" in name for name in w.left_in_tmpdir())
        w.signal(sig)
        if presses == 2:
            w.wait_output("Press Ctrl-C again")
            w.signal(sig)
        rc = w.finish()
    finally:
        locker.release()
    assert_stopped_cleanly(w, rc, sig)
    assert "step stream" in w.transcript()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_the_dump_to_a_file_removes_the_file(healthy_lab, tmp_path, sig):
    lab = healthy_lab
    locker = Locker(lab)
    try:
        w = WizardProcess(lab, tmp_path, "--via-file")
        w.wait_output("== [dump-file]")
        w.wait_dump()
        w.wait_for(lambda: any(n.endswith(".partial") for n in w.left_in_tmpdir()), "the dump file started")
        w.signal(sig)  # the dump to a file replaces no data: one Ctrl-C is enough
        rc = w.finish()
    finally:
        locker.release()
    assert_stopped_cleanly(w, rc, sig)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_at_the_confirm_prompt_ends_the_run_at_once(healthy_lab, tmp_path, sig):
    lab = healthy_lab
    w = WizardProcess(lab, tmp_path, yes=False)
    w.wait_output("Go on? [y/N]")
    before = lab.replica_status("node2")
    w.signal(sig)
    rc = w.finish(timeout=20)
    assert rc == 128 + sig, f"exit {rc}\n{w.stdout}\n{w.stderr}"
    assert "Traceback" not in w.stdout + w.stderr
    assert w.tools() == [] and w.left_in_tmpdir() == []
    assert signal.Signals(sig).name in w.transcript()
    after = lab.replica_status("node2")
    assert after["Slave_SQL_Running"] == before["Slave_SQL_Running"] == "Yes"  # nothing was stopped


def test_one_ctrl_c_while_data_is_replaced_only_warns_and_the_rebuild_goes_on(healthy_lab, tmp_path):
    lab = healthy_lab
    locker = Locker(lab)
    try:
        w = WizardProcess(lab, tmp_path)
        w.wait_output("== [stream]")
        w.wait_dump()
        w.signal(signal.SIGINT)
        w.wait_output("Press Ctrl-C again within 5 s")
        assert "node2" in w.stdout.split("Press Ctrl-C again", 1)[0].rsplit("== [stream]", 1)[1]
        time.sleep(0.5)
        assert w.tools() and w.proc.poll() is None  # still dumping
    finally:
        locker.release()
    rc = w.finish(timeout=120)
    assert rc == 0, f"exit {rc}\n{w.stdout}\n{w.stderr}"
    assert "Traceback" not in w.stdout + w.stderr and w.left_in_tmpdir() == []
    assert "SIGINT" in w.transcript()
    lab.wait_replication_running(60)


# -- the command line's handlers on a canned plan ----------------------------------------------------


class CannedRun:
    """A two-step plan: ``stream`` (replaces node2's data unless told
    otherwise) writes a 0600 option file, starts a real process and then
    sends this process the signals in ``send``; ``change-master`` records
    that it ran. ``finish``: the stream step ends by itself afterwards."""

    def __init__(
        self, tmp_path: Path, monkeypatch, *, send=(), replaces_data=True, finish=False, differ: str = ""
    ) -> None:
        self.tmp, self.send, self.replaces_data, self.finish = tmp_path, send, replaces_data, finish
        self.differ = differ  # what the last step reports as not verified
        self.tmpdir = tmp_path / "tmp"
        self.tmpdir.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(self.tmpdir))  # where the transports' private files go
        self.ran: list[str] = []

    def plan(self) -> Plan:
        async def stream(ctx):
            self.ran.append("stream")
            t = ctx.transport("node2")
            opt = await t.write_private_file(b"[client]\npassword=s3cret\n", ".cnf")
            proc = await t.spawn([sys.executable, "-c", "import time; time.sleep(60)", str(self.tmp)])
            yield OutputLine("the tool runs", "stdout")
            for sig in self.send:
                os.kill(os.getpid(), sig)
                await asyncio.sleep(0.3)
            if self.finish:
                await terminate_tree(proc)
                await t.remove(opt)
                return
            await proc.wait()

        async def point(ctx):
            self.ran.append("change-master")
            if self.differ:
                ctx.state.data_may_differ = self.differ
            yield OutputLine("pointed", "stdout")

        return Plan(
            "rebuild-replica",
            "Rebuild node2 from node1 (canned)",
            "A canned plan.",
            (
                Step(
                    id="stream",
                    title="Replace node2's data",
                    why="why",
                    preview="mariadb-dump … | mariadb …",
                    run=stream,
                    target="node2",
                    destructive=True,
                    replaces_data=self.replaces_data,
                ),
                Step(
                    id="change-master",
                    title="Point node2 at node1",
                    why="why",
                    preview="CHANGE MASTER TO …",
                    run=point,
                    target="node2",
                    destructive=True,
                    replaces_data=False,
                ),
            ),
        )

    def run(self, *, yes: bool = True, stdin=None, out=None, dry_run: bool = False) -> tuple[int, str]:
        cfg, sts = canned.healthy_pair()
        ctx = StepContext(config=cfg, statuses={s.name: s for s in sts})

        async def identity(node):
            st = ctx.statuses[node]
            return Identity(st.server_id, st.server_uuid, st.hostname, st.port)

        ctx.identity_reader = identity
        out = out or io.StringIO()
        code = asyncio.run(
            cli._run(
                self.plan(),
                cfg,
                sts,
                yes,
                stdin or io.StringIO(""),
                out,
                ctx=ctx,
                dry_run=dry_run,
                refresh_statuses=False,
                transcript_dir=self.tmp / "transcripts",
            )
        )
        return code, out.getvalue()

    def transcript(self) -> str:
        (path,) = (self.tmp / "transcripts").glob("*.md")
        return path.read_text()

    def leftovers(self) -> list[str]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                except (OSError, IndexError):
                    continue
                if str(self.tmp) in cmd and state not in ("Z", "X"):
                    found.append(cmd)
        return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_cancel_a_data_replacing_step_at_once(tmp_path, monkeypatch, sig):
    run = CannedRun(tmp_path, monkeypatch, send=(sig,))
    code, out = run.run()
    name = signal.Signals(sig).name
    assert code == 128 + sig
    assert run.ran == ["stream"] and f"{name}: cancelling at step stream" in out
    assert f"cancelled by {name} at step stream" in run.transcript()
    assert run.leftovers() == [] and list(run.tmpdir.iterdir()) == []
    assert signal.getsignal(sig) is signal.SIG_DFL  # the loop's handler is gone with the loop


def test_one_ctrl_c_in_a_data_replacing_step_only_warns(tmp_path, monkeypatch):
    run = CannedRun(tmp_path, monkeypatch, send=(signal.SIGINT,), finish=True)
    code, out = run.run()
    assert code == 0, out
    assert "Ctrl-C during step [stream], which is replacing the data on node2" in out
    assert "Press Ctrl-C again within 5 s to cancel" in out
    assert run.ran == ["stream", "change-master"]
    assert "SIGINT at step stream: the step replaces data on node2" in run.transcript()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_two_ctrl_c_within_five_seconds_cancel_a_data_replacing_step(tmp_path, monkeypatch):
    run = CannedRun(tmp_path, monkeypatch, send=(signal.SIGINT, signal.SIGINT))
    code, out = run.run()
    assert code == 130 and "Press Ctrl-C again" in out and "SIGINT: cancelling at step stream" in out
    assert run.ran == ["stream"] and "cancelled by SIGINT at step stream" in run.transcript()
    assert run.leftovers() == [] and list(run.tmpdir.iterdir()) == []


def test_one_ctrl_c_cancels_a_step_that_replaces_no_data(tmp_path, monkeypatch):
    run = CannedRun(tmp_path, monkeypatch, send=(signal.SIGINT,), replaces_data=False)
    code, out = run.run()
    assert code == 130 and "Press Ctrl-C again" not in out
    assert run.ran == ["stream"] and "cancelled by SIGINT at step stream" in run.transcript()
    assert run.leftovers() == [] and list(run.tmpdir.iterdir()) == []


class SignalAtPrompt(io.StringIO):
    """The terminal: sends ``sig`` to this process once the prompt is shown."""

    def __init__(self, sig: int) -> None:
        super().__init__()
        self.sig, self.sent = sig, False

    def write(self, text: str) -> int:
        n = super().write(text)
        if not self.sent and "Type the node name" in text:
            self.sent = True
            os.kill(os.getpid(), self.sig)
        return n


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_at_the_prompt_ends_the_run_without_waiting_for_an_answer(tmp_path, monkeypatch, sig):
    run = CannedRun(tmp_path, monkeypatch)
    r, w = os.pipe()  # a terminal nobody types on: the write end stays open
    threads = threading.active_count()
    try:
        with os.fdopen(r, "r", closefd=False) as stdin:
            started = time.monotonic()
            code, out = run.run(yes=False, stdin=stdin, out=SignalAtPrompt(sig))
            took = time.monotonic() - started
    finally:
        os.close(r)
        os.close(w)
    name = signal.Signals(sig).name
    assert code == 128 + sig and took < 10
    assert run.ran == [] and f"cancelled by {name} at step stream" in run.transcript()
    assert threading.active_count() == threads  # no thread left reading the terminal


def test_answers_piped_in_one_go_are_read_line_by_line(tmp_path, monkeypatch):
    run = CannedRun(tmp_path, monkeypatch, finish=True)
    r, w = os.pipe()
    os.write(w, b"node2\ny\n")
    os.close(w)
    with os.fdopen(r, "r") as stdin:
        code, out = run.run(yes=False, stdin=stdin)
    assert code == 0, out
    assert run.ran == ["stream", "change-master"]


def test_every_step_done_but_not_verified_exits_3(tmp_path, monkeypatch):
    run = CannedRun(tmp_path, monkeypatch, finish=True, differ="events purged on node1 are lost")
    code, out = run.run()
    assert code == cli.EXIT_NOT_VERIFIED == 3
    assert "DONE, NOT VERIFIED: " in out and "events purged on node1 are lost" in out


def test_dry_run_runs_no_step_that_writes(tmp_path, monkeypatch):
    run = CannedRun(tmp_path, monkeypatch, finish=True)
    code, out = run.run(yes=False, dry_run=True)
    assert code == 0 and run.ran == []
    assert "(dry run: nothing was changed)" in out and "Type the node name" not in out


def test_a_signal_before_the_loop_runs_stops_and_the_handlers_are_put_back():
    before = {s: signal.getsignal(s) for s in cli.STOP_SIGNALS}
    with pytest.raises(cli._Stopped) as exc:
        with cli._EarlySignals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
    assert exc.value.sig == signal.SIGTERM
    assert {s: signal.getsignal(s) for s in cli.STOP_SIGNALS} == before


def test_a_signal_while_the_nodes_are_polled_stops_before_anything_runs(tmp_path):
    """A node that accepts the connection and never greets holds the poll
    that comes before the plan: SIGTERM there ends the command with 143."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    config = tmp_path / "replui.toml"
    config.write_text(
        '[defaults]\nuser = "u"\npassword = "pw"\nconnect_timeout = 3\n\n'
        f'[[nodes]]\nname = "node1"\nhost = "127.0.0.1"\nport = {silent.getsockname()[1]}\n\n'
        f'[[nodes]]\nname = "node2"\nhost = "127.0.0.1"\nport = {silent.getsockname()[1]}\n'
    )
    env = dict(os.environ, TMPDIR=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replui",
            "wizard",
            "restart-replication",
            "--node",
            "node2",
            "--config",
            str(config),
            "--yes",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=str(REPO),
    )
    try:
        import select

        ready, _, _ = select.select([silent], [], [], 30)
        assert ready, "the wizard never connected"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        silent.close()
    assert proc.returncode == 143 and took < 10
    assert b"Traceback" not in out + err
    assert b"stopped by SIGTERM before the wizard changed anything" in err
