"""The analytic gradient of the log-likelihood (engine.score) against central differences."""
import numpy as np
import pytest

from solutions_lib.engine.likelihood import PixelData, loglike_batch
from solutions_lib.engine.score import score_batch
from solutions_lib.engine.models import DOUBLE, SINGLE
from solutions_lib.engine.synthetic import STRONG_CORE, synthetic_data


@pytest.fixture(scope="module")
def pixels():
    return PixelData.from_data(synthetic_data(seed=3))


def _central_differences(theta, pixels):
    grad = np.empty_like(theta)
    for j in range(theta.size):
        h = 1e-4 if j < 2 else 1e-5 * abs(theta[j])
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        grad[j] = (loglike_batch(up[None], pixels)[0] - loglike_batch(down[None], pixels)[0]) / (2 * h)
    return grad


@pytest.mark.slow
@pytest.mark.parametrize("model", [SINGLE, DOUBLE], ids=["single", "double"])
def test_score_matches_central_differences_away_from_the_peak(pixels, model):
    rng = np.random.default_rng(4)
    truth = model.vector(STRONG_CORE)
    for _ in range(3):
        theta = truth * (1 + 0.05 * rng.standard_normal(truth.size))
        theta[:2] = truth[:2] + rng.normal(0, 0.5, 2)
        analytic = score_batch(theta[None], pixels)[0]
        numeric = _central_differences(theta, pixels)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6 * np.abs(numeric).max())


def test_score_rows_are_independent_and_shapes_are_checked(pixels):
    truth = SINGLE.vector(STRONG_CORE)
    rows = np.stack([truth, truth * 1.01, truth])
    scores = score_batch(rows, pixels)
    np.testing.assert_array_equal(scores[0], scores[2])
    assert not np.allclose(scores[0], scores[1])
    with pytest.raises(ValueError, match="6 or 9"):
        score_batch(np.ones((2, 7)), pixels)
