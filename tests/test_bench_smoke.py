"""The benchmarks run end to end at a tiny size. No speed is asserted: that is bench's job."""

from __future__ import annotations

import json
import math
import os

import pytest
from bench import bench_generate, bench_load
from bench.__main__ import main as bench_main


def test_bench_modules_import():
    assert callable(bench_generate.run)
    assert callable(bench_load.run)
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
