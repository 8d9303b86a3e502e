"""The privacy page (/privacy) in both languages, with the figures the settings enforce, linked from
every kind of page; the start page says how long the quiz is and that a result is a mirror."""
from __future__ import annotations

import html
import re

import pytest

from tests.conftest import close_app, make_app

# Every test here runs on the database under test (PostgreSQL too, in make test's second pass).
pytestmark = pytest.mark.db
ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}


def text_of(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_privacy_page_says_what_is_kept_for_how_long_and_who_runs_it(tmp_path):
    app = make_app(tmp_path, QUIZ_DRAFT_DAYS=3, QUIZ_RESULT_DAYS=90,
                   QUIZ_OPERATOR="Hanbit Bootcamp, privacy@hanbit.example")
    try:
        client = app.test_client()
        en = client.get("/privacy?lang=en")
        assert en.status_code == 200
        words = text_of(en.get_data(as_text=True))
        for said in ("your answers, the scores", "the date", "the language", "that group",
                     "No name, no e-mail address and no IP address is stored with a result",
                     "deleted 3 days after your last change", "Results are deleted 90 days after they were submitted",
                     "Delete my result", "Hanbit Bootcamp, privacy@hanbit.example"):
            assert said in words, said
        ko = text_of(client.get("/privacy?lang=ko").get_data(as_text=True))
        for said in ("IP 주소", "3일이 지나면 삭제해요", "90일이 지나면 삭제해요", "내 결과 삭제하기",
                     "Hanbit Bootcamp, privacy@hanbit.example"):
            assert said in ko, said
    finally:
        close_app(app)


def test_privacy_page_without_result_days_or_operator_says_so(client):
    words = text_of(client.get("/privacy?lang=en").get_data(as_text=True))
    assert "Results are kept until you delete them." in words
    assert "deleted 7 days after your last change" in words
    assert "have not put their name here yet" in words
    # the operator's text is shown as text, never as markup
    assert "<script" not in client.get("/privacy").get_data(as_text=True)


def test_the_operator_is_escaped(tmp_path):
    app = make_app(tmp_path, QUIZ_OPERATOR="<script>alert(1)</script> Kim")
    try:
        body = app.test_client().get("/privacy").get_data(as_text=True)
        assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    finally:
        close_app(app)


def _every_page(client) -> dict[str, object]:
    """One response of each kind of HTML page the site serves."""
    pages = {"home": client.get("/"), "start": client.get("/quiz/tiny"), "privacy": client.get("/privacy"),
             "not found": client.get("/no/such/page"), "unknown bank": client.get("/quiz/nope"),
             "unknown result": client.get("/r/" + "x" * 32), "gone draft": client.get("/resume/" + "y" * 32),
             "author": client.get("/author/")}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', pages["start"].get_data(as_text=True)).group(1)
    first = client.post("/quiz/tiny", data={"csrf_token": csrf})
    page_url = first.headers["Location"]
    pages["quiz page"] = client.get(page_url)
    token = page_url.split("/")[3]
    pages["saved"] = client.get(f"/quiz/tiny/{token}/saved")
    pages["review"] = client.get(f"/quiz/tiny/{token}/review")
    made = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": "en"}).get_json()
    other = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": "ko"}).get_json()
    pages["result"] = client.get(f"/r/{made['token']}")
    pages["result (ko)"] = client.get(f"/r/{other['token']}?lang=ko")
    pages["compare"] = client.get(f"/compare?r={made['token']}&r={other['token']}")
    pages["delete"] = client.get(f"/r/{made['token']}/delete?key={made['delete_key']}")
    pages["deleted"] = client.post(f"/r/{made['token']}/delete", data={"key": made["delete_key"]},
                                   follow_redirects=True)
    return pages


def test_every_page_links_the_privacy_page(app):
    client = app.test_client()
    pages = _every_page(client)
    assert len(pages) >= 15
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        body = response.get_data(as_text=True)
        footer = body[body.rfind("<footer"):]
        assert re.search(r'<a href="/privacy">', footer), f"the {name} page ({response.status_code}) has no privacy link"


@pytest.mark.parametrize("lang, said", [
    ("en", ("4 questions", "about 1 minute", "a mirror, not a verdict", "What is kept, and for how long")),
    ("ko", ("판정이 아니라 거울", "무엇을 얼마나 오래 보관하나요")),
])
def test_the_start_page_says_how_long_and_that_a_result_is_a_mirror(client, lang, said):
    body = client.get(f"/quiz/tiny?lang={lang}").get_data(as_text=True)
    main = text_of(body[body.index("<main"):body.index("</main>")])
    for text in said:
        assert text in main, (text, main)
    assert 'href="/privacy"' in body[body.index("<main"):body.index("</main>")]
