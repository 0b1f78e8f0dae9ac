"""Name and text normalisation: properties, explicit cases, and speed on real names."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditgraph.model.names import normalize_name, normalize_text

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cn_enterprise_registration"
_DICTS = Path(opencc.__file__).parent / "dictionary"

T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")


def _read_dict(name: str) -> dict[str, str]:
    with (_DICTS / name).open(encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)


def _clean_pairs() -> list[tuple[str, str]]:
    """(traditional, simplified) characters that convert one to one in both directions and
    appear in no phrase rule, so a string of them converts character by character."""
    ts, st_ = _read_dict("TSCharacters.txt"), _read_dict("STCharacters.txt")
    in_phrases = {c for name in ("TSPhrases.txt", "STPhrases.txt") for key in _read_dict(name) for c in key}
    pairs = []
    for trad, simp in ts.items():
        if " " in simp or len(simp) != 1 or simp == trad or st_.get(simp) != trad:
            continue
        if trad in in_phrases or simp in in_phrases or simp in ts:
            continue
        pairs.append((trad, simp))
    return pairs


PAIRS = _clean_pairs()
TRIGGERS = sorted(set(_read_dict("TSCharacters.txt")) | {c for k in _read_dict("TSPhrases.txt") for c in k})
NAME_BITS = ["有限责任公司", "有限公司", "股份有限公司", "(四川)", "（四川）", "【四川】", "[", "]", "分公司",
             "成都", "锦江", "ABC", "abc", " ", "\u3000", "\t", "·", "•", "乾", "縣", "覆", "反"]

names_st = st.lists(st.one_of(st.sampled_from(NAME_BITS), st.sampled_from(TRIGGERS),
                              st.characters(min_codepoint=0x20, max_codepoint=0x7E)), max_size=12).map("".join)


def fullwidth(text: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_pairs_are_plenty():
    assert len(PAIRS) > 1000


# --- properties ---------------------------------------------------------------------------------


@given(st.one_of(st.text(), names_st))
def test_idempotent(text):
    once = normalize_name(text)
    assert normalize_name(once) == once
    once_text = normalize_text(text)
    assert normalize_text(once_text) == once_text


@given(names_st)
def test_full_width_invariant(text):
    assert normalize_name(fullwidth(text)) == normalize_name(text)
    assert normalize_text(fullwidth(text)) == normalize_text(text)


@given(st.lists(st.tuples(st.sampled_from(PAIRS), st.sampled_from(["", "", "有限公司", "(", ")", "A", "1"])),
                min_size=1, max_size=10))
def test_traditional_and_simplified_spellings_match(parts):
    trad = "".join(t + extra for (t, _s), extra in parts)
    simp = "".join(s + extra for (_t, s), extra in parts)
    assert normalize_name(trad) == normalize_name(simp)
    assert normalize_name(S2T.convert(simp)) == normalize_name(simp)


@given(names_st)
def test_invariant_under_opencc_t2s_of_input(text):
    assert normalize_name(T2S.convert(text)) == normalize_name(text)


@given(names_st)
def test_no_whitespace_or_odd_brackets_left(text):
    out = normalize_name(text)
    assert not any(c.isspace() for c in out)
    assert not set(out) & set("（）【】[]［］〔〕")
    assert "有限责任公司" not in out


# --- explicit cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("成都市锦江区某某科技有限责任公司", "成都市锦江区某某科技有限公司"),
    ("四川长虹电器股份有限公司", "四川长虹电器股份有限公司"),
    ("四川長虹電器股份有限公司", "四川长虹电器股份有限公司"),
    ("中国石化销售有限公司（四川）", "中国石化销售有限公司(四川)"),
    ("中国石化销售有限公司(四川)", "中国石化销售有限公司(四川)"),
    ("中国石化销售有限公司【四川】", "中国石化销售有限公司(四川)"),
    ("中国石化销售有限公司[四川]", "中国石化销售有限公司(四川)"),
    ("成都 锦江\u3000宾馆\t有限公司 ", "成都锦江宾馆有限公司"),
    ("ＡＢＣ科技（成都）有限公司", "ABC科技(成都)有限公司"),
    ("abc科技有限公司", "ABC科技有限公司"),
    ("成都\u200b锦江宾馆", "成都锦江宾馆"),
    ("上海鉅智粉末冶金有限責任公司", "上海巨智粉末冶金有限公司"),
])
def test_names(raw, expected):
    assert normalize_name(raw) == expected


def test_joint_stock_and_limited_stay_apart():
    assert normalize_name("某某股份有限公司") != normalize_name("某某有限公司")
    assert normalize_name("某某有限责任公司") == normalize_name("某某有限公司")


def test_text_has_no_company_rules():
    assert normalize_text("某某有限责任公司") == "某某有限责任公司"
    assert normalize_text("成都市 錦江區　春熙路８號") == "成都市锦江区春熙路8号"
    assert normalize_text("阿卜杜•热合曼") == normalize_text("阿卜杜・热合曼") == "阿卜杜·热合曼"


def test_converter_is_built_lazily():
    code = ("import creditgraph.model.names as n; assert n._converter is None; "
            "n.normalize_name('x'); assert n._converter is not None")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- speed ----------------------------------------------------------------------------------------


def _real_names() -> list[str]:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real registration data not found at {REAL_DATA}")
    found = []
    for path in sorted(REAL_DATA.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            found += [row["企业名称"] for row in csv.DictReader(f)]
    return found


def test_speed_on_real_names():
    real = list(dict.fromkeys(_real_names()))
    traditional = [S2T.convert(n) for n in real[:2000]]
    normalize_name("warm up the converter")
    normalize_name.cache_clear()
    start = time.perf_counter()
    for name in real:
        normalize_name(name)
    cold = len(real) / (time.perf_counter() - start)
    start = time.perf_counter()
    for name in traditional:
        normalize_name(name)
    trad = len(traditional) / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(5):
        for name in real:
            normalize_name(name)
    warm = 5 * len(real) / (time.perf_counter() - start)
    print(f"\nnormalize_name: {cold:,.0f} distinct names/s, {trad:,.0f} traditional names/s, "
          f"{warm:,.0f} names/s from the cache ({len(real)} real names)")
    # loose floor: catches losing the fast path (about 10x slower), not machine noise
    assert cold > 20_000
