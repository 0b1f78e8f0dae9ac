"""Time the synthetic generator at a few sizes: rows per second and peak memory.

    python bench/bench_generate.py            # 10k and 100k enterprises
    python bench/bench_generate.py --full     # also 1M
    python bench/bench_generate.py --sizes 5000 20000 --snapshots 3

Each size runs in a fresh child process, so the peak RSS reported (``resource.getrusage`` of the
child) belongs to that size alone. Output goes to a temporary folder that is removed afterwards.
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, sys, time
from pathlib import Path
from creditgraph.synth.generator import GeneratorConfig, generate
n, k, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
t0 = time.perf_counter()
result = generate(GeneratorConfig(enterprises=n, seed=1, snapshots=k), out)
elapsed = time.perf_counter() - t0
rows = sum(sum(counts) for counts in result.counts.values())
print(json.dumps({"seconds": elapsed, "rows": rows, "enterprises": result.extra["enterprises"],
                  "persons": result.extra["persons"]}))
"""


def run(size: int, snapshots: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="cg-bench-") as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(size), str(snapshots), str(Path(tmp) / "out")],
                              capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        disk = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    stats.update(size=size, snapshots=snapshots, wall=wall, disk_mb=disk / 1e6,
                 # ru_maxrss of children is the maximum over all children so far; sizes run in
                 # increasing order, so it is this child's unless an earlier one was larger.
                 peak_rss_mb=max(peak_kib, before) / 1024)
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="include 1,000,000 enterprises")
    parser.add_argument("--sizes", type=int, nargs="*", help="enterprise counts to run")
    parser.add_argument("--snapshots", type=int, default=1, help="snapshots per run")
    args = parser.parse_args()
    sizes = args.sizes or ([10_000, 100_000] + ([1_000_000] if args.full else []))
    print(f"{'enterprises':>12} {'snapshots':>9} {'rows':>11} {'seconds':>8} {'rows/s':>9} "
          f"{'ent/s':>8} {'peak MB':>8} {'disk MB':>8}")
    for size in sorted(sizes):
        s = run(size, args.snapshots)
        print(f"{s['size']:>12,} {s['snapshots']:>9} {s['rows']:>11,} {s['seconds']:>8.1f} "
              f"{s['rows'] / s['seconds']:>9,.0f} {s['enterprises'] / s['seconds']:>8,.0f} "
              f"{s['peak_rss_mb']:>8.0f} {s['disk_mb']:>8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
