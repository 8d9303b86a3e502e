"""Answers as a taker gives them, checked against a bank: the gate before scoring.

The API hands in JSON-ish values; this module is strict about them (a scale answer is a whole
number, not the string "3": the web form layer converts its own strings before calling here).
Every problem is reported, each naming the question and what was wrong, so a taker or a client
fixes everything in one go. Valid answers are returned even when others are not, so a draft never
loses what a taker already gave.

No Flask, no database: this module is imported by the web layer, the CLI and the tests alike.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from quiz.bank import Bank, Question, describe_value, did_you_mean
from quiz.engine.rules import bank_store, per_bank

# A cleaned answer: scale → int, choice → option id, multi → option ids in the bank's option order.
Answer = Union[int, str, tuple[str, ...]]

# Work budgets for what a client sends (issue 12): an answer object with more keys than this is
# refused before any key is looked at (one clear error), and "did you mean" is worked out only
# for the first SUGGESTED errors in the order returned (the API lists at most 100).
def most_keys(question_count: int) -> int:
    return 2 * question_count + 10


SUGGESTED = 100
NAMES_LISTED = 5  # unknown option ids named in one message; the rest are counted

# The stable error codes, in the order a reader meets them (also the API's `errors[].code`).
CODES = ("wrong_type", "unknown_question", "missing", "unknown_option", "out_of_range",
         "not_integer", "too_many_choices", "empty_choice")


@dataclass(frozen=True)
class AnswerError:
    """One problem with one answer (an item of the API's 422 `errors` list)."""

    question: str | None  # the question id; None for a problem with the whole payload
    code: str             # one of CODES
    message: str          # English; says what and where

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "code": self.code, "message": self.message}


def _describe(value: Any) -> str:
    return describe_value(value, json_terms=True)


def _clip(word: str, width: int = 64) -> str:
    """A client's word as a message quotes it: a 2 MB key must not become a 2 MB error."""
    return word if len(word) <= width else word[:width - 1] + "…"


def _did_you_mean(word: str, choices: Any) -> str:
    return did_you_mean(word, list(choices))


class _Table:
    """Per-bank lookups for validation, built once per bank content (bank objects are frozen)."""

    __slots__ = ("questions", "order", "required", "option_rank", "option_list", "option_ids", "specs")

    def __init__(self, bank: Bank):
        self.questions: dict[str, Question] = {q.id: q for q in bank.questions}
        self.order = tuple(q.id for q in bank.questions)
        self.required = tuple(q.id for q in bank.questions if q.required)
        # option id → its position, for putting multi answers in the bank's order
        self.option_rank = {q.id: {o.id: i for i, o in enumerate(q.options)} for q in bank.questions}
        self.option_list = {q.id: ", ".join(o.id for o in q.options) for q in bank.questions}
        self.option_ids = {q.id: q.option_ids for q in bank.questions}
        # What the common, valid case needs, as plain values: (id, kind, allowed values or option
        # ranks, most choices). The fast path accepts a well-formed answer in a few operations;
        # anything else goes to the checks that explain what is wrong.
        self.specs = tuple(
            (q.id, q.type,
             frozenset(q.scale.values) if q.type == "scale" else self.option_rank[q.id],
             q.max_choices if q.max_choices is not None else len(q.options))
            for q in bank.questions)


_TABLES = bank_store("answer tables")


def _table(bank: Bank) -> _Table:
    return per_bank(_TABLES, bank, _Table)


def _check_scale(q: Question, qid: str, value: Any) -> tuple[Answer | None, AnswerError | None]:
    lo, hi = q.scale.min, q.scale.max
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, AnswerError(qid, "wrong_type",
                                 f"question '{qid}' takes a whole number from {lo} to {hi}; got {_describe(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            return None, AnswerError(qid, "not_integer",
                                     f"question '{qid}' takes a whole number from {lo} to {hi}; got {value}")
        value = int(value)
    if not lo <= value <= hi:
        return None, AnswerError(qid, "out_of_range",
                                 f"question '{qid}' takes a whole number from {lo} to {hi}; got {value}")
    return value, None


def _check_choice(table: _Table, qid: str, value: Any) -> tuple[Answer | None, AnswerError | None]:
    if not isinstance(value, str):
        return None, AnswerError(qid, "wrong_type",
                                 f"question '{qid}' takes one option id (a string); got {_describe(value)}")
    if value not in table.option_rank[qid]:
        return None, AnswerError(qid, "unknown_option",
                                 f"question '{qid}' has no option '{_clip(value)}'"
                                 f"{_did_you_mean(_clip(value), table.option_rank[qid])}; "
                                 f"options are: {table.option_list[qid]}")
    return value, None


def _check_multi(table: _Table, q: Question, qid: str, value: Any,
                 partial: bool) -> tuple[Answer | None, AnswerError | None]:
    if not isinstance(value, (list, tuple)):
        return None, AnswerError(qid, "wrong_type",
                                 f"question '{qid}' takes a list of option ids; got {_describe(value)}")
    rank = table.option_rank[qid]
    bad_type = [v for v in value if not isinstance(v, str)]
    if bad_type:
        return None, AnswerError(qid, "wrong_type",
                                 f"question '{qid}' takes a list of option ids (strings); "
                                 f"got {_describe(bad_type[0])} in the list")
    unknown = [v for v in dict.fromkeys(value) if v not in rank]
    if unknown:
        names = ", ".join(f"'{_clip(v)}'" for v in unknown[:NAMES_LISTED])
        if len(unknown) > NAMES_LISTED:
            names += f" and {len(unknown) - NAMES_LISTED} more"
        hint = _did_you_mean(_clip(unknown[0]), rank) if len(unknown) == 1 else ""
        return None, AnswerError(qid, "unknown_option",
                                 f"question '{qid}' has no option{'s' if len(unknown) > 1 else ''} {names}"
                                 f"{hint}; options are: {table.option_list[qid]}")
    chosen = tuple(sorted(set(value), key=rank.__getitem__))
    if not chosen:
        if q.required and not partial:
            return None, AnswerError(qid, "empty_choice",
                                     f"question '{qid}' needs at least one option; options are: "
                                     f"{table.option_list[qid]}")
        # An optional multi left empty means "none of these": kept, it scores nothing.
        return (chosen if not q.required else None), None
    if q.max_choices is not None and len(chosen) > q.max_choices:
        return None, AnswerError(qid, "too_many_choices",
                                 f"question '{qid}' takes at most {q.max_choices} option"
                                 f"{'s' if q.max_choices != 1 else ''}; got {len(chosen)}")
    return chosen, None


def validate_answers(bank: Bank, raw: Mapping[str, Any], *,
                     partial: bool = False) -> tuple[dict[str, Answer], list[AnswerError]]:
    """Check raw answers against `bank`.

    Returns the cleaned valid answers (in the bank's question order) and every problem found.
    `partial=True` is for drafts: required questions may be missing, bad values are still errors.
    A `null` value counts as no answer.
    """
    if not isinstance(raw, Mapping):
        return {}, [AnswerError(None, "wrong_type",
                                f"answers must be an object of question id → answer; got {_describe(raw)}")]
    table = _table(bank)
    questions = table.questions
    limit = most_keys(len(questions))
    if len(raw) > limit:
        return {}, [AnswerError(None, "wrong_type",
                                f"answers must be an object of question id → answer with at most {limit} keys "
                                f"(this bank has {len(questions)} questions); got {len(raw)} keys")]
    clean: dict[str, Answer] = {}
    errors: list[AnswerError] = []
    unknown: set[str] = set()  # unknown question ids, given their "did you mean" once sorted
    for qid in raw:
        if qid not in questions:
            word = _clip(qid if isinstance(qid, str) else repr(qid))
            unknown.add(word)
            errors.append(AnswerError(word, "unknown_question", f"this bank has no question '{word}'"))
    get = raw.get
    for qid, qtype, allowed, most in table.specs:
        value = get(qid)
        if value is None:
            continue
        # Fast paths: a well-formed answer (bool is excluded: True would pass as the int 1).
        kind = type(value)
        if qtype == "scale":
            if kind is int and value in allowed:
                clean[qid] = value
                continue
        elif qtype == "choice":
            if kind is str and value in allowed:
                clean[qid] = value
                continue
        elif kind is list and 0 < len(value) <= most:
            try:
                ranks = sorted({allowed[v] for v in value})
            except (KeyError, TypeError):
                pass  # an unknown option or a non-string: the checks below say which
            else:
                if len(ranks) <= most and all(type(v) is str for v in value):
                    options = table.option_ids[qid]
                    clean[qid] = tuple(options[r] for r in ranks)
                    continue
        q = questions[qid]
        if qtype == "scale":
            answer, error = _check_scale(q, qid, value)
        elif qtype == "choice":
            answer, error = _check_choice(table, qid, value)
        else:
            answer, error = _check_multi(table, q, qid, value, partial)
        if error is not None:
            errors.append(error)
        elif answer is not None:
            clean[qid] = answer
    if not partial:
        wrong = None
        for qid in table.required:
            if qid not in clean:
                if wrong is None:
                    wrong = {e.question for e in errors}
                if qid not in wrong:
                    errors.append(AnswerError(qid, "missing", f"question '{qid}' needs an answer"))
    if len(errors) > 1:
        position = {qid: i for i, qid in enumerate(table.order)}
        errors.sort(key=lambda e: position.get(e.question, -1))  # stable: payload problems first
    if unknown:
        for i, e in enumerate(errors[:SUGGESTED]):
            if e.code == "unknown_question" and e.question in unknown:
                errors[i] = AnswerError(e.question, e.code, e.message + _did_you_mean(e.question, table.order))
    return clean, errors
