"""The government departments of Sichuan at province, city and county level, as synthetic data.

Each department gets a 机关 unified social credit code (``11`` + its region + a body derived
from its position in the catalogue), which is also its ``code`` in the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from creditgraph.model.regions import Region, load_regions
from creditgraph.synth import codes

PROVINCE = "510000"

# kind -> (province name, prefecture name pattern, county name pattern or None when the county
# has no such department). {p} is the prefecture, {c} the county as it appears in the name.
_NAMES: dict[str, tuple[str, str, str | None]] = {
    "court": ("四川省高级人民法院", "{p}中级人民法院", "{c}人民法院"),
    "market_regulation": ("四川省市场监督管理局", "{p}市场监督管理局", "{c}市场监督管理局"),
    "tax": ("国家税务总局四川省税务局", "国家税务总局{p}税务局", "国家税务总局{c}税务局"),
    "development_reform": ("四川省发展和改革委员会", "{p}发展和改革委员会", "{c}发展和改革局"),
    "finance": ("四川省财政厅", "{p}财政局", "{c}财政局"),
    "ecology_environment": ("四川省生态环境厅", "{p}生态环境局", None),
    "emergency_management": ("四川省应急管理厅", "{p}应急管理局", "{c}应急管理局"),
    "civil_affairs": ("四川省民政厅", "{p}民政局", "{c}民政局"),
    "education": ("四川省教育厅", "{p}教育局", "{c}教育局"),
    "health": ("四川省卫生健康委员会", "{p}卫生健康委员会", "{c}卫生健康局"),
    "public_resources": ("四川省公共资源交易中心", "{p}公共资源交易服务中心", None),
    "human_resources": ("四川省人力资源和社会保障厅", "{p}人力资源和社会保障局", "{c}人力资源和社会保障局"),
}
KINDS = tuple(_NAMES)


@dataclass(frozen=True)
class Department:
    """One issuing or granting authority."""

    code: str
    name: str
    kind: str
    level: str  # province, city, county
    region_code: str

    def row(self) -> tuple[str, ...]:
        return (self.code, self.name, self.kind, self.level, self.region_code)


class Catalogue:
    """All departments, and the one of a kind that serves a county at a level."""

    def __init__(self) -> None:
        regions = load_regions()
        by_code = {r.code: r for r in regions}
        self.departments: list[Department] = []
        self._index: dict[tuple[str, str], Department] = {}
        for region in regions:
            for kind, (prov, pref, county) in _NAMES.items():
                if region.level == "province":
                    name, level = prov, "province"
                elif region.level == "prefecture":
                    name, level = pref.format(p=region.name), "city"
                else:
                    if county is None:
                        continue
                    parent = by_code[region.parent] if region.parent else None
                    name, level = county.format(c=_county_prefix(region, parent)), "county"
                code = codes.uscc("11", region.code, codes.organisation_body(len(self.departments), "0"))
                dept = Department(code, name, kind, level, region.code)
                self.departments.append(dept)
                self._index[(region.code, kind)] = dept
        self._parent = {r.code: r.parent for r in regions}

    def serving(self, kind: str, region_code: str, level: str = "county") -> Department:
        """The department of ``kind`` at ``level`` whose area contains ``region_code``.

        Falls back to the next level up when the county has no such department.
        """
        code = region_code
        chain = [code]
        while self._parent.get(code):
            code = self._parent[code]
            chain.append(code)
        start = {"county": 0, "city": 1, "province": 2}[level]
        for code in chain[min(start, len(chain) - 1):]:
            dept = self._index.get((code, kind))
            if dept is not None:
                return dept
        return self._index[(PROVINCE, kind)]


def _county_prefix(county: Region, prefecture: Region | None) -> str:
    # Districts are named with their city (成都市锦江区); counties and county-level cities alone.
    if prefecture is not None and county.name.endswith("区"):
        return prefecture.name + county.name
    return county.name
