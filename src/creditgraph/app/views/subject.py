"""Subject: who it is (identity decoded from the USCC, registration data, provenance), its list
entries on a timeline, the subjects related to it by relationship, and the packs that flag it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from creditgraph.app import state
from creditgraph.app.views._shared import LIST_STATUS_LABELS

ENTRY_COLUMNS = ["list_type", "list_name", "kind", "status", "active_on_as_of", "disputed", "start_date",
                 "end_date", "repaired_date", "decision_no", "reason", "department_name",
                 "department_level", "department_code", "id"]


def timeline(entries, as_of: str):
    """An Altair chart: one bar per entry from its start to its end (or repair, or the as-of date)."""
    import altair as alt

    rows = []
    for e in entries:
        start = e.get("start_date")
        if not start:
            continue
        end = e.get("repaired_date") or e.get("end_date") or max(as_of, start)
        rows.append({
            "entry": f"{e.get('list_type', '')} · {e.get('id', '')}",
            "start": start, "end": end, "kind": e.get("kind") or "other",
            "status": e.get("status") or "", "department": e.get("department_name") or "",
            "decision": e.get("decision_no") or "", "disputed": bool(e.get("disputed")),
        })
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    colours = alt.Scale(domain=["blacklist", "redlist", "other"], range=["#D62728", "#2CA02C", "#7F7F7F"])
    bars = alt.Chart(frame).mark_bar(height=14).encode(
        x=alt.X("start:T", title="validity"), x2="end:T",
        y=alt.Y("entry:N", title=None, sort="x"),
        color=alt.Color("kind:N", scale=colours, title="list"),
        opacity=alt.condition("datum.status == 'active'", alt.value(1.0), alt.value(0.35)),
        strokeDash=alt.condition("datum.disputed", alt.value([4, 2]), alt.value([1, 0])),
        stroke=alt.value("#333"),
        tooltip=["entry", "status", "department", "decision", "start:T", "end:T", "disputed"],
    )
    rule = alt.Chart(pd.DataFrame({"as_of": [as_of]})).mark_rule(color="#333", strokeDash=[3, 3]).encode(
        x="as_of:T", tooltip=[alt.Tooltip("as_of:T", title="as of")])
    return (bars + rule).properties(height=max(60, 24 * len(rows)))


def facts_table(data: dict) -> None:
    shown = {k: v for k, v in data.items() if v not in (None, "", [], {}) and not k.startswith("_")}
    if shown:
        st.dataframe(pd.DataFrame({"field": list(shown), "value": [str(v) for v in shown.values()]}),
                     hide_index=True, width="stretch")
    else:
        st.caption("nothing recorded")


def related_section(related: dict) -> None:
    if not related:
        st.info("No current relationship to another subject.")
        return
    for group, members in related.items():
        with st.expander(f"{group} ({len(members)})", expanded=len(related) <= 3):
            frame = pd.DataFrame([{
                "name": m.get("name"), "label": m.get("label"),
                "role / ratio": m.get("role") or m.get("ratio") or m.get("label_text") or "",
                "listed": LIST_STATUS_LABELS.get(m.get("listed") or "none", m.get("listed")),
                "sid": m.get("sid"),
            } for m in members])
            st.dataframe(frame, hide_index=True, width="stretch")
            choice = st.selectbox("Open a related subject", range(len(members)), key=f"rel_{group}",
                                  format_func=lambda i, ms=members: f"{ms[i].get('name')} ({ms[i].get('sid')})")
            if st.button("Open", key=f"rel_open_{group}"):
                state.open_subject(members[choice]["sid"])


def page() -> None:
    sid = state.current_sid()
    if not sid:
        st.title("Subject")
        st.info("No subject chosen yet: find one on the Search page, or open a link with ?sid=CODE.")
        st.page_link("views/search.py", label="Go to Search", icon=":material/search:")
        return
    as_of = state.as_of()
    with state.guarded("Subject"):
        prof = state.cached_profile(state.target(), sid, as_of)
    if prof is None:
        st.title("Subject")
        st.error(f"No subject with code or id {sid!r} in this graph. Check the code, or search by name.")
        st.page_link("views/search.py", label="Go to Search", icon=":material/search:")
        return

    st.title(prof.name)
    kind = prof.props.get("kind")
    status = prof.props.get("status")
    st.caption(" · ".join(str(p) for p in (prof.label, kind, status, prof.region_name, prof.sid) if p))
    active = [e for e in prof.entries if e.get("active_on_as_of")]
    black = [e for e in active if e.get("kind") == "blacklist"]
    red = [e for e in active if e.get("kind") == "redlist"]
    if black:
        st.error(f"{len(black)} active blacklist entr{'y' if len(black) == 1 else 'ies'} on {as_of}: "
                 + ", ".join(sorted({e.get('list_type', '') for e in black}))
                 + (" (disputed)" if any(e.get("disputed") for e in black) else ""),
                 icon=":material/block:")
    if red:
        st.success(f"{len(red)} active redlist entr{'y' if len(red) == 1 else 'ies'} on {as_of}",
                   icon=":material/verified:")
    nav1, nav2, _ = st.columns([1, 1, 4])
    if nav1.button("Network", icon=":material/hub:", key="to_network"):
        state.open_subject(sid, "views/network.py")
    if nav2.button("Paths from here", icon=":material/route:", key="to_path"):
        state.open_subject(sid, "views/path.py")

    ident, reg, prov = st.columns(3)
    with ident:
        st.subheader("Identity")
        if prof.uscc_decoded:
            facts_table(prof.uscc_decoded)
        else:
            facts_table({"id_masked": prof.props.get("id_masked"), "region": prof.region_name})
    with reg:
        st.subheader("Registration")
        facts_table({k: v for k, v in prof.props.items()
                     if k not in ("name_norm", "source", "as_of", "first_seen", "last_seen",
                                  "valid_to", "load_run")})
    with prov:
        st.subheader("Provenance")
        facts_table(dict(prof.provenance))

    st.subheader(f"List entries ({len(prof.entries)})")
    if prof.entries:
        chart = timeline(prof.entries, as_of)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
        frame = pd.DataFrame(list(prof.entries))
        cols = [c for c in ENTRY_COLUMNS if c in frame.columns]
        st.dataframe(frame[cols], hide_index=True, width="stretch")
    else:
        st.caption("No list entry, past or present.")

    st.subheader("Related subjects")
    related_section(prof.related)

    st.subheader("Packs that flag it")
    flagged = list(prof.flagged_by)
    if not flagged and not st.session_state.get("flags_on"):
        # Every pack runs whole (once per graph, date and load, then kept): seconds on the
        # sample, minutes on a national graph, so only when asked.
        st.caption("Runs every query of the risk packs once for this date, then answers for any subject.")
        if not st.button("Check the risk packs", icon=":material/rule:", key="flags_check"):
            return
        st.session_state["flags_on"] = True
    if not flagged:
        with state.guarded("Packs"), st.spinner("Running the risk packs…"):
            flagged = state.cached_flags(state.target(), sid, as_of)
    if flagged:
        frame = pd.DataFrame(flagged)
        cols = [c for c in ("query_id", "title", "title_zh", "severity", "rows", "disputed", "error")
                if c in frame.columns]
        st.dataframe(frame[cols], hide_index=True, width="stretch")
    else:
        st.caption(f"No pack query flags it on {as_of}.")

page()
