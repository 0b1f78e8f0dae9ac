"""``creditgraph generate``: write synthetic Sichuan snapshots with planted patterns."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from creditgraph.exc import ConfigError


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not a date", hint="write it as YYYY-MM-DD") from None


def generate_command(
    enterprises: Annotated[int, typer.Option("--enterprises", "-n", help="Enterprises on the first snapshot.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write (one subfolder per snapshot).")],
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed: the same seed gives the same bytes.")] = 0,
    snapshots: Annotated[int, typer.Option("--snapshots", "-k", help="Monthly full snapshots to write.")] = 1,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date of the last snapshot, YYYY-MM-DD "
                                                              "(default 2025-06-30).",
                                              show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Generate synthetic credit data for Sichuan: snapshots plus ground_truth.json."""
    from creditgraph.synth.generator import DEFAULT_AS_OF, GeneratorConfig, generate

    config = GeneratorConfig(enterprises=enterprises, seed=seed, snapshots=snapshots,
                             as_of=_as_of(as_of) or DEFAULT_AS_OF)
    config.validate()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConfigError(f"--out {out} is not empty", hint="choose a new folder or add --force to overwrite")

    started = time.perf_counter()
    total = config.total_enterprises
    if quiet or total < 20_000:
        result = generate(config, out)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task("enterprises", total=total)
            result = generate(config, out, progress=lambda n: bar.advance(task, n))
    if quiet:
        return
    elapsed = time.perf_counter() - started
    rows = sum(c[-1] for c in result.counts.values())
    typer.echo(f"Wrote {len(result.as_ofs)} snapshot(s) to {out} ({', '.join(result.as_ofs)}) "
               f"in {elapsed:.1f}s; last snapshot {rows:,} rows, "
               f"{result.counts['enterprises.csv'][-1]:,} enterprises; "
               f"{result.patterns} planted patterns in {result.ground_truth.name}.")


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``."""
    app.command("generate", help="Generate synthetic Sichuan credit snapshots with planted patterns.")(
        generate_command)
