"""The app's read queries: ``cypher/app/*.cypher``, in the pack format, run by the pack runner.

Each file carries a YAML header like a pack query (docs/packs.md), so it is parsed, its
parameters typed and bound, and it runs read-only with the query timeout, exactly as a pack
query does; the suite lints it with Neo4j's linter and runs it on the embedded engine. Python
assembles the results into the app's values.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from creditgraph.paths import cypher_dir
from creditgraph.queries.packs import PackQuery, parse_query_file
from creditgraph.queries.runner import run

if TYPE_CHECKING:
    from creditgraph.graph.base import GraphBackend, Row

__all__ = ["app_query", "app_query_ids", "as_of_text", "default_as_of", "read"]


def app_queries_dir():
    """``cypher/app/``: where the app's queries live."""
    return cypher_dir() / "app"


def app_query_ids() -> list[str]:
    """The ids of every app query (their file names)."""
    return sorted(p.stem for p in app_queries_dir().glob("*.cypher"))


@functools.cache
def app_query(query_id: str) -> PackQuery:
    """The parsed query ``cypher/app/<query_id>.cypher`` (read once)."""
    return parse_query_file(app_queries_dir() / f"{query_id}.cypher", pack="app")


def read(backend: GraphBackend, query_id: str, params: Mapping[str, Any] | None = None, *,
         as_of: str | dt.date | None = None, timeout: float | None = None) -> list[Row]:
    """Run the app query ``query_id`` read-only with ``params`` and return its rows."""
    return run(backend, app_query(query_id), params, timeout, as_of=as_of).rows


def as_of_text(as_of: str | dt.date | None, backend: GraphBackend | None = None) -> str:
    """``as_of`` as ``YYYY-MM-DD``; None means :func:`default_as_of` (or today without a backend)."""
    if as_of is None:
        return default_as_of(backend) if backend is not None else dt.date.today().isoformat()
    if isinstance(as_of, dt.datetime):
        return as_of.date().isoformat()
    if isinstance(as_of, dt.date):
        return as_of.isoformat()
    text = str(as_of).strip()
    if text.lower() == "today":
        return dt.date.today().isoformat()
    from creditgraph.exc import InputError

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(f"as-of date {as_of!r} is not a date YYYY-MM-DD") from None


def default_as_of(backend: GraphBackend) -> str:
    """The date the app judges entries on when none is given: the latest snapshot loaded.

    Not today: the graph is only as fresh as its last load, and judged on a later day, entries
    whose term ran out since would look expired although the next snapshot may still list them.
    Today when nothing has been loaded yet.
    """
    rows = read(backend, "latest_as_of")
    latest = rows[0]["as_of"] if rows else None
    return latest or dt.date.today().isoformat()
