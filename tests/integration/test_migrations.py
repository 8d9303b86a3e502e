"""Migrations: one line of history, from an empty database to exactly the models' schema and back,
on SQLite and PostgreSQL, through the same `flask --app app db upgrade` an operator runs."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from quiz.extensions import db
from tests.conftest import ROOT, TINY_BANK, _fresh_postgres_schema

MIGRATIONS = os.path.join(ROOT, "migrations")
TABLES = {"bank_snapshot", "result", "draft", "cohort"}


def revisions() -> list[str]:
    """Revision ids from the first to the head."""
    script = ScriptDirectory(MIGRATIONS)
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    url, drop = _fresh_postgres_schema(request.getfixturevalue("postgres_url"))
    yield url
    drop()


@pytest.fixture
def bare_app(database_url):
    """The app on an empty database: nothing migrated yet."""
    from quiz import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "QUIZ_BANKS": TINY_BANK,
                      "SECRET_KEY": "test"})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def tables(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def schema_drift(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)


def test_history_is_one_line_so_two_branches_cannot_both_claim_the_head():
    script = ScriptDirectory(MIGRATIONS)
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}; merge them"
    assert revisions()[0] == "0001"


def test_upgrade_from_empty_gives_exactly_the_schema_the_models_describe(bare_app):
    assert tables(bare_app) == set()
    with bare_app.app_context():
        upgrade()
    assert TABLES <= tables(bare_app)
    drift = schema_drift(bare_app)
    assert drift == [], f"models and migrations disagree (add a migration): {drift}"


def test_every_migration_downgrades_and_upgrades_again(bare_app):
    with bare_app.app_context():
        for rev in revisions():
            upgrade(revision=rev)
            downgrade(revision="-1")
            upgrade(revision=rev)
        downgrade(revision="base")
    assert tables(bare_app) == set()
    with bare_app.app_context():
        upgrade()
    assert schema_drift(bare_app) == []


def test_results_stored_before_an_upgrade_are_still_there_after_it(bare_app):
    with bare_app.app_context():
        upgrade(revision="0001")
        db.session.execute(sa.text(
            "INSERT INTO bank_snapshot (hash, bank_id, version, content, created_at) "
            "VALUES ('sha256:x', 'tiny', 1, '{}', CURRENT_TIMESTAMP)"))
        db.session.execute(sa.text(
            "INSERT INTO result (token, delete_key_hash, bank_id, bank_version, bank_hash, lang, answers, "
            "outcome, primary_path, created_at) VALUES ('tok', 'k', 'tiny', 1, 'sha256:x', 'ko', "
            "'{\"q\": 3}', '{\"primary\": \"ops\"}', 'ops', CURRENT_TIMESTAMP)"))
        db.session.commit()
        upgrade()
        from quiz.store.models import Result
        result = db.session.execute(sa.select(Result).where(Result.token == "tok")).scalar_one()
        assert (result.answers, result.outcome["primary"], result.lang) == ({"q": 3}, "ops", "ko")


def _flask(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, QUIZ_BANKS=TINY_BANK, SECRET_KEY="test")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_operators_upgrade_command_migrates_and_is_safe_to_run_twice(bare_app, database_url):
    first = _flask(["db", "upgrade"], database_url)
    assert first.returncode == 0, first.stderr
    assert TABLES <= tables(bare_app)
    again = _flask(["db", "upgrade"], database_url)
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr  # nothing left to do
    current = _flask(["db", "current"], database_url)
    assert revisions()[-1] in current.stdout


def test_the_health_checks_idea_of_the_newest_migration_is_alembics():
    from quiz.store.db import migration_head
    assert migration_head() == ScriptDirectory(MIGRATIONS).get_current_head()
