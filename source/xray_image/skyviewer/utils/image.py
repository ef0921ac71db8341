"""The image side of the sky viewer: reading FITS, display cuts, first view."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from astropy.wcs.utils import proj_plane_pixel_scales

__all__ = ["read_image", "display_cuts", "fits_bytes", "pixels_in_use", "initial_view"]

IN_USE_BLOCK = 16  # pixels: a block of a chip in use holds background counts


def read_image(image) -> tuple[np.ndarray, WCS]:
    """2-D float32 data and celestial WCS from a FITS path, HDUList or HDU.

    They come from the first HDU with 2-D data and a celestial WCS.

    Parameters
    ----------
    image : str, os.PathLike, astropy.io.fits.HDUList or image HDU
        A FITS file path, an open HDU list, or one ``PrimaryHDU``,
        ``ImageHDU`` or ``CompImageHDU``. Data with more than two axes
        gives its first 2-D plane.

    Returns
    -------
    data : numpy.ndarray
        The image, float32, shape (ny, nx).
    wcs : astropy.wcs.WCS
        Its celestial WCS (the celestial axes of the header's WCS).

    Raises
    ------
    FileNotFoundError
        If a path is given and no such file exists.
    TypeError
        If ``image`` is none of the types above.
    ValueError
        If no HDU has data of two or more axes and a celestial WCS.
    """
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"SkyViewer: FITS image not found: {path}")
        with fits.open(path) as hdul:
            return read_image(hdul)
    if isinstance(image, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        image = fits.HDUList([fits.PrimaryHDU(image.data, image.header)])
    if not isinstance(image, fits.HDUList):
        raise TypeError("SkyViewer: expected a FITS file path or an astropy "
                        f"HDUList/HDU, got {type(image).__name__}")
    for hdu in image:
        data = getattr(hdu, "data", None)
        if data is None or getattr(data, "ndim", 0) < 2:
            continue
        with warnings.catch_warnings():  # e.g. FITSFixedWarning on DATE-OBS
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(hdu.header).celestial
        if not wcs.has_celestial:
            continue
        data = np.asarray(data, dtype=np.float32)
        while data.ndim > 2:
            data = data[0]
        return data, wcs
    raise ValueError("SkyViewer: no 2-D image with a celestial WCS in the FITS data")


def display_cuts(data: np.ndarray) -> tuple[float, float]:
    """Low and high display cuts: 0.5 and 99.99 percentiles of finite pixels.

    Parameters
    ----------
    data : numpy.ndarray
        Pixel values (counts); NaN and infinite pixels are left out.

    Returns
    -------
    lo, hi : float
        The cuts, ``hi > lo`` always: when the percentiles coincide ``hi``
        is the largest value, or ``lo + 1`` if that is no larger;
        ``(0.0, 1.0)`` when no pixel is finite.
    """
    values = data[np.isfinite(data)]
    if not values.size:
        return 0.0, 1.0
    lo, hi = (float(v) for v in np.percentile(values, [0.5, 99.99]))
    if hi <= lo:
        hi = float(values.max())
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


def fits_bytes(data: np.ndarray, wcs: WCS, fill: float) -> bytes:
    """A minimal FITS file (big-endian float32, the WCS only) for the browser.

    Non-finite pixels become ``fill``.

    Parameters
    ----------
    data : numpy.ndarray
        The 2-D image.
    wcs : astropy.wcs.WCS
        Its WCS, written as the only header keywords besides the required
        ones.
    fill : float
        Value given to NaN and infinite pixels (the viewer uses the low
        display cut).

    Returns
    -------
    bytes
        The FITS file, one primary HDU.
    """
    clean = np.where(np.isfinite(data), data, fill).astype(">f4")
    buffer = io.BytesIO()
    fits.PrimaryHDU(clean, header=wcs.to_header()).writeto(buffer)
    return buffer.getvalue()


def pixels_in_use(counts: np.ndarray, exposure: np.ndarray | None = None) -> np.ndarray:
    """Boolean map of the detector pixels in use.

    They are the pixels with exposure above zero when an exposure map is
    given, else blocks of the counts image that hold any counts (every chip
    in use collects background; off-chip pixels none).

    Parameters
    ----------
    counts : numpy.ndarray
        The 2-D counts image; non-finite pixels count as empty.
    exposure : numpy.ndarray, optional
        Exposure map of the same shape; pixels with finite exposure above
        zero are in use. Without it, each 16 x 16 pixel block of ``counts``
        (counted from the first pixel) is in use when its counts add up to
        more than zero.

    Returns
    -------
    numpy.ndarray
        Boolean array of the shape of ``counts``.

    Raises
    ------
    ValueError
        If ``exposure`` and ``counts`` differ in shape.
    """
    if exposure is not None:
        if exposure.shape != counts.shape:
            raise ValueError(f"SkyViewer: exposure map {exposure.shape} and image "
                             f"{counts.shape} differ in shape")
        return np.isfinite(exposure) & (exposure > 0)
    ny, nx = counts.shape
    b = IN_USE_BLOCK
    padded = np.zeros((-(-ny // b) * b, -(-nx // b) * b), dtype=np.float64)
    padded[:ny, :nx] = np.where(np.isfinite(counts), counts, 0.0)
    blocks = padded.reshape(padded.shape[0] // b, b, padded.shape[1] // b, b).sum(axis=(1, 3))
    return np.repeat(np.repeat(blocks > 0, b, axis=0), b, axis=1)[:ny, :nx]


def initial_view(wcs: WCS, in_use: np.ndarray) -> dict:
    """Where the map starts, and how far it may zoom in.

    That is the centre (ICRS deg) and size (deg) of the box around the
    pixels in use (the whole image if none are), and the image pixel size
    (deg), so the browser can zoom to fit that box but never below one
    screen pixel per image pixel.

    Parameters
    ----------
    wcs : astropy.wcs.WCS
        The image's celestial WCS.
    in_use : numpy.ndarray
        Boolean map of the pixels in use, the image's shape (see
        `pixels_in_use`).

    Returns
    -------
    dict
        ``ra``, ``dec``: centre of the pixel-aligned box around the pixels
        in use, ICRS degrees; ``width``, ``height``: its size along the
        image's x and y axes, degrees; ``pixel``: the larger of the two
        pixel sizes, degrees.
    """
    ny, nx = in_use.shape
    rows, cols = np.nonzero(in_use)
    if rows.size:
        x0, x1, y0, y1 = cols.min(), cols.max() + 1, rows.min(), rows.max() + 1
    else:
        x0, x1, y0, y1 = 0, nx, 0, ny
    scale_x, scale_y = proj_plane_pixel_scales(wcs)  # deg per pixel
    centre = wcs.pixel_to_world((x0 + x1 - 1) / 2.0, (y0 + y1 - 1) / 2.0).icrs
    return {"ra": float(centre.ra.deg), "dec": float(centre.dec.deg),
            "width": float((x1 - x0) * scale_x), "height": float((y1 - y0) * scale_y),
            "pixel": float(max(scale_x, scale_y))}
