"""The store: what is kept (bank snapshots, results, drafts), on SQLite or PostgreSQL, and the
reports read from it. It never reads the request: the web layer says what kind of transaction a
request needs (`db.read_only`)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from quiz.store import db
    db.init_app(app)
