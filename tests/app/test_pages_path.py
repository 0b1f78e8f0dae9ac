"""Path page: two subjects, their shortest paths drawn; no path or one subject is a message."""

from __future__ import annotations

from tests.app.sample_engine import planted, subject_of

from creditgraph.app.render import external_references

PATTERN = planted("blacklist_propagation")
LISTED = subject_of(PATTERN, "listed")
FAR = next(s for s in PATTERN["subjects"] if s.get("hops") == 3)


def open_path(app, a: str, b: str):
    app.switch_page("views/path.py")
    app.run()
    app.text_input(key="path_a_text").input(a)
    app.text_input(key="path_b_text").input(b).run()
    assert not app.exception, app.exception
    return app


def test_three_hop_path_is_drawn(app):
    open_path(app, LISTED["sid"], FAR["sid"])
    frames = [e for e in app.main if getattr(e, "type", "") == "iframe"]
    assert frames, [i.value for i in app.info]
    page = frames[-1].proto.srcdoc
    assert external_references(page) == []
    assert "Paths from" in page
    nodes = int(next(c.value for c in app.main.caption if c.value.endswith("relationships")).split()[0])
    assert nodes >= 4                      # both ends and two subjects between them


def test_too_short_a_limit_is_a_message(app):
    open_path(app, LISTED["sid"], FAR["sid"])
    app.slider(key="path_hops").set_value(2).run()
    assert not app.exception
    assert any("No path of at most 2 hops" in i.value for i in app.info)


def test_one_end_missing_is_a_message(app):
    open_path(app, LISTED["sid"], "没有这家公司XYZ")
    assert any("No subject matches" in i.value for i in app.info)
    assert any("Choose two subjects" in i.value for i in app.info)


def test_from_the_current_subject_to_a_name(app):
    person = subject_of(PATTERN, "reached")
    app.query_params["sid"] = person["sid"]       # a person's sid: the keyed hash, as in the URL
    open_path(app, person["sid"], FAR["name"])
    frames = [e for e in app.main if getattr(e, "type", "") == "iframe"]
    assert frames, [i.value for i in app.info]
    assert app.text_input(key="path_a_text").value == person["sid"]
