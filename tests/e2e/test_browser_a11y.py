"""axe-core (the copy bundled with axe-playwright-python: nothing is fetched) on every page type a
visitor can reach, in English and Korean, in the light and the dark colour scheme: 0 violations at
WCAG 2.2 AA with the best-practice rules included.

Each test walks its pages once in one browser context at phone size and checks every stop in the
light scheme with every rule of those tags, then in the dark (emulated `prefers-color-scheme`) with
the rules about colour, the only thing the scheme changes; and that no stop scrolls sideways at
360 px. The shipped banks are served once for the module.

With QUIZ_SCREENSHOTS=<folder> (`make screenshots`), every stop is also photographed, whole page,
at 360×740 and 1280×800 in both schemes, into that folder: pictures for a person to look at.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.conftest import SHIPPED_BANKS, close_app, make_app
from tests.e2e.conftest import PHONE, LiveServer
from tests.e2e.test_browser_results import random_answers

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SCHEMES = ("light", "dark")
LANGS = ("en", "ko")
DESKTOP = {"width": 1280, "height": 800}
BANK = "know-yourself"  # the results: the full quiz, whose results say the most
QUIZ = "quick-check"  # the quiz pages: the same templates, every question type, in half the pages
START = {"en": "Start", "ko": "시작하기"}
SUBMIT = {"en": "Submit my answers", "ko": "답변 제출하기"}
SAVE_LATER = {"en": "Save and continue later", "ko": "저장하고 나중에 이어 하기"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The shipped banks on a real server, for the whole module: (app, base URL)."""
    app = make_app(tmp_path_factory.mktemp("a11y"), banks=SHIPPED_BANKS)
    server = LiveServer(app)
    yield app, server.url
    server.stop()
    close_app(app)


@pytest.fixture(scope="module")
def axe():
    """The axe-core script that axe-playwright-python bundles (it is read from the package)."""
    try:
        from axe_playwright_python.base import AXE_SCRIPT
    except ImportError as exc:
        from tests.conftest import need
        need("axe-playwright-python", str(exc))
    return AXE_SCRIPT


# What the colour scheme changes is colour: in the dark, the rules about colour are run again (the
# light run has already checked everything else on the same markup).
COLOUR_RULES = ["color-contrast", "link-in-text-block", "non-text-contrast"]


def run_axe(page, script: str, scheme: str = "light") -> list[dict]:
    """axe's violations on the page as it is now; the script is injected once per document."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(script)
    known = page.evaluate("() => axe.getRules().map(r => r.ruleId)")
    only = ({"type": "tag", "values": AXE_TAGS} if scheme == "light" else
            {"type": "rule", "values": [r for r in COLOUR_RULES if r in known]})
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)",
                         {"runOnly": only, "resultTypes": ["violations"]})


def report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            why = (node.get("any") or node.get("all") or node.get("none") or [{}])[0].get("message", "")
            lines.append(f"    {', '.join(map(str, node['target']))}: {why}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


class Audit:
    """Runs axe on each stop of a walk, in both schemes, and keeps what it finds."""

    def __init__(self, page, axe, lang: str):
        self.page, self.axe, self.lang = page, axe, lang
        self.found: dict[str, str] = {}
        self.checked: list[str] = []
        self.shots = os.environ.get("QUIZ_SCREENSHOTS")

    def __call__(self, name: str) -> None:
        page = self.page
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            violations = run_axe(page, self.axe, scheme)
            where = f"{name} ({self.lang}, {scheme})"
            self.checked.append(where)
            if violations:
                self.found[where] = report(violations)
            # nothing makes a phone scroll sideways
            wider = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if wider > 0:
                self.found[f"{where}, 360 px"] = f"the page is {wider} px wider than the screen"
            if self.shots:
                self.photograph(name, scheme)
        page.emulate_media(color_scheme="light")

    def photograph(self, name: str, scheme: str) -> None:
        os.makedirs(self.shots, exist_ok=True)
        for size in (PHONE, DESKTOP):
            self.page.set_viewport_size(size)
            path = os.path.join(self.shots, f"{name}-{self.lang}-{scheme}-{size['width']}.png")
            self.page.screenshot(path=path, full_page=True)
        self.page.set_viewport_size(PHONE)

    def assert_clean(self) -> None:
        assert self.checked, "no page was checked"
        assert not self.found, "\n\n".join(f"== {where}\n{report}" for where, report in self.found.items())


@pytest.fixture
def audit(browser, axe, request):
    contexts = []

    def make(lang: str) -> Audit:
        context = browser.new_context(viewport=PHONE, locale="ko-KR" if lang == "ko" else "en-GB")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return Audit(context.new_page(), axe, lang)

    yield make
    for context in contexts:
        context.close()


def go(page, url: str) -> int:
    response = page.goto(url)
    return response.status if response else 0


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def answer_every_question(page) -> None:
    """Tick the first option (or point) of every question on the page, by its label."""
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("label").first.click()


def quiz_walk(page, base: str, lang: str) -> Iterator[str]:
    """Start, each quiz page, the error state, the saved link, review (and its error state)."""
    go(page, f"{base}/?lang={lang}")
    yield "home"
    go(page, f"{base}/quiz/{QUIZ}?lang={lang}")
    yield "start"
    press(page, START[lang])
    number = 0
    while "/review" not in page.url:
        number += 1
        yield f"quiz-page-{number}"
        if number == 1:  # Next with nothing answered
            page.locator("form#answers button[value=next]").click()
            page.wait_for_load_state()
            assert page.locator(".error-summary").count() == 1
            yield "quiz-page-error"
        answer_every_question(page)
        before = page.url
        page.locator("form#answers button[value=next]").click()
        page.wait_for_load_state()
        assert page.url != before, page.locator(".error-summary").inner_text()
    assert number >= 2
    yield "review"
    review = page.url
    page.get_by_role("link", name=SAVE_LATER[lang]).click()
    page.wait_for_load_state()
    yield "saved"
    go(page, review)
    press(page, SUBMIT[lang])
    assert "/r/" in page.url
    yield "result-own"
    # a review page whose draft lacks answers (a page skipped by its address), submitted
    go(page, f"{base}/quiz/{QUIZ}?lang={lang}")
    press(page, START[lang])
    go(page, re.sub(r"/\d+$", "/review", page.url.split("?")[0]))
    press(page, SUBMIT[lang])
    assert page.locator(".error-summary").count() == 1
    yield "review-error"


def outcome_of(result: dict) -> str:
    return "balanced" if result["balanced"] else "hybrid" if result["hybrid"] else "primary"


def results_of_each_kind(app, lang: str) -> dict[str, dict]:
    """A stored result for a hybrid and for a balanced outcome, from answer sets drawn until both
    turn up (what the bank asks comes from the API, so bank edits do not break this)."""
    client = app.test_client()
    found: dict[str, dict] = {}
    for seed in range(400):
        answers = random_answers(app, BANK, seed)
        result = client.post("/api/results", json={"bank": BANK, "answers": answers, "lang": lang}).get_json()
        found.setdefault(outcome_of(result), result)
        if {"hybrid", "balanced"} <= set(found):
            return found
    raise AssertionError(f"no hybrid and balanced results among 400 answer sets: {sorted(found)}")


def results_walk(page, base: str, app, lang: str) -> Iterator[str]:
    """A hybrid and a balanced result as a stranger sees them, compare, delete and deleted."""
    results = results_of_each_kind(app, lang)
    for kind in ("hybrid", "balanced"):
        go(page, f"{base}/r/{results[kind]['token']}?lang={lang}")
        yield f"result-{kind}"
    go(page, f"{base}/compare?r={results['hybrid']['token']}&r={results['balanced']['token']}&lang={lang}")
    yield "compare"
    doomed = results["balanced"]
    go(page, f"{base}/r/{doomed['token']}/delete?key={doomed['delete_key']}&lang={lang}")
    yield "delete-confirm"
    page.locator(".delete-form button[type=submit]").click()
    page.wait_for_load_state()
    assert go(page, f"{base}/r/{doomed['token']}") == 404
    page.go_back()
    yield "deleted"


def other_walk(page, base: str, lang: str) -> Iterator[str]:
    assert go(page, f"{base}/no-such-page?lang={lang}") == 404
    yield "404"
    assert go(page, f"{base}/resume/{'x' * 32}?lang={lang}") == 404
    yield "resume-gone"
    assert go(page, f"{base}/privacy?lang={lang}") == 200
    yield "privacy"
    assert go(page, f"{base}/author?lang={lang}") == 200
    yield "author"


@pytest.mark.parametrize("lang", LANGS)
def test_every_quiz_page_is_clean(audit, site, lang):
    app, base = site
    check = audit(lang)
    for name in quiz_walk(check.page, base, lang):
        check(name)
    check.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_every_results_page_is_clean(audit, site, lang):
    app, base = site
    check = audit(lang)
    for name in results_walk(check.page, base, app, lang):
        check(name)
    check.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_every_other_page_is_clean(audit, site, lang):
    app, base = site
    check = audit(lang)
    for name in other_walk(check.page, base, lang):
        check(name)
    check.assert_clean()
