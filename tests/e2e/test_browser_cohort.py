"""The pages of issue 15 in a real Chromium: the privacy page, a cohort's start page and its
instructor page load with no Content-Security-Policy violation (the bar charts are SVG attributes
and our stylesheet, never inline styles), and the charts really are drawn."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

REPORT = """() => { window.__violations = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)); }"""
ANSWER_SETS = [
    {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 1},
    {"fundamentals": 1, "first-week": "ship-feature", "tools": ["fastapi"], "process-work": 3},
    {"fundamentals": 1, "first-week": "fix-pipeline", "tools": ["kubeflow"], "process-work": 5},
]


def test_privacy_and_cohort_pages_keep_the_content_security_policy(live_app, live_server, new_page):
    out = live_app.test_cli_runner().invoke(args=["quiz", "cohort", "create", "Class A"])
    assert out.exit_code == 0, out.output
    instructor = re.search(r"^instructor page .*: (/c/\S+)$", out.output, re.M).group(1)
    # five results of the cohort, as its start link would record them
    from quiz import service
    from quiz.extensions import db
    from quiz.store import cohorts, drafts
    from quiz.web import banks
    with live_app.app_context():
        cohort = cohorts.by_slug("class-a")
        bank = banks.get("tiny")
        for i in range(5):
            draft = drafts.create("tiny", "en", cohort_id=cohort.id)
            service.submit(bank, ANSWER_SETS[i % 3], submission_id=draft.token, draft=draft)
        db.session.remove()

    page = new_page(js=True)
    page.add_init_script(f"({REPORT})()")
    for url in ("/privacy?lang=en", "/privacy?lang=ko", "/quiz/tiny?cohort=class-a", "/quiz/tiny?cohort=nope",
                instructor + "?lang=en", instructor + "?lang=ko"):
        response = page.goto(live_server + url)
        assert response is not None and response.status in (200, 404), (url, response and response.status)
        assert page.evaluate("() => window.__violations") == [], url
    # the bars are drawn, with the colours from cohort.css, and as long as their share
    bars = page.locator("svg.bars rect.bar")
    assert bars.count() >= 3
    assert page.evaluate("() => getComputedStyle(document.querySelector('svg.bars rect.bar-0')).fill") != "rgb(0, 0, 0)"
    widths = [float(w) for w in page.eval_on_selector_all("#paths-0-title ~ svg rect.bar, figure svg rect.bar",
                                                          "els => els.map(e => e.getBBox().width)")]
    assert any(w > 0 for w in widths)
    assert page.get_by_role("img", name=re.compile("1위 진로")).count() == 1
