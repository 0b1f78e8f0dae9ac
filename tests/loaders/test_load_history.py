"""Loads are idempotent, incremental, keep history, and recover from interruption."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.loaders.graph_dump import dump

from creditgraph.exc import InputError
from creditgraph.graph.falkordb_backend import FalkorDBBackend
from creditgraph.loaders.run import Loader, Progress


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory) -> Path:
    """Two generated monthly snapshots (seeded, small)."""
    from creditgraph.synth.generator import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("snap")
    generate(GeneratorConfig(enterprises=600, seed=11, snapshots=2), out)
    return out


def _dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir())


def _fresh(engine, name: str) -> FalkorDBBackend:
    backend = FalkorDBBackend.over_socket(engine, name)
    backend.clear()
    return backend


def test_reload_changes_nothing(graph, snapshots, tmp_path):
    first_dir = _dirs(snapshots)[0]
    loader = Loader(graph, home=tmp_path)
    first = loader.load(first_dir)
    before = dump(graph)
    again = loader.load(first_dir)
    assert again.total("rows_unchanged") == again.total("rows_read")
    assert again.changes == {} or all(sum(c.values()) == 0 for c in again.changes.values())
    assert dump(graph) == before
    assert first.total("rows_loaded") == first.total("rows_read")


def test_reload_without_state_is_idempotent_too(graph, snapshots, tmp_path):
    """Even with the diff state lost, MERGE on business keys leaves the graph as it was."""
    first_dir = _dirs(snapshots)[0]
    Loader(graph, home=tmp_path / "a").load(first_dir)
    before = dump(graph)
    Loader(graph, home=tmp_path / "b").load(first_dir)
    assert dump(graph) == before


def test_incremental_equals_direct_and_keeps_history(engine, snapshots, tmp_path):
    first_dir, second_dir = _dirs(snapshots)
    stepwise = _fresh(engine, "hist_stepwise")
    loader = Loader(stepwise, home=tmp_path / "s")
    loader.load(first_dir)
    report = loader.load(second_dir)
    # Only what changed was written.
    assert 0 < report.total("rows_read") - report.total("rows_unchanged") < report.total("rows_read") / 5
    # History: facts missing from the newer snapshot are closed, not deleted.
    closed = stepwise.read("MATCH ()-[r:LEGAL_REP_OF]->() WHERE r.valid_to = $d RETURN count(r) AS c",
                           {"d": report.as_of})[0]["c"]
    assert closed == report.changes["LEGAL_REP_OF"]["closed"] > 0
    entries = stepwise.read(
        "MATCH (l:ListEntry) WHERE l.valid_to = $d RETURN l.status AS s, l.repaired_date AS r, "
        "l.end_date AS e", {"d": report.as_of})
    assert entries, "the second snapshot drops some list entries"
    for row in entries:
        assert row["s"] in ("repaired", "expired")
        if row["s"] == "repaired":
            assert row["r"] == report.as_of
        else:
            assert row["e"] <= report.as_of
    # A brand-new load of the second snapshot alone holds the same current facts.
    direct = _fresh(engine, "hist_direct")
    Loader(direct, home=tmp_path / "d").load(second_dir)
    current = ("MATCH (a)-[r:SHAREHOLDER_OF]->(b) WHERE r.valid_to IS NULL "
               "RETURN a.sid AS a, b.sid AS b, r.ratio AS ratio ORDER BY a, b")
    assert stepwise.read(current) == direct.read(current)
    for backend in (stepwise, direct):
        backend.clear()


def test_older_snapshot_is_refused_unless_forced(graph, snapshots, tmp_path):
    first_dir, second_dir = _dirs(snapshots)
    loader = Loader(graph, home=tmp_path)
    loader.load(second_dir)
    with pytest.raises(InputError, match="older"):
        loader.load(first_dir)
    assert loader.load(first_dir, force=True).status == "done"


def test_emptied_graph_is_detected_and_reloaded_in_full(graph, snapshots, tmp_path):
    first_dir = _dirs(snapshots)[0]
    loader = Loader(graph, home=tmp_path)
    loader.load(first_dir)
    expected = dump(graph)
    graph.clear()
    report = loader.load(first_dir)
    assert report.total("rows_unchanged") == 0
    assert dump(graph)[0] == expected[0]


def test_engine_killed_mid_load_recovers(engine, snapshots, tmp_path, monkeypatch):
    """kill -9 of the engine during a load: batches are retried, the graph ends up complete.

    MERGE batches, which a first load into an empty graph does not use by default (see
    tests/loaders/test_bulk_load.py for the GRAPH.BULK build)."""
    from creditgraph import settings

    monkeypatch.setattr(settings, "LOAD_BULK", "off")
    first_dir = _dirs(snapshots)[0]
    reference = _fresh(engine, "kill_ref")
    Loader(reference, home=tmp_path / "ref").load(first_dir)
    expected = dump(reference)
    reference.clear()

    target = _fresh(engine, "kill_target")
    written = []

    class Probe(Progress):
        def written(self, rows):
            written.append(rows)
            if len(written) == 2:
                engine.kill()

    Loader(target, home=tmp_path / "t", progress=Probe(), batch_size=200).load(first_dir)
    assert len(written) > 2
    assert dump(target) == expected
    target.clear()


def test_loader_killed_mid_load_then_rerun_matches(engine, snapshots, tmp_path, engine_home):
    """kill -9 of the loader process, then the same load again: same graph as one clean load.

    MERGE batches (CREDITGRAPH_LOAD_BULK=off); test_bulk_load.py kills a GRAPH.BULK build."""
    first_dir = _dirs(snapshots)[0]
    reference = _fresh(engine, "interrupt_ref")
    Loader(reference, home=tmp_path / "ref").load(first_dir)
    expected = dump(reference)
    reference.clear()

    target = _fresh(engine, "interrupt_target")
    env = dict(os.environ, CREDITGRAPH_HOME=str(engine_home), CREDITGRAPH_GRAPH="interrupt_target",
               CREDITGRAPH_BATCH_SIZE="100", CREDITGRAPH_LOAD_BULK="off")
    home = tmp_path / "state"
    cmd = [sys.executable, "-m", "creditgraph", "load", str(first_dir), "-q", "--home", str(home)]
    # --home also names the engine folder: point it at the session engine through a symlink.
    home.mkdir()
    (home / "engine").symlink_to(Path(engine_home) / "engine")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        count = target.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
        if count > 500:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = target.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
    assert 0 < partial, "the loader wrote nothing before it was killed"
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert dump(target) == expected
    target.clear()


def test_concurrent_load_of_same_source_is_refused(graph, snapshots, tmp_path):
    from creditgraph.exc import EngineError
    from creditgraph.loaders.state import SourceState

    state = SourceState(tmp_path / "lockcheck")
    with state.locked(), pytest.raises(EngineError, match="another load"):
        with SourceState(tmp_path / "lockcheck").locked():
            pass


def test_incremental_accounting_of_duplicates_between_changed_and_unchanged_rows(graph, tmp_path):
    """Unchanged rows are settled all at once, changed rows one by one: where the two meet
    through a key, the first in file order wins, as in one pass over the rows."""
    from tests.loaders.helpers import enterprise, write_manifest, write_table

    first, second = tmp_path / "s1", tmp_path / "s2"
    write_table(first, "enterprises", [enterprise(n) for n in (1, 2, 3, 4)])
    write_manifest(first, as_of="2025-05-31")
    write_table(second, "enterprises", [
        enterprise(1),                      # unchanged: kept
        enterprise(1, name="改名一号有限公司"),  # same key, after the unchanged row: quarantined
        enterprise(2, name="改名二号有限公司"),  # changed: loaded
        enterprise(2),                      # unchanged, after the changed row: duplicate
        enterprise(3), enterprise(3),       # unchanged twice: kept, duplicate
        enterprise(5), enterprise(5),       # new twice: loaded, duplicate
    ])
    write_manifest(second, as_of="2025-06-30")
    loader = Loader(graph, home=tmp_path / "home")
    loader.load(first)
    report = loader.load(second)
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_duplicate, f.rows_unchanged) == \
        (8, 4, 1, 3, 2)
    assert report.changes["Enterprise"] == {"added": 1, "updated": 1, "closed": 1}
    names = graph.read("MATCH (e:Enterprise) WHERE e.valid_to IS NULL RETURN e.name AS n ORDER BY n")
    assert [r["n"] for r in names] == sorted(["成都测试1号商贸有限公司", "改名二号有限公司",
                                              "成都测试3号商贸有限公司", "成都测试5号商贸有限公司"])
