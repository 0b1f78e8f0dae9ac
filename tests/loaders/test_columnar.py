"""The column path for a first load's relationship rows gives what the row path gives.

``columnar.relationship_rows`` marks rows *fast* when its vectorised checks clear them; for
those rows its key, state values, endpoints and edge encoding must be the row path's exactly.
The rows here are a generated snapshot's relationship rows plus mutated copies (spacing, case,
full-width digits, bad check characters, dates and numbers in other forms or out of range,
other endpoint kinds). Whole loads through both paths are compared in test_bulk_load.py.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest
from tests.loaders.helpers import enterprise, resident_id, uscc, write_manifest, write_table

from creditgraph.loaders import columnar, run, tables
from creditgraph.loaders.bulk import BulkWriter, _edge_encoding
from creditgraph.synth import layout

_MUTATIONS = (
    lambda s: f" {s}", lambda s: f"{s} ", lambda s: s.lower(), lambda s: s[:-1] + "x",
    lambda s: s[:-1] + ("1" if s[-1:] != "1" else "2"), lambda s: s[:5],
    lambda s: s.replace("1", "１"), lambda s: s.replace("-", "/"), lambda s: s.replace("-", ""),
    lambda s: "1.5", lambda s: "0.50", lambda s: "1,000", lambda s: "-1", lambda s: "nan",
    lambda s: "", lambda s: "name", lambda s: "person_name", lambda s: "department",
    lambda s: "organisation", lambda s: "person", lambda s: "enterprise", lambda s: "2023-02-30",
    lambda s: "director ", lambda s: "chairman", lambda s: "1e3", lambda s: '"q"',
)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    from creditgraph.synth.generator import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("colsnap")
    generate(GeneratorConfig(enterprises=400, seed=5, snapshots=1), out)
    return next(p for p in out.iterdir() if p.is_dir())


def _frame(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _mutated(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rnd = random.Random(seed)
    rows = frame.to_dict("records")
    out = []
    for row in rows[:300]:
        for _ in range(3):
            copy = dict(row)
            for _ in range(rnd.randint(1, 2)):
                column = rnd.choice(list(copy))
                copy[column] = rnd.choice(_MUTATIONS)(copy[column])
            out.append(copy)
    return pd.DataFrame(out, columns=frame.columns, dtype=str)


def _check(table: str, frame: pd.DataFrame) -> tuple[int, int]:
    """Compare every fast row with the row path; (fast rows, rows)."""
    lane = columnar.relationship_rows(table, frame)
    for i, row in enumerate(run._records(frame)):
        if not lane.fast[i]:
            continue
        norm = tables.normalise(table, row, "src")  # a fast row is a valid row
        start, end = norm.ends
        assert lane.keys[i] == norm.key, row
        assert lane.values[i] == run._values_json(norm.values), row
        assert (columnar.LABELS[lane.start_labels[i]], lane.start_values[i]) == (start.labels, start.value)
        assert (columnar.LABELS[lane.end_labels[i]], lane.end_values[i]) == (end.labels, end.value)
        assert lane.ref(i, 0) == start and lane.ref(i, 1) == end  # with their on_create values
        fact = tables.facts_of(table, norm.values, "src", norm.ends)[0]
        assert (lane.names[lane.pattern[i]], lane.data[i]) == _edge_encoding(fact.key, fact.props)
    return int(lane.fast.sum()), len(frame)


@pytest.mark.parametrize("table", list(tables.REL_TABLES))
def test_clean_rows_are_fast_and_match_the_row_path(table, snapshot):
    path = snapshot / f"{table}.csv"
    frame = _frame(path)
    fast, n = _check(table, frame)
    kinds = set(frame["from_kind"]) | set(frame["to_kind"])
    if n and kinds <= {"person", "enterprise", "organisation"}:
        # Generated rows are clean: every one whose endpoints are subjects by code is fast.
        assert fast == n


@pytest.mark.parametrize("table", ["legal_reps", "shareholders", "executives", "guarantees"])
def test_mutated_rows_match_the_row_path_or_take_it(table, snapshot):
    frame = _mutated(_frame(snapshot / f"{table}.csv"), seed=len(table))
    fast, n = _check(table, frame)
    assert 0 < fast < n  # some mutations keep a row valid and canonical, most do not


def test_a_frame_of_nothing_but_rejects():
    frame = pd.DataFrame({c: ["", " x", "person"] for c in layout.BY_NAME["shareholders.csv"].columns},
                         dtype=str)
    lane = columnar.relationship_rows("shareholders", frame)
    assert not lane.fast.any()


def _rel(fk, fid, tk, tid, **props):
    return {"from_kind": fk, "from_id": fid, "to_kind": tk, "to_id": tid, **props}


def test_duplicates_across_chunks_and_paths_settle_in_input_order(graph, tmp_path, monkeypatch):
    """Fast and row-path rows with one key, repeats of one raw row, a stub met first here:
    counted and quarantined as the row path alone would (chunks of 4 rows: the clashes fall
    within and across chunks)."""
    from tests.loaders.test_messy_input import _quarantine_file_rows

    monkeypatch.setattr(run, "CHUNK_ROWS", 4)
    p = [resident_id(n) for n in range(4)]
    e = [uscc(n) for n in range(4)]
    folder = tmp_path / "snap"
    write_table(folder, "enterprises", [enterprise(n) for n in range(3)])
    write_table(folder, "persons", [{"id_number": p[n], "name": f"人{n}"} for n in range(3)])
    write_table(folder, "shareholders", [
        _rel("person", p[0], "enterprise", e[0], ratio="0.5"),                   # 2 loaded (fast)
        _rel("person", p[0], "enterprise", e[0], ratio="0.5"),                   # 3 same raw
        _rel("person", f" {p[0]}", "enterprise", e[0], ratio="0.5"),             # 4 same values
        _rel("person", p[0], "enterprise", e[0], ratio="0.4"),                   # 5 other values
        _rel("person", p[1], "enterprise", e[1].lower(), ratio="0.3"),           # 6 loaded (row path)
        _rel("person", p[1], "enterprise", e[1], ratio="0.3"),                   # 7 to_id differs
        _rel("person", p[1], "enterprise", e[1], ratio="0.2"),                   # 8 other values
        _rel("person", p[2], "enterprise", e[2], ratio="2"),                     # 9 out of range
        _rel("person", p[2], "enterprise", e[2], ratio="0.25"),                  # 10 loaded (fast)
        _rel("person", p[3], "enterprise", e[3], ratio="0.1"),                   # 11 stubs (fast)
        _rel("person", p[0], "enterprise", e[0], ratio="0.5"),                   # 12 same raw
    ])
    write_manifest(folder)
    settled = []
    add_edges = BulkWriter.add_edges
    monkeypatch.setattr(BulkWriter, "add_edges", lambda self, rel_type, *a: (
        settled.append((rel_type, len(a[2]))), add_edges(self, rel_type, *a))[1])
    report = run.Loader(graph, home=tmp_path / "home").load(folder)
    assert settled == [("SHAREHOLDER_OF", 2)]  # rows 10 and 11 meet no other row
    f = next(f for f in report.files if f.table == "shareholders")
    # The values keep the text as given (a lower-case code), so row 7 is another row for key 6.
    assert (f.rows_read, f.rows_loaded, f.rows_duplicate, f.rows_quarantined) == (11, 4, 3, 4)
    got = {int(r["line"]): r["reasons"].split(":")[0] for r in _quarantine_file_rows(f.quarantine_file)}
    assert got == {5: "duplicate_key", 7: "duplicate_key", 8: "duplicate_key", 9: "out_of_range"}
    rels = graph.read("MATCH (a:Person)-[r:SHAREHOLDER_OF]->(b:Enterprise) "
                      "RETURN b.uscc AS to, r.ratio AS ratio, b.stub AS stub ORDER BY to")
    assert rels == [{"to": e[0], "ratio": 0.5, "stub": None}, {"to": e[1], "ratio": 0.3, "stub": None},
                    {"to": e[2], "ratio": 0.25, "stub": None}, {"to": e[3], "ratio": 0.1, "stub": True}]
