"""Benchmarks of creditgraph: ``python -m bench`` (or ``make bench``) runs them and prints ratios.

* ``bench.bench_generate`` - the synthetic generator: rows/s and peak memory per size.
* ``bench.bench_load`` - the snapshot loader on a private embedded engine: first load, the
  pandas I/O floor, a naive row-by-row loader, incremental reload.

Not tests: the figures depend on the machine, so the speed targets are compared here, as ratios
against baselines measured in the same run, never asserted in the test suite.
"""
