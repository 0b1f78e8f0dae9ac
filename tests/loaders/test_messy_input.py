"""Messy input: what departments' exports really look like, and what the loader does with it.

Each scenario writes a tiny snapshot into tmp_path (canonical layout with a manifest.json, or a
department's own export plus a mapping) with good rows and bad ones, and says what must happen:
per file, how many rows are read, loaded and counted as duplicates, and for every quarantined row
its physical line, its reason codes and (where given) its original values. Every scenario runs
twice: through ``Loader`` in-process, and through ``python -m creditgraph load --report`` as a
user runs it, whose report JSON must carry the same figures.

The tests at the end pin loader bugs found with these files (lost original values, line numbers
past the first parse block, bad bytes, unreadable inputs, truncated copies), now fixed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from stdnum.cn import ric
from tests.loaders.helpers import (
    AS_OF,
    REPORT_KEYS,
    assert_accounting,
    bad_check,
    csv_text,
    enterprise,
    file_report,
    load,
    quarantine_rows,
    resident_id,
    run_cli,
    uscc,
    write_bytes,
    write_manifest,
    write_mapping,
    write_table,
)

from creditgraph.exc import CreditgraphError
from creditgraph.synth import layout

ENTERPRISE_COLUMNS = layout.BY_NAME["enterprises.csv"].columns


# -- scenarios -------------------------------------------------------------------------------------

@dataclass
class Expect:
    """What must happen to one input file."""

    file: str
    table: str
    read: int
    loaded: int
    duplicate: int = 0
    #: physical line -> reason codes exactly as the quarantine file gives them (";"-joined)
    quarantined: dict[int, str] = field(default_factory=dict)
    #: physical line -> some original values the quarantine file must repeat
    originals: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass
class Scenario:
    path: Path
    source: str
    expects: list[Expect]
    check: Callable  # check(graph, source): the graph holds what the good rows say
    mapping: Path | None = None
    as_of: str | None = None  # None: from the manifest

    def load_kwargs(self) -> dict:
        out: dict = {}
        if self.mapping:
            out["mapping_file"] = self.mapping
        if self.as_of:
            out["as_of"] = self.as_of
        return out

    def cli_args(self, report: Path) -> list[str]:
        args = ["load", str(self.path), "--report", str(report), "--quiet"]
        if self.mapping:
            args += ["--mapping", str(self.mapping)]
        if self.as_of:
            args += ["--as-of", self.as_of]
        return args


def _props(graph, cypher: str, **params) -> list[dict]:
    return graph.read(cypher, params)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# The same enterprises in three encodings: simplified, traditional and full-width spellings of two
# names, and a bad code whose (traditional) name must reach the quarantine file intact.
NAMES = {1: "成都蓉兴商贸有限责任公司", 2: "成都蓉興商貿有限責任公司", 3: "成都蓉兴商贸有限公司",
         4: "ＡＢＣ（成都）蓉兴商贸有限公司", 5: "ABC(成都)蓉兴商贸有限公司", 6: "ａｂｃ【成都】蓉興商貿有限公司"}


def _encoding_scenario(folder: Path, encoding: str, bom: bool) -> Scenario:
    source = f"enc-{encoding}{'-bom' if bom else ''}"
    rows = [enterprise(n, name=name) for n, name in NAMES.items()]
    rows.append(enterprise(7, name="成都壞碼商貿有限公司", uscc=bad_check(uscc(7))))
    write_table(folder, "enterprises", rows, encoding=encoding, bom=bom)
    write_manifest(folder, source=source)

    def check(graph, source):
        got = {r["uscc"]: (r["name"], r["norm"]) for r in _props(
            graph, "MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.name AS name, e.name_norm AS norm")}
        assert {u: name for u, (name, _) in got.items()} == {uscc(n): name for n, name in NAMES.items()}
        # one name_norm across simplified, traditional, 有限责任公司 and full-width forms
        assert {got[uscc(n)][1] for n in (1, 2, 3)} == {"成都蓉兴商贸有限公司"}
        assert {got[uscc(n)][1] for n in (4, 5, 6)} == {"ABC(成都)蓉兴商贸有限公司"}

    return Scenario(folder, source, [Expect(
        "enterprises.csv", "enterprises", read=7, loaded=6, quarantined={8: "bad_uscc:uscc"},
        originals={8: {"uscc": bad_check(uscc(7)), "name": "成都壞碼商貿有限公司"}})], check)


def scenario_utf8(folder: Path) -> Scenario:
    return _encoding_scenario(folder, "utf-8", bom=False)


def scenario_utf8_bom(folder: Path) -> Scenario:
    return _encoding_scenario(folder, "utf-8", bom=True)


def scenario_gb18030(folder: Path) -> Scenario:
    return _encoding_scenario(folder, "gb18030", bom=False)


def scenario_enterprise_faults(folder: Path) -> Scenario:
    """One fault per row of enterprises.csv (line numbers in the comments)."""
    u5 = uscc(5)
    rows = [
        enterprise(1),                                              # 2 good
        enterprise(2, uscc=uscc(2).lower()),                        # 3 lower-case: normalised
        enterprise(3, uscc=_fullwidth(uscc(3))),                    # 4 full-width: normalised
        enterprise(4, uscc=bad_check(uscc(4))),                     # 5 check character
        enterprise(5, uscc=u5[:8] + "I" + u5[9:]),                  # 6 forbidden letter I
        enterprise(6, uscc=u5[:8] + "o" + u5[9:]),                  # 7 forbidden o -> O
        enterprise(7, uscc="510104000012345"),                      # 8 old 15-digit 注册号
        enterprise(8, name=""),                                     # 9 blank name
        enterprise(9, uscc=""),                                     # 10 blank code
        enterprise(10, name="   "),                                 # 11 name of spaces
        enterprise(11, established="2024-13-01"),                   # 12 month 13
        enterprise(12, established="2023/02/30"),                   # 13 no 30 February
        enterprise(13, established="yesterday"),                    # 14 no date
        enterprise(14, established="2019年3月5日"),                  # 15 good, Chinese form
        enterprise(15, established="20200102"),                     # 16 good, compact form
        enterprise(16, kind="有限公司"),                             # 17 Chinese label, not code
        enterprise(17, kind=""),                                    # 18 kind is required
        enterprise(18, status="吊销"),                               # 19 Chinese label
        enterprise(19, registered_capital="-5"),                    # 20 negative
        enterprise(20, registered_capital="一百万"),                 # 21 no number
        enterprise(21, uscc=uscc(21, category="12")),               # 22 事业单位 code
        enterprise(22, uscc=bad_check(uscc(22)), established="2024-02-30"),  # 23 two faults
        enterprise(23, registered_capital="1,234.5"),               # 24 good, thousands comma
        enterprise(24, phone="028-8500 1234", address="成都市锦江区春熙路1号"),  # 25 good
    ]
    write_table(folder, "enterprises", rows)
    write_manifest(folder, source="faults")
    quarantined = {
        5: "bad_uscc:uscc", 6: "bad_uscc:uscc", 7: "bad_uscc:uscc", 8: "bad_uscc:uscc",
        9: "missing:name", 10: "missing:uscc", 11: "missing:name",
        12: "bad_date:established", 13: "bad_date:established", 14: "bad_date:established",
        17: "bad_value:kind", 18: "missing:kind", 19: "bad_value:status",
        20: "out_of_range:registered_capital", 21: "bad_number:registered_capital",
        22: "uscc_category:not an enterprise code", 23: "bad_uscc:uscc;bad_date:established",
    }
    originals = {line: {"uscc": str(rows[line - 2]["uscc"]), "name": str(rows[line - 2]["name"]),
                        "established": str(rows[line - 2]["established"])} for line in quarantined}

    def check(graph, source):
        got = {r["uscc"]: r for r in _props(
            graph, "MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.established AS est, "
                   "e.registered_capital AS cap, e.stub AS stub")}
        assert set(got) == {uscc(n) for n in (1, 2, 3, 14, 15, 23, 24)}
        assert got[uscc(14)]["est"] == "2019-03-05" and got[uscc(15)]["est"] == "2020-01-02"
        assert got[uscc(23)]["cap"] == 1234.5
        assert [r["n"] for r in _props(graph, "MATCH (e:Enterprise {uscc: $u})-[:HAS_PHONE]->(p:Phone) "
                                              "RETURN p.number AS n", u=uscc(24))] == ["02885001234"]

    return Scenario(folder, "faults", [Expect("enterprises.csv", "enterprises", read=24, loaded=7,
                                              quarantined=quarantined, originals=originals)], check)


def _future_id() -> str:
    head = "510104" + "20900101" + "701"
    return head + ric.calc_check_digit(head + "0")


def _unknown_region_id() -> str:
    head = "990101" + "19700101" + "701"
    return head + ric.calc_check_digit(head + "0")


def scenario_person_faults(folder: Path) -> Scenario:
    with_x = resident_id(6)
    assert with_x.endswith("X")
    rows = [
        {"id_number": resident_id(0), "name": "张伟"},                # 2 good
        {"id_number": with_x.lower(), "name": "李娜"},                # 3 lower-case x: normalised
        {"id_number": _fullwidth(resident_id(1)), "name": "王芳"},    # 4 full-width: normalised
        {"id_number": bad_check(resident_id(2)), "name": "刘洋"},     # 5 check character
        {"id_number": resident_id(3)[:17], "name": "陈静"},           # 6 17 characters
        {"id_number": "510104700101701", "name": "杨磊"},             # 7 old 15-digit number
        {"id_number": _future_id(), "name": "赵敏"},                  # 8 born in 2090
        {"id_number": "510104********701X", "name": "黄勇"},          # 9 masked
        {"id_number": _unknown_region_id(), "name": "周杰"},          # 10 no such address code
        {"id_number": resident_id(4), "name": ""},                   # 11 blank name
        {"id_number": "", "name": "吴刚"},                            # 12 blank number
        {"id_number": resident_id(5), "name": "張偉"},                # 13 good, traditional
    ]
    write_table(folder, "persons", rows)
    write_manifest(folder, source="persons")
    quarantined = {5: "bad_resident_id:id_number", 6: "bad_resident_id:id_number",
                   7: "bad_resident_id:id_number", 8: "bad_resident_id:id_number",
                   9: "bad_resident_id:id_number", 10: "bad_resident_id:id_number",
                   11: "missing:name", 12: "missing:id_number"}
    originals = {line: dict(rows[line - 2]) for line in quarantined}
    numbers = [unicodedata.normalize("NFKC", r["id_number"]).upper() for r in rows if r["id_number"]]

    def check(graph, source):
        got = _props(graph, "MATCH (p:Person) RETURN p.name AS name, p.name_norm AS norm, "
                            "p.id_masked AS masked, properties(p) AS props ORDER BY p.id_masked")
        assert sorted(r["name"] for r in got) == sorted(["张伟", "李娜", "王芳", "張偉"])
        assert {r["masked"] for r in got if r["name"] == "李娜"} == {"510104********706X"}
        # 张伟 and 張偉 are two people (two numbers) with one name_norm
        assert {r["norm"] for r in got if r["name"] in ("张伟", "張偉")} == {"张伟"}
        # the resident ID number itself never reaches the graph
        text = json.dumps([r["props"] for r in got], ensure_ascii=False)
        assert not any(n in text for n in numbers)

    return Scenario(folder, "persons", [Expect("persons.csv", "persons", read=12, loaded=4,
                                               quarantined=quarantined, originals=originals)], check)


HKSCC = "香港中央结算(代理人)有限公司"


def scenario_ratios(folder: Path) -> Scenario:
    person = resident_id(0)
    write_table(folder, "enterprises", [enterprise(1), enterprise(2), enterprise(3)])
    write_table(folder, "persons", [{"id_number": person, "name": "张伟"}])

    def sh(fk, fid, tk, tid, ratio, amount=None):
        return {"from_kind": fk, "from_id": fid, "to_kind": tk, "to_id": tid, "ratio": ratio,
                "amount": amount}

    rows = [
        sh("person", person, "enterprise", uscc(1), "0.25"),         # 2 good
        sh("person", person, "enterprise", uscc(2), "1.5"),          # 3 above 1
        sh("person", person, "enterprise", uscc(3), "-0.1"),         # 4 below 0
        sh("name", HKSCC, "enterprise", uscc(3), "25%"),             # 5 a percentage
        sh("name", HKSCC, "enterprise", uscc(1), "0.6"),             # 6 good, holder by name
        sh("enterprise", uscc(1), "enterprise", uscc(2), "0"),       # 7 good, edge
        sh("enterprise", uscc(1), "enterprise", uscc(3), ""),        # 8 ratio is required
        sh("person", person, "organisation", uscc(3), "0.1"),        # 9 not a kind allowed here
        sh("enterprise", bad_check(uscc(2)), "enterprise", uscc(3), "0.1"),  # 10 bad holder code
        sh("person", bad_check(person), "enterprise", uscc(3), "0.1"),       # 11 bad holder ID
        sh("enterprise", uscc(2), "enterprise", uscc(3), "1"),       # 12 good, edge
        sh("enterprise", uscc(3), "enterprise", uscc(1), "0.3333", "-1"),  # 13 negative amount
    ]
    write_table(folder, "shareholders", rows)
    write_manifest(folder, source="ratios")
    quarantined = {3: "out_of_range:ratio", 4: "out_of_range:ratio", 5: "bad_number:ratio",
                   8: "missing:ratio", 9: "bad_value:to_kind", 10: "bad_uscc:from_id",
                   11: "bad_resident_id:from_id", 13: "out_of_range:amount"}
    originals = {line: {k: str(v or "") for k, v in rows[line - 2].items()} for line in quarantined}

    def check(graph, source):
        got = {(r["holder"], r["held"]): r["ratio"] for r in _props(
            graph, "MATCH (h)-[r:SHAREHOLDER_OF]->(e) RETURN coalesce(h.uscc, h.name) AS holder, "
                   "e.uscc AS held, r.ratio AS ratio")}
        assert got == {("张伟", uscc(1)): 0.25, (HKSCC, uscc(1)): 0.6, (uscc(1), uscc(2)): 0.0,
                       (uscc(2), uscc(3)): 1.0}
        [holder] = _props(graph, "MATCH (h:Subject {name: $n}) RETURN h.sid AS sid, "
                                 "h.unresolved AS u, labels(h) AS l", n=HKSCC)
        assert holder == {"sid": f"name:{source}:{HKSCC}", "u": True, "l": ["Subject"]}

    return Scenario(folder, "ratios", [
        Expect("enterprises.csv", "enterprises", read=3, loaded=3),
        Expect("persons.csv", "persons", read=1, loaded=1),
        Expect("shareholders.csv", "shareholders", read=12, loaded=4, quarantined=quarantined,
               originals=originals)], check)


PERCENT_MAPPING = """\
source: percent-export
description: a registry's shareholder export, GB18030, percentages and compact dates
files:
  - path: 股东信息.csv
    table: shareholders
    columns:
      from_kind: {value: name}
      from_id: 股东名称
      to_kind: {value: enterprise}
      to_id: 企业统一社会信用代码
      ratio: {column: 持股比例(%), percent: true}
      since: {column: 出资日期, date_format: "%Y%m%d"}
"""


def scenario_percent_mapping(folder: Path) -> Scenario:
    header = ["股东名称", "企业统一社会信用代码", "持股比例(%)", "出资日期"]
    rows = [
        ["甲投资有限公司", uscc(1), "25", "20200102"],    # 2 good: 0.25
        ["乙", uscc(2), "12.5%", ""],                     # 3 good: 0.125, no date
        ["丙", uscc(3), "150", "20200102"],               # 4 150% -> 1.5
        ["丁", uscc(1), "-10", ""],                       # 5 negative
        ["戊", uscc(2), "", ""],                          # 6 no ratio
        ["己", uscc(3), "30", "20200230"],                # 7 no 30 February
        ["庚", bad_check(uscc(3)), "5", ""],              # 8 bad code
        ["辛", uscc(3), "百分之五", ""],                    # 9 no figure
    ]
    snap = folder / "export"
    write_bytes(snap / "股东信息.csv", csv_text(header, rows), encoding="gb18030")
    mapping = write_mapping(folder / "percent.yaml", PERCENT_MAPPING)
    quarantined = {4: "out_of_range:ratio", 5: "out_of_range:ratio", 6: "missing:ratio",
                   7: "bad_date:出资日期", 8: "bad_uscc:to_id", 9: "bad_number:持股比例(%)"}
    originals = {line: dict(zip(header, rows[line - 2])) for line in quarantined}

    def check(graph, source):
        got = {r["holder"]: (r["held"], r["ratio"], r["since"]) for r in _props(
            graph, "MATCH (h)-[r:SHAREHOLDER_OF]->(e) RETURN h.name AS holder, e.uscc AS held, "
                   "r.ratio AS ratio, r.since AS since")}
        assert got == {"甲投资有限公司": (uscc(1), 0.25, "2020-01-02"), "乙": (uscc(2), 0.125, None)}

    return Scenario(snap, "percent-export", [Expect("股东信息.csv", "shareholders", read=8, loaded=2,
                                                    quarantined=quarantined, originals=originals)],
                    check, mapping=mapping, as_of=AS_OF)


def _enterprise_line(row: dict, newline: str = "\n") -> str:
    return csv_text(ENTERPRISE_COLUMNS, [[row[c] for c in ENTERPRISE_COLUMNS]],
                    newline=newline).split(newline, 1)[1]


def scenario_field_count_multiline(folder: Path) -> Scenario:
    """CRLF line ends, quoted fields spanning lines, a blank line, rows of the wrong width."""
    nl = "\r\n"
    text = ",".join(ENTERPRISE_COLUMNS) + nl                                    # 1
    text += _enterprise_line(enterprise(1), nl)                                 # 2
    text += _enterprise_line(enterprise(2, address="成都市\n锦江区春熙路1号"), nl)  # 3-4
    text += "a,b,c" + nl                                                        # 5 too few
    text += nl                                                                  # 6 blank
    text += _enterprise_line(enterprise(3), nl)                                 # 7
    text += _enterprise_line(enterprise(4), nl).replace(nl, ",extra" + nl)      # 8 too many
    text += _enterprise_line(enterprise(5, name="甲\n乙\n丙有限公司", established="2024-13-01"), nl)  # 9-11
    text += _enterprise_line(enterprise(6), nl)                                 # 12
    write_bytes(folder / "enterprises.csv", text)
    write_manifest(folder, source="widths")
    quarantined = {5: "field_count:expected 10, got 3", 8: "field_count:expected 10, got 11",
                   9: "bad_date:established"}

    def check(graph, source):
        got = {r["uscc"]: r["address"] for r in _props(
            graph, "MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.address AS address")}
        assert set(got) == {uscc(n) for n in (1, 2, 3, 6)}
        assert got[uscc(2)] == "成都市 锦江区春熙路1号"  # whitespace, the newline too, is one space

    return Scenario(folder, "widths", [Expect("enterprises.csv", "enterprises", read=7, loaded=4,
                                              quarantined=quarantined)], check)


def scenario_duplicates(folder: Path) -> Scenario:
    person = resident_id(0)
    ents = [
        enterprise(1),                                                   # 2
        enterprise(1),                                                   # 3 exact repeat
        enterprise(2),                                                   # 4
        enterprise(2, registered_capital="200.00"),                      # 5 same key, other values
        enterprise(1),                                                   # 6 exact repeat again
        enterprise(3),                                                   # 7
        enterprise(3, name="  成都测试3号商贸有限公司 "),                   # 8 same after trimming
        enterprise(3, uscc=uscc(3).lower()),                             # 9 same after normalising
    ]
    write_table(folder, "enterprises", ents)
    write_table(folder, "persons", [{"id_number": person, "name": "张伟"}])
    write_table(folder, "shareholders", [
        {"from_kind": "person", "from_id": person, "to_kind": "enterprise", "to_id": uscc(1), "ratio": "0.5"},
        {"from_kind": "person", "from_id": person, "to_kind": "enterprise", "to_id": uscc(1), "ratio": "0.4"},
        {"from_kind": "person", "from_id": person, "to_kind": "enterprise", "to_id": uscc(1), "ratio": "0.5"},
    ])
    write_manifest(folder, source="dups")

    def check(graph, source):
        got = {r["uscc"]: r["cap"] for r in _props(
            graph, "MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.registered_capital AS cap")}
        assert got == {uscc(1): 100.0, uscc(2): 100.0, uscc(3): 100.0}  # the first row wins
        assert _props(graph, "MATCH ()-[r:SHAREHOLDER_OF]->() RETURN r.ratio AS r") == [{"r": 0.5}]

    dup = "duplicate_key:another row of this snapshot has the same key with other values"
    return Scenario(folder, "dups", [
        Expect("enterprises.csv", "enterprises", read=8, loaded=3, duplicate=4,
               quarantined={5: dup}, originals={5: {"uscc": uscc(2), "registered_capital": "200.00"}}),
        Expect("persons.csv", "persons", read=1, loaded=1),
        Expect("shareholders.csv", "shareholders", read=3, loaded=1, duplicate=1,
               quarantined={3: dup}, originals={3: {"ratio": "0.4"}}),
    ], check)


XLSX_JSONL_MAPPING = """\
source: holders-export
lookups: {}
files:
  - path: holders.xlsx
    table: shareholders
    sheet: 股东
    columns: &columns
      from_kind: {value: name}
      from_id: 股东名称
      to_kind: {value: enterprise}
      to_id: 企业代码
      ratio: {column: 持股比例, percent: true}
      since: 认缴日期
  - path: holders.jsonl
    table: shareholders
    columns: *columns
"""


def scenario_xlsx_jsonl(folder: Path) -> Scenario:
    from openpyxl import Workbook

    snap = folder / "export"
    snap.mkdir(parents=True)
    book = Workbook()
    sheet = book.active
    sheet.title = "股东"
    sheet.append(["股东名称", "企业代码", "持股比例", "认缴日期"])          # 1
    sheet.append([HKSCC, uscc(1), 25, "2020-01-02"])                     # 2 good
    sheet.append(["张三", uscc(2), "12.5%", None])                       # 3 good
    sheet.append(["李四", uscc(3), 150, dt.datetime(2021, 3, 4)])        # 4 150%
    sheet.append([None, None, None, None])                               # 5 empty row
    sheet.append(["王五", uscc(4).lower(), 10, dt.date(2021, 3, 4)])      # 6 good, date cell
    sheet.append([None, uscc(5), 10, None])                              # 7 no holder
    book.save(snap / "holders.xlsx")
    lines = [
        json.dumps({"股东名称": "赵六", "企业代码": uscc(5), "持股比例": 30.0, "认缴日期": "2020年1月2日"},
                   ensure_ascii=False),                                              # 1 good
        "",                                                                          # 2 blank
        json.dumps({"股东名称": "钱七", "企业代码": uscc(6), "持股比例": None}, ensure_ascii=False),  # 3
        json.dumps({"股东名称": "孙八", "企业代码": uscc(7), "持股比例": "5", "附注": {"a": 1}},
                   ensure_ascii=False),                                              # 4 good
        json.dumps({"股东名称": "周九", "企业代码": bad_check(uscc(8)), "持股比例": 5},
                   ensure_ascii=False),                                              # 5 bad code
    ]
    (snap / "holders.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = write_mapping(folder / "holders.yaml", XLSX_JSONL_MAPPING)

    def check(graph, source):
        got = {r["holder"]: (r["held"], r["ratio"], r["since"]) for r in _props(
            graph, "MATCH (h)-[r:SHAREHOLDER_OF]->(e) RETURN h.name AS holder, e.uscc AS held, "
                   "r.ratio AS ratio, r.since AS since")}
        assert got == {HKSCC: (uscc(1), 0.25, "2020-01-02"), "张三": (uscc(2), 0.125, None),
                       "王五": (uscc(4), 0.1, "2021-03-04"), "赵六": (uscc(5), 0.3, "2020-01-02"),
                       "孙八": (uscc(7), 0.05, None)}

    return Scenario(snap, "holders-export", [
        Expect("holders.xlsx", "shareholders", read=5, loaded=3,
               quarantined={4: "out_of_range:ratio", 7: "missing:from_id"},
               originals={4: {"股东名称": "李四", "持股比例": "150", "认缴日期": "2021-03-04"},
                          7: {"企业代码": uscc(5)}}),
        Expect("holders.jsonl", "shareholders", read=4, loaded=2,
               quarantined={3: "missing:ratio", 5: "bad_uscc:to_id"},
               originals={3: {"股东名称": "钱七", "持股比例": ""}, 5: {"企业代码": bad_check(uscc(8))}}),
    ], check, mapping=mapping, as_of=AS_OF)


SCENARIOS = {f.__name__.removeprefix("scenario_"): f for f in (
    scenario_utf8, scenario_utf8_bom, scenario_gb18030, scenario_enterprise_faults,
    scenario_person_faults, scenario_ratios, scenario_percent_mapping,
    scenario_field_count_multiline, scenario_duplicates, scenario_xlsx_jsonl)}


def _quarantine_file_rows(path: str | None) -> list[dict[str, str]]:
    if not path:
        return []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _check_files(scenario: Scenario, files: list[dict]) -> None:
    """The report's per-file figures and quarantine files against the scenario."""
    by_file = {(f["file"], f["table"]): f for f in files}
    assert set(by_file) == {(e.file, e.table) for e in scenario.expects}
    for e in scenario.expects:
        f = by_file[(e.file, e.table)]
        assert (f["rows_read"], f["rows_loaded"], f["rows_duplicate"], f["rows_quarantined"]) == (
            e.read, e.loaded, e.duplicate, len(e.quarantined)), (e.file, f)
        rows = _quarantine_file_rows(f["quarantine_file"])
        got = {int(r["line"]): r["reasons"] for r in rows}
        assert len(got) == len(rows), "two quarantined rows claim one line"
        assert got == e.quarantined, e.file
        by_line = {int(r["line"]): r for r in rows}
        for line, values in e.originals.items():
            for column, value in values.items():
                assert by_line[line].get(column) == value, (e.file, line, column, by_line[line])
        # the reason counts of the report agree with the quarantine file
        counted: dict[str, int] = {}
        for reasons in e.quarantined.values():
            for reason in reasons.split(";"):
                counted[reason.split(":", 1)[0]] = counted.get(reason.split(":", 1)[0], 0) + 1
        assert f["reasons"] == counted


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_in_process(name, graph, tmp_path):
    scenario = SCENARIOS[name](tmp_path / "in")
    report = load(graph, tmp_path / "home", scenario.path, **scenario.load_kwargs())
    assert_accounting(report)
    assert report.source == scenario.source
    assert report.as_of == (scenario.as_of or AS_OF)
    _check_files(scenario, report.as_dict()["files"])
    scenario.check(graph, scenario.source)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_cli(name, graph, tmp_path, cli_env):
    scenario = SCENARIOS[name](tmp_path / "in")
    out = tmp_path / "r.json"
    proc = run_cli(scenario.cli_args(out), cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert REPORT_KEYS <= set(data)
    assert data["source"] == scenario.source and data["as_of"] == (scenario.as_of or AS_OF)
    assert data["run_id"] and isinstance(data["seconds"], (int, float))
    assert_accounting(data)
    loaded = sum(e.loaded for e in scenario.expects)
    assert (data["rows_read"], data["rows_loaded"]) == (sum(e.read for e in scenario.expects), loaded)
    assert data["rows_quarantined"] == sum(len(e.quarantined) for e in scenario.expects)
    assert data["rows_duplicate"] == sum(e.duplicate for e in scenario.expects)
    assert isinstance(data["changes"], dict) and data["changes"]
    assert all(set(c) == {"added", "updated", "closed"} for c in data["changes"].values())
    _check_files(scenario, data["files"])
    scenario.check(graph, scenario.source)
    assert "total" in proc.stdout  # the summary table


# -- the command line on input it cannot use --------------------------------------------------------

def _bad_yaml(folder: Path) -> tuple[list[str], str]:
    mapping = write_mapping(folder / "broken.yaml", "files: [\n  - path: x\n")
    write_bytes(folder / "data" / "x.csv", "a\n1\n")
    return ["load", str(folder / "data"), "--mapping", str(mapping), "--as-of", AS_OF,
            "--source", "cli-err"], "broken.yaml"


def _unknown_table(folder: Path) -> tuple[list[str], str]:
    mapping = write_mapping(folder / "tables.yaml",
                            "files:\n  - path: x.csv\n    table: companies\n    columns: {}\n")
    write_bytes(folder / "data" / "x.csv", "a\n1\n")
    return ["load", str(folder / "data"), "--mapping", str(mapping), "--as-of", AS_OF,
            "--source", "cli-err"], "tables.yaml"


def _unknown_column(folder: Path) -> tuple[list[str], str]:
    mapping = write_mapping(folder / "columns.yaml", "files:\n  - path: x.csv\n    table: enterprises\n"
                            "    columns: {uscc: a, name: b, nickname: c}\n")
    write_bytes(folder / "data" / "x.csv", "a,b,c\n1,2,3\n")
    return ["load", str(folder / "data"), "--mapping", str(mapping), "--as-of", AS_OF,
            "--source", "cli-err"], "columns.yaml"


def _corrupt_xlsx(folder: Path) -> tuple[list[str], str]:
    mapping = write_mapping(folder / "xl.yaml", "files:\n  - path: book.xlsx\n    table: enterprises\n"
                            "    columns: {uscc: a, name: b}\n")
    write_bytes(folder / "data" / "book.xlsx", "PK this is no workbook")
    return ["load", str(folder / "data"), "--mapping", str(mapping), "--as-of", AS_OF,
            "--source", "cli-err"], "book.xlsx"


def _bad_manifest(folder: Path) -> tuple[list[str], str]:
    write_table(folder / "snap", "enterprises", [enterprise(1)])
    write_bytes(folder / "snap" / "manifest.json", '{"source": "cli-err", "as_of": ')
    return ["load", str(folder / "snap")], "manifest.json"


def _missing_path(folder: Path) -> tuple[list[str], str]:
    return ["load", str(folder / "nowhere"), "--source", "cli-err", "--as-of", AS_OF], "nowhere"


def _unknown_encoding(folder: Path) -> tuple[list[str], str]:
    write_table(folder / "snap", "enterprises", [enterprise(1)])
    write_manifest(folder / "snap", source="cli-err")
    return ["load", str(folder / "snap"), "--encoding", "klingon"], "klingon"


def _dangling_symlink(folder: Path) -> tuple[list[str], str]:
    write_table(folder / "snap", "persons", [{"id_number": resident_id(0), "name": "张伟"}])
    os.symlink(folder / "gone.csv", folder / "snap" / "enterprises.csv")
    write_manifest(folder / "snap", source="cli-err")
    return ["load", str(folder / "snap")], "enterprises.csv"


def _directory_as_file(folder: Path) -> tuple[list[str], str]:
    (folder / "snap" / "enterprises.csv").mkdir(parents=True)
    write_manifest(folder / "snap", source="cli-err")
    return ["load", str(folder / "snap")], "enterprises.csv"




@pytest.mark.parametrize("make", [
    _bad_yaml, _unknown_table, _unknown_column, _corrupt_xlsx, _bad_manifest, _missing_path,
    _unknown_encoding,
    _dangling_symlink,
    _directory_as_file,
], ids=lambda f: f.__name__.strip("_"))
def test_cli_refuses_unusable_input_in_one_line(make, tmp_path, cli_env, graph):
    args, names = make(tmp_path)
    proc = run_cli(args + ["--quiet"], cli_env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("creditgraph: error:") and names in lines[0], lines[0]


# -- loader bugs and missing features ----------------------------------------------------------------

def test_wrong_width_rows_keep_their_original_values(graph, tmp_path):
    scenario = scenario_field_count_multiline(tmp_path / "in")
    report = load(graph, tmp_path / "home", scenario.path)
    rows = {int(r["line"]): r for r in quarantine_rows(report, "enterprises.csv")}
    assert list(rows[5])[:4] == ["line", "reasons", "uscc", "name"]
    assert rows[9]["uscc"] == uscc(5) and rows[9]["established"] == "2024-13-01"
    assert {"a", "b", "c"} <= set(rows[5].values()) or "a,b,c" in rows[5].values()
    assert "extra" in ",".join(v for v in rows[8].values() if v)


def _gbk_with_bad_byte(folder: Path) -> Path:
    rows = [enterprise(1, name="成都甲商贸有限公司"), enterprise(2, name="成都乙商贸有限公司"),
            enterprise(3, name="成都丙商贸有限公司")]
    data = csv_text(ENTERPRISE_COLUMNS, [[r[c] for c in ENTERPRISE_COLUMNS] for r in rows]).encode("gb18030")
    data = data.replace("乙".encode("gb18030"), b"\xff\xff")  # line 3: not GB18030
    folder.mkdir(parents=True)
    (folder / "enterprises.csv").write_bytes(data)
    write_manifest(folder, source="badbyte")
    return folder


def test_undecodable_bytes_are_quarantined_when_encoding_is_given(graph, tmp_path):
    folder = _gbk_with_bad_byte(tmp_path / "in")
    report = load(graph, tmp_path / "home", folder, encoding="gb18030")
    assert_accounting(report)
    f = file_report(report, "enterprises.csv")
    assert (f.rows_loaded, f.rows_quarantined) == (2, 1)
    [row] = quarantine_rows(report, "enterprises.csv")
    assert row["line"] == "3" and row["reasons"].startswith("encoding")


def test_one_bad_byte_does_not_turn_a_gb18030_file_into_mojibake(graph, tmp_path):
    folder = _gbk_with_bad_byte(tmp_path / "in")
    load(graph, tmp_path / "home", folder)
    names = {r["name"] for r in graph.read("MATCH (e:Enterprise) RETURN e.name AS name")}
    assert {"成都甲商贸有限公司", "成都丙商贸有限公司"} <= names


def test_non_utf8_text_after_the_first_megabyte(graph, tmp_path):
    folder = tmp_path / "in"
    rows = [enterprise(i, name=f"Chengdu Test {i} Trading Co Ltd", industry="F") for i in range(1, 13001)]
    rows.append(enterprise(20000, name="成都后来中文商贸有限公司"))
    write_table(folder, "enterprises", rows, encoding="gb18030")
    write_manifest(folder, source="late")
    assert (folder / "enterprises.csv").stat().st_size > (1 << 20)
    try:
        report = load(graph, tmp_path / "home", folder)
    except CreditgraphError:
        return  # a one-line error naming the file would do too
    assert_accounting(report)
    f = file_report(report, "enterprises.csv")
    assert f.rows_loaded >= 13000
    got = graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS n", {"u": uscc(20000)})
    quarantined = quarantine_rows(report, "enterprises.csv")
    assert got == [{"n": "成都后来中文商贸有限公司"}] or [r["line"] for r in quarantined] == ["13002"]


def test_line_numbers_stay_right_in_files_of_several_blocks(graph, tmp_path):
    folder = tmp_path / "in"
    scope = "经营范围" * 500  # about 6 kB a row: pyarrow reads 16 MB blocks
    lines = [",".join(ENTERPRISE_COLUMNS)]
    for i in range(1, 4001):
        if i == 3000:
            lines.append("a,b")  # line 3001, in the second block
            continue
        row = enterprise(i, industry=scope, established="2024-13-01" if i == 3500 else "2020-01-01")
        lines.append(_enterprise_line(row).rstrip("\n"))
    write_bytes(folder / "enterprises.csv", "\n".join(lines) + "\n")
    write_manifest(folder, source="blocks")
    assert (folder / "enterprises.csv").stat().st_size > (1 << 24)
    report = load(graph, tmp_path / "home", folder)
    got = {r["reasons"].split(":")[0]: int(r["line"]) for r in quarantine_rows(report, "enterprises.csv")}
    assert got == {"field_count": 3001, "bad_date": 3501}


def test_lookups_read_a_tsv_as_the_loader_does(graph, tmp_path):
    folder = tmp_path / "in"
    # A TSV is not quoted: the '"' that opens the first name is part of the name.
    write_bytes(folder / "companies.tsv", "stock\tname\tcode\n" + "".join(
        f"60000{i}\t{name}\t{uscc(i)}\n"
        for i, name in ((1, '"引号开头的公司'), (2, "公司二"), (3, "公司三"))))
    write_bytes(folder / "holders.tsv", "holder\tstock\tpct\n" + "".join(
        f"股东{i}\t60000{i}\t10\n" for i in (1, 2, 3)))
    mapping = write_mapping(tmp_path / "m.yaml", """\
source: tsv-lookup
lookups:
  stock_to_uscc: {path: companies.tsv, key: stock, value: code}
files:
  - path: companies.tsv
    table: enterprises
    columns: {uscc: code, name: name, kind: {value: listed}}
  - path: holders.tsv
    table: shareholders
    columns:
      from_kind: {value: name}
      from_id: holder
      to_kind: {value: enterprise}
      to_id: {column: stock, lookup: stock_to_uscc}
      ratio: {column: pct, percent: true}
""")
    report = load(graph, tmp_path / "home", folder, mapping_file=mapping, as_of=AS_OF)
    assert file_report(report, "companies.tsv").rows_loaded == 3  # the loader itself reads it right
    f = file_report(report, "holders.tsv")
    assert (f.rows_loaded, dict(f.reasons)) == (3, {})


def test_a_mapping_column_missing_from_the_file_is_an_error(graph, tmp_path):
    folder = tmp_path / "in"
    write_bytes(folder / "e.csv", f"代码,名称,地址\n{uscc(1)},公司一,成都市一环路1号\n")
    mapping = write_mapping(tmp_path / "m.yaml", """\
source: typo
files:
  - path: e.csv
    table: enterprises
    columns: {uscc: 代码, name: 名称, kind: {value: llc}, address: 住址}
""")
    with pytest.raises(CreditgraphError, match="住址"):
        load(graph, tmp_path / "home", folder, mapping_file=mapping, as_of=AS_OF)


def test_a_truncated_file_is_refused(graph, tmp_path):
    folder = tmp_path / "in"
    write_table(folder, "enterprises", [enterprise(1), enterprise(2)])
    write_manifest(folder, source="trunc")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][0]["rows"] = 5
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CreditgraphError, match="enterprises.csv"):
        load(graph, tmp_path / "home", folder)


def test_a_department_known_by_name_is_a_department(graph, tmp_path):
    folder = tmp_path / "in"
    write_table(folder, "enterprises", [enterprise(1)])
    write_table(folder, "licences", [{"from_kind": "enterprise", "from_id": uscc(1),
                                      "to_kind": "department_name", "to_id": "成都市锦江区市场监督管理局",
                                      "id": "JY15101040000001", "kind": "食品经营许可证",
                                      "date": "2024-01-02"}])
    write_manifest(folder, source="lic")
    report = load(graph, tmp_path / "home", folder)
    assert file_report(report, "licences.csv").rows_loaded == 1
    [row] = graph.read("MATCH (:Enterprise)-[:HOLDS_LICENCE]->(d) RETURN labels(d) AS l, "
                       "d.name AS name")
    assert row == {"l": ["Department"], "name": "成都市锦江区市场监督管理局"}


def test_a_value_mapped_to_empty_is_a_missing_value(graph, tmp_path):
    folder = tmp_path / "in"
    write_bytes(folder / "e.csv", "代码,名称,注册资金\n"
                f"{uscc(1)},公司一,100(万元人民币)\n{uscc(2)},公司二,N/A\n")
    mapping = write_mapping(tmp_path / "m.yaml", """\
source: na
files:
  - path: e.csv
    table: enterprises
    columns:
      uscc: 代码
      name: 名称
      kind: {value: llc}
      registered_capital: {column: 注册资金, number: true, map: {"N/A": ""}}
""")
    report = load(graph, tmp_path / "home", folder, mapping_file=mapping, as_of=AS_OF)
    assert file_report(report, "e.csv").rows_loaded == 2
    got = {r["u"]: r["c"] for r in graph.read("MATCH (e:Enterprise) RETURN e.uscc AS u, "
                                              "e.registered_capital AS c")}
    assert got == {uscc(1): 100.0, uscc(2): None}
