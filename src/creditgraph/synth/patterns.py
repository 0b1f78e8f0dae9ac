"""Planted patterns with known answers, and negative controls the query packs must not report.

Every planted subject is new and kept apart from the background population (no background
relationship can reach it except through the named hubs, which risk does not cross), so each
expected answer is exact. Expected hop distances are computed here by a breadth-first search over
the planted relationships under the model's propagation rules; the tests recompute them
independently from the CSV files.

Each pattern in ``ground_truth.json`` has an ``id``, a ``kind``, what a pack should do with it
(``expect``: ``report``, ``not_reported`` or ``flagged``), the subjects involved (``sid`` as the
graph will hold it, plus the ``kind`` and ``id`` used in the snapshot files) and kind-specific
details.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from typing import Any

from creditgraph import settings
from creditgraph.model.identifiers import person_pid
from creditgraph.model.names import normalize_name
from creditgraph.synth import names
from creditgraph.synth.generator import HKSCC, REASONS, decision_no
from creditgraph.synth.world import Ref, World, iso, money

UC_THRESHOLD = 0.25


class Planter:
    """Creates isolated subjects and facts and records them for the ground truth."""

    def __init__(self, world: World, seed: int) -> None:
        self.w = world
        self.rng = random.Random(f"creditgraph-synth:{seed}:patterns")
        self.patterns: list[dict[str, Any]] = []
        # Planted relationships as (type, from id, to id), for the expected-distance search.
        self.edges: list[tuple[str, str, str]] = []
        self.names: dict[str, str] = {HKSCC: HKSCC}
        first, last = world.first, world.last
        # Entries start early enough to hold in every snapshot where the window allows it.
        self.s0 = max(first - 60, last - 1000)
        self.hkscc = Ref("name", HKSCC, HKSCC)
        self.rep_of: dict[str, Ref] = {}

    # ------------------------------------------------------------------ subjects
    def person(self, start: int | None = None) -> Ref:
        start = start if start is not None else self.s0 - 4000
        ref = self.w.new_person(self.rng, start)
        self.names[ref.id] = ref.name
        return ref

    def enterprise(self, *, kind: str = "llc", est: int | None = None, rep: Ref | None = None,
                   holder: Ref | None | bool = True, address: str | None = None, phone: str | None = None,
                   capital: str | None = None, rep_until: int | None = None) -> Ref:
        """A new enterprise with a legal rep (new person unless given) who holds it 100% by default.

        ``holder=None``/``False`` leaves the holders to the caller.
        """
        w, rng = self.w, self.rng
        est = est if est is not None else self.s0 - rng.randint(1500, 3000)
        i = w.counters.enterprise
        w.counters.enterprise += 1
        county = w.random_county(rng)
        pref, city, county_name = w.place_names(county)
        name, industry = names.enterprise_name(i, kind, (i * 7) % 4, city, county_name)
        section, section_name, _, _ = names.INDUSTRIES[industry]
        ref = Ref("enterprise", w.enterprise_uscc(i, kind, w.county_codes[county], est), name)
        w.write_enterprise(ref, kind, capital or money(rng.choice((50, 100, 200, 500, 1000))), est,
                           w.county_codes[county], f"{section} {section_name}",
                           address or names.address(rng, city, county_name), phone or names.phone(rng, pref))
        self.names[ref.id] = name
        rep = rep or self.person(est)
        self.rep(rep, ref, est, rep_until)
        self.rep_of[ref.id] = rep
        if holder is True:
            self.hold(rep, ref, 1.0, est)
        elif holder:
            self.hold(holder, ref, 1.0, est)
        return ref

    def county_of(self, subject: Ref) -> int:
        """Index of the county in a subject's USCC or resident ID (Chengdu's first if outside)."""
        code = subject.id[:6] if subject.kind == "person" else subject.id[2:8]
        codes = self.w.county_codes
        return codes.index(code) if code in codes else 0

    # ------------------------------------------------------------------ facts
    def rep(self, person: Ref, ent: Ref, since: int, until: int | None = None) -> None:
        self.w.rel("legal_reps.csv", person, ent, (iso(since),), since, until)
        if until is None:
            self.edges.append(("LEGAL_REP_OF", person.id, ent.id))

    def hold(self, holder: Ref, ent: Ref, ratio: float, since: int, until: int | None = None) -> None:
        self.w.rel("shareholders.csv", holder, ent, (f"{ratio:.4f}", "", iso(since)), since, until)
        if until is None:
            self.edges.append(("SHAREHOLDER_OF", holder.id, ent.id))

    def guarantee(self, guarantor: Ref, debtor: Ref, since: int) -> None:
        until = self.w.last + 3 * 365
        self.w.rel("guarantees.csv", guarantor, debtor,
                   (money(self.rng.uniform(100, 3000)), iso(since), iso(until)), since, until)
        self.edges.append(("GUARANTEES", guarantor.id, debtor.id))

    def entry(self, subject: Ref, code: str, start: int, *, repaired: int | None = None,
              end: int | None = None, disputed: bool = False) -> dict[str, Any]:
        w, rng = self.w, self.rng
        county = self.county_of(subject)
        kind, level = {"SHIXIN": ("court", "county"), "ABNORMAL": ("market_regulation", "county"),
                       "SERIOUS": ("market_regulation", "city"), "PENALTY": ("market_regulation", "county"),
                       "TAX": ("tax", "city"), "REDLIST_A_TAX": ("tax", "province")}[code]
        dept = w.dept(kind, county, level)
        entry_id = w.entry(subject, code, dept, start, reason=REASONS[code][0],
                           decision_no=decision_no(code, dept.region_code, start, rng.randint(1, 9999)),
                           repaired=repaired, end=end, disputed=disputed,
                           amount=money(rng.uniform(5e4, 5e6)) if code == "SHIXIN" else "")
        return {"entry_id": entry_id, "list_type": code, "department": dept.code, "department_kind": kind,
                "start_date": iso(start)}

    def benefit(self, file: str, subject: Ref, dept_kind: str, date: int) -> dict[str, Any]:
        w = self.w
        county = self.county_of(subject)
        dept = w.dept(dept_kind, county, "city" if dept_kind == "public_resources" else "county")
        year = dt.date.fromordinal(date).year
        if file == "subsidies.csv":
            bid = w.benefit_id("BZ" + dept.region_code, year)
            props = (bid, "中小企业发展专项资金", iso(date), money(self.rng.uniform(5, 100)))
        else:
            bid = w.benefit_id("CG" + dept.region_code, year)
            props = (bid, f"{w.counties[county].name}信息化系统建设项目", iso(date),
                     money(self.rng.uniform(50, 2000)))
        w.rel(file, subject, dept, props, date)
        return {"benefit_id": bid, "file": file, "department": dept.code, "date": iso(date)}

    # ------------------------------------------------------------------ ground truth
    def subject(self, ref: Ref, role: str, **extra: Any) -> dict[str, Any]:
        out = {"role": role, "sid": sid_of(ref, self.w.source), "kind": ref.kind, "id": ref.id, "name": ref.name}
        out.update(extra)
        return out

    def add(self, kind: str, expect: str, subjects: list[dict[str, Any]], **details: Any) -> str:
        pid = f"P{len(self.patterns) + 1:03d}"
        self.patterns.append({"id": pid, "kind": kind, "expect": expect, "subjects": subjects, **details})
        return pid

    def distances(self, start: str, list_type: str) -> dict[str, int]:
        """Hop distance from the listed subject to every subject its risk reaches (hubs excluded)."""
        lt = self.w.model.list_type(list_type)
        hubs = self.w.model.hubs
        rules = {(p.relationship, d) for p in lt.propagation
                 for d in (("forward", "backward") if p.direction == "both" else (p.direction,))}
        adjacency: dict[str, list[str]] = {}
        for rtype, a, b in self.edges:
            if (rtype, "forward") in rules:
                adjacency.setdefault(a, []).append(b)
            if (rtype, "backward") in rules:
                adjacency.setdefault(b, []).append(a)
        seen = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in adjacency.get(node, ()):
                if nxt in seen:
                    continue
                if not hubs.propagate_through_hubs and hubs.is_hub_name(self.names.get(nxt, "")):
                    continue
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
        del seen[start]
        return seen

    def reached(self, listed: Ref, list_type: str, ref_by_id: dict[str, Ref]) -> list[dict[str, Any]]:
        k = self.w.model.list_type(list_type).max_hops
        return [self.subject(ref_by_id[i], "reached", hops=h)
                for i, h in sorted(self.distances(listed.id, list_type).items(), key=lambda x: (x[1], x[0]))
                if h <= k and i in ref_by_id]


def sid_of(ref: Ref, source: str) -> str:
    """The ``sid`` the graph will hold for a subject named in the snapshot files."""
    if ref.kind == "person":
        return person_pid(ref.id, key=settings.PID_KEY)
    if ref.kind == "name":
        return f"name:{source}:{normalize_name(ref.name)}"
    return ref.id


def plant_patterns(world: World, seed: int) -> list[dict[str, Any]]:
    """Create every planted pattern and negative control; return their ground-truth records."""
    p = Planter(world, seed)
    refs: dict[str, Ref] = {}

    def track(*items: Ref) -> None:
        for r in items:
            refs[r.id] = r

    s0, first, last = p.s0, world.first, world.last

    # 1. Blacklist propagation chain: L0 <-rep- P1 -rep-> E1 -holds-> E2 -holds-> E3 (beyond k).
    l0 = p.enterprise()
    p1 = next_rep(p, l0)
    e1 = p.enterprise(rep=p1)
    e2 = p.enterprise(holder=None)
    p.hold(e1, e2, 0.6, s0 - 900)
    p.hold(p.person(), e2, 0.4, s0 - 900)
    e3 = p.enterprise(holder=None)
    p.hold(e2, e3, 0.7, s0 - 800)
    p.hold(p.person(), e3, 0.3, s0 - 800)
    track(l0, p1, e1, e2, e3)
    entry = p.entry(l0, "SHIXIN", s0)
    k = world.model.list_type("SHIXIN").max_hops
    chain = p.add("blacklist_propagation", "report",
                  [p.subject(l0, "listed")] + p.reached(l0, "SHIXIN", refs), **entry, max_hops=k)
    dist = p.distances(l0.id, "SHIXIN")
    p.add("path_longer_than_k", "not_reported", [p.subject(l0, "listed"), p.subject(e3, "beyond", hops=dist[e3.id])],
          **entry, max_hops=k, related_pattern=chain)

    # 2. Enterprise sharing a legal representative with a blacklisted one.
    shared_rep = p.person()
    b = p.enterprise(rep=shared_rep)
    a = p.enterprise(rep=shared_rep)
    track(shared_rep, a, b)
    entry = p.entry(b, "SHIXIN", s0 - 10)
    p.add("shared_legal_rep", "report", [p.subject(b, "listed"), p.subject(shared_rep, "legal_rep"),
                                        p.subject(a, "related", hops=2)], **entry)

    # 3. Circular shareholding of lengths 2 to 6.
    cycles = []
    for length in range(2, 7):
        members = [p.enterprise(holder=None) for _ in range(length)]
        ratios = []
        for idx, m in enumerate(members):
            nxt = members[(idx + 1) % length]
            ratio = round(p.rng.uniform(0.3, 0.6), 4)
            p.hold(m, nxt, ratio, s0 - 700)
            p.hold(p.person(), nxt, round(1 - ratio, 4), s0 - 700)
            ratios.append(ratio)
        cycles.append(p.add("circular_shareholding", "report",
                            [p.subject(m, "member", position=i) for i, m in enumerate(members)],
                            length=length, ratios=ratios,
                            note="member i holds member i+1 (the last holds the first)"))

    # 4. Ultimate controllers reaching >= 25% only through layers, and via paths that meet again.
    def owned(holders: list[tuple[Ref, float]], **kw: Any) -> Ref:
        ent = p.enterprise(holder=None, **kw)
        rest = round(1.0 - sum(r for _, r in holders), 4)
        for h, r in holders:
            p.hold(h, ent, r, s0 - 1200)
        if rest > 0:
            p.hold(p.person(), ent, rest, s0 - 1200)
        return ent

    def controller_pattern(kind: str, expect: str, u: Ref, target: Ref, paths: list[list[Ref]],
                           products: list[float], **extra: Any) -> str:
        share = round(sum(products), 6)
        return p.add(kind, expect, [p.subject(u, "controller"), p.subject(target, "target")],
                     expected_share=share, threshold=UC_THRESHOLD,
                     paths=[[sid_of(x, world.source) for x in path] for path in paths],
                     path_products=[round(x, 6) for x in products], **extra)

    u = p.person()
    ua = owned([(u, 0.8)])
    ub = owned([(ua, 0.7)])
    ut = owned([(ub, 0.6)])
    uc_layers = controller_pattern("ultimate_controller", "report", u, ut, [[u, ua, ub, ut]], [0.8 * 0.7 * 0.6],
                                   shape="layers")
    u = p.person()
    da, db = owned([(u, 0.5)]), owned([(u, 0.5)])
    dm = owned([(da, 0.4), (db, 0.4)])
    dt_ = owned([(dm, 0.7)])
    uc_diamond = controller_pattern("ultimate_controller", "report", u, dt_, [[u, da, dm, dt_], [u, db, dm, dt_]],
                                    [0.5 * 0.4 * 0.7, 0.5 * 0.4 * 0.7], shape="paths_meet_again")
    u = p.person()
    sa, sb = owned([(u, 0.6)]), owned([(u, 0.5)])
    st = owned([(sa, 0.25), (sb, 0.3)])
    uc_sum = controller_pattern("ultimate_controller", "report", u, st, [[u, sa, st], [u, sb, st]],
                                [0.6 * 0.25, 0.5 * 0.3], shape="sum_over_paths")
    v = p.person()
    na, nb = owned([(v, 0.4)]), owned([(v, 0.3)])
    nt = owned([(na, 0.3), (nb, 0.4)])
    uc_below = controller_pattern("controller_below_threshold", "not_reported", v, nt,
                                  [[v, na, nt], [v, nb, nt]], [0.4 * 0.3, 0.3 * 0.4])

    # 5. Shell clusters sharing an address, and sharing a phone.
    _, city, county_name = world.place_names(world.county_codes.index("510107"))
    shared_address = f"四川省{city}{county_name}{p.rng.choice(names.STREET_ROOTS)}路{p.rng.randint(1, 999)}号" \
                     f"{p.rng.randint(1, 9)}栋{p.rng.randint(10, 30)}层{p.rng.randint(1, 40):02d}号"
    est = s0 - 400
    reps = [p.person(), p.person()]
    shells = [p.enterprise(est=est + d, address=shared_address, rep=reps[d % 2], capital=money(10))
              for d in range(5)]
    p.add("shell_cluster", "report", [p.subject(s, "member") for s in shells], shared="address",
          value=shared_address, size=len(shells))
    shared_phone = "028-" + str(p.rng.randint(60000000, 89999999))
    shells = [p.enterprise(est=est + 3 * d, phone=shared_phone, capital=money(50)) for d in range(4)]
    p.add("shell_cluster", "report", [p.subject(s, "member") for s in shells], shared="phone",
          value=shared_phone, digits="".join(ch for ch in shared_phone if ch.isdigit()), size=len(shells))

    # 6. Guarantee circles, and a guarantee chain ending at a listed subject.
    circles = []
    for length in (2, 3, 4):
        members = [p.enterprise() for _ in range(length)]
        for idx, m in enumerate(members):
            p.guarantee(m, members[(idx + 1) % length], s0 - 300)
        circles.append(p.add("guarantee_circle", "report",
                             [p.subject(m, "member", position=i) for i, m in enumerate(members)],
                             length=length, note="member i guarantees member i+1 (the last the first)"))
    g = [p.enterprise() for _ in range(3)]
    gl = p.enterprise()
    p.guarantee(g[0], g[1], s0 - 200)
    p.guarantee(g[1], g[2], s0 - 200)
    p.guarantee(g[2], gl, s0 - 200)
    track(*g, gl)
    entry = p.entry(gl, "SHIXIN", s0 - 20)
    dist = p.distances(gl.id, "SHIXIN")
    p.add("guarantee_chain", "report",
          [p.subject(gl, "listed")] + [p.subject(x, "guarantor", hops=dist[x.id]) for x in reversed(g)], **entry)

    # 7. 金蝉脱壳: a listed enterprise's legal representative sets up a new company after listing.
    gc = p.enterprise()
    gc_rep = next_rep(p, gc)
    entry = p.entry(gc, "SHIXIN", s0 - 30)
    new = p.enterprise(est=s0 + 15, rep=gc_rep)
    p.add("golden_cicada", "report", [p.subject(gc, "listed"), p.subject(gc_rep, "legal_rep"),
                                      p.subject(new, "new_company")],
          **entry, established=iso(s0 + 15), days_after_listing=45)
    gc2 = p.enterprise()
    gc2_rep = next_rep(p, gc2)
    entry = p.entry(gc2, "SHIXIN", s0 - 30)
    old = p.enterprise(est=s0 - 430, rep=gc2_rep)
    p.add("golden_cicada", "not_reported", [p.subject(gc2, "listed"), p.subject(gc2_rep, "legal_rep"),
                                            p.subject(old, "new_company")],
          **entry, established=iso(s0 - 430), days_after_listing=-400,
          note="the other company predates the listing")

    # 8. Listed by a court, then granted a subsidy or contract by another department while listed.
    for file in ("subsidies.csv", "contracts.csv"):
        s = p.enterprise()
        entry = p.entry(s, "SHIXIN", s0 - 40)
        benefit = p.benefit(file, s, "finance" if file == "subsidies.csv" else "public_resources", s0 - 10)
        p.add("benefit_while_listed", "report", [p.subject(s, "listed")], **entry, benefit=benefit)
    s = p.enterprise()
    entry = p.entry(s, "SHIXIN", s0 - 40)
    benefit = p.benefit("contracts.csv", s, "public_resources", s0 - 240)
    p.add("benefit_while_listed", "not_reported", [p.subject(s, "listed")], **entry, benefit=benefit,
          note="the contract predates the listing")

    # 9. A redlisted enterprise whose controller is on the dishonest-debtor list.
    controller = p.person()
    red = p.enterprise(rep=controller, holder=None)
    p.hold(controller, red, 0.7, s0 - 2000)
    p.hold(p.person(), red, 0.3, s0 - 2000)
    red_start = max(first - 30, last - 300)
    red_entry = p.entry(red, "REDLIST_A_TAX", red_start)
    black_entry = p.entry(controller, "SHIXIN", s0 - 50)
    p.add("redlist_controller_blacklisted", "report", [p.subject(red, "redlisted"), p.subject(controller, "controller")],
          redlist=red_entry, blacklist=black_entry, control_share=0.7)

    # 10. Officer or shareholder change shortly before a listing, visible across snapshots.
    k_snap = len(world.as_ofs)
    if k_snap >= 3:
        change = world.as_ofs[-3] + 5
    elif k_snap == 2:
        change = world.as_ofs[0] + 3
    else:
        change = last - 60
    listing = min(change + 40, last) if k_snap >= 3 else min(change + 20, last)
    ce = p.enterprise(rep_until=change)
    old_rep = next_rep(p, ce)
    new_rep = p.person(change)
    p.rep(new_rep, ce, change)
    entry = p.entry(ce, "SHIXIN", listing)
    p.add("officer_change_before_listing", "report",
          [p.subject(ce, "listed"), p.subject(old_rep, "old_legal_rep"), p.subject(new_rep, "new_legal_rep")],
          **entry, change="legal_rep", change_date=iso(change), days_before_listing=listing - change,
          snapshots_before=[a for a in map(iso, world.as_ofs) if a < iso(change)],
          snapshots_after=[a for a in map(iso, world.as_ofs) if a >= iso(change)])
    holder_old = p.person()
    se = p.enterprise(holder=None)
    p.hold(holder_old, se, 1.0, s0 - 1500, until=change)
    holder_new = p.person(change)
    p.hold(holder_new, se, 1.0, change)
    entry = p.entry(se, "SHIXIN", listing)
    p.add("officer_change_before_listing", "report",
          [p.subject(se, "listed"), p.subject(holder_old, "old_shareholder"), p.subject(holder_new, "new_shareholder")],
          **entry, change="shareholder", change_date=iso(change), days_before_listing=listing - change,
          snapshots_before=[a for a in map(iso, world.as_ofs) if a < iso(change)],
          snapshots_after=[a for a in map(iso, world.as_ofs) if a >= iso(change)])

    # 11. Negative controls on entries: repaired, expired, disputed (flagged), removed.
    r1 = p.enterprise()
    r1_rep = next_rep(p, r1)
    o1 = p.enterprise(rep=r1_rep)
    entry = p.entry(r1, "SERIOUS", s0 - 500, repaired=s0 - 100)
    p.add("repaired_entry", "not_reported", [p.subject(r1, "listed"), p.subject(o1, "related", hops=2)],
          **entry, status="repaired", repaired_date=iso(s0 - 100))
    x1 = p.enterprise()
    x1_rep = next_rep(p, x1)
    entry = p.entry(x1, "PENALTY", s0 - 500)
    p.add("expired_entry", "not_reported", [p.subject(x1, "listed"), p.subject(x1_rep, "related", hops=1)],
          **entry, status="expired")
    d1 = p.enterprise()
    d1_rep = next_rep(p, d1)
    d2 = p.enterprise(rep=d1_rep)
    entry = p.entry(d1, "SHIXIN", s0 - 15, disputed=True)
    p.add("disputed_entry", "flagged", [p.subject(d1, "listed"), p.subject(d2, "related", hops=2)],
          **entry, disputed=True)
    if k_snap >= 2:
        z = p.enterprise()
        z_rep = next_rep(p, z)
        z2 = p.enterprise(rep=z_rep)
        removed = world.as_ofs[-2] + 5
        entry = p.entry(z, "SHIXIN", s0 - 200, repaired=removed)
        p.add("entry_removed", "not_reported", [p.subject(z, "listed"), p.subject(z2, "related", hops=2)],
              **entry, removed_after=iso(world.as_ofs[-2]), repaired_date=iso(removed),
              note="published while active; absent from the snapshots after its repair")

    # 12. Risk must not pass through a hub, and the qualifying path may be longer than the shortest.
    lh = p.enterprise(kind="listed", holder=None)
    p.hold(p.person(), lh, 0.4, s0 - 1500)
    p.hold(p.hkscc, lh, 0.05, s0 - 1500)
    bh = p.enterprise(kind="listed", holder=None)
    p.hold(p.person(), bh, 0.45, s0 - 1500)
    p.hold(p.hkscc, bh, 0.04, s0 - 1500)
    track(lh, bh)
    entry = p.entry(lh, "SERIOUS", s0 - 25)
    hub_chain = p.add("hub_chain", "not_reported",
                      [p.subject(lh, "listed"), p.subject(p.hkscc, "hub"), p.subject(bh, "beyond_hub", hops=2)],
                      **entry, note="the only path from the listed subject passes through a nominee holder")
    lq = p.enterprise(kind="listed", holder=None)
    lq_rep = next_rep(p, lq)
    p.hold(lq_rep, lq, 0.35, s0 - 1500)
    p.hold(p.hkscc, lq, 0.06, s0 - 1500)
    xq = p.enterprise(kind="listed", holder=None)
    yq = p.enterprise(rep=lq_rep)
    p.hold(yq, xq, 0.3, s0 - 1500)
    p.hold(p.hkscc, xq, 0.03, s0 - 1500)
    track(lq, lq_rep, xq, yq)
    entry = p.entry(lq, "SHIXIN", s0 - 25)
    dist = p.distances(lq.id, "SHIXIN")
    longer = p.add("qualifying_path_longer_than_shortest", "report",
                   [p.subject(lq, "listed"), p.subject(xq, "related", hops=dist[xq.id])],
                   **entry, shortest_any_path=2, shortest_qualifying_path=dist[xq.id],
                   note="the 2-hop path goes through a nominee holder; the qualifying one has 3 hops")

    p.patterns.append({
        "id": "SHAPES", "kind": "portability_shapes", "expect": "info", "subjects": [],
        "note": "patterns holding the shapes of the five portability traps (docs: cypher-portability)",
        "paths_meet_again": [uc_diamond],
        "cycles": cycles + circles,
        "two_holders_of_one_enterprise": [uc_diamond, uc_sum, uc_below],
        "qualifying_path_longer_than_shortest": [longer],
        "through_hub": [hub_chain],
        "several_layers": [uc_layers],
    })
    return p.patterns


def next_rep(p: Planter, ent: Ref) -> Ref:
    """The (first) legal representative ``Planter.enterprise`` gave ``ent``."""
    return p.rep_of[ent.id]
