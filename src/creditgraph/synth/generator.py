"""The synthetic Sichuan population: enterprises, organisations, people, lists and benefits.

One pass over enterprises in order of establishment. Each enterprise's whole history (officers,
holders, closure, list entries, benefits) is decided when it is created and streamed to every
monthly snapshot where it holds, so memory stays flat: only a few compact arrays indexed by
enterprise or person (region, kind) and the preferential-attachment pools are kept.

Heavy tails come from preferential attachment: a new enterprise's legal representative, corporate
holder or director is often drawn from the pool of earlier ones in proportion to how often they
already appear. A few named hubs (nominee holders, securities finance, state-asset
administrations) and hub persons sit on top of that.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from creditgraph.exc import ConfigError
from creditgraph.synth import names
from creditgraph.synth.layout import GROUND_TRUTH
from creditgraph.synth.world import (
    ENTERPRISE_KINDS,
    HOLDER_KINDS,
    KIND_INDEX,
    Ref,
    World,
    add_years,
    iso,
    money,
)
from creditgraph.synth.writer import SnapshotWriter

GENERATOR_NAME = "creditgraph.synth"
GENERATOR_VERSION = "1.0"
DEFAULT_AS_OF = dt.date(2025, 6, 30)
HISTORY_START = dt.date(1995, 1, 1).toordinal()

# Share of enterprises of each kind (listed companies are chosen separately).
_KIND_WEIGHTS = (
    ("llc", 0.58), ("sole_llc", 0.10), ("individual", 0.12), ("branch", 0.06), ("partnership", 0.03),
    ("sole_proprietorship", 0.02), ("cooperative", 0.025), ("joint_stock", 0.025), ("soe", 0.015),
    ("foreign", 0.01),
)
_KINDS = tuple(k for k, _ in _KIND_WEIGHTS)
_KIND_W = tuple(w for _, w in _KIND_WEIGHTS)

# Chance per enterprise of an entry on each list at some time in the last five years.
_LIST_RATES = (("ABNORMAL", 0.045), ("PENALTY", 0.03), ("SHIXIN", 0.012), ("SERIOUS", 0.003),
               ("TAX", 0.0015))
_REPAIR = {"ABNORMAL": (0.6, 30, 400), "PENALTY": (0.3, 90, 365), "SHIXIN": (0.4, 30, 700),
           "SERIOUS": (0.1, 180, 900), "TAX": (0.2, 180, 700)}
REASONS = {
    "SHIXIN": ("有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度", "违反限制消费令",
               "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行"),
    "ABNORMAL": ("通过登记的住所或者经营场所无法联系", "未按规定期限公示年度报告",
                 "公示企业信息隐瞒真实情况、弄虚作假", "未在责令的期限内公示有关企业信息"),
    "SERIOUS": ("被列入经营异常名录届满3年仍未履行相关义务", "提交虚假材料取得登记被撤销",
                "因严重违法行为受到较重行政处罚"),
    "PENALTY": ("未取得食品经营许可从事食品经营活动", "发布虚假广告", "未按规定期限办理纳税申报",
                "超标排放大气污染物", "未落实安全生产主体责任", "销售不合格产品"),
    "TAX": ("虚开增值税专用发票", "偷税", "逃避追缴欠税", "骗取出口退税"),
    "REDLIST_A_TAX": ("纳税信用评价为A级",),
}
_PENALTY_ISSUERS = (("market_regulation", "county", 0.5), ("tax", "county", 0.15),
                    ("ecology_environment", "city", 0.2), ("emergency_management", "county", 0.15))
_LICENCES = {
    "H": ("食品经营许可证", "market_regulation", "county", "JY"),
    "F": ("药品经营许可证", "market_regulation", "city", "YJ"),
    "C": ("排污许可证", "ecology_environment", "city", "PW"),
    "Q": ("医疗机构执业许可证", "health", "county", "YL"),
    "P": ("办学许可证", "education", "county", "BX"),
    "E": ("安全生产许可证", "emergency_management", "city", "AQ"),
}
_SUBSIDY_PROGRAMS = (("中小企业发展专项资金", "finance"), ("稳岗返还补贴", "human_resources"),
                     ("科技型中小企业奖励", "development_reform"), ("技术改造补助", "finance"))
_CONTRACT_PROJECTS = ("办公设备采购", "道路维修工程", "物业管理服务", "信息化系统建设", "绿化养护服务",
                      "食堂食材配送", "校舍改造工程", "医疗设备采购")
_CAPITALS = (10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 1000, 2000, 3000, 5000, 10000)

# Named hubs: nominee and securities-finance holders of listed companies.
HKSCC = "香港中央结算(代理人)有限公司"
SSF = "全国社会保障基金理事会"


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. ``enterprises`` exist on the first snapshot; later ones add about 1%/month."""

    enterprises: int
    seed: int = 0
    snapshots: int = 1
    as_of: dt.date = DEFAULT_AS_OF
    source: str = "synth"

    @property
    def monthly_new(self) -> int:
        """Enterprises established between two consecutive snapshots."""
        return max(1, round(self.enterprises * 0.01))

    @property
    def total_enterprises(self) -> int:
        """Background enterprises over all snapshots (planted and fixed ones come on top)."""
        return self.enterprises + self.monthly_new * (self.snapshots - 1)

    def validate(self) -> None:
        if self.enterprises < 50:
            raise ConfigError(f"--enterprises {self.enterprises} is too small", hint="give at least 50")
        if self.enterprises > 2_000_000:
            raise ConfigError(f"--enterprises {self.enterprises} is more than the synthetic ID spaces allow",
                              hint="give at most 2,000,000")
        if not 1 <= self.snapshots <= 36:
            raise ConfigError(f"--snapshots {self.snapshots} must be from 1 to 36")
        if self.seed < 0:
            raise ConfigError(f"--seed {self.seed} must not be negative")
        if self.as_of.year < 2005 or self.as_of > dt.date(2100, 1, 1):
            raise ConfigError(f"--as-of {self.as_of} is out of range", hint="use a date from 2005 on")


@dataclass
class GenerateResult:
    """What was written: snapshot folders, row counts and the ground-truth file."""

    out: Path
    as_ofs: list[str]
    counts: dict[str, list[int]]
    ground_truth: Path
    patterns: int
    extra: dict = field(default_factory=dict)


def snapshot_dates(as_of: dt.date, k: int) -> list[dt.date]:
    """K monthly as-of dates ending at ``as_of`` (month ends stay month ends)."""
    month_end = as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]
    out = []
    for back in range(k - 1, -1, -1):
        index = as_of.year * 12 + as_of.month - 1 - back
        year, month = divmod(index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        out.append(dt.date(year, month + 1, last if month_end else min(as_of.day, last)))
    return out


class Background:
    """The random population; see the module docstring."""

    def __init__(self, world: World, config: GeneratorConfig) -> None:
        self.w = world
        self.cfg = config
        self.rng = random.Random(f"creditgraph-synth:{config.seed}:background")
        n = config.enterprises
        self.monthly_new = config.monthly_new
        self.total = config.total_enterprises
        self.listed_count = min(max(20, n // 1000), n // 10)
        self.listed_stride = max(1, n // self.listed_count)
        # Per enterprise index: county, kind. Enough to rebuild its USCC and name later.
        self.ent_county = array("H")
        self.ent_kind = array("B")
        self.ent_est = array("I")
        # Preferential-attachment pools: an index appears once per time it was chosen.
        self.rep_pool = array("I")
        self.corp_pool = array("I")
        self.director_pool = array("I")
        self.investor_pool = array("I")
        self.soe_pool = array("I")
        self.recent_addresses: list[str] = []
        self.recent_phones: list[str] = []
        self.hub_persons: list[int] = []
        self.hubs: dict[str, Ref] = {}
        self.sasac: dict[str, Ref] = {}
        self.incubators: list[str] = []

    # ------------------------------------------------------------------ helpers
    def established(self, i: int) -> int:
        """Establishment date of enterprise ``i``: increasing with i, denser in recent years."""
        n = self.cfg.enterprises
        first = self.w.first
        if i < n:
            span = first - 1 - HISTORY_START
            return HISTORY_START + int(span * ((i + 0.5) / n) ** 0.6)
        month, pos = divmod(i - n, self.monthly_new)
        lo, hi = self.w.as_ofs[month], self.w.as_ofs[month + 1]
        return lo + 1 + int((hi - lo - 1) * (pos + 0.5) / self.monthly_new)

    def ref(self, i: int) -> Ref:
        """The enterprise with index ``i`` (already created)."""
        kind = ENTERPRISE_KINDS[self.ent_kind[i]]
        county = self.ent_county[i]
        est = self.ent_est[i]
        code = self.w.county_codes[county]
        return Ref("enterprise", self.w.enterprise_uscc(i, kind, code, est), self.name(i, kind, county))

    def name(self, i: int, kind: str, county: int) -> str:
        _, city, county_name = self.w.place_names(county)
        return names.enterprise_name(i, kind, (i * 7) % 4, city, county_name)[0]

    def pick_earlier_holder(self, i: int) -> int | None:
        """An earlier enterprise that can hold shares: often a popular holder, else any."""
        rng = self.rng
        for _ in range(6):
            if self.corp_pool and rng.random() < 0.5:
                j = self.corp_pool[rng.randrange(len(self.corp_pool))]
            else:
                j = rng.randrange(i) if i else 0
            if j < i and self.ent_kind[j] in HOLDER_KINDS:
                return j
        return None

    def person_from(self, pool: array, p_copy: float, start: int, county: int) -> int:
        """A person index: copied from ``pool`` with probability ``p_copy``, else new."""
        if pool and self.rng.random() < p_copy:
            return pool[self.rng.randrange(len(pool))]
        self.w.new_person(self.rng, start, self.w.county_near(self.rng, county))
        return self.w.counters.person - 1

    def address_and_phone(self, county: int) -> tuple[str, str]:
        rng = self.rng
        pref, city, county_name = self.w.place_names(county)
        roll = rng.random()
        if roll < 0.005 and self.incubators and pref == "510100":
            addr = rng.choice(self.incubators)  # 集中登记地: many firms at one incubator address
        elif roll < 0.015 and self.recent_addresses:
            addr = rng.choice(self.recent_addresses)
        else:
            addr = names.address(rng, city, county_name)
            self._remember(self.recent_addresses, addr)
        if rng.random() < 0.01 and self.recent_phones:
            ph = rng.choice(self.recent_phones)  # an agent's number given by several clients
        else:
            ph = names.phone(rng, pref)
            self._remember(self.recent_phones, ph)
        return addr, ph

    def _remember(self, ring: list[str], value: str) -> None:
        if len(ring) < 500:
            ring.append(value)
        else:
            ring[self.rng.randrange(500)] = value

    # ------------------------------------------------------------------ fixed subjects
    def create_fixed(self) -> None:
        """Hub holders, state-asset administrations, hub persons and incubator addresses."""
        w, rng = self.w, self.rng
        start = HISTORY_START
        self.hubs["hkscc"] = Ref("name", HKSCC, HKSCC)
        self.hubs["ssf"] = Ref("name", SSF, SSF)
        for key, name, kind, est in (("csf", "中国证券金融股份有限公司", "joint_stock", dt.date(2011, 10, 28)),
                                     ("huijin", "中央汇金资产管理有限责任公司", "soe", dt.date(2010, 9, 1))):
            i = w.counters.enterprise
            w.counters.enterprise += 1
            ref = Ref("enterprise", w.enterprise_uscc(i, kind, "110000", est.toordinal()), name)
            w.write_enterprise(ref, kind, money(rng.choice((2_400_000, 5_000_000))), est.toordinal(),
                               "110000", "J 金融业", "北京市西城区金融大街" + str(rng.randint(1, 30)) + "号",
                               "010-" + str(rng.randint(60000000, 69999999)))
            rep = w.new_person(rng, est.toordinal())
            w.rel("legal_reps.csv", rep, ref, (iso(est.toordinal()),), est.toordinal())
            self.hubs[key] = ref
        province = w.region_by_code["510000"]
        est = dt.date(2004, 6, 1).toordinal()
        for region in [province] + [r for r in w.region_by_code.values() if r.level == "prefecture"]:
            name = ("四川省政府国有资产监督管理委员会" if region.level == "province"
                    else f"{region.name}国有资产监督管理委员会")
            ref = w.organisation_ref("government_body", region.code, name)
            w.write_organisation(ref, "government_body", est, region.code, "", "")
            self.sasac[region.code] = ref
        for _ in range(3):
            w.new_person(rng, start, self.w.random_county(rng))
            self.hub_persons.append(w.counters.person - 1)
        chengdu = w.counties_in["510100"]
        for _ in range(30):
            c = rng.choice(chengdu)
            _, city, county_name = w.place_names(c)
            self.incubators.append(f"四川省{city}{county_name}{rng.choice(names.STREET_ROOTS)}路"
                                   f"{rng.randint(1, 999)}号{rng.randint(1, 20)}栋{rng.randint(1, 30)}层"
                                   f"{rng.randint(1, 99):02d}号")

    # ------------------------------------------------------------------ the main loop
    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Create every background enterprise (and organisations alongside)."""
        self.create_fixed()
        for i in range(self.total):
            self.enterprise(i)
            if progress is not None and i % 2000 == 1999:
                progress(2000)
        if progress is not None:
            progress(self.total % 2000)

    def enterprise(self, n: int) -> None:
        w, rng = self.w, self.rng
        i = w.counters.enterprise
        w.counters.enterprise += 1
        est = self.established(n)
        if n < self.cfg.enterprises and n % self.listed_stride == self.listed_stride // 2 \
                and n // self.listed_stride < self.listed_count:
            kind = "listed"
        else:
            kind = rng.choices(_KINDS, _KIND_W)[0]
        county = w.random_county(rng)
        head = None
        if kind == "branch":
            head = self.pick_earlier_holder(i)
            if head is None:
                kind = "llc"
        # Keep arrays aligned with enterprise indices (fixed hubs took the first ones).
        while len(self.ent_kind) < i:
            self.ent_kind.append(KIND_INDEX["individual"])  # never picked as a holder
            self.ent_county.append(0)
            self.ent_est.append(HISTORY_START)
        self.ent_kind.append(KIND_INDEX[kind])
        self.ent_county.append(county)
        self.ent_est.append(est)
        code = w.county_codes[county]
        uscc = w.enterprise_uscc(i, kind, code, est)
        if kind == "branch":
            head_ref = self.ref(head)
            name = f"{head_ref.name}{names.short_place(w.counties[county].name)}分公司"
            industry_index = names.trade_name_and_phrase(head)[1]
        else:
            _, city, county_name = w.place_names(county)
            name, industry_index = names.enterprise_name(i, kind, (i * 7) % 4, city, county_name)
        section, section_name, _, _ = names.INDUSTRIES[industry_index]
        ref = Ref("enterprise", uscc, name)
        capital = self.capital(kind)
        addr, ph = self.address_and_phone(county)
        closed, closed_status = self.closure(est)
        w.write_enterprise(ref, kind, capital, est, code, f"{section} {section_name}", addr, ph,
                           closed, closed_status)
        if kind == "branch":
            w.rel("branches.csv", ref, head_ref, (iso(est),), est)

        # Legal representative, with a change of person inside the snapshot window now and then.
        rep = self.legal_rep(ref, est, county)
        if kind not in ("branch", "individual", "cooperative"):
            co_holders = self.holders(i, ref, kind, est, county, rep, capital)
            self.executives(ref, kind, est, county, rep, co_holders)
        if kind in HOLDER_KINDS_NAMES:
            self.corp_pool.append(i)
        if kind == "soe":
            self.soe_pool.append(i)
        self.lists(ref, kind, est, county, closed)
        self.benefits(ref, kind, est, county, section)
        if kind in ("llc", "joint_stock", "listed", "soe") and rng.random() < 0.02 and i > 10:
            self.guarantee(i, ref, est)
        if rng.random() < 0.04:
            self.organisation(est, county)
        if rng.random() < 0.004 and self.rep_pool:
            self.person_listing(est, county)

    def capital(self, kind: str) -> str:
        rng = self.rng
        if kind == "branch":
            return ""
        if kind == "individual":
            return money(rng.choice((1, 2, 3, 5, 10, 20, 30, 50)))
        if kind == "listed":
            return money(round(rng.lognormvariate(11.5, 0.8), -2))
        if kind in ("joint_stock", "soe"):
            return money(round(rng.lognormvariate(9.0, 1.0), -1))
        return money(rng.choice(_CAPITALS))

    def closure(self, est: int) -> tuple[int | None, str]:
        """Closure date and status: some closed long ago, a few inside the snapshot window."""
        rng, w = self.rng, self.w
        roll = rng.random()
        status = "cancelled" if rng.random() < 0.7 else "revoked"
        if roll < 0.12:
            if est + 365 < w.first:
                return rng.randint(est + 365, w.first - 1), status
        elif roll < 0.12 + 0.003 * (len(w.as_ofs) - 1) and est < w.first:
            return rng.randint(w.first + 1, w.last), status
        return None, status

    def legal_rep(self, ref: Ref, est: int, county: int) -> int:
        w, rng = self.w, self.rng
        if rng.random() < 0.0009 and self.hub_persons:
            p = rng.choice(self.hub_persons)
        else:
            p = self.person_from(self.rep_pool, 0.3, est, county)
        self.rep_pool.append(p)
        person = w.person(p)
        since = est if rng.random() < 0.8 or est + 30 >= w.first else rng.randint(est + 30, w.first - 1)
        if len(w.as_ofs) > 1 and est < w.first and rng.random() < 0.003 * (len(w.as_ofs) - 1):
            change = rng.randint(w.first + 1, w.last)
            w.rel("legal_reps.csv", person, ref, (iso(since),), est, change)
            # The new person appears with the change; kept out of the pools so that no earlier
            # relationship can point at someone who does not exist yet.
            new = w.new_person(rng, change, w.county_near(rng, county))
            w.rel("legal_reps.csv", new, ref, (iso(change),), change)
        else:
            w.rel("legal_reps.csv", person, ref, (iso(since),), est)
        return p

    def holders(self, i: int, ref: Ref, kind: str, est: int, county: int, rep: int, capital: str) -> list[int]:
        """Write the shareholders; return the person holders other than the legal rep."""
        w, rng = self.w, self.rng
        co_holders: list[int] = []
        cap = float(capital or 0)
        holders: list[tuple[Ref, float]] = []
        if kind == "soe":
            pref = w.prefecture_of[county]
            sasac = self.sasac.get(pref) if rng.random() < 0.8 else self.sasac["510000"]
            share = 1.0 if rng.random() < 0.6 else 0.51
            holders.append((sasac, share))
            if share < 1.0:
                j = self.pick_earlier_holder(i)
                holders.append((self.ref(j) if j is not None else w.person(rep), 0.49))
        elif kind == "listed":
            j = self.pick_earlier_holder(i) if rng.random() < 0.5 else None
            controller = self.ref(j) if j is not None else w.person(rep)
            holders.append((controller, round(rng.uniform(0.25, 0.55), 4)))
            holders.append((self.hubs["hkscc"], round(rng.uniform(0.01, 0.08), 4)))
            if rng.random() < 0.7:
                holders.append((self.hubs["csf"], round(rng.uniform(0.005, 0.03), 4)))
            if rng.random() < 0.3:
                holders.append((self.hubs["huijin"], round(rng.uniform(0.005, 0.02), 4)))
            if rng.random() < 0.3:
                holders.append((self.hubs["ssf"], round(rng.uniform(0.005, 0.02), 4)))
            for _ in range(rng.randint(1, 3)):
                p = self.person_from(self.investor_pool, 0.4, est, county)
                self.investor_pool.append(p)
                holders.append((w.person(p), round(rng.uniform(0.005, 0.03), 4)))
        elif kind == "foreign":
            trade = names.trade_name_and_phrase(i)[0]
            foreign = f"{trade}（香港）投资有限公司"
            holders.append((Ref("name", foreign, foreign), 1.0))
        else:
            count = 1 if kind in ("sole_llc", "sole_proprietorship") else \
                rng.choices((1, 2, 3, 4, 5), (0.3, 0.4, 0.15, 0.1, 0.05))[0]
            if kind == "partnership":
                count = max(2, count)
            shares = [rng.random() + 0.2 for _ in range(count)]
            total = sum(shares)
            ratios = [round(s / total, 4) for s in shares]
            ratios[0] = round(1.0 - sum(ratios[1:]), 4)
            for k, ratio in enumerate(ratios):
                roll = rng.random()
                if k == 0 and roll < 0.7:
                    holder = w.person(rep)
                elif roll < 0.2:
                    j = self.pick_earlier_holder(i)
                    holder = self.ref(j) if j is not None else w.person(rep)
                    if j is not None:
                        self.corp_pool.append(j)
                elif roll < 0.215:
                    unresolved = names.hashed_person_name(w.name_salt ^ 0x5A5A, i * 8 + k, rng.random() < 0.6)
                    holder = Ref("name", unresolved, unresolved)
                else:
                    p = self.person_from(self.investor_pool, 0.2, est, county)
                    self.investor_pool.append(p)
                    holder = w.person(p)
                    if p != rep:
                        co_holders.append(p)
                holders.append((holder, ratio))
        seen = set()
        for holder, ratio in holders:
            if holder.id in seen:  # the same holder drawn twice: one registration, not two
                continue
            seen.add(holder.id)
            amount = money(cap * ratio) if cap else ""
            w.rel("shareholders.csv", holder, ref, (f"{ratio:.4f}", amount, iso(est)), est)
        return co_holders

    def executives(self, ref: Ref, kind: str, est: int, county: int, rep: int, co_holders: list[int]) -> None:
        w, rng = self.w, self.rng
        since = (iso(est),)
        if kind in ("joint_stock", "listed", "soe"):
            w.rel("executives.csv", w.person(rep), ref, ("chairman",) + since, est)
            seen = {rep}
            for _ in range(rng.randint(3, 6)):
                d = self.person_from(self.director_pool, 0.4, est, county)
                self.director_pool.append(d)
                if d in seen:
                    continue
                seen.add(d)
                w.rel("executives.csv", w.person(d), ref, ("director",) + since, est)
            sup = self.person_from(self.director_pool, 0.1, est, county)
            if sup not in seen:
                w.rel("executives.csv", w.person(sup), ref, ("supervisor",) + since, est)
            gm = self.person_from(self.director_pool, 0.2, est, county)
            if gm not in seen or gm == rep:
                w.rel("executives.csv", w.person(gm), ref, ("general_manager",) + since, est)
        elif kind in ("llc", "sole_llc", "foreign"):
            w.rel("executives.csv", w.person(rep), ref, ("executive_director",) + since, est)
            # The supervisor is usually a fellow shareholder (often family), else someone new.
            sup = co_holders[0] if co_holders else self.person_from(self.investor_pool, 0.3, est, county)
            if sup != rep:
                w.rel("executives.csv", w.person(sup), ref, ("supervisor",) + since, est)

    def lists(self, ref: Ref, kind: str, est: int, county: int, closed: int | None) -> None:
        w, rng = self.w, self.rng
        window_lo = w.last - 5 * 365
        for code, rate in _LIST_RATES:
            if rng.random() >= rate:
                continue
            lo = max(est + 60, window_lo)
            hi = closed if closed is not None else w.last
            if lo > hi:
                continue
            start = rng.randint(lo, hi)
            self.random_entry(ref, code, start, county)
        if kind in ("llc", "joint_stock", "listed", "soe") and rng.random() < 0.03:
            year = rng.randint(dt.date.fromordinal(w.last).year - 2, dt.date.fromordinal(w.last).year)
            start = dt.date(year, 4, 15).toordinal()
            if est + 3 * 365 < start <= w.last and closed is None:
                w.entry(ref, "REDLIST_A_TAX", w.dept("tax", county, "province"), start,
                        reason=REASONS["REDLIST_A_TAX"][0], decision_no="")

    def random_entry(self, ref: Ref, code: str, start: int, county: int) -> str:
        """A background entry of ``code`` with the usual chance of repair and dispute."""
        w, rng = self.w, self.rng
        dept = self.issuer(code, county)
        p_repair, lo, hi = _REPAIR[code]
        repaired = start + rng.randint(lo, hi) if rng.random() < p_repair else None
        disputed = code in ("SHIXIN", "SERIOUS") and rng.random() < 0.02
        amount = money(rng.lognormvariate(11.0, 1.3)) if code in ("SHIXIN", "PENALTY", "TAX") else ""
        return w.entry(ref, code, dept, start, reason=rng.choice(REASONS[code]),
                       decision_no=decision_no(code, dept.region_code, start, rng.randint(1, 9999)),
                       repaired=repaired, disputed=disputed, amount=amount)

    def issuer(self, code: str, county: int):
        w, rng = self.w, self.rng
        if code == "SHIXIN":
            return w.dept("court", county, "county" if rng.random() < 0.8 else "city")
        if code == "ABNORMAL":
            return w.dept("market_regulation", county)
        if code == "SERIOUS":
            return w.dept("market_regulation", county, "city" if rng.random() < 0.7 else "province")
        if code == "TAX":
            return w.dept("tax", county, "city")
        kind, level, _ = rng.choices(_PENALTY_ISSUERS, [p for *_, p in _PENALTY_ISSUERS])[0]
        return w.dept(kind, county, level)

    def benefits(self, ref: Ref, kind: str, est: int, county: int, section: str) -> None:
        w, rng = self.w, self.rng
        if kind == "branch":
            return
        if rng.random() < 0.15:
            name, dept_kind, level, prefix = _LICENCES.get(section, _LICENCES["H"])
            date = min(est + rng.randint(10, 365), w.last)
            dept = w.dept(dept_kind, county, level)
            licence_no = f"{prefix}{dept.region_code}{w.counters.benefit:08d}"
            w.counters.benefit += 1
            w.rel("licences.csv", ref, dept, (licence_no, name, iso(date), iso(add_years(date, 5))), date)
        lo = max(est + 90, w.last - 3 * 365)
        if lo > w.last:
            return
        if rng.random() < 0.015:
            program, dept_kind = rng.choice(_SUBSIDY_PROGRAMS)
            date = rng.randint(lo, w.last)
            dept = w.dept(dept_kind, county, "county" if rng.random() < 0.6 else "city")
            w.rel("subsidies.csv", ref, dept,
                  (w.benefit_id("BZ" + dept.region_code, dt.date.fromordinal(date).year), program, iso(date),
                   money(rng.uniform(1, 200))), date)
        if rng.random() < 0.015:
            date = rng.randint(lo, w.last)
            if rng.random() < 0.5:
                dept = w.dept("public_resources", county, "city")
            else:
                dept = w.dept("finance", county)
            title = f"{w.counties[county].name}{rng.choice(_CONTRACT_PROJECTS)}项目"
            w.rel("contracts.csv", ref, dept,
                  (w.benefit_id("CG" + dept.region_code, dt.date.fromordinal(date).year), title, iso(date),
                   money(rng.uniform(10, 5000))), date)

    def guarantee(self, i: int, ref: Ref, est: int) -> None:
        w, rng = self.w, self.rng
        j = self.pick_earlier_holder(i)
        if j is None:
            return
        lo = max(est, self.ent_est[j], w.last - 1000)  # guarantees are short: only recent ones are current
        if lo > w.last:
            return
        since = rng.randint(lo, w.last)
        until = since + rng.randint(365, 3 * 365)
        w.rel("guarantees.csv", ref, self.ref(j), (money(rng.uniform(50, 5000)), iso(since), iso(until)),
              since, until)

    def organisation(self, est: int, county: int) -> None:
        """A non-company subject with its sponsor or supervisor and its legal representative."""
        w, rng = self.w, self.rng
        kind = rng.choices(("public_institution", "social_organisation", "private_non_enterprise", "foundation"),
                           (0.35, 0.3, 0.25, 0.1))[0]
        pref, city, county_name = w.place_names(county)
        o = w.counters.organisation
        trade, _, phrase = names.trade_name_and_phrase(o)
        region = w.county_codes[county]
        if kind == "public_institution":
            name = rng.choice((f"{city}{county_name}第{o % 97 + 1}中学", f"{county_name}{trade}社区卫生服务中心",
                               f"{city}{county_name}{trade}幼儿园", f"{county_name}{trade}农业技术推广站"))
        elif kind == "social_organisation":
            name = rng.choice((f"{city}{phrase}行业协会", f"{city}{county_name}{trade}商会",
                               f"{county_name}{phrase}协会"))
            name = f"{name[:-2]}{trade}{name[-2:]}" if name.endswith("协会") and trade not in name else name
        elif kind == "private_non_enterprise":
            name = rng.choice((f"{city}{county_name}{trade}职业技能培训学校", f"{county_name}{trade}养老院",
                               f"{city}{county_name}{trade}艺术培训学校"))
        else:
            name = f"四川省{trade}慈善基金会" if rng.random() < 0.5 else f"{city}{trade}公益基金会"
            region = "510000" if name.startswith("四川省") else pref
        ref = w.organisation_ref(kind, region, name)
        addr, ph = self.address_and_phone(county)
        w.write_organisation(ref, kind, est, region, addr, ph)
        since = (iso(est),)
        if kind in ("social_organisation", "foundation") and self.rep_pool and rng.random() < 0.7:
            rep = self.rep_pool[rng.randrange(len(self.rep_pool))]  # an entrepreneur chairs it
        else:
            rep = self.person_from(self.rep_pool, 0.1, est, county)
        w.rel("legal_reps.csv", w.person(rep), ref, since, est)
        if kind == "public_institution":
            if self.soe_pool and rng.random() < 0.1:
                sponsor = self.ref(self.soe_pool[rng.randrange(len(self.soe_pool))])
            else:
                sponsor = w.dept(rng.choice(("education", "health", "development_reform")), county)
            w.rel("sponsors.csv", sponsor, ref, since, est)
        elif kind == "social_organisation":
            w.rel("supervisors.csv", w.dept(rng.choice(("market_regulation", "development_reform",
                                                        "civil_affairs")), county, "city"), ref, since, est)
            sec = self.person_from(self.director_pool, 0.1, est, county)
            w.rel("executives.csv", w.person(sec), ref, ("secretary_general",) + since, est)
        elif kind == "private_non_enterprise":
            if rng.random() < 0.5 and self.corp_pool:
                sponsor = self.ref(self.corp_pool[rng.randrange(len(self.corp_pool))])
            else:
                sponsor = w.person(rep)
            w.rel("sponsors.csv", sponsor, ref, since, est)
            w.rel("supervisors.csv", w.dept("education", county), ref, since, est)
        else:
            if self.corp_pool:
                w.rel("sponsors.csv", self.ref(self.corp_pool[rng.randrange(len(self.corp_pool))]), ref,
                      since, est)
            w.rel("supervisors.csv", w.dept("civil_affairs", county, "province"), ref, since, est)
        if rng.random() < 0.01:
            start = rng.randint(max(est + 60, w.last - 3 * 365), w.last) if est + 60 <= w.last else None
            if start is not None:
                self.random_entry(ref, "PENALTY", start, county)

    def person_listing(self, est: int, county: int) -> None:
        """A natural person on the dishonest-debtor list (often someone who runs companies)."""
        w, rng = self.w, self.rng
        p = self.rep_pool[rng.randrange(len(self.rep_pool))]
        if p in self.hub_persons:
            return
        lo = max(est, w.last - 5 * 365)
        if lo > w.last:
            return
        self.random_entry(w.person(p), "SHIXIN", rng.randint(lo, w.last), county)


HOLDER_KINDS_NAMES = frozenset(ENTERPRISE_KINDS[k] for k in HOLDER_KINDS)


def decision_no(code: str, region: str, start: int, n: int) -> str:
    """A decision or case number in the style of the issuing authority."""
    year = dt.date.fromordinal(start).year
    if code == "SHIXIN":
        return f"（{year}）川{region[2:6]}执{n}号"
    if code == "ABNORMAL":
        return f"{region}市监异〔{year}〕{n}号"
    if code == "SERIOUS":
        return f"川市监严〔{year}〕{n}号"
    if code == "TAX":
        return f"{region}税稽罚〔{year}〕{n}号"
    if code == "PENALTY":
        return f"{region}罚〔{year}〕{n}号"
    return ""


def generate(config: GeneratorConfig, out: Path,
             progress: Callable[[int], None] | None = None) -> GenerateResult:
    """Write ``config.snapshots`` monthly snapshots under ``out`` and ``out/ground_truth.json``.

    Same config, same bytes. ``progress`` is called with the number of enterprises just done.
    """
    from creditgraph.synth.patterns import plant_patterns

    config.validate()
    dates = snapshot_dates(config.as_of, config.snapshots)
    as_ofs = [d.isoformat() for d in dates]
    out = Path(out)
    generator = {"name": GENERATOR_NAME, "version": GENERATOR_VERSION, "seed": config.seed,
                 "enterprises": config.enterprises, "snapshots": config.snapshots}
    with SnapshotWriter(out, as_ofs) as writer:
        world = World(writer, config.seed, [d.toordinal() for d in dates], config.source)
        world.write_static()
        background = Background(world, config)
        background.run(progress)
        truth = plant_patterns(world, config.seed)
        writer.close()
        manifests = writer.write_manifests(config.source, generator)
    ground = {
        "format": "creditgraph-ground-truth",
        "format_version": 1,
        "generator": generator,
        "source": config.source,
        "snapshots": as_ofs,
        "evaluate_at": as_ofs[-1],
        "pid": "sid of a person = creditgraph.model.identifiers.person_pid(resident ID) under the "
               "CREDITGRAPH_PID_KEY in force when this file was generated",
        "pid_key_is_default": _pid_key_is_default(),
        "counts": {m["as_of"]: {f["name"]: f["rows"] for f in m["files"]} for m in manifests},
        "patterns": truth,
    }
    path = out / GROUND_TRUTH
    path.write_text(json.dumps(ground, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return GenerateResult(out=out, as_ofs=as_ofs, counts=writer.counts, ground_truth=path,
                          patterns=sum(1 for p in truth if p["expect"] != "info"),
                          extra={"persons": world.counters.person, "enterprises": world.counters.enterprise})


def _pid_key_is_default() -> bool:
    import os

    return not os.environ.get("CREDITGRAPH_PID_KEY", "").strip()


__all__ = ["GENERATOR_VERSION", "GenerateResult", "GeneratorConfig", "generate", "snapshot_dates"]
