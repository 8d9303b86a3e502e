"""Security findings of issue 12 that the web layer answers, one test (or a few) per finding:

5   deleting a result deletes the draft it came from (answers and result token), atomically
8   every page that carries a draft token or answers says Cache-Control: no-store
9   the language links of any page (a 404 for "/\\evil.example/x" included) stay on this site
10  production refuses to start without QUIZ_BASE_URL; with it, the Host header chooses no link
11  a submission_id with a trailing newline is refused (422)
13  the Content-Security-Policy names every source, allows nothing inline, and pages still need nothing more
14  POST /api/results takes application/json only (415 otherwise), and a refused body costs no limit

Finding 15 (setuptools in the virtualenv) is tests/unit/test_security_config.py, with finding 10's
configuration rules.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, TINY_BANK, close_app, make_app
from tests.integration.test_take import PAGE1, PAGE2, Tags, Taker, csrf, path_of, text

ANSWERS = {"fundamentals": 4, "first-week": "ship-feature", "tools": ["pytorch"], "process-work": 2}


def api_post(client, body: dict, **kwargs):
    return client.post("/api/results", json=body, **kwargs)


def finished_taker(client) -> tuple[Taker, str]:
    """A taker who ran the whole quiz: (the taker, its result token)."""
    taker = Taker(client)
    taker.start()
    assert taker.post(1, PAGE1).status_code == 303
    assert taker.post(2, PAGE2).status_code == 303
    r = taker.submit()
    assert r.status_code == 303
    return taker, path_of(r.headers["Location"])[len("/r/"):]


def owner_key(client, token: str) -> str:
    """The delete key this browser holds, as the taker gets it: from the link on their result page."""
    found = re.search(rf'href="/r/{token}/delete\?key=([\w-]+)"', text(client.get(f"/r/{token}")))
    assert found, "the taker's own result page offers no delete link"
    return found.group(1)


def every_row(app) -> list[str]:
    """Every row of every table of ours, as text (JSON columns included)."""
    from quiz.extensions import db
    rows = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).mappings():
                rows.append(json.dumps({k: v for k, v in row.items()}, default=str, ensure_ascii=False))
        db.session.rollback()
    return rows


def count(app, model, **where) -> int:
    from quiz.extensions import db
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        n = db.session.execute(stmt).scalar_one()
        db.session.rollback()
        return n


# -- 5: a delete leaves nothing of the taker's answers behind ---------------------------------------

def _delete_through_the_page(client, token: str) -> None:
    key = owner_key(client, token)
    page = text(client.get(f"/r/{token}/delete?key={key}"))
    # The page has more than one form (delete, take it again); each carries the session's token.
    token_field = Tags(page).find("input", name="csrf_token")[0]["value"]
    r = client.post(f"/r/{token}/delete", data={"key": key, "csrf_token": token_field})
    assert r.status_code == 303 and r.headers["Location"].endswith("/r/deleted")


def test_finding_5_deleting_a_result_deletes_its_draft_and_every_copy_of_the_answers(app, client):
    from quiz.store.models import Draft, Result
    taker, token = finished_taker(client)
    draft = taker.token
    # Before: the draft holds the answers and points at the result; /resume leads there.
    assert count(app, Draft, token=draft, result_token=token) == 1
    r = client.get(f"/resume/{draft}")
    assert r.status_code == 303 and path_of(r.headers["Location"]) == f"/r/{token}"

    _delete_through_the_page(client, token)

    assert count(app, Result, token=token) == 0
    assert count(app, Draft, token=draft) == 0
    leftovers = [row for row in every_row(app) if token in row or draft in row]
    assert leftovers == [], "a deleted result left rows naming it or its draft"
    # The taker's answers are nowhere: no result row, no draft row (bank snapshots hold only the bank).
    assert count(app, Result) == 0 and count(app, Draft) == 0
    # "Continue later" no longer leads to the deleted result, nor do the quiz pages.
    r = client.get(f"/resume/{draft}")
    assert r.status_code == 404 and f"/r/{token}" not in text(r)
    for page in (taker.url(1), taker.url("review"), taker.url("saved")):
        r = client.get(page)
        assert r.status_code == 404 and f"/r/{token}" not in r.headers.get("Location", "")


def test_finding_5_deleting_through_the_api_deletes_the_draft_too(app, client):
    from quiz.store.models import Draft
    taker, token = finished_taker(client)
    key = owner_key(client, token)
    other, other_token = finished_taker(app.test_client())  # someone else's attempt stays
    assert client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key}).status_code == 204
    assert count(app, Draft, token=taker.token) == 0
    assert not [row for row in every_row(app) if token in row or taker.token in row]
    assert count(app, Draft, token=other.token, result_token=other_token) == 1
    assert client.get(f"/resume/{taker.token}").status_code == 404


def test_finding_5_a_draft_named_by_the_submission_id_goes_even_if_never_marked(app, client):
    """A draft whose token is the result's submission id (a result stored before drafts were
    marked in the same transaction) holds the same answers: it goes too."""
    from quiz.extensions import db
    from quiz.store.models import Draft
    taker, token = finished_taker(client)
    with app.app_context():
        db.session.execute(sa.update(Draft).where(Draft.token == taker.token).values(result_token=None))
        db.session.commit()
    _delete_through_the_page(client, token)
    assert count(app, Draft, token=taker.token) == 0


def test_finding_5_a_failure_deleting_the_draft_deletes_nothing(app, client, monkeypatch):
    """One transaction: when the draft cannot be deleted, the result stays too (and can be deleted again)."""
    from quiz.store import drafts
    from quiz.store.models import Draft, Result
    taker, token = finished_taker(client)
    key = owner_key(client, token)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the draft table is unavailable")
    monkeypatch.setattr(drafts, "delete_for_results", broken)  # what quiz.store.results.delete_results calls
    r = client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key})
    assert r.status_code == 500
    assert count(app, Result, token=token) == 1 and count(app, Draft, token=taker.token) == 1
    monkeypatch.undo()
    assert client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key}).status_code == 204
    assert count(app, Result, token=token) == 0 and count(app, Draft, token=taker.token) == 0


# -- 8: draft pages are never stored by a cache ----------------------------------------------------

def test_finding_8_every_page_with_a_draft_token_or_answers_is_no_store(client):
    taker = Taker(client)
    start = client.get("/quiz/tiny")
    assert start.headers["Cache-Control"] == "no-store"  # a CSRF token; later, the "continue" link
    begin = client.post("/quiz/tiny", data={"csrf_token": csrf(text(start))})
    assert begin.status_code == 303
    taker.page_url = path_of(begin.headers["Location"])
    responses = {"POST start (redirect naming the draft)": begin}
    assert taker.post(1, PAGE1).status_code == 303
    responses["page 1"] = taker.get(1)
    responses["page 2"] = taker.get(2)
    responses["POST page 2, re-shown with an error"] = taker.post(2, {"process-work": "9"})
    responses["POST page 1, redirect"] = taker.post(1, PAGE1)
    responses["save"] = taker.post(2, {"tools": ["pytorch"]}, action="save")
    responses["saved (the continue-later link)"] = client.get(path_of(responses["save"].headers["Location"]))
    responses["resume (redirect naming the draft)"] = client.get(f"/resume/{taker.token}")
    responses["start page with the continue link"] = client.get("/quiz/tiny")
    responses["home page (one bank: its start page)"] = client.get("/")
    assert taker.token in text(responses["start page with the continue link"])
    assert taker.token in text(responses["home page (one bank: its start page)"])
    assert taker.post(2, PAGE2).status_code == 303
    responses["review"] = taker.get("review")
    responses["POST review with an expired form token"] = taker.submit(token="expired")
    responses["submit (redirect)"] = taker.submit()
    for what, r in responses.items():
        assert r.status_code in (200, 302, 303), (what, r.status_code)
        assert r.headers.get("Cache-Control") == "no-store", what
    # The site icon is the same for everyone: it stays cacheable.
    assert "max-age" in client.get("/favicon.ico").headers["Cache-Control"]


def test_finding_8_gone_and_expired_drafts_are_no_store_too(client):
    r = client.get("/resume/" + "x" * 32)
    assert r.status_code == 404 and r.headers["Cache-Control"] == "no-store"


# -- 9: language links stay on this site -------------------------------------------------------------

HOSTILE_PATHS = ["/\\evil.example/x", "//evil.example/x", "/\\/evil.example/x", "/\t/evil.example/x",
                 "/%5Cevil.example/x", "///evil.example", "/\\\\evil.example"]


def _language_links(html: str) -> list[str]:
    return [a["href"] for a in Tags(html).find("a") if a.get("hreflang")]


def _as_a_browser_reads(href: str) -> str:
    """A browser reads "\\" as "/" in http(s) URLs and drops tabs and newlines (WHATWG URL)."""
    return re.sub(r"[\t\n\r]", "", href).replace("\\", "/")


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_finding_9_language_links_on_a_404_stay_on_this_site(client, path):
    r = client.get("/", environ_overrides={"PATH_INFO": path})
    assert r.status_code == 404
    links = _language_links(text(r))
    assert links, "the 404 page offers the other language"
    for href in links:
        assert href.startswith("/") and not href.startswith("//"), href
        assert "\\" not in href and not re.search(r"[\x00-\x20]", href), href
        absolute = urljoin("https://quiz.example.org/a/b", _as_a_browser_reads(href))
        assert urlsplit(absolute).netloc == "quiz.example.org", href
        assert "lang=" in href


def test_finding_9_ordinary_language_links_are_unchanged(client):
    assert set(_language_links(text(client.get("/quiz/tiny?lang=en")))) == {"/quiz/tiny?lang=ko"}
    links = _language_links(text(client.get("/compare?r=a%20b&lang=en")))
    assert set(links) == {"/compare?r=a+b&lang=ko"}
    # A path with characters that need escaping keeps them escaped, and still leads here.
    links = _language_links(text(client.get("/quiz/caf%C3%A9%3Fx?lang=en")))
    assert set(links) == {"/quiz/caf%C3%A9%3Fx?lang=ko"}


def test_finding_9_same_site_path(app):
    from quiz.web.links import same_site_path
    with app.test_request_context("/"):
        assert same_site_path("/\\evil.example/x") == "/%5Cevil.example/x"
        assert same_site_path("//evil.example/x") == "/evil.example/x"
        assert same_site_path("/\t/evil.example") == "/%09/evil.example"
        assert same_site_path("") == "/"
        assert same_site_path("/r/abc_-1") == "/r/abc_-1"


# -- 10: production needs QUIZ_BASE_URL; with it, the Host header sets no link ------------------------

def _production_env(monkeypatch, **extra: str) -> None:
    monkeypatch.setenv("QUIZ_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.delenv("QUIZ_BASE_URL", raising=False)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def test_finding_10_production_without_a_base_url_refuses_to_start(monkeypatch, tmp_path):
    from quiz import create_app
    from quiz.config import ConfigError
    _production_env(monkeypatch)
    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3",
                    "QUIZ_BANKS": TINY_BANK})
    message = str(refused.value)
    assert "QUIZ_BASE_URL" in message and "\n" not in message


def test_finding_10_serving_in_production_without_a_base_url_stops_with_one_clear_line(tmp_path):
    env = dict(os.environ, QUIZ_ENV="production", QUIZ_BANKS=TINY_BANK, SECRET_KEY="s",
               DATABASE_URL=f"sqlite:///{tmp_path}/prod.sqlite3")
    env.pop("QUIZ_BASE_URL", None)
    r = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    assert "QUIZ_BASE_URL" in r.stderr and "Traceback" not in r.stderr
    assert len([line for line in r.stderr.splitlines() if "QUIZ_BASE_URL" in line]) == 1


@pytest.mark.db
def test_finding_10_with_a_base_url_every_absolute_link_uses_it_whatever_the_host(monkeypatch, tmp_path):
    base = "https://quiz.example.org"
    _production_env(monkeypatch, QUIZ_BASE_URL=base + "/")
    app = make_app(tmp_path)
    try:
        assert app.config["QUIZ_BASE_URL"] == base
        client = app.test_client()
        spoofed = "https://evil.example"  # the Host header (and scheme) a client chose

        created = api_post(client, {"bank": "tiny", "answers": ANSWERS}, base_url=spoofed)
        assert created.status_code == 201
        body = created.get_json()
        assert body["url"] == f"{base}/r/{body['token']}"
        assert client.get(f"/api/results/{body['token']}", base_url=spoofed).get_json()["url"] == body["url"]
        assert client.get("/api/openapi.json", base_url=spoofed).get_json()["servers"] == [{"url": base}]

        page = text(client.get(f"/r/{body['token']}", base_url=spoofed,
                               headers={"X-Forwarded-Host": "evil.example"}))
        tags = Tags(page)
        assert tags.one("link", rel="canonical")["href"].startswith(base + "/r/")
        assert tags.one("meta", property="og:url")["content"].startswith(base + "/r/")
        assert tags.one("meta", property="og:image")["content"].startswith(base + "/r/")
        assert "evil.example" not in page

        taker = Taker(client)
        start = client.get("/quiz/tiny", base_url=spoofed)
        begin = client.post("/quiz/tiny", data={"csrf_token": csrf(text(start))}, base_url=spoofed)
        assert begin.status_code == 303
        taker.page_url = path_of(begin.headers["Location"])
        saved = text(client.get(f"/quiz/tiny/{taker.token}/saved", base_url=spoofed))
        assert f"{base}/resume/{taker.token}" in saved and "evil.example" not in saved
    finally:
        close_app(app)


# -- 11: submission_id is matched whole ---------------------------------------------------------------

@pytest.mark.parametrize("bad", ["a" * 20 + "\n", "a" * 64 + "\n", "\n" + "a" * 20, "a" * 20 + "\r\n"])
def test_finding_11_a_submission_id_with_a_newline_is_refused(app, client, bad):
    from quiz.store.models import Result
    r = api_post(client, {"bank": "tiny", "answers": ANSWERS, "submission_id": bad})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "invalid_submission_id"
    assert count(app, Result) == 0


def test_finding_11_check_submission_id_uses_the_whole_string():
    from quiz.service import InvalidSubmissionId, check_submission_id
    assert check_submission_id("a" * 20) == "a" * 20
    with pytest.raises(InvalidSubmissionId):
        check_submission_id("a" * 20 + "\n")


# -- 13: the Content-Security-Policy ---------------------------------------------------------------

def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            assert words[0] not in out, f"{words[0]} given twice"
            out[words[0]] = words[1:]
    return out


def test_finding_13_the_policy_allows_only_what_is_named_and_nothing_inline(client):
    for path in ("/", "/quiz/tiny", "/api/banks", "/no-such-page"):
        csp = _csp(client.get(path))
        assert "unsafe-inline" not in client.get(path).headers["Content-Security-Policy"]
        assert "unsafe-eval" not in client.get(path).headers["Content-Security-Policy"]
        assert csp["default-src"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'", "data:"]
        assert csp["form-action"] == ["'self'"]
        assert csp["font-src"] == ["'self'"]
        # Nothing names another origin or a wildcard.
        assert not [s for sources in csp.values() for s in sources if s not in ("'self'", "'none'", "data:")]


INLINE = re.compile(r"""<style\b|\sstyle\s*=|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|javascript:""", re.I)


def test_finding_13_templates_carry_no_inline_style_or_script():
    found = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "templates")):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                for number, line in enumerate(fh, 1):
                    if INLINE.search(line):
                        found.append(f"{os.path.relpath(path, ROOT)}:{number}: {line.strip()}")
    assert found == [], "inline style or script would be blocked by the CSP:\n" + "\n".join(found)


def test_finding_13_rendered_pages_carry_no_inline_style_or_script(app, client):
    taker, token = finished_taker(client)
    other = Taker(app.test_client())
    other.start()
    pages = ["/", "/quiz/tiny", other.url(1), other.url(2), other.url("review"), other.url("saved"),
             f"/r/{token}", f"/r/{token}?lang=ko", f"/compare?r={token}", "/no-such-page", "/r/deleted"]
    for path in pages:
        r = (other.client if path.startswith("/quiz/tiny/") else client).get(path)
        assert r.status_code in (200, 404), path
        html = text(r)
        assert not INLINE.search(html), (path, INLINE.search(html).group(0))


# -- 14: POST /api/results takes application/json only -------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "application/jsonx", None])
def test_finding_14_a_body_that_is_not_application_json_is_a_415(app, client, content_type):
    from quiz.store.models import Result
    body = json.dumps({"bank": "tiny", "answers": ANSWERS})
    kwargs = {"content_type": content_type} if content_type else {}
    r = client.post("/api/results", data=body, **kwargs)
    assert r.status_code == 415 and r.is_json
    assert r.get_json()["error"]["code"] == "unsupported_media_type"
    assert "application/json" in r.get_json()["error"]["message"]
    assert count(app, Result) == 0


def test_finding_14_application_json_with_a_charset_is_accepted(client):
    body = json.dumps({"bank": "tiny", "answers": ANSWERS})
    r = client.post("/api/results", data=body, content_type="application/json; charset=utf-8")
    assert r.status_code == 201


@pytest.mark.db
def test_finding_14_refused_bodies_do_not_use_up_the_submission_limit(new_app):
    app = new_app(QUIZ_RATE_LIMIT="2/hour")
    client = app.test_client()
    body = json.dumps({"bank": "tiny", "answers": ANSWERS})
    for _ in range(5):  # what a hostile page could make its visitors' browsers send
        assert client.post("/api/results", data=body, content_type="text/plain").status_code == 415
    assert [api_post(client, {"bank": "tiny", "answers": ANSWERS}).status_code for _ in range(3)] == [201, 201, 429]
