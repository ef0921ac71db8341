"""Exceptions raised by the reference library.

Each error message says what was wrong and what to do about it, because the
people reading them are students and instructors in the middle of a notebook.
"""


class CourseDataError(ValueError):
    """An observation file is missing, unreadable, or inconsistent."""


class RegionError(ValueError):
    """A DS9 region string could not be turned into a pixel mask."""


class MaskError(ValueError):
    """A mask is unusable (wrong shape, or it removes every pixel)."""
