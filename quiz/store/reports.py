"""`quiz stats` and `quiz export`: what operators and authors learn from stored results.

Both stream rows from the database (a server-side cursor, constant memory), so they work the
same on a thousand results as on a million.
"""
from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from quiz.bank import Bank
from quiz.engine import psychometrics
from quiz.extensions import db
from quiz.store import models

BATCH = 1000
# Reliability figures are computed on at most this many results, drawn uniformly (a reservoir
# with a fixed seed), so a report on a million results stays within memory and seconds.
RESERVOIR = 5000
RESERVOIR_SEED = 20_261_201


def stream_results(bank_id: str, version: int | None = None, latest: int | None = None, *,
                   cohort_id: int | None = None) -> Iterator[models.Result]:
    """A bank's stored results in order; with `version`, only those taken on that version; with
    `latest`, only the newest `latest` of them (still oldest first, so that a report over all of
    a version's results gives the same figures as `quiz stats`)."""
    stmt = sa.select(models.Result).where(models.Result.bank_id == bank_id)
    if version is not None:
        stmt = stmt.where(models.Result.bank_version == version)
    if cohort_id is not None:  # only the results taken with this cohort (quiz stats --cohort)
        stmt = stmt.where(models.Result.cohort_id == cohort_id)
    if latest is not None:
        # At most `latest` rows, read at once: no server-side cursor, which PostgreSQL allows only
        # inside a transaction, and a page that only reads has none (quiz.store.db.reading_only).
        newest = stmt.with_only_columns(models.Result.id).order_by(models.Result.id.desc()).limit(latest)
        stmt = sa.select(models.Result).where(models.Result.id.in_(newest.scalar_subquery()))
        stmt = stmt.order_by(models.Result.id)
    else:
        stmt = stmt.order_by(models.Result.id).execution_options(yield_per=BATCH)
    for row in db.session.scalars(stmt):
        yield row


class _Moments:
    """Running sums for a mean, a standard deviation and a correlation (one pass, O(1) memory)."""

    __slots__ = ("n", "sx", "sy", "sxx", "syy", "sxy")

    def __init__(self) -> None:
        self.n = 0
        self.sx = self.sy = self.sxx = self.syy = self.sxy = 0.0

    def add(self, x: float, y: float = 0.0) -> None:
        self.n += 1
        self.sx += x
        self.sy += y
        self.sxx += x * x
        self.syy += y * y
        self.sxy += x * y

    @property
    def mean(self) -> float | None:
        return self.sx / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        var = (self.sxx - self.sx * self.sx / self.n) / (self.n - 1)
        return math.sqrt(max(var, 0.0))

    @property
    def r(self) -> float | None:
        if self.n < 3:
            return None
        cov = self.sxy - self.sx * self.sy / self.n
        vx = self.sxx - self.sx * self.sx / self.n
        vy = self.syy - self.sy * self.sy / self.n
        if vx <= 1e-12 or vy <= 1e-12:
            return None
        return cov / math.sqrt(vx * vy)


def versions_stored(bank_id: str) -> dict[int, int]:
    """How many results each version of the bank has."""
    rows = db.session.execute(sa.select(models.Result.bank_version, sa.func.count())
                              .where(models.Result.bank_id == bank_id).group_by(models.Result.bank_version))
    return {int(v): int(n) for v, n in rows}


def version_state(bank_id: str, version: int) -> tuple[int, int | None]:
    """(how many results this version has, the newest one's id): changes whenever one is added
    or deleted, so reports computed from them can be kept until it does."""
    count, newest = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(models.Result.id))
        .where(models.Result.bank_id == bank_id, models.Result.bank_version == version)).one()
    return int(count), newest


def compute_stats(bank: Bank, latest: int | None = None, *, cohort_id: int | None = None) -> dict[str, Any]:
    """Per item, over the results of `bank`'s own version only (never mixed): how often answered,
    the answer distribution, and for each path it scores the item–rest correlation (the item's
    points against the rest of that path's raw score): an item that does not move with the rest
    of its path measures something else. With `latest`, over only the newest `latest` results
    (/author's tables: bounded work per request)."""
    total = 0
    versions: Counter[int] = Counter()
    primaries: Counter[str] = Counter()
    hybrids = 0
    archetypes: Counter[str] = Counter()
    quality: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    distribution: dict[str, Counter] = defaultdict(Counter)
    scale_moments: dict[str, _Moments] = defaultdict(_Moments)
    item_rest: dict[tuple[str, str], _Moments] = defaultdict(_Moments)
    scored_paths = {q.id: q.scored_paths for q in bank.questions}
    sample: list[dict[str, Any]] = []  # a reservoir of outcomes for the reliability figures
    rnd = random.Random(RESERVOIR_SEED)
    for result in stream_results(bank.id, bank.version, latest, cohort_id=cohort_id):
        total += 1
        if len(sample) < RESERVOIR:
            sample.append(result.outcome or {})
        else:
            slot = rnd.randrange(total)
            if slot < RESERVOIR:
                sample[slot] = result.outcome or {}
        versions[result.bank_version] += 1
        outcome = result.outcome or {}
        primaries[outcome.get("primary", "?")] += 1
        hybrids += bool(outcome.get("hybrid"))
        if outcome.get("archetype"):
            archetypes[outcome["archetype"].get("id", "?")] += 1
        for q in outcome.get("quality") or []:
            quality[q] += 1
        points: dict[tuple[str, str], float] = defaultdict(float)
        for c in outcome.get("contributions") or []:
            if "question" in c:
                points[(c["question"], c["path"])] += c.get("points", 0.0)
        raw = outcome.get("raw_scores") or {}
        answers = result.answers or {}
        for q in bank.questions:
            if q.id not in answers:
                continue
            answered[q.id] += 1
            value = answers[q.id]
            if isinstance(value, list):
                for v in value:
                    distribution[q.id][str(v)] += 1
            else:
                distribution[q.id][str(value)] += 1
                if q.type == "scale" and isinstance(value, (int, float)):
                    scale_moments[q.id].add(float(value))
            for path in scored_paths[q.id]:
                x = points.get((q.id, path), 0.0)
                if path in raw:
                    item_rest[(q.id, path)].add(x, raw[path] - x)
    items = []
    for q in bank.questions:
        n = answered[q.id]
        entry: dict[str, Any] = {"question": q.id, "type": q.type, "answered": n,
                                 "skipped": total - n if total else 0}
        if q.type == "scale" and q.scale:
            entry["distribution"] = {str(v): distribution[q.id][str(v)] for v in q.scale.values}
            m = scale_moments[q.id]
            entry["mean"] = _round(m.mean)
            entry["sd"] = _round(m.sd)
            # Floor and ceiling: the share at each end of the scale (an item everyone maxes out
            # cannot tell takers apart).
            entry["floor"] = _round(distribution[q.id][str(q.scale.min)] / n) if n else None
            entry["ceiling"] = _round(distribution[q.id][str(q.scale.max)] / n) if n else None
        else:
            entry["distribution"] = {o.id: distribution[q.id][o.id] for o in q.options}
        entry["item_rest_r"] = {p: _round(item_rest[(q.id, p)].r) for p in scored_paths[q.id]}
        entry["notes"] = _item_notes(entry, n)
        items.append(entry)
    others = {v: n for v, n in versions_stored(bank.id).items() if v != bank.version}
    return {"bank": bank.id, "version": bank.version, "results": total,
            "versions": {str(k): v for k, v in sorted(versions.items())},
            "other_versions": {str(k): v for k, v in sorted(others.items())},
            "outcomes": {p: primaries[p] for p in bank.path_ids} | ({"?": primaries["?"]} if primaries["?"] else {}),
            "hybrid": hybrids, "archetypes": {a.id: archetypes[a.id] for a in bank.archetypes},
            "quality": dict(quality), "items": items,
            "reliability": psychometrics.reliability(bank, sample),
            "split_half_agreement": psychometrics.split_half_agreement(bank, sample),
            "reliability_sample": len(sample)}


def _round(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _item_notes(entry: dict[str, Any], n: int) -> list[str]:
    notes = []
    if n >= 20:
        dist = entry["distribution"]
        top = max(dist.values()) if dist else 0
        if top / n > 0.9:
            notes.append("one answer takes over 90%: the item hardly separates takers")
        for path, r in entry["item_rest_r"].items():
            if r is not None and r < 0:
                notes.append(f"moves against the rest of '{path}' (r={r}): check its keying")
    return notes


def export_rows(bank: Bank, *, cohort_id: int | None = None) -> Iterator[dict[str, Any]]:
    """The results of `bank`'s own version (its questions are the columns), or of one cohort."""
    for r in stream_results(bank.id, bank.version, cohort_id=cohort_id):
        o = r.outcome or {}
        yield {
            "id": r.id, "created_at": r.created_at.isoformat() if r.created_at else None,
            "bank_version": r.bank_version, "bank_hash": r.bank_hash, "lang": r.lang,
            "primary": o.get("primary"), "secondary": o.get("secondary"), "hybrid": o.get("hybrid"),
            "balanced": o.get("balanced"), "margin": o.get("margin"), "scores": o.get("scores") or {},
            "archetype": (o.get("archetype") or {}).get("id"), "flags": o.get("flags") or [],
            "quality": o.get("quality") or [], "answers": r.answers or {},
        }
