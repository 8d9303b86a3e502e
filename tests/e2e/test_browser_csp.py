"""The Content-Security-Policy (issue 12, finding 13: default-src 'none', nothing inline) in a real
Chromium: every kind of page loads its CSS, script and images with no violation reported, and the
styles really apply. The header itself is tested in tests/integration/test_security_web.py."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 1}
REPORT = """() => { window.__violations = [];
  document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)); }"""


def test_no_page_breaks_the_content_security_policy(live_app, live_server, new_page):
    r = live_app.test_client().post("/api/results", json={"bank": "tiny", "answers": ANSWERS})
    assert r.status_code == 201
    result = r.get_json()
    page = new_page(js=True)
    page.add_init_script(f"({REPORT})()")
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in ("error", "warning") else None)

    def visit(url: str) -> None:
        response = page.goto(url)
        assert response is not None and response.status in (200, 404), (url, response and response.status)
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert page.evaluate("() => window.__violations") == [], url
        # The stylesheet applied: the body's margin comes from style.css, not the browser's 8px.
        assert page.evaluate("() => getComputedStyle(document.body).margin") != "8px", url

    visit(f"{live_server}/?lang=en")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/quiz/tiny/*/1")
    quiz_page = page.url
    visit(quiz_page)
    page.locator("input[name=fundamentals][value='4']").check()
    assert page.evaluate("() => window.__violations") == []
    visit(quiz_page.rsplit("/", 1)[0] + "/review")
    visit(quiz_page.rsplit("/", 1)[0] + "/saved")
    visit(f"{live_server}/r/{result['token']}")
    visit(f"{live_server}/r/{result['token']}?lang=ko")
    visit(f"{live_server}/r/{result['token']}/delete?key={result['delete_key']}")
    visit(f"{live_server}/compare?r={result['token']}&r={result['token']}x")
    visit(f"{live_server}/author")
    visit(f"{live_server}/no-such-page")
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
