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
PAF_TOLERANCE = 1e-6  # on a communality; the figures are given to 3 decimals
# A resample starts from the full sample's fit, which it lies near. Where the items share a factor,
# it settles within these iterations and the interval equals that of 100 from the usual start
# (tests/unit/test_psychometrics.py); where they share none, 100 don't settle either. A quarter of
# the iterations keeps /author's tables (which show the intervals) near 2 s of CPU, not 8.
BOOTSTRAP_PAF_ITERATIONS = 25


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
    omega, _ = _fit_one_factor(np.cov(x, rowvar=False)[None, :, :])
    return None if np.isnan(omega[0]) else float(omega[0])


def _fit_one_factor(covs: np.ndarray, start: np.ndarray | None = None,
                    iterations: int = PAF_ITERATIONS) -> tuple[np.ndarray, np.ndarray]:
    """(omega of each covariance matrix in a stack, NaN where it has none; the communalities
    reached), fitted all at once: one stacked eigh per iteration rather than one per matrix.

    An item with no variance in a matrix is left out of its fit, as if dropped: its communality is
    clipped to its variance (0), so its row and loading stay 0. `start` (communalities) replaces
    the squared-multiple-correlation start: the bootstrap starts every resample from the full
    sample's fit, which it lies near, and so needs far fewer iterations."""
    b, k, _ = covs.shape
    variances = np.diagonal(covs, axis1=1, axis2=2).copy()
    fitted = (variances > 0).sum(axis=1) >= 2
    if start is None:
        # Squared multiple correlations' share of each variance (pinv: a singular matrix has none
        # to give, and its zero-variance items start, and stay, at 0).
        with np.errstate(divide="ignore", invalid="ignore"):
            start = variances - 1.0 / np.diagonal(np.linalg.pinv(covs), axis1=1, axis2=2)
        start = np.nan_to_num(start, nan=0.0, neginf=0.0)
    communality = np.minimum(np.clip(np.broadcast_to(start, (b, k)), 1e-9, None), variances)
    reduced = covs.copy()
    diagonal = np.arange(k)
    loadings = np.zeros((b, k))
    done = ~fitted
    for _ in range(iterations):
        reduced[:, diagonal, diagonal] = communality
        values, vectors = np.linalg.eigh(reduced)
        top = np.maximum(values[:, -1], 0.0)
        step = vectors[:, :, -1] * np.sqrt(top)[:, None]
        new = np.minimum(np.clip(step ** 2, 1e-9, None), variances)
        active = ~done
        loadings[active] = step[active]
        converged = np.max(np.abs(new - communality), axis=1) < PAF_TOLERANCE
        communality = np.where((active & ~converged)[:, None], new, communality)
        done |= converged
        if done.all():
            break
    loadings *= np.where(loadings.sum(axis=1) < 0, -1.0, 1.0)[:, None]
    uniqueness = np.clip(variances - loadings ** 2, 0.0, None)
    explained = loadings.sum(axis=1) ** 2
    denominator = explained + uniqueness.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        omega = np.where(fitted & (denominator > 0), explained / denominator, np.nan)
    return omega, communality


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
            alpha = cronbach_alpha(x)
            omega, reached = _fit_one_factor(np.cov(x, rowvar=False)[None, :, :])
            entry["alpha"] = None if alpha is None else round(alpha, 3)
            entry["omega"] = None if np.isnan(omega[0]) else round(float(omega[0]), 3)
            entry["alpha_ci"] = _interval([cronbach_alpha(x[d]) for d in draws])
            resampled = x[draws]  # draws × results × items
            centred = resampled - resampled.mean(axis=1, keepdims=True)
            covs = np.einsum("bni,bnj->bij", centred, centred) / (len(outcomes) - 1)
            omegas, _ = _fit_one_factor(covs, start=reached[0], iterations=BOOTSTRAP_PAF_ITERATIONS)
            entry["omega_ci"] = _interval([None if np.isnan(v) else float(v) for v in omegas])
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
