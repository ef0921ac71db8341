"""The hidden checks judge answers on the default data set correctly."""
import numpy as np
import pytest

from solutions_lib import datasets
from solutions_lib.data import add_good_pixels, data_dict, load_observation, rebuild_image
from solutions_lib.grading import checks, hidden
from solutions_lib.masks import exposure_mask, region_mask

NAME = datasets.DEFAULT_DATASET
META = {"dataset": NAME}


@pytest.fixture(scope="module")
def obs():
    return load_observation(datasets.course_data_dir(NAME))


@pytest.fixture(scope="module")
def reference_mask(obs):
    return region_mask(datasets.reference_region_string(NAME), obs.wcs, obs.im.shape)


def test_exposure_mask_exact(obs):
    right = exposure_mask(obs.ex)
    assert checks.check_exposure_mask({"exp_mask": right}, META).passed
    wrong = right.copy()
    wrong[100, 100] = ~wrong[100, 100]
    verdict = checks.check_exposure_mask({"exp_mask": wrong}, META)
    assert not verdict.passed and "1 pixels" in verdict.message
    assert not checks.check_exposure_mask({"exp_mask": right.astype(int)}, META).passed
    assert not checks.check_exposure_mask({"exp_mask": right[:-1]}, META).passed


def test_dataset_is_taken_from_the_datapath_name(obs):
    meta = {"datapath": f"data/{NAME}/"}
    assert checks.check_exposure_mask({"exp_mask": exposure_mask(obs.ex)}, meta).passed
    with pytest.raises(KeyError, match="unknown data set"):
        checks.resolve_dataset({"datapath": "/home/me/my_fake_data/"})


def test_rebuilt_image(obs, reference_mask):
    data = add_good_pixels(data_dict(obs), reference_mask | exposure_mask(obs.ex))
    good = rebuild_image(data)
    arrays = {"new_im": good, "goodpix": data["goodpix"]}
    assert checks.check_rebuilt_image(arrays, META).passed
    off = good.copy()
    off.ravel()[data["goodpix"][5]] += 1
    assert not checks.check_rebuilt_image({**arrays, "new_im": off}, META).passed
    zeros = np.where(np.isnan(good), 0.0, good)
    assert "NaN" in checks.check_rebuilt_image({**arrays, "new_im": zeros}, META).message
    # an empty goodpix with an all-NaN image must not pass
    empty = {"new_im": np.full(good.shape, np.nan), "goodpix": np.array([], dtype=int)}
    assert not checks.check_rebuilt_image(empty, META).passed


def test_region_mask_reference_passes_and_lazy_masks_fail(obs, reference_mask):
    assert checks.check_region_mask({"region_mask": reference_mask}, META).passed
    nothing = np.zeros_like(reference_mask)
    assert "point" in checks.check_region_mask({"region_mask": nothing}, META).message
    everything = np.ones_like(reference_mask)
    assert "centre" in checks.check_region_mask({"region_mask": everything}, META).message
    truth = datasets.load_truth(NAME)["params"]
    greedy = reference_mask.copy()
    cy, cx = int(round(truth["y0"])), int(round(truth["x0"]))
    greedy[:, :] = True
    greedy[cy - 3:cy + 4, cx - 3:cx + 4] = False
    verdict = checks.check_region_mask({"region_mask": greedy}, META)
    assert not verdict.passed and "usable" in verdict.message


def test_beta_model_probe_and_check():
    def right(r, S0, rc, beta):
        return S0 * (1 + (r / rc) ** 2) ** (0.5 - 3 * beta)

    def wrong_exponent(r, S0, rc, beta):
        return S0 * (1 + (r / rc) ** 2) ** (-3 * beta)

    def scalar_only(r, S0, rc, beta):
        if np.ndim(r):
            raise TypeError("only scalars")
        return right(r, S0, rc, beta)

    assert checks.check_beta_model(hidden.probe_beta_model(right), {}).passed
    assert "exponent" in checks.check_beta_model(hidden.probe_beta_model(wrong_exponent), {}).message
    assert "raised" in checks.check_beta_model(hidden.probe_beta_model(scalar_only), {}).message
