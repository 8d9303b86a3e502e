"""What only scoring shows about a valid bank (BANK_030 to BANK_034): `quiz check` passes
`findings` to the bank loader (`check_file(..., deeper=findings)`), and `quiz simulate` reports
the same findings. Every search here is the engine's exact one (`extremes._Extremes`, the bounds
scoring uses) pointed in other directions, under the same work caps, so checking a bank stays
fast and bounded; docs/authoring.md explains each finding and its threshold.

- BANK_030, unreachable path (error): for every other path q, the highest `score p − score q`
  any complete answer set reaches. Below zero (or zero, with q listed first, which wins a tie)
  means p is never primary: proven, since a fallback bound is still an upper bound.
- BANK_034, maybe unreachable (warning): not proven unreachable, but none of the answer sets
  that maximise p, p against each q and p against the rest makes it primary.
- BANK_031, near-duplicate paths (warning): the correlation of two paths' raw scores over
  uniformly random answers, worked out exactly from the questions' points (rules aside).
- BANK_032, hybrid share (warning): simulated takers who each lean to one path.
- BANK_033, an archetype its own best answers miss (warning): the answers that best match its
  profile (the exact maximiser of the profile's direction, then a bounded local search on the
  similarity) land on another archetype.
"""
from __future__ import annotations

import math
import random
from typing import Any

from quiz.bank import Bank, ErrorCode, Question
from quiz.engine.answers import Answer
from quiz.engine.extremes import _Extremes
from quiz.engine.scoring import (
    CLOSENESS_SPREAD,
    EPSILON,
    NEUTRAL_AGREEMENT,
    PROFILE_WEIGHT,
    TRAIT_WEIGHT,
    _profile_distance2,
    bounds,
    maximising_answers,
    score,
)

# (code, data path, message context): quiz.bank turns the path into a line and column.
Finding = tuple[ErrorCode, tuple[Any, ...], dict[str, Any]]

# BANK_031: two paths whose scores correlate this much over random answers move together.
NEAR_DUPLICATE_CORRELATION = 0.9
# BANK_032: over this share of leaning takers with a hybrid result, "hybrid" is no longer the
# exception that says "you sit between two paths" but what most people hear.
HYBRID_SHARE_LIMIT = 0.35
# ... estimated from this many simulated takers (fewer in a big bank: each taker costs about one
# step per question, rule and archetype, and the steps stay under LEANING_WORK_BUDGET, with at
# least LEANING_MIN_TAKERS takers), each leaning to one path in turn: a question that scores
# their path gets the answer that path's maximiser gives with probability LEAN, else a uniformly
# random answer, as does every other question.
LEANING_TAKERS = 300
LEANING_MIN_TAKERS = 100
LEANING_WORK_BUDGET = 15_000
LEAN = 0.5
# The searches' work: pairwise directions only while paths² × answers stays under this (a bank
# at the 16-path limit with long questions searches only each path against the rest) ...
DIRECTION_BUDGET = 400_000
# ... and the exact search enumerates at most this many steps (see extremes.ENUMERATION_WORK_CAP);
# past it, rule-linked groups of questions take the fallback bound (still a proven bound, so
# BANK_030 stays sound; its answer sets may just be weaker witnesses) ...
SEARCH_WORK_BUDGET = 300_000
# ... and answer sets scored by the archetype search, per archetype and in all.
# (the total: ARCHETYPE_WORK_BUDGET steps of scoring work, between 300 and 900 answer sets)
ARCHETYPE_STEPS = 200
ARCHETYPE_STEPS_TOTAL = 300
ARCHETYPE_WORK_BUDGET = 30_000
# A difference of 0–100 scores this small is arithmetic noise, not a lead.
TOLERANCE = 1e-6


def findings(bank: Bank) -> list[Finding]:
    """Every finding scoring shows about `bank` (already checked valid by quiz.bank)."""
    search = _Search(bank)
    out = search.unreachable()
    out += near_duplicates(bank)
    share, n = leaning_hybrid_share(bank)
    if share > HYBRID_SHARE_LIMIT:
        where = ("hybrid_margin",) if "hybrid_margin" in bank.model_fields_set else ("paths",)
        out.append((ErrorCode.BANK_032, where, {"share": f"{share:.0%}", "limit": f"{HYBRID_SHARE_LIMIT:.0%}",
                                                 "n": n}))
    out += search.archetype_misses()
    return out


# ---------------------------------------------------------------------------------------------
# Reachability and archetypes: the exact search in chosen directions
# ---------------------------------------------------------------------------------------------

class _Search:
    def __init__(self, bank: Bank):
        self.bank = bank
        paths = bank.path_ids
        b = bounds(bank)
        # 0–100 score = scale[p] × raw + offset[p] (a path nothing moves sits at 50)
        self.scale, self.offset = {}, {}
        for p in paths:
            lo, hi = b[p]
            span = hi - lo
            self.scale[p] = 100.0 / span if span > EPSILON else 0.0
            self.offset[p] = -lo * self.scale[p] if span > EPSILON else 50.0
        answers = sum(len(q.scale.values) if q.type == "scale" else len(q.options) for q in bank.questions)
        self.pairwise = len(paths) ** 3 * answers <= DIRECTION_BUDGET
        directions: dict[str, dict[str, float]] = {}
        for p in paths:
            others = [q for q in paths if q != p]
            if self.pairwise:
                for q in others:
                    directions[f"{p}>{q}"] = self._difference({p: 1.0, q: -1.0})
            if others:
                directions[f"{p}>rest"] = self._difference({p: 1.0, **{q: -1.0 / len(others) for q in others}})
        for a in bank.archetypes:  # towards the profile: up where it is over 50, down where under
            directions[f"@{a.id}"] = self._difference({p: (a.profile.get(p, 50.0) - 50.0) / 50.0 for p in paths})
        self.extremes = _Extremes(bank, directions, work_budget=SEARCH_WORK_BUDGET) if directions else None

    def _difference(self, weights: dict[str, float]) -> dict[str, float]:
        """Raw-score coefficients of Σ weight × 0–100 score (the offsets are added back later)."""
        return {p: w * self.scale[p] for p, w in weights.items()}

    def _best(self, label: str, weights: dict[str, float]) -> float:
        """The highest Σ weight × 0–100 score any complete answer set reaches (or a bound on it)."""
        return self.extremes.hi[label] + sum(w * self.offset[p] for p, w in weights.items())

    def unreachable(self) -> list[Finding]:
        bank, out = self.bank, []
        paths = bank.path_ids
        if len(paths) < 2 or self.extremes is None:
            return out
        for i, p in enumerate(paths):
            blocker = None
            if self.pairwise:
                for j, q in enumerate(paths):
                    if q == p:
                        continue
                    lead = self._best(f"{p}>{q}", {p: 1.0, q: -1.0})
                    if lead < -TOLERANCE or (lead <= TOLERANCE and j < i):
                        blocker = (q, lead)
                        break
            if blocker is not None:
                tie = " (at best they tie, and on a tie the path listed first wins)" if blocker[1] > -TOLERANCE else ""
                out.append((ErrorCode.BANK_030, ("paths", i, "id"), {"id": p, "other": blocker[0], "tie": tie}))
                continue
            tried = [maximising_answers(bank, p)] + [self.extremes.hi_answers[label] for label in self.extremes.hi
                                                     if label.startswith(f"{p}>")]
            if not any(score(bank, answers).primary == p for answers in tried):
                out.append((ErrorCode.BANK_034, ("paths", i, "id"), {"id": p, "count": len(tried)}))
        return out

    def archetype_misses(self) -> list[Finding]:
        bank, out = self.bank, []
        if len(bank.archetypes) < 2 or self.extremes is None:
            return out
        cost = len(bank.questions) + len(bank.rules) + len(bank.archetypes)  # of scoring one answer set
        budget = max(ARCHETYPE_STEPS_TOTAL, min(3 * ARCHETYPE_STEPS_TOTAL, ARCHETYPE_WORK_BUDGET // cost))
        for i, a in enumerate(bank.archetypes):
            answers = self.extremes.hi_answers[f"@{a.id}"]
            answers, steps, settled = _closer(bank, a.id, answers, min(ARCHETYPE_STEPS, max(budget, 1)))
            budget -= steps
            if not settled:  # the search was cut short: no verdict rather than a wrong one
                continue
            outcome = score(bank, answers)
            nearest = outcome.archetype["id"]
            if nearest != a.id:
                scores = ", ".join(f"{p} {v:g}" for p, v in outcome.scores.items())
                out.append((ErrorCode.BANK_033, ("archetypes", i, "profile"),
                            {"id": a.id, "other": nearest, "scores": scores}))
        return out


def _similarity(bank: Bank, a: Any, outcome: Any) -> float:
    """The outcome's similarity to archetype `a`, unrounded (the formula of scoring._archetypes)."""
    exact = [outcome.exact_scores[p] for p in bank.path_ids]
    profile = tuple(float(a.profile.get(p, 0.0)) for p in bank.path_ids)
    closeness = math.exp(-(_profile_distance2(exact, profile) / len(exact)) / (2.0 * CLOSENESS_SPREAD ** 2))
    if not any(other.traits for other in bank.archetypes):
        return closeness
    agreement = NEUTRAL_AGREEMENT if not a.traits else 1.0 if set(a.traits) & set(outcome.flags) else 0.0
    return PROFILE_WEIGHT * closeness + TRAIT_WEIGHT * agreement


def _lead(bank: Bank, archetype_id: str, answers: dict[str, Answer]) -> float:
    """How much nearer the archetype is than the nearest other one (> 0: it is the nearest; on
    equal similarity the one listed first is)."""
    outcome = score(bank, answers)
    mine = other = -math.inf
    for a in bank.archetypes:
        value = _similarity(bank, a, outcome)
        if a.id == archetype_id:
            mine = value
        else:
            other = max(other, value)
    if outcome.archetype["id"] == archetype_id:
        return max(mine - other, TOLERANCE * 2)
    return min(mine - other, 0.0)


def _alternatives(q: Question, current: Answer | None) -> list[Answer | None]:
    """Answers one step from `current`: every value or option; for a multi question, one option
    more or fewer (None: unanswered, for an optional question)."""
    out: list[Answer | None] = [None] if not q.required else []
    if q.type == "scale":
        return out + list(q.scale.values)
    if q.type == "choice":
        return out + list(q.option_ids)
    chosen = set(current or ())
    limit = q.max_choices or len(q.options)
    for oid in q.option_ids:
        new = chosen ^ {oid}
        if (new or not q.required) and len(new) <= limit:
            out.append(tuple(o for o in q.option_ids if o in new) or None)
    return out


def _closer(bank: Bank, archetype_id: str, answers: dict[str, Answer],
            steps: int) -> tuple[dict[str, Answer], int, bool]:
    """Local search from `answers` for answers on which the archetype is the nearest: change one
    answer at a time while that brings it nearer than the others, until it is the nearest or
    `steps` answer sets were scored. Returns (the best answers found, steps used, settled: it is
    the nearest there, or no one change brings it nearer)."""
    answers = dict(answers)
    best = _lead(bank, archetype_id, answers)
    used = 1
    while best <= TOLERANCE:
        improved = False
        for q in bank.questions:
            for alt in _alternatives(q, answers.get(q.id)):
                if alt == answers.get(q.id):
                    continue
                if used >= steps:
                    return answers, used, False
                trial = dict(answers)
                if alt is None:
                    trial.pop(q.id, None)
                else:
                    trial[q.id] = alt
                used += 1
                value = _lead(bank, archetype_id, trial)
                if value > best + TOLERANCE:
                    answers, best, improved = trial, value, True
                    if best > TOLERANCE:
                        return answers, used, True
        if not improved:
            return answers, used, True
    return answers, used, True


# ---------------------------------------------------------------------------------------------
# Near-duplicate paths: the covariance of raw scores over uniformly random answers
# ---------------------------------------------------------------------------------------------

def score_covariance(bank: Bank) -> list[list[float]]:
    """Covariance of the paths' raw scores (bank order) when each question is answered uniformly at
    random (an optional one left unanswered as one more answer; a multi question's options each
    chosen with probability ½). Rules are left out: this is what the questions say."""
    paths = bank.path_ids
    n = len(paths)
    cov = [[0.0] * n for _ in range(n)]

    def add(vectors: list[list[float]], centre: bool, weight: float) -> None:
        k = len(vectors)
        mean = [sum(v[p] for v in vectors) / k for p in range(n)] if centre else [0.0] * n
        for v in vectors:
            d = [v[p] - mean[p] for p in range(n)]
            for a in range(n):
                if d[a]:
                    for b in range(n):
                        cov[a][b] += weight * d[a] * d[b] / (k if centre else 1)

    for q in bank.questions:
        if q.type == "scale":
            values = [v - q.scale.midpoint for v in q.scale.values] + ([0.0] if not q.required else [])
            add([[q.weights.get(p, 0.0) * v for p in paths] for v in values], True, 1.0)
        elif q.type == "choice":
            vectors = [[o.points.get(p, 0.0) for p in paths] for o in q.options]
            add(vectors + ([[0.0] * n] if not q.required else []), True, 1.0)
        else:
            add([[o.points.get(p, 0.0) for p in paths] for o in q.options], False, 0.25)
    return cov


def near_duplicates(bank: Bank) -> list[Finding]:
    paths = bank.path_ids
    cov = score_covariance(bank)
    out: list[Finding] = []
    for b in range(len(paths)):
        for a in range(b):
            if cov[a][a] <= EPSILON or cov[b][b] <= EPSILON:
                continue
            corr = cov[a][b] / math.sqrt(cov[a][a] * cov[b][b])
            if corr >= NEAR_DUPLICATE_CORRELATION:
                out.append((ErrorCode.BANK_031, ("paths", b, "id"),
                            {"id": paths[b], "other": paths[a], "corr": f"{corr:.2f}",
                             "limit": f"{NEAR_DUPLICATE_CORRELATION:g}"}))
    return out


# ---------------------------------------------------------------------------------------------
# Hybrid share among takers who lean to a path
# ---------------------------------------------------------------------------------------------

def leaning_answers(bank: Bank, path: str, best: dict[str, Answer], rnd: random.Random) -> dict[str, Answer]:
    """One simulated taker leaning to `path` (see LEAN): `best` is that path's maximiser."""
    from quiz.engine.simulate import random_answers
    answers = random_answers(bank, rnd)
    for q in bank.questions:
        if path in q.scored_paths and rnd.random() < LEAN:
            if q.id in best:
                answers[q.id] = best[q.id]
            else:
                answers.pop(q.id, None)
    return answers


def leaning_hybrid_share(bank: Bank, seed: int = 0, takers: int | None = None) -> tuple[float, int]:
    """(share of leaning takers whose result is a hybrid, how many were simulated)."""
    paths = bank.path_ids
    if len(paths) < 2:
        return 0.0, 0
    if takers is None:
        cost = len(bank.questions) + len(bank.rules) + len(bank.archetypes)
        takers = max(LEANING_MIN_TAKERS, min(LEANING_TAKERS, LEANING_WORK_BUDGET // cost))
    rnd = random.Random(seed)
    best = {p: maximising_answers(bank, p) for p in paths}
    hybrid = 0
    for i in range(takers):
        p = paths[i % len(paths)]
        hybrid += score(bank, leaning_answers(bank, p, best[p], rnd)).hybrid
    return hybrid / takers, takers
