"""Observations drawn exactly from the fitted model (tests, benchmarks, validation).

Unlike `data.mock` (a realistic Chandra simulator), these counts follow the
likelihood's model exactly, counts ~ Poisson(S_CL(r) E + B), so fits must
recover the input parameters: `synthetic_data` on a small square field with
smooth vignetting and no masking, `redraw_counts` on the layout and good
pixels of a course data set.
"""
from __future__ import annotations

import numpy as np

from ..data.observation import add_good_pixels
from .model import expected_counts

# A compact bright core inside a wider cluster (strong cool core), image ~ 160x160.
STRONG_CORE = dict(x0=80.3, y0=78.6, S0=2.0e-6, rc=3.0, beta=0.9, B=0.05,
                   S02=2.5e-7, rc2=15.0, beta2=0.65)


def synthetic_data(params: dict | None = None, shape=(160, 160), exposure=5e7, seed=0) -> dict:
    """The tutorial's data dict for a synthetic image (all pixels good).

    Parameters
    ----------
    params : dict, optional
        Parameters by paramnames (single) or paramnames2 (double) keys;
        `STRONG_CORE` by default.
    shape : tuple of int, optional
        ``(ny, nx)`` of the image.
    exposure : float, optional
        The on-axis exposure map value in cm^2 s; it falls by up to 30%
        towards the corners, like vignetting.
    seed : int, optional
        Seeds the Poisson draw.

    Returns
    -------
    dict
        ``im``, ``ex``, ``imx``, ``imy``, ``goodpix``, ``flatim``, ``flatex``,
        ``flatx``, ``flaty`` and ``truth`` (the parameters used).
    """
    params = dict(STRONG_CORE if params is None else params)
    rng = np.random.default_rng(seed)
    ny, nx = shape
    imx, imy = np.meshgrid(np.arange(nx), np.arange(ny))
    off = np.hypot(imx - nx / 2, imy - ny / 2) / np.hypot(nx / 2, ny / 2)
    ex = exposure * (1.0 - 0.3 * off**2)
    im = rng.poisson(expected_counts(params, imx, imy, ex)).astype(np.int64)
    goodpix = np.arange(im.size)
    return {
        "im": im, "ex": ex, "imx": imx, "imy": imy,
        "goodpix": goodpix,
        "flatim": im.ravel()[goodpix], "flatex": ex.ravel()[goodpix],
        "flatx": imx.ravel()[goodpix], "flaty": imy.ravel()[goodpix],
        "truth": params,
    }


def redraw_counts(data: dict, params: dict, seed=0) -> dict:
    """A copy of ``data`` whose counts are drawn exactly from the model with ``params``.

    The geometry stays: the exposure map and the good pixels of ``data``.
    Every good pixel gets Poisson(S_CL(r) E + B) counts, every masked pixel
    0. Validation uses it to test the engine on data that the model
    describes exactly, on the course's real layouts, which the course mocks
    are not (their particle background follows the dither coverage, and
    faint sources stay unmasked).

    Parameters
    ----------
    data : dict
        The tutorial's data dict; ``im``, ``ex``, ``imx``, ``imy`` and
        ``goodpix`` are read.
    params : dict
        Parameters by paramnames or paramnames2 keys.
    seed : int, optional
        Seeds the Poisson draw.

    Returns
    -------
    dict
        A new data dict with the good-pixel entries rebuilt
        (`data.observation.add_good_pixels`).
    """
    mask = np.ones(data["im"].shape, dtype=bool)
    mask.ravel()[data["goodpix"]] = False
    mean = expected_counts(params, data["imx"], data["imy"], np.asarray(data["ex"], dtype=float))
    redrawn = {key: data[key] for key in ("ex", "imx", "imy")}
    redrawn["im"] = np.where(mask, 0, np.random.default_rng(seed).poisson(mean))
    return add_good_pixels(redrawn, mask)


def draw_truth(rng, like: dict, ex, cool_core: str, counts_per_60ks: float = 25000.0) -> dict:
    """Cluster and background parameters drawn the way the simulator draws them.

    The shape parameters come from `data.mock.simulate.cluster_parameters`;
    the centre moves by up to 5 pixels; the cluster's expected counts are
    ``counts_per_60ks`` scaled to the exposure, times 0.8-1.25; the
    background is the data set's times 0.85-1.15.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the draws.
    like : dict
        A course data set's truth: its ``params`` (centre, ``B``) and
        ``exposure_s`` set the scene.
    ex : array_like, shape (ny, nx)
        Its exposure map, in cm^2 s.
    cool_core : str
        'strong', 'weak' or 'none'.
    counts_per_60ks : float, optional
        The cluster's expected counts in a 60 ks exposure.

    Returns
    -------
    dict
        paramnames2 keys (S02 = 0, rc2 = beta2 = None without a core).
    """
    from ..data.mock.simulate import cluster_parameters

    centre = (like["params"]["x0"] + rng.uniform(-5, 5), like["params"]["y0"] + rng.uniform(-5, 5))
    params = cluster_parameters(rng, cool_core, centre)
    ny, nx = np.shape(ex)
    imx, imy = np.meshgrid(np.arange(nx), np.arange(ny))
    unit = expected_counts(dict(params, B=0.0), imx, imy, np.asarray(ex, dtype=float)).sum()
    scale = counts_per_60ks * like["exposure_s"] / 60e3 * rng.uniform(0.8, 1.25) / unit
    params["S0"] = float(params["S0"] * scale)
    params["S02"] = float(params["S02"] * scale)
    params["B"] = float(like["params"]["B"] * rng.uniform(0.85, 1.15))
    return params
