"""FalkorDB backend: the embedded engine over its Unix socket, or an external server over TCP.

Reads go through ``GRAPH.RO_QUERY``, which the engine itself refuses to run if the statement
writes. Parameters travel in FalkorDB's ``CYPHER name=value`` header, quoted by the official
client, never spliced into the statement.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import redis
from falkordb import FalkorDB
from falkordb.edge import Edge
from falkordb.node import Node
from falkordb.path import Path as FalkorPath

from creditgraph import settings
from creditgraph.exc import AuthError, EngineUnavailable, QueryError, QueryTimeout, ReadOnlyViolation
from creditgraph.graph.base import (
    GraphBackend,
    Row,
    SchemaStatement,
    WriteSummary,
    node_dict,
    relationship_dict,
)

if TYPE_CHECKING:
    from creditgraph.graph.embedded import EmbeddedEngine

_INDEX = re.compile(
    r"^CREATE\s+(?P<fulltext>FULLTEXT\s+)?INDEX\s+FOR\s+\((?P<var>\w+):(?P<label>\w+)\)\s+ON\s+"
    r"\((?P<props>[^)]*)\)$", re.IGNORECASE)
_CONSTRAINT = re.compile(
    r"^GRAPH\.CONSTRAINT\s+CREATE\s+(?P<kind>UNIQUE|MANDATORY)\s+(?P<entity>NODE|RELATIONSHIP)\s+"
    r"(?P<label>\w+)\s+PROPERTIES\s+(?P<n>\d+)\s+(?P<props>.+)$", re.IGNORECASE)


def to_plain(value: Any) -> Any:
    """Convert a FalkorDB client value into the engine-neutral plain form (see graph.base)."""
    if isinstance(value, Node):
        return node_dict(value.labels or [], value.properties)
    if isinstance(value, Edge):
        return relationship_dict(value.relation, value.properties)
    if isinstance(value, FalkorPath):
        return {"nodes": [to_plain(n) for n in value.nodes()],
                "relationships": [to_plain(e) for e in value.edges()]}
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cypher_literal(value: Any, name: str = "") -> str:
    """``value`` in Cypher literal syntax, for FalkorDB's ``CYPHER name=value`` header.

    The header is parsed as literals, never as a query, so quoting strings (backslash and
    double quote escaped) is all that keeps a value a value. Written by hand rather than with
    the client's helper because loads send millions of values: this is the hot path. Booleans
    must be lower-case there, NaN has no literal (it becomes null), dates become ISO strings
    as the model stores them.
    """
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return "null" if math.isnan(value) or math.isinf(value) else repr(value)
    if kind is dict or isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            key = str(key)
            if not key or "`" in key:
                raise QueryError(f"parameter ${name} has a map key {key!r} FalkorDB cannot take")
            parts.append(f"`{key}`:{cypher_literal(item, name)}")
        return "{" + ",".join(parts) + "}"
    if kind is list or isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ",".join([cypher_literal(item, name) for item in value]) + "]"
    if isinstance(value, (dt.date, dt.datetime)):
        return _string(value.isoformat())
    for base in (str, bool, int, float):  # subclasses, e.g. an IntEnum
        if isinstance(value, base):
            return cypher_literal(base(value), name)
    if hasattr(value, "item"):  # numpy / pandas scalars
        return cypher_literal(value.item(), name)
    raise QueryError(f"parameter ${name} has a value of type {type(value).__name__} "
                     "that cannot be sent to the engine")


class _Literal:
    """A value already in Cypher literal syntax; the client's header builder prints it as is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def _header_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    # A value prepared before (prepare_params) is literal text already.
    return {k: v if type(v) is _Literal else _Literal(cypher_literal(v, k))
            for k, v in params.items()}


def _timeout_ms(timeout: float | None) -> int | None:
    seconds = settings.QUERY_TIMEOUT if timeout is None else timeout
    return int(seconds * 1000) if seconds and seconds > 0 else None


class FalkorDBBackend(GraphBackend):
    """A FalkorDB graph, reached through the official ``falkordb`` client."""

    schema_dialect = "falkordb"

    def __init__(self, db: FalkorDB, graph: str, *, kind: str, address: str,
                 engine: EmbeddedEngine | None = None) -> None:
        self._db = db
        self._graph = db.select_graph(graph)
        self.graph_name = graph
        self.kind = kind
        self.address = address
        self._engine = engine

    @classmethod
    def over_socket(cls, engine: EmbeddedEngine, graph: str) -> FalkorDBBackend:
        """The embedded engine of ``engine``; restarted on demand if it died."""
        try:
            db = FalkorDB(unix_socket_path=str(engine.socket_path))
        except (redis.exceptions.ConnectionError, OSError):
            engine.ensure_started()
            db = FalkorDB(unix_socket_path=str(engine.socket_path))
        return cls(db, graph, kind="embedded", address=f"unix://{engine.socket_path}",
                   engine=engine)

    @classmethod
    def over_tcp(cls, host: str, port: int, graph: str, password: str | None = None
                 ) -> FalkorDBBackend:
        """An external FalkorDB server."""
        address = f"falkordb://{host}:{port}"
        try:
            # The client probes the server (cluster or sentinel?) as it is constructed.
            db = FalkorDB(host=host, port=port, password=password or None)
        except redis.exceptions.AuthenticationError:
            raise AuthError(f"FalkorDB at {address} refused the password",
                            hint="set CREDITGRAPH_FALKORDB_PASSWORD") from None
        except (redis.exceptions.ConnectionError, OSError):
            raise EngineUnavailable(f"cannot reach FalkorDB at {address}",
                                    hint="check that the server runs and CREDITGRAPH_DB is right"
                                    ) from None
        return cls(db, graph, kind="falkordb", address=address)

    # -- running statements ------------------------------------------------------------------

    def prepare_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        return _header_params(params) or {}

    def _run(self, cypher: str, params: Mapping[str, Any] | None, timeout: float | None,
             read_only: bool):
        header = _header_params(params)
        ms = _timeout_ms(timeout)
        call = self._graph.ro_query if read_only else self._graph.query
        try:
            return call(cypher, header, timeout=ms)
        except redis.exceptions.ConnectionError:
            if self._engine is None:
                raise self._unavailable() from None
            # The embedded engine died (crash, kill -9, reboot): start it again from its log.
            # Only a read is repeated; a write's fate is unknown, so the caller decides.
            self._engine.ensure_started()
            if not read_only:
                raise EngineUnavailable(
                    "the embedded engine restarted during a write; the write may not have been applied",
                    hint="run the command again (loads are idempotent)") from None
            try:
                return call(cypher, header, timeout=ms)
            except redis.exceptions.RedisError as exc:
                raise self._map_error(exc, cypher) from None
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc):
                raise self._map_error(exc, cypher) from None
            # A graph that was never written (or was cleared) does not exist in FalkorDB, where
            # Neo4j would answer from an empty database. Create it empty and ask again.
            try:
                self._graph.query("RETURN 1")
                return call(cypher, header, timeout=ms)
            except redis.exceptions.RedisError as again:
                raise self._map_error(again, cypher) from None
        except redis.exceptions.RedisError as exc:
            raise self._map_error(exc, cypher) from None

    def _unavailable(self) -> EngineUnavailable:
        return EngineUnavailable(f"cannot reach FalkorDB at {self.address}",
                                 hint="check that the server runs and CREDITGRAPH_DB is right")

    def _map_error(self, exc: Exception, cypher: str) -> Exception:
        if isinstance(exc, redis.exceptions.AuthenticationError):
            return AuthError(f"FalkorDB at {self.address} refused the password",
                             hint="set CREDITGRAPH_FALKORDB_PASSWORD")
        if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            if isinstance(exc, redis.exceptions.TimeoutError):
                return QueryTimeout("the query timed out waiting for the engine")
            return self._unavailable()
        text = " ".join(str(exc).split())
        lower = text.lower()
        if "read-only" in lower or "is to be executed only on read-only queries" in lower:
            return ReadOnlyViolation("this statement writes, but it was sent as a read",
                                     hint="use --write for statements that change the graph")
        if "timed out" in lower or "timeout" in lower:
            return QueryTimeout(f"the query ran longer than its timeout: {text}",
                                hint="raise CREDITGRAPH_QUERY_TIMEOUT or narrow the query")
        if "noauth" in lower or "authentication" in lower:
            return AuthError(f"FalkorDB at {self.address}: {text}",
                             hint="set CREDITGRAPH_FALKORDB_PASSWORD")
        text = re.sub(r"^errMsg:\s*", "", text)
        text = re.sub(r"\s*errCtx:.*$", "", text)
        return QueryError(f"the engine rejected the query: {text}")

    @staticmethod
    def _rows(result) -> list[Row]:
        names = [h[1] if isinstance(h, (list, tuple)) else h for h in (result.header or [])]
        names = [n.decode() if isinstance(n, bytes) else n for n in names]
        return [dict(zip(names, (to_plain(v) for v in row))) for row in result.result_set or []]

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None) -> list[Row]:
        return self._rows(self._run(cypher, params, timeout, read_only=True))

    def write(self, cypher: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> WriteSummary:
        result = self._run(cypher, params, timeout, read_only=False)
        # The client reports counters as floats.
        return WriteSummary(
            nodes_created=int(result.nodes_created), nodes_deleted=int(result.nodes_deleted),
            relationships_created=int(result.relationships_created),
            relationships_deleted=int(result.relationships_deleted),
            properties_set=int(result.properties_set), labels_added=int(result.labels_added),
            rows=self._rows(result))

    # -- schema ------------------------------------------------------------------------------

    def _graph_exists(self) -> bool:
        try:
            return self.graph_name in self._db.list_graphs()
        except redis.exceptions.RedisError as exc:
            raise self._map_error(exc, "GRAPH.LIST") from None

    def existing_indexes(self) -> set[tuple[str, str]]:
        return {(label, prop) for (label, prop, _kind) in self._index_catalogue()}

    def _index_catalogue(self) -> set[tuple[str, str, str]]:
        if not self._graph_exists():
            return set()
        rows = self.read("CALL db.indexes() YIELD label, properties, types "
                         "RETURN label, properties, types")
        out = set()
        for row in rows:
            types = row.get("types") or {}
            for prop in row["properties"]:
                for kind in types.get(prop, ["RANGE"]):
                    out.add((row["label"], prop, str(kind).upper()))
        return out

    def _constraints(self) -> set[tuple[str, str, tuple[str, ...]]]:
        if not self._graph_exists():
            return set()
        rows = self.read("CALL db.constraints() YIELD type, label, properties "
                         "RETURN type, label, properties")
        return {(str(r["type"]).upper(), r["label"], tuple(r["properties"])) for r in rows}

    def apply_schema_statement(self, statement: SchemaStatement) -> bool:
        text = statement.text
        match = _CONSTRAINT.match(text)
        if match:
            props = tuple(match["props"].split())
            if len(props) != int(match["n"]):
                raise QueryError(f"{statement.file}:{statement.line}: PROPERTIES count does not "
                                 f"match the properties listed")
            key = (match["kind"].upper(), match["label"], props)
            if key in self._constraints():
                return False
            try:
                self._db.connection.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", self.graph_name, match["kind"].upper(),
                    match["entity"].upper(), match["label"], "PROPERTIES", len(props), *props)
            except redis.exceptions.RedisError as exc:
                raise QueryError(f"{statement.file}:{statement.line}: {exc}") from None
            return True
        match = _INDEX.match(text)
        if match:
            kind = "FULLTEXT" if match["fulltext"] else "RANGE"
            props = [p.strip().split(".", 1)[-1] for p in match["props"].split(",")]
            catalogue = self._index_catalogue()
            if all((match["label"], p, kind) in catalogue for p in props):
                return False
        try:
            self.write(text)
        except QueryError as exc:
            raise QueryError(f"{statement.file}:{statement.line}: {exc.message}") from None
        return True

    # -- housekeeping ------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop the whole graph, indexes and constraints included (bootstrap_schema restores them)."""
        if self._graph_exists():
            try:
                self._graph.delete()
            except redis.exceptions.RedisError as exc:
                raise self._map_error(exc, "GRAPH.DELETE") from None

    def ping(self) -> None:
        try:
            self._db.connection.ping()
        except redis.exceptions.RedisError as exc:
            raise self._map_error(exc, "PING") from None

    def describe(self) -> dict[str, Any]:
        conn = self._db.connection
        try:
            memory = conn.info("memory")
            server = conn.info("server")
            graphs = sorted(self._db.list_graphs())
        except redis.exceptions.RedisError as exc:
            raise self._map_error(exc, "INFO") from None
        sizes = {}
        for name in graphs:
            graph = self._db.select_graph(name)
            nodes = graph.ro_query("MATCH (n) RETURN count(n)").result_set[0][0]
            rels = graph.ro_query("MATCH ()-[r]->() RETURN count(r)").result_set[0][0]
            sizes[name] = {"nodes": nodes, "relationships": rels}
        return {
            "engine": self.kind,
            "address": self.address,
            "graph": self.graph_name,
            "server_version": server.get("redis_version"),
            "memory_used": memory.get("used_memory_human"),
            "memory_peak": memory.get("used_memory_peak_human"),
            "graphs": sizes,
        }

    # -- bulk building (a first load into an empty graph; see creditgraph.loaders.bulk) --------

    supports_bulk = True

    def bulk_scratch_key(self, source: str) -> str:
        """The key a first load of ``source`` builds its graph under before swapping it in."""
        return f"{self.graph_name}.bulk.{source}"

    def _command(self, *args: Any, what: str) -> Any:
        try:
            return self._db.connection.execute_command(*args)
        except redis.exceptions.ConnectionError:
            if self._engine is None:
                raise self._unavailable() from None
            self._engine.ensure_started()
            raise EngineUnavailable(f"the embedded engine restarted during {what}",
                                    hint="run the command again") from None
        except redis.exceptions.RedisError as exc:
            raise self._map_error(exc, what) from None

    def sibling(self, graph: str) -> FalkorDBBackend:
        """Graph ``graph`` of the same engine, over the same connection."""
        return FalkorDBBackend(self._db, graph, kind=self.kind, address=self.address,
                               engine=self._engine)

    def drop_graph(self, key: str) -> None:
        """Delete graph ``key`` if it exists (a scratch graph, never the target)."""
        if key != self.graph_name and key in self._command("GRAPH.LIST", what="GRAPH.LIST"):
            self._command("GRAPH.DELETE", key, what="GRAPH.DELETE")

    def bulk_insert(self, key: str, nodes: int, edges: int, node_blobs: list[bytes],
                    edge_blobs: list[bytes], *, begin: bool) -> None:
        """One ``GRAPH.BULK`` call: ``begin`` creates graph ``key`` (which must not exist)."""
        head = ["GRAPH.BULK", key] + (["BEGIN"] if begin else [])
        self._command(*head, nodes, edges, len(node_blobs), len(edge_blobs), *node_blobs,
                      *edge_blobs, what="GRAPH.BULK")

    def graph_holds_only_load_runs(self) -> bool:
        """Whether this graph has no node but load records and no relationship."""
        if self.read("MATCH (n) WHERE NOT n:LoadRun RETURN 1 AS x LIMIT 1", timeout=0):
            return False
        return not self.read("MATCH ()-[r]->() RETURN 1 AS x LIMIT 1", timeout=0)

    def load_run_records(self) -> list[dict[str, Any]]:
        """The properties of every LoadRun node."""
        return [r["p"] for r in self.read("MATCH (r:LoadRun) RETURN properties(r) AS p", timeout=0)]

    def replace_graph_with(self, key: str) -> None:
        """Make graph ``key`` this graph, atomically (``RENAME`` replaces the old one)."""
        self._command("RENAME", key, self.graph_name, what="RENAME")

    def wait_for_indexes(self, timeout: float = 3600.0) -> None:
        """Wait until the engine has finished building this graph's indexes and constraints."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.read("CALL db.indexes() YIELD status RETURN status", timeout=0)
            rows += self.read("CALL db.constraints() YIELD status RETURN status", timeout=0)
            if all(str(r["status"]).upper() in ("OPERATIONAL", "FAILED") for r in rows):
                return
            time.sleep(0.05)

    def close(self) -> None:
        try:
            self._db.connection.close()
        except redis.exceptions.RedisError:
            pass
