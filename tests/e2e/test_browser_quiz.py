"""The quiz in real headless Chromium against a real server, at phone width, in English and
Korean, with JavaScript on and off: what a taker clicks, sees and ends up with."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import make_app, tiny_bank_with_max_choices
from tests.integration.test_page_weight import BUDGET

pytestmark = pytest.mark.browser

UI = {
    "en": {"start": "Start", "next": "Next", "back": "Back", "review": "Check your answers",
           "submit": "Submit my answers", "step": "Questions 1–2 of 4 · about 1 minute left", "problem": "There is a problem",
           "scale_error": "Choose a point on the scale.", "save": "Save and continue later",
           "saved": "Your answers are saved", "question": "I enjoy fundamentals.", "option": "Ship a feature",
           "tool": "PyTorch", "other_option": "Fix the pipeline", "return": "Save and go back to your answers"},
    "ko": {"start": "시작하기", "next": "다음", "back": "이전", "review": "답변 확인하기",
           "submit": "답변 제출하기", "step": "4문항 중 1–2번 · 약 1분 남았어요", "problem": "확인이 필요해요",
           "scale_error": "해당하는 정도를 하나 골라 주세요.", "save": "저장하고 나중에 이어 하기",
           "saved": "답변을 저장했어요", "question": "기본기 공부가 좋다.", "option": "기능 출시",
           "tool": "PyTorch", "other_option": "파이프라인 수리", "return": "저장하고 답변 확인으로 돌아가기"},
}


def same_origin(urls: list[str], origin: str) -> list[str]:
    """The URLs that went anywhere but `origin` (data: URLs never leave the browser)."""
    return [u for u in urls if not u.startswith("data:") and
            f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" != origin]


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e ? (e.id || e.className || e.tagName) : '' }")


def in_view(page, selector: str) -> bool:
    """Whether the whole of `selector`'s box is inside the viewport."""
    box, size = page.locator(selector).bounding_box(), page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def watch_for_trouble(page) -> list[str]:
    """Console errors and failed responses (4xx/5xx) of `page`, as they happen. A page that asks
    for a missing /favicon.ico shows up here."""
    trouble: list[str] = []
    page.on("console", lambda m: trouble.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: trouble.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return trouble


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_whole_quiz_in_a_browser(page, live_server, live_app, js_enabled, lang):
    ui = UI[lang]
    trouble = watch_for_trouble(page)
    page.goto(live_server + "/")
    if lang == "ko":
        page.get_by_role("link", name="한국어").first.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang

    press(page, ui["start"])
    assert re.search(r"/quiz/tiny/[A-Za-z0-9_-]{32}/1$", page.url)
    assert page.get_by_text(ui["step"]).is_visible()
    assert page.locator("progress").get_attribute("value") == "0"  # nothing done before the first answer
    assert page.get_by_text(ui["question"]).is_visible()

    # Next without answering: the error summary is at the top and takes the focus
    page.get_by_text(ui["option"]).click()  # one answer given, one missing
    press(page, ui["next"])
    summary = page.locator(".error-summary")
    assert summary.is_visible() and ui["problem"] in summary.inner_text()
    assert ui["scale_error"] in summary.inner_text()
    assert focused(page) == "error-summary"
    assert page.locator("#a-fundamentals-0").get_attribute("aria-invalid") == "true"
    assert page.get_by_label(ui["option"]).is_checked()  # the answer given is still there
    summary.get_by_role("link").first.click()  # the link takes the taker to the question
    assert focused(page) == "q-fundamentals"
    assert in_view(page, "#q-fundamentals legend") and in_view(page, "#e-fundamentals")

    page.locator("label[for=a-fundamentals-3]").click()  # a tap anywhere on the point's box
    press(page, ui["next"])
    assert page.url.endswith("/2")
    page.get_by_text(ui["tool"], exact=True).click()
    page.locator("label[for=a-process-work-4]").click()
    press(page, ui["back"])  # Back keeps page 2's answers and page 1's
    assert page.url.endswith("/1")
    assert page.locator("#a-fundamentals-3").is_checked() and page.get_by_label(ui["option"]).is_checked()
    press(page, ui["next"])
    assert page.get_by_label(ui["tool"], exact=True).is_checked() and page.locator("#a-process-work-4").is_checked()
    press(page, ui["review"])
    assert page.url.endswith("/review")
    body = page.locator("main").inner_text()
    assert ui["option"] in body and ui["tool"] in body and "4 / 5" in body

    # change an answer from the review page, and come back to it
    page.locator("#r-first-week").get_by_role("link").click()
    assert page.get_by_label(ui["option"]).is_checked()
    page.get_by_text(ui["other_option"]).click()
    press(page, ui["return"])
    assert page.url.endswith("/review")
    assert ui["other_option"] in page.locator("#r-first-week").inner_text()

    press(page, ui["submit"])
    assert re.search(r"/r/[A-Za-z0-9_-]{22,}$", page.url), page.url
    assert page.locator("html").get_attribute("lang") == lang

    from tests.integration.test_take import stored_results
    [result] = stored_results(live_app)
    assert result.answers == {"fundamentals": 4, "first-week": "fix-pipeline", "tools": ["pytorch"], "process-work": 5}
    assert result.lang == lang and page.url.endswith(result.token)
    assert same_origin(page.requests_seen, live_server) == []
    # the tab shows our icon, and nothing asked for along the way was missing
    assert any(u.endswith("/static/favicon.svg") for u in page.requests_seen)
    assert trouble == []


def test_a_double_click_on_submit_stores_one_result(new_page, live_server, live_app, js_enabled):
    page = new_page(js=js_enabled)
    page.goto(live_server + "/quiz/tiny")
    press(page, "Start")
    page.locator("label[for=a-fundamentals-1]").click()
    page.get_by_text("Read papers").click()
    press(page, "Next")
    page.get_by_text("Kubeflow").click()
    page.locator("label[for=a-process-work-1]").click()
    press(page, "Check your answers")
    page.get_by_role("button", name="Submit my answers").dblclick()
    for _ in range(3):
        # Without JavaScript the second click's navigation cancels the first's, and Chromium may
        # report the cancelled one (ERR_ABORTED) to a waiter: wait again for the one that lands.
        try:
            page.wait_for_url(re.compile(r"/r/"))
            break
        except Exception as exc:  # playwright.sync_api.Error; imported lazily, as conftest does
            if "ERR_ABORTED" not in str(exc):
                raise
    from tests.integration.test_take import stored_results
    assert len(stored_results(live_app)) == 1


def test_continue_later_on_another_device(new_page, live_server, js_enabled):
    phone = new_page(js=js_enabled)
    phone.goto(live_server + "/quiz/tiny?lang=ko")
    press(phone, "시작하기")
    phone.locator("label[for=a-fundamentals-4]").click()
    phone.get_by_text("논문 읽기").click()
    press(phone, "저장하고 나중에 이어 하기")
    assert phone.get_by_role("heading", name="답변을 저장했어요").is_visible()
    link = phone.locator(".link-box a").get_attribute("href")
    assert re.search(r"/resume/[A-Za-z0-9_-]{32}$", link)

    laptop = new_page(js=js_enabled)  # no cookies from the phone
    laptop.goto(link)
    assert laptop.url.endswith("/2?lang=ko")  # the first open page, in the quiz's language
    press(laptop, "이전")
    assert laptop.locator("#a-fundamentals-4").is_checked() and laptop.get_by_label("논문 읽기").is_checked()


def test_a_browser_taking_a_shipped_quiz_stays_on_our_origin(new_page, serve, shipped_app):
    """Each page's HTML + CSS as the browser received it is within the budget, and every
    request of the whole run, results page included, went to our origin."""
    base = serve(shipped_app)
    page = new_page(js=True)
    weights: dict[str, int] = {}

    def weigh(response) -> None:
        kind = response.request.resource_type
        if kind in ("document", "stylesheet") and response.status == 200:
            weights[kind] = len(response.body())

    page.on("response", weigh)
    page.goto(base + "/")
    page.get_by_role("link", name="한국어").first.click()
    page.wait_for_load_state()
    if page.locator("ul.banks").count():  # several banks: the home page lists them
        page.locator("ul.banks a").first.click()
        page.wait_for_load_state()
    press(page, "시작하기")
    pages = 0
    while "/review" not in page.url:
        pages += 1
        assert weights["document"] + weights.get("stylesheet", 0) <= BUDGET, (page.url, weights)
        for fieldset in page.locator("fieldset.question").all():
            fieldset.locator("label").first.click()
        before = page.url
        page.locator("form#answers button[value=next]").click()
        page.wait_for_load_state()
        assert page.url != before, page.locator(".error-summary").inner_text()
    assert pages >= 2
    press(page, "답변 제출하기")
    assert "/r/" in urlsplit(page.url).path
    assert same_origin(page.requests_seen, base) == []
    assert any(u.endswith("/static/style.css") for u in page.requests_seen)


# -- switching language, reloading, limits ------------------------------------------------------

def test_switching_language_mid_page_keeps_the_answers(page, live_server, live_app, js_enabled):
    trouble = watch_for_trouble(page)
    page.goto(live_server + "/quiz/tiny?lang=en")
    press(page, "Start")
    page.locator("label[for=a-fundamentals-1]").click()
    page.get_by_text("Read papers").click()
    press(page, "한국어")  # the header's language switch, before Next
    assert page.url.endswith("/1?lang=ko")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("#a-fundamentals-1").is_checked() and page.get_by_label("논문 읽기").is_checked()
    assert page.locator(".error-summary").count() == 0
    press(page, "다음")
    assert page.url.endswith("/2")
    page.get_by_text("Kubeflow").click()  # one of two questions answered
    press(page, "English")
    assert page.url.endswith("/2?lang=en") and page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Kubeflow").is_checked()
    assert page.locator(".error-summary").count() == 0  # the open question is no error yet
    # Enter in an answer means Next, never the language button above the form
    page.locator("#a-process-work-2").check()
    page.locator("#a-process-work-2").press("Enter")
    page.wait_for_url(re.compile(r"/review$"))
    assert page.locator("html").get_attribute("lang") == "en"
    press(page, "한국어")  # the review page: the same page in Korean, nothing submitted
    assert page.url.endswith("/review?lang=ko")
    assert page.get_by_role("heading", name="답변 확인하기").is_visible()
    from tests.integration.test_take import stored_results
    assert stored_results(live_app) == []
    assert trouble == []


def test_a_reload_keeps_picks_not_yet_sent(new_page, live_server):
    page = new_page(js=True)
    page.goto(live_server + "/quiz/tiny")
    press(page, "Start")
    page.locator("label[for=a-fundamentals-1]").click()
    page.get_by_text("Read papers").click()
    page.reload()
    assert page.locator("#a-fundamentals-1").is_checked() and page.get_by_label("Read papers").is_checked()
    press(page, "Next")
    page.get_by_text("Kubeflow").click()
    page.get_by_text("FastAPI").click()
    page.get_by_text("FastAPI").click()  # and unticked again
    page.get_by_text("PyTorch").click()
    page.reload()
    assert page.get_by_label("Kubeflow").is_checked() and page.get_by_label("PyTorch").is_checked()
    assert not page.get_by_label("FastAPI").is_checked()
    # what the server has wins over a pick not yet sent; sent picks leave no copy behind
    press(page, "Back")
    assert page.url.endswith("/1") and page.locator("#a-fundamentals-1").is_checked()
    page.locator("label[for=a-fundamentals-4]").click()
    page.reload()
    assert page.locator("#a-fundamentals-1").is_checked() and not page.locator("#a-fundamentals-4").is_checked()
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.endsWith('/2'))") == []


@pytest.fixture
def limited_server(tmp_path, serve):
    """The tiny bank with its multi question limited to two picks, served."""
    from tests.conftest import close_app
    app = make_app(tmp_path, banks=tiny_bank_with_max_choices(tmp_path))
    yield serve(app)
    close_app(app)


def test_a_pick_past_the_limit(page, limited_server, js_enabled):
    """No box is ever disabled: a third tick is possible, said at once with scripts, and by the
    server on Next either way, the ticks kept."""
    page.goto(limited_server + "/quiz/tiny?lang=ko")
    press(page, "시작하기")
    page.locator("label[for=a-fundamentals-1]").click()
    page.get_by_text("논문 읽기").click()
    press(page, "다음")
    assert page.locator("#q-tools").get_by_text("최대 2개까지 고르세요.").count() == 1
    page.get_by_text("Kubeflow").click()
    page.get_by_text("PyTorch").click()
    live = page.locator("#l-tools")
    assert live.inner_text() == "" and live.get_attribute("aria-live") == "polite"
    assert page.get_by_label("FastAPI").is_enabled()
    page.get_by_text("FastAPI").click()
    assert all(page.get_by_label(n).is_checked() for n in ("Kubeflow", "PyTorch", "FastAPI"))
    if js_enabled:  # said at once, and cleared once the ticks are back within the limit
        assert live.inner_text() == "최대 2개까지 고를 수 있어요. 지금 3개를 골랐으니 하나를 빼 주세요."
        page.get_by_text("PyTorch").click()
        assert live.inner_text() == ""
        page.get_by_text("PyTorch").click()
    page.locator("label[for=a-process-work-2]").click()
    press(page, "답변 확인하기")
    assert "최대 2개까지 고를 수 있어요. 지금 3개를 골랐어요." in page.locator(".error-summary").inner_text()
    assert all(page.get_by_label(n).is_checked() for n in ("Kubeflow", "PyTorch", "FastAPI"))
    assert live.inner_text() == ""  # the server's message is not said twice
    page.get_by_text("Kubeflow").click()
    press(page, "답변 확인하기")
    assert page.url.endswith("/review")


def test_the_most_picks_allowed_on_every_limited_question(new_page, serve, shipped_app, js_enabled):
    """Through a whole shipped quiz, each "up to N" question gets exactly N ticks: nothing stops
    or questions them, and the result stores all N."""
    base = serve(shipped_app)
    page = new_page(js=js_enabled)
    page.goto(base + "/quiz/know-yourself")
    press(page, "Start")
    limited: dict[str, list[str]] = {}
    while "/review" not in page.url:
        for fieldset in page.locator("fieldset.question").all():
            most = fieldset.get_attribute("data-max")
            if most is None:
                fieldset.locator("label").first.click()
                continue
            boxes = fieldset.locator("input[type=checkbox]")
            assert boxes.count() > int(most)
            for i in range(int(most)):
                fieldset.locator("label").nth(i).click()
            assert all(boxes.nth(i).is_enabled() for i in range(boxes.count()))
            assert fieldset.locator(".live").inner_text() == ""
            limited[fieldset.get_attribute("id").removeprefix("q-")] = [
                boxes.nth(i).get_attribute("value") for i in range(int(most))]
        before = page.url
        page.locator("form#answers button[value=next]").click()
        page.wait_for_load_state()
        assert page.url != before, page.locator(".error-summary").inner_text()
    assert limited, "the shipped quiz has no question with a limit"
    press(page, "Submit my answers")
    assert "/r/" in page.url
    from tests.integration.test_take import stored_results
    [result] = stored_results(shipped_app)
    assert {qid: sorted(result.answers[qid]) for qid in limited} == {qid: sorted(v) for qid, v in limited.items()}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_getting_in_takes_one_press(new_page, serve, shipped_app, lang):
    """Home page: each quiz has its own Start button (the first is the main one), one press to page
    1. Start page: Start on a phone's first screen, and one language switch (the header's)."""
    base = serve(shipped_app)
    page = new_page(js=False, locale="ko-KR" if lang == "ko" else "en-GB")
    page.goto(f"{base}/?lang={lang}")
    starts = page.locator("ul.banks button.primary, ul.banks button.secondary")
    assert starts.count() >= 2 and page.locator("ul.banks button.primary").count() == 1
    bank_url = page.locator("ul.banks h2 a").first.get_attribute("href")
    with page.expect_navigation():
        starts.first.click()
    assert re.search(r"/quiz/[a-z-]+/[A-Za-z0-9_-]{32}/1$", page.url)
    page = new_page(js=False)  # a visitor with no quiz open yet
    page.goto(f"{base}{bank_url}?lang={lang}")
    start = page.get_by_role("button", name=UI[lang]["start"], exact=True)
    box = start.bounding_box()
    assert box and box["y"] + box["height"] <= 740, box
    other = "한국어" if lang == "en" else "English"
    assert page.get_by_text(other, exact=True).count() == 1
