"""``creditgraph db start|status|stop|schema``: manage the engine."""

from __future__ import annotations

from typing import Annotated

import typer

from creditgraph.cli.options import DbOption, HomeOption, open_backend, resolve_db, resolve_home
from creditgraph.exc import ConfigError

db_app = typer.Typer(help="Start, inspect and stop the graph engine; bootstrap its schema.",
                     no_args_is_help=True)


def _kind(db: str | None) -> str:
    from creditgraph import settings
    from creditgraph.graph import parse_db_uri

    return parse_db_uri(resolve_db(db) or settings.DB)


def _engine(home):
    from creditgraph.graph.embedded import EmbeddedEngine

    return EmbeddedEngine(resolve_home(home))


@db_app.command("start")
def start(db: DbOption = None, home: HomeOption = None) -> None:
    """Start the embedded engine (if it is not running) and bootstrap the schema."""
    with open_backend(db, home) as backend:
        applied = backend.bootstrap_schema()
        facts = backend.describe()
    if _kind(db) == "embedded":
        engine = _engine(home)
        typer.echo(f"engine running: pid {engine.running_pid()}, socket {engine.socket_path}")
    else:
        typer.echo(f"engine reachable: {facts['address']}")
    typer.echo(f"schema: {len(applied)} statement(s) applied" if applied else "schema: up to date")


@db_app.command("status")
def status(
    db: DbOption = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print pid, socket, data folder, memory and graph sizes. Exit 3 if the engine is down."""
    import json

    from creditgraph.exc import EngineUnavailable

    facts: dict[str, object] = {}
    if _kind(db) == "embedded":
        engine = _engine(home)
        facts.update(engine.facts())
        if not engine.is_running():
            facts["running"] = False
            _print(facts, as_json, json)
            raise EngineUnavailable("the embedded engine is not running",
                                    hint="start it with `creditgraph db start`")
    with open_backend(db, home, start=False) as backend:
        facts.update(backend.describe())
    facts["running"] = True
    _print(facts, as_json, json)


def _print(facts: dict[str, object], as_json: bool, json_mod) -> None:
    if as_json:
        typer.echo(json_mod.dumps(facts, ensure_ascii=False, indent=2, default=str))
        return
    for key, value in facts.items():
        if key == "graphs" and isinstance(value, dict):
            for name, size in value.items():
                typer.echo(f"{'graph ' + name:>12}: {size['nodes']} nodes, "
                           f"{size['relationships']} relationships")
        else:
            typer.echo(f"{key:>12}: {value if value is not None else '-'}")


@db_app.command("stop")
def stop(db: DbOption = None, home: HomeOption = None) -> None:
    """Stop the embedded engine cleanly (its data stays on disk)."""
    if _kind(db) != "embedded":
        raise ConfigError("creditgraph manages only the embedded engine",
                          hint="stop Neo4j or an external FalkorDB with its own tools, e.g. "
                               "`docker compose stop neo4j`")
    engine = _engine(home)
    if engine.stop():
        typer.echo("engine stopped")
    else:
        typer.echo("engine was not running")


@db_app.command("schema")
def schema(db: DbOption = None, home: HomeOption = None) -> None:
    """Create the indexes and constraints from cypher/schema/<engine>/ (safe to repeat)."""
    with open_backend(db, home) as backend:
        applied = backend.bootstrap_schema()
    for text in applied:
        typer.echo(f"applied: {text}")
    typer.echo(f"{len(applied)} statement(s) applied" if applied else "schema up to date")


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    app.add_typer(db_app, name="db")
