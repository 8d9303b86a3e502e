"""A result's `archetypes`, `stability` and `what_would_change` through the API (CONTRACT §4):
computed once when the result is stored, read back as stored, and true of the real scorer."""
from __future__ import annotations

import random
import uuid

import sqlalchemy as sa

from quiz.engine.answers import validate_answers
from quiz.engine.scoring import outcome_key, score
from quiz.engine.simulate import random_answers
from tests.integration.test_api import ANSWERS, post


def _bank(app, bank_id: str):
    from quiz.web import banks
    with app.app_context():
        return banks.get(bank_id)


def check_body(bank, answers: dict, body: dict, lang: str = "en") -> None:
    """The three keys, as the contract shapes them and as the scorer bears them out."""
    # archetypes: every archetype of the bank, most similar first; archetype is the first
    ranked = body["archetypes"]
    assert sorted(a["id"] for a in ranked) == sorted(a.id for a in bank.archetypes)
    assert all(set(a) == {"id", "title", "similarity"} for a in ranked)
    assert [a["similarity"] for a in ranked] == sorted((a["similarity"] for a in ranked), reverse=True)
    assert ranked[0] == body["archetype"]
    assert all(a["title"] == bank.text(bank.archetype_by_id[a["id"]].title, lang) for a in ranked)

    assert isinstance(body["stability"], float) and 0.0 <= body["stability"] <= 1.0

    clean, errors = validate_answers(bank, answers)
    assert errors == []
    now = outcome_key(body)
    assert outcome_key(score(bank, clean)) == now
    sizes = [len(w["changes"]) for w in body["what_would_change"]]
    assert len(sizes) <= 3 and sizes == sorted(sizes) and all(1 <= n <= 3 for n in sizes)
    for w in body["what_would_change"]:
        assert set(w) == {"changes", "outcome"}
        assert set(w["outcome"]) == {"primary", "secondary", "hybrid", "balanced"}
        changed = dict(answers)
        for c in w["changes"]:
            assert set(c) == {"question", "from", "to"} and c["question"] in bank.question_by_id
            given = clean[c["question"]]
            assert c["from"] == (list(given) if isinstance(given, tuple) else given)
            changed[c["question"]] = c["to"]
        clean_changed, errors = validate_answers(bank, changed)
        assert errors == []
        assert outcome_key(score(bank, clean_changed)) == outcome_key(w["outcome"]) != now


def test_a_new_result_has_every_archetype_ranked_its_stability_and_what_would_change(app, client):
    r = post(client)
    assert r.status_code == 201
    created = r.get_json()
    bank = _bank(app, "tiny")
    check_body(bank, ANSWERS, created)
    # GET answers the same, and in another language only the titles change.
    read = client.get(f"/api/results/{created['token']}").get_json()
    for key in ("archetype", "archetypes", "stability", "what_would_change"):
        assert read[key] == created[key]
    korean = client.get(f"/api/results/{created['token']}?lang=ko").get_json()
    check_body(bank, ANSWERS, korean, lang="ko")
    assert [a["id"] for a in korean["archetypes"]] == [a["id"] for a in created["archetypes"]]
    assert korean["stability"] == created["stability"]


def test_a_near_tie_lists_changes_and_the_api_matches_the_scorer(app, client):
    bank = _bank(app, "tiny")
    # The nearest tie among many answer sets: one answer either way decides it.
    rnd = random.Random(5)
    answers = min(({k: list(v) if isinstance(v, tuple) else v for k, v in random_answers(bank, rnd).items()}
                   for _ in range(200)), key=lambda a: score(bank, validate_answers(bank, a)[0]).margin)
    body = post(client, answers=answers).get_json()
    assert body["hybrid"] is True and body["margin"] < 1
    assert body["what_would_change"] and len(body["what_would_change"][0]["changes"]) == 1
    check_body(bank, answers, body)


def test_they_are_stored_with_the_result_and_read_back_not_recomputed(app, client, monkeypatch):
    created = post(client).get_json()
    from quiz.engine import sensitivity
    from quiz.extensions import db
    from quiz.store import models
    with app.app_context():
        stored = db.session.execute(sa.select(models.Result.outcome).where(
            models.Result.token == created["token"])).scalar_one()
    assert stored["stability"] == created["stability"]
    assert stored["what_would_change"] == created["what_would_change"]

    def boom(*args, **kwargs):
        raise AssertionError("recomputed on a read")
    import quiz.engine as engine
    monkeypatch.setattr(engine, "analyse", boom)
    monkeypatch.setattr(sensitivity, "analyse", boom)
    monkeypatch.setattr(sensitivity, "what_would_change", boom)
    monkeypatch.setattr(sensitivity, "stability", boom)
    r = client.get(f"/api/results/{created['token']}")
    assert r.status_code == 200 and r.get_json()["stability"] == created["stability"]


def test_a_result_stored_before_them_answers_null_and_an_empty_list(app, client):
    created = post(client).get_json()
    from quiz.extensions import db
    from quiz.store import models
    with app.app_context():
        row = models.Result.__table__
        outcome = db.session.execute(sa.select(row.c.outcome).where(row.c.token == created["token"])).scalar_one()
        old = {k: v for k, v in outcome.items() if k not in ("stability", "what_would_change")}
        db.session.execute(sa.update(row).where(row.c.token == created["token"]).values(outcome=old))
        db.session.commit()
    body = client.get(f"/api/results/{created['token']}").get_json()
    assert body["stability"] is None and body["what_would_change"] == []
    assert body["archetypes"] == created["archetypes"]


def test_the_shipped_banks_through_the_api(shipped_app):
    client = shipped_app.test_client()
    from quiz.web import banks
    with shipped_app.app_context():
        served = list(banks.registry())
    rnd = random.Random(11)
    for bank in served:
        for _ in range(3):
            answers = {k: list(v) if isinstance(v, tuple) else v for k, v in random_answers(bank, rnd).items()}
            r = client.post("/api/results", json={"bank": bank.id, "answers": answers,
                                                  "submission_id": str(uuid.uuid4())})
            assert r.status_code == 201, r.get_data(as_text=True)
            check_body(bank, answers, r.get_json())


def test_a_failing_analysis_does_not_lose_the_result(app, client, monkeypatch):
    import quiz.engine as engine

    def boom(*args, **kwargs):
        raise RuntimeError("analysis bug")
    monkeypatch.setattr(engine, "analyse", boom)  # what the service calls
    r = post(client)
    assert r.status_code == 201
    body = r.get_json()
    assert body["stability"] is None and body["what_would_change"] == [] and body["primary"] == "researcher"
