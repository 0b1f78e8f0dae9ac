"""One load: read a snapshot, validate, diff against the previous load, write what changed.

For every input file, rows_read = rows_loaded + rows_quarantined + rows_duplicate: a row that
cannot be loaded is written to ``<CREDITGRAPH_HOME>/quarantine/<run_id>/<file>.csv`` with its
line number and reason codes, never dropped.

Speed comes from not doing work twice: a row whose input text is unchanged since the previous
load of the source (same 64-bit hash) is neither parsed nor written again; only new, changed and
vanished rows reach the Python validation and the engine.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import glob
import hashlib
import json
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph import settings
from creditgraph.exc import ConfigError, CreditgraphError, InputError
from creditgraph.graph.base import GraphBackend
from creditgraph.loaders import columnar, readers
from creditgraph.loaders.bulk import BulkWriter
from creditgraph.loaders.mapping import FileMapping, Mapping, canonical_mapping, load_mapping
from creditgraph.loaders.seen import SeenKeys
from creditgraph.loaders.state import OldTable, SourceState, StateWriter, graph_id, key_hashes
from creditgraph.loaders.tables import (
    REL_TABLES,
    TABLE_ORDER,
    Fact,
    NodeFact,
    Normalised,
    RowError,
    facts_of,
    normalise,
)
from creditgraph.loaders.writer import FactWriter, fact_name

#: bump when normalisation or the raw row hash changes, so the next load re-validates every row
NORMALISATION_VERSION = "2"
BATCH_ROWS = 65536
#: rows validated, looked up and settled together (what is held of them at once)
CHUNK_ROWS = 16384
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _values_json(values: dict) -> str:
    """The normalised values of a row as stored in the diff state: JSON, keys sorted (orjson:
    ten times faster than json here, and the state's text is only ever read back as JSON)."""
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()


@dataclass
class FileReport:
    """Counts for one input file."""

    file: str
    table: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_unchanged: int = 0
    quarantine_file: str | None = None
    reasons: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"file": self.file, "table": self.table, "rows_read": self.rows_read,
                "rows_loaded": self.rows_loaded, "rows_quarantined": self.rows_quarantined,
                "rows_duplicate": self.rows_duplicate, "rows_unchanged": self.rows_unchanged,
                "quarantine_file": self.quarantine_file, "reasons": dict(self.reasons)}


@dataclass
class LoadReport:
    """What a load did; ``as_dict()`` is the JSON written by ``--report``."""

    run_id: str
    source: str
    as_of: str
    full_snapshot: bool
    files: list[FileReport] = field(default_factory=list)
    changes: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    seconds: float = 0.0
    status: str = "running"
    previous_as_of: str | None = None
    statements: int = 0
    retries: int = 0
    #: batches sent again with MERGE because a subject expected to exist was missing
    resent: int = 0

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id, "source": self.source, "as_of": self.as_of,
            "full_snapshot": self.full_snapshot, "status": self.status,
            "previous_as_of": self.previous_as_of,
            "rows_read": self.total("rows_read"), "rows_loaded": self.total("rows_loaded"),
            "rows_quarantined": self.total("rows_quarantined"),
            "rows_duplicate": self.total("rows_duplicate"),
            "rows_unchanged": self.total("rows_unchanged"),
            "files": [f.as_dict() for f in self.files],
            "changes": {name: {k: c.get(k, 0) for k in ("added", "updated", "closed")}
                        for name, c in sorted(self.changes.items())},
            "seconds": round(self.seconds, 3),
            "statements": self.statements, "retries": self.retries, "resent": self.resent,
        }


@dataclass(frozen=True)
class InputFile:
    """One file of the snapshot and the mapping entry that reads it."""

    path: Path
    entry: FileMapping


class Progress:
    """Callbacks a front end (the CLI's progress bar) can hook; the default does nothing."""

    def start(self, total_bytes: int) -> None: ...
    def file(self, name: str) -> None: ...
    def advance(self, nbytes: int, rows: int) -> None: ...
    def written(self, rows: int) -> None: ...
    def phase(self, text: str) -> None: ...


#: between the cells of a row when it is hashed (see _raw_hashes)
_CELL_SEP = "\x1f"


def _raw_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash per row of the input as read (column order included).

    The cells are joined into one UTF-8 string per row and hashed as bytes: no Python string
    per cell (pandas' per-column hashing made one, and decoded Chinese text to do so), 2-3x
    faster. A frame with the separator inside a cell escapes its cells and is marked by a
    leading separator, so two different rows never join to the same text.
    """
    if frame.empty:
        return np.empty(0, dtype=np.uint64)
    cols = [columnar.string_column(frame, c) for c in frame.columns]
    # A CSV reader knows whether its file held the separator so far (_csv_frames).
    if not frame.attrs.get("no_cell_sep") and any(
            pc.any(pc.match_substring(c, _CELL_SEP)).as_py() for c in cols):
        cols = [pc.replace_substring(pc.replace_substring(c, "\\", "\\\\"), _CELL_SEP, "\\u")
                for c in cols]
        cols.insert(0, pa.array([""] * len(frame), pa.string()))
    joined = pc.binary_join_element_wise(*cols, _CELL_SEP) if len(cols) > 1 else cols[0]
    return pd.util.hash_array(joined.cast(pa.binary()).to_numpy(zero_copy_only=False),
                              categorize=False)


def _records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The rows as dicts: ``frame.to_dict("records")``, six times faster on Arrow strings."""
    names = list(frame.columns)
    return [dict(zip(names, values)) for values in zip(*[frame[c].tolist() for c in names])]


def _fill_records(records: dict, frame: pd.DataFrame, rows: list[int]) -> None:
    """Add the row dicts of ``rows`` (positions) that ``records`` lacks."""
    need = [i for i in rows if i not in records]
    if need:
        records.update(zip(need, _records(frame.take(need))))


def _changed_records(frame: pd.DataFrame, unchanged: np.ndarray) -> list | dict:
    """Row position -> row dict, for the rows that need parsing (all of them in a first load,
    a few in an incremental one, where building the others would cost more than the rest)."""
    changed = np.flatnonzero(~unchanged)
    if len(changed) > len(frame) // 2:
        return _records(frame)
    if not len(changed):
        return {}
    return dict(zip(changed.tolist(), _records(frame.take(changed))))


#: what row_outcomes gives for a row: its reasons for quarantine, or (normalised row, its
#: values as stored in the diff state, a 64-bit digest of them: Python's hash of that text,
#: only ever compared within one load)
Outcome = list[str] | tuple[Normalised, str, int]


def row_outcomes(table: str, entry: FileMapping, records: list | dict, rows: list[int],
                 undecodable: np.ndarray | None, lookups: dict[str, dict[str, str]],
                 source: str) -> list[Outcome]:
    """Validate and normalise ``records[i]`` for each ``i`` of ``rows`` (mapping applied first).

    A pure function of each row: the loader settles duplicates, old rows and writes afterwards,
    in input order.
    """
    out: list[Outcome] = []
    append = out.append
    mapped = entry.columns != ()
    for i in rows:
        row = records[i]
        if undecodable is not None and undecodable[i]:
            append(["encoding:undecodable bytes"])
            continue
        if mapped:
            row, reasons = entry.apply(row, lookups)
            if reasons:
                append(reasons)
                continue
        try:
            norm = normalise(table, row, source)
        except RowError as err:
            append(err.reasons)
            continue
        values_json = _values_json(norm.values)
        append((norm, values_json, hash(values_json)))
    return out


class _OldRows:
    """The previous load's rows of one table (the diff state), found by key.

    Keys are looked up through their 64-bit ``khash`` in a pandas index, a few arrays instead of
    a Python dict holding millions of key strings; a hit is confirmed against the stored key.
    """

    def __init__(self, old: OldTable) -> None:
        self.old = old
        self.table = old.table
        self.n = old.table.num_rows
        #: which rows are current (the others are kept in a segment file, not in the state)
        self.alive = old.alive
        self.raw = self.table.column("raw").to_numpy()
        self._keys = self.table.column("key")
        self._pos: pd.Series | None = None

    def current(self) -> np.ndarray:
        """The positions of the current rows."""
        return np.flatnonzero(self.alive)

    def _positions(self) -> pd.Series:
        if self._pos is None:
            rows = self.current()
            pos = pd.Series(rows, index=self.table.column("khash").to_numpy()[rows])
            self._pos = pos[~pos.index.duplicated(keep="last")]  # the last row of a key wins
        return self._pos

    def find(self, keys: list[str]) -> list[int | None]:
        """The old row of each key, or None."""
        out: list[int | None] = [None] * len(keys)
        if not self.n or not keys:
            return out
        pos = self._positions().reindex(key_hashes(keys)).to_numpy()
        hits = np.flatnonzero(~np.isnan(pos))
        if len(hits):
            rows = pos[hits].astype(np.int64)
            for k, j, stored in zip(hits.tolist(), rows.tolist(), self.keys_at(rows)):
                out[k] = j if stored == keys[k] else self._scan(keys[k])
        return out

    def _scan(self, key: str) -> int | None:
        # Two keys with one 64-bit hash (a chance of 2^-64 a pair): find this one the slow way.
        rows = np.flatnonzero(pc.equal(self._keys, key).to_numpy(zero_copy_only=False) & self.alive)
        return int(rows[-1]) if len(rows) else None

    def keys_at(self, rows: np.ndarray) -> list[str]:
        """The keys of the given rows."""
        if not len(rows):
            return []
        return self._keys.take(pa.array(rows, pa.int64())).to_pylist()

    def values(self, row: int) -> dict:
        """The normalised values of one old row."""
        return orjson.loads(self.old.values()[row].as_py())

    def taken(self, seen: SeenKeys) -> np.ndarray:
        """For each old row, whether its key was taken by a row of this load."""
        out = np.zeros(self.n, dtype=bool)
        if not self.n:
            return out
        rows = np.flatnonzero(seen.candidates(self.table.column("khash").to_numpy()) & self.alive)
        out[rows] = seen.contains(self.keys_at(rows))
        extra = seen.extra_keys()
        if extra:
            out |= pc.is_in(self._keys, value_set=pa.array(extra, pa.string())).to_numpy(
                zero_copy_only=False).astype(bool) & self.alive
        return out


def resolve_inputs(root: Path, mapping: Mapping) -> list[InputFile]:
    """The snapshot's files in write order, each with its mapping entry."""
    if not root.exists():
        raise InputError("no such file or folder", file=str(root))
    found: list[InputFile] = []
    for entry in mapping.files:
        if root.is_file():
            matches = [root] if mapping.canonical is False and len(mapping.files) == 1 else (
                [root] if glob.fnmatch.fnmatch(root.name, entry.path) else [])
        else:
            matches = sorted(Path(p) for p in glob.glob(str(root / entry.path)))
        if not matches and not mapping.canonical:
            raise InputError(f"mapping {mapping.origin} names {entry.path!r}, which matches no file",
                             file=str(root))
        for match in matches:
            if not match.is_file():
                raise InputError("cannot read: not a regular file (or a broken link)", file=str(match))
        found += [InputFile(m, entry) for m in matches]
    order = {t: i for i, t in enumerate(TABLE_ORDER)}
    found.sort(key=lambda f: order[f.entry.table])
    if not found:
        raise InputError("no snapshot files found (expected the canonical layout, see "
                         "docs/snapshot-format.md, or a --mapping)", file=str(root))
    return found


def _frames(path: Path, entry: FileMapping, encoding: str | None,
            invalid: list[tuple[int, str, dict]]
            ) -> Iterator[tuple[pd.DataFrame, np.ndarray, np.ndarray | None]]:
    """Batches of the file as string DataFrames, with each row's record number (header = 1)
    and, when some bytes could not be decoded, which rows hold them."""
    fmt = entry.format or readers.detect_format(path)
    if not path.is_file():
        raise InputError("cannot read: not a regular file", file=str(path))
    if fmt in ("csv", "tsv"):
        yield from _csv_frames(path, fmt, entry, encoding, invalid)
        return
    batch: list[dict[str, str]] = []
    numbers: list[int] = []
    for record in readers.iter_records(path, fmt=fmt, encoding=encoding or entry.encoding,
                                       sheet=entry.sheet):
        if record.problem:
            invalid.append((record.line, record.problem, record.values))
            continue
        batch.append(record.values)
        numbers.append(record.line)
        if len(batch) >= BATCH_ROWS:
            yield pd.DataFrame(batch, dtype=str).fillna(""), np.array(numbers), None
            batch, numbers = [], []
    if batch:
        yield pd.DataFrame(batch, dtype=str).fillna(""), np.array(numbers), None


def _csv_frames(path: Path, fmt: str, entry: FileMapping, encoding: str | None,
                invalid: list[tuple[int, str, dict]]
                ) -> Iterator[tuple[pd.DataFrame, np.ndarray, np.ndarray | None]]:
    import pyarrow.csv as pacsv

    try:
        enc = readers.check_encoding(encoding or entry.encoding or readers.detect_encoding(path), path)
        delimiter = "\t" if fmt == "tsv" else (entry.delimiter or ",")
        quoting = csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL
        with open(path, encoding=enc, errors="replace", newline="") as fh:
            header = next(csv.reader(fh, delimiter=delimiter, quoting=quoting), None)
        stream = readers.Utf8Stream(path, enc)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    if header is None:
        stream.close()
        return
    names = readers._clean_header(header)
    bad: set[int] = set()

    def on_invalid(row) -> str:
        if row.text.strip():
            bad.add(row.number)
            fields = next(csv.reader([row.text], delimiter=delimiter, quoting=quoting), [])
            # Every header column, so that the quarantine file's header is the input's own.
            values = {name: (fields[i] if i < len(fields) else "") for i, name in enumerate(names)}
            if len(fields) > len(names):
                values["_extra"] = delimiter.join(fields[len(names):])
            invalid.append((row.number, f"field_count:expected {len(names)}, got {row.actual_columns}",
                            values))
        return "skip"

    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24, encoding="utf8",
                                       column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                         newlines_in_values=True, ignore_empty_lines=True,
                                         quote_char=False if fmt == "tsv" else '"'),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False,
                                             quoted_strings_can_be_null=False))
    record = 2  # record numbers as pyarrow counts them: the header is record 1
    try:
        for batch in reader:
            frame = batch.to_pandas()
            n = len(frame)
            if bad:
                # The parser may report invalid rows of blocks it has read ahead: skip exactly
                # the numbers that are bad, whichever batch they were reported with.
                numbers = np.empty(n, dtype=np.int64)
                for i in range(n):
                    while record in bad:
                        record += 1
                    numbers[i] = record
                    record += 1
            else:
                numbers = np.arange(record, record + n, dtype=np.int64)
                record += n
            frame.attrs["no_cell_sep"] = not stream.unit_separator
            undecodable = None
            if stream.replaced:
                undecodable = frame.apply(
                    lambda col: col.str.contains("\ufffd", regex=False)).any(axis=1).to_numpy()
            yield frame, numbers, undecodable
    finally:
        stream.close()


def exact_lines(path: Path, encoding: str, delimiter: str, records: set[int]) -> dict[int, int]:
    """Physical line numbers of the given record numbers (a quoted field may span lines)."""
    out: dict[int, int] = {}
    if not records:
        return out
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        number = 0
        start = 1
        for fields in reader:
            if fields:
                number += 1
                if number in records:
                    out[number] = start
            start = reader.line_num + 1
    return out


class Loader:
    """Loads one snapshot of one source into one graph."""

    def __init__(self, backend: GraphBackend, *, home: Path | None = None,
                 progress: Progress | None = None, batch_size: int | None = None) -> None:
        self.backend = backend
        self.home = Path(home or settings.HOME)
        self.progress = progress or Progress()
        self.batch_size = batch_size

    def load(self, path: Path, *, mapping_file: Path | None = None, source: str | None = None,
             as_of: str | None = None, force: bool = False, encoding: str | None = None,
             full: bool | None = None) -> LoadReport:
        """Load ``path`` (a snapshot folder or a file) and return the report."""
        started = time.perf_counter()
        path = Path(path)
        mapping = load_mapping(mapping_file) if mapping_file else canonical_mapping()
        manifest = _manifest(path)
        source = source or mapping.source or manifest.get("source")
        if not source:
            raise ConfigError("no source name: pass --source NAME (or put `source:` in the mapping)")
        if not _SOURCE.match(source):
            raise ConfigError(f"source name {source!r} may hold only letters, digits, '.', '_', '-'")
        as_of = as_of or manifest.get("as_of")
        if not as_of:
            raise ConfigError("no snapshot date: pass --as-of YYYY-MM-DD")
        try:
            as_of = dt.date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise ConfigError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        full = manifest.get("full_snapshot", True) if full is None else full
        inputs = resolve_inputs(path, mapping)
        _check_manifest_rows(manifest, inputs)
        self.backend.bootstrap_schema()
        address = str(self.backend.describe().get("address", self.backend.kind))
        state = SourceState.open(self.home, graph_id(address, getattr(self.backend, "graph_name",
                                                                      settings.GRAPH)), source)
        with state.locked(), _collector_paused():
            return self._load_locked(path, inputs, mapping, state, source, as_of, force, encoding,
                                     bool(full), started)

    def _load_locked(self, path, inputs, mapping, state: SourceState, source, as_of, force,
                     encoding, full, started) -> LoadReport:
        if state.run_id and not self._run_exists(state.run_id):
            # The graph was emptied or replaced since: diffing against it would skip real work.
            state.forget()
        if state.as_of and as_of < state.as_of and not force:
            raise InputError(f"snapshot {as_of} is older than the last load of {source!r} "
                             f"({state.as_of})", hint="pass --force to load it anyway")
        run_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        report = LoadReport(run_id, source, as_of, full, previous_as_of=state.as_of)
        fingerprint = _fingerprint(mapping, inputs)
        same_shape = state.fingerprint == fingerprint
        self._record_run(report, started_at=_now())
        quarantine = _Quarantine(self.home / "quarantine" / run_id)
        # Into an empty graph no relationship can exist yet, so CREATE them (much cheaper than
        # MERGE). Interrupted, such a load leaves a non-empty graph: the next run uses MERGE.
        create = self._graph_is_empty()
        if create and self.backend.supports_bulk and settings.LOAD_BULK == "on":
            writer = BulkWriter(self.backend, source=source, as_of=as_of, run_id=run_id,
                                batch_size=self.batch_size, on_written=self.progress.written)
        else:
            writer = FactWriter(self.backend, source=source, as_of=as_of, run_id=run_id,
                                batch_size=self.batch_size, on_written=self.progress.written,
                                create=create)
        next_state = StateWriter(state, run_id)
        lookups = _read_lookups(path, mapping, encoding)
        self.progress.start(sum(f.path.stat().st_size for f in inputs))
        try:
            by_table: dict[str, list[InputFile]] = defaultdict(list)
            for item in inputs:
                by_table[item.entry.table].append(item)
            for table in TABLE_ORDER:
                if table not in by_table:
                    next_state.keep_table(table)
                    continue
                writer.begin_table(table)
                self._load_table(table, by_table[table], state, same_shape, lookups, encoding,
                                 source, as_of, full, writer, next_state, quarantine, report)
                writer.end_table(table)
            self.progress.phase("writing")
            writer.close()
        except BaseException:
            writer.abort()
            next_state.discard()
            quarantine.close()
            report.status = "failed"
            report.seconds = time.perf_counter() - started
            try:
                self._record_run(report, finished_at=_now())
            except CreditgraphError:
                pass
            raise
        quarantine.close()
        self._fix_quarantine_lines(quarantine, report, encoding)
        next_state.commit(as_of=as_of, run_id=run_id, fingerprint=fingerprint)
        report.status = "done"
        report.statements, report.retries = writer.statements, writer.retries
        report.resent = writer.resent
        report.seconds = time.perf_counter() - started
        self._record_run(report, finished_at=_now())
        runs = self.home / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        (runs / f"{run_id}.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False,
                                                        indent=2), encoding="utf-8")
        return report

    # -- one canonical table -----------------------------------------------------------------

    def _load_table(self, table, items, state: SourceState, same_shape, lookups, encoding, source,
                    as_of, full, writer: FactWriter | BulkWriter, next_state: StateWriter,
                    quarantine: _Quarantine, report: LoadReport) -> None:
        old = _OldRows(state.table(table) if state.run_id else OldTable.empty())
        raw_to_old = None
        if same_shape and old.n:
            current = old.current()
            raw_to_old = pd.Series(current, index=old.raw[current])
        if raw_to_old is not None:
            raw_to_old = raw_to_old[~raw_to_old.index.duplicated()]
        # Keys of new and changed rows, with the digest of their normalised values; a key of an
        # unchanged row is known by its old row instead (kept_old), not stored again.
        seen = SeenKeys()
        kept_old = np.zeros(old.n, dtype=bool)  # unchanged rows carried over
        claimed_old = np.zeros(old.n, dtype=bool)  # old rows whose key a changed row took
        # For the frame being read: old row -> the position of the unchanged row that would keep
        # it (-1: none), so that a changed row with the same key knows which came first.
        keeper = np.full(old.n, -1, dtype=np.int64)
        # New and changed rows go to the next state in chunks, so memory does not grow with them.
        fresh = next_state.open_table(table)
        new_keys: list[str] = []
        new_raw: list[int] = []
        new_values: list[str] = []
        changes = report.changes
        fast_lane = isinstance(writer, BulkWriter) and not old.n and table in REL_TABLES
        for item in items:
            file_report = FileReport(str(item.path.name), table)
            report.files.append(file_report)
            self.progress.file(item.path.name)
            invalid: list[tuple[int, str, dict]] = []
            seen_raw: set[int] = set()
            for frame, numbers, undecodable in _frames(item.path, item.entry, encoding, invalid):
                for number, problem, values in invalid:
                    file_report.rows_read += 1
                    self._quarantine(quarantine, item, file_report, number, values, [problem])
                invalid.clear()
                self._check_columns(item, frame)
                hashes = _raw_hashes(frame)
                file_report.rows_read += len(frame)
                self.progress.advance(0, len(frame))
                unchanged = np.zeros(len(frame), dtype=bool)
                if raw_to_old is not None:
                    pos = raw_to_old.reindex(hashes).to_numpy()
                    unchanged = ~np.isnan(pos)
                # Relationship rows of a first bulk build: checked and encoded a column at a
                # time first; rows those checks do not clear take the row path below.
                lane = (columnar.relationship_rows(table, frame)
                        if fast_lane and not item.entry.columns and undecodable is None else None)
                records = {} if lane is not None else _changed_records(frame, unchanged)
                # Unchanged rows, all at once: the first row of each old row is kept unless an
                # earlier row kept it already or a changed row took its key; the rest are
                # duplicates. (An unchanged row's raw hash is an old row's, a changed row's never
                # is, so the two kinds meet only through keys, settled in the loop below.)
                rows_u = np.flatnonzero(unchanged)
                olds_u = pos[rows_u].astype(np.int64) if len(rows_u) else rows_u
                first = np.zeros(len(rows_u), dtype=bool)
                first[np.unique(olds_u, return_index=True)[1]] = True
                candidate = first & ~kept_old[olds_u] & ~claimed_old[olds_u]
                keeper[olds_u[candidate]] = rows_u[candidate]
                # The changed rows, a chunk at a time: validated and normalised first (a pure
                # function of each row), their keys looked up among the old rows and among those
                # taken before all at once, then settled in order.
                changed = np.flatnonzero(~unchanged).tolist()
                # Plain lists: indexing numpy arrays row by row costs more than the loop body.
                raws = hashes.tolist()
                for lo in range(0, len(changed), CHUNK_ROWS):
                    part = changed[lo:lo + CHUNK_ROWS]
                    if lane is not None:
                        part, outcomes = self._settle_fast(
                            lane, part, frame, hashes, records, seen_raw, seen, table, item,
                            lookups, source, writer, file_report, changes,
                            (new_keys, new_raw, new_values))
                    else:
                        outcomes = row_outcomes(table, item.entry, records, part, undecodable,
                                                lookups, source)
                    valid = [k for k, o in enumerate(outcomes) if type(o) is tuple]
                    valid_keys = [outcomes[k][0].key for k in valid]
                    seen.prepare(valid_keys)
                    slot = [-1] * len(outcomes)
                    old_of: list[int | None] = [None] * len(outcomes)
                    for n, (k, j) in enumerate(zip(valid, old.find(valid_keys))):
                        old_of[k] = j
                        slot[k] = n
                    for k, i in enumerate(part):
                        raw = raws[i]
                        if raw in seen_raw:
                            file_report.rows_duplicate += 1
                            continue
                        seen_raw.add(raw)
                        outcome = outcomes[k]
                        if type(outcome) is list:
                            self._quarantine(quarantine, item, file_report, int(numbers[i]),
                                             records[i], outcome)
                            continue
                        norm, values_json, digest = outcome
                        j = old_of[k]
                        before = seen.get(norm.key, slot[k])
                        # An unchanged row that kept this key, earlier in this frame or before
                        # it, counts as a row with other values.
                        kept_before = j is not None and (bool(kept_old[j]) and before is None
                                                         or -1 < keeper[j] < i)
                        if before is not None or kept_before:
                            if before == digest:
                                file_report.rows_duplicate += 1
                            else:
                                self._quarantine(
                                    quarantine, item, file_report, int(numbers[i]), records[i],
                                    [("duplicate_key:another row of this snapshot has the same "
                                      "key with other values")])
                            continue
                        seen.add(norm.key, digest)
                        if j is not None:
                            claimed_old[j] = True
                            keeper[j] = -1  # a later unchanged row with this key is a duplicate
                        file_report.rows_loaded += 1
                        new_facts = facts_of(table, norm.values, source, norm.ends)
                        if j is not None:
                            old_values = old.values(j)
                            if old_values == norm.values:
                                # Same content under another raw form (spacing, encoding): no
                                # write.
                                kept_old[j] = True
                                file_report.rows_unchanged += 1
                                continue
                            old_facts = facts_of(table, old_values, source)
                            self._diff_facts(old_facts, new_facts, writer, changes)
                        else:
                            for fact in new_facts:
                                changes[fact_name(fact)]["added"] += 1
                            writer.upsert(new_facts)
                        new_keys.append(norm.key)
                        new_raw.append(raw)
                        new_values.append(values_json)
                        if len(new_keys) >= BATCH_ROWS:
                            fresh.write(new_keys, new_raw, new_values)
                            new_keys, new_raw, new_values = [], [], []
                    seen.end_chunk()
                    if len(new_keys) >= BATCH_ROWS:
                        fresh.write(new_keys, new_raw, new_values)
                        new_keys, new_raw, new_values = [], [], []
                writer.flush_if_idle()
                kept = olds_u[candidate]
                kept = kept[keeper[kept] >= 0]  # not taken by a changed row after all
                keeper[olds_u] = -1
                kept_old[kept] = True
                file_report.rows_loaded += len(kept)
                file_report.rows_unchanged += len(kept)
                file_report.rows_duplicate += len(rows_u) - len(kept)
            for number, problem, values in invalid:
                file_report.rows_read += 1
                self._quarantine(quarantine, item, file_report, number, values, [problem])
        # Rows of the previous snapshot that this one no longer holds.
        candidates = np.flatnonzero(~kept_old & old.alive)
        vanished = candidates[~seen.contains(old.keys_at(candidates))].tolist()
        if full and vanished:
            self.progress.phase(f"closing {len(vanished)} {table}")
            for i in vanished:
                old_values = old.values(i)
                facts = facts_of(table, old_values, source)
                extra = {}
                if table == "list_entries":
                    extra[old_values["id"]] = _closed_entry(old_values, as_of)
                writer.close_facts(facts, extra)
                for fact in facts:
                    changes[fact_name(fact)]["closed"] += 1
        keep = kept_old if full else (kept_old | ~old.taken(seen)) & old.alive
        fresh.write(new_keys, new_raw, new_values)
        fresh.carry(old.old, keep)

    def _settle_fast(self, lane: columnar.FastRows, part: list[int], frame: pd.DataFrame,
                     hashes: np.ndarray, records: dict, seen_raw: set[int], seen: SeenKeys, table,
                     item: InputFile, lookups, source, writer: BulkWriter, file_report: FileReport,
                     changes: dict[str, Counter], fresh_rows: tuple[list, list, list]
                     ) -> tuple[list[int], list[Outcome]]:
        """Settle the fast rows of a chunk (``columnar``) that meet no other row: a raw text
        and a key that no other row of the chunk has and none before it took. Such a row is
        loaded whatever the order, so these are written all at once. The other rows, with their
        outcomes from the row path, are returned in input order for the sequential settling."""
        at = np.asarray(part, dtype=np.int64)
        is_fast = lane.fast[at]
        fast = at[is_fast]
        slow = at[~is_fast].tolist()
        _fill_records(records, frame, slow)
        slow_out = row_outcomes(table, item.entry, records, slow, None, lookups, source)
        raws = hashes[at]
        uniq, counts = np.unique(raws, return_counts=True)
        clash = np.isin(raws[is_fast], uniq[counts > 1])
        fast_raws = hashes[fast].tolist()
        if seen_raw:
            clash |= np.array([h in seen_raw for h in fast_raws], dtype=bool)
        keys = lane.keys[fast]
        slow_keys = [o[0].key for o in slow_out if type(o) is tuple]
        every = pd.Index(np.concatenate([keys, np.array(slow_keys, dtype=object)]))
        clash |= every.duplicated(keep=False)[:len(keys)]
        clash |= seen.contains(keys.tolist())
        hard = fast[clash].tolist()
        rest = slow + hard
        outcomes = slow_out
        if hard:
            _fill_records(records, frame, hard)
            outcomes = slow_out + row_outcomes(table, item.entry, records, hard, None, lookups,
                                               source)
        sel = fast[~clash]
        if len(sel):
            values = lane.values[sel].tolist()
            sel_keys = keys[~clash].tolist()
            seen.add_many(sel_keys, [hash(v) for v in values])
            sel_raws = hashes[sel].tolist()
            seen_raw.update(sel_raws)
            file_report.rows_loaded += len(sel)
            changes[lane.rel_type]["added"] += len(sel)
            writer.add_edges(lane.rel_type, columnar.LABELS, lane.start_labels[sel].tolist(),
                             lane.start_values[sel].tolist(), lane.end_labels[sel].tolist(),
                             lane.end_values[sel].tolist(),
                             [lane.names[p] for p in lane.pattern[sel].tolist()],
                             lane.data[sel].tolist(), lambda i, side: lane.ref(int(sel[i]), side))
            new_keys, new_raw, new_values = fresh_rows
            new_keys += sel_keys
            new_raw += sel_raws
            new_values += values
        if hard:
            order = sorted(range(len(rest)), key=rest.__getitem__)
            return [rest[k] for k in order], [outcomes[k] for k in order]
        return rest, outcomes

    @staticmethod
    def _check_columns(item: InputFile, frame: pd.DataFrame) -> None:
        """A column the mapping reads (or a canonical key column) missing from the file is a
        mistake to report, not a column of empty values."""
        from creditgraph.loaders.tables import REQUIRED

        if item.entry.columns:
            needed = {spec.column for _, spec in item.entry.columns if spec.column}
        else:
            needed = set(REQUIRED.get(item.entry.table, ()))
        missing = sorted(needed - set(frame.columns))
        if missing:
            raise InputError(f"no column {', '.join(repr(m) for m in missing)} in the header "
                             f"(it has: {', '.join(frame.columns)})", file=str(item.path), line=1)

    @staticmethod
    def _diff_facts(old_facts: list[Fact], new_facts: list[Fact], writer: FactWriter,
                    changes: dict[str, Counter]) -> None:
        def ident(f: Fact):
            if isinstance(f, NodeFact):
                return ("n", f.ref.labels, f.ref.value)
            return ("r", f.type, f.start.value, f.end.value, f.key)

        old_by = {ident(f): f for f in old_facts}
        new_by = {ident(f): f for f in new_facts}
        gone = [f for k, f in old_by.items() if k not in new_by]
        writer.close_facts(gone)
        for fact in gone:
            changes[fact_name(fact)]["closed"] += 1
        for key, fact in new_by.items():
            if key not in old_by:
                changes[fact_name(fact)]["added"] += 1
            elif old_by[key] != fact:
                changes[fact_name(fact)]["updated"] += 1
        # Only what changed is written: the facts of the row that stayed the same are in the
        # graph already (at a million enterprises each MERGE costs the engine ~40 us, and a
        # changed row asserts up to four facts, most of them unchanged).
        writer.upsert([f for f in new_facts if old_by.get(ident(f)) != f])

    def _quarantine(self, quarantine: _Quarantine, item: InputFile, report: FileReport,
                    number: int, row: dict, reasons: list[str]) -> None:
        report.rows_quarantined += 1
        for reason in reasons:
            report.reasons[reason.split(":", 1)[0]] += 1
        report.quarantine_file = str(quarantine.add(item.path, number, row, reasons))

    def _fix_quarantine_lines(self, quarantine: _Quarantine, report: LoadReport,
                              encoding: str | None) -> None:
        """Replace record numbers by physical line numbers in the quarantine files."""
        for path, written in quarantine.files.items():
            fmt = readers.detect_format(path)
            if fmt not in ("csv", "tsv"):
                continue
            enc = encoding or readers.detect_encoding(path)
            lines = exact_lines(path, enc, "\t" if fmt == "tsv" else ",", set(written.records))
            quarantine.rewrite_lines(path, lines)

    # -- load history ------------------------------------------------------------------------

    def _graph_is_empty(self) -> bool:
        rows = self.backend.read("MATCH (n) WHERE NOT n:LoadRun RETURN n.sid AS s LIMIT 1")
        return not rows

    def _run_exists(self, run_id: str) -> bool:
        rows = self.backend.read("MATCH (r:LoadRun {run_id: $id}) RETURN count(r) AS c", {"id": run_id})
        return bool(rows and rows[0]["c"])

    def _record_run(self, report: LoadReport, **times: str) -> None:
        summary = report.as_dict()
        props = {"source": report.source, "as_of": report.as_of, "full_snapshot": report.full_snapshot,
                 "status": report.status, "rows": summary["rows_read"],
                 "loaded": summary["rows_loaded"], "quarantined": summary["rows_quarantined"],
                 "duplicates": summary["rows_duplicate"], "seconds": summary["seconds"],
                 "changes": json.dumps(summary["changes"], ensure_ascii=False)}
        props.update(times)
        self.backend.write("MERGE (r:LoadRun {run_id: $id}) SET r += $props",
                           {"id": report.run_id, "props": props})


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Run without Python's cyclic garbage collector.

    A load allocates millions of small objects (row dicts, facts, encoded blobs) while it keeps
    a large heap (the bulk build's id map, the diff state): the collector's passes over that
    heap took a fifth of a first load's CPU. The loader's per-row objects form no cycles
    (reference counting frees them), so peak memory is the same without it. What the load
    leaves alive (the identifier caches) is long-lived: it goes to the permanent generation,
    so that neither a collection now nor later ones scan it (a full collection here took
    1.3 s at 100,000 enterprises).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    except BaseException:
        gc.enable()  # what a failed load leaves behind is garbage to collect, not to keep
        raise
    gc.freeze()
    gc.enable()


def _closed_entry(values: dict, as_of: str) -> dict:
    """A list entry that vanished from its list: expired if its end date passed, else repaired."""
    end = values.get("end_date")
    if end and end <= as_of:
        return {"status": "expired"}
    return {"status": "repaired", "repaired_date": as_of}


def _fingerprint(mapping: Mapping, inputs: list[InputFile]) -> str:
    """Changes when the mapping or the normalisation does: raw hashes then mean nothing."""
    text = json.dumps([NORMALISATION_VERSION, settings.PID_KEY,
                       [repr(f) for f in mapping.files], [repr(lk) for lk in mapping.lookups]])
    return hashlib.sha1(text.encode()).hexdigest()


def _manifest(path: Path) -> dict:
    from creditgraph.synth.layout import MANIFEST

    candidate = (path / MANIFEST) if path.is_dir() else None
    if candidate is None or not candidate.is_file():
        return {}
    try:
        return json.loads(candidate.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=str(candidate), line=exc.lineno) from None


def _check_manifest_rows(manifest: dict, inputs: list[InputFile]) -> None:
    """Refuse, before writing anything, a file with fewer lines than its manifest's row count:
    it was cut short in transfer. (A quoted field may span lines, so more lines are fine.)"""
    expected = {f.get("name"): f.get("rows") for f in manifest.get("files", []) if isinstance(f, dict)}
    for item in inputs:
        rows = expected.get(item.path.name)
        if not isinstance(rows, int):
            continue
        lines = 0
        last = b"\n"
        with open(item.path, "rb") as fh:
            while chunk := fh.read(1 << 24):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        lines += last != b"\n"
        if lines - 1 < rows:
            raise InputError(f"has {max(lines - 1, 0)} data lines but manifest.json says {rows} rows: "
                             "the file is truncated", file=str(item.path),
                             hint="copy the snapshot again")


def _read_lookups(root: Path, mapping: Mapping, encoding: str | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    base = root if root.is_dir() else root.parent
    for lookup in mapping.lookups:
        path = base / lookup.path
        table: dict[str, str] = {}
        for record in readers.iter_records(path, encoding=lookup.encoding or encoding):
            if record.problem:
                raise InputError(f"lookup {lookup.name!r}: {record.problem}", file=str(path),
                                 line=record.line)
            if lookup.key not in record.values or lookup.value not in record.values:
                raise InputError(f"lookup {lookup.name!r} needs columns {lookup.key!r} and "
                                 f"{lookup.value!r}", file=str(path), line=record.line)
            key = record.values[lookup.key].strip()
            if key and key not in table:
                table[key] = record.values[lookup.value].strip()
        out[lookup.name] = table
    return out


def _now() -> str:
    # Milliseconds: two loads of a small snapshot start within one second, and the load history
    # is listed by start time.
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class _QFile:
    handle: object
    writer: object
    columns: list[str]
    records: list[int] = field(default_factory=list)


class _Quarantine:
    """Writes rejected rows, with line and reasons, one CSV per input file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[Path, _QFile] = {}

    def add(self, source: Path, line: int, row: dict, reasons: list[str]) -> Path:
        q = self.files.get(source)
        target = self.folder / f"{source.name}.csv"
        if q is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(target, "w", encoding="utf-8-sig", newline="")
            writer = csv.writer(handle)
            columns = [c for c in row if c != "_extra"]
            # A last column keeps what does not fit the header (cells past its end, keys the
            # first row lacked), so the file stays rectangular and loses nothing.
            writer.writerow(["line", "reasons", *columns, "_extra"])
            q = self.files[source] = _QFile(handle, writer, columns)
        extra = [str(row["_extra"])] if row.get("_extra") else []
        extra += [f"{k}={row[k]}" for k in row if k not in q.columns and k != "_extra"]
        values = [row.get(c, "") for c in q.columns] + ["; ".join(extra)]
        q.writer.writerow([line, ";".join(reasons), *values])
        q.records.append(line)
        return target

    def close(self) -> None:
        for q in self.files.values():
            if not q.handle.closed:
                q.handle.close()

    def rewrite_lines(self, source: Path, lines: dict[int, int]) -> None:
        target = self.folder / f"{source.name}.csv"
        with open(target, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            row[0] = str(lines.get(int(row[0]), row[0]))
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)


Callback = Callable[[int], None]
