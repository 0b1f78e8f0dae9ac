"""ground_truth.json against an independent reading of the CSV files (networkx, no generator code)."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from pathlib import Path

import networkx as nx
import pytest

from creditgraph import settings
from creditgraph.model import load_model
from creditgraph.model.identifiers import person_pid
from creditgraph.model.names import normalize_name

EXPECTED_KINDS = {
    "blacklist_propagation", "path_longer_than_k", "shared_legal_rep", "circular_shareholding",
    "ultimate_controller", "controller_below_threshold", "shell_cluster", "guarantee_circle",
    "guarantee_chain", "golden_cicada", "benefit_while_listed", "redlist_controller_blacklisted",
    "officer_change_before_listing", "repaired_entry", "expired_entry", "disputed_entry", "entry_removed",
    "hub_chain", "qualifying_path_longer_than_shortest", "portability_shapes",
}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Snapshot:
    """One snapshot read back from disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.as_of = folder.name
        self.enterprises = {r["uscc"]: r for r in rows(folder / "enterprises.csv")}
        self.organisations = {r["uscc"]: r for r in rows(folder / "organisations.csv")}
        self.persons = {r["id_number"]: r for r in rows(folder / "persons.csv")}
        self.entries = {r["id"]: r for r in rows(folder / "list_entries.csv")}
        self.holdings = rows(folder / "shareholders.csv")
        self.reps = rows(folder / "legal_reps.csv")
        self.guarantees = rows(folder / "guarantees.csv")
        self.executives = rows(folder / "executives.csv")
        self.subsidies = rows(folder / "subsidies.csv")
        self.contracts = rows(folder / "contracts.csv")

    def exists(self, kind: str, key: str) -> bool:
        if kind == "enterprise":
            return key in self.enterprises
        if kind == "organisation":
            return key in self.organisations
        if kind == "person":
            return key in self.persons
        return any(r["from_kind"] == "name" and r["from_id"] == key for r in self.holdings)

    def names(self) -> dict[str, str]:
        out = {k: v["name"] for k, v in self.enterprises.items()}
        out.update({k: v["name"] for k, v in self.organisations.items()})
        out.update({k: v["name"] for k, v in self.persons.items()})
        out.update({r["from_id"]: r["from_id"] for r in self.holdings if r["from_kind"] == "name"})
        return out

    def ownership(self) -> nx.DiGraph:
        g = nx.DiGraph()
        for r in self.holdings:
            g.add_edge(r["from_id"], r["to_id"], ratio=float(r["ratio"]))
        return g

    def active_entries(self, subject: str) -> list[dict[str, str]]:
        return [e for e in self.entries.values() if e["subject_id"] == subject and e["status"] == "active"]


@pytest.fixture(scope="module")
def truth(dataset) -> dict:
    return json.loads((dataset / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def snaps(dataset) -> list[Snapshot]:
    return [Snapshot(p) for p in sorted(dataset.iterdir()) if p.is_dir()]


def by_kind(truth: dict, kind: str) -> list[dict]:
    return [p for p in truth["patterns"] if p["kind"] == kind]


def role(pattern: dict, name: str) -> list[dict]:
    return [s for s in pattern["subjects"] if s["role"] == name]


def test_every_pattern_kind_is_planted_with_existing_subjects(truth, snaps):
    last = snaps[-1]
    assert truth["evaluate_at"] == last.as_of
    assert {p["kind"] for p in truth["patterns"]} >= EXPECTED_KINDS
    ids = [p["id"] for p in truth["patterns"]]
    assert len(ids) == len(set(ids))
    for pattern in truth["patterns"]:
        assert pattern["expect"] in ("report", "not_reported", "flagged", "info")
        for s in pattern["subjects"]:
            assert last.exists(s["kind"], s["id"]), (pattern["id"], s)
            if s["kind"] == "person":
                assert s["sid"] == person_pid(s["id"], key=settings.PID_KEY)
            elif s["kind"] == "name":
                assert s["sid"] == f"name:synth:{normalize_name(s['name'])}"
            else:
                assert s["sid"] == s["id"]
        if "entry_id" in pattern and pattern["kind"] != "entry_removed":
            assert pattern["entry_id"] in last.entries, pattern["id"]


def _propagation_graph(snap: Snapshot, list_type: str) -> nx.DiGraph:
    """Directed graph along which the list type's risk spreads, hubs removed."""
    model = load_model()
    lt = model.list_type(list_type)
    files = {"LEGAL_REP_OF": snap.reps, "SHAREHOLDER_OF": snap.holdings, "EXECUTIVE_OF": snap.executives,
             "GUARANTEES": snap.guarantees}
    g = nx.DiGraph()
    for rule in lt.propagation:
        for r in files[rule.relationship]:
            a, b = r["from_id"], r["to_id"]
            if rule.direction in ("forward", "both"):
                g.add_edge(a, b)
            if rule.direction in ("backward", "both"):
                g.add_edge(b, a)
    names = snap.names()
    hubs = [n for n in g if model.hubs.is_hub_name(names.get(n, ""))]
    g.remove_nodes_from(hubs)
    return g


def _hops(snap: Snapshot, pattern: dict) -> dict[str, int]:
    listed = role(pattern, "listed")[0]["id"]
    g = _propagation_graph(snap, pattern["list_type"])
    return nx.single_source_shortest_path_length(g, listed) if listed in g else {}


def test_propagation_distances_match(truth, snaps):
    last = snaps[-1]
    model = load_model()
    checked = 0
    for kind in ("blacklist_propagation", "shared_legal_rep", "guarantee_chain",
                 "qualifying_path_longer_than_shortest", "disputed_entry"):
        for pattern in by_kind(truth, kind):
            listed = role(pattern, "listed")[0]["id"]
            assert last.active_entries(listed), pattern["id"]
            hops = _hops(last, pattern)
            k = model.list_type(pattern["list_type"]).max_hops
            for s in pattern["subjects"]:
                if "hops" in s:
                    assert hops.get(s["id"]) == s["hops"] <= k, (pattern["id"], s)
                    checked += 1
            if kind == "blacklist_propagation":
                reached = {s["id"] for s in role(pattern, "reached")}
                assert reached == {n for n, h in hops.items() if 0 < h <= k}
    assert checked >= 8


def test_longer_qualifying_path_is_longer_than_the_shortest_path(truth, snaps):
    last = snaps[-1]
    pattern = by_kind(truth, "qualifying_path_longer_than_shortest")[0]
    listed, related = role(pattern, "listed")[0]["id"], role(pattern, "related")[0]["id"]
    g = nx.Graph()
    for r in last.holdings + last.reps:
        g.add_edge(r["from_id"], r["to_id"])
    assert nx.shortest_path_length(g, listed, related) == 2 < role(pattern, "related")[0]["hops"]


def test_negative_controls_are_not_reachable_or_not_active(truth, snaps):
    last, before = snaps[-1], snaps[-2]
    model = load_model()
    for pattern in by_kind(truth, "path_longer_than_k") + by_kind(truth, "hub_chain"):
        hops = _hops(last, pattern)
        beyond = (role(pattern, "beyond") or role(pattern, "beyond_hub"))[0]["id"]
        assert hops.get(beyond, 99) > model.list_type(pattern["list_type"]).max_hops, pattern["id"]
    repaired = by_kind(truth, "repaired_entry")[0]
    assert last.entries[repaired["entry_id"]]["status"] == "repaired"
    assert last.entries[repaired["entry_id"]]["repaired_date"] == repaired["repaired_date"]
    expired = by_kind(truth, "expired_entry")[0]
    entry = last.entries[expired["entry_id"]]
    assert entry["status"] == "expired" and entry["end_date"] <= last.as_of
    for pattern in (repaired, expired):
        listed = role(pattern, "listed")[0]["id"]
        assert not last.active_entries(listed)
        related = role(pattern, "related")[0]["id"]
        assert not last.active_entries(related)
    disputed = by_kind(truth, "disputed_entry")[0]
    entry = last.entries[disputed["entry_id"]]
    assert entry["disputed"] == "true" and entry["status"] == "active"
    removed = by_kind(truth, "entry_removed")[0]
    assert removed["entry_id"] not in last.entries
    assert before.entries[removed["entry_id"]]["status"] == "active"


def test_cycles_really_exist(truth, snaps):
    last = snaps[-1]
    owners = last.ownership()
    guarantees = nx.DiGraph((r["from_id"], r["to_id"]) for r in last.guarantees)
    lengths = {"circular_shareholding": set(), "guarantee_circle": set()}
    for kind, graph in (("circular_shareholding", owners), ("guarantee_circle", guarantees)):
        for pattern in by_kind(truth, kind):
            members = [s["id"] for s in sorted(pattern["subjects"], key=lambda s: s["position"])]
            assert len(members) == pattern["length"] == len(set(members))
            for a, b in zip(members, members[1:] + members[:1]):
                assert graph.has_edge(a, b), (pattern["id"], a, b)
            cycle = nx.find_cycle(graph.subgraph(members))
            assert len(cycle) == len(members)
            lengths[kind].add(len(members))
    assert lengths["circular_shareholding"] == {2, 3, 4, 5, 6}
    assert lengths["guarantee_circle"] == {2, 3, 4}


def _share(graph: nx.DiGraph, source: str, target: str) -> tuple[float, list[list[str]]]:
    paths = list(nx.all_simple_paths(graph, source, target))
    total = 0.0
    for path in paths:
        product = 1.0
        for a, b in itertools.pairwise(path):
            product *= graph[a][b]["ratio"]
        total += product
    return total, paths


def test_ultimate_controller_shares_sum_over_paths(truth, snaps):
    last = snaps[-1]
    owners = last.ownership()
    shapes = set()
    for kind in ("ultimate_controller", "controller_below_threshold"):
        for pattern in by_kind(truth, kind):
            controller = role(pattern, "controller")[0]
            target = role(pattern, "target")[0]["id"]
            share, paths = _share(owners, controller["id"], target)
            assert share == pytest.approx(pattern["expected_share"], abs=1e-4)
            assert not owners.has_edge(controller["id"], target), "no direct holding"
            assert all(len(p) >= 3 for p in paths)
            assert len(paths) == len(pattern["paths"])
            if kind == "ultimate_controller":
                assert share >= pattern["threshold"]
                assert all(p < pattern["threshold"] for p in pattern["path_products"]) or len(paths) == 1
                shapes.add(pattern["shape"])
            else:
                assert share < pattern["threshold"]
    assert shapes == {"layers", "paths_meet_again", "sum_over_paths"}
    diamond = next(p for p in by_kind(truth, "ultimate_controller") if p["shape"] == "paths_meet_again")
    meet = {tuple(p[-2:]) for p in diamond["paths"]}
    assert len(meet) == 1, "both paths pass through the same last intermediate"


def test_shell_clusters_share_a_contact(truth, snaps):
    last = snaps[-1]
    shared = set()
    for pattern in by_kind(truth, "shell_cluster"):
        column = pattern["shared"]
        values = {last.enterprises[s["id"]][column] for s in pattern["subjects"]}
        assert values == {pattern["value"]} and len(pattern["subjects"]) >= 4
        shared.add(column)
    assert shared == {"address", "phone"}


def test_golden_cicada_and_benefits_and_redlist(truth, snaps):
    last = snaps[-1]
    reps: dict[str, set[str]] = {}
    for r in last.reps:
        reps.setdefault(r["to_id"], set()).add(r["from_id"])
    for pattern in by_kind(truth, "golden_cicada"):
        listed, new = role(pattern, "listed")[0]["id"], role(pattern, "new_company")[0]["id"]
        person = role(pattern, "legal_rep")[0]["id"]
        assert person in reps[listed] and person in reps[new]
        after = last.enterprises[new]["established"] > pattern["start_date"]
        assert after == (pattern["expect"] == "report")
    benefits = {r["id"]: r for r in last.subsidies + last.contracts}
    for pattern in by_kind(truth, "benefit_while_listed"):
        benefit = benefits[pattern["benefit"]["benefit_id"]]
        entry = last.entries[pattern["entry_id"]]
        assert benefit["from_id"] == entry["subject_id"] and entry["status"] == "active"
        assert benefit["to_id"] != entry["department_code"]
        assert (benefit["date"] >= entry["start_date"]) == (pattern["expect"] == "report")
    red = by_kind(truth, "redlist_controller_blacklisted")[0]
    redlisted, controller = role(red, "redlisted")[0]["id"], role(red, "controller")[0]["id"]
    assert any(e["list_type"] == "REDLIST_A_TAX" for e in last.active_entries(redlisted))
    assert any(e["list_type"] == "SHIXIN" for e in last.active_entries(controller))
    assert last.ownership()[controller][redlisted]["ratio"] >= 0.5


def test_officer_changes_shortly_before_listing_show_across_snapshots(truth, snaps):
    by_date = {s.as_of: s for s in snaps}
    changes = by_kind(truth, "officer_change_before_listing")
    assert {p["change"] for p in changes} == {"legal_rep", "shareholder"}
    for pattern in changes:
        assert 0 < pattern["days_before_listing"] < 90
        listed = role(pattern, "listed")[0]["id"]
        old = (role(pattern, "old_legal_rep") or role(pattern, "old_shareholder"))[0]["id"]
        new = (role(pattern, "new_legal_rep") or role(pattern, "new_shareholder"))[0]["id"]
        table = "reps" if pattern["change"] == "legal_rep" else "holdings"
        assert pattern["snapshots_before"] and pattern["snapshots_after"]
        before = by_date[pattern["snapshots_before"][-1]]
        after = by_date[pattern["snapshots_after"][0]]
        links_before = {r["from_id"] for r in getattr(before, table) if r["to_id"] == listed}
        links_after = {r["from_id"] for r in getattr(after, table) if r["to_id"] == listed}
        assert old in links_before and new not in links_before
        assert new in links_after and old not in links_after
        start = dt.date.fromisoformat(pattern["start_date"])
        change = dt.date.fromisoformat(pattern["change_date"])
        assert (start - change).days == pattern["days_before_listing"]
        assert pattern["entry_id"] in snaps[-1].entries


def test_portability_shapes_point_at_planted_patterns(truth):
    shapes = by_kind(truth, "portability_shapes")[0]
    ids = {p["id"] for p in truth["patterns"]}
    for key in ("paths_meet_again", "cycles", "two_holders_of_one_enterprise",
                "qualifying_path_longer_than_shortest"):
        assert shapes[key] and set(shapes[key]) <= ids
