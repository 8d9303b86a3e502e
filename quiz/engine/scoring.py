"""Scoring: validated answers → an `Outcome` (scores, paths, archetype, explanations).

The method is written up in docs/scoring.md; in short:

- a path's raw score is the sum of its points from answers (scale: weight × (answer − midpoint);
  choice: the option's points; multi: the chosen options' points) and from fired rules;
- its 0–100 score places the raw score between the lowest and highest raw score any complete
  answer set can reach in this bank, rules included (`bounds`, exact, computed once per bank);
- primary / secondary / hybrid / balanced compare the unrounded 0–100 scores;
- the archetype is the nearest by a blend of score-profile distance and trait agreement.

Everything a bank implies (lookup tables, compiled rules, bounds) is computed once per bank
content and memoised by `bank.content_hash`, so `score` does no pydantic access in its loop.
No Flask, no database here.
"""
from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quiz.bank import Bank
from quiz.engine.answers import Answer
from quiz.engine.extremes import _Extremes, _points_vector, _vector
from quiz.engine.rules import bank_store, compiled, per_bank

# Archetype similarity = PROFILE_WEIGHT × profile closeness + TRAIT_WEIGHT × trait agreement,
# when the bank defines any traits; profile closeness alone otherwise (docs/scoring.md §5).
# Traits weigh a third: Ha's broad day or Seo's on-device one is told apart by what the taker
# said they enjoy (a flag), which the path scores alone cannot show.
PROFILE_WEIGHT = 0.65
TRAIT_WEIGHT = 0.35
# Closeness falls off as a bell curve of the distance per path: exp(−(d/√n)² / 2σ²). With σ = 20
# points a day 10 points away per path is 0.88 close, 20 away 0.61 and 30 away 0.32, so the
# closest and the next closest day read differently (a straight line from 1 to 0 over the
# whole cube put three different days at 92, 91 and 88%).
CLOSENESS_SPREAD = 20.0
# A profile value at least this far from the middle (50) means "at least this far out": a taker
# further out in the same direction is not further from that day (a researcher scoring 97 is
# not less like the deep-research day, whose profile says 70, than one scoring 70).
OVERSHOOT_FROM_MIDDLE = 15.0
# An archetype with no traits is neutral on traits (agreement ½); one with traits agrees (1) when
# the result has any of them and disagrees (0) when it has none.
NEUTRAL_AGREEMENT = 0.5

# A multi question with this many options or fewer has every answer's effect tabled at load
# (2^8 = 256 answers); larger ones are summed per answer.
MULTI_TABLE_MAX_OPTIONS = 8

# Quality flags about patterns need enough answers to mean anything.
PATTERN_MIN_ANSWERS = 4

# Scores are float sums; differences this small are arithmetic noise, not a lead.
EPSILON = 1e-9


# ---------------------------------------------------------------------------------------------
# The outcome
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """Everything computed from one answer set. `to_dict()` is the stored form and the API core."""

    scores: dict[str, float]            # path → 0–100, one decimal
    raw_scores: dict[str, float]        # path → raw sum of points
    primary: str
    secondary: str | None               # None only in a one-path bank
    hybrid: bool
    balanced: bool
    margin: float                       # primary − secondary, one decimal
    archetype: dict[str, Any] | None    # {"id", "similarity"}; None when the bank has none
    archetype_ranking: list[dict[str, Any]]
    flags: list[str]
    quality: list[str]
    rules_fired: list[str]
    fired: list[dict[str, str]]
    advice: list[str]
    contributions: list[dict[str, Any]]
    exact_scores: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    KEYS = ("scores", "raw_scores", "primary", "secondary", "hybrid", "balanced", "margin",
            "archetype", "archetype_ranking", "flags", "quality", "rules_fired", "fired", "advice",
            "contributions")

    @property
    def tie(self) -> bool:
        """An exact tie between primary and secondary (reported as hybrid, never broken silently)."""
        return self.secondary is not None and abs(self.exact_scores.get(self.primary, 0.0)
                                                  - self.exact_scores.get(self.secondary, 0.0)) <= EPSILON

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, exactly the keys in `Outcome.KEYS`; fresh containers each call."""
        return {
            "scores": dict(self.scores),
            "raw_scores": dict(self.raw_scores),
            "primary": self.primary,
            "secondary": self.secondary,
            "hybrid": self.hybrid,
            "balanced": self.balanced,
            "margin": self.margin,
            "archetype": dict(self.archetype) if self.archetype is not None else None,
            "archetype_ranking": [dict(a) for a in self.archetype_ranking],
            "flags": list(self.flags),
            "quality": list(self.quality),
            "rules_fired": list(self.rules_fired),
            "fired": [dict(f) for f in self.fired],
            "advice": list(self.advice),
            "contributions": [dict(c) for c in self.contributions],
        }

    @classmethod
    def _of(cls, fields: dict[str, Any]) -> "Outcome":
        """An outcome from all its fields (the scorer's fast path; see `score`)."""
        outcome = object.__new__(cls)
        outcome.__dict__.update(fields)
        return outcome

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Outcome":
        """An outcome as stored (`to_dict()`); exact scores are the stored rounded ones."""
        return cls(**{k: data[k] for k in cls.KEYS}, exact_scores=dict(data["scores"]))


# ---------------------------------------------------------------------------------------------
# Per-bank tables
# ---------------------------------------------------------------------------------------------
class _Tables:
    """What scoring needs from a bank, as plain tuples and dicts."""

    def __init__(self, bank: Bank):
        self.path_ids = bank.path_ids
        self.n = len(self.path_ids)
        index = {p: i for i, p in enumerate(self.path_ids)}
        self.hybrid_margin = float(bank.hybrid_margin)
        # The hot loop reads only these. For scale and choice questions, each possible answer maps
        # straight to its effect: its points per path, and its explanation entries. Entries are
        # built once and shared by outcomes (Outcome.to_dict copies them).
        self.single: dict[str, dict[Any, tuple[tuple[float, ...], tuple]]] = {}
        self.multi: dict[str, dict[str, tuple[float, ...]]] = {}
        self.scale_mid: dict[str, float] = {}
        self.choice_position: dict[str, dict[str, int]] = {}

        def effect(qid: str, vector: list[float]) -> tuple[tuple[float, ...], tuple]:
            # (points per path, explanation entries as (|points|, entry) for the non-zero ones)
            return tuple(vector), tuple(
                (abs(v), {"question": qid, "path": self.path_ids[p], "points": round(v, 6)})
                for p, v in enumerate(vector) if v)

        for q in bank.questions:
            if q.type == "scale":
                mid = q.scale.midpoint
                self.scale_mid[q.id] = mid
                weights = _points_vector(q.weights, index)
                self.single[q.id] = {x: effect(q.id, _vector(weights, self.n, x - mid)) for x in q.scale.values}
            elif q.type == "choice":
                self.single[q.id] = {o.id: effect(q.id, _vector(_points_vector(o.points, index), self.n))
                                     for o in q.options}
                if not q.shuffle:  # a shuffled question's place on the page is the taker's own
                    self.choice_position[q.id] = {o.id: i for i, o in enumerate(q.options)}
            else:
                options = {o.id: _vector(_points_vector(o.points, index), self.n) for o in q.options}
                self.multi[q.id] = {oid: tuple(v) for oid, v in options.items()}
                if len(q.options) <= MULTI_TABLE_MAX_OPTIONS:
                    # Few options: every answer (a tuple in option order) gets its effect now.
                    ids = q.option_ids
                    table = {}
                    for k in range(len(ids) + 1):
                        for chosen in itertools.combinations(ids, k):
                            summed = [sum(options[oid][p] for oid in chosen) for p in range(self.n)]
                            table[chosen] = effect(q.id, summed)
                    self.single[q.id] = table
        self.scale_items = tuple(self.scale_mid.items())
        self.choice_ids = tuple(self.choice_position)
        rules = compiled(bank)
        # (id, predicate, flag, has advice, contributions as above, explanation of the firing)
        self.rules = tuple(
            (rid, pred, flag, has_advice,
             tuple(_vector(tuple((index[p], v) for p, v in pts), self.n)) if pts else None,
             tuple((abs(v), {"rule": rid, "path": p, "points": v}) for p, v in pts),
             {"id": rid, "condition": text})
            for rid, pred, flag, has_advice, pts, text in rules.rules)
        self.contradictions = rules.contradictions
        self.archetypes = tuple((a.id, tuple(float(a.profile.get(p, 0.0)) for p in self.path_ids),
                                 frozenset(a.traits)) for a in bank.archetypes)
        self.trait_vocabulary = frozenset(t for a in bank.archetypes for t in a.traits)
        self.ones, self.sixes = (1,) * self.n, (6,) * self.n  # round() digits, for map()
        extremes = _Extremes(bank)
        self.extremes = extremes
        self.lo = tuple(extremes.lo[p] for p in self.path_ids)
        self.hi = tuple(extremes.hi[p] for p in self.path_ids)


_TABLES = bank_store("scoring tables")


def _tables(bank: Bank) -> _Tables:
    return per_bank(_TABLES, bank, _Tables)


def prepare(bank: Bank) -> None:
    """Compute everything scoring needs for `bank` now (call at load; later calls are free)."""
    _tables(bank)

def bounds(bank: Bank) -> dict[str, tuple[float, float]]:
    """Per path, the (min, max) raw score any complete answer set reaches, rules included."""
    t = _tables(bank)
    return {p: (t.lo[i], t.hi[i]) for i, p in enumerate(t.path_ids)}


def bounds_exact(bank: Bank) -> bool:
    """False when some rule-linked questions were too many to enumerate (a looser, safe bound)."""
    return _tables(bank).extremes.exact


def maximising_answers(bank: Bank, path: str) -> dict[str, Answer]:
    """A complete answer set reaching `path`'s maximum raw score (exact bounds only)."""
    return dict(_tables(bank).extremes.hi_answers[path])


def minimising_answers(bank: Bank, path: str) -> dict[str, Answer]:
    """A complete answer set reaching `path`'s minimum raw score (exact bounds only)."""
    return dict(_tables(bank).extremes.lo_answers[path])


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------

def score(bank: Bank, answers: Mapping[str, Answer]) -> Outcome:
    """Score answers already checked by `quiz.engine.answers.validate_answers`."""
    t = _tables(bank)
    n = t.n
    paths = t.path_ids
    vectors: list[tuple[float, ...]] = []                # points per path, one per answer / rule
    explained: list[tuple[float, dict[str, Any]]] = []  # (|points|, explanation entry)
    add_vector, explain = vectors.append, explained.extend
    single, multi = t.single, t.multi
    for qid, answer in answers.items():
        try:
            found = single[qid].get(answer) if qid in single else None
        except TypeError:  # a multi answer as a list (e.g. read back from stored JSON)
            found = None
        if found is not None:
            add_vector(found[0])
            explain(found[1])
        else:  # a multi answer with too many options to table, not in option order, or a list
            options = multi[qid]
            vector = tuple(map(sum, zip(*(options[oid] for oid in answer)))) if answer else ()
            if vector:
                add_vector(vector)
                # a sum of several options' points: rounded to drop float noise
                explain((abs(v), {"question": qid, "path": paths[p], "points": round(v, 6)})
                        for p, v in enumerate(vector) if v)

    rules_fired: list[str] = []
    fired: list[dict[str, str]] = []
    flags: list[str] = []
    advice: list[str] = []
    for rid, pred, flag, has_advice, vector, entries, why in t.rules:
        if pred(answers):
            rules_fired.append(rid)
            fired.append(why)
            if flag is not None and flag not in flags:
                flags.append(flag)
            if has_advice:
                advice.append(rid)
            if vector is not None:
                add_vector(vector)
                explain(entries)
    # Summed per path in answer order, then rules: the same order for the same answers.
    raw = [sum(column) for column in zip(*vectors)] if vectors else [0.0] * n

    exact, primary, secondary, margin, hybrid, balanced = _place(t, raw)

    archetype, archetype_ranking = _archetypes(t, exact, flags)
    explained.sort(key=_first, reverse=True)  # stable (also reversed): answer order, then rules
    # Outcome is a frozen dataclass; filling its __dict__ directly skips the per-field
    # object.__setattr__ of the generated __init__, a fifth of the scoring time.
    return Outcome._of({
        "scores": dict(zip(paths, map(round, exact, t.ones))),
        "raw_scores": dict(zip(paths, map(round, raw, t.sixes))),
        "primary": paths[primary],
        "secondary": paths[secondary] if secondary is not None else None,
        "hybrid": hybrid,
        "balanced": balanced,
        "margin": round(margin, 1),
        "archetype": archetype,
        "archetype_ranking": archetype_ranking,
        "flags": flags,
        "quality": _quality(t, answers),
        "rules_fired": rules_fired,
        "fired": fired,
        "advice": advice,
        "contributions": list(map(_second, explained)),
        "exact_scores": dict(zip(paths, exact)),
    })


_first, _second = operator.itemgetter(0), operator.itemgetter(1)


def _place(t: _Tables, raw: list[float]) -> tuple[list[float], int, int | None, float, bool, bool]:
    """Raw scores → (0–100 scores, primary, secondary, margin, hybrid, balanced), paths by index:
    the step from raw sums to the outcome, shared by `score` and `outcome_of_raw`."""
    n = t.n
    # Normalise against the bank's attainable range; a path nobody can move sits at 50.
    exact = [50.0] * n
    lo, hi = t.lo, t.hi
    for p in range(n):
        span = hi[p] - lo[p]
        if span > EPSILON:
            v = (raw[p] - lo[p]) / span * 100.0
            exact[p] = 0.0 if v < 0.0 else 100.0 if v > 100.0 else v

    # Rank: highest first; on equal scores the path listed first in the bank wins (stable sort).
    ranking = sorted(range(n), key=lambda p: -exact[p])
    primary = ranking[0]
    secondary = ranking[1] if n > 1 else None
    margin = exact[primary] - exact[secondary] if secondary is not None else 0.0
    hybrid = secondary is not None and (margin <= EPSILON or margin < t.hybrid_margin - EPSILON)
    spread = exact[primary] - exact[ranking[-1]]
    balanced = spread <= EPSILON or spread < t.hybrid_margin - EPSILON
    return exact, primary, secondary, margin, hybrid, balanced


def outcome_of_raw(bank: Bank, raw: list[float]) -> dict[str, Any]:
    """The outcome core `{"primary", "secondary", "hybrid", "balanced"}` that raw scores (one per
    path, in the bank's path order) give: exactly as `score` places them."""
    t = _tables(bank)
    _, primary, secondary, _, hybrid, balanced = _place(t, list(raw))
    paths = t.path_ids
    return {"primary": paths[primary], "secondary": paths[secondary] if secondary is not None else None,
            "hybrid": hybrid, "balanced": balanced}


def outcome_key(outcome: Mapping[str, Any] | Outcome) -> tuple[str, str | None, bool, bool]:
    """What makes two outcomes the same: primary, hybrid, balanced, and secondary when hybrid
    (a non-hybrid result does not name its runner-up). Takes an Outcome or its dict."""
    get = outcome.get if isinstance(outcome, Mapping) else outcome.__dict__.get
    hybrid = bool(get("hybrid"))
    return get("primary"), get("secondary") if hybrid else None, hybrid, bool(get("balanced"))


def _profile_distance2(scores: list[float], profile: tuple[float, ...]) -> float:
    """Squared distance from a profile, not counting how far a score overshoots a profile value
    that is itself far from the middle, in the same direction (see OVERSHOOT_FROM_MIDDLE)."""
    total = 0.0
    for s, p in zip(scores, profile):
        if (p >= 50.0 + OVERSHOOT_FROM_MIDDLE and s > p) or (p <= 50.0 - OVERSHOOT_FROM_MIDDLE and s < p):
            continue
        total += (s - p) ** 2
    return total


def _archetypes(t: _Tables, exact: list[float], flags: list[str]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The nearest archetype and the full ranking (see docs/scoring.md for the formula)."""
    if not t.archetypes:
        return None, []
    n, spread = t.n, 2.0 * CLOSENESS_SPREAD ** 2
    scored = []
    mine = t.trait_vocabulary.intersection(flags)
    for i, (aid, profile, traits) in enumerate(t.archetypes):
        closeness = math.exp(-(_profile_distance2(exact, profile) / n) / spread)
        if t.trait_vocabulary:
            agreement = NEUTRAL_AGREEMENT if not traits else 1.0 if mine & traits else 0.0
            similarity = PROFILE_WEIGHT * closeness + TRAIT_WEIGHT * agreement
        else:
            similarity = closeness
        scored.append((-similarity, i, aid))
    scored.sort()  # best first; equal similarity: bank order
    ranking = [{"id": aid, "similarity": round(-neg, 2)} for neg, _, aid in scored]
    return dict(ranking[0]), ranking


def _quality(t: _Tables, answers: Mapping[str, Answer]) -> list[str]:
    """Codes for answer patterns that make a result less trustworthy (docs/scoring.md)."""
    out: list[str] = []
    scale_values = [(answers[q], mid) for q, mid in t.scale_items if q in answers]
    positions = [t.choice_position[q][answers[q]] for q in t.choice_ids if q in answers]
    if len(scale_values) >= PATTERN_MIN_ANSWERS:
        first = scale_values[0][0]
        same_value = all(v == first for v, _ in scale_values)
        all_mid = all(v == mid for v, mid in scale_values)
    else:
        same_value = all_mid = False
    same_position = len(positions) >= PATTERN_MIN_ANSWERS and positions.count(positions[0]) == len(positions)
    if same_value or same_position:
        out.append("straight-lining")
    if all_mid:
        out.append("all-midpoint")
    for cid, pred in t.contradictions:
        if pred(answers):
            out.append(f"contradiction:{cid}")
    return out
