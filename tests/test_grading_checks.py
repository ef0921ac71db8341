"""The hidden checks judge answers on the default data set correctly."""
import numpy as np
import pytest

from solutions_lib.data import catalogue
from solutions_lib.data.masks import exposure_mask, region_mask
from solutions_lib.data.observation import add_good_pixels, data_dict, load_observation, rebuild_image
from solutions_lib.engine.model import PARAMNAMES
from solutions_lib.grading import checks, reference
from solutions_lib.grading.kernel_side import xray_handin

import chain_attacks

NAME = catalogue.DEFAULT_DATASET
META = {"dataset": NAME}


@pytest.fixture(scope="module")
def obs():
    return load_observation(catalogue.course_data_dir(NAME))


@pytest.fixture(scope="module")
def reference_mask(obs):
    return region_mask(catalogue.reference_region_string(NAME), obs.wcs, obs.im.shape)


def test_exposure_mask_exact(obs):
    right = exposure_mask(obs.ex)
    assert checks.check_exposure_mask({"exp_mask": right}, META).passed
    wrong = right.copy()
    wrong[100, 100] = ~wrong[100, 100]
    verdict = checks.check_exposure_mask({"exp_mask": wrong}, META)
    assert not verdict.passed and "1 pixels" in verdict.message
    assert not checks.check_exposure_mask({"exp_mask": right.astype(int)}, META).passed
    assert not checks.check_exposure_mask({"exp_mask": right[:-1]}, META).passed


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
    truth = catalogue.load_truth(NAME)["params"]
    greedy = reference_mask.copy()
    cy, cx = int(round(truth["y0"])), int(round(truth["x0"]))
    greedy[:, ::5] = greedy[:, 1::5] = True  # 40% of every chip, in stripes
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

    assert checks.check_beta_model(xray_handin.probe_beta_model(right), {}).passed
    assert "exponent" in checks.check_beta_model(xray_handin.probe_beta_model(wrong_exponent), {}).message
    assert "raised" in checks.check_beta_model(xray_handin.probe_beta_model(scalar_only), {}).message


def test_convergence_thresholds():
    rng = np.random.default_rng(1)
    good = rng.normal(size=(4, 2000, 6))
    assert checks.convergence_problem(good, "single") is None
    stuck = good.copy()
    stuck[0] += 5.0  # one chain elsewhere: R far above 1.1
    assert "converged" in checks.convergence_problem(stuck, "single")
    sticky = np.empty((4, 5000, 6))  # stationary but strongly autocorrelated: AR(1) with phi = 0.985
    sticky[:, 0] = rng.normal(size=(4, 6))
    for step in range(1, sticky.shape[1]):
        sticky[:, step] = 0.985 * sticky[:, step - 1] + np.sqrt(1 - 0.985**2) * rng.normal(size=(4, 6))
    assert "effective" in checks.convergence_problem(sticky, "single")


def test_chain_format_messages():
    assert "3-D array" in checks.chain_format_problem(np.zeros((10, 6)), "single")
    assert "at least 4 chains" in checks.chain_format_problem(np.zeros((3, 500, 6)), "single")
    assert "9 parameters" in checks.chain_format_problem(np.zeros((4, 500, 6)), "double")
    many = np.random.default_rng(0).normal(size=(checks.MAX_CHAINS + 1, 100, 6))
    assert "at most 1024 chains" in checks.chain_format_problem(many, "single")
    bad = np.zeros((4, 500, 6))
    bad[1, 3, 2] = np.nan
    assert "NaN" in checks.chain_format_problem(bad, "single")


@pytest.fixture(scope="module")
def reference_single():
    single = reference.reference_for(NAME, "single")
    return (np.array([single["median"][k] for k in PARAMNAMES]),
            np.array([single["sd"][k] for k in PARAMNAMES]))


def test_made_up_chains_are_not_plausible_posterior_draws(reference_single):
    """Independent Gaussians at the right medians and widths converge, but are no posterior draws."""
    median, sd = reference_single
    fake = median + sd * np.random.default_rng(3).standard_normal((8, 3000, 6))
    assert checks.convergence_problem(fake, "single") is None
    verdict = checks.check_chains({"chains": fake}, {"model": "single", "dataset": NAME})
    assert not verdict.passed and "sqrt(2 x 6)" in verdict.message
    narrow = median + 0.05 * sd * np.random.default_rng(4).standard_normal((8, 3000, 6))
    assert "do not behave" in checks.deviance_spread_problem(narrow, "single", NAME)
    negative = fake.copy()
    negative[..., 3] = -1.0
    assert "impossible" in checks.deviance_spread_problem(negative, "single", NAME)


def _chain_verdict(chains, model, name=NAME):
    return checks.check_chains({"chains": chains}, {"model": model, "dataset": name})


@pytest.mark.parametrize("model", ["single", "double"])
def test_noise_tuned_to_the_deviance_spread_fails_on_steins_identity(model):
    """Issue 19's 'tuned noise': it converges and has a posterior's deviance spread, but is no posterior."""
    fake = chain_attacks.noise_chains(NAME, model)
    assert checks.convergence_problem(fake, model) is None
    assert checks.deviance_spread_problem(fake, model, NAME) is None, "the attack should beat the old test"
    verdict = _chain_verdict(fake, model)
    assert not verdict.passed and "not centred" in verdict.message


@pytest.mark.parametrize("jitter", [0.0, 1e-3])
def test_a_maximum_with_noise_in_b_alone_fails(jitter):
    fake = chain_attacks.map_plus_background_noise(NAME, "single", jitter=jitter)
    verdict = checks.posterior_draws_verdict(fake, "single", NAME)
    assert not verdict.passed and ("do not vary" in verdict.message or "too narrow" in verdict.message
                                   or "not centred" in verdict.message), verdict.message


def test_laplace_draws_fail_or_are_flagged_for_the_hand_grader():
    """N(MAP, Fisher^-1) draws: where the posterior is that Gaussian no test can tell, so they are flagged."""
    for model in ("single", "double"):
        verdict = _chain_verdict(chain_attacks.laplace_draws(NAME, model), model)
        assert not verdict.passed or verdict.flag == checks.INDEPENDENT_DRAWS_FLAG, model


def test_component_labels_do_not_matter():
    rng = np.random.default_rng(5)
    chains = rng.normal(size=(4, 100, 9)) * 0.01 + np.array([500, 500, 1e-5, 5, 1.0, 0.1, 1e-6, 30, 0.7])
    swapped = chains[..., [0, 1, 6, 7, 8, 5, 2, 3, 4]]
    ordered, note = checks.order_components(swapped)
    assert np.array_equal(ordered, chains) and "other way round" in note
    unchanged, note = checks.order_components(chains)
    assert np.array_equal(unchanged, chains) and note == ""


def test_masking_a_whole_chip_in_use_fails(obs, reference_mask):
    usable = ~exposure_mask(obs.ex)
    labels = __import__("scipy.ndimage", fromlist=["label"]).label(usable)[0]
    truth = catalogue.load_truth(NAME)["params"]
    centre_chip = labels[int(round(truth["y0"])), int(round(truth["x0"]))]
    other_chip = next(k for k in np.unique(labels[usable]) if k != centre_chip)
    greedy = reference_mask | (labels == other_chip)
    verdict = checks.check_region_mask({"region_mask": greedy}, META)
    assert not verdict.passed and "chip that holds data" in verdict.message


def test_rebuilt_image_with_a_boxed_out_chip_passes():
    """On ACIS-S the reference boxes out a whole unused chip: its good pixels are still plausible."""
    name = "cl_j1029"
    obs_s = load_observation(catalogue.course_data_dir(name))
    mask = region_mask(catalogue.reference_region_string(name), obs_s.wcs, obs_s.im.shape)
    data = add_good_pixels(data_dict(obs_s), mask | exposure_mask(obs_s.ex))
    verdict = checks.check_rebuilt_image({"new_im": rebuild_image(data), "goodpix": data["goodpix"]},
                                         {"dataset": name})
    assert verdict.passed, verdict.message


def test_posterior_medians_inside_the_reference_99_interval_are_supported():
    """A skewed, prior-dominated reference posterior: 6 sd from the median but inside [q005, q995] is fine."""
    reference = {"median": {"rc": 2.0}, "sd": {"rc": 1.0}, "q005": {"rc": 1.0}, "q995": {"rc": 9.0}}
    assert checks._median_supported(8.5, reference, "rc")
    assert not checks._median_supported(9.5, reference, "rc")
    assert not checks._median_supported(0.5, {"median": {"rc": 9.0}, "sd": {"rc": 1.0}}, "rc")
    assert checks._median_supported(4.9, {"median": {"rc": 9.0}, "sd": {"rc": 1.0}}, "rc")
