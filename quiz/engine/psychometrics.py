"""How good a bank's measurement is, from its results (pure: the store hands in the outcomes): per path, Cronbach's alpha and
McDonald's omega with bootstrap intervals, and the split-half agreement of the outcome.

A path's items are the questions that can give it points; an item's score in a result is the
points it gave that path (the stored contributions). Alpha is the classical internal-consistency
coefficient; omega (total) comes from a one-factor model fitted by iterated principal axis
factoring on the item covariances, and does not assume equal loadings. Intervals are percentile
intervals over a fixed-seed bootstrap of results, so the same data always gives the same figures.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from quiz.bank import Bank

BOOTSTRAP_DRAWS = 200
BOOTSTRAP_SEED = 20_261_201
MIN_RESULTS = 10  # below this, the coefficients say nothing: none are given
PAF_ITERATIONS = 100


def item_matrix(bank: Bank, outcomes: Iterable[Mapping[str, Any]], path: str) -> tuple[list[str], np.ndarray]:
    """(item ids, results × items matrix of the points each item gave `path`)."""
    items = [q.id for q in bank.questions if path in q.scored_paths]
    index = {qid: i for i, qid in enumerate(items)}
    rows = []
    for outcome in outcomes:
        row = [0.0] * len(items)
        for c in outcome.get("contributions") or []:
            if c.get("path") == path and c.get("question") in index:
                row[index[c["question"]]] += float(c.get("points") or 0.0)
        rows.append(row)
    return items, np.asarray(rows, dtype=float).reshape(len(rows), len(items))


def cronbach_alpha(x: np.ndarray) -> float | None:
    n, k = x.shape
    if n < 2 or k < 2:
        return None
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return None
    return float(k / (k - 1) * (1.0 - x.var(axis=0, ddof=1).sum() / total_var))


def mcdonald_omega(x: np.ndarray) -> float | None:
    """Omega total of a one-factor model fitted by iterated principal axis factoring."""
    n, k = x.shape
    if n < 3 or k < 2:
        return None
    cov = np.cov(x, rowvar=False)
    variances = np.diag(cov).copy()
    keep = variances > 0
    if keep.sum() < 2:
        return None
    cov = cov[np.ix_(keep, keep)]
    variances = variances[keep]
    reduced = cov.copy()
    # Start from squared multiple correlations' share of each variance (or 1 if singular).
    try:
        communality = variances - 1.0 / np.diag(np.linalg.inv(cov))
    except np.linalg.LinAlgError:
        communality = variances * 0.5
    communality = np.clip(communality, 1e-9, variances)
    loadings = np.sqrt(communality)
    for _ in range(PAF_ITERATIONS):
        np.fill_diagonal(reduced, communality)
        values, vectors = np.linalg.eigh(reduced)
        top = max(values[-1], 0.0)
        loadings = vectors[:, -1] * np.sqrt(top)
        new = np.clip(loadings ** 2, 1e-9, variances)
        if np.max(np.abs(new - communality)) < 1e-9:
            break
        communality = new
    if loadings.sum() < 0:
        loadings = -loadings
    uniqueness = np.clip(variances - loadings ** 2, 0.0, None)
    explained = loadings.sum() ** 2
    denominator = explained + uniqueness.sum()
    return float(explained / denominator) if denominator > 0 else None


def _interval(values: Sequence[float]) -> list[float] | None:
    clean = [v for v in values if v is not None and np.isfinite(v)]
    if len(clean) < BOOTSTRAP_DRAWS // 2:
        return None
    return [round(float(np.percentile(clean, 2.5)), 3), round(float(np.percentile(clean, 97.5)), 3)]


def reliability(bank: Bank, outcomes: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Per path: alpha and omega with 95% bootstrap intervals (None below MIN_RESULTS)."""
    out: dict[str, Any] = {}
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = rng.integers(0, max(len(outcomes), 1), size=(BOOTSTRAP_DRAWS, len(outcomes))) if outcomes else None
    for path in bank.path_ids:
        items, x = item_matrix(bank, outcomes, path)
        entry: dict[str, Any] = {"items": len(items), "alpha": None, "alpha_ci": None, "omega": None, "omega_ci": None}
        if len(outcomes) >= MIN_RESULTS and len(items) >= 2:
            alpha, omega = cronbach_alpha(x), mcdonald_omega(x)
            entry["alpha"] = None if alpha is None else round(alpha, 3)
            entry["omega"] = None if omega is None else round(omega, 3)
            entry["alpha_ci"] = _interval([cronbach_alpha(x[d]) for d in draws])
            entry["omega_ci"] = _interval([mcdonald_omega(x[d]) for d in draws])
        out[path] = entry
    return out


def split_half_agreement(bank: Bank, outcomes: list[Mapping[str, Any]]) -> float | None:
    """The share of results whose leading path is the same on the odd and on the even questions
    (points summed per half): how far the outcome rests on the bank as a whole, not a few items."""
    if len(outcomes) < MIN_RESULTS:
        return None
    order = {q.id: i for i, q in enumerate(bank.questions)}
    paths = list(bank.path_ids)
    same = 0
    for outcome in outcomes:
        halves = [dict.fromkeys(paths, 0.0), dict.fromkeys(paths, 0.0)]
        for c in outcome.get("contributions") or []:
            if c.get("question") in order and c.get("path") in halves[0]:
                halves[order[c["question"]] % 2][c["path"]] += float(c.get("points") or 0.0)
        leaders = [max(paths, key=lambda p, h=h: (h[p], -paths.index(p))) for h in halves]
        same += leaders[0] == leaders[1]
    return round(same / len(outcomes), 3)
