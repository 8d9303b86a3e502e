"""The engine: answers → outcome, and everything computed from an outcome. Pure: no Flask, no
database (tests/test_architecture.py holds it to that).

`answers` checks a taker's answers; `rules` compiles the bank's conditions; `scoring` turns
answers into an `Outcome` (scores, paths, daily life, explanations) against exact bounds;
`sensitivity` says what would change the outcome and how firm it is; `content` picks the
results-page content that fits this taker; `simulate` audits a bank's balance; `checks` finds what
only scoring shows about a bank (`quiz check`).
"""
from quiz.engine import scoring as _scoring
from quiz.engine import sensitivity as _sensitivity
from quiz.engine.answers import Answer, AnswerError, validate_answers
from quiz.engine.checks import findings as bank_findings
from quiz.engine.content import MAX_STEPS, Composition, compose
from quiz.engine.rules import FLAGS, bank_store, compile_condition, describe, per_bank, questions_read
from quiz.engine.scoring import Outcome, bounds, bounds_exact, maximising_answers, minimising_answers, score
from quiz.engine.sensitivity import analyse
from quiz.engine.simulate import random_answers, render, run_audit

__all__ = [
    "FLAGS", "MAX_STEPS", "Answer", "AnswerError", "Composition", "Outcome", "analyse", "bank_findings", "bank_store",
    "bounds",
    "bounds_exact",
    "compile_condition", "compose", "describe", "maximising_answers", "minimising_answers", "per_bank",
    "prepare", "questions_read", "random_answers", "render", "run_audit", "score", "validate_answers",
]


def prepare(bank) -> None:
    """Work out, once per bank at load, everything scoring and the sensitivity analyses need
    (exact bounds, answer tables, bootstrap weights), so no request pays for it."""
    _scoring.prepare(bank)
    _sensitivity.prepare(bank)
