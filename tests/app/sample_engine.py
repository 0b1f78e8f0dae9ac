"""A private embedded engine holding the sample dataset, for the app's page and browser tests.

Engine and loader share one CREDITGRAPH_HOME, as after ``make demo``, so the Loads page finds
the run reports and quarantine files beside the LoadRun nodes.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data" / "generated"
TRUTH = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))
APP_GRAPH = "app_sample"
MAIN = REPO / "src" / "creditgraph" / "app" / "main.py"


def start_sample_engine(home: Path):
    """Start an engine under ``home`` and load both sample snapshots, oldest first."""
    from tests.loaders.helpers import load_dataset

    from creditgraph.graph.embedded import EmbeddedEngine
    from creditgraph.graph.falkordb_backend import FalkorDBBackend

    engine = EmbeddedEngine(home)
    engine.ensure_started()
    backend = FalkorDBBackend.over_socket(engine, APP_GRAPH)
    backend.clear()
    backend.bootstrap_schema()
    load_dataset(backend, SAMPLE, home)
    backend.close()
    return engine


def planted(kind: str = "blacklist_propagation") -> dict:
    """The first planted pattern of ``kind`` that the packs must report."""
    return next(p for p in TRUTH["patterns"] if p["kind"] == kind and p["expect"] == "report")


def subject_of(pattern: dict, role: str) -> dict:
    """The first subject of ``pattern`` with ``role``."""
    return next(s for s in pattern["subjects"] if s["role"] == role)
