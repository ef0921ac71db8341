"""Shared fixtures: a tiny synthetic observation written as the course files."""
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from solutions_lib.data.observation import EXPMAP_FILE, IMAGE_FILE

TINY_SHAPE = (60, 80)  # (ny, nx): deliberately not square to catch x/y swaps


def tiny_wcs(shape=TINY_SHAPE, crval=(150.0, 2.0)):
    """A TAN WCS with 1.968 arcsec pixels centred on the image."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crpix = [shape[1] / 2 + 0.5, shape[0] / 2 + 0.5]
    wcs.wcs.crval = list(crval)
    wcs.wcs.cdelt = [-1.968 / 3600, 1.968 / 3600]
    wcs.wcs.radesys = "FK5"
    wcs.wcs.equinox = 2000.0
    return wcs


def write_tiny_observation(folder, shape=TINY_SHAPE, exposure=1000.0, seed=1):
    """Write a small image/exposure-map pair; return (counts, expmap_cm2)."""
    rng = np.random.default_rng(seed)
    ny, nx = shape
    expmap = np.full(shape, 400.0, dtype=np.float32)
    expmap[:, :5] = 0.0  # an off-chip strip
    expmap[:, 40] = 100.0  # a bad column
    counts = rng.poisson(0.2, size=shape).astype(np.int16)
    counts[expmap == 0] = 0
    header = tiny_wcs(shape).to_header()
    header["TELESCOP"] = "CHANDRA"
    header["EXPOSURE"] = exposure
    folder.mkdir(parents=True, exist_ok=True)
    fits.PrimaryHDU(counts, header=header).writeto(folder / IMAGE_FILE, overwrite=True)
    fits.PrimaryHDU(expmap, header=tiny_wcs(shape).to_header()).writeto(
        folder / EXPMAP_FILE, overwrite=True
    )
    return counts, expmap


@pytest.fixture
def tiny_obs_dir(tmp_path):
    """Folder holding a tiny valid observation."""
    folder = tmp_path / "tiny"
    write_tiny_observation(folder)
    return folder


def pytest_collection_modifyitems(items):
    """Browser tests start a JupyterLab or Colab host and Chromium: they count as slow too."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
