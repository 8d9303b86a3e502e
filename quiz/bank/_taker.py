"""The third pass: what a taker would notice in a valid bank (BANK_026 to BANK_029). It reads the
validated `Bank`, so it runs once the first two passes found no error; each finding names a place
in the file by its data path (`("rules", 2, "id")`), which the loader turns into a line and column.

What the scorer alone can show (an unreachable path, near-duplicate paths, the hybrid share, an
archetype its own profile misses) is `quiz.engine.checks`, which `quiz check` adds on top.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from quiz.bank.errors import ErrorCode
from quiz.bank.model import Bank, Question

# (code, data path, message context): a finding before it has a line and column.
Finding = tuple[ErrorCode, tuple[Any, ...], dict[str, Any]]

# BANK_029: a path's best option is in the same position in every choice question with at least
# this many options (fewer give coincidences too easily: with two, half of all orders agree) ...
POSITION_MIN_OPTIONS = 4
# ... and there are at least this many such questions (two agreeing is a coincidence one in four).
POSITION_MIN_QUESTIONS = 3

# BANK_028: what the quiz page already prints next to a question, in the words authors repeat.
# A multi question gets "Choose up to N." / "Choose all that apply." ("최대 N개까지 고르세요." /
# "해당하는 것을 모두 고르세요."); an optional one gets "(optional)" ("(선택)").
_MULTI_HINTS = [
    re.compile(r"\b(choose|select|pick|tick|check)\s+(up\s+to|at\s+most|no\s+more\s+than)\s+(\d+|one|two|three|"
               r"four|five|six|seven|eight|nine|ten)\b", re.I),
    re.compile(r"\b(choose|select|pick|tick|check)\s+(all|any|as\s+many)\b.*\b(apply|applies|like|want)\b", re.I),
    re.compile(r"최대\s*\d+\s*(개|가지)"),
    re.compile(r"\d+\s*(개|가지)\s*(까지|이하)"),
    re.compile(r"(해당하는|원하는)\s*(것|항목)(을|은)?\s*모두"),
    re.compile(r"복수\s*(선택|응답)"),
]
_OPTIONAL_HINTS = [re.compile(r"\(\s*optional\s*\)", re.I), re.compile(r"\(\s*선택\s*(사항)?\s*\)")]

# BANK_027: a short title is set inside sentences ("an Engineer–ops hybrid", "Data eng. + Ops"), so
# one ending in a full stop, comma, colon or dash prints "Data eng.." or "Ops:," on the page.
# Closing brackets and quotes are fine ("Ops (MLOps)").
_TRAILING = {"Po", "Pd"}
_QUOTES = {"'", '"'}


def taker_findings(bank: Bank) -> list[Finding]:
    out: list[Finding] = []
    out += _rules_without_description(bank)
    out += _short_titles(bank)
    out += _repeated_hints(bank)
    out += _option_positions(bank)
    return out


def _texts(bank: Bank, value: Any) -> list[tuple[str, str]]:
    """(language, text) for each language a localised value has."""
    if value is None:
        return []
    if isinstance(value, str):
        return [(bank.languages[0], value)]
    return [(lang, text) for lang, text in value.items() if isinstance(text, str)]


def _rules_without_description(bank: Bank) -> list[Finding]:
    """BANK_026: a rule that moves scores is listed among the reasons for a result, under its
    `description`; without one the page can only say "A combination of your answers"."""
    return [(ErrorCode.BANK_026, ("rules", i, "id"), {"id": r.id})
            for i, r in enumerate(bank.rules)
            if r.description is None and any(v for v in r.then.points.values())]


def _short_titles(bank: Bank) -> list[Finding]:
    out: list[Finding] = []
    for i, p in enumerate(bank.paths):
        for lang, text in _texts(bank, p.short_title):
            stripped = text.rstrip()
            last = stripped[-1:] if stripped else ""
            if last and last not in _QUOTES and unicodedata.category(last) in _TRAILING:
                where = ("paths", i, "short_title") + ((lang,) if isinstance(p.short_title, dict) else ())
                out.append((ErrorCode.BANK_027, where, {"text": stripped, "mark": last}))
    return out


def _repeated_hints(bank: Bank) -> list[Finding]:
    out: list[Finding] = []
    for i, q in enumerate(bank.questions):
        patterns = (_MULTI_HINTS if q.type == "multi" else []) + ([] if q.required else _OPTIONAL_HINTS)
        if not patterns:
            continue
        for key in ("text", "help"):
            value = getattr(q, key)
            for lang, text in _texts(bank, value):
                hit = next((m for pat in patterns if (m := pat.search(text))), None)
                if hit:
                    where = ("questions", i, key) + ((lang,) if isinstance(value, dict) else ())
                    out.append((ErrorCode.BANK_028, where, {"found": hit.group(0), "where": key}))
    return out


def _best_option(q: Question, path: str) -> int | None:
    """The position of the one option that gives `path` the most points, if it gives some."""
    points = [o.points.get(path, 0.0) for o in q.options]
    top = max(points)
    if top <= 0 or points.count(top) > 1:
        return None
    return points.index(top)


def _option_positions(bank: Bank) -> list[Finding]:
    """BANK_029: a taker who leans to one path picks its option; when that option sits in the same
    place in every question, the answers look like straight-lining ("many answers in a row were
    the same", docs/scoring.md) and the result is flagged as untrustworthy."""
    questions = [q for q in bank.questions
                 if q.type == "choice" and len(q.options) >= POSITION_MIN_OPTIONS and not q.shuffle]
    out: list[Finding] = []
    for i, path in enumerate(bank.path_ids):
        places = [pos for q in questions if (pos := _best_option(q, path)) is not None]
        if len(places) >= POSITION_MIN_QUESTIONS and len(set(places)) == 1:
            out.append((ErrorCode.BANK_029, ("paths", i, "id"),
                        {"id": path, "position": places[0] + 1, "count": len(places)}))
    return out
