"""`DoubleBeta`: two concentric beta components plus a flat background (the notebook's second model).

Prior: the single model's centre, background, core radii and slopes, with

* rc2 >= 2 rc (``CORE_RATIO_MIN``): component 1 is always the compact one,
  so the components cannot swap labels, and it is compact enough not to be
  a second copy of the extended one (two components of similar size and
  different slopes can mimic one beta component, a degeneracy that no
  sampler crosses quickly); the cool-core truths of the simulator have
  rc2/rc >= 2;
* beta >= beta2: the compact component falls off at least as steeply as
  the extended one (without it, weak cores give a second mode, a compact
  but shallow component that dominates at large radius);
* instead of independent S0 and S02, the total flux inside 100 pixels,
  F = F1 + F2 (`fluxes`), is log-uniform on ``FLUX_RANGE`` times the count
  rate (the cluster cannot give many more counts than the image holds; a
  factor 100 allows for an aperture mostly masked or off the chips), and
  the compact component's share of it, f = F1 / F, is uniform on
  [0, 1/2]. Measured on the cool-core truths of the catalogue the share is
  0.06-0.31. Why: when the data do not need a second component (no cool
  core), independent log-uniform priors on S0 and S02 put most of the
  posterior mass in a funnel towards the lower bound of the superfluous
  amplitude, where its rc and beta are free, and no sampler converges there.
  With a uniform share the superfluous component is small but not
  vanishing, and with f <= 1/2 only the compact one can be the superfluous
  one: the extended component is always the bulk of the cluster.

Sampler coordinates ``(x0, y0, log F, u, v, log B, w, u2, v2)`` with
``f = F_SHARE_MAX * sigmoid(w)`` (the (u, v) pairs as in `priors`).

Starts: the optimiser starts from the single model's maximum (`nested_start`
and proportions of it) and from typical cores and haloes; the walkers from
the Laplace approximation, partly spread over the compact component's
parameters where the data leave them free (`DoubleBeta.walker_starts`).
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from ..flux import flux_per_brightness
from ..model import PARAMNAMES2
from ..priors import BETA_BOUNDS, CORE_RATIO_MIN, F_SHARE_MAX, RC_MIN, Prior
from ..sampler import Schedule
from .base import Model
from .single import SINGLE

# Positions in paramnames2; in sampler and flat coordinates I_S0 and I_S02 hold log F and w (or f).
I_S0, I_RC, I_BETA, I_B, I_S02, I_RC2, I_BETA2 = 2, 3, 4, 5, 6, 7, 8
COMPONENT_1 = [I_S0, I_RC, I_BETA]       # (S0, rc, beta): the compact component
COMPONENT_2 = [I_S02, I_RC2, I_BETA2]    # (S02, rc2, beta2): the extended one

SHARE_Z_LIMIT = 6.0           # |w| of a maximum's share, where the chains start: 0.12% to 49.9%
SPREAD_SHARE_EFOLDS = 8.0     # compact shares tried: the maximum's down to e^-8 of it
SPREAD_LOGPOST_DROP = 10.0    # accept spread starts within this of the maximum's log-posterior
SPREAD_TRIES = 400
NESTED_SHARE = 1e-6           # the compact component's share of the flux in `nested_start`


def fluxes(theta) -> tuple[np.ndarray, np.ndarray]:
    """Total flux F inside `flux.APERTURE` and the compact share f of double-model rows.

    Parameters
    ----------
    theta : array_like, shape (..., 9)
        Double-model parameters in paramnames2 order.

    Returns
    -------
    total : ndarray, shape (...)
        F = F1 + F2.
    share : ndarray, shape (...)
        f = F1 / F.
    """
    theta = np.asarray(theta, dtype=float)
    f1 = theta[..., I_S0] * flux_per_brightness(theta[..., I_RC], theta[..., I_BETA])
    f2 = theta[..., I_S02] * flux_per_brightness(theta[..., I_RC2], theta[..., I_BETA2])
    total = f1 + f2
    return total, f1 / total


def share_at_most(theta: np.ndarray, share: float) -> np.ndarray:
    """``theta`` with S0 lowered, if need be, so that the compact component carries at most ``share`` of the flux.

    The prior allows shares up to `priors.F_SHARE_MAX`.

    Parameters
    ----------
    theta : ndarray, shape (9,)
        Double-model parameters; returned unchanged (not copied) if the share
        is small enough.
    share : float
        The largest share allowed.

    Returns
    -------
    ndarray, shape (9,)
    """
    total, current = fluxes(theta)
    if current > share:
        theta = theta.copy()
        f1 = current * total
        theta[I_S0] *= share / (1 - share) * (total - f1) / f1
    return theta


def into_prior(theta: np.ndarray, share: float) -> np.ndarray:
    """A start moved just inside the prior.

    Core radii above the lower bound, rc2 >= CORE_RATIO_MIN rc, beta >=
    beta2, compact share at most ``share``.

    Parameters
    ----------
    theta : array_like, shape (9,)
        Double-model parameters.
    share : float
        The largest compact share allowed.

    Returns
    -------
    ndarray, shape (9,)
        A new array.
    """
    theta = np.array(theta, dtype=float)
    theta[I_RC] = max(theta[I_RC], 1.05 * RC_MIN)
    theta[I_RC2] = max(theta[I_RC2], 1.05 * CORE_RATIO_MIN * theta[I_RC])
    theta[I_BETA] = max(theta[I_BETA], theta[I_BETA2])
    return share_at_most(theta, share)


def nested_start(single_map: np.ndarray) -> np.ndarray:
    """The single model's maximum as a double-model point.

    It is the extended component, and a compact one (a quarter of its core
    radius, steeper) carries `NESTED_SHARE` of the flux. Its log-likelihood
    is the single maximum's to within that share; the optimiser
    (`optimize.maximize`) always runs from its best start and never ends
    below it, so with this start among the others the double maximum cannot
    fall below the single one. It is also the right start where the data
    need no core (measured on cl_j0309 with a 1% share: the other starts led
    Powell to a point 100 in log-likelihood below the one reached from
    here). (Where the single core radius is below 2.1 pixels, `into_prior`
    must widen the extended component to make room for a compact one of at
    least 1 pixel, and the point is no longer the single maximum.)

    Parameters
    ----------
    single_map : ndarray, shape (6,)
        The single model's maximum.

    Returns
    -------
    ndarray, shape (9,)
    """
    x0, y0, S0, rc, beta, B = single_map
    return into_prior(np.array([x0, y0, S0, rc / 4.0, min(max(beta, 0.6) * 1.3, 2.5), B, S0, rc, beta]),
                      NESTED_SHARE)


class DoubleBeta(Model):
    """A compact and an extended beta component, ``S0, rc, beta`` and ``S02, rc2, beta2``, and a background ``B``."""

    name = "double"
    paramnames = tuple(PARAMNAMES2)
    flat_names = ("x0", "y0", "F", "rc", "beta", "B", "f", "rc2", "beta2")
    log_names = ("F", "rc", "B", "rc2")
    profiles = (("rc", "beta"), ("rc2", "beta2"))
    share_names = ("S0", "S02")
    chains_variable, dic_variable = "chains2", "DIC2"
    min_neff = 150
    schedule = Schedule(n_walkers=24, n_burn=400, block=900, max_steps=20000)
    nested = SINGLE

    # --- coordinates: the normalisations become the total flux F and the compact share f ---------
    def to_flat(self, theta) -> np.ndarray:
        """As `Model.to_flat`, with log F and f in place of S0 and S02.

        Parameters
        ----------
        theta : array_like, shape (..., 9)
            Natural parameters.

        Returns
        -------
        ndarray, shape (..., 9)
        """
        natural = np.array(theta, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            natural[..., I_S0], natural[..., I_S02] = fluxes(theta)
        return super().to_flat(natural)

    def from_flat(self, flat) -> np.ndarray:
        """Inverse of `to_flat`: S0 and S02 from log F and f.

        Parameters
        ----------
        flat : array_like, shape (..., 9)
            Flat coordinates.

        Returns
        -------
        ndarray, shape (..., 9)
        """
        theta = super().from_flat(flat)
        total, share = theta[..., I_S0].copy(), theta[..., I_S02].copy()
        theta[..., I_S0] = share * total / flux_per_brightness(theta[..., I_RC], theta[..., I_BETA])
        theta[..., I_S02] = (1.0 - share) * total / flux_per_brightness(theta[..., I_RC2], theta[..., I_BETA2])
        return theta

    def flat_to_sampler(self, flat) -> np.ndarray:
        """As `Model.flat_to_sampler`, with ``w = logit(f / F_SHARE_MAX)`` in place of the share f.

        Parameters
        ----------
        flat : array_like, shape (..., 9)
            Flat coordinates.

        Returns
        -------
        ndarray, shape (..., 9)
        """
        z = super().flat_to_sampler(flat)
        with np.errstate(divide="ignore"):
            z[..., I_S02] = logit(z[..., I_S02] / F_SHARE_MAX)
        return z

    def sampler_to_flat(self, z) -> np.ndarray:
        """Inverse of `flat_to_sampler`.

        Parameters
        ----------
        z : array_like, shape (..., 9)
            Sampler coordinates.

        Returns
        -------
        ndarray, shape (..., 9)
        """
        flat = super().sampler_to_flat(z)
        flat[..., I_S02] = F_SHARE_MAX * expit(flat[..., I_S02])
        return flat

    def sampler_centre(self, theta) -> np.ndarray:
        """As `Model.sampler_centre`, with w clipped to +-`SHARE_Z_LIMIT`.

        A maximum with the share at 0 or 1/2 (no cool core) lies at w = -inf
        or +inf.

        Parameters
        ----------
        theta : array_like, shape (9,)
            The maximum, in natural units.

        Returns
        -------
        ndarray, shape (9,)
        """
        z = self.to_sampler(theta)
        z[I_S02] = np.clip(z[I_S02], -SHARE_Z_LIMIT, SHARE_Z_LIMIT)
        return z

    def log_jacobian_z(self, z) -> np.ndarray:
        """As `Model.log_jacobian_z`, plus the log of ``df/dw``.

        Parameters
        ----------
        z : array_like, shape (n_points, 9) or (9,)
            Points in sampler coordinates.

        Returns
        -------
        ndarray, shape (n_points,)
        """
        z = np.atleast_2d(z)
        w = z[:, I_S02]
        # d f / d w = F_SHARE_MAX * s (1 - s), s = sigmoid(w); log s = -log(1 + e^-w)
        return super().log_jacobian_z(z) + np.log(F_SHARE_MAX) - np.logaddexp(0.0, -w) - np.logaddexp(0.0, w)

    # --- prior: the box, the walls between the components, the flux and its share ---------------
    def in_support(self, theta, prior: Prior) -> np.ndarray:
        """As `Model.in_support`, with the walls between the components and the bounds on F and f.

        Parameters
        ----------
        theta : array_like, shape (n_points, 9) or (9,)
            Natural parameter vectors.
        prior : `priors.Prior`
            The observation's prior.

        Returns
        -------
        ndarray of bool, shape (n_points,)
        """
        ok = super().in_support(theta, prior)
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        ok &= theta[:, I_RC2] >= CORE_RATIO_MIN * theta[:, I_RC]
        ok &= theta[:, I_BETA] >= theta[:, I_BETA2]
        ok &= (theta[:, I_S0] > 0) & (theta[:, I_S02] > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            total, share = fluxes(np.where(ok[:, None], theta, 1.0))
        ok &= (total >= prior.F[0]) & (total <= prior.F[1]) & (share <= F_SHARE_MAX)
        return ok

    def pull_inside(self, theta, prior: Prior) -> np.ndarray:
        """As `Model.pull_inside`, then both normalisations scaled so that F lies inside its range.

        The order of the components is `into_prior`'s business.

        Parameters
        ----------
        theta : array_like, shape (9,)
            Natural parameters.
        prior : `priors.Prior`
            The observation's prior.

        Returns
        -------
        ndarray, shape (9,)
        """
        theta = super().pull_inside(theta, prior)
        inside = np.exp(1e-3)
        total = fluxes(theta)[0]
        factor = np.clip(total, prior.F[0] * inside, prior.F[1] / inside) / total
        theta[I_S0] *= factor
        theta[I_S02] *= factor
        return theta

    def walled_names(self, low: dict, high: dict) -> tuple:
        """The parameters next to a wall between the components that may bind inside their intervals.

        The core radii when rc2 >= 2 rc may bind, the slopes when beta >= beta2 may.

        Parameters
        ----------
        low, high : dict
            Name -> lower and upper end of each parameter's interval; ``rc``,
            ``rc2``, ``beta`` and ``beta2`` are read.

        Returns
        -------
        tuple of str
        """
        walled = ()
        if CORE_RATIO_MIN * high["rc"] >= low["rc2"]:
            walled += ("rc", "rc2")
        if low["beta"] <= high["beta2"]:
            walled += ("beta", "beta2")
        return walled

    # --- starts ----------------------------------------------------------------------------------
    def optimiser_starts(self, guess: np.ndarray, nested_map: np.ndarray | None) -> list:
        """Starts built from the single model's maximum and the data's ``guess``.

        A compact bright core inside a wider component in a few proportions of
        the single fit, typical cores and haloes, and the single maximum itself
        (`nested_start`).

        Parameters
        ----------
        guess : ndarray, shape (6,)
            `optimize.initial_guess` of the data; its background is used.
        nested_map : ndarray, shape (6,)
            The single model's maximum (required, despite the base signature).

        Returns
        -------
        list of ndarray, shape (9,)
        """
        x0, y0, S0, rc, beta, B = nested_map
        scaled = [
            np.array([x0, y0, S0 * f, rc * g, min(max(beta, 0.5) * 1.2, 2.5), B, S0 * h, rc * k, beta])
            for f, g, h, k in ((1.0, 0.5, 0.1, 2.5), (0.7, 0.3, 0.2, 1.5), (1.5, 0.4, 0.05, 4.0))
        ]
        # Typical cores and haloes, for when the single fit is a shallow cusp (rc ~ 1 pixel, beta < 0.5)
        # from which the scaled starts are all far too small: measured on cl_j1720, whose true double
        # model is 3900 in log-likelihood above the maximum reached from those.
        background = guess[5]
        typical = [
            np.array([x0, y0, S0 * (1 - halo), rc_core, 0.9, background, S0 * halo, rc_halo, 0.65])
            for halo, rc_core, rc_halo in ((0.02, 3.0, 30.0), (0.1, 6.0, 40.0), (0.3, 8.0, 25.0))
        ]
        return [into_prior(start, 0.4) for start in scaled + typical] + [nested_start(nested_map)]

    def walker_starts(self, logpost_batch, z_map, cov, n_walkers: int, rng) -> np.ndarray:
        """As `Model.walker_starts`, with up to half of the walkers spread over the compact component.

        Those walkers are replaced by points whose compact share is smaller than
        the maximum's (down to e^-8 of it) and whose compact core radius and
        slope are drawn uniformly over the prior, kept if their log-posterior is
        within 10 of the maximum's. Where the data need no core those points
        abound, and the walkers start spread over the region they must explore
        (measured on cl_j0309: from the Laplace ball alone R stayed above 1.05
        for 2900 steps); where there is a core almost none qualify and the
        Laplace draws stay.

        Parameters
        ----------
        logpost_batch : callable
            Log-posterior of rows of sampler coordinates (n_points, 9) -> (n_points,).
        z_map : ndarray, shape (9,)
            The maximum in sampler coordinates.
        cov : ndarray, shape (9, 9)
            The Laplace covariance there.
        n_walkers : int
            How many walkers.
        rng : numpy.random.Generator
            Source of the draws.

        Returns
        -------
        ndarray, shape (n_walkers, 9)
        """
        walkers = super().walker_starts(logpost_batch, z_map, cov, n_walkers, rng)
        best = logpost_batch(z_map[None, :])[0]
        candidates = walkers[rng.integers(n_walkers, size=SPREAD_TRIES)].copy()
        rc2 = np.exp(z_map[I_RC2] + 0.5 * z_map[I_BETA2])        # at the maximum (see `priors`)
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

    # --- components ------------------------------------------------------------------------------
    def order_components(self, chains: np.ndarray) -> tuple[np.ndarray, float]:
        """Relabel the components so that component 1 is the smaller core in every sample.

        The components are interchangeable in the likelihood, so whatever labels
        a sampler gave them they are compared by core radius.

        Parameters
        ----------
        chains : ndarray, shape (..., 9)
            Samples in paramnames2 order.

        Returns
        -------
        chains : ndarray, shape (..., 9)
            A relabelled copy.
        fraction : float
            The fraction of samples swapped.
        """
        swap = chains[..., I_RC] > chains[..., I_RC2]
        ordered = chains.copy()
        first, second = chains[..., COMPONENT_1], chains[..., COMPONENT_2]
        ordered[..., COMPONENT_1] = np.where(swap[..., None], second, first)
        ordered[..., COMPONENT_2] = np.where(swap[..., None], first, second)
        return ordered, float(swap.mean())

    def compact_share(self, theta) -> np.ndarray:
        """The compact component's share f of the flux inside `flux.APERTURE`.

        Parameters
        ----------
        theta : array_like, shape (..., 9)
            Natural parameters.

        Returns
        -------
        ndarray, shape (...)
        """
        return fluxes(theta)[1]


DOUBLE = DoubleBeta()
