"""``creditgraph packs list|show|run|lint``: the query packs supervision departments run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from creditgraph.cli.options import DbOption, HomeOption, open_backend
from creditgraph.exc import ConfigError

if TYPE_CHECKING:
    from creditgraph.queries.packs import PackQuery

packs_app = typer.Typer(help="List, show, run and lint the Cypher query packs.", no_args_is_help=True)

PacksOption = Annotated[
    list[Path] | None,
    typer.Option("--packs", help="A department's own folder of packs, added to the built-in ones "
                                 "(repeatable).", show_default=False),
]

RUN_FORMATS = ("table", "csv", "json", "parquet", "xlsx")


def _load(packs: list[Path] | None):
    from creditgraph.queries.packs import load_packs

    return load_packs(packs or ())


def _query(query_id: str, packs: list[Path] | None) -> PackQuery:
    from creditgraph.queries.packs import find_query

    return find_query(_load(packs), query_id)


@packs_app.command("list")
def list_(
    packs: PacksOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
) -> None:
    """List every query of every pack: id, pack, severity, title, title_zh."""
    from creditgraph.queries.packs import all_queries
    from creditgraph.tabular import print_rows

    columns = ["id", "pack", "severity", "title", "title_zh"]
    rows = [{"id": q.id, "pack": q.pack, "severity": q.severity, "title": q.title, "title_zh": q.title_zh}
            for q in all_queries(_load(packs))]
    print_rows(rows, fmt, columns=columns)


def _value_text(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@packs_app.command("show")
def show(
    query_id: Annotated[str, typer.Argument(metavar="ID", help="The query's id (see `packs list`).")],
    packs: PacksOption = None,
) -> None:
    """Show a query: what it finds, its parameters with defaults, its columns and its Cypher."""
    from creditgraph.queries.packs import display_path

    q = _query(query_id, packs)
    out = [f"{q.id}  (pack {q.pack}, {display_path(q.path)})",
           f"title:     {q.title}"]
    if q.title_zh:
        out.append(f"title_zh:  {q.title_zh}")
    out.append(f"severity:  {q.severity}")
    if q.description:
        out.append("description:")
        out += [f"  {line}" for line in q.description.splitlines()]
    out.append("parameters:" if q.parameters else "parameters: none")
    width = max((len(p.name) for p in q.parameters), default=0)
    for p in q.parameters:
        facts = [p.type, "required" if p.required else f"default {_value_text(p.default)}"]
        if p.min is not None or p.max is not None:
            facts.append(f"{'' if p.min is None else p.min}..{'' if p.max is None else p.max}")
        if p.path_bound:
            facts.append("path bound")
        text = f"  {p.name:<{width}}  {', '.join(facts)}"
        out.append(f"{text}  {p.description}" if p.description else text)
    if q.runner_parameters:
        out.append("from the model: " + ", ".join(f"${n}" for n in q.runner_parameters))
    out.append("columns:")
    width = max(len(c.name) for c in q.columns)
    out += [f"  {c.name:<{width}}  {c.description}".rstrip() for c in q.columns]
    out.append(f"cypher (line {q.body_line}):")
    typer.echo("\n".join(out))
    typer.echo(q.cypher.rstrip())


def _refuse_if_lint_fails(query: PackQuery) -> None:
    """Run the Neo4j linter on ``query``; raise naming the file and line if it fails."""
    from creditgraph.queries.packs import PackError, lint_pack_queries

    try:
        problems = lint_pack_queries([query])
    except ConfigError as exc:
        # The linter is a checkout tool (Node modules); an installed wheel has none. The query
        # was already refused if it writes, and the engine runs it read-only anyway.
        typer.secho(f"warning: {query.id} not linted: {exc.one_line()}", err=True, fg="yellow")
        return
    failing = [p for p in problems if p.fails]
    if failing:
        first = failing[0]
        more = f"{len(failing) - 1} more; " if len(failing) > 1 else ""
        raise PackError(first.file, first.line, f"fails Neo4j's linter: {' '.join(first.message.split())}",
                        hint=f"{more}`creditgraph packs lint` lists every problem")


@packs_app.command("run")
def run_(
    query_id: Annotated[str, typer.Argument(metavar="ID", help="The query's id (see `packs list`).")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="Parameter: name=text, or name:=JSON (numbers, lists, true).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Run date YYYY-MM-DD: what `today` means (default: today).")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help="table, csv, json, parquet or xlsx (parquet and xlsx need --out; "
                               "default: table, or from the --out suffix).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the rows to this file instead of printing them.")] = None,
    timeout: Annotated[float | None, typer.Option(
        help="Seconds before the engine stops the query [env CREDITGRAPH_QUERY_TIMEOUT].")] = None,
    packs: PacksOption = None,
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Run one query read-only and print its rows (or write them with --out).

    The query's time goes to stderr. A query that writes or fails the linter is refused.
    """
    from creditgraph.cli.query_cmd import parse_params
    from creditgraph.queries.runner import bind, run
    from creditgraph.tabular import print_rows, write_rows

    if fmt is not None and fmt not in RUN_FORMATS:
        raise ConfigError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(RUN_FORMATS)}")
    if out is None and fmt in ("parquet", "xlsx"):
        raise ConfigError(f"--format {fmt} writes a file: give --out FILE")
    if out is not None and fmt == "table":
        raise ConfigError("--format table prints to the terminal; with --out use csv, json, parquet or xlsx")
    query = _query(query_id, packs)
    given = parse_params(param)
    bind(query, given, as_of)  # a bad value is reported before the linter and engine start
    _refuse_if_lint_fails(query)
    with open_backend(db, home) as backend:
        result = run(backend, query, given, timeout, as_of=as_of)
    n = len(result.rows)
    note = f"{query.id}: {n} row{'s' if n != 1 else ''} in {result.seconds:.3f} s"
    if out is not None:
        write_rows(result.rows, out, fmt, columns=result.columns)
        note += f", written to {out}"
    else:
        print_rows(result.rows, fmt or "table", title=f"{query.id}: {query.title}", columns=result.columns)
    typer.secho(note, err=True, dim=True)


@packs_app.command("lint")
def lint(packs: PacksOption = None) -> None:
    """Check every pack: headers, read-only statements, README, and Neo4j's linter with the model's names.

    Prints each problem as file:line: reason; exits non-zero if any fails.
    """
    from creditgraph.queries.packs import (
        all_queries,
        documentation_problems,
        lint_pack_queries,
        scan_packs,
    )

    loaded, problems = scan_packs(packs or ())
    problems += documentation_problems(loaded)
    queries = all_queries(loaded)
    for problem in problems:
        typer.echo(str(problem.message))
    failing = len(problems)
    for p in lint_pack_queries(queries):
        typer.echo(f"{p.file}:{p.line}: {'error' if p.fails else 'warning'}: {' '.join(p.message.split())}")
        failing += p.fails
    summary = f"{len(queries)} quer{'y' if len(queries) == 1 else 'ies'} in {len(loaded)} pack(s)"
    if failing:
        raise ConfigError(f"packs lint: {failing} failing problem(s); {summary} checked")
    typer.secho(f"packs lint: {summary}, no failing problems", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``packs`` command group to ``app``."""
    app.add_typer(packs_app, name="packs")
