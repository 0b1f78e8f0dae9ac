"""Server time of the investigator app's page functions on an already loaded graph.

    python -m bench --only app --home /tmp/big1m/home          # the 1,000,000-enterprise graph
    python bench/bench_app.py --home /tmp/big1m/home --subjects 20 --repetitions 3

Read-only: it connects to the running engine under ``--home`` (or ``CREDITGRAPH_HOME``) and
never starts, stops or writes to it. "Server time" is the wall time of the function the page
calls (``creditgraph.app.*``: its queries, the engine, and the Python that assembles the
result), as Streamlit's server spends it; rendering in the browser is not included.

Subjects are picked from the graph itself (seeded): a sample of subjects is expanded once to
get degrees, the busiest are walked two hops deep, and those whose depth-2 neighbourhood
reaches ~300 nodes (the cap) are the **300-node pages**; too few at depth 2 are topped up with
depth-3 ones (the depth is recorded). Hub-adjacent subjects (held by or holding a named hub:
nominee holders, state-asset administrations) and the hubs themselves are timed apart. The
target (issue 6): a subject page, profile plus a depth-2 neighbourhood of ~300 nodes, ready in
under 1.5 s of server time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"
TARGET_SECONDS = 1.5
SUBJECTS = 20
REPETITIONS = 3
SAMPLE_OFFSETS = 300  # x 500 subjects: ~1 in 7,000 has a 300-node depth-2 neighbourhood at 1M
SAMPLE_BATCH = 500
BIG_ENOUGH = 250  # nodes: a page this size counts as a "300-node" page (the cap is 300)


def _log(msg: str) -> None:
    print(f"[bench app] {msg}", file=sys.stderr, flush=True)


def _connect(home: Path | None, graph: str | None):
    from creditgraph.graph import connect

    home = Path(home or os.environ.get("CREDITGRAPH_HOME") or ".creditgraph")
    # start=False: this benchmark reads an engine someone else runs; it never starts one.
    return connect("embedded", home=home, graph=graph, start=False), home


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _sample_subjects(backend, rng: random.Random, offsets: int) -> list[str]:
    total = backend.read("MATCH (s:Subject) RETURN count(s) AS n")[0]["n"]
    sids: list[str] = []
    for k in sorted(rng.sample(range(max(total - SAMPLE_BATCH, 1)), min(offsets, max(total // SAMPLE_BATCH, 1)))):
        rows = backend.read("MATCH (s:Subject) WITH s SKIP $k LIMIT $n RETURN s.sid AS sid",
                            {"k": k, "n": SAMPLE_BATCH})
        sids += [r["sid"] for r in rows]
    return list(dict.fromkeys(sids))


def pick_subjects(backend, want: int, *, seed: int = 1, offsets: int = SAMPLE_OFFSETS,
                  log: Callable[[str], None] = _log) -> dict[str, list[tuple[str, int]]]:
    """Subjects to time: ``{"pages": [(sid, depth)], "hub_adjacent": [...], "hubs": [...]}``."""
    from creditgraph.app.network import expand_level, neighbourhood, relationship_types

    rng = random.Random(seed)
    types = relationship_types()
    sample = _sample_subjects(backend, rng, offsets)
    log(f"sampled {len(sample):,} subjects; estimating their depth-2 neighbourhoods")
    # Two levels of degrees: a depth-2 neighbourhood holds about the subject's neighbours plus
    # theirs (hubs stay closed), so the estimate needs the neighbours' degrees, not the subject's.
    first: dict[str, list[str]] = {}
    for i in range(0, len(sample), 2000):
        for sid, exp in expand_level(backend, sample[i:i + 2000], types, per_node=100).items():
            if not exp.hub and exp.opened:
                first[sid] = [e.target if e.source == sid else e.source for e, _ in exp.neighbours]
    around = sorted({n for ns in first.values() for n in ns})
    degree: dict[str, int] = {}
    for i in range(0, len(around), 2000):
        for nid, exp in expand_level(backend, around[i:i + 2000], types, per_node=0).items():
            degree[nid] = 0 if (exp.hub or not exp.opened or nid.startswith("Department:")) else (exp.degree or 0)
    estimate = sorted(((len(ns) + sum(degree.get(n, 0) for n in ns), sid) for sid, ns in first.items()),
                      reverse=True)
    log(f"{sum(1 for e, _ in estimate if e >= BIG_ENOUGH):,} subjects estimated at >= {BIG_ENOUGH} nodes")
    pages: list[tuple[str, int]] = []
    candidates = [sid for e, sid in estimate if e >= BIG_ENOUGH]
    rng.shuffle(candidates)
    for sid in candidates[: want * 10]:
        if len(neighbourhood(backend, sid, depth=2).nodes) >= BIG_ENOUGH:
            pages.append((sid, 2))
            if len(pages) >= want:
                break
    log(f"{len(pages)} subjects with a depth-2 neighbourhood of >= {BIG_ENOUGH} nodes")
    deeper = [sid for e, sid in estimate if 60 <= e < BIG_ENOUGH]
    for sid in deeper[: want * 10]:
        if len(pages) >= want:
            break
        if len(neighbourhood(backend, sid, depth=3).nodes) >= BIG_ENOUGH:
            pages.append((sid, 3))
    hubs = [r["sid"] for r in backend.read(
        "MATCH (s:Subject) WHERE s.hub = true RETURN s.sid AS sid LIMIT $n", {"n": max(want, 5)})]
    adjacent: list[str] = []
    for sid, exp in expand_level(backend, hubs, types, per_node=50, always=hubs).items():
        for edge, _row in exp.neighbours[:3]:
            other = edge.target if edge.source == sid else edge.source
            if ":" not in other:
                adjacent.append(other)
    rng.shuffle(adjacent)
    log(f"{len(hubs)} named hubs, {len(adjacent)} subjects next to one")
    return {"pages": pages, "hub_adjacent": [(s, 2) for s in adjacent[:want]],
            "hubs": [(s, 2) for s in hubs[:max(want // 4, 3)]]}


def _stats(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(ordered), "median_s": statistics.median(ordered), "p95_s": p95, "max_s": ordered[-1]}


def time_subject(backend, sid: str, depth: int, as_of: str, repetitions: int) -> dict[str, list[float]]:
    """Each page function on one subject, ``repetitions`` times: name -> seconds."""
    from creditgraph.app.network import expand, neighbourhood
    from creditgraph.app.paths import shortest_paths
    from creditgraph.app.search import search
    from creditgraph.app.subject import profile

    out: dict[str, list[float]] = {}
    view = neighbourhood(backend, sid, depth=depth, as_of=as_of)
    prof = profile(backend, sid, as_of=as_of)
    level1 = [n.id for n in view.nodes if n.props.get("level") == 1 and n.is_subject] or [sid]
    far = [n.id for n in view.nodes if n.props.get("level", 0) >= 2 and n.is_subject] or level1
    name = prof.name if prof else sid
    for _ in range(repetitions):
        def page() -> None:
            profile(backend, sid, as_of=as_of)
            neighbourhood(backend, sid, depth=depth, as_of=as_of)

        for key, fn in (
            (f"page: profile + neighbourhood depth {depth}", page),
            ("profile", lambda: profile(backend, sid, as_of=as_of)),
            ("neighbourhood depth 1", lambda: neighbourhood(backend, sid, depth=1, as_of=as_of)),
            (f"neighbourhood depth {depth}", lambda: neighbourhood(backend, sid, depth=depth, as_of=as_of)),
            ("expand one node (cap 100)", lambda: expand(backend, view, level1[0], as_of=as_of)),
            ("shortest paths (<= 6 hops)", lambda: shortest_paths(backend, sid, far[-1], as_of=as_of)),
            ("search by code", lambda: search(backend, sid, as_of=as_of)),
            ("search by exact name", lambda: search(backend, name, as_of=as_of)),
            ("search by a name's first 2 characters", lambda: search(backend, name[:2], as_of=as_of)),
        ):
            seconds, _ = _timed(fn)
            out.setdefault(key, []).append(seconds)
    return out


def run(home: Path | None = None, graph: str | None = None, *, subjects: int = SUBJECTS,
        repetitions: int = REPETITIONS, as_of: str | None = None, seed: int = 1,
        offsets: int = SAMPLE_OFFSETS, command: str = "", log: Callable[[str], None] = _log) -> dict:
    """Pick subjects, time every page function on them, and return the figures."""
    from creditgraph.app.queries import default_as_of

    backend, home = _connect(home, graph)
    try:
        as_of = as_of or default_as_of(backend)
        started = time.perf_counter()
        picked = pick_subjects(backend, subjects, seed=seed, offsets=offsets, log=log)
        pick_seconds = time.perf_counter() - started
        groups: dict[str, Any] = {}
        for group, items in picked.items():
            timings: dict[str, list[float]] = {}
            sizes = []
            for sid, depth in items:
                from creditgraph.app.network import neighbourhood

                sizes.append(len(neighbourhood(backend, sid, depth=depth, as_of=as_of).nodes))
                for key, secs in time_subject(backend, sid, depth, as_of, repetitions).items():
                    timings.setdefault(key, []).extend(secs)
            log(f"{group}: {len(items)} subjects timed")
            groups[group] = {
                "subjects": [{"sid": s, "depth": d, "nodes": n} for (s, d), n in zip(items, sizes, strict=True)],
                "figures": {k: _stats(v) for k, v in timings.items()},
            }
        described = backend.describe()
    finally:
        backend.close()
    page = groups.get("pages", {}).get("figures", {}).get("page: profile + neighbourhood depth 2")
    return {
        "command": command, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "home": str(home), "graph": graph or described.get("graph"), "as_of": as_of,
        "graph_size": (described.get("graphs") or {}).get(described.get("graph"), {}),
        "engine_memory": described.get("memory_used"),
        "repetitions": repetitions, "seed": seed, "pick_seconds": round(pick_seconds, 1),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "groups": groups,
        "target": {"page_p95_s": TARGET_SECONDS,
                   "met": bool(page and page["p95_s"] < TARGET_SECONDS)},
    }


def table(result: dict) -> str:
    """The figures as a Markdown block for bench/RESULTS.md."""
    lines = [(f"`{result['command']}` - {result['date']}, graph `{result['graph']}` under "
             f"`{result['home']}`, as of {result['as_of']}, {result['machine']}, load average "
             f"{result['load_average']:.1f} at the end; {result['repetitions']} runs per subject."), ""]
    titles = {"pages": "300-node pages", "hub_adjacent": "subjects next to a named hub",
              "hubs": "named hubs as the subject"}
    for group, data in result["groups"].items():
        subjects = data["subjects"]
        if not subjects:
            continue
        nodes = sorted(s["nodes"] for s in subjects)
        depths = sorted({s["depth"] for s in subjects})
        lines += [(f"**{titles.get(group, group)}**: {len(subjects)} subjects, neighbourhood of "
                  f"{nodes[0]}-{nodes[-1]} nodes (median {statistics.median(nodes):.0f}) at depth "
                  f"{'/'.join(map(str, depths))}"), "",
                  "| function | runs | median | p95 | max |", "|---|---:|---:|---:|---:|"]
        for key, f in data["figures"].items():
            lines.append(f"| {key} | {f['n']} | {f['median_s'] * 1000:,.0f} ms | {f['p95_s'] * 1000:,.0f} ms "
                         f"| {f['max_s'] * 1000:,.0f} ms |")
        lines.append("")
    met = "met" if result["target"]["met"] else "**not met**"
    lines.append(f"Target: a subject page (profile + depth-2 neighbourhood of ~300 nodes) in < "
                 f"{TARGET_SECONDS} s of server time at p95: {met}.")
    return "\n".join(lines)


def save(result: dict, out_dir: Path | None = None) -> list[Path]:
    """Write ``app-<graph>.json`` and ``app-<graph>.md`` under ``bench/out/``."""
    out_dir = out_dir or OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"app-{result['graph'] or 'graph'}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(table(result) + "\n", encoding="utf-8")
    return [json_path, md_path]


def add_arguments(parser) -> None:
    """This benchmark's options (``python bench/bench_app.py``)."""
    add_app_arguments(parser)


def add_app_arguments(parser) -> None:
    """The options of ``--only app``. ``--home``, ``--graph`` and ``--as-of`` are added unless the
    parser already has them (the packs benchmark declares the same three, meaning the same)."""
    known = getattr(parser, "_option_string_actions", {})
    if "--home" not in known:
        parser.add_argument("--home", type=Path, default=None,
                            help="CREDITGRAPH_HOME of the running engine holding the loaded graph "
                                 "(default: CREDITGRAPH_HOME); read-only")
    if "--graph" not in known:
        parser.add_argument("--graph", default=None, help="graph name (default CREDITGRAPH_GRAPH)")
    if "--as-of" not in known:
        parser.add_argument("--as-of", default=None, help="as-of date (default: the latest load's)")
    parser.add_argument("--app-subjects", type=int, default=SUBJECTS,
                        help="subjects per group (default %(default)s)")
    parser.add_argument("--app-repetitions", type=int, default=REPETITIONS,
                        help="runs per subject and function (default %(default)s)")
    parser.add_argument("--app-sample", type=int, default=SAMPLE_OFFSETS,
                        help=f"batches of {SAMPLE_BATCH} subjects sampled to pick from (default %(default)s)")


def run_from_args(args: argparse.Namespace, command: str) -> dict:
    """``run`` with the parsed options."""
    return run(getattr(args, "home", None), getattr(args, "graph", None), subjects=args.app_subjects,
               repetitions=args.app_repetitions, as_of=getattr(args, "as_of", None),
               offsets=args.app_sample, command=command)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    result = run_from_args(args, " ".join(["python bench/bench_app.py", *argv]))
    print(table(result))
    for path in save(result):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
