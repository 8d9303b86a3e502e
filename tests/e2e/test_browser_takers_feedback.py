"""A retake and "does this fit you?" in a real browser, without JavaScript: from the delete link on
another device, "Take it again", the whole quiz, then the new result shows what changed and takes
a one-click answer (issue 15)."""
from __future__ import annotations

import os

from tests.e2e.test_browser_results import overflow, submit


def answer_the_tiny_quiz(page, fundamentals: str, first_week: str, tools: list[str], process_work: str) -> None:
    page.get_by_role("button", name="Start", exact=True).click()
    page.check(f'input[name="fundamentals"][value="{fundamentals}"]')
    page.check(f'input[name="first-week"][value="{first_week}"]')
    page.get_by_role("button", name="Next").click()
    for tool in tools:
        page.check(f'input[name="tools"][value="{tool}"]')
    page.check(f'input[name="process-work"][value="{process_work}"]')
    page.get_by_role("button", name="Check your answers").click()
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state()


def test_a_retake_from_the_delete_link_then_one_click_fit_without_javascript(new_page, live_app, live_server, tmp_path):
    first = submit(live_app)  # on another device: this browser has only the delete link
    page = new_page(js=False)
    page.goto(f"{live_server}/r/{first['token']}/delete?key={first['delete_key']}&lang=en")
    page.get_by_role("button", name="Take it again").click()
    answer_the_tiny_quiz(page, "1", "fix-pipeline", ["kubeflow"], "5")
    assert "/r/" in page.url and first["token"] not in page.url
    changed = page.locator("section.retake")
    assert changed.get_by_role("heading", name="What changed since last time").is_visible()
    assert changed.locator("table.retake-scores tbody tr").count() == len(first["scores"])
    assert changed.get_by_role("link", name="your earlier result").get_attribute("href") == f"/r/{first['token']}"
    assert overflow(page) <= 0

    page.get_by_role("button", name="Partly").click()
    page.wait_for_load_state()
    assert page.locator("#fit").inner_text().startswith("Does this result fit you?")
    assert "You answered: Partly." in page.locator("#fit").inner_text()
    assert page.get_by_role("button", name="Yes").count() == 0  # once per result
    shot = tmp_path / "retake-fit-360.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("KEEP_SCREENSHOTS")  # set to a folder to look at the pictures
    if keep:
        os.makedirs(keep, exist_ok=True)
        page.screenshot(path=os.path.join(keep, "retake-fit-360.png"), full_page=True)

    # Another browser, with no key: the same two pages without either part.
    stranger = new_page(js=False)
    stranger.goto(page.url.split("#")[0])
    assert stranger.locator("section.retake").count() == 0 and stranger.locator("#fit").count() == 0
