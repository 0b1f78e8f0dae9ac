"""``creditgraph load``: ingest a snapshot, with a progress bar and a summary table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from creditgraph.cli.options import DbOption, HomeOption, open_backend, resolve_home


class _Bar:
    """A rich progress bar fed by the loader's Progress callbacks."""

    def __init__(self, progress, total_rows: int | None) -> None:
        self.progress = progress
        self.read = progress.add_task("reading", total=total_rows)
        self.write = progress.add_task("writing", total=None)

    def start(self, total_bytes: int) -> None:
        pass

    def file(self, name: str) -> None:
        self.progress.update(self.read, description=f"reading {name}")

    def advance(self, nbytes: int, rows: int) -> None:
        self.progress.advance(self.read, rows)

    def written(self, rows: int) -> None:
        self.progress.advance(self.write, rows)

    def phase(self, text: str) -> None:
        self.progress.update(self.write, description=text)


def _manifest_rows(path: Path) -> int | None:
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
        return sum(int(f.get("rows", 0)) for f in files) or None
    except (ValueError, TypeError):
        return None


def register(app: typer.Typer) -> None:
    """Add the ``load`` command to ``app``."""

    @app.command("load")
    def load(
        path: Annotated[Path, typer.Argument(help="Snapshot folder (canonical layout) or export file.")],
        mapping: Annotated[Path | None, typer.Option(
            "--mapping", "-m", help="YAML mapping for a department's own export.")] = None,
        source: Annotated[str | None, typer.Option(
            help="Source name (default: from the manifest or mapping).")] = None,
        as_of: Annotated[str | None, typer.Option(
            "--as-of", help="Snapshot date YYYY-MM-DD (default: from the manifest).")] = None,
        report: Annotated[Path | None, typer.Option(
            "--report", help="Write the load report as JSON to this file.")] = None,
        encoding: Annotated[str | None, typer.Option(
            help="Text encoding of the input (default: detected; utf-8 or gb18030).")] = None,
        force: Annotated[bool, typer.Option(
            "--force", help="Load a snapshot older than the last one loaded for the source.")] = False,
        partial: Annotated[bool, typer.Option(
            "--partial", help="The snapshot holds only some rows: close nothing that is missing.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
        db: DbOption = None,
        home: HomeOption = None,
    ) -> None:
        """Load a snapshot: validate every row, quarantine bad ones, write only what changed.

        Exit 0 when the load completed (even with quarantined rows).
        """
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        from creditgraph.loaders.run import Loader
        from creditgraph.loaders.run import Progress as NoProgress

        console = Console(stderr=True)
        with open_backend(db, home) as backend:
            if quiet:
                result = Loader(backend, home=resolve_home(home), progress=NoProgress()).load(
                    path, mapping_file=mapping, source=source, as_of=as_of, force=force,
                    encoding=encoding, full=False if partial else None)
            else:
                columns = (SpinnerColumn(), TextColumn("{task.description:<32}"), BarColumn(),
                           MofNCompleteColumn(), _RateColumn(), TimeElapsedColumn())
                with Progress(*columns, console=console, transient=False) as progress:
                    bar = _Bar(progress, _manifest_rows(path) if path.is_dir() else None)
                    result = Loader(backend, home=resolve_home(home), progress=bar).load(
                        path, mapping_file=mapping, source=source, as_of=as_of, force=force,
                        encoding=encoding, full=False if partial else None)
        data = result.as_dict()
        if report:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _summary(Console(), data)


class _RateColumn:
    """rows/s of a task, or blank before it has a speed."""

    def __new__(cls):
        from rich.progress import ProgressColumn
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task):
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} rows/s" if speed else "", style="cyan")

        return RateColumn()


def _summary(console, data: dict) -> None:
    from rich.table import Table

    table = Table(title=f"load {data['run_id']}: {data['source']} as of {data['as_of']}")
    for col in ("file", "table", "read", "loaded", "unchanged", "quarantined", "duplicate"):
        table.add_column(col, justify="left" if col in ("file", "table") else "right")
    for f in data["files"]:
        table.add_row(f["file"], f["table"], str(f["rows_read"]), str(f["rows_loaded"]),
                      str(f["rows_unchanged"]), str(f["rows_quarantined"]), str(f["rows_duplicate"]))
    table.add_row("total", "", str(data["rows_read"]), str(data["rows_loaded"]),
                  str(data["rows_unchanged"]), str(data["rows_quarantined"]),
                  str(data["rows_duplicate"]), style="bold")
    console.print(table)
    changes = Table(title="changes")
    for col in ("label / type", "added", "updated", "closed"):
        changes.add_column(col, justify="left" if col == "label / type" else "right")
    for name, c in data["changes"].items():
        changes.add_row(name, str(c["added"]), str(c["updated"]), str(c["closed"]))
    if data["changes"]:
        console.print(changes)
    rate = data["rows_read"] / data["seconds"] if data["seconds"] else 0
    quarantined = [f["quarantine_file"] for f in data["files"] if f["quarantine_file"]]
    console.print(f"{data['rows_read']} rows in {data['seconds']:.1f} s ({rate:,.0f} rows/s)"
                  + (f"; quarantined rows under {Path(quarantined[0]).parent}" if quarantined else ""))
