"""The hidden checks: pure functions from student artefacts to a verdict.

Each check receives the student's answers as plain arrays plus trusted
options (the data set the student was assigned, the model named by the
instructor notebook) and returns a `Verdict`. Messages say what
to look at without revealing the expected answer. Everything the checks
compare against is loaded here, from the course copy of the data and the
stored reference answers, never from the student's kernel.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import ndimage

from ..data import catalogue
from ..data.masks import exposure_mask, parse_regions
from ..data.observation import data_dict, load_observation
from ..engine.dic import dic_from_deviance, thin, validate_chains
from ..engine.fitting import MAXLAG
from ..engine.likelihood import PixelData, loglike_batch
from ..engine.model import beta_model, names_for
from .kernel_side import xray_handin as probe
from .reference import reference_for
from .stein import ZeroSpread, judged_parameters, stein_statistics
from .untrusted_text import exception_name

MIN_NEFF = {"single": 200, "double": 150}
# Plausibility of chains: samples used, and accepted range of sd(-2 ln L) / sqrt(2k).
DEVIANCE_SAMPLES = 400
DEVIANCE_SPREAD_RANGE = (0.5, 2.0)
MAX_R = 1.1

# Region mask: share of the simulator's bright point sources that must be
# covered, the count above which a source is "bright", and the largest share
# of the usable sky that a sane mask may remove.
SOURCE_COVERAGE = 0.8
BRIGHT_SOURCE_COUNTS = 40
MAX_USABLE_MASKED = 0.3
UNUSED_CHIP_COVERAGE = 0.8
# No chip in use may lose more than this share to the regions (chips: >= this many usable pixels).
MAX_CHIP_MASKED = 0.5
MIN_CHIP_PIXELS = 5000

# Posterior consistency: a student's median may differ from the reference
# median by this many reference standard deviations, plus a small relative
# slack for the different mask and prior each student uses.
POSTERIOR_SIGMAS = 5.0
POSTERIOR_REL_SLACK = 0.02


@dataclass
class Verdict:
    """A check's decision. ``flag``: what the hand grader should look at although the check passed."""

    passed: bool
    message: str = ""
    flag: str = ""


def ok() -> Verdict:
    return Verdict(True, "")


def fail(message: str) -> Verdict:
    return Verdict(False, message)


# --------------------------------------------------------------------------
# Trusted inputs
# --------------------------------------------------------------------------
@lru_cache(maxsize=4)
def trusted_observation(name: str):
    return load_observation(catalogue.course_data_dir(name))


# --------------------------------------------------------------------------
# Masks and images
# --------------------------------------------------------------------------
def _same_shape(label: str, array: np.ndarray, shape) -> Verdict | None:
    if array.shape != tuple(shape):
        return fail(f"`{label}` has shape {array.shape}; it should match the image, {tuple(shape)}.")
    return None


def check_exposure_mask(arrays: dict, options: dict) -> Verdict:
    student = arrays["exp_mask"]
    obs = trusted_observation(options["dataset"])
    problem = _same_shape("exp_mask", student, obs.ex.shape)
    if problem:
        return problem
    if student.dtype != bool:
        return fail(f"`exp_mask` should be boolean (True = masked), not {student.dtype}.")
    wrong = int(np.count_nonzero(student != exposure_mask(obs.ex)))
    if wrong:
        return fail(
            f"`exp_mask` differs from the expected mask in {wrong} pixels. It should be True "
            "exactly where the exposure is below half of its maximum."
        )
    return ok()


def plausible_goodpix(goodpix: np.ndarray, name: str) -> np.ndarray | None:
    """``goodpix`` as flat indices if it is a sane set of usable pixels, else None.

    Sane: integers, no repeats, all above the exposure cut, and at least
    half of the pixels on the chips in use (those outside the reference
    mask's boxes); a mask that removes more has lost the cluster.
    """
    if goodpix.dtype.kind not in "iu":
        return None
    obs = trusted_observation(name)
    goodpix = goodpix.astype(np.int64).ravel()
    usable = ~exposure_mask(obs.ex)
    in_use = usable & ~_reference_boxes_mask(name, obs.wcs, obs.im.shape)
    if (goodpix.size < 0.5 * np.count_nonzero(in_use) or np.unique(goodpix).size != goodpix.size
            or not np.isin(goodpix, np.flatnonzero(usable)).all()):
        return None
    return goodpix


def check_rebuilt_image(arrays: dict, options: dict) -> Verdict:
    new_im, goodpix = arrays["new_im"], arrays["goodpix"]
    obs = trusted_observation(options["dataset"])
    problem = _same_shape("new_im", new_im, obs.im.shape)
    if problem:
        return problem
    if new_im.dtype.kind != "f":
        return fail("`new_im` must be a float array so that masked pixels can hold NaN.")
    goodpix = plausible_goodpix(goodpix, options["dataset"])
    if goodpix is None:
        return fail("`data['goodpix']` is not a plausible set of unmasked pixels; rerun the cells above.")
    flat = new_im.ravel()
    if not np.array_equal(flat[goodpix], obs.im.ravel()[goodpix].astype(float)):
        return fail("`new_im` does not reproduce the counts in every good pixel.")
    outside = np.ones(flat.size, dtype=bool)
    outside[goodpix] = False
    if not np.isnan(flat[outside]).all():
        return fail("Pixels that are masked should be NaN in `new_im`.")
    return ok()


def _reference_boxes_mask(name: str, wcs, shape) -> np.ndarray:
    """Pixels inside the reference mask's boxes (unused chips, streaks)."""
    boxes = [r for r in parse_regions(catalogue.reference_region_string(name))
             if type(r).__name__.startswith("Rectangle")]
    mask = np.zeros(shape, dtype=bool)
    for region in boxes:
        stamp = region.to_pixel(wcs).to_mask(mode="center").to_image(shape)
        if stamp is not None:
            mask |= stamp.astype(bool)
    return mask


def _largest_masked_chip_share(student: np.ndarray, in_use: np.ndarray) -> float:
    """Largest share of any chip in use that ``student`` masks.

    Chips are the large connected areas of usable pixels: the exposure cut
    removes the gaps between them.
    """
    labels, count = ndimage.label(in_use)
    if count == 0:
        return 0.0
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    masked = np.bincount(labels.ravel(), weights=student.ravel().astype(float), minlength=count + 1)
    chips = np.flatnonzero(sizes >= MIN_CHIP_PIXELS)
    chips = chips[chips > 0]
    return float((masked[chips] / sizes[chips]).max()) if chips.size else 0.0


def check_region_mask(arrays: dict, options: dict) -> Verdict:
    student = arrays["region_mask"]
    name = options["dataset"]
    obs = trusted_observation(name)
    problem = _same_shape("region_mask", student, obs.im.shape)
    if problem:
        return problem
    student = student.astype(bool)
    truth = catalogue.load_truth(name)
    usable = ~exposure_mask(obs.ex)
    params = truth["params"]
    cx, cy = int(round(params["x0"])), int(round(params["y0"]))
    if student[cy, cx]:
        return fail("Your regions cover the centre of the cluster; that is the part we want to fit.")
    bright = [
        s for s in truth["point_sources"]
        if s["counts"] >= BRIGHT_SOURCE_COUNTS
        and 0 <= round(s["y"]) < student.shape[0] and 0 <= round(s["x"]) < student.shape[1]
        and usable[int(round(s["y"])), int(round(s["x"]))]
    ]
    if bright:
        covered = sum(student[int(round(s["y"])), int(round(s["x"]))] for s in bright)
        if covered < SOURCE_COVERAGE * len(bright):
            return fail(
                f"Your regions cover {covered} of the {len(bright)} clearly visible point "
                "sources on the chips in use. Look again, especially far from the centre "
                "where sources are larger and fainter."
            )
    unused = _reference_boxes_mask(name, obs.wcs, obs.im.shape) & usable
    if unused.any() and student[unused].mean() < UNUSED_CHIP_COVERAGE:
        return fail("Some chips (or a streak) that should not be used are left unmasked.")
    keep = usable & ~unused
    lost_chip = _largest_masked_chip_share(student, keep)
    if lost_chip > MAX_CHIP_MASKED:
        return fail(
            f"Your regions remove {100 * lost_chip:.0f}% of a chip that holds data we fit. Keep every chip "
            "in use; mask only its point sources (circles), and use boxes only for chips or streaks you "
            "do not use."
        )
    removed = student[keep].mean()
    if removed > MAX_USABLE_MASKED:
        return fail(
            f"Your regions remove {100 * removed:.0f}% of the usable image; mask point "
            "sources with circles a few PSF widths across rather than large areas."
        )
    return ok()


# --------------------------------------------------------------------------
# The beta model
# --------------------------------------------------------------------------
def check_beta_model(arrays: dict, options: dict) -> Verdict:
    """Compare the student's betaModel at the fixed probe inputs with the formula.

    ``arrays`` holds ``scalar_values`` (one per row of ``PROBE_ARGS``),
    ``array_values`` (the call with ``PROBE_ARRAY_R``) and ``error``.
    """
    error = str(arrays["error"]) if "error" in arrays else ""
    if error:
        return fail(f"betaModel raised {exception_name(error)} when called with numbers (and with an array of "
                    "radii); call it yourself with those inputs to see the error.")
    values = np.asarray(arrays["scalar_values"], dtype=float)
    expected = np.array([beta_model(*row) for row in probe.PROBE_ARGS])
    if values.shape != expected.shape or not np.allclose(values, expected, rtol=1e-6, atol=0):
        return fail("betaModel gives wrong values for some scalar inputs; check the exponent -3*beta + 1/2.")
    got = np.asarray(arrays["array_values"], dtype=float)
    wanted = beta_model(probe.PROBE_ARRAY_R, *probe.PROBE_ARRAY_ARGS)
    if got.shape != wanted.shape or not np.allclose(got, wanted, rtol=1e-6, atol=0):
        return fail("betaModel does not work element-wise on an array of radii.")
    return ok()


# --------------------------------------------------------------------------
# Chains and posteriors
# --------------------------------------------------------------------------
MAX_CHAINS = 1024  # walkers; the notebook uses tens


def chain_format_problem(chains: np.ndarray, model: str) -> str | None:
    """Describe what is wrong with the shape or values of chains, if anything.

    Shape and finite values as `engine.dic.validate_chains` demands them,
    then enough chains and samples to judge convergence, and at most
    `MAX_CHAINS` chains (each is thinned to at least one draw when the
    posterior is judged, so their number bounds the judge's time).
    """
    try:
        n_chains, n_samples, _ = validate_chains(chains, model=model).shape
    except ValueError as error:
        return str(error)
    if n_chains < 4:
        return f"Use at least 4 chains; found {n_chains}."
    if n_chains > MAX_CHAINS:
        return f"Use at most {MAX_CHAINS} chains (walkers); found {n_chains}."
    if n_samples < 100:
        return f"Only {n_samples} samples per chain; that is too few to judge convergence."
    return None


COMPONENT_1, COMPONENT_2 = [2, 3, 4], [6, 7, 8]  # (S0, rc, beta) and (S02, rc2, beta2) in paramnames2
SWAPPED_NOTE = ("Your two components are labelled the other way round from the notebook's convention "
                "(component 1 is the compact one, rc < rc2); they were compared after swapping. ")


def order_components(chains: np.ndarray) -> tuple[np.ndarray, str]:
    """Double-model chains with component 1 the smaller core in every sample, and a note if mostly swapped.

    The two beta components are interchangeable in the likelihood, so the
    checks compare them by core radius, whatever labels the student chose.
    """
    swap = chains[..., 3] > chains[..., 7]
    ordered = chains.copy()
    first, second = chains[..., COMPONENT_1], chains[..., COMPONENT_2]
    ordered[..., COMPONENT_1] = np.where(swap[..., None], second, first)
    ordered[..., COMPONENT_2] = np.where(swap[..., None], first, second)
    return ordered, SWAPPED_NOTE if swap.mean() > 0.5 else ""


def _chains_or_failure(arrays: dict, model: str):
    """(chains as float, None) when well formed, else (None, a failing Verdict)."""
    chains = arrays["chains"].astype(float)
    problem = chain_format_problem(chains, model)
    return (None, fail(problem)) if problem else (chains, None)


def fit_pixels(name: str, goodpix) -> PixelData:
    """The pixels the student fitted (their ``goodpix``), or the reference mask's if unusable."""
    obs = trusted_observation(name)
    chosen = plausible_goodpix(np.asarray(goodpix), name) if goodpix is not None else None
    if chosen is None:
        return PixelData.from_data(catalogue.reference_data(name))
    data = data_dict(obs)
    return PixelData.from_data({"im": obs.im, "flatim": obs.im.ravel()[chosen], "flatex": obs.ex.ravel()[chosen],
                                "flatx": data["imx"].ravel()[chosen], "flaty": data["imy"].ravel()[chosen]})


def deviance_spread_problem(chains: np.ndarray, model: str, name: str, goodpix=None) -> str | None:
    """Why ``chains`` cannot be draws from this data set's posterior under ``model``, if so.

    For draws from the posterior of a k-parameter model, the deviance
    D = -2 ln L varies from draw to draw with a standard deviation close to
    sqrt(2k) (exactly so for a Gaussian posterior, where D - D_min follows a
    chi-square law with k degrees of freedom). Samples that were made up,
    ignore the correlations, are too narrow or too wide, or sit away from the
    peak give a very different spread. An honest sampler of the right
    likelihood, whatever reasonable prior it uses, lands well inside the
    accepted range. Measured on cl_j0142 and cl_j1347 (sd(D) / sqrt(2k)):
    reference chains 0.75-0.92; a Gaussian with the posterior's full
    covariance 0.74-0.87 (single model) but 15 and more (double); the same
    Gaussian at half (double) the width 0.2 (3.2-3.5); shifted by one sd
    3.2-4.3; independent Gaussians with the right marginals 38 and more.
    """
    pooled = chains.reshape(-1, chains.shape[-1])
    rows = pooled[np.linspace(0, pooled.shape[0] - 1, min(DEVIANCE_SAMPLES, pooled.shape[0])).astype(int)]
    deviance = -2.0 * loglike_batch(rows, fit_pixels(name, goodpix))
    if not np.all(np.isfinite(deviance)):
        return ("Some samples describe an impossible model (a normalisation, core radius or B that is "
                "zero or negative): check the parameter order and the prior bounds.")
    k = chains.shape[-1]
    expected = np.sqrt(2.0 * k)
    ratio = np.std(deviance) / expected
    if not DEVIANCE_SPREAD_RANGE[0] <= ratio <= DEVIANCE_SPREAD_RANGE[1]:
        return (f"These samples do not behave like draws from this posterior: across them the deviance "
                f"-2 ln L has a spread of {np.std(deviance):.1f}, but draws from the posterior of a {k}-parameter "
                f"model give about sqrt(2 x {k}) = {expected:.1f}. Samples that are too narrow, too wide, miss "
                "the correlations or sit away from the peak do this; sample the posterior of your likelihood.")
    return None


def convergence_problem(chains: np.ndarray, model: str) -> str | None:
    """What is wrong with R or n_eff of well-formed chains (the notebook's thresholds), if anything."""
    import incredible as cr

    R = np.asarray(cr.GelmanRubinR(chains))
    if not np.all(R < MAX_R):
        return f"The chains have not converged (largest R = {R.max():.3f}, needs < {MAX_R})."
    try:
        neff = np.asarray(cr.effective_samples(chains, maxlag=MAXLAG, throw=True))
    except Exception as exc:
        return (f"The effective sample size cannot be estimated with maxlag={MAXLAG} ({exc}): run the "
                "chains longer, thin them, or check that they mix.")
    if not np.all(neff > MIN_NEFF[model]):
        return (f"Too few effective samples (smallest {neff.min():.0f}, needs > {MIN_NEFF[model]}); "
                "run the chains longer.")
    return None


INDEPENDENT_DRAWS_FLAG = (
    "The samples look independent (integrated autocorrelation time below 1.5 steps in every parameter), "
    "unlike MCMC chains. That is allowed (nested sampling split into groups, say), but draws from a "
    "Gaussian approximation, which the notebook rules out, look the same: check how they were made.")
_DRAWS_VERDICTS: dict = {}


def _digest(*arrays) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def posterior_draws_verdict(chains: np.ndarray, model: str, name: str, goodpix=None) -> Verdict:
    """Are ``chains`` draws from the posterior of ``model`` on data set ``name``, given the student's pixels?

    First the spread of the deviance (`deviance_spread_problem`), then
    Stein's identities on the parameters the data determine (`stein`). A
    pass is flagged for the hand grader when the samples look independent.
    Judged once per distinct set of chains: the chains, posterior and DIC
    cells all ask.
    """
    key = (_digest(chains, np.asarray(goodpix if goodpix is not None else [])), model, name)
    if key not in _DRAWS_VERDICTS:
        if len(_DRAWS_VERDICTS) > 16:
            _DRAWS_VERDICTS.clear()
        _DRAWS_VERDICTS[key] = _judge_draws(chains, model, name, goodpix)
    return _DRAWS_VERDICTS[key]


def _judge_draws(chains: np.ndarray, model: str, name: str, goodpix) -> Verdict:
    problem = deviance_spread_problem(chains, model, name, goodpix)
    if problem:
        return fail(problem)
    pixels = fit_pixels(name, goodpix)
    judged = judged_parameters(reference_for(name, model), model)
    try:
        result = stein_statistics(chains, model, pixels, judged)
    except ZeroSpread as exc:
        return fail(f"Your samples of `{exc}` do not vary at all, but the data never fix a parameter exactly: "
                    "sample all parameters of the posterior together.")
    problem = result.problem()
    if problem:
        return fail(problem)
    return Verdict(True, "", INDEPENDENT_DRAWS_FLAG if result.looks_independent() else "")


def _labelled_chains(arrays: dict, model: str):
    """(chains with the double model's components ordered, failing Verdict or None, note on labels)."""
    chains, failure = _chains_or_failure(arrays, model)
    if failure or model != "double":
        return chains, failure, ""
    chains, note = order_components(chains)
    return chains, None, note


def check_chains(arrays: dict, options: dict) -> Verdict:
    """Format, convergence (R, n_eff) and plausibility of the chains for this data set and model."""
    model = options["model"]
    chains, failure, note = _labelled_chains(arrays, model)
    if failure:
        return failure
    problem = convergence_problem(chains, model)
    if problem:
        return fail(note + problem)
    draws = posterior_draws_verdict(chains, model, options["dataset"], arrays.get("goodpix"))
    return replace(draws, message=note + draws.message)


def _median_supported(median: float, reference: dict, name: str) -> bool:
    """Is a student's posterior median of ``name`` consistent with the reference posterior?

    Near the reference median (``POSTERIOR_SIGMAS`` reference sd plus a
    small relative slack), or anywhere inside the reference's central 99%
    interval: for a cluster without a cool core the compact component's
    parameters are set mostly by the prior, their posteriors are skewed,
    and a student's slightly different prior moves the median within that
    interval.
    """
    centre, spread = reference["median"][name], reference["sd"][name]
    if abs(median - centre) <= POSTERIOR_SIGMAS * spread + POSTERIOR_REL_SLACK * abs(centre):
        return True
    return "q005" in reference and reference["q005"][name] <= median <= reference["q995"][name]


def check_posterior(arrays: dict, options: dict) -> Verdict:
    """Posterior medians near the reference's, from chains that are plausible posterior draws."""
    model = options["model"]
    chains, failure, note = _labelled_chains(arrays, model)
    if failure:
        return failure
    draws = posterior_draws_verdict(chains, model, options["dataset"], arrays.get("goodpix"))
    if not draws.passed:
        return fail(note + draws.message)
    names = names_for(model)
    reference = reference_for(options["dataset"], model)
    medians = np.median(chains.reshape(-1, chains.shape[-1]), axis=0)
    off = [name for name, median in zip(names, medians) if not _median_supported(median, reference, name)]
    if off:
        return fail(
            f"{note}The posterior medians of {', '.join(off)} are far from what the data support. "
            "Check the likelihood, the priors, the parameter order and the mask."
        )
    return Verdict(True, note, draws.flag)


# --------------------------------------------------------------------------
# DIC
# --------------------------------------------------------------------------
DIC_ABS_TOLERANCE = 10.0
DIC_SAMPLES = 4000  # samples the grader's DIC uses
DELTA_DIC_REL_TOLERANCE = 0.3
DELTA_DIC_ABS_TOLERANCE = 30.0
DIC_MODELS = (("DIC1", "chains", "single"), ("DIC2", "chains2", "double"))


def dic_variants(chains: np.ndarray, pixels: PixelData) -> list[float]:
    """The DIC of ``chains`` with pD = var(D)/2 and, where defined, with pD = <D> - D(<theta>).

    The notebook teaches the first; the second (Spiegelhalter's) agrees with
    it for the near-Gaussian posteriors of clusters with a cool core, and a
    student who uses it there is not penalised.
    """
    samples = thin(chains, max(1, DIC_SAMPLES // chains.shape[0])).reshape(-1, chains.shape[-1])
    deviance = -2.0 * loglike_batch(samples, pixels)
    variants = [dic_from_deviance(deviance)]
    at_mean = -2.0 * loglike_batch(samples.mean(axis=0)[None, :], pixels)[0]
    if np.isfinite(at_mean):
        variants.append(float(2.0 * deviance.mean() - at_mean))
    return variants


def check_dic(arrays: dict, options: dict) -> Verdict:
    """Each DIC must be the DIC of the student's own (plausible) chains, and DIC1 - DIC2 near the reference's.

    The grader recomputes DIC = <D> + pD from the handed-in chains on the
    student's own pixels (`dic_variants`). Students may keep or drop the
    constant 2 sum(ln N!) of the Poisson likelihood; both are accepted.
    """
    name = options["dataset"]
    pixels = fit_pixels(name, arrays.get("goodpix"))
    constant = 2.0 * pixels.log_factorial_sum
    values, flags = {}, []
    for key, chains_key, model in DIC_MODELS:
        value = arrays[key]
        if value.size != 1 or value.dtype.kind not in "iuf" or not np.isfinite(value).all():
            return fail(f"`{key}` should be a single finite number.")
        values[key] = float(value.ravel()[0])
        chains, failure = _chains_or_failure({"chains": arrays[chains_key]}, model)
        if failure:
            return fail(f"The chains behind `{key}`: {failure.message}")
        if model == "double":
            chains, _ = order_components(chains)
        draws = posterior_draws_verdict(chains, model, name, arrays.get("goodpix"))
        if not draws.passed:
            return fail(f"The chains behind `{key}`: {draws.message}")
        flags.append(draws.flag)
        candidates = dic_variants(chains, pixels)
        if min(abs(values[key] - c - shift) for c in candidates for shift in (0.0, constant)) > DIC_ABS_TOLERANCE:
            return fail(f"`{key}` = {values[key]:.1f} is not the DIC of your chains, which give {candidates[0]:.1f} "
                        f"(or {candidates[0] + constant:.1f} with the ln N! term); check D = -2 ln L, its mean "
                        "over the samples, and pD = var(D)/2.")
    delta = values["DIC1"] - values["DIC2"]
    ref_delta = reference_for(name, "single")["dic"] - reference_for(name, "double")["dic"]
    if abs(delta - ref_delta) > DELTA_DIC_REL_TOLERANCE * abs(ref_delta) + DELTA_DIC_ABS_TOLERANCE:
        return fail("DIC1 - DIC2 is far from what these data give; check both fits and both likelihoods, and "
                    "use pD = var(D)/2, which does not depend on how the parameters are written.")
    return Verdict(True, "", next((flag for flag in flags if flag), ""))


CHECKS = {
    "exposure_mask": check_exposure_mask,
    "rebuilt_image": check_rebuilt_image,
    "region_mask": check_region_mask,
    "beta_model": check_beta_model,
    "chains": check_chains,
    "posterior": check_posterior,
    "dic": check_dic,
}
