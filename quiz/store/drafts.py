"""Quiz drafts: the answers given so far, kept server-side under a random token.

A draft is what makes Back, reloads, an expired form token and "continue later" safe: every POST
writes the page's answers here before anything else happens. Its token is a bearer secret (it is
also the "continue later" link), so it is random (≥128 bits) and never derived from anything.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from quiz.extensions import db
from quiz.store.models import Draft, utcnow
from quiz.store.tokens import new_token, plausible

LIFETIME = timedelta(days=7)  # after the last save; quiz.store.db.purge_expired_drafts deletes them



def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone-aware columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def expires_at(draft: Draft) -> datetime:
    """A draft lives for LIFETIME after its last save, so a taker who keeps going keeps it."""
    return _aware(draft.updated_at) + LIFETIME


def is_expired(draft: Draft, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= expires_at(draft)


def create(bank_id: str, lang: str) -> Draft:
    draft = Draft(token=new_token(), bank_id=bank_id, answers={}, lang=lang,
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
    match = _TABLE.c.result_token == result_token
    if submission_id:
        match = sa.or_(match, _TABLE.c.token == submission_id)
    return db.session.execute(sa.delete(_TABLE).where(match)).rowcount or 0
