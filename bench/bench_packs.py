"""Time the risk pack's queries on the embedded engine, beside the networkx oracles of the tests.

    python -m bench --only packs --home /tmp/big1m/home --enterprises 1000000
    python -m bench --only packs --enterprises 2000          # loads a private engine itself
    python bench/bench_packs.py --enterprises 2000           # the same, standalone

For each of the ten queries of ``cypher/packs/risk`` (issue 5), through
``creditgraph.queries.run_pack_query`` (read-only, timeout ``--timeout``):

* **defaults** - the query as a supervisor runs it: every parameter at its default
  (``ultimate_controller`` over every subject, ``limit`` 1000) except ``as_of``, which is the
  latest snapshot's date. The first run is reported on its own as *cold*; then the median (and
  min / max) of ``--repetitions`` more. These are the figures the issue's targets are about:
  every query under 30 s, ``blacklist_propagation`` (k=3) under 10 s. Reported as met / not met,
  never asserted.
* **all rows** - one more run with ``limit`` at its declared maximum, so that every row comes
  back (the engine then also builds and ships the evidence of every row, which the defaults'
  ``LIMIT 1000`` spares it). These rows are written to a file and compared with the oracle.

Then the oracles of ``tests/oracle/`` compute the same rules from the snapshot CSV files
(never from the graph) in a child process per oracle graph, whose peak RSS (``VmHWM``) is
sampled: rules 1-5 on ``snapshot_graph.load_latest`` (a networkx graph of the latest snapshot),
rules 6-10 on ``snapshot_tables.load_history`` (every snapshot, with history). Each child
reports the time to build its graph once, then each rule's time, and compares the query's rows
with the oracle's the way ``tests/packs/`` does (keys and per-row fields for rules 1-5, the
canonical rows for 6-10): *equal*, or *differs* with the counts of missing, extra and differing
rows. A difference is a finding, reported, not hidden. ``--oracle graph|history|none`` limits
the oracles run (the history oracle needs about 16 GB at 1,000,000 enterprises); ``--oracle-max-mb``
caps a child's address space, so an oracle that does not fit fails with MemoryError instead of
pushing the machine into the OOM killer.

With ``--home`` the queries run on an engine that is already loaded and running (read-only, and
never started, restarted or stopped by the benchmark; the graph must hold both snapshots of the
dataset of ``--enterprises`` and ``--seed``). Without it, the dataset is generated (cached in
``bench/out/data/``) and loaded, snapshot by snapshot, with ``python -m creditgraph load`` into a
private engine that is stopped at the end, as ``bench_load`` does. Results go to
``bench/out/packs-<N>.json`` and a Markdown block for ``bench/RESULTS.md`` to
``bench/out/packs-<N>.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_load
from bench.bench_load import OUT_DIR, SEED, Log

#: the ten queries of issue 5, in its order
QUERIES = ("blacklist_propagation", "shared_legal_rep", "listed_rep_new_company",
           "circular_shareholding", "ultimate_controller", "shell_cluster", "guarantee_circle",
           "joint_punishment", "redlist_conflict", "pre_listing_changes")
#: which oracle graph each query's oracle runs on
ORACLE_GROUPS = {"graph": QUERIES[:5], "history": QUERIES[5:]}
PACK = "risk"

#: the issue's targets, seconds
TARGET_SECONDS = 30.0
TARGET_SECONDS_BY_QUERY = {"blacklist_propagation": 10.0}

REPETITIONS = 3
TIMEOUT = 1800.0
#: most rows the all-rows run asks for (the client holds them all; ~15 KB each at 1M)
COMPARE_ROWS = 200_000
ORACLE_MAX_MB = 8192


def _log(message: str) -> None:
    print(f"[bench packs {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def target(query_id: str) -> float:
    """The issue's time target for ``query_id``, in seconds."""
    return TARGET_SECONDS_BY_QUERY.get(query_id, TARGET_SECONDS)


def latest_as_of(snapshot: Path) -> str:
    """The as_of date of a snapshot folder (its manifest's)."""
    return json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))["as_of"]


def _rss_mb() -> float:
    """This process's current RSS in MB (Linux; the peak elsewhere)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _give_memory_back() -> None:
    """Free what a large result left behind, and hand glibc's free pages back to the system, so
    that this process's RSS does not stand beside the oracle child's."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# -- the engine ----------------------------------------------------------------------------------

def attach(home: Path, graph: str):
    """A read-only client of the engine running under ``home``; never starts or restarts it.

    The backend gets no engine object, so a dead engine is an error here instead of being
    started again from its append-only file (which, for a shared 1M graph, is not ours to do).
    """
    from falkordb import FalkorDB

    from creditgraph.graph.embedded import EmbeddedEngine
    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    engine = EmbeddedEngine(home)
    if not engine.is_running():
        raise RuntimeError(f"no engine answers under --home {home}; start it, or omit --home "
                           "to load the dataset into a private engine")
    db = FalkorDB(unix_socket_path=str(engine.socket_path))
    return FalkorDBBackend(db, graph, kind="embedded", address=f"unix://{engine.socket_path}"), engine


@contextlib.contextmanager
def loaded_private_engine(snapshots: list[Path], work: Path, result: dict, log: Log
                          ) -> Iterator[tuple[object, object]]:
    """A private engine with every snapshot loaded in order by ``python -m creditgraph load``."""
    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    with bench_load.private_engine(log) as (engine, home):
        loads = []
        for i, folder in enumerate(snapshots, 1):
            log(f"loading snapshot {i} ({folder.name}) into the private engine")
            info = bench_load.cli_load(folder, home=home, graph="bench", work=work, label=f"load{i}",
                                       engine_pid=engine.running_pid())
            loads.append({"snapshot": folder.name, "rows_read": info["rows_read"],
                          "seconds": info["seconds"], "peak_rss_mb": info["peak_rss_mb"]})
            log(f"  {info['rows_read']:,} rows in {info['seconds']:.1f} s")
        result["loads"] = loads
        result["engine_pid"] = engine.running_pid()
        backend = FalkorDBBackend.over_socket(engine, "bench")
        try:
            yield backend, engine
        finally:
            backend.close()


# -- the queries ---------------------------------------------------------------------------------

def loaded_snapshots(backend, snapshots: list[Path]) -> list[Path]:
    """The dataset's snapshots the graph holds, oldest first: those up to the latest ``as_of``
    that its list entries (or, without any, its enterprises) were last seen in."""
    seen = None
    for label in ("ListEntry", "Enterprise"):
        rows = backend.read(f"MATCH (n:{label}) RETURN max(n.last_seen) AS seen", timeout=0)
        seen = rows[0]["seen"] if rows else None
        if seen is not None:
            break
    loaded = [p for p in snapshots if seen is not None and latest_as_of(p) <= seen]
    if not loaded:
        raise RuntimeError(f"the graph holds no snapshot of this dataset (last seen {seen}; snapshots "
                           f"{', '.join(latest_as_of(p) for p in snapshots)})")
    return loaded


def time_query(backend, query, *, as_of: str, repetitions: int, timeout: float, compare_rows: int,
               rows_dir: Path, log: Log) -> dict:
    """Defaults (cold, then ``repetitions`` runs), then one all-rows run (``limit`` at its
    maximum, or ``compare_rows`` if lower) written to ``rows_dir/<id>.jsonl`` for the oracle."""
    from creditgraph.queries import run_pack_query

    def once(params: dict) -> tuple[float, float, list]:
        started = time.perf_counter()
        result = run_pack_query(backend, query.id, params, as_of=as_of, timeout=timeout)
        return time.perf_counter() - started, result.seconds, result.rows

    out: dict = {"query": query.id, "target_seconds": target(query.id),
                 "loadavg_before": list(os.getloadavg())}
    wall, read, rows = once({})
    out["cold_seconds"], out["cold_read_seconds"], out["rows"] = round(wall, 3), round(read, 3), len(rows)
    log(f"{query.id}: cold {wall:.2f} s, {len(rows):,} rows")
    walls = []
    for _ in range(repetitions):
        wall, _read, again = once({})
        walls.append(wall)
        if len(again) != len(rows):
            out["rows_varied"] = True
    if walls:
        out["median_seconds"] = round(statistics.median(walls), 3)
        out["min_seconds"], out["max_seconds"] = round(min(walls), 3), round(max(walls), 3)
        out["runs"] = [round(w, 3) for w in walls]
        log(f"{query.id}: median {out['median_seconds']:.2f} s of {repetitions}")
    timed = out.get("median_seconds", out["cold_seconds"])
    out["met"] = timed < out["target_seconds"]
    del rows

    limit = query.param("limit")
    params = {"limit": min(limit.max or compare_rows, compare_rows)} if limit is not None else {}
    wall, read, rows = once(params)
    a = out["all_rows"] = {"seconds": round(wall, 3), "read_seconds": round(read, 3), "rows": len(rows),
                           "limit": params.get("limit"),
                           "truncated": bool(params) and len(rows) >= params["limit"]}
    log(f"{query.id}: all rows {wall:.2f} s, {len(rows):,} rows"
        + (" (cut at the limit)" if a["truncated"] else ""))
    with open(rows_dir / f"{query.id}.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    (rows_dir / f"{query.id}.meta.json").write_text(json.dumps(a), encoding="utf-8")
    del rows
    _give_memory_back()
    return out


# -- the oracles (in a child process) ------------------------------------------------------------

def read_rows(rows_file: Path) -> Iterator[dict]:
    """The rows a query run wrote, one JSON object a line (never all in memory at once)."""
    with open(rows_file, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _last_row(rows_file: Path) -> dict | None:
    last = None
    with open(rows_file, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                last = line
    return json.loads(last) if last else None


def _graph_check(query_id: str, sg):
    """(key fields, per-row check) for a rule 1-5: the checks of tests/packs/test_risk_pack_1_5.py."""
    import pytest
    from tests.packs import test_risk_pack_1_5 as t

    if query_id == "blacklist_propagation":
        return ("entry_id", "subject_sid"), lambda k, r, e: t._check_propagation({k: r}, {k: e}, sg)
    if query_id == "shared_legal_rep":
        return ("entry_id", "subject_sid", "shared_sid"), t.check_shared_legal_rep_row
    if query_id == "listed_rep_new_company":
        def check(key, row, exp):
            assert set(row["roles_at_listed"]) == exp["roles_at_listed"]
            assert set(row["roles_at_new_company"]) == exp["roles_at_new_company"]
            assert row["established"] == exp["established"] > row["listing_date"]
            assert row["disputed"] == exp["disputed"]
        return ("entry_id", "person_sid", "new_company_sid"), check
    if query_id == "circular_shareholding":
        def check(members, row, exp):
            assert row["cycle_length"] == len(members)
            assert row["ratios"] == pytest.approx(exp["ratios"])
            assert sorted(row["listed_members"]) == exp["listed_members"]
            assert row["disputed"] == exp["disputed"]
            path = [n["sid"] for n in row["evidence"]["path"][0::2]]
            assert path == list(members) + [members[0]]  # relationships follow nodes (trap 4)
            for i, rel in enumerate(row["evidence"]["path"][1::2]):
                assert (rel["from"], rel["to"]) == (path[i], path[i + 1])
        return ("members",), check
    if query_id == "ultimate_controller":
        return ("target_sid", "controller_sid"), lambda k, r, e: t._check_controllers({k: r}, {k: e})
    raise ValueError(f"no graph oracle for {query_id}")


def _fields_apart(row: dict, exp: dict) -> str:
    """The scalar fields in which a row and the oracle's answer differ, for the report."""
    apart = []
    for name, value in exp.items():
        mine = row.get(name)
        if isinstance(value, (str, int, float, bool)) and name in row and mine != value:
            apart.append(f"{name}: query {mine!r}, oracle {value!r}")
    return ("; " + "; ".join(apart)) if apart else ""


def compare_graph_rule(query_id: str, rows_file: Path, expected: dict, sg, *, truncated: bool) -> dict:
    """Query rows against a rule 1-5 oracle's: keys (missing / extra / duplicate) and, for each
    common key, the per-row checks of the tests. Rows are read one at a time.

    A result cut at its limit can only be compared where it is complete: ``ultimate_controller``
    orders by target, so its rows are compared for the targets before the last one returned.
    """
    fields, check = _graph_check(query_id, sg)

    def key_of(row: dict) -> tuple:
        return tuple(row["members"]) if fields == ("members",) else tuple(row[f] for f in fields)

    below = None
    if truncated and query_id == "ultimate_controller":
        last = _last_row(rows_file)
        below = last["target_sid"] if last else None
        expected = {k: v for k, v in expected.items() if k[0] < below}
    seen: set = set()
    extra, duplicates, differing = [], 0, []
    for row in read_rows(rows_file):
        key = key_of(row)
        if below is not None and key[0] >= below:
            continue
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        if key not in expected:
            extra.append(key)
            continue
        try:
            check(key, row, expected[key])
        except AssertionError as exc:
            differing.append((key, " ".join(str(exc).split())[:200] + _fields_apart(row, expected[key])))
    missing = [k for k in expected if k not in seen]
    out = {"got": len(seen) + duplicates, "expected": len(expected), "missing": len(missing),
           "extra": len(extra), "differing": len(differing), "duplicates": duplicates}
    if below is not None:
        out["compared_targets_below"] = below
    out["equal"] = not (missing or extra or differing or duplicates) and not (truncated and below is None)
    if not out["equal"]:
        out["examples"] = {"missing": [list(k) for k in missing[:20]], "extra": [list(k) for k in extra[:20]],
                           "differing": [[list(k), why] for k, why in differing[:10]]}
    return out


def compare_history_rule(rows_file: Path, expected: list[dict], *, truncated: bool) -> dict:
    """Query rows against a rule 6-10 oracle's: the canonical rows of test_risk_pack_6_10.py,
    as a multiset (the test compares them sorted)."""
    from tests.packs.test_risk_pack_6_10 import _keyed

    got_k = Counter(_keyed([row])[0] for row in read_rows(rows_file))
    exp_k = Counter(_keyed(expected))
    missing, extra = exp_k - got_k, got_k - exp_k
    out = {"got": sum(got_k.values()), "expected": len(expected), "missing": sum(missing.values()),
           "extra": sum(extra.values()), "equal": got_k == exp_k and not truncated}
    if not out["equal"]:
        out["examples"] = {"missing": [k[:400] for k in sorted(missing)[:3]],
                           "extra": [k[:400] for k in sorted(extra)[:3]]}
    return out


def oracle_child(group: str, dataset: Path, as_of: str, rules: list[str], rows_dir: Path,
                 out: Path, max_mb: int | None) -> int:
    """Build one oracle graph, then time and compare each rule; one JSON line per step in ``out``."""
    if max_mb:
        limit = max_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def emit(record: dict) -> None:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    started = time.perf_counter()
    cpu = time.process_time()
    if group == "graph":
        from tests.oracle import risk_1_5 as oracle
        from tests.oracle.snapshot_graph import load_latest

        data = load_latest(dataset)
        size = {"nodes": data.graph.number_of_nodes(), "edges": data.graph.number_of_edges(),
                "entries": len(data.entries)}
    else:
        from tests.oracle import risk_6_10 as oracle
        from tests.oracle.snapshot_tables import load_history

        data = load_history(dataset)
        size = {"subjects": len(data.subjects), "relationships": len(data.rels),
                "entries": len(data.entries)}
    emit({"step": "build", "seconds": round(time.perf_counter() - started, 3),
          "cpu_seconds": round(time.process_time() - cpu, 3), "rss_mb": round(_rss_mb(), 1), **size})

    for query_id in rules:
        started, cpu = time.perf_counter(), time.process_time()
        expected = getattr(oracle, query_id)(data, as_of=as_of)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        record = {"step": "rule", "query": query_id, "seconds": round(seconds, 3),
                  "cpu_seconds": round(cpu_seconds, 3), "rows": len(expected)}
        rows_file = rows_dir / f"{query_id}.jsonl"
        meta_file = rows_dir / f"{query_id}.meta.json"
        if rows_file.is_file() and meta_file.is_file():
            truncated = json.loads(meta_file.read_text(encoding="utf-8"))["truncated"]
            started = time.perf_counter()
            record["compare"] = (
                compare_graph_rule(query_id, rows_file, expected, data, truncated=truncated)
                if group == "graph" else compare_history_rule(rows_file, expected, truncated=truncated))
            record["compare_seconds"] = round(time.perf_counter() - started, 3)
        record["rss_mb"] = round(_rss_mb(), 1)
        emit(record)
        del expected
    return 0


def run_oracle(group: str, dataset: Path, as_of: str, rules: list[str], rows_dir: Path, work: Path,
               *, max_mb: int | None, log: Log) -> dict:
    """One oracle child process: its records, wall time, peak RSS and the load average around it."""
    out = work / f"oracle-{group}.jsonl"
    out.unlink(missing_ok=True)
    log_path = work / f"oracle-{group}.log"
    cmd = [sys.executable, "-m", "bench.bench_packs", "oracle", "--group", group, "--dataset", str(dataset),
           "--as-of", as_of, "--rules", ",".join(rules), "--rows", str(rows_dir), "--out", str(out)]
    if max_mb:
        cmd += ["--max-mb", str(max_mb)]
    info: dict = {"group": group, "rules": rules, "loadavg_before": list(os.getloadavg()),
                  "max_mb": max_mb}
    log(f"oracle {group}: building its graph from {dataset} ({', '.join(rules)})")
    with open(log_path, "wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                cwd=bench_load.BENCH_DIR.parent)
        sampler = bench_load._RssSampler(proc.pid) if sys.platform.startswith("linux") else None
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if sampler is not None:
                sampler.stop()
    info["wall_seconds"] = round(time.perf_counter() - started, 3)
    info["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    info["peak_rss_mb"] = round((sampler.peak_kib if sampler and sampler.peak_kib else usage.ru_maxrss) / 1024, 1)
    info["loadavg_after"] = list(os.getloadavg())
    info["exit_code"] = os.waitstatus_to_exitcode(status)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.is_file() else []
    info["build"] = next((r for r in records if r["step"] == "build"), None)
    info["by_rule"] = {r["query"]: r for r in records if r["step"] == "rule"}
    if info["exit_code"] != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-8:]
        info["error"] = tail[-1] if tail else f"exit code {info['exit_code']}"
        info["log_tail"] = tail
        log(f"oracle {group} failed: {info['error']}")
    else:
        log(f"oracle {group}: built in {info['build']['seconds']:.1f} s, peak {info['peak_rss_mb']:,.0f} MB")
    return info


# -- the run ---------------------------------------------------------------------------------------

def run(enterprises: int, *, seed: int = SEED, home: Path | None = None, graph: str | None = None,
        as_of: str | None = None, repetitions: int = REPETITIONS, timeout: float = TIMEOUT,
        queries: tuple[str, ...] = QUERIES, compare_rows: int = COMPARE_ROWS,
        oracle: str = "all", oracle_max_mb: int | None = ORACLE_MAX_MB,
        cache: Path | None = OUT_DIR / "data", log: Log = _log, command: str | None = None) -> dict:
    """Every measurement of the module docstring, in one run; returns the result dict."""
    from creditgraph import settings
    from creditgraph.queries.packs import find_query, load_packs

    if oracle not in ("all", "none", *ORACLE_GROUPS):
        raise ValueError(f"oracle must be all, none, graph or history, not {oracle!r}")
    root, snapshots, gen_seconds = bench_load.dataset(enterprises, seed, cache=cache, log=log)
    packs = load_packs()
    unknown = sorted(set(queries) - set(QUERIES))
    if unknown:
        raise ValueError(f"not a query of the risk pack: {', '.join(unknown)}")
    chosen = [find_query(packs, q) for q in QUERIES if q in queries]
    result: dict = {
        "benchmark": "packs", "enterprises": enterprises, "seed": seed, "as_of": as_of,
        "as_of_given": as_of is not None,
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "command": command or " ".join(["python", *sys.argv]),
        "machine": bench_load.machine(), "code": bench_load.code_version(),
        "dataset": str(root), "dataset_generated_seconds": gen_seconds,
        "snapshots": [p.name for p in snapshots], "repetitions": repetitions, "timeout": timeout,
        "compare_rows": compare_rows, "oracle": oracle, "oracle_max_mb": oracle_max_mb,
        "loadavg_start": list(os.getloadavg()),
        "targets": {q: target(q) for q in QUERIES},
    }
    work = Path(tempfile.mkdtemp(prefix="cgbench-packs-"))
    rows_dir = work / "rows"
    rows_dir.mkdir()
    try:
        if home is not None:
            backend, _engine = attach(home, graph or settings.GRAPH)
            result["engine"] = {"home": str(home), "graph": graph or settings.GRAPH, "private": False}
            context = contextlib.nullcontext((backend, None))
        else:
            result["engine"] = {"graph": "bench", "private": True}
            context = loaded_private_engine(snapshots, work, result, log)
        with context as (backend, _):
            result["engine"].update(bench_load._engine_version(backend))
            result["engine"].update(bench_load._graph_size(backend))
            result["engine"].update(bench_load._engine_memory(backend))
            loaded = loaded_snapshots(backend, snapshots)
            result["snapshots_loaded"] = [p.name for p in loaded]
            if len(loaded) < len(snapshots):
                log(f"the graph holds only snapshot(s) {', '.join(p.name for p in loaded)} of {root}: "
                    "the oracles read those")
            as_of = result["as_of"] = as_of or latest_as_of(loaded[-1])
            log(f"graph: {result['engine']['nodes']:,} nodes, {result['engine']['relationships']:,} "
                f"relationships; as_of {as_of}")
            result["queries"] = {}
            for query in chosen:
                result["queries"][query.id] = time_query(
                    backend, query, as_of=as_of, repetitions=repetitions, timeout=timeout,
                    compare_rows=compare_rows, rows_dir=rows_dir, log=log)
            result["engine_memory_after"] = bench_load._engine_memory(backend)
        result["bench_rss_mb_before_oracles"] = round(_rss_mb(), 1)
        result["oracles"] = {}
        # The oracles read the snapshots the graph holds, and only those.
        oracle_data = work / "dataset"
        oracle_data.mkdir()
        for folder in loaded:
            (oracle_data / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
        for group, rules in ORACLE_GROUPS.items():
            rules = [q for q in rules if q in result["queries"]]
            if oracle in ("all", group) and rules:
                result["oracles"][group] = run_oracle(group, oracle_data, as_of, rules, rows_dir, work,
                                                      max_mb=oracle_max_mb, log=log)
        result["loadavg_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if cache is None:  # generated into a temporary folder for this run only
            shutil.rmtree(root, ignore_errors=True)
    result["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    return result


# -- reporting -------------------------------------------------------------------------------------

def _oracle_of(result: dict, query_id: str) -> tuple[dict | None, dict | None]:
    for info in result.get("oracles", {}).values():
        if query_id in info["rules"]:
            return info, info["by_rule"].get(query_id)
    return None, None


def verdict(result: dict, query_id: str) -> str:
    """equal / differs (counts) / why there is no comparison."""
    info, rule = _oracle_of(result, query_id)
    if info is None:
        return "oracle not run"
    if rule is None:
        return "oracle failed" if info.get("error") else "not run"
    cmp = rule.get("compare")
    if cmp is None:
        return "no rows"
    if cmp["equal"]:
        if cmp.get("compared_targets_below"):
            return f"equal on the {cmp['got']:,} rows of the targets before the cut"
        return "equal"
    parts = [f"{cmp['missing']} missing", f"{cmp['extra']} extra"]
    if cmp.get("differing"):
        parts.append(f"{cmp['differing']} differ")
    if cmp.get("duplicates"):
        parts.append(f"{cmp['duplicates']} duplicate")
    truncated = result["queries"][query_id]["all_rows"]["truncated"]
    return "differs: " + ", ".join(parts) + (" (query rows truncated at the limit)" if truncated else "")


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def _rows_table(result: dict) -> list[tuple[str, ...]]:
    out = []
    for query_id in QUERIES:
        q = result["queries"].get(query_id)
        if q is None:
            continue
        _info, rule = _oracle_of(result, query_id)
        a = q["all_rows"]
        out.append((
            query_id, _fmt(q["cold_seconds"]), _fmt(q.get("median_seconds")), f"{q['rows']:,}",
            f"< {q['target_seconds']:.0f} s: {'met' if q['met'] else 'NOT MET'}",
            _fmt(a["seconds"]), f"{a['rows']:,}",
            _fmt(rule["seconds"] if rule else None), f"{rule['rows']:,}" if rule else "-",
            verdict(result, query_id)))
    return out


HEAD = ("query", "cold s", "median s", "rows", "target", "all rows s", "all rows",
        "oracle s", "oracle rows", "equal?")


def _oracle_lines(result: dict) -> list[str]:
    lines = []
    for group, info in result.get("oracles", {}).items():
        build = info.get("build") or {}
        what = ("networkx graph of the latest snapshot (tests/oracle/snapshot_graph.py)" if group == "graph"
                else "history of every snapshot (tests/oracle/snapshot_tables.py)")
        line = (f"oracle {group} ({what}): built in {_fmt(build.get('seconds'), '.1f')} s, peak RSS "
                f"{info['peak_rss_mb']:,.0f} MB, child wall {info['wall_seconds']:.0f} s, load average "
                f"{info['loadavg_before'][0]:.1f} -> {info['loadavg_after'][0]:.1f}")
        if info.get("error"):
            line += f"; FAILED: {info['error']}"
        lines.append(line)
    return lines


def table(result: dict) -> str:
    """A plain-text table for the terminal."""
    rows = [HEAD, *_rows_table(result)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEAD))]
    e = result["engine"]
    head = (f"pack benchmark: {result['enterprises']:,} enterprises, seed {result['seed']}, as_of "
            f"{result['as_of']}, {e['nodes']:,} nodes, {e['relationships']:,} relationships, snapshots loaded: "
            f"{', '.join(result.get('snapshots_loaded', []))}")
    lines = [head, "-" * len(head)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines += _oracle_lines(result)
    lines.append(f"medians of {result['repetitions']} runs after the cold one; load average at start "
                 f"{result['loadavg_start'][0]:.1f} on {result['machine']['nproc']} CPUs")
    return "\n".join(lines)


def markdown(result: dict) -> str:
    """A Markdown block for bench/RESULTS.md."""
    m, e = result["machine"], result["engine"]
    lines = [
        (f"### {result['enterprises']:,} enterprises (seed {result['seed']}), as_of {result['as_of']}, "
         f"{result['started_at'][:16].replace('T', ' ')}"),
        "",
        (f"`{result['command']}` - {m.get('nproc')} CPUs, {m.get('ram_gb')} GB RAM, "
         f"FalkorDB {e.get('falkordb_module', '?')}; snapshots loaded "
         f"{', '.join(result.get('snapshots_loaded', []))}: {e['nodes']:,} nodes, "
         f"{e['relationships']:,} relationships, engine used_memory {e['engine_used_memory_mb']:,.0f} MB "
         f"({'private engine, loaded by the run' if e.get('private') else 'engine already loaded: ' + e['home']})."),
        "",
        (f"Code: src {result['code']['src_sha1']} on {result['code'].get('git_head', '?')}. "
         f"Load average at start {result['loadavg_start'][0]:.1f}, at end "
         f"{result.get('loadavg_end', [float('nan')])[0]:.1f}. Cold = first run; median of "
         f"{result['repetitions']} more; both with the query's defaults (limit 1000). All rows = one "
         "run with `limit` at its maximum, the rows compared with the oracle."),
        "",
        "| " + " | ".join(HEAD) + " |",
        "|---|" + "---:|" * 3 + "---|" + "---:|" * 4 + "---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in _rows_table(result)]
    lines.append("")
    lines += [f"- {line}" for line in _oracle_lines(result)]
    lines.append("")
    return "\n".join(lines)


def save(result: dict, out: Path | None = None) -> tuple[Path, Path]:
    """Write packs-<N>.json and packs-<N>.md under ``out`` (default bench/out)."""
    out = OUT_DIR if out is None else out
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"packs-{result['enterprises']}.json"
    md_path = out / f"packs-{result['enterprises']}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(result), encoding="utf-8")
    return json_path, md_path


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The options of this benchmark (shared with ``python -m bench``)."""
    parser.add_argument("--home", type=Path, default=None,
                        help="CREDITGRAPH_HOME of a running engine already loaded with the dataset "
                             "(read-only); default: load it into a private engine")
    parser.add_argument("--graph", default=None, help="graph name under --home (default CREDITGRAPH_GRAPH)")
    parser.add_argument("--as-of", default=None, help="as_of date (default: the latest snapshot's)")
    parser.add_argument("--repetitions", type=int, default=REPETITIONS,
                        help="timed runs after the cold one (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="per-query timeout, seconds")
    parser.add_argument("--queries", default=",".join(QUERIES),
                        help="comma-separated query ids (default: all ten)")
    parser.add_argument("--compare-rows", type=int, default=COMPARE_ROWS,
                        help="limit of the all-rows run compared with the oracle (default %(default)s)")
    parser.add_argument("--oracle", choices=("all", "graph", "history", "none"), default="all",
                        help="oracles to run: graph = rules 1-5, history = rules 6-10")
    parser.add_argument("--oracle-max-mb", type=int, default=ORACLE_MAX_MB,
                        help="address-space cap of an oracle child, MB (0: none; default %(default)s)")


def run_from_args(args: argparse.Namespace, enterprises: int, command: str) -> dict:
    """``run`` with the options of :func:`add_arguments`."""
    return run(enterprises, seed=args.seed, home=args.home, graph=args.graph, as_of=args.as_of,
               repetitions=args.repetitions, timeout=args.timeout,
               queries=tuple(q.strip() for q in args.queries.split(",") if q.strip()),
               compare_rows=args.compare_rows, oracle=args.oracle,
               oracle_max_mb=args.oracle_max_mb or None,
               cache=None if getattr(args, "no_cache", False) else OUT_DIR / "data", command=command)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["oracle"]:
        child = argparse.ArgumentParser(prog="bench_packs oracle")
        child.add_argument("--group", choices=tuple(ORACLE_GROUPS), required=True)
        child.add_argument("--dataset", type=Path, required=True)
        child.add_argument("--as-of", required=True)
        child.add_argument("--rules", required=True)
        child.add_argument("--rows", type=Path, required=True)
        child.add_argument("--out", type=Path, required=True)
        child.add_argument("--max-mb", type=int, default=None)
        a = child.parse_args(argv[1:])
        return oracle_child(a.group, a.dataset, a.as_of, a.rules.split(","), a.rows, a.out, a.max_mb)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=SEED)
    add_arguments(parser)
    args = parser.parse_args(argv)
    result = run_from_args(args, args.enterprises, " ".join(["python bench/bench_packs.py", *argv]))
    print(table(result))
    for path in save(result):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
