"""A small hand-built dataset (three monthly snapshots) with the edge cases of risk queries 6-10.

The generated sample holds each planted shape once and little else; this world holds the cases
a wrong query gets wrong: a member that moved away, a cycle that is really two (a figure of
eight), a closed guarantee, cycles of 6 and 7, chains past the bound or through a hub, a grant on
the listing day or from the listing department, a control chain of 3 hops, ratios just below
the threshold, history without a ``since`` date, changes on the listing day and 90 days before
it across February, entries repaired, expired, disputed, or starting after the as-of date.

``EXPECT`` names, in business terms, what the queries must (and must not) find; the oracle
comparison then checks every row and every evidence field.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from creditgraph.model.identifiers import make_resident_id, make_uscc, person_pid
from creditgraph.model.names import normalize_name
from creditgraph.synth.layout import FILES, FORMAT_NAME, FORMAT_VERSION, MANIFEST

SNAPSHOTS = ("2025-01-31", "2025-02-28", "2025-03-31")
ALL = (0, 1, 2)
REGION = "510104"
SOURCE = "edge"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞琳波斌宇浩凯健"


@dataclass
class World:
    rows: dict[str, list[tuple[tuple[int, ...], dict]]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)      # our key -> uscc / resident ID / code
    kinds: dict[str, str] = field(default_factory=dict)    # our key -> subject kind
    names: dict[str, str] = field(default_factory=dict)
    _n: int = 0

    def add(self, table: str, row: dict, when: tuple[int, ...] = ALL) -> None:
        self.rows.setdefault(table, []).append((when, row))

    def _next(self) -> int:
        self._n += 1
        return self._n

    # -- nodes ---------------------------------------------------------------------------------

    def enterprise(self, key: str, name: str | None = None, *, established: str = "2015-05-01",
                   address: str = "", phone: str = "", when: tuple[int, ...] = ALL,
                   category: str = "91") -> str:
        uscc = make_uscc(category, REGION, f"MA{self._next():06d}")
        name = name or f"成都市锦江区{key}测试有限公司"
        self.ids[key], self.kinds[key], self.names[key] = uscc, "enterprise", name
        self.add("enterprises", {"uscc": uscc, "name": name, "kind": "llc", "status": "active",
                                 "registered_capital": "100.00", "established": established,
                                 "region_code": REGION, "industry": "F 批发和零售业",
                                 "address": address, "phone": phone}, when)
        return uscc

    def organisation(self, key: str, name: str, *, phone: str = "", address: str = "") -> str:
        uscc = make_uscc("52", REGION, f"MA{self._next():06d}")
        self.ids[key], self.kinds[key], self.names[key] = uscc, "organisation", name
        self.add("organisations", {"uscc": uscc, "name": name, "kind": "private_non_enterprise",
                                   "status": "active", "established": "2012-03-01",
                                   "region_code": REGION, "address": address, "phone": phone})
        return uscc

    def person(self, key: str) -> str:
        n = self._next()
        number = make_resident_id(REGION, dt.date(1950, 1, 1) + dt.timedelta(days=97 * n), 700 + n % 300)
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 3) % len(GIVEN)]
        self.ids[key], self.kinds[key], self.names[key] = number, "person", name
        self.add("persons", {"id_number": number, "name": name})
        return number

    def department(self, key: str, name: str, kind: str, level: str = "county",
                   region: str = REGION) -> str:
        code = make_uscc("11", region, f"MA{self._next():06d}")
        self.ids[key] = code
        self.add("departments", {"code": code, "name": name, "kind": kind, "level": level,
                                 "region_code": region})
        return code

    def sid(self, key: str) -> str:
        if self.kinds.get(key) == "person":
            return person_pid(self.ids[key])
        if self.kinds.get(key) == "name":
            return f"name:{SOURCE}:{normalize_name(self.ids[key])}"
        return self.ids[key]

    # -- facts ---------------------------------------------------------------------------------

    def entry(self, entry_id: str, list_type: str, subject: str, department: str, start: str, *,
              end: str = "", status: str = "active", disputed: bool = False, repaired: str = "",
              when: tuple[int, ...] = ALL) -> None:
        self.add("list_entries", {
            "id": entry_id, "list_type": list_type, "subject_kind": self.kinds[subject],
            "subject_id": self.ids[subject], "subject_name": self.names[subject],
            "department_code": self.ids[department], "severity": "", "reason": "测试",
            "decision_no": f"（2025）川0104执{len(self.rows.get('list_entries', [])) + 1}号",
            "start_date": start, "end_date": end, "status": status,
            "disputed": "true" if disputed else "false", "repaired_date": repaired, "amount": ""}, when)

    def rel(self, table: str, start: str, end: str, when: tuple[int, ...] = ALL, **props: str) -> None:
        head = {"from_kind": self.kinds.get(start, "department"), "from_id": self.ids.get(start, start),
                "to_kind": self.kinds.get(end, "department"), "to_id": self.ids.get(end, end)}
        self.add(table, {**head, **props}, when)

    def name_holder(self, key: str, name: str) -> None:
        self.ids[key], self.kinds[key], self.names[key] = name, "name", name

    # -- writing -------------------------------------------------------------------------------

    def write(self, root: Path) -> Path:
        for index, as_of in enumerate(SNAPSHOTS):
            folder = root / as_of
            folder.mkdir(parents=True, exist_ok=True)
            files = []
            for spec in FILES:
                table = spec.name.removesuffix(".csv")
                rows = [{c: row.get(c, "") for c in spec.columns}
                        for when, row in self.rows.get(table, []) if index in when]
                with (folder / spec.name).open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle, lineterminator="\n")
                    writer.writerow(spec.columns)
                    for row in rows:
                        writer.writerow([row[c] for c in spec.columns])
                files.append({"name": spec.name, "kind": spec.kind, "target": spec.target,
                              "columns": list(spec.columns), "rows": len(rows)})
            manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "source": SOURCE,
                        "as_of": as_of, "full_snapshot": True, "files": files}
            (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        return root


def build() -> World:
    w = World()
    w.add("regions", {"code": "510000", "name": "四川省", "level": "province", "parent": ""})
    w.add("regions", {"code": "510100", "name": "成都市", "level": "prefecture", "parent": "510000"})
    w.add("regions", {"code": REGION, "name": "锦江区", "level": "county", "parent": "510100"})
    w.department("COURT", "成都市锦江区人民法院", "court")
    w.department("MARKET", "成都市锦江区市场监督管理局", "market_regulation")
    w.department("FINANCE", "成都市锦江区财政局", "finance")
    w.department("TAX", "国家税务总局成都市锦江区税务局", "tax")
    w.department("PUBLIC", "成都市公共资源交易服务中心", "public_resources", "city", "510100")

    # -- 6 shell clusters ----------------------------------------------------------------------
    red_star = "四川省成都市锦江区红星路一段1号"
    w.enterprise("SH1", address=red_star)
    w.enterprise("SH2", address=red_star)
    w.enterprise("SH3", address="四川省成都市锦江区红星路一段１号")  # full-width digit: same key
    w.enterprise("SH4", address=red_star, when=(0, 1))                # moved away in March
    w.add("enterprises", {**w.rows["enterprises"][-1][1], "address": "四川省成都市锦江区红星路二段9号"}, (2,))
    w.entry("SH-1", "SHIXIN", "SH2", "COURT", "2025-01-05", disputed=True)
    w.entry("SH-2", "SERIOUS", "SH3", "MARKET", "2024-06-01", status="repaired", repaired="2025-01-20")
    w.enterprise("PH1", phone="028-85001234")
    w.enterprise("PH2", phone="02885001234")
    w.organisation("PH3", "成都市锦江区测试职业技能培训学校", phone="(028) 8500-1234")
    w.entry("PH-1", "PENALTY", "PH3", "MARKET", "2025-02-10", end="2026-02-10", when=(1, 2))
    for key in ("EAST1", "EAST2", "EAST3"):
        w.enterprise(key, address="四川省成都市锦江区东大街3号")
    # counts from its first day to its last, both included
    w.entry("EA-1", "PENALTY", "EAST1", "MARKET", "2025-02-15", end="2025-03-14")
    w.enterprise("PAIR1", address="四川省成都市锦江区东大街5号")
    w.enterprise("PAIR2", address="四川省成都市锦江区东大街5号")

    # -- 7 guarantee circles and chains --------------------------------------------------------
    for key in ("G1", "G2", "G3", "F1", "F2", "F3", "C1", "C2"):
        w.enterprise(key)
    for a, b in (("G1", "G2"), ("G2", "G3"), ("G3", "G1"), ("G2", "G1"),      # a triangle and a pair
                 ("F1", "F2"), ("F2", "F1"), ("F1", "F3"), ("F3", "F1"),      # a figure of eight
                 ("C1", "C2")):
        w.rel("guarantees", a, b, amount="100.00", since="2024-01-01", until="2027-01-01")
    w.rel("guarantees", "C2", "C1", (0, 1), amount="100.00", since="2024-01-01", until="2025-03-01")
    w.entry("G-1", "ABNORMAL", "G3", "MARKET", "2024-11-11")
    ring7 = [f"K{i}" for i in range(1, 8)]
    ring6 = [f"X{i}" for i in range(1, 7)]
    for ring in (ring7, ring6):
        for key in ring:
            w.enterprise(key)
        for a, b in zip(ring, ring[1:] + ring[:1]):
            w.rel("guarantees", a, b, amount="50.00", since="2024-02-01", until="2027-02-01")
    for key in ("D0", "D1", "D2", "D3", "D4", "D5", "D6", "DD0", "DD1", "DE0", "DE1"):
        w.enterprise(key)
    w.enterprise("HUB1", "中国证券金融股份有限公司")
    w.entry("CH-1", "SHIXIN", "D0", "COURT", "2025-01-15")
    for a, b in (("D1", "D0"), ("D2", "D1"), ("D3", "D2"), ("D4", "D3"), ("HUB1", "D0"), ("D5", "HUB1"),
                 ("DD1", "DD0"), ("DE1", "DE0")):
        w.rel("guarantees", a, b, amount="80.00", since="2024-03-01", until="2027-03-01")
    w.person("PD")
    w.entry("CH-2", "SHIXIN", "PD", "COURT", "2025-01-20")
    w.rel("guarantees", "D6", "PD", amount="20.00", since="2024-05-01", until="2026-05-01")
    w.entry("CH-3", "ABNORMAL", "DD0", "MARKET", "2024-12-01", disputed=True)
    w.entry("CH-4", "PENALTY", "DE0", "MARKET", "2024-02-01", end="2025-02-01", when=(0,))
    w.add("list_entries", {**w.rows["list_entries"][-1][1], "status": "expired"}, (1, 2))
    for i in range(3):  # D1 has a degree of 3: a hub once the threshold is lowered to 3
        w.person(f"EX{i}")
        w.rel("executives", f"EX{i}", "D1", role="director", since="2020-01-01")

    # -- 8 joint punishment --------------------------------------------------------------------
    w.enterprise("J1")
    w.entry("JP-1", "SHIXIN", "J1", "COURT", "2025-01-10")
    w.rel("subsidies", "J1", "FINANCE", id="BZ-1", program="稳岗补贴", date="2025-01-10", amount="10.00")
    w.rel("licences", "J1", "MARKET", id="LC-1", kind="食品经营许可证", date="2025-01-09", valid_until="2030-01-09")
    w.rel("contracts", "J1", "PUBLIC", (2,), id="CG-1", title="道路维修", date="2025-03-15", amount="300.00")
    w.rel("subsidies", "J1", "COURT", id="BZ-2", program="其他", date="2025-02-01", amount="1.00")
    w.rel("subsidies", "J1", "FINANCE", (1,), id="BZ-3", program="技术改造补助", date="2025-02-05", amount="5.00")
    w.enterprise("J2")
    w.entry("JP-2", "PENALTY", "J2", "MARKET", "2025-01-05", end="2025-02-15", when=(0, 1))
    w.add("list_entries", {**w.rows["list_entries"][-1][1], "status": "expired"}, (2,))
    w.rel("subsidies", "J2", "FINANCE", id="BZ-4", program="稳岗补贴", date="2025-02-01", amount="3.00")
    w.person("PJ")
    w.entry("JP-3", "SHIXIN", "PJ", "COURT", "2025-01-25", disputed=True)
    w.rel("subsidies", "PJ", "FINANCE", id="BZ-5", program="创业补贴", date="2025-02-02", amount="2.00")

    # -- 9 redlist conflicts -------------------------------------------------------------------
    for key in ("R1", "R2", "R3", "R4", "R5", "M1", "M3", "M4"):
        w.enterprise(key)
    w.enterprise("HUBE", "中国证券金融股份有限公司北京分公司")  # not a hub: a name is no fragment
    w.enterprise("HUB2", "成都市国有资产监督管理委员会投资有限公司")  # a hub by name fragment
    for key in ("PR1", "PR2", "PR3", "PR4", "PR5", "PR6"):
        w.person(key)
    w.entry("RL-1", "REDLIST_A_TAX", "R1", "TAX", "2025-01-20", end="2026-01-20")
    w.entry("RB-1", "ABNORMAL", "R1", "MARKET", "2024-10-10", disputed=True)
    w.entry("RL-2", "REDLIST_A_TAX", "R2", "TAX", "2025-01-01", end="2026-01-01")
    w.rel("legal_reps", "PR5", "R2", (0,), since="2016-01-01")
    w.rel("legal_reps", "PR1", "R2", (1, 2), since="2025-02-10")
    w.rel("shareholders", "M1", "R2", ratio="0.5000", amount="50.00", since="2016-01-01")
    w.rel("shareholders", "M3", "R2", ratio="0.2500", amount="25.00", since="2016-01-01")
    w.rel("shareholders", "PR2", "M1", ratio="0.8000", amount="80.00", since="2014-01-01")
    w.rel("legal_reps", "PR3", "M1", since="2014-01-01")
    w.rel("shareholders", "M4", "M1", ratio="0.2000", amount="20.00", since="2014-01-01")
    w.rel("shareholders", "PR4", "M4", ratio="0.9000", amount="90.00", since="2013-01-01")
    for entry_id, key, list_type, dept in (("RB-2", "PR1", "SHIXIN", "COURT"), ("RB-3", "M3", "TAX", "TAX"),
                                           ("RB-4", "PR2", "SHIXIN", "COURT"), ("RB-5", "PR3", "SHIXIN", "COURT"),
                                           ("RB-6", "PR4", "SHIXIN", "COURT"), ("RB-7", "PR5", "SHIXIN", "COURT"),
                                           ("RB-8", "PR6", "SHIXIN", "COURT"), ("RB-9", "HUB2", "PENALTY", "MARKET")):
        w.entry(entry_id, list_type, key, dept, "2024-12-20", end="2025-12-20" if list_type == "PENALTY" else "")
    w.entry("RL-3", "REDLIST_A_TAX", "R3", "TAX", "2025-01-01", end="2026-01-01")
    w.rel("shareholders", "HUB2", "R3", ratio="0.6000", amount="60.00", since="2016-01-01")
    w.rel("shareholders", "PR6", "HUB2", ratio="0.7000", amount="70.00", since="2010-01-01")
    w.rel("shareholders", "HUBE", "R3", ratio="0.3000", amount="30.00", since="2016-01-01")
    w.name_holder("NOM", "全国社会保障基金理事会")
    w.rel("shareholders", "NOM", "R3", ratio="0.1000", amount="10.00", since="2016-01-01")
    w.entry("RL-4", "REDLIST_A_TAX", "R4", "TAX", "2024-02-15", end="2025-02-15", when=(0, 1))
    w.rel("legal_reps", "PR1", "R4", since="2010-01-01")
    w.entry("RL-5", "REDLIST_A_TAX", "R5", "TAX", "2025-04-01", end="2026-04-01")
    w.rel("legal_reps", "PR2", "R5", since="2010-01-01")

    # -- 10 changes before a listing -----------------------------------------------------------
    for key in ("L1", "L2", "L4", "L5", "L6"):
        w.enterprise(key, established="2017-06-01")
    w.enterprise("L3", established="2025-02-20", when=(1, 2))
    for key in ("PL1", "PL2", "PL3", "PL4", "PL5", "PL6", "PL7", "PL8", "PL9", "PL10", "PL11"):
        w.person(key)
    w.rel("legal_reps", "PL1", "L1", (0, 1), since="2018-03-01")
    w.rel("legal_reps", "PL2", "L1", (2,), since="2025-03-05")
    w.entry("PLE-1", "SHIXIN", "L1", "COURT", "2025-03-20", disputed=True, when=(2,))
    w.rel("shareholders", "PL3", "L2", (0,), ratio="1.0000", amount="100.00", since="2019-01-01")
    w.rel("shareholders", "PL4", "L2", (1, 2), ratio="1.0000", amount="100.00", since="")
    w.rel("legal_reps", "PL3", "L2", since="2019-01-01")
    w.entry("PLE-2", "SHIXIN", "L2", "COURT", "2025-03-10", when=(2,))
    w.rel("legal_reps", "PL5", "L3", (1, 2), since="2025-02-20")
    w.rel("shareholders", "PL6", "L3", (1, 2), ratio="1.0000", amount="10.00", since="")
    w.entry("PLE-3", "ABNORMAL", "L3", "MARKET", "2025-03-15", when=(2,))
    w.rel("legal_reps", "PL7", "L4", since="2024-12-01")
    w.entry("PLE-4", "PENALTY", "L4", "MARKET", "2025-03-01", end="2026-03-01", when=(2,))
    w.rel("legal_reps", "PL8", "L5", (0,), since="")
    w.rel("legal_reps", "PL9", "L5", (1, 2), since="")
    w.entry("PLE-5", "SHIXIN", "L5", "COURT", "2025-02-28", when=(1, 2))
    w.rel("legal_reps", "PL10", "L6", (0, 1), since="2017-06-01")
    w.rel("legal_reps", "PL11", "L6", (2,), since="2025-03-01")
    w.entry("PLE-6", "SHIXIN", "L6", "COURT", "2025-02-01", when=(0, 1, 2))
    return w
