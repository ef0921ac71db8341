"""The score: the gradient of the Poisson log-likelihood with respect to the parameters.

For counts N_i ~ Poisson(mu_i(theta)), ``d ln L / d theta = sum_i (N_i / mu_i - 1) d mu_i / d theta``.
With ``mu = E (S0 P1 + S02 P2) + B`` and ``P = (1 + q)^a``, ``q = r^2 / rc^2``,
``a = 1/2 - 3 beta``, the derivatives of one component are

* ``d mu / d S0 = E P``,
* ``d mu / d rc = E S0 P a / (1 + q) (-2 q / rc)``,
* ``d mu / d beta = E S0 P (-3 ln(1 + q))``,
* ``d mu / d x0 = E S0 P a / (1 + q) (-2 (x - x0) / rc^2)`` (and y0 alike, summed over components),
* ``d mu / d B = 1``.

The grader uses it to ask whether handed-in chains are draws from the
posterior (`grading.stein`): only it has the likelihood on the student's
pixels and this gradient. Written out in numba rather than through
automatic differentiation because no such library is a dependency and the
loop is short; `tests/test_score.py` holds it to central differences of
`likelihood.loglike`.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .fastmath import vexp, vlog
from .likelihood import PixelData

_LOOP = dict(fastmath={"contract", "reassoc"}, error_model="numpy", cache=True)


@njit(**_LOOP)
def _component(dx, dy, e, S, rc, beta):
    """(E P, d mu/d x0, d mu/d y0, d mu/d rc, d mu/d beta) of one component at one pixel."""
    q = (dx * dx + dy * dy) / (rc * rc)
    a = 0.5 - 3.0 * beta
    log1q = vlog(1.0 + q)
    ep = e * vexp(a * log1q)
    radial = S * ep * a / (1.0 + q)
    return ep, radial * (-2.0 * dx / (rc * rc)), radial * (-2.0 * dy / (rc * rc)), \
        radial * (-2.0 * q / rc), S * ep * (-3.0 * log1q)


@njit(**_LOOP)
def _score_single(x, y, e, n, theta, out):
    """Write d ln L / d (x0, y0, S0, rc, beta, B) into ``out``."""
    x0, y0, S0, rc, beta, B = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]
    g0 = g1 = g2 = g3 = g4 = g5 = 0.0
    for i in range(x.size):
        ep, gx, gy, grc, gb = _component(x[i] - x0, y[i] - y0, e[i], S0, rc, beta)
        w = n[i] / (S0 * ep + B) - 1.0
        g0 += w * gx
        g1 += w * gy
        g2 += w * ep
        g3 += w * grc
        g4 += w * gb
        g5 += w
    out[0], out[1], out[2], out[3], out[4], out[5] = g0, g1, g2, g3, g4, g5


@njit(**_LOOP)
def _score_double(x, y, e, n, theta, out):
    """Write d ln L / d (x0, y0, S0, rc, beta, B, S02, rc2, beta2) into ``out``."""
    x0, y0, S0, rc, beta, B = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]
    S02, rc2, beta2 = theta[6], theta[7], theta[8]
    g0 = g1 = g2 = g3 = g4 = g5 = g6 = g7 = g8 = 0.0
    for i in range(x.size):
        dx = x[i] - x0
        dy = y[i] - y0
        ep1, gx1, gy1, grc1, gb1 = _component(dx, dy, e[i], S0, rc, beta)
        ep2, gx2, gy2, grc2, gb2 = _component(dx, dy, e[i], S02, rc2, beta2)
        w = n[i] / (S0 * ep1 + S02 * ep2 + B) - 1.0
        g0 += w * (gx1 + gx2)
        g1 += w * (gy1 + gy2)
        g2 += w * ep1
        g3 += w * grc1
        g4 += w * gb1
        g5 += w
        g6 += w * ep2
        g7 += w * grc2
        g8 += w * gb2
    out[0], out[1], out[2], out[3], out[4], out[5] = g0, g1, g2, g3, g4, g5
    out[6], out[7], out[8] = g6, g7, g8


@njit(parallel=True, cache=True)
def _score_batch(x, y, e, n, thetas):
    out = np.empty_like(thetas)
    for row in prange(thetas.shape[0]):
        if thetas.shape[1] == 6:
            _score_single(x, y, e, n, thetas[row], out[row])
        else:
            _score_double(x, y, e, n, thetas[row], out[row])
    return out


def score_batch(thetas, data) -> np.ndarray:
    """Gradients of the log-likelihood at each row of ``thetas``.

    Parameters
    ----------
    thetas : array_like, shape (n_rows, 6) or (n_rows, 9)
        Parameter vectors in paramnames (paramnames2) order, natural units,
        inside the model's domain (S0, rc, B > 0; S02 >= 0, rc2 > 0).
    data : PixelData or dict
        The good pixels (the tutorial's ``data`` dict is converted).

    Returns
    -------
    ndarray, shape (n_rows, 6) or (n_rows, 9)
        ``d ln L / d theta`` for each row.
    """
    px = PixelData.from_data(data)
    thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
    if thetas.ndim != 2 or thetas.shape[1] not in (6, 9):
        raise ValueError(f"expected rows of 6 or 9 parameters, got shape {thetas.shape}")
    return _score_batch(px.x, px.y, px.exposure, px.counts, thetas)
