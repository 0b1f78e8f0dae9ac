"""Run the benchmarks in one process and print a results table.

    python -m bench                       # 1,000,000 enterprises (the issue's target size)
    python -m bench --quick               # 20,000 enterprises: a smoke run of a few minutes
    python -m bench --enterprises 100000 --only load
    make bench                            # the same as `python -m bench`

``generate`` times the synthetic generator (``bench.bench_generate.run``: a child process, two
monthly snapshots, peak RSS of that child). ``load`` runs ``bench.bench_load.run``: I/O floor,
naive loader, first load, incremental and unchanged reload on a private engine; its figures go
to ``bench/out/results-<N>.json`` and a Markdown block for ``bench/RESULTS.md`` to
``bench/out/results-<N>.md``. ``packs`` (only with ``--only packs``) runs ``bench.bench_packs``:
the ten risk-pack queries beside the networkx oracles of the tests, on an engine already loaded
(``--home``) or loaded by the run; figures to ``bench/out/packs-<N>.json`` and ``.md``. Targets
are reported as met / not met, never asserted.
``app`` (only with ``--only app``) times the investigator app's page functions on an engine
already loaded (``--home``): ``bench.bench_app``.
"""

from __future__ import annotations

import argparse
import json
import sys

from bench import bench_app, bench_load, bench_packs
from bench.bench_generate import run as run_generate

DEFAULT_ENTERPRISES = 1_000_000
QUICK_ENTERPRISES = 20_000


def _generate_table(s: dict) -> str:
    head = (f"{'enterprises':>12} {'snapshots':>9} {'rows':>11} {'seconds':>8} {'rows/s':>9} "
            f"{'ent/s':>8} {'peak MB':>8} {'disk MB':>8}")
    row = (f"{s['size']:>12,} {s['snapshots']:>9} {s['rows']:>11,} {s['seconds']:>8.1f} "
           f"{s['rows'] / s['seconds']:>9,.0f} {s['enterprises'] / s['seconds']:>8,.0f} "
           f"{s['peak_rss_mb']:>8.0f} {s['disk_mb']:>8.0f}")
    return "generator benchmark\n-------------------\n" + head + "\n" + row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=None,
                        help=f"enterprises in snapshot 1 (default {DEFAULT_ENTERPRISES:,})")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ENTERPRISES:,} enterprises, for a smoke run")
    parser.add_argument("--only", choices=("generate", "load", "packs", "app"), help="run one benchmark only")
    parser.add_argument("--seed", type=int, default=bench_load.SEED)
    parser.add_argument("--naive-rows", type=int, default=bench_load.NAIVE_ROWS,
                        help="rows of the naive loader's slice (default %(default)s)")
    parser.add_argument("--no-cache", action="store_true",
                        help="generate the load dataset into a temporary folder, not bench/out/data")
    bench_packs.add_arguments(parser.add_argument_group("packs (with --only packs)"))
    bench_app.add_app_arguments(parser.add_argument_group("app (with --only app)"))
    args = parser.parse_args(argv)
    if args.enterprises is not None and args.quick:
        parser.error("give --enterprises or --quick, not both")
    n = args.enterprises or (QUICK_ENTERPRISES if args.quick else DEFAULT_ENTERPRISES)
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])

    generated = None
    if args.only in (None, "generate"):
        # First, so that the peak RSS of its child is not mixed with the load processes'.
        print(f"[bench] generator: {n:,} enterprises, 2 snapshots", file=sys.stderr, flush=True)
        generated = run_generate(n, 2)
        print(_generate_table(generated), flush=True)
        print(flush=True)
        if args.only == "generate":
            bench_load.OUT_DIR.mkdir(parents=True, exist_ok=True)
            path = bench_load.OUT_DIR / f"generate-{n}.json"
            path.write_text(json.dumps(generated, indent=2) + "\n", encoding="utf-8")
            print(f"wrote {path}")
    if args.only in (None, "load"):
        try:
            result = bench_load.run(n, seed=args.seed, naive_rows=args.naive_rows,
                                    cache=None if args.no_cache else bench_load.OUT_DIR / "data",
                                    command=command)
        except bench_load.BenchFailed as exc:
            print(f"load benchmark failed: {exc}", file=sys.stderr)
            print(f"wrote {bench_load.save_failed(exc)} (the figures measured before the failure)",
                  file=sys.stderr)
            return 1
        if generated is not None:
            result["generate"] = generated
        print(bench_load.table(result))
        for path in bench_load.save(result):
            print(f"wrote {path}")
    if args.only == "packs":
        result = bench_packs.run_from_args(args, n, command)
        print(bench_packs.table(result))
        for path in bench_packs.save(result):
            print(f"wrote {path}")
    if args.only == "app":
        result = bench_app.run_from_args(args, command)
        print(bench_app.table(result))
        for path in bench_app.save(result):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
