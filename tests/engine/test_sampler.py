"""The engine's ensemble moves sample known distributions (fast).

Each run draws from a target whose moments are known exactly and compares
the sample variances with them. The checks are tight enough to catch
emcee 3.1.6's DESnookerMove, whose proposal geometry and Metropolis factor
are wrong: mixed 20% into DE moves as the engine once did, it shrinks the
variances of a 9-D Gaussian by 4-7%; on its own by about 35%.
"""
import emcee
import numpy as np
import pytest

from solutions_lib.engine.moves import SnookerMove
from solutions_lib.engine.sampler import Ensemble, de_moves

DIM = 9                  # as many as the double-beta model
GAUSS_TOLERANCE = 0.025  # mean variance ratio over the 9 whitened directions
BANANA_TOLERANCE = 0.04  # variances of the two Gaussian coordinates of the banana


def correlated_gaussian(dim=DIM, seed=0):
    """log-density of a zero-mean Gaussian with a strongly correlated, badly scaled
    covariance (standard deviations from 0.1 to 3), and that covariance."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((dim, dim))
    cov = a @ a.T / dim + np.diag(np.geomspace(0.01, 10.0, dim))
    precision = np.linalg.inv(cov)
    return (lambda x: -0.5 * np.einsum("ij,jk,ik->i", x, precision, x)), cov


BANANA_B, BANANA_SD = 0.01, 10.0


def banana(x):
    """A twisted Gaussian: x1 ~ N(0, 10^2); x2 + b (x1^2 - 100) ~ N(0, 1); x3 ~ N(0, 1)."""
    bent = x[:, 1] + BANANA_B * (x[:, 0] ** 2 - BANANA_SD**2)
    return -0.5 * ((x[:, 0] / BANANA_SD) ** 2 + bent**2 + x[:, 2] ** 2)


def banana_draws(n, rng):
    x = rng.standard_normal((n, 3))
    x[:, 0] *= BANANA_SD
    x[:, 1] -= BANANA_B * (x[:, 0] ** 2 - BANANA_SD**2)
    return x


BANANA_VAR = np.array([BANANA_SD**2, 1.0 + 2.0 * BANANA_B**2 * BANANA_SD**4, 1.0])


def sample(log_density, starts, steps, seed, moves=None):
    """Samples (burn-in of a fifth removed) from an engine `Ensemble`; other ``moves`` replace
    the engine's own."""
    ensemble = Ensemble(log_density, starts, seed=seed, progress=False, moves=moves)
    ensemble.run(steps)
    return ensemble.chain(discard=steps // 5).reshape(-1, starts.shape[1])


def whitened_variances(moves=None, walkers=32, steps=4000, seed=1):
    """Variances of the samples along the target's principal axes, in units of the truth."""
    log_density, cov = correlated_gaussian()
    rng = np.random.default_rng(seed)
    starts = rng.multivariate_normal(np.zeros(DIM), cov, size=walkers)
    samples = sample(log_density, starts, steps, seed, moves)
    whiten = np.linalg.cholesky(np.linalg.inv(cov))
    return np.mean((samples @ whiten) ** 2, axis=0)


@pytest.fixture(scope="module")
def engine_gaussian():
    return whitened_variances()


def test_engine_moves_sample_a_correlated_gaussian(engine_gaussian):
    assert abs(engine_gaussian.mean() - 1) < GAUSS_TOLERANCE, engine_gaussian
    assert np.all(np.abs(engine_gaussian - 1) < 0.08), engine_gaussian


@pytest.mark.slow
def test_engine_moves_sample_a_banana():
    rng = np.random.default_rng(2)
    samples = sample(banana, banana_draws(32, rng), steps=6000, seed=2)
    # x1 and the straightened x2 + b (x1^2 - 100) are Gaussian with variances 100 and 1 only
    # if the samples follow the bend; the raw x2 (variance 3, heavy tails) is noisier.
    bent = samples[:, 1] + BANANA_B * (samples[:, 0] ** 2 - BANANA_SD**2)
    assert np.mean(samples[:, 0] ** 2) / BANANA_SD**2 == pytest.approx(1, abs=BANANA_TOLERANCE)
    assert np.mean(bent**2) == pytest.approx(1, abs=BANANA_TOLERANCE)
    assert np.mean(samples[:, 1] ** 2) / BANANA_VAR[1] == pytest.approx(1, abs=2.5 * BANANA_TOLERANCE)
    assert np.mean(samples[:, 2] ** 2) == pytest.approx(1, abs=BANANA_TOLERANCE)


@pytest.mark.slow
def test_corrected_snooker_alone_samples_the_gaussian():
    variances = whitened_variances([(SnookerMove(), 1.0)])
    assert abs(variances.mean() - 1) < GAUSS_TOLERANCE, variances


@pytest.mark.slow
@pytest.mark.parametrize("moves, shrink", [
    ([(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)], 0.94),
    ([(emcee.moves.DESnookerMove(), 1.0)], 0.65),
], ids=["emcee-snooker-20pct", "emcee-snooker-alone"])
def test_the_gaussian_check_catches_emcee_3_1_6_snooker(moves, shrink):
    """The same check fails for the moves the engine used before (it is able to fail)."""
    variances = whitened_variances(moves)
    assert variances.mean() < 1 - GAUSS_TOLERANCE
    assert variances.mean() == pytest.approx(shrink, abs=0.04)


def test_engine_uses_the_corrected_snooker():
    kinds = [type(move) for move, _ in de_moves()]
    assert SnookerMove in kinds and emcee.moves.DESnookerMove not in kinds
