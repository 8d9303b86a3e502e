"""The first pass: the bank's shape, checked by pydantic, each error mapped onto the author's file
(line, column, the list item named by its id) and into the error catalogue."""
from __future__ import annotations

import difflib
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


def _placement(doc: yaml_reader.Document, parent: tuple[Any, ...], key: Any) -> str:
    """Where a key unknown at `parent` does belong, when it is one level off: under a sibling
    (`labels` outdented out of `scale`) or one level out (`weights` indented into `scale`)."""
    node = doc.data
    for part in parent:
        node = node[part] if isinstance(node, (dict, list)) else None
    if not isinstance(node, dict):
        return ""
    for field in _allowed_keys(parent):
        for child in (parent + (field,), parent + (field, 0)):
            if key in _allowed_keys(child) and _FIELDS_BY_PARENT.get(_shape_of(child)):
                if field in node:
                    return f"; did you mean to put it under '{field}' on line {doc.where_key(parent + (field,))[0]}?"
                return f"; it belongs under '{field}'"
    for up in (parent[:-1], parent[:-2]):
        if up != parent and _FIELDS_BY_PARENT.get(_shape_of(up)) and key in _allowed_keys(up):
            return f"; did you mean to put it one level out, in {where(up, doc.data)}?"
    return ""


def _shape_of(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(int if isinstance(p, int) else p for p in path)


class _Placement:
    """`_placement`, else the 'did you mean' of the allowed keys, worked out only when the message
    is rendered (as _wording.Suggestion): a pasted megabyte of unknown keys is thousands of
    problems, and /author renders a hundred (issue 12, finding 1)."""

    __slots__ = ("doc", "parent", "key", "_text")

    def __init__(self, doc: yaml_reader.Document, parent: tuple[Any, ...], key: Any):
        self.doc, self.parent, self.key, self._text = doc, parent, key, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = (_placement(self.doc, self.parent, self.key)
                          or str(suggest(self.key, _allowed_keys(self.parent))))
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(str(self))


# At most this many misspelt keys are read as the key they resemble (beyond it, a file is more
# noise than typos, and each costs a difflib match), and at most MAX_MATCH_TRIES unknown keys are
# matched at all: a pasted megabyte of unknown keys must not cost a difflib match each.
MAX_RECOVERED = 100
MAX_MATCH_TRIES = 1000


def recover_misspelt_keys(doc: yaml_reader.Document, filename: str) -> list[Problem]:
    """A compiler's recovery: a key that misspells an absent one (`qestions`) is reported once,
    with its 'did you mean', and the rest of the check reads it as the key it resembles, so the
    author sees the cause and not its ten consequences (a missing `questions`, every rule's
    'unknown question'). Renames in `doc` in place; returns the problems."""
    out: list[Problem] = []
    renames: dict[tuple[Any, ...], str] = {}  # original path of the key -> the key it stands for
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc.data)]
    tries = 0
    while stack and len(renames) < MAX_RECOVERED and tries < MAX_MATCH_TRIES:
        path, node = stack.pop()
        if isinstance(node, list):
            stack.extend((path + (i,), v) for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        allowed = _allowed_keys(path)
        unknown = [k for k in node if isinstance(k, str) and k not in allowed] if allowed else []
        absent = [k for k in allowed if k not in node]
        for key in unknown[:MAX_MATCH_TRIES - tries] if absent else ():
            tries += 1
            match = difflib.get_close_matches(key, absent, n=1, cutoff=0.75)
            if not match:
                continue
            absent.remove(match[0])
            renames[path + (key,)] = match[0]
            line, col = doc.where_key(path + (key,))
            out.append(Problem(ErrorCode.SCHEMA_002, filename, line, col, {
                "key": key, "where": where(path, doc.data),
                "suggestion": f"; did you mean '{match[0]}'? (the rest was checked as if it were)"}))
        stack.extend((path + (k,), v) for k, v in reversed(node.items()))  # original keys
        if any(path + (k,) in renames for k in unknown):
            items = [(renames.get(path + (k,), k), v) for k, v in node.items()]
            node.clear()
            node.update(items)
    if renames:
        def moved(p: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(renames.get(p[:i + 1], part) for i, part in enumerate(p))
        doc.positions = {moved(p): v for p, v in doc.positions.items()}
        doc.key_positions = {moved(p): v for p, v in doc.key_positions.items()}
        doc.plain = {moved(p) for p in doc.plain}
    return out


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
                "suggestion": _Placement(doc, path[:-1], key)}
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
