"""What the sky puts on the detector: the cluster, AGN and a readout streak."""
from __future__ import annotations

import numpy as np

from ..profile import beta_profile
from .instrument import CHIP, PIXEL_ARCSEC

OUT_OF_TIME_FRACTION = 0.013  # 41 us of transfer per 3.2 s frame
COURSE_FIELD_ARCSEC2 = 883 * 883 * PIXEL_ARCSEC**2   # the sky area of a course image


def cluster_brightness(shape, params, ellipticity=0.0, angle=0.0) -> np.ndarray:
    """Surface brightness (counts/s/cm^2/pixel) of one or two concentric beta components.

    With ``ellipticity`` e > 0 the isophotes are ellipses of axis ratio 1 - e
    at position angle ``angle`` (radians), keeping the area inside each
    isophote equal to the circular model's.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(ny, nx)``.
    params : dict
        Centre ``x0``, ``y0`` (pixels) and the first component's ``S0``,
        ``rc`` (pixels), ``beta``; a non-zero ``S02`` adds a second
        component with ``rc2`` and ``beta2``.
    ellipticity : float, optional
        1 minus the axis ratio of the isophotes; 0 for circles.
    angle : float, optional
        Position angle of the major axis, radians.

    Returns
    -------
    ndarray, shape (ny, nx)
        Surface brightness, in the units of ``S0``.
    """
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    dx, dy = x - params["x0"], y - params["y0"]
    if ellipticity:
        q = 1.0 - ellipticity
        cos, sin = np.cos(angle), np.sin(angle)
        major, minor = cos * dx + sin * dy, -sin * dx + cos * dy
        r2 = q * major**2 + minor**2 / q
    else:
        r2 = dx**2 + dy**2
    brightness = beta_profile(r2 / params["rc"]**2, params["S0"], params["beta"])
    if params.get("S02"):
        brightness += beta_profile(r2 / params["rc2"]**2, params["S02"], params["beta2"])
    return brightness


def psf_sigma_pixels(theta_arcmin):
    """Gaussian width of the PSF in binned pixels: ~0.3 on axis, ~2 at 8 arcmin.

    Parameters
    ----------
    theta_arcmin : float or array_like
        Off-axis angle in arcmin.

    Returns
    -------
    float or ndarray
        Width in course pixels, same shape as ``theta_arcmin``.
    """
    return 0.3 + 0.028 * np.asarray(theta_arcmin) ** 2


def draw_point_sources(rng, shape, aimpoint, exposure_ks, avoid, avoid_radius, pixel_arcsec=PIXEL_ARCSEC):
    """AGN positions and expected counts from a power-law flux distribution.

    Counts above 8 follow N(>c) ~ c^-1.1 (a Euclidean-like logN-logS), with
    the number of sources growing with exposure and with the image's area
    on the sky (pixels of ``pixel_arcsec``). Sources within
    ``avoid_radius`` pixels of ``avoid`` (the cluster centre) are dropped.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the number, positions and counts.
    shape : tuple of int
        Image shape ``(ny, nx)``.
    aimpoint : tuple of float
        Image position ``(x, y)`` of the aimpoint.
    exposure_ks : float
        Exposure time in kiloseconds.
    avoid : tuple of float
        Image position ``(x, y)`` to keep clear (the cluster centre).
    avoid_radius : float
        Radius of the clear zone, in image pixels.
    pixel_arcsec : float, optional
        Image pixel size in arcsec.

    Returns
    -------
    list of dict
        One dict per source: ``x``, ``y`` (image pixels), ``counts``
        (expected, before vignetting) and ``theta`` (off-axis angle, arcmin).
    """
    ny, nx = shape
    field = nx * ny * pixel_arcsec**2 / COURSE_FIELD_ARCSEC2
    number = rng.poisson(110 * (exposure_ks / 60.0) ** 0.7 * field)
    sources = []
    for _ in range(number):
        x, y = rng.uniform(20, nx - 20), rng.uniform(20, ny - 20)
        if np.hypot(x - avoid[0], y - avoid[1]) < avoid_radius:
            continue
        counts = 8.0 * (1.0 - rng.uniform()) ** (-1.0 / 1.1)
        theta = np.hypot(x - aimpoint[0], y - aimpoint[1]) * pixel_arcsec / 60.0
        sources.append({"x": x, "y": y, "counts": float(min(counts, 3000.0)), "theta": float(theta)})
    return sources


def scatter_point_sources(rng, shape, sources, relative_area, scale: float = 1.0) -> np.ndarray:
    """Counts image of the sources: photons spread by the off-axis PSF.

    Each source's expected counts are scaled by ``relative_area`` (exposure
    over its on-axis value) at its position, so sources fade on bad columns
    and vanish off the chips.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the photons.
    shape : tuple of int
        Image shape ``(ny, nx)``.
    sources : list of dict
        As `draw_point_sources` returns them; each gets its PSF width in
        image pixels as ``psf_sigma_pix``.
    relative_area : ndarray, shape (ny, nx)
        Exposure over its on-axis value.
    scale : float, optional
        Image pixels per course pixel (the PSF's width is the same on the sky).

    Returns
    -------
    ndarray of int64, shape (ny, nx)
        Counts of all sources; photons falling off the image are lost.
    """
    image = np.zeros(shape, dtype=np.int64)
    ny, nx = shape
    for source in sources:
        ix, iy = int(source["x"]), int(source["y"])
        n = rng.poisson(source["counts"] * relative_area[iy, ix])
        sigma = scale * psf_sigma_pixels(source["theta"])
        px = np.floor(source["x"] + sigma * rng.standard_normal(n) + 0.5).astype(int)
        py = np.floor(source["y"] + sigma * rng.standard_normal(n) + 0.5).astype(int)
        keep = (px >= 0) & (px < nx) & (py >= 0) & (py < ny)
        np.add.at(image, (py[keep], px[keep]), 1)
        source["psf_sigma_pix"] = float(sigma)
    return image


def readout_streak(expected_counts, chip_index, u, chip_u_bounds, column_length=CHIP) -> np.ndarray:
    """Expected out-of-time events: each chip column's counts smeared along it.

    During the frame transfer, a fraction of every column's events land at
    random rows of the same column (``column_length`` pixels long). Columns
    are taken as bins of width 1 in ``u`` on each chip.

    Parameters
    ----------
    expected_counts : ndarray, shape (ny, nx)
        Expected counts of the source of the streak (the cluster).
    chip_index : ndarray of int, shape (ny, nx)
        Chip of each pixel, -1 off the detector (see
        `instrument.detector_response`).
    u : ndarray, shape (ny, nx)
        Detector coordinate across the columns.
    chip_u_bounds : sequence of (float, float)
        ``(u_lo, u_hi)`` of each chip, in the order of ``chip_index``.
    column_length : float, optional
        Pixels per chip column.

    Returns
    -------
    ndarray, shape (ny, nx)
        Expected out-of-time counts per pixel.
    """
    streak = np.zeros_like(expected_counts)
    for index, (u_lo, u_hi) in enumerate(chip_u_bounds):
        on = chip_index == index
        if not on.any():
            continue
        column = np.floor(u[on] - u_lo).astype(int)
        ncol = int(np.ceil(u_hi - u_lo)) + 1
        column = np.clip(column, 0, ncol - 1)
        per_column = np.bincount(column, weights=expected_counts[on], minlength=ncol)
        streak[on] = OUT_OF_TIME_FRACTION * per_column[column] / column_length
    return streak
