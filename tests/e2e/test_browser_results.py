"""The results pages in real headless Chromium at phone width (360 px): readable without sideways
scrolling, bars drawn to scale, nothing loaded from elsewhere, deleting with the kept link, print."""
from __future__ import annotations

import os
import random
from urllib.parse import urlsplit

import pytest

from tests.conftest import SHIPPED_BANKS, make_app

pytestmark = pytest.mark.browser

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 1}


def submit(app, bank="tiny", answers=None, lang="en"):
    r = app.test_client().post("/api/results", json={"bank": bank, "answers": answers or ANSWERS, "lang": lang})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def random_answers(app, bank_id: str, seed: int) -> dict:
    """A complete, valid answer set for a bank, drawn from what the API says the bank asks."""
    bank = app.test_client().get(f"/api/banks/{bank_id}").get_json()
    rnd = random.Random(seed)
    answers = {}
    for section in bank["sections"]:
        for q in section["questions"]:
            if q["type"] == "scale":
                answers[q["id"]] = rnd.randint(q["scale"]["min"], q["scale"]["max"])
            elif q["type"] == "choice":
                answers[q["id"]] = rnd.choice(q["options"])["id"]
            else:
                k = min(q.get("max_choices") or 2, 2, len(q["options"]))
                answers[q["id"]] = [o["id"] for o in rnd.sample(q["options"], k)]
    return answers


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def elsewhere(urls: list[str], origin: str) -> list[str]:
    return [u for u in urls if not u.startswith("data:") and
            f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" != origin]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_result_page_reads_well_on_a_phone(new_page, serve, tmp_path, lang):
    banks = SHIPPED_BANKS if os.path.isdir(SHIPPED_BANKS) and os.listdir(SHIPPED_BANKS) else None
    app = make_app(tmp_path, banks=banks) if banks else make_app(tmp_path)
    bank_id = "know-yourself" if banks else "tiny"
    base = serve(app)
    result = submit(app, bank_id, random_answers(app, bank_id, 3), lang=lang)
    page = new_page(js=True, locale="ko-KR" if lang == "ko" else "en-GB")
    page.goto(f"{base}/r/{result['token']}?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    h1 = page.locator("h1")
    assert h1.is_visible() and h1.inner_text().strip()
    assert overflow(page) <= 0
    # Each bar's filled part is its score's share of the track, as drawn by the browser.
    rows = page.locator(".bars .bar-row")
    assert rows.count() == len(result["scores"])
    for i, score in enumerate(result["scores"].values()):
        track, fill = rows.nth(i).locator("rect").nth(0).bounding_box(), rows.nth(i).locator("rect").nth(1).bounding_box()
        assert track["width"] > 80  # a real bar, not squeezed away at 360 px
        assert abs(fill["width"] / track["width"] * 100 - score) < 2.5
        assert rows.nth(i).locator(".bar-value").inner_text().split()[0] == str(int(score + 0.5))
    assert elsewhere(page.requests_seen, base) == []
    shot = tmp_path / f"result-{lang}-360.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("KEEP_SCREENSHOTS")  # set to a folder to look at the pictures
    if keep:
        os.makedirs(keep, exist_ok=True)
        page.screenshot(path=os.path.join(keep, f"result-{lang}-360.png"), full_page=True)


def test_print_keeps_the_bars_and_drops_the_share_controls(new_page, live_app, live_server):
    result = submit(live_app)
    page = new_page(js=True)
    page.goto(f"{live_server}/r/{result['token']}?lang=en")
    page.emulate_media(media="print")
    assert not page.locator("section.share").is_visible()
    assert not page.locator("nav.lang").is_visible()
    assert page.locator(".bars").is_visible()
    assert page.locator(".reality.prominent").is_visible()  # process work: said up front, printed too


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_kept_delete_link_deletes_after_confirming(new_page, live_app, live_server, js):
    result = submit(live_app)
    token, key = result["token"], result["delete_key"]
    page = new_page(js=js)
    page.goto(f"{live_server}/r/{token}/delete?key={key}&lang=en")
    assert page.get_by_role("heading", name="Delete this result?").is_visible()
    assert overflow(page) <= 0
    # Opening the link deleted nothing; the button does.
    assert live_app.test_client().get(f"/api/results/{token}").status_code == 200
    page.get_by_role("button", name="Delete my result").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your result was deleted").is_visible()
    response = page.goto(f"{live_server}/r/{token}")
    assert response.status == 404
    assert page.request.get(f"{live_server}/r/{token}.png").status == 404


def test_compare_fits_a_phone(new_page, live_app, live_server):
    tokens = [submit(live_app, answers=dict(ANSWERS, **{"first-week": w}))["token"]
              for w in ("read-papers", "ship-feature", "fix-pipeline")]
    page = new_page(js=False)
    page.goto(f"{live_server}/compare?" + "&".join(f"r={t}" for t in tokens) + "&lang=ko")
    assert page.locator("h1").inner_text() == "결과 비교하기"
    assert page.locator("svg.bar").count() == 3 * 3
    assert overflow(page) <= 0


# -- layout at 360 px, light and dark -----------------------------------------------------------

def answers_where(app, bank_id: str, predicate, tries: int = 3000) -> dict:
    """A random valid answer set whose outcome (scored by the real engine) satisfies `predicate`."""
    from quiz.engine.scoring import score
    from quiz.web import banks
    with app.app_context():
        bank = banks.get(bank_id)
        for seed in range(tries):
            answers = random_answers(app, bank_id, seed)
            if predicate(score(bank, {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()})):
                return answers
    raise AssertionError(f"no answer set of {bank_id} in {tries} tries gives that outcome")


# For each element: how many lines each of its words spans (a word broken across lines spans 2).
WORD_LINES = """(selector) => [...document.querySelectorAll(selector)].map(el => {
  const node = el.firstChild, text = node.textContent, out = [];
  for (const m of text.matchAll(/[^\\s–-]+/g)) {
    const range = document.createRange();
    range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    out.push([m[0], tops.size]);
  }
  const all = document.createRange(); all.selectNodeContents(el);
  return {text, lines: new Set([...all.getClientRects()].map(r => Math.round(r.top))).size, words: out};
})"""


@pytest.fixture
def shipped(tmp_path, serve):
    if not (os.path.isdir(SHIPPED_BANKS) and os.listdir(SHIPPED_BANKS)):
        pytest.fail("the shipped banks are missing")
    app = make_app(tmp_path, banks=SHIPPED_BANKS)
    return app, serve(app)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_bar_labels_sit_on_one_line_and_no_word_is_broken(new_page, shipped, lang):
    app, base = shipped
    hybrid = submit(app, "quick-check", answers_where(app, "quick-check", lambda o: o.hybrid and not o.balanced
                                                      and "ops" in (o.primary, o.secondary)), lang=lang)
    engineer = submit(app, "quick-check", answers_where(app, "quick-check", lambda o: not o.hybrid
                                                        and o.primary == "engineer"), lang=lang)
    page = new_page(js=False)
    page.goto(f"{base}/r/{hybrid['token']}?lang={lang}")
    labels = page.evaluate(WORD_LINES, ".bars .bar-label")
    assert [label["text"] for label in labels] == (["Researcher", "Engineer", "Ops"] if lang == "en"
                                                   else ["연구자", "엔지니어", "MLOps"])
    assert all(label["lines"] == 1 for label in labels), labels   # was "Research/er" on two lines
    # Compare labels people by their result; longer labels may wrap, but between words only.
    page.goto(f"{base}/compare?r={hybrid['token']}&r={engineer['token']}&lang={lang}")
    labels = page.evaluate(WORD_LINES, ".bars .bar-label")
    assert len(labels) == 3 * 2
    assert all(lines == 1 for label in labels for _, lines in label["words"]), labels
    assert overflow(page) <= 0


def _luminance(css_colour: str) -> float:
    import re
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css_colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_bar_tracks_match_the_colour_scheme(new_page, live_app, live_server, scheme):
    result = submit(live_app)
    page = new_page(js=False, color_scheme=scheme)
    for url in (f"{live_server}/r/{result['token']}?lang=en", f"{live_server}/compare?r={result['token']}&lang=en"):
        page.goto(url)
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        tracks = page.evaluate("() => [...document.querySelectorAll('svg.bar rect.track')]"
                               ".map(r => getComputedStyle(r).fill)")
        assert tracks, url
        for fill in tracks:
            if scheme == "dark":  # no light beige glaring on a dark page
                assert _luminance(fill) < 0.3 and abs(_luminance(fill) - _luminance(background)) > 0.05, (fill, url)
            else:
                assert _luminance(fill) > 0.7, (fill, url)


def test_the_first_line_under_the_header_has_room(new_page, live_app, live_server):
    result = submit(live_app)
    page = new_page(js=False)
    for url, first in ((f"{live_server}/r/{result['token']}?lang=en", ".result .kicker"),
                       (f"{live_server}/compare?r={result['token']}&lang=en", ".result h1")):
        page.goto(url)
        gap = page.evaluate("""([first]) => {
            const text = document.createRange(); text.selectNodeContents(document.querySelector(first));
            return text.getBoundingClientRect().top - document.querySelector('header.site').getBoundingClientRect().bottom;
        }""", [first])
        assert gap >= 16, (url, gap)  # the "RESULT" label and the compare heading touched the line


# -- the first screen on a phone (issue 13) -------------------------------------------------------

IN_VIEW = """(selectors) => selectors.map(sel => [...document.querySelectorAll(sel)].map(e => {
  const r = e.getBoundingClientRect();
  return [sel, Math.round(r.top), Math.round(r.bottom), r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0];
})).flat()"""


def results_by_kind(app, bank_id: str, lang: str) -> dict[str, dict]:
    """A stored single-path, hybrid, balanced and process-work-reluctant result of a bank."""
    found: dict[str, dict] = {}
    for seed in range(400):
        answers = random_answers(app, bank_id, seed)
        if "reluctant" not in found:
            answers.update({"data-chores": 1, "glue-work": 1, "low-level": 1})
        result = submit(app, bank_id, answers, lang=lang)
        kind = "balanced" if result["balanced"] else "hybrid" if result["hybrid"] else "single"
        if "process-work-reluctant" in result["flags"] and "reluctant" not in found:
            kind = "reluctant"
        found.setdefault(kind, result)
        if len(found) == 4:
            return found
    raise AssertionError(f"not every kind of result among 400 answer sets: {sorted(found)}")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_first_screen_on_a_phone_shows_the_outcome_the_bars_and_the_closest_daily_life(new_page, shipped,
                                                                                         lang):
    """What am I, and how sure is that: at 360×740, before any scrolling."""
    app, base = shipped
    page = new_page(js=True, locale="ko-KR" if lang == "ko" else "en-GB")
    assert page.viewport_size == {"width": 360, "height": 740}
    for kind, result in results_by_kind(app, "know-yourself", lang).items():
        page.goto(f"{base}/r/{result['token']}?lang={lang}")
        boxes = page.evaluate(IN_VIEW, ["h1", ".summary-card .bars .bar-row", ".summary-card .closest",
                                        ".summary-card .stability"])
        assert [b[0] for b in boxes].count(".summary-card .bars .bar-row") == len(result["scores"])
        assert ".summary-card .closest" in [b[0] for b in boxes]
        assert all(b[3] for b in boxes), (kind, boxes)
        keep = os.environ.get("QUIZ_SCREENSHOTS")
        if keep:
            os.makedirs(keep, exist_ok=True)
            page.screenshot(path=os.path.join(keep, f"result-{kind}-{lang}-first-screen-360.png"))
            page.set_viewport_size({"width": 1280, "height": 800})
            page.screenshot(path=os.path.join(keep, f"result-{kind}-{lang}-1280.png"), full_page=True)
            page.set_viewport_size({"width": 360, "height": 740})
        if kind == "reluctant":  # the reality check is one line in the card, not a box above the bars
            line = page.locator(".summary-card .reality-line a")
            assert line.get_attribute("href") == "#reality-title"
            line.click()
            assert page.evaluate("() => document.querySelector('#reality-title').getBoundingClientRect().top") < 100


def test_other_paths_are_folded_and_open_without_javascript(new_page, live_app, live_server):
    result = submit(live_app)  # researcher, not a hybrid: engineer and ops are the other paths
    assert not result["hybrid"]
    page = new_page(js=False)
    page.goto(f"{live_server}/r/{result['token']}?lang=en")
    folded = page.locator("details.other-path")
    assert folded.count() == 2
    reason = folded.first.locator(".reasons, .none").first
    assert not reason.is_visible()
    folded.first.locator("summary").click()
    assert reason.is_visible()
    # The jump list leads to each section.
    jump = page.get_by_role("navigation", name="On this page")
    jump.get_by_role("link", name="Why this result").click()
    assert page.url.endswith("#why-title")
    assert page.evaluate("() => document.querySelector('#why-title').getBoundingClientRect().top") < 100
