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
