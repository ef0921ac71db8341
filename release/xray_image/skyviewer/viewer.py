"""SkyViewer: the region editor and the widget, wired together.

The editor (:mod:`.editor`) holds the regions; the widget (:mod:`.widget`)
shows them and reports clicks. This module turns the widget's messages into
editor calls and redraws the widget after every change, whichever side made
it (a click in the browser or ``viewer.load_regions(...)`` in a cell).
"""

from __future__ import annotations

from .editor import RegionEditor
from .utils.environment import skip_reason

__all__ = ["SkyViewer", "show_viewer"]


class SkyViewer:
    """Interactive map of a FITS image for drawing circle and box regions.

    Display the object (the last expression of a cell) to show it. Under
    nbgrader, outside Jupyter and in headless runs it shows nothing (see
    :func:`skyviewer.skip_reason`); the methods still work on the region list.
    Such a skipped viewer prints one line saying why, and reads neither
    ``image`` nor ``exposure`` nor ``regions``.

    Parameters
    ----------
    image : str, pathlib.Path, astropy HDUList or image HDU
        The image to show (the first HDU with 2-D data and a celestial WCS).
    height : int, optional
        Height of the map in (CSS) pixels. Default 600.
    exposure : str, pathlib.Path, HDUList or HDU, optional
        Exposure map of the same shape; the map starts zoomed to the pixels
        it exposes. Without it, the pixels with counts nearby are used.
    colormap, stretch : str, optional
        Aladin Lite colour map (e.g. "cubehelix", "grayscale", "viridis")
        and stretch ("log", "sqrt", "linear", "asinh", "pow2"). Defaults
        "cubehelix" and "log".
    regions : str or path, optional
        DS9 regions to start with (see :meth:`load_regions`).

    Raises
    ------
    FileNotFoundError
        If ``image``, ``exposure`` or ``regions`` names a file that does
        not exist.
    TypeError
        If ``image`` or ``exposure`` is not a path, HDUList or image HDU.
    ValueError
        If ``image`` or ``exposure`` holds no 2-D image with a celestial
        WCS, the exposure map's shape differs from the image's, or a line
        of ``regions`` cannot be used.

    Examples
    --------
    In a notebook cell, with the image in ``data/``:

    >>> from skyviewer import SkyViewer
    >>> viewer = SkyViewer("data/image.fits", height=600)
    >>> viewer  # the last expression of the cell: shows the map
    """

    def __init__(self, image, height: int = 600, *, exposure=None,
                 colormap: str = "cubehelix", stretch: str = "log", regions=None):
        self._editor = RegionEditor()
        self._widget = None
        self._skipped = skip_reason()
        if self._skipped:
            print(f"SkyViewer skipped: {self._skipped}.")
            return
        self._widget = _make_widget(self._editor, image, exposure, int(height),
                                    colormap, stretch)
        self._listen()
        self._editor.on_change(self._redraw)
        if regions is not None:
            self._editor.load(regions)
        self._redraw(self._editor)

    # ------------------------------------------------------------ display
    @property
    def widget(self):
        """The widget (``None`` when the viewer is skipped)."""
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        if self._widget is None:
            return {"text/plain": f"SkyViewer (skipped: {self._skipped})"}
        return self._widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        state = f"skipped: {self._skipped}" if self._skipped else "active"
        return f"<SkyViewer {len(self._editor.shapes)} regions, {state}>"

    # ---------------------------------------------------------- public API
    def region_string(self) -> str:
        """DS9 region text of the drawn regions (what to paste into
        ``region_string``); empty when nothing is drawn."""
        return self._editor.to_ds9()

    @property
    def regions(self):
        """The drawn regions as a :class:`regions.Regions` list (ICRS)."""
        from regions import Regions

        return Regions([shape.to_region() for shape in self._editor.shapes])

    @property
    def shapes(self):
        """The drawn shapes (:class:`skyviewer.Shape`, ICRS deg, arcsec)."""
        return self._editor.shapes

    @property
    def selected(self) -> int | None:
        """Index of the selected shape (``None`` when none is selected)."""
        return self._editor.selected

    def load_regions(self, text_or_path, replace: bool = True) -> int:
        """Load DS9 regions (a string or a ``.reg`` file path) to keep editing.

        They replace the current regions (or are appended with
        ``replace=False``). Returns how many were loaded. Raises
        ``ValueError`` naming the bad line, or ``FileNotFoundError``; then
        nothing changes.

        Any frame and units that DS9 writes are read (``fk5``, sexagesimal,
        sizes in ``"`` or ``'``); regions in ``image`` coordinates are
        placed through the image's WCS. Only circles and boxes can be
        loaded. Loading can be undone with :meth:`undo`.

        Parameters
        ----------
        text_or_path : str or pathlib.Path
            DS9 region text (such as the output of :meth:`region_string`),
            or the path of a region file. A string is read as a path when it
            is a single line without ``(`` that does not start with ``#``.
        replace : bool, optional
            Replace the current regions (default), or add to them.

        Returns
        -------
        int
            How many regions were loaded.

        Raises
        ------
        FileNotFoundError
            If the region file does not exist.
        ValueError
            Naming the first line that cannot be used: one DS9 syntax
            cannot read (e.g. a misspelt shape, or a shape before any frame
            line such as ``icrs``), a shape other than a circle or a box, or
            ``image`` coordinates when the viewer is skipped (it has no
            image WCS then).

        Examples
        --------
        Save the DS9 text of what is drawn, clear the map, and load the
        text back to keep editing it:

        >>> viewer.add_circle(150.1, 2.2, radius=20)
        >>> viewer.add_box(150.12, 2.21, width=60, height=30, angle=45)
        >>> text = viewer.region_string()
        >>> viewer.clear()
        >>> viewer.load_regions(text)
        2

        The regions of a file are added to those drawn with
        ``viewer.load_regions("mask.reg", replace=False)``.
        """
        return self._editor.load(text_or_path, replace=replace)

    def add_circle(self, ra: float, dec: float, radius: float | None = None) -> None:
        """Add a circle at ICRS (ra, dec) degrees.

        The radius is in arcsec (default: the size for new circles). The
        new circle is not selected, and any selection is dropped.

        Parameters
        ----------
        ra, dec : float
            Centre, ICRS degrees.
        radius : float, optional
            Radius in arcsec, positive. By default the radius for new
            circles (the size field; 10 arcsec at first). Giving one does
            not change that default.

        Raises
        ------
        ValueError
            If ``radius`` is not a positive finite number, or ``ra`` or
            ``dec`` is not finite.

        Examples
        --------
        A 20 arcsec circle; the DS9 text gives the radius in degrees:

        >>> viewer.add_circle(150.1, 2.2, radius=20)
        >>> viewer.region_string().splitlines()[-1]
        'circle(150.10000000,2.20000000,0.00555556)'
        """
        sizes = {} if radius is None else {"radius": radius}
        self._editor.add("circle", ra, dec, **sizes)

    def add_box(self, ra: float, dec: float, width: float | None = None,
                height: float | None = None, angle: float | None = None) -> None:
        """Add a box at ICRS (ra, dec) degrees.

        Width and height are in arcsec, the angle in degrees, DS9's
        convention (defaults: the sizes for new boxes).

        The new box is not selected, and any selection is dropped.

        Parameters
        ----------
        ra, dec : float
            Centre, ICRS degrees.
        width, height : float, optional
            Side lengths in arcsec, positive. By default the sizes for new
            boxes (the size fields; 30 arcsec at first). Giving them does
            not change those defaults.
        angle : float, optional
            Rotation in degrees, DS9's convention: at 0 the width lies along
            the RA (east-west) axis, and a larger angle turns the box
            counter-clockwise as seen on a north-up, east-left map (30 tilts
            the width 30 degrees from west towards north). Kept modulo 360.
            By default the angle for new boxes (0 at first).

        Raises
        ------
        ValueError
            If ``width`` or ``height`` is not a positive finite number,
            ``angle`` is not finite, or ``ra`` or ``dec`` is not finite.

        Examples
        --------
        A 60 x 30 arcsec box turned by 45 degrees; the DS9 text gives the
        sides in degrees:

        >>> viewer.add_box(150.12, 2.21, width=60, height=30, angle=45)
        >>> viewer.region_string().splitlines()[-1]
        'box(150.12000000,2.21000000,0.01666667,0.00833333,45.00000000)'
        """
        given = {"width": width, "height": height, "angle": angle}
        self._editor.add("box", ra, dec, **{k: v for k, v in given.items() if v is not None})

    def select(self, index: int | None) -> None:
        """Select region ``index`` so that the size fields edit it; ``None`` deselects.

        The index is 0-based, negative from the end.

        Parameters
        ----------
        index : int or None
            Index of the region in :attr:`shapes`, from 0; negative counts
            from the end. ``None`` deselects.

        Raises
        ------
        IndexError
            If there is no region ``index``.
        """
        self._editor.select(index)

    def remove(self, index: int | None = None) -> None:
        """Remove region ``index`` (default: the selected one, else the last).

        Nothing is selected afterwards; :meth:`undo` brings the region
        back. With no regions drawn it does nothing.

        Parameters
        ----------
        index : int, optional
            Index of the region in :attr:`shapes`, from 0; negative counts
            from the end.

        Raises
        ------
        IndexError
            If regions are drawn but there is no region ``index``.
        """
        self._editor.remove(index)

    def undo(self) -> bool:
        """Undo the last change; ``False`` when there is nothing to undo."""
        return self._editor.undo()

    def clear(self) -> None:
        """Remove all regions (undo brings them back)."""
        self._editor.clear()

    # ------------------------------------------------------------ events
    def _listen(self) -> None:
        widget, editor = self._widget, self._editor
        widget.on_event("click", self._on_click)
        widget.on_event("size", self._on_size)
        widget.on_event("undo", lambda _message: editor.undo())
        widget.on_event("delete", lambda _message: editor.remove())
        widget.on_event("clear", lambda _message: editor.clear())
        widget.on_event("deselect", lambda _message: editor.select(None))
        widget.on_event("error", self._on_error)
        widget.observe(self._on_tool, "tool")

    def _on_click(self, message: dict) -> None:
        tool = message.get("tool", self._widget.tool)
        ra, dec = float(message["ra"]), float(message["dec"])
        if tool in ("circle", "box"):
            self._editor.add(tool, ra, dec)
        elif tool == "select":
            self._editor.select_at(ra, dec)

    def _on_size(self, message: dict) -> None:
        self._editor.set_size(str(message["name"]), float(message["value"]))

    def _on_tool(self, change) -> None:
        if change["new"] in ("circle", "box") and self._editor.selected is not None:
            self._editor.select(None)  # drawing again: the fields size new shapes

    def _on_error(self, message: dict) -> None:
        self._widget.status = f"Map error: {message.get('message')}"

    def _redraw(self, editor: RegionEditor) -> None:
        widget = self._widget
        selected = editor.selected
        with widget.hold_sync():
            widget.shapes = [_overlay_item(shape, editor.wcs) for shape in editor.shapes]
            widget.selected = -1 if selected is None else selected
            widget.sizes = editor.field_values()
            widget.region_text = editor.to_ds9()
            widget.can_undo = editor.can_undo
            n = len(editor.shapes)
            widget.status = f"{n} region{'' if n == 1 else 's'}"


def _make_widget(editor: RegionEditor, image, exposure, height, colormap, stretch):
    """Read the image, give its WCS to the editor and build the widget."""
    from .utils.image import (display_cuts, fits_bytes, initial_view, pixels_in_use,
                              read_image)
    from .widget import SkyViewerWidget

    data, editor.wcs = read_image(image)
    exposure_data = read_image(exposure)[0] if exposure is not None else None
    lo, hi = display_cuts(data)
    return SkyViewerWidget(
        image_fits=fits_bytes(data, editor.wcs, fill=lo),
        _display={"colormap": colormap, "stretch": stretch, "min_cut": lo, "max_cut": hi},
        _view=initial_view(editor.wcs, pixels_in_use(data, exposure_data)),
        height=height,
    )


def _overlay_item(shape, wcs) -> dict:
    """What the browser draws for one shape (degrees throughout)."""
    item = {"kind": shape.kind, "include": shape.include}
    if shape.kind == "circle":
        item.update(ra=shape.ra, dec=shape.dec, radius=shape.radius / 3600.0)
    else:
        item.update(corners=shape.outline(wcs))
    return item


def show_viewer(image, height: int = 600, **kwargs) -> SkyViewer:
    """Make a :class:`SkyViewer`, display it and return it.

    A skipped viewer (see :class:`SkyViewer`) is returned without being
    displayed.

    Parameters
    ----------
    image : str, pathlib.Path, astropy HDUList or image HDU
        The image to show, as for :class:`SkyViewer`.
    height : int, optional
        Height of the map in (CSS) pixels. Default 600.
    **kwargs
        The keyword arguments of :class:`SkyViewer`: ``exposure``,
        ``colormap``, ``stretch``, ``regions``.

    Returns
    -------
    SkyViewer
        The viewer, to draw on and to read :meth:`SkyViewer.region_string`
        from.

    Raises
    ------
    FileNotFoundError, TypeError, ValueError
        As :class:`SkyViewer` raises them.
    """
    viewer = SkyViewer(image, height=height, **kwargs)
    if viewer.widget is not None:
        from IPython.display import display

        display(viewer)
    return viewer
