"""`quiz simulate BANK`: a balance audit of a bank before it goes live.

Answer sets go through the real scorer: uniform-random ones (seeded, so a run is reproducible),
straight-line ones (every scale at its min / middle / max, every choice at the k-th option: what a
careless or acquiescent taker produces) and, per path, the answer set that maximises it. The
report shows how outcomes and archetypes are distributed and flags paths that random takers
almost never (< 5 %) or very often (> 60 %) reach, archetypes nobody matches, and paths no
answer set makes primary at all (exit 1). It also reports what `quiz check` finds with the
scorer (quiz/engine/checks.py): a path proven unreachable, near-duplicate paths, the hybrid share
among takers who lean to one path, and archetypes their own profile's best answers miss.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from quiz.bank import Bank, ErrorCode, Problem, Question
from quiz.engine import checks
from quiz.engine.answers import Answer
from quiz.engine.scoring import bounds_exact, maximising_answers, score

RARE_SHARE = 0.05
DOMINANT_SHARE = 0.60
# Under this share of random takers an archetype is a day almost nobody is told they live.
RARE_ARCHETYPE_SHARE = 0.03


# ---------------------------------------------------------------------------------------------
# Answer sets
# ---------------------------------------------------------------------------------------------

def _random_subset(q: Question, rnd: random.Random) -> tuple[str, ...]:
    """A uniformly random valid choice of options (sizes weighted by how many subsets have them)."""
    ids = [o.id for o in q.options]
    lowest = 1 if q.required else 0
    highest = q.max_choices if q.max_choices is not None else len(ids)
    sizes = list(range(lowest, highest + 1))
    k = rnd.choices(sizes, weights=[math.comb(len(ids), s) for s in sizes])[0]
    chosen = set(rnd.sample(ids, k))
    return tuple(i for i in ids if i in chosen)


def random_answers(bank: Bank, rnd: random.Random, *, skip_optional: float | None = None) -> dict[str, Answer]:
    """A uniform-random complete answer set. An optional question is left unanswered with
    probability `skip_optional`; by default "unanswered" is one more equally likely answer."""
    out: dict[str, Answer] = {}
    for q in bank.questions:
        if not q.required:
            p_skip = skip_optional
            if p_skip is None:
                size = len(q.scale.values) if q.type == "scale" else len(q.options)
                p_skip = 1 / (size + 1)
            if rnd.random() < p_skip:
                continue
        if q.type == "scale":
            out[q.id] = rnd.randint(q.scale.min, q.scale.max)
        elif q.type == "choice":
            out[q.id] = rnd.choice(q.options).id
        else:
            out[q.id] = _random_subset(q, rnd)
    return out


def straight_line_sets(bank: Bank) -> list[tuple[str, dict[str, Answer]]]:
    """(label, answers): every scale at min / middle / max, crossed with every choice (and
    multi) at its k-th option, k = 1 … the most options any question has."""
    levels = ("min", "middle", "max")
    widest = max((len(q.options) for q in bank.questions if q.options), default=1)
    out = []
    for level in levels:
        for k in range(widest):
            answers: dict[str, Answer] = {}
            for q in bank.questions:
                if q.type == "scale":
                    lo, hi = q.scale.min, q.scale.max
                    answers[q.id] = {"min": lo, "middle": (lo + hi) // 2, "max": hi}[level]
                else:
                    option = q.options[min(k, len(q.options) - 1)].id
                    answers[q.id] = option if q.type == "choice" else (option,)
            out.append((f"scales at {level}, option {k + 1} everywhere", answers))
    return out


# ---------------------------------------------------------------------------------------------
# The audit
# ---------------------------------------------------------------------------------------------

@dataclass
class Audit:
    bank: Bank
    n: int
    seed: int
    primary: Counter = field(default_factory=Counter)        # uniform-random takers per primary path
    hybrid: int = 0
    balanced: int = 0
    ties: int = 0
    pairs: Counter = field(default_factory=Counter)          # hybrid (primary, secondary) pairs
    archetypes: Counter = field(default_factory=Counter)
    patterned: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (label, outcome dict)
    maximisers: dict[str, dict[str, Any]] = field(default_factory=dict)      # path → outcome dict
    reached: set[str] = field(default_factory=set)           # paths primary in some answer set
    leaning_hybrid: tuple[float, int] = (0.0, 0)             # (hybrid share, takers) among leaning takers
    checks: list[Any] = field(default_factory=list)          # quiz.engine.checks findings

    def share(self, path: str) -> float:
        return self.primary[path] / self.n if self.n else 0.0

    @property
    def unreachable(self) -> list[str]:
        return [p for p in self.bank.path_ids if p not in self.reached]

    def findings(self) -> list[tuple[str, str]]:
        """(severity, message): errors make the command exit 1."""
        out: list[tuple[str, str]] = []
        for code, _where, ctx in self.checks:
            if code in (ErrorCode.BANK_030, ErrorCode.BANK_034):  # reachability: the wider search below
                continue
            out.append((code.severity, f"[{code.name}] " + Problem(code, "", 0, 0, ctx).message))
        for p in self.unreachable:
            top = self.maximisers.get(p)
            note = ""
            if top is not None and top["scores"][p] >= max(top["scores"].values()):
                note = f" (its maximiser ties at the top with '{top['primary']}', which is listed first)"
            out.append(("error", f"path '{p}' is never primary: not for any of {self.n} random takers, "
                                 f"any straight-line taker, or the answers that maximise it{note}"))
        if self.n:
            for p in self.bank.path_ids:
                s = self.share(p)
                if p in self.reached and s < RARE_SHARE:
                    out.append(("warning", f"path '{p}' is primary for only {s:.1%} of random takers "
                                           f"(under {RARE_SHARE:.0%})"))
                elif s > DOMINANT_SHARE:
                    out.append(("warning", f"path '{p}' is primary for {s:.1%} of random takers "
                                           f"(over {DOMINANT_SHARE:.0%}): it dominates"))
        matched = set(self.archetypes) | {o["archetype"]["id"] for _, o in self.patterned if o["archetype"]} \
            | {o["archetype"]["id"] for o in self.maximisers.values() if o["archetype"]}
        for a in self.bank.archetypes:
            if a.id not in matched:
                out.append(("warning", f"archetype '{a.id}' is never the nearest, for any answer set tried"))
            elif self.n and self.archetypes[a.id] / self.n < RARE_ARCHETYPE_SHARE:
                out.append(("warning", f"archetype '{a.id}' is the nearest for only "
                                       f"{self.archetypes[a.id] / self.n:.1%} of random takers "
                                       f"(under {RARE_ARCHETYPE_SHARE:.0%}): move its profile towards "
                                       "where its people land"))
        if not bounds_exact(self.bank):
            out.append(("warning", "score bounds are not exact (too many rule-linked answer combinations): "
                                   "some paths may not reach 100 (docs/scoring.md)"))
        return out


def run_audit(bank: Bank, n: int = 10_000, seed: int = 0) -> Audit:
    audit = Audit(bank=bank, n=n, seed=seed)
    rnd = random.Random(seed)
    for _ in range(n):
        out = score(bank, random_answers(bank, rnd))
        audit.primary[out.primary] += 1
        audit.reached.add(out.primary)
        if out.hybrid:
            audit.hybrid += 1
            audit.pairs[(out.primary, out.secondary)] += 1
        audit.balanced += out.balanced
        audit.ties += out.tie
        if out.archetype is not None:
            audit.archetypes[out.archetype["id"]] += 1
    for label, answers in straight_line_sets(bank):
        out = score(bank, answers)
        audit.patterned.append((label, out.to_dict()))
        audit.reached.add(out.primary)
    for p in bank.path_ids:
        out = score(bank, maximising_answers(bank, p))
        audit.maximisers[p] = out.to_dict()
        audit.reached.add(out.primary)
    audit.leaning_hybrid = checks.leaning_hybrid_share(bank)  # seed 0, as quiz check's BANK_032 says
    audit.checks = checks.findings(bank)
    return audit


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

def _outcome_line(o: dict[str, Any]) -> str:
    kind = "tie" if o["hybrid"] and o["margin"] == 0 else "hybrid" if o["hybrid"] else "clear"
    what = f"{o['primary']}" + (f" + {o['secondary']} ({kind}, margin {o['margin']})" if o["hybrid"]
                                 else f" ({kind}, margin {o['margin']})")
    arche = f"; archetype {o['archetype']['id']}" if o["archetype"] else ""
    flags = f"; quality: {', '.join(o['quality'])}" if o["quality"] else ""
    return what + arche + flags


def render(audit: Audit) -> str:
    bank = audit.bank
    lines = [f"Balance audit of '{bank.id}' v{bank.version} ({bank.content_hash[:19]}…): "
             f"{audit.n} uniform-random answer sets, seed {audit.seed}", ""]
    width = max(len(p) for p in bank.path_ids + tuple(a.id for a in bank.archetypes) + ("path",))
    lines.append("Random takers by primary path")
    lines.append(f"  {'path':<{width}}  {'takers':>7}  {'share':>6}")
    for p in bank.path_ids:
        lines.append(f"  {p:<{width}}  {audit.primary[p]:>7}  {audit.share(p):>6.1%}")
    if audit.n:
        lines.append(f"  hybrid {audit.hybrid / audit.n:.1%} (exact ties {audit.ties / audit.n:.1%}), "
                     f"balanced {audit.balanced / audit.n:.1%}")
        if audit.pairs:
            common = ", ".join(f"{a}+{b} {c / audit.n:.1%}" for (a, b), c in audit.pairs.most_common(4))
            lines.append(f"  commonest hybrids: {common}")
    share, takers = audit.leaning_hybrid
    if takers:
        lines.append(f"  takers who lean to one path (docs/authoring.md): hybrid {share:.1%} of {takers}")
    if bank.archetypes:
        lines += ["", "Random takers by nearest archetype",
                  f"  {'archetype':<{width}}  {'takers':>7}  {'share':>6}"]
        for a in bank.archetypes:
            share = audit.archetypes[a.id] / audit.n if audit.n else 0.0
            lines.append(f"  {a.id:<{width}}  {audit.archetypes[a.id]:>7}  {share:>6.1%}")
    lines += ["", "Straight-line takers"]
    for label, o in audit.patterned:
        lines.append(f"  {label}: {_outcome_line(o)}")
    lines += ["", "Answers that maximise each path"]
    for p, o in audit.maximisers.items():
        scores = ", ".join(f"{k} {v}" for k, v in o["scores"].items())
        lines.append(f"  {p}: {scores} → {_outcome_line(o)}")
    findings = audit.findings()
    lines += ["", "Findings"]
    if not findings:
        lines.append("  none: every path is reachable, none is rare or dominant, every archetype is matched")
    for severity, message in findings:
        lines.append(f"  {severity}: {message}")
    errors = sum(1 for s, _ in findings if s == "error")
    warnings = len(findings) - errors
    lines += ["", f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"]
    return "\n".join(lines) + "\n"
