"""Fixtures shared by the pack framework tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def no_builtin_packs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the built-in packs at an empty folder, so a test sees only its own packs."""
    empty = tmp_path_factory.mktemp("builtin")
    monkeypatch.setattr("creditgraph.paths.packs_dir", lambda: empty)
    return empty
