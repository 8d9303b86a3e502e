"""How firm a result is, and what would change it: `what_would_change`, `stability`, `analyse`.

Both are computed once, when a result is stored (quiz.service.submit), and kept with it; the
method and its bounds are written up in docs/scoring.md, "What would change the result, and how
firm it is". In short:

- `what_would_change`: every single answer change is tried (scale: another value; choice: another
  option; multi: one option added or removed), scored incrementally: the raw scores minus the old
  answer's points plus the new one's, plus or minus the points of the rules reading that question
  that start or stop firing, then placed exactly as `quiz.engine.scoring.score` places raw scores. Pairs
  and triples are searched among the most promising single changes (a beam of bounded size, see
  PAIR_SEEDS, PARTNERS, TRIPLE_SEEDS). A set listed is decided by score's own raw → outcome
  step (`quiz.engine.scoring._place`), and by `score` itself when its scores lie near a boundary.
- `stability`: a bootstrap over the answered questions that give points (fixed seed), each resample
  normalised against bounds moved by the same weights, vectorised with numpy.

"The outcome" is `quiz.engine.scoring.outcome_key`: primary, hybrid, balanced, and secondary when hybrid.
No Flask, no database here.
"""
from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from quiz.bank import Bank
from quiz.engine.answers import Answer
from quiz.engine.extremes import _question_groups
from quiz.engine.rules import bank_store, per_bank, questions_read
from quiz.engine.scoring import EPSILON, _place, _tables, outcome_key, score
from quiz.lru import LRU

# At most this many change sets are returned, each of at most MAX_CHANGES changes.
MAX_RESULTS = 3
MAX_CHANGES = 3
# The search's bounds (docs/scoring.md). Single changes are all tried. Pairs: each of the
# PAIR_SEEDS most promising single changes that do not change the outcome on their own, joined
# with each of the PARTNERS most promising ones (at most 16 × 64 − 136 = 888 pairs). Triples: each
# of the TRIPLE_SEEDS most promising pairs that do not change it, joined with the same partners
# (at most 16 × 64 = 1,024). "Promising" = the scores land closest to a boundary of the outcome.
# On the shipped bank a beam ten times as wide finds sets of the same sizes.
PAIR_SEEDS = 16
PARTNERS = 64
TRIPLE_SEEDS = 16

# The bootstrap: the contract asks for at least 200 draws; the seed is fixed so the same answers
# always give the same figure.
STABILITY_DRAWS = 200
STABILITY_SEED = 20_260_101
# Resample weights kept, over all banks: one set per bank, set of answered questions (one, when
# every question is required), draw count and seed; about 60 KB each for the shipped bank.
RESAMPLES_KEPT = 64


# A set of changes whose 0–100 scores lie this close to a boundary of the outcome (two paths
# level, a margin or spread at hybrid_margin) is re-scored with `score` itself: the incremental
# sums may differ from score's in the last bits. Anything farther is decided as score decides.
CONFIRM_TOLERANCE = 1e-6
# A scoring rule whose questions have at most this many joint answers is tabled at load, so
# that many change sets are checked against it at once; others are evaluated one set at a time.
RULE_TABLE_MAX = 4096


# ---------------------------------------------------------------------------------------------
# Per-bank tables
# ---------------------------------------------------------------------------------------------

class _Placed:
    """Raw scores placed, one column per answer set: 0–100 scores (paths × sets), and per set the
    primary and secondary (path indices), hybrid, balanced, spread (highest − lowest) and an
    outcome code, equal exactly when outcomes are."""

    __slots__ = ("exact", "primary", "secondary", "hybrid", "balanced", "spread", "code")

    def __init__(self, exact, primary, secondary, hybrid, balanced, spread, code):
        self.exact, self.primary, self.secondary = exact, primary, secondary
        self.hybrid, self.balanced, self.spread, self.code = hybrid, balanced, spread, code


class _Resampled:
    """The bootstrap's resamples over one set of questions: weights − 1 (questions × draws) and
    each resample's bounds (paths × draws), as `place` needs them."""

    __slots__ = ("w", "lo", "span", "movable", "all_movable")

    def __init__(self, w: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        span = hi - lo
        self.w, self.lo = w, lo
        self.movable = span > EPSILON
        self.all_movable = bool(self.movable.all())
        self.span = np.where(self.movable, span, 1.0)


class _Bank:
    """What the analysis needs from a bank, built once per bank content (`_bank`)."""

    def __init__(self, bank: Bank):
        self.content_hash = bank.content_hash
        self.t = t = _tables(bank)
        self.n = n = t.n
        self.path_ids = t.path_ids
        self.path_pos = {p: i for i, p in enumerate(t.path_ids)}
        self.hm = t.hybrid_margin
        self.lo = np.array(t.lo, dtype=float)
        self.hi = np.array(t.hi, dtype=float)
        span = self.hi - self.lo
        self.movable = span > EPSILON
        self.span = np.where(self.movable, span, 1.0)
        self.all_movable = bool(self.movable.all())
        self.lo_col, self.span_col = self.lo[:, None], self.span[:, None]
        self.codes = 4 * n * (n + 1)  # outcome codes are 0 … codes − 1 (see `place`)
        self.questions = questions = bank.questions
        self.qids = tuple(q.id for q in questions)
        qn = len(questions)
        self.qpos = qpos = {qid: i for i, qid in enumerate(self.qids)}

        def vector_of(q: Any, answer: Any) -> tuple[float, ...]:
            found = t.single.get(q.id, {}).get(answer)
            if found is not None:
                return found[0]
            options = t.multi[q.id]
            return tuple(sum(options[o][p] for o in answer) for p in range(n)) if answer else (0.0,) * n
        self.vector_of = vector_of

        # An answer's place in its question's domain, for rule tables: a scale value from the
        # minimum, an option's position, a multi answer's bit mask; the last place is unanswered.
        self.option_pos = [{o: k for k, o in enumerate(q.option_ids)} for q in questions]
        self.domain_size = [(len(q.scale.values) if q.type == "scale" else
                             len(q.options) if q.type == "choice" else 2 ** len(q.options)) + 1
                            for q in questions]

        # Scoring rules (those that give points).
        scoring = []
        for compiled_rule, rule in zip(t.rules, bank.rules):
            vector = compiled_rule[4]
            if vector is not None and any(vector):
                read = sorted((qpos[q] for q in questions_read(rule.when) if q in qpos))
                scoring.append((compiled_rule[1], np.array(vector, dtype=float), read))
        self.rules = scoring
        # Tabled rules: the truth of the rule for every joint answer of the questions it reads,
        # flattened; a change set's index into it is base + Σ stride × (new place − old place).
        tabled, flat, offsets = [], [], []
        self.untabled: list[int] = []
        self.untabled_of: dict[int, list[int]] = {}
        self.linked = np.zeros((qn, qn), dtype=bool)  # two questions read by one untabled rule
        for k, (pred, _, read) in enumerate(scoring):
            size = 1
            for i in read:
                size *= self.domain_size[i]
            if size <= RULE_TABLE_MAX:
                tabled.append(k)
                offsets.append(sum(len(f) for f in flat))
                flat.append(self._table(pred, read))
            else:
                self.untabled.append(k)
                for i in read:
                    self.untabled_of.setdefault(i, []).append(k)
                for x, y in itertools.permutations(read, 2):
                    self.linked[x, y] = True
        self.tabled = tabled
        self.table = np.concatenate(flat) if flat else np.zeros(0, dtype=bool)
        self.table_offset = np.array(offsets, dtype=np.int64)
        self.strides = np.zeros((qn, len(tabled)), dtype=np.int64)  # question × tabled rule
        for r, k in enumerate(tabled):
            stride = 1
            for i in reversed(scoring[k][2]):
                self.strides[i, r] = stride
                stride *= self.domain_size[i]
        self.tabled_vectors = (np.array([scoring[k][1] for k in tabled]).reshape(len(tabled), n))
        self.tabled_questions = sorted({i for k in tabled for i in scoring[k][2]})
        self.has_untabled = np.array([i in self.untabled_of for i in range(qn)], dtype=bool)

        # Which questions can matter: those that give points or that a scoring rule reads.
        self.gives_points = [
            any(any(vec) for vec in
                ([vector_of(q, x) for x in q.scale.values] if q.type == "scale" else
                 [t.single[q.id][o.id][0] for o in q.options] if q.type == "choice" else
                 list(t.multi[q.id].values())))
            for q in questions]
        self.point_questions = tuple(i for i, g in enumerate(self.gives_points) if g)
        read_by_rules = {i for _, _, read in scoring for i in read}
        relevant = [g or i in read_by_rules for i, g in enumerate(self.gives_points)]

        # Every answer of every relevant scale or choice question, as rows of one table.
        g_q, g_pos, g_scale, g_vec, g_ans = [], [], [], [], []
        self.row_of: list[dict[Any, int] | None] = [None] * qn
        self.multi_questions: list[int] = []
        for i, q in enumerate(questions):
            if not relevant[i]:
                continue
            if q.type == "multi":
                self.multi_questions.append(i)
                continue
            domain = list(q.scale.values) if q.type == "scale" else list(q.option_ids)
            rows = {}
            for position, answer in enumerate(domain):
                rows[answer] = len(g_ans)
                g_q.append(i)
                g_pos.append(position)
                g_scale.append(q.type == "scale")
                g_vec.append(vector_of(q, answer))
                g_ans.append(answer)
            self.row_of[i] = rows
        self.g_q = np.array(g_q, dtype=np.intp)
        self.g_pos = np.array(g_pos, dtype=np.int64)  # also the answer's place in its domain
        self.g_scale = np.array(g_scale, dtype=bool)
        self.g_vec = np.array(g_vec, dtype=float).reshape(len(g_ans), n)
        self.g_ans = g_ans
        self.g_questions = [i for i in range(qn) if self.row_of[i] is not None]

        # For the bootstrap: each point-giving question's own lowest and highest points per path
        # over its answers (unanswered included when optional), as the bounds count them.
        self.q_lo = np.zeros((qn, n))
        self.q_hi = np.zeros((qn, n))
        for i, q in enumerate(questions):
            if self.gives_points[i]:
                groups = _question_groups(q, self.path_pos, [])
                self.q_lo[i] = [min(g.lo[p] for g in groups) for p in range(n)]
                self.q_hi[i] = [max(g.hi[p] for g in groups) for p in range(n)]

    def place_of(self, i: int, answer: Any) -> int:
        """`answer`'s place in question i's domain (None: unanswered, the last place)."""
        q = self.questions[i]
        if answer is None:
            return self.domain_size[i] - 1
        if q.type == "scale":
            return answer - q.scale.min
        if q.type == "choice":
            return self.option_pos[i][answer]
        return sum(1 << self.option_pos[i][o] for o in answer)

    def _answer_at(self, i: int, place: int) -> Any:
        q = self.questions[i]
        if place == self.domain_size[i] - 1:
            return None
        if q.type == "scale":
            return q.scale.min + place
        if q.type == "choice":
            return q.option_ids[place]
        return tuple(o for k, o in enumerate(q.option_ids) if place >> k & 1)

    def _table(self, pred: Any, read: list[int]) -> np.ndarray:
        out = []
        for places in itertools.product(*(range(self.domain_size[i]) for i in read)):
            probe = {}
            for i, place in zip(read, places):
                answer = self._answer_at(i, place)
                if answer is not None:
                    probe[self.qids[i]] = answer
            out.append(bool(pred(probe)))
        return np.array(out, dtype=bool)

    def resampled(self, drawn: tuple[int, ...], draws: int, seed: int) -> _Resampled:
        """The bootstrap's weights over the questions `drawn` and the bounds they move, built
        once per bank, set of questions, draw count and seed (_RESAMPLES)."""
        key = (self.content_hash, drawn, draws, seed)
        found = _RESAMPLES.get(key)
        if found is None:
            w = np.ascontiguousarray(self._weights_minus_one(len(drawn), draws, seed).T)
            idx = list(drawn)
            found = _Resampled(w, self.lo_col + self.q_lo[idx].T @ w, self.hi[:, None] + self.q_hi[idx].T @ w)
            _RESAMPLES[key] = found
        return found

    @staticmethod
    def _weights_minus_one(m: int, draws: int, seed: int) -> np.ndarray:
        """(draws × m): how often each of m questions is drawn in each resample, minus one.
        Drawn with Python's `random.random`, a sequence Python keeps stable across versions."""
        rnd = random.Random(seed * 1_000_003 + m)
        picks = np.array([int(rnd.random() * m) for _ in range(draws * m)], dtype=np.intp)
        picks += np.repeat(np.arange(draws, dtype=np.intp) * m, m)
        return np.bincount(picks, minlength=draws * m).reshape(draws, m).astype(float) - 1.0

    # -- placing raw scores, many at once: quiz.engine.scoring._place, vectorised ----------------------
    # Arrays are path-major (paths × rows): with few paths and many rows, operations along the
    # rows are the fast ones.
    def place(self, raw: np.ndarray, bounds: _Resampled | None = None) -> _Placed:
        """Raw scores (paths × rows) → their 0–100 scores and outcomes, decided as `score`
        decides them (see _Placed). `bounds`: the bootstrap's bounds, one column per resample."""
        if bounds is None:
            exact = (raw - self.lo_col) / self.span_col * 100.0
            if not self.all_movable:
                exact[~self.movable] = 50.0
        else:
            exact = (raw - bounds.lo) / bounds.span * 100.0
            if not bounds.all_movable:
                exact[~bounds.movable] = 50.0
        np.clip(exact, 0.0, 100.0, out=exact)
        # The highest first; on equal scores the path listed first, as score's stable sort:
        # only a strictly higher score takes a place from an earlier path.
        n = self.n
        top, primary = exact[0], np.zeros(exact.shape[1], dtype=np.intp)
        for p in range(1, n):
            higher = exact[p] > top
            primary = np.where(higher, p, primary)
            top = np.where(higher, exact[p], top)
        second, secondary = np.full(exact.shape[1], -np.inf), primary
        for p in range(n):
            higher = (exact[p] > second) & (primary != p)
            secondary = np.where(higher, p, secondary)
            second = np.where(higher, exact[p], second)
        margin = top - second
        spread = top - exact.min(axis=0)
        hm = self.hm
        hybrid = (margin <= EPSILON) | (margin < hm - EPSILON)
        balanced = (spread <= EPSILON) | (spread < hm - EPSILON)
        code = (primary * (n + 1) + np.where(hybrid, secondary, n)) * 4 + hybrid * 2 + balanced
        return _Placed(exact, primary, secondary, hybrid, balanced, spread, code)

    def code(self, outcome: Any) -> int:
        primary, secondary, hybrid, balanced = outcome_key(outcome)
        n = self.n
        second = self.path_pos[secondary] if hybrid and secondary in self.path_pos else n
        return (self.path_pos.get(primary, 0) * (n + 1) + second) * 4 + hybrid * 2 + int(balanced)

    def slack(self, placed: _Placed, outcome: Any) -> np.ndarray:
        """How far (in 0–100 points) each row's scores are from leaving `outcome`: the smallest
        distance to one of its boundaries (the primary overtaken, hybrid or balanced switching,
        a hybrid's runner-up overtaken). Ranks the changes worth combining; decides nothing."""
        primary, secondary, hybrid, balanced = outcome_key(outcome)
        exact = placed.exact
        p = self.path_pos[primary]
        s = self.path_pos.get(secondary) if hybrid and self.n > 2 else None
        hm = self.hm
        best = np.full(exact.shape[1], -np.inf)  # the best path other than the primary
        rest = np.full(exact.shape[1], -np.inf)  # … and other than the secondary too
        for q in range(self.n):
            if q != p:
                np.maximum(best, exact[q], out=best)
                if q != s:
                    np.maximum(rest, exact[q], out=rest)
        lead = exact[p] - best
        if hybrid:
            slack = np.minimum(lead, hm - lead)
            if s is not None:
                slack = np.minimum(slack, exact[s] - rest)
        else:
            slack = lead - hm
        return np.minimum(slack, hm - placed.spread if balanced else placed.spread - hm)


_BANKS = bank_store("sensitivity tables")
_RESAMPLES = LRU("bootstrap resamples", max_entries=RESAMPLES_KEPT)


def _bank(bank: Bank) -> _Bank:
    return per_bank(_BANKS, bank, _Bank)


def prepare(bank: Bank) -> None:
    """Build the per-bank tables now, and the bootstrap's resamples for an answer set that
    answers every question (later calls are free)."""
    s = _bank(bank)
    if s.point_questions:
        s.resampled(s.point_questions, STABILITY_DRAWS, STABILITY_SEED)


# ---------------------------------------------------------------------------------------------
# One answer set
# ---------------------------------------------------------------------------------------------

class _Answers:
    """One answer set: its raw scores, per-question points and rule state, shared by both analyses."""

    def __init__(self, s: _Bank, answers: Mapping[str, Answer]):
        self.s = s
        clean: dict[str, Answer] = {}
        for q in s.questions:
            a = answers.get(q.id)
            if a is None:
                continue
            if q.type == "multi" and not isinstance(a, tuple):
                chosen = set(a)
                a = tuple(o for o in q.option_ids if o in chosen)
            clean[q.id] = a
        self.answers = clean
        n = s.n
        vectors = [s.vector_of(q, clean[q.id]) if q.id in clean else (0.0,) * n for q in s.questions]
        self.vectors = np.array(vectors, dtype=float).reshape(len(vectors), n)
        self.fired = [bool(pred(clean)) for pred, _, _ in s.rules]
        raw = self.vectors.sum(axis=0)
        for (_, vec, _), on in zip(s.rules, self.fired):
            if on:
                raw = raw + vec
        self.raw = raw
        # Places of the current answers in the questions tabled rules read, and each tabled
        # rule's index into its table and its truth now.
        self.place = np.zeros(len(s.questions), dtype=np.int64)
        for i in s.tabled_questions:
            self.place[i] = s.place_of(i, clean.get(s.qids[i]))
        self.base = s.table_offset + self.place @ s.strides
        self.fired_tabled = np.array([self.fired[k] for k in s.tabled], dtype=bool)

    def untabled_delta(self, changed: Mapping[int, Answer]) -> np.ndarray | None:
        """The points of untabled rules that answering `changed` (question position → answer)
        instead adds or takes away (None: no such rule reads them)."""
        s = self.s
        touched = sorted({k for i in changed for k in s.untabled_of.get(i, ())})
        if not touched:
            return None
        new = dict(self.answers)
        for i, answer in changed.items():
            new[s.qids[i]] = answer
        delta = np.zeros(s.n)
        for k in touched:
            pred, vec, _ = s.rules[k]
            now = bool(pred(new))
            if now != self.fired[k]:
                delta += vec if now else -vec
        return delta


class _Level:
    """Change sets of one size, evaluated: members (sets × size), raw deltas (sets × paths),
    codes, slack, how far the 0–100 scores moved."""

    __slots__ = ("sets", "delta", "code", "slack", "movement")

    def __init__(self, sets, delta, code, slack, movement):
        self.sets, self.delta, self.code, self.slack, self.movement = sets, delta, code, slack, movement

    def extend(self, other: "_Level", rows: np.ndarray) -> None:
        for name in self.__slots__:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)[rows]]))


class _Search:
    """The single changes of one answer set, and change sets built from them."""

    def __init__(self, a: _Answers, outcome: Any):
        s = self.s = a.s
        self.a = a
        self.outcome = outcome
        self.code0 = s.code(outcome)
        exact0 = np.clip((a.raw - s.lo) / s.span * 100.0, 0.0, 100.0)
        self.exact0 = np.where(s.movable, exact0, 50.0)
        self.rejected: set[tuple[int, ...]] = set()  # sets found to keep the outcome after all
        answers = a.answers
        qids = s.qids

        # scale and choice: every other answer of every answered relevant question
        now_row = [-1] * len(qids)
        row_of = s.row_of
        for i in s.g_questions:
            given = answers.get(qids[i])
            if given is not None:
                now_row[i] = row_of[i].get(given, -1)
        now = np.array(now_row, dtype=np.intp)[s.g_q]
        rows = np.flatnonzero((now >= 0) & (np.arange(len(s.g_ans)) != now))
        now = now[rows]
        cq = s.g_q[rows]
        deltas = s.g_vec[rows] - s.g_vec[now]
        moves = s.g_pos[rows] - s.g_pos[now]  # also the change of place in the domain
        steps = np.where(s.g_scale[rows], np.abs(moves), 1)
        new: list[Any] = [s.g_ans[r] for r in rows.tolist()]

        # multi: one option added or removed, within the question's limits
        m_q, m_vec, m_move = [], [], []
        for i in s.multi_questions:
            q = s.questions[i]
            given = answers.get(q.id)
            if given is None:
                continue
            at_least = 1 if q.required else 0
            at_most = q.max_choices if q.max_choices is not None else len(q.options)
            for k, oid in enumerate(q.option_ids):
                if oid in given:
                    if len(given) - 1 < at_least:
                        continue
                    changed = tuple(o for o in given if o != oid)
                    m_move.append(-(1 << k))
                else:
                    if len(given) + 1 > at_most:
                        continue
                    changed = tuple(o for o in q.option_ids if o in given or o == oid)
                    m_move.append(1 << k)
                m_q.append(i)
                m_vec.append(s.vector_of(q, changed))
                new.append(changed)
        if m_q:
            m_q = np.array(m_q, dtype=np.intp)
            cq = np.concatenate([cq, m_q])
            deltas = np.concatenate([deltas, np.array(m_vec).reshape(len(m_q), s.n) - a.vectors[m_q]])
            moves = np.concatenate([moves, np.array(m_move, dtype=np.int64)])
            steps = np.concatenate([steps, np.ones(len(m_q), dtype=steps.dtype)])
        self.cq, self.new, self.moves, self.steps = cq, new, moves, steps
        self.deltas_t = np.ascontiguousarray(deltas.T)  # paths × single changes
        # how each single change moves each tabled rule's index into its table
        self.shift = s.strides[cq] * moves[:, None] if s.tabled else None

        # Untabled rules: each single change's own effect (pairs and triples of questions such
        # a rule links are re-evaluated together in `evaluate`).
        self.untabled = np.zeros_like(deltas)  # single changes × paths
        if s.untabled:
            for c in np.flatnonzero(s.has_untabled[cq]).tolist():
                extra = a.untabled_delta({int(cq[c]): new[c]})
                if extra is not None:
                    self.untabled[c] = extra

    def __len__(self) -> int:
        return len(self.cq)

    def evaluate(self, sets: np.ndarray) -> _Level:
        """sets (rows × k) of single-change indices, on k different questions → a _Level."""
        s, a = self.s, self.a
        deltas = self.deltas_t
        delta = deltas[:, sets[:, 0]]  # paths × sets
        for j in range(1, sets.shape[1]):
            delta += deltas[:, sets[:, j]]
        if s.tabled:
            # Every tabled rule on every set at once: where it lands in its table, then whether
            # it starts (+1) or stops (−1) firing.
            index = a.base + self.shift[sets[:, 0]]
            for j in range(1, sets.shape[1]):
                index += self.shift[sets[:, j]]
            now = s.table[index].astype(float)
            delta += s.tabled_vectors.T @ (now - a.fired_tabled).T
        if s.untabled:
            for j in range(sets.shape[1]):
                delta += self.untabled[sets[:, j]].T
            if sets.shape[1] > 1:
                qs = self.cq[sets]
                linked = np.zeros(len(sets), dtype=bool)
                for x, y in itertools.combinations(range(sets.shape[1]), 2):
                    linked |= s.linked[qs[:, x], qs[:, y]]
                # A rule that reads two of the changed questions sees both changes at once.
                for r in np.flatnonzero(linked).tolist():
                    members = sets[r].tolist()
                    delta[:, r] -= self.untabled[members].sum(axis=0)
                    extra = a.untabled_delta({int(self.cq[c]): self.new[c] for c in members})
                    if extra is not None:
                        delta[:, r] += extra
        placed = s.place(a.raw[:, None] + delta)
        movement = np.abs(placed.exact - self.exact0[:, None]).sum(axis=0)
        return _Level(sets, delta.T, placed.code, s.slack(placed, self.outcome), movement)

    def changes(self, members: tuple[int, ...]) -> dict[str, Answer]:
        return {self.s.qids[self.cq[c]]: self.new[c] for c in members}


def _distinct_sorted(keys: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, ascending (a sort and a mask: for a few thousand
    keys, cheaper than np.unique)."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


@functools.lru_cache(maxsize=PARTNERS + 1)
def _pair_positions(partners: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (x, y), x < y, of the pairs: x among the seeds, y among the partners. A pair of
    two seeds comes once, as (earlier, later)."""
    x, y = np.triu_indices(partners, k=1)
    keep = x < min(partners, PAIR_SEEDS)
    return x[keep], y[keep]


def _pairs(calm: np.ndarray, cq: np.ndarray) -> np.ndarray:
    """Pairs of the single changes `calm` (most promising first) on two different questions:
    each of the first PAIR_SEEDS with each of the first PARTNERS, every pair once."""
    x, y = _pair_positions(min(len(calm), PARTNERS))
    x, y = calm[x], calm[y]
    keep = cq[x] != cq[y]
    return np.sort(np.stack([x[keep], y[keep]], axis=1), axis=1)


def _triples(seeds: np.ndarray, partners: np.ndarray, cq: np.ndarray) -> np.ndarray:
    """Distinct triples pair × partner on three different questions (rows sorted)."""
    x = np.repeat(seeds, len(partners), axis=0)
    y = np.tile(partners, len(seeds))
    keep = (cq[x[:, 0]] != cq[y]) & (cq[x[:, 1]] != cq[y])
    triples = np.sort(np.concatenate([x[keep], y[keep, None]], axis=1), axis=1).astype(np.int64)
    size = max(int(cq.size), 1)
    key = _distinct_sorted((triples[:, 0] * size + triples[:, 1]) * size + triples[:, 2])
    return np.stack([key // (size * size), key // size % size, key % size], axis=1).astype(np.intp)


# ---------------------------------------------------------------------------------------------
# What would change the outcome
# ---------------------------------------------------------------------------------------------

def what_would_change(bank: Bank, answers: Mapping[str, Answer], outcome: Any) -> list[dict[str, Any]]:
    """Up to three smallest sets of answer changes (at most three changes each, fewest first)
    that change `outcome` (an Outcome or its dict, as `score` gave it for `answers`), each
    `{"changes": [{"question", "from", "to"}], "outcome": {"primary", "secondary", "hybrid",
    "balanced"}}`; `[]` when none is found. See docs/scoring.md for the search and its bounds."""
    s = _bank(bank)
    if s.n < 2:
        return []  # one path: every answer set has the same outcome
    return _what_would_change(_Search(_Answers(s, answers), outcome), bank)


def _what_would_change(search: _Search, bank: Bank) -> list[dict[str, Any]]:
    if not len(search):
        return []
    code0 = search.code0
    singles = search.evaluate(np.arange(len(search), dtype=np.intp)[:, None])
    levels = [singles]
    results = _pick(search, bank, levels, [])
    if len(results) >= MAX_RESULTS or MAX_CHANGES < 2:
        return _shaped(search, results)

    # Pairs, from single changes that do not change the outcome alone (so every pair is minimal).
    calm = np.flatnonzero(singles.code == code0)
    calm = calm[np.lexsort((search.steps[calm], singles.slack[calm]))]  # most promising first
    partners = calm[:PARTNERS]
    if len(calm) < 2:
        return _shaped(search, results)
    pairs = search.evaluate(_pairs(calm, search.cq))
    levels.append(pairs)
    results = _pick(search, bank, levels, results)
    if len(results) >= MAX_RESULTS or MAX_CHANGES < 3:
        return _shaped(search, results)

    # Triples: the most promising pairs that do not change the outcome, plus one more change.
    calm_pairs = np.flatnonzero(pairs.code == code0)
    calm_pairs = calm_pairs[np.argsort(pairs.slack[calm_pairs], kind="stable")][:TRIPLE_SEEDS]
    sets = _triples(pairs.sets[calm_pairs], partners, search.cq)
    if not len(sets):
        return _shaped(search, results)
    triples = search.evaluate(sets)
    # A triple with a sub-pair that changes the outcome on its own is not minimal; such a pair
    # (one the pair beam missed) is a result in its own right.
    minimal = triples.code != code0
    for x, y in ((0, 1), (0, 2), (1, 2)):
        sub = search.evaluate(sets[:, [x, y]])
        flips = sub.code != code0
        minimal &= ~flips
        pairs.extend(sub, np.flatnonzero(flips))
    levels.append(_Level(*(getattr(triples, name)[minimal] for name in _Level.__slots__)))
    return _shaped(search, _pick(search, bank, levels, results))


def _pick(search: _Search, bank: Bank, levels: list[_Level], results: list) -> list:
    """The best change sets, fewest changes first, each confirmed (see `_confirm`).

    Within a size: a set reaching an outcome not listed yet comes first; then fewer steps (a
    scale moved by one is smaller than by two), then the least movement of the 0–100 scores (the
    change closest to the boundary), then bank order. A set reaching the same outcome as a better
    one on the same questions is left out."""
    s = search.s
    code0 = search.code0
    results = list(results)
    listed = {r[0] for r in results}
    seen = {r[2] for r in results}
    qn = len(s.qids)
    for size, level in enumerate(levels, start=1):
        if len(results) >= MAX_RESULTS:
            break
        if any(len(r[0]) > size for r in results):
            continue
        rows = np.flatnonzero(level.code != code0)
        if not len(rows):
            continue
        sets = level.sets[rows]
        rows = rows[np.lexsort((level.movement[rows], search.steps[sets].sum(axis=1)))]
        # one per (questions, outcome): the first in that order
        qs = np.sort(search.cq[level.sets[rows]], axis=1)
        key = np.zeros(len(rows), dtype=np.int64)
        for j in range(qs.shape[1]):
            key = key * qn + qs[:, j]
        key = key * s.codes + level.code[rows]
        by_key = np.argsort(key, kind="stable")
        sorted_keys = key[by_key]
        first = by_key[np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))]
        rows = rows[np.sort(first)]
        codes = level.code[rows].tolist()
        for want_new in (True, False):
            for r, code in zip(rows.tolist(), codes):
                if len(results) >= MAX_RESULTS:
                    break
                if want_new and code in seen:
                    continue
                members = tuple(level.sets[r].tolist())
                if members in listed or members in search.rejected:
                    continue
                confirmed = _confirm(search, bank, level, r)
                if confirmed is None:
                    search.rejected.add(members)
                    continue
                listed.add(members)
                results.append((members, *confirmed))
                seen.add(confirmed[1])
    results.sort(key=lambda r: (len(r[0]), int(search.steps[list(r[0])].sum())))
    return results


def _confirm(search: _Search, bank: Bank, level: _Level, row: int) -> tuple[dict[str, Any], int] | None:
    """The outcome the change set `row` of `level` gives, and its code; None if it is the
    outcome we started from. Decided like `score` when the scores are clear of every boundary
    by CONFIRM_TOLERANCE; scored with `score` itself otherwise."""
    s = search.s
    raw = (search.a.raw + level.delta[row]).tolist()
    exact, primary, secondary, _, hybrid, balanced = _place(s.t, raw)  # score's own step
    if _clearance(exact, s.hm) > CONFIRM_TOLERANCE:
        outcome = {"primary": s.path_ids[primary], "secondary": s.path_ids[secondary],
                   "hybrid": hybrid, "balanced": balanced}
    else:
        out = score(bank, {**search.a.answers, **search.changes(tuple(level.sets[row].tolist()))})
        outcome = {"primary": out.primary, "secondary": out.secondary, "hybrid": out.hybrid,
                   "balanced": out.balanced}
    code = s.code(outcome)
    return None if code == search.code0 else (outcome, code)


def _clearance(exact: list[float], hm: float) -> float:
    """How far 0–100 scores are from any decision of the outcome: two paths level, the margin or
    the spread at EPSILON or at hybrid_margin."""
    top = sorted(exact, reverse=True)
    margin, spread = top[0] - top[1], top[0] - top[-1]
    gaps = [a - b for a, b in zip(top, top[1:])]
    gaps += [abs(v - edge) for v in (margin, spread) for edge in (EPSILON, hm - EPSILON)]
    return min(gaps)


def _jsonable(answer: Any) -> Any:
    return list(answer) if isinstance(answer, tuple) else answer


def _shaped(search: _Search, results: list) -> list[dict[str, Any]]:
    out = []
    old = search.a.answers
    qpos = search.s.qpos
    for members, outcome, _ in results:
        changes = sorted(search.changes(members).items(), key=lambda kv: qpos[kv[0]])
        out.append({"changes": [{"question": qid, "from": _jsonable(old[qid]), "to": _jsonable(new)}
                                for qid, new in changes],
                    "outcome": dict(outcome)})
    return out


# ---------------------------------------------------------------------------------------------
# How firm the outcome is
# ---------------------------------------------------------------------------------------------

def stability(bank: Bank, answers: Mapping[str, Answer], outcome: Any, draws: int = STABILITY_DRAWS,
              seed: int = STABILITY_SEED) -> float:
    """The share (0–1, two decimals) of `draws` bootstrap resamples over the answered questions
    that give points whose outcome equals `outcome` (an Outcome or its dict). Fixed seed: the
    same answers always give the same figure. See docs/scoring.md."""
    s = _bank(bank)
    if s.n < 2:
        return 1.0
    return _stability(_Answers(s, answers), outcome, draws, seed)


def _stability(a: _Answers, outcome: Any, draws: int, seed: int) -> float:
    s = a.s
    answers = a.answers
    drawn = tuple(i for i in s.point_questions if s.qids[i] in answers)
    if not drawn or draws <= 0:
        return 1.0  # nothing to resample: every draw is the answers themselves
    resampled = s.resampled(drawn, draws, seed)
    # Each resample's raw scores: the real ones (rules as fired) + Σ (w − 1) × the answer's points.
    raw = a.raw[:, None] + a.vectors[list(drawn)].T @ resampled.w
    code = s.place(raw, resampled).code
    return round(float(np.count_nonzero(code == s.code(outcome))) / draws, 2)


def analyse(bank: Bank, answers: Mapping[str, Answer], outcome: Any) -> dict[str, Any]:
    """`{"what_would_change": [...], "stability": x}` for answers and the outcome `score` gave
    them (an Outcome or its dict): what quiz.service stores with a result."""
    s = _bank(bank)
    if s.n < 2:
        return {"what_would_change": [], "stability": 1.0}
    a = _Answers(s, answers)
    return {"what_would_change": _what_would_change(_Search(a, outcome), bank),
            "stability": _stability(a, outcome, STABILITY_DRAWS, STABILITY_SEED)}
