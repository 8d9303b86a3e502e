"""The JSON API (CONTRACT §4): banks as a taker sees them, and results.

No cookies, no CSRF token; every error is JSON `{"error": {"code", "message"}}` (quiz.web turns
HTTP errors under /api into that shape, 429 from the rate limiter included). The views parse and
check the request, call quiz.service, and shape the answer; the rules live in the service.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from quiz import banks, service
from quiz.bank import Bank
from quiz.extensions import csrf
from quiz.web import json_error

bp = Blueprint("api", __name__)
csrf.exempt(bp)

NO_STORE = "no-store"


@bp.after_request
def api_headers(response):  # noqa: ANN001, ANN201
    # The API keeps no state in cookies: drop any the request's handling may have prepared.
    response.headers.pop("Set-Cookie", None)
    response.headers.setdefault("Cache-Control", NO_STORE)
    if request.endpoint in ("api.get_result", "api.create_result", "api.delete_result"):
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def ordered_json(body: Any, status: int = 200) -> Response:
    """JSON with keys in the order built (scores in the bank's path order), unlike jsonify."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json")


def base_url() -> str:
    return (current_app.config.get("QUIZ_BASE_URL") or request.host_url).rstrip("/")


def _lang_for(bank: Bank, asked: str | None) -> str:
    """The language to answer in: the asked one if the bank has it, else the bank's first."""
    if asked in bank.languages:
        return asked
    from quiz.i18n import select_locale
    chosen = select_locale()
    return chosen if chosen in bank.languages else bank.languages[0]


# -- banks -------------------------------------------------------------------------------------

@bp.get("/banks")
def list_banks():  # noqa: ANN201
    out = []
    for bank in banks.registry():
        lang = _lang_for(bank, request.args.get("lang"))
        out.append({"id": bank.id, "version": bank.version, "title": bank.text(bank.title, lang),
                    "languages": list(bank.languages), "question_count": len(bank.questions)})
    return ordered_json(out)


def _question_json(bank: Bank, q: Any, lang: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": q.id, "type": q.type, "text": bank.text(q.text, lang), "required": q.required}
    if q.help:
        item["help"] = bank.text(q.help, lang)
    if q.type == "scale":
        item["scale"] = {"min": q.scale.min, "max": q.scale.max,
                         "labels": {str(k): bank.text(v, lang) for k, v in sorted(q.scale.labels.items())}}
    else:
        item["options"] = [{"id": o.id, "text": bank.text(o.text, lang)} for o in q.options]
        if q.type == "multi" and q.max_choices is not None:
            item["max_choices"] = q.max_choices
    return item


@bp.get("/banks/<bank>")
def get_bank(bank: str):  # noqa: ANN201
    bank_id, bank = bank, banks.get(bank)
    if bank is None:
        return json_error(404, "unknown_bank", f"no bank '{bank_id}'")
    lang = _lang_for(bank, request.args.get("lang"))
    sections = []
    for section, questions in bank.pages:
        sections.append({
            "id": section.id if section else None,
            "title": bank.text(section.title, lang) if section else None,
            "questions": [_question_json(bank, q, lang) for q in questions],
        })
    return ordered_json({"id": bank.id, "version": bank.version, "title": bank.text(bank.title, lang),
                         "lang": lang, "languages": list(bank.languages), "sections": sections})


# -- results -----------------------------------------------------------------------------------

def _bad_request(message: str):  # noqa: ANN202
    return json_error(400, "bad_request", message)


@bp.post("/results")
@service.submission_limit
def create_result():  # noqa: ANN201
    payload = request.get_json(silent=True, force=True) if request.data else None
    if not isinstance(payload, dict):
        return _bad_request('the body must be a JSON object: {"bank": id, "answers": {question_id: value}}')
    bank_id = payload.get("bank")
    if not isinstance(bank_id, str) or not bank_id:
        return _bad_request("'bank' must be a bank id (a string)")
    answers = payload.get("answers")
    if not isinstance(answers, dict):
        return _bad_request("'answers' must be an object of question id → answer")
    submission_id = payload.get("submission_id")
    if submission_id is not None and (not isinstance(submission_id, str)
                                      or not 1 <= len(submission_id) <= service.SUBMISSION_ID_MAX):
        return _bad_request(f"'submission_id' must be a string of 1 to {service.SUBMISSION_ID_MAX} "
                            "characters (a UUID is a good choice)")
    bank = banks.get(bank_id)
    if bank is None:
        return json_error(404, "unknown_bank", f"no bank '{bank_id}'")
    lang = payload.get("lang", bank.languages[0])
    if not isinstance(lang, str) or lang not in bank.languages:
        return _bad_request(f"'lang' must be one of this bank's languages: {', '.join(bank.languages)}")
    try:
        submission = service.submit(bank, answers, lang=lang, submission_id=submission_id)
    except service.InvalidAnswers as exc:
        count = len(exc.errors)
        return json_error(422, "invalid_answers",
                          f"{count} answer{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention",
                          errors=[e.to_dict() for e in exc.errors])
    result = submission.result
    body = service.result_json(result, lang=lang, base_url=base_url(), delete_key=submission.delete_key)
    response = ordered_json(body, 201 if submission.created else 200)
    response.headers["Location"] = url_for("api.get_result", token=result.token)
    return response


@bp.get("/results/<token>")
def get_result(token: str):  # noqa: ANN201
    result = service.get_result(token)
    if result is None:
        return json_error(404, "unknown_result", "no such result (it may have been deleted)")
    bank = service.snapshot_bank(result)
    asked = request.args.get("lang")
    lang = asked if asked in bank.languages else result.lang
    return ordered_json(service.result_json(result, lang=lang, base_url=base_url()))


@bp.delete("/results/<token>")
def delete_result(token: str):  # noqa: ANN201
    key = request.headers.get("X-Delete-Key")
    try:
        deleted = service.delete_result(token, key)
    except LookupError:
        return json_error(404, "unknown_result", "no such result (it may have been deleted)")
    if not deleted:
        what = "is missing" if not key else "does not match"
        return json_error(403, "wrong_delete_key", f"the X-Delete-Key header {what} this result's delete key")
    return "", 204


@bp.get("/openapi.json")
def openapi():  # noqa: ANN201
    from quiz.openapi import document
    response = jsonify(document(base_url()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# The catch-all stays LAST: every other /api route must match before it.
@bp.route("/", defaults={"anything": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(anything: str):  # noqa: ANN201
    return json_error(404, "not_found", f"no API route /api/{anything}")
