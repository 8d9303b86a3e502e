"""Secrets stay out of the access log (issue 12, finding 6 and 7): a delete key in
`GET /r/<token>/delete?key=…` and an author key tried as `/author?key=…` are written as
"[redacted]" by gunicorn.conf.py's logger, checked on real gunicorn log lines."""
from __future__ import annotations

import json
import runpy
import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bench.servers import Server, request
from tests.conftest import ROOT, TINY_BANK, make_app

pytestmark = pytest.mark.slow

TINY_ANSWERS = {"fundamentals": 4, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
CONF = runpy.run_path(f"{ROOT}/gunicorn.conf.py")


def _migrated_sqlite(tmp_path) -> str:
    from quiz.extensions import db
    app = make_app(tmp_path, database_url=f"sqlite:///{tmp_path}/quiz.sqlite3")
    with app.app_context():
        db.engine.dispose()
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _serve(tmp_path, log, *extra_args: str) -> Server:
    env = {"DATABASE_URL": _migrated_sqlite(tmp_path), "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "s",
           "QUIZ_RATE_LIMIT": "100000/minute", "ACCESS_LOG": str(log)}
    return Server("logged", env=env, workers=1, log_path=str(tmp_path / "gunicorn.out"), extra_args=extra_args)


def _create(port: int) -> tuple[str, str]:
    status, _, body = request(port, "POST", "/api/results", {"bank": "tiny", "answers": TINY_ANSWERS})
    assert status == 201, body
    created = json.loads(body)
    return created["token"], created["delete_key"]


def test_the_access_log_has_the_delete_request_but_not_its_key(tmp_path):
    log = tmp_path / "access.log"
    author_key = "author-" + secrets.token_urlsafe(16)
    with _serve(tmp_path, log) as server:
        token, key = _create(server.port)
        assert request(server.port, "GET", f"/r/{token}/delete?key={key}")[0] == 200
        # The same key percent-encoded in the name, after another parameter, and a wrong guess.
        assert request(server.port, "GET", f"/r/{token}/delete?lang=ko&%6Bey={key}")[0] == 200
        assert request(server.port, "GET", f"/r/{token}/delete?key={key}x")[0] == 403
        # /author may open, refuse the key or refuse a key in the URL: whatever it answers, the
        # attempt is logged without the key.
        request(server.port, "GET", f"/author?key={author_key}&lang=en")
        assert request(server.port, "DELETE", f"/api/results/{token}", headers={"X-Delete-Key": key})[0] == 204
    text = log.read_text()
    lines = text.splitlines()
    # The lines are there, with the path and the harmless parameters...
    assert sum(f'"GET /r/{token}/delete?key=[redacted] HTTP/1.1" 200' in line for line in lines) == 1, text
    assert sum(f'"GET /r/{token}/delete?lang=ko&%6Bey=[redacted] HTTP/1.1" 200' in line for line in lines) == 1
    assert sum(f'"GET /r/{token}/delete?key=[redacted] HTTP/1.1" 403' in line for line in lines) == 1
    assert sum('"GET /author?key=[redacted]&lang=en HTTP/1.1"' in line for line in lines) == 1
    assert sum(f'"DELETE /api/results/{token} HTTP/1.1" 204' in line for line in lines) == 1
    # ...but no secret, anywhere in the file.
    assert key not in text and author_key not in text


def test_no_atom_an_operator_can_log_carries_a_secret(tmp_path):
    """An operator's format naming the query, the referer, the raw environ and the secret headers
    (ACCESS_LOG's format is theirs to change) still logs no key."""
    log = tmp_path / "access.log"
    fmt = ('%(r)s|%(q)s|%(f)s|%({referer}i)s|%({x-delete-key}i)s|%({x-author-key}i)s|%({cookie}i)s|'
           '%({set-cookie}o)s|%({raw_uri}e)s|%({query_string}e)s|%({http_x_delete_key}e)s|%({http_cookie}e)s|%(U)s')
    author_key = "author-" + secrets.token_urlsafe(16)
    with _serve(tmp_path, log, "--access-logformat", fmt) as server:
        token, key = _create(server.port)
        referer = f"http://127.0.0.1:{server.port}/r/{token}/delete?key={key}"
        assert request(server.port, "GET", f"/r/{token}/delete?key={key}",
                       headers={"Referer": referer, "Cookie": f"session={key}"})[0] == 200
        request(server.port, "GET", f"/author?key={author_key}", headers={"X-Author-Key": author_key})
        assert request(server.port, "DELETE", f"/api/results/{token}", headers={"X-Delete-Key": key})[0] == 204
    text = log.read_text()
    line = next(line for line in text.splitlines() if line.startswith(f"GET /r/{token}/delete?"))
    redacted_uri = f"/r/{token}/delete?key=[redacted]"
    atoms = line.split("|")
    assert atoms[7] in ("-", "[redacted]")  # Set-Cookie, when the page sets one
    del atoms[7]
    assert atoms == [
        f"GET {redacted_uri} HTTP/1.1", "key=[redacted]", f"http://127.0.0.1:{server.port}{redacted_uri}",
        f"http://127.0.0.1:{server.port}{redacted_uri}", "-", "-", "[redacted]", redacted_uri,
        "key=[redacted]", "-", "[redacted]", f"/r/{token}/delete"], line
    assert sum(line.split("|")[4] == "[redacted]" and line.startswith("DELETE ") for line in text.splitlines()) == 1
    assert key not in text and author_key not in text


@pytest.mark.parametrize(("query", "logged"), [
    ("key=abc", "key=[redacted]"),
    ("lang=ko&key=abc&x=1", "lang=ko&key=[redacted]&x=1"),
    ("%6Bey=abc", "%6Bey=[redacted]"),
    ("KEY=abc;delete_key=def", "KEY=[redacted];delete_key=[redacted]"),
    ("author_key=a%20b&key=c=d", "author_key=[redacted]&key=[redacted]"),
    ("key", "key"),
    ("monkey=abc&keys=1", "monkey=abc&keys=1"),
    ("", ""),
])
def test_redact_query(query, logged):
    assert CONF["redact_query"](query) == logged


def test_the_logger_redacts_every_atom_that_can_hold_a_secret():
    from gunicorn.config import Config
    logger = CONF["RedactingLogger"](Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/author?key=s3cret", "QUERY_STRING": "key=s3cret",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/author", "HTTP_REFERER": "https://x/a?key=s3cret",
               "HTTP_X_DELETE_KEY": "s3cret", "HTTP_COOKIE": "session=s3cret"}
    req = SimpleNamespace(headers=[("X-DELETE-KEY", "s3cret"), ("REFERER", "https://x/a?key=s3cret"),
                                   ("COOKIE", "session=s3cret")])
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[("Set-Cookie", "session=s3cret")])
    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=3))
    leaked = {name: value for name, value in atoms.items() if "s3cret" in str(value)}
    assert leaked == {}
    assert atoms["r"] == "GET /author?key=[redacted] HTTP/1.1"
    assert atoms["U"] == "/author"
