"""The committed sample data: valid, self-consistent, and (generated/) exactly what the generator makes."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import pytest

from creditgraph import settings
from creditgraph.model.identifiers import is_valid_resident_id, is_valid_uscc, person_pid
from creditgraph.synth.generator import GeneratorConfig, generate
from creditgraph.synth.layout import FILES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
# The command in sample_data/README.md that made sample_data/generated.
GENERATED = GeneratorConfig(enterprises=2000, seed=42, snapshots=2)
CUSTOM_KEY = bool(os.environ.get("CREDITGRAPH_PID_KEY", "").strip())


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "manifest.json").exists())


@pytest.mark.parametrize("name", ["tiny", "generated"])
def test_sample_is_a_valid_dataset(name):
    root = SAMPLES / name
    snaps = snapshot_dirs(root)
    assert snaps
    for snap in snaps:
        manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["as_of"] == snap.name
        counts = {f["name"]: f["rows"] for f in manifest["files"]}
        for spec in FILES:
            data = rows(snap / spec.name)
            with open(snap / spec.name, encoding="utf-8", newline="") as handle:
                assert tuple(next(csv.reader(handle))) == spec.columns
            assert counts[spec.name] == len(data), (snap, spec.name)
        ids = {
            "enterprise": {r["uscc"] for r in rows(snap / "enterprises.csv")},
            "organisation": {r["uscc"] for r in rows(snap / "organisations.csv")},
            "person": {r["id_number"] for r in rows(snap / "persons.csv")},
            "department": {r["code"] for r in rows(snap / "departments.csv")},
        }
        for kind in ("enterprise", "organisation", "department"):
            assert all(is_valid_uscc(c) for c in ids[kind]), kind
        assert all(is_valid_resident_id(i) for i in ids["person"])
        for spec in FILES:
            if spec.kind != "relationship":
                continue
            for row in rows(snap / spec.name):
                for end, kinds in (("from", spec.from_kinds), ("to", spec.to_kinds)):
                    kind = row[f"{end}_kind"]
                    assert kind in kinds
                    assert kind == "name" or row[f"{end}_id"] in ids[kind], (spec.name, row)
        for row in rows(snap / "list_entries.csv"):
            assert row["subject_id"] in ids[row["subject_kind"]]
            assert row["department_code"] in ids["department"]
    truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    last = snaps[-1]
    present = {r["uscc"] for r in rows(last / "enterprises.csv")} | {r["id_number"] for r in rows(last / "persons.csv")}
    present |= {r["uscc"] for r in rows(last / "organisations.csv")}
    for pattern in truth["patterns"]:
        for s in pattern["subjects"]:
            assert s["kind"] == "name" or s["id"] in present, (pattern["id"], s)
            if s["kind"] == "person" and not CUSTOM_KEY:
                assert s["sid"] == person_pid(s["id"], key=settings.PID_KEY)


@pytest.mark.skipif(CUSTOM_KEY, reason="ground truth holds pids under the default key")
def test_generated_sample_is_what_the_generator_makes(tmp_path):
    out = tmp_path / "generated"
    generate(GENERATED, out)
    committed = SAMPLES / "generated"
    made = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    kept = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert made == kept
    for rel in made:
        assert hashlib.sha256((out / rel).read_bytes()).digest() == \
            hashlib.sha256((committed / rel).read_bytes()).digest(), (
            f"sample_data/generated/{rel} is stale: regenerate it (see sample_data/README.md)")
