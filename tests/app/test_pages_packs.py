"""Packs page: a form from the query's header, the run, downloads, a row's evidence drawn."""

from __future__ import annotations

from tests.app.sample_engine import TRUTH, planted, subject_of

from creditgraph.app.render import external_references

PATTERN = planted("blacklist_propagation")
LISTED = subject_of(PATTERN, "listed")


def choose(app, pack: str, query_id: str, as_of: str = TRUTH["evaluate_at"]):
    app.query_params["as_of"] = as_of
    app.switch_page("views/packs.py")
    app.run()
    assert not app.exception, app.exception
    app.selectbox(key="pack_pick").set_value(pack).run()
    app.selectbox(key="pack_query").set_value(query_id).run()
    assert not app.exception, app.exception
    return app


def test_form_is_built_from_the_declared_parameters(app):
    from creditgraph.queries.packs import find_query, load_packs

    choose(app, "risk", "blacklist_propagation")
    query = find_query(load_packs(), "blacklist_propagation")
    for param in query.parameters:
        assert app.get_by_key(f"p_{query.id}_{param.name}") is not None, param.name
    k = query.param("k")
    widget = app.number_input(key="p_blacklist_propagation_k")
    assert widget.value == k.default and widget.min == k.min and widget.max == k.max


def test_run_shows_rows_downloads_and_evidence(app):
    choose(app, "risk", "blacklist_propagation")
    app.button(key="FormSubmitter:form_blacklist_propagation-Run").click().run()
    assert not app.exception, app.exception
    assert app.success and "rows in" in app.success[0].value
    table = app.dataframe[-1].value
    assert LISTED["sid"] in table.to_csv()
    labels = [b.label for b in app.get("download_button")]
    assert "Download CSV" in labels and "Download XLSX" in labels
    rows = [i for i, csv_line in enumerate(table.astype(str).agg(" ".join, axis=1)) if LISTED["sid"] in csv_line]
    app.selectbox(key="evidence_row_blacklist_propagation").set_value(rows[0])
    app.button(key="pack_evidence").click().run()
    assert not app.exception, app.exception
    frames = [e for e in app.main if getattr(e, "type", "") == "iframe"]
    assert frames and external_references(frames[-1].proto.srcdoc) == []


def test_empty_result_is_a_message(app):
    choose(app, "risk", "blacklist_propagation", as_of="1990-01-01")   # before any entry began
    app.button(key="FormSubmitter:form_blacklist_propagation-Run").click().run()
    assert not app.exception, app.exception
    assert "0 rows" in app.success[0].value
    assert any("found nothing" in i.value for i in app.info)


def test_engine_down_is_a_message(app, monkeypatch):
    from creditgraph import settings

    choose(app, "risk", "blacklist_propagation")
    monkeypatch.setattr(settings, "DB", "falkordb://127.0.0.1:1")
    app.button(key="FormSubmitter:form_blacklist_propagation-Run").click().run()
    assert not app.exception, app.exception
    assert any("graph engine is not available" in e.value for e in app.error)

