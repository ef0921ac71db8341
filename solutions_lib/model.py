"""The cluster surface-brightness model and radial profiles.

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


class Profile:
    """Sums of counts, exposure and pixels in log-spaced annuli.

    Parameters
    ----------
    data : dict
        Holds the flattened good-pixel arrays ``flatim``, ``flatex``,
        ``flatx`` and ``flaty``.
    x0, y0 : float
        Centre of the annuli, in pixels.
    rmax : float
        Outer radius of the last annulus, in pixels.
    nbins : int
        Number of annuli; the first is a disc of radius 1 pixel.

    Attributes ``r1``, ``r2`` (inner and outer radii), ``r`` (representative
    radius), ``N`` (counts), ``E`` (exposure, cm^2 s) and ``npix`` (pixels)
    are arrays over the annuli that contain at least one good pixel.
    """

    def __init__(self, data, x0, y0, rmax, nbins=32):
        outer = np.geomspace(1.0, rmax, nbins)
        inner = np.concatenate(([0.0], outer[:-1]))
        radius = np.hypot(data["flatx"] - x0, data["flaty"] - y0)
        which = np.searchsorted(outer, radius, side="right")  # annulus index, nbins = outside
        inside = which < nbins
        counts = np.bincount(which[inside], weights=data["flatim"][inside], minlength=nbins)
        exposure = np.bincount(which[inside], weights=data["flatex"][inside], minlength=nbins)
        pixels = np.bincount(which[inside], minlength=nbins).astype(float)
        middle = np.sqrt(inner * outer)
        middle[0] = 0.5 * outer[0]  # the central disc has no geometric mean
        keep = pixels > 0
        self.r1, self.r2, self.r = inner[keep], outer[keep], middle[keep]
        self.N, self.E, self.npix = counts[keep], exposure[keep], pixels[keep]
