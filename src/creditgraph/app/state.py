"""What the investigator app keeps between reruns: the engine, cached results, the subject, the date.

- One backend per engine for the whole server (``st.cache_resource``), opened with the same
  settings as the CLI (``CREDITGRAPH_DB``, ``CREDITGRAPH_HOME``, ``CREDITGRAPH_GRAPH``; the
  ``creditgraph app --db/--home`` options set them). The embedded engine is started on demand.
- Query results are cached per engine and arguments (``st.cache_data``, for
  ``CREDITGRAPH_APP_CACHE_TTL`` seconds), so moving between pages and widgets re-runs nothing.
- The current subject lives in ``st.session_state`` and in the URL (``?sid=...``), so a link
  opens a subject; the as-of date is picked in the sidebar (``?as_of=YYYY-MM-DD``).
- :func:`guarded` turns every error a user can cause into a message in the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from creditgraph import settings
from creditgraph.exc import CreditgraphError, EngineError

__all__ = [
    "as_of", "backend", "cached_evidence", "cached_flags", "cached_history", "cached_network",
    "cached_pack_run", "cached_paths", "cached_profile", "cached_search", "current_sid", "guarded",
    "open_subject", "set_subject", "sidebar", "target",
]

SID_PARAM = "sid"
AS_OF_PARAM = "as_of"


# --- the engine -----------------------------------------------------------------------------

def target() -> tuple[str, str, str]:
    """(engine URI, home folder, graph name) from the settings, read at call time.

    Part of every cache key, so two engines (or a test's private graph) never share results.
    """
    return (settings.DB, str(Path(settings.HOME).resolve()), settings.GRAPH)


@st.cache_resource(show_spinner="Connecting to the graph engine…")
def _connect(db: str, home: str, graph: str):
    from creditgraph.graph import connect

    backend = connect(db, home=Path(home), graph=graph)
    try:
        backend.ping()
    except CreditgraphError:
        backend.close()
        raise
    return backend


def backend():
    """The shared backend of the configured engine (opened, and for embedded started, once)."""
    return _connect(*target())


@contextmanager
def guarded(what: str = "") -> Iterator[None]:
    """Show a creditgraph error as one message in the page and stop the page there.

    An engine error also forgets the cached connection, so the next rerun reconnects (the
    embedded engine restarts on demand). Anything else is a bug and keeps its traceback.
    """
    try:
        yield
    except EngineError as exc:
        _connect.clear()
        st.error(f"The graph engine is not available: {exc.one_line()}", icon=":material/cloud_off:")
        st.stop()
    except CreditgraphError as exc:
        prefix = f"{what}: " if what else ""
        st.error(prefix + exc.one_line(), icon=":material/error:")
        st.stop()


# --- cached results -------------------------------------------------------------------------

def _cache(func):
    if settings.APP_CACHE_TTL <= 0:
        return func
    return st.cache_data(ttl=settings.APP_CACHE_TTL, show_spinner=False, max_entries=512)(func)


@_cache
def cached_search(key: tuple, text: str, as_of: str, limit: int = 50) -> list:
    """Search hits (``creditgraph.app.search.search``)."""
    from creditgraph.app.search import search

    return search(backend(), text, as_of=as_of, limit=limit)


@_cache
def cached_profile(key: tuple, sid: str, as_of: str):
    """A subject's profile, or None for an unknown sid."""
    from creditgraph.app.subject import profile

    return profile(backend(), sid, as_of=as_of)


@_cache
def cached_flags(key: tuple, sid: str, as_of: str) -> list[dict]:
    """The pack queries that flag a subject."""
    from creditgraph.app.subject import flags

    return flags(backend(), sid, as_of=as_of)


@_cache
def cached_network(key: tuple, sid: str, depth: int, rel_types: tuple[str, ...] | None,
                   list_status: tuple[str, ...] | None, as_of: str, cap: int,
                   expanded: tuple[str, ...] = ()):
    """A subject's neighbourhood, then each of ``expanded`` expanded in turn."""
    from creditgraph.app.network import expand, neighbourhood

    b = backend()
    view = neighbourhood(b, sid, depth=depth, rel_types=list(rel_types) if rel_types else None,
                         list_status=list(list_status) if list_status else None, as_of=as_of, cap=cap)
    for node_id in expanded:
        view = expand(b, view, node_id, rel_types=list(rel_types) if rel_types else None, as_of=as_of)
    return view


@_cache
def cached_paths(key: tuple, a: str, b: str, max_hops: int, rel_types: tuple[str, ...] | None,
                 as_of: str, limit: int):
    """Shortest paths between two subjects as one subgraph."""
    from creditgraph.app.paths import shortest_paths

    return shortest_paths(backend(), a, b, max_hops=max_hops,
                          rel_types=list(rel_types) if rel_types else None, as_of=as_of, limit=limit)


@_cache
def cached_history(key: tuple) -> list[dict]:
    """The load history (LoadRun nodes and run reports)."""
    from creditgraph.app.loads import load_history

    return load_history(backend(), Path(key[1]))


@_cache
def cached_pack_run(key: tuple, query_id: str, params: tuple[tuple[str, Any], ...], as_of: str,
                    packs_dirs: tuple[str, ...] = ()) -> dict:
    """One pack query's rows, columns and seconds for the given parameters."""
    from creditgraph.queries import run_pack_query

    result = run_pack_query(backend(), query_id, dict(params), packs_dirs, as_of=as_of)
    return {"rows": result.rows, "columns": list(result.columns), "seconds": result.seconds}


@_cache
def cached_evidence(key: tuple, row_json: str, as_of: str):
    """The drawn evidence of one pack result row (the row passed as JSON, to be hashable)."""
    import json

    from creditgraph.app.loads import evidence_subgraph

    return evidence_subgraph(backend(), json.loads(row_json), as_of=as_of)


@_cache
def _latest_as_of(key: tuple) -> str | None:
    try:
        history = cached_history(key)
    except ImportError:
        return None
    dates = [str(run.get("as_of")) for run in history if run.get("as_of")]
    return max(dates) if dates else None


# --- the subject and the date ---------------------------------------------------------------

def current_sid() -> str | None:
    """The subject in the URL (``?sid=``), else the one last opened in this session."""
    sid = st.query_params.get(SID_PARAM)
    if sid:
        sid = sid.strip()
        st.session_state[SID_PARAM] = sid
        return sid
    sid = st.session_state.get(SID_PARAM)
    if sid:
        # Put it back in the URL (the navigation menu drops query parameters).
        st.query_params[SID_PARAM] = sid
    return sid or None


def set_subject(sid: str) -> None:
    """Make ``sid`` the current subject, in the session and in the URL."""
    st.session_state[SID_PARAM] = sid
    st.query_params[SID_PARAM] = sid


def open_subject(sid: str, page: str = "views/subject.py") -> None:
    """Make ``sid`` current and go to ``page`` (a path relative to main.py) with it in the URL."""
    set_subject(sid)
    params = {SID_PARAM: sid}
    if st.session_state.get(AS_OF_PARAM):
        params[AS_OF_PARAM] = st.session_state[AS_OF_PARAM]
    st.switch_page(page, query_params=params)


def as_of() -> str:
    """The as-of date (ISO) every query of this session uses, chosen in the sidebar."""
    value = st.session_state.get(AS_OF_PARAM)
    return value or dt.date.today().isoformat()


def _default_as_of() -> dt.date:
    raw = st.query_params.get(AS_OF_PARAM)
    if raw:
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            st.sidebar.warning(f"?as_of={raw!r} is not a date YYYY-MM-DD; using the latest load.")
    try:
        latest = _latest_as_of(target())
    except CreditgraphError:
        latest = None
    return dt.date.fromisoformat(latest) if latest else dt.date.today()


def sidebar() -> None:
    """The as-of picker and what is open, on every page."""
    with st.sidebar:
        if "as_of_input" not in st.session_state:
            st.session_state["as_of_input"] = _default_as_of()
        picked = st.date_input("As of", key="as_of_input", min_value=dt.date(1990, 1, 1),
                               help="List entries count when active on this date; relationships "
                                    "and entries closed before it are left out. Defaults to the "
                                    "latest snapshot loaded.")
        st.session_state[AS_OF_PARAM] = picked.isoformat()
        # In the URL too, so a link opens the subject at the date it was looked at.
        if st.query_params.get(AS_OF_PARAM) != picked.isoformat():
            st.query_params[AS_OF_PARAM] = picked.isoformat()
        sid = current_sid()
        if sid:
            st.caption(f"Current subject: `{sid}`")
        db, _home, graph = target()
        st.caption(f"Engine: {db} · graph `{graph}`")

