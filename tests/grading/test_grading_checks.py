"""The hidden checks: on small synthetic inputs (each check is a function of explicit inputs), and on the
default data set through the trusted inputs and the `Judgement` the grader uses."""
import numpy as np
import pytest

from solutions_lib.data import catalogue
from solutions_lib.data.masks import exposure_mask, region_mask
from solutions_lib.data.observation import add_good_pixels, data_dict, load_observation, rebuild_image
from solutions_lib.engine.model import PARAMNAMES
from solutions_lib.engine.models import DOUBLE, SINGLE, model_named
from solutions_lib.grading import reference, stein
from solutions_lib.grading.checks import chains as chain_checks
from solutions_lib.grading.checks import dic as dic_checks
from solutions_lib.grading.checks import images, model_function
from solutions_lib.grading.handins import HandIn
from solutions_lib.grading.judgement import Judgement
from solutions_lib.grading.kernel_side import xray_handin
from solutions_lib.grading.trusted import SkyTruth, trusted_dataset
from solutions_lib.grading.verdict import Reason

import chain_attacks

NAME = catalogue.DEFAULT_DATASET


# --- Synthetic inputs: each check on its own ---------------------------------------------------------

def test_exposure_mask_on_a_small_image():
    expected = np.zeros((3, 4), dtype=bool)
    expected[:, 0] = True
    assert images.exposure_mask_verdict(expected.copy(), expected).passed
    wrong = expected.copy()
    wrong[1, 2] = True
    verdict = images.exposure_mask_verdict(wrong, expected)
    assert (verdict.passed, verdict.reason) == (False, Reason.WRONG_VALUE) and "1 pixels" in verdict.message
    assert images.exposure_mask_verdict(expected.astype(int), expected).reason == Reason.MALFORMED
    assert images.exposure_mask_verdict(expected[:, :3], expected).reason == Reason.MALFORMED


def test_plausible_good_pixels():
    usable = np.ones(20, dtype=bool)
    usable[:4] = False
    good = np.arange(4, 20)
    assert np.array_equal(images.plausible_goodpix(good, usable, 16), good)
    assert images.plausible_goodpix(good[:7], usable, 16) is None  # fewer than half of the pixels in use
    assert images.plausible_goodpix(np.r_[good, 5], usable, 16) is None  # a repeat
    assert images.plausible_goodpix(np.r_[good[1:], 2], usable, 16) is None  # a pixel below the exposure cut
    assert images.plausible_goodpix(np.r_[good[1:], 20], usable, 16) is None  # off the image
    assert images.plausible_goodpix(np.r_[good[1:], -1], usable, 16) is None
    assert images.plausible_goodpix(good.astype(float), usable, 16) is None


def test_rebuilt_image_on_a_small_image():
    image = np.arange(20).reshape(4, 5)
    good = np.arange(5, 20)
    rebuilt = np.full(image.shape, np.nan)
    rebuilt.ravel()[good] = image.ravel()[good]
    assert images.rebuilt_image_verdict(rebuilt, good, image).passed
    off = rebuilt.copy()
    off.ravel()[7] += 1
    assert images.rebuilt_image_verdict(off, good, image).reason == Reason.WRONG_VALUE
    assert "NaN" in images.rebuilt_image_verdict(np.nan_to_num(rebuilt), good, image).message
    assert "plausible" in images.rebuilt_image_verdict(rebuilt, None, image).message
    assert images.rebuilt_image_verdict(np.zeros(image.shape, dtype=int), good, image).reason == Reason.MALFORMED


@pytest.fixture
def small_sky():
    """Two chips of 6000 pixels in use side by side, an unused strip, a centre and three bright sources."""
    chips = np.zeros((60, 230), dtype=np.int64)
    chips[:, :100], chips[:, 100:200] = 1, 2
    unused = np.zeros(chips.shape, dtype=bool)
    unused[:, 210:] = True
    return SkyTruth((30, 50), np.array([[10, 10], [50, 150], [20, 120]]), unused, chips)


def test_region_mask_on_a_small_sky(small_sky):
    sane = small_sky.unused.copy()
    for row, col in small_sky.sources:
        sane[row - 2:row + 3, col - 2:col + 3] = True
    assert images.region_mask_verdict(sane, small_sky).passed
    covering = sane.copy()
    covering[30, 50] = True
    assert "centre" in images.region_mask_verdict(covering, small_sky).message
    assert "cover 0 of the 3" in images.region_mask_verdict(small_sky.unused.copy(), small_sky).message
    unused_left = sane & ~small_sky.unused
    assert "should not be used" in images.region_mask_verdict(unused_left, small_sky).message
    chip_lost = sane.copy()
    chip_lost[:, 100:200] = True
    assert "of a chip" in images.region_mask_verdict(chip_lost, small_sky).message
    striped = sane.copy()
    striped[:, ::3] = True
    striped[30, 50] = False
    verdict = images.region_mask_verdict(striped, small_sky)
    assert verdict.reason == Reason.WRONG_VALUE and "usable image" in verdict.message
    assert images.region_mask_verdict(sane[:, :-1], small_sky).reason == Reason.MALFORMED


def test_beta_model_probe_and_check():
    def right(r, S0, rc, beta):
        return S0 * (1 + (r / rc) ** 2) ** (0.5 - 3 * beta)

    def wrong_exponent(r, S0, rc, beta):
        return S0 * (1 + (r / rc) ** 2) ** (-3 * beta)

    def scalar_only(r, S0, rc, beta):
        if np.ndim(r):
            raise TypeError("only scalars")
        return right(r, S0, rc, beta)

    assert model_function.beta_model_verdict(xray_handin.probe_beta_model(right)).passed
    assert "exponent" in model_function.beta_model_verdict(xray_handin.probe_beta_model(wrong_exponent)).message
    assert "raised" in model_function.beta_model_verdict(xray_handin.probe_beta_model(scalar_only)).message


def test_convergence_thresholds():
    rng = np.random.default_rng(1)
    good = rng.normal(size=(4, 2000, 6))
    assert chain_checks.convergence_verdict(good, SINGLE) is None
    stuck = good.copy()
    stuck[0] += 5.0  # one chain elsewhere: R far above 1.1
    verdict = chain_checks.convergence_verdict(stuck, SINGLE)
    assert verdict.reason == Reason.NOT_CONVERGED and "converged" in verdict.message
    sticky = np.empty((4, 5000, 6))  # stationary but strongly autocorrelated: AR(1) with phi = 0.985
    sticky[:, 0] = rng.normal(size=(4, 6))
    for step in range(1, sticky.shape[1]):
        sticky[:, step] = 0.985 * sticky[:, step - 1] + np.sqrt(1 - 0.985**2) * rng.normal(size=(4, 6))
    assert "effective" in chain_checks.convergence_verdict(sticky, SINGLE).message


def test_chain_format_messages_and_reasons():
    def problem(chains, model):
        return chain_checks.chain_format_verdict(chains, model)

    assert "3-D array" in problem(np.zeros((10, 6)), SINGLE).message
    assert "at least 4 chains" in problem(np.zeros((3, 500, 6)), SINGLE).message
    assert "9 parameters" in problem(np.zeros((4, 500, 6)), DOUBLE).message
    many = problem(np.zeros((chain_checks.MAX_CHAINS + 1, 100, 6)), SINGLE)
    assert "at most 1024 chains" in many.message and many.reason == Reason.CAP_HIT
    bad = np.zeros((4, 500, 6))
    bad[1, 3, 2] = np.nan
    assert problem(bad, SINGLE).reason == Reason.MALFORMED and "NaN" in problem(bad, SINGLE).message
    assert problem(np.ones((4, 500, 6)), SINGLE) is None


def _gaussian_posterior(chains, centre, sd):
    """-2 ln L and the score at Stein's draws of ``chains`` for the posterior N(centre, diag(sd^2))."""
    draws = stein.thinned(chains).reshape(-1, chains.shape[-1])
    z = (draws - centre) / sd
    return np.sum(z**2, axis=1), -z / sd


def test_draws_of_a_known_gaussian_posterior_pass_and_shifted_ones_fail():
    """Stein's identities and the deviance's spread on a posterior known in closed form: no data needed."""
    centre, sd = np.array([50.0, 60.0, 1e-4, 5.0, 0.7, 0.1]), np.array([0.3, 0.3, 1e-5, 0.5, 0.05, 0.01])
    chains = centre + sd * np.random.default_rng(2).standard_normal((8, 400, 6))
    verdict = chain_checks.draws_verdict(chains, SINGLE, *_gaussian_posterior(chains, centre, sd),
                                         tuple(PARAMNAMES))
    assert verdict.passed and verdict.flag == chain_checks.INDEPENDENT_DRAWS_FLAG, verdict.message
    shifted = chains + np.array([0, 0, 0, 0, 0, 2 * sd[5]])
    verdict = chain_checks.draws_verdict(shifted, SINGLE, *_gaussian_posterior(shifted, centre, sd),
                                         tuple(PARAMNAMES))
    assert verdict.reason == Reason.IMPLAUSIBLE_DRAWS
    assert "not centred" in verdict.message and "`B`" in verdict.message
    narrow = centre + 0.2 * (chains - centre)
    verdict = chain_checks.draws_verdict(narrow, SINGLE, *_gaussian_posterior(narrow, centre, sd),
                                         tuple(PARAMNAMES))
    assert verdict.reason == Reason.IMPLAUSIBLE_DRAWS and "do not behave" in verdict.message
    deviance, score = _gaussian_posterior(chains, centre, sd)
    deviance[3] = np.inf
    assert "impossible" in chain_checks.draws_verdict(chains, SINGLE, deviance, score, tuple(PARAMNAMES)).message
    frozen = chains.copy()
    frozen[..., 4] = 0.7
    deviance, score = _gaussian_posterior(chains, centre, sd)
    assert "`beta` do not vary" in chain_checks.draws_verdict(frozen, SINGLE, deviance, score,
                                                              tuple(PARAMNAMES)).message


def test_posterior_medians_are_compared_with_the_reference():
    reference = {"median": dict(zip(PARAMNAMES, [50.0, 60.0, 1e-4, 5.0, 0.7, 0.1])),
                 "sd": dict(zip(PARAMNAMES, [0.3, 0.3, 1e-5, 0.5, 0.05, 0.01]))}
    near = np.array([50.2, 60.0, 1.05e-4, 5.3, 0.72, 0.1]) * np.ones((4, 10, 6))
    assert chain_checks.posterior_verdict(near, SINGLE, reference).passed
    far = near.copy()
    far[..., 4] = 1.0
    verdict = chain_checks.posterior_verdict(far, SINGLE, reference)
    assert verdict.reason == Reason.FAR_FROM_REFERENCE and "of beta are far" in verdict.message


def test_posterior_medians_inside_the_reference_99_interval_are_supported():
    """A skewed, prior-dominated reference posterior: 6 sd from the median but inside [q005, q995] is fine."""
    reference = {"median": {"rc": 2.0}, "sd": {"rc": 1.0}, "q005": {"rc": 1.0}, "q995": {"rc": 9.0}}
    assert chain_checks.median_supported(8.5, reference, "rc")
    assert not chain_checks.median_supported(9.5, reference, "rc")
    assert not chain_checks.median_supported(0.5, {"median": {"rc": 9.0}, "sd": {"rc": 1.0}}, "rc")
    assert chain_checks.median_supported(4.9, {"median": {"rc": 9.0}, "sd": {"rc": 1.0}}, "rc")


def test_dic_checks_on_known_deviances():
    deviance = np.array([100.0, 102.0, 104.0, 106.0])
    assert dic_checks.dic_variants(deviance, 101.0) == [103.0 + 2.5, 2 * 103.0 - 101.0]
    assert dic_checks.dic_variants(deviance, np.inf) == [105.5]
    assert dic_checks.dic_verdict("DIC1", 110.0, [105.5], 50.0).passed
    assert dic_checks.dic_verdict("DIC1", 158.0, [105.5], 50.0).passed  # with the ln N! term
    verdict = dic_checks.dic_verdict("DIC1", 130.0, [105.5], 50.0)
    assert verdict.reason == Reason.WRONG_DIC and "not the DIC of your chains" in verdict.message
    assert dic_checks.delta_dic_verdict(110.0, 100.0).passed
    assert dic_checks.delta_dic_verdict(200.0, 100.0).reason == Reason.WRONG_DIC
    assert dic_checks.dic_value_verdict("DIC2", np.array([1.0, 2.0])).reason == Reason.MALFORMED
    assert dic_checks.dic_value_verdict("DIC2", np.array(np.nan)).reason == Reason.MALFORMED
    assert dic_checks.dic_value_verdict("DIC2", np.array(3.5)) is None


def test_component_labels_do_not_matter():
    rng = np.random.default_rng(5)
    chains = rng.normal(size=(4, 100, 9)) * 0.01 + np.array([500, 500, 1e-5, 5, 1.0, 0.1, 1e-6, 30, 0.7])
    swapped = chains[..., [0, 1, 6, 7, 8, 5, 2, 3, 4]]
    ordered, note = chain_checks.order_components(swapped, DOUBLE)
    assert np.array_equal(ordered, chains) and "other way round" in note
    unchanged, note = chain_checks.order_components(chains, DOUBLE)
    assert np.array_equal(unchanged, chains) and note == ""


# --- The default data set: the trusted inputs and the grader's Judgement --------------------------------

@pytest.fixture(scope="module")
def obs():
    return load_observation(catalogue.course_data_dir(NAME))


@pytest.fixture(scope="module")
def trusted():
    return trusted_dataset(NAME)


@pytest.fixture(scope="module")
def reference_mask(obs):
    return region_mask(catalogue.reference_region_string(NAME), obs.wcs, obs.im.shape)


def _verdict(key: str, arrays: dict, name: str = NAME):
    return Judgement(None, name).check(HandIn(key, tuple(arrays)), arrays)


def test_exposure_mask_exact(obs):
    right = exposure_mask(obs.ex)
    assert _verdict("exposure_mask", {"exp_mask": right}).passed
    wrong = right.copy()
    wrong[100, 100] = ~wrong[100, 100]
    verdict = _verdict("exposure_mask", {"exp_mask": wrong})
    assert not verdict.passed and "1 pixels" in verdict.message


def test_rebuilt_image(obs, reference_mask):
    data = add_good_pixels(data_dict(obs), reference_mask | exposure_mask(obs.ex))
    good = rebuild_image(data)
    arrays = {"new_im": good, "goodpix": data["goodpix"]}
    assert _verdict("rebuilt_image", arrays).passed
    off = good.copy()
    off.ravel()[data["goodpix"][5]] += 1
    assert not _verdict("rebuilt_image", {**arrays, "new_im": off}).passed
    empty = {"new_im": np.full(good.shape, np.nan), "goodpix": np.array([], dtype=int)}
    assert not _verdict("rebuilt_image", empty).passed  # an empty goodpix with an all-NaN image


def test_region_mask_reference_passes_and_lazy_masks_fail(reference_mask):
    assert _verdict("region_mask", {"region_mask": reference_mask}).passed
    assert "point" in _verdict("region_mask", {"region_mask": np.zeros_like(reference_mask)}).message
    assert "centre" in _verdict("region_mask", {"region_mask": np.ones_like(reference_mask)}).message
    truth = catalogue.load_truth(NAME)["params"]
    greedy = reference_mask.copy()
    cy, cx = int(round(truth["y0"])), int(round(truth["x0"]))
    greedy[:, ::5] = greedy[:, 1::5] = True  # 40% of every chip, in stripes
    greedy[cy - 3:cy + 4, cx - 3:cx + 4] = False
    verdict = _verdict("region_mask", {"region_mask": greedy})
    assert not verdict.passed and "usable" in verdict.message


def test_masking_a_whole_chip_in_use_fails(obs, reference_mask, trusted):
    truth = catalogue.load_truth(NAME)["params"]
    centre_chip = trusted.sky.chips[int(round(truth["y0"])), int(round(truth["x0"]))]
    other_chip = next(k for k in np.unique(trusted.sky.chips) if k not in (0, centre_chip))
    verdict = _verdict("region_mask", {"region_mask": reference_mask | (trusted.sky.chips == other_chip)})
    assert not verdict.passed and "chip that holds data" in verdict.message


def test_rebuilt_image_with_a_boxed_out_chip_passes():
    """On ACIS-S the reference boxes out a whole unused chip: its good pixels are still plausible."""
    name = "cl_j1029"
    obs_s = load_observation(catalogue.course_data_dir(name))
    mask = region_mask(catalogue.reference_region_string(name), obs_s.wcs, obs_s.im.shape)
    data = add_good_pixels(data_dict(obs_s), mask | exposure_mask(obs_s.ex))
    verdict = _verdict("rebuilt_image", {"new_im": rebuild_image(data), "goodpix": data["goodpix"]}, name)
    assert verdict.passed, verdict.message


def test_the_reference_masks_pixels_are_the_reference_data(trusted):
    """The pixels the grader judges chains on when a student's are not plausible: the reference solution's."""
    pixels = trusted.fit_pixels(None)
    expected = catalogue.reference_data(NAME)
    assert pixels.size == expected["goodpix"].size and np.array_equal(trusted.reference_goodpix, expected["goodpix"])
    assert trusted.fit_pixels(expected["goodpix"]) is pixels  # the same set of good pixels is built once


@pytest.fixture(scope="module")
def reference_single():
    single = reference.reference_for(NAME, "single")
    return (np.array([single["median"][k] for k in PARAMNAMES]),
            np.array([single["sd"][k] for k in PARAMNAMES]))


def _chain_verdict(chains, model, name=NAME):
    return _verdict(f"chains-{model}", {"chains": chains}, name)


@pytest.mark.slow
def test_made_up_chains_are_not_plausible_posterior_draws(reference_single):
    """Independent Gaussians at the right medians and widths converge, but are no posterior draws."""
    median, sd = reference_single
    fake = median + sd * np.random.default_rng(3).standard_normal((8, 3000, 6))
    assert chain_checks.convergence_verdict(fake, SINGLE) is None
    verdict = _chain_verdict(fake, "single")
    assert verdict.reason == Reason.IMPLAUSIBLE_DRAWS and "sqrt(2 x 6)" in verdict.message
    narrow = median + 0.05 * sd * np.random.default_rng(4).standard_normal((8, 3000, 6))
    assert "do not behave" in _verdict("posterior-single", {"chains": narrow}).message
    negative = fake.copy()
    negative[..., 3] = -1.0
    assert "impossible" in _verdict("posterior-single", {"chains": negative}).message


@pytest.mark.slow
@pytest.mark.parametrize("model", ["single", "double"])
def test_noise_tuned_to_the_deviance_spread_fails_on_steins_identity(model):
    """Issue 19's 'tuned noise': it converges and has a posterior's deviance spread, but is no posterior."""
    fake = chain_attacks.noise_chains(NAME, model)
    assert chain_checks.convergence_verdict(fake, model_named(model)) is None
    verdict = _chain_verdict(fake, model)
    assert not verdict.passed and "not centred" in verdict.message


@pytest.mark.slow
@pytest.mark.parametrize("jitter", [0.0, 1e-3])
def test_a_maximum_with_noise_in_b_alone_fails(jitter):
    fake = chain_attacks.map_plus_background_noise(NAME, "single", jitter=jitter)
    verdict = _verdict("posterior-single", {"chains": fake})
    assert not verdict.passed and ("do not vary" in verdict.message or "too narrow" in verdict.message
                                   or "not centred" in verdict.message), verdict.message


@pytest.mark.slow
def test_laplace_draws_fail_or_are_flagged_for_the_hand_grader():
    """N(MAP, Fisher^-1) draws: where the posterior is that Gaussian no test can tell, so they are flagged."""
    for model in ("single", "double"):
        verdict = _chain_verdict(chain_attacks.laplace_draws(NAME, model), model)
        assert not verdict.passed or verdict.flag == chain_checks.INDEPENDENT_DRAWS_FLAG, model
