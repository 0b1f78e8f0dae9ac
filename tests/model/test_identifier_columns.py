"""The column checks answer what the scalar checks answer, code by code: on made codes, on
codes with one or two characters changed, and on text that is no code at all."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.model.test_identifiers import births, id_regions, usccs

from creditgraph.model import identifiers as ids
from creditgraph.model.identifier_columns import valid_resident_ids, valid_usccs

_NOISE = "0123456789ABCDEFGHJKLMNPQRTUWXYXxIOZSV *-０１"


@st.composite
def resident_ids(draw) -> str:
    return ids.make_resident_id(draw(id_regions), draw(births), draw(st.integers(0, 999)))


@st.composite
def mutated(draw, codes) -> str:
    code = list(draw(codes))
    for _ in range(draw(st.integers(0, 2))):
        code[draw(st.integers(0, len(code) - 1))] = draw(st.sampled_from(_NOISE))
    if draw(st.booleans()) and draw(st.booleans()):
        code = code[:draw(st.integers(0, 20))]
    return "".join(code)


_ANY = st.one_of(mutated(usccs()), mutated(resident_ids()), st.text(max_size=20), st.none())


@settings(max_examples=60, deadline=None)
@given(st.lists(_ANY, max_size=60))
def test_usccs_as_the_scalar_check(codes):
    got = valid_usccs(pa.array(codes, pa.string())).tolist()
    assert got == [c is not None and ids.uscc_problem(c) is None for c in codes]


@settings(max_examples=60, deadline=None)
@given(st.lists(_ANY, max_size=60))
def test_resident_ids_as_the_scalar_check(codes):
    got = valid_resident_ids(pa.array(codes, pa.string())).tolist()
    assert got == [c is not None and ids.resident_id_problem(c) is None for c in codes]


def test_birth_dates_in_the_future_or_before_1880_and_unassigned_areas():
    today = date(2025, 6, 30)
    numbers = [ids.make_resident_id("510104", date(1990, 3, 7), 123)]
    head = numbers[0][:6]

    def with_check(body: str) -> str:
        return body + ids._ric.calc_check_digit(body + "0")

    numbers += [with_check(f"{head}20250701123"), with_check(f"{head}18791231123"),
                with_check(f"{head}19900230123"), with_check("99999919900307123")]
    got = valid_resident_ids(pa.array(numbers), today=today).tolist()
    assert got == [ids.resident_id_problem(n, today=today) is None for n in numbers]
    assert got == [True, False, False, False, False]


def test_a_sliced_and_chunked_column():
    codes = [ids.make_uscc("91", "510104", f"MA{n:06d}") for n in range(10)]
    codes[3] = codes[3][:-1] + ("1" if codes[3][-1] != "1" else "2")
    column = pa.chunked_array([pa.array(codes[:4]), pa.array(codes[4:])])
    assert valid_usccs(column).tolist() == [n != 3 for n in range(10)]
    assert valid_usccs(pa.array(codes).slice(2, 5)).tolist() == [True, False, True, True, True]
