"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Engine: embedded (default), falkordb://host:port, bolt://..., "
                               "neo4j://..., neo4j+s://... [env CREDITGRAPH_DB]",
                 show_default=False),
]

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder of the embedded engine [env CREDITGRAPH_HOME]",
                 show_default=False),
]

FormatOption = Annotated[
    str,
    typer.Option("--format", "-f", help="Output format: table, json or csv."),
]


# --db and --home given before the command name (``creditgraph --db bolt://... query ...``).
GLOBAL: dict[str, object] = {"db": None, "home": None}


def resolve_db(db: str | None) -> str | None:
    """The engine URI from the command's --db, the global --db, or None for the setting."""
    return db or GLOBAL["db"]  # type: ignore[return-value]


def resolve_home(home: Path | None) -> Path | None:
    """The embedded engine's folder from --home (command or global), or None for the setting."""
    return home or GLOBAL["home"]  # type: ignore[return-value]


def open_backend(db: str | None, home: Path | None, *, start: bool = True):
    """Connect to the engine chosen by ``--db`` / ``CREDITGRAPH_DB``."""
    from creditgraph.graph import connect

    return connect(resolve_db(db), home=resolve_home(home), start=start)
