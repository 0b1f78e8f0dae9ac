"""bench/bench_app.py runs end to end on the sample (no speed asserted: that is bench's job)."""

from __future__ import annotations

import json

import pytest
from bench import bench_app
from tests.oracle.app_sample import AS_OF, GRAPH, sample_graph


@pytest.fixture(scope="module")
def graph(engine, tmp_path_factory):
    backend, _ = sample_graph(engine, tmp_path_factory.mktemp("app_logic_home"))
    return backend


def test_app_benchmark_on_the_sample(graph, engine, tmp_path):
    result = bench_app.run(engine.home, GRAPH, subjects=2, repetitions=1, offsets=4, command="pytest",
                           log=lambda _msg: None)
    assert result["as_of"] == AS_OF and result["graph"] == GRAPH
    timed = [g for g in result["groups"].values() if g["subjects"]]
    assert timed, "no subjects picked"
    for group in timed:
        for name, figure in group["figures"].items():
            assert figure["n"] >= 1 and 0 < figure["median_s"] <= figure["p95_s"] <= figure["max_s"], name
        assert any(name.startswith("page: profile + neighbourhood") for name in group["figures"])
    json_path, md_path = bench_app.save(result, tmp_path)
    assert json.loads(json_path.read_text())["graph"] == GRAPH
    assert "| function | runs | median | p95 | max |" in md_path.read_text()
