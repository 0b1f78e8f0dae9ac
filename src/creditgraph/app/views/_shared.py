"""Widgets more than one page uses: a subject picker, a drawn subgraph, download buttons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import streamlit as st

from creditgraph.app import state
from creditgraph.app.render import subgraph_html

LIST_STATUS_LABELS = {"blacklisted": "blacklisted 失信", "redlisted": "redlisted 守信",
                      "both": "on both kinds of list", "none": "not listed"}


def hit_line(hit: Any, *, with_name: bool = True) -> str:
    """One line telling a search hit from its namesakes: name, kind, region, masked ID or code."""
    parts = [hit.name if with_name else "", hit.label + (f"/{hit.kind}" if hit.kind else "")]
    if hit.region_name or hit.region_code:
        parts.append(hit.region_name or hit.region_code)
    parts.append(hit.id_masked or hit.uscc or hit.sid)
    return " · ".join(str(p) for p in parts if p)


def frozen(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """A widget's list as a sorted tuple for a cache key (None when nothing is chosen)."""
    return tuple(sorted(values)) if values else None


def slug(text: str) -> str:
    """A file-name-safe form of ``text`` (Chinese kept)."""
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[:80] or "view"


def subject_picker(label: str, *, key: str, default: str = "") -> str | None:
    """A search box that resolves to one subject's sid (a code, a name, or a sid itself).

    Several hits show a select box with each hit's name, kind, region and masked ID or code.
    """
    text = st.text_input(label, value=default, key=f"{key}_text",
                         placeholder="USCC, name or person name")
    if not text.strip():
        return None
    with state.guarded(label):
        hits = state.cached_search(state.target(), text.strip(), state.as_of(), 20)
    if not hits:
        st.info(f"No subject matches {text.strip()!r}.")
        return None
    if len(hits) == 1:
        st.caption(hit_line(hits[0]))
        return hits[0].sid
    choice = st.selectbox(f"{len(hits)} subjects match; pick one", range(len(hits)),
                          format_func=lambda i: hit_line(hits[i]), key=f"{key}_pick")
    return hits[choice].sid


def show_view(view: Any, *, title: str, key: str, height: int = 620) -> str:
    """Draw ``view`` (a Subgraph) with its cap notice and a button to download it as HTML."""
    if view.capped and view.notice:
        st.warning(view.notice, icon=":material/filter_alt:")
    page = subgraph_html(view, height=height, title=title)
    # The page is ours: pyvis writes node and edge data with Jinja's tojson, which escapes <, >
    # and &, and every other text from the graph goes through html.escape in render.py.
    st.iframe(page, height=height + 140)
    st.download_button("Download this view (standalone HTML)", data=page.encode("utf-8"),
                       file_name=f"{slug(title)}.html", mime="text/html", key=f"{key}_download",
                       icon=":material/download:")
    return page
