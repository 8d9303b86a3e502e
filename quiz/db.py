"""The database: SQLAlchemy bound to the app, SQLite tuned for several writers, migrations."""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask

from quiz.config import ROOT
from quiz.extensions import db, migrate


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    # WAL lets readers run beside one writer; busy_timeout makes writers queue instead of failing
    # with "database is locked"; foreign keys are off by default in SQLite.
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
    # writes can deadlock against another process and fail at once, busy_timeout or not.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 10, "check_same_thread": False}}
    # Per worker: 5 pooled connections + 5 overflow. With gunicorn's N workers per host and H
    # hosts, PostgreSQL needs max_connections >= H * N * 10 (docs/deploy.md).
    return {"pool_size": 5, "max_overflow": 5, "pool_pre_ping": True, "pool_recycle": 1800,
            "connect_args": {"options": "-c statement_timeout=10000 -c idle_in_transaction_session_timeout=30000"}}


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    opts = engine_options(url)
    opts.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    if url.startswith("sqlite"):
        with app.app_context():
            engine = db.engine
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            sa.event.listen(engine, "begin", _sqlite_begin)
    from quiz import models  # noqa: F401  (registers the tables with the metadata)
