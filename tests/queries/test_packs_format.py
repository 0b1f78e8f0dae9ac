"""Reading pack files: the tokenizer, the YAML header, every refusal with its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from creditgraph.exc import ConfigError
from creditgraph.queries.packs import (
    Column,
    Pack,
    PackError,
    PackQuery,
    Param,
    documentation_problems,
    find_query,
    is_documented,
    load_packs,
    parse_query_file,
    scan_packs,
)
from creditgraph.queries.tokens import (
    CypherSyntaxError,
    extra_statement,
    find_writes,
    parameters_used,
    tokenize,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "packs"
EXAMPLE = DATA / "example"


# Only this file's packs: the built-in ones are tested on their own (tests/packs/).
pytestmark = pytest.mark.usefixtures("no_builtin_packs")


# -- tokenizer -----------------------------------------------------------------------------------


def test_tokens_kinds_values_and_positions():
    text = "MATCH (n:`My Label`)\n  WHERE n.x = 'it\\'s' // note $no\n/* $nor */ RETURN $p, $`odd name`, 1..3"
    tokens = tokenize(text, first_line=10)
    kinds = [(t.kind, t.value) for t in tokens]
    assert ("word", "MATCH") in kinds
    assert ("name", "My Label") in kinds
    assert ("string", "it\\'s") in kinds
    assert ("comment", " note $no") in kinds
    assert ("comment", " $nor ") in kinds
    assert ("param", "p") in kinds and ("param", "odd name") in kinds
    assert [t.text for t in tokens if t.kind in ("number", "punct")][-5:] == [",", "1", ".", ".", "3"]
    where = next(t for t in tokens if t.kind == "string")
    assert (where.line, where.column) == (11, 15)
    returned = next(t for t in tokens if t.value == "RETURN")
    assert (returned.line, returned.column) == (12, 12)
    assert set(parameters_used(tokens)) == {"p", "odd name"}


def test_tokens_columns_count_characters():
    [_, string, _, word] = tokenize("RETURN '企业😀' AS 名称")
    assert (string.column, word.column, word.value) == (8, 17, "名称")


def test_double_quoted_strings_and_escaped_backticks():
    tokens = tokenize('RETURN "a \\" CREATE" AS `x``y`')
    assert [t.kind for t in tokens] == ["word", "string", "word", "name"]
    assert tokens[-1].value == "x`y"


@pytest.mark.parametrize("text, reason, line", [
    ("RETURN 'open", "unterminated string", 1),
    ('RETURN\n"open', "unterminated string", 2),
    ("RETURN 1 /* never closed", "unterminated /* comment", 1),
    ("MATCH (n:`Open", "unterminated `name`", 1),
])
def test_tokenizer_errors_have_a_line(text: str, reason: str, line: int):
    with pytest.raises(CypherSyntaxError) as info:
        tokenize(text)
    assert reason in info.value.reason and info.value.line == line


@pytest.mark.parametrize("statement, word", [
    ("CREATE (n:Enterprise {uscc: 'x'})", "CREATE"),
    ("MATCH (n) MERGE (n)-[:LEGAL_REP_OF]->(m)", "MERGE"),
    ("MATCH (n) SET n.name = 'x'", "SET"),
    ("MATCH (n) DELETE n", "DELETE"),
    ("MATCH (n) REMOVE n.name", "REMOVE"),
    ("MATCH (n) DETACH DELETE n", "DETACH"),
    ("LOAD CSV FROM 'file:///x.csv' AS row RETURN row", "LOAD CSV"),
    ("MATCH (n) FOREACH (x IN [1] | SET n.v = x)", "FOREACH"),
    ("CALL apoc.create.node(['X'], {}) YIELD node RETURN node", "CALL apoc.create.node"),
    ("CALL db.createLabel('X')", "CALL db.createLabel"),
    ("DROP INDEX FOR (e:Enterprise) ON (e.uscc)", "DROP"),
    ("match (n) set n.x = 1", "SET"),
    ("MATCH (n) CALL { WITH n CREATE (m) } RETURN n", "CREATE"),
])
def test_writes_are_found(statement: str, word: str):
    found = find_writes(tokenize(statement))
    assert found and found[0].word == word


@pytest.mark.parametrize("statement", [
    "MATCH (n) WHERE n.note = 'CREATE or MERGE, SET, DELETE' RETURN n",
    'RETURN "LOAD CSV FROM x" AS s',
    "MATCH (n) // we never DELETE here\nRETURN n",
    "MATCH (n) /* SET n.x = 1\n REMOVE n.y */ RETURN n",
    "MATCH (n) RETURN n.set, n.delete, n.`create`",
    "MATCH (n:Create)-[:SET]->(m:`Merge`) RETURN n",
    "RETURN {create: 1, set: 2, remove: 3} AS m",
    "MATCH (n) RETURN n {.set, .merge}",
    "MATCH (n) RETURN $set AS s, $create",
    "MATCH (e) CALL { WITH e MATCH (e)-->(x) RETURN count(x) AS c } RETURN e, c",
    "CALL db.labels() YIELD label RETURN label",
    "CALL db.relationshipTypes()",
    "CALL db.propertyKeys()",
    "CALL db.indexes()",
    "MATCH (n) RETURN toLower(n.name) AS loaded",
])
def test_read_only_statements_pass(statement: str):
    assert find_writes(tokenize(statement)) == []


def test_one_statement_only():
    assert extra_statement(tokenize("MATCH (n) RETURN n;")) is None
    assert extra_statement(tokenize("MATCH (n) RETURN n; // done\n")) is None
    second = extra_statement(tokenize("MATCH (n) RETURN n;\nMATCH (m) RETURN m"))
    assert second is not None and (second.line, second.value) == (2, "MATCH")


# -- a good file -----------------------------------------------------------------------------------


def test_the_example_pack_loads_into_frozen_dataclasses():
    [pack] = load_packs([EXAMPLE])
    assert isinstance(pack, Pack) and pack.name == "example" and pack.path == EXAMPLE
    assert "count_listed" in pack.readme
    assert [q.id for q in pack.queries] == ["count_listed", "reach"]
    q = find_query([pack], "count_listed")
    assert isinstance(q, PackQuery)
    assert (q.title, q.title_zh, q.severity, q.pack) == (
        "Subjects with active blacklist entries", "有有效黑名单记录的主体", "info", "example")
    assert q.description.startswith("Every subject with at least min_entries")
    assert q.parameters == (
        Param("as_of", "date", "today", "Only entries active on this date count."),
        Param("min_entries", "int", 1, "Fewest active entries.", min=1, max=100),
        Param("limit", "int", 100, "Most rows returned.", min=1, max=10000),
    )
    assert q.columns[0] == Column("subject_sid", "Subject (sid).")
    assert q.column_names == ("subject_sid", "subject_name", "entries", "disputed", "evidence")
    assert q.path == EXAMPLE / "count_listed.cypher"
    assert q.body_line == 20  # the comment line right after the header
    assert q.cypher.splitlines()[1].startswith("MATCH (s:Subject)-[:LISTED]->(l:ListEntry)")
    assert q.runner_parameters == ("blacklists",)
    with pytest.raises(AttributeError):
        q.id = "other"  # type: ignore[misc]

    reach = find_query([pack], "reach")
    [k] = [p for p in reach.parameters if p.path_bound]
    assert (k.name, k.default, k.min, k.max) == ("k", 2, 1, 4)
    [bound] = reach.bounds
    assert reach.cypher[bound.start:bound.end] == "2" and bound.lower == 1
    assert reach.cypher[bound.end:bound.end + 5] == "/*k*/"
    assert reach.param("sid").required and reach.runner_parameters == ("through_hubs",)


# -- bad files ---------------------------------------------------------------------------------------

GOOD_HEADER = """\
// ---
// id: {id}
// title: A query
// parameters:
//   limit: {{type: int, default: 10, min: 1, max: 100, description: Most rows.}}
// columns:
//   sid: The subject.
// ---
"""
GOOD_BODY = "MATCH (s:Subject)\nRETURN s.sid AS sid\nLIMIT $limit\n"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.cypher"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


K2 = "\n  k: {type: int, default: 2, min: 1, max: 3, path_bound: true}"
K3 = "\n  k: {type: int, default: 3, min: 1, max: 4, path_bound: true}"
ONE = "RETURN 1 AS sid\n"


def _header(**fields: str) -> str:
    lines = ["// ---"]
    for key, value in fields.items():
        lines += [f"// {line}" if line else "//" for line in f"{key}: {value}".splitlines()]
    return "\n".join(lines) + "\n// ---\n"


BAD = {
    "missing id": (_header(title="A query", columns="\n  sid: x") + GOOD_BODY.replace("$limit", "1"),
                   1, "the header has no 'id'"),
    "missing title": (_header(id="q", columns="\n  sid: x") + "RETURN 1 AS sid\n",
                      1, "the header has no 'title'"),
    "missing columns": (_header(id="q", title="T") + "RETURN 1 AS sid\n", 1, "the header has no 'columns'"),
    "empty columns": (_header(id="q", title="T", columns="{}") + "RETURN 1 AS sid\n",
                      1, "the header has no 'columns'"),
    "id is not the file name": (_header(id="other", title="T", columns="\n  sid: x") + "RETURN 1 AS sid\n",
                                2, "must equal the file name without .cypher ('q')"),
    "unknown type": (_header(id="q", title="T", parameters="\n  n: {type: integer, default: 1}",
                             columns="\n  sid: x") + "RETURN $n AS sid\n",
                     5, "unknown type 'integer'"),
    "undeclared parameter": (GOOD_HEADER.format(id="q") + "MATCH (s:Subject)\nWHERE s.sid = $sid\n"
                             "RETURN s.sid AS sid LIMIT $limit\n", 10, "$sid is used but not declared"),
    "declared but unused": (GOOD_HEADER.format(id="q") + "MATCH (s:Subject)\nRETURN s.sid AS sid\n",
                            5, "'limit' is declared but the statement never uses $limit"),
    "path bound without marker": (
        _header(id="q", title="T", parameters=K2,
                columns="\n  sid: x") + "MATCH (a)-[:LEGAL_REP_OF*1..2]-(b) RETURN b.sid AS sid\n",
        5, "no /*k*/ marker"),
    "path bound marker not after a bound": (
        _header(id="q", title="T", parameters=K2,
                columns="\n  sid: x") + "MATCH (a)-[:LEGAL_REP_OF*1..2]-(b) /*k*/ RETURN b.sid AS sid\n",
        9, "must follow the upper bound"),
    "path bound literal is not the default": (
        _header(id="q", title="T", parameters=K2,
                columns="\n  sid: x") + "MATCH (a)-[:LEGAL_REP_OF*1..3/*k*/]-(b) RETURN b.sid AS sid\n",
        9, "the bound before /*k*/ is 3"),
    "path bound without min and max": (
        _header(id="q", title="T", parameters="\n  k: {type: int, default: 2, path_bound: true}",
                columns="\n  sid: x") + "MATCH (a)-[:LEGAL_REP_OF*1..2/*k*/]-(b) RETURN b.sid AS sid\n",
        5, "needs type int, min, max and a default"),
    "path bound min below the lower bound": (
        _header(id="q", title="T", parameters=K3,
                columns="\n  sid: x") + "MATCH (a)-[:LEGAL_REP_OF*2..3/*k*/]-(b) RETURN b.sid AS sid\n",
        9, "below the pattern's lower bound 2"),
    "marker on a parameter that is not a path bound": (
        GOOD_HEADER.format(id="q") + "MATCH (a)-[*1..10/*limit*/]-(b) RETURN b.sid AS sid LIMIT $limit\n",
        9, "is not declared with path_bound: true"),
    "unknown header field": (_header(id="q", title="T", owner="me", columns="\n  sid: x") + ONE,
                             4, "unknown header field 'owner'"),
    "bad severity": (_header(id="q", title="T", severity="urgent", columns="\n  sid: x") + ONE,
                     4, "severity 'urgent' is not one of"),
    "no opening fence": ("// id: q\nRETURN 1 AS sid\n", 1, "starts with a `// ---` line"),
    "unclosed header": ("\n// ---\n// id: q\nRETURN 1 AS sid\n", 2, "never closed"),
    "header line without //": ("// ---\n// id: q\ntitle: T\n// ---\nRETURN 1\n", 3, "must be a `//` comment"),
    "invalid YAML": ("// ---\n// id: q\n// title: [unclosed\n// columns: {sid: x}\n// ---\nRETURN 1 AS sid\n",
                     4, "not valid YAML"),
    "a key given twice": (_header(id="q", title="T", columns="\n  sid: x\n  sid: y") + "RETURN 1 AS sid\n",
                          6, "gives 'columns.sid' twice"),
    "bad default": (_header(id="q", title="T", parameters="\n  n: {type: int, default: 500, max: 100}",
                            columns="\n  sid: x") + "RETURN $n AS sid\n",
                    5, "bad default: 500 is above the maximum 100"),
    "bad date default": (_header(id="q", title="T", parameters="\n  d: {type: date, default: yesterday}",
                                 columns="\n  sid: x") + "RETURN $d AS sid\n", 5, "expected a date"),
    "min on a string": (_header(id="q", title="T", parameters="\n  s: {type: string, min: 1}",
                                columns="\n  sid: x") + "RETURN $s AS sid\n",
                        5, "min is only for int and float"),
    "runner parameter declared": (_header(id="q", title="T", parameters="\n  blacklists: {type: list}",
                                          columns="\n  sid: x") + "RETURN $blacklists AS sid\n",
                                  5, "supplied by the runner"),
    "column that is an expression": (_header(id="q", title="T", columns="\n  count(*): x")
                                     + "RETURN count(*)\n",
                                     5, "not a plain name"),
    "writes": (GOOD_HEADER.format(id="q")
               + "MATCH (s:Subject)\nSET s.flag = true\nRETURN s.sid AS sid LIMIT $limit\n",
               10, "the statement writes (SET)"),
    "writes after a comment naming a write": (
        GOOD_HEADER.format(id="q")
        + "// SET is fine here\nMATCH (s:Subject) DETACH DELETE s\nRETURN 1 AS sid LIMIT $limit\n",
        10, "the statement writes (DETACH)"),
    "two statements": (GOOD_HEADER.format(id="q") + GOOD_BODY.rstrip() + ";\nMATCH (n) RETURN n\n",
                       12, "a second statement starts here"),
    "no statement": (GOOD_HEADER.format(id="q") + "\n// only a comment\n", 10, "no Cypher statement"),
    "nothing after the header": (GOOD_HEADER.format(id="q"), 8, "no Cypher statement follows"),
    "unterminated string": (GOOD_HEADER.format(id="q")
                            + "MATCH (s {name: 'x})\nRETURN s.sid AS sid LIMIT $limit\n",
                            9, "unterminated string"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_files_are_refused_naming_file_and_line(case: str, tmp_path: Path):
    text, line, reason = BAD[case]
    path = _write(tmp_path, "q", text)
    with pytest.raises(PackError) as info:
        parse_query_file(path)
    err = info.value
    assert isinstance(err, ConfigError)
    assert reason in err.reason, err.message
    assert err.line == line, err.message
    assert err.file.endswith("q.cypher")
    assert err.one_line().startswith(f"{err.file}:{line}: ")
    assert "\n" not in err.one_line()


def test_the_good_header_and_body_are_fine(tmp_path: Path):
    q = parse_query_file(_write(tmp_path, "q", GOOD_HEADER.format(id="q") + GOOD_BODY))
    assert q.body_line == 9 and q.uses == {"limit"}
    # `*3` (exactly k hops) and `*..3` also carry markers.
    header = _header(id="r", title="T", parameters=K3, columns="\n  sid: x")
    for pattern, lower in (("*3/*k*/", None), ("*..3/*k*/", None), ("* 1 .. 3 /* k */", 1)):
        body = f"MATCH (a)-[:LEGAL_REP_OF{pattern}]-(b) RETURN b.sid AS sid\n"
        q = parse_query_file(_write(tmp_path, "r", header + body))
        [bound] = q.bounds
        assert q.cypher[bound.start:bound.end] == "3" and bound.lower == lower


def test_header_values_are_converted(tmp_path: Path):
    header = _header(id="q", title="T", columns="\n  sid: x", parameters=(
        "\n  d: {type: date, default: 2024-06-30}"
        "\n  t: {type: date, default: Today}"
        "\n  l: {type: list, default: [SHIXIN, TAX]}"
        "\n  b: {type: bool, default: false}"
        "\n  f: {type: float, default: 1, min: 0.5}"
        "\n  s: {type: string}"))
    q = parse_query_file(_write(tmp_path, "q", header + "RETURN [$d, $t, $l, $b, $f, $s] AS sid\n"))
    defaults = {p.name: p.default for p in q.parameters}
    assert defaults == {"d": "2024-06-30", "t": "today", "l": ("SHIXIN", "TAX"), "b": False, "f": 1.0,
                        "s": None}
    assert q.param("s").required and not q.param("b").required


def test_through_hubs_may_be_declared_as_a_bool(tmp_path: Path):
    header = _header(id="q", title="T", parameters="\n  through_hubs: {type: bool, default: true}",
                     columns="\n  sid: x")
    query = parse_query_file(_write(tmp_path, "q", header + "RETURN $through_hubs AS sid\n"))
    assert query.param("through_hubs").type == "bool"
    bad = header.replace("type: bool, default: true", "type: int, default: 1")
    with pytest.raises(PackError, match="runner parameter of type bool"):
        parse_query_file(_write(tmp_path, "q", bad + "RETURN $through_hubs AS sid\n"))


def test_runner_parameters_need_no_declaration(tmp_path: Path):
    body = ("MATCH (l:ListEntry) WHERE l.list_type IN $blacklists OR l.list_type IN $redlists\n"
            "RETURN l.id AS sid, $hub_threshold AS h, $through_hubs AS t LIMIT $limit\n")
    header = GOOD_HEADER.format(id="q").replace("//   sid: The subject.", "//   sid: x\n//   h: y\n//   t: z")
    q = parse_query_file(_write(tmp_path, "q", header + body))
    assert q.runner_parameters == ("blacklists", "redlists", "hub_threshold", "through_hubs")


# -- folders -----------------------------------------------------------------------------------------


def _pack(root: Path, name: str, *ids: str, readme: str | None = None) -> Path:
    folder = root / name
    for query_id in ids:
        _write(folder, query_id, GOOD_HEADER.format(id=query_id) + GOOD_BODY)
    (folder / "README.md").write_text(readme if readme is not None else " ".join(ids), encoding="utf-8")
    return folder


def test_builtin_packs_may_be_missing_or_empty(no_builtin_packs: Path, monkeypatch: pytest.MonkeyPatch):
    assert load_packs() == ()
    monkeypatch.setattr("creditgraph.paths.packs_dir", lambda: no_builtin_packs / "absent")
    assert load_packs() == ()


def test_builtin_and_extra_packs_load_together(no_builtin_packs: Path, tmp_path: Path):
    _pack(no_builtin_packs, "risk", "a1", "a2")
    dept = tmp_path / "dept"
    _pack(dept, "tax", "t1")
    _pack(dept, "court", "c1")
    packs = load_packs([dept])
    assert [(p.name, [q.id for q in p.queries]) for p in packs] == [
        ("risk", ["a1", "a2"]), ("court", ["c1"]), ("tax", ["t1"])]
    # A folder that is itself a pack works too, and giving it twice is not a duplicate.
    assert [p.name for p in load_packs([dept / "tax", dept / "tax"], include_builtin=False)] == ["tax"]


def test_duplicate_ids_across_packs_are_refused(no_builtin_packs: Path, tmp_path: Path):
    _pack(no_builtin_packs, "risk", "same")
    _pack(tmp_path / "dept", "mine", "same")
    with pytest.raises(PackError) as info:
        load_packs([tmp_path / "dept"])
    assert info.value.file.endswith("mine/same.cypher") and info.value.line == 2
    assert "already the id of" in info.value.reason and "risk/same.cypher:2" in info.value.reason


def test_an_extra_folder_must_exist_and_hold_packs(tmp_path: Path):
    with pytest.raises(ConfigError, match="no such folder"):
        load_packs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no packs found"):
        load_packs([tmp_path / "empty"])


def test_the_deliberately_bad_write_pack_is_refused_on_load():
    with pytest.raises(PackError) as info:
        load_packs([DATA / "bad_write"])
    assert info.value.file.endswith("merge_subject.cypher") and info.value.line == 8
    assert "MERGE" in info.value.reason


def test_scan_collects_every_problem_and_load_reports_the_count(tmp_path: Path):
    _write(tmp_path / "p", "q1", GOOD_HEADER.format(id="wrong") + GOOD_BODY)
    _write(tmp_path / "p", "q2",
           GOOD_HEADER.format(id="q2") + "MATCH (n) DELETE n RETURN 1 AS sid LIMIT $limit\n")
    _write(tmp_path / "p", "q3", GOOD_HEADER.format(id="q3") + GOOD_BODY)
    packs, problems = scan_packs([tmp_path / "p"])
    assert [q.id for q in packs[0].queries] == ["q3"]
    assert [(Path(p.file).name, p.line) for p in problems] == [("q1.cypher", 2), ("q2.cypher", 9)]
    with pytest.raises(PackError) as info:
        load_packs([tmp_path / "p"])
    assert "1 more problem" in info.value.one_line() and "packs lint" in info.value.one_line()


def test_documentation_problems(tmp_path: Path):
    documented = _pack(tmp_path / "a", "documented", "q_one", readme="Finds `q_one`.")
    partly = _pack(tmp_path / "b", "partly", "q_two", "q_two_more", readme="Only q_two_more here.")
    bare = _pack(tmp_path / "c", "bare", "q_three")
    (bare / "README.md").unlink()
    packs = load_packs([documented.parent, partly.parent, bare.parent])  # a missing README still loads
    assert packs[2].readme == ""
    problems = documentation_problems(packs)
    assert [(Path(p.file).name, p.line) for p in problems] == [("q_two.cypher", 2), ("README.md", None)]
    assert is_documented("q_one", "see q_one.") and not is_documented("q_two", "q_two_more")


def test_unknown_query_id_lists_the_known_ones():
    with pytest.raises(ConfigError) as info:
        find_query(load_packs([EXAMPLE]), "nope")
    assert "no pack query 'nope'" in info.value.one_line() and "count_listed, reach" in info.value.one_line()
