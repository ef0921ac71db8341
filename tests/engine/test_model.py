"""The beta model (solutions_lib.engine.model) and the notebook's own radial profiles (its ``Profile``)."""
import numpy as np
import pytest

from solutions_lib.course import release
from solutions_lib.engine.model import PARAMNAMES, PARAMNAMES2, beta_model
from solutions_lib.engine.synthetic import synthetic_data

from notebook_edits import run_locked_cell

SOURCE_NB = release.REPO_ROOT / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"


@pytest.fixture(scope="module")
def Profile():
    """The ``Profile`` class students use: the notebook's locked ``profile_tools`` cell, executed."""
    import matplotlib.pyplot as plt

    return run_locked_cell(SOURCE_NB, "profile_tools", {"np": np, "plt": plt, "betaModel": beta_model})["Profile"]


def test_paramnames_order():
    assert PARAMNAMES == ["x0", "y0", "S0", "rc", "beta", "B"]
    assert PARAMNAMES2 == PARAMNAMES + ["S02", "rc2", "beta2"]


def test_beta_model_known_points():
    assert beta_model(0.0, 2.5, 3.0, 0.7) == pytest.approx(2.5, rel=1e-15)
    # At r = rc the bracket is 2.
    assert beta_model(4.0, 1.0, 4.0, 2.0 / 3.0) == pytest.approx(2.0 ** -1.5, rel=1e-14)
    # beta = 1/6 makes the exponent zero: flat profile.
    assert beta_model(100.0, 3.0, 1.0, 1.0 / 6.0) == pytest.approx(3.0, rel=1e-14)
    # Large radii: power law S0 (r/rc)^(-6 beta + 1).
    assert beta_model(1e4, 1.0, 1.0, 1.0) == pytest.approx(1e4 ** -5.0, rel=1e-6)


def test_beta_model_arrays_match_formula():
    r = np.linspace(0.0, 50.0, 101)
    expected = 1e-6 * (1.0 + (r / 7.0) ** 2) ** (-3 * 0.8 + 0.5)
    got = beta_model(r, 1e-6, 7.0, 0.8)
    assert got.shape == r.shape
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    grid = np.arange(12.0).reshape(3, 4)
    assert beta_model(grid, 1.0, 2.0, 0.7).shape == (3, 4)
    np.testing.assert_allclose(beta_model(np.arange(5), 1.0, 2.0, 0.7),
                               beta_model(np.arange(5.0), 1.0, 2.0, 0.7), rtol=1e-15)


def test_beta_model_decreases_with_radius():
    values = beta_model(np.linspace(0, 100, 50), 1.0, 5.0, 0.6)
    assert np.all(np.diff(values) < 0)


@pytest.fixture(scope="module")
def data():
    return synthetic_data(shape=(90, 120), seed=3)


def test_profile_conserves_totals(data, Profile):
    prof = Profile(data, 60.2, 44.7, rmax=1000.0)
    assert prof.N.sum() == data["flatim"].sum()
    assert prof.E.sum() == pytest.approx(data["flatex"].sum(), rel=1e-12)
    assert prof.npix.sum() == data["flatim"].size
    for name in ("r1", "r2", "r", "N", "E", "npix"):
        assert getattr(prof, name).shape == prof.npix.shape
    assert np.all(prof.npix > 0)
    assert np.all(prof.r1 < prof.r2) and np.all(prof.r1 <= prof.r) and np.all(prof.r < prof.r2)


def test_profile_bins_match_direct_sums(data, Profile):
    x0, y0, rmax = 30.5, 20.25, 60.0
    prof = Profile(data, x0, y0, rmax, nbins=16)
    d = np.hypot(data["flatx"] - x0, data["flaty"] - y0)
    assert prof.r2[-1] == pytest.approx(rmax)
    for r1, r2, N, E, npix in zip(prof.r1, prof.r2, prof.N, prof.E, prof.npix):
        inside = (d >= r1) & (d < r2)
        assert N == data["flatim"][inside].sum()
        assert E == pytest.approx(data["flatex"][inside].sum(), rel=1e-12)
        assert npix == inside.sum()
    # Pixels beyond rmax are not counted.
    assert prof.npix.sum() == np.count_nonzero(d < rmax)


def test_profile_drops_empty_annuli(Profile):
    flat = {"flatx": np.array([10, 40]), "flaty": np.array([10, 10]),
            "flatim": np.array([3, 1]), "flatex": np.array([1.0, 2.0])}
    prof = Profile(flat, 10.0, 10.0, 100.0, nbins=32)
    assert prof.npix.tolist() == [1.0, 1.0]
    assert prof.N.tolist() == [3, 1]
