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
