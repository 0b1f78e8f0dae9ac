"""Loads: the history of snapshot loads with their counts and changes; quarantined rows to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from creditgraph.app import state
from creditgraph.tabular import cell_text

SUMMARY = ["as_of", "source", "status", "full_snapshot", "rows", "loaded", "quarantined", "duplicates",
           "seconds", "started_at", "finished_at", "run_id"]


def page() -> None:
    st.title("Loads")
    with state.guarded("Loads"):
        history = state.cached_history(state.target())
    if not history:
        st.info("No snapshot has been loaded into this graph yet: `creditgraph load FOLDER`.")
        return
    frame = pd.DataFrame([{c: run.get(c) for c in SUMMARY if c in run} for run in history])
    frame = frame.dropna(axis=1, how="all")
    st.dataframe(frame, hide_index=True, width="stretch")

    labels = [f"{r.get('as_of', '')} · {r.get('source', '')} · {r.get('run_id', '')}" for r in history]
    index = st.selectbox("Run", range(len(history)), format_func=labels.__getitem__, key="load_run")
    run = history[index]
    changes = run.get("changes")
    st.subheader("Changes")
    if isinstance(changes, dict) and changes:
        flat = [{"fact": k, **v} if isinstance(v, dict) else {"fact": k, "count": cell_text(v)}
                for k, v in changes.items()]
        st.dataframe(pd.DataFrame(flat), hide_index=True, width="stretch")
    elif changes:
        st.write(changes)
    else:
        st.caption("No change details recorded for this run.")
    files = run.get("files")
    if files:
        st.subheader("Files")
        if isinstance(files, dict):
            files = [{"file": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in files.items()]
        st.dataframe(pd.DataFrame([{k: cell_text(v) if isinstance(v, (dict, list)) else v
                                    for k, v in f.items()} for f in files]),
                     hide_index=True, width="stretch")
    st.subheader("Quarantined rows")
    from creditgraph.app.loads import quarantine_file

    path = quarantine_file(run)
    if path is None or not path.is_file():
        st.caption("No row of this run was quarantined.")
        return
    data = path.read_bytes()
    lines = max(data.count(b"\n") - 1, 0)
    st.caption(f"{path.name}: {lines} row(s)")
    st.download_button("Download quarantined rows", data, file_name=path.name,
                       mime="text/csv" if path.suffix == ".csv" else "application/octet-stream",
                       icon=":material/download:", key="load_quarantine")


page()
