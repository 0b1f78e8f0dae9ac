"""The app's read queries (cypher/app/*.cypher): pack format, Neo4j's linter, run on the engine."""

from __future__ import annotations

import pytest
from tests.oracle.app_sample import AS_OF, sample_graph

from creditgraph.app.queries import app_queries_dir, app_query, app_query_ids, as_of_text, default_as_of, read
from creditgraph.exc import InputError
from creditgraph.model import load_model
from creditgraph.queries.lint import lint_queries
from creditgraph.queries.tokens import find_writes, tokenize

IDS = app_query_ids()


@pytest.fixture(scope="module")
def graph(engine, tmp_path_factory):
    backend, _ = sample_graph(engine, tmp_path_factory.mktemp("app_logic_home"))
    return backend


def test_there_are_app_queries():
    assert {"subject_neighbours", "keyed_neighbours", "subject_entries", "search_name_prefix",
            "load_runs"} <= set(IDS)


def test_every_app_query_passes_the_linter_with_the_models_names():
    # With the model's labels, types and keys, so that a misspelt name fails (as packs lint).
    model = load_model()
    schema = {"labels": model.labels(), "relationshipTypes": model.relationship_types(),
              "propertyKeys": model.property_keys()}
    items = [(qid, app_query(qid).cypher, app_query(qid).body_line) for qid in IDS]
    failing = [str(p) for p in lint_queries(items, schema=schema) if p.fails]
    assert not failing, "\n".join(failing)


@pytest.mark.parametrize("query_id", IDS)
def test_app_query_is_read_only_and_runs_with_its_defaults(graph, query_id):
    query = app_query(query_id)
    assert query.path.parent == app_queries_dir()
    assert not find_writes(tokenize(query.cypher))
    read(graph, query_id, {}, as_of=AS_OF)  # the runner checks the columns against the header


def test_default_as_of_is_the_latest_snapshot(graph):
    assert default_as_of(graph) == AS_OF
    assert as_of_text(None, graph) == AS_OF
    assert as_of_text("2025-01-02") == "2025-01-02"
    with pytest.raises(InputError):
        as_of_text("last tuesday")
