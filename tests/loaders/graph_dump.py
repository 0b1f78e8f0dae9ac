"""A canonical dump of a graph's content, to compare two graphs for equality."""

from __future__ import annotations

import json

# Properties that legitimately differ between two loads of the same data.
VOLATILE = {"load_run"}

KEY = "coalesce(n.sid, n.code, n.id, n.key, n.number)"


def dump(backend) -> tuple[list[str], list[str]]:
    """Sorted JSON lines of every node and relationship, LoadRun records excluded."""
    nodes = backend.read("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n) AS l, properties(n) AS p")
    rels = backend.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, properties(r) AS p, "
        "coalesce(a.sid, a.code, a.id, a.key, a.number) AS a, "
        "coalesce(b.sid, b.code, b.id, b.key, b.number) AS b")

    def clean(props):
        return {k: v for k, v in sorted(props.items()) if k not in VOLATILE}

    node_lines = sorted(json.dumps([sorted(r["l"]), clean(r["p"])], ensure_ascii=False) for r in nodes)
    rel_lines = sorted(json.dumps([r["t"], r["a"], r["b"], clean(r["p"])], ensure_ascii=False)
                       for r in rels)
    return node_lines, rel_lines
