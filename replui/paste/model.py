"""The types passed between the steps of reading pasted status text.

:mod:`replui.paste.clean` turns text into :class:`Line` s grouped by node
(:class:`NodeText`), :mod:`replui.paste.layouts` reads them into :class:`Row` s
keyed by the server's own column names, :mod:`replui.paste.build` turns a node's
rows into the :class:`~replui.model.NodeStatus` the live collector builds.
Anything that cannot be read raises :class:`PasteError`, naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class PasteError(Exception):
    """Pasted text that cannot be read. ``source`` is the file name as given (``"stdin"``
    for ``-``), ``line`` the 1-based line number (None: the whole file), ``message`` what
    is wrong; ``str()`` is ``"source:line: message"``."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class Statement(Enum):
    """Which statement's output a block of text is."""

    #: ``SHOW SLAVE STATUS``, ``SHOW REPLICA STATUS``, ``SHOW ALL SLAVES STATUS``
    REPLICA_STATUS = "replica status"
    #: ``SHOW MASTER STATUS``, ``SHOW BINARY LOG STATUS``, ``SHOW BINLOG STATUS``
    BINLOG_STATUS = "binlog status"
    #: ``SHOW BINARY LOGS`` / ``SHOW MASTER LOGS``
    BINARY_LOGS = "binary logs"
    #: ``SHOW [GLOBAL] VARIABLES …`` (``Variable_name``/``Value``) or ``SELECT @@…``
    VARIABLES = "variables"
    #: ``SELECT … FROM performance_schema.replication_applier_status_by_worker``
    WORKERS = "workers"


class LineKind(Enum):
    """What a cleaned line is."""

    DATA = "data"  # text to read (prompts, prefixes and notes around it removed)
    BLANK = "blank"  # empty, or noise the client prints (row counts, "Query OK", "Bye")
    ROW_BREAK = "row break"  # ``*************************** 2. row ***************************``
    ELISION = "elision"  # ``...``, ``…``, ``<...>``, ``[snip]``: lines left out
    STATEMENT = "statement"  # an echoed statement (after a prompt, ``mysql -v``, ``mysql -e "…"``)


@dataclass(frozen=True)
class Line:
    """One line of a paste after cleaning: ``number`` is 1-based in ``source``;
    ``text`` has any quoting prefix (``# ``, ``> ``) and prompt removed; ``statement``
    is set for :attr:`LineKind.STATEMENT` lines."""

    source: str
    number: int
    text: str
    kind: LineKind = LineKind.DATA
    statement: Statement | None = None


@dataclass
class NodeText:
    """The cleaned lines of one node: ``name`` from a ``-- node NAME [HOST[:PORT]]`` line or
    the file name (``implicit``: the text before any such line); ``host``/``port`` as given
    there (None: not given)."""

    name: str
    source: str
    first_line: int
    host: str | None = None
    port: int | None = None
    lines: list[Line] = field(default_factory=list)
    implicit: bool = False


@dataclass
class Row:
    """One result row read from a paste: ``values`` maps the server's column names to
    text (None for ``NULL``), in the order read; ``lines`` where each column was read;
    ``statement`` what it is output of (None: not known yet)."""

    source: str
    first_line: int
    statement: Statement | None = None
    values: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    last_line: int = 0


@dataclass(frozen=True)
class Skipped:
    """A line that was not read as status (prose, a note, a client error): kept so
    the caller can say what it left out."""

    source: str
    number: int
    text: str
