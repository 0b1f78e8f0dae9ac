"""The shared vocabulary of the generator: regions, departments, code and name makers, row writers.

Both the background population (:mod:`creditgraph.synth.generator`) and the planted patterns
(:mod:`creditgraph.synth.patterns`) create subjects and facts through :class:`World`, so every
row has the same shape and every identifier comes from the same index spaces.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from dataclasses import dataclass
from typing import NamedTuple

from creditgraph.model import load_model
from creditgraph.model.regions import counties, load_regions
from creditgraph.synth import codes, names
from creditgraph.synth.departments import Catalogue, Department
from creditgraph.synth.writer import SnapshotWriter

ENTERPRISE_KINDS = ("llc", "sole_llc", "joint_stock", "listed", "soe", "partnership",
                    "sole_proprietorship", "individual", "cooperative", "branch", "foreign")
KIND_INDEX = {k: i for i, k in enumerate(ENTERPRISE_KINDS)}
# Kinds that can hold shares in another enterprise.
HOLDER_KINDS = frozenset(KIND_INDEX[k] for k in ("llc", "sole_llc", "joint_stock", "listed", "soe",
                                                 "partnership", "foreign"))
USCC_CATEGORY = {"individual": "92", "cooperative": "93"}
ORG_CATEGORY = {"public_institution": ("12", "4"), "social_organisation": ("51", "5"),
                "private_non_enterprise": ("52", "5"), "foundation": ("53", "5"),
                "government_body": ("11", "1")}
MODERN_CODES_FROM = dt.date(2015, 10, 1).toordinal()

# Prefecture weights: Chengdu registers about 40% of Sichuan's market entities.
_PREFECTURE_WEIGHT = {"510100": 40.0}
_DEFAULT_PREFECTURE_WEIGHT = 3.0

OUT_OF_PROVINCE_REGIONS = (("110000", "北京市", "province", ""),)


class Ref(NamedTuple):
    """A subject as relationship files name it: kind column, id column, and its name."""

    kind: str  # enterprise, organisation, person, name
    id: str
    name: str


_ISO: dict[int, str] = {}


def iso(ordinal: int) -> str:
    """ISO date of a proleptic ordinal, cached (a few thousand distinct dates recur millions of times)."""
    text = _ISO.get(ordinal)
    if text is None:
        text = _ISO[ordinal] = dt.date.fromordinal(ordinal).isoformat()
    return text


def add_years(ordinal: int, years: int) -> int:
    """The same day ``years`` later (28 Feb for 29 Feb in a common year)."""
    d = dt.date.fromordinal(ordinal)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:
        return d.replace(year=d.year + years, day=28).toordinal()


def money(value: float) -> str:
    """Amounts with two decimals, as published."""
    return f"{value:.2f}"


@dataclass
class Counters:
    """Next free index of each index space; indices are never reused."""

    enterprise: int = 0
    person: int = 0
    organisation: int = 0
    entry: int = 0
    benefit: int = 0


class World:
    """Everything both the background and the planted patterns need to emit consistent rows."""

    def __init__(self, writer: SnapshotWriter, seed: int, as_ofs: list[int], source: str) -> None:
        self.writer = writer
        self.seed = seed
        self.as_ofs = as_ofs
        self.first, self.last = as_ofs[0], as_ofs[-1]
        self.source = source
        self.model = load_model()
        self.catalogue = Catalogue()
        self.counters = Counters()
        regions = load_regions()
        self.region_by_code = {r.code: r for r in regions}
        self.counties = counties()
        self.county_codes = [c.code for c in self.counties]
        self.prefecture_of = [c.parent or c.code for c in self.counties]
        by_pref: dict[str, list[int]] = {}
        for i, pref in enumerate(self.prefecture_of):
            by_pref.setdefault(pref, []).append(i)
        self.counties_in = by_pref
        weights = []
        for i, c in enumerate(self.counties):
            pref_w = _PREFECTURE_WEIGHT.get(self.prefecture_of[i], _DEFAULT_PREFECTURE_WEIGHT)
            weights.append(pref_w / len(by_pref[self.prefecture_of[i]]) * (2.0 if c.name.endswith("区") else 1.0))
        self.county_weights = weights
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        self._county_cum, self._county_total = cum, acc
        # Per-person region, so a person picked again later gets the same ID number back.
        self.person_region = array("H")
        self.name_salt = names.mix64(seed)

    # ------------------------------------------------------------------ places
    def random_county(self, rng: random.Random) -> int:
        """Index into ``counties`` weighted by how many entities register there."""
        from bisect import bisect_left

        return min(bisect_left(self._county_cum, rng.random() * self._county_total), len(self._county_cum) - 1)

    def county_near(self, rng: random.Random, county: int) -> int:
        """A county in the same prefecture most of the time (where people live near their firms)."""
        if rng.random() < 0.6:
            return rng.choice(self.counties_in[self.prefecture_of[county]])
        return self.random_county(rng)

    def place_names(self, county: int) -> tuple[str, str, str]:
        """(prefecture code, prefecture name, county name)."""
        pref = self.prefecture_of[county]
        return pref, self.region_by_code[pref].name, self.counties[county].name

    def dept(self, kind: str, county: int, level: str = "county") -> Department:
        return self.catalogue.serving(kind, self.county_codes[county], level)

    # ------------------------------------------------------------------ rows
    def write_static(self) -> None:
        """Regions and departments: the same in every snapshot."""
        put = self.writer.put
        for r in load_regions():
            put("regions.csv", (r.code, r.name, r.level, r.parent or ""))
        for row in OUT_OF_PROVINCE_REGIONS:
            put("regions.csv", row)
        for d in self.catalogue.departments:
            put("departments.csv", d.row())

    def new_person(self, rng: random.Random, start: int, county: int | None = None) -> Ref:
        """Create a person registered in ``county`` (random if None), present from ``start``."""
        j = self.counters.person
        self.counters.person += 1
        if county is None:
            county = self.random_county(rng)
        self.person_region.append(county)
        number, _birth = codes.resident_id(j, self.county_codes[county])
        name = names.hashed_person_name(self.name_salt, j, codes.is_male(number))
        self.writer.put("persons.csv", (number, name), iso(start))
        return Ref("person", number, name)

    def person(self, j: int) -> Ref:
        """The person with index ``j`` (already created)."""
        number, _ = codes.resident_id(j, self.county_codes[self.person_region[j]])
        return Ref("person", number, names.hashed_person_name(self.name_salt, j, codes.is_male(number)))

    def enterprise_uscc(self, index: int, kind: str, county_code: str, established: int) -> str:
        body = codes.enterprise_body(index, established >= MODERN_CODES_FROM)
        return codes.uscc(USCC_CATEGORY.get(kind, "91"), county_code, body)

    def write_enterprise(self, ref: Ref, kind: str, capital: str, established: int, region_code: str,
                         industry: str, address: str, phone: str, closed: int | None = None,
                         closed_status: str = "cancelled") -> None:
        """Write an enterprise row, switching its status on the closure date when there is one."""
        row = [ref.id, ref.name, kind, "active", capital, iso(established), region_code, industry,
               address, phone]
        start = iso(established)
        if closed is None:
            self.writer.put("enterprises.csv", row, start)
            return
        self.writer.put("enterprises.csv", row, start, iso(closed))
        row[3] = closed_status
        self.writer.put("enterprises.csv", row, iso(closed))

    def write_organisation(self, ref: Ref, kind: str, established: int, region_code: str,
                           address: str, phone: str) -> None:
        self.writer.put("organisations.csv", (ref.id, ref.name, kind, "active", iso(established),
                                              region_code, address, phone), iso(established))

    def organisation_ref(self, kind: str, region_code: str, name: str) -> Ref:
        o = self.counters.organisation
        self.counters.organisation += 1
        category, prefix = ORG_CATEGORY[kind]
        return Ref("organisation", codes.uscc(category, region_code, codes.organisation_body(o, prefix)), name)

    def rel(self, name: str, src: Ref | Department, dst: Ref | Department, props: tuple, start: int,
            end: int | None = None) -> None:
        """Write a relationship row valid from ``start`` (and until ``end``, exclusive)."""
        self.writer.put(name, (*_end(src), *_end(dst), *props), iso(start),
                        iso(end) if end is not None else None)

    def entry(self, subject: Ref, list_type: str, dept: Department, start: int, *,
              reason: str, decision_no: str, repaired: int | None = None, end: int | None = None,
              disputed: bool = False, amount: str = "", severity: int | None = None) -> str:
        """Write a list entry through its life: active, then repaired or expired (or gone).

        Returns its id. ``end`` defaults to start plus the list type's validity.
        """
        lt = self.model.list_type(list_type)
        n = self.counters.entry
        self.counters.entry += 1
        entry_id = f"{list_type}-{dt.date.fromordinal(start).year}-{n:07d}"
        if end is None and lt.validity is not None:
            end = lt.validity.end_date(dt.date.fromordinal(start)).toordinal()
        row = [entry_id, list_type, subject.kind, subject.id, subject.name, dept.code,
               str(severity or lt.severity), reason, decision_no, iso(start),
               iso(end) if end is not None else "", "active", "true" if disputed else "false", "", amount]
        ends = [x for x in (repaired, end) if x is not None]
        stop = min(ends) if ends else None
        put = self.writer.put
        put("list_entries.csv", row, iso(start), iso(stop) if stop is not None else None)
        if stop is not None and lt.published_after_end:
            if repaired is not None and repaired == stop:
                row[11], row[13] = "repaired", iso(repaired)
            else:
                row[11] = "expired"
            put("list_entries.csv", row, iso(stop))
        return entry_id

    def benefit_id(self, prefix: str, year: int) -> str:
        n = self.counters.benefit
        self.counters.benefit += 1
        return f"{prefix}-{year}-{n:07d}"


def _end(x: Ref | Department) -> tuple[str, str]:
    if isinstance(x, Department):
        return ("department", x.code)
    return (x.kind, x.id)
