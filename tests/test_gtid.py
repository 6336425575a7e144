"""GTID set maths for MySQL (uuid:intervals, tagged from 8.3) and MariaDB
(domain-server-seq), checked against the semantics of GTID_SUBTRACT /
GTID_SUBSET in the MySQL manual and MariaDB's GTID positions."""

from __future__ import annotations

import pytest

from replui.mysql.gtid import (
    count,
    errant_transactions,
    format_mariadb_gtid_pos,
    format_mysql_gtid_set,
    is_subset,
    mariadb_ahead,
    mariadb_behind,
    parse_mariadb_gtid_pos,
    parse_mysql_gtid_set,
    subtract,
    union,
)

A = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
B = "73f86016-978b-11ee-ade5-8d2a2a562feb"


def test_parse_merges_and_sorts_intervals():
    s = parse_mysql_gtid_set(f"{A}:7:1-5:6,{A}:10-12")
    assert s == {(A, ""): [(1, 7), (10, 12)]}


def test_parse_accepts_upper_case_and_show_output_line_breaks():
    text = f"{A.upper()}:1-5,\n{B}:1-9"
    assert parse_mysql_gtid_set(text) == {(A, ""): [(1, 5)], (B, ""): [(1, 9)]}


def test_empty_set_parses_to_empty():
    assert parse_mysql_gtid_set("") == {} and parse_mysql_gtid_set(None) == {}
    assert format_mysql_gtid_set("") == ""


def test_tagged_gtids_from_mysql_83_are_separate_groups():
    s = parse_mysql_gtid_set(f"{A}:1-3:Tag_1:1-2:5,{A}:other:7")
    assert s == {(A, ""): [(1, 3)], (A, "tag_1"): [(1, 2), (5, 5)], (A, "other"): [(7, 7)]}
    assert format_mysql_gtid_set(s) == f"{A}:1-3:other:7:tag_1:1-2:5"


def test_format_is_canonical():
    assert format_mysql_gtid_set(f"{B}:3,{A}:2-4:1") == f"{A}:1-4,{B}:3"


@pytest.mark.parametrize(
    "bad, words",
    [
        ("not-a-uuid:1-5", "not a server UUID"),
        (f"{A}", "no transaction numbers"),
        (f"{A}:5-3", "ends before it starts"),
        (f"{A}:0-3", "out of range"),
        (f"{A}:1-x", "neither an interval"),
        (f"{A}:1,,{B}:1", "empty element"),
        (f"{A}:tag", "has no transaction numbers"),
        (f"{A}:Bad-Tag:1", "neither an interval"),
    ],
)
def test_malformed_sets_raise_clear_value_errors(bad, words):
    with pytest.raises(ValueError, match=words):
        parse_mysql_gtid_set(bad)


def test_subtract_splits_intervals():
    assert subtract(f"{A}:1-10", f"{A}:3-4:8") == {(A, ""): [(1, 2), (5, 7), (9, 10)]}
    assert subtract(f"{A}:1-10", f"{A}:1-10") == {}
    assert subtract(f"{A}:1-5,{B}:1-2", f"{A}:1-5") == {(B, ""): [(1, 2)]}


def test_subtract_keeps_tags_apart():
    assert subtract(f"{A}:1-3:t:1-3", f"{A}:1-3") == {(A, "t"): [(1, 3)]}


def test_subset_and_union():
    assert is_subset(f"{A}:2-3", f"{A}:1-5")
    assert not is_subset(f"{A}:2-6", f"{A}:1-5")
    assert is_subset("", f"{A}:1")
    assert format_mysql_gtid_set(union(f"{A}:1-3", f"{A}:4-5,{B}:1")) == f"{A}:1-5,{B}:1"
    assert count(f"{A}:1-5:7,{B}:1-2") == 8


def test_errant_transactions_are_replica_writes_the_source_lacks():
    source = f"{A}:1-927"
    replica = f"{A}:1-900,\n{B}:1-2"  # behind the source, plus two local writes
    assert errant_transactions(replica, source) == f"{B}:1-2"
    assert errant_transactions(f"{A}:1-900", source) == ""


def test_mariadb_positions_parse_per_domain():
    assert parse_mariadb_gtid_pos("0-1-100,1-2-7") == {0: (1, 100), 1: (2, 7)}
    assert parse_mariadb_gtid_pos(" 0-1-100,\n 1-2-7 ") == {0: (1, 100), 1: (2, 7)}
    assert parse_mariadb_gtid_pos("") == {}
    assert format_mariadb_gtid_pos({1: (2, 7), 0: (1, 100)}) == "0-1-100,1-2-7"


@pytest.mark.parametrize(
    "bad, words",
    [
        ("0-1", "not domain-server_id-seq_no"),
        ("a-b-c", "not domain-server_id-seq_no"),
        ("0-1-5,0-2-6", "domain 0 appears twice"),
        ("4294967296-1-1", "out of range"),
    ],
)
def test_malformed_mariadb_positions_raise(bad, words):
    with pytest.raises(ValueError, match=words):
        parse_mariadb_gtid_pos(bad)


def test_mariadb_behind_and_ahead():
    assert mariadb_behind("0-1-90", "0-1-100,1-2-5") == {0: 10, 1: 5}
    assert mariadb_behind("0-1-100", "0-1-100") == {}
    assert mariadb_ahead("0-1-100,2-3-4", "0-1-100") == {2: (3, 4)}
    assert mariadb_ahead("0-2-101", "0-1-100") == {0: (2, 101)}
