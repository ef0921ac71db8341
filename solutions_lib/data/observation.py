"""Reading a Chandra observation and flattening its good pixels.

The tutorial works with two FITS images of the same sky area:

* ``image_0.6-2.0keV.fits.gz``: counts per 4x4-binned ACIS pixel (int16);
* ``expmap_1.25kev.fits.gz``: exposure map in cm^2, *without* the exposure
  time, which lives in the image header as ``EXPOSURE`` (seconds). Other
  observations come with maps that already hold the time: in seconds (no
  effective area, as XMM-Newton's) or in cm^2 s. The map's ``BUNIT`` says
  which (`exposure_in_map`); without one, cm^2 is assumed.

Arrays are indexed ``[y, x]`` (row, column) as FITS stores them, with row 0 at
the bottom of the displayed image. Pixel index arrays ``imx`` and ``imy`` give
the column and row of every pixel so that later code never has to remember
that convention.
"""
from __future__ import annotations

import gzip
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS, FITSFixedWarning

from .errors import CourseDataError, MaskError

IMAGE_FILE = "image_0.6-2.0keV.fits.gz"
EXPMAP_FILE = "expmap_1.25kev.fits.gz"


@dataclass
class Observation:
    """One observation, ready for analysis.

    Attributes
    ----------
    im : ndarray, shape (ny, nx), int64
        Counts per pixel.
    ex : ndarray, shape (ny, nx), float64
        Exposure map times exposure time: cm^2 s for a map in cm^2 (the
        course's), s for a map in seconds (then surface brightness is in
        counts/s/pixel rather than counts/s/cm^2/pixel).
    wcs : astropy.wcs.WCS
        Celestial WCS of the image.
    header : astropy.io.fits.Header
        Primary header of the image file.
    exposure : float
        Exposure time in seconds (``EXPOSURE`` keyword).
    """

    im: np.ndarray
    ex: np.ndarray
    wcs: WCS
    header: fits.Header
    exposure: float


def read_fits_image(path) -> tuple[np.ndarray, fits.Header]:
    """Return the primary image array and header of a (gzipped) FITS file.

    Parameters
    ----------
    path : str or path-like
        The FITS file, gzipped or not.

    Returns
    -------
    data : ndarray, shape (ny, nx)
        The primary HDU's image, with the file's dtype.
    header : astropy.io.fits.Header
        A copy of the primary header.

    Raises
    ------
    CourseDataError
        Naming the file and the fix when it is missing, truncated, not FITS,
        or has no 2-D image in its primary HDU.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseDataError(
            f"{path} does not exist. Check that the data folder is right and "
            f"that it holds {IMAGE_FILE} and {EXPMAP_FILE}."
        )
    try:
        with fits.open(path, memmap=False) as hdul:
            hdu = hdul[0]
            data = np.array(hdu.data)
            header = hdu.header.copy()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise CourseDataError(
            f"{path} is damaged (the gzip stream ends early or is corrupt: {exc}). "
            "Download or copy the file again."
        ) from exc
    except OSError as exc:
        raise CourseDataError(
            f"{path} is not a readable FITS file ({exc}). "
            "Make sure you picked the .fits.gz file from the course data folder."
        ) from exc
    if data.ndim != 2:
        raise CourseDataError(
            f"{path} has no 2-D image in its first HDU (found shape {data.shape})."
        )
    return data, header


def celestial_wcs(header: fits.Header, path="image") -> WCS:
    """Build the celestial WCS of an image header, without the usual chatter.

    Parameters
    ----------
    header : astropy.io.fits.Header
        The image header.
    path : str or path-like, optional
        What to call the file in the error message.

    Returns
    -------
    astropy.wcs.WCS
        The celestial (RA/Dec) part of the header's WCS.

    Raises
    ------
    CourseDataError
        If the header has no celestial WCS.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        warnings.simplefilter("ignore", AstropyWarning)
        wcs = WCS(header)
    if not wcs.has_celestial:
        raise CourseDataError(f"{path} has no celestial (RA/Dec) WCS in its header.")
    return wcs.celestial


def exposure_in_map(header: fits.Header, path="exposure map") -> bool:
    """Does the exposure map already include the exposure time? Decided by its ``BUNIT``.

    cm^2 (or no ``BUNIT``, the course's files): no, the time is still to be
    multiplied in. Seconds or cm^2 s: yes.

    Parameters
    ----------
    header : astropy.io.fits.Header
        Header of the exposure map.
    path : str or path-like, optional
        What to call the file in the error message.

    Returns
    -------
    bool
        True when the map already holds the exposure time.

    Raises
    ------
    CourseDataError
        If ``BUNIT`` is not a unit, or is neither an area, a time nor both:
        the counts could not be related to the map.
    """
    text = str(header.get("BUNIT", "cm**2")).strip()
    try:
        unit = u.Unit(text, format="fits", parse_strict="raise")
    except ValueError:
        try:
            unit = u.Unit(text, parse_strict="raise")
        except ValueError as exc:
            raise CourseDataError(f"{path} has BUNIT = {text!r}, which is not a unit ({exc}). "
                                  "Set it to 'cm**2' (area only), 's' or 'cm**2 s'.") from exc
    if unit.is_equivalent(u.cm**2):
        return False
    if unit.is_equivalent(u.s) or unit.is_equivalent(u.cm**2 * u.s):
        return True
    raise CourseDataError(f"{path} has BUNIT = {text!r}: an exposure map holds an effective area "
                          "(cm**2), an exposure time (s) or both (cm**2 s).")


def load_observation(datadir) -> Observation:
    """Read the counts image and exposure map in ``datadir``.

    An exposure map in cm^2 is multiplied by the ``EXPOSURE`` keyword of
    the image header, so that a model in counts/s/cm^2/pixel times ``ex``
    gives expected counts per pixel; a map that already holds the time
    (``BUNIT`` s or cm^2 s, `exposure_in_map`) is taken as it is.

    Parameters
    ----------
    datadir : str or path-like
        Folder holding ``IMAGE_FILE`` and ``EXPMAP_FILE``.

    Returns
    -------
    Observation
        Counts, exposure (times the exposure time), WCS and header.

    Raises
    ------
    CourseDataError
        If the folder or a file is missing or unreadable, the two images
        differ in shape or WCS, ``EXPOSURE`` is missing or not positive, or
        the map holds NaN or infinite values.
    """
    datadir = Path(datadir)
    if not datadir.is_dir():
        raise CourseDataError(
            f"Data folder {datadir} does not exist. Set the data path to the folder "
            "of your assigned data set (it holds the two .fits.gz files)."
        )
    im_path, ex_path = datadir / IMAGE_FILE, datadir / EXPMAP_FILE
    im, header = read_fits_image(im_path)
    ex, ex_header = read_fits_image(ex_path)
    if im.shape != ex.shape:
        raise CourseDataError(
            f"The image {im.shape} and exposure map {ex.shape} have different shapes; "
            "they must come from the same observation and binning."
        )
    if "EXPOSURE" not in header:
        raise CourseDataError(
            f"{im_path} has no EXPOSURE keyword, so counts cannot be related to "
            "the exposure map. Use the image file from the course data set."
        )
    exposure = float(header["EXPOSURE"])
    if not np.isfinite(exposure) or exposure <= 0:
        raise CourseDataError(f"{im_path} has a non-positive EXPOSURE ({exposure}).")
    wcs = celestial_wcs(header, im_path)
    ex_wcs = celestial_wcs(ex_header, ex_path)
    if not _same_wcs(wcs, ex_wcs):
        raise CourseDataError(
            "The image and exposure map have different WCS (sky positions), so their "
            "pixels do not line up. Use files from the same data set."
        )
    if not np.all(np.isfinite(ex)):
        raise CourseDataError(f"{ex_path} contains NaN or infinite values.")
    time_factor = 1.0 if exposure_in_map(ex_header, ex_path) else exposure
    return Observation(
        im=im.astype(np.int64),
        ex=ex.astype(np.float64) * time_factor,
        wcs=wcs,
        header=header,
        exposure=exposure,
    )


def _same_wcs(a: WCS, b: WCS, tol=1e-6) -> bool:
    """True when two celestial WCS map pixels to the same sky positions."""
    return (
        list(a.wcs.ctype) == list(b.wcs.ctype)
        and np.allclose(a.wcs.crval, b.wcs.crval, rtol=0, atol=tol)
        and np.allclose(a.wcs.crpix, b.wcs.crpix, rtol=0, atol=1e-3)
        and np.allclose(a.pixel_scale_matrix, b.pixel_scale_matrix, rtol=1e-6, atol=0)
    )


def pixel_indices(shape) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(imx, imy)``: the column and row index of every pixel.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(ny, nx)``.

    Returns
    -------
    imx, imy : ndarray of int, shape (ny, nx)
        ``imx[y, x] == x`` and ``imy[y, x] == y``.
    """
    ny, nx = shape
    return np.meshgrid(np.arange(nx), np.arange(ny))


def data_dict(obs: Observation) -> dict:
    """The tutorial's ``data`` dictionary: ``im``, ``ex``, ``imx``, ``imy``.

    Parameters
    ----------
    obs : Observation
        The loaded observation.

    Returns
    -------
    dict
        ``im`` and ``ex`` from ``obs`` and the pixel indices ``imx``,
        ``imy`` (all shape ``(ny, nx)``).
    """
    imx, imy = pixel_indices(obs.im.shape)
    return {"im": obs.im, "ex": obs.ex, "imx": imx, "imy": imy}


def add_good_pixels(data: dict, mask: np.ndarray) -> dict:
    """Add the flattened arrays of unmasked pixels to ``data`` and return it.

    Parameters
    ----------
    data : dict
        Holds ``im``, ``ex``, ``imx``, ``imy`` (all shape (ny, nx)).
    mask : ndarray of bool, shape (ny, nx)
        True where a pixel is to be ignored.

    Returns
    -------
    dict
        ``data`` itself, with ``goodpix`` (flat indices of unmasked pixels),
        ``flatim`` (int64), ``flatex`` (float64), ``flatx`` and ``flaty``
        added (all shape ``(ngood,)``).

    Raises
    ------
    MaskError
        If the mask has the wrong shape, is not boolean, or masks every pixel.
    """
    mask = np.asarray(mask)
    if mask.shape != data["im"].shape:
        raise MaskError(
            f"The mask has shape {mask.shape} but the image has shape {data['im'].shape}."
        )
    if mask.dtype != bool:
        raise MaskError(f"The mask must be boolean (True = ignore), not {mask.dtype}.")
    goodpix = np.flatnonzero(~mask)
    if goodpix.size == 0:
        raise MaskError(
            "The mask removes every pixel. Check your regions: a box or circle may be "
            "far too large, or the exposure threshold too high."
        )
    data["goodpix"] = goodpix
    data["flatim"] = data["im"].ravel()[goodpix].astype(np.int64)
    data["flatex"] = data["ex"].ravel()[goodpix].astype(np.float64)
    data["flatx"] = data["imx"].ravel()[goodpix]
    data["flaty"] = data["imy"].ravel()[goodpix]
    return data


def rebuild_image(data: dict, shape=None) -> np.ndarray:
    """Put the good-pixel counts back into an image, NaN everywhere else.

    Uses only the flattened arrays (``flatim`` and ``goodpix``) and the image
    shape.

    Parameters
    ----------
    data : dict
        Holds ``flatim`` and ``goodpix`` (see `add_good_pixels`), and ``im``
        when ``shape`` is not given.
    shape : tuple of int, optional
        Image shape ``(ny, nx)``; defaults to ``data['im'].shape``.

    Returns
    -------
    ndarray of float, shape (ny, nx)
        The counts at the good pixels, NaN elsewhere.
    """
    shape = data["im"].shape if shape is None else shape
    image = np.full(shape, np.nan)
    image.ravel()[data["goodpix"]] = data["flatim"]
    return image


def prepare(datadir, region_string: str | None = None, exposure_fraction=0.5) -> dict:
    """Load, mask and flatten an observation in one call.

    Masks the union of the DS9 regions in ``region_string`` (if given) and the
    pixels whose exposure is below ``exposure_fraction`` of the maximum.

    Parameters
    ----------
    datadir : str or path-like
        Folder of the observation (see `load_observation`).
    region_string : str, optional
        DS9 regions to mask.
    exposure_fraction : float, optional
        Pixels with exposure below this fraction of the maximum are masked.

    Returns
    -------
    dict
        The tutorial's ``data`` dict with the flattened good pixels (see
        `add_good_pixels`), plus ``wcs`` and ``mask`` (bool, shape
        ``(ny, nx)``, True = ignored).

    Raises
    ------
    CourseDataError
        If the observation cannot be read.
    RegionError, MaskError
        If the regions cannot be parsed or the mask removes every pixel.
    """
    from .masks import combined_mask

    obs = load_observation(datadir)
    data = data_dict(obs)
    mask = combined_mask(obs.ex, obs.wcs, region_string, exposure_fraction)
    add_good_pixels(data, mask)
    data["wcs"] = obs.wcs
    data["mask"] = mask
    return data
