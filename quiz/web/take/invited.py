"""A quiz taken from someone's shared result ("Take it and compare with this result").

The shared result's link sends the visitor to the start page with `?compare=<token>`. The token
is checked (a stored result of this bank) and kept in the session cookie, first against the bank
(until Start makes a draft), then against that draft; the submit then lands on /compare with both
results instead of on the taker's own page. Only the token travels: nothing of the shared result
is copied, and the compare page shows scores only, never answers. A start page opened without
`?compare=` drops a pending invitation, so a plain retake is never compared by surprise.
"""
from __future__ import annotations

from typing import Any

from flask import session, url_for

from quiz import service

PENDING = "compare_pending"  # session: {bank id: shared result token}, until Start
BY_DRAFT = "compare_drafts"  # session: {draft token: shared result token}, until the submit
KEPT = 5                     # the session is a cookie: keep a handful at most


def _valid(bank_id: str, token: Any) -> str | None:
    if not isinstance(token, str) or not token:
        return None
    result = service.get_result(token)  # None for an implausible or unknown token
    return token if result is not None and result.bank_id == bank_id else None


def _store(key: str, mapping: dict[str, str]) -> None:
    session[key] = dict(list(mapping.items())[-KEPT:])


def note(bank_id: str, asked: Any) -> str | None:
    """The start page was opened: keep the shared result it names (if it is one of this bank's),
    or forget any pending one. Returns the token kept."""
    pending = dict(session.get(PENDING) or {})
    token = _valid(bank_id, asked) if asked is not None else None
    if token:
        pending[bank_id] = token
    elif bank_id not in pending:
        return None
    else:
        pending.pop(bank_id)
    _store(PENDING, pending)
    return token


def attach(bank_id: str, draft_token: str) -> None:
    """Start made a draft: the pending invitation for this bank now belongs to it."""
    pending = dict(session.get(PENDING) or {})
    token = pending.pop(bank_id, None)
    if token is None:
        return
    _store(PENDING, pending)
    by_draft = dict(session.get(BY_DRAFT) or {})
    by_draft[draft_token] = token
    _store(BY_DRAFT, by_draft)


def compare_url(draft_token: str, own_token: str, own_label: str) -> str | None:
    """Where the submit of this draft should land: /compare with the shared result first and the
    taker's own second (named `own_label`), or None when the draft came from no invitation or the
    shared result is gone by now."""
    by_draft = dict(session.get(BY_DRAFT) or {})
    shared = by_draft.pop(draft_token, None)
    if shared is None:
        return None
    _store(BY_DRAFT, by_draft)
    if not isinstance(shared, str) or not service.result_exists(shared) or shared == own_token:
        return None
    return url_for("results.compare", r=[shared, own_token], name=["", own_label])
