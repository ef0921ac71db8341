"""DS9 region text for mask shapes, read and written by the ``regions`` package.

Writing gives what ``regions`` writes: a header line, the frame (``icrs``),
then one ``circle(ra,dec,r)`` or ``box(ra,dec,w,h,angle)`` per shape, with
positions and sizes in degrees. DS9, ``regions`` and the notebook's mask cell
all read it. Reading accepts anything ``regions`` reads (any sky frame,
sexagesimal, arcsec or arcmin sizes, ``image`` coordinates given the image
WCS); lines ``regions`` cannot read, and shapes other than circles and boxes,
are errors that name the line rather than being skipped.
"""

from __future__ import annotations

import warnings

from astropy.wcs import WCS
from regions import Regions

from .shapes import Shape

__all__ = ["read_ds9", "write_ds9"]

PRECISION = 8  # decimals of degrees: 0.04 milliarcsec


def write_ds9(shapes) -> str:
    """DS9 text for ``shapes`` (an empty string when there are none)."""
    regions = Regions([shape.to_region() for shape in shapes])
    return regions.serialize(format="ds9", precision=PRECISION)


def read_ds9(text: str, wcs: WCS | None = None) -> list[Shape]:
    """The circles and boxes in DS9 region ``text``.

    Raises ``ValueError`` naming the first line that cannot be used: one
    that ``regions`` cannot read, a shape that is not a circle or a box, or
    image coordinates when no ``wcs`` is given.
    """
    regions, _ = _try_parse(text)
    if regions is None:
        lineno, line, why = _first_bad_line(text)
        raise ValueError(f"line {lineno}: cannot read {line!r}: {why}")
    shapes = []
    for index, region in enumerate(regions):
        try:
            shapes.append(Shape.from_region(region, wcs))
        except ValueError as exc:
            lineno, line = _line_of(text, index)
            raise ValueError(f"line {lineno}: {line!r}: {exc}") from None
    return shapes


def _try_parse(text: str):
    """``(Regions, None)``, or ``(None, reason)`` when ``regions`` fails or
    skips a line (it warns and goes on; here that is an error)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            regions = Regions.parse(text, format="ds9")
        except Exception as exc:  # noqa: BLE001 - regions raises many types
            return None, str(exc) or type(exc).__name__
    skipped = [str(w.message) for w in caught if "skipping" in str(w.message)]
    if skipped:
        why = skipped[0].replace(", skipping", "").rstrip(".")
        if "coordinate frame was not found" in why:
            why += " (put a frame line such as 'icrs' or 'fk5' above it)"
        return None, why
    return regions, None


def _first_bad_line(text: str) -> tuple[int, str, str]:
    """The first line up to which ``text`` no longer parses, and why
    (parsing whole prefixes keeps the frame set by earlier lines)."""
    lines = text.splitlines()
    for end in range(1, len(lines) + 1):
        regions, why = _try_parse("\n".join(lines[:end]))
        if regions is None:
            return end, lines[end - 1].strip(), why
    return len(lines), lines[-1].strip() if lines else "", "not DS9 region text"


def _line_of(text: str, index: int) -> tuple[int, str]:
    """The line of ``text`` holding the region number ``index`` (0-based):
    the first line up to which ``text`` parses into more than ``index``."""
    lines = text.splitlines()
    for end in range(1, len(lines) + 1):
        regions, _ = _try_parse("\n".join(lines[:end]))
        if regions is not None and len(regions) > index:
            return end, lines[end - 1].strip()
    return len(lines), lines[-1].strip() if lines else ""
