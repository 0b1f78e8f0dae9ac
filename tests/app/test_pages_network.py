"""Network page: the neighbourhood drawn offline, the blacklisted neighbour marked, expand and
re-centre, filters, and clear messages for an unknown code or a missing subject."""

from __future__ import annotations

from tests.app.sample_engine import planted, subject_of

from creditgraph.app.render import external_references

PATTERN = planted("blacklist_propagation")
LISTED = subject_of(PATTERN, "listed")
PERSON = subject_of(PATTERN, "reached")      # one hop from LISTED


def open_network(app, sid: str):
    app.query_params["sid"] = sid
    app.switch_page("views/network.py")  # before the first run: found by file name
    app.run()
    assert not app.exception, app.exception
    return app


def drawing(app) -> str:
    frames = [e for e in app.main if getattr(e, "type", "") == "iframe"]
    assert frames, "no drawing on the page"
    return frames[-1].proto.srcdoc


def test_blacklisted_neighbour_is_shown_and_drawn_offline(app):
    open_network(app, PERSON["sid"])
    text = "\n".join(m.value for m in app.markdown)
    assert "Blacklisted in this view" in text and LISTED["name"] in text
    page = drawing(app)
    assert external_references(page) == []
    assert "#D62728" in page                   # a blacklisted fill is drawn
    assert any(b.label.startswith("Download this view") for b in app.get("download_button"))


def test_depth_and_filters_change_the_view(app):
    open_network(app, LISTED["sid"])
    one = app.main.caption[0].value
    app.select_slider(key="net_depth").set_value(2).run()
    assert not app.exception
    two = app.main.caption[0].value
    assert int(two.split()[0]) > int(one.split()[0]), (one, two)
    app.multiselect(key="net_rels").select("LEGAL_REP_OF").run()
    assert not app.exception
    only = app.main.caption[0].value
    assert int(only.split()[0]) < int(two.split()[0]), (two, only)


def test_expand_one_node_then_recentre(app):
    open_network(app, LISTED["sid"])
    before = int(app.main.caption[0].value.split()[0])
    app.selectbox(key="net_expand_pick").set_value(PERSON["sid"])
    app.button(key="net_expand").click().run()
    assert not app.exception, app.exception
    assert "expanded:" in app.main.caption[0].value
    assert int(app.main.caption[0].value.split()[0]) >= before
    app.selectbox(key="net_recentre_pick").set_value(PERSON["sid"])
    app.button(key="net_recentre").click().run()
    assert not app.exception, app.exception
    assert app.query_params.get("sid") == PERSON["sid"]
    assert "expanded:" not in app.main.caption[0].value


def test_unknown_code_is_a_message(app):
    open_network(app, "91510100MA00000000")
    assert app.error and "No subject" in app.error[0].value


def test_no_subject_yet_points_to_search(app):
    app.switch_page("views/network.py")
    app.run()
    assert not app.exception
    assert any("No subject chosen yet" in i.value for i in app.info)


def test_engine_down_is_a_message(app, monkeypatch):
    from creditgraph import settings

    monkeypatch.setattr(settings, "DB", "falkordb://127.0.0.1:1")
    open_network(app, LISTED["sid"])
    assert any("graph engine is not available" in e.value for e in app.error)
