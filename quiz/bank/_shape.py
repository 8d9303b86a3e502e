"""The first pass: the bank's shape, checked by pydantic, each error mapped onto the author's file
(line, column, the list item named by its id) and into the error catalogue."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from quiz.bank import yaml_reader
from quiz.bank._wording import describe_value, suggest, where
from quiz.bank.errors import ErrorCode, Problem
from quiz.bank.model import SLUG, Archetype, Bank, Contradiction, Effect, Option, Path, Question, Rule, Scale, Section

_EXPECTED = {
    "string_type": "a string", "int_type": "a whole number", "float_type": "a number",
    "bool_type": "true or false", "dict_type": "a mapping", "list_type": "a list",
    "tuple_type": "a list", "model_type": "a mapping", "model_attributes_type": "a mapping",
    "literal_error": None, "union_tag_invalid": None, "int_from_float": "a whole number",
}

# Keys each model accepts, for "did you mean" suggestions on unknown keys.
_FIELDS_BY_PARENT = {
    (): Bank, ("paths", int): Path, ("archetypes", int): Archetype, ("sections", int): Section,
    ("questions", int): Question, ("questions", int, "options", int): Option,
    ("questions", int, "scale"): Scale, ("rules", int): Rule, ("rules", int, "then"): Effect,
    ("contradictions", int): Contradiction,
}


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    shape = tuple(int if isinstance(p, int) else p for p in parent)
    model = _FIELDS_BY_PARENT.get(shape)
    if model is None:
        if "when" in parent:
            return ["all", "any", "not", "question", "op", "value"]
        return []
    return [f.alias or name for name, f in model.model_fields.items() if name != "schema_"]


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Map a pydantic error location onto the data, dropping union tags and `[key]` parts."""
    path: list[Any] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict):
            key = part
            if key not in cur and part == "not_":
                key = "not"
            if key in cur:
                path.append(key)
                cur = cur[key]
                continue
            if isinstance(part, str) and part in ("all", "any", "not", "leaf", "str", "[key]") or \
                    isinstance(part, str) and part.startswith(("dict[", "function", "tuple[", "int", "constrained")):
                continue
            path.append(part)  # a missing key or an unknown one: stop here, but name it
            cur = None
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, list):
            continue
        else:
            break
    return tuple(path)


def shape_problems(doc: yaml_reader.Document, exc: ValidationError, filename: str) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        etype, loc = err["type"], tuple(err["loc"])
        path = _data_path(doc.data, loc)
        if etype == "extra_forbidden":
            key = path[-1] if path else loc[-1]
            line, col = doc.where_key(path)
            ident = ("extra", path)
            code, ctx = ErrorCode.SCHEMA_002, {
                "key": key, "where": where(path[:-1], doc.data),
                "suggestion": suggest(key, _allowed_keys(path[:-1]))}
        elif etype == "missing":
            key = loc[-1] if loc[-1] != "not_" else "not"
            parent = path[:-1] if path and path[-1] == loc[-1] else path
            line, col = doc.where(parent)
            ident = ("missing", parent, key)
            code, ctx = ErrorCode.SCHEMA_003, {"key": key, "where": where(parent, doc.data)}
        else:
            value = err.get("input")
            line, col = doc.where(path)
            ident = ("value", path)
            expected = _EXPECTED.get(etype, "")
            if etype == "bool_type" and isinstance(value, str) and value in yaml_reader.YAML11_BOOLEANS:
                code, ctx = ErrorCode.YAML_006, {"value": value, "meaning": str(yaml_reader.YAML11_BOOLEANS[value]).lower()}
            elif expected:
                hint = ""
                if expected == "a string" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    hint = f" (quote it: '{value}')"
                code, ctx = ErrorCode.SCHEMA_004, {"where": where(path, doc.data), "expected": expected + hint,
                                                   "found": describe_value(value)}
            else:
                msg = err["msg"]
                if etype == "string_pattern_mismatch" and "pattern" in (err.get("ctx") or {}):
                    msg = ("must be a lowercase id: letters a-z, digits, '-' or '_'"
                           if err["ctx"]["pattern"] == SLUG else "must be a language code such as 'en' or 'ko'")
                code, ctx = ErrorCode.SCHEMA_005, {"where": where(path, doc.data), "problem": msg[0].lower() + msg[1:]}
        if ident in seen:  # unions report one problem per member; the author needs one
            continue
        seen.add(ident)
        out.append(Problem(code, filename, line, col, ctx))
    return out
