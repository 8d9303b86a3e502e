"""The start page and the health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for

from quiz.extensions import db
from quiz.web import banks

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    registry = banks.registry()
    listed = list(registry)
    if "cohort" in request.args and len(listed) == 1:
        # A group's link shortened to the site's address: the start page that records the group
        # (or says the group is unknown), never a start page that drops it.
        args = {k: v for k, v in request.args.items() if k in ("cohort", "lang")}
        return redirect(url_for("take.start", bank_id=listed[0].id, **args), 303)
    response = make_response(render_template("main/index.html", banks=listed))
    # With one bank this is its start page, which may link this browser's open draft (the
    # "continue" button names its token): never kept by any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/privacy")
def privacy():
    """What is kept, for how long, how to delete it, and who runs this instance (QUIZ_OPERATOR);
    the figures come from the settings that enforce them (QUIZ_DRAFT_DAYS, QUIZ_RESULT_DAYS)."""
    from flask import current_app
    config = current_app.config
    return render_template("main/privacy.html", operator=config.get("QUIZ_OPERATOR"),
                           draft_days=config.get("QUIZ_DRAFT_DAYS") or 7, result_days=config.get("QUIZ_RESULT_DAYS"))


def _migration_head() -> str | None:
    """The newest migration revision in this checkout, read once per process."""
    from flask import current_app
    cached = current_app.extensions.get("quiz_migration_head", False)
    if cached is not False:
        return cached
    # Read from the migration files, not through Alembic: importing Alembic would add ~11 MB to
    # every worker a load balancer probes (quiz/db.py).
    from quiz.store.db import migration_head
    head = migration_head()
    current_app.extensions["quiz_migration_head"] = head
    return head


@bp.get("/healthz")
def healthz():
    """200 while the database answers AND carries the schema this code expects: an instance
    started before `db upgrade` ran would answer every submission with an error, so a load
    balancer must not send it traffic."""
    head = _migration_head()
    try:
        if head is None:  # no migrations to compare with: that the database answers is enough
            db.session.execute(sa.text("SELECT 1"))
        else:  # one round trip both proves the database answers and reads its schema version
            current = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            if current != head:
                db.session.rollback()
                return _unhealthy("schema_out_of_date",
                                  f"the database schema is at {current or 'nothing'}, this code needs {head}: "
                                  "run `flask --app app db upgrade`")
        db.session.rollback()  # end the read transaction at once
    except Exception as exc:  # noqa: BLE001  any failure to answer means unhealthy
        db.session.rollback()
        message = str(exc.__cause__ or exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        if "alembic_version" in message:
            return _unhealthy("schema_missing", "the database has no schema: run `flask --app app db upgrade`")
        return _unhealthy("database_unavailable", "the database does not answer")
    return jsonify({"status": "ok"})


def _unhealthy(code: str, message: str):
    response = jsonify({"status": "unavailable", "error": {"code": code, "message": message}})
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response
