"""Hidden reference library of the X-ray image tutorial (instructors only).

Solution cells and hidden autograder tests import this package; it never
ships to students. Modules:

* `data`: read an observation, pixel index arrays, flatten good pixels;
* `masks`: DS9 region masks and the low-exposure mask;
* `mock` and `datasets`: the simulator and the catalogue of course data sets.
"""
from .data import (
    Observation,
    add_good_pixels,
    data_dict,
    load_observation,
    pixel_indices,
    prepare,
    rebuild_image,
)
from .errors import CourseDataError, MaskError, RegionError
from .masks import combined_mask, exposure_mask, parse_regions, region_mask

__all__ = [
    "Observation",
    "add_good_pixels",
    "data_dict",
    "load_observation",
    "pixel_indices",
    "prepare",
    "rebuild_image",
    "CourseDataError",
    "MaskError",
    "RegionError",
    "combined_mask",
    "exposure_mask",
    "parse_regions",
    "region_mask",
]
