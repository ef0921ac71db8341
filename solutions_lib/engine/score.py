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
pixels and this gradient. `loglike_and_score` gives the log-likelihood in
the same pass (it needs the same mu_i), so the grader's deviances of those
draws cost nothing more. Written out in numba rather than through
automatic differentiation because no such library is a dependency and the
loop is short; `tests/engine/test_score.py` holds it to central differences of
`likelihood.loglike`.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .fastmath import vexp, vlog
from .likelihood import PixelData, in_domain

_LOOP = dict(fastmath={"contract", "reassoc"}, error_model="numpy", cache=True)


@njit(**_LOOP)
def _component(dx, dy, e, S, inv, a):
    """(E P, E S P a / (1 + q), ln(1 + q), q) of one component at one pixel, ``inv = 1 / rc^2``.

    ``P = (1 + q)^a`` is formed as ``(1 + q)^(a - 1) (1 + q)``, so that the
    radial factor needs no division.
    """
    q = (dx * dx + dy * dy) * inv
    log1q = vlog(1.0 + q)
    shrunk = e * vexp((a - 1.0) * log1q)
    return shrunk * (1.0 + q), S * shrunk * a, log1q, q


@njit(**_LOOP)
def _single_counted(x, y, e, n, x0, y0, S0, inv, a, B):
    """Over pixels with counts: ln L and the sums of ``w (x - x0) radial``, ``w (y - y0) radial``, ``w E P``,
    ``w q radial``, ``w E P ln(1 + q)``, ``w`` of the single model, ``w = N / mu - 1``."""
    total = g0 = g1 = g2 = g3 = g4 = g5 = 0.0
    for i in range(x.size):
        dx = x[i] - x0
        dy = y[i] - y0
        ep, radial, log1q, q = _component(dx, dy, e[i], S0, inv, a)
        mu = S0 * ep + B
        total += n[i] * vlog(mu) - mu
        w = n[i] / mu - 1.0
        g0 += w * radial * dx
        g1 += w * radial * dy
        g2 += w * ep
        g3 += w * radial * q
        g4 += w * ep * log1q
        g5 += w
    return total, g0, g1, g2, g3, g4, g5


@njit(**_LOOP)
def _single_empty(x, y, e, x0, y0, S0, inv, a):
    """Over pixels without counts (``w = -1``): the same sums as `_single_counted` without ``w``.

    A loop of its own, over whole arrays, so that LLVM vectorizes it.
    """
    z0 = z1 = z2 = z3 = z4 = 0.0
    for i in range(x.size):
        dx = x[i] - x0
        dy = y[i] - y0
        ep, radial, log1q, q = _component(dx, dy, e[i], S0, inv, a)
        z0 += radial * dx
        z1 += radial * dy
        z2 += ep
        z3 += radial * q
        z4 += ep * log1q
    return z0, z1, z2, z3, z4


@njit(**_LOOP)
def _single(x, y, e, n, npos, theta, out):
    """ln L (returned) and d ln L / d (x0, y0, S0, rc, beta, B) (into ``out``) of one component.

    ``d ln L = sum_i w_i d mu_i`` with ``w_i = N_i / mu_i - 1``; the pixels
    without counts (``i >= npos``) have ``w_i = -1`` and are summed apart.
    """
    x0, y0, S0, rc, beta, B = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]
    inv = 1.0 / (rc * rc)
    a = 0.5 - 3.0 * beta
    total, g0, g1, g2, g3, g4, g5 = _single_counted(x[:npos], y[:npos], e[:npos], n[:npos], x0, y0, S0, inv, a, B)
    z0, z1, z2, z3, z4 = _single_empty(x[npos:], y[npos:], e[npos:], x0, y0, S0, inv, a)
    zero = x.size - npos
    out[0] = -2.0 * inv * (g0 - z0)
    out[1] = -2.0 * inv * (g1 - z1)
    out[2] = g2 - z2
    out[3] = -2.0 / rc * (g3 - z3)
    out[4] = -3.0 * S0 * (g4 - z4)
    out[5] = g5 - zero
    return total - S0 * z2 - B * zero


@njit(**_LOOP)
def _double_counted(x, y, e, n, x0, y0, S0, inv1, a1, S02, inv2, a2, B):
    """As `_single_counted` for two components: the sums of ``w (x - x0) (radial1 / rc^2 + radial2 / rc2^2)``,
    its y twin, then ``w E P``, ``w q radial``, ``w E P ln(1 + q)`` per component and ``w``."""
    total = g0 = g1 = g2 = g3 = g4 = g5 = g6 = g7 = g8 = 0.0
    for i in range(x.size):
        dx = x[i] - x0
        dy = y[i] - y0
        ep1, radial1, log1q1, q1 = _component(dx, dy, e[i], S0, inv1, a1)
        ep2, radial2, log1q2, q2 = _component(dx, dy, e[i], S02, inv2, a2)
        mu = S0 * ep1 + S02 * ep2 + B
        total += n[i] * vlog(mu) - mu
        w = n[i] / mu - 1.0
        g0 += w * (radial1 * inv1 + radial2 * inv2) * dx
        g1 += w * (radial1 * inv1 + radial2 * inv2) * dy
        g2 += w * ep1
        g3 += w * radial1 * q1
        g4 += w * ep1 * log1q1
        g5 += w
        g6 += w * ep2
        g7 += w * radial2 * q2
        g8 += w * ep2 * log1q2
    return total, g0, g1, g2, g3, g4, g5, g6, g7, g8


@njit(**_LOOP)
def _double_empty(x, y, e, x0, y0, S0, inv1, a1, S02, inv2, a2):
    """As `_single_empty` for two components."""
    z0 = z1 = z2 = z3 = z4 = z6 = z7 = z8 = 0.0
    for i in range(x.size):
        dx = x[i] - x0
        dy = y[i] - y0
        ep1, radial1, log1q1, q1 = _component(dx, dy, e[i], S0, inv1, a1)
        ep2, radial2, log1q2, q2 = _component(dx, dy, e[i], S02, inv2, a2)
        z0 += (radial1 * inv1 + radial2 * inv2) * dx
        z1 += (radial1 * inv1 + radial2 * inv2) * dy
        z2 += ep1
        z3 += radial1 * q1
        z4 += ep1 * log1q1
        z6 += ep2
        z7 += radial2 * q2
        z8 += ep2 * log1q2
    return z0, z1, z2, z3, z4, z6, z7, z8


@njit(**_LOOP)
def _double(x, y, e, n, npos, theta, out):
    """As `_single` for ``(x0, y0, S0, rc, beta, B, S02, rc2, beta2)``: two concentric components."""
    x0, y0, S0, rc, beta, B = theta[0], theta[1], theta[2], theta[3], theta[4], theta[5]
    S02, rc2, beta2 = theta[6], theta[7], theta[8]
    inv1, inv2 = 1.0 / (rc * rc), 1.0 / (rc2 * rc2)
    a1, a2 = 0.5 - 3.0 * beta, 0.5 - 3.0 * beta2
    total, g0, g1, g2, g3, g4, g5, g6, g7, g8 = _double_counted(
        x[:npos], y[:npos], e[:npos], n[:npos], x0, y0, S0, inv1, a1, S02, inv2, a2, B)
    z0, z1, z2, z3, z4, z6, z7, z8 = _double_empty(x[npos:], y[npos:], e[npos:], x0, y0, S0, inv1, a1, S02, inv2, a2)
    zero = x.size - npos
    out[0] = -2.0 * (g0 - z0)
    out[1] = -2.0 * (g1 - z1)
    out[2] = g2 - z2
    out[3] = -2.0 / rc * (g3 - z3)
    out[4] = -3.0 * S0 * (g4 - z4)
    out[5] = g5 - zero
    out[6] = g6 - z6
    out[7] = -2.0 / rc2 * (g7 - z7)
    out[8] = -3.0 * S02 * (g8 - z8)
    return total - S0 * z2 - S02 * z6 - B * zero


@njit(parallel=True, cache=True)
def _batch(x, y, e, n, npos, thetas):
    loglike = np.empty(thetas.shape[0])
    score = np.empty_like(thetas)
    for row in prange(thetas.shape[0]):
        if not in_domain(thetas[row]):
            loglike[row] = -np.inf
            score[row] = np.nan
        elif thetas.shape[1] == 6:
            loglike[row] = _single(x, y, e, n, npos, thetas[row], score[row])
        else:
            loglike[row] = _double(x, y, e, n, npos, thetas[row], score[row])
    return loglike, score


def loglike_and_score(thetas, data) -> tuple[np.ndarray, np.ndarray]:
    """The log-likelihood and its gradient at each row of ``thetas``, in one pass over the pixels.

    Parameters
    ----------
    thetas : array_like, shape (n_rows, 6) or (n_rows, 9)
        Parameter vectors in paramnames (paramnames2) order, natural units.
    data : PixelData or dict
        The good pixels (the tutorial's ``data`` dict is converted).

    Returns
    -------
    loglike : ndarray, shape (n_rows,)
        ``ln L`` without the constant ``-sum ln N!``, as `likelihood.loglike_batch` gives it: ``-inf``
        outside the model's domain (S0, rc, B <= 0, S02 < 0, rc2 <= 0, non-finite values).
    score : ndarray, shape (n_rows, 6) or (n_rows, 9)
        ``d ln L / d theta`` for each row; NaN outside the model's domain.

    Raises
    ------
    ValueError
        If the rows have neither 6 nor 9 entries.
    """
    px = PixelData.from_data(data)
    thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
    if thetas.ndim != 2 or thetas.shape[1] not in (6, 9):
        raise ValueError(f"expected rows of 6 or 9 parameters, got shape {thetas.shape}")
    return _batch(px.x, px.y, px.exposure, px.counts, px.n_positive, thetas)


def score_batch(thetas, data) -> np.ndarray:
    """Gradients of the log-likelihood at each row of ``thetas`` (see `loglike_and_score`).

    Parameters
    ----------
    thetas : array_like, shape (n_rows, 6) or (n_rows, 9)
        Parameter vectors in paramnames order, natural units.
    data : PixelData or dict
        The good pixels or the tutorial's data dict.

    Returns
    -------
    ndarray, shape (n_rows, 6) or (n_rows, 9)
        NaN rows outside the model's domain.
    """
    return loglike_and_score(thetas, data)[1]
