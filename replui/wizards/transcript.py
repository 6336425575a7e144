"""The Markdown transcript every wizard run writes: the plan, each command as
previewed, its output, timings, decisions and the outcome, with every
secret masked. Written line by line (flushed), so a crash leaves what
happened so far."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import IO, Iterable, Mapping

from replui.config import Config
from replui.wizards.sql import mask


def log_dir(config: Config | None, env: Mapping[str, str] | None = None) -> Path:
    """``config.log_dir``, else ``$XDG_STATE_HOME/replui/transcripts``, else
    ``~/.local/state/replui/transcripts``."""
    env = os.environ if env is None else env
    if config is not None and config.log_dir:
        return Path(config.log_dir).expanduser()
    state = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(state).expanduser() / "replui" / "transcripts"


def config_secrets(config: Config | None) -> list[str]:
    """Passwords the config knows without running anything (``password`` and
    ``password_env`` values), to mask in transcripts."""
    out: list[str] = []
    for n in config.nodes if config is not None else ():
        if n.password:
            out.append(n.password)
        if n.password_env and os.environ.get(n.password_env):
            out.append(os.environ[n.password_env])
    return out


class Transcript:
    """An open transcript file; every write is masked with ``secrets``
    (a live list: secrets added later are masked from then on)."""

    def __init__(self, path: Path, secrets: list[str]):
        self.path = path
        self.secrets = secrets
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")
        self._in_block = False

    @classmethod
    def create(cls, directory: Path, wizard: str, secrets: list[str]) -> "Transcript":
        """A new file ``<directory>/<UTC time>-<wizard>.md`` (a suffix avoids collisions)."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", wizard)
        for i in range(1000):
            p = directory / (f"{stamp}-{safe}" + (f"-{i}" if i else "") + ".md")
            try:
                return cls(p, secrets)
            except FileExistsError:
                continue
        raise OSError(f"cannot create a transcript in {directory}")

    def write(self, text: str = "") -> None:
        if self._fh is None:
            return
        self._fh.write(mask(text, self.secrets) + "\n")
        self._fh.flush()

    def block(self, lines: Iterable[str], lang: str = "") -> None:
        self.write(f"```{lang}")
        for ln in lines:
            self.write(ln.replace("```", "ʼʼʼ"))
        self.write("```")

    def open_block(self) -> None:
        if not self._in_block:
            self.write("```")
            self._in_block = True

    def close_block(self) -> None:
        if self._in_block:
            self.write("```")
            self._in_block = False

    def line(self, text: str) -> None:
        """An output line inside the current code block."""
        self.open_block()
        self.write(text.replace("```", "ʼʼʼ"))

    def close(self) -> None:
        self.close_block()
        if self._fh is not None:
            self._fh.close()
            self._fh = None
