"""The investigator app's pages: one Streamlit script per page, run by ``main.py``'s navigation.

Each page holds only layout; queries live in ``creditgraph.app`` and are cached by
``creditgraph.app.state``.
"""
