"""The canonical snapshot layout: which CSV files a snapshot holds and their columns, in order.

This is the contract between anything that writes snapshots (the generator, source converters)
and the loaders; ``docs/snapshot-format.md`` describes it for people and a test keeps the two in
step. Relationship files all start with ``from_kind, from_id, to_kind, to_id`` so one reader
handles them all.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_NAME = "creditgraph-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
GROUND_TRUTH = "ground_truth.json"

#: values of the *_kind columns and what each id column then holds
SUBJECT_KINDS = {
    "enterprise": "uscc of a row of enterprises.csv",
    "organisation": "uscc of a row of organisations.csv",
    "person": "resident ID number of a row of persons.csv",
    "name": "the name as published: a subject known only by name (unresolved)",
}
ENDPOINT_KINDS = dict(SUBJECT_KINDS, department="code of a row of departments.csv")

REL_HEAD = ("from_kind", "from_id", "to_kind", "to_id")


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of a snapshot."""

    name: str
    kind: str  # "entity" or "relationship"
    target: str  # model label(s) or relationship type(s) the loader makes from it
    columns: tuple[str, ...]
    from_kinds: tuple[str, ...] = ()
    to_kinds: tuple[str, ...] = ()


FILES: tuple[FileSpec, ...] = (
    FileSpec("regions.csv", "entity", "Region, PART_OF",
             ("code", "name", "level", "parent")),
    FileSpec("departments.csv", "entity", "Department, LOCATED_IN",
             ("code", "name", "kind", "level", "region_code")),
    FileSpec("enterprises.csv", "entity", "Enterprise:Subject, LOCATED_IN, Address, HAS_ADDRESS, Phone, HAS_PHONE",
             ("uscc", "name", "kind", "status", "registered_capital", "established", "region_code",
              "industry", "address", "phone")),
    FileSpec("organisations.csv", "entity", "Organisation:Subject, LOCATED_IN, Address, HAS_ADDRESS, Phone, HAS_PHONE",
             ("uscc", "name", "kind", "status", "established", "region_code", "address", "phone")),
    FileSpec("persons.csv", "entity", "Person:Subject, LOCATED_IN",
             ("id_number", "name")),
    FileSpec("list_entries.csv", "entity", "ListEntry, LISTED, ISSUED_BY",
             ("id", "list_type", "subject_kind", "subject_id", "subject_name", "department_code",
              "severity", "reason", "decision_no", "start_date", "end_date", "status", "disputed",
              "repaired_date", "amount")),
    FileSpec("legal_reps.csv", "relationship", "LEGAL_REP_OF",
             REL_HEAD + ("since",), ("person",), ("enterprise", "organisation")),
    FileSpec("shareholders.csv", "relationship", "SHAREHOLDER_OF",
             REL_HEAD + ("ratio", "amount", "since"),
             ("enterprise", "organisation", "person", "name"), ("enterprise",)),
    FileSpec("executives.csv", "relationship", "EXECUTIVE_OF",
             REL_HEAD + ("role", "since"), ("person",), ("enterprise", "organisation")),
    FileSpec("branches.csv", "relationship", "BRANCH_OF",
             REL_HEAD + ("since",), ("enterprise",), ("enterprise",)),
    FileSpec("guarantees.csv", "relationship", "GUARANTEES",
             REL_HEAD + ("amount", "since", "until"), ("enterprise", "organisation"),
             ("enterprise", "organisation", "person")),
    FileSpec("sponsors.csv", "relationship", "SPONSORS",
             REL_HEAD + ("since",), ("department", "organisation", "enterprise", "person"),
             ("organisation",)),
    FileSpec("supervisors.csv", "relationship", "SUPERVISES",
             REL_HEAD + ("since",), ("department", "organisation"), ("organisation",)),
    FileSpec("licences.csv", "relationship", "HOLDS_LICENCE",
             REL_HEAD + ("id", "kind", "date", "valid_until"),
             ("enterprise", "organisation", "person"), ("department",)),
    FileSpec("subsidies.csv", "relationship", "RECEIVED_SUBSIDY",
             REL_HEAD + ("id", "program", "date", "amount"),
             ("enterprise", "organisation", "person"), ("department",)),
    FileSpec("contracts.csv", "relationship", "WON_CONTRACT",
             REL_HEAD + ("id", "title", "date", "amount"),
             ("enterprise", "organisation", "person"), ("department",)),
)
BY_NAME = {f.name: f for f in FILES}
