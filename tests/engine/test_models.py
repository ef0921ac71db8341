"""The models as objects (solutions_lib.engine.models): lookup by name, what each knows, and a toy third
model that works through the generic prior, coordinate, start, self-check and grading code unchanged."""
import numpy as np
import pytest

from solutions_lib.engine import fitting
from solutions_lib.engine.dic import validate_chains
from solutions_lib.engine.likelihood import PixelData
from solutions_lib.engine.models import DOUBLE, MODELS, SINGLE, Model, model_named
from solutions_lib.engine.optimize import initial_guess, maximize
from solutions_lib.engine.priors import Prior
from solutions_lib.engine.sampler import Schedule
from solutions_lib.engine.selfcheck import check_fit
from solutions_lib.engine.synthetic import STRONG_CORE, synthetic_data
from solutions_lib.grading import stein
from solutions_lib.grading.checks import chains as chain_checks

from repo_paths import REPO

NOTEBOOK = REPO / "notebook_src" / "xray_image.py"


class FixedSlope(Model):
    """A toy third model: one beta component with its slope held at 2/3, so five parameters and no
    (rc, beta) pair to straighten."""

    name = "fixed_slope"
    paramnames = ("x0", "y0", "S0", "rc", "B")
    flat_names = paramnames
    log_names = ("S0", "rc", "B")
    profiles = ()
    chains_variable, dic_variable = "chains3", "DIC3"
    min_neff = 100
    schedule = Schedule(n_walkers=10, n_burn=50, block=100, max_steps=200)

    def optimiser_starts(self, guess, nested_map=None):
        return [guess[[0, 1, 2, 3, 5]], guess[[0, 1, 2, 3, 5]] * np.array([1, 1, 0.5, 3.0, 1])]


TOY = FixedSlope()


@pytest.fixture
def toy(monkeypatch):
    """The toy model, registered for this test only."""
    monkeypatch.setitem(MODELS, TOY.name, TOY)
    return TOY


@pytest.fixture(scope="module")
def pixels():
    return PixelData.from_data(synthetic_data(STRONG_CORE, shape=(80, 80), seed=2))


def test_models_are_found_by_their_names_in_files():
    assert model_named("single") is SINGLE and model_named("double") is DOUBLE
    assert DOUBLE.nested is SINGLE and SINGLE.nested is None
    with pytest.raises(ValueError, match="model must be one of 'single', 'double', not 'fixed_slope'"):
        model_named("fixed_slope")


def test_a_registered_model_is_found(toy):
    assert model_named("fixed_slope") is toy


def test_each_model_names_the_notebook_variables_it_hands_in():
    notebook = NOTEBOOK.read_text()
    assert f"paramnames = {list(SINGLE.paramnames)!r}".replace("'", '"') in notebook
    for model in (SINGLE, DOUBLE):
        assert len(model.flat_names) == model.n_params
        assert f'hand_in("chains-{model.name}", chains={model.chains_variable},' in notebook
        assert f"{model.dic_variable}={model.dic_variable}" in notebook
        assert f"{model.chains_variable}={model.chains_variable}" in notebook


def test_the_double_model_orders_its_components_by_core_radius():
    compact, extended = [1e-5, 3.0, 0.9], [1e-6, 20.0, 0.6]
    rows = np.array([[50, 50, *compact, 0.1, *extended], [50, 50, *extended, 0.1, *compact]])
    ordered, swapped = DOUBLE.order_components(rows)
    assert swapped == 0.5 and np.array_equal(ordered, rows[[0, 0]])
    assert SINGLE.order_components(rows[:, :6])[1] == 0.0


def test_the_toy_model_goes_through_the_generic_coordinates(toy):
    theta = np.array([40.2, 39.7, 2e-6, 4.0, 0.05])
    flat = toy.to_flat(theta)
    np.testing.assert_allclose(flat, [40.2, 39.7, np.log(2e-6), np.log(4.0), np.log(0.05)])
    z = toy.to_sampler(theta)
    np.testing.assert_array_equal(z, flat)                  # no (rc, beta) pair: z is the flat coordinates
    np.testing.assert_allclose(toy.from_sampler(z), theta, rtol=1e-14)
    assert toy.log_jacobian_z(np.vstack([z, z])).tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(toy.sampler_centre(theta), z)


def test_the_toy_model_goes_through_the_generic_prior_and_starts(toy, pixels):
    prior = Prior.from_pixels(pixels)
    lower, upper = toy.box(prior)
    assert lower.shape == upper.shape == (5,) and upper[3] == prior.rc[1] and lower[4] == prior.B[0]
    starts = [toy.pull_inside(start, prior) for start in toy.optimiser_starts(initial_guess(pixels), None)]
    assert all(toy.log_prior(start, prior) == 0.0 for start in starts)
    beyond = starts[0].copy()
    beyond[3] = 10 * prior.rc[1]
    assert toy.log_prior(beyond, prior) == -np.inf
    assert toy.log_prior(toy.pull_inside(beyond, prior), prior) == 0.0
    with pytest.raises(ValueError, match="fixed_slope model has 5 parameters"):
        toy.log_prior(np.ones(6), prior)

    # The optimiser and the walkers' starts, on a Gaussian posterior in sampler coordinates.
    peak = toy.to_sampler(starts[1])

    def logpost(z):
        z = np.atleast_2d(z)
        inside = toy.in_support(toy.from_sampler(z), prior)
        return np.where(inside, -0.5 * np.sum((z - peak) ** 2 / 0.01, axis=1), -np.inf)

    best, value = maximize(lambda z: logpost(z)[0], starts, toy, n_best=2)
    np.testing.assert_allclose(toy.to_sampler(best), peak, atol=1e-3)
    walkers = toy.walker_starts(logpost, peak, 0.01 * np.eye(5), toy.schedule.n_walkers, np.random.default_rng(1))
    assert walkers.shape == (10, 5) and np.all(np.isfinite(logpost(walkers)))


def test_the_toy_models_fit_checks_itself(toy, pixels):
    """A posterior of the toy model pressed against the floor of rc: one prior-wall finding, named after
    the model; no check of components or nested maxima applies to it."""
    prior = Prior.from_pixels(pixels)
    rng = np.random.default_rng(3)
    samples = np.array([40.0, 40.0, 2e-6, 1.0, 0.05]) * np.exp(0.01 * rng.standard_normal((400, 5)))
    samples[:, 3] = prior.rc[0] * np.exp(0.002 * np.abs(rng.standard_normal(400)))
    chains = samples.reshape(4, 100, 5)
    result = fitting.FitResult(toy, list(toy.paramnames), chains, samples[0], np.ones(5), np.ones(5), 0.0, 0.0,
                               0.3, prior, {})
    findings = check_fit(result).findings
    assert [(f.check, f.model, f.parameter, f.bound) for f in findings] == [("prior_wall", "fixed_slope", "rc",
                                                                              "lower")]


def test_the_grader_judges_chains_of_the_toy_model(toy):
    chains = np.random.default_rng(4).normal(size=(4, 2000, 5)) + np.array([40, 40, 1, 4, 1])
    assert validate_chains(chains, model=toy).shape == (4, 2000, 5)
    assert chain_checks.chain_format_verdict(chains, toy) is None
    assert "5 parameters in paramnames order for the fixed_slope model" in chain_checks.chain_format_verdict(
        chains[..., :4], toy).message
    assert chain_checks.convergence_verdict(chains, toy) is None
    assert chain_checks.order_components(chains, toy) == (chains, "")
    reference = {"prior": Prior((80, 80), (1e-9, 1.0), (1e-6, 1.0), (1e-4, 10.0), (1.0, 80.0)).as_dict(),
                 "median": dict(zip(toy.paramnames, [40, 40, 0.01, 4.0, 1.0])),
                 "sd": dict(zip(toy.paramnames, [0.1, 0.1, 0.001, 0.2, 0.05]))}
    reference["q005"] = {k: v - 3 * reference["sd"][k] for k, v in reference["median"].items()}
    reference["q995"] = {k: v + 3 * reference["sd"][k] for k, v in reference["median"].items()}
    assert stein.judged_parameters(reference, toy) == toy.paramnames
