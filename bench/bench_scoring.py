"""Scoring one full answer set of the shipped bank: validate + score (target: median ≤ 50 µs),
and the whole result the engine stores: validate + score + what_would_change + stability
(target: median ≤ 1 ms over many random answer sets).

Prints the median over many runs and a ratio against a baseline measured in the same run: a
plain dict sum over as many numbers as the answer set scores (what the arithmetic alone costs
in Python). Also prints the one-off cost of preparing the bank (bounds, the sensitivity tables),
which happens at load.

Run:  .venv/bin/python bench/bench_scoring.py [BANK_FILE]
"""
from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from quiz.bank import load_bank
from quiz.engine import scoring, sensitivity
from quiz.engine.answers import validate_answers
from quiz.engine.simulate import random_answers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_US = 50.0
ENGINE_TARGET_US = 1000.0
ENGINE_SETS = 300   # random answer sets for the whole-result figure
ENGINE_ROUNDS = 5   # each set timed this many times (interleaved); its median counts


def interleaved(fns: dict, runs: int, batch: int) -> dict[str, list[float]]:
    """Per-call times in µs, one sample per run and function, the functions taking turns within
    each run, so a busy machine slows them alike and the ratios between them stay meaningful."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    gc.collect()
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(batch):
                fn()
            samples[name].append((time.perf_counter() - start) / batch * 1e6)
    return samples


def main(path: str) -> int:
    bank = load_bank(path)
    start = time.perf_counter()
    scoring.prepare(bank)
    prepare_ms = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    sensitivity.prepare(bank)
    prepare_sensitivity_ms = (time.perf_counter() - start) * 1e3

    rnd = random.Random(1)
    # Answer sets as the API receives them: lists for multi questions, every question answered.
    sets = []
    for _ in range(20):
        answers = random_answers(bank, rnd, skip_optional=0.0)
        sets.append({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()})
    numbers = len(scoring.score(bank, validate_answers(bank, sets[0])[0]).contributions)
    baseline_data = {f"k{i}": float(i) for i in range(max(numbers, 1))}

    def full() -> None:
        for raw in sets:
            clean, errors = validate_answers(bank, raw)
            scoring.score(bank, clean)

    def full_dict() -> None:
        for raw in sets:
            clean, errors = validate_answers(bank, raw)
            scoring.score(bank, clean).to_dict()

    def validate_only() -> None:
        for raw in sets:
            validate_answers(bank, raw)

    cleaned = [validate_answers(bank, raw)[0] for raw in sets]

    def score_only() -> None:
        for clean in cleaned:
            scoring.score(bank, clean)

    def baseline() -> None:
        for _ in sets:
            total = 0.0
            for v in baseline_data.values():
                total += v

    per = len(sets)
    samples = interleaved({"baseline": baseline, "validate": validate_only, "score": score_only,
                           "full": full, "full+to_dict": full_dict}, runs=300, batch=3)
    med = {name: statistics.median(v) / per for name, v in samples.items()}
    ratio = statistics.median(f / b for f, b in zip(samples["full"], samples["baseline"]))

    print(f"bank: {bank.id} v{bank.version}: {len(bank.questions)} questions, {len(bank.rules)} rules, "
          f"{len(bank.archetypes)} archetypes; bounds exact: {scoring.bounds_exact(bank)}")
    print(f"prepare (bounds, tables; once per bank at load): {prepare_ms:.1f} ms; "
          f"sensitivity tables and bootstrap weights: {prepare_sensitivity_ms:.1f} ms")
    print(f"baseline: plain dict sum over {numbers} numbers: {med['baseline']:.2f} µs")
    print(f"validate: {med['validate']:.1f} µs median")
    print(f"score:    {med['score']:.1f} µs median")
    print(f"validate + score + to_dict (what a submission costs): {med['full+to_dict']:.1f} µs median")
    print(f"validate + score: {med['full']:.1f} µs median, {ratio:.0f}× baseline (median of per-run ratios); "
          f"target ≤ {TARGET_US:.0f} µs: {'met' if med['full'] <= TARGET_US else 'NOT met'}")
    engine(bank, med["baseline"])
    return 0


def engine(bank, baseline_us: float) -> None:
    """The whole result a submission stores, per random answer set, next to validate + score."""
    rnd = random.Random(2)
    sets = []
    for _ in range(ENGINE_SETS):
        answers = random_answers(bank, rnd)
        sets.append({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()})

    def scored(raw: dict) -> None:
        clean, errors = validate_answers(bank, raw)
        scoring.score(bank, clean)

    def whole(raw: dict) -> None:
        clean, errors = validate_answers(bank, raw)
        outcome = scoring.score(bank, clean).to_dict()
        outcome.update(sensitivity.analyse(bank, clean, outcome))

    cleaned = [validate_answers(bank, raw)[0] for raw in sets]
    outcomes = [scoring.score(bank, clean).to_dict() for clean in cleaned]
    parts = {"score": [], "engine": [], "what_would_change": [], "stability": []}
    gc.collect()
    for raw, clean, outcome in zip(sets, cleaned, outcomes):
        runs: dict[str, list[float]] = {name: [] for name in parts}
        calls = {"score": lambda: scored(raw), "engine": lambda: whole(raw),
                 "what_would_change": lambda: sensitivity.what_would_change(bank, clean, outcome),
                 "stability": lambda: sensitivity.stability(bank, clean, outcome)}
        for _ in range(ENGINE_ROUNDS):  # the calls take turns, so a busy moment slows them alike
            for name, call in calls.items():
                start = time.perf_counter()
                call()
                runs[name].append((time.perf_counter() - start) * 1e6)
        for name in parts:
            parts[name].append(statistics.median(runs[name]))
    sizes = [min((len(w["changes"]) for w in sensitivity.what_would_change(bank, c, o)), default=0)
             for c, o in zip(cleaned, outcomes)]
    med = {name: statistics.median(v) for name, v in parts.items()}
    ratio = statistics.median(e / s for e, s in zip(parts["engine"], parts["score"]))
    p90 = sorted(parts["engine"])[int(0.9 * len(parts["engine"]))]
    print(f"whole result over {len(sets)} random answer sets (each the median of {ENGINE_ROUNDS} runs):")
    print(f"  validate + score:                      {med['score']:.1f} µs median")
    print(f"  what_would_change:                     {med['what_would_change']:.1f} µs median")
    print(f"  stability (200 draws):                 {med['stability']:.1f} µs median")
    print(f"  validate + score + what_would_change + stability: {med['engine']:.1f} µs median, "
          f"90th percentile {p90:.1f} µs, slowest {max(parts['engine']):.1f} µs; "
          f"{ratio:.1f}× validate + score (median of per-set ratios), {med['engine'] / baseline_us:.0f}× baseline; "
          f"target ≤ {ENGINE_TARGET_US:.0f} µs: {'met' if med['engine'] <= ENGINE_TARGET_US else 'NOT met'}")
    counts = {k: sizes.count(k) for k in (1, 2, 3, 0)}
    print(f"  fewest changes that change the outcome: 1: {counts[1]}, 2: {counts[2]}, 3: {counts[3]}, "
          f"none within 3: {counts[0]} answer sets")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "questions", "know-yourself.yaml")))
