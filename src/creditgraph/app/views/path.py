"""Path: the shortest paths between two subjects, drawn."""

from __future__ import annotations

import streamlit as st

from creditgraph.app import state
from creditgraph.app.views._shared import frozen, show_view, subject_picker


def page() -> None:
    st.title("Path")
    st.caption("The shortest chains of relationships linking two subjects, through current facts only.")
    left, right = st.columns(2)
    with left:
        a = subject_picker("From", key="path_a", default=state.current_sid() or "")
    with right:
        b = subject_picker("To", key="path_b")
    from creditgraph.app.network import relationship_types

    c1, c2, c3 = st.columns([1, 3, 1])
    max_hops = c1.slider("Longest path (hops)", 1, 8, 6, key="path_hops")
    rel_types = c2.multiselect("Relationship types (none = all)", list(relationship_types()), key="path_rels")
    limit = c3.number_input("Paths at most", 1, 50, 10, key="path_limit")
    if not (a and b):
        st.info("Choose two subjects.")
        return
    if a == b:
        st.info("Both ends are the same subject; choose another.")
        return
    with state.guarded("Path"), st.spinner("Looking for paths…"):
        view = state.cached_paths(state.target(), a, b, int(max_hops), frozen(rel_types), state.as_of(), int(limit))
    if view.is_empty or not view.edges:
        st.info(f"No path of at most {max_hops} hops links these two subjects on {state.as_of()}.")
        return
    na, nb = view.node(a), view.node(b)
    title = f"Paths from {na.name if na else a} to {nb.name if nb else b}"
    st.caption(f"{len(view.nodes)} nodes, {len(view.edges)} relationships")
    show_view(view, title=title, key="path")


page()
