"""What the app draws: a small graph of plain, frozen values.

Every page that shows a network (a subject's neighbourhood, the paths between two subjects, the
evidence of a pack row) gets a :class:`Subgraph`; the renderer knows nothing of the engine.
Node ids are stable across queries (a subject's ``sid``, ``"<Label>:<key>"`` for anything
else), so two subgraphs merge by id: that is how "expand this node" adds to a view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["LISTED_VALUES", "SUBJECT_LABELS", "GraphEdge", "GraphNode", "Subgraph", "listed_value",
           "node_id", "primary_label"]

#: The values of :attr:`GraphNode.listed`.
LISTED_VALUES = ("blacklisted", "redlisted", "both", "none")

#: Labels of subjects, most specific first; a node with only ``Subject`` is an unresolved holder.
SUBJECT_LABELS = ("Enterprise", "Organisation", "Person", "Subject")

# The key property of each non-subject label, for "<Label>:<key>" node ids.
_KEYS = {"ListEntry": "id", "Department": "code", "Address": "key", "Phone": "number",
         "Region": "code", "LoadRun": "run_id"}


@dataclass(frozen=True)
class GraphNode:
    """One node to draw.

    ``id`` is the sid for subjects and ``"<Label>:<key>"`` for others; ``listed`` says which
    kinds of active list entries (on the view's as-of date) the subject has; ``props`` holds the
    rest, for a tooltip.
    """

    id: str
    label: str
    name: str
    kind: str | None = None
    status: str | None = None
    listed: str = "none"
    disputed: bool = False
    hub: bool = False
    props: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_subject(self) -> bool:
        """Whether the node is a subject (an Enterprise, Organisation, Person or unresolved holder)."""
        return self.label in SUBJECT_LABELS


@dataclass(frozen=True)
class GraphEdge:
    """One relationship to draw, in its own direction (``source`` -> ``target``).

    ``label`` is the short text drawn on the edge: a role, a ratio ("51%"), or "".
    """

    source: str
    target: str
    type: str
    label: str = ""
    props: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two edges the same edge when views merge."""
        return (self.source, self.target, self.type, self.label)


@dataclass(frozen=True)
class Subgraph:
    """Nodes and edges to draw, around ``centre`` (a node id, or None).

    ``capped`` is True when the view was truncated; ``notice`` then says so in one sentence a
    person can read, and ``total`` is how many nodes the view would have held without the cap.
    """

    nodes: tuple[GraphNode, ...] = ()
    edges: tuple[GraphEdge, ...] = ()
    centre: str | None = None
    capped: bool = False
    notice: str = ""
    total: int = 0

    def __post_init__(self) -> None:
        # Tuples whatever the caller passed, so the value stays hashable-ish and picklable.
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "edges", tuple(self.edges))
        if self.total < len(self.nodes):
            object.__setattr__(self, "total", len(self.nodes))

    @property
    def node_ids(self) -> set[str]:
        """The ids of the nodes drawn."""
        return {n.id for n in self.nodes}

    def node(self, node_id: str) -> GraphNode | None:
        """The node with ``node_id``, or None when it is not in the view."""
        return next((n for n in self.nodes if n.id == node_id), None)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to draw."""
        return not self.nodes

    def merge(self, other: Subgraph) -> Subgraph:
        """This view plus ``other``: nodes by id and edges by (source, target, type, label).

        A node in both keeps this view's values, updated with anything ``other`` knows that this
        one does not (an expanded hub loses nothing). The centre stays this view's (``other``'s
        when this one has none); capped and notices accumulate; ``total`` adds what each view
        left out to the nodes now drawn.
        """
        nodes: dict[str, GraphNode] = {n.id: n for n in self.nodes}
        for n in other.nodes:
            mine = nodes.get(n.id)
            if mine is None:
                nodes[n.id] = n
            elif n.props and any(k not in mine.props for k in n.props):
                nodes[n.id] = replace(mine, props={**n.props, **mine.props})
        ids = set(nodes)
        edges: dict[tuple[str, str, str, str], GraphEdge] = {}
        for e in (*self.edges, *other.edges):
            if e.source in ids and e.target in ids:
                edges.setdefault(e.key, e)
        hidden = max(self.total - len(self.nodes), 0) + max(other.total - len(other.nodes), 0)
        notices = [t for t in (self.notice, other.notice) if t]
        notice = " ".join(dict.fromkeys(notices))
        return Subgraph(nodes=tuple(nodes.values()), edges=tuple(edges.values()),
                        centre=self.centre if self.centre is not None else other.centre,
                        capped=self.capped or other.capped, notice=notice,
                        total=len(nodes) + hidden)

    def without_notice(self) -> Subgraph:
        """The same view, marked not capped (for a view the user has since expanded fully)."""
        return replace(self, capped=False, notice="", total=len(self.nodes))


def primary_label(labels: Iterable[str]) -> str:
    """The label a node is drawn as: the most specific subject label, else its first label."""
    labels = list(labels)
    for label in SUBJECT_LABELS:
        if label in labels:
            return label
    return labels[0] if labels else "Subject"


def node_id(label: str, props: Mapping[str, Any]) -> str:
    """The stable id of a node: its sid for a subject, ``"<Label>:<key>"`` otherwise."""
    if label in SUBJECT_LABELS:
        return str(props["sid"])
    key = _KEYS.get(label)
    value = props.get(key) if key else None
    return f"{label}:{value}"


def listed_value(black: bool, red: bool) -> str:
    """``blacklisted``, ``redlisted``, ``both`` or ``none`` from which kinds of entries are active."""
    if black and red:
        return "both"
    if black:
        return "blacklisted"
    if red:
        return "redlisted"
    return "none"
