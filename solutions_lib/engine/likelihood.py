"""Poisson log-likelihood of the good pixels for one or two beta components.

Expected counts in pixel i: ``mu_i = S_CL(r_i) E_i + B`` (see `model`). The
log-likelihood is ``sum_i (N_i log mu_i - mu_i)`` over the good pixels; the
constant ``-sum_i log(N_i!)`` is left out because no comparison in the
tutorial depends on it (posteriors do not, and DIC differences do not). It
is available as ``PixelData.log_factorial_sum`` for anyone who wants the
normalised value: ``full = loglike + (-log_factorial_sum)``.

Parameter vectors are in paramnames order and natural units:
``(x0, y0, S0, rc, beta, B)`` or ``(x0, y0, S0, rc, beta, B, S02, rc2, beta2)``.

How it is made fast (measured on the default data set, 255k good pixels,
13% of them with counts; see benchmarks/bench_engine.py):

* plain numba loop with ``math.log``/``math.exp``/``**``: ~5-6 ms per call;
* the pixels are reordered so those with counts come first: ``log(mu)`` is
  needed only there, and the remaining 87% only contribute ``-mu``;
* ``(1 + r^2/rc^2)^a`` is computed as ``exp(a log(1 + r^2/rc^2))`` with the
  SIMD-friendly `fastmath.vlog`/`fastmath.vexp`, so LLVM vectorizes the
  pixel loops (numba's own exp/log are scalar libm calls): ~0.5-0.65 ms per
  call on one core, 10x the plain loop, float64-accurate (1e-15 relative);
* samplers evaluate all their chains in one call (`loglike_batch`), which
  spreads the chains over the threads (numba ``prange``): the threads
  synchronise once per step of all chains instead of once per evaluation,
  which keeps the second core useful even when the machine is shared;
* the OpenMP threads wait for work asleep, not spinning
  (``OMP_WAIT_POLICY=PASSIVE``, set here unless the environment already
  says): between two batches the sampler runs Python code, and a spinning
  worker thread takes a core from it. Measured on the 2-core machine shared
  with other work (load 3-4): the double fit of cl_j0933 took 8-16 s
  instead of 21-25 s, and a batched evaluation 0.4-0.6 ms instead of
  0.8-2.7 ms; at load 2.5 the double fit of cl_j0142 took the same time
  either way (28 s).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from scipy.special import gammaln

from .fastmath import vexp, vlog
from .model import PARAMNAMES2, expected_counts

# Read by the OpenMP runtime when numba starts its threads, at the first parallel call (see above).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# reassoc lets LLVM vectorize the sums (it only reorders the additions).
_LOOP = dict(fastmath={"contract", "reassoc"}, error_model="numpy", cache=True)


@dataclass
class PixelData:
    """Good pixels in likelihood order: those with counts first.

    Attributes
    ----------
    x, y : ndarray, shape (n,)
        Pixel coordinates, float64 (x = column, y = row).
    exposure : ndarray, shape (n,)
        Exposure in cm^2 s.
    counts : ndarray, shape (n,)
        Counts, float64.
    n_positive : int
        Number of leading pixels with counts > 0.
    shape : tuple of int
        ``(ny, nx)`` of the image (the prior on the centre uses it).
    log_factorial_sum : float
        Sum of log(N!) over the pixels, the constant that the log-likelihood
        leaves out.
    """

    x: np.ndarray
    y: np.ndarray
    exposure: np.ndarray
    counts: np.ndarray
    n_positive: int
    shape: tuple
    log_factorial_sum: float

    @property
    def size(self) -> int:
        return self.x.size

    @classmethod
    def from_data(cls, data) -> "PixelData":
        """Build from the tutorial's ``data`` dict.

        Parameters
        ----------
        data : dict or `PixelData`
            With ``flatim``, ``flatex``, ``flatx`` and ``flaty`` (and optionally
            ``im``, for the image shape); a `PixelData` is returned as it is.

        Returns
        -------
        PixelData

        Raises
        ------
        ValueError
            If a key is missing, the arrays are empty or of unequal lengths, a
            count is negative or not finite, or an exposure is not positive.
        """
        if isinstance(data, PixelData):
            return data
        missing = [k for k in ("flatim", "flatex", "flatx", "flaty") if k not in data]
        if missing:
            raise ValueError(f"data is missing {missing}; mask and flatten the image first "
                             "(solutions_lib.data.observation.prepare or add_good_pixels).")
        counts = np.asarray(data["flatim"], dtype=np.float64).ravel()
        exposure = np.asarray(data["flatex"], dtype=np.float64).ravel()
        x = np.asarray(data["flatx"], dtype=np.float64).ravel()
        y = np.asarray(data["flaty"], dtype=np.float64).ravel()
        if counts.size == 0 or not (counts.size == exposure.size == x.size == y.size):
            raise ValueError("flatim, flatex, flatx and flaty must be non-empty and of equal length.")
        if np.any(counts < 0) or not np.all(np.isfinite(counts)):
            raise ValueError("Counts must be finite and non-negative.")
        if not np.all(np.isfinite(exposure)) or np.any(exposure <= 0):
            raise ValueError("The exposure of every good pixel must be finite and positive.")
        order = np.argsort(counts == 0, kind="stable")
        if "im" in data:
            shape = tuple(np.shape(data["im"]))
        else:
            shape = (int(y.max()) + 1, int(x.max()) + 1)
        return cls(
            x=np.ascontiguousarray(x[order]),
            y=np.ascontiguousarray(y[order]),
            exposure=np.ascontiguousarray(exposure[order]),
            counts=np.ascontiguousarray(counts[order]),
            n_positive=int(np.count_nonzero(counts)),
            shape=shape,
            log_factorial_sum=float(gammaln(counts + 1.0).sum()),
        )


# ---------------------------------------------------------------------------
# Kernels. theta is a float64 array in paramnames order (6 or 9 entries). They inline the
# beta profile of `data.profile` (with the fast log/exp of `fastmath`) for speed; `loglike_numpy`
# evaluates it through `model.expected_counts`, the yardstick they are tested against.
# ---------------------------------------------------------------------------
@njit(**_LOOP)
def _pixels_single(x, y, e, n, lo, hi, npos, x0, y0, S0, rc, beta, B):
    """sum(N log mu - mu) over pixels lo..hi-1 (one component, background B)."""
    inv = 1.0 / (rc * rc)
    a = 0.5 - 3.0 * beta
    total = 0.0
    for i in range(lo, min(hi, npos)):          # pixels with counts
        dx = x[i] - x0
        dy = y[i] - y0
        m = S0 * e[i] * vexp(a * vlog(1.0 + (dx * dx + dy * dy) * inv))
        total += n[i] * vlog(m + B) - m
    zero = 0.0
    for i in range(max(lo, npos), hi):          # pixels without counts: only -mu
        dx = x[i] - x0
        dy = y[i] - y0
        zero += e[i] * vexp(a * vlog(1.0 + (dx * dx + dy * dy) * inv))
    return total - S0 * zero - B * (hi - lo)


@njit(**_LOOP)
def _pixels_double(x, y, e, n, lo, hi, npos, x0, y0, S0, rc, beta, B, S02, rc2, beta2):
    """As `_pixels_single` with a second concentric component."""
    inv1 = 1.0 / (rc * rc)
    inv2 = 1.0 / (rc2 * rc2)
    a1 = 0.5 - 3.0 * beta
    a2 = 0.5 - 3.0 * beta2
    total = 0.0
    for i in range(lo, min(hi, npos)):
        dx = x[i] - x0
        dy = y[i] - y0
        r2 = dx * dx + dy * dy
        m = e[i] * (S0 * vexp(a1 * vlog(1.0 + r2 * inv1)) + S02 * vexp(a2 * vlog(1.0 + r2 * inv2)))
        total += n[i] * vlog(m + B) - m
    zero = 0.0
    for i in range(max(lo, npos), hi):
        dx = x[i] - x0
        dy = y[i] - y0
        r2 = dx * dx + dy * dy
        zero += e[i] * (S0 * vexp(a1 * vlog(1.0 + r2 * inv1)) + S02 * vexp(a2 * vlog(1.0 + r2 * inv2)))
    return total - zero - B * (hi - lo)


@njit(cache=True)
def in_domain(theta):
    """Whether the kernels are defined at ``theta`` (mu > 0 everywhere).

    Parameters
    ----------
    theta : ndarray, shape (6,) or (9,)
        Parameters in paramnames order.

    Returns
    -------
    bool
        False for non-finite values, S0, rc or B <= 0, S02 < 0 or rc2 <= 0.
    """
    for k in range(theta.size):
        if not math.isfinite(theta[k]):
            return False
    if theta[2] <= 0.0 or theta[3] <= 0.0 or theta[5] <= 0.0:
        return False
    if theta.size == 9 and (theta[6] < 0.0 or theta[7] <= 0.0):
        return False
    return True


@njit(cache=True)
def _range(x, y, e, n, npos, theta, lo, hi):
    if not in_domain(theta):
        return -np.inf
    if theta.size == 6:
        return _pixels_single(x, y, e, n, lo, hi, npos, theta[0], theta[1], theta[2], theta[3],
                              theta[4], theta[5])
    return _pixels_double(x, y, e, n, lo, hi, npos, theta[0], theta[1], theta[2], theta[3],
                          theta[4], theta[5], theta[6], theta[7], theta[8])


@njit(cache=True)
def _one(x, y, e, n, npos, theta):
    return _range(x, y, e, n, npos, theta, 0, x.size)


@njit(parallel=True, cache=True)
def _batch(x, y, e, n, npos, thetas):
    out = np.empty(thetas.shape[0])
    for k in prange(thetas.shape[0]):
        out[k] = _range(x, y, e, n, npos, thetas[k], 0, x.size)
    return out


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------
def _theta(theta, nparams: int) -> np.ndarray:
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    if theta.shape != (nparams,):
        raise ValueError(f"expected {nparams} parameters in paramnames order, got shape {theta.shape}")
    return theta


def loglike(theta, data) -> float:
    """Log-likelihood (without -sum log N!) for 6 (single) or 9 (double) parameters.

    Parameters
    ----------
    theta : array_like, shape (6,) or (9,)
        Parameters in paramnames order, natural units.
    data : `PixelData` or dict
        The pixels (fast: build them once) or the tutorial's data dict
        (converted on every call).

    Returns
    -------
    float
        The log-likelihood; -inf outside the model's domain (see `in_domain`).

    Raises
    ------
    ValueError
        If ``theta`` has neither 6 nor 9 entries, or ``data`` is unusable.
    """
    px = PixelData.from_data(data)
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    if theta.shape not in ((6,), (9,)):
        raise ValueError(f"expected 6 (single) or 9 (double) parameters, got shape {theta.shape}")
    return float(_one(px.x, px.y, px.exposure, px.counts, px.n_positive, theta))


def loglike_single(theta, data) -> float:
    """Log-likelihood for ``(x0, y0, S0, rc, beta, B)``; see `loglike`.

    Parameters
    ----------
    theta : array_like, shape (6,)
        Parameters in paramnames order.
    data : `PixelData` or dict
        The pixels or the tutorial's data dict.

    Returns
    -------
    float
    """
    px = PixelData.from_data(data)
    return float(_one(px.x, px.y, px.exposure, px.counts, px.n_positive, _theta(theta, 6)))


def loglike_double(theta, data) -> float:
    """Log-likelihood for ``(x0, y0, S0, rc, beta, B, S02, rc2, beta2)``; see `loglike`.

    Parameters
    ----------
    theta : array_like, shape (9,)
        Parameters in paramnames order.
    data : `PixelData` or dict
        The pixels or the tutorial's data dict.

    Returns
    -------
    float
    """
    px = PixelData.from_data(data)
    return float(_one(px.x, px.y, px.exposure, px.counts, px.n_positive, _theta(theta, 9)))


def loglike_batch(thetas, data) -> np.ndarray:
    """Log-likelihoods of several parameter vectors at once, spread over threads.

    Parameters
    ----------
    thetas : array_like, shape (n, 6) or (n, 9)
        One parameter vector per row (a single vector is taken as one row).
    data : `PixelData` or dict
        The pixels or the tutorial's data dict.

    Returns
    -------
    ndarray, shape (n,)
        The log-likelihood of each row; -inf outside the domain.

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


def loglike_numpy(theta, data: dict) -> float:
    """Plain float64 numpy evaluation, the yardstick for the fast kernels.

    Parameters
    ----------
    theta : array_like, shape (6,) or (9,)
        Parameters in paramnames order.
    data : dict or `PixelData`
        The tutorial's data dict or the pixels built from it.

    Returns
    -------
    float
    """
    px = PixelData.from_data(data)
    mu = expected_counts(dict(zip(PARAMNAMES2, np.asarray(theta, dtype=np.float64))),
                         px.x, px.y, px.exposure)
    return float(np.sum(px.counts * np.log(mu) - mu))

