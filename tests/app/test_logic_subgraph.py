"""Subgraph values: ids, merging views (how "expand one node" adds to a view)."""

from __future__ import annotations

from creditgraph.app.subgraph import GraphEdge, GraphNode, Subgraph, listed_value, node_id, primary_label


def _n(node_id: str, **props) -> GraphNode:
    return GraphNode(id=node_id, label="Enterprise", name=node_id, props=props)


def test_node_ids_are_sids_for_subjects_and_label_key_otherwise():
    assert node_id("Person", {"sid": "p1", "pid": "p1"}) == "p1"
    assert node_id("ListEntry", {"id": "E-1"}) == "ListEntry:E-1"
    assert node_id("Department", {"code": "11510000"}) == "Department:11510000"
    assert primary_label(["Subject", "Enterprise"]) == "Enterprise"
    assert primary_label(["Subject"]) == "Subject"
    assert primary_label(["Department"]) == "Department"


def test_listed_value():
    assert [listed_value(b, r) for b, r in ((1, 1), (1, 0), (0, 1), (0, 0))] == [
        "both", "blacklisted", "redlisted", "none"]


def test_merge_unions_nodes_and_edges_and_keeps_the_centre():
    a = Subgraph(nodes=(_n("a"), _n("b", x=1)), edges=(GraphEdge("a", "b", "SHAREHOLDER_OF", "51%"),),
                 centre="a", capped=True, notice="Showing 2 of 5 nodes.", total=5)
    b = Subgraph(nodes=(_n("b", y=2), _n("c")), edges=(GraphEdge("a", "b", "SHAREHOLDER_OF", "51%"),
                                                       GraphEdge("b", "c", "GUARANTEES")),
                 centre="b", total=2)
    m = a.merge(b)
    assert m.centre == "a"
    assert m.node_ids == {"a", "b", "c"}
    assert len(m.edges) == 2
    assert dict(m.node("b").props) == {"x": 1, "y": 2}
    assert m.capped and m.notice == "Showing 2 of 5 nodes."
    assert m.total == 3 + 3  # three drawn, three still left out of the first view


def test_merge_drops_edges_whose_ends_are_missing_and_total_is_at_least_the_nodes():
    g = Subgraph(nodes=(_n("a"),), edges=(GraphEdge("a", "zz", "GUARANTEES"),))
    assert g.total == 1
    assert g.merge(Subgraph()).edges == ()
    assert Subgraph().is_empty and Subgraph().node("x") is None
