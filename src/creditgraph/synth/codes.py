"""Identifiers derived from a running index, so a million of them need no memory to stay unique.

Each kind of subject gets a bijection from its index onto a space of code bodies: two indices can
never give the same code, and no set of issued codes has to be kept. The check characters follow
GB 32100 / GB 11714 / GB 11643 exactly as :mod:`creditgraph.model.identifiers` does (the tests
validate every generated number with it); they are recomputed here only because the general
builders validate their inputs, which costs more than the generation itself at a million rows.
"""

from __future__ import annotations

import datetime as dt

from creditgraph.exc import ConfigError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RIC_CHECK = "10X98765432"

# Synthetic resident IDs are recognisable: born 1940-1980 and with an order code from 700 up,
# so a generated number is never mistaken for a sample of real data.
BIRTH_FIRST = dt.date(1940, 1, 1)
BIRTH_DAYS = (dt.date(1980, 12, 31) - BIRTH_FIRST).days + 1
SEQ_FIRST = 700
SEQ_COUNT = 300
PERSON_CAPACITY = BIRTH_DAYS * SEQ_COUNT


def _org_check(body: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS))
    digit = 11 - total % 11
    return "X" if digit == 10 else "0" if digit == 11 else str(digit)


def uscc(category: str, region: str, body8: str) -> str:
    """USCC from authority+category (``"91"``), a 6-digit region and an 8-character body."""
    head = category + region + body8 + _org_check(body8)
    total = sum(_USCC_VALUE[c] * w for c, w in zip(head, _USCC_WEIGHTS))
    return head + USCC_ALPHABET[(31 - total) % 31]


class Bijection:
    """An affine permutation of ``range(size)``: scatters consecutive indices over the space."""

    def __init__(self, size: int, multiplier: int, offset: int) -> None:
        from math import gcd

        while gcd(multiplier, size) != 1:
            multiplier += 1
        self.size, self.multiplier, self.offset = size, multiplier, offset % size

    def __call__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise ConfigError(f"index {index} is outside the synthetic code space of {self.size}",
                              hint="generate fewer subjects")
        return (index * self.multiplier + self.offset) % self.size


# Enterprises registered since the 2015 reform get bodies "MA6" + 5 characters, as new Sichuan
# codes do; older ones keep their 8-digit organisation code. The two sets cannot overlap.
_MA_SPACE = Bijection(31 ** 5, 13_466_917, 7_654_321)
_DIGIT_SPACE = Bijection(9 * 10 ** 7, 48_271, 1_234_567)
_ORG_SPACE = Bijection(10 ** 7, 69_621, 424_242)
_MA_ALPHABET = USCC_ALPHABET  # GB 11714 bodies of MA codes use the same characters


def enterprise_body(index: int, modern: bool) -> str:
    """8-character organisation-code body of enterprise ``index``."""
    if modern:
        k = _MA_SPACE(index)
        chars = []
        for _ in range(5):
            k, r = divmod(k, 31)
            chars.append(_MA_ALPHABET[r])
        return "MA6" + "".join(reversed(chars))
    return str(10 ** 7 + _DIGIT_SPACE(index))


def organisation_body(index: int, prefix: str) -> str:
    """Body of a non-enterprise subject: a one-digit ``prefix`` per category, then 7 digits."""
    return f"{prefix}{_ORG_SPACE(index):07d}"


_PERSON_SPACE = Bijection(PERSON_CAPACITY, 1_103_515_245, 12_345)


def resident_id(index: int, region: str) -> tuple[str, dt.date]:
    """Resident ID number of person ``index`` registered in ``region``, and the birth date.

    Birth date and order code come from the index alone, so numbers are unique whatever the
    region; the order code's parity (odd for men) is the person's sex.
    """
    k = _PERSON_SPACE(index)
    day, seq = divmod(k, SEQ_COUNT)
    birth = BIRTH_FIRST + dt.timedelta(days=day)
    head = f"{region}{birth:%Y%m%d}{SEQ_FIRST + seq:03d}"
    total = sum(int(c) * w for c, w in zip(head, _RIC_WEIGHTS))
    return head + _RIC_CHECK[total % 11], birth


def is_male(id_number: str) -> bool:
    """Sex from the order code of a resident ID number (odd for men)."""
    return int(id_number[16]) % 2 == 1
