"""Everything a user can set or run is documented (like Datasette's test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _setting_names() -> list[str]:
    source = (REPO / "src" / "creditgraph" / "settings.py").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r'"(CREDITGRAPH_[A-Z0-9_]+)"', source)))
    assert len(names) >= 10, "settings.py should declare the CREDITGRAPH_* variables"
    return names


@pytest.mark.parametrize("name", _setting_names())
def test_every_setting_is_documented(name: str):
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    assert f"`{name}`" in doc


def _command_names() -> list[str]:
    import typer.main

    from creditgraph.cli import app

    root = typer.main.get_command(app)
    names = []
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        if subs:
            names += [f"{name} {sub}" for sub in subs]
        else:
            names.append(name)
    return sorted(names)


@pytest.mark.parametrize("command", _command_names())
def test_every_command_is_in_the_readme(command: str):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"creditgraph {command}" in readme


def _builtin_pack_queries() -> list:
    # From the file names (a query's id is its file name), so that a pack with a broken header
    # fails its own tests rather than the collection of this file.
    from creditgraph.paths import packs_dir

    files = sorted(packs_dir().glob("*/*.cypher"))
    if not files:
        return [pytest.param(None, None, marks=pytest.mark.skip(
            reason=f"no built-in query pack under {packs_dir()} yet"))]
    return [pytest.param(p.parent, p.stem, id=f"{p.parent.name}/{p.stem}") for p in files]


@pytest.mark.parametrize("pack, query_id", _builtin_pack_queries())
def test_every_builtin_pack_query_is_in_its_readme(pack: Path, query_id: str):
    from creditgraph.queries.packs import is_documented

    readme = pack / "README.md"
    assert readme.is_file(), f"pack {pack.name} has no README.md"
    assert is_documented(query_id, readme.read_text(encoding="utf-8")), \
        f"{query_id} is not documented in {readme.relative_to(REPO)}"
