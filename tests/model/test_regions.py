"""The Sichuan region table: shape, hierarchy and spot checks."""

from __future__ import annotations

import collections
import dataclasses

import pytest

from creditgraph.model import regions
from creditgraph.model.regions import Region


def test_one_province_and_21_prefectures():
    all_regions = regions.load_regions()
    assert [r for r in all_regions if r.level == "province"] == [Region("510000", "四川省", "province", None)]
    prefectures = regions.prefectures()
    assert len(prefectures) == 21
    assert all(p.parent == "510000" for p in prefectures)
    autonomous = {p.code: p.name for p in prefectures if p.name.endswith("自治州")}
    assert autonomous == {"513200": "阿坝藏族羌族自治州", "513300": "甘孜藏族自治州", "513400": "凉山彝族自治州"}
    assert sum(p.name.endswith("市") for p in prefectures) == 18


def test_counties():
    counties = regions.counties()
    assert 175 <= len(counties) <= 190  # 183 in the 2024-2025 lists
    by_prefecture = collections.Counter(c.parent for c in counties)
    assert set(by_prefecture) == {p.code for p in regions.prefectures()}
    for county in counties:
        assert county.parent == county.code[:4] + "00"


def test_codes_unique_six_digits_and_parents_exist():
    all_regions = regions.load_regions()
    codes = [r.code for r in all_regions]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() and c.startswith("51") for c in codes)
    known = set(codes)
    assert all(r.parent in known for r in all_regions if r.level != "province")
    assert all(r.name for r in all_regions)
    assert codes == sorted(codes)


@pytest.mark.parametrize("code, name", [
    ("510104", "锦江区"), ("510100", "成都市"), ("513401", "西昌市"), ("513402", "会理市"),
    ("510981", "射洪市"), ("511083", "隆昌市"), ("510185", "简阳市"), ("513201", "马尔康市"),
    ("513301", "康定市"), ("510681", "广汉市"), ("510118", "新津区"), ("511504", "叙州区"),
])
def test_spot_checks(code, name):
    assert regions.region_name(code) == name
    assert regions.is_sichuan(code)


def test_not_sichuan():
    for code in ("110101", "500101", "510122", "5101", "", None, 510104):
        assert not regions.is_sichuan(code)  # type: ignore[arg-type]
        assert regions.region_name(code) is None  # type: ignore[arg-type]


def test_region_path():
    assert [r.name for r in regions.region_path("510104")] == ["四川省", "成都市", "锦江区"]
    assert [r.code for r in regions.region_path("513400")] == ["510000", "513400"]
    assert [r.code for r in regions.region_path("510000")] == ["510000"]
    assert regions.region_path("110101") == []


def test_former_region_names():
    assert regions.former_region_name("510122") == "双流县"
    assert regions.former_region_name("513425") == "会理县"
    assert regions.former_region_name("510104") is None  # current: use region_name
    assert regions.former_region_name("519999") is None
    assert regions.former_region_name("110101") is None


def test_regions_are_frozen_and_cached():
    assert regions.load_regions() is regions.load_regions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        regions.load_regions()[0].name = "x"  # type: ignore[misc]
