"""Neo4j 5 backend, through the official ``neo4j`` Python driver.

Every statement goes through ``Driver.execute_query`` as a managed transaction:

* Reads use ``RoutingControl.READ``. Besides routing to a reader in a cluster, that makes the
  driver open the transaction with access mode "r" (``BEGIN {mode: "r"}``), and the server itself
  refuses any write inside it (``Neo.ClientError.Statement.AccessMode``), on a single instance as
  well as in a cluster. Read-only is therefore enforced by Neo4j, not by guessing from the text.
* The per-query timeout travels as the transaction timeout (``neo4j.Query(text, timeout=...)``),
  so the server stops a runaway query and frees its memory; a client-side timer would only stop
  waiting for it.
* Parameters are always sent as Bolt parameters, never formatted into the statement.

The driver is lazy: constructing the backend opens no connection. The first statement checks
connectivity once, because ``execute_query`` otherwise retries an unreachable server for about a
minute before giving up, which is not what someone who forgot to start Neo4j should wait for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import RoutingControl
from neo4j import exceptions as ne
from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time

from creditgraph.exc import (
    AuthError,
    ConfigError,
    CreditgraphError,
    EngineUnavailable,
    QueryError,
    QueryTimeout,
    ReadOnlyViolation,
)
from creditgraph.graph.base import (
    GraphBackend,
    Row,
    SchemaStatement,
    WriteSummary,
    node_dict,
    relationship_dict,
)

__all__ = ["Neo4jBackend", "redact_uri", "to_plain"]

# Rows per inner transaction when clearing: big enough to be quick, small enough that one
# transaction's state stays far below Neo4j's default transaction memory limits.
_CLEAR_BATCH = 10000

_START_HINT = ("start it with `docker compose up -d neo4j`, or point CREDITGRAPH_DB at a running "
               "Neo4j 5 (bolt://host:7687, neo4j+s://host)")
_AUTH_HINT = "set CREDITGRAPH_NEO4J_USER and CREDITGRAPH_NEO4J_PASSWORD to an account of this Neo4j"
_TIMEOUT_HINT = "raise CREDITGRAPH_QUERY_TIMEOUT (0 turns the limit off) or narrow the query"


def redact_uri(uri: str) -> str:
    """``uri`` without user, password, query string or fragment, safe to log and display."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        # A URI too broken to parse is shown only by scheme, so nothing secret can leak.
        return uri.split(":", 1)[0] + "://…" if "://" in uri else "<invalid URI>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def to_plain(value: Any) -> Any:
    """Convert a value from the neo4j driver into the engine-neutral plain form (see graph.base).

    Nodes, relationships and paths become dicts; temporal values become ISO 8601 strings (the
    same strings Python's ``isoformat`` gives, so both engines agree); spatial points become
    ``{"srid": ..., "coordinates": [...]}``; lists and maps are converted recursively.
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    # Node and Relationship are Mappings, and Duration and Point are tuples, so they must be
    # recognised before the generic container cases below.
    if isinstance(value, Node):
        return node_dict(value.labels, {k: to_plain(v) for k, v in value.items()})
    if isinstance(value, Relationship):
        return relationship_dict(value.type, {k: to_plain(v) for k, v in value.items()})
    if isinstance(value, Path):
        return {"nodes": [to_plain(n) for n in value.nodes],
                "relationships": [to_plain(r) for r in value.relationships]}
    if isinstance(value, Date):
        return value.iso_format()
    if isinstance(value, (DateTime, Time)):
        # Through the native type so the text matches FalkorDB's (microseconds, trailing zeros
        # dropped); nanoseconds beyond microseconds are not used by creditgraph's data.
        return value.to_native().isoformat()
    if isinstance(value, Duration):
        # Months and days cannot be expressed as a timedelta, so keep the ISO form ("P1M3D").
        return value.iso_format()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Point):
        return {"srid": value.srid, "coordinates": [float(c) for c in value]}
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def _record_row(record: Mapping[str, Any]) -> Row:
    # Record.data() would flatten nodes to bare property dicts and lose labels and types.
    return {key: to_plain(value) for key, value in record.items()}


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return " ".join(line.split())
    return "no message from the server"


def _quote_name(name: str) -> str:
    """Backtick-quote a schema object name read back from the server (names cannot be parameters)."""
    return "`" + name.replace("`", "``") + "`"


class _NoLimit:
    """Marker: run without a transaction timeout of our own (the server's default applies)."""


_NO_LIMIT = _NoLimit()


def _tx_timeout(timeout: float | None | _NoLimit) -> float | None:
    """The transaction timeout to send: None for "server default", else seconds."""
    if isinstance(timeout, _NoLimit):
        return None
    if timeout is None:
        from creditgraph import settings

        timeout = settings.QUERY_TIMEOUT
    # 0 means "no limit" in CREDITGRAPH_QUERY_TIMEOUT. Sending None rather than 0 leaves the
    # server's db.transaction.timeout in force, so an operator's own ceiling still applies.
    return float(timeout) if timeout and timeout > 0 else None


class Neo4jBackend(GraphBackend):
    """A Neo4j 5 database reached with the official driver (bolt://, neo4j://, neo4j+s://...)."""

    kind = "neo4j"
    schema_dialect = "neo4j"

    def __init__(self, uri: str, *, user: str = "neo4j", password: str = "",
                 database: str = "neo4j", driver: Any = None) -> None:
        """Create the backend; no connection is opened until the first statement or ``ping``.

        ``driver`` replaces the real ``neo4j.Driver`` (tests pass a fake one).
        """
        self.uri = redact_uri(uri)
        self.address = self.uri
        self.database = database
        self._user = user
        self._verified = False
        if driver is None:
            try:
                has_userinfo = "@" in urlsplit(uri).netloc
            except ValueError:
                has_userinfo = False  # the driver rejects it below, and redact_uri hides it
            if has_userinfo:
                # The driver would echo the whole URI, password included, in its error message.
                raise ConfigError(f"the Neo4j URI {self.uri} must not contain a user or password",
                                  hint="set CREDITGRAPH_NEO4J_USER and CREDITGRAPH_NEO4J_PASSWORD "
                                  "instead")
            from creditgraph import __version__

            try:
                driver = neo4j.GraphDatabase.driver(uri, auth=(user, password),
                                                    user_agent=f"creditgraph/{__version__}")
            except (ne.ConfigurationError, ValueError) as exc:
                # The driver's message quotes the URI as given; show only the redacted form.
                reason = _first_line(str(exc).replace(uri, self.uri))
                raise ConfigError(f"cannot use the Neo4j URI {self.uri}: {reason}",
                                  hint="use bolt://host:7687, neo4j://host or neo4j+s://host"
                                  ) from None
        self._driver = driver

    # -- errors ------------------------------------------------------------------------------

    def _translate(self, exc: BaseException, timeout: float | None = None) -> CreditgraphError | None:
        """The creditgraph error for a driver or network error, or None if it is not one."""
        if isinstance(exc, ne.AuthError):
            return AuthError(f"Neo4j at {self.uri} refused the credentials of user {self._user!r}",
                             hint=_AUTH_HINT)
        if isinstance(exc, ne.ConnectionAcquisitionTimeoutError):
            return QueryTimeout(f"timed out waiting for a free connection to Neo4j at {self.uri}",
                                hint="too many queries at once; try again")
        if isinstance(exc, (ne.ServiceUnavailable, ne.SessionExpired, ne.DatabaseUnavailable)):
            reason = _unavailable_reason(exc)
            what = f"cannot reach Neo4j at {self.uri}"
            if isinstance(exc, ne.DatabaseUnavailable):
                what = f"database {self.database!r} is not available on Neo4j at {self.uri}"
            return EngineUnavailable(f"{what}: {reason}" if reason else what, hint=_START_HINT)
        if isinstance(exc, TimeoutError):  # socket timeouts; checked before OSError, its base
            return QueryTimeout(f"timed out talking to Neo4j at {self.uri}", hint=_TIMEOUT_HINT)
        if isinstance(exc, OSError):
            return EngineUnavailable(f"cannot reach Neo4j at {self.uri}: {exc.strerror or exc}",
                                     hint=_START_HINT)
        if isinstance(exc, ne.Neo4jError):
            return self._translate_server(exc, timeout)
        if isinstance(exc, ne.ConfigurationError):
            return ConfigError(f"Neo4j driver configuration: {_first_line(str(exc))}")
        return None

    def _translate_server(self, exc: ne.Neo4jError, timeout: float | None) -> CreditgraphError:
        code = exc.code or ""
        message = _first_line(exc.message)
        lower = message.lower()
        if code.startswith("Neo.ClientError.Transaction.TransactionTimedOut") or (
                code.endswith(".Terminated") and ("timeout" in lower or "timed out" in lower)):
            if timeout and code.endswith("ClientConfiguration"):
                text = f"the query ran longer than its timeout of {timeout:g} s and Neo4j stopped it"
            else:
                text = f"the query ran longer than its timeout and Neo4j stopped it: {message}"
            return QueryTimeout(text, hint=_TIMEOUT_HINT)
        if (code.endswith(".AccessMode") or "writing in read access mode not allowed" in lower
                or isinstance(exc, ne.ForbiddenOnReadOnlyDatabase)):
            return ReadOnlyViolation(f"this statement writes, but it was sent as a read ({message})",
                                     hint="use --write for statements that change the graph")
        if code == "Neo.ClientError.Database.DatabaseNotFound":
            return ConfigError(f"Neo4j at {self.uri} has no database {self.database!r}",
                               hint="set CREDITGRAPH_NEO4J_DATABASE; Neo4j Community has only 'neo4j'")
        return QueryError(f"Neo4j rejected the query: {message}")

    @contextmanager
    def _errors(self, timeout: float | None = None) -> Iterator[None]:
        """Turn driver errors into one-line creditgraph errors, without the driver's traceback."""
        try:
            yield
        except CreditgraphError:
            raise
        except Exception as exc:
            mapped = self._translate(exc, timeout)
            if mapped is None:
                raise
            raise mapped from None

    # -- running statements ------------------------------------------------------------------

    def _ensure_connected(self) -> None:
        if not self._verified:
            self.ping()
            self._verified = True

    def _execute(self, cypher: str, params: Mapping[str, Any] | None, routing: RoutingControl,
                 timeout: float | None | _NoLimit) -> Any:
        self._ensure_connected()
        seconds = _tx_timeout(timeout)
        query = neo4j.Query(cypher, timeout=seconds)
        with self._errors(seconds):
            return self._driver.execute_query(query, parameters_=dict(params or {}),
                                              routing_=routing, database_=self.database)

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, *,
             timeout: float | None = None) -> list[Row]:
        """Run ``cypher`` in a read transaction (Neo4j refuses writes there); return plain rows.

        ``timeout`` is in seconds; None uses CREDITGRAPH_QUERY_TIMEOUT and 0 means no limit.
        """
        result = self._execute(cypher, params, RoutingControl.READ, timeout)
        return [_record_row(record) for record in result.records]

    def write(self, cypher: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None) -> WriteSummary:
        """Run ``cypher`` in one write transaction; return its counters and plain rows."""
        result = self._execute(cypher, params, RoutingControl.WRITE, timeout)
        counters = result.summary.counters
        return WriteSummary(
            nodes_created=counters.nodes_created, nodes_deleted=counters.nodes_deleted,
            relationships_created=counters.relationships_created,
            relationships_deleted=counters.relationships_deleted,
            properties_set=counters.properties_set, labels_added=counters.labels_added,
            rows=[_record_row(record) for record in result.records])

    # -- schema ------------------------------------------------------------------------------

    def existing_indexes(self) -> set[tuple[str, str]]:
        """(label or relationship type, property) for every index, full-text ones included.

        Token lookup indexes have neither labels nor properties and so do not appear.
        """
        rows = self.read("SHOW INDEXES YIELD labelsOrTypes, properties")
        return {(label, prop) for row in rows
                for label in row.get("labelsOrTypes") or []
                for prop in row.get("properties") or []}

    def apply_schema_statement(self, statement: SchemaStatement) -> bool:
        """Run one DDL statement (``IF NOT EXISTS`` makes it idempotent).

        Returns True when Neo4j reports an index or constraint added, False when it was there.
        """
        try:
            # Building an index or checking a constraint over a large graph may take longer than
            # a query is allowed to, so DDL runs under the server's own limit only.
            result = self._execute(statement.text, None, RoutingControl.WRITE, _NO_LIMIT)
        except QueryError as exc:
            raise type(exc)(f"{statement.file}:{statement.line}: {exc.message}",
                            hint=exc.hint) from None
        counters = result.summary.counters
        return bool(counters.indexes_added or counters.constraints_added)

    # -- housekeeping ------------------------------------------------------------------------

    def clear(self) -> None:
        """Delete every relationship and node in batches, then drop constraints and indexes.

        Works on a graph of any size: ``CALL { } IN TRANSACTIONS`` commits every
        ``_CLEAR_BATCH`` rows. Relationships go first so that a node with millions of them does
        not have to be detached inside one transaction. Like FalkorDB's GRAPH.DELETE, the schema
        goes too; ``bootstrap_schema`` restores it. Token lookup indexes stay (Neo4j needs them
        for label scans).
        """
        self._ensure_connected()
        # CALL ... IN TRANSACTIONS is refused inside a managed transaction, so these run as
        # auto-commit queries through a session. The importing-WITH form is used because
        # CALL (x) { } exists only from Neo4j 5.23.
        statements = [
            f"MATCH ()-[r]->() CALL {{ WITH r DELETE r }} IN TRANSACTIONS OF {_CLEAR_BATCH} ROWS",
            f"MATCH (n) CALL {{ WITH n DETACH DELETE n }} IN TRANSACTIONS OF {_CLEAR_BATCH} ROWS",
        ]
        with self._errors(), self._driver.session(database=self.database) as session:
            for text in statements:
                session.run(text).consume()
        # Constraints first: an index that backs a constraint can only go with its constraint.
        for row in self.read("SHOW CONSTRAINTS YIELD name"):
            self._execute(f"DROP CONSTRAINT {_quote_name(row['name'])} IF EXISTS", None,
                          RoutingControl.WRITE, _NO_LIMIT)
        for row in self.read("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'"):
            self._execute(f"DROP INDEX {_quote_name(row['name'])} IF EXISTS", None,
                          RoutingControl.WRITE, _NO_LIMIT)

    def ping(self) -> None:
        """Raise EngineUnavailable (or AuthError) unless Neo4j answers with these credentials."""
        with self._errors():
            self._driver.verify_connectivity()

    def describe(self) -> dict[str, Any]:
        """Address (no credentials), database, server version and edition, and graph size."""
        info: dict[str, Any] = {"engine": self.kind, "address": self.uri, "database": self.database,
                                "server_version": None, "edition": None}
        for row in self.read("CALL dbms.components() YIELD name, versions, edition "
                             "RETURN name, versions, edition"):
            if row.get("name") == "Neo4j Kernel" or info["server_version"] is None:
                versions = row.get("versions") or []
                info["server_version"] = versions[0] if versions else None
                info["edition"] = row.get("edition")
        info["nodes"] = self.read("MATCH (n) RETURN count(n) AS count")[0]["count"]
        info["relationships"] = self.read("MATCH ()-[r]->() RETURN count(r) AS count")[0]["count"]
        info["graphs"] = {self.database: {"nodes": info["nodes"],
                                          "relationships": info["relationships"]}}
        return info

    def close(self) -> None:
        """Close the driver and its connection pool."""
        with self._errors():
            self._driver.close()


def _unavailable_reason(exc: BaseException) -> str:
    """The useful part of a connection error ("[Errno 111] Connection refused"), on one line."""
    text = str(exc.args[0]) if exc.args else str(exc)
    match = re.search(r"\(reason (.+?)\)\s*$", text, re.DOTALL)
    if match:
        return " ".join(match.group(1).split())
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[-1].split()) if lines else ""
