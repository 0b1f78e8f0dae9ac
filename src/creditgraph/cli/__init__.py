"""The ``creditgraph`` command line: one app, one module per command group.

Every ``CreditgraphError`` becomes one line on stderr and a non-zero exit; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer

from creditgraph.cli.options import GLOBAL, DbOption, HomeOption
from creditgraph.exc import CreditgraphError

app = typer.Typer(
    name="creditgraph",
    help="Graph analysis of cross-entity credit linkages: load snapshots, run query packs, explore.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register() -> None:
    from creditgraph.cli import app_cmd, db_cmd, load_cmd, packs_cmd, query_cmd

    db_cmd.register(app)
    query_cmd.register(app)
    load_cmd.register(app)
    packs_cmd.register(app)
    app_cmd.register(app)
    try:
        from creditgraph.cli import generate_cmd
    except ImportError:  # pragma: no cover - the generator ships with the model issue
        return
    generate_cmd.register(app)


_register()


@app.callback()
def _global(
    db: DbOption = None,
    home: HomeOption = None,
) -> None:
    """Graph analysis of cross-entity credit linkages: load snapshots, run query packs, explore."""
    GLOBAL["db"] = db
    GLOBAL["home"] = home


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``creditgraph`` script and ``python -m creditgraph``."""
    try:
        # Settings are validated at import; a bad CREDITGRAPH_* value is a user error too.
        import creditgraph.settings  # noqa: F401

        # Standalone mode: click prints its own usage errors; ours come through as exceptions.
        app(args=argv, prog_name="creditgraph")
    except CreditgraphError as exc:
        typer.secho(f"creditgraph: error: {exc.one_line()}", err=True, fg="red")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
