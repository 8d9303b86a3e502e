"""Retention: drafts untouched for QUIZ_DRAFT_DAYS and, when QUIZ_RESULT_DAYS is set, results older
than that are deleted. `quiz purge` runs it (from cron or a systemd timer, docs/deploy.md); each
server process also runs a bounded batch of it once an hour (quiz.store.db.purge_when_due).

Results go through quiz.store.results.delete_results, as a taker's own delete does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from quiz.extensions import db
from quiz.store import drafts, models
from quiz.store.results import delete_results

# Results are deleted this many to a transaction, so a large purge never holds SQLite's write lock
# for long: submissions keep going between the batches.
BATCH = 500


@dataclass(frozen=True)
class Purged:
    """What a purge removed (or, with dry_run, would remove)."""

    drafts: int
    results: int
    draft_cutoff: datetime
    result_cutoff: datetime | None  # None: results are kept (QUIZ_RESULT_DAYS unset)
    dry_run: bool = False
    tokens: list[str] = field(default_factory=list)  # of the results deleted


def cutoffs(now: datetime | None = None) -> tuple[datetime, datetime | None]:
    """Drafts last saved before the first moment, and results created before the second, have
    expired. The second is None when results are kept."""
    now = now or models.utcnow()
    result_days = current_app.config.get("QUIZ_RESULT_DAYS")
    return now - drafts.lifetime(), (now - timedelta(days=result_days) if result_days else None)


def purge(now: datetime | None = None, *, dry_run: bool = False, limit: int | None = None) -> Purged:
    """Delete expired drafts, then expired results (at most `limit` of each), committing as it
    goes. With `dry_run`, count them and change nothing."""
    draft_cutoff, result_cutoff = cutoffs(now)
    draft_table = models.Draft.__table__
    result_table = models.Result.__table__
    expired_drafts = draft_table.c.updated_at < draft_cutoff
    if dry_run:
        n_drafts = _count(draft_table, expired_drafts, limit)
        n_results = 0 if result_cutoff is None else _count(
            result_table, result_table.c.created_at < result_cutoff, limit)
        db.session.rollback()
        return Purged(n_drafts, n_results, draft_cutoff, result_cutoff, dry_run=True)

    # Drafts first: the drafts of expired results then go with their results, and the counts
    # are those a dry run reports.
    doomed = sa.select(draft_table.c.token).where(expired_drafts)
    if limit is not None:
        doomed = doomed.order_by(draft_table.c.updated_at).limit(limit)
    n_drafts = db.session.execute(sa.delete(draft_table).where(draft_table.c.token.in_(doomed))).rowcount or 0
    db.session.commit()

    tokens: list[str] = []
    while result_cutoff is not None and (limit is None or len(tokens) < limit):
        size = BATCH if limit is None else min(BATCH, limit - len(tokens))
        ids = db.session.execute(sa.select(result_table.c.id).where(result_table.c.created_at < result_cutoff)
                                 .order_by(result_table.c.id).limit(size)).scalars().all()
        if not ids:
            break
        try:
            tokens += delete_results(ids)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return Purged(n_drafts, len(tokens), draft_cutoff, result_cutoff, tokens=tokens)


def _count(table: sa.Table, expired: sa.ColumnElement, limit: int | None) -> int:
    n = db.session.execute(sa.select(sa.func.count()).select_from(table).where(expired)).scalar() or 0
    return n if limit is None else min(n, limit)
