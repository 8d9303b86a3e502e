"""Sharing a result, in real headless Chromium (issue 13): the link to copy (a Copy button with
JavaScript, a plain selectable link without), the Web Share API where the browser has it, the card
as a thumbnail to download, the private delete link folded away from the share block, and the
stranger's run: a shared link opened in a fresh browser, the quiz taken from it, a compare page
with both results at the end. Then axe-core on every results page type, in English and Korean,
light and dark.

With QUIZ_SCREENSHOTS=<folder>, the pages are also photographed at 360×740 and 1280×800.
"""
from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import SHIPPED_BANKS, make_app
from tests.e2e.conftest import PHONE
from tests.e2e.test_browser_results import ANSWERS, overflow, submit

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def take_the_quiz(page) -> None:
    """From a quiz page to the submitted result: the first choice of every question, Next until
    the review, then Submit (found by their place in the form, not their words)."""
    page.wait_for_url(re.compile(r"/quiz/[^/]+/[^/]+/1"))
    while "/review" not in page.url:
        for fieldset in page.locator("fieldset.question").all():
            fieldset.locator("label").first.click()
        before = page.url
        page.locator("form#answers button[value=next]").click()
        page.wait_for_load_state()
        assert page.url != before, page.locator("main").inner_text()
    page.locator("main form button.primary").click()
    page.wait_for_load_state()


def own_result(new_page, base: str, js: bool = True):
    """A result taken in the browser, so the browser holds its delete key: (page, token)."""
    page = new_page(js=js)
    page.goto(f"{base}/quiz/tiny?lang=en")
    page.locator("main form button").last.click()
    take_the_quiz(page)
    match = re.search(r"/r/([A-Za-z0-9_-]+)$", urlsplit(page.url).path)
    assert match, page.url
    return page, match.group(1)


def shot(page, name: str) -> None:
    folder = os.environ.get("QUIZ_SCREENSHOTS")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(folder, f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(PHONE)


# -- the link: Copy with JavaScript, a plain link without -------------------------------------

def test_copy_puts_the_share_link_on_the_clipboard_and_says_so(new_page, live_app, live_server):
    result = submit(live_app)
    page = new_page(js=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(f"{live_server}/r/{result['token']}?lang=en")
    link = page.locator("#share-url")
    url = link.get_attribute("href")
    assert url.endswith(f"/r/{result['token']}?lang=en") and link.inner_text() == url
    copy = page.get_by_role("button", name="Copy link")
    assert copy.is_visible()
    copy.click()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    page.locator(".share-status").get_by_text("Link copied.").wait_for()
    assert page.locator(".share-status").get_attribute("role") == "status"
    assert overflow(page) <= 0


def test_without_javascript_the_link_is_plain_text_to_select(new_page, live_app, live_server):
    result = submit(live_app, lang="ko")
    page = new_page(js=False)
    page.goto(f"{live_server}/r/{result['token']}?lang=ko")
    # No button that would do nothing: Copy and Share need the script.
    assert page.get_by_role("button").count() == 0
    link = page.locator("#share-url")
    assert link.is_visible()
    url = link.inner_text()
    assert url.endswith(f"/r/{result['token']}?lang=ko")
    # The whole link shows on a phone (it wraps; no field cuts it off) and can be selected.
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert link.evaluate("e => getComputedStyle(e).userSelect") != "none"
    link.select_text()
    assert page.evaluate("() => String(window.getSelection())").strip() == url
    assert overflow(page) <= 0


def test_share_uses_the_web_share_api_where_the_browser_has_it(new_page, live_app, live_server):
    result = submit(live_app)
    plain = new_page(js=True)
    plain.goto(f"{live_server}/r/{result['token']}?lang=en")
    has_share = plain.evaluate("() => typeof navigator.share === 'function'")
    assert plain.get_by_role("button", name="Share…").is_visible() == has_share
    # A browser with the Web Share API (a phone): the button shares the link and the headline.
    phone = new_page(js=True)
    phone.add_init_script("navigator.share = (data) => { window.__shared = data; return Promise.resolve(); };")
    phone.goto(f"{live_server}/r/{result['token']}?lang=en")
    phone.get_by_role("button", name="Share…").click()
    shared = phone.evaluate("() => window.__shared")
    assert shared["url"] == phone.locator("#share-url").get_attribute("href")
    assert shared["title"].startswith("Researcher")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_card_is_shown_and_can_be_downloaded(new_page, live_app, live_server, js):
    result = submit(live_app)
    page = new_page(js=js, accept_downloads=True)
    page.goto(f"{live_server}/r/{result['token']}?lang=en")
    image = page.locator(".share-card img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.share-card img').complete")
    assert image.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [1200, 630]
    assert image.bounding_box()["width"] <= PHONE["width"]
    assert "Researcher" in image.get_attribute("alt")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the picture (PNG)").click()
    path = download.value.path()
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert download.value.suggested_filename.endswith(".png")


# -- the private delete link --------------------------------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_the_delete_link_is_folded_away_from_the_share_block_with_a_warning(new_page, live_server, js):
    page, token = own_result(new_page, live_server, js=js)
    keep = page.locator("a.keep-link")
    # Folded: a screenshot of the page (or of its share block) shows no key.
    assert not keep.is_visible()
    assert "key=" not in page.locator("section.share").inner_html()
    disclosure = page.locator("details.owner")
    assert page.evaluate("""() => { const share = document.querySelector('section.share'),
        owner = document.querySelector('details.owner');
        return !share.contains(owner) && !!(share.compareDocumentPosition(owner) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
    disclosure.locator("summary").get_by_text("Keep a private delete link").click()
    assert keep.is_visible()
    assert "a lost link can't be recovered" in disclosure.inner_text()
    assert keep.inner_text() == f"{live_server}/r/{token}/delete?key=" + parse_qs(
        urlsplit(keep.get_attribute("href")).query)["key"][0]
    shot(page, f"result-owner-open-{'js' if js else 'nojs'}")
    keep.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Delete this result?").is_visible()


def test_a_strangers_page_after_the_owners_shows_nothing_of_the_owners(new_page, live_server):
    page, token = own_result(new_page, live_server)
    assert page.get_by_text("Keep a private delete link").is_visible()
    # Twice in a fresh browser: the page rendered for it, then the one the page cache serves.
    for _ in range(2):
        stranger = new_page(js=True)
        response = stranger.goto(f"{live_server}/r/{token}?lang=en")
        assert response.headers["cache-control"] == "public, no-cache"
        html = stranger.content()
        assert "key=" not in html and f"/r/{token}/delete" not in html and "Delete my result" not in html
        assert stranger.locator("details.owner").count() == 0
        assert stranger.get_by_role("link", name="Take it and compare with this result").is_visible()
    # And the owner, after the stranger filled the cache, still gets their own page.
    page.reload()
    assert page.get_by_text("Keep a private delete link").is_visible()
    assert page.get_by_role("link", name="Take it and compare with this result").count() == 0


# -- the stranger's run -------------------------------------------------------------------------

@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_stranger_takes_the_quiz_from_a_shared_link_and_lands_on_a_comparison(new_page, live_app,
                                                                                 live_server, js):
    shared = submit(live_app, answers=dict(ANSWERS, **{"first-week": "fix-pipeline", "tools": ["kubeflow"]}))
    stranger = new_page(js=js)
    stranger.goto(f"{live_server}/r/{shared['token']}?lang=en")
    assert stranger.get_by_role("link", name=re.compile(r"^Take the quiz \(\d+ min\)$")).is_visible()
    stranger.get_by_role("link", name="Take it and compare with this result").click()
    stranger.wait_for_load_state()
    assert "When you finish, your result will be shown next to the one that was shared with you." in \
        stranger.locator("main").inner_text()
    stranger.locator("main form button").last.click()  # Start
    take_the_quiz(stranger)
    assert urlsplit(stranger.url).path == "/compare"
    compared = parse_qs(urlsplit(stranger.url).query)["r"]
    assert len(compared) == 2 and compared[0] == shared["token"] and compared[1] != shared["token"]
    # Both results, side by side: a bar per path per person, the stranger's named "You".
    assert stranger.locator("svg.bar").count() == 3 * 2
    assert stranger.locator(".people li").count() == 2
    assert stranger.locator(".people li").nth(1).get_by_role("link", name="You").is_visible()
    # Only tokens travel: nothing of either answer set is in the address or on the page.
    assert "answers" not in stranger.url and "Read papers" not in stranger.locator("main").inner_text()
    # The stranger's own result is theirs: its page offers them the delete link.
    stranger.locator(".people li").nth(1).get_by_role("link", name="You").click()
    stranger.wait_for_load_state()
    assert stranger.get_by_text("Keep a private delete link").is_visible()


def test_a_plain_start_after_an_invitation_is_not_compared(new_page, live_app, live_server):
    shared = submit(live_app)
    page = new_page(js=False)
    page.goto(f"{live_server}/quiz/tiny?compare={shared['token']}&lang=en")
    page.goto(f"{live_server}/quiz/tiny?lang=en")  # "Take the quiz", not "… and compare"
    assert "shared with you" not in page.locator("main").inner_text()
    page.locator("main form button").last.click()
    take_the_quiz(page)
    assert re.search(r"^/r/[A-Za-z0-9_-]+$", urlsplit(page.url).path)


def test_an_invitation_naming_no_result_is_ignored(new_page, live_app, live_server):
    page = new_page(js=False)
    response = page.goto(f"{live_server}/quiz/tiny?compare=%3Cscript%3E&lang=en")
    assert response.status == 200
    assert "shared with you" not in page.locator("main").inner_text()


# -- axe-core on the results pages --------------------------------------------------------------

@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_owners_page_with_the_delete_link_open_passes_axe_in_both_schemes(new_page, serve, tmp_path, axe, lang):
    # The strangers' results pages, compare, delete and deleted are walked by
    # tests/e2e/test_browser_a11y.py; this is the one state only the owner reaches: the private
    # delete link's disclosure open.
    app = make_app(tmp_path, banks=SHIPPED_BANKS)
    base = serve(app)
    page = new_page(js=True, locale="ko-KR" if lang == "ko" else "en-GB")
    page.goto(f"{base}/quiz/know-yourself?lang={lang}")
    page.locator("main form button").last.click()
    take_the_quiz(page)
    page.locator("details.owner summary").click()
    found: dict[str, str] = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        report = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                        "resultTypes": ["violations"]})
        if report.violations_count:
            found[f"result-own ({lang}, {scheme})"] = report.generate_report()
        shot(page, f"result-own-{lang}-{scheme}")
    assert not found, "\n\n".join(f"== {where}\n{report}" for where, report in found.items())
