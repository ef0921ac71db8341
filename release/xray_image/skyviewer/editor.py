"""The region list being drawn: shapes, the selection, sizes and undo.

:class:`RegionEditor` knows nothing about widgets or browsers; the viewer
turns clicks and button presses into calls of its methods and redraws after
each change (see :meth:`RegionEditor.on_change`). The rules students see:

* a new shape takes the current sizes for new shapes (:attr:`sizes`) and is
  not selected, so typing a size never changes a shape already placed;
* a shape is edited only after it has been selected explicitly
  (:meth:`select`, :meth:`select_at`); while one is selected the size
  fields show and change that shape, and :meth:`select` with ``None``
  deselects it;
* every change to the shapes can be undone; consecutive size edits of one
  shape undo in one step.
"""

from __future__ import annotations

import os
from pathlib import Path

from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from .ds9 import read_ds9, write_ds9
from .shapes import KINDS, SIZE_FIELDS, Shape, Sizes

__all__ = ["RegionEditor"]

PICK_TOLERANCE = 4.0  # arcsec: a click this close to a centre picks the shape


class RegionEditor:
    """Shapes being drawn on one image.

    Parameters
    ----------
    wcs : astropy.wcs.WCS, optional
        The image's celestial WCS: used to read DS9 text in ``image``
        coordinates and to decide whether a click falls inside a box, so
        that boxes behave exactly as the notebook's mask does.
    sizes : Sizes, optional
        Starting sizes for new shapes.
    """

    def __init__(self, wcs: WCS | None = None, sizes: Sizes | None = None):
        self.wcs = wcs
        self._shapes: tuple[Shape, ...] = ()
        self._selected: int | None = None
        self._sizes = sizes or Sizes()
        self._history: list[tuple[tuple[Shape, ...], int | None]] = []
        self._last_edit: int | None = None  # shape whose size edits merge in one undo
        self._listeners = []

    # ------------------------------------------------------------ state
    @property
    def shapes(self) -> tuple[Shape, ...]:
        return self._shapes

    @property
    def selected(self) -> int | None:
        """Index of the selected shape, or ``None``."""
        return self._selected

    @property
    def selected_shape(self) -> Shape | None:
        return None if self._selected is None else self._shapes[self._selected]

    @property
    def sizes(self) -> Sizes:
        """Sizes that the next circle or box gets."""
        return self._sizes

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def field_values(self) -> dict:
        """What the size fields show: the selected shape's sizes where it
        has them, the sizes for new shapes otherwise."""
        values = self._sizes.as_dict()
        if self.selected_shape is not None:
            values.update(self.selected_shape.sizes)
        return values

    def to_ds9(self) -> str:
        """DS9 region text of all shapes (empty when there are none)."""
        return write_ds9(self._shapes)

    def on_change(self, callback) -> None:
        """Call ``callback(editor)`` after every change.

        That is after each call of a method that sets the shapes, the
        selection or the sizes for new shapes, even when the value stays
        the same; removing or clearing when no shape is drawn, and undoing
        with nothing to undo, return without calling it.

        Parameters
        ----------
        callback : callable
            Called with this editor as its one argument. Callbacks run in
            the order they were added.
        """
        self._listeners.append(callback)

    # ---------------------------------------------------------- changes
    def add(self, kind: str, ra: float, dec: float, **sizes) -> int:
        """Place a ``kind`` shape at ICRS (ra, dec) degrees; return its index.

        It gets the sizes for new shapes (or the ``sizes`` given). The new
        shape is not selected, and any selection is dropped.

        Parameters
        ----------
        kind : {"circle", "box"}
            The kind of shape.
        ra, dec : float
            Centre, ICRS degrees.
        **sizes : float
            Sizes for this shape only, overriding the sizes for new shapes
            (which stay as they are): ``radius``, ``width``, ``height``
            (arcsec) and ``angle`` (degrees, DS9's convention). Sizes the
            kind does not have (a circle's width) are ignored.

        Returns
        -------
        int
            Index of the new shape (the last one).

        Raises
        ------
        ValueError
            For an unknown ``kind`` or size name, a size that is not a
            finite number (or not positive, other than the angle), or a
            non-finite ``ra``/``dec``. Nothing changes then.
        """
        if kind not in KINDS:
            raise ValueError(f"shape kind must be one of {KINDS}, got {kind!r}")
        shape = Shape.new(kind, ra, dec, self._sizes.updated(**sizes))
        self._remember()
        self._shapes += (shape,)
        self._selected = None
        self._changed()
        return len(self._shapes) - 1

    def select(self, index: int | None) -> None:
        """Select shape ``index`` (negative counts from the end), or deselect with ``None``.

        Parameters
        ----------
        index : int or None
            Index of the shape, from 0; negative counts from the end.
            ``None`` deselects.

        Raises
        ------
        IndexError
            If there is no shape ``index``.
        """
        if index is not None:
            index = self._index(index)
        self._selected = index
        self._last_edit = None
        self._changed()

    def select_at(self, ra: float, dec: float) -> int | None:
        """Select the shape under a sky position; return its index.

        Where shapes overlap the smallest one is selected; when there is
        none, the selection is dropped.

        A position within 4 arcsec of a shape's centre picks it too, so
        that tiny shapes can be selected.

        Parameters
        ----------
        ra, dec : float
            The position (e.g. of a click), ICRS degrees.

        Returns
        -------
        int or None
            Index of the selected shape, or ``None`` when nothing is there.
        """
        if not self._shapes:
            self.select(None)
            return None
        centres = SkyCoord([s.ra for s in self._shapes], [s.dec for s in self._shapes],
                           unit="deg", frame="icrs")
        distance = centres.separation(SkyCoord(ra, dec, unit="deg", frame="icrs")).arcsec
        near = [i for i, shape in enumerate(self._shapes)
                if distance[i] <= shape.reach + PICK_TOLERANCE]  # cheap test first
        hits = [i for i in near
                if self._shapes[i].contains(ra, dec, self.wcs, tolerance=PICK_TOLERANCE)]
        best = min(hits, key=lambda i: self._shapes[i].area) if hits else None
        self.select(best)
        return best

    def set_size(self, name: str, value: float) -> str:
        """Change one size field.

        With a shape selected that shape changes (a field it does not have,
        such as a circle's width, is refused); otherwise the sizes for new
        shapes do. Returns ``"shape"`` or ``"new"`` accordingly.

        Consecutive edits of the same selected shape undo in one step;
        changes to the sizes for new shapes are not undone.

        Parameters
        ----------
        name : {"radius", "width", "height", "angle"}
            The size field.
        value : float
            The new value: arcsec for ``radius``, ``width`` and ``height``
            (positive), degrees for ``angle`` (DS9's convention).

        Returns
        -------
        {"shape", "new"}
            What changed: the selected shape, or the sizes for new shapes.

        Raises
        ------
        ValueError
            If the selected shape has no such field, the name is not one of
            the four, or the value is not a finite number (or not positive,
            other than the angle). Nothing changes then.
        """
        shape = self.selected_shape
        if shape is None:
            self._sizes = self._sizes.updated(**{name: value})
            self._changed()
            return "new"
        if name not in SIZE_FIELDS[shape.kind]:
            raise ValueError(f"a {shape.kind} has no {name}; deselect it to set "
                             f"the {name} of new shapes")
        edited = shape.resized(**{name: value})
        if edited != shape:
            if self._last_edit != self._selected:
                self._remember()
                self._last_edit = self._selected
            shapes = list(self._shapes)
            shapes[self._selected] = edited
            self._shapes = tuple(shapes)
        self._changed()
        return "shape"

    def remove(self, index: int | None = None) -> None:
        """Remove shape ``index``; by default the selected one, else the last.

        Nothing is selected afterwards. With no shapes drawn it does
        nothing, whatever ``index`` is.

        Parameters
        ----------
        index : int, optional
            Index of the shape, from 0; negative counts from the end.

        Raises
        ------
        IndexError
            If shapes are drawn but there is no shape ``index``.
        """
        if not self._shapes:
            return
        if index is None:
            index = self._selected if self._selected is not None else -1
        index = self._index(index)
        self._remember()
        self._shapes = self._shapes[:index] + self._shapes[index + 1:]
        self._selected = None
        self._changed()

    def clear(self) -> None:
        """Remove every shape (undo brings them back)."""
        if not self._shapes:
            return
        self._remember()
        self._shapes, self._selected = (), None
        self._changed()

    def undo(self) -> bool:
        """Undo the last change of the shapes; ``False`` if there is none."""
        if not self._history:
            return False
        self._shapes, self._selected = self._history.pop()
        self._last_edit = None
        self._changed()
        return True

    def load(self, text_or_path, replace: bool = True) -> int:
        """Load DS9 regions from a string or a ``.reg`` file.

        They replace the shapes (or are appended with ``replace=False``).
        Nothing is selected afterwards. Returns how many were loaded; on an
        error (``ValueError`` naming the line, ``FileNotFoundError``)
        nothing changes.

        The load can be undone. Blank text loads no regions (and so, with
        ``replace=True``, removes every shape).

        Parameters
        ----------
        text_or_path : str or os.PathLike
            DS9 region text, or the path of a region file. A path object is
            always a path; a string is taken as a path when it is one
            non-blank line that holds no ``(`` and does not start with ``#``.
        replace : bool, optional
            Replace the current shapes (default) or append to them.

        Returns
        -------
        int
            How many regions were loaded.

        Raises
        ------
        FileNotFoundError
            If ``text_or_path`` is taken as a path and no such file exists.
        ValueError
            Naming the first line of the text that cannot be used (see
            `skyviewer.read_ds9`).
        """
        shapes = tuple(read_ds9(_region_text(text_or_path), wcs=self.wcs))
        self._remember()
        self._shapes = shapes if replace else self._shapes + shapes
        self._selected = None
        self._changed()
        return len(shapes)

    # --------------------------------------------------------- helpers
    def _index(self, index: int) -> int:
        n = len(self._shapes)
        if not -n <= index < n:
            raise IndexError(f"no shape {index}: {n} drawn")
        return index % n

    def _remember(self) -> None:
        self._history.append((self._shapes, self._selected))
        self._last_edit = None

    def _changed(self) -> None:
        for callback in self._listeners:
            callback(self)


def _region_text(text_or_path) -> str:
    """The text itself, or the contents of the file it names."""
    if isinstance(text_or_path, os.PathLike) or (
            isinstance(text_or_path, str) and "\n" not in text_or_path
            and "(" not in text_or_path and not text_or_path.lstrip().startswith("#")
            and text_or_path.strip()):
        path = Path(text_or_path)
        if not path.is_file():
            raise FileNotFoundError(f"region file not found: {path}")
        return path.read_text()
    return str(text_or_path)
