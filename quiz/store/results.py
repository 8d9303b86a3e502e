"""Removing stored results: the one way a result row leaves the database.

Everything that deletes results goes through `delete_results`: a taker's delete
(quiz.service.delete_result, from the page or the API) and the retention purge
(quiz.store.retention, `quiz purge` and each server's hourly batch). Whatever keeps figures derived
from results (an aggregate table, a link between results) updates them here, in the same
transaction, so no delete path can leave them behind.
"""
from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from quiz.extensions import db
from quiz.store import drafts, models, norms

_TABLE = models.Result.__table__


def delete_results(result_ids: Collection[int]) -> list[str]:
    """Delete the results with these ids, and the drafts they were submitted from, inside the
    caller's transaction (the caller commits, or rolls back on an error). Returns the tokens of
    the results that were there and went, for the caches and files keyed by token."""
    ids = list(result_ids)
    if not ids:
        return []
    # RETURNING: the rows this statement removed, so a result two requests delete at once is
    # counted out of the percentiles once (the second DELETE returns nothing).
    rows = db.session.execute(
        sa.delete(_TABLE).where(_TABLE.c.id.in_(ids))
        .returning(_TABLE.c.token, _TABLE.c.submission_id, _TABLE.c.bank_id, _TABLE.c.bank_version,
                   _TABLE.c.outcome)).all()
    if not rows:
        return []
    norms.remove(rows)  # percentiles from real takers; retake links go with the rows (ON DELETE CASCADE)
    # The drafts hold the same answers and the result's token: nothing of them may stay behind.
    drafts.delete_for_results([r.token for r in rows], [r.submission_id for r in rows if r.submission_id])
    return [r.token for r in rows]
