"""Maximum, short-chain fits, DIC and input checks (solutions_lib.engine.fitting, dic).

Chains here are deliberately short (fast tests); the full convergence
targets are checked by benchmarks/validate_engine.py.
"""
import numpy as np
import pytest

from solutions_lib.engine import fitting
from solutions_lib.engine.dic import compute_dic, dic_from_deviance, validate_chains
from solutions_lib.engine.likelihood import PixelData, loglike_batch, loglike_single
from solutions_lib.engine.model import PARAMNAMES, PARAMNAMES2
from solutions_lib.engine.optimize import initial_guess, maximize
from solutions_lib.engine.models import DOUBLE, SINGLE, model_named
from solutions_lib.engine.models.double import fluxes, nested_start
from solutions_lib.engine.priors import Prior
from solutions_lib.engine.selfcheck import FitCheckWarning
from solutions_lib.engine.synthetic import STRONG_CORE, synthetic_data

SINGLE_TRUTH = dict(x0=70.4, y0=83.1, S0=1.5e-6, rc=6.0, beta=0.7, B=0.05)
SHORT = dict(progress=False, require_convergence=False, n_burn=150, block=300)


@pytest.fixture(scope="module")
def single_data():
    return synthetic_data(SINGLE_TRUTH, seed=11)


@pytest.fixture(scope="module")
def core_pixels():
    return PixelData.from_data(synthetic_data(STRONG_CORE, seed=5))


def test_initial_guess_finds_the_cluster(single_data):
    guess = initial_guess(single_data)
    assert abs(guess[0] - SINGLE_TRUTH["x0"]) < 3 and abs(guess[1] - SINGLE_TRUTH["y0"]) < 3
    assert 0.3 < guess[5] / SINGLE_TRUTH["B"] < 3


def test_map_recovers_truth(single_data):
    pixels = PixelData.from_data(single_data)
    theta_map = fitting._maximum(pixels, SINGLE, initial_guess(pixels), Prior.from_pixels(pixels))
    truth = SINGLE.vector(SINGLE_TRUTH)
    assert np.all(np.abs(theta_map[:2] - truth[:2]) < 0.5)
    np.testing.assert_allclose(theta_map[2:], truth[2:], rtol=0.2)
    assert loglike_single(theta_map, pixels) >= loglike_single(truth, pixels)


def test_double_starts_include_typical_cores_when_the_single_fit_is_a_cusp(core_pixels):
    """A shallow single-beta cusp (rc ~ 1 pixel) must not confine every double start to tiny radii."""
    cusp = np.array([60.0, 45.0, 4e-5, 1.2, 0.47, 0.04])
    prior = Prior.from_pixels(core_pixels)
    # As `fitting.fit` hands them to the optimiser: pulled inside the prior's bounds (here the flux).
    starts = np.array([DOUBLE.pull_inside(start, prior)
                       for start in DOUBLE.optimiser_starts(initial_guess(core_pixels), cusp)])
    assert np.all(DOUBLE.in_support(starts, prior)), "every start must lie inside the prior"
    assert np.any((starts[:, 3] >= 3) & (starts[:, 7] >= 25)), "no start with a typical core and halo"


def test_the_double_maximum_is_at_least_the_single_one(single_data):
    """The double model holds the single one (a vanishing compact component). `nested_start` is the
    single maximum in that form, among the optimiser's starts; the optimiser runs from its best
    start and never ends below it. Measured on a cluster without a core, where the double model
    has nothing to add."""
    pixels = PixelData.from_data(single_data)
    prior = Prior.from_pixels(pixels)
    single_map = fitting._maximum(pixels, SINGLE, initial_guess(pixels), prior)
    single_max = loglike_single(single_map, pixels)
    start = nested_start(single_map)
    assert fluxes(start)[1] == pytest.approx(1e-6) and DOUBLE.in_support(start, prior)[0]
    np.testing.assert_allclose(start[[0, 1, 5, 6, 7, 8]], single_map[[0, 1, 5, 2, 3, 4]])
    assert loglike_batch(start[None], pixels)[0] == pytest.approx(single_max, abs=1e-3)
    assert any(np.array_equal(start, other) for other in DOUBLE.optimiser_starts(initial_guess(pixels), single_map))
    post = fitting.Posterior(pixels, DOUBLE, prior)
    # Even with a start far off (a compact core of 30% of the flux) and one short Powell pass.
    far = start * np.array([1, 1, 3e5, 1, 1, 1, 0.7, 1, 1])
    _, double_max = maximize(post.objective, [far, start], DOUBLE, max_evals=300, n_best=1, polish=False)
    assert double_max >= single_max - 1e-6


@pytest.fixture(scope="module")
def short_fits(core_pixels):
    # One component cannot describe a strong core inside a halo that fills this small field: it
    # drives the background to the floor of its prior, and its self-check says so.
    with pytest.warns(FitCheckWarning, match="B presses the lower bound"):
        single = fitting.fit_single(core_pixels, seed=1, **SHORT)
    double = fitting.fit_double(core_pixels, seed=1, single=single, **SHORT)
    assert double.checks.passed, double.checks.lines()
    return single, double


def test_short_fit_shapes_and_order(short_fits):
    for result, names in zip(short_fits, (PARAMNAMES, PARAMNAMES2)):
        n_chains, n_samples, n_params = result.chains.shape
        assert n_chains >= 4 and n_samples == 300 and n_params == len(names)
        assert result.paramnames == names
        assert np.all(np.isfinite(result.chains)) and np.isfinite(result.dic)
        for vector in (result.map, result.median, result.mean, result.sd, result.R, result.neff):
            assert vector.shape == (len(names),)
        summary = result.summary()
        assert list(summary["median"]) == names and summary["model"] == result.model.name
    single, double = short_fits
    # Natural units, paramnames order: the medians sit near the truth.
    truth = DOUBLE.vector(STRONG_CORE)
    assert np.all(np.abs(double.median[:2] - truth[:2]) < 1.0)
    assert 0.5 < double.median[5] / truth[5] < 2            # B
    assert np.all(double.chains[..., 3] < double.chains[..., 7])     # rc < rc2 in every sample
    assert np.all(double.chains[..., 4] >= double.chains[..., 8])    # beta >= beta2 in every sample


def test_dic_prefers_two_components_for_a_cool_core(short_fits):
    single, double = short_fits
    assert double.dic < single.dic - 10


def test_dic_penalty_is_about_the_number_of_parameters(core_pixels, short_fits):
    """pD = var(D)/2 is k for a Gaussian posterior in k parameters (here well constrained)."""
    for result, k in zip(short_fits, (6, 9)):
        deviance = -2 * loglike_batch(result.samples, core_pixels)
        assert 0.5 * k < result.dic - deviance.mean() < 2.0 * k


def test_dic_from_chi_square_deviances():
    deviance = 1000.0 + np.random.default_rng(0).chisquare(9, size=200_000)
    assert dic_from_deviance(deviance) == pytest.approx(1000.0 + 9 + 9, abs=0.1)
    with pytest.raises(ValueError, match="not finite"):
        dic_from_deviance(np.array([1.0, np.inf]))


def test_dic_matches_per_sample_likelihoods(core_pixels, short_fits):
    chains = short_fits[0].chains[:, ::30]
    deviance = [-2.0 * loglike_single(theta, core_pixels) for theta in chains.reshape(-1, chains.shape[-1])]
    assert compute_dic(chains, core_pixels, SINGLE) == pytest.approx(dic_from_deviance(deviance), rel=1e-10)


def test_bad_chains_are_explained(core_pixels, short_fits):
    good = short_fits[0].chains
    with pytest.raises(ValueError, match=r"3-D array shaped \(n_chains, n_samples, 6\)"):
        validate_chains(good[0], model=SINGLE)
    with pytest.raises(ValueError, match=r"9 parameters .*double"):
        compute_dic(good, core_pixels, DOUBLE)
    bad = good.copy()
    bad[0, 3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        compute_dic(bad, core_pixels, SINGLE)
    with pytest.raises(ValueError, match="numbers"):
        validate_chains([["a"]], model=SINGLE)
    with pytest.raises(ValueError, match="model must be"):
        model_named("triple")


def test_convergence_error_when_steps_run_out(single_data):
    with pytest.raises(fitting.ConvergenceError, match="did not reach") as error:
        fitting.fit_single(single_data, seed=2, progress=False, n_burn=50, block=100, max_steps=100)
    assert error.value.result.checks.passed, "the unconverged result carries its self-checks"
