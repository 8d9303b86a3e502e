"""The JSON API (CONTRACT §4). (to be built)"""
from flask import Blueprint

from quiz.extensions import csrf
from quiz.web import json_error

bp = Blueprint("api", __name__)
csrf.exempt(bp)


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(anything: str):  # noqa: ANN201
    return json_error(404, "not_found", f"no API route /api/{anything}")
