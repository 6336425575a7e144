"""GTID set arithmetic for MySQL and MariaDB, without a server.

MySQL GTID sets (``@@gtid_executed``, ``Executed_Gtid_Set``) look like
``3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7,uuid2:1-9``; from MySQL 8.3 a
transaction may carry a tag: ``uuid:tag:1-3`` (tags are ``[a-z_][a-z0-9_]{0,31}``,
case-insensitive). SHOW output wraps long sets with ``,\\n``; whitespace is
ignored. A set is represented as ``{(uuid, tag): [(start, end), ...]}`` with
lower-case uuid/tag (``tag`` is ``""`` when untagged) and sorted, merged,
inclusive intervals. This is the maths of ``GTID_SUBTRACT``/``GTID_SUBSET``
(MySQL manual, "GTID Sets").

MariaDB GTID positions (``@@gtid_binlog_pos``, ``@@gtid_slave_pos``,
``Gtid_IO_Pos``) are comma-separated ``domain-server_id-seq_no`` triples, one
per replication domain (MariaDB KB, "Global Transaction ID").

Every parser raises ``ValueError`` naming the offending part on malformed input.
"""

from __future__ import annotations

import re
from typing import Mapping

Interval = tuple[int, int]
GtidKey = tuple[str, str]  # (uuid, tag)
GtidSet = dict[GtidKey, list[Interval]]

_UUID_RE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_TAG_RE = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")
_INTERVAL_RE = re.compile(r"^(\d+)(?:-(\d+))?$")
_MAX_GNO = (1 << 63) - 1


def _norm_uuid(text: str, whole: str) -> str:
    u = text.lower()
    if not _UUID_RE.match(u):
        raise ValueError(f"malformed GTID set {whole!r}: {text!r} is not a server UUID")
    if "-" not in u:
        u = f"{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"
    return u


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1] + 1:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def parse_mysql_gtid_set(text: str | None) -> GtidSet:
    """Parse a MySQL GTID set into ``{(uuid, tag): [(start, end), ...]}``.

    Accepts ``""``/None (the empty set), upper- or lower-case UUIDs, newlines
    and spaces anywhere, repeated UUIDs, single numbers (``uuid:7``), and
    tagged groups (``uuid:tag:1-3:5``; a tag applies to the intervals that
    follow it). Transaction numbers are 1..2^63-1. Raises ValueError.
    """
    whole = text or ""
    compact = "".join(whole.split())
    result: dict[GtidKey, list[Interval]] = {}
    if not compact:
        return {}
    for part in compact.split(","):
        if not part:
            raise ValueError(f"malformed GTID set {whole!r}: empty element between commas")
        fields = part.split(":")
        uuid = _norm_uuid(fields[0], whole)
        if len(fields) < 2:
            raise ValueError(f"malformed GTID set {whole!r}: {part!r} has no transaction numbers")
        tag = ""
        seen_interval_for_tag = False
        for f in fields[1:]:
            m = _INTERVAL_RE.match(f)
            if m is None:
                t = f.lower()
                if not _TAG_RE.match(t):
                    raise ValueError(
                        f"malformed GTID set {whole!r}: {f!r} is neither an interval (n or n-m) nor a tag"
                    )
                if tag and not seen_interval_for_tag:
                    raise ValueError(f"malformed GTID set {whole!r}: tag {tag!r} has no transaction numbers")
                tag, seen_interval_for_tag = t, False
                continue
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) is not None else start
            if start < 1 or end > _MAX_GNO:
                raise ValueError(f"malformed GTID set {whole!r}: {f!r} is out of range 1-{_MAX_GNO}")
            if end < start:
                raise ValueError(f"malformed GTID set {whole!r}: interval {f!r} ends before it starts")
            result.setdefault((uuid, tag), []).append((start, end))
            seen_interval_for_tag = True
        if tag and not seen_interval_for_tag:
            raise ValueError(f"malformed GTID set {whole!r}: tag {tag!r} has no transaction numbers")
    return {k: _merge(v) for k, v in result.items()}


def _as_set(value: str | Mapping[GtidKey, list[Interval]] | None) -> GtidSet:
    if value is None or isinstance(value, str):
        return parse_mysql_gtid_set(value)
    return {k: _merge(list(v)) for k, v in value.items() if v}


def format_mysql_gtid_set(gtids: str | Mapping[GtidKey, list[Interval]] | None) -> str:
    """The canonical text of a set: UUIDs sorted, untagged intervals first,
    then each tag, ``uuid:1-5:7:tag:1-3``, groups joined by ``,`` without
    whitespace. ``""`` for the empty set."""
    s = _as_set(gtids)
    by_uuid: dict[str, list[str]] = {}
    for (uuid, tag), ivs in sorted(s.items()):
        if not ivs:
            continue
        text = ":".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ivs)
        by_uuid.setdefault(uuid, []).append(f"{tag}:{text}" if tag else text)
    return ",".join(f"{u}:{':'.join(parts)}" for u, parts in by_uuid.items())


def _subtract_intervals(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in a:
        cur = start
        for bs, be in b:
            if be < cur or bs > end:
                continue
            if bs > cur:
                out.append((cur, bs - 1))
            cur = max(cur, be + 1)
            if cur > end:
                break
        if cur <= end:
            out.append((cur, end))
    return out


def subtract(
    a: str | Mapping[GtidKey, list[Interval]] | None, b: str | Mapping[GtidKey, list[Interval]] | None
) -> GtidSet:
    """The transactions in ``a`` that are not in ``b`` (``GTID_SUBTRACT(a, b)``)."""
    sa, sb = _as_set(a), _as_set(b)
    out: GtidSet = {}
    for key, ivs in sa.items():
        rest = _subtract_intervals(ivs, sb.get(key, []))
        if rest:
            out[key] = rest
    return out


def union(
    a: str | Mapping[GtidKey, list[Interval]] | None, b: str | Mapping[GtidKey, list[Interval]] | None
) -> GtidSet:
    """All transactions in ``a`` or ``b``."""
    sa, sb = _as_set(a), _as_set(b)
    keys = set(sa) | set(sb)
    return {k: _merge(sa.get(k, []) + sb.get(k, [])) for k in keys}


def is_subset(
    a: str | Mapping[GtidKey, list[Interval]] | None, b: str | Mapping[GtidKey, list[Interval]] | None
) -> bool:
    """True when every transaction of ``a`` is in ``b`` (``GTID_SUBSET(a, b)``)."""
    return not subtract(a, b)


def count(gtids: str | Mapping[GtidKey, list[Interval]] | None) -> int:
    """The number of transactions in a set."""
    return sum(e - s + 1 for ivs in _as_set(gtids).values() for s, e in ivs)


def errant_transactions(replica_executed: str | None, source_executed: str | None) -> str:
    """Transactions executed on a replica that its source never executed —
    writes made on the replica directly (``GTID_SUBTRACT(replica, source)``),
    as canonical text; ``""`` when there are none. Raises ValueError."""
    return format_mysql_gtid_set(subtract(replica_executed, source_executed))


# -- MariaDB -------------------------------------------------------------------------

_MARIADB_RE = re.compile(r"^(\d+)-(\d+)-(\d+)$")


def parse_mariadb_gtid_pos(text: str | None) -> dict[int, tuple[int, int]]:
    """Parse a MariaDB GTID position (``0-1-100,1-2-7``) into
    ``{domain_id: (server_id, seq_no)}``. ``""``/None is empty.

    Domain and server ids are 32-bit, seq_no 64-bit unsigned. Raises
    ValueError for malformed triples and for two entries in one domain.
    """
    whole = text or ""
    compact = "".join(whole.split())
    out: dict[int, tuple[int, int]] = {}
    if not compact:
        return out
    for part in compact.split(","):
        m = _MARIADB_RE.match(part)
        if m is None:
            raise ValueError(
                f"malformed MariaDB GTID position {whole!r}: {part!r} is not domain-server_id-seq_no"
            )
        domain, server, seq = (int(g) for g in m.groups())
        if domain > 0xFFFFFFFF or server > 0xFFFFFFFF or seq > 0xFFFFFFFFFFFFFFFF:
            raise ValueError(f"malformed MariaDB GTID position {whole!r}: {part!r} is out of range")
        if domain in out:
            raise ValueError(f"malformed MariaDB GTID position {whole!r}: domain {domain} appears twice")
        out[domain] = (server, seq)
    return out


def format_mariadb_gtid_pos(pos: Mapping[int, tuple[int, int]]) -> str:
    """``{domain: (server_id, seq_no)}`` -> ``"d-s-n,..."`` sorted by domain."""
    return ",".join(f"{d}-{s}-{n}" for d, (s, n) in sorted(pos.items()))


def mariadb_behind(replica_pos: str | None, source_pos: str | None) -> dict[int, int]:
    """Per domain, how many sequence numbers the replica's position trails the
    source's (``source seq_no - replica seq_no``), for domains where it trails.
    A domain missing on the replica counts from 0. Raises ValueError."""
    r, s = parse_mariadb_gtid_pos(replica_pos), parse_mariadb_gtid_pos(source_pos)
    out: dict[int, int] = {}
    for domain, (_server, seq) in s.items():
        have = r.get(domain, (0, 0))[1]
        if seq > have:
            out[domain] = seq - have
    return out


def mariadb_ahead(replica_pos: str | None, source_pos: str | None) -> dict[int, tuple[int, int]]:
    """Domains where the replica has transactions the source lacks: a domain
    the source does not have, or a higher seq_no there. The MariaDB analogue
    of errant transactions. Returns ``{domain: (server_id, seq_no)}`` of the
    replica. Raises ValueError."""
    r, s = parse_mariadb_gtid_pos(replica_pos), parse_mariadb_gtid_pos(source_pos)
    return {d: v for d, v in r.items() if d not in s or v[1] > s[d][1]}
