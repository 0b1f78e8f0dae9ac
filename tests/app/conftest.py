"""Fixtures for the app's page tests: the sample in a private engine, the app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.app.sample_engine import APP_GRAPH, MAIN, start_sample_engine


@pytest.fixture(scope="session")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """CREDITGRAPH_HOME of a running engine holding both sample snapshots in graph app_sample."""
    home = tmp_path_factory.mktemp("apphome")
    engine = start_sample_engine(home)
    yield home
    engine.stop()


@pytest.fixture()
def app_settings(app_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the sample engine: the environment, and the settings already read from it."""
    from creditgraph import settings

    monkeypatch.setenv("CREDITGRAPH_DB", "embedded")
    monkeypatch.setenv("CREDITGRAPH_HOME", str(app_home))
    monkeypatch.setenv("CREDITGRAPH_GRAPH", APP_GRAPH)
    # creditgraph.settings was imported (and read the environment) before this test began.
    monkeypatch.setattr(settings, "DB", "embedded")
    monkeypatch.setattr(settings, "HOME", app_home)
    monkeypatch.setattr(settings, "GRAPH", APP_GRAPH)
    return app_home


@pytest.fixture()
def app(app_settings: Path):
    """An AppTest of the whole app (navigation and sidebar included), not yet run."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(MAIN), default_timeout=120)
