"""The domain model: it loads, the schema DDL backs every key, bad variants are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from creditgraph.exc import ConfigError
from creditgraph.model import load_model
from creditgraph.model.docs import render_model_markdown
from creditgraph.model.schema import MODEL_PATH

REPO = Path(__file__).resolve().parents[2]
NEO4J_CONSTRAINTS = REPO / "cypher" / "schema" / "neo4j" / "01_constraints.cypher"
FALKOR_INDEXES = REPO / "cypher" / "schema" / "falkordb" / "01_indexes.cypher"


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_model_loads_with_the_core_vocabulary(model):
    labels = set(model.labels())
    assert {"Subject", "Enterprise", "Organisation", "Person", "Department", "Region", "ListEntry",
            "Address", "Phone", "LoadRun"} <= labels
    rels = set(model.relationship_types())
    assert {"LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "BRANCH_OF", "GUARANTEES", "SPONSORS",
            "SUPERVISES", "LISTED", "ISSUED_BY", "LOCATED_IN", "HAS_ADDRESS", "HAS_PHONE",
            "HOLDS_LICENCE", "RECEIVED_SUBSIDY", "WON_CONTRACT"} <= rels
    assert model.subject_labels() == ("Enterprise", "Organisation", "Person")
    assert model.key_of("Enterprise") == "uscc"
    assert model.key_of("Person") == "pid"
    assert model.key_of("Subject") == "sid"
    for code in ("SHIXIN", "ABNORMAL", "SERIOUS", "PENALTY", "TAX", "REDLIST_A_TAX"):
        assert model.list_type(code).code == code
    assert model.list_type("REDLIST_A_TAX").kind == "redlist"
    assert not model.hubs.propagate_through_hubs
    assert model.hubs.is_hub_name("香港中央结算（代理人）有限公司")
    assert model.hubs.is_hub_name("成都市国有资产监督管理委员会")
    assert not model.hubs.is_hub_name("成都市锦江区某某商贸有限公司")


def test_hub_names_match_in_any_form(model):
    # The oracle passes normalised names, the generator raw ones: both must agree with the
    # loader, which marks 中央汇金 a hub although normalize_name shortens 有限责任公司.
    from creditgraph.model.names import normalize_name

    for raw in ("中央汇金资产管理有限责任公司", "中國證券登記結算有限責任公司", "香港中央结算(代理人)有限公司"):
        assert model.hubs.is_hub_name(raw), raw
        assert model.hubs.is_hub_name(normalize_name(raw)), raw
    assert model.hubs.is_hub_name("ＸＸ市国有资产监督管理委员会")
    assert not model.hubs.is_hub_name(normalize_name("中央汇金投资咨询有限公司"))


def test_person_never_declares_the_id_number(model):
    names = model.label("Person").property_names
    assert "pid" in names and "id_masked" in names
    assert not {"id_number", "resident_id"} & set(names)


def test_property_keys_cover_provenance_and_relationships(model):
    keys = set(model.property_keys())
    assert {"source", "as_of", "first_seen", "last_seen", "valid_to"} <= keys
    assert {"ratio", "since", "until", "role", "amount"} <= keys
    assert list(model.property_keys()) == sorted(keys)


def test_every_propagation_follows_a_declared_relationship(model):
    for lt in model.list_types():
        for prop in lt.propagation:
            assert prop.relationship in model.relationship_types()


def test_validity_adds_years_clamping_leap_days(model):
    import datetime as dt

    shixin = model.list_type("SHIXIN")
    assert shixin.validity.end_date(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


def _statement_keys(path: Path, pattern: str) -> set[tuple[str, str]]:
    return set(re.findall(pattern, path.read_text(encoding="utf-8")))


def test_every_key_has_a_neo4j_uniqueness_constraint(model):
    found = _statement_keys(
        NEO4J_CONSTRAINTS,
        r"FOR \(\w+:(\w+)\)\s+REQUIRE\s+\w+\.(\w+)\s+IS UNIQUE")
    for label in model.labels():
        assert (label, model.key_of(label)) in found, f"{label}.{model.key_of(label)} not unique in Neo4j"


def test_every_key_has_a_falkordb_index(model):
    found = _statement_keys(FALKOR_INDEXES, r"CREATE INDEX FOR \(\w+:(\w+)\) ON \(\w+\.(\w+)\)")
    for label in model.labels():
        assert (label, model.key_of(label)) in found, f"{label}.{model.key_of(label)} not indexed in FalkorDB"


def test_docs_model_md_is_rendered_from_the_model():
    committed = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    assert committed == render_model_markdown(), (
        "docs/model.md is out of date: run `python -m creditgraph.model.docs`")


# Bad variants: each edits a copy of the real model and must fail naming the file and item.

def _raw() -> dict:
    return yaml.safe_load(MODEL_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "bad_model.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _unknown_type(raw):
    raw["labels"]["Enterprise"]["properties"]["status"]["type"] = "datetime"
    return "labels.Enterprise.properties.status"


def _bad_endpoint(raw):
    raw["relationships"]["LEGAL_REP_OF"]["to"] = ["Enterprise", "Company"]
    return "relationships.LEGAL_REP_OF.to"


def _undeclared_propagation(raw):
    raw["list_types"]["SHIXIN"]["propagation"].append({"relationship": "OWNS", "direction": "both"})
    return "list_types.SHIXIN.propagation"


def _bad_direction(raw):
    raw["list_types"]["TAX"]["propagation"][0]["direction"] = "sideways"
    return "list_types.TAX.propagation[0]"


def _key_not_a_property(raw):
    raw["labels"]["Phone"]["key"] = "digits"
    return "labels.Phone"


def _enum_without_values(raw):
    del raw["labels"]["ListEntry"]["properties"]["status"]["values"]
    return "labels.ListEntry.properties.status"


def _unknown_field(raw):
    raw["labels"]["Region"]["colour"] = "blue"
    return "labels.Region"


def _hub_rule_on_undeclared(raw):
    raw["hubs"]["degree_relationships"].append("KNOWS")
    return "hubs.degree_relationships"


def _subject_label_undeclared(raw):
    raw["subject"]["labels"].append("Household")
    return "subject.labels"


def _redlist_propagates(raw):
    raw["list_types"]["REDLIST_A_TAX"]["propagation"] = [
        {"relationship": "LEGAL_REP_OF", "direction": "both"}]
    return "list_types.REDLIST_A_TAX"


@pytest.mark.parametrize("mutate", [
    _unknown_type, _bad_endpoint, _undeclared_propagation, _bad_direction, _key_not_a_property,
    _enum_without_values, _unknown_field, _hub_rule_on_undeclared, _subject_label_undeclared,
    _redlist_propagates,
])
def test_bad_model_raises_config_error_naming_file_and_item(tmp_path, mutate):
    raw = _raw()
    item = mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as err:
        load_model(path)
    message = str(err.value)
    assert "bad_model.yaml" in message
    assert item in message


def test_invalid_yaml_and_missing_file_raise_config_error(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("labels: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.yaml"):
        load_model(broken)
    with pytest.raises(ConfigError, match="missing.yaml"):
        load_model(tmp_path / "missing.yaml")


def test_lookups_of_undeclared_names_raise_config_error(model):
    with pytest.raises(ConfigError):
        model.list_type("NOPE")
    with pytest.raises(ConfigError):
        model.key_of("Company")
