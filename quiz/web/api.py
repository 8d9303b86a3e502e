"""The JSON API (CONTRACT §4): banks as a taker sees them, and results.

No cookies, no CSRF token; every error is JSON `{"error": {"code", "message"}}` (quiz.web turns
HTTP errors under /api into that shape, 429 from the rate limiter included). The views parse and
check the request, call quiz.service, and shape the answer; the rules live in the service.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from quiz import service
from quiz.bank import Bank
from quiz.extensions import csrf
from quiz.web import banks
from quiz.web.hooks import json_error
from quiz.web.limits import submission_limit
from quiz.web.links import base_url

bp = Blueprint("api", __name__)
csrf.exempt(bp)

NO_STORE = "no-store"
# A 422 lists at most this many answer problems: 20,000 unknown keys must not come back as a
# 2 MB list. The rest are counted in "errors_truncated".
MAX_LISTED_ERRORS = 100

# Unknown routes and wrong methods under /api need no route of their own: with no catch-all
# rule here, the router raises 404 or 405 (with the allowed methods), and quiz.web answers both
# in JSON for any path under /api. A catch-all would shadow the 405 of a known path
# (PUT /api/results) and redirect /api to /api/.


@bp.after_request
def api_headers(response):
    # The API keeps no state in cookies: drop any the request's handling may have prepared.
    response.headers.pop("Set-Cookie", None)
    response.headers.setdefault("Cache-Control", NO_STORE)
    if request.endpoint in ("api.get_result", "api.create_result", "api.delete_result"):
        response.headers["X-Robots-Tag"] = "noindex"
    if request.method == "OPTIONS" and response.status_code == 200 and not response.get_data():
        # Flask's automatic OPTIONS answer is an empty 200 labelled text/html: say "no content".
        response.status_code = 204
        response.headers.pop("Content-Type", None)
        response.headers.pop("Content-Length", None)
    return response


def ordered_json(body: Any, status: int = 200) -> Response:
    """JSON with keys in the order built (scores in the bank's path order), unlike jsonify."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json")




class UnsupportedLanguage(Exception):
    """A language was asked for (?lang= or "lang") that the bank or result does not have."""

    def __init__(self, asked: object, supported: list[str] | tuple[str, ...]) -> None:
        self.asked, self.supported = asked, list(supported)
        super().__init__(f"unsupported language {asked!r}")


@bp.errorhandler(UnsupportedLanguage)
def unsupported_language(exc: UnsupportedLanguage):
    asked = exc.asked if isinstance(exc.asked, str) else json.dumps(exc.asked)
    return json_error(400, "unsupported_language",
                      f"language '{asked[:20]}' is not available here; supported: {', '.join(exc.supported)}",
                      supported=exc.supported)


def _lang_for(languages: list[str] | tuple[str, ...], asked: object, fallback: str | None = None) -> str:
    """The language to answer in. One asked for explicitly must be supported (else
    UnsupportedLanguage, a 400, never a silent switch to English); without one, `fallback`, then
    Accept-Language, then the first supported language."""
    if asked is not None and asked != "":
        if isinstance(asked, str) and asked in languages:
            return asked
        raise UnsupportedLanguage(asked, languages)
    if fallback in languages:
        return fallback
    best = request.accept_languages.best_match(languages)
    return best or languages[0]


# -- banks -------------------------------------------------------------------------------------

@bp.get("/banks")
def list_banks():
    out = []
    every = list(dict.fromkeys(lang for bank in banks.registry() for lang in bank.languages))
    asked = request.args.get("lang")
    if asked:
        _lang_for(every, asked)  # a language no bank has is a 400, as on every other route
    for bank in banks.registry():
        # A bank without the asked language answers in its own first one (the list mixes banks).
        lang = asked if asked in bank.languages else _lang_for(bank.languages, None)
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
def get_bank(bank: str):
    bank_id, bank = bank, banks.get(bank)
    if bank is None:
        return json_error(404, "unknown_bank", f"no bank '{bank_id}'")
    lang = _lang_for(bank.languages, request.args.get("lang"))
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

def _bad_request(message: str):
    return json_error(400, "bad_request", message)


def _not_json() -> bool:
    return request.mimetype != "application/json"


@bp.post("/results")
# A body that is not application/json is refused (415) before anything else, and costs the
# client nothing: a cross-site text/plain POST cannot use up its visitors' limit either.
@submission_limit(exempt_when=_not_json)
def create_result():
    # application/json only (CONTRACT §4): a cross-site form or fetch can send text/plain or a
    # form body without asking first, so accepting those would let any site submit from its
    # visitors' browsers (and use up their rate limit). application/json needs a CORS preflight,
    # which this API never grants.
    if _not_json():
        return json_error(415, "unsupported_media_type",
                          "send the body as JSON with the header Content-Type: application/json")
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
    if submission_id is not None:
        try:
            service.check_submission_id(submission_id)
        except service.InvalidSubmissionId as exc:
            return json_error(422, "invalid_submission_id", str(exc))
    bank = banks.get(bank_id)
    if bank is None:
        return json_error(404, "unknown_bank", f"no bank '{bank_id}'")
    lang = _lang_for(bank.languages, payload.get("lang"), fallback=bank.languages[0])
    try:
        submission = service.submit(bank, answers, lang=lang, submission_id=submission_id)
    except service.InvalidAnswers as exc:
        return _invalid_answers(exc.errors)
    except service.SubmissionConflict as exc:
        return json_error(409, "submission_conflict", exc.reason)
    result = submission.result
    body = service.result_json(result, lang=lang, base_url=base_url(), delete_key=submission.delete_key)
    response = ordered_json(body, 201 if submission.created else 200)
    response.headers["Location"] = url_for("api.get_result", token=result.token)
    return response


def _invalid_answers(errors: list) -> Response:
    """422 listing the first MAX_LISTED_ERRORS problems, and how many more there were."""
    count = len(errors)
    listed = [e.to_dict() for e in errors[:MAX_LISTED_ERRORS]]
    message = f"{count} answer{'s' if count != 1 else ''} need{'s' if count == 1 else ''} attention"
    extra: dict[str, Any] = {"errors": listed}
    if count > MAX_LISTED_ERRORS:
        left_out = count - MAX_LISTED_ERRORS
        message += f"; the first {MAX_LISTED_ERRORS} are listed, {left_out} more were left out"
        extra["errors_truncated"] = left_out
    return json_error(422, "invalid_answers", message, **extra)


@bp.get("/results/<token>")
def get_result(token: str):
    result = service.get_result(token)
    if result is None:
        return json_error(404, "unknown_result", "no such result (it may have been deleted)")
    bank = service.snapshot_bank(result)
    lang = _lang_for(bank.languages, request.args.get("lang"), fallback=result.lang)
    return ordered_json(service.result_json(result, lang=lang, base_url=base_url()))


@bp.delete("/results/<token>")
def delete_result(token: str):
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
def openapi():
    from quiz.web.openapi import document
    response = jsonify(document(base_url()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
