"""Stein's identities as a test of posterior draws (solutions_lib.grading.stein).

Honest engine chains of a synthetic cluster pass; the same chains shifted,
narrowed, widened or stripped of their correlations fail, each with the
message that names what is wrong.
"""
import numpy as np
import pytest

from solutions_lib.course.reference_cli import _stats
from solutions_lib.engine import fitting
from solutions_lib.engine.likelihood import PixelData
from solutions_lib.engine.models import SINGLE
from solutions_lib.engine.synthetic import synthetic_data
from solutions_lib.grading import stein

TRUTH = dict(x0=70.4, y0=83.1, S0=1.5e-6, rc=6.0, beta=0.7, B=0.05)


@pytest.fixture(scope="module")
def honest():
    """(pixels, chains, reference summary, judged parameters) of an engine fit to a synthetic cluster."""
    pixels = PixelData.from_data(synthetic_data(TRUTH, seed=11))
    result = fitting.fit_single(pixels, seed=1, progress=False)
    summary = _stats(result)
    return pixels, result.chains, summary, stein.judged_parameters(summary, SINGLE)


def _statistics(chains, pixels, judged):
    return stein.stein_statistics(chains, SINGLE, judged, stein.likelihood_at_draws(chains, pixels)[1])


def _problem(chains, honest):
    pixels, _, _, judged = honest
    return _statistics(chains, pixels, judged).problem()


@pytest.mark.slow
def test_honest_chains_pass_and_do_not_look_independent(honest):
    pixels, chains, _, judged = honest
    assert judged == ("x0", "y0", "S0", "rc", "beta", "B"), "every parameter of a well-measured cluster is judged"
    result = _statistics(chains, pixels, judged)
    assert result.problem() is None
    assert result.mean_excess().max() < 0 and result.spread_excess().max() < 0
    assert not result.looks_independent(), "emcee chains are correlated from step to step"


@pytest.mark.slow
def test_thinned_to_independence_they_pass_and_look_independent(honest):
    pixels, chains, _, judged = honest
    result = _statistics(chains[:, ::40], pixels, judged)
    assert result.problem() is None and result.looks_independent()


@pytest.mark.slow
def test_shifted_narrow_wide_and_uncorrelated_samples_fail(honest):
    _, chains, summary, _ = honest
    centre = chains.reshape(-1, 6).mean(axis=0)
    shifted = chains + np.array([0, 0, 0, 0, 0, summary["sd"]["B"]])
    assert "not centred" in _problem(shifted, honest) and "`B`" in _problem(shifted, honest)
    assert "too narrow" in _problem(centre + 0.6 * (chains - centre), honest)
    assert "too wide" in _problem(centre + 1.5 * (chains - centre), honest)
    shuffled = chains.reshape(-1, 6).copy()
    rng = np.random.default_rng(0)
    for column in shuffled.T:
        rng.shuffle(column)  # the right marginals, without the rc-beta-S0 correlations
    assert _problem(shuffled.reshape(chains.shape), honest) is not None


@pytest.mark.slow
def test_a_parameter_that_never_varies_is_refused(honest):
    pixels, chains, _, judged = honest
    frozen = chains.copy()
    frozen[..., 0] = frozen[0, 0, 0]
    with pytest.raises(stein.ZeroSpread, match="x0"):
        _statistics(frozen, pixels, judged)


@pytest.mark.slow
def test_impossible_samples_are_explained(honest):
    broken = honest[1].copy()
    broken[0, :50, 2] = broken[0, :50, 5] = 0.0  # no emission at all: the gradient is not finite
    assert "not finite" in _problem(broken, honest)


@pytest.mark.slow
def test_parameters_pressed_against_a_bound_or_poorly_known_are_not_judged(honest):
    pixels, _, summary, _ = honest
    pressed = {key: dict(values) for key, values in summary.items() if isinstance(values, dict)}
    pressed["q005"]["beta"] = 0.0  # the lower bound of beta's prior: the prior shapes this posterior
    pressed["sd"]["rc"] = 0.5 * pressed["median"]["rc"]  # known to 50%: the prior's pull matters
    judged = stein.judged_parameters(pressed, SINGLE)
    assert "beta" not in judged and "rc" not in judged and "B" in judged


def test_thinning_keeps_chains_apart_and_bounds_the_count():
    chains = np.zeros((12, 1000, 6))
    thinned = stein.thinned(chains, 1200)
    assert thinned.shape[0] == 12 and thinned.shape[0] * thinned.shape[1] <= 1200
