"""The cluster surface-brightness model: the beta profile and the expected counts per pixel.

Units follow the tutorial: radii in image pixels, surface brightness in
counts/s/cm^2/pixel, background ``B`` in expected counts per pixel.
"""
from __future__ import annotations

import numpy as np
from numba import njit

PARAMNAMES = ["x0", "y0", "S0", "rc", "beta", "B"]
PARAMNAMES2 = PARAMNAMES + ["S02", "rc2", "beta2"]
NPARAMS = {"single": len(PARAMNAMES), "double": len(PARAMNAMES2)}


@njit(cache=True)
def beta_model(r, S0, rc, beta):
    """Beta-model surface brightness ``S0 * (1 + (r/rc)^2)^(-3 beta + 1/2)``.

    ``r`` may be a scalar or an array (same shape returned).
    """
    return S0 * (1.0 + (r / rc) ** 2) ** (-3.0 * beta + 0.5)


def expected_counts(params: dict, x, y, exposure) -> np.ndarray:
    """Model counts ``mu = S_CL(r) E + B`` at pixels (x, y) with exposure E (cm^2 s).

    ``params`` has paramnames keys (one component) or paramnames2 keys (two;
    a zero or missing ``S02`` means one). Plain float64 numpy, the yardstick
    for the fast kernels and the source of exact-model counts.
    """
    r2 = (x - params["x0"]) ** 2 + (y - params["y0"]) ** 2
    s = params["S0"] * (1.0 + r2 / params["rc"] ** 2) ** (-3.0 * params["beta"] + 0.5)
    if params.get("S02"):
        s = s + params["S02"] * (1.0 + r2 / params["rc2"] ** 2) ** (-3.0 * params["beta2"] + 0.5)
    return s * exposure + params["B"]
