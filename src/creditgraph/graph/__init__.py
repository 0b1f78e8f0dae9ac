"""Engine access: one small interface (``GraphBackend``) and a factory that picks the engine.

    from creditgraph.graph import connect
    with connect() as g:             # CREDITGRAPH_DB, default "embedded"
        g.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS name", {"u": code})
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from creditgraph.exc import ConfigError
from creditgraph.graph.base import GraphBackend, Row, WriteSummary

__all__ = ["GraphBackend", "Row", "WriteSummary", "connect", "parse_db_uri"]

NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def parse_db_uri(uri: str) -> str:
    """Which backend a ``--db`` value names: "embedded", "falkordb" or "neo4j"."""
    if uri == "embedded":
        return "embedded"
    scheme = urlparse(uri).scheme
    if scheme == "falkordb":
        return "falkordb"
    if scheme in NEO4J_SCHEMES:
        return "neo4j"
    raise ConfigError(
        f"unknown database URI {uri!r}",
        hint="use embedded, falkordb://host:port, bolt://host:7687, neo4j://host or neo4j+s://host",
    )


def connect(uri: str | None = None, *, home: Path | None = None, graph: str | None = None,
            start: bool = True) -> GraphBackend:
    """Open the engine named by ``uri`` (default ``CREDITGRAPH_DB``).

    For "embedded", the FalkorDB server under ``home`` (default ``CREDITGRAPH_HOME``) is started
    on first use unless ``start`` is False.
    """
    from creditgraph import settings

    uri = uri or settings.DB
    kind = parse_db_uri(uri)
    graph = graph or settings.GRAPH
    if kind == "embedded":
        from creditgraph.graph.embedded import EmbeddedEngine
        from creditgraph.graph.falkordb_backend import FalkorDBBackend

        engine = EmbeddedEngine(home or settings.HOME)
        if start:
            engine.ensure_started()
        return FalkorDBBackend.over_socket(engine, graph)
    if kind == "falkordb":
        from creditgraph.graph.falkordb_backend import FalkorDBBackend

        parsed = urlparse(uri)
        return FalkorDBBackend.over_tcp(parsed.hostname or "localhost", parsed.port or 6379, graph,
                                        password=settings.FALKORDB_PASSWORD or parsed.password)
    from creditgraph.graph.neo4j_backend import Neo4jBackend

    return Neo4jBackend(uri, user=settings.NEO4J_USER, password=settings.NEO4J_PASSWORD,
                        database=settings.NEO4J_DATABASE)
