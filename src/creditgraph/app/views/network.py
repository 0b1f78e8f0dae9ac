"""Network: the subject's neighbourhood drawn (depth 1-3), filtered by relationship type and list
status; a capped view says so, one node at a time can be expanded, any subject re-centred on."""

from __future__ import annotations

import streamlit as st

from creditgraph.app import state
from creditgraph.app.views._shared import LIST_STATUS_LABELS, frozen, show_view

EXPANDED = "network_expanded"   # session key: (centre, node ids expanded in order)
DEFAULT_CAP = 300


def relationship_options() -> list[str]:
    from creditgraph.app.network import relationship_types

    return list(relationship_types())


def expanded_for(sid: str) -> tuple[str, ...]:
    centre, nodes = st.session_state.get(EXPANDED, (None, ()))
    return tuple(nodes) if centre == sid else ()


def page() -> None:
    st.title("Network")
    sid = state.current_sid()
    if not sid:
        st.info("No subject chosen yet: find one on the Search page, or open a link with ?sid=CODE.")
        st.page_link("views/search.py", label="Go to Search", icon=":material/search:")
        return
    as_of = state.as_of()

    c1, c2, c3, c4 = st.columns([1, 3, 2, 1])
    depth = c1.select_slider("Depth", options=[1, 2, 3], value=1, key="net_depth")
    rel_types = c2.multiselect("Relationship types (none = all)", relationship_options(), key="net_rels")
    statuses = c3.multiselect("List status (none = all)", list(LIST_STATUS_LABELS),
                              format_func=LIST_STATUS_LABELS.get, key="net_status")
    cap = c4.number_input("Node cap", min_value=20, max_value=2000, value=DEFAULT_CAP, step=50, key="net_cap")

    expanded = expanded_for(sid)
    with state.guarded("Network"), st.spinner("Reading the neighbourhood…"):
        view = state.cached_network(state.target(), sid, int(depth), frozen(rel_types), frozen(statuses),
                                    as_of, int(cap), expanded)
    if view.is_empty:
        st.error(f"No subject with code or id {sid!r} in this graph, or nothing around it matches the filters.")
        return
    centre = view.node(sid)
    title = f"Network of {centre.name if centre else sid} · depth {depth} · as of {as_of}"
    st.caption(f"{len(view.nodes)} nodes, {len(view.edges)} relationships"
               + (f"; expanded: {', '.join(expanded)}" if expanded else ""))
    listed = [n for n in view.nodes if n.is_subject and n.listed in ("blacklisted", "both") and n.id != sid]
    if listed:
        st.markdown("**Blacklisted in this view:** " + ", ".join(
            f":red-badge[{n.name}]" + (" ⚠" if n.disputed else "") for n in listed[:20])
            + (f" and {len(listed) - 20} more" if len(listed) > 20 else ""))

    show_view(view, title=title, key="network")

    subjects = sorted((n for n in view.nodes if n.is_subject), key=lambda n: (n.id != sid, n.name))
    left, right = st.columns(2)
    with left:
        options = [n.id for n in view.nodes if n.id not in expanded]
        names = {n.id: f"{n.name} ({n.label}{', hub' if n.hub else ''})" for n in view.nodes}
        node = st.selectbox("Expand one node", options, format_func=names.get, key="net_expand_pick")
        if st.button("Expand", icon=":material/unfold_more:", key="net_expand") and node:
            st.session_state[EXPANDED] = (sid, (*expanded, node))
            st.rerun()
        if expanded and st.button("Collapse all", key="net_collapse"):
            st.session_state[EXPANDED] = (sid, ())
            st.rerun()
    with right:
        target = st.selectbox("Re-centre on", [n.id for n in subjects], format_func=names.get,
                              key="net_recentre_pick")
        b1, b2 = st.columns(2)
        if b1.button("Re-centre", icon=":material/center_focus_strong:", key="net_recentre") and target:
            st.session_state[EXPANDED] = (target, ())
            state.open_subject(target, "views/network.py")
        if b2.button("Open profile", icon=":material/badge:", key="net_profile") and target:
            state.open_subject(target, "views/subject.py")


page()
