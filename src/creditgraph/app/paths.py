"""The shortest paths between two subjects, searched from both ends, around hubs.

Both subjects are expanded level by level with the same one-level query as the network view
(``cypher/app/subject_neighbours.cypher``), alternately from either end, until a relationship
joins a node reached from one end to a node reached from the other. Every path of that length
found is drawn (at most ``limit``). No ``shortestPath``: with a condition on the nodes between
(no hubs) FalkorDB filters after the search and can miss a qualifying path (trap 3 of the
portability notes), and an unbounded search through a hub visits most of the graph.

Hubs (``hub = true``, or a degree over the model's hub relationship types of at least
``hubs.degree_threshold``) are not passed through unless ``through_hubs``; the two subjects
themselves may be hubs. Paths run through subjects, addresses and phones: a list entry or a
department is never a link between two subjects.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from creditgraph.app.network import check_types, expand_level, fetch_rows
from creditgraph.app.nodes import graph_node, split_node_id, subject_flags
from creditgraph.app.queries import as_of_text
from creditgraph.app.subgraph import GraphEdge, Subgraph
from creditgraph.exc import InputError

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend

__all__ = ["PATH_TYPES", "shortest_paths"]

#: What links two subjects by default: control, office, guarantees, sponsorship, a shared
#: address or phone. Licences, subsidies and contracts link a subject to a department only.
PATH_TYPES = ("LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "BRANCH_OF", "GUARANTEES",
              "SPONSORS", "SUPERVISES", "HAS_ADDRESS", "HAS_PHONE")
MAX_HOPS = 8
# A search that reaches this many nodes on one side gives up rather than walk the whole graph.
_MAX_FRONTIER = 20_000
_PER_NODE = 5000


def _passable(nid: str) -> bool:
    return split_node_id(nid)[0] in ("Subject", "Address", "Phone")


class _Side:
    """One end's breadth-first search: distances, predecessors, and what was expanded."""

    def __init__(self, start: str) -> None:
        self.dist: dict[str, int] = {start: 0}
        self.pred: dict[str, set[str]] = {start: set()}
        self.frontier: list[str] = [start]
        self.expanded: set[str] = set()
        self.depth = -1  # deepest level expanded

    def paths_to(self, node: str, limit: int) -> list[list[str]]:
        """Shortest paths from the start to ``node`` (start first), at most ``limit``."""
        if not self.pred[node]:
            return [[node]]
        out: list[list[str]] = []
        for p in sorted(self.pred[node]):
            for head in self.paths_to(p, limit):
                out.append(head + [node])
                if len(out) >= limit:
                    return out
        return out


def shortest_paths(backend: GraphBackend, a: str, b: str, *, max_hops: int = 6,
                   rel_types: Sequence[str] | None = None, as_of: Any = None, limit: int = 10,
                   through_hubs: bool = False) -> Subgraph:
    """The shortest paths (at most ``max_hops`` long, at most ``limit`` of them) from ``a`` to ``b``.

    Relationships are followed either way; ``rel_types`` limits them (default
    :data:`PATH_TYPES`). Nodes are coloured by their active entries on ``as_of``. The view's
    ``notice`` says when no path was found (and why the search stopped), or how many paths of
    that length there are beyond ``limit``. ``centre`` is ``a``. ``through_hubs`` (an addition
    to the app contract) lets paths pass through hubs.
    """
    if not isinstance(max_hops, int) or not 1 <= max_hops <= MAX_HOPS:
        raise InputError(f"max_hops must be 1 to {MAX_HOPS}, got {max_hops!r}")
    limit = max(1, int(limit))
    types = check_types(rel_types or PATH_TYPES)
    a, b = (a or "").strip(), (b or "").strip()
    if not a or not b:
        return Subgraph(notice="Give two subjects.")
    as_of = as_of_text(as_of, backend)
    sides = (_Side(a), _Side(b))
    rows: dict[str, dict[str, Any]] = {}
    edges: dict[frozenset, list[GraphEdge]] = {}
    adjacent: dict[str, set[str]] = {}

    def expand(side: _Side) -> str | None:
        ids = [n for n in side.frontier if n not in side.expanded]
        exps = expand_level(backend, ids, types, per_node=_PER_NODE, always=[a, b],
                            expand_hubs=through_hubs, as_of=as_of)
        side.depth += 1
        nxt: list[str] = []
        for nid in ids:
            exp = exps.get(nid)
            if exp is None:
                if side.depth == 0:
                    return f"No subject with sid {nid!r}."
                continue
            rows.setdefault(nid, exp.node)
            if not exp.opened:
                continue  # a hub: reached, but no path goes on through it
            side.expanded.add(nid)
            for edge, row in exp.neighbours:
                other = edge.target if edge.source == nid else edge.source
                if not _passable(other):
                    continue
                rows.setdefault(other, row)
                edges.setdefault(frozenset((nid, other)), []).append(edge)
                adjacent.setdefault(nid, set()).add(other)
                adjacent.setdefault(other, set()).add(nid)
                d = side.dist.get(other)
                if d is None:
                    side.dist[other] = side.depth + 1
                    side.pred[other] = {nid}
                    nxt.append(other)
                elif d == side.depth + 1:
                    side.pred[other].add(nid)
        side.frontier = nxt
        if len(nxt) > _MAX_FRONTIER:
            return f"Search stopped: more than {_MAX_FRONTIER:,} nodes within {side.depth + 1} hops."
        return None

    for side in sides:
        problem = expand(side)
        if problem:
            return Subgraph(notice=problem)
    if a == b:
        return _draw(backend, [[a]], rows, edges, a, as_of, "")
    found: list[list[str]] = []
    stopped = ""
    # With side A expanded to depth i and side B to depth j, every path of length <= i + j + 1
    # has an edge from an expanded A node to an expanded B node; grow the shallower side.
    while True:
        length = _meeting_length(sides, adjacent)
        if length is not None:
            found = _paths(sides, adjacent, length, limit + 1)
            break
        if sides[0].depth + sides[1].depth + 1 >= max_hops:
            break
        # The smaller frontier costs less to expand; any order finds the shortest length first,
        # since each step adds one to i + j.
        live = [s for s in sides if s.frontier]
        if len(live) < 2:
            break  # one end's component is exhausted: no longer path can appear
        side = min(live, key=lambda s: len(s.frontier))
        stopped = expand(side) or ""
        if stopped:
            break
    if not found:
        reason = stopped or f"No path of at most {max_hops} hops"
        if not stopped:
            reason += "" if through_hubs else " that avoids hubs"
            reason += "."
        return Subgraph(nodes=(), centre=None, notice=reason)
    notice = ""
    if len(found) > limit:
        notice = f"Showing {limit} of more than {limit} shortest paths ({len(found[0]) - 1} hops)."
        found = found[:limit]
    return _draw(backend, found, rows, edges, a, as_of, notice)


def _meetings(sides: tuple[_Side, _Side], adjacent: dict[str, set[str]]):
    """(x, y, length): x expanded from a, y expanded from b, x = y or x adjacent to y."""
    sa, sb = sides
    for x in sorted(sa.expanded):
        for y in sorted({x} | adjacent.get(x, set())):
            if y in sb.expanded:
                yield x, y, sa.dist[x] + sb.dist[y] + (0 if x == y else 1)


def _meeting_length(sides: tuple[_Side, _Side], adjacent: dict[str, set[str]]) -> int | None:
    return min((length for _, _, length in _meetings(sides, adjacent)), default=None)


def _paths(sides: tuple[_Side, _Side], adjacent: dict[str, set[str]], length: int,
           limit: int) -> list[list[str]]:
    sa, sb = sides
    out: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for x, y, n in _meetings(sides, adjacent):
        if n != length:
            continue
        for head, tail in itertools.product(sa.paths_to(x, limit), sb.paths_to(y, limit)):
            back = list(reversed(tail))
            path = head + (back[1:] if x == y else back)
            key = tuple(path)
            if key in seen or len(set(path)) != len(path):
                continue
            seen.add(key)
            out.append(path)
            if len(out) >= limit:
                return out
    return out


def _draw(backend: GraphBackend, paths: list[list[str]], rows: dict[str, dict[str, Any]],
          edges: dict[frozenset, list[GraphEdge]], centre: str, as_of: str, notice: str) -> Subgraph:
    ids = list(dict.fromkeys(n for p in paths for n in p))
    flags = subject_flags(backend, [n for n in ids if split_node_id(n)[0] == "Subject"], as_of)
    full = fetch_rows(backend, ids)
    nodes = []
    for nid in ids:
        is_subject = split_node_id(nid)[0] == "Subject"
        nodes.append(graph_node(full.get(nid, rows[nid]), listed=flags.listed(nid) if is_subject else "none",
                                disputed=flags.is_disputed(nid) if is_subject else False))
    drawn: dict[tuple, GraphEdge] = {}
    for p in paths:
        for x, y in itertools.pairwise(p):
            for edge in edges.get(frozenset((x, y)), ()):
                drawn.setdefault(edge.key, edge)
    return Subgraph(nodes=tuple(nodes), edges=tuple(drawn.values()), centre=centre, notice=notice)
