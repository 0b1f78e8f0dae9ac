"""The facts a dataset of snapshot CSV files holds, with their history, read without the loader.

An oracle for pack queries must not share code with what it checks, so this reads the CSV
files of ``docs/snapshot-format.md`` itself and keeps, for every fact (a subject, a list entry,
a relationship), the properties of the latest snapshot that held it and its provenance as the
model defines it:

- ``first_seen``: as_of of the first snapshot that held the fact;
- ``valid_to``: as_of of the first full snapshot that no longer held it (None while current);
- a list entry that disappears from its list is closed as ``expired`` when its end date has
  passed, else ``repaired`` on that date (the list no longer publishes it).

Only the identity rules come from creditgraph, as the graph uses them: ``person_pid`` for a
person's sid, ``normalize_name`` for a subject known only by name, ``normalize_text`` for an
address key, the list types' default validity for an open end date, and the hub names.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creditgraph.model import load_model
from creditgraph.model.identifiers import person_pid
from creditgraph.model.names import normalize_name, normalize_text

#: relationship files and the relationship type each holds
REL_FILES = {
    "legal_reps": "LEGAL_REP_OF", "shareholders": "SHAREHOLDER_OF", "executives": "EXECUTIVE_OF",
    "branches": "BRANCH_OF", "guarantees": "GUARANTEES", "sponsors": "SPONSORS",
    "supervisors": "SUPERVISES", "licences": "HOLDS_LICENCE", "subsidies": "RECEIVED_SUBSIDY",
    "contracts": "WON_CONTRACT",
}
#: columns that hold numbers, everywhere else text (dates stay ISO text)
FLOATS = {"ratio", "amount", "registered_capital"}
KIND_LABEL = {"enterprise": "Enterprise", "organisation": "Organisation", "person": "Person"}


@dataclass
class Fact:
    """A node or relationship with its latest properties and its provenance."""

    props: dict[str, Any]
    first_seen: str
    last_seen: str
    valid_to: str | None = None

    @property
    def current(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True)
class Rel:
    """A relationship's identity: type, endpoints (sid / key / code) and key properties."""

    type: str
    start: str
    end: str
    key: tuple = ()


@dataclass
class History:
    """Every fact of a dataset, after its snapshots were read in as-of order."""

    source: str
    snapshots: list[str]
    subjects: dict[str, Fact] = field(default_factory=dict)      # sid -> name, labels, ...
    departments: dict[str, Fact] = field(default_factory=dict)   # code -> name, kind
    entries: dict[str, Fact] = field(default_factory=dict)       # entry id -> properties
    addresses: dict[str, str] = field(default_factory=dict)      # key -> text as first seen
    rels: dict[Rel, Fact] = field(default_factory=dict)
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sid -> labels

    # -- reading -------------------------------------------------------------------------------

    def rels_of(self, rel_type: str, *, current: bool = True) -> list[tuple[Rel, Fact]]:
        return [(r, f) for r, f in self.rels.items()
                if r.type == rel_type and (f.current or not current)]

    def subject_name(self, sid: str) -> str | None:
        fact = self.subjects.get(sid)
        return fact.props.get("name") if fact else None

    def department_name(self, code: str) -> str | None:
        fact = self.departments.get(code)
        return fact.props.get("name") if fact else None


def _text(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _value(column: str, raw: str | None) -> Any:
    text = _text(raw)
    if text is None:
        return None
    if column in FLOATS:
        return float(text)
    if column == "disputed":
        return text.lower() == "true"
    if column == "severity":
        return int(text)
    return text


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def subject_sid(kind: str, ident: str, source: str) -> str:
    """The sid the graph gives the subject a CSV names by kind and identifier."""
    ident = ident.strip()
    if kind in ("enterprise", "organisation"):
        return ident.upper()
    if kind == "person":
        return person_pid(ident)
    if kind == "name":
        return f"name:{source}:{normalize_name(ident)}"
    raise ValueError(f"no subject kind {kind!r} in generated data")


def _endpoint(kind: str, ident: str, source: str) -> str:
    """A relationship end: a department by its code, any other kind as a subject's sid."""
    return ident.strip() if kind == "department" else subject_sid(kind, ident, source)


def _phone(text: str | None) -> str | None:
    digits = re.sub(r"\D", "", text or "")
    return digits or None


def _snapshot_facts(folder: Path, source: str, history: History) -> tuple[dict, dict, dict, dict, dict]:
    """Nodes and relationships one snapshot holds: (subjects, departments, entries, rels, labels)."""
    model = load_model()
    hubs = model.hubs
    subjects: dict[str, dict] = {}
    labels: dict[str, tuple[str, ...]] = {}
    departments: dict[str, dict] = {}
    entries: dict[str, dict] = {}
    rels: dict[Rel, dict] = {}

    for table, label in (("enterprises", "Enterprise"), ("organisations", "Organisation")):
        for row in _rows(folder, table):
            sid = row["uscc"].strip().upper()
            name = _text(row["name"])
            props = {c: _value(c, row.get(c)) for c in row}
            props["phone"] = _phone(row.get("phone"))
            props["name"] = name
            props["status"] = props.get("status") or "active"
            props["hub"] = hubs.is_hub_name(normalize_name(name)) or None
            subjects[sid] = props
            labels[sid] = ("Subject", label)
            if props.get("address"):
                key = normalize_text(props["address"])
                history.addresses.setdefault(key, props["address"])
                rels[Rel("HAS_ADDRESS", sid, key)] = {}
            if props["phone"]:
                rels[Rel("HAS_PHONE", sid, props["phone"])] = {}
    for row in _rows(folder, "persons"):
        sid = person_pid(row["id_number"].strip())
        subjects[sid] = {"name": _text(row["name"])}
        labels[sid] = ("Subject", "Person")
    for row in _rows(folder, "departments"):
        departments[row["code"].strip()] = {c: _value(c, row.get(c)) for c in row}
    for row in _rows(folder, "list_entries"):
        props = {c: _value(c, row.get(c)) for c in row}
        if props.get("end_date") is None:
            validity = model.list_type(props["list_type"]).validity
            if validity is not None:
                props["end_date"] = validity.end_date(dt.date.fromisoformat(props["start_date"])).isoformat()
        props["status"] = props.get("status") or "active"
        props["disputed"] = bool(props.get("disputed"))
        sid = subject_sid(props["subject_kind"], props["subject_id"], source)
        entries[props["id"]] = props
        rels[Rel("LISTED", sid, props["id"])] = {}
        rels[Rel("ISSUED_BY", props["id"], props["department_code"].strip())] = {}
    for table, rel_type in REL_FILES.items():
        key_names = tuple(load_model().relationship(rel_type).key)
        for row in _rows(folder, table):
            start = _endpoint(row["from_kind"], row["from_id"], source)
            end = _endpoint(row["to_kind"], row["to_id"], source)
            props = {c: _value(c, row.get(c)) for c in list(row)[4:]}
            key = tuple(props[k] for k in key_names)
            rels[Rel(rel_type, start, end, key)] = props
            for kind, sid, ident in ((row["from_kind"], start, row["from_id"]),
                                     (row["to_kind"], end, row["to_id"])):
                if kind == "name" and sid not in subjects:
                    # A subject known only by name: no row of its own, a hub if named as one.
                    norm = normalize_name(ident)
                    subjects[sid] = {"name": _text(ident), "hub": hubs.is_hub_name(norm) or None}
                    labels.setdefault(sid, ("Subject",))
    return subjects, departments, entries, rels, labels


def _merge(store: dict, seen: dict, as_of: str, full: bool, *, on_close=None) -> None:
    """Apply one snapshot's facts ``seen`` (identity -> props) to ``store`` (identity -> Fact)."""
    for ident, props in seen.items():
        fact = store.get(ident)
        if fact is None:
            store[ident] = Fact(dict(props), first_seen=as_of, last_seen=as_of)
        else:
            fact.props.update(props)
            fact.last_seen = as_of
            fact.valid_to = None
    if not full:
        return
    for ident, fact in store.items():
        if ident not in seen and fact.valid_to is None:
            fact.valid_to = as_of
            if on_close:
                on_close(fact, as_of)


def _close_entry(fact: Fact, as_of: str) -> None:
    end = fact.props.get("end_date")
    if end and end <= as_of:
        fact.props["status"] = "expired"
    else:
        fact.props["status"] = "repaired"
        fact.props["repaired_date"] = as_of


def load_history(dataset: str | Path) -> History:
    """Read every snapshot folder of ``dataset`` (or one snapshot folder) in as-of order."""
    dataset = Path(dataset)
    folders = [dataset] if (dataset / "manifest.json").is_file() else sorted(
        p for p in dataset.iterdir() if (p / "manifest.json").is_file())
    manifests = [json.loads((f / "manifest.json").read_text(encoding="utf-8")) for f in folders]
    order = sorted(range(len(folders)), key=lambda i: manifests[i]["as_of"])
    source = manifests[0]["source"]
    history = History(source=source, snapshots=[manifests[i]["as_of"] for i in order])
    for i in order:
        as_of, full = manifests[i]["as_of"], bool(manifests[i].get("full_snapshot", True))
        subjects, departments, entries, rels, labels = _snapshot_facts(folders[i], source, history)
        # Subjects and departments named only by a relationship stay (as stubs) once seen.
        _merge(history.subjects, subjects, as_of, full)
        _merge(history.departments, departments, as_of, full)
        _merge(history.entries, entries, as_of, full, on_close=_close_entry)
        _merge(history.rels, rels, as_of, full)
        history.labels.update(labels)
    return history
