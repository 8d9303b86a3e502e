"""/author's preview you can take (issue 14): a pasted, uploaded or QUIZ_BANKS bank through the
real quiz pages, review and results page, in each of its languages, with nothing stored.

The state travels in the pages' own forms (the bank's compressed copy and the answers so far),
so these tests post what a browser would: the hidden fields of the page before, plus the
answers ticked."""
from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import zlib

import pytest
import sqlalchemy as sa

from tests.conftest import TINY_BANK, make_app

TABLES = ("result", "draft", "bank_snapshot")
PAGE_ONE = {"fundamentals": "5", "first-week": "read-papers"}
PAGE_TWO = {"tools": ["pytorch"], "process-work": "4"}


def source() -> str:
    with open(TINY_BANK, encoding="utf-8") as fh:
        return fh.read()


@pytest.fixture
def author(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def counts(app) -> dict[str, int]:
    from quiz.extensions import db
    with app.app_context():
        return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def hidden(body: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" form="[^"]+" name="{name}" value="([^"]*)"', body)
    assert found, f"no hidden {name} field"
    return html.unescape(found.group(1))


def state(body: str) -> dict[str, str]:
    return {"bank": hidden(body, "bank"), "answers": hidden(body, "answers")}


def h1(body: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", body, re.S).group(1).strip()


def take_to_results(c, lang: str) -> str:
    r = c.post("/author/preview/start", data={"source": source(), "_action": f"lang:{lang}"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    r = c.post("/author/preview/1", data={**state(page), **PAGE_ONE, "_action": "next"})
    page = r.get_data(as_text=True)
    assert 'action="/author/preview/2"' in page
    r = c.post("/author/preview/2", data={**state(page), **PAGE_TWO, "_action": "next"})
    page = r.get_data(as_text=True)
    assert 'action="/author/preview/review"' in page
    r = c.post("/author/preview/review", data=state(page))
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_a_pasted_bilingual_bank_is_taken_to_a_results_page_in_both_languages_storing_nothing(app, author):
    before = counts(app)
    english = take_to_results(author, "en")
    assert '<html lang="en">' in english and h1(english) == "Researcher"
    assert "Why this result" in english and "Reproduce a <strong>recent paper</strong>" in english
    korean = take_to_results(author, "ko")
    assert '<html lang="ko">' in korean and h1(korean) == "연구자"
    assert "최신 논문" in korean
    # The results page's own language buttons re-render it from the carried answers.
    r = author.post("/author/preview/result", data={**state(korean), "_action": "lang:en"})
    assert h1(r.get_data(as_text=True)) == "Researcher"
    assert counts(app) == before  # no draft, no result, no snapshot


def test_the_results_page_is_the_one_a_stored_result_would_show(app, author):
    preview = take_to_results(author, "en")
    answers = {**PAGE_ONE, **PAGE_TWO, "fundamentals": 5, "process-work": 4}
    token = author.post("/api/results", json={"bank": "tiny", "answers": answers, "lang": "en"}).get_json()["token"]
    stored = author.get(f"/r/{token}?lang=en").get_data(as_text=True)

    def what_it_says(body: str) -> list[str]:  # the outcome, the scores, the reasons and the advice
        parts = [h1(body)]
        for pattern in (r'class="score-chip">[^<]*', r'<ul class="reasons">.*?</ul>', r'<div class="md">.*?</div>'):
            parts += re.findall(pattern, body, re.S)
        return parts

    said = what_it_says(preview)
    assert len(said) > 5 and said == what_it_says(stored)


def test_every_preview_page_says_it_is_a_preview_and_is_neither_indexed_nor_kept(author):
    r = author.post("/author/preview/start", data={"source": source(), "_action": "lang:en"})
    pages = [r]
    pages.append(author.post("/author/preview/1", data={**state(r.get_data(as_text=True)), **PAGE_ONE}))
    pages.append(author.post("/author/preview/2", data={**state(pages[-1].get_data(as_text=True)), **PAGE_TWO}))
    pages.append(author.post("/author/preview/review", data=state(pages[-1].get_data(as_text=True))))
    for r in pages:
        body = r.get_data(as_text=True)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "no-store" and r.headers["X-Robots-Tag"] == "noindex"
        assert '<meta name="robots" content="noindex">' in body
        assert 'class="preview-banner"' in body and "Nothing you answer here is stored" in body
        assert "Save and continue later</a>" not in body and "/resume/" not in body and "/r/" not in body


def test_the_pages_validate_as_the_live_quiz_does_and_keep_the_answers(author):
    page = author.post("/author/preview/start", data={"source": source(), "_action": "lang:en"}).get_data(as_text=True)
    r = author.post("/author/preview/1", data={**state(page), "first-week": "read-papers"})
    body = r.get_data(as_text=True)
    assert "There is a problem" in body and "Question 1: Choose a point on the scale." in body
    assert 'value="read-papers" checked' in body and json.loads(hidden(body, "answers")) == {"first-week": "read-papers"}
    # A value that is no option is refused with the quiz's own message.
    r = author.post("/author/preview/1", data={**state(body), "fundamentals": "9"})
    assert "That answer is not one of the options" in r.get_data(as_text=True)


def test_review_change_goes_to_the_page_and_back_to_the_review(author):
    page = author.post("/author/preview/start", data={"source": source(), "_action": "lang:en"}).get_data(as_text=True)
    page = author.post("/author/preview/1", data={**state(page), **PAGE_ONE}).get_data(as_text=True)
    review = author.post("/author/preview/2", data={**state(page), **PAGE_TWO}).get_data(as_text=True)
    assert 'name="_action" value="page:1"' in review
    page = author.post("/author/preview/review", data={**state(review), "_action": "page:1"}).get_data(as_text=True)
    assert h1(page) == "Step one" and 'name="_return" value="review"' in page and 'value="5" checked' in page
    again = author.post("/author/preview/1", data={**state(page), "fundamentals": "2", "first-week": "read-papers",
                                                   "_return": "review"}).get_data(as_text=True)
    assert h1(again) == "Check your answers" and json.loads(hidden(again, "answers"))["fundamentals"] == 2


def test_back_on_the_first_page_returns_to_the_checked_paste(author):
    page = author.post("/author/preview/start", data={"source": source(), "_action": "lang:en"}).get_data(as_text=True)
    body = author.post("/author/preview/1", data={**state(page), "_action": "back"}).get_data(as_text=True)
    assert "pasted.yaml" not in body and "id: tiny" in body  # the paste, echoed in the editor
    assert 'name="bank" value="' in body and "Take it in English" in body and 'id="answers"' not in body


def test_save_and_continue_later_says_a_preview_keeps_nothing(app, author):
    before = counts(app)
    page = author.post("/author/preview/start", data={"source": source(), "_action": "lang:en"}).get_data(as_text=True)
    body = author.post("/author/preview/1", data={**state(page), **PAGE_ONE, "_action": "save"}).get_data(as_text=True)
    assert "A preview keeps nothing" in body and 'value="5" checked' in body
    assert counts(app) == before


def test_an_expired_form_token_keeps_the_answers(app):
    c = app.test_client()  # CSRF on, as in use
    page = c.post("/author/preview/start", data={"source": source(), "_action": "lang:en"}).get_data(as_text=True)
    body = c.post("/author/preview/1", data={**state(page), **PAGE_ONE, "csrf_token": "stale"}).get_data(as_text=True)
    assert "Your session had expired, but your answers are kept" in body
    assert json.loads(hidden(body, "answers")) == {"fundamentals": 5, "first-week": "read-papers"}


def test_a_paste_with_errors_shows_its_problems_instead_of_a_quiz(author):
    broken = source().replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}")
    body = author.post("/author/preview/start", data={"source": broken, "_action": "lang:en"}).get_data(as_text=True)
    assert "preview.yaml" not in body and "pasted.yaml:78:28: error[BANK_002]" in body
    assert 'id="answers"' not in body


def test_an_uploaded_file_and_a_file_under_quiz_banks_can_be_taken(author):
    r = author.post("/author/preview/start", data={"file": (io.BytesIO(source().encode()), "mine.yaml"),
                                                   "_action": "lang:ko"}, content_type="multipart/form-data")
    assert h1(r.get_data(as_text=True)) == "1단계"
    r = author.post("/author/preview/start", data={"bank_file": os.path.basename(TINY_BANK), "_action": "lang:en"})
    assert h1(r.get_data(as_text=True)) == "Step one"


def test_the_bank_list_names_files_without_the_servers_folders(author):
    body = author.get("/author/").get_data(as_text=True)
    assert 'name="bank_file" value="tiny.yaml"' in body
    assert os.path.dirname(os.path.abspath(TINY_BANK)) not in body


def test_nothing_outside_quiz_banks_is_read(author, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(source(), encoding="utf-8")
    for name in (str(other), "other.yaml", "/etc/passwd", "passwd", "../tests/data/tiny.yaml"):
        r = author.post("/author/preview/start", data={"bank_file": name})
        assert r.status_code == 400 and "under QUIZ_BANKS any more" in r.get_data(as_text=True)


def test_a_damaged_or_oversized_copy_is_refused_with_a_clear_message(author):
    bomb = base64.urlsafe_b64encode(zlib.compress(b"#" * (8 * 1024 * 1024), 9)).decode()
    assert len(bomb) < 20_000  # small on the wire, 8 MiB unpacked: never unpacked past 1 MiB
    for packed in ("not base64 at all!", base64.urlsafe_b64encode(b"not zlib").decode(), bomb, "x" * 1_600_000):
        r = author.post("/author/preview/1", data={"bank": packed, "answers": "{}"})
        assert r.status_code == 400 and "Paste the bank again" in r.get_data(as_text=True)


def test_answers_carried_that_do_not_fit_are_dropped_not_fatal(author):
    page = author.post("/author/preview/start", data={"source": source(), "_action": "lang:en"}).get_data(as_text=True)
    for carried in ("[1, 2]", "{not json", json.dumps({"fundamentals": 99, "nope": 1}), "[" * 5000):
        r = author.post("/author/preview/1", data={"bank": hidden(page, "bank"), "answers": carried, **PAGE_ONE})
        assert r.status_code == 200 and h1(r.get_data(as_text=True)) == "Step two"


def test_a_bank_with_a_changed_copy_is_checked_again(author):
    from quiz.web.author import pack
    edited = pack(source().replace('"Step two"', '"Step two, edited"').encode())
    assert h1(author.post("/author/preview/1", data={"bank": edited, "answers": "{}", **PAGE_ONE})
              .get_data(as_text=True)) == "Step two, edited"
    broken = pack(source().replace("paths:", "pathz:").encode())
    r = author.post("/author/preview/1", data={"bank": broken, "answers": "{}", **PAGE_ONE})
    assert r.status_code == 400 and "preview.yaml:" in r.get_data(as_text=True)


@pytest.mark.db
def test_the_preview_is_closed_in_production_without_the_key(tmp_path):
    app = make_app(tmp_path, QUIZ_ENV="production", QUIZ_AUTHOR_KEY="author-key-0123456789",
                   QUIZ_BASE_URL="https://quiz.example", WTF_CSRF_ENABLED=False)
    c = app.test_client()
    assert c.post("/author/preview/start", data={"source": source()}).status_code == 404
    r = c.post("/author/preview/start", data={"source": source(), "key": "author-key-0123456789"})
    assert r.status_code == 200 and h1(r.get_data(as_text=True)) in ("Step one", "1단계")
