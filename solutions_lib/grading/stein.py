"""Are handed-in chains draws from this posterior? Stein's identities, judged with their sampling error.

For draws theta from a density p that is negligible at the edges of its
support, the score s = grad ln p obeys

* ``E[s_k] = 0`` (the posterior does not pull its own draws anywhere), and
* ``E[(theta_j - E theta_j) (-s_k)] = delta_jk`` (its spread matches its
  curvature, whatever the parameters' units).

Only the grader can evaluate them: it has the likelihood of the student's
own pixels and its gradient (`engine.score`). The prior's share of the score
is not known (students choose their priors within what the notebook
allows), so the identities are applied only to the parameters the data
determine, read from the trusted reference posterior (`judged_parameters`):
well away from every prior bound and known to better than
``JUDGED_MAX_REL_SD``, so that a prior's gradient moves the mean score by at
most that many standard deviations (``MEAN_TOLERANCE``). The identities hold
whatever the posterior's shape, so curved and skewed posteriors pass; what
fails is what is not a posterior draw: samples centred off the peak (made-up
or shifted points, a point moved to set a DIC), samples too narrow or too
wide, and samples that miss the correlations (independent noise per
parameter). Draws from a Gaussian approximation pass where the posterior is
that Gaussian, and no test of draws can tell those apart.

Each entry is judged against its own standard error, from the integrated
autocorrelation time of its series along the chains (emcee's
`integrated_time`), so long, correlated chains are not held to the error of
independent draws. The figures behind the tolerances are in
``benchmarks/judge_chains.py`` (honest chains of every data set and the
attacks of issue 19).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from emcee.autocorr import integrated_time

from ..engine import priors
from ..engine.likelihood import PixelData
from ..engine.models import Model
from ..engine.score import loglike_and_score

STEIN_SAMPLES = 1600          # draws scored: every chain thinned alike, chains kept apart
JUDGED_MAX_REL_SD = 0.15      # a parameter is judged if the reference knows it to this relative sd ...
BOUND_MARGIN_SD = 1.0         # ... and its central 99% lies this many sd inside every prior bound
MAX_COMPACT_SHARE = 0.4       # normalisations bound by a share are judged only if it stays clear of 1/2
Z_LIMIT = 5.0                 # sampling errors allowed on every entry, on top of the tolerance
MEAN_TOLERANCE = JUDGED_MAX_REL_SD   # a prior's pull on a judged parameter, in sd of its score
SPREAD_TOLERANCE = 0.15       # on the spread-curvature matrix (identity for posterior draws)
SCALE_PARAMS = ("S0", "rc", "B", "S02", "rc2")  # positive parameters whose priors act on ln theta


@dataclass
class SteinResult:
    """The identities' deviations on the judged parameters.

    Parameters
    ----------
    judged : tuple of str
        Names of the judged parameters, in paramnames order.
    mean_score : ndarray, shape (n_judged,)
        Mean score of each, in sd of its score (0 for posterior draws).
    mean_error : ndarray, shape (n_judged,)
        Its standard error.
    spread : ndarray, shape (n_judged, n_judged)
        Spread-curvature matrix, ``-Cov(theta_j, s_k) sd_k / sd_j``
        (identity for posterior draws).
    spread_error : ndarray, shape (n_judged, n_judged)
        Its standard errors, entry by entry.
    tau : ndarray, shape (n_params,)
        Integrated autocorrelation time of every parameter along the chains,
        in handed-in steps (about 1 for independent draws).
    """

    judged: tuple
    mean_score: np.ndarray
    mean_error: np.ndarray
    spread: np.ndarray
    spread_error: np.ndarray
    tau: np.ndarray

    def mean_excess(self) -> np.ndarray:
        """How far each mean score lies beyond what sampling error and the prior explain (> 0 fails)."""
        return np.abs(self.mean_score) - (Z_LIMIT * self.mean_error + MEAN_TOLERANCE)

    def spread_excess(self) -> np.ndarray:
        deviation = np.abs(self.spread - np.eye(len(self.judged)))
        return deviation - (Z_LIMIT * self.spread_error + SPREAD_TOLERANCE)

    def problem(self) -> str | None:
        """What marks the samples as not drawn from the posterior, in words, or None."""
        mean_excess, spread_excess = self.mean_excess(), self.spread_excess()
        if not (np.all(np.isfinite(mean_excess)) and np.all(np.isfinite(spread_excess))):
            return ("The likelihood's gradient is not finite at some of these samples (a parameter at an "
                    "impossible value): check the parameter order and the prior bounds.")
        if mean_excess.size and mean_excess.max() > 0:
            k = int(np.argmax(mean_excess))
            return (f"These samples are not centred where the posterior is: at them the likelihood still "
                    f"pulls `{self.judged[k]}` one way (its gradient averages {self.mean_score[k]:+.2f} of its "
                    "standard deviation; draws from the posterior average 0). Sample the posterior itself, "
                    "starting from its maximum.")
        if spread_excess.size and spread_excess.max() > 0:
            j, k = np.unravel_index(int(np.argmax(spread_excess)), spread_excess.shape)
            if j == k:
                size = "narrow" if self.spread[j, j] < 1 else "wide"
                return (f"These samples are too {size} for this posterior: along `{self.judged[j]}` their spread "
                        f"is {self.spread[j, j]:.2f} times what the curvature of the likelihood there implies "
                        "(1 for draws from the posterior). Sample the posterior with all parameters free.")
            return (f"These samples do not follow the posterior's correlations: between `{self.judged[j]}` and "
                    f"`{self.judged[k]}` their spread and the likelihood's curvature disagree "
                    f"({self.spread[j, k]:+.2f}, 0 for draws from the posterior). Independent noise around a "
                    "point does this; sample the posterior itself.")
        return None

    def looks_independent(self) -> bool:
        """Integrated autocorrelation time below 1.5 steps in every parameter: unlike MCMC chains."""
        return bool(np.all(self.tau < 1.5))


def judged_parameters(reference: dict, model: Model) -> tuple:
    """Names of the parameters the data determine, from the reference posterior of ``model``.

    Left out: parameters near a bound of the prior or known only loosely,
    those whose interval reaches a wall between parameters
    (`models.Model.walled_names`), and the normalisations bound by the
    compact share (`models.Model.share_names`) when that share may approach
    its ceiling.

    Parameters
    ----------
    reference : dict
        `reference.reference_for`'s summary: ``median``, ``sd``, ``q005``,
        ``q995`` (each name -> value), the ``prior`` it was sampled under and,
        for the double model, ``compact_share``.
    model : `engine.models.Model`
        The model.

    Returns
    -------
    tuple of str
        In paramnames order.
    """
    names = model.paramnames
    lower, upper = model.box(priors.Prior.from_dict(reference["prior"]))
    median, sd = reference["median"], reference["sd"]
    low_q, high_q = reference["q005"], reference["q995"]
    judged = []
    for i, name in enumerate(names):
        margin = BOUND_MARGIN_SD * sd[name]
        if low_q[name] - lower[i] < margin or upper[i] - high_q[name] < margin:
            continue
        if name not in ("x0", "y0") and sd[name] > JUDGED_MAX_REL_SD * abs(median[name]):
            continue
        judged.append(name)
    left_out = set(model.walled_names(low_q, high_q))
    if model.share_names and reference.get("compact_share", {}).get("q95", 1.0) > MAX_COMPACT_SHARE:
        left_out.update(model.share_names)
    return tuple(name for name in judged if name not in left_out)


def thinned(chains: np.ndarray, n_samples: int | None = None) -> np.ndarray:
    """Every chain thinned by the same stride so that at most about ``n_samples`` draws remain.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        The chains.
    n_samples : int, optional
        Draws wanted in all; `STEIN_SAMPLES` by default.

    Returns
    -------
    ndarray, shape (n_chains, m, n_params)
    """
    n_samples = n_samples or STEIN_SAMPLES
    n_chains, length = chains.shape[:2]
    stride = max(1, int(np.ceil(n_chains * length / n_samples)))
    return chains[:, ::stride]


def _standard_errors(series: np.ndarray) -> np.ndarray:
    """Standard error of the mean of each series (n_chains, n_samples, n_series), from its autocorrelation."""
    n_chains, n_samples = series.shape[:2]
    tau = np.maximum(integrated_time(np.swapaxes(series, 0, 1), c=5, tol=0, quiet=True), 1.0)
    spread = series.reshape(-1, series.shape[-1]).std(axis=0)
    return spread * np.sqrt(tau / (n_chains * n_samples))


def autocorrelation_times(chains: np.ndarray) -> np.ndarray:
    """Integrated autocorrelation time of every parameter, in steps of the handed-in chains.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        The chains.

    Returns
    -------
    ndarray, shape (n_params,)
    """
    return np.asarray(integrated_time(np.swapaxes(chains, 0, 1), c=5, tol=0, quiet=True))


class ZeroSpread(ValueError):
    """Some parameter does not vary across the samples."""


def likelihood_at_draws(chains: np.ndarray, pixels: PixelData) -> tuple[np.ndarray, np.ndarray]:
    """ln L and its gradient (the score) at the draws Stein's identities use.

    Those draws are `thinned` ``chains``, flattened. One pass over the pixels
    gives both: the grader takes the deviances of the same draws for their
    spread and the DIC.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        The chains.
    pixels : `engine.likelihood.PixelData`
        The student's pixels.

    Returns
    -------
    loglike : ndarray, shape (n_draws,)
    score : ndarray, shape (n_draws, n_params)
    """
    return loglike_and_score(thinned(chains).reshape(-1, chains.shape[-1]), pixels)


def stein_statistics(chains: np.ndarray, model: Model, judged: tuple, score: np.ndarray) -> SteinResult:
    """Stein's identities on ``chains`` for the parameters ``judged``.

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        The chains.
    model : `engine.models.Model`
        Their model.
    judged : tuple of str
        The parameters to judge (`judged_parameters`).
    score : ndarray, shape (n_draws, n_params)
        The gradient of ln L at `thinned` ``chains``, flattened
        (`likelihood_at_draws`).

    Returns
    -------
    SteinResult

    Raises
    ------
    ZeroSpread
        If a parameter does not vary, since no posterior of these data fixes
        any parameter exactly.
    """
    names = model.paramnames
    spreads = chains.reshape(-1, chains.shape[-1]).std(axis=0)
    flat = np.flatnonzero(~(spreads > 1e-12 * np.maximum(np.abs(chains).max(axis=(0, 1)), 1e-300)))
    if flat.size:
        raise ZeroSpread(names[int(flat[0])])
    draws = thinned(chains)
    n_chains, n_samples, _ = draws.shape
    index = [names.index(name) for name in judged]
    score = score[:, index].reshape(n_chains, n_samples, -1)
    centred = draws[..., index] - draws[..., index].reshape(-1, len(index)).mean(axis=0)

    standard = score / score.reshape(-1, len(index)).std(axis=0)
    mean_score = standard.reshape(-1, len(index)).mean(axis=0)
    mean_error = _standard_errors(standard)

    # -Cov(theta_j, s_k) sigma_k / sigma_j: the identity matrix for posterior draws. Scaled by the
    # samples' own sd, not whitened: whitening would spread a deviation of one column over all.
    sigma = centred.reshape(-1, len(index)).std(axis=0)
    products = centred[..., :, None] * -score[..., None, :] * (sigma[None, :] / sigma[:, None])
    products = products.reshape(n_chains, n_samples, -1)
    spread = products.reshape(-1, len(index) ** 2).mean(axis=0).reshape(len(index), len(index))
    spread_error = _standard_errors(products).reshape(len(index), len(index))
    return SteinResult(tuple(judged), mean_score, mean_error, spread, spread_error, autocorrelation_times(chains))
