"""DS9 region text for mask shapes, read and written by the ``regions`` package.

Writing gives what ``regions`` writes: a header line, the frame (``icrs``),
then one ``circle(ra,dec,r)`` or ``box(ra,dec,w,h,angle)`` per shape, with
positions and sizes in degrees. DS9, ``regions`` and the notebook's mask cell
all read it. Reading accepts anything ``regions`` reads (any sky frame,
sexagesimal, arcsec or arcmin sizes, ``image`` coordinates given the image
WCS); lines ``regions`` cannot read (see :mod:`.ds9_lines`), and shapes other
than circles and boxes, are errors that name the line rather than being skipped.
"""

from __future__ import annotations

from astropy.wcs import WCS
from regions import Regions

from .ds9_lines import parse_ds9, region_lines
from .shapes import Shape

__all__ = ["read_ds9", "write_ds9"]

PRECISION = 8  # decimals of degrees: 0.04 milliarcsec


def write_ds9(shapes) -> str:
    """DS9 region text for ``shapes``.

    The text is what ``regions`` writes: a header line, the frame line
    ``icrs``, then one ``circle`` or ``box`` line per shape, positions and
    sizes in degrees with 8 decimals (a box angle too, in degrees).
    Exclusions (``include=False``) end with the comment ``# include=0``,
    as ``regions`` writes them.

    Parameters
    ----------
    shapes : iterable of Shape
        The shapes to write, in order.

    Returns
    -------
    str
        The DS9 text; an empty string when there are no shapes.
    """
    regions = Regions([shape.to_region() for shape in shapes])
    return regions.serialize(format="ds9", precision=PRECISION)


def read_ds9(text: str, wcs: WCS | None = None) -> list[Shape]:
    """The circles and boxes in DS9 region ``text``.

    Anything ``regions`` reads is accepted: any sky frame (converted to
    ICRS), sexagesimal positions, sizes in degrees, arcmin or arcsec, and
    ``image`` coordinates when ``wcs`` is given. Blank text has no shapes.

    Parameters
    ----------
    text : str
        DS9 region text (the contents of a ``.reg`` file).
    wcs : astropy.wcs.WCS, optional
        The image's celestial WCS, needed only for regions given in
        ``image`` (pixel) coordinates.

    Returns
    -------
    list of Shape
        One shape per region, in the order of the text; DS9 exclusions
        (``-circle(...)``) come back with ``include=False``.

    Raises
    ------
    ValueError
        Naming the first line that cannot be used: one that ``regions``
        cannot read (a `ds9_lines.DS9LineError`, itself a ``ValueError``),
        a shape that is not a circle or a box, or image coordinates when no
        ``wcs`` is given.
    """
    shapes = []
    for index, region in enumerate(parse_ds9(text)):
        try:
            shapes.append(Shape.from_region(region, wcs))
        except ValueError as exc:
            number, line = region_lines(text)[index]
            raise ValueError(f"line {number}: {line!r}: {exc}") from None
    return shapes
