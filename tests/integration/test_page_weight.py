"""Page weight: every quiz page, in every language, is at most 30 KB of HTML + CSS, and its
markup loads nothing from another origin. The same is checked in Chromium, request by request,
in tests/e2e/test_browser_quiz.py (which has the browser fixtures)."""
from __future__ import annotations

import re

import pytest

from tests.integration.test_take import Tags, Taker, csrf, text

BUDGET = 30 * 1024  # bytes of HTML + CSS per quiz page, uncompressed


def _pages(client, bank_id: str, lang: str):
    """(name, html bytes) of every page a taker of `bank_id` meets: start, each question page
    fresh and with every error showing, review and its error state."""
    taker = Taker(client, bank=bank_id, lang=lang)
    yield "start", client.get(f"/quiz/{bank_id}?lang={lang}").data
    taker.start()
    number = 1
    while True:
        r = taker.get(number)
        if r.status_code == 404:
            break
        assert r.status_code == 200
        yield f"page {number}", r.data
        # the heaviest form of the page: every question carrying an error message
        errors = taker.post(number, {}, token=csrf(text(r)))
        assert errors.status_code in (200, 303)
        if errors.status_code == 200:
            yield f"page {number} with errors", errors.data
        number += 1
    yield "review", taker.get("review").data
    yield "review with errors", taker.submit().data


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_quiz_page_fits_the_budget(shipped_app, app, lang):
    for served in (shipped_app, app):  # the shipped banks and the tiny fixture bank
        client = served.test_client()
        css = len(client.get("/static/style.css").data)
        from quiz.web.banks import registry
        with served.app_context():
            bank_ids = [b.id for b in registry()]
        assert bank_ids
        for bank_id in bank_ids:
            for name, html in _pages(client, bank_id, lang):
                assert len(html) + css <= BUDGET, f"{bank_id} {lang} {name}: {len(html)} B HTML + {css} B CSS"


def test_pages_link_only_to_our_own_origin(shipped_app):
    """Nothing in the markup points elsewhere: no <link>, <script> or <img> with a host."""
    client = shipped_app.test_client()
    from quiz.web.banks import registry
    with shipped_app.app_context():
        bank_id = next(iter(registry())).id
    for _name, html in _pages(client, bank_id, "ko"):
        for tag, attrs in Tags(html.decode()).tags:
            for attr in ("src", "href", "action"):
                value = attrs.get(attr) or ""
                if tag in ("link", "script", "img", "form", "iframe", "source"):
                    assert not re.match(r"^(https?:)?//", value), f"<{tag} {attr}={value}>"
