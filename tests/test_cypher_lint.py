"""Every shipped .cypher file passes Neo4j's linter, and the linter really catches things.

Needs the linter's Node modules (`make lint-deps`); without them these tests fail with that hint
rather than skip, so a machine that never installed them cannot pass the suite by accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from creditgraph.paths import cypher_dir
from creditgraph.queries.lint import LintProblem, lint_file, lint_queries

CYPHER = cypher_dir()
# FalkorDB DDL is not Cypher Neo4j accepts (GRAPH.CONSTRAINT, full-text without EACH).
NOT_LINTED = CYPHER / "schema" / "falkordb"


def _cypher_files() -> list[Path]:
    return sorted(p for p in CYPHER.rglob("*.cypher") if not p.is_relative_to(NOT_LINTED))


FILES = _cypher_files()

SCHEMA = {
    "labels": ["Enterprise", "Person"],
    "relationshipTypes": ["HOLDS"],
    "propertyKeys": ["uscc", "pid", "name", "ratio"],
}


@pytest.fixture(scope="module")
def linted() -> dict[str, list[LintProblem]]:
    # One Node process for all files: starting the linter costs more than linting a file.
    items = [(str(p.relative_to(CYPHER)), p.read_text(encoding="utf-8-sig"), 1) for p in FILES]
    found: dict[str, list[LintProblem]] = {label: [] for label, _, _ in items}
    for problem in lint_queries(items):
        found[problem.file].append(problem)
    return found


def test_there_are_cypher_files_to_lint():
    assert len(FILES) >= 1, f"no .cypher files found under {CYPHER}"
    assert any(p.is_relative_to(CYPHER / "schema" / "neo4j") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CYPHER)) for p in FILES])
def test_cypher_file_passes_the_linter(path: Path, linted: dict[str, list[LintProblem]]):
    failing = [str(p) for p in linted[str(path.relative_to(CYPHER))] if p.fails]
    assert not failing, "\n".join(failing)


def test_the_falkordb_ddl_is_left_out_because_it_fails():
    # Guards the exclusion above: those files are skipped because Neo4j rejects them.
    items = [(str(p), p.read_text(encoding="utf-8"), 1) for p in sorted(NOT_LINTED.glob("*.cypher"))]
    assert any(p.fails for p in lint_queries(items))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.cypher"
    path.write_text(text, encoding="utf-8")
    return path


def test_syntax_error_has_its_line_in_the_file(tmp_path: Path):
    path = _write(tmp_path, (
        "// A header of several comment lines,\n"
        "// which the linter sees as comments\n"
        "//\n"
        "MATCH (e:Enterprise {uscc: $uscc})\n"
        "RETURN e;\n"
        "\n"
        "MATCH (e:Enterprise)\n"
        "WHERE e.name = $name\n"
        "RETRUN e.uscc;\n"
    ))
    problems = lint_file(path)
    errors = [p for p in problems if p.severity == "error"]
    assert errors, problems
    first = errors[0]
    assert (first.file, first.line, first.column) == (str(path), 9, 1)
    assert "RETRUN" in first.message
    assert all(p.fails for p in errors)
    assert not any("Parameter" in p.message for p in problems)


def test_column_counts_characters_not_utf16_units(tmp_path: Path):
    path = _write(tmp_path, "// 企业 😀\nMATCH (e) WHERE e.name = '😀' RETRUN e\n")
    [first, *_] = lint_file(path)
    assert (first.line, first.column) == (2, 30)


ONE_ENGINE_ONLY = {
    # From the portability notes' "never use" list: FalkorDB or legacy forms Neo4j 5 rejects.
    "exists(n.p)": ("MATCH (n:Enterprise) WHERE exists(n.name) RETURN n", "exists(variable.property)"),
    "CREATE INDEX ON": ("CREATE INDEX ON :Enterprise(uscc)", "CREATE INDEX FOR"),
    "size((pattern))": ("MATCH (n) WHERE size((n)-->()) > 1 RETURN n", "size()"),
    "[:A|:B*]": ("MATCH (a)-[:HOLDS|:GUARANTEES*]->(b) RETURN b", "`:HOLDS|GUARANTEES` instead"),
    "db.indexes()": ("CALL db.indexes()", "Procedure db.indexes is not present"),
    "string.matchRegEx": ("RETURN string.matchRegEx('a', 'b')", "Function string.matchRegEx is not present"),
    "*1..$max": ("MATCH p = (a)-[:HOLDS*1..$max]->(b) RETURN p", "Parameter maps cannot be used"),
}


@pytest.fixture(scope="module")
def one_engine_only_linted() -> list[LintProblem]:
    return lint_queries([(name, query, 1) for name, (query, _) in ONE_ENGINE_ONLY.items()])


@pytest.mark.parametrize("name", ONE_ENGINE_ONLY)
def test_falkordb_or_legacy_only_forms_are_errors(name: str, one_engine_only_linted: list[LintProblem]):
    message = ONE_ENGINE_ONLY[name][1]
    errors = [p for p in one_engine_only_linted if p.file == name and p.severity == "error"]
    assert any(message in p.message for p in errors), errors
    assert all(p.fails for p in errors)


def test_parameters_are_declared():
    problems = lint_queries([("q", "MATCH (e:Enterprise) WHERE e.uscc = $x RETURN e LIMIT $k", 1)])
    assert problems == []


def test_call_with_subquery_is_a_deprecation_that_does_not_fail():
    query = ("MATCH (e:Enterprise)\n"
             "CALL { WITH e MATCH (e)<-[r:HOLDS]-(p) RETURN count(p) AS n }\n"
             "RETURN e.uscc, n")
    [problem] = lint_queries([("q", query, 5)])
    assert (problem.line, problem.column, problem.severity) == (6, 1, "warning")
    assert "deprecated" in problem.message
    assert not problem.fails


def test_schema_names_are_checked_only_when_a_schema_is_given():
    query = "MATCH (p:Persn)-[r:HOLDS]->(e:Enterprise) RETURN p.nmae, r.ratio, e.uscc"
    assert lint_queries([("q", query, 1)]) == []
    problems = lint_queries([("q", query, 1)], schema=SCHEMA)
    assert [(p.column, p.severity) for p in problems] == [(10, "warning"), (52, "warning")]
    assert "Label Persn" in problems[0].message
    assert problems[1].message.startswith("nmae ")
    assert all(p.fails for p in problems)


def test_keys_of_parameter_maps_are_not_unknown_properties():
    query = ("UNWIND $rows AS row\n"
             "MATCH (e:Enterprise {uscc: row.uscc})\n"
             "MATCH (p:Person {pid: row.holder_pid})\n"
             "MERGE (p)-[h:HOLDS]->(e)\n"
             "SET h.ratio = row.share.ratio, e.name = $meta.name\n"
             "RETURN p.nam")
    problems = lint_queries([("q", query, 1)], schema=SCHEMA)
    assert [(p.line, p.message.split()[0]) for p in problems] == [(6, "nam")]


def test_a_schema_with_unknown_keys_is_a_bug():
    with pytest.raises(ValueError):
        lint_queries([("q", "RETURN 1", 1)], schema={"label": ["Enterprise"]})


def test_missing_node_modules_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from creditgraph.exc import ConfigError
    from creditgraph.queries import lint

    (tmp_path / "tools" / "cypher-lint").mkdir(parents=True)
    (tmp_path / "tools" / "cypher-lint" / "lint.mjs").write_text("")
    monkeypatch.setattr(lint, "repo_root", lambda: tmp_path)
    with pytest.raises(ConfigError, match="make lint-deps"):
        lint_queries([("q", "RETURN 1", 1)])
