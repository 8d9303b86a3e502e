"""The whole quiz with the keyboard alone (Tab, Shift+Tab, Enter, Space) in Chromium at phone size:
the focus order of every page, nothing hidden taking a stop, and after every error-summary link the
question's box has the focus, shows its ring, and the question and its message are on screen."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.browser

BANK = "quick-check"
MAX_PRESSES = 120  # a bound on any walk through the Tab order

# What the focused element is, whether its focus ring shows (on the answer's box for a radio or a
# checkbox: style.css draws it there), and where it is on the screen.
ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const ring = e.matches("input[type=radio], input[type=checkbox]") ? e.closest("label") : e;
  const s = getComputedStyle(ring);
  const r = e.getBoundingClientRect();
  return {
    stop: e.matches("input[type=radio]") ? "radio:" + e.name
        : e.matches("input[type=checkbox]") ? "checkbox:" + e.name + "=" + e.value
        : e.closest(".lang") ? "lang"
        : e.matches("button[value]") ? "button:" + e.value
        : e.matches("a.skip") ? "skip" : e.matches("a.brand") ? "brand"
        : e.id ? "#" + e.id : e.tagName.toLowerCase() + ":" + (e.textContent || "").trim().slice(0, 40),
    ring: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && s.boxShadow !== "none",
    top: r.top, bottom: r.bottom, height: r.height,
  };
}"""

# The stops a page's Tab order should have, from its markup: the skip link, the site name, the
# other language, then each question's answers in order (one stop per radio group, one per box),
# then Next, Back and Save.
EXPECTED = """() => {
  const stops = ["skip", "brand", "lang"];
  for (const f of document.querySelectorAll("fieldset.question")) {
    const radio = f.querySelector("input[type=radio]");
    if (radio) { stops.push("radio:" + radio.name); continue; }
    for (const b of f.querySelectorAll("input[type=checkbox]")) stops.push("checkbox:" + b.name + "=" + b.value);
  }
  return stops.concat(["button:next", "button:back", "button:save"]);
}"""


def active(page) -> dict | None:
    return page.evaluate(ACTIVE)


def tab(page, backwards: bool = False) -> dict:
    page.keyboard.press("Shift+Tab" if backwards else "Tab")
    now = active(page)
    assert now is not None, "the focus left the page"
    return now


def tab_to(page, stop: str, backwards: bool = False) -> dict:
    for _ in range(MAX_PRESSES):
        now = tab(page, backwards)
        if now["stop"] == stop:
            return now
    raise AssertionError(f"{stop} never took the focus")


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_the_whole_quiz_by_keyboard(new_page, serve, shipped_app):
    base = serve(shipped_app)
    page = new_page(js=True)
    page.goto(f"{base}/quiz/{BANK}")

    # the start page: Start is the first control after the header, visible, and on the first screen
    assert [tab(page)["stop"] for _ in range(3)] == ["skip", "brand", "lang"]
    start = tab(page)
    assert start["stop"].startswith("button:") or "Start" in start["stop"], start
    assert start["ring"] and start["bottom"] <= PHONE["height"]
    enter(page)

    pages = 0
    while "/review" not in page.url:
        pages += 1
        # the Tab order is the reading order, and nothing hidden takes a stop
        wanted = page.evaluate(EXPECTED)
        seen = [tab(page)["stop"] for _ in wanted]
        assert seen == wanted, page.url
        assert page.locator("button[hidden]").evaluate_all("bs => bs.every(b => b.offsetParent === null)")

        # Next with nothing answered: the error summary takes the focus
        tab_to(page, "button:next", backwards=True)
        enter(page)
        assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
        assert in_view(page, ".error-summary h2")
        links = page.locator(".error-summary a")
        targets = [href.removeprefix("#") for href in links.evaluate_all("as => as.map(a => a.getAttribute('href'))")]
        assert targets, "no error links"
        for i, target in enumerate(targets):
            # to the i-th link (forwards from the summary, backwards from an answer), and follow it
            for _ in range(MAX_PRESSES):
                now = tab(page, backwards=i > 0)
                if page.evaluate("n => document.activeElement === document.querySelectorAll('.error-summary a')[n]", i):
                    break
            else:
                raise AssertionError(f"error link {i + 1} never took the focus")
            assert now["ring"]
            page.keyboard.press("Enter")
            landed = active(page)
            assert landed["stop"] == f"#{target}", landed
            assert landed["ring"], f"no visible focus on #{target}"
            qid = target.removeprefix("q-")
            assert in_view(page, f"#{target} legend") and in_view(page, f"#e-{qid}"), target
            # Tab goes on into that question; Space answers it
            first = tab(page)
            assert first["stop"].split(":")[1].split("=")[0] == qid, first
            assert first["ring"] and 0 <= first["top"] and first["bottom"] <= PHONE["height"]
            page.keyboard.press("Space")
            assert page.locator(f"#{target} input:checked").count() == 1
        # every question answered: on to the next page
        tab_to(page, "button:next")
        before = page.url
        enter(page)
        assert page.url != before and page.locator(".error-summary").count() == 0, page.url
    assert pages == 3

    # the review page: no hidden button, every Change link reached in order, then Submit
    assert [tab(page)["stop"] for _ in range(3)] == ["skip", "brand", "lang"]
    changes = page.locator(".review .change a").count()
    assert changes == 13
    for _ in range(changes):
        now = tab(page)
        assert now["stop"].startswith("a:") and now["ring"], now
    submit = tab(page)
    assert submit["ring"] and "Submit" in page.evaluate("() => document.activeElement.textContent"), submit
    enter(page)
    assert "/r/" in page.url


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_on_the_page(new_page, live_server, scheme):
    """WCAG 1.4.11: a focus indicator needs 3:1 against what is next to it. The ring has two tones
    (a dark band on the element, a yellow one outside it): on either page colour one of them does."""
    page = new_page(js=True, color_scheme=scheme)
    page.goto(live_server + "/quiz/tiny")
    for _ in range(4):
        page.keyboard.press("Tab")  # skip link, site name, language, Start
    ring = page.evaluate("""() => {
      const e = document.activeElement, s = getComputedStyle(e);
      return {tag: e.tagName, outline: s.outlineColor, width: s.outlineWidth, shadow: s.boxShadow,
              page: getComputedStyle(document.body).backgroundColor};
    }""")
    assert ring["tag"] == "BUTTON" and float(ring["width"].removesuffix("px")) >= 2, ring
    background = rgb(ring["page"])
    outer, inner = rgb(ring["outline"]), rgb(ring["shadow"])
    assert max(contrast(outer, background), contrast(inner, background)) >= 3, ring
    assert contrast(outer, inner) >= 3, ring  # the two bands tell apart from each other too


def test_review_error_links_land_on_their_answer(new_page, live_server):
    """The review page's error summary (a quiz submitted with answers missing): each link puts the
    focus, with its ring, on that question's row, on screen."""
    page = new_page(js=True)
    page.goto(live_server + "/quiz/tiny")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_load_state()
    page.goto(page.url.rsplit("/", 1)[0] + "/review")  # every page skipped by its address
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state()
    links = page.locator(".error-summary a")
    assert links.count() == 4
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href").removeprefix("#")
        links.nth(i).focus()
        page.keyboard.press("Enter")
        landed = active(page)
        assert landed["stop"] == f"#{target}" and landed["ring"], landed
        assert 0 <= landed["top"] and landed["bottom"] <= PHONE["height"], landed
