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
