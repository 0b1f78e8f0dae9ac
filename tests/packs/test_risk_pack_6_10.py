"""Risk queries 6-10 (cypher/packs/risk/): lint, run on the embedded engine, agree with an oracle.

Two datasets, each loaded snapshot by snapshot into a graph of its own: ``sample_data/generated``
(two snapshots, with the planted patterns of ``ground_truth.json``) and a small hand-built world
of edge cases (``edge_world_6_10.py``, three snapshots). The oracle (``tests/oracle/risk_6_10.py``)
computes the same rules in plain Python and networkx from the snapshot CSV files, never from the
graph; rows must be equal, evidence included, for several as-of dates and parameter values.
The planted patterns must be found and the negative controls must not; the edge world's
findings are also spelled out by hand.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.loaders.helpers import load_dataset
from tests.oracle import risk_6_10 as oracle
from tests.oracle.snapshot_tables import History, load_history
from tests.packs import edge_world_6_10 as edge

from creditgraph.graph.falkordb_backend import FalkorDBBackend
from creditgraph.model import load_model
from creditgraph.model.names import normalize_text
from creditgraph.paths import packs_dir
from creditgraph.queries.lint import lint_file
from creditgraph.queries.packs import parse_query_file
from creditgraph.queries.runner import bind, check_columns, run

REPO = Path(__file__).resolve().parents[2]
DATASET = REPO / "sample_data" / "generated"
GROUND_TRUTH = json.loads((DATASET / "ground_truth.json").read_text(encoding="utf-8"))
EVALUATE_AT = GROUND_TRUTH["evaluate_at"]
GRAPH = "packs_6_10"
EDGE_GRAPH = "packs_6_10_edge"
QUERIES = ("shell_cluster", "guarantee_circle", "joint_punishment", "redlist_conflict",
           "pre_listing_changes")
RISK = packs_dir() / "risk"
ALL_ROWS = 100000

# Lists whose order carries no meaning; a path's nodes and relationships keep theirs.
UNORDERED = {"members", "entries", "counterparts", "redlist_entries", "blacklist_entries", "labels"}


def _path(query_id: str) -> Path:
    return RISK / f"{query_id}.cypher"


def _load(engine, name: str, dataset: Path, state: Path) -> FalkorDBBackend:
    backend = FalkorDBBackend.over_socket(engine, name)
    backend.clear()
    backend.bootstrap_schema()
    for report in load_dataset(backend, dataset, state):
        assert report.status == "done"
        # The oracle reads the files as they are: a quarantined row would make them differ.
        assert report.total("rows_quarantined") == 0, report.as_dict()
    return backend


@pytest.fixture(scope="module")
def packs_graph(engine, tmp_path_factory) -> Iterator[FalkorDBBackend]:
    backend = _load(engine, GRAPH, DATASET, tmp_path_factory.mktemp("packs_6_10_state"))
    yield backend
    backend.clear()
    backend.close()


@pytest.fixture(scope="module")
def history() -> History:
    return load_history(DATASET)


@pytest.fixture(scope="module")
def edge_world() -> edge.World:
    return edge.build()


@pytest.fixture(scope="module")
def edge_dataset(edge_world, tmp_path_factory) -> Path:
    return edge_world.write(tmp_path_factory.mktemp("edge_world"))


@pytest.fixture(scope="module")
def edge_graph(engine, edge_dataset, tmp_path_factory) -> Iterator[FalkorDBBackend]:
    backend = _load(engine, EDGE_GRAPH, edge_dataset, tmp_path_factory.mktemp("edge_state"))
    yield backend
    backend.clear()
    backend.close()


@pytest.fixture(scope="module")
def edge_history(edge_dataset) -> History:
    return load_history(edge_dataset)


def run_query(graph: FalkorDBBackend, query_id: str, *, hub_threshold: int | None = None,
              **params) -> list[dict]:
    """Run through the pack runner; ``hub_threshold`` overrides the model's value (tests only)."""
    params.setdefault("limit", ALL_ROWS)
    query = parse_query_file(_path(query_id), pack="risk")
    if hub_threshold is None:
        return run(graph, query, params, timeout=60).rows
    cypher, bound = bind(query, params)
    assert "hub_threshold" in bound
    bound["hub_threshold"] = hub_threshold
    rows = graph.read(cypher, bound, timeout=60)
    check_columns(query, rows)
    return rows


def _canon(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _canon(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canon(v) for v in value]
        if key in UNORDERED:
            items.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return items
    if isinstance(value, float) and value.is_integer():
        return value  # 1.0 stays a float on both sides
    return value


def _keyed(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(_canon(r), sort_keys=True, ensure_ascii=False) for r in rows)


def assert_same_rows(got: list[dict], expected: list[dict]) -> None:
    got_k, exp_k = _keyed(got), _keyed(expected)
    if got_k != exp_k:
        missing = sorted(set(exp_k) - set(got_k))
        extra = sorted(set(got_k) - set(exp_k))
        raise AssertionError(
            f"{len(got_k)} rows from the engine, {len(exp_k)} from the oracle\n"
            f"missing ({len(missing)}):\n  " + "\n  ".join(missing[:5])
            + f"\nextra ({len(extra)}):\n  " + "\n  ".join(extra[:5]))


# -- (a) lint and header ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model_schema() -> dict[str, tuple[str, ...]]:
    model = load_model()
    return {"labels": model.labels(), "relationshipTypes": model.relationship_types(),
            "propertyKeys": model.property_keys()}


@pytest.mark.parametrize("query_id", QUERIES)
def test_query_passes_the_linter_with_the_model_schema(query_id, model_schema):
    failing = [str(p) for p in lint_file(_path(query_id), schema=model_schema) if p.fails]
    assert not failing, "\n".join(failing)


@pytest.mark.parametrize("query_id", QUERIES)
def test_header_follows_the_pack_format(query_id):
    query = parse_query_file(_path(query_id), pack="risk")
    assert query.id == query_id
    assert query.param("as_of") is not None and query.param("as_of").default == "today"
    assert query.param("limit") is not None
    assert "blacklists" in query.runner_parameters or "redlists" in query.runner_parameters


def test_ids_are_in_the_pack_readme():
    readme = (RISK / "README.md").read_text(encoding="utf-8")
    for query_id in QUERIES:
        assert f"`{query_id}`" in readme, query_id


# -- (b)+(c) rows equal the oracle's ---------------------------------------------------------------

AS_OFS = (EVALUATE_AT, "2025-06-15", "2025-05-31", "2026-03-01")

CASES = [
    *[("shell_cluster", {"as_of": d, "min_members": n}) for d in AS_OFS for n in (2, 3)],
    ("shell_cluster", {"as_of": EVALUATE_AT, "min_members": 5}),
    *[("guarantee_circle", {"as_of": d}) for d in AS_OFS],
    *[("guarantee_circle", {"as_of": EVALUATE_AT, "max_hops": k}) for k in (1, 2, 6)],
    ("guarantee_circle", {"as_of": EVALUATE_AT, "through_hubs": True}),
    *[("joint_punishment", {"as_of": d}) for d in (*AS_OFS, "2025-03-21", "2025-03-22", "2028-02-20")],
    *[("redlist_conflict", {"as_of": d}) for d in AS_OFS],
    *[("redlist_conflict", {"as_of": EVALUATE_AT, "min_ratio": r, "max_hops": k})
      for r in (0.0, 0.25, 0.7, 0.71) for k in (1, 2, 3)],
    ("redlist_conflict", {"as_of": EVALUATE_AT, "min_ratio": 0.0, "max_hops": 3, "through_hubs": True}),
    *[("pre_listing_changes", {"as_of": d}) for d in AS_OFS],
    *[("pre_listing_changes", {"as_of": EVALUATE_AT, "days": n}) for n in (0, 19, 20, 27, 28, 31, 32, 365, 3650)],
]


@pytest.mark.parametrize(("query_id", "params"), CASES,
                         ids=[f"{q}-{'-'.join(f'{k}={v}' for k, v in p.items())}" for q, p in CASES])
def test_rows_equal_the_oracle(packs_graph, history, query_id, params):
    got = run_query(packs_graph, query_id, **params)
    expected = getattr(oracle, query_id)(history, **params)
    assert_same_rows(got, expected)


EDGE_DATES = ("2025-01-31", "2025-02-14", "2025-02-15", "2025-02-28", "2025-03-14", "2025-03-15",
              "2025-03-31", "2025-04-15")
EDGE_CASES = [
    *[(q, {"as_of": d}) for q in QUERIES for d in EDGE_DATES],
    ("shell_cluster", {"as_of": "2025-03-31", "min_members": 2}),
    *[("guarantee_circle", {"as_of": "2025-03-31", "max_hops": k}) for k in (1, 2, 4, 6)],
    ("guarantee_circle", {"as_of": "2025-03-31", "through_hubs": True, "max_hops": 6}),
    *[("guarantee_circle", {"as_of": "2025-03-31", "hub_threshold": t}) for t in (1, 3, 4)],
    *[("redlist_conflict", {"as_of": "2025-04-15", "min_ratio": r, "max_hops": k})
      for r in (0.0, 0.2, 0.25, 0.5, 0.8, 0.81) for k in (1, 2, 3)],
    ("redlist_conflict", {"as_of": "2025-03-31", "through_hubs": True, "max_hops": 3, "min_ratio": 0.0}),
    *[("redlist_conflict", {"as_of": "2025-03-31", "hub_threshold": t, "max_hops": 3, "min_ratio": 0.0})
      for t in (2, 4, 5)],
    *[("pre_listing_changes", {"as_of": "2025-03-31", "days": n}) for n in (0, 9, 10, 14, 15, 89, 90)],
]


@pytest.mark.parametrize(("query_id", "params"), EDGE_CASES,
                         ids=[f"{q}-{'-'.join(f'{k}={v}' for k, v in p.items())}" for q, p in EDGE_CASES])
def test_edge_world_rows_equal_the_oracle(edge_graph, edge_history, query_id, params):
    got = run_query(edge_graph, query_id, **params)
    expected = getattr(oracle, query_id)(edge_history, **params)
    assert_same_rows(got, expected)


def test_the_cases_are_not_vacuous(packs_graph):
    """Each query finds something at the evaluation date, so the comparison means something."""
    for query_id in QUERIES:
        assert run_query(packs_graph, query_id, as_of=EVALUATE_AT), query_id


def test_limit_caps_the_rows(packs_graph):
    rows = run_query(packs_graph, "shell_cluster", as_of=EVALUATE_AT, min_members=2, limit=3)
    assert len(rows) == 3


# -- (c) ground truth ------------------------------------------------------------------------------

def _patterns(kind: str, expect: str = "report") -> list[dict]:
    found = [p for p in GROUND_TRUTH["patterns"] if p["kind"] == kind and p["expect"] == expect]
    assert found, f"ground_truth.json has no {expect} pattern of kind {kind}"
    return found


def _sids(pattern: dict, role: str | None = None) -> list[str]:
    return [s["sid"] for s in pattern["subjects"] if role is None or s["role"] == role]


@pytest.fixture(scope="module")
def at_evaluation(packs_graph) -> dict[str, list[dict]]:
    """Every query's rows on the ground truth's evaluation date, with default parameters."""
    return {q: run_query(packs_graph, q, as_of=EVALUATE_AT) for q in QUERIES}


def test_planted_shell_clusters_are_found(at_evaluation):
    rows = at_evaluation["shell_cluster"]
    for pattern in _patterns("shell_cluster"):
        key = normalize_text(pattern["value"]) if pattern["shared"] == "address" else pattern["digits"]
        match = [r for r in rows if r["shared_kind"] == pattern["shared"] and r["shared_key"] == key]
        assert len(match) == 1, pattern["id"]
        assert {m["sid"] for m in match[0]["members"]} == set(_sids(pattern, "member")), pattern["id"]
        assert match[0]["member_count"] == pattern["size"]


def test_planted_guarantee_circles_are_found_once_in_guarantee_order(at_evaluation):
    cycles = [r for r in at_evaluation["guarantee_circle"] if r["kind"] == "cycle"]
    for pattern in _patterns("guarantee_circle"):
        members = [s["sid"] for s in sorted(pattern["subjects"], key=lambda s: s["position"])]
        match = [r for r in cycles if {n["sid"] for n in r["path"]["nodes"]} == set(members)]
        assert len(match) == 1, pattern["id"]
        row = match[0]
        assert row["hops"] == pattern["length"] == len(members)
        ring = [n["sid"] for n in row["path"]["nodes"]]
        assert ring[0] == ring[-1] == min(members) == row["subject_sid"]
        start = members.index(ring[0])
        assert ring[:-1] == members[start:] + members[:start], "member i guarantees member i+1"
        for rel, (a, b) in zip(row["path"]["relationships"], itertools.pairwise(ring)):
            assert (rel["from"], rel["to"]) == (a, b)


def test_planted_guarantee_chain_is_found_with_its_hops(at_evaluation):
    chains = [r for r in at_evaluation["guarantee_circle"] if r["kind"] == "chain"]
    for pattern in _patterns("guarantee_chain"):
        listed = _sids(pattern, "listed")[0]
        for guarantor in (s for s in pattern["subjects"] if s["role"] == "guarantor"):
            match = [r for r in chains if r["subject_sid"] == guarantor["sid"] and r["listed_sid"] == listed]
            assert [r["hops"] for r in match] == [guarantor["hops"]], (pattern["id"], guarantor["sid"])
            assert pattern["entry_id"] in {e["id"] for e in match[0]["entries"]}
            assert match[0]["path"]["nodes"][0]["sid"] == guarantor["sid"]
            assert match[0]["path"]["nodes"][-1]["sid"] == listed


def test_planted_benefits_while_listed_are_found(at_evaluation):
    rows = at_evaluation["joint_punishment"]
    for pattern in _patterns("benefit_while_listed"):
        sid = _sids(pattern, "listed")[0]
        benefit = pattern["benefit"]
        match = [r for r in rows if r["subject_sid"] == sid and r["grant"]["id"] == benefit["benefit_id"]]
        assert len(match) == 1, pattern["id"]
        row = match[0]
        assert row["entry"]["id"] == pattern["entry_id"]
        assert row["entry"]["department_code"] == pattern["department"]
        assert row["grant"]["department_code"] == benefit["department"] != pattern["department"]
        assert row["grant"]["date"] == benefit["date"]
        assert row["grant_type"] == {"subsidies.csv": "subsidy", "contracts.csv": "contract",
                                     "licences.csv": "licence"}[benefit["file"]]


def test_planted_redlist_conflict_is_found(at_evaluation):
    rows = at_evaluation["redlist_conflict"]
    for pattern in _patterns("redlist_controller_blacklisted"):
        redlisted, controller = _sids(pattern, "redlisted")[0], _sids(pattern, "controller")[0]
        match = [r for r in rows if r["redlisted_sid"] == redlisted and r["blacklisted_sid"] == controller]
        # the 70% holder is also the legal representative: one row per path
        assert sorted(r["relation"] for r in match) == ["controller", "legal_rep"], pattern["id"]
        for row in match:
            assert row["hops"] == 1
            assert [e["id"] for e in row["redlist_entries"]] == [pattern["redlist"]["entry_id"]]
            assert pattern["blacklist"]["entry_id"] in {e["id"] for e in row["blacklist_entries"]}
        share = next(r for r in match if r["relation"] == "controller")["path"]["relationships"][0]
        assert share["type"] == "SHAREHOLDER_OF" and share["ratio"] == pattern["control_share"]


def test_planted_officer_changes_before_listing_are_found(at_evaluation):
    rows = at_evaluation["pre_listing_changes"]
    for pattern in _patterns("officer_change_before_listing"):
        listed = _sids(pattern, "listed")[0]
        role = "legal_rep" if pattern["change"] == "legal_rep" else "shareholder"
        new = _sids(pattern, f"new_{pattern['change']}")[0]
        old = _sids(pattern, f"old_{pattern['change']}")[0]
        match = [r for r in rows if r["subject_sid"] == listed and r["entry"]["id"] == pattern["entry_id"]
                 and r["holder_sid"] == new and r["event"] == "joined"]
        assert len(match) == 1, pattern["id"]
        row = match[0]
        assert row["role"] == role
        assert row["change_date"] == pattern["change_date"]
        assert row["days_before"] == pattern["days_before_listing"]
        assert [c["sid"] for c in row["counterparts"]] == [old]
        # the new holder appeared, and the old one was closed, in the snapshot after the change
        assert row["relationship"]["first_seen"] == pattern["snapshots_after"][0]
        assert row["counterparts"][0]["valid_to"] == pattern["snapshots_after"][0]


def _evidence_entries(row: dict) -> list[dict]:
    """Every list entry in a row's evidence, wherever it sits."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if "list_type" in value and "disputed" in value:
                found.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(row)
    return found


def _entry_ids(row: dict) -> set[str]:
    return {e["id"] for e in _evidence_entries(row)}


def _planted_sids_in(row: dict) -> set[str]:
    text = json.dumps(row, ensure_ascii=False)
    return {s["sid"] for p in GROUND_TRUTH["patterns"] for s in p["subjects"] if s["sid"] in text}


#: negative controls of other queries' kinds: the far subject must not be tied to the near one
FAR_ROLES = {"beyond_hub", "beyond", "target", "new_company"}
NEAR_ROLES = {"listed", "controller"}


def test_no_negative_control_is_reported(at_evaluation):
    negatives = [p for p in GROUND_TRUTH["patterns"] if p["expect"] == "not_reported"]
    assert negatives
    for query_id, rows in at_evaluation.items():
        for row in rows:
            ids, sids = _entry_ids(row), _planted_sids_in(row)
            for pattern in negatives:
                if pattern["kind"] in ("repaired_entry", "expired_entry", "entry_removed"):
                    # An entry that must not count (repaired, expired, removed) supports no row.
                    assert pattern["entry_id"] not in ids, (query_id, pattern["id"], row)
                elif pattern["kind"] == "benefit_while_listed":
                    # A benefit granted before the listing is no 联合惩戒 hit.
                    assert row.get("grant", {}).get("id") != pattern["benefit"]["benefit_id"], pattern["id"]
                else:
                    # Beyond a hub, beyond k, below a threshold, before the listing: not tied.
                    far = {s["sid"] for s in pattern["subjects"] if s["role"] in FAR_ROLES}
                    near = {s["sid"] for s in pattern["subjects"] if s["role"] in NEAR_ROLES}
                    assert not (far & sids and near & sids), (query_id, pattern["id"], row)


def test_a_row_is_disputed_exactly_when_an_entry_of_its_evidence_is(at_evaluation, edge_graph):
    flagged = {p["entry_id"] for p in _patterns("disputed_entry", "flagged")}
    edge_rows = {q: run_query(edge_graph, q, as_of="2025-03-31") for q in QUERIES}
    disputed_seen = set()
    for rows_by_query in (at_evaluation, edge_rows):
        for query_id, rows in rows_by_query.items():
            for row in rows:
                entries = _evidence_entries(row)
                assert row["disputed"] is any(e["disputed"] is True for e in entries), (query_id, row)
                if flagged & {e["id"] for e in entries}:
                    assert row["disputed"] is True
                if row["disputed"]:
                    disputed_seen.add(query_id)
    assert disputed_seen == set(QUERIES), "the edge world puts a disputed entry under every query"


def test_repaired_and_removed_entries_do_not_count_on_any_date(packs_graph):
    """The negative-control entries never count, whatever the as-of date: the graph holds them
    repaired, expired or closed, even for a date when they were still in force."""
    negatives = {p["entry_id"] for p in GROUND_TRUTH["patterns"]
                 if p["kind"] in ("repaired_entry", "expired_entry", "entry_removed")}
    for as_of in ("2024-12-01", "2025-05-31", "2025-06-15", EVALUATE_AT):
        for query_id in QUERIES:
            for row in run_query(packs_graph, query_id, as_of=as_of):
                assert not (_entry_ids(row) & negatives), (query_id, as_of, row)


# -- the edge world, by hand ---------------------------------------------------------------------

def _keys(world: edge.World):
    back = {world.sid(k): k for k in world.ids}
    return lambda sid: back.get(sid, sid)


def _nodes(row: dict, key) -> list[str]:
    return [key(n["sid"]) for n in row["path"]["nodes"]] if row.get("path") else []


def test_edge_shell_clusters(edge_graph, edge_world):
    key = _keys(edge_world)
    rows = run_query(edge_graph, "shell_cluster", as_of="2025-03-31")
    got = {(r["shared_kind"], r["shared_text"], tuple(sorted(key(m["sid"]) for m in r["members"])),
            tuple(e["id"] for e in r["entries"]), r["listed_members"], r["disputed"]) for r in rows}
    assert got == {
        # SH4 moved away in March; SH3 wrote the number full-width; SH-2 is repaired
        ("address", "四川省成都市锦江区红星路一段1号", ("SH1", "SH2", "SH3"), ("SH-1",), 1, True),
        # one number written three ways, an organisation among the members
        ("phone", "02885001234", ("PH1", "PH2", "PH3"), ("PH-1",), 1, False),
        ("address", "四川省成都市锦江区东大街3号", ("EAST1", "EAST2", "EAST3"), (), 0, False),
    }
    for as_of, listed in (("2025-02-14", ()), ("2025-02-15", ("EA-1",)), ("2025-03-14", ("EA-1",)),
                          ("2025-03-15", ())):
        rows = run_query(edge_graph, "shell_cluster", as_of=as_of)
        east = [r for r in rows if r["shared_text"] == "四川省成都市锦江区东大街3号"]
        assert tuple(e["id"] for e in east[0]["entries"]) == listed, as_of
    february = run_query(edge_graph, "shell_cluster", as_of="2025-02-28")
    members = {tuple(sorted(key(m["sid"]) for m in r["members"])) for r in february}
    assert ("SH1", "SH2", "SH3") in members, "the graph is current: SH4 left, whatever as_of says"


def test_edge_guarantee_circles_and_chains(edge_graph, edge_world):
    key = _keys(edge_world)
    rows = run_query(edge_graph, "guarantee_circle", as_of="2025-03-31")
    got = {(r["kind"], tuple(_nodes(r, key)), tuple(e["id"] for e in r["entries"]), r["disputed"])
           for r in rows}
    assert got == {
        ("cycle", ("G1", "G2", "G1"), (), False),
        ("cycle", ("G1", "G2", "G3", "G1"), ("G-1",), False),
        ("cycle", ("F1", "F2", "F1"), (), False),           # a figure of eight is two circles,
        ("cycle", ("F1", "F3", "F1"), (), False),           # not a walk of four through F1
        ("cycle", ("X1", "X2", "X3", "X4", "X5", "X6", "X1"), (), False),  # 6 yes, 7 (K) no
        ("chain", ("G2", "G3"), ("G-1",), False),
        ("chain", ("G1", "G2", "G3"), ("G-1",), False),
        ("chain", ("D1", "D0"), ("CH-1",), False),
        ("chain", ("D2", "D1", "D0"), ("CH-1",), False),
        ("chain", ("D3", "D2", "D1", "D0"), ("CH-1",), False),   # D4 is 4 hops away
        ("chain", ("HUB1", "D0"), ("CH-1",), False),             # a hub may start a chain...
        ("chain", ("D6", "PD"), ("CH-2",), False),               # a person can be the debtor
        ("chain", ("DD1", "DD0"), ("CH-3",), True),              # a disputed entry is flagged
    }
    wider = run_query(edge_graph, "guarantee_circle", as_of="2025-03-31", max_hops=6, through_hubs=True)
    chains = {tuple(_nodes(r, key)) for r in wider if r["kind"] == "chain"}
    assert ("D4", "D3", "D2", "D1", "D0") in chains
    assert ("D5", "HUB1", "D0") in chains                        # ...but passes risk only if asked
    # C2 -> C1 ended in March: only current relationships count, whatever as_of says
    assert not any("C1" in _nodes(r, key) for r in wider)
    assert not any("C1" in _nodes(r, key) for r in run_query(edge_graph, "guarantee_circle", as_of="2025-02-15"))
    # D1 has three executives: a hub when the degree threshold is 3
    low = run_query(edge_graph, "guarantee_circle", as_of="2025-03-31", hub_threshold=3)
    assert {tuple(_nodes(r, key)) for r in low if r["kind"] == "chain" and r["listed_sid"] == edge_world.sid("D0")} \
        == {("D1", "D0"), ("HUB1", "D0")}


def test_edge_joint_punishment(edge_graph, edge_world):
    key = _keys(edge_world)

    def found(as_of: str) -> set[tuple]:
        rows = run_query(edge_graph, "joint_punishment", as_of=as_of)
        return {(key(r["subject_sid"]), r["grant"]["id"], r["entry"]["id"]) for r in rows}

    # BZ-1 on the listing day counts; LC-1 the day before, BZ-2 from the court itself, BZ-3
    # (withdrawn) and BZ-4 (its entry expired) do not; CG-1 only once its date has come.
    assert found("2025-03-31") == {("J1", "BZ-1", "JP-1"), ("J1", "CG-1", "JP-1"), ("PJ", "BZ-5", "JP-3")}
    assert found("2025-03-14") == {("J1", "BZ-1", "JP-1"), ("PJ", "BZ-5", "JP-3")}
    assert found("2025-01-31") == {("J1", "BZ-1", "JP-1")}


def test_edge_redlist_conflicts(edge_graph, edge_world):
    key = _keys(edge_world)

    def found(**params) -> set[tuple]:
        rows = run_query(edge_graph, "redlist_conflict", **params)
        return {(key(r["redlisted_sid"]), r["relation"], key(r["blacklisted_sid"]), r["hops"], r["disputed"])
                for r in rows}

    assert found(as_of="2025-03-31") == {
        ("R1", "self", "R1", 0, True),
        ("R2", "legal_rep", "PR1", 1, False),      # PR5 was the legal rep until February
        ("R2", "legal_rep", "PR3", 2, False),      # legal rep of R2's controlling holder M1
        ("R2", "controller", "PR2", 2, False),     # controls M1, which controls R2
        ("R3", "controller", "HUB2", 1, False),    # a hub may be the blacklisted one itself
    }
    wide = found(as_of="2025-04-15", max_hops=3, min_ratio=0.2, through_hubs=True)
    assert ("R2", "controller", "M3", 1, False) in wide      # 0.25 counts at 0.2, not at 0.5
    assert ("R2", "controller", "PR4", 3, False) in wide     # three hops away
    assert ("R3", "controller", "PR6", 2, False) in wide     # only through the hub when asked
    assert ("R5", "legal_rep", "PR2", 1, False) in wide      # RL-5 starts on 2025-04-01
    assert not any(r[0] == "R4" for r in wide)               # RL-4 ended, and left its list
    assert ("R5", "legal_rep", "PR2", 1, False) not in found(as_of="2025-03-31")
    # M1 has four control relationships: with the threshold at 4 it is a hub
    assert not any(r[3] == 2 and r[0] == "R2" for r in found(as_of="2025-03-31", hub_threshold=4))


def test_edge_pre_listing_changes(edge_graph, edge_world):
    key = _keys(edge_world)

    def found(**params) -> set[tuple]:
        rows = run_query(edge_graph, "pre_listing_changes", **params)
        return {(key(r["subject_sid"]), r["role"], r["event"], key(r["holder_sid"]), r["date_basis"],
                 r["days_before"], tuple(key(c["sid"]) for c in r["counterparts"]), r["disputed"])
                for r in rows}

    assert found(as_of="2025-03-31") == {
        ("L1", "legal_rep", "joined", "PL2", "since", 15, ("PL1",), True),
        # no since: the holder came with the February snapshot, the old one went with it
        ("L2", "shareholder", "joined", "PL4", "first_seen", 10, ("PL3",), False),
        ("L2", "shareholder", "left", "PL3", "valid_to", 10, ("PL4",), False),
        # 2024-12-01 to 2025-03-01 is 90 days (February has 28)
        ("L4", "legal_rep", "joined", "PL7", "since", 90, (), False),
        # on the listing day itself
        ("L5", "legal_rep", "joined", "PL9", "first_seen", 0, ("PL8",), False),
        ("L5", "legal_rep", "left", "PL8", "valid_to", 0, ("PL9",), False),
        # not L3: its legal rep and holder came with its founding; not L6: changed after listing
    }
    assert {r[0] for r in found(as_of="2025-03-31", days=89)} == {"L1", "L2", "L5"}
    assert {r[0] for r in found(as_of="2025-03-31", days=0)} == {"L5"}


# -- speed ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query_id", QUERIES)
def test_query_is_fast_on_the_sample(packs_graph, query_id):
    started = time.perf_counter()
    run_query(packs_graph, query_id, as_of=EVALUATE_AT)
    assert time.perf_counter() - started < 5.0
