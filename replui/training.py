"""A training session: a lab scenario broken for a trainee, hints one at a
time, the repair checked, and a Markdown record of it.

No terminal here: ``replui train`` (the TUI walkthrough, and ``--free`` in a
plain terminal while the trainee repairs with SQL elsewhere) and the tests
drive the same :class:`TrainingSession`.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from replui.lab.check import Verdict, check_lab
from replui.lab.lab import Lab
from replui.lab.scenarios import SCENARIOS, BreakOptions, Broken, Scenario, break_lab, scenario
from replui.lab.server import LabError
from replui.wizards.transcript import Transcript


def playable(lab: Lab) -> list[Scenario]:
    """The scenarios ``lab``'s topology can host."""
    return [s for s in SCENARIOS if not s.pair_only or lab.topology == "master-master"]


@dataclass
class TrainingSession:
    """One walkthrough on ``lab``: ``broken`` says what was done (shown to
    the trainee only as the scenario's summary); ``free`` when the trainee
    repairs by hand; ``started`` is ``time.monotonic()`` seconds."""

    lab: Lab
    scenario: Scenario
    broken: Broken
    free: bool = False
    started: float = field(default_factory=time.monotonic)
    hints_shown: list[str] = field(default_factory=list)
    verdict: Verdict | None = None
    finished_after: float | None = None

    @classmethod
    def begin(
        cls,
        lab_dir: str | Path,
        name: str | None = None,
        *,
        free: bool = False,
        options: BreakOptions | None = None,
    ) -> "TrainingSession":
        """Break the lab in ``lab_dir`` with scenario ``name`` (random among
        :func:`playable` when None) and start the clock. Raises LabError
        (no lab there, a stopped node, a lab already broken, an unknown name)
        or TimeoutError (the servers never showed the failure)."""
        lab = Lab.load(lab_dir)
        options = options or BreakOptions()
        if name is None:
            choices = playable(lab)
            if not choices:
                raise LabError("no scenario fits this lab")
            name = random.Random(options.seed).choice(choices).name
        sc = scenario(name)
        broken = break_lab(lab, sc.name, options)
        return cls(lab, sc, broken, free)

    @property
    def hints(self) -> list[str]:
        """Every hint of the scenario, the nodes filled in."""
        return self.scenario.hint_texts(self.broken.roles)

    @property
    def hints_left(self) -> int:
        return len(self.hints) - len(self.hints_shown)

    def next_hint(self) -> str | None:
        """The next hint (counted as used), or None when all were shown."""
        if self.hints_left <= 0:
            return None
        hint = self.hints[len(self.hints_shown)]
        self.hints_shown.append(hint)
        return hint

    @property
    def elapsed(self) -> float:
        """Seconds since the break (frozen once the lab was found healthy)."""
        end = self.finished_after
        return end if end is not None else time.monotonic() - self.started

    def check(self, wait: float = 5.0) -> Verdict:
        """``replui lab check`` on the lab (blocking: run it in a thread from
        a UI); a healthy verdict stops the clock."""
        verdict = check_lab(self.lab, wait=wait)
        self.verdict = verdict
        if verdict.healthy and self.finished_after is None:
            self.finished_after = time.monotonic() - self.started
        return verdict

    def summary(self) -> list[str]:
        """The end of the session in lines: the verdict, the time taken, the hints used."""
        minutes, seconds = divmod(int(self.elapsed), 60)
        v = self.verdict
        lines = [
            "Verdict: "
            + (
                "healthy — every replica runs and is caught up, every table equal"
                if v is not None and v.healthy
                else "not repaired"
            ),
            f"Scenario: {self.scenario.name} — {self.scenario.summary}",
        ]
        if v is not None and not v.healthy:
            lines += [f"  still wrong: {p}" for p in v.problems]
        lines += [
            f"Time taken: {minutes} min {seconds:02d} s",
            f"Hints used: {len(self.hints_shown)} of {len(self.hints)}",
            f"What had been done: {self.broken.detail}",
        ]
        if self.broken.repair:
            lines.append(f"The repair the advice names: replui wizard {self.broken.repair}")
        return lines

    def write_record(self, directory: Path) -> Path:
        """Write the session as Markdown (a course handout) into ``directory``
        (mode 0600, ``<UTC time>-train-<scenario>.md``); returns the path.
        Raises OSError."""
        t = Transcript.create(directory, f"train-{self.scenario.name}", [self.lab.admin_password])
        try:
            t.write(f"# replui training: {self.scenario.name}")
            t.write("")
            t.write(f"- mode: {'free (repaired by hand)' if self.free else 'walkthrough'}")
            t.write(f"- lab: {self.lab.dir} ({self.lab.topology})")
            t.write(f"- broken node: {self.broken.roles.replica} (its source: {self.broken.roles.source})")
            if self.scenario.origin:
                t.write(f"- from the runbook: {self.scenario.origin}")
            t.write("")
            t.write("## Hints shown")
            t.write("")
            for i, h in enumerate(self.hints_shown, 1):
                t.write(f"{i}. {h}")
            if not self.hints_shown:
                t.write("none")
            t.write("")
            t.write("## Outcome")
            t.write("")
            for line in self.summary():
                t.write(f"- {line.strip()}")
        finally:
            t.close()
        return t.path
