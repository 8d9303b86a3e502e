"""The start page and the health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for

from quiz import banks
from quiz.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():  # noqa: ANN201
    registry = banks.registry()
    return render_template("main/index.html", banks=list(registry))


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  any failure to answer means unhealthy
        db.session.rollback()
        return jsonify({"status": "unavailable", "error": type(exc).__name__}), 503
    return jsonify({"status": "ok"})
