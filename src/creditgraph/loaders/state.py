"""What the previous load of a source looked like: kept beside the graph to diff the next one.

Per graph and source, ``<CREDITGRAPH_HOME>/state/<graph-id>/<source>/current/`` holds
``state.json`` (as_of, run_id, fingerprint, and each table's segments) and Parquet files with
four columns: ``key`` (the row's business key), ``raw`` (a 64-bit hash of the input row as
read), ``values`` (the normalised row as JSON, to rebuild the facts it asserted when it
disappears) and ``khash`` (a 64-bit hash of the key, so that the next load finds a key among
millions without building a Python dict of them).

A table is a list of *segments*: a Parquet file and, when some of its rows are no longer
current, a ``.npy`` mask of the rows that are. A load writes only its new and changed rows
as a new segment and carries the old segments over as hard links with new masks, so a
monthly snapshot with 1% changes rewrites 1% of the state, not all of it (rewriting the
carried rows of a million enterprises took some 3 s a load). When a table has many segments
or many rows that are not current, the load writes its current rows as one segment instead.
A state written before segments (one ``<table>.parquet`` per table) reads as one segment.

The new state replaces the old one only after every write of a load succeeded (a directory
rename), so an interrupted load is diffed against the same previous state when run again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from creditgraph.exc import EngineError

SCHEMA = pa.schema([("key", pa.string()), ("raw", pa.uint64()), ("values", pa.string()),
                    ("khash", pa.uint64())])
#: Parquet options for the state: its strings are nearly all distinct, so dictionary encoding
#: is wasted work, and nothing filters on statistics
_PARQUET = {"compression": "lz4", "use_dictionary": False, "write_statistics": False}


def key_hashes(keys: list[str] | np.ndarray) -> np.ndarray:
    """The ``khash`` of each key (SipHash via pandas: stable across processes and versions)."""
    if not len(keys):
        return np.empty(0, dtype=np.uint64)
    return pd.util.hash_array(np.asarray(keys, dtype=object), categorize=False)


def graph_id(address: str, graph: str) -> str:
    """A folder name for one graph of one engine, so two graphs never share a diff state."""
    return hashlib.sha1(f"{address}|{graph}".encode()).hexdigest()[:16]


#: a table with more segments than this, or with more rows not current than current ones, is
#: written as one segment by the next load
MAX_SEGMENTS = 8


@dataclass(frozen=True)
class Segment:
    """One Parquet file of a table's state and, if not all its rows are current, the ``.npy``
    file of a boolean mask of those that are."""

    file: str
    keep: str | None = None


#: the columns read with a table; ``values`` only when a row's old values are needed
_EAGER = ["key", "raw", "khash"]
_EAGER_SCHEMA = pa.schema([SCHEMA.field(name) for name in _EAGER])


@dataclass
class OldTable:
    """A table's previous rows: every segment's rows one after another, and which are current.

    ``table`` holds the key, raw and khash columns; the values (the largest column by far) are
    read on first use, as most tables of an incremental load have no changed or vanished row
    that needs them.
    """

    table: pa.Table
    alive: np.ndarray
    segments: list[Segment]
    #: rows per segment (the table is their concatenation)
    lengths: list[int]
    folder: Path | None = None
    _values: pa.ChunkedArray | None = None

    @classmethod
    def empty(cls) -> OldTable:
        return cls(_EAGER_SCHEMA.empty_table(), np.zeros(0, dtype=bool), [], [])

    def values(self) -> pa.ChunkedArray:
        """The values column, row for row with ``table``."""
        if self._values is None:
            chunks = [pq.read_table(self.folder / seg.file, columns=["values"]).column("values")
                      for seg in self.segments]
            self._values = pa.chunked_array([c for ch in chunks for c in ch.chunks], pa.string())
        return self._values

    def full(self) -> pa.Table:
        """Every column (SCHEMA), values included."""
        return pa.table({"key": self.table.column("key"), "raw": self.table.column("raw"),
                         "values": self.values(), "khash": self.table.column("khash")},
                        schema=SCHEMA)


@dataclass
class SourceState:
    """The previous load of one source into one graph."""

    folder: Path
    as_of: str | None = None
    run_id: str | None = None
    fingerprint: str | None = None
    #: table -> its segments (None: a state from before segments, one file per table)
    tables: dict[str, list[Segment]] | None = None

    @classmethod
    def open(cls, home: Path, graph_key: str, source: str) -> SourceState:
        """Read the state of ``source`` (empty when it was never loaded into this graph)."""
        folder = home / "state" / graph_key / source
        meta = folder / "current" / "state.json"
        state = cls(folder)
        if meta.is_file():
            data = json.loads(meta.read_text(encoding="utf-8"))
            state.as_of, state.run_id, state.fingerprint = (data.get("as_of"), data.get("run_id"),
                                                            data.get("fingerprint"))
            if "tables" in data:
                state.tables = {name: [Segment(*seg) for seg in segs]
                                for name, segs in data["tables"].items()}
        return state

    @property
    def current(self) -> Path:
        return self.folder / "current"

    def segments(self, name: str) -> list[Segment]:
        """The segments of a canonical table (none if it was never loaded)."""
        if self.tables is not None:
            return list(self.tables.get(name, []))
        legacy = self.current / f"{name}.parquet"
        return [Segment(legacy.name)] if legacy.is_file() else []

    def table(self, name: str) -> OldTable:
        """The previous rows of a canonical table (empty if none)."""
        parts, masks, lengths = [], [], []
        segments = self.segments(name)
        for seg in segments:
            path = self.current / seg.file
            names = pq.read_schema(path).names
            table = pq.read_table(path, columns=[c for c in _EAGER if c in names])
            if "khash" not in names:
                # A state written before khash existed: add it once, the next state keeps it.
                table = table.append_column("khash", pa.array(
                    key_hashes(table.column("key").to_numpy(zero_copy_only=False)), pa.uint64()))
            parts.append(table.select(_EAGER).cast(_EAGER_SCHEMA))
            masks.append(np.load(self.current / seg.keep) if seg.keep else
                         np.ones(table.num_rows, dtype=bool))
            lengths.append(table.num_rows)
        if not parts:
            return OldTable.empty()
        return OldTable(pa.concat_tables(parts), np.concatenate(masks), segments, lengths,
                        self.current)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One load per source at a time."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "load.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise EngineError(f"another load of this source is running ({self.folder})",
                                  hint="wait for it to finish") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def forget(self) -> None:
        """Drop the previous state (the graph no longer holds what it describes)."""
        shutil.rmtree(self.current, ignore_errors=True)
        self.as_of = self.run_id = self.fingerprint = None
        self.tables = None


class StateWriter:
    """Builds the next state in a scratch folder and swaps it in at the end."""

    def __init__(self, state: SourceState, run_id: str) -> None:
        self.state = state
        self.run_id = run_id
        self.scratch = state.folder / f"next-{run_id}"
        # What a killed load left (the caller holds the source's lock, so no load is using it):
        # its hard links would keep old segment files on disk.
        for stale in [*state.folder.glob("next-*"), *state.folder.glob("old-*")]:
            shutil.rmtree(stale, ignore_errors=True)
        self.scratch.mkdir(parents=True)
        self.tables: dict[str, list[Segment]] = {}

    def open_table(self, name: str) -> TableWriter:
        """A writer of table ``name``: its new rows chunk by chunk, then the old rows it keeps."""
        return TableWriter(self, name)

    def keep_table(self, name: str) -> None:
        """Carry a table over unchanged (the snapshot did not include it)."""
        segments = self.state.segments(name)
        for seg in segments:
            for file in (seg.file, seg.keep):
                if file:
                    _link(self.state.current / file, self.scratch / file)
        if segments:
            self.tables[name] = segments

    def commit(self, *, as_of: str, run_id: str, fingerprint: str) -> None:
        """Make the scratch folder the current state, atomically."""
        tables = {name: [[seg.file, seg.keep] for seg in segs] for name, segs in self.tables.items()}
        (self.scratch / "state.json").write_text(json.dumps(
            {"as_of": as_of, "run_id": run_id, "fingerprint": fingerprint, "tables": tables},
            indent=2), encoding="utf-8")
        old = self.state.folder / f"old-{run_id}"
        if self.state.current.exists():
            self.state.current.rename(old)
        self.scratch.rename(self.state.current)
        shutil.rmtree(old, ignore_errors=True)
        self.state.as_of, self.state.run_id, self.state.fingerprint = as_of, run_id, fingerprint
        self.state.tables = dict(self.tables)

    def discard(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    # A hard link: the file is shared by the old and the new state, never written again.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class TableWriter:
    """Writes one table of the next state: a segment of this load's rows, then the old ones."""

    def __init__(self, owner: StateWriter, name: str) -> None:
        self.owner = owner
        self.name = name
        self.file = f"{name}.{owner.run_id}.parquet"
        self._writer: pq.ParquetWriter | None = None
        self._rows = 0

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.owner.scratch / self.file, SCHEMA, **_PARQUET)
        return self._writer

    def write(self, keys: list[str], raws: list[int], values: list[str]) -> None:
        """Rows of this load."""
        if keys:
            self._open().write_table(pa.table({"key": pa.array(keys, pa.string()),
                                               "raw": pa.array(raws, pa.uint64()),
                                               "values": pa.array(values, pa.string()),
                                               "khash": pa.array(key_hashes(keys), pa.uint64())},
                                              schema=SCHEMA))
            self._rows += len(keys)

    def carry(self, old: OldTable, keep: np.ndarray) -> None:
        """Keep the old rows where ``keep`` is true, then close; ``keep`` is per row of
        ``old.table`` and false wherever ``old.alive`` is."""
        segments: list[Segment] = []
        kept = int(keep.sum())
        if len(old.segments) >= MAX_SEGMENTS or kept < (len(keep) - kept):
            # Compact: the kept rows into this load's segment, a slice at a time (a filtered
            # copy of a whole table of millions of rows would double what it takes in memory).
            step = 1 << 18
            table = old.full()
            for lo in range(0, table.num_rows, step):
                part = table.slice(lo, step).filter(pa.array(keep[lo:lo + step]))
                if part.num_rows:
                    self._open().write_table(part)
                    self._rows += part.num_rows
        else:
            lo = 0
            for seg, n in zip(old.segments, old.lengths):
                mask = keep[lo:lo + n]
                lo += n
                if not mask.any():
                    continue
                _link(self.owner.state.current / seg.file, self.owner.scratch / seg.file)
                if mask.all():
                    segments.append(Segment(seg.file))
                else:
                    name = f"{seg.file.removesuffix('.parquet')}.{self.owner.run_id}.keep.npy"
                    np.save(self.owner.scratch / name, mask)
                    segments.append(Segment(seg.file, name))
        if self._writer is not None:
            self._writer.close()
        if self._rows:
            segments.append(Segment(self.file))
        self.owner.tables[self.name] = segments
