"""What the previous load of a source looked like: kept beside the graph to diff the next one.

Per graph and source, ``<CREDITGRAPH_HOME>/state/<graph-id>/<source>/`` holds ``state.json``
(as_of, run_id, fingerprint) and one Parquet file per canonical table with four columns:
``key`` (the row's business key), ``raw`` (a 64-bit hash of the input row as read),
``values`` (the normalised row as JSON, to rebuild the facts it asserted when it disappears)
and ``khash`` (a 64-bit hash of the key, so that the next load finds a key among millions
without building a Python dict of them).

The new state replaces the old one only after every write of a load succeeded (a directory
rename), so an interrupted load is diffed against the same previous state when run again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
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


@dataclass
class SourceState:
    """The previous load of one source into one graph."""

    folder: Path
    as_of: str | None = None
    run_id: str | None = None
    fingerprint: str | None = None

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
        return state

    @property
    def current(self) -> Path:
        return self.folder / "current"

    def table(self, name: str) -> pa.Table:
        """The previous rows of a canonical table (empty if none)."""
        path = self.current / f"{name}.parquet"
        if not path.is_file():
            return SCHEMA.empty_table()
        table = pq.read_table(path)
        if "khash" not in table.column_names:
            # A state written before khash existed: add it once, the next state keeps it.
            table = table.append_column("khash", pa.array(
                key_hashes(table.column("key").to_numpy(zero_copy_only=False)), pa.uint64()))
        return table.select(SCHEMA.names).cast(SCHEMA)

    def has_table(self, name: str) -> bool:
        return (self.current / f"{name}.parquet").is_file()

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


class StateWriter:
    """Builds the next state in a scratch folder and swaps it in at the end."""

    def __init__(self, state: SourceState, run_id: str) -> None:
        self.state = state
        self.scratch = state.folder / f"next-{run_id}"
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir(parents=True)

    def write_table(self, name: str, table: pa.Table) -> None:
        pq.write_table(table.cast(SCHEMA), self.scratch / f"{name}.parquet", **_PARQUET)

    def open_table(self, name: str) -> "TableWriter":
        """A writer that appends rows of table ``name`` chunk by chunk."""
        return TableWriter(self.scratch / f"{name}.parquet")

    def keep_table(self, name: str) -> None:
        """Carry a table over unchanged (the snapshot did not include it)."""
        old = self.state.current / f"{name}.parquet"
        if old.is_file():
            shutil.copy2(old, self.scratch / f"{name}.parquet")

    def commit(self, *, as_of: str, run_id: str, fingerprint: str) -> None:
        """Make the scratch folder the current state, atomically."""
        (self.scratch / "state.json").write_text(json.dumps(
            {"as_of": as_of, "run_id": run_id, "fingerprint": fingerprint}, indent=2), encoding="utf-8")
        old = self.state.folder / f"old-{run_id}"
        if self.state.current.exists():
            self.state.current.rename(old)
        self.scratch.rename(self.state.current)
        shutil.rmtree(old, ignore_errors=True)
        self.state.as_of, self.state.run_id, self.state.fingerprint = as_of, run_id, fingerprint

    def discard(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


class TableWriter:
    """Appends (key, raw, values) chunks to one Parquet file of the next state."""

    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(path, SCHEMA, **_PARQUET)

    def write(self, keys: list[str], raws: list[int], values: list[str]) -> None:
        if keys:
            self._writer.write_table(pa.table({"key": pa.array(keys, pa.string()),
                                               "raw": pa.array(raws, pa.uint64()),
                                               "values": pa.array(values, pa.string()),
                                               "khash": pa.array(key_hashes(keys), pa.uint64())},
                                              schema=SCHEMA))

    def write_table(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.cast(SCHEMA))

    def close(self) -> None:
        self._writer.close()
