"""Render query rows for people (table) and programs (json, csv, parquet, xlsx)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from creditgraph.exc import ConfigError

TEXT_FORMATS = ("table", "json", "csv")
FILE_FORMATS = ("json", "csv", "parquet", "xlsx")


def columns_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Column names in first-seen order across all rows."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def cell_text(value: Any) -> str:
    """A cell as text: scalars as they are, nested values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as a JSON array (UTF-8 text, Chinese kept readable)."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2, default=str)


def to_csv(rows: Sequence[dict[str, Any]], columns: list[str] | None = None) -> str:
    """Rows as CSV with a header; nested values as JSON."""
    cols = columns or columns_of(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow([cell_text(row.get(c)) for c in cols])
    return buf.getvalue()


def print_rows(rows: Sequence[dict[str, Any]], fmt: str, *, title: str | None = None,
               columns: Sequence[str] | None = None) -> None:
    """Print rows to stdout in ``fmt`` (table, json or csv).

    ``columns`` fixes the header (so an empty result still shows it); default: the rows' keys.
    """
    if fmt not in TEXT_FORMATS:
        raise ConfigError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(TEXT_FORMATS)}")
    if fmt == "json":
        print(to_json(rows))
        return
    if fmt == "csv":
        print(to_csv(rows, list(columns) if columns else None), end="")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    cols = list(columns) if columns else columns_of(rows)
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(cell_text(row.get(c)) for c in cols))
    console = Console()
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}", style="dim")


def write_rows(rows: Sequence[dict[str, Any]], path: Path, fmt: str | None = None, *,
               columns: Sequence[str] | None = None) -> Path:
    """Write rows to ``path`` in ``fmt`` (default: from the file's suffix).

    ``columns`` fixes the header of csv, parquet and xlsx (so an empty result still has one).
    """
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FILE_FORMATS:
        raise ConfigError(f"cannot write {path}: unknown format {fmt!r}",
                          hint=f"use one of {', '.join(FILE_FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path.write_text(to_json(rows) + "\n", encoding="utf-8")
    elif fmt == "csv":
        # utf-8-sig so that Excel, which supervision staff open CSVs with, reads Chinese right.
        path.write_text(to_csv(rows, list(columns) if columns else None), encoding="utf-8-sig")
    else:
        import pandas as pd

        cols = list(columns) if columns else columns_of(rows)
        frame = pd.DataFrame([{c: _flat(row.get(c)) for c in cols} for row in rows], columns=cols)
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_excel(path, index=False)
    return path


def _flat(value: Any) -> Any:
    return cell_text(value) if isinstance(value, (dict, list)) else value
