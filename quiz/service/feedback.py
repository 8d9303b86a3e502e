"""A result's owner talking back, and what real takers say about a score: "does this fit you?",
retakes, and percentiles from real takers (quiz.store.norms, quiz.store.feedback).

Who owns a result is the web layer's question (the session's delete key, or a delete key
given); here an owner is whoever holds a key that matches.
"""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from quiz.extensions import db
from quiz.service.results import hash_key, norms_min
from quiz.store import feedback, models, norms
from quiz.store.tokens import plausible

FIT_ANSWERS = feedback.FIT_ANSWERS


class NotOwner(Exception):
    """The key given does not open this result."""


@dataclass(frozen=True)
class Percentiles:
    takers: int  # the version's stored results, this one included
    shares: dict[str, int] | None  # per path, the share (0–100) of takers scoring below; None below the minimum


def percentiles(result: Any) -> Percentiles:
    """Where this result's scores stand among the stored results of its bank version."""
    takers, shares = norms.percentiles(result.bank_id, result.bank_version, result.outcome, norms_min())
    return Percentiles(takers, shares)


def takers_bucket(takers: int) -> int:
    """What a cached public page depends on: the version's count once percentiles show, else 0
    (below the minimum the page is the same whatever the count)."""
    return takers if takers >= max(norms_min(), 1) else 0


def result_and_takers(token: str) -> tuple[bool, int]:
    """(whether the result exists, its version's count): one statement before a cached page."""
    if not plausible(token):
        return False, 0
    return norms.result_and_takers(token)


def give_fit(result: Any, answer: str) -> bool:
    """Store the owner's answer to "does this fit you?" (the caller checked the key). True when
    stored now; False when the result had an answer already (the first one stays)."""
    try:
        stored = feedback.record_fit(result.id, answer)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return stored


def fit_of(result_id: int) -> str | None:
    """The answer stored for the result, read now (not from a row read before a POST)."""
    return db.session.execute(sa.select(models.Result.fit).where(models.Result.id == result_id)).scalar()


def latest_owned(bank_id: str, keys: Mapping[str, str]) -> str | None:
    """The token of the most recent result of `bank_id` that one of `keys` ({token: delete key},
    oldest first, as a session holds them) opens: the result a new submission retakes."""
    tokens = [t for t in keys if plausible(t) and isinstance(keys[t], str)]
    if not tokens:
        return None
    table = models.Result.__table__
    rows = db.session.execute(sa.select(table.c.token, table.c.delete_key_hash, table.c.id)
                              .where(table.c.token.in_(tokens), table.c.bank_id == bank_id)).all()
    opened = [r for r in rows if hmac.compare_digest(r.delete_key_hash, hash_key(keys[r.token]))]
    return max(opened, key=lambda r: r.id).token if opened else None


@dataclass(frozen=True)
class Retake:
    """A result linked to this one: the one it retook (`before`), or the one that retook it."""

    token: str
    created_at: Any
    outcome: dict[str, Any]
    bank_version: int


def retakes(result: Any) -> tuple[Retake | None, Retake | None]:
    """(the earlier result this one retook, the later result that retook this one)."""
    before, after = feedback.retake_links(result.id)

    def wrap(row: Any) -> Retake | None:
        return None if row is None else Retake(row.token, row.created_at, row.outcome or {}, row.bank_version)
    return wrap(before), wrap(after)
