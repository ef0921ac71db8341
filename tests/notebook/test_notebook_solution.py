"""The instructor notebook's own sampler, checked on small synthetic data (no notebook run).

The definitions of the ``fit_single`` solution cell (likelihood, prior,
sampler coordinates, stranded-walker regrouping) are executed on a small
synthetic image, and checked against independent arithmetic: the coordinate
change round-trips, the log-posterior carries exactly the Jacobian of a prior
flat in (x0, y0, ln F, ln rc, beta, ln B, f, ln rc2, beta2), and only walkers
far below the rest are regrouped.
"""
from __future__ import annotations

import math

import incredible
import nbformat
import numpy as np
import pytest
from numba import njit

from notebook_edits import find_cell, grade_id
from test_notebook_source import NOTEBOOK

SHAPE = (60, 60)
PARAMNAMES = ["x0", "y0", "S0", "rc", "beta", "B"]
PARAMNAMES2 = PARAMNAMES + ["S02", "rc2", "beta2"]
MAXIMUM_MARKER = "# The maximum of the single-beta posterior"


def synthetic_data(rng) -> dict:
    """A flat exposure, a beta-model cluster plus background, Poisson counts; the notebook's data keys."""
    ny, nx = SHAPE
    y, x = np.mgrid[:ny, :nx]
    exposure = np.full(SHAPE, 2.0e5)
    mu = 2e-5 * (1 + ((x - 30.2) ** 2 + (y - 29.7) ** 2) / 4.0**2) ** (0.5 - 3 * 0.7) * exposure + 0.1
    counts = rng.poisson(mu)
    return {"flatx": x.ravel(), "flaty": y.ravel(), "flatex": exposure.ravel(), "flatim": counts.ravel()}


@pytest.fixture(scope="module")
def solution():
    """The namespace after the definitions of the notebook's fit_single solution cell."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    source = notebook.cells[find_cell(notebook, lambda cell: grade_id(cell) == "fit_single")].source
    source = "\n".join(line for line in source.splitlines() if not line.startswith("%%"))
    assert MAXIMUM_MARKER in source, "the fit_single solution no longer separates its definitions from its run"
    definitions = source[: source.index(MAXIMUM_MARKER)]
    namespace = {"np": np, "njit": njit, "cr": incredible, "data": synthetic_data(np.random.default_rng(3)),
                 "ny": SHAPE[0], "nx": SHAPE[1], "paramnames": PARAMNAMES, "paramnames2": PARAMNAMES2}
    exec(compile(definitions, "fit_single", "exec"), namespace)
    return namespace


def inside_prior(solution, rng, n_params: int) -> np.ndarray:
    """A random point in sampler coordinates where the notebook's prior is not zero."""
    core = [rng.uniform(25, 35), rng.uniform(25, 35)]
    if n_params == 6:
        theta = core + [rng.uniform(1e-6, 1e-4), rng.uniform(2, 10), rng.uniform(0.4, 1.5), rng.uniform(0.05, 0.2)]
    else:
        rc, beta, rc2, beta2 = rng.uniform(1.5, 4), rng.uniform(0.9, 1.5), rng.uniform(10, 20), rng.uniform(0.4, 0.85)
        flux, share = solution["count_rate"] * rng.uniform(0.05, 5), rng.uniform(0.01, 0.45)
        S0 = share * flux / solution["flux_inside"](rc, beta)
        S02 = (1 - share) * flux / solution["flux_inside"](rc2, beta2)
        theta = core + [S0, rc, beta, rng.uniform(0.05, 0.2), S02, rc2, beta2]
    z = solution["to_sampler"](np.array(theta))
    assert np.isfinite(solution["log_posterior"](z))
    return z


def prior_coordinates(solution, z) -> np.ndarray:
    """The coordinates in which the notebook's prior is flat, from sampler coordinates z."""
    theta = solution["to_natural"](z)
    flat = [theta[0], theta[1], math.log(theta[2]), math.log(theta[3]), theta[4], math.log(theta[5])]
    if z.size == 9:
        flux_1 = theta[2] * solution["flux_inside"](theta[3], theta[4])
        flux_2 = theta[6] * solution["flux_inside"](theta[7], theta[8])
        flat[2] = math.log(flux_1 + flux_2)
        flat += [flux_1 / (flux_1 + flux_2), math.log(theta[7]), theta[8]]
    return np.array(flat)


def log_abs_jacobian(solution, z, step=1e-6) -> float:
    """ln |det d(prior coordinates)/dz| by central differences."""
    columns = [(prior_coordinates(solution, z + step * e) - prior_coordinates(solution, z - step * e)) / (2 * step)
               for e in np.eye(z.size)]
    return float(np.linalg.slogdet(np.array(columns).T)[1])


@pytest.mark.parametrize("n_params", [6, 9])
def test_sampler_coordinates_round_trip(solution, n_params):
    rng = np.random.default_rng(n_params)
    for _ in range(20):
        z = inside_prior(solution, rng, n_params)
        np.testing.assert_allclose(solution["to_sampler"](solution["to_natural"](z)), z, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_params", [6, 9])
def test_log_posterior_is_the_likelihood_times_a_flat_prior_with_its_jacobian(solution, n_params):
    """ln p(z) - ln L(theta(z)) - ln|J(z)| is the same constant everywhere inside the prior."""
    rng = np.random.default_rng(10 + n_params)
    offsets = []
    for _ in range(12):
        z = inside_prior(solution, rng, n_params)
        likelihood = solution["loglike"](solution["to_natural"](z))
        offsets.append(solution["log_posterior"](z) - likelihood - log_abs_jacobian(solution, z))
    assert np.ptp(offsets) < 1e-5, f"the prior density is not flat in the prior's coordinates: {offsets}"


def test_the_compact_share_stays_inside_its_range_for_any_logit(solution):
    z = inside_prior(solution, np.random.default_rng(5), 9)
    for t in (-40.0, -5.0, 0.0, 5.0, 40.0):
        z[6] = t
        theta = solution["to_natural"](z)
        share = prior_coordinates(solution, z)[6]
        assert 0.0 <= share <= solution["MAX_SHARE"] and theta[2] >= 0 and theta[6] > 0


def test_only_walkers_far_below_the_rest_are_regrouped(solution):
    rng = np.random.default_rng(7)
    positions = np.array([inside_prior(solution, rng, 6) for _ in range(12)])
    log_p = np.array([solution["log_posterior"](z) for z in positions])
    healthy, moved = solution["regroup_stranded"](positions, log_p, rng, drop=np.ptp(log_p) + 1.0)
    assert moved == 0 and np.array_equal(healthy, positions)

    log_p = np.zeros(12)
    log_p[[2, 9]] = -50.0
    regrouped, moved = solution["regroup_stranded"](positions, log_p, rng)
    assert moved == 2
    unchanged = [i for i in range(12) if i not in (2, 9)]
    assert np.array_equal(regrouped[unchanged], positions[unchanged])
    for i in (2, 9):
        nearest = np.min(np.linalg.norm(positions[unchanged] - regrouped[i], axis=1))
        assert nearest < 1e-2 * np.linalg.norm(positions.std(axis=0)), "a stranded walker should land on a good one"


def test_the_graded_runs_dic_difference_is_printed_by_a_locked_cell_before_the_written_answer():
    """A hand grader reads the student's quoted DIC1 - DIC2 beside the graded run's own number."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    printed = find_cell(notebook, lambda cell: grade_id(cell) == "dic_difference")
    answer = find_cell(notebook, lambda cell: grade_id(cell) == "reflect_dic")
    meta = notebook.cells[printed].metadata["nbgrader"]
    assert meta["locked"] and not meta["solution"] and not meta["grade"]
    assert "DIC1 - DIC2" in notebook.cells[printed].source and printed < answer
    assert all(notebook.cells[i].cell_type == "markdown" for i in range(printed + 1, answer))
