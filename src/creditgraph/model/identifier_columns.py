"""The identifier checks of :mod:`creditgraph.model.identifiers`, a column at a time.

A first load checks millions of codes, most of them valid and most of them once or twice (a
person named by a legal-representative row and an executive row): the scalar checks cost some
5 us a code there, most of it Python calls around the arithmetic, and caches do not help. Here
a column of codes in canonical form is checked with a regular expression and numpy arithmetic.

Each function answers exactly what the scalar check answers for a code *as given*
(``uscc_problem(code) is None``, ``resident_id_problem(code) is None``); the tests compare them on
random and on hand-made codes. A code these reject may be reported by the scalar check, which
says why.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from creditgraph.model.identifiers import (
    _EARLIEST_BIRTH_YEAR,
    _USCC_SHAPE,
    AUTHORITIES,
    USCC_ALPHABET,
    _address_code_known,
)

_USCC_PATTERN = f"^{_USCC_SHAPE.pattern}$"
_RESIDENT_PATTERN = "^[0-9]{17}[0-9X]$"
#: character byte -> its value in the MOD 31-3 check (255: not in the alphabet)
_USCC_VALUE = np.full(256, 255, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _USCC_VALUE[ord(_c)] = _i
#: ISO 7064 MOD 31-3 weights of characters 1-17: 3**i mod 31
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
#: authority and category pairs GB 32100 defines, as (first byte << 8 | second byte)
_USCC_PREFIXES = np.array(sorted((ord(a) << 8) | ord(c) for a, auth in AUTHORITIES.items()
                                 for c in auth.categories), dtype=np.int64)
#: MOD 11-2 weights of the 17 digits of a resident ID: 2**(16 - i) mod 11
_RESIDENT_WEIGHTS = np.array([pow(2, 16 - i, 11) for i in range(17)], dtype=np.int64)


def _fixed_width_bytes(codes: pa.Array, width: int) -> np.ndarray:
    """The UTF-8 bytes of strings all ``width`` bytes long, as an (n, width) matrix (no copy
    of each string into a Python object)."""
    codes = codes.cast(pa.binary())
    n = len(codes)
    if not n:
        return np.empty((0, width), dtype=np.uint8)
    offsets = np.frombuffer(codes.buffers()[1], dtype=np.int32)[codes.offset:codes.offset + n + 1]
    data = np.frombuffer(codes.buffers()[2], dtype=np.uint8)
    return data[offsets[0]:offsets[0] + n * width].reshape(n, width)


def _as_array(codes: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    return codes.cast(pa.string())


def _well_formed(codes: pa.Array | pa.ChunkedArray, pattern: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which codes match ``pattern`` (18 ASCII characters), their positions, and their bytes
    as an (n, 18) matrix."""
    codes = _as_array(codes)
    ok = pc.fill_null(pc.match_substring_regex(codes, pattern), False).to_numpy(
        zero_copy_only=False)
    rows = np.flatnonzero(ok)
    return ok, rows, _fixed_width_bytes(codes.take(pa.array(rows)), 18)


def valid_usccs(codes: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each code, whether it is a valid USCC exactly as given (null: no)."""
    ok, rows, m = _well_formed(codes, _USCC_PATTERN)
    if not len(rows):
        return ok
    values = _USCC_VALUE[m]
    expected = (31 - (values[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    prefix = (m[:, 0].astype(np.int64) << 8) | m[:, 1]
    ok[rows] = (values[:, 17] == expected) & np.isin(prefix, _USCC_PREFIXES)
    return ok


def valid_resident_ids(numbers: pa.Array | pa.ChunkedArray, *, today: date | None = None
                       ) -> np.ndarray:
    """For each number, whether it is a valid 18-digit resident ID number exactly as given
    (birth date real, not in the future, not before 1880; check character; an address code
    GB/T 2260 has assigned)."""
    ok, rows, m = _well_formed(numbers, _RESIDENT_PATTERN)
    if not len(rows):
        return ok
    digits = m[:, :17].astype(np.int64) - 48
    checksum = (1 - 2 * (digits @ _RESIDENT_WEIGHTS)) % 11
    expected = np.where(checksum == 10, ord("X"), checksum + 48)
    good = m[:, 17] == expected
    # Birth dates and address codes repeat: each distinct one is checked once, in Python.
    births = digits[:, 6:14] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
    today = today or date.today()
    uniq, where = np.unique(births, return_inverse=True)
    good &= np.array([_birth_ok(int(b), today) for b in uniq], dtype=bool)[where]
    areas = digits[:, :6] @ (10 ** np.arange(5, -1, -1, dtype=np.int64))
    uniq, where = np.unique(areas, return_inverse=True)
    good &= np.array([_address_code_known(f"{a:06d}") for a in uniq], dtype=bool)[where]
    ok[rows] = good
    return ok


def _birth_ok(yyyymmdd: int, today: date) -> bool:
    try:
        birth = date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        return False
    return birth <= today and birth.year >= _EARLIEST_BIRTH_YEAR
