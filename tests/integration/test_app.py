"""The factory, the start page and the health check."""


def test_start_page_lists_the_bank(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Tiny bank" in r.get_data(as_text=True)


def test_start_page_speaks_korean_on_request(client):
    body = client.get("/?lang=ko").get_data(as_text=True)
    assert "작은 문항집" in body
    assert '<html lang="ko">' in body


def test_healthz_answers_when_the_database_does(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.is_json and r.get_json()["error"]["code"] == "not_found"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    import pytest

    from quiz.config import ConfigError, from_environment
    with pytest.raises(ConfigError):
        from_environment(str(tmp_path), {"QUIZ_ENV": "production"})


def test_healthz_is_503_on_a_database_that_was_never_migrated(tmp_path):
    """An instance started before `db upgrade` must not look healthy: it would fail every submission."""
    from quiz import create_app
    from tests.conftest import TINY_BANK
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/fresh.sqlite3",
                      "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "x"})
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json()["error"]["code"] == "schema_missing"
    assert "db upgrade" in r.get_json()["error"]["message"]


def test_healthz_is_503_when_the_schema_is_behind_the_code(app):
    import sqlalchemy as sa

    from quiz.extensions import db
    with app.app_context():
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "schema_out_of_date"


def test_a_submission_to_an_unmigrated_database_is_503_json_not_500(tmp_path):
    from quiz import create_app
    from tests.conftest import TINY_BANK
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/fresh.sqlite3",
                      "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "x", "QUIZ_RATE_LIMIT": "1000/second"})
    answers = {"fundamentals": 4, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
    r = app.test_client().post("/api/results", json={"bank": "tiny", "answers": answers})
    assert r.status_code == 503
    assert r.get_json()["error"]["code"] == "database_unavailable"
    assert r.headers["Retry-After"]


def test_deeply_nested_json_is_a_400_not_a_crash(client):
    body = '{"bank": "tiny", "answers": ' + "[" * 5000 + "]" * 5000 + "}"
    r = client.post("/api/results", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "bad_request"


def test_a_submission_while_the_database_is_down_is_503_and_retryable(tmp_path):
    import socket

    from quiz import create_app
    from tests.conftest import TINY_BANK
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app({"TESTING": True, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "x", "QUIZ_RATE_LIMIT": "1000/second",
                      "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"})
    answers = {"fundamentals": 4, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
    r = app.test_client().post("/api/results", json={"bank": "tiny", "answers": answers})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "database_unavailable"
    page = app.test_client().get("/quiz/tiny")
    assert page.status_code in (200, 503)  # the start page needs no database; never a 500
