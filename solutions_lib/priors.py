"""Priors, and the coordinates the optimiser and sampler work in.

Priors (independent, except for the ordering of the two components):

* x0, y0: uniform over the image, 0 <= x0 <= nx - 1, 0 <= y0 <= ny - 1 (pixels);
* S0, S02: log-uniform on [1e-12, 1e-2] counts/s/cm^2/pixel;
* rc, rc2: log-uniform on [0.1, 500] pixels; for the double model also
  rc < rc2, so that component 1 is always the compact core and the two
  components cannot swap labels;
* beta, beta2: uniform on [0.3, 3]; for the double model also beta >= beta2:
  the core component falls off at least as steeply as the extended one.
  Without it, weak cores (cl_j1347) give a second mode, a compact but
  shallow (beta ~ 0.4) component that dominates at large radius, and the
  chains hop between the modes and never converge (measured: n_eff ~ 60
  after 3000 steps x 24 walkers);
* B: log-uniform on [1e-5, 10] counts/pixel.

Sampler coordinates ``z`` (used inside the optimiser and sampler only):
``(x0, y0, log S0, u, v, log B [, log S02, u2, v2])`` with, per component,
``v = log(3 beta - 1/2)`` and ``u = log rc - v/2``. Logs turn the
log-uniform priors into uniform ones and straighten the S0-rc degeneracy.
(u, v) straighten the rc-beta banana: for steep profiles
``(1 + r^2/rc^2)^-(3 beta - 1/2)`` tends to a Gaussian of width
``rc / sqrt(3 beta - 1/2)``, so at fixed data rc^2/(3 beta - 1/2) is what
stays fixed, i.e. u, while v moves. The prior is uniform in (log rc, beta),
so its density in (u, v) carries the Jacobian ``exp(v)/3`` per component:
`log_prior_z` returns ``sum(v)`` inside the support. Results are always
reported in natural units.
"""
from __future__ import annotations

import numpy as np

from .model import PARAMNAMES, PARAMNAMES2

LOG_PARAMS = ("S0", "rc", "B", "S02", "rc2")
BOUNDS = {
    "S0": (1e-12, 1e-2), "S02": (1e-12, 1e-2),
    "rc": (0.1, 500.0), "rc2": (0.1, 500.0),
    "beta": (0.3, 3.0), "beta2": (0.3, 3.0),
    "B": (1e-5, 10.0),
}


def names_for(model: str) -> list[str]:
    """paramnames ('single') or paramnames2 ('double')."""
    if model not in ("single", "double"):
        raise ValueError(f"model must be 'single' or 'double', not {model!r}")
    return list(PARAMNAMES if model == "single" else PARAMNAMES2)


def log_mask(model: str) -> np.ndarray:
    return np.array([name in LOG_PARAMS for name in names_for(model)])


def to_flat(theta, model: str) -> np.ndarray:
    """Natural parameters to the coordinates in which the prior is uniform
    (x0, y0, log S0, log rc, beta, log B, ...)."""
    flat = np.array(theta, dtype=float)
    mask = log_mask(model)
    flat[..., mask] = np.log(flat[..., mask])
    return flat


def _split(model):
    """Indices of (log rc, beta) pairs per component in paramnames order."""
    return ((3, 4),) if model == "single" else ((3, 4), (7, 8))


def to_sampler(theta, model: str) -> np.ndarray:
    """Natural parameters (paramnames order, last axis) to sampler coordinates."""
    z = np.array(theta, dtype=float)
    mask = log_mask(model)
    z[..., mask] = np.log(z[..., mask])
    for i_rc, i_beta in _split(model):
        v = np.log(3.0 * z[..., i_beta] - 0.5)
        z[..., i_rc] = z[..., i_rc] - 0.5 * v
        z[..., i_beta] = v
    return z


def from_sampler(z, model: str) -> np.ndarray:
    """Sampler coordinates back to natural parameters (paramnames order)."""
    theta = np.array(z, dtype=float)
    for i_rc, i_beta in _split(model):
        v = theta[..., i_beta].copy()
        theta[..., i_rc] = theta[..., i_rc] + 0.5 * v
        theta[..., i_beta] = (np.exp(v) + 0.5) / 3.0
    mask = log_mask(model)
    theta[..., mask] = np.exp(theta[..., mask])
    return theta


def log_jacobian_z(z, model: str) -> np.ndarray:
    """log |d(x0, y0, log S0, log rc, beta, ...)/dz|: the log-prior density in z, up to a constant."""
    z = np.atleast_2d(z)
    return sum(z[:, i_beta] for _, i_beta in _split(model)) - len(_split(model)) * np.log(3.0)


def bounds(model: str, shape) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper prior bounds in natural units for an image of ``shape`` (ny, nx)."""
    lower, upper = [], []
    for name in names_for(model):
        if name == "x0":
            lo, hi = 0.0, float(shape[1] - 1)
        elif name == "y0":
            lo, hi = 0.0, float(shape[0] - 1)
        else:
            lo, hi = BOUNDS[name]
        lower.append(lo)
        upper.append(hi)
    return np.array(lower), np.array(upper)


def in_support(theta, model: str, lower, upper) -> np.ndarray:
    """Which rows of natural parameters ``theta`` lie inside the prior (bounds from `bounds`)."""
    theta = np.atleast_2d(theta)
    ok = np.all(np.isfinite(theta), axis=1) & np.all(theta >= lower, axis=1) & np.all(theta <= upper, axis=1)
    if model == "double":
        ok &= theta[:, 3] < theta[:, 7]          # rc < rc2
        ok &= theta[:, 4] >= theta[:, 8]         # beta >= beta2
    return ok


def log_prior(theta, model: str, shape) -> float:
    """Log-prior density of natural parameters, up to a constant (0 inside, -inf outside).

    The density is uniform in (x0, y0, log S0, log rc, beta, log B, ...), i.e.
    proportional to 1/(S0 rc B [S02 rc2]) in natural units; this function
    returns the log of the density with respect to those coordinates (constant).
    """
    theta = np.asarray(theta, dtype=float)
    n = len(names_for(model))
    if theta.shape != (n,):
        raise ValueError(f"the {model} model has {n} parameters in paramnames order; got shape {theta.shape}")
    lower, upper = bounds(model, shape)
    return 0.0 if bool(in_support(theta, model, lower, upper)[0]) else -np.inf
