"""From engine rows to drawn nodes and edges, and the list-entry rules the app judges them by.

The rules mirror the packs (docs/packs.md, "As-of semantics"): an entry counts on a date when
its status is active, it started on or before that date, its end date (if any) is not before
it, and it has not left the snapshots (``valid_to`` absent or after the date). Relationships
drawn are current ones (``valid_to`` absent): the queries filter those.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from creditgraph.app.subgraph import GraphEdge, GraphNode, listed_value, node_id, primary_label

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend

__all__ = ["KEYED_LABELS", "SubjectFlags", "edge_label", "entry_active", "graph_edge", "graph_node",
           "list_kind", "split_node_id", "subject_flags"]

#: Non-subject labels a node id can name, as ``"<Label>:<key>"``.
KEYED_LABELS = ("ListEntry", "Department", "Address", "Phone")

# Provenance and bookkeeping: true of every node, not worth a tooltip line.
_QUIET = frozenset({"_labels", "_stub", "_active", "name", "load_run", "source"})


@functools.cache
def _list_types() -> dict[str, Any]:
    from creditgraph.model import load_model

    return {lt.code: lt for lt in load_model().list_types()}


def list_kind(list_type: str | None) -> str | None:
    """``blacklist`` or ``redlist`` for a list type code, None for an unknown one."""
    lt = _list_types().get(list_type or "")
    return lt.kind if lt else None


def list_name(list_type: str | None) -> str | None:
    """The Chinese name of a list type (失信被执行人 ...), None for an unknown one."""
    lt = _list_types().get(list_type or "")
    return lt.name_zh if lt else None


def entry_active(entry: Mapping[str, Any], as_of: str) -> bool:
    """Whether a list entry (its properties) counts on ``as_of``, as the packs judge it."""
    if entry.get("status") != "active":
        return False
    start, end, valid_to = entry.get("start_date"), entry.get("end_date"), entry.get("valid_to")
    if start is None or start > as_of:
        return False
    if end is not None and end < as_of:
        return False
    return valid_to is None or valid_to > as_of


def split_node_id(node: str) -> tuple[str, str]:
    """``(label, key)`` of a node id: ``("Subject", sid)`` or e.g. ``("Address", key)``."""
    label, sep, key = node.partition(":")
    if sep and label in KEYED_LABELS:
        return label, key
    return "Subject", node


def _display_name(label: str, props: Mapping[str, Any]) -> str:
    if label == "ListEntry":
        name = list_name(props.get("list_type")) or props.get("list_type") or ""
        return f"{name} {props.get('decision_no') or props.get('id') or ''}".strip()
    if label == "Address":
        return str(props.get("text") or props.get("key") or "")
    if label == "Phone":
        return str(props.get("number") or "")
    return str(props.get("name") or props.get("sid") or props.get("code") or "")


def graph_node(props: Mapping[str, Any], *, listed: str = "none", disputed: bool = False,
               hub: bool | None = None, extra: Mapping[str, Any] | None = None) -> GraphNode:
    """The drawn form of a node row (its properties plus ``_labels``).

    A list entry is drawn ``blacklisted`` or ``redlisted`` by its list type's kind, and
    ``disputed`` when it is; its ``kind`` is its list type code.
    """
    labels = list(props.get("_labels") or ())
    label = primary_label(labels)
    kind = props.get("kind")
    if label == "ListEntry":
        lk = list_kind(props.get("list_type"))
        listed = "blacklisted" if lk == "blacklist" else "redlisted" if lk == "redlist" else "none"
        disputed = bool(props.get("disputed"))
        kind = props.get("list_type")
    tooltip = {k: v for k, v in props.items() if k not in _QUIET and v is not None}
    tooltip["labels"] = labels
    if extra:
        tooltip.update(extra)
    return GraphNode(id=node_id(label, props), label=label, name=_display_name(label, props),
                     kind=kind, status=props.get("status"), listed=listed, disputed=disputed,
                     hub=bool(props.get("hub")) if hub is None else hub, props=tooltip)


def _percent(ratio: float) -> str:
    pct = ratio * 100
    if pct >= 1 or pct == 0:
        return f"{pct:.0f}%" if abs(pct - round(pct)) < 0.05 else f"{pct:.1f}%"
    return f"{pct:.2g}%"


def edge_label(rel_type: str, props: Mapping[str, Any]) -> str:
    """What is written on an edge: the shareholding ratio, the executive's role, or ""."""
    ratio = props.get("ratio")
    if rel_type == "SHAREHOLDER_OF" and isinstance(ratio, (int, float)):
        return _percent(float(ratio))
    role = props.get("role")
    if role:
        return str(role)
    return ""


def graph_edge(source: str, target: str, rel_type: str, props: Mapping[str, Any]) -> GraphEdge:
    """The drawn form of a relationship from ``source`` to ``target`` (node ids)."""
    tooltip = {k: v for k, v in props.items() if k not in _QUIET and v is not None}
    return GraphEdge(source=source, target=target, type=rel_type, label=edge_label(rel_type, props),
                     props=tooltip)


class SubjectFlags:
    """Active entries per subject on one date: which kinds, and whether one is disputed."""

    def __init__(self) -> None:
        self.black: set[str] = set()
        self.red: set[str] = set()
        self.disputed: set[str] = set()
        self.entries: dict[str, list[dict[str, Any]]] = {}

    def listed(self, sid: str) -> str:
        """``blacklisted``, ``redlisted``, ``both`` or ``none``."""
        return listed_value(sid in self.black, sid in self.red)

    def is_disputed(self, sid: str) -> bool:
        """Whether one of the subject's active entries is disputed."""
        return sid in self.disputed


def subject_flags(backend: GraphBackend, sids: Iterable[str], as_of: str) -> SubjectFlags:
    """The active entries on ``as_of`` of each subject in ``sids`` (one query)."""
    from creditgraph.app.queries import read

    flags = SubjectFlags()
    sids = sorted(set(sids))
    if not sids:
        return flags
    for row in read(backend, "subject_entries", {"sids": sids, "as_of": as_of, "active_only": True}):
        sid, entry = row["sid"], dict(row["entry"])
        kind = list_kind(entry.get("list_type"))
        if kind == "blacklist":
            flags.black.add(sid)
        elif kind == "redlist":
            flags.red.add(sid)
        if entry.get("disputed"):
            flags.disputed.add(sid)
        entry.update(department_code=row["department_code"], department_name=row["department_name"])
        flags.entries.setdefault(sid, []).append(entry)
    return flags
