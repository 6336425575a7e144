"""What a wizard is, as pure data: a :class:`Plan` of :class:`Step` s, its
:class:`Check` s, and the events a step streams. What a step runs in (its
:class:`~replui.wizards.context.StepContext` and the typed
:class:`~replui.wizards.context.RunState` it hands on) lives in
:mod:`replui.wizards.context`.

A plan is data, built by a pure ``build_<name>_plan(config, statuses, **options)``
function (declared in :mod:`replui.wizards.catalogue`) and run by
:func:`replui.wizards.runner.run_plan` — the same engine for the TUI and the
CLI. Nothing here imports textual or rich.

Design: a wizard step is data; a check is declared with the step it guards.
"""

from __future__ import annotations

import enum
import inspect
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Mapping, Union

from replui.model import NodeStatus

if TYPE_CHECKING:
    from replui.wizards.context import StepContext

# -- events a step streams -------------------------------------------------------


#: How long a wizard waits for its verification by default (seconds), every wizard, TUI and CLI alike.
VERIFY_TIMEOUT = 120.0


@dataclass(frozen=True)
class OutputLine:
    """One line of a step's output. ``stream`` is ``"stdout"``, ``"stderr"``
    (a command's own streams) or ``"info"`` (replui's narration)."""

    text: str
    stream: str = "info"


@dataclass(frozen=True)
class Progress:
    """How far a byte/row stream has got: ``bytes`` moved so far, ``rows``
    (statements/rows seen, None when unknown), ``seconds`` elapsed, ``total``
    expected bytes (None when unknown), ``rate`` bytes per second, ``eta``
    seconds left (None when unknown)."""

    bytes: int = 0
    rows: int | None = None
    seconds: float = 0.0
    total: int | None = None
    rate: float | None = None
    eta: float | None = None


class StepStatus(enum.StrEnum):
    """Where a step stands. String-valued (``"running"``…), so a viewer can
    key CSS classes and symbols by it."""

    PENDING = "pending"
    """Not reached yet."""
    AWAITING = "awaiting"
    """Its confirm prompt is open (a viewer's state: the runner waits in ``confirm``)."""
    RUNNING = "running"
    """Its run is under way."""
    DONE = "done"
    """It ran to the end."""
    FAILED = "failed"
    """Its run raised: the reason is the message; later steps do not run."""
    REFUSED = "refused"
    """A check or the identity of its target stopped it before it ran."""
    DECLINED = "declined"
    """The operator said no at its prompt."""
    CANCELLED = "cancelled"
    """Cancelled (by the operator or a signal) before or while it ran."""
    SKIPPED = "skipped"
    """Not run (a dry run stops before the first step that writes)."""


@dataclass(frozen=True)
class StepState:
    """Emitted by the runner (never by a step) as a step changes state:
    ``state`` (:class:`StepStatus`), ``message`` says why, ``seconds`` is the
    step's duration."""

    state: StepStatus
    message: str = ""
    seconds: float = 0.0


Event = Union[OutputLine, Progress, StepState]


class StepFailed(Exception):
    """A step's run raises this (or any exception) to fail; ``str()`` is the
    one-line reason shown to the operator."""


# -- checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """``ok`` and, when not, the ``reason`` in words fit for the operator."""

    ok: bool
    reason: str = ""


CheckFn = Callable[["StepContext"], Union[CheckResult, Awaitable[CheckResult]]]


@dataclass(frozen=True)
class Check:
    """A check that must pass before a step may run. ``run(ctx)`` returns (or
    awaits to) a :class:`CheckResult`; it must not write anything.

    ``needs`` are the ids of the steps whose results the check reads (e.g. the
    coordinates a dump step found); ``before`` is the id of the step it
    guards. The runner runs every check as early as it can: a check that
    needs nothing runs with the pre-flight checks, before step 1; one that
    needs steps runs right after the last of them. So a check that could run
    earlier never runs after a destructive step, and ``--dry-run`` runs every
    check that needs no writing step. :class:`Plan` refuses to be built when
    ``before`` or ``needs`` name a step it does not have, or when ``before``
    comes before a step in ``needs``.
    """

    name: str
    run: CheckFn
    before: str | None = None
    needs: tuple[str, ...] = ()

    async def evaluate(self, ctx: "StepContext") -> CheckResult:
        """Run the check; an exception becomes ``CheckResult(False, reason)``."""
        try:
            result = self.run(ctx)
            if inspect.isawaitable(result):
                result = await result
            return result
        except Exception as exc:  # noqa: BLE001 - a check that cannot run refuses
            return CheckResult(False, f"could not check: {exc}")


class PlanError(ValueError):
    """A plan that contradicts itself (a check guarding a step it does not
    have); a programming error, raised when the :class:`Plan` is built."""


# -- steps and plans ----------------------------------------------------------------

RunFn = Callable[["StepContext"], AsyncIterator[Event]]


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of a plan.

    ``why`` is the teaching text (what the step does and the runbook or
    manual it comes from, :mod:`replui.sources`); ``preview`` the exact SQL
    or command for the target's dialect, passwords as ``'***'``;
    ``destructive`` steps change a server and need the operator's yes;
    ``replaces_data`` steps overwrite data and need the target node's name
    typed. ``target`` is the node the step acts
    on (None: replui itself). ``run(ctx)`` is an async generator of
    :class:`OutputLine`/:class:`Progress`; it fails by raising.
    """

    id: str
    title: str
    why: str
    preview: str
    run: RunFn
    target: str | None = None
    destructive: bool = False
    replaces_data: bool = False
    #: ``render(ctx)``: the exact statements as they will run, with the values
    #: earlier steps found (the confirm prompt shows this, not ``preview``).
    render: Callable[["StepContext"], str] | None = None
    #: The step writes to a server even though it needs no confirmation (a
    #: heartbeat row); None: as ``destructive``. ``--dry-run`` stops before it.
    writes: bool | None = None
    #: A step that undoes this one (``START SLAVE`` after ``STOP SLAVE``),
    #: offered when the operator stops the run at a later step.
    undo: "Step | None" = None
    #: What this step leaves behind until later steps run, for the operator
    #: ("replication is stopped on node2").
    leaves: str = ""

    @property
    def changes_server(self) -> bool:
        """True when running the step writes to a server."""
        return self.destructive or bool(self.writes)

    def exact_preview(self, ctx: "StepContext") -> str:
        """The statements as they will run now (``render``), else ``preview``;
        never raises (a render that fails falls back to ``preview``)."""
        if self.render is None:
            return self.preview
        try:
            return self.render(ctx)
        except Exception:  # noqa: BLE001 - a value not known yet: show the plan's text
            return self.preview


@dataclass(frozen=True)
class Identity:
    """Who a node is: ``@@server_id``, ``@@server_uuid`` (None on MariaDB),
    ``@@hostname``, ``@@port``. None fields are unknown and not compared."""

    server_id: int | None = None
    server_uuid: str | None = None
    hostname: str | None = None
    port: int | None = None

    def differences(self, other: "Identity") -> list[str]:
        """``["server_id 2 -> 3", …]`` for fields known on both sides that differ."""
        out = []
        for f in ("server_id", "server_uuid", "hostname", "port"):
            a, b = getattr(self, f), getattr(other, f)
            if a is not None and b is not None and a != b:
                out.append(f"{f} {a} -> {b}")
        return out

    def describe(self) -> str:
        parts = [f"server_id={self.server_id}", f"hostname={self.hostname}", f"port={self.port}"]
        if self.server_uuid:
            parts.insert(1, f"server_uuid={self.server_uuid}")
        return ", ".join(parts)


def identity_of(status: NodeStatus | None) -> Identity:
    """The identity a status recorded (port unknown: the status holds the
    configured port, not ``@@port``)."""
    if status is None or not status.reachable:
        return Identity()
    return Identity(status.server_id, status.server_uuid, status.hostname, None)


@dataclass(frozen=True)
class Plan:
    """A wizard's plan: ``wizard`` (its CLI name), ``title``, ``summary`` (the
    reasoning in a few lines), ``steps`` in order, ``preflight`` checks,
    ``identities`` of the nodes as seen when the plan was built,
    ``secrets`` to mask in every transcript line, ``options`` as given."""

    wizard: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    preflight: tuple[Check, ...] = ()
    identities: Mapping[str, Identity] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise PlanError(f"plan {self.wizard}: duplicate step ids in {ids}")
        for c in self.preflight:
            for ref in ((c.before,) if c.before else ()) + tuple(c.needs):
                if ref not in ids:
                    raise PlanError(
                        f"plan {self.wizard}: check '{c.name}' names step {ref!r}, "
                        "which the plan does not have"
                    )
            if c.before and c.needs and max(ids.index(n) for n in c.needs) >= ids.index(c.before):
                raise PlanError(
                    f"plan {self.wizard}: check '{c.name}' guards step {c.before!r} but needs a later step"
                )

    def checks_after(self, step_id: str | None) -> list[Check]:
        """The checks that run once ``step_id`` is done (None: the pre-flight
        checks, which need no step): each check runs right after the last
        step it needs."""
        ids = [s.id for s in self.steps]
        out = []
        for c in self.preflight:
            last = ids[max(ids.index(n) for n in c.needs)] if c.needs else None
            if last == step_id:
                out.append(c)
        return out

    def render(self) -> str:
        """The plan as plain text: title, summary, checks, and every step with
        its target, flags, why and exact preview (what ``--dry-run`` prints
        and the golden tests compare)."""
        lines = [f"# {self.title}", f"wizard: {self.wizard}", ""]
        lines += [self.summary.rstrip(), ""]
        if self.preflight:
            lines.append("Pre-flight checks:")
            for c in self.preflight:
                when = [f"after step {', '.join(c.needs)}"] if c.needs else []
                when += [f"before step {c.before}"] if c.before else []
                lines.append(f"  - {c.name}" + (f" ({'; '.join(when)})" if when else ""))
            lines.append("")
        for i, s in enumerate(self.steps, 1):
            flags = []
            if s.destructive:
                flags.append("DESTRUCTIVE")
            if s.replaces_data:
                flags.append("REPLACES DATA (type the node name)")
            lines.append(f"{i}. [{s.id}] {s.title}" + (f"  <{', '.join(flags)}>" if flags else ""))
            lines.append(f"   target: {s.target or '(replui only)'}")
            lines.append("   why: " + s.why.strip().replace("\n", "\n        "))
            for pl in s.preview.strip().splitlines():
                lines.append("   > " + pl)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def now() -> float:
    return time.monotonic()
