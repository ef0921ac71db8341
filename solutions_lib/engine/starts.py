"""Where the optimiser and the walkers start.

`optimiser_starts`: parameter vectors around the data's initial guess (single model) or
built from the single model's maximum (double model), for `optimize.maximize`;
`nested_start`: the single model's maximum as a double-model point with a
vanishing compact component, from which the double optimiser always starts.
`walker_starts`: the ensemble's starting points, drawn from the Laplace
approximation at the maximum and, for the double model, partly spread over
the compact component's parameters where the data leave them free.
"""
from __future__ import annotations

import numpy as np

from .priors import BETA_BOUNDS, CORE_RATIO_MIN, I_BETA, I_BETA2, I_RC, I_RC2, I_S02, RC_MIN, fluxes
from .sampler import start_points

SPREAD_SHARE_EFOLDS = 8.0     # compact shares tried: the maximum's down to e^-8 of it
SPREAD_LOGPOST_DROP = 10.0    # accept spread starts within this of the maximum's log-posterior
SPREAD_TRIES = 400
NESTED_SHARE = 1e-6           # the compact component's share of the flux in `nested_start`


def share_at_most(theta: np.ndarray, share: float) -> np.ndarray:
    """``theta`` (double) with S0 lowered, if need be, so that the compact component
    carries at most ``share`` of the flux (the prior allows up to `priors.F_SHARE_MAX`)."""
    total, current = fluxes(theta)
    if current > share:
        theta = theta.copy()
        f1 = current * total
        theta[2] *= share / (1 - share) * (total - f1) / f1
    return theta


def into_prior(theta: np.ndarray, share: float) -> np.ndarray:
    """A double-model start moved just inside the prior: core radii above the lower bound,
    rc2 >= CORE_RATIO_MIN rc, beta >= beta2, compact share at most ``share``."""
    theta = np.array(theta, dtype=float)
    theta[I_RC] = max(theta[I_RC], 1.05 * RC_MIN)
    theta[I_RC2] = max(theta[I_RC2], 1.05 * CORE_RATIO_MIN * theta[I_RC])
    theta[I_BETA] = max(theta[I_BETA], theta[I_BETA2])
    return share_at_most(theta, share)


def nested_start(single_map: np.ndarray) -> np.ndarray:
    """The single model's maximum as a double-model point: it is the extended component, and a
    compact one (a quarter of its core radius, steeper) carries `NESTED_SHARE` of the flux.

    Its log-likelihood is the single maximum's to within that share; the
    optimiser (`optimize.maximize`) always runs from its best start and never
    ends below it, so with this start among the others the double maximum
    cannot fall below the single one. It is also the right start where the
    data need no core (measured on cl_j0309 with a 1% share: the other starts
    led Powell to a point 100 in log-likelihood below the one reached from
    here). (Where
    the single core radius is below 2.1 pixels, `into_prior` must widen the
    extended component to make room for a compact one of at least 1 pixel,
    and the point is no longer the single maximum.)
    """
    x0, y0, S0, rc, beta, B = single_map
    return into_prior(np.array([x0, y0, S0, rc / 4.0, min(max(beta, 0.6) * 1.3, 2.5), B, S0, rc, beta]),
                      NESTED_SHARE)


def optimiser_starts(guess: np.ndarray, model: str, single_map=None) -> list:
    """Starting parameter vectors (natural units) for the optimiser.

    ``guess``: `optimize.initial_guess` of the data (single-model parameters
    read off the image); ``single_map``: the single model's maximum (double
    model only).
    """
    if model == "single":
        return [guess * np.array([1, 1, f, rc / 8.0, 1, 1])
                for f, rc in ((1.0, 8.0), (0.5, 25.0), (2.0, 3.0))]
    x0, y0, S0, rc, beta, B = single_map
    # A compact bright core inside a wider component, in a few proportions of the single fit ...
    scaled = [
        np.array([x0, y0, S0 * f, rc * g, min(max(beta, 0.5) * 1.2, 2.5), B, S0 * h, rc * k, beta])
        for f, g, h, k in ((1.0, 0.5, 0.1, 2.5), (0.7, 0.3, 0.2, 1.5), (1.5, 0.4, 0.05, 4.0))
    ]
    # ... and typical cores and haloes, for when the single fit is a shallow cusp (rc ~ 1 pixel,
    # beta < 0.5) from which the scaled starts are all far too small: measured on cl_j1720,
    # whose true double model is 3900 in log-likelihood above the maximum reached from those.
    background = guess[5]
    typical = [
        np.array([x0, y0, S0 * (1 - halo), rc_core, 0.9, background, S0 * halo, rc_halo, 0.65])
        for halo, rc_core, rc_halo in ((0.02, 3.0, 30.0), (0.1, 6.0, 40.0), (0.3, 8.0, 25.0))
    ]
    # ... and the single maximum itself, with a vanishing compact component (`nested_start`).
    return [into_prior(start, 0.4) for start in scaled + typical] + [nested_start(single_map)]


def walker_starts(logpost_batch, z_map, cov, n_walkers: int, model: str, rng) -> np.ndarray:
    """Starting points of the walkers (sampler coordinates).

    All are drawn from the Laplace approximation at the maximum; for the
    double model up to half of them are then replaced by points whose
    compact share is smaller than the maximum's (down to e^-8 of it) and
    whose compact core radius and slope are drawn uniformly over the prior,
    kept if their log-posterior is within 10 of the maximum's. Where the
    data need no core those points abound, and the walkers start spread over
    the region they must explore (measured on cl_j0309: from the Laplace
    ball alone R stayed above 1.05 for 2900 steps); where there is a core
    almost none qualify and the Laplace draws stay.
    """
    walkers = start_points(logpost_batch, z_map, cov, n_walkers, rng)
    if model != "double":
        return walkers
    best = logpost_batch(z_map[None, :])[0]
    candidates = walkers[rng.integers(n_walkers, size=SPREAD_TRIES)].copy()
    rc2 = np.exp(z_map[I_RC2] + 0.5 * z_map[I_BETA2])        # at the maximum (see priors)
    beta2 = (np.exp(z_map[I_BETA2]) + 0.5) / 3.0
    log_rc = rng.uniform(np.log(RC_MIN), np.log(rc2 / CORE_RATIO_MIN), SPREAD_TRIES)
    beta = rng.uniform(beta2, BETA_BOUNDS[1], SPREAD_TRIES)
    v = np.log(3.0 * beta - 0.5)
    candidates[:, I_BETA] = v
    candidates[:, I_RC] = log_rc - 0.5 * v
    candidates[:, I_S02] = z_map[I_S02] - rng.uniform(0.0, SPREAD_SHARE_EFOLDS, SPREAD_TRIES)
    good = candidates[logpost_batch(candidates) >= best - SPREAD_LOGPOST_DROP]
    keep = min(len(good), n_walkers // 2)
    if keep:
        walkers[rng.permutation(n_walkers)[:keep]] = good[:keep]
    return walkers
