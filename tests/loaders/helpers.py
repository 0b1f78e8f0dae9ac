"""Helpers for loader tests: write tiny snapshots, run loads, read quarantine files back.

A tiny snapshot is a folder with a ``manifest.json`` and a few files of the canonical layout
(``creditgraph.synth.layout``), or a department's own export plus a mapping. Files are written
byte for byte as asked (encoding, BOM, line ends), because that is what the tests are about.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from creditgraph.loaders.run import Loader, LoadReport
from creditgraph.model.identifiers import make_resident_id, make_uscc
from creditgraph.synth import layout

REPO = Path(__file__).resolve().parents[2]
#: the read-only public data shared by the project's worktrees (see its README.md)
SHARED_DATA = REPO / ".." / "shared" / "data"
MAPPINGS = REPO / "sample_data" / "mappings"

SOURCE = "messy"
AS_OF = "2025-06-30"


# -- identifiers -----------------------------------------------------------------------------------

def uscc(n: int, *, category: str = "91", region: str = "510104") -> str:
    """The n-th valid made-up USCC (organisation body ``MA`` + six digits: distinct for
    n < 10**6, and with letters, so that case matters)."""
    return make_uscc(category, region, f"MA{n:06d}")


def resident_id(n: int, *, region: str = "510104") -> str:
    """The n-th valid made-up resident ID number (born 1970, order code 700 + n)."""
    return make_resident_id(region, date(1970, 1, 1 + n // 300), 700 + n % 300)


def bad_check(code: str) -> str:
    """``code`` with a wrong last (check) character."""
    last = code[-1]
    return code[:-1] + ("1" if last != "1" else "2")


# -- writing ---------------------------------------------------------------------------------------

def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, delimiter: str = ",",
             newline: str = "\n") -> str:
    """RFC 4180 text of a header and rows (``None`` = empty field)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_bytes(path: Path, text: str, *, encoding: str = "utf-8", bom: bool = False) -> Path:
    """Write ``text`` exactly, in ``encoding``, with a UTF-8 BOM first if asked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_table(folder: Path, table: str, rows: Iterable[Sequence[object] | dict], *,
                encoding: str = "utf-8", bom: bool = False, name: str | None = None) -> Path:
    """A canonical table file (header from the layout); a row is a sequence in layout order or a
    dict of column -> value (missing columns empty)."""
    columns = layout.BY_NAME[f"{table}.csv"].columns
    ordered = [[row.get(c) for c in columns] if isinstance(row, dict) else list(row) for row in rows]
    return write_bytes(folder / (name or f"{table}.csv"), csv_text(columns, ordered),
                       encoding=encoding, bom=bom)


def write_manifest(folder: Path, *, source: str = SOURCE, as_of: str = AS_OF,
                   full_snapshot: bool = True) -> Path:
    """A manifest.json naming the snapshot's source and date."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for spec in layout.FILES:
        path = folder / spec.name
        if path.is_file():
            files.append({"name": spec.name, "kind": spec.kind, "target": spec.target,
                          "columns": list(spec.columns)})
    manifest = {"format": layout.FORMAT_NAME, "format_version": layout.FORMAT_VERSION,
                "source": source, "as_of": as_of, "full_snapshot": full_snapshot, "files": files}
    path = folder / layout.MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_mapping(path: Path, text: str) -> Path:
    """A mapping YAML file (UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def enterprise(n: int, name: str | None = None, **values: object) -> dict:
    """A valid enterprises.csv row for the n-th USCC; keyword arguments override columns."""
    row = {"uscc": uscc(n), "name": f"成都测试{n}号商贸有限公司" if name is None else name, "kind": "llc",
           "status": "active", "registered_capital": "100.00", "established": "2018-04-12",
           "region_code": "510104", "industry": "F 批发和零售业", "address": None, "phone": None}
    row.update(values)
    return row


# -- loading ---------------------------------------------------------------------------------------

def load(graph, home: Path, path: Path, **kwargs) -> LoadReport:
    """Load ``path`` with a Loader whose quarantine and state live under ``home``."""
    return Loader(graph, home=home).load(path, **kwargs)


def file_report(report: LoadReport, file: str, table: str | None = None):
    """The report of one input file (and table, when one file feeds several tables)."""
    found = [f for f in report.files if f.file == file and (table is None or f.table == table)]
    assert len(found) == 1, f"{file}/{table}: {[(f.file, f.table) for f in report.files]}"
    return found[0]


def assert_accounting(report: LoadReport | dict) -> None:
    """rows_read = rows_loaded + rows_quarantined + rows_duplicate, per file and in total."""
    data = report.as_dict() if isinstance(report, LoadReport) else report
    for f in data["files"]:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_quarantined"] + f["rows_duplicate"], f
        assert f["rows_quarantined"] == 0 or f["quarantine_file"], f
    assert data["rows_read"] == data["rows_loaded"] + data["rows_quarantined"] + data["rows_duplicate"]


def quarantine_rows(report: LoadReport, file: str, table: str | None = None) -> list[dict[str, str]]:
    """The quarantine CSV of one input file as dicts (line, reasons, original columns); rows of
    other tables fed by the same file are left out when ``table`` is given."""
    f = file_report(report, file, table)
    if not f.quarantine_file:
        return []
    with open(f.quarantine_file, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def reason_codes(row: dict[str, str]) -> list[str]:
    """The reason codes of a quarantine row (``bad_uscc:uscc;missing:name`` -> both)."""
    return row["reasons"].split(";") if row["reasons"] else []


# -- the command line ------------------------------------------------------------------------------

def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m creditgraph ARGS`` as a user runs it."""
    env = dict(env)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "creditgraph", *args], check=False, env=env, text=True,
                          capture_output=True, timeout=300, cwd=os.fspath(REPO))


REPORT_KEYS = {"run_id", "source", "as_of", "rows_read", "rows_loaded", "rows_quarantined",
               "rows_duplicate", "files", "changes", "seconds"}


def load_dataset(backend, dataset: Path, home: Path) -> list[LoadReport]:
    """Load every snapshot of a dataset folder (a folder of dated snapshots), oldest first."""
    loader = Loader(backend, home=home)
    return [loader.load(folder)
            for folder in sorted(p for p in dataset.iterdir() if (p / "manifest.json").is_file())]
