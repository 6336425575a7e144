"""Reading pasted status text: every layout people paste, and what they paste around it.

The files under tests/pastes/mariadb_10_11/ were printed by the real ``mariadb`` client
(10.11) from a real server with two replica connections pointing at closed ports:
``\\G``, ``-t`` tables, ``-B`` with and without a header, ``-vvv`` echoes. The MySQL rows
are tests/recorded/mysql_rows.py's, printed here the way the ``mysql`` client prints them.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import pytest

from replui.analysis.findings import analyse
from replui.mysql.dialect import dialect_for
from replui.mysql.status import normalise_channel
from replui.paste import PasteError, read_pastes
from replui.paste.columns import MYSQL_8022_REPLICA

PASTES = Path(__file__).parent / "pastes" / "mariadb_10_11"


def _recorded():
    spec = importlib.util.spec_from_file_location(
        "recorded_mysql_rows_p", Path(__file__).parent / "recorded" / "mysql_rows.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M = _recorded()


def read(text: str, name: str = "node1.txt"):
    return read_pastes([(name, text)])


def one_status(text: str, name: str = "node1.txt"):
    (status,) = read(text, name).statuses
    return status


def one_channel(text: str, name: str = "node1.txt"):
    (ch,) = one_status(text, name).channels
    return ch


def codes(statuses):
    return sorted(f.code for f in analyse(statuses))


def vertical(rows: list[dict], *, right: bool = True, indent: str = "") -> str:
    """Rows as the mysql client prints them with \\G (keys right-aligned to the longest)."""
    out = []
    for n, row in enumerate(rows, start=1):
        out.append(f"*************************** {n}. row ***************************")
        width = max(len(k) for k in row)
        for k, v in row.items():
            key = k.rjust(width) if right else k
            out.append(f"{indent}{key}: {'NULL' if v is None else v}")
    return "\n".join(out) + "\n"


def table(rows: list[dict]) -> str:
    """Rows as the mysql client prints a table (-t)."""
    cols = list(rows[0])
    cells = [[("NULL" if r[c] is None else str(r[c])) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    border = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(vals):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)) + " |"

    return "\n".join([border, line(cols), border, *(line(r) for r in cells), border]) + "\n"


def tsv(rows: list[dict], header: bool = True) -> str:
    cols = list(rows[0])
    body = ["\t".join("NULL" if r[c] is None else str(r[c]) for c in cols) for r in rows]
    return "\n".join(([("\t".join(cols))] if header else []) + body) + "\n"


ESSENTIAL = (
    "source_host",
    "source_port",
    "source_log_file",
    "read_source_log_pos",
    "relay_source_log_file",
    "exec_source_log_pos",
    "io_running",
    "sql_running",
    "seconds_behind_source",
    "last_io_errno",
    "last_io_error",
    "last_sql_errno",
    "last_sql_error",
    "using_gtid",
    "name",
)


def essentials(ch):
    return {k: getattr(ch, k) for k in ESSENTIAL}


# -- the real client's layouts ----------------------------------------------------------------
def test_every_layout_of_the_real_mariadb_client_reads_the_same_channel():
    by_file = {}
    for name in ("slave_vertical.txt", "slave_table_t.txt", "slave_tsv_noheader.txt", "slave_vvv.txt"):
        by_file[name] = essentials(one_channel((PASTES / name).read_text(), name))
    first = by_file["slave_vertical.txt"]
    assert first["last_io_errno"] == 2003 and first["io_running"] == "Connecting"
    assert first["read_source_log_pos"] == 419130498 and first["seconds_behind_source"] is None
    for name, got in by_file.items():
        assert got == first, name


def test_show_all_slaves_status_reads_every_connection_vertical_and_headerless():
    for name in ("all_vertical.txt", "all_tsv_noheader.txt"):
        status = one_status((PASTES / name).read_text(), name)
        assert [c.name for c in status.channels] == ["", "node2"]
        assert status.flavor is not None and status.flavor.value == "mariadb"
        assert status.channels[1].using_gtid == "Slave_Pos"


def test_tables_back_to_back_and_tab_separated_with_headers():
    for name in ("master_table.txt", "master_tsv_header.txt"):
        status = one_status((PASTES / name).read_text(), name)
        assert (status.binlog.file, status.binlog.position) == ("mysql-bin.000002", 371)
        assert [(f.name, f.size) for f in status.binlog_files] == [
            ("mysql-bin.000001", 375),
            ("mysql-bin.000002", 371),
        ]


def test_show_variables_table_gives_flavour_version_and_server_id():
    status = one_status((PASTES / "vars_table.txt").read_text())
    assert status.flavor.value == "mariadb" and status.version.startswith("10.11.19")
    assert (status.server_id, status.read_only, status.log_bin) == (7, False, True)


# -- MySQL rows of every version, printed as the mysql client prints them ----------------------------
RECORDED = [
    ("MYSQL57_CRASHED_PAIR_NODE1", "5.7.44"),
    ("MYSQL57_CRASHED_PAIR_NODE2", "5.7.44"),
    ("MYSQL57_GTID_PURGED", "5.7.44"),
    ("MYSQL8018_TLS", "8.0.18"),
    ("MYSQL8036_SLAVE_POSITION_PAST_END", "8.0.36"),
    ("MYSQL80_REPLICA_HEALTHY", "8.0.36"),
    ("MYSQL84_REPLICA", "8.4.3"),
]


@pytest.mark.parametrize("row,version", RECORDED)
@pytest.mark.parametrize("layout", ["vertical", "left", "tabs", "table", "tsv"])
def test_recorded_rows_read_back_as_the_live_path_normalises_them(row, version, layout):
    data = getattr(M, row)
    text = {
        "vertical": lambda: vertical([data]),
        "left": lambda: vertical([data], right=False),
        "tabs": lambda: vertical([data], indent="\t\t"),
        "table": lambda: table([{k: str(v).replace("\n", " ") if v else v for k, v in data.items()}]),
        "tsv": lambda: tsv([{k: str(v).replace("\n", "\\n") if v else v for k, v in data.items()}]),
    }[layout]()
    pasted = one_channel(text)
    live = normalise_channel(M.as_strings(data), dialect_for("mysql", version))
    assert essentials(pasted) == essentials(live)
    assert pasted.executed_gtid_set == live.executed_gtid_set  # wrapped GTID sets lose the wrapping
    assert pasted.label("source_log_file") == live.label("source_log_file")


def test_headerless_tab_separated_mysql_rows_are_named_by_their_count():
    for data, label in ((M.MYSQL57_PURGED, "Master_Log_File"), (M.MYSQL84_REPLICA, "Source_Log_File")):
        ch = one_channel(tsv([data], header=False))
        assert ch.label("source_log_file") == label
        assert ch.source_log_file == data[label]
    assert len(MYSQL_8022_REPLICA) == len(M.REPLICA_STATUS_80_COLUMNS)
    assert MYSQL_8022_REPLICA == list(M.REPLICA_STATUS_80_COLUMNS)


def test_headerless_show_slave_status_of_8_0_22_keeps_its_master_names():
    text = 'mysql -BN -e "SHOW SLAVE STATUS"\n' + tsv([M.MYSQL8036_SLAVE_POSITION_PAST_END], header=False)
    assert one_channel(text).label("source_log_file") == "Master_Log_File"


# -- prompts, echoes, prefixes and the client's noise -------------------------------------------
SLAVE = (PASTES / "slave_vertical.txt").read_text()


@pytest.mark.parametrize(
    "before,after",
    [
        ("mysql> SHOW SLAVE STATUS\\G\n", "1 row in set (0.00 sec)\n\nmysql> \n"),
        (
            "MariaDB [(none)]> show slave status\\G;\n",
            "1 row in set, 1 warning (0.001 sec)\n\nERROR: No query specified\n\n",
        ),
        ("mysql [localhost:8032] {msandbox} ((none)) > SHOW SLAVE STATUS\\G\n", "1 row in set (0.00 sec)\n"),
        ('root@db1:~# mysql -e "SHOW SLAVE STATUS\\G"\n', "root@db1:~# \n"),
        ("```\n", "```\n"),
        ("mysql> SHOW SLAVE\n    -> STATUS\\G\n", "Bye\n"),
    ],
)
def test_prompts_echoed_statements_and_client_noise_are_set_aside(before, after):
    ch = one_channel(before + SLAVE + after)
    assert essentials(ch) == essentials(one_channel(SLAVE))


@pytest.mark.parametrize("prefix", ["# ", "> ", "> > ", "#"])
def test_every_line_prefixed_by_a_comment_or_quote_mark(prefix):
    text = "\n".join(prefix + ln if ln.strip() else prefix.rstrip() for ln in SLAVE.splitlines())
    assert essentials(one_channel(text)) == essentials(one_channel(SLAVE))


def test_several_statements_one_after_the_other_in_one_session():
    text = (
        "MariaDB [(none)]> SHOW SLAVE STATUS\\G\n"
        + SLAVE
        + "1 row in set (0.000 sec)\n\nMariaDB [(none)]> SHOW MASTER STATUS; SHOW BINARY LOGS;\n"
        + (PASTES / "master_table.txt").read_text()
        + "2 rows in set (0.000 sec)\n"
    )
    status = one_status(text)
    assert status.channels and status.binlog.file == "mysql-bin.000002" and len(status.binlog_files) == 2


# -- elisions, placeholders, notes, fragments --------------------------------------------------------
def test_elisions_and_placeholders_are_unknown_never_made_up():
    text = """
mysql> show slave status\\G
*************************** 1. row ***************************
               Slave_IO_State: Waiting for master to send event
                  Master_Host: <master-host>
<...>
             Slave_IO_Running: Yes
            Slave_SQL_Running: Yes
...
        Seconds_Behind_Master: …
…
          Read_Master_Log_Pos: 5699…
"""
    ch = one_channel(text)
    assert ch.source_host is None and ch.read_source_log_pos is None and ch.seconds_behind_source is None
    assert (ch.io_running, ch.sql_running) == ("Yes", "Yes")
    found = codes([one_status(text)])
    # no lag_unknown (Seconds_Behind_Master was left out, not NULL), no external source made up
    assert "lag_unknown" not in found and "external_source" not in found and "replication_ok" not in found


def test_notes_typed_after_a_value_keep_the_value():
    text = """
          Master_Log_File: mysql-bin.000253
      Read_Master_Log_Pos: 569975131   <- stuck here since Tuesday
         Slave_IO_Running: No (why??)
        Slave_SQL_Running: Yes
    Seconds_Behind_Master: NULL  # of course
            Last_IO_Errno: 0
            Last_IO_Error:
^^^ this is what I see after the restart
"""
    pasted = read(text)
    (ch,) = pasted.statuses[0].channels
    assert (ch.read_source_log_pos, ch.io_running, ch.seconds_behind_source) == (569975131, "No", None)
    assert ch.last_io_error == ""
    assert [s.number for s in pasted.skipped] == [9]
    assert "io_thread_stopped" in codes(pasted.statuses)


def test_a_two_line_fragment_is_not_a_stopped_replica():
    text = "Master_Log_File: mysql-bin.000253\nRead_Master_Log_Pos: 569975131\n"
    status = one_status(text)
    (ch,) = status.channels
    assert (ch.io_running, ch.sql_running) == ("", "")  # unknown, never "No"
    assert (ch.last_io_errno, ch.last_sql_errno) == (None, None)  # unknown, never 0
    found = codes([status])
    for code in (
        "sql_thread_stopped",
        "io_thread_stopped",
        "lag_unknown",
        "replication_ok",
        "external_source",
    ):
        assert code not in found
    running = one_status("Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\n")
    assert codes([running]) == []  # no Seconds_Behind_Master: no lag finding, no "ok" either


def test_blank_lines_between_rows_and_between_columns():
    spaced = "\n\n".join(SLAVE.splitlines()) + "\n"
    assert essentials(one_channel(spaced)) == essentials(one_channel(SLAVE))
    two = vertical([M.MYSQL80_REPLICA_HEALTHY, M.MYSQL80_REPLICA_DUPLICATE]).replace("***\n", "***\n\n")
    assert [c.name for c in one_status(two).channels] == ["", "analytics"]


# -- wrapped values ------------------------------------------------------------------------------
def test_values_wrapped_by_the_server_or_the_terminal():
    gtid = f"{M.SOURCE_UUID}:1-927,\n{M.REPLICA_UUID}:1-2"
    text = (
        "         Master_Host: 10.0.0.7\n"
        f"   Executed_Gtid_Set: {gtid.replace(chr(10), chr(10) + ' ' * 22)}\n"
        "       Last_IO_Errno: 13114\n"
        "       Last_IO_Error: Got fatal error 1236 from source when reading data from binary log: 'Could "
        "no\n"
        "t find first log file name in binary log index file'\n"
        "      Last_SQL_Errno: 0\n"
    )
    ch = one_channel(text)
    assert ch.executed_gtid_set == f"{M.SOURCE_UUID}:1-927,{M.REPLICA_UUID}:1-2"
    assert "Could not find first log file name" in ch.last_io_error
    (f,) = [f for f in analyse([one_status(text)]) if f.code == "io_error"]
    assert f.wizard == "rebuild-replica"
    assert "purged the binlog" in f.message


def test_a_short_value_is_never_joined_with_the_next_line():
    text = "      Master_Log_File: mysql-bin.000253\nRead_Master_Log_P\n"
    pasted = read(text)
    assert pasted.statuses[0].channels[0].source_log_file == "mysql-bin.000253"
    assert [s.number for s in pasted.skipped] == [2]  # a paste cut mid-line: said, not guessed


# -- several nodes ---------------------------------------------------------------------------------
def test_nodes_in_one_file_and_their_addresses_match_master_host():
    text = (
        "-- node node1 db1:3306\n"
        "mysql> SHOW MASTER STATUS;\n"
        "+------------------+----------+--------------+------------------+\n"
        "| File             | Position | Binlog_Do_DB | Binlog_Ignore_DB |\n"
        "+------------------+----------+--------------+------------------+\n"
        "| mysql-bin.000002 |     3300 |              |                  |\n"
        "+------------------+----------+--------------+------------------+\n"
        "-- node node2\n"
        "  Master_Host: db1\n  Master_Port: 3306\n"
        "  Master_Log_File: mysql-bin.000002\n  Read_Master_Log_Pos: 3300\n"
        "  Relay_Master_Log_File: mysql-bin.000002\n  Exec_Master_Log_Pos: 3000\n"
        "  Slave_IO_Running: No\n  Slave_SQL_Running: No\n  Seconds_Behind_Master: NULL\n"
    )
    pasted = read(text, "pair.txt")
    assert [s.name for s in pasted.statuses] == ["node1", "node2"]
    assert pasted.statuses[0].host == "db1"
    found = analyse(pasted.statuses)
    behind = [f for f in found if f.code == "coordinates_behind"]
    assert behind and behind[0].nodes == ("node2", "node1") and "300 bytes" in behind[0].message


def test_one_file_per_node_and_a_node_named_twice_is_one_node():
    pasted = read_pastes(
        [("node1.txt", SLAVE), ("node2.txt", SLAVE), ("more.txt", "-- node node1\n" + SLAVE)]
    )
    assert [s.name for s in pasted.statuses] == ["node1", "node2"]
    assert "node1.txt" in pasted.statuses[0].reached_via and "more.txt" in pasted.statuses[0].reached_via


def test_a_pasted_node_says_it_has_no_live_connection():
    status = one_status(SLAVE)
    assert (
        status.reachable and "no live connection" in status.error and status.reached_via.startswith("pasted")
    )


# -- multi-threaded replicas: the worker table ------------------------------------------------------------
def test_the_worker_table_gives_the_coordinators_cause():
    coordinator = M.MYSQL57_COORDINATOR_1062["Last_SQL_Error"]
    text = (
        "mysql> SHOW SLAVE STATUS\\G\n"
        "  Slave_SQL_Running: No\n"
        "     Last_SQL_Errno: 0\n"
        f"     Last_SQL_Error: {coordinator}\n"
        "mysql> SELECT * FROM performance_schema.replication_applier_status_by_worker\\G\n"
        "*************************** 1. row ***************************\n"
        "         CHANNEL_NAME: \n"
        "            WORKER_ID: 1\n"
        "    LAST_ERROR_NUMBER: 1032\n"
        "   LAST_ERROR_MESSAGE: Worker 1 failed executing transaction 'ANONYMOUS' at master log "
        "mysql-bin.000003, "
        "end_log_pos 1340; Could not execute Delete_rows event on table shop.t; Can't find record in 't', "
        "Error_code: 1032; handler error HA_ERR_KEY_NOT_FOUND\n"
        " LAST_ERROR_TIMESTAMP: 2024-06-11 10:02:33.000000\n"
    )
    (f,) = [f for f in analyse(read(text).statuses) if f.code == "sql_error"]
    assert f.errno == 1032 and f.wizard == "rebuild-replica" and "Can't find record" in f.message


# -- truncated and malformed pastes: a message naming the line --------------------------------------------
@pytest.mark.parametrize(
    "text,line,needle",
    [
        ("  Master_Log_File: mysql-bin.000001\n  Read_Master_Log_Pos: twelve\n", 2, "Read_Master_Log_Pos"),
        ("Slave_IO_Running: maybe\n", 1, "Yes, No, Connecting or Preparing"),
        ("+------+\n| File |\n+------+\n| a | b |\n+------+\n", 4, "2 cells under a header of 1"),
        ("+------+-----+\n| File | Position |\n+---+---+\n| mysql-bin.000001 | 4\n", 4, "cut short"),
        ("a\tb\tc\td\te\tf\tg\n", 1, "7 tab-separated values without a header"),
        ("-- node bad/name\n" + SLAVE, 1, "not a node name"),
        ("-- node n1 db1:99999\n" + SLAVE, 1, "port 99999"),
        ("Yesterday the server crashed.\nNothing works.\n", 1, "no status found"),
        ("", None, "empty"),
    ],
)
def test_unreadable_text_names_the_line(text, line, needle):
    with pytest.raises(PasteError) as err:
        read(text, "node1.txt")
    assert err.value.line == line and needle in err.value.message
    assert str(err.value).startswith("node1.txt:" if line else "node1.txt")


def test_a_paste_cut_short_reads_what_is_there():
    cut = SLAVE[: SLAVE.index("Exec_Master_Log_Pos") + 10]
    ch = one_channel(cut)
    assert ch.source_log_file == "mysql-bin.000253" and ch.exec_source_log_pos is None
    assert ch.last_io_errno is None and "io_error" not in codes([one_status(cut)])  # not shown: unknown


# -- hostile text: never a traceback ------------------------------------------------------------------------
HOSTILE = [
    "\x00\x01\x02" * 1000,
    "a:" * 20000,
    "|" * 5000 + "\n" + "|" * 4999,
    "+-" * 3000 + "+\n| x |\n",
    "\t" * 5000,
    "Slave_IO_Running: " + "Y" * 100000,
    "*************************** 1. row ***************************\n" * 500,
    "> " * 2000 + "Master_Host: x",
    "-- node " + "n" * 100,
    "Master_Host: x\n" + " " * 50000 + "y\n",
    "mysql> " * 1000,
    "Read_Master_Log_Pos: 1" + "0" * 400,
    "Last_IO_Error: " + "Got fatal error 1236 " * 5000,
    "\ud800",
    "Master_Port: -1\nSlave_IO_Running: Yes\nExec_Master_Log_Pos: 99999999999999999999999\n",
    # once quadratic: each must read in linear time
    "mysql " + "(" * 20000 + "x",
    "Last_IO_Error: a" + " " * 50000 + "b",
    "Master_Log_File: " + "." * 50000 + "x",
    "Read_Master_Log_Pos: " + "." * 50000 + "x",
    "mysql" + " -e x" * 20000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_ends_in_a_status_or_a_message(text):
    from replui.diagnose import diagnose

    safe = text.encode("utf-8", "replace").decode("utf-8")
    code, report, notes = diagnose([("evil.txt", safe)])
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in report and not any("Traceback" in n for n in notes)
    if code == 3:
        assert notes and notes[0].startswith("replui: evil.txt")
    code, report, _ = diagnose([("evil.txt", safe)], json_out=True)
    assert report.startswith("{")


def test_a_pasted_status_is_the_live_one_but_for_how_it_was_reached():
    live = normalise_channel(M.as_strings(M.MYSQL57_CRASHED_PAIR_NODE2), dialect_for("mysql", "5.7.44"))
    pasted = one_channel(vertical([M.MYSQL57_CRASHED_PAIR_NODE2]))
    assert dataclasses.replace(pasted, raw={}) == dataclasses.replace(live, raw={})
