"""``creditgraph packs list|show|run|lint`` as a supervision department uses them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from creditgraph.cli import main
from creditgraph.cli.options import GLOBAL
from tests.conftest import TEST_GRAPH

DATA = Path(__file__).resolve().parent.parent / "data" / "packs"
EXAMPLE = DATA / "example"
COLUMNS = ["subject_sid", "subject_name", "entries", "disputed", "evidence"]


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture()
def builtin(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty built-in packs folder: the real ones are written by others, tested on their own."""
    empty = tmp_path_factory.mktemp("builtin")
    monkeypatch.setattr("creditgraph.paths.packs_dir", lambda: empty)
    return empty


@pytest.fixture()
def cli(builtin: Path, engine_home: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Run the CLI in this process against the session's engine and test graph."""
    monkeypatch.setattr("creditgraph.settings.GRAPH", TEST_GRAPH)
    monkeypatch.setenv("COLUMNS", "250")  # rich folds table cells at 80 columns otherwise
    for key in ("db", "home"):
        monkeypatch.setitem(GLOBAL, key, GLOBAL[key])

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(["--db", "embedded", "--home", str(engine_home), *args])
        captured = capsys.readouterr()
        return Result(info.value.code or 0, captured.out, captured.err)

    return invoke


@pytest.fixture()
def no_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the linter in `packs run` where a test is about something else (Node costs seconds)."""
    monkeypatch.setattr("creditgraph.cli.packs_cmd._refuse_if_lint_fails", lambda query: None)


@pytest.fixture()
def world(graph):
    graph.write("""
        CREATE (a:Enterprise:Subject {sid: 'A', uscc: 'A', name: '甲公司'}),
               (b:Enterprise:Subject {sid: 'B', uscc: 'B', name: '乙公司'}),
               (a)-[:LISTED]->(:ListEntry {id: 'L1', list_type: 'SHIXIN', status: 'active',
                                           disputed: false, start_date: '2024-01-01'}),
               (b)-[:LISTED]->(:ListEntry {id: 'L2', list_type: 'TAX', status: 'active',
                                           disputed: true, start_date: '2024-05-01'})
    """)
    return graph


def _one_line_error(result: Result, code: int = 2) -> str:
    assert result.code == code, result
    assert result.err.startswith("creditgraph: error: ") and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    return result.err


# -- list and show -------------------------------------------------------------------------------------


def test_list_shows_every_query(cli):
    result = cli("packs", "list", "--packs", str(EXAMPLE))
    assert result.code == 0
    for text in ("count_listed", "reach", "example", "info", "有有效黑名单记录的主体",
                 "Subjects within k hops"):
        assert text in result.out
    rows = json.loads(cli("packs", "list", "--packs", str(EXAMPLE), "--format", "json").out)
    assert rows[0] == {"id": "count_listed", "pack": "example", "severity": "info",
                       "title": "Subjects with active blacklist entries",
                       "title_zh": "有有效黑名单记录的主体"}
    assert [r["id"] for r in rows] == ["count_listed", "reach"]


def test_list_with_no_packs_at_all(cli):
    result = cli("packs", "list", "--format", "csv")
    assert (result.code, result.out) == (0, "id,pack,severity,title,title_zh\n")


def test_show_prints_metadata_parameters_columns_and_cypher(cli):
    result = cli("packs", "show", "count_listed", "--packs", str(EXAMPLE))
    assert result.code == 0
    out = result.out
    assert "count_listed  (pack example," in out and "count_listed.cypher" in out
    assert "title_zh:  有有效黑名单记录的主体" in out and "severity:  info" in out
    assert "as_of        date, default today  Only entries active on this date count." in out
    assert "min_entries  int, default 1, 1..100  Fewest active entries." in out
    assert "from the model: $blacklists" in out
    assert "subject_sid   Subject (sid)." in out
    assert "cypher (line 20):" in out and "LIMIT $limit" in out
    reach = cli("packs", "show", "reach", "--packs", str(EXAMPLE)).out
    assert "sid  string, required" in reach and "k    int, default 2, 1..4, path bound" in reach
    assert "*1..2/*k*/" in reach


# -- run ---------------------------------------------------------------------------------------------


def test_run_prints_a_table_and_the_time(cli, world, no_lint):
    result = cli("packs", "run", "count_listed", "--packs", str(EXAMPLE), "--as-of", "2024-06-30")
    assert result.code == 0, result.err
    assert "甲公司" in result.out and "乙公司" in result.out and "2 rows" in result.out
    assert "count_listed: Subjects with active blacklist entries" in result.out
    assert result.err.startswith("count_listed: 2 rows in ") and result.err.rstrip().endswith(" s")


def test_run_json_and_csv_to_stdout(cli, world, no_lint):
    args = ["packs", "run", "count_listed", "--packs", str(EXAMPLE), "-p", "as_of=2024-03-01"]
    rows = json.loads(cli(*args, "--format", "json").out)
    assert [r["subject_sid"] for r in rows] == ["A"]
    assert rows[0]["evidence"] == [{"id": "L1", "list_type": "SHIXIN", "start_date": "2024-01-01",
                                    "disputed": False}]
    csv_out = cli(*args, "-f", "csv").out
    assert csv_out.splitlines()[0] == ",".join(COLUMNS)
    assert csv_out.splitlines()[1].startswith("A,甲公司,1,false,")
    # No rows: the header is still there.
    empty = cli("packs", "run", "count_listed", "--packs", str(EXAMPLE), "--as-of", "2020-01-01", "-f", "csv")
    assert empty.out == ",".join(COLUMNS) + "\n" and "0 rows" in empty.err


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "xlsx"])
def test_run_writes_every_file_format(cli, world, no_lint, tmp_path: Path, fmt: str):
    import pandas as pd

    out = tmp_path / f"found.{fmt}"
    result = cli("packs", "run", "count_listed", "--packs", str(EXAMPLE), "--as-of", "2024-06-30",
                 "--format", fmt, "--out", str(out))
    assert result.code == 0, result.err
    assert result.out == "" and f"written to {out}" in result.err
    if fmt == "json":
        frame = pd.DataFrame(json.loads(out.read_text(encoding="utf-8")))
    elif fmt == "csv":
        frame = pd.read_csv(out, encoding="utf-8-sig")
    elif fmt == "parquet":
        frame = pd.read_parquet(out)
    else:
        frame = pd.read_excel(out)
    assert list(frame.columns) == COLUMNS
    assert list(frame["subject_sid"]) == ["A", "B"]
    assert list(frame["subject_name"]) == ["甲公司", "乙公司"]
    assert [bool(v) for v in frame["disputed"]] == [False, True]
    evidence = frame["evidence"][1]
    assert (evidence if fmt == "json" else json.loads(evidence))[0]["id"] == "L2"


def test_run_takes_the_format_from_the_suffix_and_keeps_the_header_when_empty(cli, graph, no_lint,
                                                                              tmp_path: Path):
    import pandas as pd

    out = tmp_path / "none.xlsx"
    assert cli("packs", "run", "count_listed", "--packs", str(EXAMPLE), "-o", str(out)).code == 0
    frame = pd.read_excel(out)
    assert list(frame.columns) == COLUMNS and frame.empty


def test_department_pack_is_added_with_packs(cli, world, no_lint, tmp_path: Path):
    dept = tmp_path / "chengdu_tax"
    dept.mkdir()
    (dept / "README.md").write_text("# 成都税务\n\n- `tax_listed`: subjects on the TAX list.\n",
                                    encoding="utf-8")
    (dept / "tax_listed.cypher").write_text(
        "// ---\n// id: tax_listed\n// title: Subjects on the TAX list\n// severity: medium\n"
        "// columns:\n//   sid: The subject.\n// ---\n"
        "MATCH (s:Subject)-[:LISTED]->(l:ListEntry {list_type: 'TAX'}) RETURN s.sid AS sid\n",
        encoding="utf-8")
    listed = json.loads(cli("packs", "list", "--packs", str(EXAMPLE), "--packs", str(tmp_path),
                            "-f", "json").out)
    assert [(r["id"], r["pack"]) for r in listed] == [
        ("count_listed", "example"), ("reach", "example"), ("tax_listed", "chengdu_tax")]
    _one_line_error(cli("packs", "run", "tax_listed"))
    result = cli("packs", "run", "tax_listed", "--packs", str(dept), "-f", "json")
    assert json.loads(result.out) == [{"sid": "B"}]


def test_run_passes_path_bounds_and_through_hubs(cli, graph, no_lint):
    graph.write("CREATE (:Subject {sid: 'X'})-[:LEGAL_REP_OF]->(:Subject {sid: 'H', hub: true})"
                "-[:LEGAL_REP_OF]->(:Subject {sid: 'Y'})-[:LEGAL_REP_OF]->(:Subject {sid: 'Z'})")
    args = ["packs", "run", "reach", "--packs", str(EXAMPLE), "-p", "sid=X", "-f", "json"]
    assert [r["subject_sid"] for r in json.loads(cli(*args).out)] == ["H"]
    found = json.loads(cli(*args, "-p", "through_hubs:=true", "-p", "k:=3").out)
    assert found == [{"subject_sid": "H", "hops": 1}, {"subject_sid": "Y", "hops": 2},
                     {"subject_sid": "Z", "hops": 3}]


def test_the_column_check_fails_the_run(cli, world, no_lint):
    err = _one_line_error(cli("packs", "run", "wrong_columns", "--packs", str(DATA / "bad_columns")), code=4)
    assert "wrong_columns.cypher:8" in err and "declares subject_sid, subject_name" in err


# -- lint, and run refusing what lint refuses --------------------------------------------------------


def test_lint_passes_a_good_pack(cli):
    result = cli("packs", "lint", "--packs", str(EXAMPLE))
    assert result.code == 0, result.out + result.err
    assert result.out == "" and "2 queries in 1 pack(s), no failing problems" in result.err


def test_lint_reports_every_problem_as_file_line_reason(cli, tmp_path: Path):
    undocumented = tmp_path / "undocumented"
    undocumented.mkdir()
    (undocumented / "lonely.cypher").write_text(
        "// ---\n// id: lonely\n// title: T\n// columns:\n//   n: x\n// ---\nRETURN 1 AS n\n",
        encoding="utf-8")
    result = cli("packs", "lint", "--packs", str(DATA / "bad_lint"), "--packs", str(DATA / "bad_write"),
                 "--packs", str(undocumented))
    assert result.code == 2
    lines = result.out.splitlines()
    assert any(line.endswith("bad_write/merge_subject.cypher:8: the statement writes (MERGE); "
                             "a pack query must be read-only") for line in lines), lines
    assert any(line.endswith("undocumented/README.md: missing or empty: a pack's README.md documents "
                             "its queries") for line in lines), lines
    assert any("bad_lint/lint_fails.cypher:7: error: Label Subjct is not present" in line for line in lines)
    assert any("bad_lint/lint_fails.cypher:8: error: The property existence syntax" in line for line in lines)
    err = _one_line_error(result)
    assert "packs lint: 4 failing problem(s)" in err


def test_run_refuses_a_query_that_fails_the_linter(cli, graph):
    err = _one_line_error(cli("packs", "run", "lint_fails", "--packs", str(DATA / "bad_lint")))
    assert "bad_lint/lint_fails.cypher:7: fails Neo4j's linter: Label Subjct" in err
    assert "1 more" in err and "creditgraph packs lint" in err


def test_run_lints_then_runs_a_good_query(cli, world):
    result = cli("packs", "run", "count_listed", "--packs", str(EXAMPLE), "--as-of", "2024-06-30",
                 "-f", "json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)) == 2


def test_run_refuses_a_pack_that_writes(cli, graph):
    err = _one_line_error(cli("packs", "run", "merge_subject", "--packs", str(DATA / "bad_write")))
    assert "merge_subject.cypher:8: the statement writes (MERGE)" in err
    assert graph.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]


# -- one-line errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("args, needle", [
    (["packs", "show", "nope"], "no pack query 'nope'"),
    (["packs", "run", "nope"], "no pack query 'nope'"),
    (["packs", "run", "count_listed", "-p", "min_entries=0"], "min_entries: 0 is below the minimum 1"),
    (["packs", "run", "count_listed", "-p", "min_entries=many"], "expected a whole number"),
    (["packs", "run", "count_listed", "-p", "limt=5"], "unknown parameter 'limt'"),
    (["packs", "run", "count_listed", "-p", "novalue"], "name=value"),
    (["packs", "run", "count_listed", "--as-of", "2024-02-30"], "is not a date"),
    (["packs", "run", "reach"], "parameter sid is required"),
    (["packs", "run", "reach", "-p", "sid=A", "-p", "k=9"], "above the maximum 4"),
    (["packs", "run", "count_listed", "--format", "parquet"], "--format parquet writes a file: give --out"),
    (["packs", "run", "count_listed", "--format", "xlsx"], "--format xlsx writes a file"),
    (["packs", "run", "count_listed", "--format", "html"], "unknown format 'html'"),
    (["packs", "run", "count_listed", "--format", "table", "--out", "x.csv"], "--format table prints"),
    (["packs", "list", "--packs", "/nonexistent/packs"], "no such folder"),
])
def test_user_errors_are_one_line(cli, args: list[str], needle: str):
    err = _one_line_error(cli(*args, "--packs", str(EXAMPLE)))
    assert needle in err


def test_a_bad_pack_header_is_one_line_with_file_and_line(cli, tmp_path: Path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "q.cypher").write_text("// ---\n// id: q\n// title: T\n// columns:\n//   n: x\n// ---\n"
                                  "RETURN $n AS n\n", encoding="utf-8")
    err = _one_line_error(cli("packs", "list", "--packs", str(bad)))
    assert "bad/q.cypher:7: $n is used but not declared under parameters" in err


# As a user runs it: a real process. The built-in packs are pointed at an empty folder (the first
# argument) so that this file tests the framework, not the packs others are writing.
_ENTRY = ("import pathlib, sys; import creditgraph.paths as p; folder = pathlib.Path(sys.argv.pop(1)); "
          "p.packs_dir = lambda: folder; from creditgraph.cli import main; main(sys.argv[1:])")


def _process(args: list[str], env: dict[str, str], builtin: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _ENTRY, str(builtin), *args], check=False, env=env,
                          text=True, capture_output=True, timeout=180)


def test_as_a_process(cli_env: dict[str, str], builtin: Path, world):
    ok = _process(["packs", "run", "count_listed", "--packs", str(EXAMPLE), "--as-of", "2024-06-30",
                   "-f", "json"], cli_env, builtin)
    assert ok.returncode == 0, ok.stderr
    assert [r["subject_sid"] for r in json.loads(ok.stdout)] == ["A", "B"]
    assert "count_listed: 2 rows in" in ok.stderr
    bad = _process(["packs", "run", "count_listed", "--packs", str(EXAMPLE), "-p", "limit=0"],
                   cli_env, builtin)
    assert bad.returncode == 2
    assert bad.stderr.startswith(
        "creditgraph: error: count_listed: parameter limit: 0 is below the minimum 1")
    assert bad.stderr.count("\n") == 1
