"""Shared fixtures: an app on a real, fresh SQLite file (or PostgreSQL when TEST_DATABASE_URL
says so), migrated with the real migrations, serving the tiny fixture bank."""
from __future__ import annotations

import contextlib
import os
import signal
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TINY_BANK = os.path.join(HERE, "data", "tiny.yaml")
SHIPPED_BANKS = os.path.join(ROOT, "questions")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the committed .po catalogues into .mo (git ignores them) when missing or stale,
    so a bare `pytest` shows Korean pages as `make test` does."""
    import glob

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in glob.glob(os.path.join(ROOT, "quiz", "translations", "*", "LC_MESSAGES", "*.po")):
        mo = po[:-3] + ".mo"
        if os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
            continue
        with open(po, "rb") as fh:
            catalog = read_po(fh)
        tmp = f"{mo}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            write_mo(fh, catalog)
        os.replace(tmp, mo)


def need(what: str, reason: str) -> None:
    """Skip a test whose service is missing, except in CI, where a missing service must fail."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true): {reason}")
    pytest.skip(f"{what} not available: {reason}")


def postgres_available() -> str | None:
    try:
        import psycopg
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# Tests that use these fixtures touch the database; `make test` runs them a second time on
# PostgreSQL with `-m db` (tests calling make_app directly carry @pytest.mark.db themselves).
DB_FIXTURES = frozenset({"app", "client", "runner", "shipped_app", "new_app"})


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "db: touches the database (rerun on PostgreSQL by make test)")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if DB_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def postgres_url() -> str:
    problem = postgres_available()
    if problem:
        need("PostgreSQL", problem)
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> str:
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        need("Redis", str(exc))
    return REDIS_URL


def _fresh_postgres_schema(url: str) -> tuple[str, callable]:
    """A private schema on the shared test database, dropped afterwards."""
    import psycopg
    schema = "t_" + uuid.uuid4().hex[:12]
    plain = url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def tiny_bank_with_max_choices(tmp_path, limit: int = 2) -> str:
    """A copy of the tiny bank whose multi question takes at most `limit` picks; returns its path."""
    bank = tmp_path / "limited.yaml"
    with open(TINY_BANK, encoding="utf-8") as fh:
        bank.write_text(fh.read().replace("    type: multi\n", f"    type: multi\n    max_choices: {limit}\n"),
                        encoding="utf-8")
    return str(bank)


@contextlib.contextmanager
def hang_guard(seconds: int = 60):
    """Fail a block that runs past `seconds` of wall time: a guard against a loop, not a speed test
    (work budgets are asserted by what the code returns; bench/hostile.py measures the CPU)."""
    def hung(_signum, _frame):
        raise AssertionError(f"still running after {seconds} s: a budget is not holding")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_in_a_fresh_process(tmp_path, body: str, **config) -> str:
    """Run `body` in a new Python process that has just made the app (as `app`) on a migrated SQLite
    file with the tiny bank, and return what it printed: for tests about what a server process loads."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/quiz.sqlite3"
    app = make_app(tmp_path, database_url=url)  # creates and migrates the database file
    from quiz.extensions import db
    with app.app_context():
        db.engine.dispose()
    settings = {"SQLALCHEMY_DATABASE_URI": url, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "x", **config}
    script = f"import sys\nfrom quiz import create_app\napp = create_app({settings!r})\n" + body
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def make_app(tmp_path, banks: str = TINY_BANK, database_url: str | None = None, **extra):
    from flask_migrate import upgrade

    from quiz import create_app
    cleanup = None
    url = database_url or os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        import psycopg
        try:
            url, cleanup = _fresh_postgres_schema(url)
        except psycopg.OperationalError as exc:  # the server is down: skip, or fail in CI
            need("PostgreSQL", str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer")
    elif not url:
        url = f"sqlite:///{tmp_path}/quiz.sqlite3"
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "QUIZ_BANKS": banks,
              "QUIZ_RATE_LIMIT": "100000/second", "SECRET_KEY": "test-secret", "SERVER_NAME": None,
              # PNG previews are cached on disk: per test, not in the repository's instance/ folder.
              "QUIZ_PREVIEW_DIR": str(tmp_path / "previews")}
    config.update(extra)
    app = create_app(config)
    with app.app_context():
        upgrade()
    app.cleanup = cleanup
    return app


def close_app(app) -> None:
    """Release what a test app holds: its sessions, its pool, its private PostgreSQL schema."""
    from quiz.extensions import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if app.cleanup:
        app.cleanup()


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def shipped_app(tmp_path):
    app = make_app(tmp_path, banks=SHIPPED_BANKS)
    yield app
    close_app(app)


@pytest.fixture
def new_app(tmp_path):
    """Apps made in a test (other banks or settings), closed afterwards. `shared=True` puts them
    on one SQLite file, as several processes of one deployment share a database."""
    made = []

    def make(shared: bool = False, **options):
        if shared:
            options.setdefault("database_url", f"sqlite:///{tmp_path}/shared.sqlite3")
        app = make_app(tmp_path, **options)
        made.append(app)
        return app

    yield make
    for app in made:
        close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
