"""Where creditgraph finds the files it ships: Cypher schema and packs, the model, sample data."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent.parent


def cypher_dir() -> Path:
    """The ``cypher/`` folder: the repository's in a checkout, the packaged copy in a wheel."""
    repo = _REPO / "cypher"
    if repo.is_dir():
        return repo
    return _PACKAGE / "_cypher"


def schema_dir() -> Path:
    """Per-engine DDL: ``cypher/schema/<dialect>/*.cypher``."""
    return cypher_dir() / "schema"


def packs_dir() -> Path:
    """Built-in query packs: ``cypher/packs/<pack>/*.cypher``."""
    return cypher_dir() / "packs"


def repo_root() -> Path | None:
    """The repository root in a checkout, None in an installed wheel."""
    return _REPO if (_REPO / "pyproject.toml").is_file() else None
