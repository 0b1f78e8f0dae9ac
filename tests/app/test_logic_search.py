"""Search: codes typed any way, names across simplified/traditional/full-width, namesakes told apart."""

from __future__ import annotations

import collections
import csv

import pytest
from tests.oracle.app_sample import AS_OF, SAMPLE, patterns, role, sample_graph

from creditgraph.app.search import SearchHit, search
from creditgraph.model.identifiers import mask_resident_id, normalize_resident_id, person_pid

LISTED = role(patterns("blacklist_propagation")[0], "listed")[0]  # 优合（成都）家政服务有限公司
ENTRY = patterns("blacklist_propagation")[0]["entry_id"]


@pytest.fixture(scope="module")
def graph(engine, tmp_path_factory):
    backend, _ = sample_graph(engine, tmp_path_factory.mktemp("app_logic_home"))
    return backend


def _sids(hits: list[SearchHit]) -> list[str]:
    return [h.sid for h in hits]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_uscc_exact_in_any_form(graph):
    code = LISTED["sid"]
    for typed in (code, code.lower(), _fullwidth(code.lower()), f" {code[:9]}-{code[9:]} "):
        hits = search(graph, typed, as_of=AS_OF)
        assert _sids(hits) == [code], typed
        assert hits[0].score == 1.0 and hits[0].uscc == code and hits[0].label == "Enterprise"


def test_planted_name_in_simplified_traditional_and_half_width_forms(graph):
    name = LISTED["name"]
    assert name == "优合（成都）家政服务有限公司"
    # The fragment names 家政 too: "（成都）" alone matches hundreds of names, and a CONTAINS scan
    # keeps the first `limit` in storage order, which changes with how the graph was built.
    for typed in (name, "優合（成都）家政服務有限公司", "优合(成都)家政服务有限责任公司",
                  "優合 (成都) 家政服務有限責任公司", _fullwidth("(") + "成都" + _fullwidth(")") + "家政"):
        hits = search(graph, typed, as_of=AS_OF)
        assert LISTED["sid"] in _sids(hits), typed
    exact = search(graph, "優合（成都）家政服務有限公司", as_of=AS_OF)
    assert exact[0].sid == LISTED["sid"] and exact[0].score == 0.9


def test_hits_show_kind_region_status_and_active_entries(graph):
    hit = search(graph, LISTED["name"], as_of=AS_OF)[0]
    assert hit.kind and hit.status == "active"
    assert hit.region_code == LISTED["sid"][2:8] and hit.region_name
    entry = next(e for e in hit.active_entries if e["id"] == ENTRY)
    assert entry["kind"] == "blacklist" and entry["list_type"] == "SHIXIN" and entry["department_name"]
    assert hit.listed == "blacklisted"
    # Before the entry started it is not active.
    earlier = search(graph, LISTED["name"], as_of="2020-01-01")[0]
    assert ENTRY not in [e["id"] for e in earlier.active_entries]


def test_prefix_and_contains(graph):
    prefix = search(graph, "优合（成都）", as_of=AS_OF)
    assert LISTED["sid"] in _sids(prefix) and all(h.score in (0.9, 0.7) for h in prefix)
    inner = search(graph, "家政服务", as_of=AS_OF, limit=1000)
    assert LISTED["sid"] in _sids(inner)
    assert all("家政服务" in h.name for h in inner if h.label != "Person")


def test_namesakes_are_told_apart_by_masked_id_and_region(graph):
    with (SAMPLE / "2025-06-30" / "persons.csv").open(encoding="utf-8") as fh:
        people = list(csv.DictReader(fh))
    name, count = collections.Counter(p["name"] for p in people).most_common(1)[0]
    assert count >= 2
    hits = [h for h in search(graph, name, as_of=AS_OF, limit=1000) if h.name == name and h.label == "Person"]
    expected = {person_pid(normalize_resident_id(p["id_number"])): p for p in people if p["name"] == name}
    assert {h.sid for h in hits} == set(expected)
    for h in hits:
        number = normalize_resident_id(expected[h.sid]["id_number"])
        assert h.id_masked == mask_resident_id(number) and h.region_code == number[:6]
    assert len({(h.id_masked, h.region_code) for h in hits}) == len(hits)
    # A resident ID typed in full finds the person by pid (the number itself is never stored).
    number = normalize_resident_id(people[0]["id_number"])
    assert _sids(search(graph, number, as_of=AS_OF)) == [person_pid(number)]


def test_a_subject_known_only_by_name(graph):
    hub = role(patterns("hub_chain")[0], "hub")[0]
    hits = search(graph, "香港中央结算（代理人）有限公司", as_of=AS_OF)
    assert hub["sid"] in _sids(hits)


def test_empty_and_unknown(graph):
    assert search(graph, "", as_of=AS_OF) == []
    assert search(graph, "   ", as_of=AS_OF) == []
    assert search(graph, "不存在的公司名称ZZZ", as_of=AS_OF) == []
    assert search(graph, "91510000MA00000000", as_of=AS_OF) == []
    assert len(search(graph, "有限公司", as_of=AS_OF, limit=5)) == 5


def test_a_prefix_followed_by_a_character_beyond_the_basic_plane(engine):
    # FalkorDB orders strings by UTF-8 bytes: 𠀀 (U+20000) sorts after U+FFFF, so the prefix
    # range must end at U+10FFFF there. A graph of its own: the sample stays as loaded.
    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    backend = FalkorDBBackend.over_socket(engine, "app_logic_search_planes")
    backend.clear()
    backend.bootstrap_schema()
    try:
        for sid, name in (("91510100MA00000001", "优合𠀀科技有限公司"), ("91510100MA00000002", "优合乙科技有限公司")):
            backend.write("CREATE (:Subject:Enterprise {sid: $sid, uscc: $sid, name: $name, name_norm: $name})",
                          {"sid": sid, "name": name})
        assert {h.sid for h in search(backend, "优合", as_of=AS_OF)} == {"91510100MA00000001",
                                                                       "91510100MA00000002"}
    finally:
        backend.clear()
        backend.close()
