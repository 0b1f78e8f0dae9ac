"""``creditgraph query``: an ad-hoc Cypher console, read-only unless --write."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from creditgraph.cli.options import DbOption, FormatOption, HomeOption, open_backend
from creditgraph.exc import ConfigError


def parse_params(items: list[str] | None) -> dict[str, object]:
    """Parse ``k=v`` (v is a string) and ``k:=v`` (v is JSON: numbers, lists, maps, true)."""
    params: dict[str, object] = {}
    for item in items or []:
        if "=" in item and item.split("=", 1)[0].endswith(":"):
            key, raw = item.split(":=", 1)
            try:
                value: object = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"--param {item!r}: the value after := is not JSON ({exc.msg})",
                                  hint="write strings as k=v, JSON as k:=v") from None
        elif "=" in item:
            key, value = item.split("=", 1)
        else:
            raise ConfigError(f"--param {item!r} is not of the form name=value or name:=json")
        key = key.strip()
        if not key.isidentifier():
            raise ConfigError(f"--param {item!r}: {key!r} is not a valid parameter name")
        params[key] = value
    return params


def register(app: typer.Typer) -> None:
    """Add the ``query`` command to ``app``."""

    @app.command("query")
    def query(
        cypher: Annotated[str, typer.Argument(help="The Cypher statement; parameters as $name.")],
        param: Annotated[list[str] | None, typer.Option(
            "--param", "-p", help="Parameter: name=text, or name:=JSON (numbers, lists, maps).")] = None,
        write: Annotated[bool, typer.Option(
            "--write", help="Allow the statement to change the graph.")] = False,
        fmt: FormatOption = "table",
        timeout: Annotated[float | None, typer.Option(
            help="Seconds before the engine stops the query [env CREDITGRAPH_QUERY_TIMEOUT].")] = None,
        db: DbOption = None,
        home: HomeOption = None,
    ) -> None:
        """Run one Cypher statement and print its rows (like cypher-shell).

        Read-only unless --write: the engine itself refuses a read that writes.
        """
        from creditgraph.tabular import print_rows

        params = parse_params(param)
        with open_backend(db, home) as backend:
            started = time.perf_counter()
            if write:
                summary = backend.write(cypher, params, timeout=timeout)
                rows = summary.rows
            else:
                rows = backend.read(cypher, params, timeout=timeout)
            elapsed = time.perf_counter() - started
        print_rows(rows, fmt)
        if fmt == "table":
            note = f"{elapsed * 1000:.1f} ms"
            if write:
                note += (f"; nodes created {summary.nodes_created}, deleted {summary.nodes_deleted}, "
                         f"relationships created {summary.relationships_created}, deleted "
                         f"{summary.relationships_deleted}, properties set {summary.properties_set}")
            typer.secho(note, err=True, dim=True)
