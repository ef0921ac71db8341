"""The log-likelihood kernels and the priors."""
import numpy as np
import pytest
from numba import njit

from solutions_lib.engine import priors
from solutions_lib.engine.fastmath import vexp, vlog
from solutions_lib.engine.likelihood import (PixelData, loglike, loglike_batch, loglike_double,
                                      loglike_numpy, loglike_single)
from solutions_lib.engine.models import DOUBLE, SINGLE
from solutions_lib.engine.synthetic import STRONG_CORE, synthetic_data


@njit(error_model="numpy")
def _apply_log(u):
    out = np.empty_like(u)
    for i in range(u.size):
        out[i] = vlog(u[i])
    return out


@njit(error_model="numpy")
def _apply_exp(t):
    out = np.empty_like(t)
    for i in range(t.size):
        out[i] = vexp(t[i])
    return out


def test_vector_log_and_exp_are_accurate_to_1e_12():
    rng = np.random.default_rng(0)
    u = np.exp(rng.uniform(-700, 700, 200_000))
    np.testing.assert_allclose(_apply_log(u), np.log(u), rtol=0, atol=1e-12)
    u = 1.0 + rng.uniform(0, 1e-3, 10_000)
    np.testing.assert_allclose(_apply_log(u), np.log(u), rtol=1e-12)
    t = rng.uniform(-700, 700, 200_000)
    np.testing.assert_allclose(_apply_exp(t), np.exp(t), rtol=1e-12)
    assert _apply_exp(np.array([0.0]))[0] == 1.0
    assert _apply_log(np.array([1.0]))[0] == 0.0


@pytest.fixture(scope="module")
def data():
    return synthetic_data(seed=1)


@pytest.fixture(scope="module")
def pixels(data):
    return PixelData.from_data(data)


def _random_thetas(n, model, rng):
    base = model.vector(STRONG_CORE)
    out = []
    for _ in range(n):
        theta = base.copy()
        theta[:2] += rng.normal(0, 5, 2)
        theta[2:] *= np.exp(rng.normal(0, 0.3, theta.size - 2))
        if model is DOUBLE:
            theta[3], theta[7] = sorted((theta[3], theta[7]))
        out.append(theta)
    return out


@pytest.mark.parametrize("model", [SINGLE, DOUBLE], ids=["single", "double"])
def test_matches_numpy_reference(data, pixels, model):
    rng = np.random.default_rng(2)
    fn = loglike_single if model is SINGLE else loglike_double
    for theta in _random_thetas(5, model, rng):
        expected = loglike_numpy(theta, data)
        assert fn(theta, pixels) == pytest.approx(expected, rel=1e-9)
        assert loglike(theta, data) == pytest.approx(expected, rel=1e-9)


def test_double_with_zero_second_component_equals_single(pixels):
    theta = SINGLE.vector(STRONG_CORE)
    double = np.concatenate([theta, [0.0, 20.0, 0.7]])
    assert loglike_double(double, pixels) == pytest.approx(loglike_single(theta, pixels), rel=1e-13)


def test_batch_equals_one_by_one(pixels):
    rng = np.random.default_rng(3)
    for model, fn in ((SINGLE, loglike_single), (DOUBLE, loglike_double)):
        thetas = np.array(_random_thetas(7, model, rng))
        np.testing.assert_allclose(loglike_batch(thetas, pixels), [fn(t, pixels) for t in thetas],
                                   rtol=1e-13)


def test_pixel_order_keeps_every_pixel(data, pixels):
    assert pixels.size == data["flatim"].size
    assert pixels.counts.sum() == data["flatim"].sum()
    assert np.all(pixels.counts[:pixels.n_positive] > 0) and np.all(pixels.counts[pixels.n_positive:] == 0)
    from scipy.special import gammaln
    assert pixels.log_factorial_sum == pytest.approx(gammaln(data["flatim"] + 1.0).sum())


def test_outside_domain_and_bad_shapes(pixels):
    theta = SINGLE.vector(STRONG_CORE)
    for i in (2, 3, 5):
        bad = theta.copy()
        bad[i] = -1.0
        assert loglike_single(bad, pixels) == -np.inf
    bad = theta.copy()
    bad[0] = np.nan
    assert loglike_single(bad, pixels) == -np.inf
    with pytest.raises(ValueError, match="6 parameters"):
        loglike_single(theta[:5], pixels)
    with pytest.raises(ValueError, match="9 parameters"):
        loglike_double(theta, pixels)
    with pytest.raises(ValueError, match="flatim"):
        PixelData.from_data({"im": np.zeros((2, 2))})


# ---------------------------------------------------------------------------
# Priors
# ---------------------------------------------------------------------------
def test_prior_support():
    prior = priors.Prior.from_pixels(PixelData.from_data(synthetic_data(STRONG_CORE, shape=(160, 160))))
    single = SINGLE.vector(STRONG_CORE)
    double = DOUBLE.vector(STRONG_CORE)
    assert SINGLE.log_prior(single, prior) == 0.0
    assert DOUBLE.log_prior(double, prior) == 0.0
    for index, value in ((0, -1.0), (1, 200.0), (2, 1.0), (3, 0.01), (3, 1000.0),
                         (4, 0.1), (4, 5.0), (5, 100.0), (5, -1.0)):
        bad = single.copy()
        bad[index] = value
        assert SINGLE.log_prior(bad, prior) == -np.inf, (index, value)
    swapped = double.copy()
    swapped[3], swapped[7] = double[7], double[3]          # rc > rc2
    assert DOUBLE.log_prior(swapped, prior) == -np.inf
    equal = double.copy()
    equal[7] = equal[3]                                    # rc == rc2
    assert DOUBLE.log_prior(equal, prior) == -np.inf
    shallow_core = double.copy()
    shallow_core[4] = double[8] - 0.05                     # beta < beta2
    assert DOUBLE.log_prior(shallow_core, prior) == -np.inf
    with pytest.raises(ValueError, match="9 parameters"):
        DOUBLE.log_prior(single, prior)


@pytest.mark.parametrize("model", [SINGLE, DOUBLE], ids=["single", "double"])
def test_sampler_coordinates_round_trip_and_jacobian(model):
    theta = model.vector(STRONG_CORE)
    z = model.to_sampler(theta)
    np.testing.assert_allclose(model.from_sampler(z), theta, rtol=1e-13)
    # The log-prior density in z is log|d(flat coordinates)/dz|; check numerically.
    flat = lambda zz: model.to_flat(model.from_sampler(zz))  # noqa: E731
    h = 1e-6
    J = np.array([(flat(z + h * e) - flat(z - h * e)) / (2 * h) for e in np.eye(z.size)]).T
    assert model.log_jacobian_z(z)[0] == pytest.approx(np.log(abs(np.linalg.det(J))), abs=1e-6)
