"""Read ``model.yaml`` into frozen dataclasses, refusing anything inconsistent.

The YAML is the single declaration of labels, keys, properties, relationship types, list types
and hub rules. Everything is checked at load time so that a typo fails with a
``ConfigError`` naming the file and the item, not later as a silently empty query result.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from creditgraph.exc import ConfigError

MODEL_PATH = Path(__file__).with_name("model.yaml")

PROPERTY_TYPES = ("string", "date", "int", "float", "bool", "enum")
DIRECTIONS = ("forward", "backward", "both")
LIST_KINDS = ("blacklist", "redlist")


@dataclass(frozen=True)
class Property:
    """One property of a label or relationship."""

    name: str
    type: str
    required: bool = False
    description: str = ""
    values: tuple[str, ...] = ()

    def accepts(self, value: Any) -> bool:
        """Whether a Python value fits this property's type (None fits an optional one)."""
        if value is None:
            return not self.required
        if self.type in ("string", "date"):
            return isinstance(value, str) and (self.type == "string" or _is_iso_date(value))
        if self.type == "enum":
            return value in self.values
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Label:
    """A node label, its business key and its own properties (provenance not included)."""

    name: str
    key: str
    description: str
    properties: tuple[Property, ...]
    subject: bool = False
    provenance: bool = True

    def get_property(self, name: str) -> Property:
        """The property called ``name``; KeyError if the label has none."""
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.name} has no property {name!r}")

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties)


@dataclass(frozen=True)
class Relationship:
    """A relationship type with the labels it may connect."""

    type: str
    description: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    properties: tuple[Property, ...]
    key: tuple[str, ...] = ()
    temporal: bool = False

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties)


@dataclass(frozen=True)
class Propagation:
    """Risk of an active entry spreads along ``relationship`` in ``direction``."""

    relationship: str
    direction: str


@dataclass(frozen=True)
class Validity:
    """Default lifetime of a list entry when its source publishes no end date."""

    years: int = 0
    months: int = 0
    days: int = 0

    def end_date(self, start: dt.date) -> dt.date:
        """``start`` plus this validity, clamping month ends (29 Feb + 1 year is 28 Feb)."""
        month_index = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day) + dt.timedelta(days=self.days)


@dataclass(frozen=True)
class ListType:
    """A sanction or reward list, with how its risk propagates."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    severity: int
    issuer_kinds: tuple[str, ...]
    subject_labels: tuple[str, ...]
    validity: Validity | None
    published_after_end: bool
    max_hops: int
    propagation: tuple[Propagation, ...]

    @property
    def is_blacklist(self) -> bool:
        return self.kind == "blacklist"


@dataclass(frozen=True)
class HubRules:
    """Which subjects count as hubs, and whether risk passes through them."""

    propagate_through_hubs: bool
    degree_threshold: int
    degree_relationships: tuple[str, ...]
    names: tuple[str, ...]
    name_contains: tuple[str, ...]

    def is_hub_name(self, name: str) -> bool:
        """Whether a subject of this name is a hub whatever its degree.

        Compares normalised forms on both sides (``normalize_name``: brackets, width, traditional
        characters, 有限责任公司 -> 有限公司), so a raw name, a normalised one and the model's
        spellings all agree; the loader, the oracles and the generator call this one rule.
        """
        return self.is_hub_name_norm(_normalise(name))

    def is_hub_name_norm(self, name_norm: str) -> bool:
        """:meth:`is_hub_name` for a name already through ``normalize_name`` (the loader's
        ``name_norm``), without normalising it again on the loader's per-row path."""
        names, parts = self._normalised()
        return name_norm in names or any(part in name_norm for part in parts)

    def _normalised(self) -> tuple[frozenset[str], tuple[str, ...]]:
        return _normalised_hubs(self.names, self.name_contains)


@lru_cache(maxsize=8)
def _normalised_hubs(names: tuple[str, ...], parts: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    return frozenset(_normalise(n) for n in names), tuple(_normalise(p) for p in parts)


def _normalise(name: str) -> str:
    # Imported late: names.py pulls in OpenCC, which `load_model()` alone should not need.
    from creditgraph.model.names import normalize_name

    return normalize_name(name)


@dataclass(frozen=True)
class Model:
    """The whole domain model. Build it with :func:`load_model`."""

    path: Path
    version: int
    subject_label: str
    subject_key: str
    subject_label_names: tuple[str, ...]
    provenance: tuple[Property, ...]
    provenance_except: tuple[str, ...]
    label_defs: tuple[Label, ...]
    relationship_defs: tuple[Relationship, ...]
    list_type_defs: tuple[ListType, ...]
    hubs: HubRules
    _by_label: dict[str, Label] = field(default_factory=dict, compare=False, repr=False)
    _by_rel: dict[str, Relationship] = field(default_factory=dict, compare=False, repr=False)
    _by_list: dict[str, ListType] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_label.update({lab.name: lab for lab in self.label_defs})
        self._by_rel.update({rel.type: rel for rel in self.relationship_defs})
        self._by_list.update({lt.code: lt for lt in self.list_type_defs})

    # Names the Cypher linter and the loaders need.
    def labels(self) -> tuple[str, ...]:
        """Every node label, in declaration order (``Subject`` included)."""
        return tuple(lab.name for lab in self.label_defs)

    def relationship_types(self) -> tuple[str, ...]:
        """Every relationship type, in declaration order."""
        return tuple(rel.type for rel in self.relationship_defs)

    def property_keys(self) -> tuple[str, ...]:
        """Every property name used on any node or relationship, provenance included, sorted."""
        names = {p.name for p in self.provenance}
        for lab in self.label_defs:
            names.update(lab.property_names)
        for rel in self.relationship_defs:
            names.update(rel.property_names)
        return tuple(sorted(names))

    def label(self, name: str) -> Label:
        """The label called ``name``; ConfigError if it is not declared."""
        try:
            return self._by_label[name]
        except KeyError:
            raise ConfigError(f"{self.path.name}: no label {name!r}",
                              hint=f"declared: {', '.join(self.labels())}") from None

    def relationship(self, rel_type: str) -> Relationship:
        """The relationship type called ``rel_type``; ConfigError if it is not declared."""
        try:
            return self._by_rel[rel_type]
        except KeyError:
            raise ConfigError(f"{self.path.name}: no relationship type {rel_type!r}",
                              hint=f"declared: {', '.join(self.relationship_types())}") from None

    def key_of(self, label: str) -> str:
        """The business key property of ``label`` (what loaders MERGE on)."""
        return self.label(label).key

    def list_type(self, code: str) -> ListType:
        """The list type with ``code``; ConfigError if it is not declared."""
        try:
            return self._by_list[code]
        except KeyError:
            raise ConfigError(f"{self.path.name}: no list type {code!r}",
                              hint=f"declared: {', '.join(self._by_list)}") from None

    def list_types(self) -> tuple[ListType, ...]:
        """Every list type, in declaration order."""
        return self.list_type_defs

    def subject_labels(self) -> tuple[str, ...]:
        """Labels whose nodes also carry the subject label (Enterprise, Organisation, Person)."""
        return self.subject_label_names

    def is_subject(self, label: str) -> bool:
        """Whether nodes of ``label`` are subjects (the subject label itself counts)."""
        return label == self.subject_label or label in self.subject_label_names

    def properties_of(self, label: str) -> tuple[Property, ...]:
        """A label's own properties followed by the provenance ones it carries."""
        lab = self.label(label)
        return lab.properties + (self.provenance if lab.provenance else ())

    def endpoint_labels(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Concrete labels an endpoint list allows, with the subject label expanded."""
        out: list[str] = []
        for name in names:
            expanded = self.subject_label_names if name == self.subject_label else (name,)
            out.extend(n for n in expanded if n not in out)
        return tuple(out)


def _is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


class _Reader:
    """Walks the parsed YAML, raising ConfigError with the file name and item path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {message}",
                           hint="fix the model file; docs/model.md describes each section")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, "expected a list of names")
        if len(set(value)) != len(value):
            raise self.fail(where, "names a value twice")
        return tuple(value)

    def only(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(unknown)}; "
                                   f"allowed: {', '.join(sorted(allowed))}")

    def text(self, data: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
        value = data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{name!r} must be a non-empty string")
        return value

    def properties(self, data: Any, where: str) -> tuple[Property, ...]:
        out = []
        for name, spec in self.mapping(data, where).items():
            item = f"{where}.{name}"
            spec = self.mapping(spec, item)
            self.only(spec, {"type", "required", "description", "values"}, item)
            ptype = spec.get("type")
            if ptype not in PROPERTY_TYPES:
                raise self.fail(item, f"unknown property type {ptype!r}; "
                                      f"allowed: {', '.join(PROPERTY_TYPES)}")
            values = self.strings(spec.get("values"), f"{item}.values")
            if ptype == "enum" and not values:
                raise self.fail(item, "an enum needs a non-empty 'values' list")
            if ptype != "enum" and values:
                raise self.fail(item, "'values' is only for type enum")
            required = spec.get("required", False)
            if not isinstance(required, bool):
                raise self.fail(item, "'required' must be true or false")
            out.append(Property(name=str(name), type=ptype, required=required,
                                description=str(spec.get("description", "")), values=values))
        return tuple(out)


def _read(path: Path, raw: Any) -> Model:
    r = _Reader(path)
    top = r.mapping(raw, "top level")
    r.only(top, {"version", "subject", "provenance", "labels", "relationships", "list_types", "hubs"},
           "top level")
    version = top.get("version")
    if version != 1:
        raise r.fail("version", f"unsupported model version {version!r}; this code reads 1")

    # Labels.
    labels: list[Label] = []
    label_specs = r.mapping(top.get("labels"), "labels")
    if not label_specs:
        raise r.fail("labels", "no labels declared")
    subject = r.mapping(top.get("subject"), "subject")
    r.only(subject, {"label", "key", "labels"}, "subject")
    subject_label = r.text(subject, "label", "subject")
    subject_key = r.text(subject, "key", "subject")
    subject_labels = r.strings(subject.get("labels"), "subject.labels")
    provenance = r.mapping(top.get("provenance"), "provenance")
    r.only(provenance, {"except_labels", "properties"}, "provenance")
    prov_props = r.properties(provenance.get("properties"), "provenance.properties")
    prov_except = r.strings(provenance.get("except_labels"), "provenance.except_labels")

    for name, spec in label_specs.items():
        where = f"labels.{name}"
        spec = r.mapping(spec, where)
        r.only(spec, {"description", "key", "properties"}, where)
        props = r.properties(spec.get("properties"), f"{where}.properties")
        key = r.text(spec, "key", where)
        names = [p.name for p in props]
        if key not in names:
            raise r.fail(where, f"key {key!r} is not one of its properties")
        if not next(p for p in props if p.name == key).required:
            raise r.fail(where, f"key {key!r} must be required")
        clash = {p.name for p in prov_props} & set(names)
        if clash and name not in prov_except:
            raise r.fail(where, f"property {min(clash)!r} is already a provenance property")
        labels.append(Label(name=str(name), key=key, description=str(spec.get("description", "")),
                            properties=props, subject=name in subject_labels,
                            provenance=name not in prov_except))
    declared = {lab.name for lab in labels}
    if subject_label not in declared:
        raise r.fail("subject.label", f"{subject_label!r} is not a declared label")
    if next(lab for lab in labels if lab.name == subject_label).key != subject_key:
        raise r.fail("subject.key", f"{subject_key!r} is not the key of {subject_label}")
    for name in subject_labels + prov_except:
        if name not in declared:
            raise r.fail("subject.labels" if name in subject_labels else "provenance.except_labels",
                         f"{name!r} is not a declared label")

    # Relationships.
    rels: list[Relationship] = []
    for rtype, spec in r.mapping(top.get("relationships"), "relationships").items():
        where = f"relationships.{rtype}"
        spec = r.mapping(spec, where)
        r.only(spec, {"description", "from", "to", "properties", "key", "temporal"}, where)
        if not str(rtype).isupper() or not str(rtype).replace("_", "").isalpha():
            raise r.fail(where, "relationship types are UPPER_SNAKE_CASE")
        ends = {}
        for end in ("from", "to"):
            names = r.strings(spec.get(end), f"{where}.{end}")
            if not names:
                raise r.fail(where, f"{end!r} must name at least one label")
            for name in names:
                if name not in declared:
                    raise r.fail(f"{where}.{end}", f"endpoint {name!r} is not a declared label")
            ends[end] = names
        props = r.properties(spec.get("properties"), f"{where}.properties")
        key = r.strings(spec.get("key"), f"{where}.key")
        for k in key:
            if k not in {p.name for p in props}:
                raise r.fail(f"{where}.key", f"{k!r} is not one of its properties")
        temporal = spec.get("temporal", False)
        if not isinstance(temporal, bool):
            raise r.fail(where, "'temporal' must be true or false")
        rels.append(Relationship(type=str(rtype), description=str(spec.get("description", "")),
                                 sources=ends["from"], targets=ends["to"], properties=props,
                                 key=key, temporal=temporal))
    rel_types = {rel.type for rel in rels}
    if rel_types & declared:
        raise r.fail("relationships", f"{min(rel_types & declared)!r} is also a label")

    # List types.
    list_types: list[ListType] = []
    for code, spec in r.mapping(top.get("list_types"), "list_types").items():
        where = f"list_types.{code}"
        spec = r.mapping(spec, where)
        r.only(spec, {"name_zh", "name_en", "kind", "severity", "issuer_kinds", "subject_labels",
                      "validity", "published_after_end", "max_hops", "propagation"}, where)
        kind = spec.get("kind")
        if kind not in LIST_KINDS:
            raise r.fail(where, f"kind must be one of {', '.join(LIST_KINDS)}, got {kind!r}")
        severity = spec.get("severity")
        if not isinstance(severity, int) or not 1 <= severity <= 5:
            raise r.fail(where, "severity must be a whole number from 1 to 5")
        max_hops = spec.get("max_hops", 0)
        if not isinstance(max_hops, int) or not 0 <= max_hops <= 6:
            raise r.fail(where, "max_hops must be a whole number from 0 to 6")
        lt_labels = r.strings(spec.get("subject_labels"), f"{where}.subject_labels")
        for name in lt_labels:
            if name not in subject_labels:
                raise r.fail(f"{where}.subject_labels", f"{name!r} is not a subject label")
        validity = _validity(r, spec.get("validity"), f"{where}.validity")
        props: list[Propagation] = []
        for i, item in enumerate(spec.get("propagation") or []):
            item_where = f"{where}.propagation[{i}]"
            item = r.mapping(item, item_where)
            r.only(item, {"relationship", "direction"}, item_where)
            rel = item.get("relationship")
            if rel not in rel_types:
                raise r.fail(item_where, f"propagates along undeclared relationship {rel!r}")
            direction = item.get("direction")
            if direction not in DIRECTIONS:
                raise r.fail(item_where, f"direction must be one of {', '.join(DIRECTIONS)}")
            props.append(Propagation(relationship=rel, direction=direction))
        if props and kind == "redlist":
            raise r.fail(where, "a redlist does not propagate risk")
        pub = spec.get("published_after_end", True)
        if not isinstance(pub, bool):
            raise r.fail(where, "'published_after_end' must be true or false")
        list_types.append(ListType(
            code=str(code), name_zh=r.text(spec, "name_zh", where),
            name_en=r.text(spec, "name_en", where), kind=kind, severity=severity,
            issuer_kinds=r.strings(spec.get("issuer_kinds"), f"{where}.issuer_kinds"),
            subject_labels=lt_labels, validity=validity, published_after_end=pub,
            max_hops=max_hops, propagation=tuple(props)))
    if not list_types:
        raise r.fail("list_types", "no list types declared")

    # Hub rules.
    hubs = r.mapping(top.get("hubs"), "hubs")
    r.only(hubs, {"propagate_through_hubs", "degree_threshold", "degree_relationships", "names",
                  "name_contains"}, "hubs")
    through = hubs.get("propagate_through_hubs", False)
    if not isinstance(through, bool):
        raise r.fail("hubs", "'propagate_through_hubs' must be true or false")
    threshold = hubs.get("degree_threshold", 0)
    if not isinstance(threshold, int) or threshold < 1:
        raise r.fail("hubs", "'degree_threshold' must be a whole number of at least 1")
    degree_rels = r.strings(hubs.get("degree_relationships"), "hubs.degree_relationships")
    for rel in degree_rels:
        if rel not in rel_types:
            raise r.fail("hubs.degree_relationships", f"undeclared relationship {rel!r}")
    hub_rules = HubRules(propagate_through_hubs=through, degree_threshold=threshold,
                         degree_relationships=degree_rels,
                         names=r.strings(hubs.get("names"), "hubs.names"),
                         name_contains=r.strings(hubs.get("name_contains"), "hubs.name_contains"))

    return Model(path=path, version=version, subject_label=subject_label, subject_key=subject_key,
                 subject_label_names=subject_labels, provenance=prov_props,
                 provenance_except=prov_except, label_defs=tuple(labels),
                 relationship_defs=tuple(rels), list_type_defs=tuple(list_types), hubs=hub_rules)


def _validity(r: _Reader, spec: Any, where: str) -> Validity | None:
    if spec is None or spec == "none":
        return None
    spec = r.mapping(spec, where)
    r.only(spec, {"years", "months", "days"}, where)
    values = {k: spec.get(k, 0) for k in ("years", "months", "days")}
    if not all(isinstance(v, int) and v >= 0 for v in values.values()) or not any(values.values()):
        raise r.fail(where, "give years, months and/or days as whole numbers, at least one above 0")
    return Validity(**values)


def load_model(path: str | Path | None = None) -> Model:
    """Read and validate the model; the packaged ``model.yaml`` when ``path`` is None.

    The default model is read once per process and shared (it is immutable).
    """
    if path is None:
        return _default_model()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_model() -> Model:
    return _load(MODEL_PATH)


def _load(path: Path) -> Model:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the model file: {exc.strerror or exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} is not valid YAML: "
                          f"{getattr(exc, 'problem', None) or exc}") from None
    return _read(path, raw)
