"""Retention: `quiz purge` removes exactly the drafts and results that expired (QUIZ_DRAFT_DAYS,
QUIZ_RESULT_DAYS), nothing else; --dry-run changes nothing; a result that goes takes its draft,
its page and its share image with it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from quiz.extensions import db
from quiz.store import models
from tests.conftest import close_app, make_app

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
# Every test here runs on the database under test (PostgreSQL too, in make test's second pass).
pytestmark = pytest.mark.db
MARGIN = timedelta(minutes=10)  # either side of a cut-off, far from any clock drift in the run


def _submit(client) -> str:
    response = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": "en"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def _age_result(app, token: str, age: timedelta) -> None:
    with app.app_context():
        db.session.execute(sa.update(models.Result).where(models.Result.token == token)
                           .values(created_at=models.utcnow() - age))
        db.session.commit()


def _draft(token: str, age: timedelta, result_token: str | None = None) -> models.Draft:
    moment = models.utcnow() - age
    return models.Draft(token=token, bank_id="tiny", answers={"fundamentals": 3}, lang="en",
                        result_token=result_token, created_at=moment, updated_at=moment)


def _left(app) -> tuple[set[str], set[str]]:
    with app.app_context():
        drafts = set(db.session.execute(sa.select(models.Draft.token)).scalars())
        results = set(db.session.execute(sa.select(models.Result.token)).scalars())
        db.session.rollback()
    return drafts, results


@pytest.fixture
def retention_app(tmp_path):
    app = make_app(tmp_path, QUIZ_DRAFT_DAYS=3, QUIZ_RESULT_DAYS=30)
    yield app
    close_app(app)


def _populate(app) -> dict[str, str]:
    """Drafts and results on both sides of both cut-offs (3 days for drafts, 30 for results)."""
    client = app.test_client()
    tokens = {name: _submit(client) for name in ("new", "almost", "expired", "ancient")}
    _age_result(app, tokens["almost"], timedelta(days=30) - MARGIN)
    _age_result(app, tokens["expired"], timedelta(days=30) + MARGIN)
    _age_result(app, tokens["ancient"], timedelta(days=900))
    with app.app_context():
        db.session.add_all([
            _draft("draft-fresh", timedelta(hours=1)),
            _draft("draft-almost", timedelta(days=3) - MARGIN),
            _draft("draft-stale", timedelta(days=3) + MARGIN),
            _draft("draft-ancient", timedelta(days=400)),
            # submitted recently, from a result that has expired: goes with its result
            _draft("draft-of-expired", timedelta(hours=2), result_token=tokens["expired"]),
            # submitted long ago, from a result that is kept: an expired draft all the same
            _draft("draft-of-almost", timedelta(days=10), result_token=tokens["almost"]),
        ])
        db.session.commit()
    return tokens


def test_purge_removes_exactly_what_expired_and_nothing_else(retention_app):
    app = retention_app
    tokens = _populate(app)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["quiz", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert re.search(r"^3 expired drafts .* would be deleted; 2 results created before .* would be deleted$",
                     dry.output.strip()), dry.output
    before = _left(app)
    assert before == ({"draft-fresh", "draft-almost", "draft-stale", "draft-ancient", "draft-of-expired",
                       "draft-of-almost"}, set(tokens.values())), "the dry run changed something"

    real = runner.invoke(args=["quiz", "purge"])
    assert real.exit_code == 0, real.output
    assert re.search(r"^3 expired drafts .* deleted; 2 results created before .* deleted$", real.output.strip())
    drafts, results = _left(app)
    assert results == {tokens["new"], tokens["almost"]}
    assert drafts == {"draft-fresh", "draft-almost"}

    client = app.test_client()
    for name in ("expired", "ancient"):
        assert client.get(f"/r/{tokens[name]}").status_code == 404
        assert client.get(f"/api/results/{tokens[name]}").status_code == 404
    for name in ("new", "almost"):
        assert client.get(f"/r/{tokens[name]}").status_code == 200

    again = runner.invoke(args=["quiz", "purge"])
    assert again.output.startswith("0 expired drafts") and "; 0 results" in again.output


def test_without_quiz_result_days_results_are_kept_however_old(app, runner):
    client = app.test_client()
    token = _submit(client)
    _age_result(app, token, timedelta(days=5000))
    with app.app_context():
        db.session.add_all([_draft("kept", timedelta(days=7) - MARGIN), _draft("gone", timedelta(days=7) + MARGIN)])
        db.session.commit()
    out = runner.invoke(args=["quiz", "purge"])
    assert out.exit_code == 0, out.output
    assert "1 expired draft (" in out.output and "results are kept (QUIZ_RESULT_DAYS is not set)" in out.output
    assert _left(app) == ({"kept"}, {token})


def test_purge_removes_the_share_image_of_a_result_it_deletes(retention_app):
    app = retention_app
    client = app.test_client()
    token = _submit(client)
    assert client.get(f"/r/{token}.png").status_code == 200
    import os
    folder = app.config["QUIZ_PREVIEW_DIR"]
    assert any(token in name for name in os.listdir(folder))
    _age_result(app, token, timedelta(days=31))
    assert app.test_cli_runner().invoke(args=["quiz", "purge"]).exit_code == 0
    assert not any(token in name for name in os.listdir(folder))
    assert client.get(f"/r/{token}.png").status_code == 404


def test_each_server_process_purges_a_batch_after_a_write(retention_app):
    """No cron needed: after a submission's response, the process purges what expired."""
    app = retention_app
    client = app.test_client()
    old = _submit(client)
    _age_result(app, old, timedelta(days=31))
    with app.app_context():
        db.session.add(_draft("stale", timedelta(days=4)))
        db.session.commit()
    app.extensions["quiz_db"]["next_purge"] = 0  # as if the process had been up for a while
    response = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": "en"})
    new = response.get_json()["token"]
    response.close()  # the purge runs once the response has gone out
    assert _left(app) == (set(), {new})


def test_quiz_draft_days_sets_how_long_a_saved_quiz_lasts(tmp_path):
    app = make_app(tmp_path, QUIZ_DRAFT_DAYS=2)
    try:
        client = app.test_client()
        start = client.get("/quiz/tiny")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', start.get_data(as_text=True)).group(1)
        page = client.post("/quiz/tiny", data={"csrf_token": csrf})
        token = page.headers["Location"].split("/")[3]
        with app.app_context():
            db.session.execute(sa.update(models.Draft).where(models.Draft.token == token)
                               .values(updated_at=models.utcnow() - timedelta(days=2, minutes=1)))
            db.session.commit()
        assert client.get(f"/resume/{token}").status_code == 410
    finally:
        close_app(app)


@pytest.mark.parametrize("value", ["0", "-3", "seven", "1.5"])
def test_a_bad_retention_setting_is_one_clear_line(tmp_path, value):
    from quiz.config import ConfigError, from_environment
    with pytest.raises(ConfigError, match="QUIZ_RESULT_DAYS must be a whole number of days"):
        from_environment(str(tmp_path), {"QUIZ_RESULT_DAYS": value, "SECRET_KEY": "x"})


def test_purged_results_leave_the_percentile_counts(retention_app):
    """The purge deletes through the same store function as a taker's delete, so the aggregate
    behind the percentiles counts only the results that are still there."""
    app = retention_app
    client = app.test_client()
    kept = [_submit(client) for _ in range(2)]
    gone = [_submit(client) for _ in range(3)]
    for token in gone:
        _age_result(app, token, timedelta(days=31))

    def counted() -> int:
        with app.app_context():
            n = db.session.execute(sa.select(sa.func.sum(models.NormTotal.takers))).scalar()
            db.session.rollback()
        return int(n or 0)

    assert counted() == 5
    assert app.test_cli_runner().invoke(args=["quiz", "purge"]).exit_code == 0
    assert counted() == 2 == len(_left(app)[1] & set(kept))
