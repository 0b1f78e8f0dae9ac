"""One snapshot's CSV files as a networkx MultiDiGraph, read without the loader or the graph.

An oracle for a pack query must not share code with what it checks, so this reads the files
of ``docs/snapshot-format.md`` directly. Snapshots are full, so the facts of the latest snapshot
are exactly the current facts of a graph loaded with every snapshot in order (those whose
``valid_to`` is null): loading only the last snapshot is how the oracle reads "current".

Only the identity rules come from creditgraph, as the loader applies them:
``person_pid`` for a person's sid, ``normalize_name`` for a subject known only by name (and for
the hub names), ``normalize_uscc`` for codes, and the list types' default validity for an
entry published without an end date.

Nodes are subjects keyed by ``sid`` (plus departments keyed ``dept:<code>``, which only send
SPONSORS and SUPERVISES). Each relationship is one edge ``u -> v`` in its own direction with
attribute ``type`` and its properties; the edge key is the relationship's identity (type and
key properties, as the loader MERGEs it), so a row repeated in a file is one edge.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from creditgraph.model import load_model
from creditgraph.model.identifiers import (
    normalize_resident_id,
    normalize_uscc,
    person_pid,
    uscc_subject_label,
)
from creditgraph.model.names import normalize_name

#: the relationship files between subjects (and departments), with their relationship types
REL_FILES = {
    "legal_reps": "LEGAL_REP_OF", "shareholders": "SHAREHOLDER_OF", "executives": "EXECUTIVE_OF",
    "branches": "BRANCH_OF", "guarantees": "GUARANTEES", "sponsors": "SPONSORS",
    "supervisors": "SUPERVISES",
}


@dataclass
class SnapshotGraph:
    """The subjects, relationships and list entries of one snapshot."""

    folder: Path
    source: str
    as_of: str
    graph: nx.MultiDiGraph
    #: list entries by id: id, list_type, subject (sid), department (code), department_name,
    #: severity, decision_no, start_date, end_date, status, disputed
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    departments: dict[str, dict[str, str]] = field(default_factory=dict)

    def node(self, sid: str) -> dict[str, Any]:
        return self.graph.nodes[sid]

    def edges_out(self, sid: str, rel_type: str):
        """(target, properties) of each ``sid -[rel_type]-> target``."""
        for _, target, data in self.graph.out_edges(sid, data=True):
            if data["type"] == rel_type:
                yield target, data

    def edges_in(self, sid: str, rel_type: str):
        """(source, properties) of each ``source -[rel_type]-> sid``."""
        for source, _, data in self.graph.in_edges(sid, data=True):
            if data["type"] == rel_type:
                yield source, data

    def degree(self, sid: str, rel_types: tuple[str, ...]) -> int:
        """Relationships of ``rel_types`` at ``sid``, either direction."""
        out = sum(1 for *_, d in self.graph.out_edges(sid, data=True) if d["type"] in rel_types)
        return out + sum(1 for *_, d in self.graph.in_edges(sid, data=True) if d["type"] in rel_types)

    def is_named_hub(self, sid: str) -> bool:
        return bool(self.graph.nodes[sid].get("hub"))

    def active_entries(self, as_of: str, codes: set[str] | tuple[str, ...]) -> list[dict[str, Any]]:
        """Entries of the given list types in force on ``as_of`` (status active, dates around it)."""
        return [e for e in self.entries.values()
                if e["list_type"] in codes and e["status"] == "active" and e["start_date"] <= as_of
                and (e["end_date"] is None or e["end_date"] >= as_of)]


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(fh)]


def subject_sid(kind: str, ident: str, source: str) -> str:
    """The sid the loader gives a subject named by ``kind``/``ident`` in a snapshot file."""
    if kind in ("enterprise", "organisation"):
        return normalize_uscc(ident)
    if kind == "person":
        return person_pid(normalize_resident_id(ident))
    if kind == "name":
        return f"name:{source}:{normalize_name(ident)}"
    raise ValueError(f"not a subject kind: {kind!r}")


def _endpoint(kind: str, ident: str, source: str, scope: str | None = None) -> str:
    if kind == "department":
        return f"dept:{normalize_uscc(ident)}"
    if kind == "department_name":
        return f"dept:name:{normalize_name(ident)}"
    if kind == "person_name":
        return f"name:{source}:{normalize_name(ident)}@{scope or '?'}"
    return subject_sid(kind, ident, source)


def _labels(kind: str, sid: str) -> tuple[str, ...]:
    if kind == "person":
        return ("Subject", "Person")
    if kind in ("enterprise", "organisation"):
        return ("Subject", uscc_subject_label(sid) or "Enterprise")
    if kind.startswith("department"):
        return ("Department",)
    return ("Subject",)


def _float(text: str | None) -> float | None:
    return float(text) if text is not None else None


def load_snapshot(folder: str | Path) -> SnapshotGraph:
    """Read one snapshot folder (``manifest.json`` and the CSV files)."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    source, as_of = manifest["source"], manifest["as_of"]
    model = load_model()
    hubs = model.hubs
    g = nx.MultiDiGraph()

    def ensure(node: str, kind: str, name: str | None = None) -> None:
        if node not in g:
            g.add_node(node, sid=node, labels=_labels(kind, node), name=name, stub=True)
            if kind == "name" and name is not None:
                g.nodes[node].update(hub=hubs.is_hub_name(normalize_name(name)), unresolved=True,
                                     stub=False)

    for table, label in (("enterprises", "Enterprise"), ("organisations", "Organisation")):
        for row in _rows(folder, table):
            sid = normalize_uscc(row["uscc"])
            g.add_node(sid, sid=sid, labels=("Subject", label), name=row["name"], stub=False,
                       hub=hubs.is_hub_name(normalize_name(row["name"])), kind=row.get("kind"),
                       status=row.get("status"), established=row.get("established"))
    for row in _rows(folder, "persons"):
        sid = subject_sid("person", row["id_number"], source)
        g.add_node(sid, sid=sid, labels=("Subject", "Person"), name=row["name"], stub=False, hub=False)
    departments = {}
    for row in _rows(folder, "departments"):
        departments[normalize_uscc(row["code"])] = {"code": normalize_uscc(row["code"]), "name": row["name"],
                                                    "kind": row["kind"]}

    rel_props = {"SHAREHOLDER_OF": ("ratio", "amount", "since"), "EXECUTIVE_OF": ("role", "since"),
                 "GUARANTEES": ("amount", "since", "until")}
    for table, rel_type in REL_FILES.items():
        key_names = model.relationship(rel_type).key
        for row in _rows(folder, table):
            end = _endpoint(row["to_kind"], row["to_id"], source)
            start = _endpoint(row["from_kind"], row["from_id"], source, scope=end)
            ensure(start, row["from_kind"], row["from_id"] if row["from_kind"] == "name" else None)
            ensure(end, row["to_kind"], row["to_id"] if row["to_kind"] == "name" else None)
            props: dict[str, Any] = {"type": rel_type, "since": row.get("since")}
            for name in rel_props.get(rel_type, ()):
                props[name] = _float(row.get(name)) if name in ("ratio", "amount") else row.get(name)
            key = "|".join([rel_type] + [str(row.get(k)) for k in key_names])
            g.add_edge(start, end, key=key, **props)

    entries = {}
    for row in _rows(folder, "list_entries"):
        list_type = model.list_type(row["list_type"])
        subject = subject_sid(row["subject_kind"], row["subject_id"], source)
        ensure(subject, row["subject_kind"], row["subject_id"] if row["subject_kind"] == "name" else None)
        end = row.get("end_date")
        if end is None and list_type.validity is not None:
            end = list_type.validity.end_date(dt.date.fromisoformat(row["start_date"])).isoformat()
        code = normalize_uscc(row["department_code"])
        entries[row["id"]] = {
            "id": row["id"], "list_type": row["list_type"], "subject": subject,
            "department": code, "department_name": departments.get(code, {}).get("name"),
            "severity": int(row["severity"]) if row.get("severity") else list_type.severity,
            "decision_no": row.get("decision_no"), "start_date": row["start_date"], "end_date": end,
            "status": row.get("status") or "active", "disputed": (row.get("disputed") or "false") == "true",
        }
    return SnapshotGraph(folder=folder, source=source, as_of=as_of, graph=g, entries=entries,
                         departments=departments)


def load_latest(dataset: str | Path) -> SnapshotGraph:
    """The latest snapshot of a dataset folder (its current facts)."""
    folders = sorted(p for p in Path(dataset).iterdir() if (p / "manifest.json").is_file())
    return load_snapshot(folders[-1])
