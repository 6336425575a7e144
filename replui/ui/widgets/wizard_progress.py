"""The progress of a dump/transfer/restore step: a bar and one line of
figures — bytes moved (of the total when known), rate and ETA. Fed from the
step's :class:`~replui.wizards.plan.Progress` events; hidden until the first
one. Rate and ETA are shown only once time has passed (``seconds > 0``), so
the line is deterministic for a fixed event. When the step ends done the bar
shows complete (a total is an estimate: the last event may say 25 %)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from replui.units import human_bytes, human_seconds
from replui.wizards.plan import Progress


def describe_progress(p: Progress) -> str:
    """``"12.0 MiB of 48.0 MiB (25%) · 3 rows · 4.0 MiB/s · ETA 9s"``: the
    figures of ``p``; rate and ETA only when ``p.seconds > 0``."""
    parts = [
        human_bytes(p.bytes)
        + (f" of {human_bytes(p.total)} ({100 * p.bytes / p.total:.0f}%)" if p.total else "")
    ]
    if p.rows is not None:
        parts.append(f"{p.rows} rows")
    if p.seconds > 0:
        rate = p.rate if p.rate is not None else p.bytes / p.seconds
        parts.append(f"{human_bytes(rate)}/s")
        parts.append(f"{human_seconds(p.seconds)} elapsed")
        if p.eta is not None:
            parts.append(f"ETA {human_seconds(p.eta)}")
    return " · ".join(parts)


class WizardProgress(Vertical):
    """Bar + figures. :meth:`show` takes an event, :meth:`reset` hides it."""

    def __init__(self) -> None:
        super().__init__(id="wizard-progress")
        self.last: Progress | None = None

    @property
    def bar(self) -> ProgressBar:
        return self.query_one("#progress-bar", ProgressBar)

    @property
    def figures(self) -> Static:
        return self.query_one("#progress-figures", Static)

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=None, show_eta=False, show_percentage=True, id="progress-bar")
        yield Static("", id="progress-figures", markup=False)

    def on_mount(self) -> None:
        self.display = False

    def show(self, p: Progress) -> None:
        """Show event ``p``: a determinate bar when ``p.total`` is known,
        otherwise bytes only (the bar runs without a total)."""
        self.last = p
        self.display = True
        if p.total:
            self.bar.update(total=p.total, progress=min(p.bytes, p.total))
        else:
            self.bar.update(total=None, progress=p.bytes)
        self.figures.update(
            describe_progress(p), layout=False
        )  # one fixed row: no re-layout, up to 10 times a second

    def complete(self) -> None:
        """The step that showed progress ended done: a full bar, and its last
        figures without the estimate (no total, no ETA)."""
        p = self.last
        if p is None:
            return
        full = max(p.bytes, p.total or 0, 1)
        self.bar.update(total=full, progress=full)
        self.figures.update("done · " + describe_progress(replace(p, total=None, eta=None)))

    def reset(self) -> None:
        """Hide the bar (a new step starts)."""
        self.last = None
        self.display = False
        self.bar.update(total=None, progress=0)
        self.figures.update("")
