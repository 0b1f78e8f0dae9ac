"""Search page: codes exactly, names fuzzily, namesakes told apart; clear messages otherwise."""

from __future__ import annotations

import pytest
from tests.app.sample_engine import planted, subject_of

PATTERN = planted("blacklist_propagation")
LISTED = subject_of(PATTERN, "listed")       # an enterprise with an active SHIXIN entry
PERSON = subject_of(PATTERN, "reached")      # a person one hop away


def search(app, text: str):
    app.run()
    assert not app.exception, app.exception
    app.text_input(key="search_text").input(text).run()
    assert not app.exception, app.exception
    return app


def markdown(app) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_uscc_finds_the_enterprise_with_its_active_entry(app):
    search(app, LISTED["sid"])
    text = markdown(app)
    assert LISTED["name"] in text
    assert "SHIXIN" in text and "red-badge" in text


def test_lower_case_full_width_code_still_matches(app):
    code = LISTED["sid"].lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    search(app, code)
    assert LISTED["name"] in markdown(app)


def test_name_matches_across_bracket_forms(app):
    name = LISTED["name"].replace("（", "(").replace("）", ")")
    search(app, name)
    assert LISTED["name"] in markdown(app)


def test_person_shows_masked_id_not_the_number(app):
    search(app, PERSON["name"])
    text = markdown(app)
    assert PERSON["name"] in text
    assert PERSON["id"] not in text                      # the resident ID number is never shown
    assert PERSON["id"][:6] + "*" in text.replace("\\*", "*")   # masked, region digits kept


def test_open_goes_to_the_subject_page(app):
    search(app, LISTED["sid"])
    [button] = [b for b in app.button if b.key.startswith("open_") and LISTED["sid"] in b.key]
    button.click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == LISTED["name"]
    assert app.query_params.get("sid") == LISTED["sid"]


def test_a_common_fragment_says_the_list_is_cut(app):
    search(app, "成都")                    # in hundreds of the sample's names
    assert len([b for b in app.button if b.key.startswith("open_")]) == 50
    assert any("first 50 matches only" in w.value for w in app.warning)


def test_a_narrow_search_has_no_cut_warning(app):
    search(app, LISTED["sid"])
    assert not app.warning


def test_no_match_is_a_message(app):
    search(app, "这家公司肯定不存在XYZ")
    assert any("No subject matches" in i.value for i in app.info)
    assert not app.error


@pytest.mark.parametrize("db", ["falkordb://127.0.0.1:1"])
def test_engine_down_is_a_message_not_a_traceback(app, monkeypatch, db):
    from creditgraph import settings

    monkeypatch.setattr(settings, "DB", db)
    search(app, "成都")
    assert any("graph engine is not available" in e.value for e in app.error), [e.value for e in app.error]


def test_reruns_reuse_cached_results(app, monkeypatch):
    import uuid

    import creditgraph.app.search as search_module

    calls = []
    real = search_module.search

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(search_module, "search", counted)
    text = f"{LISTED['name']} {uuid.uuid4().hex[:8]}"     # a text no earlier test has cached
    search(app, text)
    app.run()
    app.run()
    assert calls == [text]
