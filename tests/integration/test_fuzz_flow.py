"""A hypothesis state machine takes the tiny quiz in one browser, the way people do: answers a page
(valid answers, sometimes incomplete), presses Next, Back, Save or a language button, reloads a
page, submits (sometimes with an expired or missing form token), submits again, continues later
through /resume/<draft>, deletes the result with the key its session holds, and comes back after
the delete. The app is the real one (Flask's test client, CSRF on) on a real SQLite file (or
PostgreSQL in `make test`'s second pass).

After every step:
- no response is a 5xx or shows a traceback;
- no answer is lost: every open draft holds exactly the answers the model expects, and every page
  or review page shown says so;
- every stored result holds exactly the answers the taker last saw on the review page, even when
  the submit comes from a review page shown before the answers were changed (another tab): that
  submit stores nothing and shows the review page again, with the answers as they now are;
- a deleted result answers 404 everywhere (page, PNG, API), and nothing left in the database holds
  its answers (issue 12, finding 5: `/resume/<draft>` must not lead to it either).
"""
from __future__ import annotations

import html as htmllib
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.conftest import TINY_BANK, close_app, make_app
from tests.integration.test_take import Tags, csrf, path_of

# -- the tiny bank, as the model sees it ----------------------------------------------------------

with open(TINY_BANK, encoding="utf-8") as _fh:
    _SPEC = yaml.safe_load(_fh)
SECTIONS = [s["id"] for s in _SPEC["sections"]]
QUESTIONS = {q["id"]: q for q in _SPEC["questions"]}
PAGES = [[q["id"] for q in _SPEC["questions"] if q["section"] == s] for s in SECTIONS]  # 1-based in URLs
REQUIRED = [qid for qid, q in QUESTIONS.items() if q.get("required", True)]
LANGS = tuple(_SPEC["languages"])


def _options(qid: str) -> list[str]:
    return [o["id"] for o in QUESTIONS[qid]["options"]]


def _value(qid: str) -> st.SearchStrategy:
    """One valid answer to a question, as the form posts it."""
    q = QUESTIONS[qid]
    if q["type"] == "scale":
        return st.integers(q["scale"]["min"], q["scale"]["max"]).map(str)
    if q["type"] == "choice":
        return st.sampled_from(_options(qid))
    return st.lists(st.sampled_from(_options(qid)), min_size=1, unique=True)


def _page_answers(number: int) -> st.SearchStrategy:
    """What a page's form holds when a button is pressed: usually every question answered,
    sometimes some left open (an unticked multi question posts nothing)."""
    every = {qid: _value(qid) for qid in PAGES[number - 1]}
    return st.one_of(st.fixed_dictionaries(every), st.fixed_dictionaries({}, optional=every))


COMPLETE = st.tuples(*(st.fixed_dictionaries({qid: _value(qid) for qid in qids}) for qids in PAGES))
PAGE_POSTS = st.integers(1, len(PAGES)).flatmap(lambda n: st.tuples(st.just(n), _page_answers(n)))
CSRF_MODES = st.sampled_from(["good", "good", "good", "expired", "missing"])

STATS: Counter = Counter()  # steps per rule over a run (for the report; nothing asserts on it)


# -- reading pages ----------------------------------------------------------------------------------

_ROW = re.compile(r'<div class="row[^"]*" id="r-([\w-]+)"[^>]*>.*?<dd class="answer">(.*?)</dd>', re.S)


def _text_to_option(qid: str) -> dict[str, str]:
    return {text: o["id"] for o in QUESTIONS[qid]["options"] for text in o["text"].values()}


def review_answers(page: str) -> dict[str, Any]:
    """The answers a review page shows, read back into stored form ({qid: 4 | "id" | [ids]})."""
    shown: dict[str, Any] = {}
    rows = dict(_ROW.findall(page))
    assert set(rows) == set(QUESTIONS), f"review rows {sorted(rows)}"
    for qid, cell in rows.items():
        if 'class="missing"' in cell:
            continue
        kind = QUESTIONS[qid]["type"]
        if kind == "scale":
            shown[qid] = int(re.match(r"\s*(\d+) / \d+", htmllib.unescape(cell)).group(1))
        elif kind == "choice":
            shown[qid] = _text_to_option(qid)[htmllib.unescape(cell).strip()]
        else:
            items = [htmllib.unescape(t).strip() for t in re.findall(r"<li>(.*?)</li>", cell, re.S)]
            shown[qid] = [_text_to_option(qid)[t] for t in items]
    return shown


def review_form(page: str) -> dict[str, str]:
    """What the review page's form posts when "Submit my answers" is pressed: its hidden inputs
    (the form token, and the fingerprint of the answers shown)."""
    form = {a["name"]: a.get("value") or "" for a in Tags(page).find("input", type="hidden") if a.get("name")}
    assert form.get("csrf_token") == csrf(page) and form.get("answers_seen"), form
    return form


STALE_NOTICE = {"en": "Your answers changed in another tab.", "ko": "다른 탭에서 답변이 바뀌었어요."}


def page_lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


# -- the machine --------------------------------------------------------------------------------------

class BrowserFlow(RuleBasedStateMachine):
    """One browser (one test client, one cookie jar) taking the quiz, attempt after attempt."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="fuzz-flow-")
        self.app = make_app(Path(self.tmp))
        self.client = self.app.test_client()
        from quiz.web.banks import registry
        with self.app.app_context():
            bank = registry().get("tiny")
            assert [[q.id for q in qs] for _s, qs in bank.pages] == PAGES  # the model's reading of tiny.yaml
        self.session_lang: str | None = None  # what ?lang= or a language button chose; None: English
        self.draft: str | None = None          # the attempt the rules drive
        self.drafts: dict[str, dict] = {}       # every open draft → the answers it must hold
        self.draft_lang: dict[str, str] = {}
        self.result_of: dict[str, str] = {}     # draft → its result token
        self.results: dict[str, dict] = {}      # result token → the answers last seen on its review page
        self.deleted: set[str] = set()          # result tokens deleted
        self.seen: dict[str, dict] = {}         # draft → answers its last review page showed
        self.review_form: dict[str, dict] = {}  # draft → what its last review page's form posts
        STATS["examples"] += 1

    def teardown(self) -> None:
        close_app(self.app)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- requests: never a 5xx, never a traceback ------------------------------------------------------

    def _checked(self, response, what: str):
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
        assert response.status_code < 500, f"{what}: {response.status_code}\n{body[:2000]}"
        assert "Traceback" not in body, what
        return response

    def get(self, path: str):
        return self._checked(self.client.get(path), f"GET {path}")

    def post(self, path: str, data: dict):
        return self._checked(self.client.post(path, data=data), f"POST {path} {data}")

    # -- the model ---------------------------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self.session_lang or "en"  # the test client sends no Accept-Language

    def state(self) -> str:
        if self.draft is None:
            return "none"
        result = self.result_of.get(self.draft)
        if result is None:
            return "open"
        return "deleted" if result in self.deleted else "submitted"

    def url(self, number: int | str) -> str:
        return f"/quiz/tiny/{self.draft}/{number}"

    def expect_gone_or_result(self, response) -> None:
        """A spent draft's pages lead to its result; a deleted one's are a 404."""
        if self.state() == "deleted":
            assert response.status_code == 404, response.status_code
        else:
            assert response.status_code == 303, response.status_code
            assert path_of(response.headers["Location"]) == f"/r/{self.result_of[self.draft]}"

    def apply(self, number: int, answers: dict) -> None:
        """What a post of page `number` leaves in the draft: every valid answer given is stored;
        a multi question posted with nothing ticked is open again; others not posted stay."""
        model = self.drafts[self.draft]
        for qid in PAGES[number - 1]:
            kind = QUESTIONS[qid]["type"]
            if kind == "multi":
                if answers.get(qid):
                    model[qid] = [o for o in _options(qid) if o in answers[qid]]
                else:
                    model.pop(qid, None)
            elif qid in answers:
                model[qid] = int(answers[qid]) if kind == "scale" else answers[qid]

    def first_open_page(self) -> int | None:
        model = self.drafts[self.draft]
        for number, qids in enumerate(PAGES, 1):
            if any(qid in REQUIRED and qid not in model for qid in qids):
                return number
        return None

    def assert_page_shows(self, page: str, number: int) -> None:
        tags = Tags(page)
        model = self.drafts[self.draft]
        for qid in PAGES[number - 1]:
            want = model.get(qid)
            want = [] if want is None else [str(v) for v in (want if isinstance(want, list) else [want])]
            assert tags.checked(qid) == want, (qid, tags.checked(qid), model)

    def look_at_review(self, query: str = "") -> str:
        r = self.get(self.url("review") + query)
        assert r.status_code == 200, r.status_code
        page = r.get_data(as_text=True)
        assert page_lang(page) == self.lang
        shown = review_answers(page)
        assert shown == self.drafts[self.draft], (shown, self.drafts[self.draft])  # no answer lost
        self.seen[self.draft] = shown
        self.review_form[self.draft] = review_form(page)
        return page

    def start_attempt(self) -> None:
        page = self.get("/quiz/tiny")
        assert page.status_code == 200
        r = self.post("/quiz/tiny", {"csrf_token": csrf(page.get_data(as_text=True))})
        assert r.status_code == 303, r.status_code
        where = path_of(r.headers["Location"])
        assert re.fullmatch(r"/quiz/tiny/[A-Za-z0-9_-]{32}/1", where), where
        self.draft = where.split("/")[3]
        self.drafts[self.draft] = {}
        self.draft_lang[self.draft] = self.lang

    # -- rules -----------------------------------------------------------------------------------------

    @initialize(pages=st.one_of(st.none(), COMPLETE))
    def begin(self, pages) -> None:
        """Start; in half the runs, also answer every page (so the later steps reach the submit,
        the result and its delete within a few steps)."""
        STATS["steps"] += 1
        self.start_attempt()
        if pages is not None:
            self.answer_every_page(pages)

    @precondition(lambda self: self.state() != "open")
    @rule()
    def start_again(self) -> None:
        """A new attempt after a submit or a delete (the old draft keeps what it holds)."""
        STATS["steps"] += 1
        STATS["start_again"] += 1
        self.start_attempt()

    @rule(post=PAGE_POSTS, action=st.sampled_from(["next", "next", "back", "save", "lang:ko", "lang:en"]),
          form=CSRF_MODES, returning=st.booleans())
    def answer_page(self, post, action: str, form: str, returning: bool) -> None:
        """Fill in page n and press a button (Next, Back, Save, 한국어/English)."""
        STATS["steps"] += 1
        STATS[f"answer_page:{action}:{form}"] += 1
        number, answers = post
        data: dict[str, Any] = {"_action": action, **answers}
        if returning:
            data["_return"] = "review"
        if form == "good":
            data["csrf_token"] = csrf(self.get(self.url(number)).get_data(as_text=True)) \
                if self.state() == "open" else "no-page-to-read-it-from"
        elif form == "expired":
            data["csrf_token"] = "expired"
        r = self.post(self.url(number), data)
        if self.state() != "open":
            self.expect_gone_or_result(r)  # nothing is saved into a spent draft
            return
        self.apply(number, answers)
        switching = action.startswith("lang:")
        if switching:
            self.session_lang = action[5:]
        self.draft_lang[self.draft] = self.lang
        if switching:  # valid answers: the same page again, in the new language
            assert r.status_code == 303, r.status_code
            where = urlsplit(r.headers["Location"])
            assert where.path == self.url(number)
            want = {"lang": [self.lang], **({"return": ["review"]} if returning else {})}
            assert parse_qs(where.query) == want
            return
        page = r.get_data(as_text=True)
        if form != "good":  # the same page, the answers kept, asking to press the button again
            assert r.status_code == 200, r.status_code
            assert 'class="notice"' in page and page_lang(page) == self.lang
            self.assert_page_shows(page, number)
            return
        if action == "back":
            want = (self.url("review") if returning else "/quiz/tiny" if number == 1 else self.url(number - 1))
            assert r.status_code == 303 and path_of(r.headers["Location"]) == want
        elif action == "save":
            assert r.status_code == 303
            assert path_of(r.headers["Location"]) == f"{self.url('saved')}?page={number}"
        else:
            open_here = [qid for qid in PAGES[number - 1] if qid in REQUIRED and qid not in self.drafts[self.draft]]
            if open_here:
                assert r.status_code == 200, r.status_code
                assert "error-summary" in page
                for qid in open_here:
                    assert f'id="e-{qid}"' in page
                self.assert_page_shows(page, number)
            else:
                assert r.status_code == 303, r.status_code
                want = self.url("review") if returning or number == len(PAGES) else self.url(number + 1)
                assert path_of(r.headers["Location"]) == want

    @precondition(lambda self: self.state() == "open")
    @rule(pages=COMPLETE)
    def answer_every_page(self, pages) -> None:
        """Fill in every page, pressing Next on each, to the review page (a taker who finishes)."""
        STATS["steps"] += 1
        STATS["answer_every_page"] += 1
        for number, answers in enumerate(pages, 1):
            page = self.get(self.url(number))
            assert page.status_code == 200
            self.assert_page_shows(page.get_data(as_text=True), number)
            r = self.post(self.url(number), {"_action": "next", "csrf_token": csrf(page.get_data(as_text=True)), **answers})
            self.apply(number, answers)
            self.draft_lang[self.draft] = self.lang
            assert r.status_code == 303, r.status_code
            want = self.url(number + 1 if number < len(PAGES) else "review")
            assert path_of(r.headers["Location"]) == want

    @rule(number=st.sampled_from([*range(1, len(PAGES) + 1), "review"]), lang=st.sampled_from([None, *LANGS]))
    def reload(self, number: int | str, lang: str | None) -> None:
        """Reload a page (or open it from the address bar, perhaps with ?lang=)."""
        STATS["steps"] += 1
        STATS["reload"] += 1
        if self.state() != "open":
            self.expect_gone_or_result(self.get(self.url(number)))
            return
        if lang:  # ?lang= sticks: the session keeps it
            self.session_lang = lang
        if number == "review":
            self.look_at_review(f"?lang={lang}" if lang else "")
            return
        r = self.get(self.url(number) + (f"?lang={lang}" if lang else ""))
        assert r.status_code == 200, r.status_code
        page = r.get_data(as_text=True)
        assert page_lang(page) == self.lang
        self.assert_page_shows(page, number)

    @rule(lang=st.sampled_from(LANGS))
    def switch_language_on_review(self, lang: str) -> None:
        """The header's language button on the review page: nothing is submitted."""
        STATS["steps"] += 1
        STATS["switch_language_on_review"] += 1
        before = len(self.results)
        r = self.post(self.url("review"), {"_action": f"lang:{lang}"})
        if self.state() != "open":
            self.expect_gone_or_result(r)
            return
        self.session_lang = lang
        self.draft_lang[self.draft] = lang
        assert r.status_code == 303 and path_of(r.headers["Location"]) == f"{self.url('review')}?lang={lang}"
        assert len(self.results) == before

    @precondition(lambda self: self.state() == "open")
    @rule(form=CSRF_MODES)
    def submit(self, form: str) -> None:
        """Read the review page, press "Submit my answers" (the form token perhaps expired)."""
        STATS["steps"] += 1
        STATS[f"submit:{form}"] += 1
        page = self.look_at_review()
        data = review_form(page)
        if form == "expired":
            data["csrf_token"] = "expired"
        elif form == "missing":
            del data["csrf_token"]
        r = self.post(self.url("review"), data)
        if form != "good":
            assert r.status_code == 200, r.status_code
            assert 'class="notice"' in r.get_data(as_text=True)
            assert review_answers(r.get_data(as_text=True)) == self.seen[self.draft]
            return
        self.expect_stored(r)

    @precondition(lambda self: self.state() == "open" and self.draft in self.review_form)
    @rule()
    def submit_from_an_old_review_tab(self) -> None:
        """Press "Submit my answers" on the review page last looked at, without reloading it: the
        answers may have changed since, in another tab (the rules above are that other tab)."""
        STATS["steps"] += 1
        r = self.post(self.url("review"), self.review_form[self.draft])
        if self.seen[self.draft] != self.drafts[self.draft]:
            STATS["submit from a stale tab"] += 1
            page = r.get_data(as_text=True)
            assert r.status_code == 409, r.status_code
            assert STALE_NOTICE[page_lang(page)] in page and page_lang(page) == self.lang
            shown = review_answers(page)
            assert shown == self.drafts[self.draft]  # the answers as they now are, nothing stored
            self.seen[self.draft] = shown
            self.review_form[self.draft] = review_form(page)
            return
        STATS["submit from an old tab, unchanged"] += 1
        self.expect_stored(r)

    def expect_stored(self, r) -> None:
        """A submit of the review page's form whose answers are the draft's: stored, unless a
        required question is open."""
        if self.first_open_page() is not None:  # something required is open: the review page, with errors
            assert r.status_code == 200, r.status_code
            assert "error-summary" in r.get_data(as_text=True)
            return
        assert r.status_code == 303, r.status_code
        where = path_of(r.headers["Location"])
        assert re.fullmatch(r"/r/[A-Za-z0-9_-]{22,}", where), where
        token = where[3:]
        assert token not in self.results
        STATS["results stored"] += 1
        self.results[token] = self.seen[self.draft]
        self.result_of[self.draft] = token
        del self.drafts[self.draft]
        with self.client.session_transaction() as s:
            assert token in s.get("delete_keys", {})  # this browser may delete it
        assert self.get(where).status_code == 200

    @precondition(lambda self: self.state() in ("submitted", "deleted") and self.draft in self.review_form)
    @rule()
    def resubmit(self) -> None:
        """The browser posts the review form again (Back and resend, a double click)."""
        STATS["steps"] += 1
        STATS["resubmit"] += 1
        r = self.post(self.url("review"), self.review_form[self.draft])
        self.expect_gone_or_result(r)

    @rule()
    def resume(self) -> None:
        """Open the "continue later" link."""
        STATS["steps"] += 1
        STATS["resume"] += 1
        r = self.get(f"/resume/{self.draft}")
        state = self.state()
        if state == "deleted":
            # Issue 12, finding 5: a deleted result's draft must not lead to it (nor hold its answers).
            assert r.status_code == 404, (r.status_code, r.headers.get("Location"))
            STATS["resumed after a delete"] += 1
            return
        if state == "submitted":
            assert r.status_code == 303 and path_of(r.headers["Location"]) == f"/r/{self.result_of[self.draft]}"
            return
        assert r.status_code == 302, r.status_code
        number = self.first_open_page()
        want = self.url(number if number else "review")
        if self.session_lang is None:
            want += f"?lang={self.draft_lang[self.draft]}"  # a new device: the quiz's own language
        assert path_of(r.headers["Location"]) == want

    @precondition(lambda self: self.state() == "submitted")
    @rule(through=st.sampled_from(["pages", "api"]))
    def delete(self, through: str) -> None:
        """Delete the result with the key this browser holds."""
        STATS["steps"] += 1
        STATS[f"delete:{through}"] += 1
        token = self.result_of[self.draft]
        # The key as the taker has it: in the delete link on their own result page (the session
        # cookie holds it sealed, finding 6).
        found = re.search(rf'href="/r/{token}/delete\?key=([\w-]+)"', self.get(f"/r/{token}").get_data(as_text=True))
        assert found, "the taker's own result page offers no delete link"
        key = found.group(1)
        assert self.get(f"/r/{token}.png").status_code == 200  # a preview file that must go too
        if through == "api":
            r = self._checked(self.client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key}),
                              "DELETE /api/results")
            assert r.status_code == 204, r.status_code
        else:
            page = self.get(f"/r/{token}").get_data(as_text=True)
            links = [a["href"] for a in Tags(page).find("a") if (a.get("href") or "").startswith(f"/r/{token}/delete")]
            assert links, "the taker's own result page offers no delete link"
            confirm = self.get(htmllib.unescape(links[0]))
            assert confirm.status_code == 200
            form = Tags(confirm.get_data(as_text=True))
            [action] = [a["action"] for a in form.find("form") if (a.get("action") or "").endswith("/delete")]
            data = {a["name"]: a.get("value") or "" for a in form.find("input") if a.get("name")}
            data["key"] = data.get("key") or key  # a form that asks for the key: type it in
            r = self.post(action, data)
            assert r.status_code == 303 and path_of(r.headers["Location"]) == "/r/deleted", r.status_code
        STATS["results deleted"] += 1
        self.deleted.add(token)

    # -- invariants ----------------------------------------------------------------------------------

    @invariant()
    def the_database_holds_exactly_what_the_taker_gave(self) -> None:
        from quiz.extensions import db
        from quiz.store.models import Draft, Result
        with self.app.app_context():
            stored = {r.token: dict(r.answers) for r in db.session.execute(db.select(Result)).scalars()}
            drafts = {d.token: d for d in db.session.execute(db.select(Draft)).scalars()}
            # Every result holds exactly the answers its review page last showed; deleted ones are gone.
            assert stored == {t: a for t, a in self.results.items() if t not in self.deleted}
            # No answer lost: every open draft holds exactly the answers given.
            for token, answers in self.drafts.items():
                assert token in drafts and dict(drafts[token].answers or {}) == answers, \
                    (token, drafts.get(token) and drafts[token].answers, answers)
            # A deleted result leaves nothing behind: no draft points at it or holds its answers.
            for draft, result in self.result_of.items():
                if result in self.deleted:
                    left = [d for d in drafts.values() if d.result_token == result or d.token == draft]
                    assert all(not d.answers and not d.result_token for d in left), \
                        f"deleted result {result} left draft {draft}: {[(d.answers, d.result_token) for d in left]}"
            db.session.remove()

    @invariant()
    def a_deleted_result_is_404_everywhere(self) -> None:
        for token in self.deleted:
            # (no ?lang= here: on a page it would change the session's language under the model)
            for path in (f"/r/{token}", f"/r/{token}.png", f"/api/results/{token}"):
                assert self.get(path).status_code == 404, path


# ~8 s on SQLite. No "explain" phase: on a failure it re-runs every step many times over.
BrowserFlow.TestCase.settings = settings(max_examples=30, stateful_step_count=15, deadline=None,
                                         phases=[p for p in Phase if p is not Phase.explain])
TestBrowserFlow = pytest.mark.db(BrowserFlow.TestCase)


@pytest.mark.db
def test_the_whole_way_once_whatever_the_fuzzer_draws():
    """The path every run must cover, whichever rules the fuzzer's draws happen to favour: answer,
    change a page from the review page in Korean, an expired submit, submit, resubmit, delete,
    resume after the delete, start again and delete through the API."""
    flow = BrowserFlow()
    checks = (flow.the_database_holds_exactly_what_the_taker_gave, flow.a_deleted_result_is_404_everywhere)

    def step(rule, **kwargs):
        rule(**kwargs)
        for check in checks:
            check()
    try:
        step(flow.begin, pages=({"fundamentals": "4", "first-week": "ship-feature"},
                                {"tools": ["pytorch", "fastapi"], "process-work": "5"}))
        step(flow.reload, number="review", lang="ko")
        step(flow.answer_page, post=(2, {"tools": ["kubeflow"]}), action="next", form="good", returning=True)
        step(flow.submit, form="expired")
        step(flow.submit, form="good")
        step(flow.resubmit)
        step(flow.resume)
        step(flow.delete, through="pages")
        step(flow.resume)
        step(flow.reload, number=1, lang=None)
        step(flow.resubmit)
        step(flow.start_again)
        step(flow.answer_every_page, pages=({"fundamentals": "1", "first-week": "read-papers"},
                                            {"tools": ["kubeflow"], "process-work": "2"}))
        step(flow.switch_language_on_review, lang="en")
        step(flow.submit, form="good")
        step(flow.delete, through="api")
        step(flow.resume)
        assert len(flow.results) == 2 and flow.deleted == set(flow.results)
    finally:
        flow.teardown()

