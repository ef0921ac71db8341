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
    """Gaussian width of the PSF in binned pixels: ~0.3 on axis, ~2 at 8 arcmin."""
    return 0.3 + 0.028 * np.asarray(theta_arcmin) ** 2


def draw_point_sources(rng, shape, aimpoint, exposure_ks, avoid, avoid_radius, pixel_arcsec=PIXEL_ARCSEC):
    """AGN positions and expected counts from a power-law flux distribution.

    Counts above 8 follow N(>c) ~ c^-1.1 (a Euclidean-like logN-logS), with
    the number of sources growing with exposure and with the image's area
    on the sky (pixels of ``pixel_arcsec``). Sources within
    ``avoid_radius`` pixels of ``avoid`` (the cluster centre) are moved out.
    Returns a list of dicts with x, y, counts (before vignetting) and the
    off-axis angle in arcmin.
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
    and vanish off the chips. ``scale``: image pixels per course pixel (the
    PSF's width is the same on the sky).
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
