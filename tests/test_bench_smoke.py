"""The benchmarks run end to end at a tiny size. No speed is asserted: that is bench's job."""

from __future__ import annotations

import json
import math
import os

import pytest
from bench import bench_generate, bench_load, bench_packs
from bench.__main__ import main as bench_main


def test_bench_modules_import():
    assert callable(bench_generate.run)
    assert callable(bench_load.run)
    assert callable(bench_packs.run)
    assert callable(bench_main)


@pytest.mark.slow
def test_load_benchmark_smoke(tmp_path):
    result = bench_load.run(300, naive_rows=300, cache=tmp_path / "data", log=lambda _msg: None,
                            command="pytest")
    for path in bench_load.FIGURES:
        value = bench_load.figure(result, path)
        assert isinstance(value, (int, float)) and not isinstance(value, bool), path
        assert math.isfinite(value) and value > 0, f"{path} = {value!r}"
    assert result["first_load"]["rows_read"] == result["io_floor"]["rows"]
    assert result["reload"]["rows_changed"] == 0
    assert set(result["met"]) == {"first_load_rows_per_s", "peak_loader_mb", "incremental_speedup"}
    # The private engine is stopped (and reaped) at the end.
    with pytest.raises(ProcessLookupError):
        os.kill(result["engine_pid"], 0)

    assert "first load" in bench_load.table(result)
    json_path, md_path = bench_load.save(result, tmp_path / "out")
    assert json.loads(json_path.read_text())["enterprises"] == 300
    assert "| first load" in md_path.read_text()


@pytest.mark.slow
def test_packs_benchmark_smoke(tmp_path, monkeypatch):
    """`python -m bench --only packs --enterprises 300`: a private engine, the ten queries, both
    oracles, and every query's rows equal to its oracle's on this fresh dataset."""
    monkeypatch.setattr(bench_packs, "OUT_DIR", tmp_path)
    assert bench_main(["--only", "packs", "--enterprises", "300", "--repetitions", "1"]) == 0
    result = json.loads((tmp_path / "packs-300.json").read_text())
    assert list(result["queries"]) == list(bench_packs.QUERIES)
    for query_id, q in result["queries"].items():
        assert q["cold_seconds"] > 0 and q["median_seconds"] > 0, query_id
        assert isinstance(q["met"], bool) and q["target_seconds"] in (10.0, 30.0)
        assert q["all_rows"]["rows"] >= q["rows"]
        assert bench_packs.verdict(result, query_id) == "equal", (query_id, bench_packs.verdict(result, query_id))
    assert sum(q["all_rows"]["rows"] for q in result["queries"].values()) > 0
    assert set(result["oracles"]) == {"graph", "history"}
    for info in result["oracles"].values():
        assert info["exit_code"] == 0 and info["peak_rss_mb"] > 0 and info["build"]["seconds"] > 0
    with pytest.raises(ProcessLookupError):
        os.kill(result["engine_pid"], 0)
    markdown = (tmp_path / "packs-300.md").read_text()
    assert "| blacklist_propagation |" in markdown and "oracle graph" in markdown
