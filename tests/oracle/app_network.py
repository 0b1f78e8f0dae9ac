"""Oracle for the app's network views: neighbourhoods and shortest paths with networkx.

Computed from the last snapshot's CSV files (``snapshot_graph.load_latest``: its facts are the
current facts of the graph), never from the graph or the app's code. The rules are the app's,
restated here independently:

- a neighbourhood of depth d is every node within d hops of the centre, either direction, over
  the chosen relationship types, where a hub (named, or with a degree over the model's hub
  relationship types of at least ``hubs.degree_threshold``) is reached but not passed through
  unless hubs are expanded (the centre always is), and a department is never passed through;
- its edges are the relationships between a node passed through and any node of the view;
- the shortest paths between two subjects run over the same relationships, either direction,
  never through a hub (the two ends may be hubs) or a department.

Node ids are the app's: a subject's sid, ``Department:<code>`` for a department.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
from tests.oracle.snapshot_graph import REL_FILES, SnapshotGraph

from creditgraph.model import load_model
from creditgraph.model.names import normalize_name

#: The relationship types the snapshot graph holds (between subjects, and from departments).
ORACLE_TYPES = tuple(REL_FILES.values())


def app_id(node: str) -> str:
    """The app's node id for a snapshot-graph node."""
    return f"Department:{node[5:]}" if node.startswith("dept:") else node


def _is_department(node: str) -> bool:
    return node.startswith("dept:")


def is_named_hub(sg: SnapshotGraph, node: str) -> bool:
    """A subject (not a person) whose name is one of the model's hub names or holds one of its
    fragments, both sides normalised (normalize_name shortens 有限责任公司 to 有限公司)."""
    data = sg.graph.nodes[node]
    if _is_department(node) or "Person" in data.get("labels", ()) or not data.get("name"):
        return False
    hubs = load_model().hubs
    name = normalize_name(data["name"])
    return (name in {normalize_name(n) for n in hubs.names}
            or any(normalize_name(part) in name for part in hubs.name_contains))


def is_hub(sg: SnapshotGraph, node: str) -> bool:
    """Named hub, or degree over the model's hub relationship types at the threshold or above."""
    hubs = load_model().hubs
    if _is_department(node):
        return False
    return is_named_hub(sg, node) or sg.degree(node, hubs.degree_relationships) >= hubs.degree_threshold


def _neighbours(sg: SnapshotGraph, node: str, types: Iterable[str]):
    types = set(types)
    for _, other, data in sg.graph.out_edges(node, data=True):
        if data["type"] in types:
            yield other, (node, other, data["type"])
    for other, _, data in sg.graph.in_edges(node, data=True):
        if data["type"] in types:
            yield other, (other, node, data["type"])


def neighbourhood(sg: SnapshotGraph, centre: str, depth: int, types: Iterable[str] = ORACLE_TYPES,
                  *, expand_hubs: bool = False) -> tuple[dict[str, int], set[tuple[str, str, str]]]:
    """(node id -> level, edges as (source, target, type)) of the uncapped view."""
    types = tuple(types)
    level = {centre: 0}
    opened: list[str] = []
    frontier = [centre]
    for d in range(1, depth + 1):
        nxt = []
        for node in frontier:
            if node != centre and (_is_department(node) or (not expand_hubs and is_hub(sg, node))):
                continue
            opened.append(node)
            for other, _ in _neighbours(sg, node, types):
                if other not in level:
                    level[other] = d
                    nxt.append(other)
        frontier = nxt
    edges = set()
    for node in opened:
        for other, (s, t, kind) in _neighbours(sg, node, types):
            if other in level:
                edges.add((app_id(s), app_id(t), kind))
    return {app_id(n): d for n, d in level.items()}, edges


def shortest_paths(sg: SnapshotGraph, a: str, b: str, max_hops: int, types: Iterable[str] = ORACLE_TYPES,
                   *, through_hubs: bool = False) -> set[tuple[str, ...]]:
    """Every shortest path (node ids) from ``a`` to ``b`` of at most ``max_hops``, or an empty set."""
    types = set(types)
    g = nx.Graph()
    g.add_nodes_from(sg.graph.nodes)
    for s, t, data in sg.graph.edges(data=True):
        if data["type"] in types and s != t:
            g.add_edge(s, t)
    blocked = [n for n in g.nodes if n not in (a, b) and (_is_department(n) or (not through_hubs and is_hub(sg, n)))]
    g.remove_nodes_from(blocked)
    if a not in g or b not in g:
        return set()
    try:
        paths = {tuple(app_id(n) for n in p) for p in nx.all_shortest_paths(g, a, b)}
    except nx.NetworkXNoPath:
        return set()
    if not paths or len(next(iter(paths))) - 1 > max_hops:
        return set()
    return paths
