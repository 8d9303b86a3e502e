"""Issue 12: every stored result holds exactly the answers the taker last saw on the review page.

Two tabs of one browser: the first shows the review page; in the second the taker changes an answer
through the quiz pages; then the first tab's "Submit my answers" is pressed. Its form names the
answers it showed (a short hash), so the submit stores nothing and shows the review page again
with the answers as they now are, and a notice; submitting that page stores them."""
from __future__ import annotations

import pytest

from tests.integration.test_take import PAGE1, PAGE2, Tags, Taker, csrf, path_of, stored_results, text

pytestmark = pytest.mark.db


def review_form(html: str) -> dict[str, str]:
    """What the review page's form posts when its button is pressed: its hidden inputs."""
    return {a["name"]: a.get("value") or "" for a in Tags(html).find("input", type="hidden") if a.get("name")}


def _answered(client, lang: str | None = None) -> Taker:
    taker = Taker(client, lang=lang)
    taker.start()
    assert taker.post(1, PAGE1).status_code == 303
    assert taker.post(2, PAGE2).status_code == 303
    return taker


def test_a_submit_from_a_stale_review_tab_stores_nothing_and_shows_the_answers_now(app, client):
    taker = _answered(client)
    first_tab = text(taker.get("review"))
    assert "Ship a feature" in first_tab
    # The second tab: page 1 again, another answer to "first week", back to the review page.
    r = taker.post(1, {"fundamentals": "4", "first-week": "read-papers"}, _return="review")
    assert r.status_code == 303 and path_of(r.headers["Location"]) == taker.url("review")

    r = client.post(taker.url("review"), data=review_form(first_tab))
    page = text(r)
    assert r.status_code == 409, page
    assert stored_results(app) == []
    assert "Your answers changed in another tab. Check them and submit again." in page
    assert "Read papers" in page and "Ship a feature" not in page  # the answers as they now are

    # That page's own form submits what it shows.
    r = client.post(taker.url("review"), data=review_form(page))
    assert r.status_code == 303 and path_of(r.headers["Location"]).startswith("/r/")
    [result] = stored_results(app)
    assert result.answers["first-week"] == "read-papers"


def test_a_review_tab_whose_answers_did_not_change_submits_at_once(app, client):
    taker = _answered(client)
    first_tab = text(taker.get("review"))
    # Another tab opens page 1 and presses Next without changing anything.
    assert taker.post(1, PAGE1).status_code == 303
    r = client.post(taker.url("review"), data=review_form(first_tab))
    assert r.status_code == 303, text(r)
    [result] = stored_results(app)
    assert result.answers == {"fundamentals": 4, "first-week": "ship-feature",
                              "tools": ["pytorch", "fastapi"], "process-work": 5}


def test_the_stale_tab_notice_speaks_korean(app, client):
    taker = _answered(client, lang="ko")
    first_tab = text(taker.get("review"))
    assert taker.post(2, {"tools": ["kubeflow"], "process-work": "5"}).status_code == 303
    r = client.post(taker.url("review"), data=review_form(first_tab))
    assert r.status_code == 409
    assert "다른 탭에서 답변이 바뀌었어요" in text(r)
    assert stored_results(app) == []


def test_the_fingerprint_changes_with_every_answer_and_only_with_them(app, client):
    """The hidden field is the same for the same answers (a reload), different for any change."""
    taker = _answered(client)
    seen = review_form(text(taker.get("review")))["answers_seen"]
    assert review_form(text(taker.get("review")))["answers_seen"] == seen
    assert csrf(text(taker.get("review")))  # the form token is still there beside it
    fingerprints = {seen}
    for answers in ({"fundamentals": "5", "first-week": "ship-feature"},
                    {"fundamentals": "5", "first-week": "read-papers"}):
        assert taker.post(1, answers).status_code == 303
        fingerprints.add(review_form(text(taker.get("review")))["answers_seen"])
    assert taker.post(2, {"tools": ["pytorch"], "process-work": "5"}).status_code == 303
    fingerprints.add(review_form(text(taker.get("review")))["answers_seen"])
    assert len(fingerprints) == 4
