"""Tests for solutions_lib.data: reading, indexing, flattening, rebuilding."""
import gzip

import numpy as np
import pytest
from astropy.io import fits

from solutions_lib.data.observation import (
    EXPMAP_FILE,
    IMAGE_FILE,
    add_good_pixels,
    data_dict,
    load_observation,
    pixel_indices,
    prepare,
    rebuild_image,
)
from solutions_lib.data.errors import CourseDataError, MaskError

from conftest import TINY_SHAPE, tiny_wcs, write_tiny_observation


def test_load_multiplies_exposure_and_keeps_counts(tiny_obs_dir):
    counts, expmap = write_tiny_observation(tiny_obs_dir, exposure=2500.0)
    obs = load_observation(tiny_obs_dir)
    assert obs.im.dtype == np.int64 and obs.ex.dtype == np.float64
    np.testing.assert_array_equal(obs.im, counts)
    np.testing.assert_allclose(obs.ex, expmap * 2500.0)
    assert obs.exposure == 2500.0
    assert obs.wcs.has_celestial


def test_pixel_indices_follow_row_y_column_x():
    imx, imy = pixel_indices((3, 5))
    assert imx.shape == imy.shape == (3, 5)
    assert imx[2, 4] == 4 and imy[2, 4] == 2
    assert imx.max() == 4 and imy.max() == 2


def test_flatten_and_rebuild_round_trip(tiny_obs_dir):
    data = data_dict(load_observation(tiny_obs_dir))
    mask = np.zeros(TINY_SHAPE, dtype=bool)
    mask[10:20, 30:50] = True
    add_good_pixels(data, mask)
    assert data["flatim"].dtype == np.int64 and data["flatex"].dtype == np.float64
    n_good = (~mask).sum()
    for key in ("goodpix", "flatim", "flatex", "flatx", "flaty"):
        assert data[key].shape == (n_good,)
    # flat arrays point back at the right pixels
    np.testing.assert_array_equal(data["im"][data["flaty"], data["flatx"]], data["flatim"])
    rebuilt = rebuild_image(data)
    assert np.all(np.isnan(rebuilt[mask]))
    np.testing.assert_array_equal(rebuilt[~mask], data["im"][~mask])


def test_mask_must_match_and_leave_something(tiny_obs_dir):
    data = data_dict(load_observation(tiny_obs_dir))
    with pytest.raises(MaskError, match="shape"):
        add_good_pixels(data, np.zeros((3, 3), dtype=bool))
    with pytest.raises(MaskError, match="boolean"):
        add_good_pixels(data, np.zeros(TINY_SHAPE))
    with pytest.raises(MaskError, match="every pixel"):
        add_good_pixels(data, np.ones(TINY_SHAPE, dtype=bool))


def test_prepare_masks_low_exposure(tiny_obs_dir):
    data = prepare(tiny_obs_dir)
    # the off-chip strip (x < 5) and the bad column (x == 40) are gone
    assert data["flatx"].min() == 5
    assert 40 not in set(data["flatx"].tolist())
    assert data["mask"].sum() == 5 * TINY_SHAPE[0] + TINY_SHAPE[0]


def test_missing_folder_and_file(tmp_path, tiny_obs_dir):
    with pytest.raises(CourseDataError, match="does not exist"):
        load_observation(tmp_path / "nowhere")
    (tiny_obs_dir / EXPMAP_FILE).unlink()
    with pytest.raises(CourseDataError, match="expmap_1.25kev"):
        load_observation(tiny_obs_dir)


def test_not_fits_and_truncated_gzip(tiny_obs_dir):
    image = tiny_obs_dir / IMAGE_FILE
    whole = gzip.compress(image.read_bytes())
    image.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CourseDataError, match="damaged|not a readable FITS"):
        load_observation(tiny_obs_dir)
    image.write_bytes(gzip.compress(b"this is a text file, not FITS" * 100))
    with pytest.raises(CourseDataError, match="not a readable FITS|damaged"):
        load_observation(tiny_obs_dir)


def test_shape_and_wcs_mismatch(tiny_obs_dir):
    header = tiny_wcs((30, 30)).to_header()
    fits.PrimaryHDU(np.ones((30, 30), np.float32), header=header).writeto(
        tiny_obs_dir / EXPMAP_FILE, overwrite=True
    )
    with pytest.raises(CourseDataError, match="different shapes"):
        load_observation(tiny_obs_dir)
    shifted = tiny_wcs(TINY_SHAPE, crval=(151.0, 2.0)).to_header()
    fits.PrimaryHDU(np.ones(TINY_SHAPE, np.float32), header=shifted).writeto(
        tiny_obs_dir / EXPMAP_FILE, overwrite=True
    )
    with pytest.raises(CourseDataError, match="different WCS"):
        load_observation(tiny_obs_dir)


def test_missing_exposure_keyword(tiny_obs_dir):
    path = tiny_obs_dir / IMAGE_FILE
    with fits.open(path) as hdul:
        hdu = hdul[0].copy()
    del hdu.header["EXPOSURE"]
    hdu.writeto(path, overwrite=True)
    with pytest.raises(CourseDataError, match="EXPOSURE"):
        load_observation(tiny_obs_dir)


@pytest.mark.parametrize("bunit, time_in_map", [("cm**2", False), ("cm2", False), ("s", True),
                                                ("cm**2 s", True), ("cm2 s", True)])
def test_exposure_map_units_are_read_from_bunit(tiny_obs_dir, bunit, time_in_map):
    """A map that already holds the exposure time (seconds, as XMM-Newton's, or cm^2 s) is not
    multiplied by EXPOSURE again; a map in cm^2 (the course's, also without BUNIT) is."""
    counts, expmap = write_tiny_observation(tiny_obs_dir, exposure=2500.0)
    path = tiny_obs_dir / EXPMAP_FILE
    with fits.open(path) as hdul:
        hdu = hdul[0].copy()
    hdu.header["BUNIT"] = bunit
    hdu.writeto(path, overwrite=True)
    obs = load_observation(tiny_obs_dir)
    np.testing.assert_allclose(obs.ex, expmap * (1.0 if time_in_map else 2500.0))


@pytest.mark.parametrize("bunit", ["erg", "not a unit"])
def test_exposure_map_in_other_units_is_refused(tiny_obs_dir, bunit):
    path = tiny_obs_dir / EXPMAP_FILE
    with fits.open(path) as hdul:
        hdu = hdul[0].copy()
    hdu.header["BUNIT"] = bunit
    hdu.writeto(path, overwrite=True)
    with pytest.raises(CourseDataError, match="BUNIT"):
        load_observation(tiny_obs_dir)
