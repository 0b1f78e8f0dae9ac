"""Validate and normalise canonical rows, and turn them into graph facts.

A canonical row (all text, columns of ``docs/snapshot-format.md``) becomes either a normalised
row with a diff key, or a list of reason codes for quarantine. A normalised row then yields the
*facts* it asserts: nodes and relationships with their business keys and properties. Labels,
keys and allowed values come from the model (``model.yaml``), never from this file.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache
from typing import NamedTuple

from creditgraph.model import load_model
from creditgraph.model.identifiers import (
    mask_resident_id,
    normalize_resident_id,
    normalize_uscc,
    person_pid,
    resident_id_problem,
    uscc_problem,
    uscc_subject_label,
)
from creditgraph.model.names import normalize_name, normalize_text

#: columns a mapping must fill for each table (the keys and the endpoints)
REQUIRED: dict[str, tuple[str, ...]] = {
    "regions": ("code", "name"),
    "departments": ("code", "name"),
    "enterprises": ("uscc", "name"),
    "organisations": ("uscc", "name"),
    "persons": ("id_number", "name"),
    "list_entries": ("id", "list_type", "subject_kind", "subject_id", "department_code", "start_date"),
}
for _t in ("legal_reps", "shareholders", "executives", "branches", "guarantees", "sponsors",
           "supervisors", "licences", "subsidies", "contracts"):
    REQUIRED[_t] = ("from_kind", "from_id", "to_kind", "to_id")
REQUIRED["shareholders"] += ("ratio",)
REQUIRED["executives"] += ("role",)
for _t in ("licences", "subsidies", "contracts"):
    REQUIRED[_t] += ("id", "date")

#: relationship tables: table -> (relationship type, allowed from kinds, allowed to kinds)
REL_TABLES: dict[str, str] = {
    "legal_reps": "LEGAL_REP_OF", "shareholders": "SHAREHOLDER_OF", "executives": "EXECUTIVE_OF",
    "branches": "BRANCH_OF", "guarantees": "GUARANTEES", "sponsors": "SPONSORS",
    "supervisors": "SUPERVISES", "licences": "HOLDS_LICENCE", "subsidies": "RECEIVED_SUBSIDY",
    "contracts": "WON_CONTRACT",
}

#: the order tables are written in: nodes that others point at come first
TABLE_ORDER = ("regions", "departments", "enterprises", "organisations", "persons", "list_entries",
               *REL_TABLES)

#: the table whose rows assert each node label set (see facts_of): a node of these labels met
#: earlier, as an endpoint, is a stub that its own row may still complete
NODE_TABLES: dict[tuple[str, ...], str] = {
    ("Region",): "regions", ("Department",): "departments", ("Subject", "Enterprise"): "enterprises",
    ("Subject", "Organisation"): "organisations", ("Subject", "Person"): "persons",
    ("ListEntry",): "list_entries",
}

#: the last table whose facts name a node of these labels (see facts_of): shared nodes of
#: subjects, and list entries; a first load stops tracking them after it (memory)
LAST_TABLE: dict[tuple[str, ...], str] = {
    ("Address",): "organisations", ("Phone",): "organisations", ("ListEntry",): "list_entries",
}

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})")
_NOT_DIGIT = re.compile(r"\D")
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f", ""}


class NodeRef(NamedTuple):
    """A node by its business key, with the labels and properties to give it if it is new.

    A named tuple, not a frozen dataclass: millions are made per load, and a tuple is made
    several times faster.
    """

    labels: tuple[str, ...]
    key: str
    value: str
    on_create: tuple[tuple[str, object], ...] = ()


class NodeFact(NamedTuple):
    """A node the row asserts, with its properties (provenance added by the writer)."""

    ref: NodeRef
    props: tuple[tuple[str, object], ...]


class RelFact(NamedTuple):
    """A relationship the row asserts between two nodes."""

    type: str
    start: NodeRef
    end: NodeRef
    key: tuple[tuple[str, object], ...]
    props: tuple[tuple[str, object], ...]


Fact = NodeFact | RelFact


class RowError(Exception):
    """Reasons a row cannot be loaded (collected, then quarantined)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons


# -- value parsing ---------------------------------------------------------------------------------

def parse_date(text: str) -> str | None:
    """ISO date from the forms Chinese exports use (2024-01-02, 20240102, 2024/1/2, 2024年1月2日,
    with or without a time after it); None for empty; ValueError if it is no date."""
    text = text.strip()
    if not text:
        return None
    m = _DATE.match(text)
    if not m:
        raise ValueError(text)
    return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()


#: dates repeat across rows (a few thousand distinct values per table); a ValueError is not cached
_parse_date_cached = lru_cache(maxsize=1 << 16)(parse_date)


def parse_bool(text: str) -> bool:
    """true/false from the usual spellings (是/否, 1/0, yes/no); ValueError otherwise."""
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(text)


class _Row:
    """Collects typed values and reasons for one row."""

    def __init__(self, row: dict[str, str]) -> None:
        self.row = row
        self.reasons: list[str] = []

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.row.get(name)
        # Whitespace collapsed as str.split() sees it; most cells have none to collapse, and
        # every whitespace character but the ASCII space is one isprintable() rejects.
        if value and not (value.isprintable() and value[0] != " " and value[-1] != " "
                          and "  " not in value):
            value = " ".join(value.split())
        if not value:
            if required:
                self.reasons.append(f"missing:{name}")
            return None
        return value

    def date(self, name: str, required: bool = False) -> str | None:
        raw = self.text(name, required)
        if raw is None:
            return None
        try:
            return _parse_date_cached(raw)
        except ValueError:
            self.reasons.append(f"bad_date:{name}")
            return None

    def number(self, name: str, required: bool = False, low: float | None = None,
               high: float | None = None) -> float | None:
        raw = self.text(name, required)
        if raw is None:
            return None
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            self.reasons.append(f"bad_number:{name}")
            return None
        if value != value or (low is not None and value < low) or (high is not None and value > high):
            self.reasons.append(f"out_of_range:{name}")
            return None
        return value

    def enum(self, name: str, values: tuple[str, ...], required: bool = False,
             default: str | None = None) -> str | None:
        raw = self.text(name, required=required and default is None)
        if raw is None:
            return default
        if raw not in values:
            self.reasons.append(f"bad_value:{name}")
            return None
        return raw

    def flag(self, name: str) -> bool:
        raw = self.text(name) or ""
        try:
            return parse_bool(raw)
        except ValueError:
            self.reasons.append(f"bad_bool:{name}")
            return False

    def check(self) -> None:
        if self.reasons:
            raise RowError(self.reasons)


@lru_cache(maxsize=1)
def _enums() -> dict[tuple[str, str], tuple[str, ...]]:
    model = load_model()
    out = {}
    for label in model.labels():
        for prop in model.properties_of(label):
            if prop.type == "enum":
                out[(label, prop.name)] = prop.values
    for rel in model.relationship_types():
        for prop in model.relationship(rel).properties:
            if prop.type == "enum":
                out[(rel, prop.name)] = prop.values
    return out


def _values(owner: str, prop: str) -> tuple[str, ...]:
    return _enums()[(owner, prop)]


# -- endpoints -------------------------------------------------------------------------------------

def uscc_ref(raw: str, field: str, reasons: list[str], *, name: str | None = None) -> NodeRef | None:
    """A subject by USCC; its label comes from the code's category, so that every source that
    names the same code makes the same node."""
    ref, reason = _uscc_ref(raw, field, name)
    if reason:
        reasons.append(reason)
    return ref


@lru_cache(maxsize=1 << 16)
def _uscc_ref(raw: str, field: str, name: str | None) -> tuple[NodeRef | None, str | None]:
    code = normalize_uscc(raw)
    if uscc_problem(code):
        return None, f"bad_uscc:{field}"
    label = uscc_subject_label(code) or "Enterprise"
    on_create: tuple[tuple[str, object], ...] = (("uscc", code), ("stub", True))
    if name:
        on_create += (("name", name), ("name_norm", normalize_name(name)))
    return NodeRef(("Subject", label), "sid", code, on_create), None


def person_ref(raw: str, field: str, reasons: list[str], *, name: str | None = None) -> NodeRef | None:
    """A person by resident ID number: only the keyed hash and the masked form are kept."""
    ref, reason = _person_ref(raw, field, name)
    if reason:
        reasons.append(reason)
    return ref


@lru_cache(maxsize=1 << 16)
def _person_ref(raw: str, field: str, name: str | None) -> tuple[NodeRef | None, str | None]:
    number = normalize_resident_id(raw)
    if resident_id_problem(number):
        return None, f"bad_resident_id:{field}"
    pid = person_pid(number)
    on_create: tuple[tuple[str, object], ...] = (
        ("pid", pid), ("id_masked", mask_resident_id(number)), ("region_code", number[:6]),
        ("stub", True))
    if name:
        on_create += (("name", name), ("name_norm", normalize_name(name)))
    return NodeRef(("Subject", "Person"), "sid", pid, on_create), None


def name_ref(name: str, source: str, scope: str | None = None) -> NodeRef:
    """A subject known only by name: keyed by source and normalised name, flagged unresolved.

    A person's name alone does not identify them (many share one), so ``scope`` ties such a
    subject to the subject it is related to instead of merging namesakes across the graph.
    """
    norm = normalize_name(name)
    sid = f"name:{source}:{norm}" + (f"@{scope}" if scope else "")
    on_create: tuple[tuple[str, object], ...] = (("name", name), ("name_norm", norm),
                                                 ("unresolved", True))
    if _is_hub(norm):
        # Nominee holders are mostly known by name only; they are hubs all the same.
        on_create += (("hub", True),)
    return NodeRef(("Subject",), "sid", sid, on_create)


def department_ref(code: str, name: str | None = None) -> NodeRef:
    """A department by code; a department known by name only gets code ``name:<name>``."""
    on_create: tuple[tuple[str, object], ...] = (("stub", True),)
    if name:
        on_create += (("name", name),)
    return NodeRef(("Department",), "code", code, on_create)


def endpoint(kind: str | None, ident: str | None, field: str, allowed: tuple[str, ...],
             reasons: list[str], source: str, *, scope: str | None = None) -> NodeRef | None:
    """Resolve a ``*_kind``/``*_id`` pair of a relationship row."""
    if not kind or not ident:
        reasons.append(f"missing:{field}_{'kind' if not kind else 'id'}")
        return None
    if kind not in allowed:
        reasons.append(f"bad_value:{field}_kind")
        return None
    if kind in ("enterprise", "organisation"):
        return uscc_ref(ident, f"{field}_id", reasons)
    if kind == "person":
        return person_ref(ident, f"{field}_id", reasons)
    if kind == "department":
        code = normalize_uscc(ident)
        return department_ref(code if uscc_problem(code) is None else ident)
    if kind == "department_name":
        # A department known by name only (a court in a published list): one node per name.
        return department_ref(f"name:{normalize_name(ident)}", ident)
    if kind == "person_name":
        return name_ref(ident, source, scope=scope or "?")
    return name_ref(ident, source)


# -- tables ----------------------------------------------------------------------------------------

class Normalised(NamedTuple):
    """A valid row: its diff key, its canonical values (for the snapshot store) and its facts."""

    key: str
    values: dict[str, object]
    #: a relationship row's endpoints, resolved while validating (facts_of reuses them)
    ends: tuple[NodeRef, NodeRef] | None = None


def _region_ref(code: str | None) -> NodeRef | None:
    if not code:
        return None
    return NodeRef(("Region",), "code", code, (("stub", True),))


def _phone(text: str | None) -> str | None:
    if not text:
        return None
    digits = _NOT_DIGIT.sub("", text)
    return digits or None


def normalise(table: str, row: dict[str, str], source: str) -> Normalised:
    """Validate and normalise one canonical row of ``table``; raise RowError with reasons."""
    return _NORMALISERS[table](_Row(row), source)


def _subject_row(r: _Row, label: str) -> dict[str, object]:
    raw_code = r.text("uscc", required=True)
    code = normalize_uscc(raw_code) if raw_code else None
    if code and uscc_problem(code):
        r.reasons.append("bad_uscc:uscc")
    elif code and (uscc_subject_label(code) or label) != label:
        r.reasons.append(f"uscc_category:not an {label.lower()} code")
    values: dict[str, object] = {
        "uscc": code,
        "name": r.text("name", required=True),
        "kind": r.enum("kind", _values(label, "kind"), required=label == "Enterprise",
                       default=None),
        "status": r.enum("status", _values(label, "status"), default="active"),
        "established": r.date("established"),
        "region_code": r.text("region_code") or (code[2:8] if code and not r.reasons else None),
        "address": r.text("address"),
        "phone": _phone(r.text("phone")),
    }
    if label == "Enterprise":
        values["registered_capital"] = r.number("registered_capital", low=0)
        values["industry"] = r.text("industry")
    r.check()
    values["name_norm"] = normalize_name(values["name"])  # type: ignore[arg-type]
    return values


def _enterprise(r: _Row, source: str) -> Normalised:
    values = _subject_row(r, "Enterprise")
    return Normalised(str(values["uscc"]), values)


def _organisation(r: _Row, source: str) -> Normalised:
    values = _subject_row(r, "Organisation")
    return Normalised(str(values["uscc"]), values)


def _person(r: _Row, source: str) -> Normalised:
    raw = r.text("id_number", required=True)
    number = normalize_resident_id(raw) if raw else None
    if number and resident_id_problem(number):
        r.reasons.append("bad_resident_id:id_number")
    name = r.text("name", required=True)
    r.check()
    assert number and name
    pid = person_pid(number)
    values = {"pid": pid, "id_masked": mask_resident_id(number), "name": name,
              "name_norm": normalize_name(name), "region_code": number[:6]}
    return Normalised(pid, values)


def _department(r: _Row, source: str) -> Normalised:
    code = r.text("code", required=True)
    if code and uscc_problem(normalize_uscc(code)) is None:
        code = normalize_uscc(code)
    values = {"code": code, "name": r.text("name", required=True),
              "kind": r.enum("kind", _values("Department", "kind"), required=True),
              "level": r.enum("level", _values("Department", "level"), required=True),
              "region_code": r.text("region_code", required=True)}
    r.check()
    return Normalised(str(code), values)


def _region(r: _Row, source: str) -> Normalised:
    code = r.text("code", required=True)
    if code and not re.fullmatch(r"\d{6}", code):
        r.reasons.append("bad_value:code")
    values = {"code": code, "name": r.text("name", required=True),
              "level": r.enum("level", _values("Region", "level"), required=True),
              "parent": r.text("parent")}
    r.check()
    return Normalised(str(code), values)


def _list_entry(r: _Row, source: str) -> Normalised:
    model = load_model()
    entry_id = r.text("id", required=True)
    list_code = r.text("list_type", required=True)
    list_type = None
    if list_code:
        try:
            list_type = model.list_type(list_code)
        except Exception:
            r.reasons.append("bad_value:list_type")
    subject_kind = r.text("subject_kind", required=True)
    subject_id = r.text("subject_id") or r.text("subject_name")
    if not subject_id:
        r.reasons.append("missing:subject_id")
    start = r.date("start_date", required=True)
    end = r.date("end_date")
    severity = r.number("severity", low=1, high=5)
    values = {
        "id": entry_id, "list_type": list_code,
        "subject_kind": subject_kind, "subject_id": subject_id, "subject_name": r.text("subject_name"),
        "department_code": r.text("department_code", required=True),
        "severity": int(severity) if severity is not None else (list_type.severity if list_type else None),
        "reason": r.text("reason"), "decision_no": r.text("decision_no"),
        "start_date": start, "end_date": end,
        "status": r.enum("status", _values("ListEntry", "status"), default="active"),
        "disputed": r.flag("disputed"),
        "repaired_date": r.date("repaired_date"),
        "amount": r.number("amount", low=0),
    }
    if subject_kind and subject_kind not in ("enterprise", "organisation", "person", "name"):
        r.reasons.append("bad_value:subject_kind")
    if start and end and end < start:
        r.reasons.append("out_of_range:end_date")
    r.check()
    if end is None and list_type is not None and list_type.validity is not None and start:
        values["end_date"] = list_type.validity.end_date(dt.date.fromisoformat(start)).isoformat()
    return Normalised(str(entry_id), values)


@cache
def _rel_readers(table: str) -> tuple[tuple[str, str, tuple], ...]:
    """How each property column of a relationship table is read: (column, _Row method, its
    arguments), worked out once per table rather than once per cell."""
    rel_type = REL_TABLES[table]
    readers: list[tuple[str, str, tuple]] = []
    for column in _TABLE_COLUMNS[table][4:]:
        if column in ("since", "until", "date", "valid_until"):
            readers.append((column, "date", (column == "date",)))
        elif column == "ratio":
            readers.append((column, "number", (True, 0, 1)))
        elif column == "amount":
            readers.append((column, "number", (False, 0, None)))
        elif column == "role":
            readers.append((column, "enum", (_values(rel_type, "role"), True)))
        elif column == "id":
            readers.append((column, "text", (True,)))
        else:
            readers.append((column, "text", (False,)))
    return tuple(readers)


def _relationship(table: str):
    rel_type = REL_TABLES[table]

    def normalise_rel(r: _Row, source: str) -> Normalised:
        text = r.text
        values: dict[str, object] = {"from_kind": text("from_kind"), "from_id": text("from_id"),
                                     "to_kind": text("to_kind"), "to_id": text("to_id")}
        for column, how, args in _rel_readers(table):
            values[column] = getattr(r, how)(column, *args)
        # Resolve endpoints now so that a bad code is quarantined, not written.
        ends = _endpoints(table, values, source, r.reasons)
        r.check()
        assert ends is not None
        start, end = ends
        key = f"{start.value}|{end.value}"
        for column in _rel_key(rel_type):
            key += f"|{values[column]}"
        return Normalised(key, values, ends)

    return normalise_rel


@cache
def _rel_key(rel_type: str) -> tuple[str, ...]:
    return tuple(load_model().relationship(rel_type).key)


@cache
def _endpoint_kinds(table: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The kinds a relationship table's ``from`` and ``to`` columns may name."""
    from creditgraph.synth import layout

    spec = layout.BY_NAME[f"{table}.csv"]
    allow_names = ("name", "person_name")
    to_kinds = spec.to_kinds + allow_names + (("department_name",) if "department" in spec.to_kinds else ())
    return spec.from_kinds + allow_names, to_kinds


def _endpoints(table: str, values: dict[str, object], source: str,
               reasons: list[str]) -> tuple[NodeRef, NodeRef] | None:
    from_kinds, to_kinds = _endpoint_kinds(table)
    to = endpoint(values["to_kind"], values["to_id"], "to",  # type: ignore[arg-type]
                  to_kinds, reasons, source)
    start = endpoint(values["from_kind"], values["from_id"], "from",  # type: ignore[arg-type]
                     from_kinds, reasons, source, scope=to.value if to else None)
    if values["to_kind"] == "person_name" and start is not None and to is not None:
        to = name_ref(str(values["to_id"]), source, scope=start.value)
    if start is None or to is None:
        return None
    return start, to


@cache
def _columns(table: str) -> tuple[str, ...]:
    from creditgraph.synth import layout

    return layout.BY_NAME[f"{table}.csv"].columns


class _Columns(dict):
    def __missing__(self, table: str) -> tuple[str, ...]:
        value = _columns(table)
        self[table] = value
        return value


_TABLE_COLUMNS = _Columns()

_NORMALISERS = {
    "regions": _region, "departments": _department, "enterprises": _enterprise,
    "organisations": _organisation, "persons": _person, "list_entries": _list_entry,
    **{t: _relationship(t) for t in REL_TABLES},
}


# -- facts -----------------------------------------------------------------------------------------

def _props(values: dict[str, object], names: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    get = values.get
    return tuple([(n, get(n)) for n in names])


def facts_of(table: str, values: dict[str, object], source: str,
             ends: tuple[NodeRef, NodeRef] | None = None) -> list[Fact]:
    """The nodes and relationships one normalised row asserts (``ends``: a relationship row's
    endpoints if already resolved, see Normalised)."""
    if table in ("enterprises", "organisations"):
        label = "Enterprise" if table == "enterprises" else "Organisation"
        names = ("uscc", "name", "name_norm", "kind", "status", "established", "region_code",
                 "address", "phone") + (("registered_capital", "industry") if table == "enterprises" else ())
        me = NodeRef(("Subject", label), "sid", str(values["uscc"]))
        props = _props(values, names) + (("stub", None), ("hub", _is_hub(str(values["name_norm"])) or None))
        out: list[Fact] = [NodeFact(me, props)]
        region = _region_ref(values.get("region_code"))  # type: ignore[arg-type]
        if region:
            out.append(RelFact("LOCATED_IN", me, region, (), ()))
        # A shared node (an address, a phone) is made by the relationship that names it, with
        # its on_create values: only what every subject there agrees on, so that the order in
        # which rows arrive does not decide its properties. (A fact of its own would make the
        # engine find it twice, 10,429 MERGE rows of a 1M incremental load each.)
        if values.get("address"):
            addr = NodeRef(("Address",), "key", normalize_text(str(values["address"])),
                           (("text", values["address"]),))
            out.append(RelFact("HAS_ADDRESS", me, addr, (), ()))
        if values.get("phone"):
            phone = NodeRef(("Phone",), "number", str(values["phone"]))
            out.append(RelFact("HAS_PHONE", me, phone, (), ()))
        return out
    if table == "persons":
        me = NodeRef(("Subject", "Person"), "sid", str(values["pid"]))
        props = _props(values, ("pid", "id_masked", "name", "name_norm", "region_code")) + (("stub", None),)
        out = [NodeFact(me, props)]
        region = _region_ref(str(values["region_code"]))
        if region:
            out.append(RelFact("LOCATED_IN", me, region, (), ()))
        return out
    if table == "departments":
        me = NodeRef(("Department",), "code", str(values["code"]))
        out = [NodeFact(me, _props(values, ("code", "name", "kind", "level", "region_code")) + (("stub", None),))]
        region = _region_ref(str(values["region_code"]))
        if region:
            out.append(RelFact("LOCATED_IN", me, region, (), ()))
        return out
    if table == "regions":
        me = NodeRef(("Region",), "code", str(values["code"]))
        out = [NodeFact(me, _props(values, ("code", "name", "level", "parent")) + (("stub", None),))]
        parent = _region_ref(values.get("parent"))  # type: ignore[arg-type]
        if parent:
            out.append(RelFact("PART_OF", me, parent, (), ()))
        return out
    if table == "list_entries":
        reasons: list[str] = []
        kind = str(values["subject_kind"])
        subject = endpoint(kind, str(values["subject_id"]), "subject",
                           ("enterprise", "organisation", "person", "name"), reasons, source)
        assert subject is not None, reasons
        entry = NodeRef(("ListEntry",), "id", str(values["id"]))
        props = _props(values, ("id", "list_type", "severity", "reason", "decision_no", "start_date",
                                "end_date", "status", "disputed", "repaired_date", "amount"))
        dept_code = str(values["department_code"])
        return [NodeFact(entry, props),
                RelFact("LISTED", subject, entry, (), ()),
                RelFact("ISSUED_BY", entry, department_ref(dept_code), (), ())]
    rel_type = REL_TABLES[table]
    if ends is None:
        reasons = []
        ends = _endpoints(table, values, source, reasons)
        assert ends is not None, reasons
    key_names = _rel_key(rel_type)
    other = _rel_other(table)
    return [RelFact(rel_type, ends[0], ends[1], _props(values, key_names), _props(values, other))]


@cache
def _rel_other(table: str) -> tuple[str, ...]:
    """A relationship table's property columns that are not part of its key."""
    key_names = _rel_key(REL_TABLES[table])
    return tuple(c for c in _TABLE_COLUMNS[table][4:] if c not in key_names)


def _is_hub(name_norm: str) -> bool:
    return load_model().hubs.is_hub_name_norm(name_norm)
