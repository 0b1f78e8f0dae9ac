"""Search: one box for a USCC (exact), an enterprise or organisation name (fuzzy, simplified,
traditional or full-width), or a person's name (namesakes told apart by masked ID and region)."""

from __future__ import annotations

import streamlit as st

from creditgraph.app import state
from creditgraph.app.views._shared import hit_line


def entry_badges(entries) -> str:
    """Active list entries as short badges: red for a blacklist, green for a redlist."""
    badges = []
    for entry in entries:
        kind = entry.get("kind") or ""
        colour = "red" if kind == "blacklist" else "green" if kind == "redlist" else "gray"
        text = entry.get("list_type") or entry.get("list_name") or "entry"
        if entry.get("disputed"):
            text += " ⚠ disputed"
        badges.append(f":{colour}-badge[{text}]")
    return " ".join(badges)


#: Hits shown; a name fragment can match thousands of subjects.
LIMIT = 50


def page() -> None:
    st.title("Search")
    text = st.text_input("USCC, enterprise or organisation name, or person name", key="search_text",
                         placeholder="e.g. 91510100MA61R8XW3K, 优合家政, 曾敏")
    if not text.strip():
        st.caption("Codes match exactly; names match across simplified, traditional and full-width "
                   "forms and without company suffixes. Press Enter to search.")
        return
    with state.guarded("Search"):
        hits = state.cached_search(state.target(), text.strip(), state.as_of(), LIMIT)
    if not hits:
        st.info(f"No subject matches {text.strip()!r}. Try part of the name, or the full 18-character code.")
        return
    st.caption(f"{len(hits)} result{'s' if len(hits) != 1 else ''} (as of {state.as_of()})")
    if len(hits) >= LIMIT:
        # A fragment's matches beyond the limit are not ranked: they are simply not fetched.
        st.warning(f"Showing the first {LIMIT} matches only: more subjects match {text.strip()!r}. "
                   "Type more of the name, or the code, to narrow it down.")
    for i, hit in enumerate(hits):
        with st.container(border=True):
            left, right = st.columns([5, 1])
            with left:
                st.markdown(f"**{hit.name}**  \n{hit_line(hit, with_name=False)}")
                facts = []
                if hit.status:
                    facts.append(f"status: {hit.status}")
                badges = entry_badges(hit.active_entries)
                facts.append(badges or "no active list entry")
                st.markdown(" · ".join(facts))
            with right:
                if st.button("Open", key=f"open_{i}_{hit.sid}", icon=":material/arrow_forward:"):
                    state.open_subject(hit.sid)


page()
