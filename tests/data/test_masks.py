"""Tests for solutions_lib.data.masks: DS9 regions to pixels, exposure masks."""
import warnings

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
import astropy.units as u

from solutions_lib.data.errors import MaskError, RegionError
from solutions_lib.data.masks import combined_mask, exposure_mask, parse_regions, region_mask

from conftest import TINY_SHAPE, tiny_wcs

WCS_ = tiny_wcs()
PIXEL = 1.968  # arcsec


def sky_of(x, y):
    ra, dec = WCS_.pixel_to_world_values(x, y)
    return float(ra), float(dec)


def test_fk5_circle_covers_its_pixels():
    ra, dec = sky_of(50, 20)
    mask = region_mask(f'fk5\ncircle({ra},{dec},{3.2 * PIXEL}")', WCS_, TINY_SHAPE)
    assert mask[20, 50] and mask[20, 53] and mask[23, 50]
    assert not mask[20, 55] and not mask[26, 50]
    assert 25 <= mask.sum() <= 40  # ~ pi * 3.2^2 = 32


def test_union_of_shapes_in_several_frames():
    ra, dec = sky_of(20, 30)
    text = "\n".join([
        "# Region file format: DS9 version 4.1",
        'global color=green dashlist=8 3 width=1',
        "fk5",
        f'box({ra},{dec},{10 * PIXEL}",{4 * PIXEL}",0)',
        "image",
        "circle(61,11,2)",  # DS9 image coordinates are 1-based: pixel (60, 10)
        "polygon(70,40,78,40,78,50)",
    ])
    mask = region_mask(text, WCS_, TINY_SHAPE)
    assert mask[30, 16] and mask[30, 24] and not mask[30, 27] and not mask[33, 20]
    assert mask[10, 60] and not mask[10, 63]
    assert mask[41, 76] and not mask[49, 70]


def test_rotated_box_is_rotated():
    ra, dec = sky_of(40, 30)
    flat = region_mask(f'icrs\nbox({ra},{dec},{30 * PIXEL}",{2 * PIXEL}",0)', WCS_, TINY_SHAPE)
    turned = region_mask(f'icrs\nbox({ra},{dec},{30 * PIXEL}",{2 * PIXEL}",90)', WCS_, TINY_SHAPE)
    assert flat[30, 52] and not flat[42, 40]
    assert turned[42, 40] and not turned[30, 52]


def test_malformed_line_is_named():
    text = 'fk5\ncircle(150.0,2.0,5")\ncircel(150.0,2.0,5")\n'
    with pytest.raises(RegionError, match="Line 3"):
        parse_regions(text)
    with pytest.raises(RegionError, match="str"):
        parse_regions(None)


def test_region_off_image_warns_and_masks_nothing():
    far = SkyCoord(170 * u.deg, 2 * u.deg)
    text = f'fk5\ncircle({far.ra.deg},{far.dec.deg},10")'
    with pytest.warns(UserWarning, match="off the"):
        mask = region_mask(text, WCS_, TINY_SHAPE)
    assert not mask.any()


def test_empty_string_masks_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not region_mask("", WCS_, TINY_SHAPE).any()


def test_exposure_mask_threshold_is_half_the_maximum():
    ex = np.array([[0.0, 49.9, 50.0, 100.0]])
    np.testing.assert_array_equal(exposure_mask(ex), [[True, True, False, False]])
    with pytest.raises(MaskError, match="NaN"):
        exposure_mask(np.array([[1.0, np.nan]]))


def test_combined_mask_refuses_to_remove_everything():
    ex = np.ones(TINY_SHAPE)
    ra, dec = sky_of(40, 30)
    with pytest.raises(MaskError, match="every pixel"):
        combined_mask(ex, WCS_, f'fk5\nbox({ra},{dec},1000",1000",0)')
    mask = combined_mask(ex, WCS_, f'fk5\ncircle({ra},{dec},5")')
    assert 0 < mask.sum() < 30
