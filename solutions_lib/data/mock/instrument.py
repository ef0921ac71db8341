"""ACIS chip layouts, dither, bad columns, vignetting and the exposure map.

Detector coordinates (u, v) are in image pixels relative to the aimpoint,
with v along the chip columns (the readout direction). The detector is
rolled by ``roll`` radians relative to the image axes. The lengths below
(``CHIP``, ``GAP``, ``DITHER``) are in the course's pixels (4 native ACIS
pixels, ``PIXEL_ARCSEC``); an image binned otherwise passes ``scale``, its
pixels per course pixel (``PIXEL_ARCSEC / its pixel size``), and every
length is multiplied by it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PIXEL_ARCSEC = 1.968
CHIP = 256.0          # binned pixels per chip side (1024 native)
GAP = 4.5             # binned pixels between neighbouring chips
DITHER = 8.0          # width of the dither ramp at chip edges, binned pixels
AREA_FI = 420.0       # cm^2 at 1.25 keV, front-illuminated chips
AREA_BI = 540.0       # cm^2 at 1.25 keV, back-illuminated chips
VIGNETTING_PER_ARCMIN2 = 0.0023  # fractional loss per arcmin^2 off axis
LAYOUTS = ("acis-i", "acis-s")


@dataclass
class Chip:
    """One CCD: its name, type, extent in (u, v) and whether the fit uses it."""

    name: str
    back_illuminated: bool
    u0: float
    v0: float
    used: bool
    bad_columns: list = field(default_factory=list)  # (u centre, width) pairs
    side: float = CHIP     # image pixels per chip side
    dither: float = DITHER  # width of the dither ramp at its edges, image pixels

    @property
    def centre(self):
        """(u, v) of the chip's centre."""
        return self.u0 + self.side / 2, self.v0 + self.side / 2


def chip_layout(layout: str, rng, extra_s_chips: int = 0, scale: float = 1.0) -> list[Chip]:
    """The chips that are on, in detector coordinates (image pixels, ``scale`` per course pixel).

    ``acis-i``: the 2x2 I array with the aimpoint near its centre, plus
    ``extra_s_chips`` (0-2) chips of the S array, which are not used.
    ``acis-s``: S1-S4 in a row with the aimpoint on S3; only the two
    back-illuminated chips (S1, S3) are used.

    Parameters
    ----------
    layout : {'acis-i', 'acis-s'}
        Which array is at the aimpoint.
    rng : numpy.random.Generator
        Draws each chip's bad columns (0-2 of them).
    extra_s_chips : int, optional
        ``acis-i`` only: how many S chips (0-2) are also on.
    scale : float, optional
        Image pixels per course pixel.

    Returns
    -------
    list of Chip

    Raises
    ------
    ValueError
        If ``layout`` is not one of `LAYOUTS`.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    if layout == "acis-i":
        # The aimpoint sits on I3, ~40 pixels (80") from both gaps.
        lo, hi = -CHIP - GAP / 2 - 40.0, GAP / 2 - 40.0
        placed = [("I0", False, lo, hi, True), ("I1", False, hi, hi, True),
                  ("I2", False, lo, lo, True), ("I3", False, hi, lo, True)]
        s_row_v = lo - CHIP - 40.0
        for k in range(extra_s_chips):
            placed.append((f"S{2 + k}", k == 1, -CHIP + k * (CHIP + GAP), s_row_v, False))
    else:
        names = [("S1", True), ("S2", False), ("S3", True), ("S4", False)]
        u_s3 = -CHIP / 2 + 30.0
        placed = [(name, bi, u_s3 + (i - 2) * (CHIP + GAP), -CHIP / 2 - 20.0, bi)
                  for i, (name, bi) in enumerate(names)]
    chips = [Chip(name, bi, scale * u0, scale * v0, used, side=scale * CHIP, dither=scale * DITHER)
             for name, bi, u0, v0, used in placed]
    for chip in chips:
        n_bad = rng.integers(0, 3)
        chip.bad_columns = [
            (chip.u0 + scale * rng.uniform(20, CHIP - 20), scale * rng.uniform(0.5, 2.5)) for _ in range(n_bad)
        ]
    return chips


def _ramp_overlap(coord, lo, hi, width):
    """Fraction of a uniform dither of ``width`` that keeps ``coord`` in [lo, hi]."""
    return np.clip((np.minimum(coord + width / 2, hi) - np.maximum(coord - width / 2, lo)) / width, 0, 1)


def chip_coverage(chip: Chip, u, v) -> np.ndarray:
    """Fraction of the exposure that a live pixel of ``chip`` covered (u, v).

    The dither ramps at the chip's edges and its bad columns lower it.

    Parameters
    ----------
    chip : Chip
        The chip.
    u, v : ndarray, shape (ny, nx)
        Detector coordinates of the pixels (see `detector_coords`).

    Returns
    -------
    ndarray, shape (ny, nx)
        Fractions in [0, 1].
    """
    along_u = _ramp_overlap(u, chip.u0, chip.u0 + chip.side, chip.dither)
    for centre, width in chip.bad_columns:
        along_u = along_u - _ramp_overlap(u, centre - width / 2, centre + width / 2, chip.dither)
    return np.clip(along_u, 0, 1) * _ramp_overlap(v, chip.v0, chip.v0 + chip.side, chip.dither)


def detector_coords(shape, aimpoint, roll):
    """(u, v) of every image pixel, for an aimpoint (x, y) and roll angle.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(ny, nx)``.
    aimpoint : tuple of float
        Image position ``(x, y)`` of the aimpoint.
    roll : float
        Roll of the detector relative to the image axes, radians.

    Returns
    -------
    u, v : ndarray, shape (ny, nx)
        Detector coordinates in image pixels, relative to the aimpoint.
    """
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    dx, dy = x - aimpoint[0], y - aimpoint[1]
    cos, sin = np.cos(roll), np.sin(roll)
    return cos * dx + sin * dy, -sin * dx + cos * dy


def off_axis_arcmin(shape, aimpoint, pixel_arcsec: float = PIXEL_ARCSEC) -> np.ndarray:
    """Off-axis angle of every pixel, in arcmin, for pixels of ``pixel_arcsec``.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(ny, nx)``.
    aimpoint : tuple of float
        Image position ``(x, y)`` of the aimpoint.
    pixel_arcsec : float, optional
        Image pixel size in arcsec.

    Returns
    -------
    ndarray, shape (ny, nx)
    """
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    return np.hypot(x - aimpoint[0], y - aimpoint[1]) * pixel_arcsec / 60.0


def vignetting(theta_arcmin):
    """Relative effective area at off-axis angle theta (1 on axis).

    Parameters
    ----------
    theta_arcmin : float or array_like
        Off-axis angle in arcmin.

    Returns
    -------
    float or ndarray
        Same shape as ``theta_arcmin``; it falls quadratically with the
        angle and never below 0.4.
    """
    return np.clip(1.0 - VIGNETTING_PER_ARCMIN2 * np.asarray(theta_arcmin) ** 2, 0.4, 1.0)


def detector_response(chips, u, v, theta, rng, background_fi, background_bi):
    """Exposure map (cm^2), particle background (counts/pixel) and chip index.

    Both maps follow the dithered coverage of each chip; only the exposure
    map carries the vignetting, because particles are not focused by the
    mirrors. Each chip has its own quantum efficiency (a few per cent
    scatter) and a slight gradient along its columns.

    Parameters
    ----------
    chips : list of Chip
        The chips that are on (see `chip_layout`).
    u, v : ndarray, shape (ny, nx)
        Detector coordinates of the pixels (see `detector_coords`).
    theta : ndarray, shape (ny, nx)
        Off-axis angle of the pixels in arcmin (see `off_axis_arcmin`).
    rng : numpy.random.Generator
        Draws each chip's quantum efficiency.
    background_fi, background_bi : float
        Particle counts per fully covered pixel of a front- and of a
        back-illuminated chip.

    Returns
    -------
    area : ndarray, shape (ny, nx)
        Effective area in cm^2, vignetted.
    background : ndarray, shape (ny, nx)
        Expected particle counts per pixel.
    chip_index : ndarray of int, shape (ny, nx)
        Index into ``chips`` of the chip covering more than half of the
        exposure of each pixel; -1 off the detector.
    """
    area = np.zeros(u.shape)
    background = np.zeros(u.shape)
    chip_index = np.full(u.shape, -1)
    for index, chip in enumerate(chips):
        cover = chip_coverage(chip, u, v)
        on = cover > 0
        qe = (AREA_BI if chip.back_illuminated else AREA_FI) * rng.uniform(0.97, 1.03)
        gradient = 1.0 - 0.03 * (v[on] - chip.v0) / chip.side
        area[on] += qe * gradient * cover[on]
        background[on] += (background_bi if chip.back_illuminated else background_fi) * cover[on]
        chip_index[on & (cover > 0.5)] = index
    return area * vignetting(theta), background, chip_index
