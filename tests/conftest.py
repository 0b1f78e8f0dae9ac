"""Shared fixtures: a private embedded engine per test session, cleared between tests.

Like yente's conftest: a real engine, isolated per run (its own temporary CREDITGRAPH_HOME and
socket) and stopped at the end. Contract tests also run on Neo4j when CREDITGRAPH_TEST_NEO4J is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
TEST_GRAPH = "creditgraph_test"


@pytest.fixture(scope="session")
def engine_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private CREDITGRAPH_HOME with a running embedded engine for the whole session."""
    from creditgraph.graph.embedded import EmbeddedEngine

    home = tmp_path_factory.mktemp("cghome")
    engine = EmbeddedEngine(home)
    engine.ensure_started()
    yield home
    engine.stop()


@pytest.fixture(scope="session")
def engine(engine_home: Path):
    """The session's EmbeddedEngine object."""
    from creditgraph.graph.embedded import EmbeddedEngine

    return EmbeddedEngine(engine_home)


@pytest.fixture()
def cli_env(engine_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for running the CLI as a subprocess against the session's engine."""
    env = dict(os.environ)
    env.update(CREDITGRAPH_HOME=str(engine_home), CREDITGRAPH_GRAPH=TEST_GRAPH,
               CREDITGRAPH_DB="embedded")
    return env


@pytest.fixture()
def graph(engine):
    """The embedded backend on an empty test graph with the schema in place."""
    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    backend = FalkorDBBackend.over_socket(engine, TEST_GRAPH)
    backend.clear()
    backend.bootstrap_schema()
    yield backend
    backend.close()


def _neo4j_backend():
    uri = os.environ.get("CREDITGRAPH_TEST_NEO4J")
    if not uri:
        pytest.skip("no Neo4j here: set CREDITGRAPH_TEST_NEO4J=bolt://host:7687 "
                    "(and CREDITGRAPH_NEO4J_PASSWORD) to run the contract tests on Neo4j too")
    from creditgraph import settings
    from creditgraph.graph.neo4j_backend import Neo4jBackend

    return Neo4jBackend(uri, user=settings.NEO4J_USER, password=settings.NEO4J_PASSWORD,
                        database=settings.NEO4J_DATABASE)


@pytest.fixture(params=["embedded", "neo4j"])
def any_backend(request: pytest.FixtureRequest):
    """Each real backend available: embedded always, Neo4j when CREDITGRAPH_TEST_NEO4J is set."""
    if request.param == "embedded":
        yield request.getfixturevalue("graph")
        return
    backend = _neo4j_backend()
    backend.clear()
    backend.bootstrap_schema()
    yield backend
    backend.clear()
    backend.close()
