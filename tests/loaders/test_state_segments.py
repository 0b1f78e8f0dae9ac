"""The diff state kept as segments (old files linked, masks of their current rows) is the state
a full rewrite gives, load after load, and so is the graph diffed against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.loaders.graph_dump import dump
from tests.loaders.test_bulk_load import _fresh, _states

from creditgraph.loaders import state as state_module
from creditgraph.loaders.run import Loader
from creditgraph.loaders.state import SourceState


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory) -> list[Path]:
    from creditgraph.synth.generator import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("segsnap")
    generate(GeneratorConfig(enterprises=300, seed=7, snapshots=4), out)
    return sorted(p for p in out.iterdir() if p.is_dir())


def _segments(home: Path) -> dict[str, int]:
    meta = next(home.glob("state/*/*/current/state.json"))
    state = SourceState.open(home, meta.parent.parent.parent.name, meta.parent.parent.name)
    return {name: len(segs) for name, segs in state.tables.items()}


def test_segments_give_the_state_and_graph_of_a_full_rewrite(engine, snapshots, tmp_path,
                                                              monkeypatch):
    out = {}
    for mode, limit in (("segments", 8), ("rewrite", 1)):
        monkeypatch.setattr(state_module, "MAX_SEGMENTS", limit)
        backend = _fresh(engine, f"seg_{mode}")
        home = tmp_path / mode
        loader = Loader(backend, home=home)
        # The last snapshot twice: an unchanged reload links every segment as it was.
        for snapshot in [*snapshots, snapshots[-1]]:
            loader.load(snapshot)
        out[mode] = (dump(backend), _states(home), _segments(home))
    assert out["segments"][0] == out["rewrite"][0]
    assert out["segments"][1] == out["rewrite"][1]
    assert set(out["rewrite"][2].values()) == {1}
    # Tables that changed every month have a segment per load that changed them.
    assert max(out["segments"][2].values()) == len(snapshots)


def test_a_table_compacts_when_its_segments_reach_the_limit(engine, snapshots, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(state_module, "MAX_SEGMENTS", 2)
    backend = _fresh(engine, "seg_limit")
    loader = Loader(backend, home=tmp_path)
    counts = []
    for snapshot in snapshots:
        loader.load(snapshot)
        counts.append(_segments(tmp_path)["enterprises"])
    assert counts == [1, 2, 1, 2]  # the third load finds two segments and writes one


def test_what_a_killed_load_left_is_removed_by_the_next(engine, snapshots, tmp_path):
    backend = _fresh(engine, "seg_stale")
    loader = Loader(backend, home=tmp_path)
    loader.load(snapshots[0])
    folder = next(tmp_path.glob("state/*/*/current")).parent
    for name in ("next-20250101T000000Z-dead", "old-20250101T000000Z-dead"):
        (folder / name).mkdir()
        (folder / name / "enterprises.x.parquet").write_bytes(b"left over")
    loader.load(snapshots[1])
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["current"]
