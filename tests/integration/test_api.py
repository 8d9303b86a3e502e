"""The JSON API (CONTRACT §4), through HTTP, on a real database file and the tiny fixture bank."""
from __future__ import annotations

import re
import threading
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import TINY_BANK

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
RESULT_KEYS = {"token", "url", "bank", "scores", "primary", "secondary", "hybrid", "balanced", "margin",
               "archetype", "archetypes", "stability", "what_would_change", "percentiles", "flags", "quality",
               "rules_fired", "contributions", "created_at"}


def post(client, answers=None, **body):
    payload = {"bank": "tiny", "answers": ANSWERS if answers is None else answers, "lang": "en"}
    payload.update(body)
    return client.post("/api/results", json=payload)


def count_results(app) -> int:
    from quiz.extensions import db
    from quiz.store.models import Result
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Result)).scalar_one()


# -- banks -------------------------------------------------------------------------------------

def test_banks_lists_each_bank_with_its_languages_and_size(client):
    r = client.get("/api/banks")
    assert r.status_code == 200
    assert r.get_json() == [{"id": "tiny", "version": 1, "title": "Tiny bank", "languages": ["en", "ko"],
                             "question_count": 4}]


def test_bank_is_shown_as_a_taker_sees_it_in_korean_without_scoring(client):
    r = client.get("/api/banks/tiny?lang=ko")
    assert r.status_code == 200
    bank = r.get_json()
    assert bank["title"] == "작은 문항집"
    assert [s["id"] for s in bank["sections"]] == ["one", "two"]
    assert bank["sections"][0]["title"] == "1단계"
    questions = {q["id"]: q for s in bank["sections"] for q in s["questions"]}
    assert list(questions) == ["fundamentals", "first-week", "tools", "process-work"]
    assert questions["fundamentals"]["text"] == "기본기 공부가 좋다."
    assert questions["fundamentals"]["scale"] == {"min": 1, "max": 5, "labels": {"1": "전혀", "5": "매우"}}
    assert questions["first-week"]["options"][0] == {"id": "read-papers", "text": "논문 읽기"}
    assert all(q["required"] is True for q in questions.values())
    text = r.get_data(as_text=True)
    assert "weights" not in text and "points" not in text and "rules" not in text


def test_bank_language_follows_accept_language_when_not_asked(client):
    r = client.get("/api/banks/tiny", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert r.get_json()["title"] == "작은 문항집"
    assert client.get("/api/banks/tiny").get_json()["title"] == "Tiny bank"


def test_unknown_bank_is_a_json_404(client):
    for r in (client.get("/api/banks/nope"), post(client, bank="nope")):
        assert r.status_code == 404
        assert r.get_json()["error"]["code"] == "unknown_bank"


# -- creating results --------------------------------------------------------------------------

def test_submitting_answers_stores_a_result_and_answers_201_with_the_contract_shape(app, client):
    r = post(client)
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert RESULT_KEYS | {"delete_key"} == set(body)
    assert body["url"] == f"http://localhost/r/{body['token']}"
    assert r.headers["Location"] == f"/api/results/{body['token']}"
    from quiz.web import banks
    with app.app_context():
        bank = banks.get("tiny")
        assert body["bank"] == {"id": "tiny", "version": 1, "hash": bank.content_hash}
    assert list(body["scores"]) == ["researcher", "engineer", "ops"]  # the bank's path order
    assert body["primary"] == "researcher"
    assert all(0 <= s <= 100 for s in body["scores"].values())
    assert body["archetype"]["id"] == "lee" and body["archetype"]["title"] == "Lee: deep research"
    assert 0 <= body["archetype"]["similarity"] <= 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])
    assert {"question": "fundamentals", "path": "researcher", "points": 4.0} in body["contributions"]
    assert "Set-Cookie" not in r.headers
    assert count_results(app) == 1


def test_result_texts_follow_the_submitted_language(client):
    body = post(client, lang="ko").get_json()
    assert body["archetype"]["title"] == "이○○: 깊은 연구"


def test_same_submission_id_returns_the_same_result_and_stores_it_once(app, client):
    sid = str(uuid.uuid4())
    first = post(client, submission_id=sid)
    again = post(client, submission_id=sid)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["token"] == first.get_json()["token"]
    assert "delete_key" not in again.get_json()  # the key is given once only
    assert count_results(app) == 1
    other = post(client, submission_id=str(uuid.uuid4()))
    assert other.status_code == 201 and other.get_json()["token"] != first.get_json()["token"]
    assert count_results(app) == 2


def _race(app, n: int = 6) -> list[int]:
    """n clients POST the same submission at the same moment."""
    sid = str(uuid.uuid4())
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    tokens: set[str] = set()
    lock = threading.Lock()

    def one() -> None:
        client = app.test_client()
        barrier.wait()
        r = post(client, submission_id=sid)
        with lock:
            statuses.append(r.status_code)
            if r.is_json and "token" in r.get_json():
                tokens.add(r.get_json()["token"])

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(tokens) == 1, (statuses, tokens)
    return sorted(statuses)


def test_concurrent_retries_with_one_submission_id_store_one_result(app):
    assert _race(app) == [200] * 5 + [201]
    assert count_results(app) == 1


@pytest.mark.postgres
def test_concurrent_retries_store_one_result_on_postgresql(new_app, postgres_url):
    app = new_app(database_url=postgres_url)
    assert _race(app, 8) == [200] * 7 + [201]
    assert count_results(app) == 1


def test_invalid_answers_get_422_with_an_error_per_question_and_nothing_is_stored(app, client):
    r = post(client, answers={"fundamentals": 9, "first-week": "read-paper", "tools": ["pytorch"],
                              "colour": "blue"})
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"]["code"] == "invalid_answers"
    got = {(e["question"], e["code"]) for e in body["errors"]}
    assert got == {("fundamentals", "out_of_range"), ("first-week", "unknown_option"),
                   ("process-work", "missing"), ("colour", "unknown_question")}
    first_week = next(e for e in body["errors"] if e["question"] == "first-week")
    assert "did you mean 'read-papers'" in first_week["message"]
    assert count_results(app) == 0


@pytest.mark.parametrize("body, mentions", [
    (b"not json at all", "JSON object"),
    (b"[1, 2]", "JSON object"),
    (b'{"answers": {}}', "'bank'"),
    (b'{"bank": 7, "answers": {}}', "'bank'"),
    (b'{"bank": "tiny", "answers": [1]}', "'answers'"),
])
def test_malformed_bodies_get_a_json_400_saying_what_is_wrong(app, client, body, mentions):
    r = client.post("/api/results", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.is_json
    error = r.get_json()["error"]
    assert error["code"] == "bad_request" and mentions in error["message"]
    assert count_results(app) == 0


# -- submission ids ----------------------------------------------------------------------------

@pytest.mark.parametrize("sid", [5, "x", "guessable", "x" * 15, "x" * 65, "sixteen chars ok", "ünïcödé-1234567890",
                                 "a/b/c/d/e/f/g/h/i/j/k"])
def test_a_guessable_or_odd_submission_id_is_refused_with_422(app, client, sid):
    r = post(client, submission_id=sid)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "invalid_submission_id"
    assert "16 to 64 characters" in error["message"] and "UUID" in error["message"]
    assert count_results(app) == 0


@pytest.mark.parametrize("sid", [str(uuid.uuid4()), "A" * 16, "z" * 64, "draft_token-0123456789_ABCDEFGHIJ"])
def test_submission_ids_of_16_to_64_url_safe_characters_are_accepted(client, sid):
    assert post(client, submission_id=sid).status_code == 201
    assert post(client, submission_id=sid).status_code == 200


def test_another_guess_at_a_used_id_cannot_read_someone_elses_result(app, client):
    """Before: any id of 1+ characters was taken, and reusing one returned the stored result
    whatever the answers, so "x" fetched whoever used "x" first, delete key aside."""
    sid = str(uuid.uuid4())
    mine = post(client, submission_id=sid).get_json()
    theirs = post(app.test_client(), answers=dict(ANSWERS, fundamentals=1), submission_id=sid)
    assert theirs.status_code == 409
    assert theirs.get_json()["error"]["code"] == "submission_conflict"
    assert "different answers" in theirs.get_json()["error"]["message"]
    assert mine["token"] not in theirs.get_data(as_text=True)
    assert count_results(app) == 1


def test_the_same_submission_id_with_other_answers_or_another_bank_is_a_conflict(tmp_path, new_app):
    other = tmp_path / "other.yaml"
    other.write_text(open(TINY_BANK, encoding="utf-8").read().replace("id: tiny", "id: other"), encoding="utf-8")
    app = new_app(banks=f"{TINY_BANK}:{other}")
    client = app.test_client()
    sid = str(uuid.uuid4())
    both = dict(ANSWERS, tools=["pytorch", "kubeflow"])
    first = post(client, answers=both, submission_id=sid)
    assert first.status_code == 201
    # The same answers (a multi answer listed in another order is the same answer): 200.
    again = post(client, answers=dict(ANSWERS, tools=["kubeflow", "pytorch"]), submission_id=sid)
    assert again.status_code == 200 and again.get_json()["token"] == first.get_json()["token"]
    for changed in (dict(both, fundamentals=4), {k: v for k, v in both.items() if k != "tools"},
                    dict(both, fundamentals=99)):
        r = post(client, answers=changed, submission_id=sid)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "submission_conflict", r.get_json()
    r = post(client, answers=both, submission_id=sid, bank="other")
    assert r.status_code == 409
    assert "'tiny'" in r.get_json()["error"]["message"]
    assert count_results(app) == 1


# -- answers, languages, methods ------------------------------------------------------------------

def test_a_flood_of_unknown_answers_gets_one_short_422_before_any_key_is_checked(app, client):
    # Far more keys than the bank has questions: refused whole (issue 12), not checked key by key.
    flood = dict(ANSWERS, **{f"no-such-question-{i}": 1 for i in range(20_000)})
    r = post(client, answers=flood)
    assert r.status_code == 422
    body = r.get_json()
    assert [e["code"] for e in body["errors"]] == ["wrong_type"] and body["errors"][0]["question"] is None
    assert f"got {len(flood)} keys" in body["errors"][0]["message"] and "at most" in body["errors"][0]["message"]
    assert len(r.data) < 2_000  # was 1.8 MB
    assert count_results(app) == 0
    few = post(client, answers={"nope": 1}).get_json()
    assert "errors_truncated" not in few and len(few["errors"]) == 1 + 4  # 'nope' and 4 missing


@pytest.mark.parametrize("request_lang", [
    lambda c, token: c.get("/api/banks/tiny?lang=fr"),
    lambda c, token: c.get("/api/banks?lang=fr"),
    lambda c, token: c.get(f"/api/results/{token}?lang=fr"),
    lambda c, token: post(c, lang="fr"),
    lambda c, token: post(c, lang=7),
], ids=["bank", "banks", "result", "post", "post-not-a-string"])
def test_an_unsupported_language_is_a_400_everywhere_not_english_in_disguise(client, request_lang):
    token = post(client).get_json()["token"]
    r = request_lang(client, token)
    assert r.status_code == 400 and r.is_json
    body = r.get_json()
    assert body["error"]["code"] == "unsupported_language"
    assert "supported: en, ko" in body["error"]["message"]
    assert body["supported"] == ["en", "ko"]


def test_a_wrong_method_on_a_known_api_route_is_a_json_405_naming_the_allowed_ones(client):
    for method, path, allowed in (("PUT", "/api/results", {"POST"}), ("GET", "/api/results", {"POST"}),
                                  ("PATCH", "/api/results/abc", {"GET", "DELETE"}),
                                  ("POST", "/api/banks", {"GET"}), ("DELETE", "/api/openapi.json", {"GET"})):
        r = client.open(path, method=method)
        assert r.status_code == 405, (method, path)
        assert r.is_json and r.get_json()["error"]["code"] == "method_not_allowed"
        assert allowed <= {m.strip() for m in r.headers["Allow"].split(",")}, r.headers["Allow"]


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_the_api_root_is_a_json_404_not_a_redirect(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.is_json
    assert r.get_json()["error"]["code"] == "not_found"


def test_options_on_api_routes_is_an_empty_204_with_allow_never_html(client):
    r = client.open("/api/results", method="OPTIONS")
    assert r.status_code == 204 and r.data == b""
    assert "POST" in r.headers["Allow"] and "text/html" not in r.headers.get("Content-Type", "")
    r = client.open("/api/results/abc", method="OPTIONS")
    assert r.status_code == 204 and {"GET", "DELETE"} <= set(r.headers["Allow"].replace(" ", "").split(","))
    r = client.open("/api/nothing-here", method="OPTIONS")
    assert r.status_code == 404 and r.is_json


def test_post_with_a_form_content_type_is_refused_clearly(client):
    # CONTRACT §4: application/json only, else 415 (tests/integration/test_security_web.py, finding 14).
    r = client.post("/api/results", data="bank=tiny", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and r.is_json


def test_submissions_are_rate_limited_with_a_json_429(new_app):
    app = new_app(QUIZ_RATE_LIMIT="3/hour")
    client = app.test_client()
    statuses = [post(client, submission_id=str(uuid.uuid4())).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    r = post(client)
    assert r.status_code == 429 and r.is_json
    assert r.get_json()["error"]["code"] == "rate_limited"
    # Reading is not limited.
    assert client.get("/api/banks").status_code == 200


@pytest.mark.redis
def test_the_rate_limit_is_shared_by_processes_through_redis(new_app, redis_url):
    import redis
    redis.Redis.from_url(redis_url).flushdb()
    limit = "4/hour"
    # Two app instances on one database and one Redis: two processes of one deployment.
    one = new_app(shared=True, REDIS_URL=redis_url, QUIZ_RATE_LIMIT=limit)
    two = new_app(shared=True, REDIS_URL=redis_url, QUIZ_RATE_LIMIT=limit)
    statuses = [post(app.test_client(), submission_id=str(uuid.uuid4())).status_code
                for app in (one, two, one, two, one)]
    assert statuses == [201, 201, 201, 201, 429]
    redis.Redis.from_url(redis_url).flushdb()


# -- reading and deleting results --------------------------------------------------------------

def test_a_stored_result_reads_back_without_its_delete_key(client):
    created = post(client).get_json()
    r = client.get(f"/api/results/{created['token']}")
    assert r.status_code == 200
    body = r.get_json()
    assert "delete_key" not in body
    assert {k: v for k, v in created.items() if k != "delete_key"} == body
    assert r.headers["X-Robots-Tag"] == "noindex"
    assert "Set-Cookie" not in r.headers


def test_reading_a_result_in_another_language(client):
    token = post(client).get_json()["token"]
    assert client.get(f"/api/results/{token}?lang=ko").get_json()["archetype"]["title"] == "이○○: 깊은 연구"


def test_unknown_result_is_a_json_404(client):
    r = client.get("/api/results/no-such-token")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_result"
    r = client.delete("/api/results/no-such-token", headers={"X-Delete-Key": "x"})
    assert r.status_code == 404 and r.is_json


def test_delete_needs_the_right_key_then_the_result_is_gone_everywhere(app, client):
    created = post(client).get_json()
    token, key = created["token"], created["delete_key"]
    assert client.get(f"/r/{token}.png").status_code == 200  # a cached preview exists too
    for headers in ({}, {"X-Delete-Key": ""}, {"X-Delete-Key": "wrong"}, {"X-Delete-Key": key[:-1]}):
        r = client.delete(f"/api/results/{token}", headers=headers)
        assert r.status_code == 403 and r.get_json()["error"]["code"] == "wrong_delete_key"
    assert client.get(f"/api/results/{token}").status_code == 200
    r = client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key})
    assert r.status_code == 204 and r.data == b""
    assert [client.get(u).status_code for u in (f"/r/{token}", f"/r/{token}.png", f"/api/results/{token}")] \
        == [404, 404, 404]
    assert client.delete(f"/api/results/{token}", headers={"X-Delete-Key": key}).status_code == 404
    assert count_results(app) == 0


def test_the_delete_key_is_stored_only_as_a_hash(app, client):
    created = post(client).get_json()
    from quiz.extensions import db
    with app.app_context():
        row = db.session.execute(sa.text("SELECT * FROM result")).mappings().one()
    assert created["delete_key"] not in " ".join(str(v) for v in row.values())


# -- errors and the rest -----------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("GET", "/api/nothing"), ("POST", "/api/banks/tiny/extra"), ("DELETE", "/api/"), ("PUT", "/api/x/y"),
])
def test_every_unknown_api_route_is_a_json_404(client, method, path):
    r = client.open(path, method=method)
    assert r.status_code == 404
    assert r.is_json and r.get_json()["error"]["code"] == "not_found"


def test_api_needs_no_csrf_token_and_sets_no_cookie_even_when_a_language_is_asked(client):
    r = client.get("/api/banks?lang=ko")
    assert "Set-Cookie" not in r.headers
    r = post(client, lang="ko")
    assert r.status_code == 201 and "Set-Cookie" not in r.headers


def test_result_urls_honour_quiz_base_url(new_app):
    app = new_app(QUIZ_BASE_URL="https://quiz.example.org")
    client = app.test_client()
    body = post(client).get_json()
    assert body["url"] == f"https://quiz.example.org/r/{body['token']}"
