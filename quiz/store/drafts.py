"""Quiz drafts: the answers given so far, kept server-side under a random token.

A draft is what makes Back, reloads, an expired form token and "continue later" safe: every POST
writes the page's answers here before anything else happens. Its token is a bearer secret (it is
also the "continue later" link), so it is random (≥128 bits) and never derived from anything.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask import current_app

from quiz.extensions import db
from quiz.store.models import Draft, utcnow
from quiz.store.tokens import new_token, plausible

# After the last save; QUIZ_DRAFT_DAYS changes it, and quiz.store.retention purges what is past it.
LIFETIME = timedelta(days=7)


def lifetime() -> timedelta:
    """How long a draft lives after its last save: QUIZ_DRAFT_DAYS (default 7 days)."""
    try:
        days = current_app.config.get("QUIZ_DRAFT_DAYS")
    except RuntimeError:  # no app: the default
        days = None
    return timedelta(days=days) if days else LIFETIME


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def expires_at(draft: Draft) -> datetime:
    """A draft lives for `lifetime()` after its last save, so a taker who keeps going keeps it."""
    return _aware(draft.updated_at) + lifetime()


def is_expired(draft: Draft, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= expires_at(draft)


def create(bank_id: str, lang: str, cohort_id: int | None = None) -> Draft:
    """A new, empty draft; `cohort_id` when it was started from a cohort's link (its result is
    recorded with the cohort)."""
    draft = Draft(token=new_token(), bank_id=bank_id, answers={}, lang=lang, cohort_id=cohort_id,
                  created_at=utcnow(), updated_at=utcnow())
    db.session.add(draft)
    db.session.commit()
    return draft


def load(token: str, for_update: bool = False) -> Draft | None:
    """The draft with this token, or None. `for_update` locks the row (PostgreSQL) so two tabs
    saving at once cannot overwrite each other's answers; SQLite serialises writers anyway."""
    if not plausible(token):
        return None
    return db.session.get(Draft, token, with_for_update=for_update or None)


_TABLE = Draft.__table__
# Built once, so SQLAlchemy reuses its compiled form on every page view.
_PEEK = (sa.select(_TABLE.c.token, _TABLE.c.bank_id, _TABLE.c.answers, _TABLE.c.lang, _TABLE.c.result_token,
                   _TABLE.c.updated_at)
         .where(_TABLE.c.token == sa.bindparam("token")))


def peek(token: str) -> Any:
    """A read-only view of the draft (token, bank_id, answers, lang, result_token, updated_at),
    or None: one Core SELECT, for the pages that only show a draft (a third of an ORM load)."""
    if not plausible(token):
        return None
    # A pooled connection of its own, not the ORM session: the session's transaction
    # bookkeeping cost more than the lookup (as for service.result_exists).
    with db.engine.connect() as conn:
        return conn.execute(_PEEK, {"token": token}).first()


def save_answers(draft: Draft, given: dict[str, Any], cleared: tuple[str, ...] = (), lang: str | None = None) -> None:
    """Merge a page's answers into the draft and commit. `cleared` names questions the taker
    emptied (a multi question with every box unticked)."""
    answers = dict(draft.answers or {})
    answers.update(given)
    for qid in cleared:
        answers.pop(qid, None)
    # A new dict, not an in-place change: SQLAlchemy only sees a JSON column change on assignment.
    draft.answers = answers
    if lang:
        draft.lang = lang
    draft.updated_at = utcnow()
    db.session.commit()


def mark_submitted(draft: Draft, result_token: str, *, commit: bool = True) -> None:
    """Point the draft at its result. `commit=False` leaves it to the caller's transaction (the
    submission that stores the result commits both together)."""
    draft.result_token = result_token
    draft.updated_at = utcnow()
    if commit:
        db.session.commit()


def delete_for_result(result_token: str, submission_id: str | None = None) -> int:
    """Delete the draft behind a result, inside the caller's transaction (no commit): the draft
    that points at it (`result_token`), and the one whose token was its submission id (the quiz
    submits a draft under its own token). A deleted result must leave no copy of the answers, nor
    a "continue later" link that still leads to it. Returns how many drafts went."""
    return delete_for_results([result_token], [submission_id] if submission_id else [])


def delete_for_results(result_tokens: list[str], submission_ids: list[str]) -> int:
    """`delete_for_result` for many results at once (quiz.store.results.delete_results)."""
    if not result_tokens and not submission_ids:
        return 0
    match = _TABLE.c.result_token.in_(result_tokens)
    if submission_ids:
        match = sa.or_(match, _TABLE.c.token.in_(submission_ids))
    return db.session.execute(sa.delete(_TABLE).where(match)).rowcount or 0
