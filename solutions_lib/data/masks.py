"""Pixel masks: DS9 regions drawn by hand, and low exposure.

Convention: a mask is a boolean array shaped like the image, True where a
pixel is to be *ignored*. The good pixels are ``~mask``.
"""
from __future__ import annotations

import importlib.util
import warnings

import numpy as np
from regions import PixelRegion, Regions, SkyRegion

from .catalogue import COURSE_DATA
from .errors import MaskError, RegionError

# The course's one strict DS9 reader ships in the student's sky viewer, which can never import
# solutions_lib; it is self-contained, so it is loaded here from its file in the source assignment.
DS9_LINES = COURSE_DATA.parent / "skyviewer" / "ds9_lines.py"


def _load_ds9_lines():
    """The module `DS9_LINES`, run from its file (it is no package of ours)."""
    spec = importlib.util.spec_from_file_location("skyviewer_ds9_lines", DS9_LINES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ds9_lines = _load_ds9_lines()


def parse_regions(region_string: str) -> Regions:
    """Parse a DS9 region string, naming the offending line if it fails.

    Accepts what DS9, JS9 or the course's sky viewer write: an optional
    ``# Region file format`` header, ``global`` settings, a frame line
    (``fk5``, ``icrs``, ``image``) and shapes such as ``circle``, ``box``
    (optionally rotated) and ``polygon``. A line that ``regions`` would skip
    with a warning is an error too (`ds9_lines.parse_ds9`).

    Parameters
    ----------
    region_string : str
        DS9 regions, one per line.

    Returns
    -------
    regions.Regions
        The shapes, in sky or image coordinates as written.

    Raises
    ------
    RegionError
        If ``region_string`` is not a str, or a line does not parse.
    """
    if not isinstance(region_string, str):
        raise RegionError(
            f"region_string must be a str holding DS9 regions, not {type(region_string).__name__}."
        )
    try:
        return ds9_lines.parse_ds9(region_string)
    except ds9_lines.DS9LineError as exc:
        raise RegionError(
            f"Line {exc.number} of region_string does not parse as a DS9 region: {exc.line!r} "
            f"({exc.reason}). Copy the region list again, or fix that line, e.g. "
            "circle(150.1,-12.3,8\") or box(150.1,-12.3,60\",20\",45)."
        ) from exc


def region_mask(region_string: str, wcs, shape) -> np.ndarray:
    """Boolean mask of the union of all regions in a DS9 string.

    Parameters
    ----------
    region_string : str
        DS9 regions in sky (fk5/icrs) or image coordinates.
    wcs : astropy.wcs.WCS
        Celestial WCS of the image, used to place sky regions.
    shape : tuple (ny, nx)
        Shape of the image.

    Returns
    -------
    ndarray of bool, shape (ny, nx)
        True for pixels whose centre falls inside any region. A region that
        lies entirely off the image adds nothing and triggers a warning.

    Raises
    ------
    RegionError
        If ``region_string`` does not parse (`parse_regions`).
    """
    mask = np.zeros(shape, dtype=bool)
    for index, region in enumerate(parse_regions(region_string)):
        if isinstance(region, SkyRegion):
            region = region.to_pixel(wcs)
        elif not isinstance(region, PixelRegion):  # pragma: no cover - regions API guard
            raise RegionError(f"Region {index + 1} has an unknown type {type(region).__name__}.")
        stamp = region.to_mask(mode="center").to_image(shape)
        if stamp is None or not stamp.any():
            warnings.warn(
                f"Region {index + 1} ({type(region).__name__}) lies entirely off the "
                "image and masks nothing. Check its coordinates.",
                stacklevel=2,
            )
            continue
        mask |= stamp.astype(bool)
    return mask


def exposure_mask(ex: np.ndarray, fraction: float = 0.5) -> np.ndarray:
    """True where the exposure is below ``fraction`` of its maximum.

    Catches the space between chips, bad columns and dithered chip edges.

    Parameters
    ----------
    ex : array_like, shape (ny, nx)
        The exposure map.
    fraction : float, optional
        Threshold as a fraction of the map's maximum.

    Returns
    -------
    ndarray of bool, shape (ny, nx)
        True where a pixel is to be ignored.

    Raises
    ------
    MaskError
        If the exposure map holds NaN or infinite values.
    """
    ex = np.asarray(ex)
    if not np.all(np.isfinite(ex)):
        raise MaskError("The exposure map contains NaN or infinite values.")
    return ex < fraction * ex.max()


def combined_mask(ex, wcs, region_string=None, exposure_fraction=0.5) -> np.ndarray:
    """Union of the region mask (if any regions) and the low-exposure mask.

    Parameters
    ----------
    ex : ndarray, shape (ny, nx)
        The exposure map.
    wcs : astropy.wcs.WCS
        Celestial WCS of the image, used to place sky regions.
    region_string : str, optional
        DS9 regions to mask; None or empty masks none.
    exposure_fraction : float, optional
        Threshold of the low-exposure mask, as a fraction of the maximum.

    Returns
    -------
    ndarray of bool, shape (ny, nx)
        True where a pixel is to be ignored.

    Raises
    ------
    MaskError
        If the exposure map is not finite, or the masks remove every pixel.
    RegionError
        If ``region_string`` does not parse.
    """
    mask = exposure_mask(ex, exposure_fraction)
    if region_string:
        mask |= region_mask(region_string, wcs, ex.shape)
    if mask.all():
        raise MaskError(
            "Together the regions and the low-exposure mask remove every pixel. "
            "Check for a region that covers the whole image."
        )
    return mask
