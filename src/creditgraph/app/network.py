"""A subject's neighbourhood, level by level, capped, with hubs left closed.

The neighbourhood is expanded one level per query (``cypher/app/subject_neighbours.cypher`` and
``keyed_neighbours.cypher``): the nodes reached at the previous level are looked up by their
indexed keys and their current relationships returned, at most so many per node, with each
node's degree. No variable-length pattern: around a hub (a nominee holder, a state-asset
administration, a person who represents a thousand companies) one would enumerate millions of
paths before any LIMIT applied. A hub (``hub = true``, or a degree over the model's hub
relationship types of at least ``hubs.degree_threshold``) is drawn but not expanded unless the
caller asks, and the view's notice names it. Only current facts are drawn (relationships without
``valid_to``, list entries active on the as-of date); regions never (every subject has one).

Subjects, addresses, phones and list entries are expanded; departments are drawn but not
expanded (a department links every subject it ever licensed): :func:`expand` opens one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from creditgraph.app.nodes import (
    entry_active,
    graph_edge,
    graph_node,
    split_node_id,
    subject_flags,
)
from creditgraph.app.queries import as_of_text, read
from creditgraph.app.subgraph import LISTED_VALUES, GraphEdge, GraphNode, Subgraph, node_id, primary_label
from creditgraph.exc import InputError

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend

__all__ = ["DEFAULT_CAP", "MAX_DEPTH", "Expansion", "expand", "expand_level", "fetch_rows",
           "neighbourhood", "relationship_types"]

DEFAULT_CAP = 300
MAX_DEPTH = 3
# Never drawn: every subject, department and address has a region, so regions are hubs of
# everything; a subject's region is a property (region_code) shown by name instead.
_NOT_DRAWN = ("LOCATED_IN", "PART_OF")
# Which neighbours a capped level keeps first: the links that carry risk before the rest.
_PRIORITY = ("LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "GUARANTEES", "BRANCH_OF", "LISTED",
             "ISSUED_BY", "SPONSORS", "SUPERVISES", "HAS_ADDRESS", "HAS_PHONE", "HOLDS_LICENCE",
             "RECEIVED_SUBSIDY", "WON_CONTRACT")
# With a list-status filter the walk looks this much further than the cap before filtering.
_FILTER_BUDGET_FACTOR = 5
_FILTER_BUDGET_MAX = 3000


@functools.cache
def _model():
    from creditgraph.model import load_model

    return load_model()


def relationship_types() -> list[str]:
    """The relationship types a view can follow, from the model (for the filter widget)."""
    return [t for t in _model().relationship_types() if t not in _NOT_DRAWN]


def _hub_types() -> list[str]:
    return list(_model().hubs.degree_relationships)


def hub_threshold() -> int:
    """The degree that makes a subject a hub (model ``hubs.degree_threshold``)."""
    return _model().hubs.degree_threshold


def check_types(rel_types: Sequence[str] | None) -> list[str]:
    """``rel_types`` checked against the model (None or empty: every drawable type)."""
    known = relationship_types()
    if not rel_types:
        return known
    unknown = [t for t in rel_types if t not in known]
    if unknown:
        raise InputError(f"unknown relationship type {unknown[0]!r}", hint=f"known: {', '.join(known)}")
    return list(dict.fromkeys(rel_types))


@dataclass
class Expansion:
    """What one node's expansion found.

    ``neighbours`` holds ``(edge, node row)`` pairs, the edge oriented as in the graph;
    ``degree`` is how many current relationships of the followed types the node has (None when
    a named hub was not looked at), ``hub`` whether it counts as a hub, ``opened`` whether its
    neighbours were returned.
    """

    id: str
    node: dict[str, Any]
    degree: int | None
    hub: bool
    opened: bool
    neighbours: list[tuple[GraphEdge, dict[str, Any]]] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        """Neighbours that exist but did not come back (a closed hub, the per-node limit)."""
        return max((self.degree or 0) - len(self.neighbours), 0)


def expand_level(backend: GraphBackend, ids: Iterable[str], types: Sequence[str], *, per_node: int,
                 always: Iterable[str] = (), expand_hubs: bool = False,
                 as_of: str | None = None) -> dict[str, Expansion]:
    """Expand each node id of ``ids`` one level (at most two queries): node id -> Expansion.

    Unknown ids are left out of the answer. ``always`` holds node ids opened even when hubs.
    Neighbours come back as stubs (key, labels, hub flag, and for a list entry ``_active`` on
    ``as_of``); :func:`fetch_rows` gets the full nodes of those that are drawn.
    """
    from creditgraph.app.queries import as_of_text

    as_of = as_of_text(as_of)
    subjects: list[str] = []
    keyed: dict[str, list[str]] = {"Address": [], "Phone": [], "ListEntry": [], "Department": []}
    for nid in dict.fromkeys(ids):
        label, key = split_node_id(nid)
        if label == "Subject":
            subjects.append(key)
        else:
            keyed[label].append(key)
    always = set(always)
    threshold = hub_threshold()
    out: dict[str, Expansion] = {}
    if subjects:
        rows = read(backend, "subject_neighbours", {
            "sids": subjects, "types": list(types), "hub_types": _hub_types(),
            "always": sorted(a for a in always if split_node_id(a)[0] == "Subject"),
            "expand_hubs": expand_hubs, "per_node": per_node, "as_of": as_of})
        for row in rows:
            hub_degree = row["hub_degree"]
            hub = bool(row["hub"]) or (hub_degree is not None and hub_degree >= threshold)
            node = _stub(row["labels"], row["sid"], row["hub"])
            out[row["sid"]] = _expansion(row["sid"], node, row["degree"], hub, row["neighbours"],
                                         opened=row["degree"] is not None and (
                                             not hub or expand_hubs or row["sid"] in always))
    if any(keyed.values()):
        params = {"addresses": keyed["Address"], "phones": keyed["Phone"], "entries": keyed["ListEntry"],
                  "departments": keyed["Department"], "types": list(types),
                  "always": sorted(split_node_id(a)[1] for a in always if split_node_id(a)[0] != "Subject"),
                  "expand_hubs": expand_hubs, "per_node": per_node, "as_of": as_of}
        for row in read(backend, "keyed_neighbours", params):
            nid = f"{row['label']}:{row['key']}"
            hub = row["degree"] >= threshold
            out[nid] = _expansion(nid, _stub([row["label"]], row["key"], None), row["degree"], hub,
                                  row["neighbours"], opened=not hub or expand_hubs or nid in always)
    return out


_KEY_PROPERTY = {"ListEntry": "id", "Department": "code", "Address": "key", "Phone": "number"}


def _stub(labels: Sequence[str], key: str, hub: Any, active: Any = None) -> dict[str, Any]:
    """What a neighbour query says of a node: enough to place it, not to draw it."""
    label = primary_label(labels)
    stub: dict[str, Any] = {"_labels": list(labels), "_stub": True,
                            ("sid" if label in ("Enterprise", "Organisation", "Person", "Subject")
                             else _KEY_PROPERTY.get(label, "key")): key}
    if hub:
        stub["hub"] = True
    if active is not None:
        stub["_active"] = bool(active)
    return stub


_SUBJECT_LABELS = ("Enterprise", "Organisation", "Person")


def _expansion(nid: str, node: dict, degree: int | None, hub: bool, found: list[str],
               opened: bool) -> Expansion:
    exp = Expansion(id=nid, node=node, degree=int(degree) if degree is not None else None, hub=hub,
                    opened=opened)
    for item in found or ():
        # TYPE|DIR|RATIO|ROLE|LABEL|FLAGS|KEY, the key last (an address may hold a |): see
        # cypher/app/subject_neighbours.cypher for why neighbours come back as strings.
        rel_type, direction, ratio, role, label, flags, key = item.split("|", 6)
        labels = [label, "Subject"] if label in _SUBJECT_LABELS else [label]
        other = _stub(labels, key, "h" in flags, "a" in flags if label == "ListEntry" else None)
        other_id = node_id(primary_label(labels), other)
        source, target = (nid, other_id) if direction == ">" else (other_id, nid)
        props: dict[str, Any] = {}
        if ratio:
            props["ratio"] = float(ratio)
        if role:
            props["role"] = role
        exp.neighbours.append((graph_edge(source, target, rel_type, props), other))
    return exp


def fetch_rows(backend: GraphBackend, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The full nodes (properties plus ``_labels``) of ``ids``, by node id; unknown ids left out."""
    subjects: list[str] = []
    keyed: dict[str, list[str]] = {"Address": [], "Phone": [], "ListEntry": [], "Department": []}
    for nid in dict.fromkeys(ids):
        label, key = split_node_id(nid)
        (subjects if label == "Subject" else keyed[label]).append(key)
    out: dict[str, dict[str, Any]] = {}
    if subjects:
        for row in read(backend, "subjects_by_sid", {"sids": subjects}):
            out[row["sid"]] = row["node"]
    if any(keyed.values()):
        for row in read(backend, "nodes_by_key", {"addresses": keyed["Address"], "phones": keyed["Phone"],
                                                 "entries": keyed["ListEntry"],
                                                 "departments": keyed["Department"]}):
            out[f"{row['label']}:{row['key']}"] = row["node"]
    return out


def _is_active_entry(row: Mapping[str, Any], as_of: str) -> bool:
    if "_active" in row:
        return bool(row["_active"])
    return entry_active(row, as_of)


def _priority(edge: GraphEdge) -> tuple:
    ratio = edge.props.get("ratio")
    rank = _PRIORITY.index(edge.type) if edge.type in _PRIORITY else len(_PRIORITY)
    return (rank, -(ratio if isinstance(ratio, (int, float)) else 0.0))


def _expandable(nid: str, row: Mapping[str, Any]) -> bool:
    # Departments stay closed in a walk: they link everything they ever licensed or listed.
    return split_node_id(nid)[0] != "Department"


@dataclass
class _Walk:
    """The state of a breadth-first walk: nodes in the order reached, with their parents."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    level: dict[str, int] = field(default_factory=dict)
    parent: dict[str, str | None] = field(default_factory=dict)
    edges: dict[tuple, GraphEdge] = field(default_factory=dict)
    hubs: dict[str, bool] = field(default_factory=dict)
    closed_hubs: list[tuple[str, int | None]] = field(default_factory=list)
    left_out: set[str] = field(default_factory=set)
    hidden: int = 0


def _add_expansions(walk: _Walk, expansions: Mapping[str, Expansion], as_of: str, room: int,
                    level: int) -> list[str]:
    """Add the nodes found at ``level``, best first, until ``room`` runs out; the ids added."""
    candidates: dict[str, tuple[tuple, str, dict[str, Any]]] = {}
    for nid, exp in expansions.items():
        walk.hubs[nid] = exp.hub
        if not exp.opened:
            if exp.hub:
                walk.closed_hubs.append((nid, exp.degree))
            walk.hidden += exp.hidden
            continue
        walk.hidden += exp.hidden
        for edge, row in exp.neighbours:
            other = edge.target if edge.source == nid else edge.source
            labels = row.get("_labels") or ()
            if "ListEntry" in labels and not _is_active_entry(row, as_of):
                continue
            walk.edges.setdefault(edge.key, edge)
            if other in walk.rows:
                continue
            rank = (_priority(edge), other)
            best = candidates.get(other)
            if best is None or rank < best[0]:
                candidates[other] = (rank, nid, row)
    added = []
    for other, (_, parent, row) in sorted(candidates.items(), key=lambda kv: kv[1][0]):
        if len(added) >= room:
            walk.left_out.add(other)
            continue
        walk.rows[other] = row
        walk.level[other] = level
        walk.parent[other] = parent
        added.append(other)
    return added


def neighbourhood(backend: GraphBackend, sid: str, *, depth: int = 1,
                  rel_types: Sequence[str] | None = None, list_status: Sequence[str] | None = None,
                  as_of: Any = None, cap: int = DEFAULT_CAP, expand_hubs: bool = False) -> Subgraph:
    """The subject ``sid`` and what lies within ``depth`` (1-3) hops of it, at most ``cap`` nodes.

    ``rel_types`` limits the relationships followed (default: every type but regions');
    ``list_status`` keeps only subjects whose active entries on ``as_of`` make them one of
    ``blacklisted``, ``redlisted``, ``both``, ``none`` (plus the centre and the nodes that lead
    to them). Hubs are drawn but not expanded unless ``expand_hubs`` (the centre always is).
    When nodes had to be left out, the view is ``capped`` and its ``notice`` says how many and
    which hubs stayed closed. An unknown sid gives an empty view (``centre`` None) whose notice
    says so.
    """
    if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise InputError(f"depth must be 1 to {MAX_DEPTH}, got {depth!r}")
    if not isinstance(cap, int) or cap < 1:
        raise InputError(f"cap must be a positive whole number, got {cap!r}")
    statuses = _check_statuses(list_status)
    types = check_types(rel_types)
    as_of = as_of_text(as_of, backend)
    sid = (sid or "").strip()
    if not sid:
        return Subgraph(notice="No subject given.")
    budget = cap if statuses is None else max(cap, min(cap * _FILTER_BUDGET_FACTOR, _FILTER_BUDGET_MAX))

    walk = _Walk()
    frontier = [sid]
    approx = False
    for level in range(1, depth + 1):
        room = budget - max(len(walk.rows), 1)
        expandable = [n for n in frontier if _expandable(n, walk.rows.get(n, {}))]
        if not expandable:
            break
        # One more than fits tells whether the level overflows; once the view is full, only
        # the degrees are fetched: enough to say roughly what was left out.
        per_node = room + 1 if room > 0 else 0
        expansions = expand_level(backend, expandable, types, per_node=per_node, always=[sid],
                                  expand_hubs=expand_hubs, as_of=as_of)
        if level == 1:
            if sid not in expansions or split_node_id(sid)[0] != "Subject":
                return Subgraph(notice=f"No subject with sid {sid!r}.")
            walk.rows[sid] = expansions[sid].node
            walk.level[sid] = 0
            walk.parent[sid] = None
        if room <= 0:
            # Every neighbour not drawn yet would be over the cap: count them, roughly.
            for exp in expansions.values():
                walk.hubs[exp.id] = exp.hub
                if exp.opened:
                    walk.hidden += max((exp.degree or 0) - 1, 0)
                    approx = True
            break
        frontier = _add_expansions(walk, expansions, as_of, room, level)
        if walk.left_out:
            break
    return _finish(backend, walk, sid, as_of, statuses, cap, depth, approx)


def _check_statuses(list_status: Sequence[str] | None) -> set[str] | None:
    if not list_status:
        return None
    bad = [s for s in list_status if s not in LISTED_VALUES]
    if bad:
        raise InputError(f"unknown list status {bad[0]!r}", hint=f"use {', '.join(LISTED_VALUES)}")
    return set(list_status)


def _finish(backend: GraphBackend, walk: _Walk, centre: str, as_of: str, statuses: set[str] | None,
            cap: int, depth: int, approx: bool) -> Subgraph:
    subjects = [n for n in walk.rows if split_node_id(n)[0] == "Subject"]
    flags = subject_flags(backend, subjects, as_of)
    order = list(walk.rows)
    if statuses is not None:
        keep: set[str] = {centre}
        for nid in order:
            if split_node_id(nid)[0] == "Subject" and flags.listed(nid) in statuses:
                while nid is not None and nid not in keep:
                    keep.add(nid)
                    nid = walk.parent[nid]
        for nid in order:  # entries, departments, addresses hanging off a kept node
            parent = walk.parent.get(nid)
            if nid not in keep and split_node_id(nid)[0] != "Subject" and parent in keep:
                keep.add(nid)
        order = [n for n in order if n in keep]
    shown = order[:cap]
    full = fetch_rows(backend, shown)
    nodes = []
    for nid in shown:
        row = full.get(nid, walk.rows[nid])
        is_subject = split_node_id(nid)[0] == "Subject"
        nodes.append(graph_node(row, listed=flags.listed(nid) if is_subject else "none",
                                disputed=flags.is_disputed(nid) if is_subject else False,
                                hub=bool(row.get("hub")) or walk.hubs.get(nid, False),
                                extra={"level": walk.level[nid]}))
    ids = set(shown)
    edges = tuple(e for e in walk.edges.values() if e.source in ids and e.target in ids)
    hops = f"{depth} hop{'s' if depth > 1 else ''}"
    parts = []
    if statuses is None:
        total = len(order) + len(walk.left_out) + walk.hidden
        capped = total > len(shown)
        if capped:
            parts.append(f"Showing {len(shown):,} of {'about ' if approx or walk.hidden else ''}"
                         f"{total:,} nodes within {hops}.")
    else:
        # The walk looked at a bounded number of nodes before filtering; beyond them, more
        # subjects of these statuses may lie, which this view cannot count.
        beyond = bool(walk.left_out or walk.hidden or approx)
        total = len(order)
        capped = beyond or total > len(shown)
        kept = f"subjects {' or '.join(sorted(statuses))} and the nodes leading to them"
        if total > len(shown):
            parts.append(f"Showing {len(shown):,} of {total:,} nodes ({kept}).")
        else:
            parts.append(f"Only {kept} shown.")
        if beyond:
            parts.append(f"Filtered the nearest {len(walk.rows):,} nodes within {hops}; more lie beyond.")
    closed = [(n, d) for n, d in walk.closed_hubs if n in ids]
    if closed:
        names = [_name(full.get(n, walk.rows[n])) + (f" ({d:,} links)" if d is not None else "")
                 for n, d in closed[:5]]
        more = f" and {len(closed) - 5} more" if len(closed) > 5 else ""
        parts.append(f"Hubs not expanded: {', '.join(names)}{more}.")
    return Subgraph(nodes=tuple(nodes), edges=edges, centre=centre, capped=capped,
                    notice=" ".join(parts), total=total)


def _name(row: Mapping[str, Any]) -> str:
    return str(row.get("name") or row.get("text") or row.get("number") or row.get("id") or "?")


def expand(backend: GraphBackend, view: Subgraph, node_id: str, *, rel_types: Sequence[str] | None = None,
           as_of: Any = None, cap: int = 100) -> Subgraph:
    """``view`` plus the neighbours of one of its nodes (at most ``cap`` new ones), hub or not.

    Works for any node: a subject, an address, a phone, a list entry or a department. The new
    subjects are coloured by their active entries on ``as_of``; a notice says when ``cap`` left
    neighbours out. An id that is not in the graph leaves the view as it was.
    """
    if not isinstance(cap, int) or cap < 1:
        raise InputError(f"cap must be a positive whole number, got {cap!r}")
    types = check_types(rel_types)
    as_of = as_of_text(as_of, backend)
    expansions = expand_level(backend, [node_id], types, per_node=cap + len(view.nodes) + 1,
                              always=[node_id], expand_hubs=True, as_of=as_of)
    exp = expansions.get(node_id)
    if exp is None:
        return view
    existing = view.node_ids
    new: dict[str, dict[str, Any]] = {}
    edges = []
    left_out = 0
    for edge, row in sorted(exp.neighbours, key=lambda er: (_priority(er[0]), er[0].source, er[0].target)):
        other = edge.target if edge.source == node_id else edge.source
        if "ListEntry" in (row.get("_labels") or ()) and not _is_active_entry(row, as_of):
            continue
        if other not in existing and other not in new:
            if len(new) >= cap:
                left_out += 1
                continue
            new[other] = row
        edges.append(edge)
    left_out += exp.hidden
    flags = subject_flags(backend, [n for n in new if split_node_id(n)[0] == "Subject"], as_of)
    full = fetch_rows(backend, [*new, node_id])
    nodes: list[GraphNode] = []
    if node_id not in existing:
        nodes.append(graph_node(full.get(node_id, exp.node), hub=exp.hub))
    for nid, stub in new.items():
        row = full.get(nid, stub)
        is_subject = split_node_id(nid)[0] == "Subject"
        nodes.append(graph_node(row, listed=flags.listed(nid) if is_subject else "none",
                                disputed=flags.is_disputed(nid) if is_subject else False))
    notice = ""
    if left_out:
        name = view.node(node_id).name if view.node(node_id) else node_id
        notice = f"Showing {len(new):,} of {len(new) + left_out:,} new neighbours of {name}."
    added = Subgraph(nodes=tuple(nodes), edges=tuple(edges), centre=view.centre, capped=bool(left_out),
                     notice=notice, total=len(nodes) + left_out)
    merged = view.merge(added)
    return merged
