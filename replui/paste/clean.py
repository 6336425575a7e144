"""Split pasted text into nodes and clean it: quoting prefixes, prompts, echoed
statements, the client's own noise and elisions.

A paste is one node's output, or several nodes' separated by ``-- node NAME`` lines
(``-- node NAME HOST[:PORT]`` also says where it runs, so replicas' ``Master_Host``
can be matched to it). Before the first such line the text belongs to a node named
after the file. What people paste around the status is recognised and set aside:

- a prefix on every line (``# ``, ``> ``, nested ``> > ``) — a quoted mail or a comment;
- prompts (``mysql>``, ``MariaDB [(none)]>``, ``mysql [localhost:8032] {msandbox} ((none)) >``,
  ``->``), and the statements after them, echoed by ``mysql -v`` or in ``mysql -e "…"``:
  they say what the next block is output of;
- what the client prints besides rows: ``1 row in set, 1 warning (0.00 sec)``,
  ``Empty set``, ``Query OK``, ``ERROR: No query specified`` (after ``\\G;``),
  ``--------------``, ``Bye``, Markdown code fences;
- elisions on a line of their own (``...``, ``…``, ``<...>``, ``[snip]``, ``.``).

Pure: text in, :class:`~replui.paste.model.NodeText` out.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from replui.paste.model import Line, LineKind, NodeText, PasteError, Statement

_NODE = re.compile(r"^\s*--\s*node\s*[:=]?\s+(?P<name>\S+)(?:\s+(?P<addr>\S+))?\s*$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@:-]{0,63}$")
_PROMPT = re.compile(
    r"^\s*(?:mysql|mariadb)(?:\s*\[[^\]]*\])?(?:\s*\{[^}]*\})?(?:\s*\(+[^()]*\)+)*\s*>(?:\s|$)(?P<rest>.*)$",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(r"^\s*->(?:\s|$)(?P<rest>.*)$")
_SHELL = re.compile(r"\b(?:mysql|mariadb)\b[^\n]*?\s-\w*e\s*(?P<q>[\"']?)(?P<sql>.+?)(?P=q)\s*(?:[|>].*)?$")
_TERMINATOR = r"\s*(?:\\G|\\g|;)*\s*;?\s*$"
_STATEMENTS: tuple[tuple[Statement, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(r"^\s*" + pattern + _TERMINATOR, re.IGNORECASE))
    for kind, pattern in (
        (
            Statement.REPLICA_STATUS,
            r"SHOW\s+(?:ALL\s+)?(?:SLAVES?|REPLICAS?)\s+(?:'[^']*'\s+|\"[^\"]*\"\s+|`[^`]*`\s+)?STATUS"
            r"(?:\s+(?:FOR\s+CHANNEL|NONBLOCKING)\s*\S*)*",
        ),
        (Statement.BINLOG_STATUS, r"SHOW\s+(?:MASTER|BINARY\s+LOG|BINLOG)\s+STATUS"),
        (Statement.BINARY_LOGS, r"SHOW\s+(?:BINARY|MASTER)\s+LOGS"),
        (Statement.VARIABLES, r"(?:SHOW\s+(?:GLOBAL\s+|SESSION\s+)?VARIABLES\b.*|SELECT\s+@@.*)"),
        (
            Statement.WORKERS,
            r"SELECT\s+.*\bFROM\s+performance_schema\.replication_applier_status_by_worker\b.*",
        ),
    )
)
_NOISE = re.compile(
    r"^\s*(?:\d+\s+rows?\s+in\s+set\b.*|Empty\s+set\b.*|Query\s+OK\b.*|ERROR:\s*|No\s+query\s+specified\s*"
    r"|-{3,}\s*|Bye\s*|Rows\s+matched:.*|Warning\s+\(Code\s+\d+\):.*|Warnings:\s*\d+\s*|```.*|~~~.*)$",
    re.IGNORECASE,
)
#: The client's "Empty set (0.00 sec)": a statement that returned no row.
EMPTY_SET = re.compile(r"^\s*Empty\s+set\b", re.IGNORECASE)
_ROW_BREAK = re.compile(r"^\s*\*{3,}\s*\d+\.\s*row\s*\*{3,}\s*$", re.IGNORECASE)
_ELISION = re.compile(
    r"^\s*(?:\.{1,}|…+|<\s*(?:\.{2,}|…|snip|snipped)\s*>|\[\s*(?:\.{2,}|…|snip|snipped)\s*\]"
    r"|\(\s*(?:\.{2,}|…|snip|snipped)\s*\))\s*$",
    re.IGNORECASE,
)
_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}([#>])[ \t]?")
_ADDRESS = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\s]+))(?::(?P<port>\d{1,5}))?$")


def source_name(path: str) -> str:
    """The name a file is called by in messages: ``"stdin"`` for ``-``, else the path as given."""
    return "stdin" if path == "-" else path


def default_node_name(path: str) -> str:
    """The node a file's text belongs to before any ``-- node`` line: the file's name
    without its extension (``node1.txt`` -> ``node1``), ``"stdin"`` for ``-``."""
    if path == "-":
        return "stdin"
    return PurePath(path).stem or PurePath(path).name or "node"


def statement_in(text: str) -> Statement | None:
    """The status statement ``text`` is (after a prompt, or alone as ``mysql -v`` echoes
    it, or inside ``mysql -e "…"``), else None."""
    if len(text) > MAX_STATEMENT_LINE:
        return None
    for kind, pattern in _STATEMENTS:
        if pattern.match(text):
            return kind
    shell = _SHELL.search(text)
    if shell:
        for part in re.split(r"(?<=;)|\\G", shell.group("sql")):
            for kind, pattern in _STATEMENTS:
                if part.strip() and pattern.match(part.strip()):
                    return kind
    return None


def _strip_quoting(lines: list[str]) -> list[str]:
    """Remove a ``# ``/``> `` prefix that (nearly) every non-blank line carries, nested too."""
    for _ in range(4):
        body = [ln for ln in lines if ln.strip()]
        if not body:
            return lines
        marks = [m.group(1) for ln in body if (m := _QUOTE_PREFIX.match(ln))]
        if not marks:
            return lines
        mark = max(set(marks), key=marks.count)
        if marks.count(mark) < max(2, int(len(body) * 0.8)):
            return lines
        lines = [
            _QUOTE_PREFIX.sub("", ln, count=1)
            if (m := _QUOTE_PREFIX.match(ln)) and m.group(1) == mark
            else ln
            for ln in lines
        ]
    return lines


def _address(source: str, number: int, text: str) -> tuple[str, int | None]:
    m = _ADDRESS.match(text)
    if m is None:
        raise PasteError(source, number, f"{text!r} is not HOST or HOST:PORT (after -- node NAME)")
    port = int(m.group("port")) if m.group("port") else None
    if port is not None and not 1 <= port <= 65535:
        raise PasteError(source, number, f"port {port} is not 1-65535 (after -- node NAME)")
    return (m.group("v6") or m.group("host")), port


def split_nodes(path: str, text: str) -> list[NodeText]:
    """``text`` read from ``path`` (``-`` is stdin) -> the cleaned lines of each node in it,
    in order; a node with no line of its own is dropped. Raises :class:`PasteError` for a
    ``-- node`` line with an unusable name or address."""
    source = source_name(path)
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    lines = _strip_quoting(raw)
    current = NodeText(default_node_name(path), source, 1, implicit=True)
    nodes = [current]
    statement_open = False  # a prompt line whose statement goes on over "->" lines
    for number, line in enumerate(lines, start=1):
        m = _NODE.match(line)
        if m:
            name = m.group("name")
            if not _NAME.match(name):
                raise PasteError(source, number, f"{name!r} is not a node name (letters, digits, _ . - : @)")
            host, port = _address(source, number, m.group("addr")) if m.group("addr") else (None, None)
            current = NodeText(name, source, number, host, port)
            nodes.append(current)
            statement_open = False
            continue
        current.lines.append(_clean_line(source, number, line, statement_open))
        cleaned = current.lines[-1]
        prompt = _prompt(line)
        if prompt:
            rest = prompt.group("rest").strip()
            statement_open = bool(rest) and not rest.endswith(("\\G", "\\g", ";"))
        elif cleaned.kind is not LineKind.STATEMENT or not _CONTINUATION.match(line):
            statement_open = False
    return [n for n in nodes if any(ln.kind is not LineKind.BLANK for ln in n.lines)]


#: Prompts, echoed statements and shell commands are short; longer lines are only data.
MAX_STATEMENT_LINE = 1000


def _prompt(line: str) -> re.Match[str] | None:
    return _PROMPT.match(line) if len(line) <= MAX_STATEMENT_LINE else None


def _clean_line(source: str, number: int, line: str, statement_open: bool) -> Line:
    """One raw line -> a :class:`Line` of the right kind."""
    prompt = _prompt(line)
    if prompt or (statement_open and _CONTINUATION.match(line)):
        m = prompt or _CONTINUATION.match(line)
        assert m is not None
        rest = m.group("rest")
        return Line(source, number, rest, LineKind.STATEMENT, statement_in(rest))
    if not line.strip() or _NOISE.match(line):
        # "Empty set" keeps its text: after SHOW SLAVE STATUS it says the node has no replica status
        return Line(source, number, line.strip() if EMPTY_SET.match(line) else "", LineKind.BLANK)
    if _ROW_BREAK.match(line):
        return Line(source, number, line.strip(), LineKind.ROW_BREAK)
    if _ELISION.match(line):
        return Line(source, number, line.strip(), LineKind.ELISION)
    kind = statement_in(line)
    if kind is not None:
        return Line(source, number, line.strip(), LineKind.STATEMENT, kind)
    if line.lstrip().startswith("$ ") or re.match(r"^\S+@\S+[:~][^#$]*[#$]\s", line):
        return Line(source, number, line, LineKind.STATEMENT, None)  # a shell prompt running something else
    return Line(source, number, line.rstrip("\n"), LineKind.DATA)
