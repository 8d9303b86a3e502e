"""The one submission limit: QUIZ_RATE_LIMIT results per client address, counted together for every
route that stores a result (POST /api/results and the quiz's last step), in Redis when REDIS_URL is
set so every process and host counts together (otherwise each process counts alone)."""
from __future__ import annotations

from typing import Any

from flask import current_app

from quiz.extensions import limiter

SCOPE = "submissions"


def submission_limit(**options: Any):  # noqa: ANN201  a Flask-Limiter decorator
    """Decorate a view that stores a result. Every use shares the one count (`SCOPE`); `options`
    are Flask-Limiter's (on_breach, deduct_when, exempt_when) for how this route answers."""
    return limiter.shared_limit(lambda: current_app.config["QUIZ_RATE_LIMIT"], scope=SCOPE, methods=["POST"],
                                **options)
