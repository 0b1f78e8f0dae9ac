"""The load history, the quarantined rows of a run, and a pack row's evidence drawn.

Each run of the loader leaves a ``LoadRun`` node in the graph and a report
``<CREDITGRAPH_HOME>/runs/<run_id>.json`` (per-file counts, changes per fact type, reasons for
quarantine), and the rows it refused under ``<CREDITGRAPH_HOME>/quarantine/<run_id>/<file>.csv``
(see ``creditgraph.loaders.run``). :func:`load_history` joins the first two; the reports and
quarantine files are only there when the app shares the loader's home.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creditgraph.app.network import expand_level, fetch_rows
from creditgraph.app.nodes import graph_edge, graph_node, split_node_id, subject_flags
from creditgraph.app.queries import as_of_text, read
from creditgraph.app.subgraph import GraphEdge, GraphNode, Subgraph

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend

__all__ = ["evidence_subgraph", "load_history", "quarantine_file", "quarantine_files"]

_GRANT_TYPES = ("HOLDS_LICENCE", "RECEIVED_SUBSIDY", "WON_CONTRACT")
# The column naming the subject a row is about, in the order a drawing centres on it.
_CENTRE_COLUMNS = ("subject_sid", "target_sid", "redlisted_sid", "new_company_sid", "listed_sid")


def _home(home: Path | None) -> Path:
    if home is not None:
        return Path(home)
    from creditgraph import settings

    return Path(settings.HOME)


def _report(home: Path, run_id: str) -> dict[str, Any] | None:
    path = home / "runs" / f"{run_id}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_history(backend: GraphBackend, home: Path | None = None) -> list[dict]:
    """Every load run of the graph, latest first, with its report when ``home`` holds it.

    Each dict holds the LoadRun's properties (run_id, source, as_of, full_snapshot, status,
    started_at, finished_at, rows, loaded, quarantined, duplicates, seconds), ``changes`` as a
    dict (fact type -> added/updated/closed), ``report`` (the JSON report, or None when this home
    has none: another machine loaded it, or it failed before writing one), ``files`` (the
    report's per-file counts), and ``quarantine_files`` (paths of the quarantined rows, as text).
    """
    home = _home(home)
    out = []
    for row in read(backend, "load_runs"):
        run = dict(row["run"])
        changes = run.get("changes")
        if isinstance(changes, str):
            try:
                run["changes"] = json.loads(changes)
            except ValueError:
                run["changes"] = {}
        report = _report(home, str(run.get("run_id")))
        run["report"] = report
        run["files"] = list(report.get("files", [])) if report else []
        if report and not run["changes"]:
            run["changes"] = report.get("changes", {})
        run["quarantine_files"] = [str(p) for p in _quarantine_paths(home, run)]
        run["home"] = str(home)
        out.append(run)
    return out


def _quarantine_paths(home: Path, run: Mapping[str, Any]) -> list[Path]:
    files = []
    for f in (run.get("report") or {}).get("files", []):
        q = f.get("quarantine_file")
        if q and Path(q).is_file():
            files.append(Path(q))
    folder = home / "quarantine" / str(run.get("run_id"))
    if folder.is_dir():
        files += [p for p in sorted(folder.glob("*.csv")) if p not in files]
    return files


def quarantine_files(run: Mapping[str, Any]) -> list[Path]:
    """The quarantined-rows files of a run from :func:`load_history` (may be empty)."""
    return [Path(p) for p in run.get("quarantine_files") or () if Path(p).is_file()]


def quarantine_file(run: Mapping[str, Any]) -> Path | None:
    """The one file to download for a run's quarantined rows, or None when it refused none.

    A run that quarantined rows of one input file gives that CSV; of several, a zip of them
    (written to the temporary folder).
    """
    files = quarantine_files(run)
    if not files:
        return None
    if len(files) == 1:
        return files[0]
    target = Path(tempfile.gettempdir()) / f"creditgraph-quarantine-{run.get('run_id')}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            zf.write(path, arcname=path.name)
    return target


# -- a pack row's evidence ---------------------------------------------------------------------


class _Evidence:
    """What a row names: subjects, entries, keyed nodes, and the relationships between them."""

    def __init__(self) -> None:
        self.sids: list[str] = []
        self.entries: list[str] = []
        self.departments: list[str] = []
        self.addresses: list[str] = []
        self.phones: list[str] = []
        self.edges: list[GraphEdge] = []

    def sid(self, value: Any) -> None:
        if isinstance(value, str) and value and value not in self.sids:
            self.sids.append(value)

    def walk(self, value: Any, row: Mapping[str, Any]) -> None:
        if isinstance(value, Mapping):
            self._map(value, row)
        elif isinstance(value, (list, tuple)):
            for v in value:
                self.walk(v, row)

    def _map(self, m: Mapping[str, Any], row: Mapping[str, Any]) -> None:
        rel_type = m.get("type")
        if isinstance(rel_type, str) and "from" in m and "to" in m:
            self.sid(m["from"])
            self.sid(m["to"])
            props = {k: v for k, v in m.items() if k not in ("type", "from", "to")}
            self.edges.append(graph_edge(str(m["from"]), str(m["to"]), rel_type, props))
        elif isinstance(rel_type, str) and rel_type in _GRANT_TYPES and m.get("department_code"):
            # joint_punishment's grant: subject -[type]-> the granting department.
            self.departments.append(str(m["department_code"]))
            if row.get("subject_sid"):
                props = {k: v for k, v in m.items() if k not in ("type", "department", "department_code")}
                self.edges.append(graph_edge(str(row["subject_sid"]), f"Department:{m['department_code']}",
                                             rel_type, props))
        if "sid" in m:
            self.sid(m["sid"])
        if m.get("id") and m.get("list_type"):
            self.entries.append(str(m["id"]))
            if m.get("subject_sid"):
                self.sid(m["subject_sid"])
        sids, ratios = m.get("sids"), m.get("ratios")
        if isinstance(sids, list) and all(isinstance(s, str) for s in sids):
            # ultimate_controller's chains: each holds shares in the next.
            for s in sids:
                self.sid(s)
            for i, (x, y) in enumerate(itertools.pairwise(sids)):
                ratio = ratios[i] if isinstance(ratios, list) and i < len(ratios) else None
                self.edges.append(graph_edge(x, y, "SHAREHOLDER_OF", {"ratio": ratio} if ratio is not None else {}))
        for key, value in m.items():
            if key.endswith("_sid"):
                self.sid(value)
            if isinstance(value, (Mapping, list, tuple)):
                self.walk(value, row)


def evidence_subgraph(backend: GraphBackend, row: Mapping[str, Any], *, as_of: Any = None) -> Subgraph:
    """A risk-pack result row's evidence as a drawing: its subjects, entries and links.

    Reads what the packs' columns carry (see ``cypher/packs/risk/*.cypher``): every ``*_sid``
    column, ``members``, path nodes ``{sid, name, labels}`` and relationships ``{type, from, to,
    ratio, role}``, shareholding chains ``{sids, ratios}``, list entries ``{id, list_type}``
    (drawn with their listed subject and issuing department), a grant (its department), and a
    shared address or phone (``shared_kind``/``shared_key``) with the members registered there.
    A relationship to ``holder_sid`` from ``pre_listing_changes`` is drawn from its
    ``relationship`` column. Nodes are looked up in the graph (a sid it does not hold is left out)
    and coloured by their active entries on ``as_of``.
    """
    ev = _Evidence()
    for column in _CENTRE_COLUMNS:
        ev.sid(row.get(column))
    for key, value in row.items():
        if key.endswith("_sid"):
            ev.sid(value)
        elif key == "members" and isinstance(value, list):
            for member in value:
                ev.sid(member.get("sid") if isinstance(member, Mapping) else member)
    ev.walk(dict(row), row)
    relationship = row.get("relationship")
    if isinstance(relationship, Mapping) and relationship.get("type") and row.get("holder_sid") \
            and row.get("subject_sid") and "from" not in relationship:
        props = {k: v for k, v in relationship.items() if k != "type"}
        ev.edges.append(graph_edge(str(row["holder_sid"]), str(row["subject_sid"]),
                                   str(relationship["type"]), props))
        for other in row.get("counterparts") or ():
            if isinstance(other, Mapping) and other.get("sid"):
                cprops = {k: v for k, v in other.items() if k not in ("sid", "name")}
                ev.edges.append(graph_edge(str(other["sid"]), str(row["subject_sid"]),
                                           str(relationship["type"]), cprops))
    shared_kind, shared_key = row.get("shared_kind"), row.get("shared_key")
    if shared_kind in ("address", "phone") and shared_key:
        label, rel_type = ("Address", "HAS_ADDRESS") if shared_kind == "address" else ("Phone", "HAS_PHONE")
        (ev.addresses if label == "Address" else ev.phones).append(str(shared_key))
        for member in row.get("members") or ():
            sid = member.get("sid") if isinstance(member, Mapping) else member
            if sid:
                ev.edges.append(graph_edge(str(sid), f"{label}:{shared_key}", rel_type, {}))

    as_of = as_of_text(as_of, backend)
    nodes: dict[str, GraphNode] = {}
    subject_rows = {r["sid"]: r["node"] for r in read(backend, "subjects_by_sid", {"sids": ev.sids})}
    entries = list(dict.fromkeys(ev.entries))
    keyed = fetch_rows(backend, [f"Address:{k}" for k in ev.addresses] + [f"Phone:{k}" for k in ev.phones]
                       + [f"ListEntry:{k}" for k in entries] + [f"Department:{k}" for k in ev.departments])
    # Each entry with its listed subject and issuing department, whether or not the row names them.
    around = expand_level(backend, [f"ListEntry:{k}" for k in entries], ["LISTED", "ISSUED_BY"],
                          per_node=10, expand_hubs=True, as_of=as_of)
    more = [n for exp in around.values() for e, _ in exp.neighbours for n in (e.source, e.target)
            if n not in keyed and n not in subject_rows]
    extra = fetch_rows(backend, more)
    for nid, found in {**keyed, **extra}.items():
        if split_node_id(nid)[0] == "Subject":
            subject_rows.setdefault(nid, found)
        else:
            nodes[nid] = graph_node(found)
    for exp in around.values():
        ev.edges.extend(edge for edge, _ in exp.neighbours)
    flags = subject_flags(backend, subject_rows, as_of)
    for sid in [s for s in ev.sids if s in subject_rows] + [s for s in subject_rows if s not in ev.sids]:
        nodes[sid] = graph_node(subject_rows[sid], listed=flags.listed(sid), disputed=flags.is_disputed(sid))
    edges: dict[tuple, GraphEdge] = {}
    for edge in ev.edges:
        if edge.source in nodes and edge.target in nodes:
            edges.setdefault(edge.key, edge)
    centre = next((str(row[c]) for c in _CENTRE_COLUMNS if row.get(c) and str(row[c]) in nodes), None)
    if centre is None and nodes:
        centre = next(iter(nodes))
    missing = [s for s in ev.sids if s not in subject_rows]
    notice = f"{len(missing)} subject(s) of the row are not in the graph." if missing else ""
    return Subgraph(nodes=tuple(nodes.values()), edges=tuple(edges.values()), centre=centre, notice=notice)

