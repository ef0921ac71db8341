"""Starting guesses read off the data, the posterior maximum, and its curvature."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .likelihood import PixelData

CELL = 8  # pixels per side of the cells used to find the brightest region


def initial_guess(data) -> np.ndarray:
    """Rough single-beta parameters read off the data.

    Centre: the brightest 8x8-pixel cell of the exposure-corrected counts
    (smoothed over its 3x3 neighbourhood), refined by count-weighted
    centroids within 20 and then 8 pixels. Background: mean counts per pixel
    in the outer 30% of the good pixels (by distance from that centre).
    S0: mean surface brightness above the background within 3 pixels.
    rc = 8 pixels and beta = 0.7 are typical values; the optimiser refines all.

    Parameters
    ----------
    data : dict or `PixelData`
        The tutorial's data dict or the pixels built from it.

    Returns
    -------
    ndarray, shape (6,)
        ``(x0, y0, S0, rc, beta, B)`` in natural units.
    """
    pixels = PixelData.from_data(data)
    x, y, counts, exposure = pixels.x, pixels.y, pixels.counts, pixels.exposure
    ix, iy = (x // CELL).astype(int), (y // CELL).astype(int)
    nx, ny = ix.max() + 3, iy.max() + 3
    cnt = np.zeros((ny, nx))
    exp = np.zeros((ny, nx))
    np.add.at(cnt, (iy + 1, ix + 1), counts)
    np.add.at(exp, (iy + 1, ix + 1), exposure)
    smooth_c = sum(np.roll(np.roll(cnt, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1))
    smooth_e = sum(np.roll(np.roll(exp, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1))
    # Require a decent amount of exposure so that a lone count on a chip edge cannot win.
    rate = np.where(smooth_e > 0.5 * np.median(smooth_e[smooth_e > 0]), smooth_c / np.maximum(smooth_e, 1e-30), 0)
    by, bx = np.unravel_index(np.argmax(rate), rate.shape)
    cx, cy = (bx - 1 + 0.5) * CELL, (by - 1 + 0.5) * CELL
    for radius in (20.0, 8.0):
        near = np.hypot(x - cx, y - cy) < radius
        if counts[near].sum() > 0:
            cx, cy = np.average(x[near], weights=counts[near]), np.average(y[near], weights=counts[near])
    r = np.hypot(x - cx, y - cy)
    far = r > np.percentile(r, 70)
    background = max(counts[far].mean(), 1e-4)
    core = r < 3.0
    if not core.any():
        core = r <= np.sort(r)[min(8, r.size - 1)]
    S0 = max((counts[core].mean() - background) / exposure[core].mean(), 1e-11)
    return np.array([cx, cy, S0, 8.0, 0.7, background])


def maximize(objective, starts, model, max_evals: int = 4000, n_best: int | None = None,
             polish: bool = True):
    """Maximum of ``objective`` over the sampler coordinates of ``model``, from several starts.

    Powell's method (no gradients needed, copes with the strongly correlated
    posterior) from the ``n_best`` starts with the highest objective, then,
    with ``polish``, a second pass from the best point. Powell never ends
    below its start, so the maximum is at least the objective of every start
    (the best start is always run).

    Parameters
    ----------
    objective : callable
        ``objective(z) -> float`` of a sampler-coordinate vector; -inf outside
        the prior.
    starts : iterable of array_like
        Starting points as natural parameter vectors; those where the
        objective is not finite are dropped.
    model : `models.Model`
        Converts between natural and sampler coordinates.
    max_evals : int, optional
        Function evaluations allowed to each Powell run.
    n_best : int, optional
        How many of the best starts to run (all, by default).
    polish : bool, optional
        Whether to restart Powell once from the best point found.

    Returns
    -------
    theta : ndarray, shape (n_params,)
        The best point, in natural units.
    value : float
        The objective there.

    Raises
    ------
    RuntimeError
        If no start has a finite objective, or no run found a finite one.
    """
    def negative(z):
        value = objective(z)
        return -value if np.isfinite(value) else 1e300

    def run(z0, evals):
        return minimize(negative, z0, method="Powell",
                        options={"maxfev": evals, "xtol": 1e-5, "ftol": 1e-11})

    candidates = []
    for start in starts:
        z0 = model.to_sampler(start)
        value = objective(z0)
        if np.isfinite(value):
            candidates.append((value, z0))
    candidates.sort(key=lambda pair: -pair[0])
    if not candidates:
        raise RuntimeError("No starting point of the optimiser has a finite posterior (inside the prior, "
                           "with a finite likelihood): check the data (counts, exposure map, mask).")
    best = None
    for _, z0 in candidates[:n_best]:
        result = run(z0, max_evals)
        if best is None or result.fun < best.fun:
            best = result
    if best.fun >= 1e300:
        raise RuntimeError("The posterior maximum could not be found from any starting point.")
    if polish:
        polished = run(best.x, max_evals)
        if polished.fun < best.fun:
            best = polished
    return model.from_sampler(best.x), -float(best.fun)


def laplace_covariance(logpost_z, z_map, steps=None) -> np.ndarray:
    """Covariance of the Gaussian approximation at the maximum, in sampler coordinates.

    The Hessian comes from central differences (steps of ``steps`` in every
    sampler coordinate, then a second pass with a tenth of the implied
    standard deviations). If it is not negative definite (e.g. at a prior
    bound), the diagonal of the curvature is used instead.

    Parameters
    ----------
    logpost_z : callable
        ``logpost_z(z) -> float``, the log-posterior in sampler coordinates.
    z_map : ndarray, shape (ndim,)
        The maximum.
    steps : array_like, shape (ndim,), optional
        Difference steps of the first pass; 1e-3 in every coordinate by
        default.

    Returns
    -------
    ndarray, shape (ndim, ndim)
    """
    d = z_map.size
    steps = np.full(d, 1e-3) if steps is None else np.asarray(steps, float)

    def hessian(h):
        f0 = logpost_z(z_map)
        eye = np.eye(d)
        H = np.empty((d, d))
        for i in range(d):
            ei = eye[i] * h[i]
            H[i, i] = (logpost_z(z_map + ei) - 2 * f0 + logpost_z(z_map - ei)) / h[i] ** 2
            for j in range(i + 1, d):
                ej = eye[j] * h[j]
                H[i, j] = H[j, i] = (logpost_z(z_map + ei + ej) - logpost_z(z_map + ei - ej)
                                     - logpost_z(z_map - ei + ej) + logpost_z(z_map - ei - ej)) / (4 * h[i] * h[j])
        return H

    def as_cov(H):
        if not np.all(np.isfinite(H)):
            return None
        try:
            cov = np.linalg.inv(-H)
            np.linalg.cholesky(cov)
            return cov
        except np.linalg.LinAlgError:
            return None

    H = hessian(steps)
    cov = as_cov(H)
    if cov is not None:
        refined = as_cov(hessian(np.clip(0.1 * np.sqrt(np.diag(cov)), 1e-6, 0.05)))
        if refined is not None:
            return refined
        return cov
    diagonal = -np.diag(H)
    diagonal = np.where(np.isfinite(diagonal) & (diagonal > 0), diagonal, 1.0 / 0.1**2)
    return np.diag(1.0 / diagonal)
