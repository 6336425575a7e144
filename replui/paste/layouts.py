"""Read a node's cleaned lines into result rows keyed by the server's column names.

Three layouts, as the ``mysql``/``mariadb`` client prints them and people paste them:

- vertical (``\\G``): ``Column: value`` lines with any key width, keys right- or
  left-aligned, indented or not; ``*** 1. row ***`` separates rows (a column seen twice
  also starts a new row, and so does a column of another statement). A value goes on
  over lines the server wrapped (indented: joined with a space, as GTID sets and long
  errors are) or the terminal wrapped (at column 0: joined as is). A line that fits
  neither is a note and is skipped;
- a table with ``+---+`` borders (or ``|``-delimited rows alone); a row the terminal
  wrapped is joined until it has the header's number of cells;
- tab-separated (``mysql -B``), with a header line or without one (``-N``): then the
  statement echoed before it, or the number of values, names the columns
  (:data:`replui.paste.columns.HEADERLESS`).

Rows carry the line each column was read from; a layout that cannot be read raises
:class:`~replui.paste.model.PasteError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from replui.paste import columns as C
from replui.paste.model import Line, LineKind, NodeText, PasteError, Row, Skipped, Statement

_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z@][A-Za-z0-9_@.]*)\s*:(?:\s(?P<value>.*)|(?P<empty>\s*))$")
_BORDER = re.compile(r"^\s*\+(?:-+\+)+\s*$")
_IDENT = re.compile(r"^[A-Za-z@][A-Za-z0-9_@.()]*$")
#: A line at least this long that is followed by one at column 0 was probably wrapped by the terminal.
WRAP_WIDTH = 60


@dataclass
class Reading:
    """What :func:`read_rows` found: the rows in order, and the lines it skipped."""

    rows: list[Row] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def read_rows(node: NodeText) -> Reading:
    """Every result row in ``node``'s lines, in order. Raises :class:`PasteError` for a
    table row that does not fit its header, or headerless tab-separated values whose
    layout is unknown."""
    out = Reading()
    lines = node.lines
    hint: Statement | None = None
    hint_text = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind is LineKind.STATEMENT:
            if line.statement is not None:
                hint, hint_text = line.statement, line.text
            i += 1
            continue
        if line.kind is not LineKind.DATA:
            i += 1
            continue
        text = line.text
        if _BORDER.match(text) or _is_pipe_row(text):
            i = _read_table(lines, i, hint, out)
        elif "\t" in text.strip():
            i = _read_tsv(lines, i, hint, "SLAVE" in hint_text.upper(), out)
        elif _KEY.match(text):
            i = _read_vertical(lines, i, hint, out)
        else:
            out.skipped.append(Skipped(line.source, line.number, text))
            i += 1
    return out


# -- vertical ---------------------------------------------------------------------------
def _read_vertical(lines: list[Line], i: int, hint: Statement | None, out: Reading) -> int:
    """Read ``Column: value`` lines from ``lines[i]``; returns the index after the block."""
    row: Row | None = None
    key: str | None = None
    key_cols: tuple[int, int] | None = None  # (where the key starts, where its colon is)
    prev_len = 0
    blank_since = False

    def finish() -> None:
        nonlocal row, key
        if row is not None and row.values:
            if row.statement is None:
                row.statement = C.statement_of_row(list(row.values)) or hint
            out.rows.append(row)
        row, key = None, None

    while i < len(lines):
        line = lines[i]
        if line.kind is LineKind.STATEMENT:
            break
        if line.kind is LineKind.ROW_BREAK:
            finish()
            i += 1
            continue
        if line.kind is LineKind.BLANK:
            blank_since, key = True, None
            i += 1
            continue
        if line.kind is LineKind.ELISION:
            key = None
            i += 1
            continue
        text = line.text
        if _BORDER.match(text) or _is_pipe_row(text) or "\t" in text.strip():
            break
        m = _KEY.match(text)
        if m and _accept_key(m, key_cols, key is not None):
            name = m.group("key")
            kind = C.statement_of(name)
            if row is not None and (
                name in row.values
                or (kind is not None and row.statement is not None and kind is not row.statement)
            ):
                finish()
            if row is None:
                row = Row(line.source, line.number)
            if row.statement is None and kind is not None:
                row.statement = kind
            value = m.group("value")
            row.values[name] = value.rstrip() if value is not None else ""
            row.lines[name] = line.number
            row.last_line = line.number
            key = name
            colon = text.index(":", len(m.group("indent")) + len(name))
            key_cols = (len(m.group("indent")), colon)
            prev_len, blank_since = len(text.rstrip()), False
            i += 1
            continue
        # not a key: the current value wrapped onto this line, or a note
        value_col = key_cols[1] + 1 if key_cols else 0
        if (
            row is not None
            and key is not None
            and not blank_since
            and _may_continue(key, row.values.get(key) or "", text, prev_len, value_col)
        ):
            current = row.values.get(key) or ""
            if text[:1].isspace():
                row.values[key] = (current + " " + text.strip()).strip()
            else:
                row.values[key] = current + text.strip()
            row.last_line = line.number
            prev_len = len(text.rstrip())
        else:
            out.skipped.append(Skipped(line.source, line.number, text))
            key = None
        i += 1
    finish()
    return i


def _accept_key(m: re.Match[str], key_cols: tuple[int, int] | None, in_value: bool) -> bool:
    """Whether a ``Word: …`` line is a column (not a value's wrapped text): a column any
    statement prints, or the first of a block, or one aligned like the column before it."""
    name = m.group("key")
    if name in C.KNOWN_COLUMNS or C.statement_of(name) is not None:
        return True
    if key_cols is None or not in_value:
        return True
    indent = len(m.group("indent"))
    colon = m.string.index(":", indent + len(name))
    return colon == key_cols[1] or indent == key_cols[0]


def _may_continue(key: str, value: str, text: str, prev_len: int, value_col: int) -> bool:
    """Whether ``text`` is the rest of ``key``'s ``value`` (so far): the server wraps text
    onto lines indented to the value's column, the terminal wraps a long line at column 0,
    and MySQL prints a GTID set's line breaks as they are (after a comma). A number,
    thread state or file name is never wrapped on a short line, and an empty value never."""
    if not value:
        return False
    indent = len(text) - len(text.lstrip())
    kind = C.value_type(key)
    if kind is C.ValueType.GTID and (value.rstrip().endswith(",") or indent >= value_col > 0):
        return True
    if kind in (C.ValueType.TEXT, C.ValueType.GTID) and indent >= value_col > 0:
        return True
    return prev_len >= WRAP_WIDTH and indent == 0


# -- tables -----------------------------------------------------------------------------
def _is_pipe_row(text: str) -> bool:
    t = text.strip()
    return len(t) > 2 and t.startswith("|") and t.endswith("|")


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.strip()[1:-1].split("|")]


def _read_table(lines: list[Line], i: int, hint: Statement | None, out: Reading) -> int:
    """Read one table from ``lines[i]`` (its top border, or its header row when it has no
    borders): header, separator, rows, closing border. Returns the index after it."""
    header: list[str] | None = None
    header_line = 0
    in_rows = False
    while i < len(lines):
        line = lines[i]
        text = line.text
        if line.kind in (LineKind.BLANK, LineKind.ELISION):
            # blank lines between rows are allowed; anything else after them ends the table
            nxt = next(
                (ln for ln in lines[i + 1 :] if ln.kind not in (LineKind.BLANK, LineKind.ELISION)), None
            )
            if (
                header is not None
                and nxt is not None
                and nxt.kind is LineKind.DATA
                and _is_pipe_row(nxt.text)
            ):
                i += 1
                continue
            break
        if line.kind is not LineKind.DATA:
            break
        if _BORDER.match(text):
            i += 1
            if header is None:
                continue
            if in_rows:
                break  # the closing border
            in_rows = True
            continue
        if not text.strip().startswith("|"):
            break
        if header is None:
            header = _cells(text)
            header_line = line.number
            if not all(_IDENT.match(h) for h in header):
                raise PasteError(
                    line.source, line.number, "a table header with a cell that is not a column name"
                )
            i += 1
            continue
        in_rows = True
        first = line
        joined = text.strip()
        while joined.count("|") < len(header) + 1 and i + 1 < len(lines):
            nxt_line = lines[i + 1]
            if nxt_line.kind is not LineKind.DATA or _BORDER.match(nxt_line.text):
                break
            i += 1
            joined += nxt_line.text if not nxt_line.text[:1].isspace() else " " + nxt_line.text.strip()
        if not (joined.startswith("|") and joined.endswith("|")) or joined.count("|") != len(header) + 1:
            raise PasteError(
                first.source,
                first.number,
                f"a table row with {max(joined.count('|') - 1, 0)} cells under a header of {len(header)} "
                f"(line {header_line}): cut short, or wrapped by the terminal? Paste it with \\G instead",
            )
        row = Row(first.source, first.number, C.statement_of_row(header) or hint)
        for name, value in zip(header, _cells(joined), strict=True):
            row.values[name] = None if value == "NULL" else value
            row.lines[name] = first.number
        row.last_line = lines[i].number
        out.rows.append(row)
        i += 1
    return i


# -- tab-separated ------------------------------------------------------------------------
def _unescape(value: str) -> str | None:
    if value == "NULL":
        return None
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", "0": "\0", "\\": "\\"}.get(m.group(1), m.group(1)), value
    )


def _read_tsv(lines: list[Line], i: int, hint: Statement | None, slave: bool, out: Reading) -> int:
    """Read tab-separated lines from ``lines[i]``: a header line then rows, or rows only
    (``slave``: the statement echoed before them said SLAVE, not REPLICA)."""
    header: list[str] | None = None
    label = ""
    first_line = lines[i]
    if _tsv_header(lines[i].text):
        header = [c.strip() for c in lines[i].text.split("\t")]
        i += 1
    read = 0
    while i < len(lines) and lines[i].kind is LineKind.DATA and "\t" in lines[i].text:
        line = lines[i]
        if _tsv_header(line.text):
            break  # the next statement's output, with its own header
        values = line.text.split("\t")
        if header is None:
            header, label = _headerless(line, len(values), hint, slave)
        if len(values) != len(header):
            raise PasteError(
                line.source,
                line.number,
                f"{len(values)} tab-separated values where {label or 'the header'} has {len(header)}",
            )
        row = Row(line.source, line.number, C.statement_of_row(header) or hint, last_line=line.number)
        for name, value in zip(header, values, strict=True):
            row.values[name] = _unescape(value)
            row.lines[name] = line.number
        out.rows.append(row)
        read += 1
        i += 1
    if header is not None and not read:
        out.skipped.append(Skipped(first_line.source, first_line.number, first_line.text))
    return i


def _tsv_header(text: str) -> bool:
    """A tab-separated line of column names (``mysql -B`` prints one before the rows)."""
    cells = [c.strip() for c in text.split("\t")]
    return all(_IDENT.match(c) for c in cells) and any(C.statement_of(c) for c in cells)


def _headerless(line: Line, count: int, hint: Statement | None, slave: bool) -> tuple[list[str], str]:
    """The columns of a headerless tab-separated row of ``count`` values."""
    kinds = [hint] if hint is not None else list(Statement)
    found = [C.HEADERLESS[(k, count)] for k in kinds if (k, count) in C.HEADERLESS]
    if hint is Statement.REPLICA_STATUS and count == 60 and slave:
        found = [C.HEADERLESS_SLAVE_60]
    if len(found) == 1:
        label, names = found[0]
        return list(names), label
    known = ", ".join(
        f"{n} ({k.value})"
        for (k, n) in sorted(C.HEADERLESS, key=lambda kn: (kn[0].value, kn[1]))
        if k in kinds
    )
    raise PasteError(
        line.source,
        line.number,
        f"{count} tab-separated values without a header: cannot tell which column is which "
        f"(known layouts: {known}); paste it with \\G, or with mysql -B without -N",
    )
