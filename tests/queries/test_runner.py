"""Binding parameters and running pack queries on the real embedded engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from creditgraph.exc import ConfigError, QueryError
from creditgraph.model import load_model
from creditgraph.queries import run_pack_query
from creditgraph.queries.packs import load_packs, parse_query_file
from creditgraph.queries.runner import QueryResult, bind, run, runner_parameters

DATA = Path(__file__).resolve().parent.parent / "data" / "packs"
EXAMPLE = DATA / "example"


# Only this file's packs: the built-in ones are tested on their own (tests/packs/).
pytestmark = pytest.mark.usefixtures("no_builtin_packs")


@pytest.fixture(scope="module")
def example():
    packs = load_packs([EXAMPLE], include_builtin=False)
    return {q.id: q for p in packs for q in p.queries}


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory):
    """A query with one parameter of every type."""
    path = tmp_path_factory.mktemp("typed") / "typed.cypher"
    path.write_text(
        "// ---\n"
        "// id: typed\n"
        "// title: Every parameter type\n"
        "// parameters:\n"
        "//   d: {type: date, default: today}\n"
        "//   i: {type: int, default: 10, min: 1, max: 100}\n"
        "//   f: {type: float, default: 0.5, min: 0, max: 1}\n"
        "//   s: {type: string, default: x}\n"
        "//   b: {type: bool, default: false}\n"
        "//   l: {type: list, default: [SHIXIN]}\n"
        "//   r: {type: string}\n"
        "// columns:\n"
        "//   v: All of them.\n"
        "// ---\n"
        "RETURN [$d, $i, $f, $s, $b, $l, $r] AS v;\n", encoding="utf-8")
    return parse_query_file(path)


# -- bind ----------------------------------------------------------------------------------------------


def test_defaults_today_and_as_of(typed):
    cypher, params = bind(typed, {"r": "req"})
    assert cypher == "RETURN [$d, $i, $f, $s, $b, $l, $r] AS v"  # the trailing ; goes
    assert params == {"d": dt.date.today().isoformat(), "i": 10, "f": 0.5, "s": "x", "b": False,
                      "l": ["SHIXIN"], "r": "req"}
    assert bind(typed, {"r": "req"}, "2024-06-30")[1]["d"] == "2024-06-30"
    assert bind(typed, {"r": "req"}, dt.date(2024, 6, 30))[1]["d"] == "2024-06-30"
    assert bind(typed, {"r": "req", "d": "today"}, "2024-06-30")[1]["d"] == "2024-06-30"
    assert bind(typed, {"r": "req", "d": "2023-01-31"}, "2024-06-30")[1]["d"] == "2023-01-31"


@pytest.mark.parametrize("given, expected", [
    ({"i": "42"}, {"i": 42}),
    ({"i": 1}, {"i": 1}),
    ({"i": 100}, {"i": 100}),
    ({"f": "0.25"}, {"f": 0.25}),
    ({"f": 1}, {"f": 1.0}),
    ({"s": "它's $x"}, {"s": "它's $x"}),
    ({"b": "true"}, {"b": True}),
    ({"b": "No"}, {"b": False}),
    ({"b": True}, {"b": True}),
    ({"l": "SHIXIN, TAX"}, {"l": ["SHIXIN", "TAX"]}),
    ({"l": ["TAX"]}, {"l": ["TAX"]}),
    ({"l": ""}, {"l": []}),
    ({"d": dt.date(2024, 2, 29)}, {"d": "2024-02-29"}),
])
def test_values_are_converted_by_type(typed, given: dict, expected: dict):
    _, params = bind(typed, {"r": "req", **given}, "2024-06-30")
    assert {k: params[k] for k in expected} == expected


@pytest.mark.parametrize("given, needle", [
    ({"i": "ten"}, "expected a whole number"),
    ({"i": 2.5}, "expected a whole number"),
    ({"i": True}, "expected a whole number"),
    ({"i": 0}, "below the minimum 1"),
    ({"i": "101"}, "above the maximum 100"),
    ({"f": "nan"}, "expected a number"),
    ({"f": 2}, "above the maximum 1"),
    ({"b": "maybe"}, "expected true or false"),
    ({"l": [1, 2]}, "expected a list of strings"),
    ({"d": "2024-02-30"}, "expected a date"),
    ({"d": "30/06/2024"}, "expected a date"),
    ({"s": 5}, "expected text"),
])
def test_bad_values_are_refused(typed, given: dict, needle: str):
    with pytest.raises(ConfigError) as info:
        bind(typed, {"r": "req", **given})
    assert needle in info.value.one_line() and "typed: parameter" in info.value.one_line()


def test_required_unknown_and_as_of_errors(typed):
    with pytest.raises(ConfigError, match="parameter r is required"):
        bind(typed, {})
    with pytest.raises(ConfigError) as info:
        bind(typed, {"r": "x", "limt": 5})
    text = info.value.one_line()
    assert "unknown parameter 'limt'" in text and "d, i, f, s, b, l, r" in text
    with pytest.raises(ConfigError, match="--as-of '2024-13-01' is not a date"):
        bind(typed, {"r": "x"}, "2024-13-01")


def test_path_bounds_are_substituted_as_validated_integers(example):
    reach = example["reach"]
    assert "*1..2/*k*/" in reach.cypher
    cypher, params = bind(reach, {"sid": "A"})
    assert "*1..2/*k*/" in cypher and "k" not in params
    cypher, params = bind(reach, {"sid": "A", "k": "4"})
    assert "[:LEGAL_REP_OF|SHAREHOLDER_OF*1..4/*k*/]" in cypher
    assert cypher.replace("*1..4/*k*/", "*1..2/*k*/") == reach.cypher.rstrip()
    for bad in ("5", "0", "2]-(x) DETACH DELETE x //", 2.0):
        with pytest.raises(ConfigError):
            bind(reach, {"sid": "A", "k": bad})


def test_user_input_reaches_cypher_only_as_parameters(example):
    hostile = "A'}) DETACH DELETE a // $x \" \\"
    cypher, params = bind(example["reach"], {"sid": hostile})
    assert hostile not in cypher and params["sid"] == hostile


def test_model_parameters_are_added_only_when_used(example, typed):
    model = load_model()
    expected = runner_parameters(model)
    assert expected["blacklists"] == [lt.code for lt in model.list_types() if lt.kind == "blacklist"]
    assert "SHIXIN" in expected["blacklists"] and "REDLIST_A_TAX" in expected["redlists"]
    assert expected["hub_threshold"] == model.hubs.degree_threshold
    assert expected["through_hubs"] is model.hubs.propagate_through_hubs is False

    _, params = bind(example["count_listed"], {}, "2024-06-30")
    assert params == {"as_of": "2024-06-30", "min_entries": 1, "limit": 100,
                      "blacklists": expected["blacklists"]}
    _, params = bind(example["reach"], {"sid": "A"})
    assert params == {"sid": "A", "through_hubs": False}
    _, params = bind(example["reach"], {"sid": "A", "through_hubs": "true"})
    assert params["through_hubs"] is True
    # Any run may pass through_hubs; a query that does not use it simply does not get it.
    assert "through_hubs" not in bind(example["count_listed"], {"through_hubs": True})[1]
    with pytest.raises(ConfigError, match="expected true or false"):
        bind(example["reach"], {"sid": "A", "through_hubs": "sometimes"})
    assert set(bind(typed, {"r": "x"})[1]) == {"d", "i", "f", "s", "b", "l", "r"}


# -- run on the embedded engine --------------------------------------------------------------------


WORLD = """
CREATE (a:Enterprise:Subject {sid: 'A', uscc: 'A', name: '甲公司'}),
       (b:Enterprise:Subject {sid: 'B', uscc: 'B', name: '乙公司'}),
       (c:Enterprise:Subject {sid: 'C', uscc: 'C', name: '丙公司'}),
       (p:Person:Subject {sid: 'P', pid: 'P', name: '张三'}),
       (h:Enterprise:Subject {sid: 'H', uscc: 'H', name: '香港中央结算(代理人)有限公司',
                              hub: true}),
       (p)-[:LEGAL_REP_OF]->(a), (p)-[:LEGAL_REP_OF]->(b),
       (h)-[:SHAREHOLDER_OF {ratio: 0.1}]->(a), (h)-[:SHAREHOLDER_OF {ratio: 0.2}]->(c),
       (a)-[:LISTED]->(:ListEntry {id: 'L1', list_type: 'SHIXIN', status: 'active', disputed: false,
                                   start_date: '2024-01-01'}),
       (a)-[:LISTED]->(:ListEntry {id: 'L2', list_type: 'TAX', status: 'active', disputed: true,
                                   start_date: '2024-03-01', end_date: '2024-12-31'}),
       (b)-[:LISTED]->(:ListEntry {id: 'L3', list_type: 'ABNORMAL', status: 'repaired', disputed: false,
                                   start_date: '2024-01-01'}),
       (c)-[:LISTED]->(:ListEntry {id: 'L4', list_type: 'REDLIST_A_TAX', status: 'active', disputed: false,
                                   start_date: '2024-01-01'}),
       (c)-[:LISTED]->(:ListEntry {id: 'L5', list_type: 'SHIXIN', status: 'active', disputed: false,
                                   start_date: '2024-01-01', valid_to: '2024-02-01'})
"""


@pytest.fixture()
def world(graph):
    graph.write(WORLD)
    return graph


def _sids(result: QueryResult) -> list[str]:
    return [row["subject_sid"] for row in result.rows]


def test_count_listed_follows_as_of_semantics(world, example):
    q = example["count_listed"]
    result = run(world, q, {}, as_of="2024-06-30")
    assert isinstance(result, QueryResult) and result.query_id == "count_listed" and result.seconds > 0
    assert result.columns == q.column_names
    [row] = result.rows
    assert list(row) == list(q.column_names)
    assert row["subject_sid"] == "A" and row["subject_name"] == "甲公司" and row["entries"] == 2
    assert row["disputed"] is True
    assert [e["id"] for e in row["evidence"]] == ["L1", "L2"]
    assert row["evidence"][0] == {"id": "L1", "list_type": "SHIXIN", "start_date": "2024-01-01",
                                  "disputed": False}
    # Before L2 starts, and while L5 is still current.
    assert _sids(run(world, q, {}, as_of="2024-01-15")) == ["A", "C"]
    assert _sids(run(world, q, {"as_of": "2024-02-15"})) == ["A"]
    assert _sids(run(world, q, {"min_entries": "2"}, as_of="2024-06-30")) == ["A"]
    assert _sids(run(world, q, {"min_entries": 2}, as_of="2025-01-15")) == []
    assert _sids(run(world, q, {}, as_of="2023-12-31")) == []


def test_reach_substitutes_the_path_bound_and_respects_hubs(world, example):
    q = example["reach"]
    hops = {r["subject_sid"]: r["hops"] for r in run(world, q, {"sid": "A"}).rows}
    assert hops == {"P": 1, "H": 1, "B": 2}
    assert _sids(run(world, q, {"sid": "A", "k": 1})) == ["H", "P"]
    with_hubs = run(world, q, {"sid": "A", "through_hubs": "true"})
    assert _sids(with_hubs) == ["B", "C", "H", "P"]
    assert _sids(run(world, q, {"sid": "nobody"})) == []


def test_returned_columns_must_match_the_header(world):
    [pack] = load_packs([DATA / "bad_columns"], include_builtin=False)
    with pytest.raises(QueryError) as info:
        run(world, pack.queries[0], {})
    text = info.value.one_line()
    assert "bad_columns/wrong_columns.cypher:8" in text
    assert "returned columns subject_sid, name" in text and "declares subject_sid, subject_name" in text


def test_an_empty_result_passes_the_column_check(graph):
    [pack] = load_packs([DATA / "bad_columns"], include_builtin=False)
    assert run(graph, pack.queries[0], {}).rows == []


def test_engine_errors_name_the_query_and_file(graph, tmp_path: Path):
    path = tmp_path / "boom.cypher"
    path.write_text("// ---\n// id: boom\n// title: Divides by zero\n// columns:\n//   sid: x\n// ---\n"
                    "UNWIND [0] AS z RETURN 1 / z AS sid\n", encoding="utf-8")
    with pytest.raises(QueryError) as info:
        run(graph, parse_query_file(path), {})
    assert info.value.one_line().startswith("boom (")
    assert "boom.cypher:7" in info.value.one_line()


def test_run_pack_query_is_the_api_the_app_calls(world):
    result = run_pack_query(world, "count_listed", {"min_entries": 1}, packs_dirs=[EXAMPLE],
                            as_of="2024-06-30")
    assert _sids(result) == ["A"]
    with pytest.raises(ConfigError, match="no pack query 'reach_all'"):
        run_pack_query(world, "reach_all", {}, packs_dirs=[EXAMPLE])
