"""Cypher queries: the Neo4j linter wrapper, query packs and their runner.

    from creditgraph.queries import run_pack_query
    result = run_pack_query(backend, "shared_legal_rep", {"limit": 100})
    result.rows, result.seconds
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend
    from creditgraph.queries.runner import QueryResult

__all__ = ["run_pack_query"]


def run_pack_query(backend: GraphBackend, query_id: str, params: Mapping[str, Any] | None = None,
                   packs_dirs: Iterable[str | Path] = (), *, as_of: str | dt.date | None = None,
                   timeout: float | None = None) -> QueryResult:
    """Run the pack query ``query_id`` read-only and return its rows and time.

    Loads the built-in packs plus ``packs_dirs`` (a malformed pack raises ConfigError naming
    the file and line), binds ``params`` by the query's declared types (``as_of`` is the date
    ``today`` means) and checks the returned columns. Does not run the Neo4j linter: that is
    ``creditgraph packs lint``'s job, and starting Node for every call would cost seconds.
    """
    # Imported here so that `import creditgraph.queries.lint` stays light.
    from creditgraph.queries.packs import find_query, load_packs
    from creditgraph.queries.runner import run

    query = find_query(load_packs(packs_dirs), query_id)
    return run(backend, query, params, timeout, as_of=as_of)
