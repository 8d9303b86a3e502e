"""A preview of a result: a bank's answers validated, scored and analysed exactly as `submit`
does, and nothing stored (no result, no snapshot, no draft). /author shows the results page a
bank would produce through it, for a bank that need not be served or stored anywhere."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import current_app

from quiz.bank import Bank
from quiz.service.results import InvalidAnswers, _jsonable

PREVIEW_TOKEN = "preview"  # what a preview has where a stored result has its token


@dataclass(frozen=True)
class PreviewResult:
    """The attributes of a stored result the results view reads, with the bank it was scored on
    (a stored result names a snapshot instead)."""

    bank: Bank
    lang: str
    answers: dict[str, Any]
    outcome: dict[str, Any]
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    token: str = PREVIEW_TOKEN

    @property
    def bank_id(self) -> str:
        return self.bank.id

    @property
    def bank_version(self) -> int:
        return self.bank.version

    @property
    def bank_hash(self) -> str:
        return self.bank.content_hash


def preview_result(bank: Bank, raw_answers: Mapping, *, lang: str = "en") -> PreviewResult:
    """The result `submit` would store for these answers, not stored. Raises InvalidAnswers as
    submit does."""
    from quiz.engine import analyse, score, validate_answers

    clean, errors = validate_answers(bank, raw_answers)
    if errors:
        raise InvalidAnswers(errors)
    outcome = score(bank, clean).to_dict()
    try:
        outcome.update(analyse(bank, clean, outcome))
    except Exception:  # as submit: the result stands without "what would change" and "how firm"
        current_app.logger.exception("what_would_change / stability failed for bank %s", bank.content_hash)
    return PreviewResult(bank=bank, lang=lang if lang in bank.languages else bank.languages[0],
                         answers=_jsonable(clean), outcome=outcome)
