"""The instructor notebook's own sampler, checked without running the notebook.

The definition cells of section 6 (prior, likelihood, sampler coordinates,
posterior maximum, stranded-walker regrouping, sampler) are executed on a
small synthetic image, and checked against independent arithmetic: the
coordinate change round-trips, the log-posterior carries exactly the
Jacobian of a prior flat in (x0, y0, ln F, ln rc, beta, ln B, f, ln rc2,
beta2), and only walkers far below the rest are regrouped. Executed again on
a course data set, the prior the solution uses is the one the generative
model's answer writes down, bound for bound.
"""
from __future__ import annotations

import math
import re

import incredible
import nbformat
import numpy as np
import pytest
from numba import njit

from notebook_edits import find_cell, grade_id
from solutions_lib.data import catalogue
from solutions_lib.engine.flux import flux_per_brightness
from test_notebook_source import NOTEBOOK

SHAPE = (60, 60)
PARAMNAMES = ["x0", "y0", "S0", "rc", "beta", "B"]
PARAMNAMES2 = PARAMNAMES + ["S02", "rc2", "beta2"]
# The cells of section 6 that only define what the fit_single cell runs, in notebook order.
DEFINITION_CELLS = ["prior", "likelihood", "sampler_coordinates", "posterior_maximum", "regroup_walkers",
                    "run_sampler"]


def synthetic_data(rng) -> dict:
    """A flat exposure, a beta-model cluster plus background, Poisson counts; the notebook's data keys."""
    ny, nx = SHAPE
    y, x = np.mgrid[:ny, :nx]
    exposure = np.full(SHAPE, 2.0e5)
    mu = 2e-5 * (1 + ((x - 30.2) ** 2 + (y - 29.7) ** 2) / 4.0**2) ** (0.5 - 3 * 0.7) * exposure + 0.1
    counts = rng.poisson(mu)
    return {"flatx": x.ravel(), "flaty": y.ravel(), "flatex": exposure.ravel(), "flatim": counts.ravel()}


def cell_source(notebook, gid: str) -> str:
    """The source of the cell ``gid`` without its IPython magic lines (``%%time``)."""
    source = notebook.cells[find_cell(notebook, lambda cell: grade_id(cell) == gid)].source
    return "\n".join(line for line in source.splitlines() if not line.startswith("%%"))


def definitions(data: dict, shape: tuple) -> dict:
    """The namespace after the notebook's definition cells, run on ``data`` (an image of ``shape``)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    namespace = {"np": np, "njit": njit, "cr": incredible, "data": data, "ny": shape[0], "nx": shape[1],
                 "paramnames": PARAMNAMES, "paramnames2": PARAMNAMES2, "print": lambda *args, **kwargs: None}
    for gid in DEFINITION_CELLS:
        exec(compile(cell_source(notebook, gid), gid, "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def solution():
    """The namespace after the definitions of the notebook's solution, on a small synthetic image."""
    return definitions(synthetic_data(np.random.default_rng(3)), SHAPE)


def test_the_definition_cells_only_define():
    """The cells before fit_single run nothing slow: the tests that load chains in place of fit_single
    and fit_double keep them, and the names they bind are all the fit cells need."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    positions = [find_cell(notebook, lambda cell, gid=gid: grade_id(cell) == gid)
                 for gid in DEFINITION_CELLS + ["fit_single"]]
    assert positions == sorted(positions)
    for gid, position in zip(DEFINITION_CELLS, positions):
        cell = notebook.cells[position]
        assert cell.metadata["nbgrader"]["solution"] and "%%time" not in cell.source, gid
        assert not re.search(r"^(chains|fit1_max|starts)\b", cell.source, re.M), f"{gid} runs part of the fit"


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
    z = solution["params_to_z"](np.array(theta))
    assert np.isfinite(solution["log_posterior"](z))
    return z


def prior_coordinates(solution, z) -> np.ndarray:
    """The coordinates in which the notebook's prior is flat, from sampler coordinates z."""
    theta = solution["z_to_params"](z)
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
        np.testing.assert_allclose(solution["params_to_z"](solution["z_to_params"](z)), z, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_params", [6, 9])
def test_log_posterior_is_the_likelihood_times_a_flat_prior_with_its_jacobian(solution, n_params):
    """ln p(z) - ln L(theta(z)) - ln|J(z)| is the same constant everywhere inside the prior."""
    rng = np.random.default_rng(10 + n_params)
    offsets = []
    for _ in range(12):
        z = inside_prior(solution, rng, n_params)
        likelihood = solution["log_likelihood"](solution["z_to_params"](z))
        offsets.append(solution["log_posterior"](z) - likelihood - log_abs_jacobian(solution, z))
    assert np.ptp(offsets) < 1e-5, f"the prior density is not flat in the prior's coordinates: {offsets}"


def test_the_compact_share_stays_inside_its_range_for_any_logit(solution):
    z = inside_prior(solution, np.random.default_rng(5), 9)
    for t in (-40.0, -5.0, 0.0, 5.0, 40.0):
        z[6] = t
        theta = solution["z_to_params"](z)
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


# --- The prior of the solution against the prior its generative model states ---------------------
def tex_number(text: str) -> float:
    """A number as the generative model's answer writes it: 100, 0.3, 1/2, 10^{-6}."""
    text = text.strip()
    power = re.fullmatch(r"10\^\{?(-?\d+)\}?", text)
    if power:
        return 10.0 ** int(power[1])
    if "/" in text:
        numerator, denominator = text.split("/")
        return float(numerator) / float(denominator)
    return float(text)


def stated(text: str, pattern: str, what: str) -> tuple:
    """The groups of the one place where ``pattern`` matches the answer."""
    found = re.findall(pattern, text)
    assert len(found) == 1, f"the generative model should state {what} once, in a form this test reads"
    return found[0]


def stated_prior(text: str, data: dict, shape: tuple) -> dict:
    """The prior the generative model's answer writes down, evaluated for ``data``: name -> (lower, upper)
    in natural units (F, f: the two-component model's flux and share), plus the aperture of F and the
    ordering of the components."""
    ny, nx = shape
    rate = data["flatim"].sum() / data["flatex"].mean()  # R
    per_pixel = data["flatim"].mean()  # N-bar
    log_uniform = r"\\ln {}\$ uniform between \$\\ln\(([^)]*?) ?{}\)\$ and \$\\ln\(([^)]*?) ?{}\)\$"
    uniform = r"{} \\sim \\mathrm\{{Uniform\}}\(([^,]+), ([^)]+)\)"
    prior = {}
    for name, size in (("x0", nx), ("y0", ny)):
        low, minus = stated(text, uniform.format(f"{name[0]}_0").replace(r"([^)]+)\)", rf"n_{name[0]} - ([^)]+)\)"),
                            f"the range of {name}")
        prior[name] = (tex_number(low), size - tex_number(minus))
    for name, tex, scale, value in (("S0", "S_0", "R", rate), ("F", "F", "R", rate), ("B", "B", r"\\bar N", per_pixel)):
        low, high = stated(text, log_uniform.format(tex, scale, scale), f"the range of {name}")
        prior[name] = (tex_number(low) * value, tex_number(high) * value)
    prior["f"] = tuple(tex_number(v) for v in stated(text, uniform.format(r"f = F_1/F"), "the range of f"))
    prior["beta"] = tuple(tex_number(v) for v in stated(text, uniform.format(r"\\beta, \\beta_2"),
                                                         "the range of the slopes"))
    low = stated(text, r"\\ln r_c\$, \$\\ln r_\{c2\}\$ uniform between \$\\ln ([\d.]+)\$ and \$\\ln \\max\(n_x, n_y\)\$",
                 "the range of the core radii")
    prior["rc"] = (tex_number(low), float(max(nx, ny)))
    prior["core_ratio"] = tex_number(stated(text, r"r_\{c2\} \\ge ([\d.]+) r_c", "the ordering of the core radii"))
    stated(text, r"(\\beta \\ge \\beta_2)", "the ordering of the slopes")
    prior["aperture"] = tex_number(stated(text, r"total flux inside (\d+) pixels", "the aperture of F"))
    return prior


def double_theta(flat: dict, aperture: float) -> np.ndarray:
    """paramnames2 values from the centre, F, f, the core radii, slopes and B (engine arithmetic)."""
    S0 = flat["f"] * flat["F"] / flux_per_brightness(flat["rc"], flat["beta"], aperture)
    S02 = (1.0 - flat["f"]) * flat["F"] / flux_per_brightness(flat["rc2"], flat["beta2"], aperture)
    return np.array([flat["x0"], flat["y0"], S0, flat["rc"], flat["beta"], flat["B"], S02, flat["rc2"], flat["beta2"]],
                    dtype=float)


def edges_of(prior: dict, single: dict, double: dict):
    """(model, parameters, expected in_prior) on both sides of every bound the answer states.

    One parameter moves at a time to 1e-6 (relative; absolute at 0) inside or outside a bound; the others stay where
    every other condition holds. Upper core radius and lower slope are tested where they can bind: the
    halo's radius and slope (the compact core must be smaller and steeper).
    """
    bounds = {"single": ["x0", "y0", "S0", "rc", "beta", "B"],
              "double": ["x0", "y0", "F", "f", "B", ("rc", 0), ("rc2", 1), ("beta2", 0), ("beta", 1)]}
    for model, base in (("single", single), ("double", double)):
        for entry in bounds[model]:
            name, ends = (entry, (0, 1)) if isinstance(entry, str) else (entry[0], (entry[1],))
            for end in ends:
                bound = prior[name.rstrip("2")][end]
                step = 1e-6 * (abs(bound) or 1.0)
                for inside, direction in ((True, 1 - 2 * end), (False, 2 * end - 1)):
                    yield model, {**base, name: bound + direction * step}, inside
    ratio = prior["core_ratio"]
    for inside, factor in ((True, 1 + 1e-6), (False, 1 - 1e-6)):
        yield "double", {**double, "rc2": ratio * double["rc"] * factor}, inside
        yield "double", {**double, "beta2": double["beta"] / factor}, inside


@pytest.fixture(scope="module")
def course_data():
    data = catalogue.reference_data(catalogue.DEFAULT_DATASET)
    return data, data["im"].shape


def test_the_solutions_prior_is_the_prior_its_generative_model_states(course_data):
    """Every bound of the generative model's answer, read from its text, against the solution's
    in_prior and log_posterior on a course data set: inside by a hair is allowed, outside is not."""
    data, shape = course_data
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    text = notebook.cells[find_cell(notebook, lambda cell: grade_id(cell) == "generative_model")].source
    prior = stated_prior(text, data, shape)
    solution = definitions(data, shape)
    ny, nx = shape
    rate, per_pixel = data["flatim"].sum() / data["flatex"].mean(), data["flatim"].mean()
    single = {"x0": nx / 2, "y0": ny / 2, "S0": 1e-3 * rate, "rc": 20.0, "beta": 0.7, "B": per_pixel}
    double = {"x0": nx / 2, "y0": ny / 2, "F": rate, "f": 0.1, "rc": 4.0, "beta": 1.0, "B": per_pixel,
              "rc2": 40.0, "beta2": 0.65}
    wrong = []
    for model, params, inside in edges_of(prior, single, double):
        theta = (np.array([params[k] for k in PARAMNAMES], dtype=float) if model == "single"
                 else double_theta(params, prior["aperture"]))
        allowed = bool(solution["in_prior"](theta))
        with np.errstate(invalid="ignore", divide="ignore"):
            z = solution["params_to_z"](theta)
        if np.all(np.isfinite(z)):
            allowed = [allowed, bool(np.isfinite(solution["log_posterior"](z)))]
        if allowed not in (inside, [inside, inside]):
            changed = {k: v for k, v in params.items() if v != (single if model == "single" else double).get(k)}
            wrong.append(f"{model} {changed}: the text says {'inside' if inside else 'outside'}, the solution {allowed}")
    assert not wrong, "the solution's prior and the generative model's text disagree:\n" + "\n".join(wrong)
