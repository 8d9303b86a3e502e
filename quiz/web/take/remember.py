"""This browser's open drafts, kept in the session cookie, so the start page can offer "continue"."""
from __future__ import annotations

from flask import session

from quiz.store.drafts import is_expired, peek
from quiz.store.models import Draft

SESSION_KEY = "drafts"  # {bank id: draft token}


def remember(draft: Draft) -> None:
    """Keep the draft's token in the session, so the start page can offer "continue"."""
    known = dict(session.get(SESSION_KEY) or {})
    if known.get(draft.bank_id) != draft.token:
        known[draft.bank_id] = draft.token
        session[SESSION_KEY] = known


def forget(bank_id: str) -> None:
    known = dict(session.get(SESSION_KEY) or {})
    if known.pop(bank_id, None) is not None:
        session[SESSION_KEY] = known


def remembered(bank_id: str) -> Draft | None:
    """The taker's open draft for this bank, if the session knows one that is still usable."""
    token = (session.get(SESSION_KEY) or {}).get(bank_id)
    if not token:
        return None
    draft = peek(token)
    if draft is None or draft.result_token or is_expired(draft) or draft.bank_id != bank_id:
        return None
    return draft
