"""Load history, quarantined rows, and pack rows' evidence drawn, on the sample."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import networkx as nx
import pytest
from tests.oracle.app_sample import AS_OF, REPO, sample_graph

from creditgraph.app.loads import evidence_subgraph, load_history, quarantine_file, quarantine_files
from creditgraph.graph.falkordb_backend import FalkorDBBackend
from creditgraph.loaders.run import Loader
from creditgraph.queries.packs import all_queries, load_packs
from creditgraph.queries.runner import run as run_query

TINY = REPO / "sample_data" / "tiny" / "2025-06-30"
BAD_USCC = "91510104MA6C00017X"  # the check character is wrong


@pytest.fixture(scope="module")
def loaded(engine, tmp_path_factory):
    return sample_graph(engine, tmp_path_factory.mktemp("app_logic_home"))


@pytest.fixture(scope="module")
def graph(loaded):
    return loaded[0]


@pytest.fixture(scope="module")
def rows(graph) -> dict:
    """Every built-in pack query's rows on the sample, all of them."""
    out = {}
    for query in all_queries(load_packs()):
        params = {"as_of": AS_OF} if query.param("as_of") else {}
        if query.param("limit"):
            params["limit"] = query.param("limit").max
        out[query.id] = {"rows": run_query(graph, query, params, as_of=AS_OF).rows, "error": None}
    return out


def test_load_history_joins_runs_and_reports(loaded):
    graph, home = loaded
    runs = load_history(graph, home)
    assert [r["as_of"] for r in runs] == ["2025-06-30", "2025-05-31"]
    for run in runs:
        assert run["status"] == "done" and run["source"] == "synth"
        assert run["report"]["run_id"] == run["run_id"]
        assert run["rows"] == run["report"]["rows_read"] == sum(f["rows_read"] for f in run["files"])
        assert isinstance(run["changes"], dict) and run["changes"]
        assert run["quarantine_files"] == [] and quarantine_file(run) is None
    assert runs[0]["changes"]["Enterprise"]["added"] > 0
    # Without the loader's home, the runs are still listed, without reports.
    elsewhere = load_history(graph, home / "nowhere")
    assert [r["run_id"] for r in elsewhere] == [r["run_id"] for r in runs]
    assert all(r["report"] is None and r["files"] == [] for r in elsewhere)


def test_quarantined_rows_can_be_downloaded(engine, tmp_path):
    snapshot = tmp_path / "snap"
    shutil.copytree(TINY, snapshot)
    with (snapshot / "enterprises.csv").open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    bad = list(table[1])
    bad[0], bad[1] = BAD_USCC, "坏码测试有限公司"
    table.append(bad)
    with (snapshot / "enterprises.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        if f["name"] == "enterprises.csv":
            f["rows"] += 1
    (snapshot / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    home = tmp_path / "home"
    backend = FalkorDBBackend.over_socket(engine, "app_logic_loads")
    backend.clear()
    backend.bootstrap_schema()
    try:
        Loader(backend, home=home).load(snapshot)
        [run] = load_history(backend, home)
        assert run["quarantined"] == 1
        files = quarantine_files(run)
        assert len(files) == 1 and files[0].name == "enterprises.csv.csv"
        path = quarantine_file(run)
        assert path == files[0]
        text = Path(path).read_text(encoding="utf-8-sig")
        assert BAD_USCC in text and "坏码测试有限公司" in text
        assert quarantine_file({"run_id": "x", "quarantine_files": []}) is None
    finally:
        backend.clear()
        backend.close()


def _weakly_connected(view) -> bool:
    g = nx.Graph()
    g.add_nodes_from(view.node_ids)
    g.add_edges_from((e.source, e.target) for e in view.edges)
    return nx.is_connected(g)


def test_every_pack_row_has_an_evidence_drawing(graph, rows):
    drawn = 0
    for query_id, result in rows.items():
        assert result["error"] is None, query_id
        for row in result["rows"][:25]:
            view = evidence_subgraph(graph, row, as_of=AS_OF)
            assert not view.is_empty, query_id
            ids = view.node_ids
            for column in ("subject_sid", "listed_sid", "target_sid", "controller_sid", "redlisted_sid",
                           "blacklisted_sid", "shared_sid", "holder_sid", "new_company_sid", "person_sid"):
                if row.get(column):
                    assert row[column] in ids, (query_id, column)
            assert view.centre in ids
            assert all(e.source in ids and e.target in ids for e in view.edges)
            if query_id != "ultimate_controller" or len(ids) > 1:
                assert _weakly_connected(view), (query_id, row)
            drawn += 1
    assert drawn >= 50


def test_propagation_evidence_is_the_path_and_the_entry(graph, rows):
    for row in rows["blacklist_propagation"]["rows"][:40]:
        view = evidence_subgraph(graph, row, as_of=AS_OF)
        ev = row["evidence"]
        assert {n["sid"] for n in ev["nodes"]} <= view.node_ids
        entry = view.node(f"ListEntry:{row['entry_id']}")
        assert entry is not None and entry.listed == "blacklisted" and entry.disputed == row["disputed"]
        assert any(e.type == "LISTED" and e.source == row["listed_sid"] for e in view.edges)
        assert any(e.type == "ISSUED_BY" for e in view.edges) == bool(ev["entry"]["department_code"])
        rels = {(r["from"], r["to"], r["type"]) for r in ev["relationships"]}
        assert rels <= {(e.source, e.target, e.type) for e in view.edges}
        assert view.node(row["listed_sid"]).listed in ("blacklisted", "both")


def test_shell_cluster_evidence_draws_the_shared_address(graph, rows):
    row = rows["shell_cluster"]["rows"][0]
    view = evidence_subgraph(graph, row, as_of=AS_OF)
    label = "Address" if row["shared_kind"] == "address" else "Phone"
    shared = f"{label}:{row['shared_key']}"
    assert view.node(shared) is not None
    members = {m["sid"] for m in row["members"]}
    assert {e.source for e in view.edges if e.target == shared} == members


def test_a_row_naming_unknown_subjects(graph):
    view = evidence_subgraph(graph, {"subject_sid": "nobody", "evidence": {}}, as_of=AS_OF)
    assert view.is_empty and "not in the graph" in view.notice
