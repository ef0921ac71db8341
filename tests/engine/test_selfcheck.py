"""Fits that check themselves (solutions_lib.engine.selfcheck).

Each check is triggered by a fit built to fail it: a flux ceiling below the
cluster (the prior wall of issue 22, which also leaves the double maximum
below the single one), two copies of one profile (degenerate components:
equal slopes and radii as close as allowed), and a "core" brighter than half
the cluster (its share at the ceiling). They stay silent on an observation in
seconds with F ~ 3 counts/s, on one shape wall alone (as in the course's weak
cores), and on a course data set without a cool core.
Chains are short (fast tests); `make validate` runs the full schedule.
"""
import warnings
from dataclasses import replace

import numpy as np
import pytest

from solutions_lib.data import catalogue
from solutions_lib.data.mock import ObservationPlan, simulate
from solutions_lib.data.mock.fitsio import write_observation
from solutions_lib.data.observation import prepare
from solutions_lib.engine import fitting, priors
from solutions_lib.engine.likelihood import PixelData
from solutions_lib.engine.models import DOUBLE, SINGLE
from solutions_lib.engine.models.double import fluxes
from solutions_lib.engine.selfcheck import (MARGIN, MASS_AT_WALL, FitChecks, FitCheckWarning, check_fit)
from solutions_lib.engine.synthetic import STRONG_CORE, redraw_counts, synthetic_data

pytestmark = pytest.mark.slow  # each test fits a simulated observation

SHORT = dict(progress=False, require_convergence=False, n_burn=150, block=300)
# The same counts with an exposure map in seconds instead of cm^2 s: 8000 cm^2 taken out of the map
# and put into the brightness, which gives a flux inside 100 pixels of about 3 counts/s.
AREA = 8000.0
IN_SECONDS = dict(STRONG_CORE, S0=STRONG_CORE["S0"] * AREA, S02=STRONG_CORE["S02"] * AREA)
BRIGHTNESS = [2, 6]         # S0, S02 in paramnames2 order: the parameters whose units change


def fit_both(pixels, seed=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitCheckWarning)
        single = fitting.fit_single(pixels, seed=seed, **SHORT)
        double = fitting.fit_double(pixels, seed=seed, single=single, **SHORT)
    return single, double


@pytest.fixture(scope="module")
def course_pixels():
    return PixelData.from_data(synthetic_data(STRONG_CORE, seed=5))


@pytest.fixture(scope="module")
def seconds_pixels(course_pixels):
    return replace(course_pixels, exposure=course_pixels.exposure / AREA)


def test_an_exposure_map_in_seconds_changes_the_units_and_nothing_else(course_pixels, seconds_pixels):
    """The done-when of issue 22 in small: F ~ 3 counts/s, above the old absolute ceiling (F <= 1).
    The double fit has no finding, its maximum is above the single one's, DIC2 < DIC1, the truth's F
    lies inside its 99% interval, and both fits find the maxima of the same counts in cm^2 s (and,
    within the noise of short chains, their widths and DICs)."""
    truth = DOUBLE.vector(IN_SECONDS)
    assert 2.5 < fluxes(truth)[0] < 3.5
    fits = {"cm2 s": fit_both(course_pixels), "s": fit_both(seconds_pixels)}
    for single, double in fits.values():
        assert double.checks.passed, double.checks.lines()
        assert double.extra["loglike_max"] >= double.extra["nested_loglike_max"]
        assert double.dic < single.dic
    single, double = fits["s"]
    low, high = np.percentile(fluxes(double.samples)[0], [0.5, 99.5])
    assert low <= fluxes(truth)[0] <= high
    for in_s, in_cm2 in zip(fits["s"], fits["cm2 s"]):
        scale = np.ones(in_s.map.size)
        scale[[i for i in BRIGHTNESS if i < scale.size]] = AREA
        assert in_s.extra["loglike_max"] == pytest.approx(in_cm2.extra["loglike_max"], abs=0.01)
        assert np.all(np.abs(in_s.map / scale - in_cm2.map) < 0.05 * in_cm2.sd)
        assert np.all(np.abs(np.log(in_s.sd / scale / in_cm2.sd)) < np.log(1.5))
        assert in_s.dic == pytest.approx(in_cm2.dic, abs=2.0)


def test_a_flux_ceiling_below_the_cluster_is_a_wall_and_a_failed_double_search(seconds_pixels, monkeypatch):
    """Issue 22 as it happened: the flux's ceiling at 1 count/s, below the cluster's ~3. The double
    posterior converges against it, and its maximum falls far below the single model's."""
    rate = seconds_pixels.counts.sum() / seconds_pixels.exposure.mean()
    monkeypatch.setattr(priors, "FLUX_RANGE", (1e-6, 1.0 / rate))
    with pytest.warns(FitCheckWarning, match="F presses the upper bound"):
        double = fitting.fit_double(seconds_pixels, seed=1, **SHORT)
    walls = [f for f in double.checks.findings if f.check == "prior_wall"]
    assert [(f.parameter, f.bound) for f in walls] == [("F", "upper")]
    assert walls[0].amount > 0.5 and "FLUX_RANGE" in walls[0].message and "BUNIT" in walls[0].message
    nested = [f for f in double.checks.findings if f.check == "double_below_single"]
    assert len(nested) == 1 and nested[0].amount > 100, double.checks.lines()
    assert not double.summary()["checks"]["passed"]


def test_two_copies_of_one_profile_are_degenerate_components():
    """Two components of the same slope with core radii a factor 2 apart (the closest the prior allows)
    are one profile cut in two: the posterior presses both shape walls at once."""
    truth = dict(x0=80.3, y0=78.6, S0=1.0e-6, rc=6.0, beta=0.7, B=0.05, S02=5e-7, rc2=12.0, beta2=0.7)
    _, double = fit_both(PixelData.from_data(synthetic_data(truth, seed=7)))
    degenerate = [f for f in double.checks.findings if f.check == "degenerate_components"]
    assert [f.parameter for f in degenerate] == ["beta - beta2, rc2 / rc"], double.checks.lines()
    assert degenerate[0].amount > MASS_AT_WALL and "copies of one profile" in degenerate[0].message


def test_a_core_brighter_than_half_the_cluster_presses_the_share():
    """A compact component with 72% of the flux inside 100 pixels: its share presses its ceiling of 1/2."""
    truth = dict(x0=80.3, y0=78.6, S0=6.0e-5, rc=3.0, beta=0.9, B=0.05, S02=2.5e-7, rc2=20.0, beta2=0.65)
    assert fluxes(DOUBLE.vector(truth))[1] > 0.7
    _, double = fit_both(PixelData.from_data(synthetic_data(truth, seed=7)))
    shares = [f for f in double.checks.findings if f.parameter == "f"]
    assert len(shares) == 1 and shares[0].bound == "upper" and shares[0].amount > 0.5, double.checks.lines()


def test_one_shape_wall_alone_is_not_a_degeneracy():
    """A core (rc = 3) falling off more slowly than a halo ten times wider: the best the prior allows is
    equal slopes, with the radii far apart. The components still differ, as in the course's weak cores."""
    truth = dict(x0=80.3, y0=78.6, S0=2.0e-6, rc=3.0, beta=0.6, B=0.05, S02=3e-7, rc2=30.0, beta2=1.5)
    _, double = fit_both(PixelData.from_data(synthetic_data(truth, seed=7)))
    assert double.map[4] - double.map[8] < MARGIN * (priors.BETA_BOUNDS[1] - priors.BETA_BOUNDS[0])
    assert np.mean(double.samples[:, 4] - double.samples[:, 8] < 0.027) > MASS_AT_WALL   # the slopes pressed ...
    assert double.checks.passed, double.checks.lines()                                     # ... and no finding


def test_silent_on_a_course_data_set_without_a_cool_core():
    """cl_j0309 has no core: the compact share piles up at 0 and the compact component's radius and
    slope spread over their prior. That is the right answer, not a finding."""
    single, double = fit_both(PixelData.from_data(catalogue.reference_data("cl_j0309")))
    assert single.checks.passed, single.checks.lines()
    assert double.checks.passed, double.checks.lines()
    assert np.median(fluxes(double.samples)[1]) < MARGIN * priors.F_SHARE_MAX


def test_four_arcsec_pixels_on_a_512_image_fit_without_findings(tmp_path):
    """Another pixel scale and image size (the whole ACIS-I array in 4" pixels), counts drawn exactly
    from the model on that exposure map and mask: no finding, the double maximum above the single
    one, and the truth inside its 99% intervals."""
    simulated = simulate(ObservationPlan("", 2204, "acis-i", 60.0, "strong", pixel_arcsec=4.0, size=512))
    paths = write_observation(simulated, tmp_path)
    data = redraw_counts(prepare(tmp_path, paths["mask"].read_text()), simulated.truth["params"], seed=1)
    truth = DOUBLE.vector(simulated.truth["params"])
    single, double = fit_both(PixelData.from_data(data))
    assert single.checks.passed and double.checks.passed, single.checks.lines() + double.checks.lines()
    assert double.extra["loglike_max"] >= single.extra["loglike_max"]
    low, high = double.percentile(0.5), double.percentile(99.5)
    assert np.all((low <= truth) & (truth <= high)), (low, truth, high)
    flux = np.percentile(fluxes(double.samples)[0], [0.5, 99.5])
    assert flux[0] <= fluxes(truth)[0] <= flux[1]


def _result(samples, best, prior, model=SINGLE, extra=None):
    """A FitResult holding given samples and maximum (the checks read only these and the prior)."""
    chains = np.asarray(samples, dtype=float)[None]
    return fitting.FitResult(model, list(model.paramnames), chains, np.asarray(best, dtype=float),
                             np.ones(chains.shape[-1]), np.full(chains.shape[-1], 1e3), np.nan, 0.0, 0.3,
                             prior, extra or {})


def test_a_wall_counts_only_when_the_maximum_is_at_it_and_mass_piles_up(seconds_pixels):
    """log B pressed at its floor with the maximum there: a finding. The same samples with the
    maximum inside (a tail cut by the wall), or spread evenly over the prior: none."""
    prior = priors.Prior.from_pixels(seconds_pixels)
    rng = np.random.default_rng(0)
    base = SINGLE.vector(IN_SECONDS)
    low, high = np.log(prior.B)
    width = high - low

    def with_log_b(values):
        samples = np.tile(base, (values.size, 1))
        samples[:, 5] = np.exp(values)
        return samples

    pressed = with_log_b(low + np.abs(rng.normal(0, 3 * MARGIN * width, 4000)))   # half-normal at the floor
    at_floor, inside = base.copy(), base.copy()
    at_floor[5], inside[5] = np.exp(low + 0.1 * MARGIN * width), np.exp(low + 5 * MARGIN * width)
    findings = check_fit(_result(pressed, at_floor, prior)).findings
    assert [(f.check, f.parameter, f.bound) for f in findings] == [("prior_wall", "B", "lower")]
    assert findings[0].amount == pytest.approx(0.26, abs=0.03)       # P(|N(0, 3)| < 1)
    assert check_fit(_result(pressed, inside, prior)).passed
    spread = with_log_b(rng.uniform(low, high, 4000))
    assert check_fit(_result(spread, at_floor, prior)).passed


def test_findings_round_trip_through_json_records():
    checks = FitChecks(())
    assert checks.passed and checks.as_dict() == {"passed": True, "findings": []}
    prior = priors.Prior((100, 100), (1e-9, 1.0), (1e-6, 1.0), (1e-4, 1.0), (1.0, 100.0))
    best = np.array([50, 50, 1.0, 5.0, 0.7, 0.1])       # S0 at its ceiling
    found = check_fit(_result(np.tile(best, (100, 1)), best, prior))
    assert not found.passed and FitChecks.from_dict(found.as_dict()) == found
    assert found.lines()[0].startswith("single fit: the posterior of S0 presses the upper bound")
