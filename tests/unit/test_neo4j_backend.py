"""Neo4jBackend against a fake driver: what it sends to Neo4j and what it makes of the answers.

Neo4j itself does not run here, so the driver is replaced at its boundary (``execute_query``,
``session``, ``verify_connectivity``) by a small recording fake. Everything the fake hands back
is a real driver object: ``EagerResult`` of ``Record``s with a ``ResultSummary``, ``neo4j.graph``
nodes, relationships and paths, ``neo4j.time`` values, and ``neo4j.exceptions`` errors built the
way the driver builds them from a server FAILURE. So the conversion and the error mapping are
tested on the types the driver really produces.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self

import neo4j
import pytest
from neo4j import Address, EagerResult, Query, Record, ResultSummary, RoutingControl, ServerInfo
from neo4j import exceptions as ne
from neo4j.graph import Graph, Node, Relationship
from neo4j.graph import Path as GraphPath
from neo4j.spatial import CartesianPoint
from neo4j.time import Date, DateTime, Duration

from creditgraph import exc, settings
from creditgraph.graph import connect
from creditgraph.graph.base import SchemaStatement, read_schema_statements
from creditgraph.graph.neo4j_backend import Neo4jBackend, redact_uri, to_plain

REPO = Path(__file__).resolve().parents[2]
SCHEMA_ROOT = REPO / "cypher" / "schema"
PASSWORD = "s3cret-Pa55word"
EVIL = "x' }) DETACH DELETE n //"
ADDRESS = Address(("localhost", 7687))


# -- real driver result objects ----------------------------------------------------------------

def eager(rows: list[Mapping[str, Any]] | None = None, stats: Mapping[str, int] | None = None
          ) -> EagerResult:
    """An EagerResult as execute_query returns it; ``stats`` uses Bolt's counter keys."""
    rows = rows or []
    keys = list(rows[0]) if rows else []
    summary = ResultSummary(ADDRESS, had_key=bool(keys), had_record=bool(rows),
                            metadata={"server": ServerInfo(ADDRESS, (5, 8)),
                                      "stats": dict(stats or {})})
    return EagerResult([Record(row) for row in rows], summary, keys)


def server_error(code: str, message: str) -> ne.Neo4jError:
    """The exception the driver raises for a server FAILURE with this code and message.

    ``_hydrate_neo4j`` is the driver's own constructor for server errors (it picks the subclass,
    e.g. CypherSyntaxError or AuthError, from the code), so these are the real thing.
    """
    return ne.Neo4jError._hydrate_neo4j(code=code, message=message)


def make_node(graph: Graph, element_id: str, labels: list[str], props: dict[str, Any]) -> Node:
    return Node(graph, element_id, int(element_id.rsplit(":", 1)[-1]), labels, props)


def make_rel(graph: Graph, element_id: str, rel_type: str, start: Node, end: Node,
             props: dict[str, Any]) -> Relationship:
    # As the driver's hydrator does: a per-type subclass, then the end nodes bound.
    rel = graph.relationship_type(rel_type)(graph, element_id, int(element_id.rsplit(":", 1)[-1]),
                                           props)
    rel._start_node, rel._end_node = start, end
    return rel


# -- the fake driver ---------------------------------------------------------------------------

class _Consumable:
    """Stands in for the Result of session.run; the backend only consumes it."""

    def consume(self) -> None:
        return None


class FakeSession:
    def __init__(self, driver: FakeDriver, database: str | None) -> None:
        self.driver, self.database = driver, database

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def run(self, query: Any, parameters: Mapping[str, Any] | None = None,
            **kwargs: Any) -> _Consumable:
        self.driver.session_runs.append((self.database, query))
        if self.driver.error is not None:
            raise self.driver.error
        return _Consumable()


class FakeDriver:
    """Records every call the backend makes; answers with ``respond(text, params)``."""

    def __init__(self, respond: Callable[[str, dict[str, Any]], EagerResult] | None = None,
                 error: BaseException | None = None,
                 connect_error: BaseException | None = None) -> None:
        self.respond = respond or (lambda text, params: eager())
        self.error = error
        self.connect_error = connect_error
        self.calls: list[dict[str, Any]] = []
        self.session_runs: list[tuple[str | None, Any]] = []
        self.verified = 0
        self.closed = False

    def verify_connectivity(self) -> None:
        self.verified += 1
        if self.connect_error is not None:
            raise self.connect_error

    def execute_query(self, query_: Any, parameters_: dict[str, Any] | None = None,
                      routing_: RoutingControl = RoutingControl.WRITE,
                      database_: str | None = None, **kwargs: Any) -> EagerResult:
        self.calls.append({"query": query_, "params": parameters_, "routing": routing_,
                           "database": database_, "kwargs": kwargs})
        if self.error is not None:
            raise self.error
        text = query_.text if isinstance(query_, Query) else query_
        return self.respond(text, dict(parameters_ or {}))

    def session(self, database: str | None = None, **kwargs: Any) -> FakeSession:
        return FakeSession(self, database)

    def close(self) -> None:
        self.closed = True


def backend(driver: FakeDriver, database: str = "neo4j") -> Neo4jBackend:
    return Neo4jBackend("bolt://localhost:7687", user="neo4j", password=PASSWORD,
                        database=database, driver=driver)


# -- routing, database, parameters, timeout ----------------------------------------------------

def test_read_uses_read_routing_and_the_database() -> None:
    driver = FakeDriver(lambda text, params: eager([{"one": 1}]))
    rows = backend(driver, database="credit").read("RETURN 1 AS one")
    assert rows == [{"one": 1}]
    (call,) = driver.calls
    assert call["routing"] is RoutingControl.READ
    assert call["database"] == "credit"
    assert isinstance(call["query"], Query)
    assert call["query"].text == "RETURN 1 AS one"
    assert call["kwargs"] == {}  # nothing smuggled in as a keyword parameter


def test_write_uses_write_routing_and_reports_counters() -> None:
    stats = {"nodes-created": 2, "nodes-deleted": 1, "relationships-created": 3,
             "relationships-deleted": 4, "properties-set": 5, "labels-added": 6}
    driver = FakeDriver(lambda text, params: eager([{"n": 2}], stats))
    summary = backend(driver).write("CREATE (:A), (:A) RETURN 2 AS n")
    (call,) = driver.calls
    assert call["routing"] is RoutingControl.WRITE
    assert call["database"] == "neo4j"
    assert (summary.nodes_created, summary.nodes_deleted, summary.relationships_created,
            summary.relationships_deleted, summary.properties_set, summary.labels_added) == \
        (2, 1, 3, 4, 5, 6)
    assert summary.rows == [{"n": 2}]
    assert summary.changed


def test_parameters_are_passed_as_parameters_never_in_the_text() -> None:
    driver = FakeDriver()
    g = backend(driver)
    cypher = "MATCH (n:Enterprise {name: $name}) RETURN n"
    params = {"name": EVIL, "limit": 5, "nested": {"list": [EVIL, 1]}}
    g.read(cypher, params)
    g.write("MERGE (n:Enterprise {name: $name})", {"name": EVIL})
    first, second = driver.calls
    assert first["params"] == params
    assert second["params"] == {"name": EVIL}
    for call in driver.calls:
        assert EVIL not in call["query"].text
    assert first["query"].text == cypher


def test_params_mapping_is_not_mutated() -> None:
    driver = FakeDriver()
    params = {"a": 1}
    backend(driver).read("RETURN $a AS a", params)
    assert params == {"a": 1}


def test_timeout_is_sent_as_the_transaction_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "QUERY_TIMEOUT", 42.0)
    driver = FakeDriver()
    g = backend(driver)
    g.read("RETURN 1", timeout=7.5)
    g.write("CREATE ()", timeout=3)
    g.read("RETURN 1")  # None: the CREDITGRAPH_QUERY_TIMEOUT default
    g.read("RETURN 1", timeout=0)  # 0: no limit of ours, so the server default applies
    assert [c["query"].timeout for c in driver.calls] == [7.5, 3.0, 42.0, None]


def test_query_timeout_setting_zero_means_no_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "QUERY_TIMEOUT", 0.0)
    driver = FakeDriver()
    backend(driver).read("RETURN 1")
    assert driver.calls[0]["query"].timeout is None


class _Opened(Exception):
    """Raised by the patched transaction opener to stop before any network traffic."""

    def __init__(self, **seen: Any) -> None:
        super().__init__("transaction opened")
        self.seen = seen


@pytest.mark.parametrize(("method", "access_mode"), [("read", "READ"), ("write", "WRITE")])
def test_real_driver_begins_the_transaction_with_mode_timeout_and_database(
        monkeypatch: pytest.MonkeyPatch, method: str, access_mode: str) -> None:
    """The installed driver really turns what the backend passes into the BEGIN it sends.

    This goes through the real ``Driver.execute_query`` and stops in the session where the
    transaction is opened (a private method: if a driver upgrade renames it, this test fails
    and the claim "READ routing gives a read-only transaction with the server-side timeout"
    must be checked again against the new driver).
    """
    from neo4j._sync.work.session import Session

    def open_transaction(self: Session, *, access_mode: str, timeout: float | None = None,
                         **kwargs: Any) -> None:
        raise _Opened(access_mode=access_mode, timeout=timeout, database=self._config.database)

    monkeypatch.setattr(Session, "_open_transaction", open_transaction)
    g = Neo4jBackend(f"bolt://127.0.0.1:{_free_port()}", password=PASSWORD, database="credit")
    monkeypatch.setattr(g, "_ensure_connected", lambda: None)
    try:
        with pytest.raises(_Opened) as info:
            getattr(g, method)("RETURN $x AS x", {"x": EVIL}, timeout=4.5)
    finally:
        g.close()
    assert info.value.seen == {"access_mode": getattr(neo4j, f"{access_mode}_ACCESS"),
                               "timeout": 4.5, "database": "credit"}


def test_connectivity_is_checked_once_before_the_first_query() -> None:
    driver = FakeDriver()
    g = backend(driver)
    assert driver.verified == 0  # constructing opens nothing
    g.read("RETURN 1")
    g.write("CREATE ()")
    g.read("RETURN 1")
    assert driver.verified == 1


# -- result conversion -------------------------------------------------------------------------

def test_nodes_relationships_paths_dates_and_nested_values_become_plain() -> None:
    graph = Graph()
    ent = make_node(graph, "4:db:1", ["Enterprise", "Subject"],
                    {"uscc": "91110000600037341L", "name": "甲公司", "founded": Date(2001, 5, 17)})
    person = make_node(graph, "4:db:2", ["Person", "Subject"], {"pid": "p1", "tags": ["a", "b"]})
    holds = make_rel(graph, "5:db:10", "HOLDS", person, ent,
                     {"ratio": 0.6, "since": Date(2020, 1, 2)})
    rep = make_rel(graph, "5:db:11", "LEGAL_REP_OF", person, ent, {})
    # Traversed against the direction of ``rep``: the path still lists it.
    path = GraphPath(ent, rep, holds)

    row = {"e": ent, "r": holds, "p": path,
           "d": Date(2024, 2, 29),
           "dt": DateTime(2024, 2, 29, 13, 45, 6, 123456000),
           "dur": Duration(months=3, days=2),
           "pt": CartesianPoint((1.5, 2.0)),
           "nested": [[ent, {"when": Date(2023, 12, 31), "who": [person]}], None],
           "m": {"count": 3, "xs": [1, 2.5, "s", True]}}
    driver = FakeDriver(lambda text, params: eager([row]))
    (out,) = backend(driver).read("MATCH ... RETURN ...")

    ent_plain = {"uscc": "91110000600037341L", "name": "甲公司", "founded": "2001-05-17",
                 "_labels": ["Enterprise", "Subject"]}
    person_plain = {"pid": "p1", "tags": ["a", "b"], "_labels": ["Person", "Subject"]}
    holds_plain = {"ratio": 0.6, "since": "2020-01-02", "_type": "HOLDS"}
    assert out["e"] == ent_plain
    assert out["r"] == holds_plain
    assert out["p"] == {"nodes": [ent_plain, person_plain, ent_plain],
                        "relationships": [{"_type": "LEGAL_REP_OF"}, holds_plain]}
    assert out["d"] == "2024-02-29"
    assert out["dt"] == "2024-02-29T13:45:06.123456"
    assert out["dur"] == "P3M2D"
    assert out["pt"] == {"srid": 7203, "coordinates": [1.5, 2.0]}
    assert out["nested"] == [[ent_plain, {"when": "2023-12-31", "who": [person_plain]}], None]
    assert out["m"] == {"count": 3, "xs": [1, 2.5, "s", True]}
    assert list(out) == list(row)  # column order kept


def test_conversion_leaves_no_driver_types_behind() -> None:
    graph = Graph()
    a = make_node(graph, "4:db:1", ["A"], {"d": DateTime(2024, 1, 1, 0, 0, 0)})
    value = to_plain({"x": [a, (Date(2024, 1, 1),)]})

    def walk(v: Any) -> None:
        assert type(v).__module__ == "builtins", type(v)
        if isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    assert value == {"x": [{"d": "2024-01-01T00:00:00", "_labels": ["A"]}, ["2024-01-01"]]}


def test_write_rows_are_converted_too() -> None:
    graph = Graph()
    node = make_node(graph, "4:db:7", ["LoadRun"], {"run_id": "r1", "at": Date(2024, 3, 1)})
    driver = FakeDriver(lambda text, params: eager([{"run": node}], {"nodes-created": 1}))
    summary = backend(driver).write("CREATE (r:LoadRun {run_id: $id}) RETURN r", {"id": "r1"})
    assert summary.rows == [{"run": {"run_id": "r1", "at": "2024-03-01", "_labels": ["LoadRun"]}}]


# -- error mapping -----------------------------------------------------------------------------

CONNECTION_REFUSED = ne.ServiceUnavailable(
    "Couldn't connect to localhost:7687 (resolved to ('127.0.0.1:7687',)):\n"
    "Failed to establish connection to ResolvedIPv4Address(('127.0.0.1', 7687)) "
    "(reason [Errno 111] Connection refused)")

QUERY_ERRORS = [
    pytest.param(server_error("Neo.ClientError.Statement.SyntaxError",
                              "Invalid input 'RETRUN': expected 'RETURN' (line 1, column 1 "
                              "(offset: 0))\n\"RETRUN 1\"\n ^"),
                 exc.QueryError, "Invalid input 'RETRUN'", id="syntax"),
    pytest.param(server_error("Neo.ClientError.Statement.ParameterMissing",
                              "Expected parameter(s): name"),
                 exc.QueryError, "Expected parameter(s): name", id="client-error"),
    pytest.param(server_error("Neo.ClientError.Schema.ConstraintValidationFailed",
                              "Node(1) already exists with label `Enterprise` and property "
                              "`uscc` = 'X'"),
                 exc.QueryError, "already exists", id="constraint"),
    pytest.param(server_error("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
                              "The transaction has not completed within the timeout specified "
                              "at its start by the client. You may want to retry with a longer "
                              "timeout."),
                 exc.QueryTimeout, "ran longer than its timeout", id="timeout-client-config"),
    pytest.param(server_error("Neo.ClientError.Transaction.TransactionTimedOut",
                              "The transaction has not completed within the specified timeout "
                              "(db.transaction.timeout)."),
                 exc.QueryTimeout, "ran longer than its timeout", id="timeout-server-config"),
    pytest.param(TimeoutError("timed out"), exc.QueryTimeout, "timed out", id="socket-timeout"),
    pytest.param(server_error("Neo.ClientError.Statement.AccessMode",
                              "Writing in read access mode not allowed. Attempted write to "
                              "internal graph 0 (neo4j)"),
                 exc.ReadOnlyViolation, "writes, but it was sent as a read", id="access-mode"),
    pytest.param(server_error("Neo.ClientError.Security.Unauthorized",
                              "The client is unauthorized due to authentication failure."),
                 exc.AuthError, "refused the credentials", id="auth"),
    pytest.param(CONNECTION_REFUSED, exc.EngineUnavailable,
                 "cannot reach Neo4j at bolt://localhost:7687: [Errno 111] Connection refused",
                 id="service-unavailable"),
    pytest.param(ne.SessionExpired("Failed to read from defunct connection"),
                 exc.EngineUnavailable, "cannot reach Neo4j", id="session-expired"),
    pytest.param(ConnectionRefusedError(111, "Connection refused"), exc.EngineUnavailable,
                 "cannot reach Neo4j at bolt://localhost:7687: Connection refused",
                 id="os-connection-refused"),
    pytest.param(server_error("Neo.ClientError.Database.DatabaseNotFound",
                              "Database does not exist. Database name: 'credit'."),
                 exc.ConfigError, "has no database", id="database-not-found"),
]


@pytest.mark.parametrize(("error", "expected", "text"), QUERY_ERRORS)
def test_driver_errors_become_one_line_creditgraph_errors(error: BaseException, expected: type,
                                                          text: str) -> None:
    driver = FakeDriver(error=error)
    with pytest.raises(exc.CreditgraphError) as info:
        backend(driver).read("RETURN 1")
    err = info.value
    assert type(err) is expected
    assert text in err.one_line()
    assert "\n" not in err.one_line()
    # No driver traceback: the original is neither the cause nor shown as context.
    assert err.__cause__ is None and err.__suppress_context__
    assert PASSWORD not in err.one_line()


def test_syntax_error_keeps_only_the_first_line_of_the_message() -> None:
    driver = FakeDriver(error=QUERY_ERRORS[0].values[0])
    with pytest.raises(exc.QueryError) as info:
        backend(driver).read("RETRUN 1")
    assert info.value.message == ("Neo4j rejected the query: Invalid input 'RETRUN': expected "
                                  "'RETURN' (line 1, column 1 (offset: 0))")


def test_real_driver_exception_classes_are_what_the_mapping_expects() -> None:
    # Guards the fixtures above: the driver really raises these subclasses for these codes.
    assert isinstance(QUERY_ERRORS[0].values[0], ne.CypherSyntaxError)
    assert isinstance(server_error("Neo.ClientError.Security.Unauthorized", "x"), ne.AuthError)
    assert type(server_error("Neo.ClientError.Statement.AccessMode", "x")) is ne.ClientError


def test_client_side_timeout_names_the_timeout() -> None:
    driver = FakeDriver(error=server_error(
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", "timed out"))
    with pytest.raises(exc.QueryTimeout) as info:
        backend(driver).read("MATCH (n) RETURN n", timeout=2.5)
    assert "2.5 s" in info.value.one_line()
    assert "CREDITGRAPH_QUERY_TIMEOUT" in info.value.one_line()


def test_unreachable_engine_hint_says_how_to_start_it() -> None:
    driver = FakeDriver(connect_error=CONNECTION_REFUSED)
    with pytest.raises(exc.EngineUnavailable) as info:
        backend(driver).read("RETURN 1")
    assert "docker compose up -d neo4j" in info.value.one_line()
    assert driver.calls == []  # failed fast, before any query was retried


def test_auth_error_hint_names_the_settings() -> None:
    driver = FakeDriver(connect_error=ne.AuthError("The client is unauthorized"))
    with pytest.raises(exc.AuthError) as info:
        backend(driver).ping()
    line = info.value.one_line()
    assert "CREDITGRAPH_NEO4J_USER" in line and "CREDITGRAPH_NEO4J_PASSWORD" in line
    assert PASSWORD not in line


def test_write_in_read_mode_is_a_read_only_violation() -> None:
    driver = FakeDriver(error=server_error("Neo.ClientError.Statement.AccessMode",
                                           "Writing in read access mode not allowed."))
    with pytest.raises(exc.ReadOnlyViolation):
        backend(driver).read("CREATE (:X)")
    assert driver.calls[0]["routing"] is RoutingControl.READ


def test_unexpected_errors_are_not_disguised() -> None:
    driver = FakeDriver(error=RuntimeError("bug"))
    with pytest.raises(RuntimeError, match="bug"):
        backend(driver).read("RETURN 1")


# -- batches and schema ------------------------------------------------------------------------

def test_write_batches_splits_rows_and_uses_unwind() -> None:
    driver = FakeDriver(lambda text, params: eager(stats={"nodes-created": len(params["rows"])}))
    rows = [{"uscc": f"U{i}", "name": EVIL} for i in range(5)]
    cypher = "UNWIND $rows AS row MERGE (e:Enterprise {uscc: row.uscc}) SET e.name = row.name"
    total = backend(driver).write_batches(cypher, iter(rows), batch_size=2,
                                          extra={"run_id": "r1"}, timeout=9)
    assert [len(c["params"]["rows"]) for c in driver.calls] == [2, 2, 1]
    assert [r for c in driver.calls for r in c["params"]["rows"]] == rows
    for call in driver.calls:
        assert call["routing"] is RoutingControl.WRITE
        assert call["query"].text == cypher
        assert call["query"].timeout == 9
        assert call["params"]["run_id"] == "r1"
        assert EVIL not in call["query"].text
    assert total.nodes_created == 5


def test_bootstrap_schema_runs_every_neo4j_statement() -> None:
    def respond(text: str, params: dict[str, Any]) -> EagerResult:
        key = "constraints-added" if text.startswith("CREATE CONSTRAINT") else "indexes-added"
        return eager(stats={key: 1})

    driver = FakeDriver(respond)
    g = backend(driver)
    expected = [s.text for s in read_schema_statements(SCHEMA_ROOT / "neo4j")]
    assert len(expected) >= 10
    applied = g.bootstrap_schema(SCHEMA_ROOT)
    assert applied == expected
    assert [c["query"].text for c in driver.calls] == expected
    for call in driver.calls:
        assert call["routing"] is RoutingControl.WRITE
        assert call["database"] == "neo4j"
        assert "IF NOT EXISTS" in call["query"].text  # repeatable
        assert call["query"].timeout is None  # DDL is not cut off by the query timeout


def test_bootstrap_schema_again_reports_nothing_applied() -> None:
    driver = FakeDriver()  # IF NOT EXISTS on existing objects: no counters
    assert backend(driver).bootstrap_schema(SCHEMA_ROOT) == []
    assert len(driver.calls) == len(read_schema_statements(SCHEMA_ROOT / "neo4j"))


def test_schema_error_names_file_and_line() -> None:
    driver = FakeDriver(error=server_error("Neo.ClientError.Statement.SyntaxError",
                                           "Invalid input 'INDX'\nmore"))
    statement = SchemaStatement("CREATE INDX foo", "02_indexes.cypher", 7)
    with pytest.raises(exc.QueryError, match=r"^02_indexes\.cypher:7: Neo4j rejected"):
        backend(driver).apply_schema_statement(statement)


def test_existing_indexes_from_show_indexes() -> None:
    rows = [
        {"labelsOrTypes": None, "properties": None},  # token lookup index
        {"labelsOrTypes": ["Enterprise"], "properties": ["uscc"]},
        {"labelsOrTypes": ["Enterprise", "Person"], "properties": ["name", "name_norm"]},
        {"labelsOrTypes": ["HOLDS"], "properties": ["ratio"]},
    ]
    driver = FakeDriver(lambda text, params: eager(rows))
    found = backend(driver).existing_indexes()
    assert found == {("Enterprise", "uscc"), ("Enterprise", "name"), ("Enterprise", "name_norm"),
                     ("Person", "name"), ("Person", "name_norm"), ("HOLDS", "ratio")}
    (call,) = driver.calls
    assert call["query"].text.startswith("SHOW INDEXES YIELD labelsOrTypes, properties")
    assert call["routing"] is RoutingControl.READ


# -- clear, ping, describe, close --------------------------------------------------------------

def test_clear_deletes_in_batches_then_drops_schema() -> None:
    def respond(text: str, params: dict[str, Any]) -> EagerResult:
        if text.startswith("SHOW CONSTRAINTS"):
            return eager([{"name": "enterprise_uscc"}, {"name": "odd`name"}])
        if text.startswith("SHOW INDEXES"):
            return eager([{"name": "enterprise_name_norm", "type": "RANGE"}])
        return eager()

    driver = FakeDriver(respond)
    backend(driver, database="credit").clear()
    assert [db for db, _ in driver.session_runs] == ["credit", "credit"]
    deletes = [text for _, text in driver.session_runs]
    assert all("IN TRANSACTIONS OF 10000 ROWS" in t for t in deletes)
    assert "DELETE r" in deletes[0] and "DETACH DELETE n" in deletes[1]
    texts = [c["query"].text for c in driver.calls]
    assert "DROP CONSTRAINT `enterprise_uscc` IF EXISTS" in texts
    assert "DROP CONSTRAINT `odd``name` IF EXISTS" in texts
    assert texts[-1] == "DROP INDEX `enterprise_name_norm` IF EXISTS"
    assert "WHERE type <> 'LOOKUP'" in texts[-2]  # token lookup indexes are kept


def test_ping_verifies_connectivity() -> None:
    driver = FakeDriver()
    backend(driver).ping()
    assert driver.verified == 1


def test_describe_reports_server_and_size_but_never_credentials() -> None:
    def respond(text: str, params: dict[str, Any]) -> EagerResult:
        if "dbms.components" in text:
            return eager([{"name": "Neo4j Kernel", "versions": ["5.26.12"], "edition": "community"}])
        if "()-[r]->()" in text:
            return eager([{"count": 7}])
        return eager([{"count": 12}])

    driver = FakeDriver(respond)
    g = Neo4jBackend(f"neo4j+s://db.example.org:7687?token={PASSWORD}", user="reader",
                     password=PASSWORD, database="neo4j", driver=driver)
    info = g.describe()
    assert info["engine"] == "neo4j"
    assert info["address"] == "neo4j+s://db.example.org:7687"
    assert info["database"] == "neo4j"
    assert info["server_version"] == "5.26.12"
    assert info["edition"] == "community"
    assert (info["nodes"], info["relationships"]) == (12, 7)
    assert PASSWORD not in repr(info)
    assert all(c["routing"] is RoutingControl.READ for c in driver.calls)


def test_close_closes_the_driver() -> None:
    driver = FakeDriver()
    with backend(driver):
        pass
    assert driver.closed


def test_redact_uri() -> None:
    assert redact_uri("bolt://neo4j:pw@localhost:7687") == "bolt://localhost:7687"
    assert redact_uri("neo4j+s://u:p@host.example/x?policy=eu#frag") == "neo4j+s://host.example/x"
    assert redact_uri("bolt://[::1]:7687") == "bolt://[::1]:7687"


# -- construction with the real driver ---------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connect_returns_a_neo4j_backend_without_connecting() -> None:
    # A listening socket that would see any connection attempt.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.3)
        port = listener.getsockname()[1]
        g = connect(f"bolt://127.0.0.1:{port}")
        try:
            assert isinstance(g, Neo4jBackend)
            assert g.kind == "neo4j" and g.schema_dialect == "neo4j"
            assert isinstance(g._driver, neo4j.Driver)
            with pytest.raises(socket.timeout):
                listener.accept()
        finally:
            g.close()


def test_connect_default_neo4j_uri_is_lazy() -> None:
    g = connect("bolt://localhost:7687")
    try:
        assert isinstance(g, Neo4jBackend)
        assert g.database == settings.NEO4J_DATABASE
    finally:
        g.close()


def test_real_driver_fails_fast_when_nothing_listens() -> None:
    g = Neo4jBackend(f"bolt://127.0.0.1:{_free_port()}", password=PASSWORD)
    started = time.monotonic()
    with pytest.raises(exc.EngineUnavailable) as info:
        g.read("RETURN 1")
    assert time.monotonic() - started < 5  # no minute of execute_query retries
    assert "cannot reach Neo4j at bolt://127.0.0.1:" in info.value.one_line()
    g.close()


def test_credentials_in_the_uri_are_refused_without_echoing_them() -> None:
    with pytest.raises(exc.ConfigError) as info:
        Neo4jBackend(f"bolt://neo4j:{PASSWORD}@localhost:7687", password="")
    assert PASSWORD not in info.value.one_line()
    assert "CREDITGRAPH_NEO4J_PASSWORD" in info.value.one_line()


def test_unusable_uri_is_a_config_error_without_its_query_string() -> None:
    with pytest.raises(exc.ConfigError) as info:
        Neo4jBackend(f"foo://localhost:7687?token={PASSWORD}", password="")
    assert "foo://localhost:7687" in info.value.one_line()
    assert PASSWORD not in info.value.one_line()
