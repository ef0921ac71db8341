"""Tests of the grader's plumbing: artefacts, the isolated verifier, chain checks."""
import json
import subprocess
import sys

import numpy as np
import pytest

from solutions_lib.grading import artefacts, hidden
from solutions_lib.grading.checks import chain_format_problem, check_chains
from solutions_lib.grading.verify import judge


def test_artefacts_round_trip_without_pickle(tmp_path):
    path = artefacts.artefact_path(tmp_path, "chains", "double")
    assert path.parent.name == ".grading"
    chains = [np.zeros((5, 3)), np.ones((5, 3))]  # a list of equal-shape chains
    arrays = {"chains": artefacts.to_plain_array("chains", chains)}
    artefacts.save(path, "chains", arrays, {"model": "double"})
    check, loaded, meta = artefacts.load(path)
    assert check == "chains" and meta == {"model": "double"}
    assert loaded["chains"].shape == (2, 5, 3)


def test_objects_that_need_pickling_are_refused():
    with pytest.raises(artefacts.ArtefactError, match="chains"):
        artefacts.to_plain_array("chains", [np.zeros((5, 3)), np.zeros((4, 3))])
    with pytest.raises(artefacts.ArtefactError, match="dict"):
        artefacts.to_plain_array("chains", {"a": 1})
    with pytest.raises(ValueError):
        artefacts.artefact_path(".", "../escape")


def test_chain_format_messages():
    assert "3 dimensions" in chain_format_problem(np.zeros((10, 6)), "single")
    assert "at least 4 chains" in chain_format_problem(np.zeros((3, 500, 6)), "single")
    assert "9 parameters" in chain_format_problem(np.zeros((4, 500, 6)), "double")
    bad = np.zeros((4, 500, 6))
    bad[1, 3, 2] = np.nan
    assert "NaN" in chain_format_problem(bad, "single")
    assert chain_format_problem(np.random.default_rng(0).normal(size=(4, 500, 6)), "single") is None


def test_check_chains_uses_the_thresholds():
    rng = np.random.default_rng(1)
    good = rng.normal(size=(4, 2000, 6))
    assert check_chains({"chains": good}, {"model": "single"}).passed
    stuck = good.copy()
    stuck[0] += 5.0  # one chain elsewhere: R far above 1.1
    verdict = check_chains({"chains": stuck}, {"model": "single"})
    assert not verdict.passed and "converged" in verdict.message
    # a strongly autocorrelated random walk: too few effective samples
    walk = np.cumsum(rng.normal(size=(4, 400, 6)), axis=1)
    verdict = check_chains({"chains": walk}, {"model": "single"})
    assert not verdict.passed


def test_verifier_runs_isolated_and_never_passes_garbage(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an npz at all")
    check, verdict = judge(junk)
    assert not verdict.passed
    result = subprocess.run(
        [sys.executable, "-I", "-m", "solutions_lib.grading.verify", str(junk)],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1])["passed"] is False


def test_kernel_monkeypatching_does_not_change_the_verdict(tmp_path, monkeypatch):
    """A submission that redefines np.all and incredible still fails bad chains."""
    import incredible

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(np, "all", lambda *a, **k: True)
    monkeypatch.setattr(incredible, "GelmanRubinR", lambda *a, **k: np.ones(6))
    stuck = np.random.default_rng(2).normal(size=(4, 1000, 6))
    stuck[0] += 5.0
    with pytest.raises(AssertionError, match="converged"):
        hidden.check("chains", chains=stuck, model="single")
    assert (tmp_path / ".grading" / "chains__single.npz").exists()


def test_unconvertible_answer_is_a_failed_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match="could not be read|numbers"):
        hidden.check("chains", chains=[np.zeros((3, 2)), np.zeros((2, 2))], model="single")
