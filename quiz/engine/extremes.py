"""Bounds: each path's attainable raw minimum and maximum over complete answer sets, rules
included, computed exactly once per bank (docs/scoring.md §3), and answer sets that reach them."""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

from quiz.bank import Bank, Question, leaves
from quiz.engine.answers import Answer
from quiz.engine.rules import compile_condition

# Past this many joint answer classes in one group of rule-linked questions, bounds fall back to
# a proven but possibly loose bound (see docs/scoring.md, "When enumeration is too big").
ENUMERATION_CAP = 200_000
# The same fallback when the enumeration's work would pass this many steps (one step: a rule
# tested, or a path's points summed for one question, in one combination): 200,000 combinations
# read by 100 rules would take seconds, and a bank pasted into /author must answer in well under
# one. The shipped banks need a few thousand steps at most.
ENUMERATION_WORK_CAP = 1_000_000
# A multi question whose options rules name is split into one answer class per membership pattern
# of the named options (2 ** named of them), each costing a sort per path. Past this many steps
# the question is one coarse class (its best and worst answers, whatever rules read), and its
# group of rule-linked questions takes the fallback bound.
MULTI_PATTERN_WORK_CAP = 4096

_MISSING = object()  # "unanswered", as a member of an optional question's answer domain


def _points_vector(points: Mapping[str, float], index: Mapping[str, int]) -> tuple[tuple[int, float], ...]:
    return tuple((index[p], float(v)) for p, v in points.items() if v)


class _Group:
    """Answers to one question that every scoring rule treats alike (same truth of each leaf on
    the question), with, per path, the best and worst points any member gives and who gives them."""

    __slots__ = ("representative", "hi", "hi_answer", "lo", "lo_answer", "coarse")

    def __init__(self, representative: Any, n: int):
        self.representative = representative
        self.coarse = False  # True: stands for every answer, so rules cannot be enumerated on it
        self.hi = [-math.inf] * n
        self.hi_answer: list[Any] = [None] * n
        self.lo = [math.inf] * n
        self.lo_answer: list[Any] = [None] * n

    def offer(self, answer: Any, vector: list[float]) -> None:
        for p, v in enumerate(vector):
            if v > self.hi[p]:
                self.hi[p], self.hi_answer[p] = v, answer
            if v < self.lo[p]:
                self.lo[p], self.lo_answer[p] = v, answer

    def offer_one(self, p: int, highest: bool, v: float, answer: Any) -> None:
        if highest and v > self.hi[p]:
            self.hi[p], self.hi_answer[p] = v, answer
        elif not highest and v < self.lo[p]:
            self.lo[p], self.lo_answer[p] = v, answer


def _vector(points: tuple[tuple[int, float], ...], n: int, factor: float = 1.0) -> list[float]:
    out = [0.0] * n
    for p, v in points:
        out[p] += v * factor
    return out


def _question_groups(q: Question, index: Mapping[str, int], scoring_leaves: list[Any],
                     project: Any = None) -> list[_Group]:
    """The answer classes of one question (see `_Group`), unanswered included when optional.
    `project`: turns a vector of points per path into one value per direction (see `_Extremes`)."""
    n_paths = len(index)
    if project is None:
        def project(v: list[float]) -> list[float]:
            return v
    n = len(project([0.0] * n_paths))
    preds = [compile_condition(leaf) for leaf in scoring_leaves]
    groups: dict[tuple[bool, ...], _Group] = {}

    def group_for(answer: Any) -> _Group:
        probe = {} if answer is _MISSING else {q.id: answer}
        sig = tuple(pred(probe) for pred in preds)
        g = groups.get(sig)
        if g is None:
            g = groups[sig] = _Group(answer, n)
        return g

    if q.type in ("scale", "choice"):
        domain: list[tuple[Any, list[float]]] = []
        if q.type == "scale":
            weights = _points_vector(q.weights, index)
            domain = [(v, project(_vector(weights, n_paths, v - q.scale.midpoint))) for v in q.scale.values]
        else:
            domain = [(o.id, project(_vector(_points_vector(o.points, index), n_paths))) for o in q.options]
        if not q.required:
            domain.append((_MISSING, [0.0] * n))
        for answer, vec in domain:
            group_for(answer).offer(answer, vec)
        return list(groups.values())

    # multi: a leaf reads only whether named options are chosen, so a class is a membership
    # pattern of the named options; within it, the rest of the choice is free (up to the size
    # limits), and its best and worst completions per path are the top / bottom sums.
    option_ids = [o.id for o in q.options]
    named = [oid for oid in option_ids
             if any(oid in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,))
                    for leaf in scoring_leaves)]
    others = [oid for oid in option_ids if oid not in named]
    coarse = 2 ** len(named) * n * (len(others) + 1) > MULTI_PATTERN_WORK_CAP
    if coarse:
        named, others = [], option_ids
    vectors = {o.id: project(_vector(_points_vector(o.points, index), n_paths)) for o in q.options}
    at_least = 1 if q.required else 0
    at_most = q.max_choices if q.max_choices is not None else len(option_ids)
    position = {oid: i for i, oid in enumerate(option_ids)}

    def as_answer(ids: list[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=position.__getitem__))

    for pattern in itertools.product((False, True), repeat=len(named)):
        chosen = [oid for oid, on in zip(named, pattern) if on]
        fewest = max(0, at_least - len(chosen))           # how many others must be added
        most = min(at_most - len(chosen), len(others))   # and how many may be
        if fewest > most:
            continue  # no valid answer has this pattern
        g = group_for(as_answer(chosen + others[:fewest]))
        for p in range(n):
            base = sum(vectors[oid][p] for oid in chosen)
            for highest in (True, False):
                # The best completion of size s takes the s best others; try every allowed s.
                ranked = sorted(others, key=lambda oid: vectors[oid][p], reverse=highest)
                prefix = list(itertools.accumulate((vectors[oid][p] for oid in ranked), initial=base))
                take = (max if highest else min)(range(fewest, most + 1), key=prefix.__getitem__)
                g.offer_one(p, highest, prefix[take], as_answer(chosen + ranked[:take]))
    # An optional multi left empty scores like an unanswered one; both sit in the all-out pattern.
    for g in groups.values():
        g.coarse = coarse
    return list(groups.values())


class _Extremes:
    """Per path: the attainable raw min and max over complete answer sets, and answer sets that
    attain them. Exact unless a rule-linked group of questions exceeded ENUMERATION_CAP.

    `directions` ({label: {path: coefficient}}): bound these linear combinations of the raw
    scores instead of each path's own (quiz.engine.checks: how far one path can get ahead of
    another). `hi`, `lo` and the answer sets are then keyed by label; a fallback bound is still
    a proven bound. `work_budget`: enumerate components only while the steps spent stay under
    it; the rest take the fallback bound."""

    def __init__(self, bank: Bank, directions: Mapping[str, Mapping[str, float]] | None = None,
                 work_budget: int | None = None):
        index = {p: i for i, p in enumerate(bank.path_ids)}
        project = None
        if directions is not None:
            # one column per path: what a point for that path is worth in each direction
            columns = [[float(coeffs.get(p, 0.0)) for coeffs in directions.values()] for p in bank.path_ids]
            m = len(directions)

            def project(v: list[float]) -> list[float]:
                out = [0.0] * m
                for x, column in zip(v, columns):
                    if x:  # points are sparse: most options score one or two paths
                        out = [o + x * c for o, c in zip(out, column)]
                return out
        paths = tuple(directions) if directions is not None else bank.path_ids
        n = len(paths)
        scoring_rules = [r for r in bank.rules if any(v for v in r.then.points.values())]
        # Questions read by the same scoring rule are linked; linked groups are enumerated jointly.
        parent = {q.id: q.id for q in bank.questions}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        leaves_by_question: dict[str, list[Any]] = {q.id: [] for q in bank.questions}
        for r in scoring_rules:
            read = [leaf.question for leaf in leaves(r.when)]
            for leaf in leaves(r.when):
                leaves_by_question[leaf.question].append(leaf)
            for other in read[1:]:
                a, b = find(read[0]), find(other)
                if a != b:
                    parent[b] = a
        components: dict[str, list[Question]] = {}
        for q in bank.questions:
            components.setdefault(find(q.id), []).append(q)
        rules_by_component: dict[str, list[Any]] = {}
        for r in scoring_rules:
            first = next(iter(leaves(r.when))).question
            rules_by_component.setdefault(find(first), []).append(r)

        hi, lo = [0.0] * n, [0.0] * n
        hi_answers: list[dict[str, Any]] = [{} for _ in range(n)]
        lo_answers: list[dict[str, Any]] = [{} for _ in range(n)]
        self.exact = True
        self.work = 0  # steps enumerated (bench and tests: the shipped banks stay far below the cap)
        self.fallback_components: list[tuple[str, ...]] = []
        spent_so_far = 0
        for root, qs in components.items():
            groups = [_question_groups(q, index, leaves_by_question[q.id], project) for q in qs]
            rules = [(compile_condition(r.when), (project or list)(_vector(_points_vector(r.then.points, index),
                                                                          len(index))))
                     for r in rules_by_component.get(root, [])]
            size = math.prod(len(g) for g in groups)
            work = size * (len(rules) + 2 * n * len(qs))
            self.work += work if size <= ENUMERATION_CAP else 0
            spent = work if size <= ENUMERATION_CAP and work <= ENUMERATION_WORK_CAP else 0
            over_budget = work_budget is not None and spent_so_far + spent > work_budget
            spent_so_far += 0 if over_budget else spent
            if size > ENUMERATION_CAP or work > ENUMERATION_WORK_CAP or over_budget or \
                    any(g.coarse for gs in groups for g in gs):
                self.exact = False
                self.fallback_components.append(tuple(q.id for q in qs))
                c_hi, c_lo, c_hi_ans, c_lo_ans = self._fallback(qs, groups, rules, n)
            else:
                c_hi, c_lo, c_hi_ans, c_lo_ans = self._enumerate(qs, groups, rules, n)
            for p in range(n):
                hi[p] += c_hi[p]
                lo[p] += c_lo[p]
                hi_answers[p].update(c_hi_ans[p])
                lo_answers[p].update(c_lo_ans[p])
        self.hi = dict(zip(paths, hi))
        self.lo = dict(zip(paths, lo))
        order = [q.id for q in bank.questions]

        def ordered(answers: dict[str, Any]) -> dict[str, Answer]:
            return {qid: answers[qid] for qid in order if qid in answers and answers[qid] is not _MISSING}
        self.hi_answers = {p: ordered(hi_answers[i]) for i, p in enumerate(paths)}
        self.lo_answers = {p: ordered(lo_answers[i]) for i, p in enumerate(paths)}

    @staticmethod
    def _enumerate(qs: list[Question], groups: list[list[_Group]], rules: list[Any], n: int):
        c_hi, c_lo = [-math.inf] * n, [math.inf] * n
        c_hi_combo: list[Any] = [None] * n
        c_lo_combo: list[Any] = [None] * n
        ids = [q.id for q in qs]
        for combo in itertools.product(*groups):
            probe = {qid: g.representative for qid, g in zip(ids, combo) if g.representative is not _MISSING}
            bonus = [0.0] * n
            for pred, vec in rules:
                if pred(probe):
                    for p in range(n):
                        bonus[p] += vec[p]
            for p in range(n):
                top = bonus[p] + sum(g.hi[p] for g in combo)
                if top > c_hi[p]:
                    c_hi[p], c_hi_combo[p] = top, combo
                bottom = bonus[p] + sum(g.lo[p] for g in combo)
                if bottom < c_lo[p]:
                    c_lo[p], c_lo_combo[p] = bottom, combo
        c_hi_ans = [{qid: g.hi_answer[p] for qid, g in zip(ids, c_hi_combo[p])} for p in range(n)]
        c_lo_ans = [{qid: g.lo_answer[p] for qid, g in zip(ids, c_lo_combo[p])} for p in range(n)]
        return c_hi, c_lo, c_hi_ans, c_lo_ans

    @staticmethod
    def _fallback(qs: list[Question], groups: list[list[_Group]], rules: list[Any], n: int):
        # Each question at its own extreme, plus every positive (for the max) or negative (for
        # the min) rule effect: no answer set can beat that, though it may not be reachable.
        c_hi, c_lo = [0.0] * n, [0.0] * n
        c_hi_ans: list[dict[str, Any]] = [{} for _ in range(n)]
        c_lo_ans: list[dict[str, Any]] = [{} for _ in range(n)]
        for q, gs in zip(qs, groups):
            for p in range(n):
                best = max(gs, key=lambda g: g.hi[p])
                worst = min(gs, key=lambda g: g.lo[p])
                c_hi[p] += best.hi[p]
                c_lo[p] += worst.lo[p]
                c_hi_ans[p][q.id] = best.hi_answer[p]
                c_lo_ans[p][q.id] = worst.lo_answer[p]
        for _, vec in rules:
            for p in range(n):
                if vec[p] > 0:
                    c_hi[p] += vec[p]
                elif vec[p] < 0:
                    c_lo[p] += vec[p]
        return c_hi, c_lo, c_hi_ans, c_lo_ans
