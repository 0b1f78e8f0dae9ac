"""One subject's profile: identity, registration, provenance, list entries, relations, flags.

:func:`profile` is what the subject page shows at once (three index look-ups and one level of
expansion); :func:`flags` says which risk-pack queries report the subject, which means running
the packs, so the page asks for it separately and the results are kept per graph, date and
load (see :func:`flags`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from creditgraph.app.network import expand_level, fetch_rows, hub_threshold
from creditgraph.app.nodes import entry_active, list_kind, list_name, split_node_id, subject_flags
from creditgraph.app.queries import as_of_text, read
from creditgraph.app.subgraph import primary_label
from creditgraph.exc import QueryError
from creditgraph.model.identifiers import is_valid_uscc, parse_uscc
from creditgraph.model.regions import region_name

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend

__all__ = ["RELATED_TYPES", "SubjectProfile", "clear_flag_cache", "flags", "pack_index", "profile"]

#: The relationships that link a subject to another subject, shown as its relations.
RELATED_TYPES = ("LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "BRANCH_OF", "GUARANTEES",
                 "SPONSORS", "SUPERVISES")
#: Most related subjects listed per profile (a hub's relations run to thousands).
RELATED_MAX = 1000
_PROVENANCE = ("source", "as_of", "first_seen", "last_seen", "valid_to", "load_run")


@dataclass(frozen=True)
class SubjectProfile:
    """Everything the subject page shows about one subject (see :func:`profile`).

    ``related`` maps ``"<TYPE> →"`` (this subject is the relationship's start: it is legal
    representative of, holds shares in ...) and ``"<TYPE> ←"`` (the related subject is the
    start) to the related subjects, each ``{sid, name, label, type, direction, role, ratio,
    label_text, listed, disputed, hub}``. ``related_total`` counts every current relation;
    at most :data:`RELATED_MAX` are listed (``related_capped``).
    """

    sid: str
    label: str
    name: str
    props: dict
    uscc_decoded: dict | None
    region_name: str | None
    provenance: dict
    entries: tuple[dict, ...]
    related: dict[str, tuple[dict, ...]]
    flagged_by: tuple[dict, ...] = ()
    as_of: str = ""
    listed: str = "none"
    hub: bool = False
    related_total: int = 0
    related_capped: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def active_entries(self) -> tuple[dict, ...]:
        """The entries that count on the profile's as-of date."""
        return tuple(e for e in self.entries if e["active_on_as_of"])


def _entry(row: Mapping[str, Any], as_of: str) -> dict[str, Any]:
    e = row["entry"]
    return {
        "id": e.get("id"), "list_type": e.get("list_type"), "list_name": list_name(e.get("list_type")),
        "kind": list_kind(e.get("list_type")), "severity": e.get("severity"), "status": e.get("status"),
        "active_on_as_of": entry_active(e, as_of), "disputed": bool(e.get("disputed")),
        "start_date": e.get("start_date"), "end_date": e.get("end_date"),
        "repaired_date": e.get("repaired_date"), "decision_no": e.get("decision_no"),
        "reason": e.get("reason"), "amount": e.get("amount"), "valid_to": e.get("valid_to"),
        "department_code": row.get("department_code"), "department_name": row.get("department_name"),
        "department_level": row.get("department_level"), "department_kind": row.get("department_kind"),
    }


def profile(backend: GraphBackend, sid: str, *, as_of: str | dt.date | None = None) -> SubjectProfile | None:
    """The profile of subject ``sid`` on ``as_of`` (default: the latest snapshot), or None.

    ``flagged_by`` is left empty: call :func:`flags` for it (it runs the risk packs).
    """
    sid = (sid or "").strip()
    if not sid or split_node_id(sid)[0] != "Subject":
        return None
    as_of = as_of_text(as_of, backend)
    expansions = expand_level(backend, [sid], RELATED_TYPES, per_node=RELATED_MAX, always=[sid], as_of=as_of)
    exp = expansions.get(sid)
    if exp is None:
        return None
    others = {}
    for edge, row in exp.neighbours:
        others.setdefault(edge.target if edge.source == sid else edge.source, row)
    full = fetch_rows(backend, [sid, *others])
    node = dict(full.get(sid, exp.node))
    labels = node.pop("_labels", [])
    label = primary_label(labels)
    entries = sorted((_entry(r, as_of) for r in read(
        backend, "subject_entries", {"sids": [sid], "as_of": as_of, "active_only": False})),
        key=lambda e: (e["start_date"] or "", e["id"] or ""))

    flags = subject_flags(backend, others, as_of)
    related: dict[str, list[dict]] = {}
    for edge, stub in exp.neighbours:
        out = edge.source == sid
        other = edge.target if out else edge.source
        row = full.get(other, stub)
        key = f"{edge.type} {'→' if out else '←'}"
        related.setdefault(key, []).append({
            "sid": other, "name": row.get("name"), "label": primary_label(row.get("_labels") or ()),
            "type": edge.type, "direction": "out" if out else "in", "role": edge.props.get("role"),
            "ratio": edge.props.get("ratio"), "label_text": edge.label,
            "listed": flags.listed(other), "disputed": flags.is_disputed(other),
            "hub": bool(row.get("hub")),
        })
    for items in related.values():
        items.sort(key=lambda r: (-(r["ratio"] or 0), str(r["name"] or ""), r["sid"]))

    uscc = node.get("uscc")
    decoded = dataclasses.asdict(parse_uscc(uscc)) if uscc and is_valid_uscc(uscc) else None
    code = node.get("region_code")
    active = [e for e in entries if e["active_on_as_of"]]
    black = any(e["kind"] == "blacklist" for e in active)
    red = any(e["kind"] == "redlist" for e in active)
    listed = "both" if black and red else "blacklisted" if black else "redlisted" if red else "none"
    degree = exp.degree or 0
    return SubjectProfile(
        sid=sid, label=label, name=str(node.get("name") or sid),
        props={k: v for k, v in node.items() if k not in _PROVENANCE},
        uscc_decoded=decoded, region_name=region_name(code) if code else None,
        provenance={k: node.get(k) for k in _PROVENANCE},
        entries=tuple(entries), related={k: tuple(v) for k, v in sorted(related.items())},
        as_of=as_of, listed=listed, hub=exp.hub, related_total=degree,
        related_capped=degree > len(exp.neighbours),
        extra={"labels": labels, "hub_threshold": hub_threshold()},
    )


# -- which packs flag a subject ----------------------------------------------------------------

_CACHE: dict[tuple, dict[str, Any]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def clear_flag_cache() -> None:
    """Forget the pack results :func:`flags` keeps."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _sids_in(value: Any, out: set[str]) -> set[str]:
    """Every string of a row (recursively) shaped like a sid: a USCC, a pid, a name-only sid."""
    if isinstance(value, str):
        if (len(value) == 18 and value.isalnum()) or (len(value) == 32 and value.isalnum()) \
                or value.startswith("name:"):
            out.add(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            _sids_in(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _sids_in(v, out)
    return out


def _graph_key(backend: GraphBackend) -> tuple:
    # Not describe(): on FalkorDB it counts every graph's nodes and relationships.
    return (type(backend).__name__, str(getattr(backend, "address", id(backend))),
            str(getattr(backend, "graph_name", getattr(backend, "database", ""))))


def pack_index(backend: GraphBackend, as_of: str, *, timeout: float | None = None) -> dict[str, Any]:
    """Which subjects every built-in pack query mentions on ``as_of``, kept per graph, date and load.

    Returns ``{query_id: {"query": PackQuery, "mentions": {sid: [rows, disputed]}, "rows": n,
    "seconds": s, "error": text|None}}``. Only the index is kept, not the rows: at 1,000,000
    enterprises the packs return over a million rows with their evidence. A query that fails or
    times out is kept with its error, not raised: the other packs still say what they found.
    """
    from creditgraph.queries.packs import all_queries, load_packs
    from creditgraph.queries.runner import run

    runs = read(backend, "load_runs")
    latest = runs[0]["run"].get("run_id") if runs else None
    key = (_graph_key(backend), as_of, latest, timeout)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    results: dict[str, Any] = {}
    for query in all_queries(load_packs()):
        started = time.perf_counter()
        params: dict[str, Any] = {}
        if query.param("limit") is not None:
            params["limit"] = int(query.param("limit").max or 1_000_000)
        if query.param("as_of") is not None:
            params["as_of"] = as_of
        mentions: dict[str, list] = {}
        try:
            result = run(backend, query, params, timeout, as_of=as_of)
        except QueryError as exc:
            results[query.id] = {"query": query, "mentions": mentions, "rows": 0,
                                 "seconds": time.perf_counter() - started, "error": exc.message}
            continue
        for row in result.rows:
            disputed = bool(row.get("disputed"))
            for sid in _sids_in(row, set()):
                seen = mentions.setdefault(sid, [0, False])
                seen[0] += 1
                seen[1] = seen[1] or disputed
        results[query.id] = {"query": query, "mentions": mentions, "rows": len(result.rows),
                             "seconds": result.seconds, "error": None}
    with _CACHE_LOCK:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = results
    return results


def flags(backend: GraphBackend, sid: str, *, as_of: str | dt.date | None = None,
          timeout: float | None = None) -> list[dict]:
    """Which risk-pack queries report subject ``sid`` on ``as_of``: one dict per query.

    Each is ``{query_id, pack, title, title_zh, severity, rows, disputed, error}``: ``rows`` counts
    the query's rows that mention the subject anywhere (as the subject found, the listed one, a
    member, a link of the evidence path), ``disputed`` whether one of them is. The packs run
    whole, once per graph, as-of date and load, and only which subjects each row mentions is
    kept (:func:`pack_index`); so the first call on a big graph takes as long as running every
    pack (about 4 minutes at 1,000,000 enterprises), later ones a dictionary look-up. A query
    that fails or exceeds ``timeout`` is listed with its ``error`` and no rows.
    """
    as_of = as_of_text(as_of, backend)
    out = []
    for query_id, res in pack_index(backend, as_of, timeout=timeout).items():
        query = res["query"]
        rows, disputed = res["mentions"].get(sid, (0, False))
        if rows or res["error"]:
            out.append({"query_id": query_id, "pack": query.pack, "title": query.title,
                        "title_zh": query.title_zh, "severity": query.severity, "rows": rows,
                        "disputed": disputed, "error": res["error"]})
    return out
