"""Loads page: both sample loads with counts and changes; quarantined rows downloadable."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from tests.app.sample_engine import APP_GRAPH, REPO


def open_loads(app):
    app.switch_page("views/loads.py")
    app.run()
    assert not app.exception, app.exception
    return app


def test_history_lists_both_sample_loads(app):
    open_loads(app)
    history = app.dataframe[0].value
    assert sorted(history["as_of"]) == ["2025-05-31", "2025-06-30"]
    assert (history["rows"] > 0).all()
    assert any(h.value == "Changes" for h in app.subheader)
    assert any("No row of this run was quarantined" in c.value for c in app.caption)


@pytest.fixture()
def messy_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The tiny sample with one broken USCC, loaded by an engine under its own home."""
    from creditgraph import settings
    from creditgraph.graph.embedded import EmbeddedEngine
    from creditgraph.graph.falkordb_backend import FalkorDBBackend
    from creditgraph.loaders.run import Loader

    snapshot = tmp_path / "tiny"
    shutil.copytree(REPO / "sample_data" / "tiny" / "2025-06-30", snapshot)
    path = snapshot / "enterprises.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["uscc"] = "91510100MA61R8XW3X"       # wrong check character
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    home = tmp_path / "home"
    engine = EmbeddedEngine(home)
    engine.ensure_started()
    backend = FalkorDBBackend.over_socket(engine, APP_GRAPH)
    backend.bootstrap_schema()
    Loader(backend, home=home).load(snapshot)
    backend.close()
    monkeypatch.setattr(settings, "HOME", home)
    yield home
    engine.stop()


def test_quarantined_rows_are_downloadable(app, messy_home: Path):
    open_loads(app)
    buttons = [b for b in app.get("download_button") if b.label == "Download quarantined rows"]
    assert buttons, [c.value for c in app.caption]
    assert any("row(s)" in c.value and c.value.endswith("1 row(s)") for c in app.caption), \
        [c.value for c in app.caption]


def test_engine_down_is_a_message(app, monkeypatch):
    from creditgraph import settings

    monkeypatch.setattr(settings, "DB", "falkordb://127.0.0.1:1")
    open_loads(app)
    assert any("graph engine is not available" in e.value for e in app.error)
