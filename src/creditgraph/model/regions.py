"""Sichuan's administrative divisions (GB/T 2260 codes), for naming the region in a USCC or an ID.

The table ``data/regions_sichuan.csv`` holds the province (510000), its 21 prefecture-level
divisions (18 prefecture-level cities and the autonomous prefectures of Aba 513200, Garzê 513300
and Liangshan 513400) and their 183 county-level divisions, as in the Ministry of Civil Affairs'
list of county-level and higher codes for 2024 and 2025 (taken from the ``yescallop/areacodes``
compilation of those lists, ``data/2024.txt`` and ``data/2025.txt``, identical for Sichuan, and
checked name for name against the GB/T 2260 history that python-stdnum ships). Functional zones
such as 天府新区 or 成都东部新区 have no GB/T 2260 code of their own and are not in it.

Only current codes are in the table. Codes are for life in a USCC or a resident ID number, so
older records carry codes that have since been retired (510122 双流县 became 510116 双流区 in
2015); :func:`former_region_name` names those from python-stdnum's history.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from typing import Literal

Level = Literal["province", "prefecture", "county"]

SICHUAN = "510000"
_LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class Region:
    """One division: its 6-digit code, name, level, and the code of the division above it."""

    code: str
    name: str
    level: Level
    parent: str | None


@functools.cache
def load_regions() -> list[Region]:
    """All Sichuan divisions, province first, in code order (read once, then cached).

    The list is shared between callers: treat it as read-only.
    """
    text = resources.files("creditgraph.model").joinpath("data/regions_sichuan.csv").read_text("utf-8")
    regions = []
    for row in csv.DictReader(io.StringIO(text)):
        level = row["level"]
        if level not in _LEVELS:  # a bad edit to the CSV must fail loudly, not hide a level
            raise ValueError(f"regions_sichuan.csv: {row['code']} has unknown level {level!r}")
        regions.append(Region(row["code"], row["name"], level, row["parent"] or None))  # type: ignore[arg-type]
    return regions


@functools.cache
def _by_code() -> dict[str, Region]:
    return {r.code: r for r in load_regions()}


def get_region(code: str) -> Region | None:
    """The current Sichuan division with this code, or None."""
    return _by_code().get(code) if isinstance(code, str) else None


def region_name(code: str) -> str | None:
    """Name of the current Sichuan division with this code (``"510104"`` → ``"锦江区"``), or None."""
    region = get_region(code)
    return region.name if region else None


def is_sichuan(code: str) -> bool:
    """Whether ``code`` is the code of a current Sichuan division (province, prefecture or county).

    Retired codes (e.g. 510122, the former 双流县) are not: use :func:`former_region_name` for those.
    """
    return get_region(code) is not None


def counties() -> list[Region]:
    """The county-level divisions (districts, counties, county-level cities), in code order."""
    return [r for r in load_regions() if r.level == "county"]


def prefectures() -> list[Region]:
    """The 21 prefecture-level divisions, in code order."""
    return [r for r in load_regions() if r.level == "prefecture"]


def region_path(code: str) -> list[Region]:
    """The chain province → prefecture → county ending at ``code``; empty if it is not current.

    ``region_path("510104")`` is [四川省, 成都市, 锦江区]; for a prefecture it has two entries.
    """
    path: list[Region] = []
    region = get_region(code)
    while region is not None:
        path.append(region)
        region = get_region(region.parent) if region.parent else None
    return path[::-1]


@functools.lru_cache(maxsize=4096)
def former_region_name(code: str) -> str | None:
    """The last name of a retired ``51xxxx`` code per GB/T 2260 history (``"510122"`` → ``"双流县"``).

    None for current codes, for codes outside the 51 range, and for codes never assigned. Some
    retired 51 codes lie in what is now Chongqing (5102xx before 1997): this names the code, it
    does not say the place is in Sichuan today.
    """
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit() and code.startswith("51")):
        return None
    if get_region(code) is not None:
        return None
    from stdnum import numdb  # the history ships with python-stdnum; loading it takes a moment

    parts = numdb.get("cn/loc").info(code)
    if len(parts) < 2 or "county" not in parts[-1][1]:
        return None
    # entries look like "[1983-2015]双流县" or several of them joined by commas; the last is newest
    latest = parts[-1][1]["county"].split(",")[-1]
    name = latest.split("]")[-1]
    return name if name and name != "市辖区" else None
