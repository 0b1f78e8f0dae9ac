"""Mapping files: how a department's own export becomes the canonical snapshot tables.

A mapping is YAML, read into frozen dataclasses so that a bad mapping fails before any row is
read, with the file and the item named::

    source: sc-court                      # default --source
    lookups:                              # small join tables, e.g. stock code -> USCC
      stock_to_uscc: {path: company_basic_info.gbk.tsv, key: gpdm, value: xydm}
    files:
      - path: "shixin*.csv"               # glob under the snapshot folder
        table: list_entries               # a canonical table (docs/snapshot-format.md)
        encoding: gb18030                 # optional: detected otherwise
        columns:                          # canonical column: input column, or a spec
          id: 案号
          subject_name: 被执行人姓名/名称
          subject_kind: {value: name}
          start_date: {column: 立案时间, date_format: "%Y%m%d"}
          list_type: {value: SHIXIN}
          disputed: {column: 异议, map: {是: "true", 否: "false"}, default: "false"}

Column specs: ``column`` (input column), ``value`` (a constant), ``map`` (value map; values not
in it pass through unless ``strict: true``), ``default`` (when empty), ``date_format`` (strptime
format; dates are otherwise read in the usual Chinese forms), ``number: true`` (the first number
in the text, e.g. ``100(万元人民币)``), ``scale`` (multiply, e.g. 0.0001 for yuan to 10,000 yuan),
``percent: true`` (divide by 100), ``lookup`` (translate through a lookup table).
The canonical layout itself is the identity mapping (``canonical_mapping()``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from creditgraph.exc import ConfigError
from creditgraph.synth import layout

TABLES = {spec.name.removesuffix(".csv"): spec for spec in layout.FILES}

_SPEC_KEYS = {"column", "value", "map", "default", "date_format", "number", "scale", "percent",
              "lookup", "strict"}
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical column is made from an input row."""

    column: str | None = None
    value: str | None = None
    map: tuple[tuple[str, str], ...] = ()
    strict: bool = False
    default: str | None = None
    date_format: str | None = None
    number: bool = False
    scale: float | None = None
    percent: bool = False
    lookup: str | None = None

    def apply(self, row: dict[str, str], lookups: dict[str, dict[str, str]]) -> tuple[str, str | None]:
        """The canonical text for this column, and a reason code when it cannot be made."""
        if self.value is not None:
            return self.value, None
        raw = (row.get(self.column or "", "") or "").strip()
        if not raw:
            return self.default or "", None
        if self.map:
            mapped = dict(self.map).get(raw)
            if mapped is not None:
                raw = mapped
                if not raw:  # mapped to "nothing", e.g. "N/A" -> "": as if the cell were empty
                    return self.default or "", None
            elif self.strict:
                return raw, f"unmapped_value:{self.column}"
        if self.lookup:
            found = lookups[self.lookup].get(raw)
            if found is None:
                return raw, f"lookup_miss:{self.column}"
            raw = found
        if self.date_format:
            text = raw[: _format_width(self.date_format)] if "%" in self.date_format else raw
            try:
                raw = dt.datetime.strptime(text, self.date_format).date().isoformat()
            except ValueError:
                return raw, f"bad_date:{self.column}"
        if self.number or self.scale is not None or self.percent:
            match = _NUMBER.search(raw)
            if not match:
                return raw, f"bad_number:{self.column}"
            number = float(match.group().replace(",", ""))
            if self.scale is not None:
                number *= self.scale
            if self.percent:
                number /= 100.0
            raw = repr(round(number, 10))
        return raw, None


def _format_width(fmt: str) -> int:
    """Characters a strptime format consumes, so a trailing time can be cut off first."""
    sample = dt.datetime(2000, 12, 28, 23, 59, 59).strftime(fmt)
    return len(sample)


@dataclass(frozen=True)
class FileMapping:
    """One input file (or glob) and the canonical table it fills."""

    path: str
    table: str
    columns: tuple[tuple[str, ColumnSpec], ...]
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def apply(self, row: dict[str, str], lookups: dict[str, dict[str, str]]
              ) -> tuple[dict[str, str], list[str]]:
        """The canonical row and the reason codes of anything that could not be converted."""
        out: dict[str, str] = {}
        reasons: list[str] = []
        for name, spec in self.columns:
            text, reason = spec.apply(row, lookups)
            out[name] = text
            if reason:
                reasons.append(reason)
        return out, reasons


@dataclass(frozen=True)
class Lookup:
    """A two-column join table read from a file of the snapshot."""

    name: str
    path: str
    key: str
    value: str
    encoding: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file, or the canonical identity mapping."""

    source: str | None
    files: tuple[FileMapping, ...]
    lookups: tuple[Lookup, ...] = ()
    origin: str = "canonical layout"
    canonical: bool = False
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def canonical_mapping() -> Mapping:
    """The identity mapping for a snapshot in the canonical layout (docs/snapshot-format.md)."""
    # No column specs: the file's columns are the canonical ones, taken as they are.
    files = [FileMapping(path=spec.name, table=table, columns=(), format="csv")
             for table, spec in TABLES.items()]
    return Mapping(source=None, files=tuple(files), canonical=True)


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; raise ConfigError naming the file and item on any fault."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"mapping file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"mapping file {path} is not valid YAML: {exc}".splitlines()[0]) from None
    where = str(path)

    def fail(item: str, message: str) -> ConfigError:
        return ConfigError(f"mapping {where}: {item}: {message}")

    if not isinstance(raw, dict):
        raise fail("top level", "expected a mapping with `files:`")
    unknown = set(raw) - {"source", "files", "lookups", "description", "notes"}
    if unknown:
        raise fail("top level", f"unknown key(s) {', '.join(sorted(unknown))}")
    lookups = []
    for name, spec in (raw.get("lookups") or {}).items():
        if not isinstance(spec, dict) or not {"path", "key", "value"} <= set(spec):
            raise fail(f"lookups.{name}", "needs path, key and value")
        lookups.append(Lookup(name=str(name), path=str(spec["path"]), key=str(spec["key"]),
                              value=str(spec["value"]), encoding=spec.get("encoding")))
    lookup_names = {lk.name for lk in lookups}
    files = []
    entries = raw.get("files")
    if not isinstance(entries, list) or not entries:
        raise fail("files", "expected a non-empty list")
    for i, entry in enumerate(entries):
        item = f"files[{i}]"
        if not isinstance(entry, dict):
            raise fail(item, "expected a mapping")
        unknown = set(entry) - {"path", "table", "columns", "format", "encoding", "delimiter", "sheet"}
        if unknown:
            raise fail(item, f"unknown key(s) {', '.join(sorted(unknown))}")
        table = entry.get("table")
        if table not in TABLES:
            raise fail(item, f"table {table!r} is not a canonical table ({', '.join(TABLES)})")
        if not entry.get("path"):
            raise fail(item, "needs a path (file name or glob)")
        allowed = set(TABLES[table].columns)
        columns = []
        for name, spec in (entry.get("columns") or {}).items():
            citem = f"{item}.columns.{name}"
            if name not in allowed:
                raise fail(citem, f"{table} has no column {name!r} ({', '.join(TABLES[table].columns)})")
            columns.append((name, _column_spec(spec, citem, lookup_names, fail)))
        missing = _required_columns(table) - {n for n, _ in columns}
        if missing:
            raise fail(item, f"{table} needs column(s) {', '.join(sorted(missing))}")
        files.append(FileMapping(path=str(entry["path"]), table=table, columns=tuple(columns),
                                 format=entry.get("format"), encoding=entry.get("encoding"),
                                 delimiter=entry.get("delimiter"), sheet=entry.get("sheet")))
    return Mapping(source=raw.get("source"), files=tuple(files), lookups=tuple(lookups),
                   origin=where, notes=str(raw.get("description") or ""))


def _column_spec(spec: Any, item: str, lookup_names: set[str], fail) -> ColumnSpec:
    if isinstance(spec, str):
        return ColumnSpec(column=spec)
    if not isinstance(spec, dict):
        raise fail(item, "expected an input column name or a spec mapping")
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise fail(item, f"unknown key(s) {', '.join(sorted(unknown))}")
    if ("column" in spec) == ("value" in spec):
        raise fail(item, "needs exactly one of `column` or `value`")
    if spec.get("lookup") and spec["lookup"] not in lookup_names:
        raise fail(item, f"lookup {spec['lookup']!r} is not declared under lookups")
    if spec.get("date_format"):
        try:
            dt.datetime(2000, 1, 2).strftime(spec["date_format"])
        except ValueError:
            raise fail(item, f"bad date_format {spec['date_format']!r}") from None
    mapping = spec.get("map") or {}
    if not isinstance(mapping, dict):
        raise fail(item, "`map` must be a mapping of input value to canonical value")
    value = spec.get("value")
    return ColumnSpec(
        column=None if spec.get("column") is None else str(spec["column"]),
        value=None if value is None else _str(value),
        map=tuple((str(k), _str(v)) for k, v in mapping.items()),
        strict=bool(spec.get("strict", False)),
        default=None if spec.get("default") is None else _str(spec["default"]),
        date_format=spec.get("date_format"),
        number=bool(spec.get("number", False)),
        scale=None if spec.get("scale") is None else float(spec["scale"]),
        percent=bool(spec.get("percent", False)),
        lookup=spec.get("lookup"),
    )


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _required_columns(table: str) -> set[str]:
    """Columns a mapping must fill: the keys and the endpoint columns."""
    from creditgraph.loaders.tables import REQUIRED

    return set(REQUIRED.get(table, ()))
