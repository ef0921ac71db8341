"""The cluster surface-brightness model: the beta profile and the expected counts per pixel.

Units follow the tutorial: radii in image pixels, surface brightness in
counts/s/cm^2/pixel, background ``B`` in expected counts per pixel.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..data.profile import beta_profile

PARAMNAMES = ["x0", "y0", "S0", "rc", "beta", "B"]
PARAMNAMES2 = PARAMNAMES + ["S02", "rc2", "beta2"]

_beta_profile_jit = njit(cache=True)(beta_profile)


@njit(cache=True)
def beta_model(r, S0, rc, beta):
    """Beta-model surface brightness ``S0 * (1 + (r/rc)^2)^(-3 beta + 1/2)``.

    Parameters
    ----------
    r : float or ndarray
        Radius in pixels.
    S0 : float
        Central surface brightness.
    rc : float
        Core radius in pixels.
    beta : float
        Slope.

    Returns
    -------
    float or ndarray
        The brightness, of the same shape as ``r``.
    """
    return _beta_profile_jit((r / rc) ** 2, S0, beta)


def expected_counts(params: dict, x, y, exposure) -> np.ndarray:
    """Model counts ``mu = S_CL(r) E + B`` at pixels (x, y) with exposure E.

    Plain float64 numpy, the yardstick for the fast kernels and the source
    of exact-model counts.

    Parameters
    ----------
    params : dict
        Parameters by name: the paramnames keys (one component) or the
        paramnames2 keys (two; a zero or missing ``S02`` means one).
    x, y : ndarray, shape (n,)
        Pixel coordinates (column, row).
    exposure : ndarray, shape (n,)
        Exposure of each pixel in cm^2 s.

    Returns
    -------
    ndarray, shape (n,)
        Expected counts per pixel.
    """
    r2 = (x - params["x0"]) ** 2 + (y - params["y0"]) ** 2
    s = beta_profile(r2 / params["rc"] ** 2, params["S0"], params["beta"])
    if params.get("S02"):
        s = s + beta_profile(r2 / params["rc2"] ** 2, params["S02"], params["beta2"])
    return s * exposure + params["B"]
