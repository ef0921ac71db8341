"""The instructor's fitting commands report failed self-checks (solutions_lib.course.reference_cli),
and the grader refuses a stored reference that failed them (solutions_lib.grading.reference).

The fits are short (the schedule is shortened here) and a prior wall is forced by narrowing the
flux's range below the cluster, as the absolute bounds of issue 22 did.
"""
import json
from dataclasses import replace

import pytest

from solutions_lib.__main__ import main
from solutions_lib.data.mock import ObservationPlan, simulate
from solutions_lib.data.mock.fitsio import write_observation
from solutions_lib.engine import priors
from solutions_lib.engine.models import DOUBLE, MODELS
from solutions_lib.engine.models.double import fluxes
from solutions_lib.grading import reference

pytestmark = pytest.mark.slow  # each test runs the reference fit command


@pytest.fixture
def short_fits(monkeypatch):
    for model in MODELS.values():
        monkeypatch.setattr(model, "schedule", replace(model.schedule, n_burn=100, block=200, max_steps=200))


@pytest.fixture
def flux_ceiling_too_low(monkeypatch):
    """The flux's ceiling at a tenth of the image's count rate: below every cluster in the course."""
    monkeypatch.setattr(priors, "FLUX_RANGE", (1e-6, 0.1))


@pytest.fixture(scope="module")
def observation_in_seconds(tmp_path_factory):
    """A 300 x 300 cut of an ACIS-I observation with its exposure map in seconds, F ~ 3 counts/s."""
    folder = tmp_path_factory.mktemp("in_seconds")
    plan = ObservationPlan("", 8, "acis-i", 8.0, "strong", cluster_counts=9 * 25000.0, size=300,
                           exposure_units="s")
    return write_observation(simulate(plan), folder)


def fit_json(paths, capsys) -> tuple[int, dict, str]:
    status = main(["fit", str(paths["image"].parent), "--model", "double", "--regions", str(paths["mask"]),
                   "--quiet"])
    out, err = capsys.readouterr()
    return status, json.loads(out.strip().splitlines()[-1]), err


def test_fit_prints_and_writes_a_failed_self_check(observation_in_seconds, short_fits, flux_ceiling_too_low,
                                                    capsys):
    status, summary, err = fit_json(observation_in_seconds, capsys)
    assert status in (0, 2)          # 2: not converged in the shortened schedule; the result is kept
    assert not summary["checks"]["passed"]
    found = {(f["check"], f["parameter"], f["bound"]) for f in summary["checks"]["findings"]}
    assert ("prior_wall", "F", "upper") in found and ("double_below_single", "log-likelihood", "") in found
    assert "self-check failed" in err and "F presses the upper bound" in err
    low, high = summary["prior"]["bounds"]["F"]
    assert high / low == pytest.approx(0.1 / 1e-6)         # the narrowed range, as the fit used it


def test_fit_in_seconds_without_a_wall_is_quiet(observation_in_seconds, short_fits, capsys):
    status, summary, err = fit_json(observation_in_seconds, capsys)
    assert summary["checks"] == {"passed": True, "findings": []} and "self-check" not in err
    truth = json.loads(observation_in_seconds["truth"].read_text())["params"]
    flux = fluxes(DOUBLE.vector(truth))[0]
    low, high = summary["prior"]["bounds"]["F"]
    assert 2 < flux < 4 and low < flux / 1e4 and high > 10 * flux      # counts/s, deep inside the prior


def test_reference_exits_non_zero_and_the_grader_refuses_a_failed_reference(tmp_path, short_fits,
                                                                          flux_ceiling_too_low, monkeypatch,
                                                                          capsys):
    output = tmp_path / "reference.json"
    status = main(["reference", "--datasets", "cl_j0309", "--output", str(output), "--quiet"])
    out, err = capsys.readouterr()
    assert status == 1 and "failed their self-checks: cl_j0309" in err
    assert json.loads(out.strip().splitlines()[-1])["failed_self_checks"] == ["cl_j0309"]
    stored = reference.read_reference(output)
    assert not stored["datasets"]["cl_j0309"]["double"]["checks"]["passed"]
    monkeypatch.setattr(reference, "reference_answers", lambda: stored)
    with pytest.raises(reference.ReferenceCheckError, match="cl_j0309 failed its self-checks"):
        reference.reference_for("cl_j0309", "double")
    del stored["datasets"]["cl_j0309"]["single"]["checks"]
    with pytest.raises(reference.ReferenceCheckError, match="no self-checks"):
        reference.reference_for("cl_j0309", "single")


def test_every_stored_reference_fit_passed_its_self_checks_far_inside_its_prior():
    """The committed reference answers: every course data set, both models, fitted with priors in the
    data's own scale, no finding, and the single model's 99% intervals of S0 and B at least two
    decades below the ceilings and above the floors of that prior."""
    from solutions_lib.data import catalogue

    stored = reference.read_reference()["datasets"]
    assert set(stored) == set(catalogue.dataset_names())
    for name, entry in stored.items():
        for model in ("single", "double"):
            assert entry[model]["checks"] == {"passed": True, "findings": []}, (name, model)
        fit = entry["single"]
        prior = priors.Prior.from_dict(fit["prior"])
        for parameter in ("S0", "B"):
            low, high = prior.range_of(parameter)
            assert fit["q005"][parameter] > 100 * low and fit["q995"][parameter] < high / 100, (name, parameter)
