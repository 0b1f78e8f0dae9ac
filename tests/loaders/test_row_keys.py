"""The compact structures behind a load's diff: raw row hashes, keys taken, old rows by key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from creditgraph.loaders import run, seen
from creditgraph.loaders.seen import SeenKeys
from creditgraph.loaders.state import SCHEMA, OldTable, Segment, key_hashes


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["a", "b", "c"], dtype="str")


def test_raw_hashes_tell_rows_apart_even_with_the_separator_inside_a_cell():
    sep = run._CELL_SEP
    rows = [["x", "y", "z"], ["x" + sep + "y", "", "z"], ["x", sep + "y", "z"], ["x", "y", "z"],
            ["x\\", "u", "z"], ["x" + sep, "", "z"], ["", "", ""]]
    hashes = run._raw_hashes(_frame(rows)).tolist()
    assert hashes[0] == hashes[3]
    assert len({h for i, h in enumerate(hashes) if i != 3}) == len(rows) - 1
    # a row hashes the same whatever else its frame holds, when no cell holds the separator
    clean = [["x", "y", "z"], ["1", "2", "3"]]
    assert run._raw_hashes(_frame(clean)).tolist()[0] == run._raw_hashes(_frame(clean[:1])).tolist()[0]
    assert run._raw_hashes(_frame([])).tolist() == []


def test_a_csv_with_the_separator_in_a_cell_is_hashed_with_the_check(tmp_path):
    """A CSV reader skips the per-cell check only while its file has shown no separator."""
    from creditgraph.loaders.mapping import canonical_mapping

    entry = canonical_mapping().files[0]
    sep = run._CELL_SEP
    path = tmp_path / "t.csv"
    for text, flagged in (("a,b\nx,y\n", True), (f"a,b\nx{sep},y\nx,{sep}y\n", False)):
        path.write_text(text, encoding="utf-8")
        frames = list(run._csv_frames(path, "csv", entry, "utf-8", []))
        assert [f.attrs["no_cell_sep"] for f, _, _ in frames] == [flagged]
        hashes = run._raw_hashes(frames[0][0]).tolist()
        assert len(set(hashes)) == len(hashes)


def test_seen_keys_across_chunks():
    keys = SeenKeys()
    keys.prepare(["a", "b", "a"])
    assert keys.get("a", 0) is None
    keys.add("a", 11)
    assert keys.get("a", 2) == 11  # taken earlier in the same chunk
    keys.end_chunk()
    keys.prepare(["b", "a", "c"])
    assert [keys.get("b", 0), keys.get("a", 1), keys.get("c", 2)] == [None, 11, None]
    keys.add("c", -5)
    keys.end_chunk()
    assert keys.contains(["a", "b", "c", "d"]).tolist() == [True, False, True, False]
    assert len(keys) == 2


def test_seen_keys_stay_exact_when_first_hashes_clash(monkeypatch):
    """Keys whose first hashes are equal are kept as strings, and told apart."""
    monkeypatch.setattr(seen, "key_hashes", lambda ks: np.zeros(len(ks), dtype=np.uint64))
    keys = SeenKeys()
    keys.prepare(["a", "b"])
    keys.add("a", 1)
    keys.add("b", 2)
    keys.end_chunk()
    keys.prepare(["b", "c", "a"])
    assert [keys.get("b", 0), keys.get("c", 1), keys.get("a", 2)] == [2, None, 1]
    keys.end_chunk()
    assert keys.extra_keys() == ["b"]
    assert keys.contains(["a", "b", "c"]).tolist() == [True, True, False]


def _old(keys: list[str], alive: list[bool] | None = None) -> run._OldRows:
    table = pa.table({"key": keys, "raw": pa.array(range(len(keys)), pa.uint64()),
                      "values": [f'{{"n": {i}}}' for i in range(len(keys))],
                      "khash": pa.array(key_hashes(keys), pa.uint64())}, schema=SCHEMA)
    mask = np.ones(len(keys), dtype=bool) if alive is None else np.array(alive)
    return run._OldRows(OldTable(table.select(["key", "raw", "khash"]), mask,
                                 [Segment("t.parquet")], [len(keys)], None, table.column("values")))


def test_old_rows_found_by_key_last_row_wins():
    old = _old(["k1", "k2", "k1", "k3"])
    assert old.find(["k3", "k1", "nope", "k2"]) == [3, 2, None, 1]
    assert old.values(2) == {"n": 2}
    assert old.keys_at(np.array([0, 3])) == ["k1", "k3"]


def test_old_rows_not_current_are_not_found():
    """Rows a segment's mask drops are history of the state file, not previous rows."""
    old = _old(["k1", "k2", "k1", "k3"], alive=[True, True, False, False])
    assert old.find(["k3", "k1", "k2"]) == [None, 0, 1]
    keys = SeenKeys()
    keys.prepare(["k3", "k1"])
    keys.add("k3", 1)
    keys.add("k1", 1)
    keys.end_chunk()
    assert old.taken(keys).tolist() == [True, False, False, False]


def test_old_rows_hash_clash_falls_back_to_an_exact_scan(monkeypatch):
    old = _old(["k1", "k2"])
    # A key whose khash equals k1's but which is not k1 is not taken for k1.
    monkeypatch.setattr(run, "key_hashes", lambda ks: key_hashes(["k1"] * len(ks)))
    assert old.find(["k2", "zz"]) == [1, None]


def test_old_rows_taken_by_this_load():
    old = _old(["k1", "k2", "k3"])
    keys = SeenKeys()
    keys.prepare(["k3"])
    keys.add("k3", 1)
    keys.end_chunk()
    assert old.taken(keys).tolist() == [False, False, True]


@pytest.mark.parametrize("n", [0, 1, 5])
def test_key_hashes_are_stable(n):
    keys = [f"key{i}" for i in range(n)]
    assert key_hashes(keys).tolist() == key_hashes(list(keys)).tolist()
    assert key_hashes(keys).dtype == np.uint64


def test_a_state_from_before_khash_gets_it_on_reading(tmp_path):
    """Parquet files written before the khash column existed are read with it added."""
    import json

    import pyarrow.parquet as pq

    from creditgraph.loaders.state import SourceState

    current = tmp_path / "state" / "g" / "src" / "current"
    current.mkdir(parents=True)
    (current / "state.json").write_text(json.dumps({"as_of": "2025-01-31", "run_id": "r1",
                                                    "fingerprint": "f"}))
    old_schema = pa.schema([("key", pa.string()), ("raw", pa.uint64()), ("values", pa.string())])
    pq.write_table(pa.table({"key": ["a", "b"], "raw": pa.array([1, 2], pa.uint64()),
                             "values": ["{}", "{}"]}, schema=old_schema),
                   current / "enterprises.parquet")
    old = SourceState.open(tmp_path, "g", "src").table("enterprises")
    assert old.full().schema == SCHEMA
    assert old.table.column("khash").to_pylist() == key_hashes(["a", "b"]).tolist()
    assert old.values().to_pylist() == ["{}", "{}"]  # read when first asked for
    assert run._OldRows(old).find(["b", "a"]) == [1, 0]
