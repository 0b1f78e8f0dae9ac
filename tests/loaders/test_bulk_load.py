"""A first load built with GRAPH.BULK is the graph the MERGE batches build, and fails cleanly.

Every comparison loads the same input twice into two empty graphs of the session engine: once
with ``CREDITGRAPH_LOAD_BULK=on`` (the default) and once with ``off``, and compares full dumps
(every node with its labels and properties, every relationship with its endpoints and
properties; only ``load_run`` differs and is left out).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest
from tests.loaders.graph_dump import dump
from tests.loaders.helpers import (
    REPO,
    enterprise,
    resident_id,
    uscc,
    write_manifest,
    write_table,
)
from tests.loaders.test_messy_input import SCENARIOS

from creditgraph import settings
from creditgraph.exc import CreditgraphError, EngineError
from creditgraph.graph.falkordb_backend import FalkorDBBackend
from creditgraph.loaders import bulk
from creditgraph.loaders.run import Loader, Progress
from creditgraph.loaders.state import SourceState, graph_id

SAMPLE = REPO / "sample_data" / "generated"


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory) -> list[Path]:
    """Two generated monthly snapshots (seeded, small)."""
    from creditgraph.synth.generator import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("bulksnap")
    generate(GeneratorConfig(enterprises=600, seed=11, snapshots=2), out)
    return sorted(p for p in out.iterdir() if p.is_dir())


def _fresh(engine, name: str) -> FalkorDBBackend:
    backend = FalkorDBBackend.over_socket(engine, name)
    backend.clear()
    return backend


def _schema(backend) -> tuple[list, list]:
    indexes = backend.read("CALL db.indexes() YIELD label, properties, types "
                           "RETURN label, properties, types ORDER BY label")
    constraints = backend.read("CALL db.constraints() YIELD type, label, properties, status "
                               "RETURN type, label, properties, status ORDER BY label")
    return indexes, constraints


def _load_both(engine, tmp_path, monkeypatch, name, paths, **kwargs):
    """Load ``paths`` in order with each writer; returns the two backends and last reports."""
    out = {}
    for mode in ("off", "on"):
        monkeypatch.setattr(settings, "LOAD_BULK", mode)
        backend = _fresh(engine, f"{name}_{mode}")
        loader = Loader(backend, home=tmp_path / mode)
        reports = [loader.load(p, **kwargs) for p in paths]
        out[mode] = (backend, reports, tmp_path / mode)
    return out


def _states(home: Path) -> dict[str, list]:
    """The diff state a load leaves, per source and table: current rows sorted by key, values
    parsed."""
    out = {}
    for meta in sorted(home.glob("state/*/*/current/state.json")):
        state = SourceState.open(home, meta.parent.parent.parent.name, meta.parent.parent.name)
        for name in state.tables:
            old = state.table(name)
            rows = old.full().filter(pa.array(old.alive)).to_pylist()
            out[f"{meta.parent.parent.name}/{name}"] = sorted(
                (r["key"], r["raw"], json.loads(r["values"]), r["khash"]) for r in rows)
    return out


def _files(reports) -> list[list]:
    """Per-file figures of the reports, with the quarantine files' contents."""
    out = []
    for report in reports:
        for f in report.files:
            figures = f.as_dict()
            quarantine = figures.pop("quarantine_file")
            figures["quarantine"] = Path(quarantine).read_text(encoding="utf-8-sig") \
                if quarantine else None
            out.append(figures)
    return out


def _assert_same(out) -> None:
    merged, built = out["off"][0], out["on"][0]
    assert dump(built) == dump(merged)
    # The same rows loaded, counted and quarantined, and the same state for the next load
    # (the first load's relationship rows take the column path, loaders.columnar, only here).
    assert _files(out["on"][1]) == _files(out["off"][1])
    assert _states(out["on"][2]) == _states(out["off"][2])
    assert _schema(built) == _schema(merged)
    for backend, reports, _ in out.values():
        runs = backend.read("MATCH (r:LoadRun) RETURN r.run_id AS id, r.status AS s")
        assert sorted(r["id"] for r in runs) == sorted(r.run_id for r in reports)
        assert {r["s"] for r in runs} == {"done"}
    assert [r.as_dict()["changes"] for r in out["on"][1]] == \
        [r.as_dict()["changes"] for r in out["off"][1]]


def test_the_sample_snapshot_builds_the_same_graph(engine, tmp_path, monkeypatch):
    out = _load_both(engine, tmp_path, monkeypatch, "bulk_sample", [SAMPLE / "2025-05-31"])
    _assert_same(out)
    assert out["on"][1][0].statements < out["off"][1][0].statements / 5


def test_small_calls_and_an_incremental_load_after_the_build(engine, snapshots, tmp_path,
                                                              monkeypatch):
    """Many GRAPH.BULK calls (node ids carried across them), then a MERGE load on top."""
    monkeypatch.setattr(bulk, "CALL_BYTES", 20_000)
    out = _load_both(engine, tmp_path, monkeypatch, "bulk_many", snapshots)
    _assert_same(out)
    assert out["on"][1][0].statements > 10


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_messy_input_builds_the_same_graph(name, engine, tmp_path, monkeypatch):
    scenario = SCENARIOS[name](tmp_path / "in")
    out = _load_both(engine, tmp_path, monkeypatch, "bulk_messy", [scenario.path],
                     **scenario.load_kwargs())
    _assert_same(out)


def test_stubs_completed_later_and_rows_after_their_node(engine, tmp_path, monkeypatch):
    """A region row after a child names it as parent (held back, then completed); a person
    met first as a legal representative; a name-only holder; one call per few entities."""
    folder = tmp_path / "snap"
    write_table(folder, "regions", [
        {"code": "510104", "name": "锦江区", "level": "county", "parent": "510100"},
        {"code": "510100", "name": "成都市", "level": "prefecture", "parent": "510000"},
    ])
    write_table(folder, "enterprises", [enterprise(1), enterprise(2, address="成都市锦江区红星路1号"),
                                        enterprise(3, address="成都市锦江区红星路1号")])
    write_table(folder, "persons", [{"id_number": resident_id(1), "name": "张三"}])
    write_table(folder, "legal_reps", [
        {"from_kind": "person", "from_id": resident_id(2), "to_kind": "enterprise",
         "to_id": uscc(1), "since": "2020-01-01"},
        {"from_kind": "person", "from_id": resident_id(1), "to_kind": "enterprise",
         "to_id": uscc(9), "since": "2020-01-01"},
    ])
    write_table(folder, "shareholders", [
        {"from_kind": "name", "from_id": "（香港）中央結算有限公司", "to_kind": "enterprise",
         "to_id": uscc(2), "ratio": "0.5"},
        {"from_kind": "name", "from_id": "（香港）中央結算有限公司", "to_kind": "enterprise",
         "to_id": uscc(3), "ratio": "0.1"},
        {"from_kind": "person_name", "from_id": "李四", "to_kind": "enterprise",
         "to_id": uscc(3), "ratio": "0.25"},
    ])
    write_manifest(folder)
    monkeypatch.setattr(bulk, "CALL_BYTES", 300)
    out = _load_both(engine, tmp_path, monkeypatch, "bulk_stubs", [folder])
    _assert_same(out)
    region = out["on"][0].read("MATCH (r:Region {code: '510100'}) RETURN r.name AS n, r.stub AS s")
    assert region == [{"n": "成都市", "s": None}]


def test_a_built_graph_survives_an_engine_restart(engine, tmp_path):
    """GRAPH.BULK and the RENAME reach the append-only file: kill -9, restart, same graph."""
    target = _fresh(engine, "bulk_persist")
    Loader(target, home=tmp_path).load(SAMPLE / "2025-05-31")
    before, schema = dump(target), _schema(target)
    time.sleep(1.2)  # CREDITGRAPH_ENGINE_FSYNC=everysec
    engine.kill()
    engine.ensure_started()
    target = FalkorDBBackend.over_socket(engine, "bulk_persist")
    assert dump(target) == before
    assert _schema(target) == schema
    target.clear()


def test_a_shared_node_keeps_the_text_of_the_first_row_that_names_it(graph, tmp_path):
    """Two spellings of one address (one Address node): the build keeps the first row's text.

    The MERGE batches do not promise that: FalkorDB 4.16 applies ``ON CREATE SET`` for every
    row of one ``UNWIND`` batch that names a node the batch creates, so there the last row of
    the first batch wins, and which row that is depends on CREDITGRAPH_BATCH_SIZE.
    """
    folder = tmp_path / "snap"
    write_table(folder, "enterprises", [enterprise(2, address="成都市锦江区紅星路1號"),
                                        enterprise(3, address="成都市锦江区红星路1号")])
    write_manifest(folder)
    Loader(graph, home=tmp_path).load(folder)
    assert graph.read("MATCH (a:Address) RETURN a.text AS t") == [{"t": "成都市锦江区紅星路1號"}]


def test_a_graph_with_data_is_merged_into_not_rebuilt(graph, tmp_path):
    graph.write("CREATE (:Subject:Enterprise {sid: 'kept', uscc: 'kept'})")
    report = Loader(graph, home=tmp_path).load(SAMPLE / "2025-05-31")
    assert report.statements > 10  # MERGE batches
    assert graph.read("MATCH (n:Subject {sid: 'kept'}) RETURN count(n) AS c")[0]["c"] == 1


def _probe(on_call) -> Progress:
    class Probe(Progress):
        def written(self, rows):
            on_call()

    return Probe()


def _state(backend, home: Path, source: str) -> SourceState:
    address = str(backend.describe()["address"])
    return SourceState.open(home, graph_id(address, backend.graph_name), source)


def test_engine_killed_during_the_build_leaves_the_target_untouched(engine, snapshots, tmp_path,
                                                                     monkeypatch):
    """The build fails with one clear error; nothing half-built is visible; a rerun completes."""
    first = snapshots[0]
    reference = _fresh(engine, "bulk_kill_ref")
    Loader(reference, home=tmp_path / "ref").load(first)
    expected = dump(reference)
    reference.clear()

    monkeypatch.setattr(bulk, "CALL_BYTES", 20_000)
    target = _fresh(engine, "bulk_kill_target")
    calls = []

    def kill_after_two():
        calls.append(1)
        if len(calls) == 2:
            engine.kill()

    home = tmp_path / "t"
    with pytest.raises(CreditgraphError):
        Loader(target, home=home, progress=_probe(kill_after_two)).load(first)
    target = FalkorDBBackend.over_socket(engine, "bulk_kill_target")
    assert target.graph_holds_only_load_runs()
    assert _state(target, home, "synth").run_id is None, "diff state committed"
    report = Loader(target, home=home).load(first)
    assert report.status == "done"
    assert dump(target) == expected
    assert target.bulk_scratch_key("synth") not in target._db.list_graphs()
    target.clear()


def test_a_write_to_the_target_during_the_build_is_not_overwritten(engine, snapshots, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setattr(bulk, "CALL_BYTES", 20_000)
    target = _fresh(engine, "bulk_race")
    other = FalkorDBBackend.over_socket(engine, "bulk_race")

    def write_once():
        if not other.read("MATCH (n:Department {code: 'other'}) RETURN n"):
            other.write("CREATE (:Department {code: 'other'})")

    with pytest.raises(EngineError, match="written to during this first load"):
        Loader(target, home=tmp_path, progress=_probe(write_once)).load(snapshots[0])
    assert target.read("MATCH (n) WHERE NOT n:LoadRun RETURN n.code AS c") == [{"c": "other"}]
    assert target.bulk_scratch_key("synth") not in target._db.list_graphs()
    target.clear()


def test_loader_killed_during_the_build_then_rerun_matches(engine, snapshots, tmp_path,
                                                           engine_home):
    """kill -9 of the loader while the scratch graph grows: the target never holds part of it,
    and the same load again gives the graph one clean load gives (the scratch key dropped)."""
    first = snapshots[0]
    reference = _fresh(engine, "bulk_interrupt_ref")
    Loader(reference, home=tmp_path / "ref").load(first)
    expected = dump(reference)
    reference.clear()

    target = _fresh(engine, "bulk_interrupt")
    scratch = target.bulk_scratch_key("synth")
    home = tmp_path / "state"
    home.mkdir()
    (home / "engine").symlink_to(Path(engine_home) / "engine")
    env = dict(os.environ, CREDITGRAPH_HOME=str(engine_home), CREDITGRAPH_GRAPH="bulk_interrupt")
    # Small calls, so that the scratch graph exists for a while before the swap.
    code = ("import runpy, sys, creditgraph.loaders.bulk as b; b.CALL_BYTES = 5000; "
            "sys.argv = ['creditgraph'] + sys.argv[1:]; "
            "runpy.run_module('creditgraph', run_name='__main__')")
    cmd = [sys.executable, "-c", code, "load", str(first), "-q", "--home", str(home)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if scratch in target._db.list_graphs():
            seen = target.sibling(scratch).read("MATCH (n) RETURN count(n) AS c")[0]["c"]
            if seen > 500:
                break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert seen > 500, "the scratch graph never grew"
    assert target.graph_holds_only_load_runs(), "part of the build reached the target"
    rerun = subprocess.run(cmd[:1] + ["-m", "creditgraph"] + cmd[3:], env=env, capture_output=True, check=False,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert dump(target) == expected
    assert scratch not in target._db.list_graphs()
    target.clear()


def test_encode_value_matches_the_literals_the_merge_writer_sends():
    assert bulk.encode_value("甲") == b"\x03" + "甲".encode() + b"\x00"
    assert bulk.encode_value(None) == b"\x00"
    assert bulk.encode_value(True) == b"\x01\x01"
    assert bulk.encode_value(float("nan")) == b"\x00"
    assert bulk.encode_value(3) == b"\x04" + (3).to_bytes(8, "little")
    assert bulk.encode_value([1, "a"])[:9] == b"\x05" + (2).to_bytes(8, "little")


def test_rows_after_their_node_was_sent_and_closings_are_merged_afterwards(engine):
    """Fact sequences no canonical snapshot produces (a node's own row after the node was
    sent, a list entry named after its table, a closing in a first load) still end as the
    MERGE writer leaves them."""
    from creditgraph.loaders.tables import NodeFact, NodeRef, RelFact
    from creditgraph.loaders.writer import FactWriter

    firm = NodeRef(("Subject", "Enterprise"), "sid", "X", (("uscc", "X"), ("stub", True)))
    entry = NodeRef(("ListEntry",), "id", "L1")
    dept = NodeRef(("Department",), "code", "D", (("stub", True), ("name", "法院")))
    listed = RelFact("LISTED", firm, entry, (), ())
    issued = RelFact("ISSUED_BY", entry, dept, (), ())
    steps = [
        ("begin", "list_entries"),
        ("upsert", [listed, NodeFact(entry, (("id", "L1"), ("status", "active"))), issued]),
        ("end", "list_entries"),
        ("begin", "legal_reps"),
        ("upsert", [NodeFact(firm, (("uscc", "X"), ("name", "甲"), ("stub", None)))]),
        ("upsert", [RelFact("ISSUED_BY", entry, NodeRef(("Department",), "code", "E"), (), ())]),
        ("close", [issued]),
        ("end", "legal_reps"),
    ]
    dumps = []
    for name, cls in (("bulk_seq_merge", FactWriter), ("bulk_seq_build", bulk.BulkWriter)):
        backend = _fresh(engine, name)
        backend.write("CREATE (:LoadRun {run_id: 'r'})")
        kwargs = {"create": True} if cls is FactWriter else {}
        writer = cls(backend, source="s", as_of="2025-06-30", run_id="r", **kwargs)
        for kind, arg in steps:
            if kind == "begin":
                writer.begin_table(arg)
            elif kind == "end":
                writer.end_table(arg)
            elif kind == "upsert":
                writer.upsert(arg)
            else:
                writer.close_facts(arg)
        writer.close()
        backend.bootstrap_schema()
        dumps.append(dump(backend))
        assert backend.read("MATCH (r:LoadRun) RETURN r.run_id AS r") == [{"r": "r"}]
    assert dumps[0] == dumps[1]
    assert '"name": "甲"' in "".join(dumps[1][0])
    assert any('"valid_to": "2025-06-30"' in line for line in dumps[1][1])
    for name in ("bulk_seq_merge", "bulk_seq_build"):
        _fresh(engine, name)
