"""Mask shapes: circles and boxes on the sky, in the units students type.

A :class:`Shape` is an immutable value (editing makes a new one), so an
undo history is simply a list of earlier tuples of shapes. Conversions to and
from the ``regions`` package live here too; the geometry (box corners, whether
a click falls on a shape) is delegated to ``regions`` and ``astropy.wcs`` so
that what the viewer draws is exactly what ``region.to_pixel(wcs).to_mask()``
masks in the notebook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS
from regions import (CirclePixelRegion, CircleSkyRegion, PixCoord, PixelRegion,
                     RectanglePixelRegion, RectangleSkyRegion, RegionMeta)

__all__ = ["KINDS", "SIZE_FIELDS", "Shape", "Sizes"]

KINDS = ("circle", "box")
SIZE_FIELDS = {"circle": ("radius",), "box": ("width", "height", "angle")}


def _check_size(name: str, value) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if name != "angle" and value <= 0:
        raise ValueError(f"{name} must be positive (arcsec), got {value}")
    return value


@dataclass(frozen=True)
class Sizes:
    """The sizes the next circle or box gets: arcsec, angle in degrees."""

    radius: float = 10.0
    width: float = 30.0
    height: float = 30.0
    angle: float = 0.0

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _check_size(f.name, getattr(self, f.name)))

    def updated(self, **changes) -> Sizes:
        """A copy with some sizes changed (this one is left as it is).

        Parameters
        ----------
        **changes : float
            New values by name: ``radius``, ``width``, ``height`` (arcsec,
            positive) and ``angle`` (degrees, any finite value).

        Returns
        -------
        Sizes
            The new sizes; unchanged fields are copied.

        Raises
        ------
        ValueError
            For a name other than the four above, or a value that is not a
            finite number (a size that is not positive too).
        """
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown size {sorted(unknown)}: use radius, width, height, angle")
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Shape:
    """One mask region.

    ``ra``/``dec`` are ICRS degrees; ``radius`` (circles), ``width`` and
    ``height`` (boxes) are arcsec; ``angle`` is the box rotation in degrees,
    DS9's convention (counter-clockwise from the RA axis, north up).
    ``include=False`` marks a DS9 exclusion (``-circle(...)``), kept so that
    loading and saving a DS9 file does not change it.
    """

    kind: str
    ra: float
    dec: float
    radius: float = 0.0
    width: float = 0.0
    height: float = 0.0
    angle: float = 0.0
    include: bool = True

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"shape kind must be one of {KINDS}, got {self.kind!r}")
        for name in ("ra", "dec"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value}")
            object.__setattr__(self, name, value)
        for name in SIZE_FIELDS[self.kind]:
            object.__setattr__(self, name, _check_size(name, getattr(self, name)))
        if self.kind == "box":
            object.__setattr__(self, "angle", self.angle % 360.0)

    # ------------------------------------------------------------ making
    @classmethod
    def new(cls, kind: str, ra: float, dec: float, sizes: Sizes) -> Shape:
        """A shape of ``kind`` at (ra, dec) with the matching ``sizes``.

        Parameters
        ----------
        kind : {"circle", "box"}
            The kind of shape.
        ra, dec : float
            Centre, ICRS degrees.
        sizes : Sizes
            Where the sizes come from: ``radius`` for a circle; ``width``,
            ``height`` (arcsec) and ``angle`` (degrees) for a box. The
            others are ignored.

        Returns
        -------
        Shape
            The new shape (``include=True``).

        Raises
        ------
        ValueError
            If ``kind`` is not ``"circle"`` or ``"box"``, or ``ra`` or
            ``dec`` is not finite.
        """
        if kind not in KINDS:
            raise ValueError(f"shape kind must be one of {KINDS}, got {kind!r}")
        chosen = {name: getattr(sizes, name) for name in SIZE_FIELDS[kind]}
        return cls(kind, ra, dec, **chosen)

    def resized(self, **sizes) -> Shape:
        """A copy with new sizes.

        Sizes that do not apply to this kind are ignored (a circle has no
        angle).

        Parameters
        ----------
        **sizes : float
            New values by name: ``radius`` for a circle; ``width``,
            ``height`` (arcsec) and ``angle`` (degrees, stored modulo 360)
            for a box. Other names are ignored.

        Returns
        -------
        Shape
            The resized copy, or this shape itself when no size applies.

        Raises
        ------
        ValueError
            If a size that applies is not a finite number, or (other than
            the angle) not positive.
        """
        mine = {k: v for k, v in sizes.items() if k in SIZE_FIELDS[self.kind]}
        return replace(self, **mine) if mine else self

    @property
    def sizes(self) -> dict:
        """The sizes that describe this kind of shape."""
        return {name: getattr(self, name) for name in SIZE_FIELDS[self.kind]}

    @property
    def reach(self) -> float:
        """Largest distance (arcsec) from the centre to a point of the shape."""
        if self.kind == "circle":
            return self.radius
        return math.hypot(self.width, self.height) / 2.0

    @property
    def area(self) -> float:
        """Area in square arcsec (to pick the smallest of overlapping shapes)."""
        if self.kind == "circle":
            return math.pi * self.radius ** 2
        return self.width * self.height

    # ------------------------------------------------------ regions
    @property
    def center(self) -> SkyCoord:
        return SkyCoord(self.ra, self.dec, unit="deg", frame="icrs")

    def to_region(self) -> CircleSkyRegion | RectangleSkyRegion:
        """The same shape as a ``regions`` sky region (ICRS centre)."""
        meta = RegionMeta() if self.include else RegionMeta(include=0)
        if self.kind == "circle":
            return CircleSkyRegion(self.center, self.radius * u.arcsec, meta=meta)
        return RectangleSkyRegion(self.center, self.width * u.arcsec,
                                  self.height * u.arcsec, self.angle * u.deg, meta=meta)

    @classmethod
    def from_region(cls, region, wcs: WCS | None = None) -> Shape:
        """A shape from a ``regions`` circle or rectangle.

        Sky regions are used as they are, pixel regions through ``wcs``.
        Other region types raise ``ValueError``.

        Parameters
        ----------
        region : regions.Region
            A ``CircleSkyRegion`` or ``RectangleSkyRegion`` in any sky frame
            (the centre is converted to ICRS), or a ``CirclePixelRegion`` or
            ``RectanglePixelRegion``, converted to the sky through ``wcs``.
        wcs : astropy.wcs.WCS, optional
            The image's celestial WCS; needed only for pixel regions.

        Returns
        -------
        Shape
            The circle or box, sizes in arcsec and angle in degrees; a region
            whose ``meta`` has ``include=0`` (a DS9 exclusion) gives
            ``include=False``.

        Raises
        ------
        ValueError
            For any other kind of region, or a pixel region without ``wcs``.
        """
        if isinstance(region, PixelRegion):
            if not isinstance(region, (CirclePixelRegion, RectanglePixelRegion)):
                raise ValueError(f"only circles and boxes can be drawn, not {_kind_name(region)}")
            if wcs is None:
                raise ValueError("regions in image (pixel) coordinates need the image WCS")
            region = region.to_sky(wcs)
        if not isinstance(region, (CircleSkyRegion, RectangleSkyRegion)):
            raise ValueError(f"only circles and boxes can be drawn, not {_kind_name(region)}")
        include = bool(region.meta.get("include", 1))
        centre = region.center.icrs
        ra, dec = float(centre.ra.deg), float(centre.dec.deg)
        if isinstance(region, CircleSkyRegion):
            return cls("circle", ra, dec, radius=region.radius.to_value(u.arcsec),
                       include=include)
        return cls("box", ra, dec, width=region.width.to_value(u.arcsec),
                   height=region.height.to_value(u.arcsec),
                   angle=region.angle.to_value(u.deg), include=include)

    # ------------------------------------------------------ geometry
    def outline(self, wcs: WCS | None = None) -> list[list[float]]:
        """Corners of a box as ICRS ``[ra, dec]`` degrees.

        They are computed through ``wcs`` (the image's, so the outline is
        what the mask covers; a tangent plane at the box centre when
        ``None``).

        Parameters
        ----------
        wcs : astropy.wcs.WCS, optional
            The WCS whose pixel grid the box is laid out on; by default
            `local_wcs` at the box centre.

        Returns
        -------
        list of [float, float]
            The four corners, ``[ra, dec]`` in ICRS degrees, in order around
            the box.

        Raises
        ------
        ValueError
            If the shape is a circle.
        """
        if self.kind != "box":
            raise ValueError("only boxes have corners")
        wcs = wcs if wcs is not None else local_wcs(self.ra, self.dec)
        corners = self.to_region().to_pixel(wcs).corners
        sky = wcs.pixel_to_world([c[0] for c in corners], [c[1] for c in corners]).icrs
        return [[float(r), float(d)] for r, d in zip(sky.ra.deg, sky.dec.deg)]

    def contains(self, ra: float, dec: float, wcs: WCS | None = None,
                 tolerance: float = 0.0) -> bool:
        """Whether a sky position falls on the shape, or near its centre.

        The position is in ICRS degrees; within ``tolerance`` arcsec of the
        centre counts as on the shape (so tiny shapes can be picked).

        Parameters
        ----------
        ra, dec : float
            The position, ICRS degrees.
        wcs : astropy.wcs.WCS, optional
            The WCS in whose pixels the test is made (the image's, so that
            the answer agrees with the notebook's mask); by default
            `local_wcs` at the shape's centre.
        tolerance : float, optional
            Distance from the centre, in arcsec, within which the position
            counts as on the shape whatever its size. Default 0.

        Returns
        -------
        bool
            True when the position is on the shape or near enough its centre.
        """
        point = SkyCoord(ra, dec, unit="deg", frame="icrs")
        if point.separation(self.center).arcsec <= tolerance:
            return True
        wcs = wcs if wcs is not None else local_wcs(self.ra, self.dec)
        x, y = wcs.world_to_pixel(point)
        return bool(self.to_region().to_pixel(wcs).contains(PixCoord(float(x), float(y))))


def local_wcs(ra: float, dec: float, pixel_arcsec: float = 0.5) -> WCS:
    """A small tangent-plane WCS centred on (ra, dec), north up, east left.

    Parameters
    ----------
    ra, dec : float
        Tangent point, ICRS degrees.
    pixel_arcsec : float, optional
        Pixel size in arcsec along both axes. Default 0.5.

    Returns
    -------
    astropy.wcs.WCS
        A 2-D ``RA---TAN``/``DEC--TAN`` WCS in the ICRS, with no image size.
    """
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [ra, dec]
    wcs.wcs.crpix = [0.0, 0.0]
    wcs.wcs.cdelt = [-pixel_arcsec / 3600.0, pixel_arcsec / 3600.0]
    wcs.wcs.radesys = "ICRS"
    return wcs


def _kind_name(region) -> str:
    return type(region).__name__.replace("SkyRegion", "").replace("PixelRegion", "").lower()
