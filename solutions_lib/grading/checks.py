"""The hidden checks: pure functions from student artefacts to a verdict.

Each check receives the student's answers as plain arrays plus trusted
options (the data set the student was assigned, the model named by the
instructor notebook) and returns a `Verdict`. Messages say what
to look at without revealing the expected answer. Everything the checks
compare against is loaded here, from the course copy of the data and the
stored reference answers, never from the student's kernel.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import datasets
from ..data import load_observation
from ..fit_cli import REFERENCE_FILE
from ..masks import exposure_mask, parse_regions
from ..model import NPARAMS, PARAMNAMES, PARAMNAMES2, beta_model
from .kernel_side import xray_handin as probe

MIN_NEFF = {"single": 200, "double": 150}
MAX_R = 1.1
MAXLAG = 750

# Region mask: share of the simulator's bright point sources that must be
# covered, the count above which a source is "bright", and the largest share
# of the usable sky that a sane mask may remove.
SOURCE_COVERAGE = 0.8
BRIGHT_SOURCE_COUNTS = 40
MAX_USABLE_MASKED = 0.3
UNUSED_CHIP_COVERAGE = 0.8

# Posterior consistency: a student's median may differ from the reference
# median by this many reference standard deviations, plus a small relative
# slack for the different mask and prior each student uses.
POSTERIOR_SIGMAS = 5.0
POSTERIOR_REL_SLACK = 0.02


@dataclass
class Verdict:
    passed: bool
    message: str = ""


def ok() -> Verdict:
    return Verdict(True, "")


def fail(message: str) -> Verdict:
    return Verdict(False, message)


# --------------------------------------------------------------------------
# Trusted inputs
# --------------------------------------------------------------------------
@lru_cache(maxsize=4)
def trusted_observation(name: str):
    return load_observation(datasets.course_data_dir(name))


@lru_cache(maxsize=1)
def reference_answers() -> dict:
    """Stored reference posteriors and DICs, keyed by data set then model."""
    return json.loads(REFERENCE_FILE.read_text())


def reference_for(name: str, model: str) -> dict:
    return reference_answers()["datasets"][name][model]


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


def check_rebuilt_image(arrays: dict, options: dict) -> Verdict:
    new_im, goodpix = arrays["new_im"], arrays["goodpix"]
    obs = trusted_observation(options["dataset"])
    problem = _same_shape("new_im", new_im, obs.im.shape)
    if problem:
        return problem
    if new_im.dtype.kind != "f":
        return fail("`new_im` must be a float array so that masked pixels can hold NaN.")
    goodpix = goodpix.astype(np.int64).ravel()
    usable = np.flatnonzero(~exposure_mask(obs.ex))
    if (
        goodpix.size < 0.5 * usable.size
        or np.unique(goodpix).size != goodpix.size
        or not np.isin(goodpix, usable).all()
    ):
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
    boxes = [r for r in parse_regions(datasets.reference_region_string(name))
             if type(r).__name__.startswith("Rectangle")]
    mask = np.zeros(shape, dtype=bool)
    for region in boxes:
        stamp = region.to_pixel(wcs).to_mask(mode="center").to_image(shape)
        if stamp is not None:
            mask |= stamp.astype(bool)
    return mask


def check_region_mask(arrays: dict, options: dict) -> Verdict:
    student = arrays["region_mask"]
    name = options["dataset"]
    obs = trusted_observation(name)
    problem = _same_shape("region_mask", student, obs.im.shape)
    if problem:
        return problem
    student = student.astype(bool)
    truth = datasets.load_truth(name)
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
        return fail(f"betaModel raised an error when called: {error}")
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
def chain_format_problem(chains: np.ndarray, model: str) -> str | None:
    """Describe what is wrong with the shape or values of chains, if anything."""
    nparams = NPARAMS[model]
    if chains.ndim != 3:
        return (
            f"chains should have 3 dimensions (n_chains, n_samples, n_params); got shape "
            f"{chains.shape}."
        )
    n_chains, n_samples, n_par = chains.shape
    if n_chains < 4:
        return f"Use at least 4 chains; found {n_chains}."
    if n_par != nparams:
        return f"Each sample should have {nparams} parameters in paramnames order; found {n_par}."
    if n_samples < 100:
        return f"Only {n_samples} samples per chain; that is too few to judge convergence."
    if not np.isfinite(chains).all():
        return "The chains contain NaN or infinite values."
    return None


def _chains_or_failure(arrays: dict, model: str):
    """(chains as float, None) when well formed, else (None, a failing Verdict)."""
    chains = arrays["chains"].astype(float)
    problem = chain_format_problem(chains, model)
    return (None, fail(problem)) if problem else (chains, None)


def check_chains(arrays: dict, options: dict) -> Verdict:
    import incredible as cr

    model = options["model"]
    chains, failure = _chains_or_failure(arrays, model)
    if failure:
        return failure
    R = np.asarray(cr.GelmanRubinR(chains))
    if not np.all(R < MAX_R):
        return fail(f"The chains have not converged (largest R = {R.max():.3f}, needs < {MAX_R}).")
    try:
        neff = np.asarray(cr.effective_samples(chains, maxlag=MAXLAG, throw=True))
    except Exception as exc:
        return fail(f"The effective sample size cannot be estimated with maxlag={MAXLAG}: {exc}")
    if not np.all(neff > MIN_NEFF[model]):
        return fail(
            f"Too few effective samples (smallest {neff.min():.0f}, needs > {MIN_NEFF[model]}); "
            "run the chains longer."
        )
    return ok()


def check_posterior(arrays: dict, options: dict) -> Verdict:
    model = options["model"]
    chains, failure = _chains_or_failure(arrays, model)
    if failure:
        return failure
    names = PARAMNAMES if model == "single" else PARAMNAMES2
    reference = reference_for(options["dataset"], model)
    medians = np.median(chains.reshape(-1, chains.shape[-1]), axis=0)
    off = [
        name for name, median in zip(names, medians)
        if abs(median - reference["median"][name])
        > POSTERIOR_SIGMAS * reference["sd"][name] + POSTERIOR_REL_SLACK * abs(reference["median"][name])
    ]
    if off:
        return fail(
            f"The posterior medians of {', '.join(off)} are far from what the data support. "
            "Check the likelihood, the priors, the parameter order and the mask."
        )
    return ok()


# --------------------------------------------------------------------------
# DIC
# --------------------------------------------------------------------------
DIC_REL_TOLERANCE = 0.1
DELTA_DIC_REL_TOLERANCE = 0.3
DELTA_DIC_ABS_TOLERANCE = 30.0


def check_dic(arrays: dict, options: dict) -> Verdict:
    values = {}
    for key in ("DIC1", "DIC2"):
        value = arrays[key]
        if value.size != 1 or value.dtype.kind not in "iuf" or not np.isfinite(value).all():
            return fail(f"`{key}` should be a single finite number.")
        values[key] = float(value.ravel()[0])
    name = options["dataset"]
    ref1 = reference_for(name, "single")["dic"]
    ref2 = reference_for(name, "double")["dic"]
    constant = 2.0 * reference_answers()["datasets"][name]["log_factorial_sum"]
    for key, ref in (("DIC1", ref1), ("DIC2", ref2)):
        # Students may keep or drop the log(N!) term of the Poisson likelihood.
        if min(abs(values[key] - ref), abs(values[key] - (ref + constant))) > DIC_REL_TOLERANCE * abs(ref):
            return fail(f"`{key}` is far from the value the data give; check the deviance, -2 log L.")
    delta, ref_delta = values["DIC1"] - values["DIC2"], ref1 - ref2
    if abs(delta - ref_delta) > DELTA_DIC_REL_TOLERANCE * abs(ref_delta) + DELTA_DIC_ABS_TOLERANCE:
        return fail("DIC1 - DIC2 is not consistent with the two fits; recompute both DICs the same way.")
    return ok()


CHECKS = {
    "exposure_mask": check_exposure_mask,
    "rebuilt_image": check_rebuilt_image,
    "region_mask": check_region_mask,
    "beta_model": check_beta_model,
    "chains": check_chains,
    "posterior": check_posterior,
    "dic": check_dic,
}
