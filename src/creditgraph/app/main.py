"""The investigator app: ``creditgraph app`` runs ``streamlit run`` on this file.

Only navigation and the sidebar live here; each page is a script under ``views/`` and the
queries are in ``creditgraph.app``. (Not ``pages/``: Streamlit treats a ``pages/`` folder beside
the entry file as an old-style multipage app, and a URL such as ``/network`` then runs that page
without this file, so without the sidebar.)
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

# A file, not a Material or emoji icon: Streamlit fetches those favicons from Google's font CDN,
# and the app must not reach the internet.
st.set_page_config(page_title="creditgraph · investigator", layout="wide",
                   page_icon=str(Path(__file__).with_name("favicon.png")))

try:
    # Settings are validated at import: a bad CREDITGRAPH_* value is a message, not a traceback.
    from creditgraph.app import state
except Exception as exc:  # a ConfigError is reported below; anything else re-raised
    from creditgraph.exc import CreditgraphError

    if not isinstance(exc, CreditgraphError):
        raise
    st.error(exc.one_line())
    st.stop()

PAGES = [
    st.Page("views/search.py", title="Search", icon=":material/search:", url_path="search", default=True),
    st.Page("views/subject.py", title="Subject", icon=":material/badge:", url_path="subject"),
    st.Page("views/network.py", title="Network", icon=":material/hub:", url_path="network"),
    st.Page("views/path.py", title="Path", icon=":material/route:", url_path="path"),
    st.Page("views/packs.py", title="Packs", icon=":material/rule:", url_path="packs"),
    st.Page("views/loads.py", title="Loads", icon=":material/history:", url_path="loads"),
]

navigation = st.navigation(PAGES)
state.sidebar()
navigation.run()
