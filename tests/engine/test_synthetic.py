"""Counts drawn exactly from the model (solutions_lib.engine.synthetic)."""
import numpy as np
import pytest

from solutions_lib.data.observation import add_good_pixels
from solutions_lib.engine.model import expected_counts
from solutions_lib.engine.synthetic import STRONG_CORE, redraw_counts, synthetic_data


@pytest.fixture
def masked_data():
    data = synthetic_data(seed=3)
    mask = np.zeros(data["im"].shape, dtype=bool)
    mask[:40, :] = True                     # a masked strip
    mask[100:110, 120:130] = True           # and a masked "source"
    for key in ("goodpix", "flatim", "flatex", "flatx", "flaty"):
        del data[key]
    return add_good_pixels(data, mask), mask


def test_redraw_keeps_geometry_and_zeroes_masked_pixels(masked_data):
    data, mask = masked_data
    redrawn = redraw_counts(data, STRONG_CORE, seed=1)
    np.testing.assert_array_equal(redrawn["goodpix"], data["goodpix"])
    np.testing.assert_array_equal(redrawn["flatex"], data["flatex"])
    np.testing.assert_array_equal(redrawn["flatx"], data["flatx"])
    assert np.all(redrawn["im"][mask] == 0)
    assert redrawn["flatim"].dtype == np.int64
    assert not np.array_equal(redrawn["flatim"], data["flatim"])    # fresh counts
    assert data["im"][mask].sum() > 0                                # the input is untouched


def test_redraw_is_poisson_about_the_model(masked_data):
    data, _ = masked_data
    mean = expected_counts(STRONG_CORE, data["flatx"], data["flaty"], data["flatex"])
    totals = [redraw_counts(data, STRONG_CORE, seed=s)["flatim"].sum() for s in range(20)]
    # The total of 20 Poisson images: mean 20 mu, sd sqrt(20 mu).
    assert abs(sum(totals) - 20 * mean.sum()) < 5 * np.sqrt(20 * mean.sum())
    assert np.std(totals) == pytest.approx(np.sqrt(mean.sum()), rel=0.5)


def test_redraw_is_reproducible_per_seed(masked_data):
    data, _ = masked_data
    np.testing.assert_array_equal(redraw_counts(data, STRONG_CORE, seed=7)["flatim"],
                                  redraw_counts(data, STRONG_CORE, seed=7)["flatim"])
    assert not np.array_equal(redraw_counts(data, STRONG_CORE, seed=7)["flatim"],
                              redraw_counts(data, STRONG_CORE, seed=8)["flatim"])
