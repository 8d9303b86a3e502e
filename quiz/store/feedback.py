"""What takers tell us back: "does this fit you?" (once per result) and retakes (a link from a
taker's earlier result to their later one), and the reports `quiz stats` makes of them.

The web layer decides who the owner is; this module only stores and counts.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from quiz.bank import Bank
from quiz.extensions import db
from quiz.store import models

FIT_ANSWERS = ("yes", "partly", "no")
# "no" answer sets listed by `quiz stats` for the author to study: the most recent ones.
NO_VOTES_LISTED = 50
BATCH = 1000

_RESULT = models.Result.__table__
_LINK = models.ResultLink.__table__


# -- "does this fit you?" ---------------------------------------------------------------------

def record_fit(result_id: int, answer: str) -> bool:
    """Store the answer unless the result has one already, inside the caller's transaction.
    True when this call stored it; a second answer, even at the same moment, changes nothing."""
    if answer not in FIT_ANSWERS:
        raise ValueError(f"fit must be one of {', '.join(FIT_ANSWERS)}")
    done = db.session.execute(
        sa.update(_RESULT).where(_RESULT.c.id == result_id, _RESULT.c.fit.is_(None))
        .values(fit=answer, fit_at=models.utcnow()))
    return bool(done.rowcount)


def _outcome_parts(outcome: dict[str, Any]) -> tuple[str, str | None, str | None]:
    primary = outcome.get("primary") or "?"
    pair = "+".join(sorted([primary, outcome["secondary"]])) if outcome.get("hybrid") and outcome.get("secondary") else None
    archetype = (outcome.get("archetype") or {}).get("id")
    return primary, pair, archetype


def _with_fit(bank: Bank, cohort_id: int | None) -> Iterator[Any]:
    stmt = (sa.select(_RESULT.c.id, _RESULT.c.fit, _RESULT.c.outcome, _RESULT.c.answers)
            .where(_RESULT.c.bank_id == bank.id, _RESULT.c.bank_version == bank.version, _RESULT.c.fit.is_not(None)))
    if cohort_id is not None:
        stmt = stmt.where(_RESULT.c.cohort_id == cohort_id)
    yield from db.session.execute(stmt.order_by(_RESULT.c.id).execution_options(yield_per=BATCH))


def fit_report(bank: Bank, *, cohort_id: int | None = None) -> dict[str, Any]:
    """How takers of this bank version (of one cohort, with `cohort_id`) answered "does this fit
    you?": overall, per primary path, per hybrid pair and per daily life (archetype); and the
    answer sets behind the latest "no" votes (answers and outcome only: no token, key or date),
    for the author to study."""
    def counts() -> dict[str, int]:
        return dict.fromkeys(FIT_ANSWERS, 0)

    total = counts()
    by_path: dict[str, dict[str, int]] = {p: counts() for p in bank.path_ids}
    by_pair: dict[str, dict[str, int]] = defaultdict(counts)
    by_archetype: dict[str, dict[str, int]] = {a.id: counts() for a in bank.archetypes}
    no_votes: list[dict[str, Any]] = []
    for row in _with_fit(bank, cohort_id):
        if row.fit not in total:
            continue
        outcome = row.outcome or {}
        primary, pair, archetype = _outcome_parts(outcome)
        total[row.fit] += 1
        by_path.setdefault(primary, counts())[row.fit] += 1
        if pair:
            by_pair[pair][row.fit] += 1
        if archetype:
            by_archetype.setdefault(archetype, counts())[row.fit] += 1
        if row.fit == "no":
            no_votes.append({"outcome": {"primary": primary, "secondary": outcome.get("secondary"),
                                         "hybrid": bool(outcome.get("hybrid")),
                                         "balanced": bool(outcome.get("balanced")),
                                         "scores": outcome.get("scores") or {}, "archetype": archetype},
                             "answers": row.answers or {}})
            if len(no_votes) > NO_VOTES_LISTED:
                no_votes.pop(0)
    answered = sum(total.values())
    return {"answered": answered, "counts": total,
            "yes_share": round(total["yes"] / answered, 3) if answered else None,
            "by_path": by_path, "by_hybrid_pair": dict(sorted(by_pair.items())),
            "by_archetype": by_archetype, "no_answer_sets": no_votes[::-1]}


# -- retakes ----------------------------------------------------------------------------------

def link_retake(earlier_token: str, later_token: str) -> None:
    """Link a taker's earlier result to the later one, inside the caller's transaction (the
    later result's submission). Nothing happens if the earlier one is gone by now."""
    earlier = sa.select(_RESULT.c.id).where(_RESULT.c.token == earlier_token).scalar_subquery()
    later = sa.select(_RESULT.c.id).where(_RESULT.c.token == later_token).scalar_subquery()
    db.session.execute(
        sa.insert(_LINK).from_select(
            ["earlier_id", "later_id", "created_at"],
            sa.select(earlier, later, sa.literal(models.utcnow(), sa.DateTime(timezone=True)))
            .where(earlier.is_not(None), later.is_not(None))))


def _linked(column: sa.Column, other: sa.Column, result_id: int) -> Any:
    stmt = (sa.select(_RESULT.c.token, _RESULT.c.created_at, _RESULT.c.outcome, _RESULT.c.bank_version)
            .join(_LINK, other == _RESULT.c.id).where(column == result_id)
            .order_by(_RESULT.c.id.desc()).limit(1))
    return db.session.execute(stmt).first()


def retake_links(result_id: int) -> tuple[Any, Any]:
    """(the result this one retook, the result that retook this one): rows with token,
    created_at, outcome and bank_version, or None."""
    return (_linked(_LINK.c.later_id, _LINK.c.earlier_id, result_id),
            _linked(_LINK.c.earlier_id, _LINK.c.later_id, result_id))


def retest_report(bank: Bank, *, cohort_id: int | None = None) -> dict[str, Any]:
    """Test–retest agreement over retakes where both results are on this bank version: how
    often the outcome (primary, hybrid or balanced, secondary when hybrid) and the leading path
    stayed the same, and per path the correlation and mean absolute change of the scores."""
    earlier = _RESULT.alias("earlier")
    later = _RESULT.alias("later")
    stmt = (sa.select(earlier.c.outcome.label("before"), later.c.outcome.label("after"))
            .select_from(_LINK.join(earlier, earlier.c.id == _LINK.c.earlier_id)
                         .join(later, later.c.id == _LINK.c.later_id))
            .where(earlier.c.bank_id == bank.id, later.c.bank_id == bank.id,
                   earlier.c.bank_version == bank.version, later.c.bank_version == bank.version))
    if cohort_id is not None:
        stmt = stmt.where(later.c.cohort_id == cohort_id)
    stmt = stmt.execution_options(yield_per=BATCH)
    pairs = 0
    same_outcome = same_primary = 0
    xs: dict[str, list[tuple[float, float]]] = {p: [] for p in bank.path_ids}
    for row in db.session.execute(stmt):
        before, after = row.before or {}, row.after or {}
        pairs += 1
        same_primary += before.get("primary") == after.get("primary")
        same_outcome += outcome_key(before) == outcome_key(after)
        for p in xs:
            a, b = (before.get("scores") or {}).get(p), (after.get("scores") or {}).get(p)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                xs[p].append((float(a), float(b)))
    per_path = {}
    for p, values in xs.items():
        per_path[p] = {"r": _correlation(values),
                       "mean_abs_change": round(sum(abs(b - a) for a, b in values) / len(values), 1) if values else None}
    return {"pairs": pairs,
            "same_outcome": round(same_outcome / pairs, 3) if pairs else None,
            "same_primary": round(same_primary / pairs, 3) if pairs else None,
            "scores": per_path}


def outcome_key(outcome: dict[str, Any]) -> tuple:
    """What "the same outcome" means: balanced, or the primary path, and the secondary when hybrid."""
    if outcome.get("balanced"):
        return ("balanced",)
    return (outcome.get("primary"), outcome.get("secondary") if outcome.get("hybrid") else None)


def _correlation(values: list[tuple[float, float]]) -> float | None:
    n = len(values)
    if n < 3:
        return None
    mx = sum(a for a, _ in values) / n
    my = sum(b for _, b in values) / n
    sxy = sum((a - mx) * (b - my) for a, b in values)
    sxx = sum((a - mx) ** 2 for a, _ in values)
    syy = sum((b - my) ** 2 for _, b in values)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return round(sxy / (sxx * syy) ** 0.5, 3)
