"""A submission stores its bank's snapshot once per database; the result stays readable even when
the snapshot a process remembers storing has gone (a restored or replaced database)."""
from __future__ import annotations

import sqlalchemy as sa

from tests.integration.test_results import ANSWERS


def _submit(client) -> dict:
    r = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": "en"})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def _snapshots(app) -> int:
    from quiz.extensions import db
    with app.app_context():
        return db.session.execute(sa.text("SELECT count(*) FROM bank_snapshot")).scalar_one()


def test_many_submissions_keep_one_snapshot_and_every_result_reads_back(app, client):
    tokens = [_submit(client)["token"] for _ in range(3)]
    assert _snapshots(app) == 1
    for token in tokens:
        assert client.get(f"/api/results/{token}").status_code == 200
        assert "<h1>" in client.get(f"/r/{token}?lang=en").get_data(as_text=True)


def test_a_submission_after_the_snapshot_vanished_stores_it_again(app, client):
    first = _submit(client)
    from quiz.extensions import db
    with app.app_context():  # as if the database were restored from before the first submission
        db.session.execute(sa.text("DELETE FROM result"))
        db.session.execute(sa.text("DELETE FROM bank_snapshot"))
        db.session.commit()
    assert client.get(f"/api/results/{first['token']}").status_code == 404
    second = _submit(client)
    assert _snapshots(app) == 1
    page = client.get(f"/r/{second['token']}?lang=en")
    assert page.status_code == 200 and "<h1>Researcher</h1>" in page.get_data(as_text=True)
