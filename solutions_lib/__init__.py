"""Hidden reference library of the X-ray image tutorial (instructors only).

Solution cells and hidden autograder tests import this package; it never
ships to students. Four layers, each importing only the ones before it
(``tests/test_layers.py`` holds them to it):

1. `data`: observations, masks, the beta profile, the catalogue of course
   data sets and the simulator that made them;
2. `engine`: model, likelihood, priors, optimiser, sampler, fitting and DIC;
3. `grading`: the sandboxed autograder, its hidden checks and the stored
   reference answers;
4. `course`: the instructor's tools (release, assign, class autograde,
   report, command-line front ends), dispatched by ``python -m solutions_lib``.

The names below are the data layer's public API, kept at the top for the
solution cells.
"""
from .data.observation import (
    Observation,
    add_good_pixels,
    data_dict,
    load_observation,
    pixel_indices,
    prepare,
    rebuild_image,
)
from .data.errors import CourseDataError, MaskError, RegionError
from .data.masks import combined_mask, exposure_mask, parse_regions, region_mask

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
