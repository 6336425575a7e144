"""The line under the dashboard header during a walkthrough (``replui train``):
the scenario, the keys for a hint and for the check, the hints used and the
time since the break, then the scenario's summary (cut first at 80 columns)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

if TYPE_CHECKING:
    from replui.training import TrainingSession

#: Seconds between redraws of the clock.
TICK = 1.0


def banner_text(session: "TrainingSession") -> str:
    """``" TRAINING name │ h hint 1/3 · c check │ 2:05 │ summary"``; once the
    lab was found healthy the clock stops and says "repaired in"."""
    minutes, seconds = divmod(int(session.elapsed), 60)
    clock = f"{minutes}:{seconds:02d}"
    if session.finished_after is not None:
        clock = f"✔ repaired in {clock}"
    used, total = len(session.hints_shown), len(session.hints)
    return (
        f" TRAINING {session.scenario.name} │ h hint {used}/{total} · c check │ {clock} │ "
        f"{session.scenario.summary}"
    )


class TrainingBanner(Static):
    """One line naming the walkthrough; redrawn every :data:`TICK` seconds."""

    def __init__(self, session: "TrainingSession") -> None:
        super().__init__(banner_text(session), id="training-banner", markup=False)
        self.session = session
        self._shown = ""

    def on_mount(self) -> None:
        self.set_interval(TICK, self.refresh_text)

    def refresh_text(self) -> None:
        """Redraw from the session (hints used, clock)."""
        text = banner_text(self.session)
        if text != self._shown:
            self._shown = text
            self.update(text)
