"""The keys a load has taken so far from one table, each with the digest of its row's values.

A first load of a large table takes millions of keys (a relationship's key is two identifiers
and its key properties, some 60 characters); a Python dict of them cost about 190 bytes a key
and was the largest thing the loader held after the bulk build's id map. Here the keys taken
before the current chunk of rows are two 64-bit hashes each, in sorted numpy arrays beside the
digests (24 bytes a key); only the current chunk's keys are strings in a dict.

Two different keys are taken for one only if both hashes collide (about 2^-128 a pair); when
the first hash alone collides, the second key is kept as a string instead (exact).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditgraph.loaders.state import key_hashes

#: the second hash's key (pandas wants 16 characters); any value other than the first's
_SECOND = "creditgraph-2nd."


def _second_hashes(keys: list[str]) -> np.ndarray:
    return pd.util.hash_array(np.asarray(keys, dtype=object), hash_key=_SECOND, categorize=False)


class SeenKeys:
    """Keys taken so far, with their row digests.

    Use per chunk of rows: ``prepare(keys)`` with the chunk's keys in order, then per row
    ``get(key, index)`` and ``add(key, digest)``, then ``end_chunk()``.
    """

    def __init__(self) -> None:
        self._h1 = np.empty(0, dtype=np.uint64)
        self._h2 = np.empty(0, dtype=np.uint64)
        self._digest = np.empty(0, dtype=np.int64)
        #: keys whose first hash another key had taken first (exact)
        self._extra: dict[str, int] = {}
        #: keys taken in the current chunk
        self._chunk: dict[str, int] = {}
        self._before: list[int | None] = []

    def __len__(self) -> int:
        return len(self._h1) + len(self._extra) + len(self._chunk)

    def prepare(self, keys: list[str]) -> None:
        """Look up the chunk's keys among those taken before it, all at once."""
        self._before = self._lookup(keys)

    def get(self, key: str, index: int) -> int | None:
        """The digest ``key`` was taken with, or None (``index``: its place in ``prepare``)."""
        digest = self._chunk.get(key)
        return self._before[index] if digest is None else digest

    def add(self, key: str, digest: int) -> None:
        """Take ``key`` (not taken before) for a row with values ``digest``."""
        self._chunk[key] = digest

    def add_many(self, keys: list[str], digests: list[int]) -> None:
        """``add`` for each key (none taken before, all different)."""
        self._chunk.update(zip(keys, digests))

    def end_chunk(self) -> None:
        """Move the chunk's keys into the arrays."""
        chunk, self._chunk = self._chunk, {}
        self._before = []
        if not chunk:
            return
        keys = list(chunk)
        h1 = key_hashes(keys)
        h2 = _second_hashes(keys)
        digests = np.fromiter(chunk.values(), dtype=np.int64, count=len(keys))
        order = np.argsort(h1, kind="stable")
        h1, h2, digests = h1[order], h2[order], digests[order]
        # A first hash already taken (by the arrays or earlier in this chunk): keep the key exact.
        clash = np.zeros(len(h1), dtype=bool)
        clash[1:] = h1[1:] == h1[:-1]
        if len(self._h1):
            at = np.minimum(np.searchsorted(self._h1, h1), len(self._h1) - 1)
            clash |= self._h1[at] == h1
        for k in np.flatnonzero(clash).tolist():
            self._extra[keys[order[k]]] = int(digests[k])
        keep = ~clash
        h1, h2, digests = h1[keep], h2[keep], digests[keep]
        at = np.searchsorted(self._h1, h1)
        self._h1 = np.insert(self._h1, at, h1)
        self._h2 = np.insert(self._h2, at, h2)
        self._digest = np.insert(self._digest, at, digests)

    def contains(self, keys: list[str]) -> np.ndarray:
        """For each key, whether it was taken (in any chunk)."""
        return np.array([d is not None for d in self._lookup(keys)], dtype=bool) if keys else \
            np.zeros(0, dtype=bool)

    def candidates(self, khashes: np.ndarray) -> np.ndarray:
        """For each first hash (``khash``), whether a key with it may have been taken: confirm
        with ``contains``. Keys kept exact (``extra_keys``) are not covered."""
        if not len(self._h1):
            return np.zeros(len(khashes), dtype=bool)
        at = np.minimum(np.searchsorted(self._h1, khashes), len(self._h1) - 1)
        return self._h1[at] == khashes

    def extra_keys(self) -> list[str]:
        """The keys kept as strings (first-hash clashes, and the current chunk's)."""
        return [*self._extra, *self._chunk]

    def _lookup(self, keys: list[str]) -> list[int | None]:
        out: list[int | None] = [None] * len(keys)
        if not keys:
            return out
        if len(self._h1):
            h1 = key_hashes(keys)
            at = np.minimum(np.searchsorted(self._h1, h1), len(self._h1) - 1)
            hit = (self._h1[at] == h1)
            if hit.any():
                rows = np.flatnonzero(hit)
                same = self._h2[at[rows]] == _second_hashes([keys[k] for k in rows.tolist()])
                for k, digest in zip(rows[same].tolist(), self._digest[at[rows[same]]].tolist()):
                    out[k] = digest
        if self._extra or self._chunk:
            for k, key in enumerate(keys):
                digest = self._extra.get(key)
                if digest is None:
                    digest = self._chunk.get(key)
                if digest is not None:
                    out[k] = digest
        return out
