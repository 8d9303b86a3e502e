"""The browser quiz through Flask's test client, with CSRF on (as in production): a full run,
Back/Next, the error summary, an expired form token, double submits, Korean, continue-later and
expired drafts. The real-browser runs are in tests/e2e/test_browser_quiz.py."""
from __future__ import annotations

import os
import re
import threading
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TINY_BANK, make_app, tiny_bank_with_max_choices

# -- reading pages ------------------------------------------------------------------------------


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes, in document order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str | None = None, **want: str) -> list[dict[str, str | None]]:
        want = {k.rstrip("_").replace("_", "-"): v for k, v in want.items()}
        return [a for t, a in self.tags if (tag is None or t == tag)
                and all(a.get(k) == v for k, v in want.items())]

    def one(self, tag: str | None = None, **want: str) -> dict[str, str | None]:
        found = self.find(tag, **want)
        assert len(found) == 1, f"expected one <{tag}> with {want}, found {len(found)}"
        return found[0]

    def checked(self, name: str) -> list[str]:
        return [a["value"] for _t, a in self.tags if a.get("name") == name and "checked" in a]


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf(html: str) -> str:
    return Tags(html).one("input", name="csrf_token")["value"]


def path_of(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


class Taker:
    """One person taking the quiz in one browser (the test client keeps the cookies)."""

    def __init__(self, client, bank: str = "tiny", lang: str | None = None):
        self.client, self.bank, self.lang = client, bank, lang
        self.page_url: str | None = None

    def q(self) -> str:
        return f"?lang={self.lang}" if self.lang else ""

    def start(self) -> str:
        page = self.client.get(f"/quiz/{self.bank}{self.q()}")
        assert page.status_code == 200
        r = self.client.post(f"/quiz/{self.bank}", data={"csrf_token": csrf(text(page))})
        assert r.status_code == 303, text(r)
        self.page_url = path_of(r.headers["Location"])
        return self.page_url

    @property
    def token(self) -> str:
        return self.page_url.split("/")[3]

    def url(self, number: int | str) -> str:
        return f"/quiz/{self.bank}/{self.token}/{number}"

    def get(self, number: int | str):
        return self.client.get(self.url(number) + self.q())

    def post(self, number: int, answers: dict, action: str = "next", token: str | None = None,
             **extra: str):
        if token is None:
            token = csrf(text(self.get(number)))
        data = {"csrf_token": token, "_action": action, **extra}
        data.update(answers)
        return self.client.post(self.url(number), data=data)

    def submit(self, token: str | None = None):
        if token is None:
            token = csrf(text(self.get("review")))
        return self.client.post(self.url("review"), data={"csrf_token": token})


PAGE1 = {"fundamentals": "4", "first-week": "ship-feature"}
PAGE2 = {"tools": ["pytorch", "fastapi"], "process-work": "5"}


def stored_results(app) -> list:
    from quiz.extensions import db
    from quiz.store.models import Result
    with app.app_context():
        return list(db.session.execute(db.select(Result)).scalars())


def draft_answers(app, token: str) -> dict:
    from quiz.extensions import db
    from quiz.store.models import Draft
    with app.app_context():
        return dict(db.session.get(Draft, token).answers)


# -- a whole run --------------------------------------------------------------------------------

def test_a_full_run_ends_on_the_result_page(app, client):
    taker = Taker(client)
    first = taker.start()
    assert re.fullmatch(r"/quiz/tiny/[A-Za-z0-9_-]{32}/1", first)  # ≥128 random bits in the link

    page1 = Tags(text(taker.get(1)))
    progress = page1.one("progress")
    # progress counts questions, and nothing is done before the first answer
    assert (progress["value"], progress["max"]) == ("0", "4")
    assert "Questions 1–2 of 4 · about 1 minute left" in text(taker.get(1))
    # a scale is a radio group whose ends are labelled, not a dropdown or a slider
    assert [a["value"] for a in page1.find("input", name="fundamentals", type="radio")] == ["1", "2", "3", "4", "5"]
    assert not page1.find("select") and not page1.find("input", type="range")
    assert "Not at all" in text(taker.get(1)) and "Very much" in text(taker.get(1))

    r = taker.post(1, PAGE1)
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url(2)
    page2 = Tags(text(taker.get(2)))
    assert [a["value"] for a in page2.find("input", name="tools", type="checkbox")] == ["kubeflow", "pytorch", "fastapi"]
    r = taker.post(2, PAGE2)
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url("review")

    review = text(taker.get("review"))
    for shown in ("4 / 5", "Ship a feature", "PyTorch", "FastAPI", "5 / 5: "[:5]):
        assert shown in review
    assert 'href="2?return=review#a-tools-0"' in review  # a change link per answer (relative)

    r = taker.submit()
    assert r.status_code == 303
    result_path = path_of(r.headers["Location"])
    assert re.fullmatch(r"/r/[A-Za-z0-9_-]{22,}", result_path)
    [result] = stored_results(app)
    assert result.token == result_path[3:]
    assert result.answers == {"fundamentals": 4, "first-week": "ship-feature",
                              "tools": ["pytorch", "fastapi"], "process-work": 5}
    assert result.submission_id == taker.token
    with client.session_transaction() as s:
        assert result.token in s["delete_keys"]  # so the result page can offer "delete my result"
    assert client.get(result_path).status_code == 200


def test_the_home_page_with_one_bank_is_its_start_page(client):
    html = text(client.get("/"))
    assert "Tiny bank" in html and "4 questions" in html and "about 1 minute" in html
    form = Tags(html).one("form")
    assert form["action"] == "/quiz/tiny" and form["method"] == "post"


@pytest.mark.db
def test_the_home_page_lists_several_banks(tmp_path):
    other = tmp_path / "other.yaml"
    with open(TINY_BANK, encoding="utf-8") as fh:
        other.write_text(fh.read().replace("id: tiny", "id: tiny-two", 1)
                         .replace('"Tiny bank"', '"Second bank"'), encoding="utf-8")
    app = make_app(tmp_path, banks=f"{TINY_BANK}{os.pathsep}{other}")
    html = text(app.test_client().get("/?lang=en"))
    assert 'href="/quiz/tiny"' in html and 'href="/quiz/tiny-two"' in html
    assert "Second bank" in html


def test_unknown_bank_and_page_are_kind_404s(client):
    r = client.get("/quiz/no-such-bank")
    assert r.status_code == 404 and "no-such-bank" in text(r) and "Traceback" not in text(r)
    taker = Taker(client)
    taker.start()
    assert taker.get(3).status_code == 404
    assert taker.get(0).status_code == 404


# -- Back and Next ------------------------------------------------------------------------------

def test_back_and_next_keep_answers(client):
    taker = Taker(client)
    taker.start()
    assert taker.post(1, PAGE1).status_code == 303
    # Back from page 2 also stores what was ticked there
    r = taker.post(2, {"tools": ["kubeflow"]}, action="back")
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url(1)
    page1 = Tags(text(taker.get(1)))
    assert page1.checked("fundamentals") == ["4"] and page1.checked("first-week") == ["ship-feature"]
    assert taker.post(1, {"fundamentals": "2"}).status_code == 303  # change one answer, keep the other
    page2 = Tags(text(taker.get(2)))
    assert page2.checked("tools") == ["kubeflow"]
    assert Tags(text(taker.get(1))).checked("fundamentals") == ["2"]
    assert Tags(text(taker.get(1))).checked("first-week") == ["ship-feature"]


def test_back_on_the_first_page_goes_to_the_start_and_unticking_clears(app, client):
    taker = Taker(client)
    taker.start()
    r = taker.post(1, {"fundamentals": "3"}, action="back")
    assert r.status_code == 303 and path_of(r.headers["Location"]) == "/quiz/tiny"
    assert draft_answers(app, taker.token) == {"fundamentals": 3}
    # the start page now offers to continue the open attempt
    assert f'href="/resume/{taker.token}"' in text(client.get("/quiz/tiny"))
    taker.post(2, {"tools": ["kubeflow"]}, action="back")
    taker.post(2, {}, action="back")  # every box unticked: the required question is open again
    assert "tools" not in draft_answers(app, taker.token)


def test_change_from_review_returns_to_review(client):
    taker = Taker(client)
    taker.start()
    taker.post(1, PAGE1)
    taker.post(2, PAGE2)
    page = client.get(taker.url(1) + "?return=review")
    tags = Tags(text(page))
    assert tags.one("input", name="_return")["value"] == "review"
    assert "Save and go back to your answers" in text(page)
    r = taker.post(1, {"fundamentals": "1"}, _return="review")
    assert path_of(r.headers["Location"]) == taker.url("review")
    assert "1 / 5: Not at all" in text(taker.get("review"))
    # switching language on the way keeps the way back to the review page
    r = taker.post(1, {"fundamentals": "2"}, action="lang:ko", _return="review")
    where = urlsplit(r.headers["Location"])
    assert where.path == taker.url(1) and parse_qs(where.query) == {"return": ["review"], "lang": ["ko"]}


# -- validation ---------------------------------------------------------------------------------

def test_a_missing_answer_gets_an_error_summary_and_marked_inputs(app, client):
    taker = Taker(client)
    taker.start()
    r = taker.post(1, {"first-week": "read-papers"})
    assert r.status_code == 200
    html = text(r)
    tags = Tags(html)
    summary = tags.one("div", class_="error-summary")
    assert summary["role"] == "alert" and summary["tabindex"] == "-1" and "autofocus" in summary
    # the summary links to the question's box, which can take the focus: question and message in view
    assert tags.one("a", href="#q-fundamentals")
    assert tags.one("fieldset", id="q-fundamentals")["tabindex"] == "-1"
    assert "Question 1: Choose a point on the scale." in html
    assert tags.one("p", id="e-fundamentals")  # the message at the field
    assert html.index("error-summary") < html.index("<form")  # at the top of the page
    inputs = tags.find("input", name="fundamentals")
    assert len(inputs) == 5 and all(a.get("aria-invalid") == "true" and a.get("aria-describedby") == "e-fundamentals"
                                    for a in inputs)
    assert all("aria-invalid" not in a for a in tags.find("input", name="first-week"))
    assert tags.one("fieldset", id="q-fundamentals") and "<legend>" in html
    assert html.count("<title>Error: ") == 1
    # the answer that was given is kept: on the page and in the draft
    assert tags.checked("first-week") == ["read-papers"]
    assert draft_answers(app, taker.token) == {"first-week": "read-papers"}


def test_a_value_that_is_not_an_option_is_refused_not_stored(app, client):
    taker = Taker(client)
    taker.start()
    r = taker.post(1, {"fundamentals": "9", "first-week": "nonsense"})
    assert r.status_code == 200
    html = text(r)
    for number, qid in ((1, "fundamentals"), (2, "first-week")):
        assert f"Question {number}: That answer is not one of the options." in html  # in the summary
        assert re.search(f'id="e-{qid}">.*That answer is not one of the options.', html)  # at the field
    assert draft_answers(app, taker.token) == {}


@pytest.mark.db
def test_too_many_choices_are_shown_back_with_a_message(tmp_path):
    app = make_app(tmp_path, banks=tiny_bank_with_max_choices(tmp_path))
    client = app.test_client()
    taker = Taker(client)
    taker.start()
    assert "Choose up to 2." in text(taker.get(2))
    taker.post(2, {"tools": ["kubeflow"]}, action="back")
    r = taker.post(2, {"tools": ["kubeflow", "pytorch", "fastapi"], "process-work": "3"})
    assert r.status_code == 200
    assert "Choose at most 2 answers; you chose 3." in text(r)
    assert Tags(text(r)).checked("tools") == ["kubeflow", "pytorch", "fastapi"]  # what they ticked, not a silent revert
    assert draft_answers(app, taker.token) == {"tools": ["kubeflow"], "process-work": 3}


def test_submitting_with_questions_unanswered_lists_them_on_the_review_page(app, client):
    taker = Taker(client)
    taker.start()
    taker.post(1, PAGE1)
    r = taker.submit()
    assert r.status_code == 200
    tags = Tags(text(r))
    assert tags.one("div", class_="error-summary")["role"] == "alert"
    summary = [a["href"] for a in tags.find("a") if (a.get("href") or "").startswith("#r-")]
    assert summary == ["#r-tools", "#r-process-work"]  # each to its row, which takes the focus
    assert tags.one("div", id="r-tools")["tabindex"] == "-1"
    assert "Not answered" in text(r)
    change = [a["href"] for a in tags.find("a") if (a.get("href") or "").endswith(("#a-tools-0", "#a-process-work-0"))]
    assert change == ["2?return=review#a-tools-0", "2?return=review#a-process-work-0"]
    assert stored_results(app) == []


# -- CSRF ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad_token", ["not-a-token", "", None], ids=["wrong", "empty", "missing"])
def test_an_expired_form_token_keeps_the_answers(app, client, bad_token):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    taker = Taker(client)
    taker.start()
    data = {"_action": "next", **PAGE1}
    if bad_token is not None:
        data["csrf_token"] = bad_token
    r = client.post(taker.url(1), data=data)
    assert r.status_code == 200  # the same page again, not a bare 400
    html = text(r)
    assert "Your session had expired, but your answers are kept. Please press “Next” again." in html
    tags = Tags(html)
    assert tags.checked("fundamentals") == ["4"] and tags.checked("first-week") == ["ship-feature"]
    assert draft_answers(app, taker.token) == {"fundamentals": 4, "first-week": "ship-feature"}
    # the re-rendered page carries a fresh token: pressing Next again goes on
    r = taker.post(1, PAGE1, token=csrf(html))
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url(2)


def test_a_form_token_from_a_lost_session_keeps_the_answers(app):
    """The phone's cookie is gone (or the token timed out): the draft in the URL still holds."""
    phone = app.test_client()
    taker = Taker(phone)
    taker.start()
    stale = csrf(text(taker.get(1)))
    phone.delete_cookie("session")
    r = taker.post(1, PAGE1, token=stale)
    assert r.status_code == 200 and "your answers are kept" in text(r)
    assert draft_answers(app, taker.token) == {"fundamentals": 4, "first-week": "ship-feature"}


def test_an_expired_token_on_submit_keeps_the_draft(app, client):
    taker = Taker(client)
    taker.start()
    taker.post(1, PAGE1)
    taker.post(2, PAGE2)
    r = taker.submit(token="expired")
    assert r.status_code == 200 and "Please press “Submit my answers” again." in text(r)
    assert stored_results(app) == []
    assert taker.submit().status_code == 303


def test_an_expired_token_on_start_asks_to_press_start_again(client):
    r = client.post("/quiz/tiny", data={"csrf_token": "old"})
    assert r.status_code == 200 and "Please press Start again." in text(r)


# -- submitting once ----------------------------------------------------------------------------

def _answered(client):
    taker = Taker(client)
    taker.start()
    taker.post(1, PAGE1)
    taker.post(2, PAGE2)
    return taker


def test_a_double_post_stores_one_result(app, client):
    taker = _answered(client)
    token = csrf(text(taker.get("review")))
    first = taker.submit(token)
    again = taker.submit(token)  # the browser resubmits the same form
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(stored_results(app)) == 1
    # the draft is spent: its pages lead to the result, not to a second attempt
    r = taker.get(1)
    assert r.status_code == 303 and r.headers["Location"] == first.headers["Location"]


def test_a_draft_submitted_before_with_other_answers_leads_to_its_result(app, client):
    """A crash between storing the result and marking the draft leaves a draft whose token is
    already a submission id; if its answers change and it is submitted again, the taker lands on
    the result it has, not on an error page."""
    from quiz import service
    from quiz.web import banks
    taker = _answered(client)
    with app.app_context():
        answers = {"fundamentals": 1, "first-week": "fix-pipeline", "tools": ["kubeflow"], "process-work": 5}
        stored = service.submit(banks.get("tiny"), answers, submission_id=taker.token)
        stored_token = stored.result.token
    r = taker.submit(csrf(text(taker.get("review"))))
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/r/{stored_token}")
    assert len(stored_results(app)) == 1


def _race(app, taker: Taker, clicks: int) -> list:
    """`clicks` submits of one form at once, as a double click sends them."""
    token = csrf(text(taker.get("review")))
    cookie = taker.client.get_cookie("session").value
    barrier = threading.Barrier(clicks)
    responses: list = [None] * clicks

    def click(i: int) -> None:
        c = app.test_client()
        c.set_cookie("session", cookie)
        barrier.wait()
        responses[i] = c.post(taker.url("review"), data={"csrf_token": token})

    threads = [threading.Thread(target=click, args=(i,)) for i in range(clicks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return responses


def test_simultaneous_clicks_store_one_result_sqlite(app, client):
    taker = _answered(client)
    responses = _race(app, taker, 4)
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["Location"] for r in responses}) == 1
    assert len(stored_results(app)) == 1
    # only the click that created the result set a cookie (with its delete key)
    assert sum("session=" in (r.headers.get("Set-Cookie") or "") for r in responses) == 1


@pytest.mark.postgres
def test_simultaneous_clicks_store_one_result_postgres(tmp_path, postgres_url):
    app = make_app(tmp_path, database_url=postgres_url)
    try:
        taker = _answered(app.test_client())
        responses = _race(app, taker, 4)
        assert {r.status_code for r in responses} == {303}
        assert len({r.headers["Location"] for r in responses}) == 1
        assert len(stored_results(app)) == 1
    finally:
        from quiz.extensions import db
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        app.cleanup()


# -- Korean -------------------------------------------------------------------------------------

def test_a_korean_run_speaks_korean(app, client):
    taker = Taker(client, lang="ko")
    start = text(client.get("/quiz/tiny?lang=ko"))
    assert '<html lang="ko">' in start and "작은 문항집" in start and "시작하기" in start and "4문항" in start
    taker.start()
    page1 = text(taker.get(1))
    assert '<html lang="ko">' in page1
    assert "4문항 중 1–2번 · 약 1분 남았어요" in page1 and "다음" in page1 and "이전" in page1  # UI from the catalogue
    assert "기본기 공부가 좋다." in page1 and "전혀" in page1 and "논문 읽기" in page1  # bank text
    r = taker.post(1, {"first-week": "read-papers"})
    assert "1번 문항: 해당하는 정도를 하나 골라 주세요." in text(r) and "확인이 필요해요" in text(r)
    taker.post(1, PAGE1)
    taker.post(2, PAGE2)
    review = text(taker.get("review"))
    assert "답변 확인하기" in review and "기능 출시" in review and "바꾸기" in review
    assert taker.submit().status_code == 303
    assert stored_results(app)[0].lang == "ko"


def test_accept_language_chooses_korean_without_a_query(app):
    client = app.test_client()
    html = text(client.get("/quiz/tiny", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}))
    assert '<html lang="ko">' in html and "시작하기" in html


# -- switching language in the middle of a page -----------------------------------------------

def test_the_language_switch_on_a_quiz_page_is_a_button_of_its_form(client):
    taker = Taker(client)
    taker.start()
    tags = Tags(text(taker.get(1)))
    form = tags.one("form", id="answers")
    assert form["action"] == taker.url(1)
    switch = tags.one("button", value="lang:ko")
    assert switch["form"] == "answers" and switch["name"] == "_action" and switch["lang"] == "ko"
    assert not tags.find("a", hreflang="ko")  # no link that would leave the page unsaved
    assert tags.one("span", lang="en")["aria-current"] == "true"
    # The first submit button of the form in the document is what Enter in an answer presses:
    # it must be Next, not the header's language button.
    buttons = [a for t, a in tags.tags if t == "button" and a.get("form", "answers") == "answers"]
    assert buttons[0]["value"] == "next" and "hidden" in buttons[0]
    # pages without answers keep plain links
    for path in ("/quiz/tiny", "/", f"/quiz/tiny/{taker.token}/saved"):
        page = Tags(text(client.get(path)))
        assert page.find("a", hreflang="ko")[0]["href"].endswith("lang=ko") and not page.find("button", value="lang:ko")


def test_switching_language_mid_page_keeps_every_answer_on_it(app, client):
    taker = Taker(client)
    taker.start()
    taker.post(1, PAGE1)
    # page 2: one question answered, one still open, then 한국어 in the header
    r = taker.post(2, {"tools": ["kubeflow", "fastapi"]}, action="lang:ko")
    assert r.status_code == 303
    assert path_of(r.headers["Location"]) == taker.url(2) + "?lang=ko"
    assert draft_answers(app, taker.token) == {**{"fundamentals": 4, "first-week": "ship-feature"},
                                               "tools": ["kubeflow", "fastapi"]}
    page = client.get(path_of(r.headers["Location"]))
    html = text(page)
    assert '<html lang="ko">' in html and "4문항 중 3–4번" in html
    assert Tags(html).checked("tools") == ["kubeflow", "fastapi"]
    assert "error-summary" not in html  # the open question is no error: the taker did not go on
    # the choice sticks: the next page without ?lang= is Korean too, and so is the draft
    assert '<html lang="ko">' in text(taker.get(1))
    with client.session_transaction() as s:
        assert s["lang"] == "ko"
    from quiz.extensions import db
    from quiz.store.models import Draft
    with app.app_context():
        assert db.session.get(Draft, taker.token).lang == "ko"
    # and back to English, with an expired form token: the answers are still saved
    r = taker.post(2, {"tools": ["pytorch"], "process-work": "2"}, action="lang:en", token="stale")
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url(2) + "?lang=en"
    assert draft_answers(app, taker.token)["tools"] == ["pytorch"]
    assert draft_answers(app, taker.token)["process-work"] == 2


def test_a_language_switch_never_drops_ticks_it_cannot_store(tmp_path):
    app = make_app(tmp_path, banks=tiny_bank_with_max_choices(tmp_path))
    client = app.test_client()
    taker = Taker(client)
    taker.start()
    r = taker.post(2, {"tools": ["kubeflow", "pytorch", "fastapi"], "process-work": "3"}, action="lang:ko")
    assert r.status_code == 200  # not a redirect that would show the boxes unticked
    html = text(r)
    assert '<html lang="ko">' in html and "최대 2개까지 고를 수 있어요. 지금 3개를 골랐어요." in html
    assert Tags(html).checked("tools") == ["kubeflow", "pytorch", "fastapi"]
    assert draft_answers(app, taker.token) == {"process-work": 3}


test_a_language_switch_never_drops_ticks_it_cannot_store = pytest.mark.db(
    test_a_language_switch_never_drops_ticks_it_cannot_store)


def test_the_language_switch_on_the_review_page_submits_nothing(app, client):
    taker = _answered(client)
    tags = Tags(text(taker.get("review")))
    assert tags.one("form", id="review")["action"] == taker.url("review")
    assert tags.one("button", value="lang:ko")["form"] == "review"
    r = client.post(taker.url("review"), data={"_action": "lang:ko"})  # no CSRF token needed
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url("review") + "?lang=ko"
    assert stored_results(app) == []
    assert "답변 확인하기" in text(client.get(path_of(r.headers["Location"])))
    assert taker.submit().status_code == 303  # and the quiz still submits afterwards


def test_korean_quiz_pages_speak_plainly(app, client):
    """The interface's Korean, as a taker reads it: no "당신", no "세션", no talk called 강연, and
    a career path is a 진로 (the tiny bank's own Korean holds none of these words)."""
    from tests.integration.test_page_weight import _pages
    seen = 0
    for name, html in _pages(client, "tiny", "ko"):
        body = html.decode()
        for word in ("당신", "세션", "강연", "경로"):
            assert word not in body, f"{name}: {word}"
        seen += 1
    assert seen >= 5
    taker = Taker(client, lang="ko")
    taker.start()
    saved = client.get(path_of(taker.post(1, {}, action="save").headers["Location"]))
    r = taker.post(1, PAGE1, token="stale")
    for html in (text(saved), text(r), text(client.get("/quiz/tiny/nope/1?lang=ko"))):
        assert not any(word in html for word in ("당신", "세션", "강연", "경로"))
    assert "다시 확인이 필요해요" in text(r)


def test_a_multi_question_says_its_limit_once_in_each_language(tmp_path):
    app = make_app(tmp_path, banks=tiny_bank_with_max_choices(tmp_path))
    client = app.test_client()
    taker = Taker(client)
    taker.start()
    en = text(taker.get(2))
    assert en.count("Choose up to 2.") == 1
    assert Tags(en).one("fieldset", id="q-tools")["data-max"] == "2"  # quiz.js stops a 3rd pick
    ko = text(client.get(taker.url(2) + "?lang=ko"))
    assert ko.count("최대 2개까지 고르세요.") == 1


test_a_multi_question_says_its_limit_once_in_each_language = pytest.mark.db(
    test_a_multi_question_says_its_limit_once_in_each_language)


# -- the site icon ------------------------------------------------------------------------------

def test_every_page_has_a_same_origin_icon_and_favicon_ico_answers(client):
    taker = _answered(client)
    pages = {path: text(client.get(path)) for path in ("/", "/quiz/tiny", taker.url(1), taker.url("review"))}
    result = path_of(taker.submit().headers["Location"])
    pages.update({path: text(client.get(path)) for path in (result, "/no-such-page")})
    for path, html in pages.items():
        assert Tags(html).one("link", rel="icon")["href"] == "/static/favicon.svg", path
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.mimetype == "image/x-icon"
    assert ico.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert ico.cache_control.max_age >= 30 * 24 * 3600 and ico.cache_control.public
    assert len(ico.data) < 4096


# -- continue later -----------------------------------------------------------------------------

def test_continue_later_restores_the_draft_on_another_device(app, client):
    taker = Taker(client, lang="ko")
    taker.start()
    r = taker.post(1, PAGE1, action="save")
    assert r.status_code == 303
    saved = text(client.get(path_of(r.headers["Location"])))
    link = re.search(r'href="(http://[^"]+/resume/([^"]+))"', saved)
    assert link and link.group(2) == taker.token
    assert "답변을 저장했어요" in saved and "까지 쓸 수 있어요" in saved

    other = app.test_client()  # another device: no cookies
    r = other.get(path_of(link.group(1)))
    assert r.status_code == 302
    # on to the first page with an open question, in the language the quiz was begun in
    assert path_of(r.headers["Location"]) == taker.url(2) + "?lang=ko"
    page1 = Tags(text(other.get(taker.url(1))))
    assert page1.checked("fundamentals") == ["4"] and page1.checked("first-week") == ["ship-feature"]
    # and it can finish there
    laptop = Taker(other)
    laptop.page_url = taker.page_url
    assert laptop.post(2, PAGE2).status_code == 303
    assert laptop.submit().status_code == 303
    assert len(stored_results(app)) == 1


def test_resume_of_a_complete_draft_goes_to_review(client):
    taker = _answered(client)
    r = client.get(f"/resume/{taker.token}")
    assert path_of(r.headers["Location"]).startswith(taker.url("review"))


def _age(app, token: str, days: int) -> None:
    from quiz.extensions import db
    from quiz.store.models import Draft, utcnow
    with app.app_context():
        draft = db.session.get(Draft, token)
        draft.updated_at = utcnow() - timedelta(days=days)
        db.session.commit()


def test_an_expired_draft_is_refused_kindly(app, client):
    taker = Taker(client)
    taker.start()
    taker.post(1, PAGE1)
    _age(app, taker.token, 6)
    assert client.get(f"/resume/{taker.token}").status_code == 302  # six days: still there
    _age(app, taker.token, 8)
    for r in (client.get(f"/resume/{taker.token}"), taker.get(1), taker.get("review")):
        assert r.status_code == 410
        html = text(r)
        assert "This saved quiz has expired" in html and "7 days" in html and "Traceback" not in html
        assert Tags(html).one("form")["action"] == "/quiz/tiny"  # a way to start again
    # the start page no longer offers to continue it
    assert f"/resume/{taker.token}" not in text(client.get("/quiz/tiny"))


def test_an_unknown_draft_is_a_kind_404(client):
    for path in ("/resume/nope", "/resume/" + "x" * 200, "/quiz/tiny/nope/1", "/quiz/tiny/nope/review"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "We can't find this saved quiz" in text(r)


def test_a_post_to_an_expired_draft_still_keeps_the_answers(app, client):
    taker = Taker(client)
    taker.start()
    token = csrf(text(taker.get(1)))
    _age(app, taker.token, 30)  # the phone sat on this page for a month
    r = taker.post(1, PAGE1, token=token)
    assert r.status_code == 303
    assert draft_answers(app, taker.token) == {"fundamentals": 4, "first-week": "ship-feature"}
    assert taker.get(2).status_code == 200  # saving renewed it


# -- any post, however odd, keeps what was given ----------------------------------------------

QUESTION_VALUES = {
    "fundamentals": st.sampled_from(["1", "3", "5", "0", "6", "x", "", "3.5"]),
    "first-week": st.sampled_from(["read-papers", "fix-pipeline", "READ-PAPERS", "", "1"]),
    "tools": st.lists(st.sampled_from(["kubeflow", "pytorch", "fastapi", "docker", ""]), max_size=4),
    "process-work": st.sampled_from(["2", "4", "-1", "99", "two"]),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(posts=st.lists(st.tuples(st.sampled_from([1, 2]), st.sampled_from(["next", "back", "save", "bogus"]),
                                st.fixed_dictionaries({}, optional=QUESTION_VALUES)), min_size=1, max_size=5))
def test_any_post_sequence_never_fails_and_never_loses_a_valid_answer(app, posts):
    from quiz.web.banks import registry
    with app.app_context():
        bank = registry().get("tiny")
    client = app.test_client()
    taker = Taker(client)
    taker.start()
    token = csrf(text(taker.get(1)))
    expected: dict = {}
    for number, action, answers in posts:
        r = taker.post(number, answers, action=action, token=token)
        assert r.status_code in (200, 303), text(r)
        for q in bank.pages[number - 1][1]:
            value = answers.get(q.id)
            if q.type == "multi":
                ticked = value or []
                if all(v in q.option_ids for v in ticked):  # an unknown value: nothing changes
                    if ticked:
                        expected[q.id] = [o for o in q.option_ids if o in ticked]
                    else:  # nothing ticked on a required question: unanswered again
                        expected.pop(q.id, None)
            elif value is None:
                continue
            elif q.type == "scale":
                if value.isdigit() and 1 <= int(value) <= 5:
                    expected[q.id] = int(value)
            elif value in q.option_ids:
                expected[q.id] = value
        stored = draft_answers(app, taker.token)
        assert stored == expected, posts


# -- the cached question markup is the markup --------------------------------------------------

def _answer_sets(bank):
    per_question = {}
    for q in bank.questions:
        if q.type == "scale":
            per_question[q.id] = st.integers(q.scale.min, q.scale.max)
        elif q.type == "choice":
            per_question[q.id] = st.sampled_from(q.option_ids)
        else:
            per_question[q.id] = st.lists(st.sampled_from(q.option_ids), unique=True).map(
                lambda chosen, q=q: [o for o in q.option_ids if o in chosen])
    return st.fixed_dictionaries({}, optional=per_question)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_cached_page_equals_a_full_render(shipped_app, lang):
    """Pages are rendered once per (bank, page, language, query) with slots for the tokens, then
    filled and ticked per taker; for any answers that must be exactly the page rendered afresh."""
    from types import SimpleNamespace

    from quiz.web.banks import registry
    from quiz.web.take.pages import _cached_page, _render_page
    with shipped_app.app_context():
        banks = list(registry())

    for bank in banks:
        @settings(max_examples=15, deadline=None)
        @given(answers=_answer_sets(bank), number=st.integers(1, len(bank.pages)),
               returning=st.booleans(), token=st.text("abcXYZ019_-", min_size=32, max_size=32))
        def check(answers, number, returning, token):
            draft = SimpleNamespace(token=token, answers=answers)
            query = f"?lang={lang}" + ("&return=review" if returning else "")
            with shipped_app.test_request_context(f"/quiz/{bank.id}/{token}/{number}{query}"):
                cached = _cached_page(bank, draft, number, returning)
                fresh = _render_page(bank, draft, number, answers=answers, returning=returning)
            assert cached == fresh
        check()


# -- the submission rate limit --------------------------------------------------------------------

@pytest.mark.db
def test_over_the_rate_limit_the_review_page_keeps_the_answers(tmp_path):
    app = make_app(tmp_path, QUIZ_RATE_LIMIT="1/minute")
    first = _answered(app.test_client())
    shown = Taker(app.test_client())  # a taker whose answers are missing: costs nothing
    shown.start()
    assert shown.submit().status_code == 200
    token = csrf(text(first.get("review")))
    r = first.submit(token)
    assert r.status_code == 303
    again = first.submit(token)  # a second click, over the limit, still finds the result
    assert again.status_code == 303 and again.headers["Location"] == r.headers["Location"]
    second = _answered(app.test_client())
    r = second.submit()
    assert r.status_code == 429
    html = text(r)
    assert "please wait a minute" in html and "Ship a feature" in html and "<form" in html
    assert len(stored_results(app)) == 1
    # the language buttons of that page still work: switching is no submission
    r = second.client.post(second.url("review"), data={"_action": "lang:ko"})
    assert r.status_code == 303 and path_of(r.headers["Location"]) == second.url("review") + "?lang=ko"
    assert draft_answers(app, second.token) == {"fundamentals": 4, "first-week": "ship-feature",
                                                "tools": ["pytorch", "fastapi"], "process-work": 5}


def test_the_quiz_and_the_api_share_one_submission_limit(tmp_path):
    """QUIZ_RATE_LIMIT is one budget per client address for every route that stores a result: a
    result stored through the quiz counts against the API, and the other way round."""
    app = make_app(tmp_path, QUIZ_RATE_LIMIT="2/minute")
    api = app.test_client()
    body = {"bank": "tiny", "answers": {"fundamentals": 4, "first-week": "ship-feature", "tools": ["pytorch"],
                                        "process-work": 4}}
    assert api.post("/api/results", json=body).status_code == 201          # 1 of 2, through the API
    assert _answered(app.test_client()).submit().status_code == 303       # 2 of 2, through the quiz
    assert api.post("/api/results", json=body).status_code == 429         # the API sees both
    assert _answered(app.test_client()).submit().status_code == 429       # and so does the quiz
    assert len(stored_results(app)) == 2


def test_memory_stays_flat_over_thousands_of_distinct_query_strings(tmp_path):
    """The page cache keys on what a page depends on (page, language, returning), never on the raw
    query string a visitor chooses: 5,000 different ?return=… values are one cached page, not 5,000."""
    import tracemalloc

    from quiz.web.take import pages
    app = make_app(tmp_path)
    taker = Taker(app.test_client())
    taker.start()

    def visit(first: int, last: int) -> None:
        for i in range(first, last):
            r = taker.client.get(f"{taker.url(1)}?return={i}&lang=en")
            assert r.status_code == 200

    visit(0, 200)  # warm: the page, the catalogue, the session
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    visit(200, 5200)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename") if s.size_diff > 0)
    assert grown < 1_000_000, f"{grown} bytes more after 5,000 distinct query strings"
    bank = app.extensions["quiz_banks"].get("tiny")
    cached = pages._PAGE_HTML.get(bank.content_hash, {})
    assert 0 < len(cached) <= len(bank.pages) * 2 * 2, sorted(cached)  # pages × languages × returning


def test_a_submission_stores_the_result_and_marks_the_draft_in_one_transaction(tmp_path, monkeypatch):
    """Both or neither: if marking the draft fails, the result is not stored either, and the
    taker's answers are still there to submit again."""
    from quiz.store import drafts
    app = make_app(tmp_path)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    taker = _answered(app.test_client())
    real = drafts.mark_submitted

    def failing(draft, token, *, commit=True):
        raise RuntimeError("the draft could not be marked")
    monkeypatch.setattr(drafts, "mark_submitted", failing)
    assert taker.submit().status_code == 500
    assert stored_results(app) == []                      # no result without its draft's mark
    monkeypatch.setattr(drafts, "mark_submitted", real)
    r = taker.submit()
    assert r.status_code == 303 and len(stored_results(app)) == 1
    with app.app_context():
        from quiz.extensions import db
        from quiz.store.models import Draft
        assert db.session.get(Draft, taker.token).result_token == path_of(r.headers["Location"]).split("/")[2]
