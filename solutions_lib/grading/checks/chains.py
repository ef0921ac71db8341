"""Checks of chains and posteriors: format, convergence, draws from the posterior, posterior medians.

The likelihood's values and gradients at the draws are inputs here: the
grader computes them once per distinct set of chains (`judgement`), on the
student's own pixels.
"""
from __future__ import annotations

import numpy as np

from ...engine import convergence
from ...engine.dic import validate_chains
from ...engine.models import Model
from .. import stein
from ..verdict import Reason, Verdict, fail, ok

MAX_CHAINS = 1024  # walkers; the notebook uses tens
MIN_CHAINS = 4
MIN_SAMPLES = 100
MAX_R = 1.1  # the notebook's threshold on R; on n_eff it is the model's ``min_neff``
# Plausibility of chains: accepted range of sd(-2 ln L) / sqrt(2k) over the judged draws.
DEVIANCE_SPREAD_RANGE = (0.5, 2.0)
# Posterior consistency: a student's median may differ from the reference
# median by this many reference standard deviations, plus a small relative
# slack for the different mask and prior each student uses.
POSTERIOR_SIGMAS = 5.0
POSTERIOR_REL_SLACK = 0.02

SWAPPED_NOTE = ("Your two components are labelled the other way round from the notebook's convention "
                "(component 1 is the compact one, rc < rc2); they were compared after swapping. ")
INDEPENDENT_DRAWS_FLAG = (
    "The samples look independent (integrated autocorrelation time below 1.5 steps in every parameter), "
    "unlike MCMC chains. That is allowed (nested sampling split into groups, say), but draws from a "
    "Gaussian approximation, which the notebook rules out, look the same: check how they were made.")


def chain_format_verdict(chains: np.ndarray, model: Model) -> Verdict | None:
    """A failing verdict if the shape or values of ``chains`` cannot be judged, else None.

    Shape and finite values as `engine.dic.validate_chains` demands them,
    then enough chains and samples to judge convergence, and at most
    `MAX_CHAINS` chains (each is thinned to at least one draw when the
    posterior is judged, so their number bounds the judge's time).

    Parameters
    ----------
    chains : ndarray
        The student's answer, meant to be shaped ``(n_chains, n_samples, n_params)``.
    model : `engine.models.Model`
        The model the chains should sample.

    Returns
    -------
    Verdict or None
        None when the chains can be judged.
    """
    try:
        n_chains, n_samples, _ = validate_chains(chains, model=model).shape
    except ValueError as error:
        return fail(Reason.MALFORMED, str(error))
    if n_chains < MIN_CHAINS:
        return fail(Reason.MALFORMED, f"Use at least {MIN_CHAINS} chains; found {n_chains}.")
    if n_chains > MAX_CHAINS:
        return fail(Reason.CAP_HIT, f"Use at most {MAX_CHAINS} chains (walkers); found {n_chains}.")
    if n_samples < MIN_SAMPLES:
        return fail(Reason.MALFORMED, f"Only {n_samples} samples per chain; that is too few to judge convergence.")
    return None


def order_components(chains: np.ndarray, model: Model) -> tuple[np.ndarray, str]:
    """Well-formed ``chains`` of ``model`` in the model's order of components, and a note if most samples were relabelled.

    Interchangeable components are compared in the model's order, whatever
    labels the student chose (`models.Model.order_components`).

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        Chains that passed `chain_format_verdict`.
    model : `engine.models.Model`
        Their model.

    Returns
    -------
    chains : ndarray, shape (n_chains, n_samples, n_params)
    note : str
        `SWAPPED_NOTE` if more than half of the samples were relabelled, else ''.
    """
    ordered, swapped = model.order_components(chains)
    return ordered, SWAPPED_NOTE if swapped > 0.5 else ""


def convergence_verdict(chains: np.ndarray, model: Model) -> Verdict | None:
    """A failing verdict if R or n_eff of the chains miss the notebook's thresholds, else None.

    The thresholds are `MAX_R` and the model's ``min_neff``.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        Well-formed chains.
    model : `engine.models.Model`
        Their model.

    Returns
    -------
    Verdict or None
    """
    R = convergence.gelman_rubin(chains)
    if not np.all(R < MAX_R):
        return fail(Reason.NOT_CONVERGED,
                    f"The chains have not converged (largest R = {R.max():.3f}, needs < {MAX_R}).")
    try:
        neff = convergence.effective_samples(chains)
    except convergence.MaxlagTooShort as exc:
        return fail(Reason.NOT_CONVERGED,
                    f"The effective sample size cannot be estimated with maxlag={convergence.MAXLAG} ({exc}): run the "
                    "chains longer, thin them, or check that they mix.")
    if not np.all(neff > model.min_neff):
        return fail(Reason.NOT_CONVERGED,
                    f"Too few effective samples (smallest {neff.min():.0f}, needs > {model.min_neff}); "
                    "run the chains longer.")
    return None


def deviance_spread_problem(deviance: np.ndarray, n_params: int) -> str | None:
    """Why draws with these deviances cannot be draws from a posterior in ``n_params`` parameters, if so.

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

    Parameters
    ----------
    deviance : ndarray, shape (n_draws,)
        -2 ln L of each draw.
    n_params : int
        The model's number of parameters, k.

    Returns
    -------
    str or None
        A message for the student, or None if the spread is plausible
        (within `DEVIANCE_SPREAD_RANGE` of sqrt(2k), all deviances finite).
    """
    if not np.all(np.isfinite(deviance)):
        return ("Some samples describe an impossible model (a normalisation, core radius or B that is "
                "zero or negative): check the parameter order and the prior bounds.")
    expected = np.sqrt(2.0 * n_params)
    ratio = np.std(deviance) / expected
    if not DEVIANCE_SPREAD_RANGE[0] <= ratio <= DEVIANCE_SPREAD_RANGE[1]:
        return (f"These samples do not behave like draws from this posterior: across them the deviance "
                f"-2 ln L has a spread of {np.std(deviance):.1f}, but draws from the posterior of a "
                f"{n_params}-parameter model give about sqrt(2 x {n_params}) = {expected:.1f}. Samples that are too "
                "narrow, too wide, miss the correlations or sit away from the peak do this; sample the posterior "
                "of your likelihood.")
    return None


def draws_verdict(chains: np.ndarray, model: Model, deviance: np.ndarray, score: np.ndarray, judged: tuple) -> Verdict:
    """Whether well-formed ``chains`` are draws from the posterior of ``model``.

    First the spread of the deviance (`deviance_spread_problem`), then
    Stein's identities on the judged parameters. A pass is flagged for the
    hand grader when the samples look independent.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        Well-formed chains in the model's order of components.
    model : `engine.models.Model`
        Their model.
    deviance : ndarray, shape (n_draws,)
        -2 ln L at ``stein.thinned(chains)``, flattened, on the student's pixels.
    score : ndarray, shape (n_draws, n_params)
        The gradient of ln L at the same draws.
    judged : tuple of str
        The parameters the data determine (`stein.judged_parameters`).

    Returns
    -------
    Verdict
    """
    problem = deviance_spread_problem(deviance, chains.shape[-1])
    if problem:
        return fail(Reason.IMPLAUSIBLE_DRAWS, problem)
    try:
        result = stein.stein_statistics(chains, model, judged, score)
    except stein.ZeroSpread as exc:
        return fail(Reason.IMPLAUSIBLE_DRAWS,
                    f"Your samples of `{exc}` do not vary at all, but the data never fix a parameter exactly: "
                    "sample all parameters of the posterior together.")
    problem = result.problem()
    if problem:
        return fail(Reason.IMPLAUSIBLE_DRAWS, problem)
    return ok(flag=INDEPENDENT_DRAWS_FLAG if result.looks_independent() else "")


def median_supported(median: float, reference: dict, name: str) -> bool:
    """Whether a student's posterior median of ``name`` is consistent with the reference posterior.

    Near the reference median (``POSTERIOR_SIGMAS`` reference sd plus a
    small relative slack), or anywhere inside the reference's central 99%
    interval: for a cluster without a cool core the compact component's
    parameters are set mostly by the prior, their posteriors are skewed,
    and a student's slightly different prior moves the median within that
    interval.

    Parameters
    ----------
    median : float
        The student's median.
    reference : dict
        The reference summary (`reference.reference_for`): ``median`` and
        ``sd``, and optionally ``q005`` and ``q995``, each name -> value.
    name : str
        The parameter.

    Returns
    -------
    bool
    """
    centre, spread = reference["median"][name], reference["sd"][name]
    if abs(median - centre) <= POSTERIOR_SIGMAS * spread + POSTERIOR_REL_SLACK * abs(centre):
        return True
    return "q005" in reference and reference["q005"][name] <= median <= reference["q995"][name]


def posterior_verdict(chains: np.ndarray, model: Model, reference: dict) -> Verdict:
    """Whether the posterior medians of plausible ``chains`` of ``model`` are near the ``reference`` posterior's.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        Chains in the model's order of components.
    model : `engine.models.Model`
        Their model.
    reference : dict
        The reference summary of that model (see `median_supported`).

    Returns
    -------
    Verdict
    """
    medians = np.median(chains.reshape(-1, chains.shape[-1]), axis=0)
    off = [name for name, median in zip(model.paramnames, medians) if not median_supported(median, reference, name)]
    if off:
        return fail(Reason.FAR_FROM_REFERENCE,
                    f"The posterior medians of {', '.join(off)} are far from what the data support. "
                    "Check the likelihood, the priors, the parameter order and the mask.")
    return ok()
