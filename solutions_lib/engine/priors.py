"""Priors, and the coordinates the optimiser and sampler work in.

Single model (independent priors):

* x0, y0: uniform over the image, 0 <= x0 <= nx - 1, 0 <= y0 <= ny - 1 (pixels);
* S0: log-uniform on [1e-12, 1e-2] counts/s/cm^2/pixel;
* rc: log-uniform on [1, 500] pixels (the model is evaluated at pixel centres, so a
  smaller core is not resolved: it could hide between them);
* beta: uniform on [0.3, 3];
* B: log-uniform on [1e-5, 10] counts/pixel.

Double model: the same centre, background, core radii and slopes, with

* rc2 >= 2 rc: component 1 is always the compact one, so the components
  cannot swap labels, and it is compact enough not to be a second copy of
  the extended one (two components of similar size and different slopes
  can mimic one beta component, a degeneracy that no sampler crosses
  quickly); the cool-core truths of the simulator have rc2/rc >= 2;
* beta >= beta2: the compact component falls off at least as steeply as
  the extended one (without it, weak cores give a second mode, a compact
  but shallow component that dominates at large radius);
* instead of independent S0 and S02, the total flux inside 100 pixels,
  F = F1 + F2 (`flux`), is log-uniform on [1e-8, 1] counts/s/cm^2, and
  the compact component's share of it, f = F1 / F, is uniform on
  [0, 1/2]. Measured on the cool-core truths of the catalogue the share is
  0.06-0.31. Why: when the data do not need a second component (no cool
  core), independent log-uniform priors on S0 and S02 put most of the
  posterior mass in a funnel towards the lower bound of the superfluous
  amplitude, where its rc and beta are free, and no sampler converges there.
  With a uniform share the superfluous component is small but not
  vanishing, and with f <= 1/2 only the compact one can be the superfluous
  one: the extended component is always the bulk of the cluster.

Sampler coordinates ``z`` (used inside the optimiser and sampler only):
single ``(x0, y0, log S0, u, v, log B)``, double
``(x0, y0, log F, u, v, log B, w, u2, v2)``, with per component
``v = log(3 beta - 1/2)`` and ``u = log rc - v/2``, and
``f = F_SHARE_MAX * sigmoid(w)``. Logs turn the log-uniform priors into
uniform ones and straighten the S0-rc degeneracy. (u, v) straighten the
rc-beta banana: for steep profiles ``(1 + r^2/rc^2)^-(3 beta - 1/2)`` tends
to a Gaussian of width ``rc / sqrt(3 beta - 1/2)``, so at fixed data
rc^2/(3 beta - 1/2) is what stays fixed, i.e. u, while v moves. The prior
is uniform in the "flat" coordinates of `to_flat` (log S0 or log F, log rc,
beta, log B, f, ...), so its density in z is the Jacobian `log_jacobian_z`.
Results are always reported in natural units, in the order of
`model.names_for` (the notebook's paramnames / paramnames2). The index
constants ``I_S0`` ... ``I_BETA2`` are positions in that order; in ``z``
the double model's ``I_S0`` and ``I_S02`` hold log F and w.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from .flux import flux_per_brightness
from .model import names_for

LOG_PARAMS = ("S0", "rc", "B", "rc2")
BOUNDS = {
    "S0": (1e-12, 1e-2),
    "rc": (1.0, 500.0), "rc2": (1.0, 500.0),
    "beta": (0.3, 3.0), "beta2": (0.3, 3.0),
    "B": (1e-5, 10.0),
}
FLUX_BOUNDS = (1e-8, 1.0)     # total flux inside `flux.APERTURE`, counts/s/cm^2
F_SHARE_MAX = 0.5             # the compact component carries at most this share of it
CORE_RATIO_MIN = 2.0          # rc2 >= CORE_RATIO_MIN * rc

I_S0, I_RC, I_BETA, I_B, I_S02, I_RC2, I_BETA2 = 2, 3, 4, 5, 6, 7, 8


def fluxes(theta) -> tuple[np.ndarray, np.ndarray]:
    """Total flux F inside the aperture and the compact share f, for double-model rows."""
    theta = np.asarray(theta, dtype=float)
    f1 = theta[..., I_S0] * flux_per_brightness(theta[..., I_RC], theta[..., I_BETA])
    f2 = theta[..., I_S02] * flux_per_brightness(theta[..., I_RC2], theta[..., I_BETA2])
    total = f1 + f2
    return total, f1 / total


def to_flat(theta, model: str) -> np.ndarray:
    """Natural parameters to the coordinates in which the prior is uniform: single
    (x0, y0, log S0, log rc, beta, log B), double (x0, y0, log F, log rc, beta, log B,
    f, log rc2, beta2)."""
    theta = np.asarray(theta, dtype=float)
    flat = theta.copy()
    if model == "double":
        with np.errstate(divide="ignore", invalid="ignore"):
            total, share = fluxes(theta)
        flat[..., I_S0], flat[..., I_S02] = total, share
        for i in (I_S0, I_RC, I_B, I_RC2):
            flat[..., i] = np.log(flat[..., i])
    else:
        for i in (I_S0, I_RC, I_B):
            flat[..., i] = np.log(flat[..., i])
    return flat


def from_flat(flat, model: str) -> np.ndarray:
    """Inverse of `to_flat`."""
    theta = np.array(flat, dtype=float)
    logs = (I_S0, I_RC, I_B, I_RC2) if model == "double" else (I_S0, I_RC, I_B)
    for i in logs:
        theta[..., i] = np.exp(theta[..., i])
    if model == "double":
        total, share = theta[..., I_S0].copy(), theta[..., I_S02].copy()
        theta[..., I_S0] = share * total / flux_per_brightness(theta[..., I_RC], theta[..., I_BETA])
        theta[..., I_S02] = (1.0 - share) * total / flux_per_brightness(theta[..., I_RC2], theta[..., I_BETA2])
    return theta


def _pairs(model):
    """Indices of (log rc, beta) pairs per component in paramnames order."""
    return ((I_RC, I_BETA),) if model == "single" else ((I_RC, I_BETA), (I_RC2, I_BETA2))


def to_sampler(theta, model: str) -> np.ndarray:
    """Natural parameters (paramnames order, last axis) to sampler coordinates."""
    z = to_flat(theta, model)
    for i_rc, i_beta in _pairs(model):
        v = np.log(3.0 * z[..., i_beta] - 0.5)
        z[..., i_rc] = z[..., i_rc] - 0.5 * v
        z[..., i_beta] = v
    if model == "double":
        with np.errstate(divide="ignore"):
            z[..., I_S02] = logit(z[..., I_S02] / F_SHARE_MAX)
    return z


def from_sampler(z, model: str) -> np.ndarray:
    """Sampler coordinates back to natural parameters (paramnames order)."""
    flat = np.array(z, dtype=float)
    for i_rc, i_beta in _pairs(model):
        v = flat[..., i_beta].copy()
        flat[..., i_rc] = flat[..., i_rc] + 0.5 * v
        flat[..., i_beta] = (np.exp(v) + 0.5) / 3.0
    if model == "double":
        flat[..., I_S02] = F_SHARE_MAX * expit(flat[..., I_S02])
    return from_flat(flat, model)


def log_jacobian_z(z, model: str) -> np.ndarray:
    """log |d(flat coordinates)/dz|: the log-prior density in z, up to a constant."""
    z = np.atleast_2d(z)
    out = sum(z[:, i_beta] for _, i_beta in _pairs(model)) - len(_pairs(model)) * np.log(3.0)
    if model == "double":
        w = z[:, I_S02]
        # d f / d w = F_SHARE_MAX * s (1 - s), s = sigmoid(w); log s = -log(1 + e^-w)
        out = out + np.log(F_SHARE_MAX) - np.logaddexp(0.0, -w) - np.logaddexp(0.0, w)
    return out


def bounds(model: str, shape) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper prior bounds on the natural parameters for an image of ``shape``
    (ny, nx); the double model's S0 and S02 are only required to be positive (their
    prior is on the flux and share, see `in_support`)."""
    lower, upper = [], []
    for name in names_for(model):
        if name == "x0":
            lo, hi = 0.0, float(shape[1] - 1)
        elif name == "y0":
            lo, hi = 0.0, float(shape[0] - 1)
        elif model == "double" and name in ("S0", "S02"):
            lo, hi = 0.0, np.inf
        else:
            lo, hi = BOUNDS[name]
        lower.append(lo)
        upper.append(hi)
    return np.array(lower), np.array(upper)


def in_support(theta, model: str, lower, upper) -> np.ndarray:
    """Which rows of natural parameters ``theta`` lie inside the prior (bounds from `bounds`)."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    ok = np.all(np.isfinite(theta), axis=1) & np.all(theta >= lower, axis=1) & np.all(theta <= upper, axis=1)
    if model == "double":
        ok &= theta[:, I_RC2] >= CORE_RATIO_MIN * theta[:, I_RC]
        ok &= theta[:, I_BETA] >= theta[:, I_BETA2]
        ok &= (theta[:, I_S0] > 0) & (theta[:, I_S02] > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            total, share = fluxes(np.where(ok[:, None], theta, 1.0))
        ok &= (total >= FLUX_BOUNDS[0]) & (total <= FLUX_BOUNDS[1]) & (share <= F_SHARE_MAX)
    return ok


def log_prior(theta, model: str, shape) -> float:
    """Log-prior density of natural parameters, up to a constant (0 inside, -inf outside).

    The density is uniform in the coordinates of `to_flat`; this function
    returns the log of the density with respect to those coordinates (constant).
    """
    theta = np.asarray(theta, dtype=float)
    n = len(names_for(model))
    if theta.shape != (n,):
        raise ValueError(f"the {model} model has {n} parameters in paramnames order; got shape {theta.shape}")
    lower, upper = bounds(model, shape)
    return 0.0 if bool(in_support(theta, model, lower, upper)[0]) else -np.inf
