"""Expected (Fisher) information of the Poisson image likelihood.

For counts N_i ~ Poisson(mu_i(theta)) the expected information is
``I = J^T diag(1/mu) J`` with ``J_ij = d mu_i / d theta_j``; its inverse is
the covariance a well-sampled posterior approaches when the data are
informative. Validation compares posterior standard deviations with
``fisher_sd`` at the true parameters.
"""
from __future__ import annotations

import numpy as np

from .likelihood import PixelData
from .model import PARAMNAMES2, expected_counts


def _mu(theta, pixels):
    """Expected counts for 6 (single) or 9 (double) parameters: paramnames2 starts with paramnames."""
    return expected_counts(dict(zip(PARAMNAMES2, theta)), pixels.x, pixels.y, pixels.exposure)


def fisher_information(theta, data) -> np.ndarray:
    """Expected information matrix at ``theta``.

    Derivatives of mu are central differences: steps of 1e-4 pixel for the
    centre, 1e-5 relative for the other parameters.

    Parameters
    ----------
    theta : array_like, shape (6,) or (9,)
        Single or double model parameters in paramnames order, natural units.
    data : dict or `PixelData`
        The tutorial's data dict or the pixels built from it.

    Returns
    -------
    ndarray, shape (n_params, n_params)
        ``J^T diag(1/mu) J``.
    """
    pixels = PixelData.from_data(data)
    theta = np.asarray(theta, dtype=float)
    mu = _mu(theta, pixels)
    jac = np.empty((mu.size, theta.size))
    for j in range(theta.size):
        h = 1e-4 if j < 2 else 1e-5 * abs(theta[j])
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (_mu(up, pixels) - _mu(down, pixels)) / (2 * h)
    return jac.T @ (jac / mu[:, None])


def fisher_sd(theta, data) -> np.ndarray:
    """Marginal standard deviations implied by the expected information at ``theta``.

    Parameters
    ----------
    theta : array_like, shape (6,) or (9,)
        Parameters in paramnames order, natural units.
    data : dict or `PixelData`
        The tutorial's data dict or the pixels built from it.

    Returns
    -------
    ndarray, shape (n_params,)
        Square roots of the diagonal of the inverse information matrix.
    """
    return np.sqrt(np.diag(np.linalg.inv(fisher_information(theta, data))))
