"""Subject page: profile, entries on a timeline, related subjects, packs; messages otherwise."""

from __future__ import annotations

from tests.app.sample_engine import TRUTH, planted, subject_of

PATTERN = planted("blacklist_propagation")
LISTED = subject_of(PATTERN, "listed")
PERSON = subject_of(PATTERN, "reached")


def open_subject(app, sid: str, as_of: str = TRUTH["evaluate_at"]):
    app.query_params["sid"] = sid
    app.query_params["as_of"] = as_of
    app.switch_page("views/subject.py")
    app.run()
    assert not app.exception, app.exception
    return app


def test_profile_of_a_listed_enterprise(app):
    open_subject(app, LISTED["sid"])
    assert app.title[0].value == LISTED["name"]
    assert any("active blacklist entr" in e.value and "SHIXIN" in e.value for e in app.error)
    headers = [h.value for h in app.subheader]
    for header in ("Identity", "Registration", "Provenance", "Related subjects", "Packs that flag it"):
        assert header in headers
    assert any(h.startswith("List entries (") for h in headers)
    tables = [d.value for d in app.dataframe]
    entries = next(t for t in tables if "list_type" in t.columns)
    assert PATTERN["entry_id"] in set(entries["id"])
    assert "decision_no" in entries.columns and "department_name" in entries.columns
    assert [e for e in app.main if getattr(e, "type", "") == "vega_lite_chart"], "no entries timeline"


def test_related_subjects_open(app):
    open_subject(app, LISTED["sid"])
    related = [s for s in app.selectbox if s.key and s.key.startswith("rel_")]
    assert related
    target = next((s for s in related if any(PERSON["name"] in str(o) for o in s.options)), None)
    assert target is not None, [s.options for s in related]
    index = next(i for i, o in enumerate(target.options) if PERSON["name"] in str(o))
    target.set_value(index)
    app.button(key=f"rel_open_{target.key[4:]}").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == PERSON["name"]


def test_packs_that_flag_it(app):
    open_subject(app, LISTED["sid"])
    app.button(key="flags_check").click().run()
    assert not app.exception, app.exception
    flagged = app.dataframe[-1].value
    assert "query_id" in flagged.columns and len(flagged) >= 1


def test_unknown_code_is_a_message(app):
    open_subject(app, "91510100MA00000000")
    assert app.error and "No subject with code" in app.error[0].value


def test_no_subject_is_a_pointer_to_search(app):
    app.switch_page("views/subject.py")
    app.run()
    assert not app.exception
    assert any("No subject chosen yet" in i.value for i in app.info)


def test_engine_down_is_a_message(app, monkeypatch):
    from creditgraph import settings

    monkeypatch.setattr(settings, "DB", "falkordb://127.0.0.1:1")
    open_subject(app, LISTED["sid"])
    assert any("graph engine is not available" in e.value for e in app.error)


def test_as_of_is_kept_in_the_url(app):
    open_subject(app, LISTED["sid"], as_of="2025-05-31")
    assert app.query_params.get("as_of") == "2025-05-31"
    assert app.sidebar.date_input(key="as_of_input").value.isoformat() == "2025-05-31"
