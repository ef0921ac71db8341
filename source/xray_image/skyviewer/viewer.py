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

    Parameters
    ----------
    image : str, pathlib.Path, astropy HDUList or image HDU
        The image to show (the first HDU with 2-D data and a celestial WCS).
    height : int
        Height of the map in pixels.
    exposure : str, pathlib.Path, HDUList or HDU, optional
        Exposure map of the same shape; the map starts zoomed to the pixels
        it exposes. Without it, the pixels with counts nearby are used.
    colormap, stretch : str
        Aladin Lite colour map (e.g. "cubehelix", "grayscale", "viridis")
        and stretch ("log", "sqrt", "linear", "asinh", "pow2").
    regions : str or path, optional
        DS9 regions to start with (see :meth:`load_regions`).

    Display the object (the last expression of a cell) to show it. Under
    nbgrader, outside Jupyter and in headless runs it shows nothing (see
    :func:`skyviewer.skip_reason`); the methods still work on the region list.
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
        """
        return self._editor.load(text_or_path, replace=replace)

    def add_circle(self, ra: float, dec: float, radius: float | None = None) -> None:
        """Add a circle at ICRS (ra, dec) degrees; radius in arcsec (default:
        the size for new circles)."""
        sizes = {} if radius is None else {"radius": radius}
        self._editor.add("circle", ra, dec, **sizes)

    def add_box(self, ra: float, dec: float, width: float | None = None,
                height: float | None = None, angle: float | None = None) -> None:
        """Add a box at ICRS (ra, dec) degrees; width and height in arcsec,
        angle in degrees, DS9's convention (defaults: the sizes for new boxes)."""
        given = {"width": width, "height": height, "angle": angle}
        self._editor.add("box", ra, dec, **{k: v for k, v in given.items() if v is not None})

    def select(self, index: int | None) -> None:
        """Select region ``index`` (0-based, negative from the end) so that the
        size fields edit it; ``None`` deselects."""
        self._editor.select(index)

    def remove(self, index: int | None = None) -> None:
        """Remove region ``index`` (default: the selected one, else the last)."""
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
    """Make a :class:`SkyViewer`, display it and return it."""
    viewer = SkyViewer(image, height=height, **kwargs)
    if viewer.widget is not None:
        from IPython.display import display

        display(viewer)
    return viewer
