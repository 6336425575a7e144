"""The wizard catalogue: every wizard declared once — its name, a one-line
summary, its options, how it is pre-filled from a finding, and where its plan
builder lives (imported only when a plan is built, so ``replui status``
stays light).

Everything else is derived from it: the command line (``replui wizard NAME
--help`` lists that wizard's options only), the TUI picker's list, its
pre-filled options and the parser of what is typed there, and the full
command a finding's advice gives (:func:`command`). A test fails when advice
names a wizard or an option the catalogue lacks.
"""

from __future__ import annotations

import argparse
import importlib
import math
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from replui.wizards.plan import VERIFY_TIMEOUT

if TYPE_CHECKING:
    from replui.model import Finding
    from replui.wizards.plan import Plan

#: The environment variable the picker proposes for a replication password (edit it to yours).
REPL_PASSWORD_ENV = "REPLUI_REPL_PASSWORD"


def positive_seconds(text: str) -> float:
    """``--timeout``'s type: a finite number of seconds > 0. Raises
    argparse.ArgumentTypeError otherwise (argparse turns it into exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"needs a number of seconds greater than 0, not {text!r}")
    return value


@dataclass(frozen=True)
class Option:
    """One option of a wizard: ``name`` is the builder's keyword
    (``next_binlog``), shown as ``--next-binlog``. ``flag`` options take no
    value; others are parsed by ``parse`` (text → value; ArgumentTypeError
    for bad text). ``group`` names a set of options of which at most one may
    be given (exactly one when ``required``)."""

    name: str
    help: str
    flag: bool = False
    required: bool = False
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None
    default: Any = None
    group: str | None = None

    @property
    def cli(self) -> str:
        """``--next-binlog``."""
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Prefill:
    """What a finding (or a selected node) gives a wizard: ``subject`` (the
    node the finding is about), ``source`` (its source), the finding itself."""

    subject: str | None
    source: str | None
    finding: "Finding | None" = None


@dataclass(frozen=True)
class Wizard:
    """One wizard: ``name`` (as typed), ``summary`` (one line), ``options``,
    ``builder`` (``"module:function"``, imported on use), ``prefill``
    (:class:`Prefill` → builder keyword arguments)."""

    name: str
    summary: str
    options: tuple[Option, ...]
    builder: str
    prefill: Callable[[Prefill], dict[str, Any]] = field(default=lambda p: {})

    def option(self, name: str) -> Option:
        """The option called ``name`` (builder keyword or ``--flag``); KeyError naming the known ones."""
        key = name[2:].replace("-", "_") if name.startswith("--") else name
        for o in self.options:
            if o.name == key:
                return o
        raise KeyError(
            f"{self.name} has no option {name!r} (it has: {', '.join(o.cli for o in self.options)})"
        )

    def build(self, config: Any, statuses: Any, **options: Any) -> "Plan":
        """The plan, from the builder imported now. Raises WizardError for bad options."""
        module, func = self.builder.split(":")
        fn = getattr(importlib.import_module(module), func)
        plan: Plan = fn(config, statuses, **options)
        return plan


def _timeout() -> Option:
    return Option(
        "timeout",
        f"seconds to wait for verification, a number > 0 (default {VERIFY_TIMEOUT:g})",
        metavar="SECONDS",
        parse=positive_seconds,
        default=VERIFY_TIMEOUT,
    )


_NODE = Option("node", "the replica to act on", required=True, metavar="NODE")
_SOURCE = Option("source", "the source node (only read)", required=True, metavar="NODE")
_REPLICA = Option("replica", "the replica whose data is replaced", required=True, metavar="NODE")
_DATABASES = Option(
    "databases", "comma-separated databases to copy (default: every user database)", metavar="LIST"
)
_VIA_FILE = Option(
    "via_file", "dump to a compressed file, check it, copy it, restore it (the runbooks' way)", flag=True
)
_PASSWORD_ENV = Option(
    "repl_password_env",
    "environment variable holding the replication password (never given on the command line)",
    metavar="VAR",
)


def _node(p: Prefill) -> dict[str, Any]:
    return {"node": p.subject}


def _repoint(p: Prefill) -> dict[str, Any]:
    from replui.analysis import errors as E

    out: dict[str, Any] = {"node": p.subject}
    if p.finding is not None:
        known = E.classify(p.finding.errno, p.finding.message)
        if known is E.IMPOSSIBLE_POSITION:
            out["next_binlog"] = True
        elif known is E.RELAY_LOG_CORRUPT:
            out["from_exec_position"] = True
    return out


WIZARDS: tuple[Wizard, ...] = (
    Wizard(
        "restart-replication",
        "stop and start the replication threads, then verify",
        (_NODE, _timeout()),
        "replui.wizards.restart_replication:build_restart_replication_plan",
        _node,
    ),
    Wizard(
        "rebuild-replica",
        "dump the source, stream it into the replica, re-point it, verify the data",
        (
            _SOURCE,
            _REPLICA,
            _DATABASES,
            _VIA_FILE,
            Option(
                "repl_user",
                "replication user, when the replica does not replicate from the source yet",
                metavar="USER",
            ),
            _PASSWORD_ENV,
            _timeout(),
        ),
        "replui.wizards.rebuild_replica:build_rebuild_replica_plan",
        lambda p: {"source": p.source, "replica": p.subject},
    ),
    Wizard(
        "resync-pair",
        "master⇄master: rebuild one side from the other, re-point both crosswise",
        (
            Option("authoritative", "the node whose data wins (only read)", required=True, metavar="NODE"),
            Option("other", "the node rebuilt from the authoritative one", required=True, metavar="NODE"),
            _DATABASES,
            _VIA_FILE,
            _timeout(),
        ),
        "replui.wizards.resync_pair:build_resync_pair_plan",
        lambda p: {"authoritative": p.source, "other": p.subject},
    ),
    Wizard(
        "repoint",
        "CHANGE MASTER TO other coordinates (after a crash: the next binlog, or the executed position)",
        (
            _NODE,
            Option(
                "to",
                "binlog coordinates chosen by the operator",
                metavar="FILE:POS",
                group="where",
                required=True,
            ),
            Option(
                "next_binlog",
                "the source's next binlog file, position 4",
                flag=True,
                group="where",
                required=True,
            ),
            Option(
                "from_exec_position",
                "the node's own Relay_Master_Log_File/Exec_Master_Log_Pos",
                flag=True,
                group="where",
                required=True,
            ),
            _timeout(),
        ),
        "replui.wizards.repoint:build_repoint_plan",
        _repoint,
    ),
    Wizard(
        "reset-replica",
        "stop, RESET SLAVE, resume where the source still has events, start (also when master.info is "
        "unreadable: 1201)",
        (
            _NODE,
            Option(
                "source",
                "the node it replicates from; needed when its replica status is empty because its "
                "master.info cannot be read (1201)",
                metavar="NODE",
            ),
            Option(
                "to",
                "binlog coordinates to resume from (default: chosen from the source's binlogs, or read from "
                "relay-log.info after 1201)",
                metavar="FILE:POS",
            ),
            Option(
                "repl_user",
                "after 1201: an existing replication account to log in as (needs --repl-password-env; "
                "default: an account for this replica alone is created)",
                metavar="USER",
            ),
            Option(
                "repl_password_env",
                "after 1201: environment variable holding that account's password",
                metavar="VAR",
            ),
            _timeout(),
        ),
        "replui.wizards.reset_replica:build_reset_replica_plan",
        lambda p: {"node": p.subject, "source": p.source},
    ),
    Wizard(
        "add-replica",
        "create the replication user, copy the data, point the new replica, verify the data",
        (
            _SOURCE,
            Option(
                "replica", "the new replica (its in-scope data is replaced)", required=True, metavar="NODE"
            ),
            _DATABASES,
            _VIA_FILE,
            Option(
                "repl_user",
                "an existing replication account to reuse (needs --repl-password-env)",
                metavar="USER",
            ),
            Option("repl_host", "the host part of the replication account (default '%')", metavar="HOST"),
            _PASSWORD_ENV,
            _timeout(),
        ),
        "replui.wizards.add_replica:build_add_replica_plan",
        lambda p: {"source": p.source, "replica": p.subject},
    ),
    Wizard(
        "set-repl-password",
        "a replica's IO thread gets 1045: store the replication password again",
        (_NODE, Option("repl_password_env", _PASSWORD_ENV.help, required=True, metavar="VAR"), _timeout()),
        "replui.wizards.set_repl_password:build_set_repl_password_plan",
        lambda p: {"node": p.subject, "repl_password_env": REPL_PASSWORD_ENV},
    ),
    Wizard(
        "create-repl-user",
        "a replicated statement fails with 1133: create the account, as its source has it, on the node",
        (
            _NODE,
            Option(
                "user",
                "the account's user name (default: the one the failed statement names, else the replication "
                "user)",
                metavar="USER",
            ),
            Option(
                "repl_password_env",
                "environment variable holding the account's password, the one its source stores (never given "
                "on the command line)",
                required=True,
                metavar="VAR",
            ),
            _timeout(),
        ),
        "replui.wizards.create_repl_user:build_create_repl_user_plan",
        lambda p: {"node": p.subject, "repl_password_env": REPL_PASSWORD_ENV},
    ),
    Wizard(
        "heartbeat",
        "write a timestamp on the source, read it on every replica: true lag and clock skew",
        (
            Option("source", "the source to write the heartbeat on", required=True, metavar="NODE"),
            _timeout(),
        ),
        "replui.wizards.heartbeat:build_heartbeat_plan",
        lambda p: {"source": p.source or p.subject},
    ),
    Wizard(
        "compare-data",
        "checksum every table of a replica and its source at one binlog position; name each that differs",
        (
            Option("source", "the source node (only read)", required=True, metavar="NODE"),
            Option(
                "replica",
                "the replica compared with it (its SQL thread is held at one position, then started again)",
                required=True,
                metavar="NODE",
            ),
            Option(
                "databases",
                "comma-separated databases to compare (default: every user database)",
                metavar="LIST",
            ),
            _timeout(),
        ),
        "replui.wizards.compare_data:build_compare_data_plan",
        lambda p: {"source": p.source, "replica": p.subject},
    ),
)
NAMES: tuple[str, ...] = tuple(w.name for w in WIZARDS)


def wizard(name: str) -> Wizard:
    """The wizard called ``name``; KeyError naming the known ones."""
    for w in WIZARDS:
        if w.name == name:
            return w
    raise KeyError(f"no wizard named {name!r} (known: {', '.join(NAMES)})")


def build_plan(name: str, config: Any, statuses: Any, **options: Any) -> "Plan":
    """The plan of wizard ``name`` with ``options`` (builder keywords).
    Raises KeyError for an unknown wizard, WizardError for bad options."""
    return wizard(name).build(config, statuses, **options)


def prefill(
    name: str, subject: str | None, source: str | None, finding: "Finding | None" = None
) -> dict[str, Any]:
    """Builder options for wizard ``name`` from a finding or a selected node;
    options without a value are left out."""
    out = wizard(name).prefill(Prefill(subject, source, finding))
    return {k: v for k, v in out.items() if v not in (None, False)}


def options_text(options: Mapping[str, Any]) -> str:
    """``{"source": "node1", "next_binlog": True}`` → ``"--source node1 --next-binlog"``."""
    parts: list[str] = []
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            parts.append(flag)
        elif v not in (None, False):
            parts += [flag, shlex.quote(str(v))]
    return " ".join(parts)


def parse_options(name: str, text: str) -> dict[str, Any]:
    """What is typed in the picker (``--source node1 --next-binlog``) →
    builder keyword arguments of wizard ``name``. ValueError naming a bad
    option or value."""
    w = wizard(name)
    out: dict[str, Any] = {}
    tokens = shlex.split(text)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        try:
            opt = w.option(tok) if tok.startswith("--") else None
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        if opt is None:
            raise ValueError(
                f"{tok!r} is not an option of {name} (it has: {', '.join(o.cli for o in w.options)})"
            )
        if opt.flag:
            out[opt.name] = True
            i += 1
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].startswith("--"):
            raise ValueError(f"{tok} needs a value")
        value: Any = tokens[i + 1]
        if opt.parse is not None:
            try:
                value = opt.parse(value)
            except argparse.ArgumentTypeError as exc:
                raise ValueError(f"{tok} {exc}") from None
        out[opt.name] = value
        i += 2
    return out


def command(name: str, options: Mapping[str, Any], config_path: str | None = None) -> str:
    """The full command a user can paste: ``replui wizard restart-replication
    --node node2 --config lab/replui.toml``. KeyError for an unknown wizard
    or option (so advice can never name what does not exist)."""
    w = wizard(name)
    for k in options:
        w.option(k)
    text = f"replui wizard {name}"
    rest = options_text(options)
    if rest:
        text += " " + rest
    if config_path:
        text += " --config " + shlex.quote(config_path)
    return text


def add_parsers(subparsers: Any) -> None:
    """One sub-command per wizard on ``subparsers`` (of ``replui wizard``),
    each with its own options plus ``--config``, ``--accept-host-key``, ``--dry-run`` and ``--yes``."""
    from replui.cli import add_host_key_option

    for w in WIZARDS:
        p = subparsers.add_parser(w.name, help=w.summary, description=f"{w.name}: {w.summary}.")
        groups: dict[str, Any] = {}
        for o in w.options:
            target: Any = p
            if o.group:
                if o.group not in groups:
                    groups[o.group] = p.add_mutually_exclusive_group(required=o.required)
                target = groups[o.group]
            kw: dict[str, Any] = {"help": o.help.replace("%", "%%"), "dest": o.name}  # argparse expands %
            if o.flag:
                kw["action"] = "store_true"
            else:
                kw["metavar"] = o.metavar
                if o.parse is not None:
                    kw["type"] = o.parse
                if o.default is not None:
                    kw["default"] = o.default
                if o.required and not o.group:
                    kw["required"] = True
            target.add_argument(o.cli, **kw)
        p.add_argument("--config", "-c", metavar="FILE", help="config file")
        add_host_key_option(p)
        p.add_argument(
            "--dry-run",
            action="store_true",
            help="print the plan and run its read-only checks; change nothing",
        )
        p.add_argument("--yes", "-y", action="store_true", help="do not ask before destructive steps")


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The builder keyword arguments parsed for ``args.name``."""
    w = wizard(args.name)
    out = {o.name: getattr(args, o.name, None) for o in w.options}
    return {k: v for k, v in out.items() if v not in (None, False)}


def advice_command(finding: "Finding", config_path: str | None = None) -> str | None:
    """The command that runs the wizard ``finding`` advises, pre-filled as the
    picker would and ready to paste (``replui wizard rebuild-replica --source
    node1 --replica node2 --config replui.toml``); None when it names none."""
    if not finding.wizard:
        return None
    subject = finding.nodes[0] if finding.nodes else None
    source = finding.nodes[1] if len(finding.nodes) > 1 else None
    return command(finding.wizard, prefill(finding.wizard, subject, source, finding), config_path)
