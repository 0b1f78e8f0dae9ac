"""Subject profiles and which packs flag a subject, on the sample."""

from __future__ import annotations

import pytest
from tests.oracle import app_network as oracle
from tests.oracle.app_sample import AS_OF, SAMPLE, patterns, role, sample_graph
from tests.oracle.snapshot_graph import load_latest

from creditgraph.app.subject import RELATED_TYPES, flags, profile
from creditgraph.model.identifiers import parse_uscc


@pytest.fixture(scope="module")
def graph(engine, tmp_path_factory):
    backend, _ = sample_graph(engine, tmp_path_factory.mktemp("app_logic_home"))
    return backend


@pytest.fixture(scope="module")
def sg():
    return load_latest(SAMPLE)


def _entry(p, entry_id):
    return next(e for e in p.entries if e["id"] == entry_id)


def test_profile_of_a_listed_enterprise(graph, sg):
    pattern = patterns("benefit_while_listed")[0]
    sid = role(pattern, "listed")[0]["sid"]
    p = profile(graph, sid, as_of=AS_OF)
    assert p.sid == sid and p.label == "Enterprise" and p.name == sg.node(sid)["name"]
    assert p.as_of == AS_OF
    assert p.uscc_decoded["region_code"] == parse_uscc(sid).region_code
    assert p.uscc_decoded["category_name"] and p.region_name
    assert p.props["kind"] == sg.node(sid)["kind"] and p.props["status"] == sg.node(sid)["status"]
    # The loader leaves an unchanged row as it was, so as_of is the snapshot that last wrote it.
    assert p.provenance["source"] == "synth" and p.provenance["as_of"] <= AS_OF
    assert p.provenance["first_seen"] <= p.provenance["last_seen"] and p.provenance["valid_to"] is None
    entry = _entry(p, pattern["entry_id"])
    assert entry["active_on_as_of"] and entry["kind"] == "blacklist" and entry["list_name"] == "失信被执行人"
    assert entry["department_name"] and entry["department_code"] and entry["department_level"]
    assert entry["decision_no"] and entry["start_date"] and entry["end_date"]
    assert p.listed == "blacklisted"


def test_related_subjects_are_the_current_neighbours(graph, sg):
    for pattern in patterns("shared_legal_rep") + patterns("ultimate_controller"):
        for s in pattern["subjects"]:
            p = profile(graph, s["sid"], as_of=AS_OF)
            levels, edges = oracle.neighbourhood(sg, s["sid"], 1, RELATED_TYPES)
            got = {r["sid"] for items in p.related.values() for r in items}
            assert got == set(levels) - {s["sid"]}
            for key, items in p.related.items():
                rel_type, arrow = key.split(" ")
                for r in items:
                    source, target = (s["sid"], r["sid"]) if arrow == "→" else (r["sid"], s["sid"])
                    assert (source, target, rel_type) in edges
                    if rel_type == "SHAREHOLDER_OF":
                        assert r["ratio"] is not None and r["label_text"].endswith("%")
            assert p.related_total == len(edges) and not p.related_capped


def test_repaired_and_disputed_entries(graph):
    repaired = patterns("repaired_entry")[0]
    p = profile(graph, role(repaired, "listed")[0]["sid"], as_of=AS_OF)
    e = _entry(p, repaired["entry_id"])
    assert e["status"] == "repaired" and not e["active_on_as_of"]
    disputed = patterns("disputed_entry")[0]
    p = profile(graph, role(disputed, "listed")[0]["sid"], as_of=AS_OF)
    e = _entry(p, disputed["entry_id"])
    assert e["disputed"] and e["active_on_as_of"]
    assert e in p.active_entries


def test_profile_of_a_person_and_of_nobody(graph):
    person = role(patterns("shared_legal_rep")[0], "legal_rep")[0]["sid"]
    p = profile(graph, person, as_of=AS_OF)
    assert p.label == "Person" and p.uscc_decoded is None
    assert "*" in p.props["id_masked"] and p.region_name
    assert any(k.startswith("LEGAL_REP_OF →") for k in p.related)
    assert profile(graph, "91510000NOSUCHCODE", as_of=AS_OF) is None
    assert profile(graph, "", as_of=AS_OF) is None
    assert profile(graph, "Address:x", as_of=AS_OF) is None


def test_flags_name_the_packs_that_report_the_subject(graph):
    listed = role(patterns("benefit_while_listed")[0], "listed")[0]["sid"]
    found = {f["query_id"]: f for f in flags(graph, listed, as_of=AS_OF)}
    assert "joint_punishment" in found and found["joint_punishment"]["rows"] >= 1
    assert found["joint_punishment"]["title"] and found["joint_punishment"]["severity"]
    reached = next(s for s in role(patterns("blacklist_propagation")[0], "reached") if s["hops"] == 1)
    assert "blacklist_propagation" in {f["query_id"] for f in flags(graph, reached["sid"], as_of=AS_OF)}
    # A subject beyond k hops is not flagged by propagation.
    beyond = role(patterns("path_longer_than_k")[0], "beyond")[0]["sid"]
    assert "blacklist_propagation" not in {f["query_id"] for f in flags(graph, beyond, as_of=AS_OF)}
    assert flags(graph, "nobody", as_of=AS_OF) == []


def _mentions(value, sid: str) -> bool:
    if isinstance(value, str):
        return value == sid
    if isinstance(value, dict):
        return any(_mentions(v, sid) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, sid) for v in value)
    return False


def test_flag_counts_are_the_rows_that_mention_the_subject(graph):
    from creditgraph.queries.packs import all_queries, load_packs
    from creditgraph.queries.runner import run

    subjects = [role(patterns("benefit_while_listed")[0], "listed")[0]["sid"],
                role(patterns("shared_legal_rep")[0], "legal_rep")[0]["sid"],
                role(patterns("ultimate_controller")[0], "controller")[0]["sid"],
                role(patterns("hub_chain")[0], "hub")[0]["sid"]]
    expected: dict[str, dict[str, tuple[int, bool]]] = {s: {} for s in subjects}
    for query in all_queries(load_packs()):
        params = {"as_of": AS_OF} if query.param("as_of") else {}
        if query.param("limit"):
            params["limit"] = query.param("limit").max
        rows = run(graph, query, params, as_of=AS_OF).rows
        for s in subjects:
            hits = [r for r in rows if _mentions(r, s)]
            if hits:
                expected[s][query.id] = (len(hits), any(bool(r.get("disputed")) for r in hits))
    for s in subjects:
        got = {f["query_id"]: (f["rows"], f["disputed"]) for f in flags(graph, s, as_of=AS_OF)}
        assert got == expected[s], s
    assert any(expected[s] for s in subjects)
