"""The priors (bounds in the data's own scale, the double model's flux-share prior), aperture fluxes
and the Fisher information."""
from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import quad

from solutions_lib.engine import priors
from solutions_lib.engine.fisher import fisher_information, fisher_sd
from solutions_lib.engine.flux import APERTURE, aperture_flux
from solutions_lib.engine.likelihood import PixelData, loglike
from solutions_lib.engine.model import expected_counts
from solutions_lib.engine.models import DOUBLE, SINGLE
from solutions_lib.engine.models.double import fluxes
from solutions_lib.engine.synthetic import STRONG_CORE, synthetic_data

SHAPE = (160, 160)


@pytest.mark.parametrize("S0, rc, beta", [(2e-6, 3.0, 0.9), (1e-7, 30.0, 0.5), (1e-7, 30.0, 0.5 + 1e-10),
                                          (3e-7, 300.0, 0.35), (1e-6, 0.7, 2.5)])
def test_aperture_flux_is_the_integral_of_the_profile(S0, rc, beta):
    def ring(log_r):
        r = np.exp(log_r)
        return 2 * np.pi * r * r * S0 * (1 + (r / rc) ** 2) ** (0.5 - 3 * beta)

    numeric = quad(ring, np.log(1e-4 * rc), np.log(APERTURE), limit=400, epsabs=0, epsrel=1e-10)[0]
    numeric += np.pi * (1e-4 * rc) ** 2 * S0        # the tiny disc left out of the log integral
    assert aperture_flux(S0, rc, beta) == pytest.approx(numeric, rel=1e-7)


@pytest.fixture(scope="module")
def core_pixels():
    return PixelData.from_data(synthetic_data(STRONG_CORE, shape=SHAPE, seed=3))


def test_share_and_core_ratio_bound_the_double_model(core_pixels):
    prior = priors.Prior.from_pixels(core_pixels)
    double = DOUBLE.vector(STRONG_CORE)
    total, share = fluxes(double)
    assert 0 < share < priors.F_SHARE_MAX
    assert DOUBLE.log_prior(double, prior) == 0.0
    # Raise the compact component until it carries 60% of the flux: outside the prior.
    heavy = double.copy()
    heavy[2] *= 0.6 / 0.4 * (1 - share) / share
    assert fluxes(heavy)[1] == pytest.approx(0.6)
    assert DOUBLE.log_prior(heavy, prior) == -np.inf
    similar = double.copy()
    similar[7] = 1.5 * similar[3]                   # rc2 only 1.5 rc
    assert DOUBLE.log_prior(similar, prior) == -np.inf
    faint = double.copy()
    faint[2] = 1e-6 * double[2]                     # a negligible compact component is allowed
    assert DOUBLE.log_prior(faint, prior) == 0.0
    z = DOUBLE.to_sampler(faint)
    np.testing.assert_allclose(DOUBLE.from_sampler(z), faint, rtol=1e-9)


def test_bounds_are_the_data_scales_times_fixed_factors(core_pixels):
    prior = priors.Prior.from_pixels(core_pixels)
    counts, exposure = core_pixels.counts.sum(), core_pixels.exposure.mean()
    rate, per_pixel = counts / exposure, counts / core_pixels.size
    np.testing.assert_allclose(prior.S0, np.multiply(priors.S0_RANGE, rate), rtol=1e-12)
    np.testing.assert_allclose(prior.F, np.multiply(priors.FLUX_RANGE, rate), rtol=1e-12)
    np.testing.assert_allclose(prior.B, np.multiply(priors.B_RANGE, per_pixel), rtol=1e-12)
    assert prior.rc == (priors.RC_MIN, float(max(SHAPE))) and prior.shape == SHAPE
    assert priors.Prior.from_dict(prior.as_dict()) == prior


def test_bounds_move_with_the_units_and_the_brightness_of_the_data(core_pixels):
    """A map in seconds (no effective area), a brighter cluster and another image size move the
    bounds as they move the parameters, so the truth stays as deep inside the prior."""
    prior = priors.Prior.from_pixels(core_pixels)
    area = 420.0     # cm^2: the same counts with an exposure map in seconds
    seconds = priors.Prior.from_pixels(replace(core_pixels, exposure=core_pixels.exposure / area))
    np.testing.assert_allclose(np.divide(seconds.F, prior.F), area, rtol=1e-12)
    np.testing.assert_allclose(np.divide(seconds.S0, prior.S0), area, rtol=1e-12)
    assert seconds.B == prior.B and seconds.rc == prior.rc
    brighter = priors.Prior.from_pixels(replace(core_pixels, counts=10 * core_pixels.counts))
    np.testing.assert_allclose(np.divide(brighter.F, prior.F), 10, rtol=1e-12)
    np.testing.assert_allclose(np.divide(brighter.B, prior.B), 10, rtol=1e-12)
    wider = priors.Prior.from_pixels(replace(core_pixels, shape=(512, 512)))
    assert wider.rc[1] == 512 and wider.range_of("x0") == (0.0, 511.0)
    # The cluster of the synthetic data, in the units of each: its flux sits as deep inside each prior.
    total = fluxes(DOUBLE.vector(STRONG_CORE))[0]
    depth = np.log(total / prior.F[0]), np.log(prior.F[1] / total)
    np.testing.assert_allclose((np.log(area * total / seconds.F[0]), np.log(seconds.F[1] / (area * total))), depth)
    assert min(depth) > np.log(100)


def test_no_counts_no_prior(core_pixels):
    with pytest.raises(ValueError, match="no counts"):
        priors.Prior.from_pixels(replace(core_pixels, counts=0 * core_pixels.counts))


def test_flat_coordinates_are_total_flux_and_share():
    double = DOUBLE.vector(STRONG_CORE)
    flat = DOUBLE.to_flat(double)
    f1 = aperture_flux(double[2], double[3], double[4])
    f2 = aperture_flux(double[6], double[7], double[8])
    assert flat[2] == pytest.approx(np.log(f1 + f2)) and flat[6] == pytest.approx(f1 / (f1 + f2))
    np.testing.assert_allclose(DOUBLE.from_flat(flat), double, rtol=1e-12)


@pytest.mark.parametrize("model", [SINGLE, DOUBLE], ids=["single", "double"])
def test_fisher_information_is_the_curvature_of_the_expected_log_likelihood(model):
    """With counts equal to their expectation, -Hessian(log L) at the truth is the Fisher matrix."""
    data = synthetic_data(STRONG_CORE, shape=(60, 60), seed=1)
    theta = model.vector(STRONG_CORE)
    theta[:2] = [30.3, 29.6]
    pixels = PixelData.from_data(data)
    mu = expected_counts(dict(zip(model.paramnames, theta)), pixels.x, pixels.y, pixels.exposure)
    expected = PixelData(pixels.x, pixels.y, pixels.exposure, mu, mu.size, pixels.shape, 0.0)
    step = np.where(np.arange(theta.size) < 2, 1e-3, 1e-3 * np.abs(theta))
    hessian = np.empty((theta.size, theta.size))
    for i in range(theta.size):
        for j in range(theta.size):
            def shifted(a, b):
                t = theta.copy()
                t[i] += a * step[i]
                t[j] += b * step[j]
                return loglike(t, expected)
            hessian[i, j] = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1) + shifted(-1, -1)) / (
                4 * step[i] * step[j])
    information = fisher_information(theta, pixels)
    np.testing.assert_allclose(-hessian, information, rtol=2e-3, atol=1e-6 * np.abs(information).max())
    assert np.all(fisher_sd(theta, pixels) > 0)
