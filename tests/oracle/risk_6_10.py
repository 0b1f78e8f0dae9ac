"""Plain-Python answers to risk queries 6-10 (cypher/packs/risk/), computed from the snapshot CSVs.

Each function implements the rule its query's header states, over :mod:`snapshot_tables`'
history (never the graph), and returns rows shaped like the query's: the same columns and the
same evidence maps. Graph traversals use networkx. The tests compare the two row for row.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx
from tests.oracle.snapshot_tables import History, Rel

from creditgraph.model import load_model

HUB_DEGREE_TYPES = ("SHAREHOLDER_OF", "LEGAL_REP_OF", "EXECUTIVE_OF", "SPONSORS", "SUPERVISES")
GRANT_TYPES = {"HOLDS_LICENCE": "licence", "RECEIVED_SUBSIDY": "subsidy", "WON_CONTRACT": "contract"}


def list_codes(kind: str) -> set[str]:
    return {lt.code for lt in load_model().list_types() if lt.kind == kind}


class Rules:
    """The shared notions: active entries on a date, their evidence, hubs, current relationships."""

    def __init__(self, history: History, as_of: str, *, through_hubs: bool = False,
                 hub_threshold: int | None = None) -> None:
        self.h = history
        self.as_of = as_of
        self.through_hubs = through_hubs
        self.threshold = load_model().hubs.degree_threshold if hub_threshold is None else hub_threshold
        self._listed = defaultdict(list)   # sid -> entry ids (current LISTED)
        self._issuer: dict[str, str] = {}  # entry id -> department code (current ISSUED_BY)
        for rel, fact in history.rels.items():
            if not fact.current:
                continue
            if rel.type == "LISTED":
                self._listed[rel.start].append(rel.end)
            elif rel.type == "ISSUED_BY":
                self._issuer[rel.start] = rel.end
        self._degree = defaultdict(int)
        for rel, fact in history.rels.items():
            if fact.current and rel.type in HUB_DEGREE_TYPES:
                self._degree[rel.start] += 1
                self._degree[rel.end] += 1

    def active(self, entry_id: str) -> bool:
        fact = self.h.entries[entry_id]
        e = fact.props
        return (e["status"] == "active" and e["start_date"] <= self.as_of
                and (e.get("end_date") is None or e["end_date"] >= self.as_of)
                and (fact.valid_to is None or fact.valid_to > self.as_of))

    def entries_of(self, sid: str, kinds: set[str]) -> list[str]:
        return sorted(i for i in self._listed.get(sid, ())
                      if self.h.entries[i].props["list_type"] in kinds and self.active(i))

    def listed_subjects(self, kinds: set[str]) -> dict[str, list[str]]:
        out = {}
        for sid in self._listed:
            ids = self.entries_of(sid, kinds)
            if ids:
                out[sid] = ids
        return out

    def issuer(self, entry_id: str) -> str | None:
        return self._issuer.get(entry_id)

    def entry(self, entry_id: str, subject_sid: str | None = None) -> dict:
        e = self.h.entries[entry_id].props
        code = self.issuer(entry_id)
        out = {"id": entry_id, "list_type": e["list_type"], "decision_no": e.get("decision_no"),
               "department": self.h.department_name(code) if code else None,
               "department_code": code, "start_date": e["start_date"],
               "end_date": e.get("end_date"), "status": e["status"], "disputed": e["disputed"]}
        if subject_sid is not None:
            out["subject_sid"] = subject_sid
        return out

    def is_hub(self, sid: str) -> bool:
        fact = self.h.subjects.get(sid)
        named = bool(fact and fact.props.get("hub"))
        return named or self._degree[sid] >= self.threshold

    def node(self, sid: str) -> dict:
        return {"sid": sid, "name": self.h.subject_name(sid), "labels": list(self.h.labels.get(sid, ("Subject",)))}

    def current(self, rel_type: str) -> list[tuple[Rel, dict]]:
        return [(r, f.props) for r, f in self.h.rels_of(rel_type)]


# -- 6 shell_cluster -------------------------------------------------------------------------------

def shell_cluster(history: History, *, as_of: str, min_members: int = 3) -> list[dict]:
    rules = Rules(history, as_of)
    black = list_codes("blacklist")
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rel_type, kind in (("HAS_ADDRESS", "address"), ("HAS_PHONE", "phone")):
        for rel, _ in rules.current(rel_type):
            groups[(kind, rel.end)].add(rel.start)
    rows = []
    for (kind, key), sids in groups.items():
        if len(sids) < min_members:
            continue
        entries = [rules.entry(i, sid) for sid in sorted(sids) for i in rules.entries_of(sid, black)]
        members = []
        for sid in sorted(sids):
            fact = history.subjects.get(sid)
            members.append({**rules.node(sid), "status": fact.props.get("status") if fact else None})
        rows.append({
            "shared_kind": kind, "shared_key": key,
            "shared_text": history.addresses[key] if kind == "address" else key,
            "member_count": len(sids), "members": members,
            "listed_members": len({e["subject_sid"] for e in entries}),
            "entries": entries, "disputed": any(e["disputed"] for e in entries),
        })
    return rows


# -- 7 guarantee_circle ----------------------------------------------------------------------------

def _guarantees(rules: Rules) -> tuple[nx.DiGraph, dict]:
    graph = nx.DiGraph()
    props = {}
    for rel, p in rules.current("GUARANTEES"):
        assert (rel.start, rel.end) not in props, "two current guarantees between one pair"
        graph.add_edge(rel.start, rel.end)
        props[(rel.start, rel.end)] = p
    return graph, props


def _guarantee_path(rules: Rules, nodes: list[str], props: dict) -> dict:
    return {"nodes": [rules.node(n) for n in nodes],
            "relationships": [{"type": "GUARANTEES", "from": a, "to": b,
                               "amount": props[(a, b)].get("amount"),
                               "since": props[(a, b)].get("since"),
                               "until": props[(a, b)].get("until")}
                              for a, b in itertools.pairwise(nodes)]}


def guarantee_circle(history: History, *, as_of: str, max_hops: int = 3,
                     through_hubs: bool = False, hub_threshold: int | None = None) -> list[dict]:
    rules = Rules(history, as_of, through_hubs=through_hubs, hub_threshold=hub_threshold)
    black = list_codes("blacklist")
    graph, props = _guarantees(rules)
    rows = []
    for cycle in nx.simple_cycles(graph, length_bound=6):
        if len(cycle) < 2:
            continue  # a subject guaranteeing itself is no circle of the query's form
        start = cycle.index(min(cycle))
        cycle = cycle[start:] + cycle[:start]
        nodes = cycle + [cycle[0]]
        entries = [rules.entry(i, sid) for sid in cycle for i in rules.entries_of(sid, black)]
        rows.append({"kind": "cycle", "subject_sid": cycle[0], "subject_name": history.subject_name(cycle[0]),
                     "listed_sid": None, "listed_name": None, "hops": len(cycle),
                     "path": _guarantee_path(rules, nodes, props), "entries": entries,
                     "disputed": any(e["disputed"] for e in entries)})
    reverse = graph.reverse(copy=False)
    for debtor, ids in rules.listed_subjects(black).items():
        if debtor not in graph:
            continue
        entries = [rules.entry(i, debtor) for i in ids]
        for path in _simple_paths_into(reverse, debtor, max_hops):
            nodes = list(reversed(path))  # guarantor ... debtor
            if not through_hubs and any(rules.is_hub(n) for n in nodes[1:-1]):
                continue
            rows.append({"kind": "chain", "subject_sid": nodes[0], "subject_name": history.subject_name(nodes[0]),
                         "listed_sid": debtor, "listed_name": history.subject_name(debtor),
                         "hops": len(nodes) - 1, "path": _guarantee_path(rules, nodes, props),
                         "entries": entries, "disputed": any(e["disputed"] for e in entries)})
    return rows


def _simple_paths_into(graph: nx.DiGraph, start: str, max_len: int) -> Iterable[list[str]]:
    """Every node-simple path of 1..max_len edges from ``start`` in ``graph``."""
    stack = [[start]]
    while stack:
        path = stack.pop()
        if len(path) > 1:
            yield path
        if len(path) - 1 == max_len:
            continue
        for nxt in graph.successors(path[-1]):
            if nxt not in path:
                stack.append(path + [nxt])


# -- 8 joint_punishment ----------------------------------------------------------------------------

def joint_punishment(history: History, *, as_of: str) -> list[dict]:
    rules = Rules(history, as_of)
    black = list_codes("blacklist")
    grants = defaultdict(list)
    for rel_type in GRANT_TYPES:
        for rel, p in rules.current(rel_type):
            grants[rel.start].append((rel, p))
    rows = []
    for sid, ids in rules.listed_subjects(black).items():
        for entry_id in ids:
            issuer = rules.issuer(entry_id)
            if issuer is None:
                continue
            e = history.entries[entry_id].props
            for rel, p in grants.get(sid, ()):
                if rel.end == issuer:
                    continue
                if not (e["start_date"] <= p["date"] <= as_of):
                    continue
                if e.get("end_date") is not None and p["date"] > e["end_date"]:
                    continue
                rows.append({
                    "subject_sid": sid, "subject_name": history.subject_name(sid),
                    "grant_type": GRANT_TYPES[rel.type],
                    "grant": {"id": p["id"], "type": rel.type, "date": p["date"],
                              "department": history.department_name(rel.end), "department_code": rel.end,
                              "kind": p.get("kind"), "program": p.get("program"), "title": p.get("title"),
                              "amount": p.get("amount"), "valid_until": p.get("valid_until")},
                    "entry": rules.entry(entry_id), "disputed": e["disputed"],
                })
    return rows


# -- 9 redlist_conflict ----------------------------------------------------------------------------

def redlist_conflict(history: History, *, as_of: str, max_hops: int = 2, min_ratio: float = 0.5,
                     through_hubs: bool = False, hub_threshold: int | None = None) -> list[dict]:
    rules = Rules(history, as_of, through_hubs=through_hubs, hub_threshold=hub_threshold)
    black, red = list_codes("blacklist"), list_codes("redlist")
    # Control edges, walked backwards from the redlisted subject: target -> [(holder, rel)].
    into = defaultdict(list)
    for rel_type in ("LEGAL_REP_OF", "SHAREHOLDER_OF"):
        for rel, p in rules.current(rel_type):
            if rel_type == "LEGAL_REP_OF" or p["ratio"] >= min_ratio:
                into[rel.end].append((rel.start, rel_type, p))
    blacklisted = rules.listed_subjects(black)
    rows = []
    for sid, red_ids in rules.listed_subjects(red).items():
        redlist_entries = [rules.entry(i) for i in red_ids]
        found = []  # (blacklisted sid, nodes from it to sid, relationships in that order)
        if sid in blacklisted:
            found.append((sid, None, None))
        stack = [([sid], [])]
        while stack:
            nodes, rels = stack.pop()  # nodes from sid backwards
            if rels:
                fwd_nodes, fwd_rels = list(reversed(nodes)), list(reversed(rels))
                if (through_hubs or not any(rules.is_hub(n) for n in fwd_nodes[1:-1])) \
                        and nodes[-1] in blacklisted:
                    found.append((nodes[-1], fwd_nodes, fwd_rels))
            if len(rels) == max_hops:
                continue
            for holder, rel_type, p in into.get(nodes[-1], ()):
                if holder not in nodes:
                    stack.append((nodes + [holder], rels + [(rel_type, p)]))
        for b, fwd_nodes, fwd_rels in found:
            blacklist_entries = [rules.entry(i) for i in blacklisted[b]]
            if fwd_nodes is None:
                relation, hops, path = "self", 0, None
            else:
                relation = "legal_rep" if fwd_rels[0][0] == "LEGAL_REP_OF" else "controller"
                hops = len(fwd_rels)
                path = {"nodes": [rules.node(n) for n in fwd_nodes],
                        "relationships": [{"type": t, "from": a, "to": c, "ratio": p.get("ratio"),
                                           "since": p.get("since")}
                                          for (t, p), a, c in zip(fwd_rels, fwd_nodes, fwd_nodes[1:])]}
            rows.append({
                "redlisted_sid": sid, "redlisted_name": history.subject_name(sid), "relation": relation,
                "blacklisted_sid": b, "blacklisted_name": history.subject_name(b), "hops": hops,
                "path": path, "redlist_entries": redlist_entries, "blacklist_entries": blacklist_entries,
                "disputed": any(e["disputed"] for e in redlist_entries + blacklist_entries),
            })
    return rows


# -- 10 pre_listing_changes ------------------------------------------------------------------------

def pre_listing_changes(history: History, *, as_of: str, days: int = 90) -> list[dict]:
    rules = Rules(history, as_of)
    black = list_codes("blacklist")
    into = defaultdict(list)  # subject -> every LEGAL_REP_OF / SHAREHOLDER_OF into it, closed too
    for (rel, fact) in history.rels.items():
        if rel.type in ("LEGAL_REP_OF", "SHAREHOLDER_OF"):
            into[rel.end].append((rel, fact))
    rows = []
    for sid, ids in rules.listed_subjects(black).items():
        subject = history.subjects.get(sid)
        established = subject.props.get("established") if subject else None
        subject_first_seen = subject.first_seen if subject else None
        for entry_id in ids:
            e = history.entries[entry_id].props
            listed = dt.date.fromisoformat(e["start_date"])
            for rel, fact in into.get(sid, ()):
                p = fact.props
                events = []
                if p.get("since"):
                    events.append(("joined", p["since"], "since"))
                elif subject_first_seen and fact.first_seen > subject_first_seen:
                    events.append(("joined", fact.first_seen, "first_seen"))
                if p.get("until"):
                    events.append(("left", p["until"], "until"))
                elif fact.valid_to:
                    events.append(("left", fact.valid_to, "valid_to"))
                for event, date, basis in events:
                    if date > e["start_date"]:
                        continue
                    if event == "joined" and established and date <= established:
                        continue  # the founding registration, not a change
                    before = (listed - dt.date.fromisoformat(date)).days
                    if before > days:
                        continue
                    turn = fact.first_seen if event == "joined" else fact.valid_to
                    counterparts = []
                    for other, ofact in into[sid]:
                        if other.type != rel.type or other.start == rel.start or turn is None:
                            continue
                        if (event == "joined" and ofact.valid_to == turn) or \
                                (event == "left" and ofact.first_seen == turn):
                            q = ofact.props
                            counterparts.append({"sid": other.start, "name": history.subject_name(other.start),
                                                 "since": q.get("since"), "until": q.get("until"),
                                                 "ratio": q.get("ratio"), "first_seen": ofact.first_seen,
                                                 "valid_to": ofact.valid_to})
                    rows.append({
                        "subject_sid": sid, "subject_name": history.subject_name(sid),
                        "role": "legal_rep" if rel.type == "LEGAL_REP_OF" else "shareholder",
                        "event": event, "holder_sid": rel.start, "holder_name": history.subject_name(rel.start),
                        "change_date": date, "date_basis": basis, "days_before": before,
                        "relationship": {"type": rel.type, "since": p.get("since"), "until": p.get("until"),
                                         "ratio": p.get("ratio"), "first_seen": fact.first_seen,
                                         "valid_to": fact.valid_to},
                        "counterparts": counterparts, "entry": rules.entry(entry_id),
                        "disputed": e["disputed"],
                    })
    return rows
