"""The mappings in sample_data/mappings/ load the real public data of ../shared/data/.

Nobody on this project wrote that data, so it shows what the loader does with real exports:
GBK and tab-separated files, "N/A" for unknown values, masked identifiers, role codes, a file
with two tables in it. Each test loads one source into the empty test graph, checks the
accounting of every file, a measured lower bound on the rows that load, that every quarantined
row has a reason its own values justify, and a few facts in the graph.

The figures are those of the files as published (see ../shared/data/README.md); the data is
read-only and never copied into the project.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from tests.loaders.helpers import MAPPINGS, SHARED_DATA, assert_accounting, file_report, load, reason_codes

from creditgraph.loaders.mapping import load_mapping
from creditgraph.model.identifiers import normalize_uscc, parse_uscc, uscc_problem
from creditgraph.model.names import normalize_name

AS_OF = "2020-01-01"


def _data(name: str) -> Path:
    folder = SHARED_DATA / name
    if not folder.is_dir():
        pytest.skip(f"the shared public data is absent: no {folder.resolve()} (tests of the real "
                    f"mappings read ../shared/data next to the repository)")
    return folder


def _quarantined(report, file: str, table: str) -> list[dict[str, str]]:
    """The quarantine CSV of one input file.

    A file that feeds two tables (enterprises and legal_reps from one export) has one quarantine
    CSV holding both tables' rows; their reason codes tell them apart (each names the column it
    is about), and ``file_report(report, file, table)`` gives each table's counts."""
    f = file_report(report, file, table)
    if not f.quarantine_file:
        return []
    with open(f.quarantine_file, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# -- cn_enterprise_registration --------------------------------------------------------------------

ENTERPRISE_REASONS = {"bad_number:注册资金", "bad_value:kind", "uscc_category:not an enterprise code",
                      "bad_uscc:uscc"}
LEGAL_REP_REASONS = {"missing:from_id", "bad_uscc:to_id"}
LOWER_X = ["91310000x07211601R", "91310000x07214060G", "91310000x07212460Q", "91110102x00012095Q",
           "91440300x188079534", "91440300x188389017", "91330201725141935x"]


@pytest.fixture(scope="module")
def registration_mapping():
    return load_mapping(MAPPINGS / "cn_enterprise_registration.yaml")


def test_enterprise_registration(graph, tmp_path, registration_mapping):
    data = _data("cn_enterprise_registration")
    report = load(graph, tmp_path, data, mapping_file=MAPPINGS / "cn_enterprise_registration.yaml",
                  as_of=AS_OF)
    assert_accounting(report)
    assert report.source == "cn-enterprise-registration"
    files = {"1995_上海.csv": 4851, "1995_北京.csv": 2234, "2000_广东.csv": 6176, "2000_浙江.csv": 10881}
    for name, rows in files.items():
        for table in ("enterprises", "legal_reps"):
            assert file_report(report, name, table).rows_read == rows
    ents = [f for f in report.files if f.table == "enterprises"]
    reps = [f for f in report.files if f.table == "legal_reps"]
    # Measured: 23,839 of 24,142 enterprises load ("N/A" capital is mapped to empty: unknown).
    assert sum(f.rows_loaded for f in ents) >= 23_800
    # 17,516 legal representatives: 广东's file names none ("N/A" in every row).
    assert sum(f.rows_loaded for f in reps) >= 17_500
    assert file_report(report, "2000_广东.csv", "legal_reps").rows_loaded == 0

    kinds = dict(registration_mapping.files[0].columns)["kind"]
    mapped_kinds = {k for k, _ in kinds.map}
    enterprise_rows = legal_rep_rows = 0
    for name in files:
        rows = _quarantined(report, name, "enterprises")
        for row in rows:
            codes = reason_codes(row)
            if set(codes) <= LEGAL_REP_REASONS:
                legal_rep_rows += 1
                for code in codes:
                    if code == "missing:from_id":
                        assert row["法人代表"] in ("N/A", "")
                    else:
                        assert uscc_problem(normalize_uscc(row["统一社会信用代码"]))
                continue
            enterprise_rows += 1
            assert set(codes) <= ENTERPRISE_REASONS, row
            for code in codes:
                if code == "bad_number:注册资金":
                    # no figure at all: "N/A", or a row whose columns are shifted ("Jean")
                    assert not re.search(r"\d", row["注册资金"]), row
                elif code == "bad_value:kind":
                    assert row["企业类型"] not in mapped_kinds, row
                elif code.startswith("uscc_category"):
                    assert parse_uscc(row["统一社会信用代码"]).subject_label == "Organisation"
                else:
                    assert uscc_problem(normalize_uscc(row["统一社会信用代码"])), row
    assert enterprise_rows == sum(f.rows_quarantined for f in ents)
    assert legal_rep_rows == sum(f.rows_quarantined for f in reps)

    # The one old 13-digit registration number (注册号) is no USCC: its row is quarantined as
    # enterprise and as legal representative, at its physical line.
    zj = [r for r in _quarantined(report, "2000_浙江.csv", "enterprises")
          if r["统一社会信用代码"] == "3303262002952"]
    assert sorted(r["reasons"] for r in zj) == ["bad_uscc:to_id", "bad_uscc:uscc"]
    assert {r["line"] for r in zj} == {"181"}
    assert zj[0]["企业名称"] == "浙江省庆元县鸿发菇业有限公司"

    # The seven codes with a lower-case x pass the GB 32100 check once upper-cased
    # (normalize_uscc), so none is quarantined for its code: each either loads, under the
    # upper-case code, or its row fails for another reason (来料加工, a type the model has no
    # kind for).
    lower: dict[str, list[str]] = {}
    for name in files:
        for r in _quarantined(report, name, "enterprises"):
            if r["统一社会信用代码"] in LOWER_X:
                lower.setdefault(r["统一社会信用代码"], []).extend(reason_codes(r))
    assert not any(c.startswith("bad_uscc") for codes in lower.values() for c in codes)
    loaded = {r["uscc"] for r in graph.read(
        "MATCH (e:Enterprise) WHERE e.uscc IN $codes AND e.stub IS NULL RETURN e.uscc AS uscc",
        {"codes": [c.upper() for c in LOWER_X]})}
    for code in LOWER_X:
        if code.upper() not in loaded:
            assert "bad_value:kind" in lower.get(code, []), code
    assert len(loaded) >= 5
    assert graph.read("MATCH (e:Enterprise) WHERE e.uscc CONTAINS 'x' RETURN count(e) AS c")[0]["c"] == 0

    # A known company, its legal representative (a person known by name, tied to the company).
    [row] = graph.read(
        "MATCH (p:Subject)-[:LEGAL_REP_OF]->(e:Enterprise {uscc: '9111010510173365XD'}) "
        "RETURN e.name AS name, e.kind AS kind, e.status AS status, e.registered_capital AS cap, "
        "e.established AS est, e.region_code AS region, e.address AS address, p.name AS rep, "
        "p.sid AS rep_sid, p.unresolved AS unresolved, labels(p) AS labels")
    assert row == {"name": "北京全企国际会计师事务所有限公司", "kind": "llc", "status": "active",
                   "cap": 100.0, "est": "1995-01-01", "region": "110105",
                   "address": "北京市朝阳区吉庆里9号楼蓝筹名座E座1区501室", "rep": "刘建伟",
                   "rep_sid": "name:cn-enterprise-registration:刘建伟@9111010510173365XD",
                   "unresolved": True, "labels": ["Subject"]}
    # Mapped types and the capital forms: 个体工商户 -> individual, "5（万元）"; 普通合伙 ->
    # partnership, "49.2万人民币".
    got = graph.read("MATCH (e:Enterprise) WHERE e.uscc IN ['92440300X190603024', '91330206724059753F'] "
                     "RETURN e.uscc AS uscc, e.kind AS kind, e.registered_capital AS cap ORDER BY uscc")
    assert got == [{"uscc": "91330206724059753F", "kind": "partnership", "cap": 49.2},
                   {"uscc": "92440300X190603024", "kind": "individual", "cap": 5.0}]


# -- cn_listed_company_kg --------------------------------------------------------------------------

HUARUN = "688396.SH"  # 华润微电子: incorporated abroad, published without a USCC
VANKE = "91440300192181490G"


def test_listed_company_kg(graph, tmp_path):
    data = _data("cn_listed_company_kg")
    report = load(graph, tmp_path, data, mapping_file=MAPPINGS / "cn_listed_company_kg.yaml",
                  as_of=AS_OF)
    assert_accounting(report)
    basic = file_report(report, "company_basic_info.gbk.tsv", "enterprises")
    reps = file_report(report, "company_basic_info.gbk.tsv", "legal_reps")
    holders = file_report(report, "shareholder_info.gbk.tsv", "shareholders")
    directors = file_report(report, "keydirector_info.gbk.tsv", "executives")
    assert (basic.rows_read, holders.rows_read, directors.rows_read) == (3873, 33296, 119731)
    assert basic.rows_loaded == reps.rows_loaded == 3872
    assert holders.rows_loaded >= 33_280  # measured 33,285
    assert directors.rows_loaded >= 79_000  # measured 79,737

    # company_basic_info: only 华润微电子 fails, for having no USCC (and no legal representative).
    rows = _quarantined(report, "company_basic_info.gbk.tsv", "enterprises")
    assert sorted((r["gpdm"], r["reasons"]) for r in rows) == [
        (HUARUN, "missing:to_id;missing:from_id"), (HUARUN, "missing:uscc")]
    assert {r["line"] for r in rows} == {"2261"}

    # shareholder_info: the ten holders of 华润微电子 (its stock code maps to an empty USCC), and
    # one account listed twice for one stock with two different holdings.
    rows = _quarantined(report, "shareholder_info.gbk.tsv", "shareholders")
    missing = [r for r in rows if r["reasons"] == "missing:to_id"]
    assert len(missing) == 10 and {r["gpdm"] for r in missing} == {HUARUN}
    [dup] = [r for r in rows if r["reasons"].startswith("duplicate_key")]
    assert (dup["gpdm"], dup["order"], dup["line"]) == ("600381.SH", "9", "21660")
    assert dup["name"] == "中信建投证券股份有限公司行使超额配售选择权专用证券账户"
    assert len(rows) == 11

    # keydirector_info: past independent directors (dldslr) are not a current post and stay
    # unmapped; the rest is 华润微电子 again.
    rows = _quarantined(report, "keydirector_info.gbk.tsv", "executives")
    for row in rows:
        if row["reasons"] == "unmapped_value:zwdm":
            assert row["zwdm"] == "dldslr"
        else:
            assert (row["reasons"], row["gpdm"]) == ("missing:to_id", HUARUN), row
    assert directors.reasons["unmapped_value"] >= 35_000
    # exact repeats (991) and posts that map to one role (gsgg and dshms both -> other)
    assert directors.rows_duplicate >= 991

    # 万科: registered capital from yuan to 万元, kind listed.
    [row] = graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS name, e.kind AS kind, "
                       "e.registered_capital AS cap, e.established AS est, e.address AS address",
                       {"u": VANKE})
    assert row["name"] == "万科企业股份有限公司" and row["kind"] == "listed"
    assert row["cap"] == pytest.approx(1_161_773.2201)
    assert row["est"] == "1984-05-30" and row["address"] == "广东省深圳市盐田区大梅沙环梅路33号万科中心"
    # Its largest holder, as a fraction, through the stock-code lookup.
    top = graph.read("MATCH (h:Subject)-[r:SHAREHOLDER_OF]->(:Enterprise {uscc: $u}) "
                     "RETURN h.name AS name, h.sid AS sid, r.ratio AS ratio ORDER BY r.ratio DESC "
                     "LIMIT 2", {"u": VANKE})
    assert top[0] == {"name": "深圳市地铁集团有限公司", "ratio": pytest.approx(0.2869),
                      "sid": "name:cn-listed-company-kg:深圳市地铁集团有限公司"}
    assert top[1]["name"] == "香港中央结算(代理人)有限公司" and top[1]["ratio"] == pytest.approx(0.1396)
    # A holder known by name is one node across the companies it holds.
    held = graph.read("MATCH (h:Subject {sid: 'name:cn-listed-company-kg:香港中央结算有限公司(陆股通)'})"
                      "-[:SHAREHOLDER_OF]->(e) RETURN count(e) AS c")[0]["c"]
    assert held == 746  # rows naming it in shareholder_info
    ratios = graph.read("MATCH ()-[r:SHAREHOLDER_OF]->() RETURN min(r.ratio) AS lo, max(r.ratio) AS hi")[0]
    assert 0 < ratios["lo"] and ratios["hi"] < 1

    # Posts: the chairman 郁亮 is also a director, in senior management and the legal
    # representative; as a person known by name he is one node, tied to 万科.
    posts = graph.read("MATCH (p:Subject)-[r:EXECUTIVE_OF]->(:Enterprise {uscc: $u}) WHERE p.name = '郁亮' "
                       "RETURN p.sid AS sid, collect(r.role) AS roles", {"u": VANKE})
    assert len(posts) == 1
    assert sorted(posts[0]["roles"]) == ["chairman", "director", "other"]
    assert posts[0]["sid"] == f"name:cn-listed-company-kg:郁亮@{VANKE}"
    [rep] = graph.read("MATCH (p)-[:LEGAL_REP_OF]->(:Enterprise {uscc: $u}) RETURN p.sid AS sid",
                       {"u": VANKE})
    assert rep["sid"] == posts[0]["sid"]
    counts = {r["role"]: r["c"] for r in graph.read(
        "MATCH (:Subject)-[r:EXECUTIVE_OF]->(:Enterprise {uscc: $u}) RETURN r.role AS role, "
        "count(*) AS c", {"u": VANKE})}
    # 4 current independent directors + 6 directors; 3 supervisors
    assert counts["director"] == 10 and counts["supervisor"] == 3 and counts["chairman"] == 1


# -- cn_shixin_sample ------------------------------------------------------------------------------

DEBTOR = "哈尔滨泰富电气有限公司"


def test_shixin_sample(graph, tmp_path):
    data = _data("cn_shixin_sample")
    report = load(graph, tmp_path, data, mapping_file=MAPPINGS / "cn_shixin_sample.yaml",
                  as_of="2018-04-30")
    assert_accounting(report)
    entries = file_report(report, "shixin.csv", "list_entries")
    courts = file_report(report, "shixin.csv", "departments")
    chain = file_report(report, "createChain.csv", "enterprises")
    assert (entries.rows_read, entries.rows_loaded) == (29, 29)
    # 8 spellings of 7 courts: each court once, every other row repeats one
    assert (courts.rows_read, courts.rows_loaded, courts.rows_duplicate) == (29, 7, 22)
    # createChain.csv: the registration row loads; the second table in the same file (its own
    # header and 30 rows of 16 columns) cannot be read with the first table's header.
    assert (chain.rows_read, chain.rows_loaded, chain.rows_quarantined) == (32, 1, 31)
    rows = _quarantined(report, "createChain.csv", "enterprises")
    assert {r["reasons"] for r in rows} == {"field_count:expected 8, got 16"}
    # "\r\r\n" line ends: every record is followed by an empty line, so they sit on odd lines
    assert sorted(int(r["line"]) for r in rows) == list(range(5, 66, 2))

    # An entry, its subject (known by name) and its court.
    [row] = graph.read(
        "MATCH (s:Subject)-[:LISTED]->(l:ListEntry {id: '（2018）黑0103执1352号'})-[:ISSUED_BY]->"
        "(d:Department) RETURN s.sid AS sid, s.name AS subject, s.unresolved AS unresolved, "
        "l.list_type AS list, l.start_date AS start, l.decision_no AS decision, l.status AS status, "
        "l.severity AS severity, d.code AS court_code, d.name AS court, d.kind AS kind, "
        "d.level AS level, d.region_code AS region")
    assert row == {"sid": f"name:cn-shixin-sample:{DEBTOR}", "subject": DEBTOR, "unresolved": True,
                   "list": "SHIXIN", "start": "2018-03-02", "decision": "（2017）黑0103民初6222号",
                   "status": "active", "severity": 5,
                   "court_code": "name:哈尔滨市南岗区人民法院", "court": "哈尔滨市南岗区人民法院",
                   "kind": "court", "level": "county", "region": "230103"}
    # All 29 entries hang on the one subject; the short court name 罗湖区人民法院 is the same court.
    assert graph.read("MATCH (s {sid: $s})-[:LISTED]->(l:ListEntry {list_type: 'SHIXIN'}) "
                      "RETURN count(l) AS c", {"s": f"name:cn-shixin-sample:{DEBTOR}"})[0]["c"] == 29
    luohu = graph.read("MATCH (l:ListEntry)-[:ISSUED_BY]->(d:Department {code: 'name:深圳市罗湖区人民法院'}) "
                       "RETURN l.id AS id ORDER BY id")
    assert [r["id"] for r in luohu] == ["(2016)粤0303执3396号", "（2017）粤0303执恢98号",
                                        "（2017）粤0303执恢99号"]
    assert graph.read("MATCH (d:Department) WHERE d.name IS NULL OR d.level IS NULL "
                      "RETURN count(d) AS c")[0]["c"] == 0

    # The company from createChain.csv, by USCC; a resolver can match the listed name to it.
    [ent] = graph.read("MATCH (e:Enterprise {uscc: '91230199744190927K'}) RETURN e.name AS name, "
                       "e.name_norm AS norm, e.kind AS kind, e.established AS est")
    assert ent == {"name": DEBTOR, "norm": normalize_name(DEBTOR), "kind": "foreign",
                   "est": "2003-04-10"}
    subject_norm = graph.read("MATCH (s {sid: $s}) RETURN s.name_norm AS n",
                              {"s": f"name:cn-shixin-sample:{DEBTOR}"})[0]["n"]
    assert subject_norm == ent["norm"]
