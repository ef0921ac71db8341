"""Fitting the single- and double-beta models: maximum, samples, diagnostics, DIC.

Public API::

    fit1 = fit_single(data, seed=1)
    fit2 = fit_double(data, seed=1, single=fit1)   # starts from fit1's maximum
    fit2.chains      # (n_chains, n_samples, 9): paramnames2 order, natural units, burn-in removed
    fit2.map, fit2.median, fit2.R, fit2.neff, fit2.dic, fit2.seconds

Recipe: (0) the prior's bounds from the data's own scale (`priors.Prior`);
(1) posterior maximum by Powell's method in sampler coordinates
(`models`) from starts derived from the data (`models.Model.optimiser_starts`,
`optimize`); reported as
``map`` it is the maximum of the likelihood inside the prior, i.e. of the
posterior density with respect to the coordinates in which the prior is
uniform (`models.Model.to_flat`); (2) the Laplace covariance there; (3) emcee
with differential-evolution and snooker moves (`sampler`), walkers started
from the Laplace approximation (`models.Model.walker_starts`), burn-in
discarded; each walker is one chain (the model's ``schedule``: 12 single,
24 double); (4) production
in blocks until the convergence targets hold; (5) the fit's self-checks
(`selfcheck`: no posterior pressed against a prior bound, no degenerate
components, the double maximum at least the single one), in ``checks``.

Convergence is judged exactly as the notebook judges it, with
``incredible.GelmanRubinR(chains)`` and
``incredible.effective_samples(chains, maxlag=750, throw=True)``, against
targets with a margin over the notebook's asserts: R < 1.05 (notebook 1.1)
and n_eff >= 1.5 times the model's ``min_neff`` (`neff_target`: 300 single /
225 double, notebook 200 / 150). If the targets
are not met the chains are extended (if R is the problem the first third of
production may be discarded as extra burn-in; if n_eff cannot be estimated
within maxlag the chains are thinned by 2, 4, ... keeping >= 800 samples),
up to ``max_steps`` per walker; beyond it a `ConvergenceError` (carrying
the unconverged result) says what was reached.

Clusters without a cool core: the data then do not need the second
component, and with independent log-uniform priors on S0 and S02 the
double-beta posterior ran into a funnel (the superfluous amplitude towards
its lower bound, its rc and beta free) where no chain converged. The prior
on the total flux and the compact share (`models.double`) keeps it well posed,
and `models.DoubleBeta.walker_starts` spreads some walkers over the compact
component's free parameters; measured on cl_j0309, the double fit then
converges in the usual schedule (900 production steps).

Known limitation (measured): when the cluster has no cool core and a
large, shallow core (a simulated cl_j2019, truth rc = 40 px, beta = 0.58),
the double posterior has a long tail towards two similar components (the
compact share reaches 0.27 at its 95th percentile with rc near rc2/2), and
after 16 000 steps per walker R was still 1.06-1.10 and n_eff ~115. Such a
data set is not in the catalogue.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from . import convergence
from .dic import compute_dic
from .likelihood import PixelData, loglike, loglike_batch
from .models import DOUBLE, SINGLE, Model
from .optimize import initial_guess, laplace_covariance, maximize
from .priors import Prior
from .sampler import Ensemble, Schedule, say
from .selfcheck import FitChecks, FitCheckWarning, check_fit

R_TARGET = 1.05
NEFF_MARGIN = 1.5     # the n_eff target over the notebook's threshold (`models.Model.min_neff`)
STARTS_TO_OPTIMISE = 2  # how many of the data-derived starting points the optimiser runs from (best first)


def neff_target(model: Model) -> int:
    """The effective sample size every parameter of a ``model`` fit must reach.

    It is `NEFF_MARGIN` times the notebook's threshold.

    Parameters
    ----------
    model : `models.Model`
        The fitted model; its ``min_neff`` is the notebook's threshold.

    Returns
    -------
    int
    """
    return round(NEFF_MARGIN * model.min_neff)


class ConvergenceError(RuntimeError):
    """The chains did not meet the convergence targets within the step bound.

    Attributes
    ----------
    result : FitResult
        The unconverged fit (chains, diagnostics, DIC).
    """

    result = None


@dataclass
class FitResult:
    """Outcome of one fit; arrays are in paramnames order and natural units.

    Attributes
    ----------
    model : `models.Model`
        The fitted model.
    paramnames : list of str
        The model's parameter names, the order of every array.
    chains : ndarray, shape (n_chains, n_samples, n_params)
        Posterior samples, burn-in removed; each emcee walker is one chain.
    map : ndarray, shape (n_params,)
        The posterior maximum.
    R : ndarray, shape (n_params,)
        ``incredible.GelmanRubinR`` of the chains.
    neff : ndarray, shape (n_params,)
        ``incredible.effective_samples`` with maxlag `convergence.MAXLAG`.
    dic : float
        DIC without the sum(log N!) constant (nan if not computed).
    seconds : float
        Wall time of the whole fit, including the DIC.
    acceptance : float
        The sampler's mean acceptance fraction.
    prior : `priors.Prior`
        The bounds the fit used (set from the data).
    extra : dict
        Further records: ``loglike_max``, ``evaluations``,
        ``log_factorial_sum``, ``converged`` and, for a nested model,
        ``nested_loglike_max``.
    checks : `selfcheck.FitChecks`
        The fit's self-checks; passed when empty.
    """

    model: Model
    paramnames: list
    chains: np.ndarray           # (n_chains, n_samples, n_params), burn-in removed
    map: np.ndarray              # posterior maximum
    R: np.ndarray                # incredible.GelmanRubinR
    neff: np.ndarray             # incredible.effective_samples(maxlag=convergence.MAXLAG)
    dic: float                   # DIC without the sum(log N!) constant (nan if not computed)
    seconds: float               # wall time of the whole fit (including DIC)
    acceptance: float
    prior: Prior                 # the bounds the fit used (set from the data, see `priors`)
    extra: dict = field(default_factory=dict)
    checks: FitChecks = FitChecks()   # the fit's self-checks (`selfcheck`); passed when empty

    @property
    def samples(self) -> np.ndarray:
        return self.chains.reshape(-1, self.chains.shape[-1])

    @property
    def median(self) -> np.ndarray:
        return np.median(self.samples, axis=0)

    @property
    def mean(self) -> np.ndarray:
        return self.samples.mean(axis=0)

    @property
    def sd(self) -> np.ndarray:
        return self.samples.std(axis=0, ddof=1)

    def percentile(self, q: float) -> np.ndarray:
        """The ``q``-th percentile of each parameter's pooled samples.

        Parameters
        ----------
        q : float
            Percentile, 0-100.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        return np.percentile(self.samples, q, axis=0)

    def as_dict(self, values) -> dict:
        """Name each value by its parameter.

        Parameters
        ----------
        values : array_like, shape (n_params,)
            Values in paramnames order.

        Returns
        -------
        dict
            ``{name: float}``.
        """
        return {name: float(v) for name, v in zip(self.paramnames, values)}

    def summary(self) -> dict:
        """JSON-ready summary (what the CLI prints)."""
        return {
            "model": self.model.name, "paramnames": list(self.paramnames),
            "map": self.as_dict(self.map), "median": self.as_dict(self.median),
            "R": self.as_dict(self.R), "neff": self.as_dict(self.neff),
            "dic": self.dic, "seconds": round(self.seconds, 2),
            "converged": bool(self.extra.get("converged", True)),
            "loglike_max": float(self.extra["loglike_max"]),
            "prior": self.prior.as_dict(),
            "checks": self.checks.as_dict(),
        }


def diagnostics(chains: np.ndarray):
    """incredible's R and n_eff, as the notebook computes them.

    n_eff uses maxlag `convergence.MAXLAG` and throw=True; it is 0 where
    incredible cannot estimate it (it raises when the autocorrelation has
    not died out within maxlag, or chains are too short).

    Parameters
    ----------
    chains : ndarray, shape (n_chains, n_samples, n_params)
        The samples.

    Returns
    -------
    R : ndarray, shape (n_params,)
    neff : ndarray, shape (n_params,)
    """
    R = convergence.gelman_rubin(chains)
    try:
        neff = convergence.effective_samples(chains)
    except convergence.MaxlagTooShort:
        neff = np.zeros(chains.shape[-1])
    return R, neff


def converged(R, neff, model: Model) -> bool:
    """Whether R and n_eff of ``model`` chains meet `R_TARGET` and `neff_target`.

    Parameters
    ----------
    R, neff : ndarray, shape (n_params,)
        The chains' diagnostics (see `diagnostics`).
    model : `models.Model`
        The fitted model.

    Returns
    -------
    bool
    """
    return bool(np.all(R < R_TARGET) and np.all(neff >= neff_target(model)))


class Posterior:
    """Log-posterior of a model and the good pixels, in sampler coordinates.

    Parameters
    ----------
    pixels : `likelihood.PixelData`
        The good pixels.
    model : `models.Model`
        The model; its coordinates and support.
    prior : `priors.Prior`
        The prior bounds.
    """

    def __init__(self, pixels: PixelData, model: Model, prior: Prior):
        self.pixels, self.model, self.prior = pixels, model, prior

    def batch(self, z) -> np.ndarray:
        """Log-posterior density in z for rows of z.

        The likelihood plus the log prior density in z (`models.Model.log_jacobian_z`).

        Parameters
        ----------
        z : array_like, shape (n, ndim) or (ndim,)
            Points in sampler coordinates.

        Returns
        -------
        ndarray, shape (n,)
            -inf outside the prior or where the likelihood is not finite.
        """
        z = np.atleast_2d(np.asarray(z, dtype=float))
        theta = self.model.from_sampler(z)
        out = np.full(z.shape[0], -np.inf)
        ok = self.model.in_support(theta, self.prior)
        if ok.any():
            values = loglike_batch(theta[ok], self.pixels) + self.model.log_jacobian_z(z[ok])
            out[ok] = np.where(np.isfinite(values), values, -np.inf)
        return out

    def objective(self, z) -> float:
        """Log-likelihood inside the prior, -inf outside.

        This is the posterior density with respect to the prior's own flat
        coordinates, whose maximum is reported as MAP.

        Parameters
        ----------
        z : array_like, shape (ndim,)
            A point in sampler coordinates.

        Returns
        -------
        float
        """
        theta = self.model.from_sampler(np.asarray(z, dtype=float))
        if not self.model.in_support(theta, self.prior)[0]:
            return -np.inf
        value = loglike(theta, self.pixels)
        return value if np.isfinite(value) else -np.inf


def fit(data, model: Model, seed: int = 0, nested_map=None, progress: bool = True,
        with_dic: bool = True, require_convergence: bool = True, **schedule) -> FitResult:
    """Fit ``model`` to the good pixels of ``data``.

    The prior is set from the data (`priors.Prior.from_pixels`). The
    finished fit checks itself (`selfcheck.check_fit`): its ``checks`` say
    what failed, and a `selfcheck.FitCheckWarning` is issued.

    Parameters
    ----------
    data : dict or `likelihood.PixelData`
        The tutorial's data dict (``flatim``, ``flatex``, ``flatx``,
        ``flaty``, ``im``) or a `PixelData`, converted once here.
    model : `models.Model`
        What to fit (`models.SINGLE`, `models.DOUBLE`).
    seed : int
        Seeds the walkers' starts and the sampler: a fit is reproducible.
    nested_map : ndarray, shape (model.nested.n_params,), optional
        The maximum of the model that ``model`` contains (`models.Model.nested`),
        found here if not given: among ``model``'s optimiser starts, so that
        its maximum is at least the nested one's (the double model starts
        from the single one's, `models.double.nested_start`).
    progress : bool
        Progress messages on stderr.
    with_dic : bool
        Compute the DIC (else nan).
    require_convergence : bool
        If False, return after the first production block whatever the
        diagnostics say (for quick tests).
    **schedule
        ``n_walkers`` (chains), ``n_burn``, ``block``, ``max_steps`` (steps
        per walker) override the model's ``schedule``.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        If the data are unusable, hold no counts, or there are too few
        walkers for the model.
    ConvergenceError
        If ``require_convergence`` and the targets were not met within
        ``max_steps``; its ``result`` holds the unconverged fit.
    """
    started = time.perf_counter()
    plan = _schedule(model, schedule)
    pixels = PixelData.from_data(data)
    prior = Prior.from_pixels(pixels)
    post = Posterior(pixels, model, prior)
    rng = np.random.default_rng(seed)

    def report(message):
        say(model.name, f"{message} ({time.perf_counter() - started:.1f} s)", progress)

    guess = initial_guess(pixels)
    extra = {}
    if model.nested is not None:
        if nested_map is None:
            nested_map = _maximum(pixels, model.nested, guess, prior)
        extra["nested_loglike_max"] = loglike(nested_map, pixels)
    starts = [model.pull_inside(start, prior) for start in model.optimiser_starts(guess, nested_map)]
    theta_map, loglike_max = maximize(post.objective, starts, model, n_best=STARTS_TO_OPTIMISE)
    z_map = model.sampler_centre(theta_map)
    cov = laplace_covariance(post.objective, z_map)
    report(f"posterior maximum found, log-likelihood {loglike_max:.2f}; "
           f"sampling with {plan.n_walkers} walkers")

    sampler = Ensemble(post.batch, model.walker_starts(post.batch, z_map, cov, plan.n_walkers, rng),
                       seed=int(rng.integers(2**31)), label=model.name, progress=progress)
    chains, R, neff, discard, failed = _sample_until_converged(sampler, model, plan, require_convergence, report)
    theta_map, loglike_max = _polish_maximum(post, sampler, discard, theta_map, loglike_max)
    dic = compute_dic(chains, pixels, model) if with_dic else float("nan")
    extra.update(loglike_max=loglike_max, evaluations=sampler.evaluations,
                 log_factorial_sum=pixels.log_factorial_sum, converged=not failed)
    result = FitResult(model, list(model.paramnames), chains, theta_map, R, neff, dic,
                       time.perf_counter() - started, sampler.acceptance, prior, extra)
    result.checks = check_fit(result)
    if not result.checks.passed:
        warnings.warn(f"The {model.name} fit failed its self-checks:\n" + "\n".join(result.checks.lines()),
                      FitCheckWarning, stacklevel=3)      # the caller of fit_single / fit_double
    if failed:
        raise _convergence_error(result, plan)
    report(f"done; DIC = {dic:.2f}")
    return result


def _schedule(model: Model, overrides: dict) -> Schedule:
    """``model.schedule`` with the given entries (None: keep) replaced; checks the walkers."""
    plan = replace(model.schedule, **{key: int(value) for key, value in overrides.items() if value is not None})
    if plan.n_walkers < max(4, 2 * model.n_params):
        raise ValueError(f"Use at least {max(4, 2 * model.n_params)} walkers (chains) for the {model.name} model.")
    return plan


def _sample_until_converged(sampler: Ensemble, model: Model, plan: Schedule, require_convergence: bool, report):
    """Burn in, then run production blocks until the targets hold or ``plan.max_steps`` is reached.

    Returns (chains in natural units, R, n_eff, steps discarded from the
    start of production, whether the targets were missed).
    """
    sampler.run(plan.n_burn, what="burn-in")
    sampler.reset()
    discard = 0
    sampler.run(plan.block)
    while True:
        chains, R, neff, thin = _assess(sampler.chain(discard), model)
        total = sampler.chain().shape[1]
        if not np.all(R < R_TARGET) and total >= 2 * plan.block:
            # Treat the first third of production as further burn-in if that helps R.
            later = _assess(sampler.chain(total // 3), model)
            if np.all(later[1] < R_TARGET):
                discard = total // 3
                chains, R, neff, thin = later
        report(f"{total - discard} steps/walker kept, thinned by {thin}: max R = {R.max():.3f}, "
               f"min n_eff = {neff.min():.0f}")
        if converged(R, neff, model) or not require_convergence:
            return chains, R, neff, discard, False
        if total + plan.block // 2 > plan.max_steps:
            return chains, R, neff, discard, True
        sampler.run(max(plan.block // 2, total // 4), what="extending")


def _polish_maximum(post: Posterior, sampler: Ensemble, discard: int, theta_map, loglike_max):
    """The maximum again from the best sample, if the chains found a higher likelihood."""
    model = post.model
    z_all = sampler.chain(discard).reshape(-1, model.n_params)
    log_like = sampler.sampler.get_log_prob(flat=True, discard=discard) - model.log_jacobian_z(z_all)
    best = model.from_sampler(z_all[np.argmax(log_like)])
    if post.objective(model.to_sampler(best)) > loglike_max + 1e-6:
        return maximize(post.objective, [best], model, n_best=1, polish=False)
    return theta_map, loglike_max


def _convergence_error(result: FitResult, plan: Schedule) -> ConvergenceError:
    """The error that carries an unconverged ``result``."""
    model, R, neff = result.model, result.R, result.neff
    error = ConvergenceError(
        f"The {model.name} fit did not reach R < {R_TARGET} and n_eff >= {neff_target(model)} "
        f"within {plan.max_steps} steps per walker (max R = {R.max():.3f}, "
        f"min n_eff = {neff.min():.0f}). The posterior is probably degenerate (e.g. a second "
        "component the data do not need); the unconverged result is in this error's .result."
    )
    error.result = result
    return error


def _assess(z_chain: np.ndarray, model: Model):
    """Diagnostics of the chains (sampler coordinates in, natural units out), thinned if need be.

    incredible's n_eff needs the autocorrelation to die out within maxlag =
    750 stored samples; for slowly mixing (long) chains, keeping every k-th
    step (k = 1, 2, 4, ...; at least 800 samples kept) lets it do so.
    Returns (chains, R, neff, k) for the first k that meets the targets,
    else for the k with the largest n_eff relative to its target.
    """
    best = None
    k = 1
    while k == 1 or z_chain.shape[1] // k >= convergence.MAXLAG + 50:
        chains = model.from_sampler(z_chain[:, ::k])
        R, neff = diagnostics(chains)
        candidate = (chains, R, neff, k)
        if converged(R, neff, model):
            return candidate
        if best is None or neff.min() > best[2].min():
            best = candidate
        if neff.min() >= neff_target(model):
            break          # R is what fails; thinning does not change it
        k *= 2
    return best


def _maximum(pixels: PixelData, model: Model, guess: np.ndarray, prior: Prior) -> np.ndarray:
    """The posterior maximum of a ``model`` that contains no other, from its starts around ``guess``
    (`optimize.initial_guess`)."""
    post = Posterior(pixels, model, prior)
    return maximize(post.objective, model.optimiser_starts(guess, None), model)[0]


def fit_single(data, seed: int = 0, progress: bool = True, **options) -> FitResult:
    """Fit one beta component plus background (see `fit`).

    Parameters
    ----------
    data : dict or `likelihood.PixelData`
        The tutorial's data dict or the pixels.
    seed : int, optional
        Seeds the fit.
    progress : bool, optional
        Progress messages on stderr.
    **options
        Further arguments of `fit` (``with_dic``, ``require_convergence``,
        schedule overrides).

    Returns
    -------
    FitResult
    """
    return fit(data, SINGLE, seed, progress=progress, **options)


def fit_double(data, seed: int = 0, single: FitResult | None = None, progress: bool = True,
               **options) -> FitResult:
    """Fit two concentric beta components plus background, starting from ``single``'s maximum.

    Parameters
    ----------
    data : dict or `likelihood.PixelData`
        The tutorial's data dict or the pixels.
    seed : int, optional
        Seeds the fit.
    single : FitResult, optional
        A single-model fit of the same data; without it the single maximum
        is found here.
    progress : bool, optional
        Progress messages on stderr.
    **options
        Further arguments of `fit` (``with_dic``, ``require_convergence``,
        schedule overrides).

    Returns
    -------
    FitResult
    """
    return fit(data, DOUBLE, seed, nested_map=None if single is None else single.map, progress=progress, **options)
