"""The synthetic generator: determinism, valid identifiers, referential integrity, realism."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import statistics
from collections import Counter
from pathlib import Path

import pytest

from creditgraph.exc import ConfigError
from creditgraph.model import load_model
from creditgraph.model.identifiers import is_valid_resident_id, is_valid_uscc, parse_uscc
from creditgraph.model.regions import is_sichuan
from creditgraph.synth.generator import GeneratorConfig, generate, snapshot_dates
from creditgraph.synth.layout import BY_NAME, FILES, REL_HEAD

REPO = Path(__file__).resolve().parents[2]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshots(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "manifest.json").exists())


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    config = GeneratorConfig(enterprises=400, seed=7, snapshots=2)
    generate(config, tmp_path / "a")
    generate(config, tmp_path / "b")
    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert first == second
    assert "ground_truth.json" in first and len(first) == 1 + 2 * (len(FILES) + 1)
    generate(GeneratorConfig(enterprises=400, seed=8, snapshots=2), tmp_path / "c")
    other = digest(tmp_path / "c")
    assert other["2025-06-30/enterprises.csv"] != first["2025-06-30/enterprises.csv"]


def test_layout_headers_and_manifest_counts(dataset):
    for snap in snapshots(dataset):
        manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["as_of"] == snap.name and manifest["full_snapshot"] is True
        assert manifest["source"] == "synth" and manifest["generator"]["seed"] == 11
        listed = {f["name"]: f for f in manifest["files"]}
        assert set(listed) == {f.name for f in FILES}
        for spec in FILES:
            with open(snap / spec.name, encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                count = sum(1 for _ in reader)
            assert tuple(header) == spec.columns
            assert listed[spec.name]["rows"] == count, spec.name
            assert listed[spec.name]["columns"] == list(spec.columns)


def test_every_uscc_is_valid_and_unique(dataset):
    for snap in snapshots(dataset):
        ents = rows(snap / "enterprises.csv")
        orgs = rows(snap / "organisations.csv")
        depts = rows(snap / "departments.csv")
        codes = [r["uscc"] for r in ents] + [r["uscc"] for r in orgs] + [r["code"] for r in depts]
        bad = [c for c in codes if not is_valid_uscc(c)]
        assert not bad, bad[:5]
        assert len(codes) == len(set(codes))
        # The registration category matches the kind of subject it is.
        for r in orgs:
            info = parse_uscc(r["uscc"])
            assert info.subject_label == "Organisation" and info.organisation_kind == r["kind"]
        for r in ents:
            assert parse_uscc(r["uscc"]).subject_label == "Enterprise"
        for r in ents:
            if r["region_code"] != "110000":
                assert r["uscc"][2:8] == r["region_code"] and is_sichuan(r["region_code"])


def test_every_resident_id_is_valid_unique_and_recognisably_synthetic(dataset):
    last = snapshots(dataset)[-1]
    ids = [r["id_number"] for r in rows(last / "persons.csv")]
    assert len(ids) == len(set(ids))
    bad = [i for i in ids if not is_valid_resident_id(i)]
    assert not bad, bad[:5]
    assert all(int(i[14:17]) >= 700 and 1940 <= int(i[6:10]) <= 1980 for i in ids)


def _entity_ids(snap: Path) -> dict[str, set[str]]:
    return {
        "enterprise": {r["uscc"] for r in rows(snap / "enterprises.csv")},
        "organisation": {r["uscc"] for r in rows(snap / "organisations.csv")},
        "person": {r["id_number"] for r in rows(snap / "persons.csv")},
        "department": {r["code"] for r in rows(snap / "departments.csv")},
    }


def test_referential_integrity_in_every_snapshot(dataset):
    model = load_model()
    for snap in snapshots(dataset):
        ids = _entity_ids(snap)
        regions = {r["code"] for r in rows(snap / "regions.csv")}
        for spec in FILES:
            if spec.kind != "relationship":
                continue
            for n, row in enumerate(rows(snap / spec.name), start=2):
                for end, kinds in (("from", spec.from_kinds), ("to", spec.to_kinds)):
                    kind, key = row[f"{end}_kind"], row[f"{end}_id"]
                    assert kind in kinds, f"{snap.name}/{spec.name}:{n} {end}_kind {kind!r}"
                    if kind == "name":
                        assert key.strip(), f"{snap.name}/{spec.name}:{n} empty name"
                    else:
                        assert key in ids[kind], f"{snap.name}/{spec.name}:{n} {end} {kind} {key} missing"
        for n, row in enumerate(rows(snap / "list_entries.csv"), start=2):
            assert row["subject_id"] in ids[row["subject_kind"]], f"list_entries.csv:{n}"
            assert row["department_code"] in ids["department"], f"list_entries.csv:{n}"
            lt = model.list_type(row["list_type"])
            label = {"enterprise": "Enterprise", "organisation": "Organisation", "person": "Person"}
            assert label[row["subject_kind"]] in lt.subject_labels
            assert row["status"] in ("active", "repaired", "expired")
            assert row["start_date"] <= snap.name
            if row["status"] == "active":
                assert not row["end_date"] or row["end_date"] > snap.name
        for name in ("enterprises.csv", "organisations.csv", "departments.csv"):
            for row in rows(snap / name):
                assert row["region_code"] in regions
        for row in rows(snap / "regions.csv"):
            assert not row["parent"] or row["parent"] in regions
        ratios = Counter()
        for row in rows(snap / "shareholders.csv"):
            assert 0 < float(row["ratio"]) <= 1
            ratios[row["to_id"]] += float(row["ratio"])
        assert max(ratios.values()) <= 1.0001


def test_values_fit_the_model(dataset):
    model = load_model()
    snap = snapshots(dataset)[-1]
    checks = [("enterprises.csv", "Enterprise", ("status", "kind")), ("organisations.csv", "Organisation", ("kind",)),
              ("departments.csv", "Department", ("kind", "level")), ("regions.csv", "Region", ("level",)),
              ("list_entries.csv", "ListEntry", ("status",))]
    for file, label, props in checks:
        for prop in props:
            allowed = set(model.label(label).get_property(prop).values)
            seen = {r[prop] for r in rows(snap / file)}
            assert seen <= allowed, (file, prop, seen - allowed)
    roles = set(next(p for p in model.relationship("EXECUTIVE_OF").properties if p.name == "role").values)
    assert {r["role"] for r in rows(snap / "executives.csv")} <= roles
    codes = {lt.code for lt in model.list_types()}
    assert {r["list_type"] for r in rows(snap / "list_entries.csv")} == codes


def test_degrees_are_heavy_tailed(dataset):
    snap = snapshots(dataset)[-1]
    degree: Counter[str] = Counter()
    for name in ("shareholders.csv", "legal_reps.csv", "executives.csv"):
        for row in rows(snap / name):
            degree[row["from_id"]] += 1
            degree[row["to_id"]] += 1
    values = sorted(degree.values())
    median = statistics.median(values)
    assert values[-1] >= 15 * median, (values[-1], median)
    holders = Counter(r["from_id"] for r in rows(snap / "shareholders.csv"))
    top = holders.most_common(1)[0]
    assert top[1] >= 20


def test_realistic_mix(dataset):
    snap = snapshots(dataset)[-1]
    ents = rows(snap / "enterprises.csv")
    kinds = Counter(r["kind"] for r in ents)
    assert {"llc", "individual", "branch", "listed", "soe", "joint_stock"} <= set(kinds)
    assert kinds["llc"] > len(ents) / 3
    assert any(r["name"].endswith("分公司") for r in ents if r["kind"] == "branch")
    assert all(r["name"].endswith(("有限公司", "有限责任公司", "合伙企业（有限合伙）", "个人独资企业", "专业合作社",
                                   "分公司")) or r["kind"] == "individual" for r in ents)
    orgs = Counter(r["kind"] for r in rows(snap / "organisations.csv"))
    assert {"public_institution", "social_organisation", "private_non_enterprise", "government_body"} <= set(orgs)
    holders = {r["from_id"] for r in rows(snap / "shareholders.csv") if r["from_kind"] == "name"}
    assert "香港中央结算(代理人)有限公司" in holders
    depts = rows(snap / "departments.csv")
    assert Counter(d["level"] for d in depts).keys() == {"province", "city", "county"}
    assert any(d["name"].endswith("中级人民法院") for d in depts)
    # Ownership trees several layers deep: enterprises holding enterprises holding enterprises.
    corp = {(r["from_id"], r["to_id"]) for r in rows(snap / "shareholders.csv") if r["from_kind"] == "enterprise"}
    children: dict[str, list[str]] = {}
    for a, b in corp:
        children.setdefault(a, []).append(b)

    def depth(node: str, seen: frozenset[str]) -> int:
        kids = [k for k in children.get(node, ()) if k not in seen]
        return 1 + max((depth(k, seen | {k}) for k in kids), default=0)

    assert max(depth(n, frozenset({n})) for n in list(children)[:400]) >= 4


def test_snapshots_change_like_monthly_data(dataset):
    snaps = snapshots(dataset)
    assert [s.name for s in snaps] == ["2025-04-30", "2025-05-31", "2025-06-30"]
    for before, after in itertools.pairwise(snaps):
        e0 = {r["uscc"]: r for r in rows(before / "enterprises.csv")}
        e1 = {r["uscc"]: r for r in rows(after / "enterprises.csv")}
        assert set(e0) < set(e1), "new subjects appear and none vanish"
        assert any(e0[u]["status"] == "active" and e1[u]["status"] != "active" for u in e0), "closures"
        l0 = {r["id"]: r for r in rows(before / "list_entries.csv")}
        l1 = {r["id"]: r for r in rows(after / "list_entries.csv")}
        assert set(l1) - set(l0), "new list entries"
        gone = set(l0) - set(l1)
        changed = {i for i in set(l0) & set(l1) if l0[i]["status"] != l1[i]["status"]}
        assert gone or changed, "entries repaired or expired"
        reps0 = {(r["from_id"], r["to_id"]) for r in rows(before / "legal_reps.csv")}
        reps1 = {(r["from_id"], r["to_id"]) for r in rows(after / "legal_reps.csv")}
        by_ent0 = {b for a, b in reps0}
        assert any(b in by_ent0 for a, b in reps1 - reps0), "a legal representative changed"


def test_snapshot_dates_are_month_ends():
    import datetime as dt

    assert snapshot_dates(dt.date(2025, 3, 31), 3) == [dt.date(2025, 1, 31), dt.date(2025, 2, 28),
                                                       dt.date(2025, 3, 31)]
    assert snapshot_dates(dt.date(2025, 3, 15), 2) == [dt.date(2025, 2, 15), dt.date(2025, 3, 15)]


def test_bad_configs_raise_config_error(tmp_path):
    for config in (GeneratorConfig(enterprises=10), GeneratorConfig(enterprises=100, snapshots=0),
                   GeneratorConfig(enterprises=100, seed=-1)):
        with pytest.raises(ConfigError):
            generate(config, tmp_path / "x")


def test_cli_generates_and_refuses_a_non_empty_folder(tmp_path, capsys):
    from creditgraph.cli import main

    out = tmp_path / "cli"
    with pytest.raises(SystemExit) as done:
        main(["generate", "--enterprises", "200", "--seed", "3", "--out", str(out), "--snapshots", "2",
              "--as-of", "2024-12-31"])
    assert done.value.code in (0, None)
    assert sorted(p.name for p in out.iterdir()) == ["2024-11-30", "2024-12-31", "ground_truth.json"]
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["generate", "--enterprises", "200", "--out", str(out)])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("creditgraph: error:") and "not empty" in err and "\n" not in err
    with pytest.raises(SystemExit) as done:
        main(["generate", "--enterprises", "200", "--out", str(tmp_path / "y"), "--as-of", "June"])
    assert done.value.code == 2


def test_snapshot_format_doc_names_every_file_and_column():
    text = (REPO / "docs" / "snapshot-format.md").read_text(encoding="utf-8")
    for spec in FILES:
        assert f"`{spec.name}`" in text, spec.name
        section = text.split(f"### `{spec.name}`", 1)[1].split("\n### ", 1)[0]
        for column in spec.columns:
            if column in REL_HEAD:
                continue
            assert f"`{column}`" in section, (spec.name, column)
    assert BY_NAME["shareholders.csv"].target == "SHAREHOLDER_OF"
