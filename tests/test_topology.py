"""Topology: matching channels to configured nodes, and the shapes it reports."""

import canned

from replui.analysis.topology import build_topology, normalise_host
from replui.model import Channel, NodeStatus


def _n(name, host="127.0.0.1", port=3306, server_id=None, channels=(), hostname=None, reachable=True):
    return NodeStatus(
        name=name,
        host=host,
        port=port,
        reachable=reachable,
        server_id=server_id,
        hostname=hostname,
        channels=tuple(channels),
    )


def _ch(host, port=3306, sid=None, name=""):
    return Channel(name=name, source_host=host, source_port=port, source_server_id=sid)


def test_master_master_pair_is_one_pair_and_described_with_double_arrow():
    _, st = canned.healthy_pair()
    t = build_topology(st)
    assert t.pairs == [("node1", "node2")]
    assert t.describe() == "node1 ⇄ node2"
    assert t.roles == {"node1": "both", "node2": "both"}
    assert t.sources_of("node1") == ["node2"] and t.replicas_of("node1") == ["node2"]


def test_source_with_two_replicas_is_a_fan_out():
    _, st = canned.source_with_replicas()
    t = build_topology(st)
    assert t.describe() == "src → rep1, rep2"
    assert t.replicas_of("src") == ["rep1", "rep2"]
    assert t.roles == {"src": "source", "rep1": "replica", "rep2": "replica"}
    assert t.pairs == [] and t.chains == [] and t.rings == []


def test_chain_of_three_is_reported_as_a_chain():
    _, st = canned.chain_three()
    t = build_topology(st)
    assert t.chains == [("a", "b", "c")]
    assert t.describe() == "a → b → c"
    assert t.roles["b"] == "both"


def test_fan_out_with_a_chain_below_it():
    _, st = canned.four_nodes()
    t = build_topology(st)
    assert t.describe() == "src → rep1, rep2; rep2 → rep3"
    assert ("src", "rep2", "rep3") in t.chains


def test_ring_of_three():
    st = [
        _n("a", port=1, server_id=1, channels=[_ch("127.0.0.1", 3, 3)]),
        _n("b", port=2, server_id=2, channels=[_ch("127.0.0.1", 1, 1)]),
        _n("c", port=3, server_id=3, channels=[_ch("127.0.0.1", 2, 2)]),
    ]
    t = build_topology(st)
    assert t.rings == [("a", "b", "c")]
    assert t.describe() == "a → b → c → a"


def test_source_not_in_config_is_kept_as_external():
    _, st = canned.external_source()
    t = build_topology(st)
    (e,) = t.edges
    assert e.external and e.source == "db9.example.com:3306 (not in config)"
    assert t.external_sources == ["db9.example.com:3306 (not in config)"]
    assert t.describe() == "db9.example.com:3306 (not in config) → replica"
    assert t.roles == {"replica": "replica"}


def test_server_id_match_wins_over_host():
    # Master_Host is a VIP that matches no node, but Master_Server_Id names node b
    st = [
        _n("a", host="10.0.0.1", server_id=1, channels=[_ch("vip.example.com", 3306, sid=2)]),
        _n("b", host="10.0.0.2", server_id=2),
    ]
    e = build_topology(st).edge_for("a")
    assert (e.source, e.matched_by, e.external) == ("b", "server_id", False)


def test_ambiguous_server_id_falls_back_to_host():
    st = [
        _n("a", host="10.0.0.1", server_id=5, channels=[_ch("10.0.0.3", 3306, sid=7)]),
        _n("b", host="10.0.0.2", server_id=7),
        _n("c", host="10.0.0.3", server_id=7),
    ]
    e = build_topology(st).edge_for("a")
    assert (e.source, e.matched_by) == ("c", "host")


def test_localhost_spellings_and_case_are_equivalent():
    assert {
        normalise_host(h) for h in ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "LOCALHOST")
    } == {"localhost"}
    assert normalise_host("DB1.Example.com.") == "db1.example.com"
    st = [
        _n("a", host="localhost", port=3307, channels=[_ch("::1", 3308)]),
        _n("b", host="127.0.0.1", port=3308, channels=[_ch("LOCALHOST", 3307)]),
    ]
    assert build_topology(st).pairs == [("a", "b")]


def test_source_matched_by_its_reported_hostname():
    st = [_n("a", host="10.0.0.1", channels=[_ch("DB2.lab")]), _n("b", host="10.0.0.2", hostname="db2.lab")]
    assert build_topology(st).edge_for("a").source == "b"


def test_loopback_source_means_the_replicas_own_machine():
    # 'MySQL Replication and Caucus': a second instance on 3307 replicating from 127.0.0.1:3306,
    # on the same host
    st = [
        _n("h1-src", host="hostA", port=3306),
        _n("h1-rep", host="hostA", port=3307, channels=[_ch("127.0.0.1", 3306)]),
        _n("h2-src", host="hostB", port=3306),
    ]
    assert build_topology(st).edge_for("h1-rep").source == "h1-src"


def test_unreachable_nodes_still_appear():
    _, st = canned.unreachable_pair()
    t = build_topology(st)
    assert t.unreachable == frozenset({"node2"})
    assert t.sources_of("node1") == ["node2"]
    assert t.describe() == "node2 (unreachable) → node1"
    lone = [_n("x", port=1), _n("y", port=2, reachable=False)]
    assert build_topology(lone).describe() == "x (standalone); y (unreachable)"


def test_named_channels_are_separate_edges():
    st = [
        _n("r", port=1, channels=[_ch("127.0.0.1", 2, name="east"), _ch("127.0.0.1", 3, name="west")]),
        _n("e", port=2),
        _n("w", port=3),
    ]
    t = build_topology(st)
    assert t.edge_for("r", "east").source == "e" and t.edge_for("r", "west").source == "w"
    assert t.sources_of("r") == ["e", "w"]
    assert t.describe() in ("e → r; w → r",)
