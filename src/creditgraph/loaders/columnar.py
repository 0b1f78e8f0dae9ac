"""Relationship rows of a first load, checked and encoded a column at a time.

Most rows of a first load are relationship rows (legal representatives, shareholders,
executives: three in five rows of a generated snapshot), and nearly all of them are clean:
codes in canonical form, ISO dates, plain numbers. Through the row path (``tables.normalise``,
``tables.facts_of``, ``BulkWriter.upsert``) each costs some 25 us of Python, most of it calls
around little work. Here a frame's endpoints are checked with vectorised identifier checks
(:mod:`creditgraph.model.identifier_columns`), its property cells are read once per distinct
value by the row path's own readers, and keys, state values and edge encodings are built per
column.

A row is *fast* only when every check passes: both endpoints a person, enterprise or
organisation by a valid code exactly as given, every property cell read without a reason.
Every other row takes the row path, so reasons for quarantine are the row path's own. What a
fast row gets is what the row path gives it: the same key, the same values (as JSON, byte for
byte: orjson writes each value), the same relationship and endpoints (tests compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.loaders.bulk import encode_value
from creditgraph.loaders.tables import (
    REL_TABLES,
    NodeRef,
    _endpoint_kinds,
    _person_ref,
    _rel_key,
    _rel_other,
    _rel_readers,
    _Row,
    _uscc_ref,
)
from creditgraph.model.identifier_columns import valid_resident_ids, valid_usccs
from creditgraph.model.identifiers import person_pids, uscc_subject_label

#: node label sets of fast endpoints, by code (FastRows.start_labels, end_labels)
LABELS: tuple[tuple[str, ...], ...] = (("Subject", "Person"), ("Subject", "Enterprise"),
                                       ("Subject", "Organisation"))
_LABEL_CODE = {labels[-1]: i for i, labels in enumerate(LABELS)}
_USCC_KINDS = ("enterprise", "organisation")


@dataclass
class FastRows:
    """What the column checks made of a frame of one relationship table.

    Per frame row; what is stored for a row that is not ``fast`` means nothing.
    """

    rel_type: str
    fast: np.ndarray
    #: the diff key (as ``tables.normalise`` makes it)
    keys: np.ndarray
    #: the row's values as the diff state stores them (JSON text)
    values: np.ndarray
    #: endpoints: label set (an index into LABELS) and key value (sid)
    start_labels: np.ndarray
    start_values: np.ndarray
    end_labels: np.ndarray
    end_values: np.ndarray
    #: which properties the relationship has (an index into ``names``) and their encoding
    pattern: np.ndarray
    names: dict[int, tuple[str, ...]]
    data: np.ndarray
    #: the endpoint cells as read, for a node met here first (``ref``)
    _cells: tuple[pa.Array, pa.Array, pa.Array, pa.Array]

    def ref(self, row: int, side: int) -> NodeRef:
        """The endpoint (side 0: start, 1: end) of a fast row as the row path makes it, with the
        properties a node created from it gets."""
        kind, ident = self._cells[2 * side][row].as_py(), self._cells[2 * side + 1][row].as_py()
        field = "from_id" if side == 0 else "to_id"
        make = _person_ref if kind == "person" else _uscc_ref
        ref, reason = make(ident, field, None)
        assert ref is not None, reason
        return ref


def string_column(frame: pd.DataFrame, name: str) -> pa.Array:
    """A column of the frame as arrow strings, an empty cell (or a missing column) as ""."""
    if name not in frame.columns:
        return pa.array([""] * len(frame), pa.string())
    return pc.fill_null(pa.array(frame[name], pa.string(), from_pandas=True), "")


def _endpoint(kinds: pa.Array, ids: pa.Array, allowed: tuple[str, ...], labels: np.ndarray,
              values: np.ndarray) -> np.ndarray:
    """Check one side's endpoints; fill their label codes and key values. True where fast."""
    ok = np.zeros(len(kinds), dtype=bool)
    if "person" in allowed:
        rows = np.flatnonzero(pc.equal(kinds, "person").to_numpy(zero_copy_only=False))
        if len(rows):
            numbers = ids.take(pa.array(rows))
            good = valid_resident_ids(numbers)
            rows = rows[good]
            values[rows] = person_pids(numbers.filter(good).to_pylist())
            labels[rows] = _LABEL_CODE["Person"]
            ok[rows] = True
    uscc_kinds = [k for k in _USCC_KINDS if k in allowed]
    if uscc_kinds:
        rows = np.flatnonzero(pc.is_in(kinds, pa.array(uscc_kinds)).to_numpy(zero_copy_only=False))
        if len(rows):
            codes = ids.take(pa.array(rows))
            good = valid_usccs(codes)
            rows = rows[good]
            codes = codes.filter(good)
            values[rows] = codes.to_numpy(zero_copy_only=False)
            # The label comes from the code's category, not from the kind column (tables.uscc_ref).
            prefixes = pc.utf8_slice_codeunits(codes, 0, 2)
            uniq = pc.unique(prefixes)
            codes_of = np.array([_LABEL_CODE[uscc_subject_label(p) or "Enterprise"]
                                 for p in uniq.to_pylist()], dtype=np.int8)
            labels[rows] = codes_of[pc.index_in(prefixes, value_set=uniq).to_numpy()]
            ok[rows] = True
    return ok


@dataclass
class _Read:
    """One property column read by the row path's reader, once per distinct cell."""

    where: np.ndarray  # row -> distinct cell
    ok: np.ndarray  # per distinct cell: read without a reason
    json: pa.Array  # per distinct cell: the value as orjson writes it
    enc: pa.Array  # per distinct cell: GRAPH.BULK encoding (null: the value is null)
    key: pa.Array  # per distinct cell: str(value), as it goes into a key


def _read(name: str, how: str, args: tuple, cells: pa.Array) -> _Read:
    uniq = pc.unique(cells)
    where = pc.index_in(cells, value_set=uniq).to_numpy()
    ok, json, enc, key = [], [], [], []
    for text in uniq.to_pylist():
        row = _Row({name: text})
        value = getattr(row, how)(name, *args)
        ok.append(not row.reasons)
        json.append(orjson.dumps(value).decode())
        enc.append(None if value is None else encode_value(value))
        key.append(str(value))
    return _Read(where, np.array(ok, dtype=bool), pa.array(json, pa.string()),
                 pa.array(enc, pa.binary()), pa.array(key, pa.string()))


def relationship_rows(table: str, frame: pd.DataFrame) -> FastRows:
    """Check and encode a frame of canonical rows of relationship ``table``."""
    n = len(frame)
    rel_type = REL_TABLES[table]
    cells = tuple(string_column(frame, c) for c in ("from_kind", "from_id", "to_kind", "to_id"))
    from_kinds, to_kinds = _endpoint_kinds(table)
    start_labels = np.zeros(n, dtype=np.int8)
    end_labels = np.zeros(n, dtype=np.int8)
    start_values = np.empty(n, dtype=object)
    end_values = np.empty(n, dtype=object)
    fast = _endpoint(cells[2], cells[3], to_kinds, end_labels, end_values)
    fast &= _endpoint(cells[0], cells[1], from_kinds, start_labels, start_values)

    reads = {name: _read(name, how, args, string_column(frame, name))
             for name, how, args in _rel_readers(table)}
    for r in reads.values():
        fast &= r.ok[r.where]

    # The key: both endpoints' key values, then the key properties (tables._relationship).
    parts: list = [pa.array(start_values, pa.string()), "|", pa.array(end_values, pa.string())]
    for name in _rel_key(rel_type):
        parts += ["|", reads[name].key.take(reads[name].where)]
    keys = pc.binary_join_element_wise(*parts, "")

    # The values as JSON with sorted keys (run._values_json). Kinds and codes are plain ASCII
    # (they passed the checks above), so quoting them is what orjson does.
    quoted = {name: pc.binary_join_element_wise('"', cells[i], '"', "")
              for i, name in enumerate(("from_kind", "from_id", "to_kind", "to_id"))}
    quoted.update({name: r.json.take(r.where) for name, r in reads.items()})
    parts = []
    for k, name in enumerate(sorted(quoted)):
        parts += [("{" if k == 0 else ",") + orjson.dumps(name).decode() + ":", quoted[name]]
    values = pc.binary_join_element_wise(*parts, "}", "")

    # Edge properties: key properties, then the others, nulls left out (bulk._edge_encoding);
    # rows group by which are null.
    order = [*_rel_key(rel_type), *_rel_other(table)]
    pattern = np.zeros(n, dtype=np.int64)
    for bit, name in enumerate(order):
        r = reads[name]
        pattern |= pc.is_valid(r.enc).to_numpy(zero_copy_only=False)[r.where].astype(np.int64) << bit
    data = np.empty(n, dtype=object)
    names: dict[int, tuple[str, ...]] = {}
    for p in np.unique(pattern[fast]).tolist():
        rows = np.flatnonzero(fast & (pattern == p))
        present = [name for bit, name in enumerate(order) if p >> bit & 1]
        names[p] = tuple(present)
        if present:
            at = pa.array(rows)
            encoded = [reads[name].enc.take(pa.array(reads[name].where).take(at)) for name in present]
            data[rows] = (pc.binary_join_element_wise(*encoded, b"") if len(encoded) > 1
                          else encoded[0]).to_pylist()
        else:
            data[rows] = [b""] * len(rows)
    return FastRows(rel_type, fast, keys.to_numpy(zero_copy_only=False),
                    values.to_numpy(zero_copy_only=False), start_labels, start_values, end_labels,
                    end_values, pattern, names, data, cells)
