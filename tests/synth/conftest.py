"""Shared generated datasets for the generator tests (made once per test session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditgraph.synth.generator import GeneratorConfig, generate


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> Path:
    """5,000 enterprises, three monthly snapshots."""
    out = tmp_path_factory.mktemp("synth") / "ds"
    generate(GeneratorConfig(enterprises=5000, seed=11, snapshots=3), out)
    return out
