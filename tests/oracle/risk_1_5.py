"""Independent implementations of risk queries 1-5 over a :class:`SnapshotGraph`.

Each function states its rule the way the query's header does and computes it with plain
Python and networkx on the snapshot's CSV facts, never from the graph database, so that a
query that returns wrong rows (a FalkorDB trap, a wrong direction, a missed hub) disagrees.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
from tests.oracle.snapshot_graph import SnapshotGraph

from creditgraph.model import load_model

LEGAL_REP, HOLDS = "LEGAL_REP_OF", "SHAREHOLDER_OF"


def blacklists() -> tuple[str, ...]:
    return tuple(lt.code for lt in load_model().list_types() if lt.kind == "blacklist")


class Hubs:
    """Which subjects are hubs: named (hub flag from the names) or by degree."""

    def __init__(self, sg: SnapshotGraph, threshold: int, through: bool) -> None:
        self.sg, self.threshold, self.through = sg, threshold, through
        self.types = load_model().hubs.degree_relationships
        self._cache: dict[str, bool] = {}

    def __call__(self, sid: str) -> bool:
        if self.through:
            return False
        if sid not in self._cache:
            self._cache[sid] = (self.sg.is_named_hub(sid)
                                or self.sg.degree(sid, self.types) >= self.threshold)
        return self._cache[sid]


# -- 1. blacklist_propagation ----------------------------------------------------------------

def propagation_rules() -> dict[str, set[tuple[str, str]]]:
    """list type -> {(relationship type, 'forward'|'backward')} from model.yaml."""
    out = {}
    for lt in load_model().list_types():
        steps = set()
        for p in lt.propagation:
            for d in (("forward", "backward") if p.direction == "both" else (p.direction,)):
                steps.add((p.relationship, d))
        out[lt.code] = steps
    return out


def blacklist_propagation(sg: SnapshotGraph, *, as_of: str, k: int = 3, through_hubs: bool = False,
                          hub_threshold: int | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """(entry id, subject sid) -> {hops, score, disputed, listed} for every subject reached.

    Breadth-first search from the listed subject over the steps its list type allows, at most
    min(k, max_hops) hops. A named hub (hub flag) is never entered; a subject with at least
    hub_threshold relationships of the hub types is reached but not expanded (the listed
    subject itself always is); through_hubs lifts both. The score of a subject is the best,
    over its shortest qualifying paths, of severity / 5 * 0.5 ^ (hops - 1) * the product of the
    ratios on the path (dynamic programming over the BFS layers, which hold every shortest path).
    """
    model = load_model()
    rules = propagation_rules()
    threshold = model.hubs.degree_threshold if hub_threshold is None else hub_threshold
    degree_types = model.hubs.degree_relationships
    g = sg.graph
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in sg.active_entries(as_of, blacklists()):
        allowed = rules[entry["list_type"]]
        depth = min(k, model.list_type(entry["list_type"]).max_hops)
        if not allowed or depth < 1:
            continue
        s = entry["subject"]
        dist = {s: 0}
        best = {s: entry["severity"] / 5.0}
        layer = [s]
        for hop in range(1, depth + 1):
            nxt: dict[str, float] = {}
            for u in layer:
                if u != s and not through_hubs and sg.degree(u, degree_types) >= threshold:
                    continue  # reached, but passes nothing on
                steps = [(v, d) for _, v, d in g.out_edges(u, data=True) if (d["type"], "forward") in allowed]
                steps += [(v, d) for v, _, d in g.in_edges(u, data=True) if (d["type"], "backward") in allowed]
                for v, data in steps:
                    if v in dist or "Subject" not in g.nodes[v]["labels"]:
                        continue
                    if not through_hubs and sg.is_named_hub(v):
                        continue
                    ratio = data.get("ratio")
                    score = best[u] * (0.5 if hop > 1 else 1.0) * (ratio if ratio is not None else 1.0)
                    if score > nxt.get(v, -1.0):
                        nxt[v] = score
            for v, score in nxt.items():
                dist[v], best[v] = hop, score
            layer = list(nxt)
        for v, hops in dist.items():
            if v != s:
                out[(entry["id"], v)] = {"hops": hops, "score": best[v], "disputed": entry["disputed"],
                                         "listed": s}
    return out


# -- 2. shared_legal_rep / 3. listed_rep_new_company -------------------------------------------

def _controllers(sg: SnapshotGraph, sid: str, ratio: float) -> dict[str, set[str]]:
    """X -> roles, for each X that is legal rep of ``sid`` or holds >= ratio of it."""
    out: dict[str, set[str]] = defaultdict(set)
    for x, _ in sg.edges_in(sid, LEGAL_REP):
        out[x].add("legal_rep")
    for x, data in sg.edges_in(sid, HOLDS):
        if data["ratio"] >= ratio:
            out[x].add("controlling_shareholder")
    return out


def _controlled(sg: SnapshotGraph, x: str, ratio: float | None) -> dict[str, set[str]]:
    """T -> roles, for each T that ``x`` represents or holds (>= ratio, or any when None)."""
    out: dict[str, set[str]] = defaultdict(set)
    for t, _ in sg.edges_out(x, LEGAL_REP):
        out[t].add("legal_rep")
    for t, data in sg.edges_out(x, HOLDS):
        if ratio is None:
            out[t].add("shareholder")
        elif data["ratio"] >= ratio:
            out[t].add("controlling_shareholder")
    return out


def shared_legal_rep(sg: SnapshotGraph, *, as_of: str, controlling_ratio: float = 0.5,
                     through_hubs: bool = False, hub_threshold: int | None = None
                     ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(entry id, subject sid, shared sid) -> roles on both sides, disputed, listed."""
    model = load_model()
    hubs = Hubs(sg, model.hubs.degree_threshold if hub_threshold is None else hub_threshold, through_hubs)
    out = {}
    for entry in sg.active_entries(as_of, blacklists()):
        listed = entry["subject"]
        for x, at_listed in _controllers(sg, listed, controlling_ratio).items():
            if hubs(x):
                continue
            for t, at_subject in _controlled(sg, x, controlling_ratio).items():
                if t != listed:
                    out[(entry["id"], t, x)] = {"roles_at_listed": at_listed, "roles_at_subject": at_subject,
                                                "disputed": entry["disputed"], "listed": listed}
    return out


def listed_rep_new_company(sg: SnapshotGraph, *, as_of: str, controlling_ratio: float = 0.5,
                           through_hubs: bool = False, hub_threshold: int | None = None
                           ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(entry id, person sid, new company sid) -> roles, established, disputed, listed."""
    model = load_model()
    hubs = Hubs(sg, model.hubs.degree_threshold if hub_threshold is None else hub_threshold, through_hubs)
    g = sg.graph
    out = {}
    for entry in sg.active_entries(as_of, blacklists()):
        listed = entry["subject"]
        if "Enterprise" not in g.nodes[listed]["labels"]:
            continue
        for x, at_listed in _controllers(sg, listed, controlling_ratio).items():
            if hubs(x):
                continue
            for n, at_new in _controlled(sg, x, None).items():
                node = g.nodes[n]
                est = node.get("established")
                if (n != listed and "Enterprise" in node["labels"] and est is not None
                        and entry["start_date"] < est <= as_of):
                    out[(entry["id"], x, n)] = {"roles_at_listed": at_listed, "roles_at_new_company": at_new,
                                                "established": est, "disputed": entry["disputed"],
                                                "listed": listed}
    return out


# -- 4. circular_shareholding ------------------------------------------------------------------

def circular_shareholding(sg: SnapshotGraph, *, as_of: str, max_length: int = 6
                          ) -> dict[tuple[str, ...], dict[str, Any]]:
    """members (from the smallest sid, in holding order) -> ratios, listed members, disputed."""
    g = sg.graph
    holds = nx.DiGraph()
    ratio = {}
    for u, v, data in g.edges(data=True):
        if (data["type"] == HOLDS and "Enterprise" in g.nodes[u]["labels"]
                and "Enterprise" in g.nodes[v]["labels"]):
            holds.add_edge(u, v)
            ratio[(u, v)] = data["ratio"]
    listed = defaultdict(list)
    for e in sg.active_entries(as_of, blacklists()):
        listed[e["subject"]].append(e)
    out = {}
    for cycle in nx.simple_cycles(holds, length_bound=max_length):
        if len(cycle) < 2:
            continue
        i = cycle.index(min(cycle))
        members = tuple(cycle[i:] + cycle[:i])
        entries = [e for m in members for e in listed.get(m, [])]
        out[members] = {
            "ratios": [ratio[(members[j], members[(j + 1) % len(members)])] for j in range(len(members))],
            "listed_members": sorted({e["subject"] for e in entries}),
            "disputed": any(e["disputed"] for e in entries),
        }
    return out


# -- 5. ultimate_controller ----------------------------------------------------------------------

def ultimate_controller(sg: SnapshotGraph, *, as_of: str, threshold: float = 0.25, max_depth: int = 6,
                        ultimate_only: bool = True, sid: str = ""
                        ) -> dict[tuple[str, str], dict[str, Any]]:
    """(target sid, controller sid) -> share, chains (list of sid lists), ultimate.

    share = sum over the node-simple SHAREHOLDER_OF paths controller -> ... -> target of at
    most max_depth steps of the product of their ratios (depth-first from the target upwards).
    """
    g = sg.graph
    holders: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for u, v, data in g.edges(data=True):
        if data["type"] == HOLDS:
            holders[v].append((u, data["ratio"]))
    targets = [sid] if sid else [n for n in g.nodes if holders.get(n)]

    def walk(node: str, path: list[str], product: float, shares: dict, chains: dict) -> None:
        """Every node-simple chain upwards from ``node`` (``path`` from the target to it)."""
        if len(path) > max_depth:
            return
        for h, r in holders.get(node, ()):
            if h in path:
                continue
            p = product * r
            shares[h] += p
            chains[h].append([h, *reversed(path)])
            walk(h, [*path, h], p, shares, chains)

    out = {}
    for t in targets:
        shares: dict[str, float] = defaultdict(float)
        chains: dict[str, list[list[str]]] = defaultdict(list)
        walk(t, [t], 1.0, shares, chains)
        for c, share in shares.items():
            ultimate = not holders.get(c)
            if share >= threshold and (ultimate or not ultimate_only):
                out[(t, c)] = {"share": share, "chains": chains[c], "ultimate": ultimate}
    return out
