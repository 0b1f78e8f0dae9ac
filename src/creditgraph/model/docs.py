"""Render the domain model as Markdown, so ``docs/model.md`` describes exactly what the code reads.

Regenerate the committed file with ``python -m creditgraph.model.docs`` (a test compares them).
"""

from __future__ import annotations

import sys
from pathlib import Path

from creditgraph.model.schema import Model, Property, load_model

_HEADER = """\
# The domain model

<!-- Generated from src/creditgraph/model/model.yaml by creditgraph.model.docs.render_model_markdown().
     Do not edit by hand: run `python -m creditgraph.model.docs` and commit the result. -->

Everything creditgraph stores is declared once in `src/creditgraph/model/model.yaml`: node labels
with their business key, properties with their types, relationship types with the labels they
connect, the sanction and reward lists, and the rules for hubs. Loaders, query packs, the Cypher
linter and the app read that file through `creditgraph.model.load_model()`; this page is rendered
from it.

Conventions:

- Dates are ISO `YYYY-MM-DD` strings (both engines compare them correctly; `date(x)` converts).
- Ratios are fractions from 0 to 1, amounts are in 10,000 CNY (万元) unless a property says otherwise.
- Identity is the business key (`uscc`, `pid`, list entry `id`, ...), never an engine's internal id.
- A list entry counts only while `status` is `active` on the as-of date and it has no `valid_to`;
  a `disputed` entry still counts but every finding built on it is flagged.
"""


def _mermaid_id(label: str) -> str:
    return label


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type_text(prop: Property) -> str:
    if prop.type == "enum":
        return "enum: " + ", ".join(f"`{v}`" for v in prop.values)
    return prop.type


def _property_table(props: tuple[Property, ...], key: str | None = None) -> list[str]:
    if not props:
        return ["(no properties)", ""]
    lines = ["| property | type | required | description |", "|---|---|---|---|"]
    for p in props:
        name = f"**{p.name}** (key)" if p.name == key else p.name
        lines.append(f"| {name} | {_cell(_type_text(p))} | {'yes' if p.required else 'no'} "
                     f"| {_cell(p.description)} |")
    lines.append("")
    return lines


def _diagram(model: Model) -> list[str]:
    lines = ["```mermaid", "flowchart LR"]
    for lab in model.label_defs:
        lines.append(f"    {_mermaid_id(lab.name)}[\"{lab.name}<br/>key: {lab.key}\"]")
    for rel in model.relationship_defs:
        for src in rel.sources:
            for dst in rel.targets:
                lines.append(f"    {_mermaid_id(src)} -->|{rel.type}| {_mermaid_id(dst)}")
    lines.append("```")
    lines.append("")
    return lines


def render_model_markdown(model: Model | None = None) -> str:
    """The Markdown description of ``model`` (the packaged one by default)."""
    model = model or load_model()
    out: list[str] = [_HEADER]

    out += ["## Diagram", "",
            (f"`{model.subject_label}` stands for any subject: every "
            f"{', '.join(model.subject_labels())} node also carries the label `{model.subject_label}` "
            f"and a key `{model.subject_key}` unique across subjects."), ""]
    out += _diagram(model)

    out += ["## Provenance", "",
            "Every node and relationship carries these properties"
            + (f" (except {', '.join(model.provenance_except)} nodes)" if model.provenance_except else "")
            + ":", ""]
    out += _property_table(model.provenance)

    out += ["## Node labels", ""]
    for lab in model.label_defs:
        extra = ""
        if lab.subject:
            extra = f" Also carries `{model.subject_label}`."
        out += [f"### {lab.name}", "", f"{_cell(lab.description)}{extra} Key: `{lab.key}`.", ""]
        out += _property_table(lab.properties, lab.key)

    out += ["## Relationship types", ""]
    for rel in model.relationship_defs:
        out += [f"### {rel.type}", "",
                f"{_cell(rel.description)}",
                "",
                f"- from: {', '.join(f'`{s}`' for s in rel.sources)}",
                f"- to: {', '.join(f'`{t}`' for t in rel.targets)}"]
        if rel.key:
            out.append(f"- one relationship per endpoints and {', '.join(f'`{k}`' for k in rel.key)}")
        if rel.temporal:
            out.append("- changes over time: a change closes the old relationship and opens a new one")
        out.append("")
        out += _property_table(rel.properties)

    out += ["## List types", "",
            ("`validity` is the default lifetime when a source publishes no end date. "
            "`published after end` says whether the source keeps publishing an entry (with its status) "
            "after it is repaired or expired; when it does not, the entry disappears from the next "
            "snapshot and the loader closes it. Risk of an active blacklist entry spreads along the "
            "listed relationships: `forward` follows the relationship's direction away from the listed "
            "subject, `backward` goes against it, `both` either way; packs report up to `max hops` (k)."),
            "",
            ("| code | name | kind | severity | issuers | subjects | validity | published after end "
            "| max hops | propagates along |"),
            "|---|---|---|---|---|---|---|---|---|---|"]
    for lt in model.list_types():
        validity = "until repaired"
        if lt.validity:
            parts = [f"{n} {u}" for n, u in ((lt.validity.years, "years"), (lt.validity.months, "months"),
                                             (lt.validity.days, "days")) if n]
            validity = ", ".join(parts)
        prop = ", ".join(f"{p.relationship} ({p.direction})" for p in lt.propagation) or "none"
        out.append(f"| `{lt.code}` | {lt.name_zh} ({lt.name_en}) | {lt.kind} | {lt.severity} "
                   f"| {', '.join(lt.issuer_kinds)} | {', '.join(lt.subject_labels)} | {validity} "
                   f"| {'yes' if lt.published_after_end else 'no'} | {lt.max_hops} | {prop} |")
    out.append("")

    hubs = model.hubs
    out += ["## Hubs", "",
            ("Nominee holders, custodians and state-asset administrations link thousands of unrelated "
            "subjects, so a path through one says nothing about risk. A subject is a hub when its "
            f"name is one of those below, its name contains one of the fragments below, or it has at "
            f"least {hubs.degree_threshold} relationships of types "
            f"{', '.join(hubs.degree_relationships)} (either direction)."),
            "",
            (f"Risk propagates through hubs: **{'yes' if hubs.propagate_through_hubs else 'no'}** "
            "(the default for every pack)."),
            "",
            "Hub names:", ""]
    out += [f"- {n}" for n in hubs.names]
    out += ["", "Name fragments:", ""]
    out += [f"- {n}" for n in hubs.name_contains]
    out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the rendered model to ``docs/model.md`` of the checkout (or the path given)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).resolve().parents[3] / "docs" / "model.md"
    target.write_text(render_model_markdown(), encoding="utf-8")
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
