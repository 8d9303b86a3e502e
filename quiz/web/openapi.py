"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Written as data next to the code it describes; tests/test_openapi.py validates it and walks the
app's URL map so that a route added without a description (or the reverse) fails the suite.
"""
from __future__ import annotations

import copy
from itertools import combinations
from math import comb
from typing import Any

from quiz.bank import Bank
from quiz.service import SUBMISSION_ID_MAX, SUBMISSION_ID_MIN, SUBMISSION_ID_PATTERN

# A bank id (quiz.bank's slug), as the API's paths and bodies take it.
BANK_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z0-9][a-z0-9_-]*$"}
# A multi question with max_choices: its answer is exactly described as "every item within one
# set of at most max_choices options" (duplicates are ignored, so maxItems alone would not say
# it); above this many such sets the description falls back to uniqueItems + maxItems.
MAX_CHOICE_SETS = 256


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


LANG_PARAM = {"name": "lang", "in": "query", "required": False,
              "description": "language of the texts: one of the bank's `languages`; any other answers 400 "
                             "`unsupported_language`, never a silent fallback. Without it: Accept-Language, "
                             "then the bank's first language",
              "schema": {"type": "string", "examples": ["en", "ko"]}}
BANKS_LANG_PARAM = {"name": "lang", "in": "query", "required": False,
                    "description": "language of the titles: one that at least one bank has (a bank without it "
                                   "answers in its first language); any other answers 400 `unsupported_language`",
                    "schema": {"type": "string", "examples": ["en", "ko"]}}
RESULT_LANG_PARAM = {"name": "lang", "in": "query", "required": False,
                     "description": "language of the archetype title: one of the result's bank's languages (any "
                                    "other answers 400 `unsupported_language`); defaults to the language the "
                                    "result was submitted in",
                     "schema": {"type": "string", "examples": ["en", "ko"]}}
TOKEN_PARAM = {"name": "token", "in": "path", "required": True, "description": "the result's token",
               "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}}
RATE_LIMITED = _error_response("too many submissions from this address (QUIZ_RATE_LIMIT)")
UNSUPPORTED_LANGUAGE = {
    "description": "the asked language is not available; the message and `supported` list the ones that are",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UnsupportedLanguage"}}}}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "description": "every error under /api, unknown routes (404) and wrong methods (405, with an Allow "
                       "header) included",
        "properties": {"error": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"type": "string", "description": "stable, e.g. "
                                                         "not_found, method_not_allowed, bad_request, "
                                                         "unsupported_language, unknown_bank, unknown_result, "
                                                         "invalid_answers, invalid_submission_id, "
                                                         "submission_conflict, wrong_delete_key, rate_limited, "
                                                         "unsupported_media_type"},
                                                "message": {"type": "string"}}}},
    },
    "UnsupportedLanguage": {
        "allOf": [{"$ref": "#/components/schemas/Error"}],
        "type": "object", "required": ["error", "supported"],
        "properties": {"supported": {"type": "array", "items": {"type": "string"}}},
    },
    "AnswerError": {
        "type": "object", "required": ["question", "code", "message"],
        "properties": {
            "question": {"type": ["string", "null"], "description": "the question id; null for the whole payload"},
            "code": {"type": "string", "enum": ["wrong_type", "unknown_question", "missing", "unknown_option",
                                                "out_of_range", "not_integer", "too_many_choices", "empty_choice"]},
            "message": {"type": "string"},
        },
    },
    "InvalidAnswers": {
        "allOf": [{"$ref": "#/components/schemas/Error"}],
        "type": "object", "required": ["error", "errors"],
        "properties": {
            "errors": {"type": "array", "maxItems": 100, "items": {"$ref": "#/components/schemas/AnswerError"},
                       "description": "the first 100 problems, in the bank's question order"},
            "errors_truncated": {"type": "integer", "minimum": 1,
                                 "description": "present when there were more than 100 problems: how many "
                                                "more were left out of `errors`"},
        },
    },
    "BankSummary": {
        "type": "object", "required": ["id", "version", "title", "languages", "question_count"],
        "properties": {"id": {"type": "string"}, "version": {"type": "integer"}, "title": {"type": "string"},
                       "languages": {"type": "array", "items": {"type": "string"}},
                       "question_count": {"type": "integer"}},
    },
    "Question": {
        "type": "object", "required": ["id", "type", "text", "required"],
        "properties": {
            "id": {"type": "string"}, "type": {"type": "string", "enum": ["scale", "choice", "multi"]},
            "text": {"type": "string"}, "help": {"type": "string"}, "required": {"type": "boolean"},
            "options": {"type": "array", "items": {
                "type": "object", "required": ["id", "text"],
                "properties": {"id": {"type": "string"}, "text": {"type": "string"}}}},
            "max_choices": {"type": "integer"},
            "scale": {"type": "object", "required": ["min", "max", "labels"],
                      "properties": {"min": {"type": "integer"}, "max": {"type": "integer"},
                                     "labels": {"type": "object", "additionalProperties": {"type": "string"},
                                                "description": "label text by scale value"}}},
        },
        "description": "a question as a taker sees it: no scoring weights or points",
    },
    "Bank": {
        "type": "object", "required": ["id", "version", "title", "sections"],
        "properties": {
            "id": {"type": "string"}, "version": {"type": "integer"}, "title": {"type": "string"},
            "lang": {"type": "string"}, "languages": {"type": "array", "items": {"type": "string"}},
            "sections": {"type": "array", "items": {
                "type": "object", "required": ["id", "title", "questions"],
                "properties": {"id": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]},
                               "questions": {"type": "array", "items": {"$ref": "#/components/schemas/Question"}}}}},
        },
    },
    "Submission": {
        "type": "object", "required": ["bank", "answers"],
        "properties": {
            "bank": {**BANK_ID, "description": "a bank id"},
            "answers": {"type": "object", "description": "question id → answer: an option id (choice), "
                                                         "a list of option ids (multi) or an integer (scale)",
                        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "integer"},
                                                           {"type": "array", "items": {"type": "string"}}]}},
            "lang": {"type": ["string", "null"], "description": "one of the bank's languages (any other answers "
                                                                "400 `unsupported_language`); its first when "
                                                                "empty, null or left out"},
            "submission_id": {"type": ["string", "null"], "minLength": SUBMISSION_ID_MIN, "maxLength": SUBMISSION_ID_MAX,
                              "pattern": SUBMISSION_ID_PATTERN,
                              "description": "makes the call idempotent: the same id with the same bank and "
                                             "answers answers 200 with the stored result; with other answers "
                                             "or another bank, 409. Anyone who knows it can read the result "
                                             "back, so it must be hard to guess: a UUID is a good choice"},
        },
    },
    "ArchetypeMatch": {
        "type": "object", "required": ["id", "title", "similarity"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                       "similarity": {"type": "number", "description": "0–1, two decimals"}},
    },
    "WhatWouldChange": {
        "type": "object", "required": ["changes", "outcome"],
        "properties": {
            "changes": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
                "type": "object", "required": ["question", "from", "to"],
                "properties": {
                    "question": {"type": "string", "description": "a question id"},
                    "from": {"$ref": "#/components/schemas/AnswerValue"},
                    "to": {"$ref": "#/components/schemas/AnswerValue"}}},
                        "description": "answer changes, each on a different question, in the bank's order"},
            "outcome": {"type": "object", "required": ["primary", "secondary", "hybrid", "balanced"],
                        "description": "the outcome the answers would give with these changes",
                        "properties": {"primary": {"type": "string"}, "secondary": {"type": ["string", "null"]},
                                       "hybrid": {"type": "boolean"}, "balanced": {"type": "boolean"}}},
        },
    },
    "AnswerValue": {
        "description": "an answer as submitted: an integer (scale), an option id (choice) or a list of "
                       "option ids (multi)",
        "oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    },
    "Result": {
        "type": "object",
        "required": ["token", "url", "bank", "scores", "primary", "secondary", "hybrid", "balanced", "margin",
                     "archetype", "archetypes", "stability", "what_would_change", "percentiles", "flags",
                     "quality", "rules_fired", "contributions", "created_at"],
        "properties": {
            "token": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "the shareable results page"},
            "delete_key": {"type": "string", "description": "only in the 201 answer that created the result"},
            "bank": {"type": "object", "required": ["id", "version", "hash"],
                     "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                                    "hash": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}}},
            "scores": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100}},
            "primary": {"type": "string"},
            "secondary": {"type": ["string", "null"]},
            "hybrid": {"type": "boolean"},
            "balanced": {"type": "boolean"},
            "margin": {"type": "number"},
            "archetype": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/ArchetypeMatch"}],
                          "description": "the most similar archetype (the first of `archetypes`); null when "
                                         "the bank has none"},
            "archetypes": {"type": "array", "items": {"$ref": "#/components/schemas/ArchetypeMatch"},
                           "description": "every archetype of the bank, most similar first"},
            "stability": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                          "description": "the share of resampled answer sets (a bootstrap over the answered "
                                         "questions, fixed seed, 200 draws) whose outcome (primary, hybrid, "
                                         "balanced, and secondary when hybrid) equals this one; null for a "
                                         "result stored before it was computed"},
            "what_would_change": {
                "type": "array", "maxItems": 3, "items": {"$ref": "#/components/schemas/WhatWouldChange"},
                "description": "up to three smallest sets of answer changes (fewest changes first) that "
                               "would change the outcome, each with the outcome it would give; [] when "
                               "none was found, and for a result stored before it was computed"},
            "percentiles": {
                "type": ["object", "null"],
                "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 100},
                "description": "null until the result's bank version has QUIZ_NORMS_MIN stored results "
                               "(default 200); then, for each path of `scores`, the share (0–100, rounded "
                               "down) of that version's stored results whose score for the path is below "
                               "this one's"},
            "flags": {"type": "array", "items": {"type": "string"}},
            "quality": {"type": "array", "items": {"type": "string"}},
            "rules_fired": {"type": "array", "items": {"type": "string"}},
            "contributions": {"type": "array", "items": {
                "type": "object", "required": ["path", "points"],
                "properties": {"question": {"type": "string"}, "rule": {"type": "string"},
                               "path": {"type": "string"}, "points": {"type": "number"}}}},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
}

_PATHS: dict[str, Any] = {
    "/api/banks": {"get": {
        "operationId": "listBanks", "summary": "The banks this server offers",
        "parameters": [BANKS_LANG_PARAM],
        "responses": {"200": {"description": "the banks", "content": {"application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/BankSummary"}}}}},
                      "400": UNSUPPORTED_LANGUAGE},
    }},
    "/api/banks/{bank}": {"get": {
        "operationId": "getBank", "summary": "A bank as a taker sees it (no scoring weights)",
        "parameters": [{"name": "bank", "in": "path", "required": True, "schema": BANK_ID}, LANG_PARAM],
        "responses": {"200": _json("Bank", "the bank"), "400": UNSUPPORTED_LANGUAGE,
                      "404": _error_response("no such bank")},
    }},
    "/api/results": {"post": {
        "operationId": "createResult", "summary": "Submit answers; store and return the result",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Submission"}}}},
        "responses": {
            "201": {**_json("Result", "stored; the answer carries the delete key, given only this once"),
                    "links": {"GetResult": {"operationId": "getResult",
                                            "parameters": {"token": "$response.body#/token"},
                                            "description": "read the stored result back"},
                              "DeleteResult": {"operationId": "deleteResult",
                                               "parameters": {"token": "$response.body#/token",
                                                              "header.X-Delete-Key": "$response.body#/delete_key"},
                                               "description": "delete it with the key given only here"}}},
            "200": {**_json("Result", "this submission_id was stored before with the same bank and answers: "
                                      "the same result, without its delete key"),
                    "links": {"GetResult": {"operationId": "getResult",
                                            "parameters": {"token": "$response.body#/token"}}}},
            "400": _error_response("the body is not a JSON object of the documented shape, or `lang` is not "
                                   "one of the bank's languages (code `unsupported_language`)"),
            "404": _error_response("no such bank"),
            "409": _error_response("code `submission_conflict`: this submission_id was stored before with other "
                                   "answers or another bank; nothing is stored, use a new id"),
            "415": _error_response("code `unsupported_media_type`: the body is not sent as "
                                   "`Content-Type: application/json`"),
            "422": {"description": "code `invalid_answers`: some answers are invalid, each problem listed "
                                   "(the first 100; `errors_truncated` counts the rest), or the answers "
                                   "object has far more keys than the bank has questions (refused before "
                                   "any checking); or code `invalid_submission_id`: not 16 to 64 "
                                   "characters from [A-Za-z0-9_-]",
                    "content": {"application/json": {"schema": {"anyOf": [
                        {"$ref": "#/components/schemas/InvalidAnswers"},
                        {"$ref": "#/components/schemas/Error"}]}}}},
            "429": RATE_LIMITED,
        },
    }},
    "/api/results/{token}": {
        "get": {
            "operationId": "getResult", "summary": "A stored result (without its delete key)",
            "parameters": [TOKEN_PARAM, RESULT_LANG_PARAM],
            "responses": {"200": _json("Result", "the result"), "400": UNSUPPORTED_LANGUAGE,
                          "404": _error_response("no such result, or it was deleted")},
        },
        "delete": {
            "operationId": "deleteResult", "summary": "Delete a result for good",
            "parameters": [TOKEN_PARAM, {"name": "X-Delete-Key", "in": "header", "required": True,
                                         "description": "the delete key from the 201 answer",
                                         "schema": {"type": "string"}}],
            "responses": {"204": {"description": "deleted: the page, the PNG and the API now answer 404"},
                          "403": _error_response("missing or wrong delete key"),
                          "404": _error_response("no such result")},
        },
    },
    "/api/openapi.json": {"get": {
        "operationId": "getOpenAPI", "summary": "This document",
        "responses": {"200": {"description": "the OpenAPI 3.1 description",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }},
}


def _lang_schema(languages: list[str], *, nullable: bool = False) -> dict[str, Any]:
    """One of `languages`; an empty value (or null in a body) is the same as leaving it out."""
    values: list[Any] = [*languages, ""] + ([None] if nullable else [])
    return {"type": ["string", "null"] if nullable else "string", "enum": values}


def _multi_schema(ids: list[str], required: bool, most: int | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": ids}}
    if required:
        schema["minItems"] = 1
    if most is not None and most < len(ids):
        # The same option twice counts once, so the limit is on distinct options.
        if comb(len(ids), most) <= MAX_CHOICE_SETS:
            schema["anyOf"] = [{"items": {"enum": list(chosen)}} for chosen in combinations(ids, most)]
        else:
            schema.update(uniqueItems=True, maxItems=most)
    return schema


def _answers_schema(bank: Bank) -> dict[str, Any]:
    """Exactly the answers `bank` accepts: its question ids, each with its own values."""
    properties: dict[str, Any] = {}
    for q in bank.questions:
        if q.type == "scale":
            schema: dict[str, Any] = {"type": "integer", "minimum": q.scale.min, "maximum": q.scale.max}
        elif q.type == "choice":
            schema = {"type": "string", "enum": [o.id for o in q.options]}
        else:
            schema = _multi_schema([o.id for o in q.options], q.required, q.max_choices)
        if not q.required:  # null counts as no answer
            schema = {"anyOf": [schema, {"type": "null"}]}
        properties[q.id] = schema
    return {"type": "object", "properties": properties, "required": [q.id for q in bank.questions if q.required],
            "additionalProperties": False,
            "description": f"bank `{bank.id}`: question id → answer; an optional question may be left out "
                           "or null; any other key answers 422 `unknown_question`"}


def _submission_schema(bank: Bank) -> dict[str, Any]:
    return {"type": "object", "required": ["bank", "answers"], "title": f"Submission to {bank.id}",
            "properties": {"bank": {"const": bank.id}, "answers": _answers_schema(bank),
                           "lang": {**_lang_schema(list(bank.languages), nullable=True),
                                    "description": "one of the bank's languages; its first when empty or left out"},
                           "submission_id": copy.deepcopy(_SCHEMAS["Submission"]["properties"]["submission_id"])}}


def _served_banks() -> list[Bank]:
    from flask import has_app_context

    from quiz.web import banks
    return list(banks.registry()) if has_app_context() else []


def _describe_banks(doc: dict[str, Any], served: list[Bank]) -> None:
    """Make the document say exactly what this server accepts: its bank ids, their languages, and
    each bank's questions and answer values (a generic description when no bank is served)."""
    if not served:
        return
    ids = [bank.id for bank in served]
    languages = list(dict.fromkeys(lang for bank in served for lang in bank.languages))
    by_bank = {bank.id: list(bank.languages) for bank in served}
    paths = doc["paths"]
    for path, method in (("/api/banks", "get"), ("/api/banks/{bank}", "get"), ("/api/results/{token}", "get")):
        for param in paths[path][method]["parameters"]:
            if param["name"] == "lang":
                param["schema"] = _lang_schema(languages)
            elif param["name"] == "bank":
                param["schema"] = {**BANK_ID, "enum": ids}
    schemas = doc["components"]["schemas"]
    schemas["Submission"] = {"oneOf": [_submission_schema(bank) for bank in served],
                             "description": "one of the served banks, with answers that bank accepts "
                                            f"(languages: {by_bank}); the server ignores other keys"}


def document(base_url: str | None = None, served: list[Bank] | None = None) -> dict[str, Any]:
    """The OpenAPI document; `base_url` becomes its server (QUIZ_BASE_URL or the request's host).
    `served` are the banks it describes (by default the app's)."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Know Yourself API", "version": "1",
                 "description": "Question banks and results of the Know Yourself quiz. Requests need no "
                                "cookies and no CSRF token; every error is JSON "
                                "{\"error\": {\"code\", \"message\"}}; submissions are rate-limited per "
                                "client address."},
        "paths": copy.deepcopy(_PATHS),
        "components": {"schemas": copy.deepcopy(_SCHEMAS)},
    }
    _describe_banks(doc, _served_banks() if served is None else served)
    if base_url:
        doc["servers"] = [{"url": base_url}]
    return doc
