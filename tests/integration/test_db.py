"""The database layer: SQLite transactions that queue instead of failing, foreign keys, PostgreSQL
settings that survive the test schema, the health check, and the expiry of old drafts."""
from __future__ import annotations

import socket
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quiz.extensions import db
from quiz.store import db as quiz_db
from quiz.store import models
from quiz.store.drafts import LIFETIME
from tests.conftest import make_app


def sqlite_statements(app) -> list[str]:
    """Start recording every statement SQLite runs on this app's connections."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

        @sa.event.listens_for(engine, "connect")
        def trace(dbapi_conn, _record):
            dbapi_conn.set_trace_callback(seen.append)
        engine.dispose()  # so every connection from here on is a traced one
    return seen


def add_test_routes(app) -> None:
    """A read and a write, as a page (GET) and a submission (POST) would do them."""
    def count():
        return str(db.session.execute(sa.select(sa.func.count()).select_from(models.Draft)).scalar())

    def write():
        db.session.execute(sa.select(sa.func.count()).select_from(models.Draft)).scalar()
        db.session.add(models.Draft(token=f"d{time.monotonic_ns()}", bank_id="tiny", answers={}))
        db.session.commit()
        return "ok"
    app.add_url_rule("/_test/count", "test_count", count, methods=["GET"])
    app.add_url_rule("/_test/write", "test_write", write, methods=["GET", "POST"])
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(tmp_path, database_url=f"sqlite:///{tmp_path}/quiz.sqlite3")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- SQLite ---------------------------------------------------------------------------------

def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_app):
    with sqlite_app.app_context():
        pragma = lambda name: db.session.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == quiz_db.SQLITE_BUSY_TIMEOUT_MS
        assert pragma("synchronous") == 1  # NORMAL: durable across process crashes (docs/deploy.md)


def test_sqlite_rejects_a_result_pinned_to_a_missing_bank_snapshot(sqlite_app):
    with sqlite_app.app_context():
        db.session.add(models.Result(
            token="t1", delete_key_hash="h", bank_id="tiny", bank_version=1, bank_hash="sha256:none",
            answers={}, outcome={}, primary_path="ops"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(sa.select(sa.func.count()).select_from(models.Result)).scalar() == 0


def test_sqlite_submissions_take_the_write_lock_up_front_and_pages_only_read(sqlite_app):
    add_test_routes(sqlite_app)
    seen = sqlite_statements(sqlite_app)
    client = sqlite_app.test_client()
    assert client.post("/_test/write").status_code == 200
    post_begins = [s for s in seen if s.startswith("BEGIN")]
    seen.clear()
    assert client.get("/_test/count").data == b"1"
    get_begins = [s for s in seen if s.startswith("BEGIN")]
    assert post_begins == ["BEGIN IMMEDIATE"]
    assert get_begins == ["BEGIN"]  # readers in other processes are not queued behind it


def test_sqlite_work_outside_requests_takes_the_write_lock_up_front(sqlite_app):
    seen = sqlite_statements(sqlite_app)
    with sqlite_app.app_context():
        db.session.execute(sa.select(sa.func.count()).select_from(models.Draft)).scalar()
        db.session.commit()
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]


def _commit_a_draft_from_elsewhere(path: str, token: str) -> None:
    other = sqlite3.connect(path, timeout=10)
    other.execute("INSERT INTO draft (token, bank_id, answers, lang, created_at, updated_at) "
                  "VALUES (?, 'tiny', '{}', 'en', '2026-01-01 00:00:00', '2026-01-01 00:00:00')", (token,))
    other.commit()
    other.close()


def test_plain_deferred_read_then_write_fails_when_another_process_wrote_in_between(tmp_path):
    # The hazard the transaction handling exists for, shown with bare sqlite3: once a deferred
    # transaction has read, SQLite cannot let it wait for the write lock, so it fails at once.
    path = str(tmp_path / "bare.sqlite3")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE draft (token TEXT PRIMARY KEY, bank_id TEXT, answers TEXT, lang TEXT, "
                  "created_at TEXT, updated_at TEXT)")
    setup.commit()
    setup.close()
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM draft").fetchone()
    _commit_a_draft_from_elsewhere(path, "other")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        conn.execute("INSERT INTO draft VALUES ('mine', 'tiny', '{}', 'en', '', '')")
    conn.close()


def test_a_page_that_writes_after_reading_waits_its_turn_instead_of_failing(sqlite_app, tmp_path):
    # The same interleaving through the app, in a GET (a deferred, read-first transaction).
    add_test_routes(sqlite_app)
    path = str(tmp_path / "quiz.sqlite3")
    real_add = db.session.add

    def add_after_someone_else_wrote(obj):
        _commit_a_draft_from_elsewhere(path, "other")
        return real_add(obj)
    client = sqlite_app.test_client()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(db.session, "add", add_after_someone_else_wrote)
        response = client.get("/_test/write")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get("/_test/count").data == b"2"


def test_a_writer_waits_for_another_processs_transaction_rather_than_failing(sqlite_app, tmp_path):
    path = str(tmp_path / "quiz.sqlite3")
    blocker = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, lambda: (blocker.execute("COMMIT"), blocker.close()))
    release.start()
    try:
        with sqlite_app.app_context():
            started = time.monotonic()
            db.session.add(models.Draft(token="waited", bank_id="tiny", answers={}))
            db.session.commit()
            waited = time.monotonic() - started
            assert db.session.get(models.Draft, "waited") is not None
    finally:
        release.join()
    assert waited >= 0.5  # it queued behind the other writer; no "database is locked"


# --- PostgreSQL -----------------------------------------------------------------------------

@pytest.mark.postgres
def test_postgres_sessions_keep_the_urls_schema_and_get_a_statement_timeout(tmp_path, postgres_url):
    app = make_app(tmp_path, database_url=postgres_url)
    try:
        with app.app_context():
            schema = db.session.execute(sa.text("SELECT current_schema()")).scalar()
            timeout = db.session.execute(sa.text("SHOW statement_timeout")).scalar()
            assert schema.startswith("t_")  # the test's private schema, from the URL's options
            assert timeout == "10s"
    finally:
        with app.app_context():
            db.engine.dispose()
        app.cleanup()


@pytest.mark.postgres
def test_postgres_connections_killed_by_the_server_are_replaced_not_failed(tmp_path, postgres_url):
    app = make_app(tmp_path, database_url=postgres_url)
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        with app.app_context():
            pids = [db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()]
            db.session.rollback()
        import psycopg
        with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert client.get("/healthz").status_code == 200  # as after a database restart
    finally:
        with app.app_context():
            db.engine.dispose()
        app.cleanup()


@pytest.mark.postgres
def test_postgres_pages_read_without_a_transaction_and_submissions_write_in_one(tmp_path, postgres_url):
    # Two round trips fewer per page (BEGIN, ROLLBACK); a submission stays all-or-nothing.
    app = make_app(tmp_path, database_url=postgres_url)
    app.config["WTF_CSRF_ENABLED"] = False

    def status():
        db.session.execute(sa.select(sa.func.count()).select_from(models.Draft)).scalar()
        return db.session.connection().connection.dbapi_connection.info.transaction_status.name
    app.add_url_rule("/_test/status", "test_status", status, methods=["GET", "POST"])
    try:
        client = app.test_client()
        for _ in range(3):  # and again on connections coming back from the pool
            assert client.get("/_test/status").data == b"IDLE"
            assert client.post("/_test/status").data == b"INTRANS"
    finally:
        with app.app_context():
            db.engine.dispose()
        app.cleanup()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_503_in_json_when_postgres_does_not_answer(tmp_path):
    from quiz import create_app
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "QUIZ_BANKS": "tests/data/tiny.yaml",
                      "SECRET_KEY": "x"})
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.is_json and response.get_json()["status"] != "ok"
    assert time.monotonic() - started < quiz_db.PG_CONNECT_TIMEOUT_S + 5  # no hang


def test_healthz_answers_503_when_the_sqlite_file_cannot_be_opened(tmp_path):
    from quiz import create_app
    url = f"sqlite:///{tmp_path}/no/such/folder/quiz.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "QUIZ_BANKS": "tests/data/tiny.yaml",
                      "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.is_json


# --- Drafts -----------------------------------------------------------------------------------

def _draft(token: str, age: timedelta) -> models.Draft:
    moment = models.utcnow() - age
    return models.Draft(token=token, bank_id="tiny", answers={"q": 1}, created_at=moment, updated_at=moment)


def test_purge_drafts_deletes_only_drafts_untouched_for_seven_days(app, runner):
    with app.app_context():
        db.session.add_all([_draft("fresh", timedelta(days=1)),
                            _draft("almost", LIFETIME - timedelta(minutes=5)),
                            _draft("stale", LIFETIME + timedelta(minutes=5)),
                            _draft("ancient", timedelta(days=400))])
        db.session.commit()
    result = runner.invoke(args=["quiz", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 expired drafts (last saved before ")
    with app.app_context():
        left = set(db.session.execute(sa.select(models.Draft.token)).scalars())
    assert left == {"fresh", "almost"}


def test_expired_drafts_are_purged_after_a_submission_without_anyone_running_a_command(app):
    add_test_routes(app)
    with app.app_context():
        db.session.add(_draft("stale", LIFETIME + timedelta(hours=1)))
        db.session.commit()
    app.extensions["quiz_db"]["next_purge"] = 0  # as if the process had been up for a while
    client = app.test_client()
    response = client.post("/_test/write")
    response.close()  # the purge runs once the response has gone out
    with app.app_context():
        assert db.session.get(models.Draft, "stale") is None
        assert db.session.execute(sa.select(sa.func.count()).select_from(models.Draft)).scalar() == 1
    assert app.extensions["quiz_db"]["next_purge"] > time.monotonic() + quiz_db.PURGE_INTERVAL_S - 60


def test_a_server_process_never_loads_alembic(tmp_path):
    # Alembic and Mako would add ~11 MB to every worker (docs/performance.md); only `flask db`
    # and migrations need them.
    from tests.conftest import run_in_a_fresh_process
    printed = run_in_a_fresh_process(tmp_path, (
        "client = app.test_client()\n"
        "statuses = [client.get(p).status_code for p in ('/healthz', '/', '/quiz/tiny', '/api/banks')]\n"
        "print(statuses, sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako', 'flask_migrate')))\n"))
    assert printed == "[200, 200, 200, 200] []"
