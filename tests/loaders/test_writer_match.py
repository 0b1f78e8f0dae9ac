"""Relationships of a load into a non-empty graph find their Subjects with MATCH (node batches
are sent first), and a batch that misses one is sent again as MERGE: the graph is the one the
MERGE form alone would give."""

from __future__ import annotations

import pytest

from creditgraph.loaders import writer as writer_mod
from creditgraph.loaders.tables import NodeFact, NodeRef, RelFact
from creditgraph.loaders.writer import FactWriter


def _enterprise(code: str) -> NodeRef:
    return NodeRef(("Subject", "Enterprise"), "sid", code, (("uscc", code), ("stub", True)))


def _person(pid: str) -> NodeRef:
    return NodeRef(("Subject", "Person"), "sid", pid, (("pid", pid), ("stub", True)))


def _node(ref: NodeRef) -> NodeRef:
    """The ref of a subject's own row (no stub values)."""
    return ref._replace(on_create=())


def _rep(person: str, code: str) -> RelFact:
    return RelFact("LEGAL_REP_OF", _person(person), _enterprise(code), (), ())


def _writer(graph, **kw) -> tuple[FactWriter, list[str]]:
    sent: list[str] = []
    original = graph.write

    def spy(cypher, params=None, **k):
        sent.append(cypher)
        return original(cypher, params, **k)

    w = FactWriter(graph, source="s", as_of="2025-06-30", run_id="r", batch_size=100, **kw)
    w.backend = type("Spy", (), {"write": staticmethod(spy),
                                 "prepare_params": staticmethod(graph.prepare_params)})()
    return w, sent


def _drain(w: FactWriter) -> None:
    import time

    deadline = time.monotonic() + 30
    while not (w._prepare.idle() and w._sender.idle()):
        assert time.monotonic() < deadline
        time.sleep(0.01)


def _graph_facts(graph) -> list[dict]:
    return graph.read(
        "MATCH (p:Subject:Person)-[r:LEGAL_REP_OF]->(e:Subject:Enterprise) "
        "RETURN p.sid AS p, p.stub AS ps, e.sid AS e, r.first_seen AS f ORDER BY p, e")


@pytest.fixture()
def existing(graph):
    """Two subjects a previous load wrote."""
    w = FactWriter(graph, source="s", as_of="2025-05-31", run_id="r0")
    w.upsert([NodeFact(_node(_person("p1")), (("name", "甲"),)),
              NodeFact(_node(_enterprise("E1")), (("name", "乙"),))])
    w.close()
    return graph


def test_known_endpoints_are_matched(existing):
    w, sent = _writer(existing)
    w.upsert([_rep("p1", "E1")])
    w.close()
    assert len(sent) == 1 and "MATCH (a:Subject {sid: row.a})" in sent[0]
    assert "MERGE (a:" not in sent[0] and w.resent == 0
    assert _graph_facts(existing) == [{"p": "p1", "ps": None, "e": "E1", "f": "2025-06-30"}]


def test_a_missing_endpoint_sends_the_batch_again_as_merge(existing):
    w, sent = _writer(existing)
    w.upsert([_rep("p1", "E1"), _rep("p2", "E1")])  # p2: no load has written it
    w.close()
    assert w.resent == 1 and len(sent) == 2 and "MERGE (a:Subject:Person" in sent[1]
    assert w.statements == 2
    assert _graph_facts(existing) == [
        {"p": "p1", "ps": None, "e": "E1", "f": "2025-06-30"},
        {"p": "p2", "ps": True, "e": "E1", "f": "2025-06-30"}]
    assert existing.read("MATCH ()-[r:LEGAL_REP_OF]->() RETURN count(r) AS c") == [{"c": 2}]


def test_a_subject_written_by_this_load_is_sent_before_its_relationships(existing):
    # The relationship batch fills while the node batch naming p3 is still part-filled: the
    # node batch goes first, so MATCH finds p3 (batches are written in the order sent).
    w, sent = _writer(existing)
    w.batch_size = 2
    w.upsert([NodeFact(_node(_person("p3")), (("name", "丙"),)), _rep("p3", "E1"), _rep("p1", "E1")])
    w.close()
    assert len(sent) == 2 and "MERGE (n:Subject:Person" in sent[0]
    assert "MATCH (a:Subject {sid: row.a})" in sent[1] and w.resent == 0
    assert [(r["p"], r["ps"]) for r in _graph_facts(existing)] == [("p1", None), ("p3", None)]


def test_flush_sends_node_batches_first(existing):
    w, sent = _writer(existing)
    w.upsert([_rep("p1", "E1")])  # its statement is queued first
    w.upsert([NodeFact(_node(_person("p4")), (("name", "丁"),)), _rep("p4", "E1")])
    w.close()
    assert "MERGE (n:Subject:Person" in sent[0] and len(sent) == 2 and w.resent == 0
    assert {r["p"] for r in _graph_facts(existing)} == {"p1", "p4"}


def test_many_misses_turn_matching_off(existing, monkeypatch):
    monkeypatch.setattr(writer_mod, "MATCH_KNOWN_MAX_RESENT", 2)
    w, sent = _writer(existing)
    w.batch_size = 1
    for n in range(4):
        w.upsert([_rep(f"new{n}", "E1")])
        w.flush()
        _drain(w)  # each batch written before the next is queued
    w.close()
    assert w.resent == 2
    assert sum("MATCH (a:Subject" in s for s in sent) == 2
    assert len(existing.read("MATCH (:Person)-[r:LEGAL_REP_OF]->() RETURN r")) == 4


def test_a_first_load_never_matches(graph):
    w, sent = _writer(graph, create=True)
    w.upsert([_rep("p1", "E1")])
    w.close()
    assert not any("MATCH" in s for s in sent)
    assert len(_graph_facts(graph)) == 1
