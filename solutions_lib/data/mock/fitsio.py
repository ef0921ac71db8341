"""Writing a simulated observation as the course's files.

Public files: ``image_0.6-2.0keV.fits.gz`` and ``expmap_1.25kev.fits.gz`` (in cm^2,
or in seconds with ``exposure_units`` 's'; its ``BUNIT`` says which).
Hidden files: ``truth.json`` and the instructor's reference mask
``mask.reg``. The gzip streams carry no timestamp, so the same seed always
gives byte-identical files.
"""
from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from ..observation import EXPMAP_FILE, IMAGE_FILE
from . import instrument as inst
from .simulate import VISIBLE_SOURCE_COUNTS, SimulatedObservation

MJDREF = 50814.0
REGION_HEADER = "# Region file format: DS9 version 4.1\nglobal color=green width=1\nfk5\n"
# The exposure map's BUNIT and CONTENT for each of `simulate.EXPOSURE_UNITS` (the reader goes by BUNIT).
EXPMAP_UNITS = {"cm2": ("cm**2", "EXPMAP 1.25 keV (no exposure time)"),
                "s": ("s", "EXPMAP 1.25 keV (exposure time, no effective area)")}


def _observation_header(obs: SimulatedObservation) -> fits.Header:
    header = obs.wcs.to_header()
    truth = obs.truth
    start = 5.0e8 + 1.0e7 * (truth["seed"] % 37)  # seconds since MJDREF
    header["TELESCOP"] = ("CHANDRA", "mission")
    header["INSTRUME"] = ("ACIS", "instrument")
    header["DETNAM"] = "ACIS-" + "".join(c["name"][1] for c in truth["chips"])
    header["OBJECT"] = truth["name"] or f"MOCK-{truth['seed']}"
    header["OBS_ID"] = str(20000 + truth["seed"])
    header["MJDREF"] = (MJDREF, "[d] MJD zero point for times")
    header["TSTART"] = (start, "[s] observation start, seconds since MJDREF")
    header["TSTOP"] = (start + obs.exposure_s * 1.02, "[s] observation end")
    header["DATE-OBS"] = Time(MJDREF + start / 86400.0, format="mjd").isot[:19]
    header["ONTIME"] = (obs.exposure_s * 1.013, "[s] good time")
    header["LIVETIME"] = (obs.exposure_s, "[s] dead-time corrected")
    header["EXPOSURE"] = (obs.exposure_s, "[s] exposure time")
    header["ROLL_NOM"] = (truth["roll_deg"], "[deg] nominal roll angle")
    return header


def _write_gzipped(hdu: fits.PrimaryHDU, path: Path) -> None:
    buffer = io.BytesIO()
    hdu.writeto(buffer)
    path.write_bytes(gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0))


def _sky(obs: SimulatedObservation, x, y):
    ra, dec = obs.wcs.pixel_to_world_values(x, y)
    return float(ra), float(dec)


def _detector_to_image(obs: SimulatedObservation, u, v):
    cos, sin = np.cos(obs.roll), np.sin(obs.roll)
    return obs.aimpoint[0] + cos * u - sin * v, obs.aimpoint[1] + sin * u + cos * v


def reference_regions(obs: SimulatedObservation) -> str:
    """The mask a careful instructor would draw, as DS9 fk5 text.

    Circles over every point source expected to give at least
    ``VISIBLE_SOURCE_COUNTS`` counts (radius three PSF widths plus a margin),
    boxes over unused chips (with their dithered edges) and over the streak.

    Parameters
    ----------
    obs : SimulatedObservation
        The observation, with its truth.

    Returns
    -------
    str
        A DS9 region file in fk5 coordinates.
    """
    arcsec = obs.pixel_arcsec
    scale = inst.PIXEL_ARCSEC / arcsec
    lines = []
    for source in obs.truth["point_sources"]:
        if source["counts"] >= VISIBLE_SOURCE_COUNTS:
            radius = max(2.5, 3.0 * source["psf_sigma_pix"] + 1.5) * arcsec
            lines.append(f'circle({source["ra"]:.6f},{source["dec"]:+.6f},{radius:.2f}")')
    angle = np.degrees(obs.roll) % 360.0
    for chip in obs.chips:
        if chip.used:
            continue
        x, y = _detector_to_image(obs, *chip.centre)
        ra, dec = _sky(obs, x, y)
        side = (chip.side + chip.dither + 6 * scale) * arcsec
        lines.append(f'box({ra:.6f},{dec:+.6f},{side:.1f}",{side:.1f}",{angle:.3f})')
    if obs.truth["streak"]:
        lines += _streak_boxes(obs, angle)
    return REGION_HEADER + "\n".join(lines) + "\n"


def _streak_boxes(obs: SimulatedObservation, angle: float, core_gap: float = 30.0) -> list[str]:
    """Boxes along the core's chip column, on both sides of the core.

    The core itself (within ``core_gap`` course pixels) stays unmasked: it is
    what we fit; only the smeared out-of-time events further out are removed.
    """
    arcsec = obs.pixel_arcsec
    scale = inst.PIXEL_ARCSEC / arcsec
    core_gap = scale * core_gap
    p = obs.truth["params"]
    cos, sin = np.cos(obs.roll), np.sin(obs.roll)
    du, dv = p["x0"] - obs.aimpoint[0], p["y0"] - obs.aimpoint[1]
    u_core, v_core = cos * du + sin * dv, -sin * du + cos * dv
    boxes = []
    for chip in obs.chips:
        on_chip = chip.u0 <= u_core <= chip.u0 + chip.side and chip.v0 <= v_core <= chip.v0 + chip.side
        if not (chip.used and on_chip):
            continue
        for lo, hi in ((chip.v0, v_core - core_gap), (v_core + core_gap, chip.v0 + chip.side)):
            if hi - lo < 5 * scale:
                continue
            ra, dec = _sky(obs, *_detector_to_image(obs, u_core, (lo + hi) / 2))
            boxes.append(
                f'box({ra:.6f},{dec:+.6f},{8 * scale * arcsec:.1f}",{(hi - lo) * arcsec:.1f}",{angle:.3f})'
            )
    return boxes


def write_observation(obs: SimulatedObservation, outdir, hidden_dir=None) -> dict:
    """Write the FITS pair to ``outdir`` and truth + mask to ``hidden_dir``.

    Both folders are created if needed.

    Parameters
    ----------
    obs : SimulatedObservation
        The observation to write.
    outdir : str or path-like
        Folder for the public files (image and exposure map).
    hidden_dir : str or path-like, optional
        Folder for ``truth.json`` and ``mask.reg``; defaults to ``outdir``.

    Returns
    -------
    dict of str to pathlib.Path
        The paths written, under the keys ``image``, ``expmap``, ``truth``
        and ``mask``.
    """
    outdir = Path(outdir)
    hidden_dir = outdir if hidden_dir is None else Path(hidden_dir)
    outdir.mkdir(parents=True, exist_ok=True)
    hidden_dir.mkdir(parents=True, exist_ok=True)
    header = _observation_header(obs)
    image = fits.PrimaryHDU(obs.counts.astype(">i2"), header=header.copy())
    image.header["BUNIT"] = "count"
    binning = "4x4 binned" if obs.pixel_arcsec == inst.PIXEL_ARCSEC else f'{obs.pixel_arcsec:g}" pixels'
    image.header["CONTENT"] = f"IMAGE 0.6-2.0 keV, {binning}"
    expmap = fits.PrimaryHDU(obs.expmap.astype(">f4"), header=header.copy())
    expmap.header["BUNIT"], expmap.header["CONTENT"] = EXPMAP_UNITS[obs.exposure_units]
    paths = {"image": outdir / IMAGE_FILE, "expmap": outdir / EXPMAP_FILE,
             "truth": hidden_dir / "truth.json", "mask": hidden_dir / "mask.reg"}
    _write_gzipped(image, paths["image"])
    _write_gzipped(expmap, paths["expmap"])
    paths["truth"].write_text(json.dumps(obs.truth, indent=1) + "\n")
    paths["mask"].write_text(reference_regions(obs))
    return paths
