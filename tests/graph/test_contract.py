"""The graph-layer contract, run against every real backend available."""

from __future__ import annotations

import pytest

from creditgraph.exc import QueryError, ReadOnlyViolation


def test_read_returns_plain_dicts(any_backend):
    any_backend.write("CREATE (:Enterprise:Subject {uscc: 'A1', sid: 'A1', name: '甲公司', capital: 1.5})"
                      "-[:BRANCH_OF {since: '2020-01-01'}]->(:Enterprise:Subject {uscc: 'B2', sid: 'B2'})")
    rows = any_backend.read(
        "MATCH p=(a:Enterprise {uscc: $a})-[r:BRANCH_OF]->(b) "
        "RETURN a, r, p, a.name AS name, [1, 2] AS xs, {k: a.capital} AS m, null AS nothing",
        {"a": "A1"})
    assert len(rows) == 1
    row = rows[0]
    assert row["a"] == {"uscc": "A1", "sid": "A1", "name": "甲公司", "capital": 1.5,
                        "_labels": ["Enterprise", "Subject"]}
    assert row["r"] == {"since": "2020-01-01", "_type": "BRANCH_OF"}
    assert [n["uscc"] for n in row["p"]["nodes"]] == ["A1", "B2"]
    assert [r["_type"] for r in row["p"]["relationships"]] == ["BRANCH_OF"]
    assert row["name"] == "甲公司"
    assert row["xs"] == [1, 2]
    assert row["m"] == {"k": 1.5}
    assert row["nothing"] is None


def test_read_is_read_only_at_engine_level(any_backend):
    with pytest.raises(ReadOnlyViolation):
        any_backend.read("CREATE (:Probe {v: 1})")
    assert any_backend.read("MATCH (n:Probe) RETURN count(n) AS c") == [{"c": 0}]


def test_parameters_are_never_spliced(any_backend):
    hostile = "x'}) DETACH DELETE n //\" \\ \n 中文"
    any_backend.write("CREATE (:Probe {v: $v})", {"v": hostile})
    assert any_backend.read("MATCH (n:Probe) RETURN n.v AS v") == [{"v": hostile}]
    assert any_backend.read("MATCH (n:Probe {v: $v}) RETURN count(n) AS c", {"v": hostile}) == [{"c": 1}]


def test_parameter_types_round_trip(any_backend):
    params = {"b": True, "f": False, "i": 42, "x": 0.25, "s": "文", "n": None,
              "l": [1, "a", None], "m": {"k": [True, 2.5]}}
    rows = any_backend.read("RETURN $b AS b, $f AS f, $i AS i, $x AS x, $s AS s, $n AS n, "
                            "$l AS l, $m AS m", params)
    assert rows == [params]


def test_write_batches_upserts_idempotently(any_backend):
    cypher = ("UNWIND $rows AS row MERGE (e:Enterprise:Subject {uscc: row.uscc}) "
              "ON CREATE SET e.sid = row.uscc SET e.name = row.name")
    rows = [{"uscc": f"U{i:04d}", "name": f"企业{i}"} for i in range(25)]
    first = any_backend.write_batches(cypher, rows, batch_size=10)
    assert first.nodes_created == 25
    second = any_backend.write_batches(cypher, rows, batch_size=7)
    assert second.nodes_created == 0
    assert any_backend.read("MATCH (e:Enterprise) RETURN count(e) AS c") == [{"c": 25}]


def test_write_summary_counts_and_rows(any_backend):
    summary = any_backend.write("CREATE (a:Probe {v: 1})-[:R]->(b:Probe {v: 2}) RETURN a.v + b.v AS s")
    assert (summary.nodes_created, summary.relationships_created) == (2, 1)
    assert summary.rows == [{"s": 3}]
    deleted = any_backend.write("MATCH (n:Probe) DETACH DELETE n")
    assert (deleted.nodes_deleted, deleted.relationships_deleted) == (2, 1)


def test_syntax_error_is_a_query_error(any_backend):
    with pytest.raises(QueryError) as info:
        any_backend.read("MATCH (n RETURN n")
    assert "\n" not in info.value.one_line()


def test_schema_bootstrap_is_idempotent_and_indexes_keys(any_backend):
    assert any_backend.bootstrap_schema() == []
    indexes = any_backend.existing_indexes()
    for key in [("Enterprise", "uscc"), ("Person", "pid"), ("ListEntry", "id"), ("Subject", "sid")]:
        assert key in indexes


def test_uniqueness_is_enforced(any_backend):
    import time

    any_backend.write("CREATE (:Department {code: 'D1'})")
    # FalkorDB builds a constraint in the background; wait until it is operational.
    deadline = time.monotonic() + 10
    while True:
        try:
            any_backend.write("CREATE (:Department {code: 'D1'})")
        except QueryError:
            break
        any_backend.write("MATCH (d:Department {code: 'D1'}) WITH d SKIP 1 DELETE d")
        if time.monotonic() > deadline:
            pytest.fail("a duplicate Department code was accepted")
        time.sleep(0.1)
    assert any_backend.read("MATCH (d:Department) RETURN count(d) AS c") == [{"c": 1}]


def test_read_on_an_empty_graph_answers_like_an_empty_database(any_backend):
    any_backend.clear()
    assert any_backend.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]
    assert any_backend.read("MATCH (n:Enterprise) RETURN n") == []
