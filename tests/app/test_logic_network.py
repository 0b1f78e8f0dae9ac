"""The network view and shortest paths, on the sample, against a networkx oracle.

Neighbourhoods and paths are computed by the app level by level from the engine; the oracle
(``tests/oracle/app_network.py``) computes them from the last snapshot's CSV files.
"""

from __future__ import annotations

import random

import pytest
from tests.oracle import app_network as oracle
from tests.oracle.app_sample import AS_OF, SAMPLE, patterns, role, sample_graph
from tests.oracle.snapshot_graph import SnapshotGraph, load_latest

from creditgraph.app.network import expand, neighbourhood, relationship_types
from creditgraph.app.paths import shortest_paths
from creditgraph.app.subgraph import LISTED_VALUES
from creditgraph.exc import InputError
from creditgraph.model import load_model

pytestmark = pytest.mark.timeout(600)
TYPES = list(oracle.ORACLE_TYPES)
NO_CAP = 100_000


@pytest.fixture(scope="module")
def graph(engine, tmp_path_factory):
    backend, _ = sample_graph(engine, tmp_path_factory.mktemp("app_logic_home"))
    return backend


@pytest.fixture(scope="module")
def sg() -> SnapshotGraph:
    return load_latest(SAMPLE)


def _centres(sg: SnapshotGraph) -> list[str]:
    """Planted subjects, the named hubs' neighbours, and a seeded sample of busy subjects."""
    out = [s["sid"] for p in patterns("blacklist_propagation") + patterns("hub_chain")
           + patterns("shared_legal_rep") for s in p["subjects"]]
    busy = sorted(n for n in sg.graph.nodes if not n.startswith("dept:") and sg.graph.degree(n) >= 4)
    out += random.Random(7).sample(busy, 12)
    hubs = [n for n in sg.graph.nodes if oracle.is_named_hub(sg, n)]
    for h in hubs[:2]:
        out += [v for _, v in list(sg.graph.out_edges(h))[:2]]
    return list(dict.fromkeys(s for s in out if s in sg.graph))


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_neighbourhood_matches_the_oracle(graph, sg, depth):
    checked = 0
    for centre in _centres(sg):
        view = neighbourhood(graph, centre, depth=depth, rel_types=TYPES, cap=NO_CAP, as_of=AS_OF)
        levels, edges = oracle.neighbourhood(sg, centre, depth, TYPES)
        got = {n.id: n.props["level"] for n in view.nodes}
        assert got == levels, f"{centre} depth {depth}: missing {sorted(set(levels) - set(got))[:5]} " \
                              f"extra {sorted(set(got) - set(levels))[:5]}"
        assert {(e.source, e.target, e.type) for e in view.edges} == edges, centre
        assert view.centre == centre and not view.capped and view.total == len(view.nodes)
        checked += 1
    assert checked >= 10


def test_hubs_are_drawn_but_not_expanded_unless_asked(graph, sg):
    hub = next(n for n in sg.graph.nodes if oracle.is_named_hub(sg, n) and sg.graph.degree(n) >= 2)
    held = next(v for _, v in sg.graph.out_edges(hub))
    closed = neighbourhood(graph, held, depth=2, rel_types=TYPES, cap=NO_CAP, as_of=AS_OF)
    levels, _ = oracle.neighbourhood(sg, held, 2, TYPES)
    assert {n.id for n in closed.nodes} == set(levels)
    assert closed.node(hub).hub
    assert "Hubs not expanded" in closed.notice and sg.node(hub)["name"] in closed.notice
    opened = neighbourhood(graph, held, depth=2, rel_types=TYPES, cap=NO_CAP, as_of=AS_OF, expand_hubs=True)
    levels, _ = oracle.neighbourhood(sg, held, 2, TYPES, expand_hubs=True)
    assert {n.id for n in opened.nodes} == set(levels)
    assert len(opened.nodes) > len(closed.nodes)
    # The hub itself, as the centre, is always expanded.
    centre = neighbourhood(graph, hub, depth=1, rel_types=TYPES, cap=NO_CAP, as_of=AS_OF)
    assert len(centre.nodes) == sg.graph.degree(hub) + 1 or len(centre.nodes) == len(
        oracle.neighbourhood(sg, hub, 1, TYPES)[0])


def test_a_capped_view_says_so(graph, sg):
    centre = max(_centres(sg), key=lambda c: len(oracle.neighbourhood(sg, c, 2, TYPES)[0]))
    full, _ = oracle.neighbourhood(sg, centre, 2, TYPES)
    cap = max(2, len(full) // 3)
    view = neighbourhood(graph, centre, depth=2, rel_types=TYPES, cap=cap, as_of=AS_OF)
    assert len(view.nodes) == cap
    assert view.capped and view.total >= len(full) > cap
    assert f"Showing {cap:,} of" in view.notice
    assert {n.id for n in view.nodes} <= set(full)
    assert centre in view.node_ids
    # Every drawn edge joins drawn nodes, and every node but the centre hangs on one.
    ids = view.node_ids
    assert all(e.source in ids and e.target in ids for e in view.edges)
    touched = {e.source for e in view.edges} | {e.target for e in view.edges}
    assert ids - {centre} <= touched


def test_expand_adds_one_nodes_neighbours(graph, sg):
    centre = _centres(sg)[0]
    view = neighbourhood(graph, centre, depth=1, rel_types=TYPES, cap=NO_CAP, as_of=AS_OF)
    other = next(n.id for n in view.nodes if n.id != centre and sg.graph.degree(n.id) > 1)
    bigger = expand(graph, view, other, rel_types=TYPES, as_of=AS_OF)
    expected = set(view.node_ids) | set(oracle.neighbourhood(sg, other, 1, TYPES)[0])
    assert bigger.node_ids == expected
    assert bigger.centre == centre
    one = expand(graph, view, other, rel_types=TYPES, as_of=AS_OF, cap=1)
    assert len(one.nodes) <= len(view.nodes) + 1
    if len(expected) > len(view.nodes) + 1:
        assert one.capped and "new neighbours" in one.notice
    assert expand(graph, view, "no-such-sid", as_of=AS_OF) == view


def test_default_view_draws_active_entries_and_colours_the_listed(graph):
    p = patterns("blacklist_propagation")[0]
    listed = role(p, "listed")[0]["sid"]
    reached = next(s for s in role(p, "reached") if s["hops"] == 1)["sid"]
    view = neighbourhood(graph, reached, depth=1, as_of=AS_OF)
    node = view.node(listed)
    assert node is not None and node.listed in ("blacklisted", "both")
    ring = neighbourhood(graph, listed, depth=1, as_of=AS_OF)
    entry = ring.node(f"ListEntry:{p['entry_id']}")
    assert entry is not None and entry.listed == "blacklisted" and entry.kind == p["list_type"]
    assert any(e.type == "LISTED" and e.source == listed for e in ring.edges)
    assert not any(n.label == "Region" for n in ring.nodes)
    # Depth 2 adds the entry's department.
    two = neighbourhood(graph, listed, depth=2, as_of=AS_OF)
    assert any(e.type == "ISSUED_BY" and e.source == entry.id for e in two.edges)


def test_repaired_and_expired_entries_are_not_drawn(graph):
    for kind in ("repaired_entry", "expired_entry"):
        for p in patterns(kind):
            sid = p["subjects"][0]["sid"]
            view = neighbourhood(graph, sid, depth=1, as_of=AS_OF)
            assert f"ListEntry:{p['entry_id']}" not in view.node_ids, kind


def test_list_status_filter_keeps_matching_subjects_and_the_way_to_them(graph, sg):
    p = patterns("blacklist_propagation")[0]
    far = max(role(p, "reached"), key=lambda s: s["hops"])
    view = neighbourhood(graph, far["sid"], depth=3, list_status=["blacklisted"], as_of=AS_OF)
    subjects = [n for n in view.nodes if n.is_subject and n.id != far["sid"]]
    assert any(n.listed == "blacklisted" for n in subjects)
    listed_ids = {n.id for n in subjects if n.listed in ("blacklisted",)}
    assert role(p, "listed")[0]["sid"] in listed_ids
    assert "subjects blacklisted and the nodes leading to them" in view.notice
    # Every kept subject is listed, or lies on the way from the centre to one that is.
    unlisted = {n.id for n in subjects if n.listed != "blacklisted"}
    touched = {e.source for e in view.edges} | {e.target for e in view.edges}
    assert unlisted <= touched
    with pytest.raises(InputError):
        neighbourhood(graph, far["sid"], list_status=["purple"])
    assert set(LISTED_VALUES) == {"blacklisted", "redlisted", "both", "none"}


def test_unknown_subject_and_bad_arguments(graph):
    view = neighbourhood(graph, "91510000NOSUCHCODE", as_of=AS_OF)
    assert view.is_empty and view.centre is None and "No subject" in view.notice
    assert neighbourhood(graph, "", as_of=AS_OF).is_empty
    for bad in ({"depth": 0}, {"depth": 4}, {"cap": 0}, {"rel_types": ["LIKES"]}):
        with pytest.raises(InputError):
            neighbourhood(graph, "x", **bad)


def test_relationship_types_come_from_the_model():
    types = relationship_types()
    assert set(types) == set(load_model().relationship_types()) - {"LOCATED_IN", "PART_OF"}


# -- shortest paths ----------------------------------------------------------------------------

def _pairs(sg: SnapshotGraph) -> list[tuple[str, str]]:
    rng = random.Random(11)
    centres = _centres(sg)
    pairs = []
    for a in centres[:10]:
        levels, _ = oracle.neighbourhood(sg, a, 4, TYPES)
        far = sorted(n for n, d in levels.items() if d >= 2 and not n.startswith("Department:"))
        if far:
            pairs.append((a, rng.choice(far)))
    pairs += [(centres[0], centres[-1]), (centres[1], centres[2])]
    return pairs


def test_shortest_paths_match_the_oracle(graph, sg):
    found = 0
    for a, b in _pairs(sg):
        view = shortest_paths(graph, a, b, max_hops=6, rel_types=TYPES, as_of=AS_OF, limit=1000)
        expected = oracle.shortest_paths(sg, a, b, 6, TYPES)
        got = _paths_of(view, a, b)
        assert got == expected, f"{a} -> {b}: got {len(got)} paths, expected {len(expected)}"
        if expected:
            found += 1
            assert view.centre == a and not view.notice
        else:
            assert view.is_empty and "No path" in view.notice
    assert found >= 5


def _paths_of(view, a: str, b: str) -> set[tuple[str, ...]]:
    """Every shortest path a..b in the drawn view (the view is their union)."""
    import networkx as nx

    if view.is_empty:
        return set()
    g = nx.Graph()
    g.add_nodes_from(view.node_ids)
    g.add_edges_from((e.source, e.target) for e in view.edges)
    return {tuple(p) for p in nx.all_shortest_paths(g, a, b)}


def test_paths_avoid_hubs_unless_asked(graph, sg):
    hub = next(n for n in sg.graph.nodes if oracle.is_named_hub(sg, n) and sg.graph.out_degree(n) >= 2)
    x, y = [v for _, v in list(sg.graph.out_edges(hub))[:2]]
    around = shortest_paths(graph, x, y, max_hops=2, rel_types=TYPES, as_of=AS_OF)
    assert hub not in around.node_ids
    through = shortest_paths(graph, x, y, max_hops=2, rel_types=TYPES, as_of=AS_OF, through_hubs=True)
    expected = oracle.shortest_paths(sg, x, y, 2, TYPES, through_hubs=True)
    assert _paths_of(through, x, y) == expected
    assert (x, hub, y) in expected and hub in through.node_ids


def test_paths_limit_and_unknown_ends(graph, sg):
    a, b = _pairs(sg)[0]
    expected = oracle.shortest_paths(sg, a, b, 6, TYPES)
    one = shortest_paths(graph, a, b, rel_types=TYPES, as_of=AS_OF, limit=1)
    assert len(_paths_of(one, a, b)) >= 1
    if len(expected) > 1:
        assert "Showing 1 of more than 1" in one.notice
    assert "No subject" in shortest_paths(graph, a, "nope", as_of=AS_OF).notice
    assert shortest_paths(graph, a, a, as_of=AS_OF).node_ids == {a}
    with pytest.raises(InputError):
        shortest_paths(graph, a, b, max_hops=0)
