"""Find a subject by code or name, the way an investigator types it.

- A USCC (18 characters, in full-width or lower case, with spaces or hyphens) is normalised with
  :func:`~creditgraph.model.identifiers.normalize_uscc` and looked up exactly; so is a sid, and a
  resident ID number (turned into the person's pid, never stored or sent as typed).
- A name is normalised with :func:`~creditgraph.model.names.normalize_name` (full width folded,
  traditional characters simplified, brackets and company suffixes unified), the form the
  loader stores in ``name_norm``, so 四川長虹電器有限責任公司 finds 四川长虹电器有限公司. Exact and
  prefix matches come from the name_norm indexes; only when those find too few does a
  ``CONTAINS`` scan of enterprise and organisation names run. Full-text indexes are not used:
  their procedures differ between the engines, and the default tokeniser does not split Chinese.
- A person's hit carries the masked resident ID and the region, to tell namesakes apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from creditgraph.app.nodes import subject_flags
from creditgraph.app.queries import as_of_text, read
from creditgraph.app.subgraph import primary_label
from creditgraph.model.identifiers import (
    is_valid_resident_id,
    is_valid_uscc,
    normalize_resident_id,
    normalize_uscc,
    person_pid,
)
from creditgraph.model.names import normalize_name
from creditgraph.model.regions import region_name

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend

__all__ = ["SearchHit", "search"]

_MAX_LIMIT = 1000
# Scores by how the hit matched.
_EXACT_CODE, _EXACT_NAME, _PREFIX, _CONTAINS = 1.0, 0.9, 0.7, 0.5
_RANK_SCORE = {3: _EXACT_NAME, 2: _PREFIX, 1: _CONTAINS}


@dataclass(frozen=True)
class SearchHit:
    """One subject found, with what tells it apart from a namesake.

    ``active_entries`` are its list entries active on the search's as-of date, each a dict with
    id, list_type, kind (blacklist/redlist), decision_no, start_date, end_date, disputed,
    department_name. ``score`` orders hits: 1.0 exact code, 0.9 exact name, 0.7 name prefix,
    0.5 name contains.
    """

    sid: str
    label: str
    name: str
    kind: str | None
    region_code: str | None
    region_name: str | None
    status: str | None
    id_masked: str | None
    uscc: str | None
    active_entries: tuple[dict, ...]
    score: float

    @property
    def listed(self) -> str:
        """``blacklisted``, ``redlisted``, ``both`` or ``none``, from the active entries."""
        kinds = {e.get("kind") for e in self.active_entries}
        if {"blacklist", "redlist"} <= kinds:
            return "both"
        return "blacklisted" if "blacklist" in kinds else "redlisted" if "redlist" in kinds else "none"


def _code_sids(text: str) -> list[str]:
    """The sids an exactly typed code could be: a USCC, a resident ID's pid, a sid as given."""
    sids = [text, normalize_uscc(text)]
    if len(sids[1]) == 18 and not is_valid_uscc(sids[1]):
        number = normalize_resident_id(text)
        if is_valid_resident_id(number):
            sids.append(person_pid(number))
    return list(dict.fromkeys(sids))


def _prefix_end(backend: GraphBackend, key: str) -> str:
    """The end of the range of strings that start with ``key``, in the engine's string order.

    FalkorDB compares UTF-8 bytes, so U+10FFFF (F4 8F BF BF) sorts last; Neo4j compares UTF-16
    code units, where U+FFFF sorts last and U+10FFFF would sort before U+E000.
    """
    return key + ("\uffff" if backend.kind == "neo4j" else "\U0010ffff")


def search(backend: GraphBackend, text: str, *, as_of: str | dt.date | None = None,
           limit: int = 50) -> list[SearchHit]:
    """Subjects matching ``text``: exact codes first, then names (exact, prefix, contains).

    Empty or blank text gives []. At most ``limit`` hits, best first; among equal scores, by
    name. Active entries are judged on ``as_of`` (default: the latest snapshot loaded).
    """
    text = (text or "").strip()
    if not text:
        return []
    limit = max(1, min(int(limit), _MAX_LIMIT))
    found: dict[str, tuple[float, dict[str, Any]]] = {}

    def keep(node: dict[str, Any], score: float) -> None:
        sid = node.get("sid")
        if sid and (sid not in found or found[sid][0] < score):
            found[sid] = (score, node)

    key = normalize_name(text)
    sids = _code_sids(text)
    if key:
        sids += [f"name:{row['source']}:{key}" for row in read(backend, "load_sources")]
    for row in read(backend, "subjects_by_sid", {"sids": sids}):
        unresolved = str(row["sid"]).startswith("name:")
        keep(row["node"], _EXACT_NAME if unresolved else _EXACT_CODE)
    # A code found exactly is what was meant: no name can match 18 letters and digits anyway.
    if key and not any(score == _EXACT_CODE for score, _ in found.values()):
        for row in read(backend, "search_name_prefix", {"key": key, "key_end": _prefix_end(backend, key),
                                                         "limit": limit}):
            keep(row["node"], _RANK_SCORE[row["rank"]])
        # The scan costs a second on a million enterprises: only when the name was not found
        # as typed and the indexes gave too few.
        exact = any(score == _EXACT_NAME for score, _ in found.values())
        if len(found) < limit and not exact:
            for row in read(backend, "search_name_contains", {"key": key, "limit": limit}):
                keep(row["node"], _RANK_SCORE[row["rank"]])
    best = sorted(found.values(), key=lambda sn: (-sn[0], str(sn[1].get("name") or ""), sn[1]["sid"]))[:limit]
    if not best:
        return []
    as_of = as_of_text(as_of, backend)
    flags = subject_flags(backend, [n["sid"] for _, n in best], as_of)
    return [_hit(node, score, flags.entries.get(node["sid"], [])) for score, node in best]


def _hit(node: dict[str, Any], score: float, entries: list[dict[str, Any]]) -> SearchHit:
    from creditgraph.app.nodes import list_kind

    label = primary_label(node.get("_labels") or ())
    code = node.get("region_code")
    active = tuple(
        {"id": e.get("id"), "list_type": e.get("list_type"), "kind": list_kind(e.get("list_type")),
         "decision_no": e.get("decision_no"), "start_date": e.get("start_date"),
         "end_date": e.get("end_date"), "disputed": bool(e.get("disputed")),
         "department_name": e.get("department_name")}
        for e in sorted(entries, key=lambda e: (e.get("start_date") or "", e.get("id") or "")))
    return SearchHit(sid=node["sid"], label=label, name=str(node.get("name") or ""),
                     kind=node.get("kind"), region_code=code,
                     region_name=region_name(code) if code else None, status=node.get("status"),
                     id_masked=node.get("id_masked"), uscc=node.get("uscc"), active_entries=active,
                     score=score)
