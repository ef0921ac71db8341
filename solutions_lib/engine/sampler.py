"""Ensemble MCMC (emcee with differential-evolution moves) in sampler coordinates.

Why this sampler, by measurement on the default data set (double-beta model,
255k pixels; see benchmarks/bench_engine.py):

* adaptive-covariance random-walk Metropolis (4 chains, covariance learnt in
  burn-in) reached R < 1.05 but its autocorrelation never decayed within
  incredible's maxlag = 750 (n_eff could not be estimated even after 16000
  steps per chain): the core component's rc-beta degeneracy is curved;
* emcee's differential-evolution moves (80% DEMove, 20% snooker moves),
  walkers started in a ball drawn from the Laplace approximation at the
  maximum: in (log S0, log rc, beta) coordinates, 32 walkers x 1000 steps
  gave min n_eff = 264 (incredible), i.e. ~120 steps per independent
  sample, but R up to 1.07; with the sampler coordinates that also
  straighten the rc-beta banana (see `priors`), 24 walkers x 900 steps
  gave min n_eff = 366 (~60 steps per independent sample) and R = 1.034;
* every step evaluates half of the walkers in one threaded call
  (``vectorize=True`` + `likelihood.loglike_batch`), so both cores work.

The snooker move is `moves.SnookerMove`, not emcee 3.1.6's DESnookerMove,
which does not sample its target (tests/engine/test_sampler.py). Measured on
counts drawn exactly from the model on cl_j0142's layout (posterior sd over
Fisher sd at the truth for x0, y0, S0, rc, beta, B, S02, rc2, beta2): with
emcee's move in the mix, 900 steps gave 0.83 0.84 0.76 1.10 1.43 0.89 0.64
0.63 0.77; with the corrected move, 8000 steps (the long-run reference)
0.97 0.97 0.93 1.53 2.16 1.01 0.82 0.79 0.92 (DE moves alone, 8000 steps,
the same within 0.03), and 900 DE-only steps 0.97 1.01 0.92 1.39 1.92 1.01
0.80 0.78 0.91. So the narrow rc, beta and S02 came from the snooker move,
not from short runs; the remaining departures from Fisher of rc, beta (a
skewed, prior-bounded ridge) and of the halo parameters are properties of
the posterior, which the long runs share. `make validate` checks coverage.

Each walker is reported as one chain (n_walkers >= 16 >= 4 chains).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import emcee
import numpy as np

from .moves import SnookerMove


@dataclass(frozen=True)
class Schedule:
    """Walkers (= chains) and steps per walker of one fit.

    Parameters
    ----------
    n_walkers : int
        Walkers of the ensemble; each is reported as one chain.
    n_burn : int
        Steps of burn-in, discarded.
    block : int
        Steps of the first production block; each extension adds at least half a block.
    max_steps : int
        Production steps per walker after which the fit gives up.
    """

    n_walkers: int
    n_burn: int
    block: int
    max_steps: int


def say(label: str, message: str, enabled: bool = True) -> None:
    """Print a progress message, tagged with ``label``, on stderr.

    Parameters
    ----------
    label : str
        Shown in brackets before the message (e.g. the model's name).
    message : str
        The text.
    enabled : bool, optional
        If False, print nothing.
    """
    if enabled:
        print(f"[{label}] {message}", file=sys.stderr, flush=True)


def de_moves():
    """80% differential-evolution moves, 20% snooker moves.

    The snooker move is `moves.SnookerMove`, not emcee 3.1.6's
    DESnookerMove, which does not sample its target.

    Returns
    -------
    list of (emcee move, float)
        Moves and their weights, as ``emcee.EnsembleSampler(moves=...)`` takes them.
    """
    return [(emcee.moves.DEMove(), 0.8), (SnookerMove(), 0.2)]


def start_points(logpost_batch, z_map, cov, n_walkers, rng, spread=1.0, tries=200):
    """Walkers drawn from the Laplace approximation, keeping only points with finite posterior.

    The draws start at ``spread`` times the approximation's width; the
    width is halved after every 10 tries that did not yield enough points.

    Parameters
    ----------
    logpost_batch : callable
        ``logpost_batch(z) -> ndarray`` of shape ``(n,)`` for rows ``z`` of
        shape ``(n, ndim)``.
    z_map : ndarray, shape (ndim,)
        The maximum, in sampler coordinates.
    cov : ndarray, shape (ndim, ndim)
        The Laplace covariance there.
    n_walkers : int
        How many points to return.
    rng : numpy.random.Generator
        Source of the draws.
    spread : float, optional
        Initial scale of the width.
    tries : int, optional
        The most batches of ``n_walkers`` draws.

    Returns
    -------
    ndarray, shape (n_walkers, ndim)

    Raises
    ------
    RuntimeError
        If ``tries`` batches did not give ``n_walkers`` finite points.
    """
    chol = np.linalg.cholesky(cov + 1e-12 * np.mean(np.diag(cov)) * np.eye(z_map.size))
    points = []
    s = spread
    for attempt in range(tries):
        z = z_map + s * (rng.standard_normal((n_walkers, z_map.size)) @ chol.T)
        ok = np.isfinite(logpost_batch(z))
        points.extend(z[ok])
        if len(points) >= n_walkers:
            return np.array(points[:n_walkers])
        if attempt % 10 == 9:
            s *= 0.5
    raise RuntimeError("Could not find starting points with finite posterior near the maximum.")


class Ensemble:
    """emcee.EnsembleSampler with DE moves, seeded, run in chunks with progress on stderr.

    Parameters
    ----------
    logpost_batch : callable
        Vectorised log-posterior: rows ``z`` of shape ``(n, ndim)`` to an
        array of shape ``(n,)``.
    starts : array_like, shape (nwalkers, ndim)
        The walkers' starting points, in sampler coordinates.
    seed : int
        Seeds emcee's random state (taken modulo 2^32).
    label : str, optional
        Tag of the progress messages.
    progress : bool, optional
        Whether to print progress on stderr.
    moves : list of (emcee move, float), optional
        Replaces the default `de_moves`.
    """

    def __init__(self, logpost_batch, starts, seed, label="mcmc", progress=True, moves=None):
        self.starts = np.array(starts, dtype=float)
        n_walkers, ndim = self.starts.shape
        self.sampler = emcee.EnsembleSampler(n_walkers, ndim, logpost_batch, vectorize=True,
                                             moves=de_moves() if moves is None else moves)
        self.sampler.random_state = np.random.RandomState(seed % (2**32)).get_state()
        self.state = None
        self.label, self.progress = label, progress
        self.evaluations = 0

    @property
    def n_walkers(self) -> int:
        return self.starts.shape[0]

    def run(self, n_steps: int, what: str = "sampling"):
        """Advance all walkers ``n_steps``, appending to the stored chain.

        Parameters
        ----------
        n_steps : int
            Steps per walker.
        what : str, optional
            What the steps are for, in the progress messages.
        """
        last = time.perf_counter()
        done = 0
        while done < n_steps:
            chunk = min(50, n_steps - done)
            self.state = self.sampler.run_mcmc(self.state if self.state is not None else self.starts,
                                               chunk, progress=False)
            done += chunk
            self.evaluations += chunk * self.n_walkers
            if time.perf_counter() - last > 5.0:
                last = time.perf_counter()
                say(self.label, f"{what}: step {done}/{n_steps}, acceptance "
                    f"{np.mean(self.sampler.acceptance_fraction):.2f}", self.progress)

    def reset(self):
        """Forget the stored chain (after burn-in); walkers keep their positions."""
        self.sampler.reset()

    def chain(self, discard: int = 0) -> np.ndarray:
        """The stored samples, one chain per walker, in sampler coordinates.

        Parameters
        ----------
        discard : int, optional
            Steps dropped from the start of each chain.

        Returns
        -------
        ndarray, shape (nwalkers, nsteps, ndim)
            Walker-first, unlike emcee's ``(nsteps, nwalkers, ndim)``.
        """
        return np.swapaxes(self.sampler.get_chain(discard=discard), 0, 1)

    @property
    def acceptance(self) -> float:
        return float(np.mean(self.sampler.acceptance_fraction))
