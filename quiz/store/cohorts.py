"""Cohorts: a class, a bootcamp or a team whose results its instructor sees together.

A cohort has a slug (its start link, `/quiz/<bank>?cohort=<slug>`, records it with each result
started from it) and an instructor page (`/c/<token>`). The token is random (tokens.new_token,
192 bits) and only its hash is kept, as for delete keys: whoever reads the database cannot open
the page. The page shows distributions only (`summary`), never one person's answers or result.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quiz.extensions import db
from quiz.store import models
from quiz.store.tokens import new_token, plausible

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
NAME_MAX = 200
# Below this many results the instructor page shows only the count: in a small group a
# distribution points at people.
MIN_SHOWN = 5
# The summary reads at most this many of a cohort's results (the newest): a bounded page view.
SUMMARY_LIMIT = 20_000

_TABLE = models.Cohort.__table__
_RESULT = models.Result.__table__


class CohortError(ValueError):
    """A cohort that cannot be made as asked (a bad or taken slug, an empty name)."""


def valid_slug(slug: Any) -> bool:
    return isinstance(slug, str) and SLUG_RE.fullmatch(slug) is not None


def slug_for(name: str) -> str:
    """The slug a name gives: lower case, runs of anything but a-z and 0-9 made one '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(name: str, slug: str | None = None) -> tuple[models.Cohort, str]:
    """Make a cohort and commit; returns it and its instructor token (shown once, never stored)."""
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise CohortError(f"a cohort name is 1 to {NAME_MAX} characters")
    slug = slug if slug is not None else slug_for(name)
    if not valid_slug(slug):
        raise CohortError(f"the slug {slug[:70]!r} is not usable: 1 to 64 characters from a-z, 0-9 and '-', "
                          "not starting or ending with '-' (give one with --slug)")
    token = new_token()
    cohort = models.Cohort(slug=slug, name=name, token_hash=_hash(token), created_at=models.utcnow())
    db.session.add(cohort)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CohortError(f"there is already a cohort '{slug}'; choose another name or --slug") from None
    return cohort, token


def by_slug(slug: Any) -> models.Cohort | None:
    if not valid_slug(slug):
        return None
    return db.session.execute(sa.select(models.Cohort).where(models.Cohort.slug == slug)).scalar_one_or_none()


def by_token(token: Any) -> models.Cohort | None:
    if not plausible(token):
        return None
    return db.session.execute(
        sa.select(models.Cohort).where(models.Cohort.token_hash == _hash(token))).scalar_one_or_none()


def all_cohorts() -> list[tuple[models.Cohort, int]]:
    """Every cohort with how many results it has, oldest first."""
    counts = (sa.select(_RESULT.c.cohort_id, sa.func.count().label("n")).where(_RESULT.c.cohort_id.is_not(None))
              .group_by(_RESULT.c.cohort_id).subquery())
    rows = db.session.execute(sa.select(models.Cohort, sa.func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.cohort_id == models.Cohort.id)
                              .order_by(models.Cohort.id)).all()
    return [(cohort, int(n)) for cohort, n in rows]


@dataclass
class BankSummary:
    """One bank's distributions within a cohort."""

    bank_id: str
    results: int = 0
    paths: Counter = field(default_factory=Counter)        # primary path → results
    hybrids: Counter = field(default_factory=Counter)      # (primary, secondary) → results
    balanced: int = 0
    archetypes: Counter = field(default_factory=Counter)   # daily life id → results
    fit: Counter | None = None                             # yes / partly / no → results (when kept)


@dataclass
class Summary:
    results: int
    banks: list[BankSummary]
    sampled: int  # how many were read (at most SUMMARY_LIMIT, the newest)


def count(cohort_id: int) -> int:
    return int(db.session.execute(sa.select(sa.func.count()).select_from(_RESULT)
                                  .where(_RESULT.c.cohort_id == cohort_id)).scalar() or 0)


def summary(cohort_id: int) -> Summary:
    """The cohort's distributions: per bank, primary paths, hybrid pairs, daily lives and (when
    results keep it) the fit feedback. Only counts leave this function: no answer, no token."""
    total = count(cohort_id)
    if total < MIN_SHOWN:
        return Summary(total, [], 0)
    # Counted by the database, over the newest SUMMARY_LIMIT results: only the few fields the
    # page shows are read out of each outcome, and a few hundred groups come back, not the rows.
    fit_column = _RESULT.c.get("fit")  # "does this fit you?", where the schema has it
    outcome = _RESULT.c.outcome
    fields = [_RESULT.c.bank_id.label("bank_id"), _RESULT.c.primary_path.label("primary"),
              outcome["hybrid"].as_boolean().label("hybrid"), outcome["balanced"].as_boolean().label("balanced"),
              outcome["secondary"].as_string().label("secondary"),
              outcome[("archetype", "id")].as_string().label("archetype")]
    if fit_column is not None:
        fields.append(fit_column.label("fit"))
    newest = (sa.select(*fields).where(_RESULT.c.cohort_id == cohort_id)
              .order_by(_RESULT.c.id.desc()).limit(SUMMARY_LIMIT).subquery())
    grouped = list(newest.c)
    rows = db.session.execute(sa.select(*grouped, sa.func.count().label("n")).group_by(*grouped))
    banks: dict[str, BankSummary] = {}
    sampled = 0
    for row in rows:
        n = int(row.n)
        sampled += n
        entry = banks.setdefault(row.bank_id, BankSummary(row.bank_id, fit=Counter() if fit_column is not None else None))
        entry.results += n
        entry.paths[row.primary] += n
        if row.balanced:
            entry.balanced += n
        elif row.hybrid and row.secondary:
            entry.hybrids[(row.primary, row.secondary)] += n
        if row.archetype:
            entry.archetypes[row.archetype] += n
        if entry.fit is not None and getattr(row, "fit", None):
            entry.fit[row.fit] += n
    db.session.rollback()  # end the read
    return Summary(total, sorted(banks.values(), key=lambda b: -b.results), sampled)
