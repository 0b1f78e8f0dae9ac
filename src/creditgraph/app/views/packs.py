"""Packs: pick a pack and a query, fill its parameters in a form built from its header, run it,
read the rows, open any row's evidence as a drawn subgraph, download CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from creditgraph.app import state
from creditgraph.app.views._shared import show_view
from creditgraph.tabular import cell_text, to_csv, write_rows

RESULT = "packs_result"   # session key: the last run's (query id, params, as_of)


@st.cache_data(show_spinner=False)
def _packs():
    from creditgraph.queries.packs import load_packs

    return load_packs()


def param_widget(query, param, as_of: str) -> Any:
    """One form field for a declared parameter, its default filled in, its bounds enforced."""
    key = f"p_{query.id}_{param.name}"
    label = param.name + ("" if param.default is not None else " *")
    help_text = param.description or None
    kind, default = param.type, param.default
    if kind == "date":
        value = dt.date.fromisoformat(as_of) if default in (None, "today") else dt.date.fromisoformat(default)
        return st.date_input(label, value=value, key=key, help=help_text).isoformat()
    if kind == "int":
        lo = int(param.min) if param.min is not None else None
        hi = int(param.max) if param.max is not None else None
        value = int(default) if default is not None else (lo if lo is not None else 0)
        return int(st.number_input(label, min_value=lo, max_value=hi, value=value, step=1, key=key,
                                   help=help_text))
    if kind == "float":
        lo = float(param.min) if param.min is not None else None
        hi = float(param.max) if param.max is not None else None
        value = float(default) if default is not None else (lo if lo is not None else 0.0)
        return float(st.number_input(label, min_value=lo, max_value=hi, value=value, key=key, help=help_text))
    if kind == "bool":
        return st.checkbox(label, value=bool(default), key=key, help=help_text)
    if kind == "list":
        text = ", ".join(default) if default else ""
        raw = st.text_area(label, value=text, key=key, help=(help_text or "") + " (comma-separated)", height=68)
        return [part.strip() for part in raw.split(",") if part.strip()]
    return st.text_input(label, value="" if default is None else str(default), key=key, help=help_text)


def results_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    cols = columns or (list(rows[0]) if rows else [])
    return pd.DataFrame([{c: (cell_text(r.get(c)) if isinstance(r.get(c), (dict, list)) else r.get(c))
                          for c in cols} for r in rows], columns=cols)


def xlsx_bytes(rows: list[dict], columns: list[str]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_rows(rows, Path(tmp) / "rows.xlsx", "xlsx", columns=columns)
        return path.read_bytes()


def row_title(row: dict, columns: list[str]) -> str:
    """A row told apart from the others: its names (subject, listed...) and entry, else its first cells."""
    named = [c for c in columns if c.endswith("name")][:2] + [c for c in columns if c == "entry_id"]
    shown = [cell_text(row.get(c)) for c in (named or columns[:3])]
    return " · ".join(s[:40] for s in shown if s)


def page() -> None:
    st.title("Packs")
    as_of = state.as_of()
    with state.guarded("Packs"):
        packs = _packs()
    if not packs:
        st.info("No query pack is installed (cypher/packs/ is empty).")
        return
    pack_names = [p.name for p in packs]
    pack_name = st.selectbox("Pack", pack_names, key="pack_pick")
    pack = next(p for p in packs if p.name == pack_name)
    queries = {q.id: q for q in pack.queries}
    query_id = st.selectbox("Query", list(queries), key="pack_query",
                            format_func=lambda q: f"{q} · {queries[q].title} · {queries[q].title_zh} "
                                                 f"[{queries[q].severity}]")
    query = queries[query_id]
    with st.expander("What it finds", expanded=False):
        st.markdown(query.description or query.title)
        st.dataframe(pd.DataFrame([{"column": c.name, "meaning": c.description} for c in query.columns]),
                     hide_index=True, width="stretch")

    with st.form(key=f"form_{query.id}"):
        st.caption(f"Parameters of {query.id} (as of {as_of}; * required)")
        values: dict[str, Any] = {}
        cols = st.columns(3)
        for i, param in enumerate(query.parameters):
            with cols[i % 3]:
                values[param.name] = param_widget(query, param, as_of)
        if "through_hubs" in query.runner_parameters and query.param("through_hubs") is None:
            with cols[len(query.parameters) % 3]:
                values["through_hubs"] = st.checkbox(
                    "through_hubs", value=False, key=f"p_{query.id}_through_hubs",
                    help="Let risk pass through hubs (nominee holders, state-asset administrations).")
        submitted = st.form_submit_button("Run", icon=":material/play_arrow:", type="primary")
    if submitted:
        # An empty box is no value: a required parameter left empty is then reported as missing.
        values = {k: v for k, v in values.items() if v != "" or query.param(k) is None}
        st.session_state[RESULT] = (query.id, json.dumps(values, sort_keys=True, default=str), as_of)

    last = st.session_state.get(RESULT)
    if not last or last[0] != query.id:
        return
    params = tuple(sorted(json.loads(last[1]).items()))
    params = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params)
    with state.guarded(query.id), st.spinner(f"Running {query.id}…"):
        result = state.cached_pack_run(state.target(), query.id, params, last[2])
    rows, columns = result["rows"], result["columns"]
    st.success(f"{len(rows)} row{'s' if len(rows) != 1 else ''} in {result['seconds']:.2f} s "
               f"(as of {last[2]})", icon=":material/done_all:")
    if not rows:
        st.info("The query found nothing with these parameters.")
        return
    st.dataframe(results_frame(rows, columns), hide_index=False, width="stretch", key="pack_table")
    d1, d2, _ = st.columns([1, 1, 3])
    name = f"{query.id}-{last[2]}"
    d1.download_button("Download CSV", to_csv(rows, columns).encode("utf-8-sig"), f"{name}.csv",
                       "text/csv", icon=":material/download:", key="pack_csv")
    d2.download_button("Download XLSX", xlsx_bytes(rows, columns), f"{name}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:", key="pack_xlsx")

    st.subheader("Evidence")
    index = st.selectbox("Row", range(len(rows)), key=f"evidence_row_{query.id}",
                         format_func=lambda i: f"#{i} · {row_title(rows[i], columns)}")
    if st.button("Show its evidence", icon=":material/account_tree:", key="pack_evidence"):
        st.session_state["evidence_row"] = (query.id, last[1], index)
    chosen = st.session_state.get("evidence_row")
    if chosen and chosen[0] == query.id and chosen[1] == last[1] and chosen[2] < len(rows):
        row = rows[chosen[2]]
        with state.guarded("Evidence"), st.spinner("Drawing the evidence…"):
            view = state.cached_evidence(state.target(), json.dumps(row, sort_keys=True, default=str), last[2])
        if view.is_empty:
            st.info("This row names no subject or path to draw.")
            return
        show_view(view, title=f"{query.id} row {chosen[2]} · {row_title(row, columns)}", key="evidence")


page()
