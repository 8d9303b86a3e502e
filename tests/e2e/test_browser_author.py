"""The authoring preview's layout in Chromium on a laptop-sized window: an editor the width of
the page with its label above it, readable tables, and problem excerpts that scroll sideways
instead of widening the page."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
LONG_LINE = "x" * 300
BROKEN = f"""id: broken
version: 1
languages: [en]
title: Broken
paths:
  - id: researcher
    title: R
    summary: s
    advice: a
questions:
  - id: q1
    type: choice
    text: Which?
    options:
      - {{id: a, text: A, points: {{researcher: 1}}}}
      - {{id: b, text: B, points: {{researcher: 0}}}}
    bogus: "{LONG_LINE}"
"""


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")


def test_the_yaml_editor_is_wide_and_labelled_above(new_page, live_server):
    page = new_page(js=True)
    page.set_viewport_size(LAPTOP)
    page.goto(live_server + "/author/")
    main, editor, label = box(page, "main"), box(page, "textarea.code"), box(page, "label[for=source]")
    assert editor["width"] >= 0.95 * main["width"]  # was about 170 px: the default 20 columns
    line = float(style(page, "textarea.code", "lineHeight").removesuffix("px"))
    assert editor["height"] >= 18 * line  # about twenty lines of YAML in view
    assert label["y"] + label["height"] <= editor["y"] and abs(label["x"] - editor["x"]) < 2  # above, aligned
    assert "monospace" in style(page, "textarea.code", "fontFamily")
    table, section = box(page, "table.author"), box(page, "main section")
    assert table["width"] >= 0.95 * section["width"]


def test_problem_excerpts_scroll_sideways_in_monospace(new_page, live_server):
    page = new_page(js=True)
    page.set_viewport_size(LAPTOP)
    page.goto(live_server + "/author/")
    page.locator("textarea.code").fill(BROKEN)
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    excerpt = page.locator("pre.excerpt", has_text=LONG_LINE[:50])
    assert excerpt.count() == 1
    assert "monospace" in excerpt.evaluate("e => getComputedStyle(e).fontFamily")
    assert excerpt.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert excerpt.evaluate("e => e.scrollWidth > e.clientWidth")  # the line scrolls inside its box
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # the page does not


# -- the preview you can take (issue 14) ---------------------------------------------------------------

def _tiny_source() -> str:
    from tests.conftest import TINY_BANK
    with open(TINY_BANK, encoding="utf-8") as fh:
        return fh.read()


def _stored(app) -> dict[str, int]:
    import sqlalchemy as sa

    from quiz.extensions import db
    with app.app_context():
        return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("result", "draft", "bank_snapshot")}


def _press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


WORDS = {
    "en": {"take": "Take it in English", "next": "Next", "review": "Check your answers", "change": "Change",
           "submit": "Submit my answers", "step1": "Step one", "option": "Read papers", "result": "Researcher",
           "banner": "Nothing you answer here is stored", "other": "한국어", "other_result": "연구자"},
    "ko": {"take": "Take it in 한국어", "next": "다음", "review": "답변 확인하기", "change": "바꾸기",
           "submit": "답변 제출하기", "step1": "1단계", "option": "논문 읽기", "result": "연구자",
           "banner": "여기서 답한 내용은 저장되지 않아요", "other": "English", "other_result": "Researcher"},
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_pasted_bilingual_bank_is_taken_to_its_results_page_in_both_languages(new_page, live_server, live_app,
                                                                                 js_enabled, lang):
    words = WORDS[lang]
    before = _stored(live_app)
    page = new_page(js=js_enabled)
    page.goto(live_server + "/author/")
    page.locator("textarea.code").fill(_tiny_source())
    _press(page, words["take"])
    assert page.locator("h1").inner_text() == words["step1"]
    assert words["banner"] in page.locator(".preview-banner").inner_text()
    page.locator("label[for=a-fundamentals-4]").click()
    # Next without the second answer: the quiz's own error summary, the first answer kept.
    _press(page, words["next"])
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#a-fundamentals-4").is_checked()
    page.get_by_text(words["option"], exact=True).click()
    _press(page, words["next"])
    page.get_by_text("PyTorch", exact=True).click()
    page.locator("label[for=a-process-work-3]").click()
    _press(page, words["review"])
    # Change an answer from the review, and come back to it.
    page.locator("#r-fundamentals").get_by_role("button", name=words["change"]).click()
    page.wait_for_load_state()
    assert page.locator("#a-fundamentals-4").is_checked()
    page.locator("label[for=a-fundamentals-3]").click()
    page.locator("form#answers button.primary").click()
    page.wait_for_load_state()
    assert "4" in page.locator("#r-fundamentals .answer").inner_text()
    _press(page, words["submit"])
    assert page.locator("h1").inner_text() == words["result"]
    assert words["banner"] in page.locator(".preview-banner").inner_text()
    assert page.locator("section.share").count() == 0 and "/r/" not in page.url
    # The same result in the bank's other language, from the header's language button.
    page.get_by_role("button", name=words["other"], exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == words["other_result"]
    assert page.locator(".preview-banner").is_visible()
    assert _stored(live_app) == before  # no draft, no result, no snapshot
