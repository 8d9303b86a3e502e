"""The reliability intervals: the bootstrap's shortcut (every resample starts from the full
sample's fit, with fewer iterations) gives the same intervals as fitting each resample from
scratch, where the items share a factor."""
from __future__ import annotations

import numpy as np
import pytest

from quiz.engine import psychometrics


def one_factor_answers(loading: float, seed: int, n: int = 300, items: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    return np.round(loading * factor + rng.normal(size=(n, items)))


@pytest.mark.parametrize("loading", [0.4, 0.8])
def test_warm_started_resamples_give_the_interval_of_full_fits(loading):
    x = one_factor_answers(loading, seed=3)
    draws = np.random.default_rng(7).integers(0, len(x), size=(psychometrics.BOOTSTRAP_DRAWS, len(x)))
    from_scratch = [psychometrics.mcdonald_omega(x[d]) for d in draws]  # one full fit each
    _, reached = psychometrics._fit_one_factor(np.cov(x, rowvar=False)[None, :, :])
    resampled = x[draws]
    centred = resampled - resampled.mean(axis=1, keepdims=True)
    covs = np.einsum("bni,bnj->bij", centred, centred) / (len(x) - 1)
    warm, _ = psychometrics._fit_one_factor(covs, start=reached[0],
                                            iterations=psychometrics.BOOTSTRAP_PAF_ITERATIONS)
    assert psychometrics._interval([float(v) for v in warm]) == psychometrics._interval(from_scratch)
    assert np.allclose(warm, from_scratch, atol=1e-3)


def test_an_item_without_variance_is_left_out_of_the_fit():
    x = one_factor_answers(0.8, seed=5, items=6)
    with_constant = np.hstack([x, np.full((len(x), 1), 3.0)])
    assert psychometrics.mcdonald_omega(with_constant) == pytest.approx(psychometrics.mcdonald_omega(x), abs=1e-6)
