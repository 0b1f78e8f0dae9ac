"""The sample dataset loaded once per test session for the app's logic tests.

Every ``tests/app/test_logic_*.py`` module asks for it through its own module fixture; the load
(both snapshots, oldest first, into graph ``app_logic`` of the session's engine, with a home of
its own so the run reports are there too) happens for the first and is reused by the others.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data" / "generated"
TRUTH = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))
AS_OF = TRUTH["evaluate_at"]
GRAPH = "app_logic"

_LOADED: dict[str, tuple[object, Path]] = {}


def sample_graph(engine, home: Path):
    """(backend, loader home): the sample in graph ``app_logic``, loaded on first use."""
    from tests.loaders.helpers import load_dataset

    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    key = str(engine.home)
    if key not in _LOADED:
        backend = FalkorDBBackend.over_socket(engine, GRAPH)
        backend.clear()
        backend.bootstrap_schema()
        load_dataset(backend, SAMPLE, home)
        _LOADED[key] = (backend, home)
    return _LOADED[key]


def patterns(kind: str) -> list[dict]:
    """The planted patterns of ``kind`` in ground_truth.json."""
    return [p for p in TRUTH["patterns"] if p["kind"] == kind]


def role(pattern: dict, name: str) -> list[dict]:
    """The subjects of ``pattern`` with role ``name``."""
    return [s for s in pattern["subjects"] if s["role"] == name]
