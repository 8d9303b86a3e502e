"""The database: SQLAlchemy bound to the app, SQLite tuned for several processes, PostgreSQL pooled
per worker, the migrations, and the hourly expiry of old drafts and results.

The same models and migrations run on SQLite (the default, one host) and PostgreSQL (several
processes and hosts); docs/deploy.md has the operator's side of the settings below.
"""
from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from contextvars import ContextVar, Token

import click
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from quiz.config import ROOT
from quiz.extensions import db

log = logging.getLogger(__name__)

# How long SQLite makes a writer wait for another one before giving up ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 10_000

# PostgreSQL, per process. A gunicorn sync worker serves one request at a time, so it needs one
# connection, rarely two; 2 pooled + 3 overflow leaves room without hoarding server slots.
# max_connections >= hosts × workers per host × (PG_POOL_SIZE + PG_MAX_OVERFLOW) + admin slots.
PG_POOL_SIZE = 2
PG_MAX_OVERFLOW = 3
# A query that runs longer than this is a bug or an attack; the worker must not hang with it.
PG_STATEMENT_TIMEOUT_MS = 10_000
PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 5  # a host that drops packets must not hold /healthz past gunicorn's timeout

# Work that only reads (the web layer says so for safe requests: GET, HEAD, OPTIONS) runs in a
# deferred transaction on SQLite and statement by statement (autocommit) on PostgreSQL; anything
# else, including the CLI and tests, takes the write lock up front. The store never looks at the
# request: the caller sets this.
_read_only: ContextVar[bool] = ContextVar("quiz_store_read_only", default=False)


def reading_only(flag: bool = True) -> Token:
    """Declare that the work starting now in this context only reads (or, with False, may write).
    Returns the token to pass to `done_reading` when it ends."""
    return _read_only.set(flag)


def done_reading(token: Token) -> None:
    _read_only.reset(token)
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")

# Opportunistic expiry: each process deletes a bounded batch of expired drafts and results this often.
PURGE_INTERVAL_S = 3600
PURGE_BATCH = 1000


# --- SQLite -----------------------------------------------------------------------------------

def _sqlite_on_connect(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling emits BEGIN only before DML, so a read followed by a
    # write runs half outside any transaction, and it cannot say BEGIN IMMEDIATE per transaction.
    # Switch it off; _sqlite_begin issues BEGIN itself (SQLAlchemy's SQLite docs, "Enabling
    # Non-Legacy SQLite Transactional Modes"). pysqlite still sends COMMIT and ROLLBACK.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # busy_timeout first: switching to WAL needs a lock that another process may hold right now.
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL: readers never block the writer and the writer never blocks readers.
    cur.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a commit survives any crash of the process (every gunicorn worker
    # may be SIGKILLed: bench/no_loss.py), and the log is fsynced at checkpoints rather than at
    # every commit. A power cut or kernel crash can undo the last commits since a checkpoint;
    # FULL would prevent that at one fsync per submission, which on a VM disk caps SQLite at a
    # few hundred submissions a second (docs/performance.md). Where that matters, use PostgreSQL.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
    cur.close()


def _may_write() -> bool:
    """Whether the unit of work starting now may write (see `reading_only`)."""
    return not _read_only.get()


def _sqlite_begin(conn) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, waiting up to busy_timeout for it; a
    # deferred transaction that reads and then writes would instead fail at once when another
    # process holds the lock or has committed since the read. Reads (safe requests) stay deferred.
    immediate = _may_write()
    conn.info["quiz_sqlite_deferred"] = not immediate
    conn.info["quiz_sqlite_has_read"] = False
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_upgrade_deferred(conn, cursor, statement: str, _params, _context, _many) -> None:
    # A safe request that writes after reading (a GET that creates a draft once it found none)
    # would fail at once with "database is locked" whenever another process is writing: SQLite
    # cannot wait for the write lock in a transaction that has read. Nothing has been written
    # yet, so end the read transaction and start a write one, which does wait (busy_timeout).
    # The reads before stay as they were: the isolation pysqlite's default mode has always had.
    if not conn.info.get("quiz_sqlite_deferred"):
        return
    if not statement.lstrip()[:7].upper().startswith(_WRITE_VERBS):
        conn.info["quiz_sqlite_has_read"] = True
        return
    conn.info["quiz_sqlite_deferred"] = False  # holds the write lock from here on
    if conn.info.get("quiz_sqlite_has_read"):
        log.debug("write after read in a safe request: re-beginning as BEGIN IMMEDIATE")
        dbapi_conn = cursor.connection
        dbapi_conn.execute("COMMIT")
        dbapi_conn.execute("BEGIN IMMEDIATE")


# --- PostgreSQL -------------------------------------------------------------------------------

def _pg_on_connect(dbapi_conn, _record) -> None:
    # Idle connections wait in autocommit, so the pre-ping on checkout is one round trip
    # (SELECT 1) instead of two (BEGIN, SELECT 1).
    dbapi_conn.autocommit = True


def _pg_on_checkout(dbapi_conn, _record, _proxy) -> None:
    # A page that only reads runs each statement on its own: no BEGIN before its first query and
    # no ROLLBACK when it returns the connection, two round trips fewer per page (more than the
    # queries themselves cost when the database is on another host). Writers get a transaction.
    dbapi_conn.autocommit = not _may_write()


def _pg_on_checkin(dbapi_conn, _record) -> None:
    if dbapi_conn is None:
        return
    try:
        dbapi_conn.autocommit = True  # the pool has rolled back by now: the connection is idle
    except Exception:  # noqa: BLE001  a broken connection is discarded by the pool anyway
        pass


def _postgres_options(url: str) -> dict:
    # Server settings travel in libpq's "options"; connect_args would replace one given in the
    # URL (tests put search_path there), so both are merged here.
    given = make_url(url).query.get("options") or ""
    if isinstance(given, tuple):
        given = " ".join(given)
    ours = (f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS} "
            f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_TIMEOUT_MS}")
    return {"options": f"{given} {ours}".strip(), "connect_timeout": PG_CONNECT_TIMEOUT_S}


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # timeout is pysqlite's busy timeout, applied before any statement runs.
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
    return {"pool_size": PG_POOL_SIZE, "max_overflow": PG_MAX_OVERFLOW, "pool_timeout": 10,
            # pre_ping: a connection the server closed (restart, failover) is replaced, not
            # handed to a request that would then fail.
            "pool_pre_ping": True, "pool_recycle": 1800,
            "connect_args": _postgres_options(url)}


# --- Expiry -----------------------------------------------------------------------------------

def purge_when_due(app: Flask, after_delete: Callable[[list[str]], None] | None = None) -> None:
    """Delete a bounded batch of expired drafts and results (quiz.store.retention), at most once
    per interval per process. The web layer calls it after a response to a write has been sent,
    so no taker waits for it; `after_delete` gets the tokens of the results that went."""
    if time.monotonic() >= app.extensions["quiz_db"]["next_purge"]:
        _opportunistic_purge(app, after_delete)


def _opportunistic_purge(app: Flask, after_delete: Callable[[list[str]], None] | None = None) -> None:
    # Runs after a response has been sent (call_on_close), at most once per interval per process,
    # so no operator has to remember a cron job and no taker waits for it.
    from quiz.store import retention
    state = app.extensions["quiz_db"]
    now = time.monotonic()
    if now < state["next_purge"]:
        return
    state["next_purge"] = now + PURGE_INTERVAL_S
    try:
        with app.app_context():
            purged = retention.purge(limit=PURGE_BATCH)
            if purged.drafts or purged.results:
                log.info("deleted %d expired drafts and %d expired results", purged.drafts, purged.results)
            if purged.tokens and after_delete is not None:
                after_delete(purged.tokens)
    except Exception:
        log.exception("expiry purge failed; will retry in %ss", PURGE_INTERVAL_S)


# --- Migrations -------------------------------------------------------------------------------
# Flask-Migrate imports Alembic and Mako: about 11 MB and 80 ms in every server worker that never
# migrates anything. They are loaded when `flask db …` runs or something (the tests) asks for
# app.extensions["migrate"], never by a server.

MIGRATIONS = os.path.join(ROOT, "migrations")

_REVISION = re.compile(r"^revision\s*(?::[^=]+)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(.*)$", re.M)


def migration_head(directory: str = MIGRATIONS) -> str | None:
    """The newest revision in migrations/versions, read from the files without importing Alembic
    (what /healthz compares with the database's alembic_version). None when there is none, or
    when the history has several heads (tests/test_migrations.py keeps it one line)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        names = os.listdir(os.path.join(directory, "versions"))
    except OSError:
        return None
    for name in names:
        if not name.endswith(".py"):
            continue
        with open(os.path.join(directory, "versions", name), encoding="utf-8") as fh:
            text = fh.read()
        found = _REVISION.search(text)
        if found:
            revisions.add(found.group(1))
            down = _DOWN_REVISION.search(text)
            if down:
                parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _load_migrations(app: Flask):
    from flask_migrate import Migrate
    # render_as_batch: SQLite can't ALTER most things; autogenerated migrations copy the table.
    Migrate(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    return app.extensions["migrate"]  # Migrate put its own configuration there


class _MigrationsOnDemand:
    """Stands in for Flask-Migrate's entry in app.extensions until first used."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str):
        return getattr(_load_migrations(self._app), name)


class _MigrationCommands(click.Group):
    """The `flask db` group, replaced by Flask-Migrate's own when it is invoked."""

    def make_context(self, info_name, args, parent=None, **extra):
        from flask import current_app
        app = current_app._get_current_object()
        if isinstance(app.extensions.get("migrate"), _MigrationsOnDemand):
            _load_migrations(app)
        from flask_migrate.cli import db as flask_migrate_commands
        return flask_migrate_commands.make_context(info_name, args, parent=parent, **extra)


# --- Wiring -----------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    opts = engine_options(url)
    opts.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    db.init_app(app)
    # A request's session ends with the request, so objects need not be reloaded after a commit:
    # without this, the answer to a submission re-SELECTs the row it has just written.
    db.session.session_factory.configure(expire_on_commit=False)
    app.extensions["migrate"] = _MigrationsOnDemand(app)
    app.cli.add_command(_MigrationCommands("db", help="Perform database migrations (Flask-Migrate)."))
    if url.startswith("postgresql"):
        with app.app_context():
            engine = db.engine
            sa.event.listen(engine, "connect", _pg_on_connect)
            sa.event.listen(engine, "checkout", _pg_on_checkout)
            sa.event.listen(engine, "checkin", _pg_on_checkin)
    if url.startswith("sqlite"):
        with app.app_context():
            engine = db.engine
            sa.event.listen(engine, "connect", _sqlite_on_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
            sa.event.listen(engine, "before_cursor_execute", _sqlite_upgrade_deferred)
    # Start the first purge a little after start-up, not on the very first request.
    app.extensions["quiz_db"] = {"next_purge": time.monotonic() + 60}

    from quiz.store import models  # noqa: F401  (registers the tables with the metadata)

