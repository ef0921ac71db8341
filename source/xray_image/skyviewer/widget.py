"""The browser half of the sky viewer: one anywidget showing Aladin Lite.

:class:`SkyViewerWidget` draws what its traits say (the image, the shapes,
which one is selected, the size fields, the DS9 text) and reports what the
student does as messages (``click``, ``size``, ``undo``, ``delete``,
``clear``, ``deselect``, ``error``); it keeps no region state of its own. The
front end is ``static/widget.js`` with its styles in ``static/widget.css``.

Aladin Lite (LGPL-3.0-or-later, https://aladin.cds.unistra.fr) is bundled as
``static/aladin-lite-<version>.js``, so nothing is fetched from the network
and no background survey is needed.

**How the bytes reach the browser.** Aladin Lite (2.6 MB) and the image (a
FITS file) are not traits: bytes in traits travel as buffers of the widget's
``comm_open`` message, and Google Colab's widget manager drops those
(colab-cdn-widget-manager, ``commChannelOpened``; its issue 33), so the
viewer would start empty there. Instead each view, once rendered, asks for
them with a message ``{"event": "load", "request": id, "aladin": bool}``
(Aladin Lite only when the page has not imported this version yet), and the
widget answers with a custom message ``{"event": "load", "request": id,
"parts": [...]}`` whose buffers are the named parts in that order. Buffers of
later comm messages reach the page under JupyterLab's, Notebook's and
Colab's managers alike. A view repeats its request, with the same id, until
the answer comes (a request the kernel did not receive is not lost; one that
waits behind a busy kernel is answered once), and the widget answers each id
once. Every view, including a second display of the same widget or one made
again, asks for itself.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Final

import anywidget
import traitlets

__all__ = ["ALADIN_LITE_VERSION", "SkyViewerWidget", "aladin_lite_bytes"]

STATIC: Final = Path(__file__).resolve().parent / "static"
ALADIN_LITE_VERSION: Final = "3.9.2-beta"
ALADIN_LITE_JS: Final = STATIC / f"aladin-lite-{ALADIN_LITE_VERSION}.js"
TOOLS: Final = ("pan", "circle", "box", "select")
EVENTS: Final = ("click", "size", "undo", "delete", "clear", "deselect", "ready", "error")
# ... and "load", a view asking for Aladin Lite and the image, which the widget answers itself


@functools.lru_cache(maxsize=1)
def aladin_lite_bytes() -> bytes:
    """The bundled Aladin Lite module (read once per kernel)."""
    return ALADIN_LITE_JS.read_bytes()


class SkyViewerWidget(anywidget.AnyWidget):
    """Map, tools, size fields and DS9 text of one sky viewer.

    ``image_fits`` is the image as a FITS file (float32, WCS only); it and
    Aladin Lite go to each view when it asks (see the module's docstring).

    Parameters
    ----------
    image_fits : bytes
        The image as a FITS file (see ``utils.image.fits_bytes``); keyword
        only. It is kept in the kernel, not in a trait.
    **kwargs
        Initial values of the traits (``height``, ``_display``, ``_view``,
        ``tool``, ...), passed on to ``anywidget.AnyWidget``.
    """

    _esm: Final = STATIC / "widget.js"
    _css: Final = STATIC / "widget.css"

    # Set once, when the widget is made.
    _aladin_version = traitlets.Unicode(
        ALADIN_LITE_VERSION, help="Version of Aladin Lite (one import per page and version)."
    ).tag(sync=True)
    _display = traitlets.Dict(
        help="Image display: colormap, stretch, min_cut, max_cut."
    ).tag(sync=True)
    _view = traitlets.Dict(
        help="First view: ra, dec (ICRS deg) and width, height (deg) of the pixels in use, "
             "pixel (deg per image pixel)."
    ).tag(sync=True)
    height = traitlets.Int(600, help="Height of the map in CSS pixels.").tag(sync=True)

    # State shown in the browser.
    tool = traitlets.Enum(TOOLS, "circle", help="What a click on the map does.").tag(sync=True)
    shapes = traitlets.List(
        help="Shapes to draw: kind, include, and ra, dec, radius (deg) for circles "
             "or corners [[ra, dec], ...] for boxes."
    ).tag(sync=True)
    selected = traitlets.Int(-1, help="Index of the selected shape; -1 for none.").tag(sync=True)
    sizes = traitlets.Dict(
        help="What the size fields show: radius, width, height (arcsec), angle (deg)."
    ).tag(sync=True)
    region_text = traitlets.Unicode("", help="DS9 text of the shapes (read-only box).").tag(sync=True)
    can_undo = traitlets.Bool(False, help="Whether the undo button is enabled.").tag(sync=True)
    status = traitlets.Unicode("", help="One line under the tools: counts, errors.").tag(sync=True)

    def __init__(self, *, image_fits: bytes, **kwargs):
        super().__init__(**kwargs)
        self._image_fits = bytes(image_fits)
        self._answered: set[str] = set()
        self._handlers: dict[str, Callable[[dict], None]] = {}
        self.on_msg(self._dispatch)

    def on_event(self, event: str, handler: Callable[[dict], None]) -> None:
        """Call ``handler(message)`` for each ``event`` message from the browser.

        There is one handler per event: a second call for the same event
        replaces the first. A ``ValueError`` or ``IndexError`` raised by the
        handler (a refused edit) is shown in :attr:`status` instead of
        propagating.

        Parameters
        ----------
        event : str
            One of ``"click"``, ``"size"``, ``"undo"``, ``"delete"``,
            ``"clear"``, ``"deselect"``, ``"ready"``, ``"error"``.
        handler : callable
            Called with the message, a dict whose ``"event"`` key is
            ``event``: a click also has ``"tool"``, ``"ra"`` and ``"dec"``
            (ICRS degrees), a size change ``"name"`` and ``"value"``, an
            error ``"message"``.

        Raises
        ------
        ValueError
            If ``event`` is not one of the above.
        """
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; known: {EVENTS}")
        self._handlers[event] = handler

    def _dispatch(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("event") == "load":
            self._answer_load(content)
            return
        handler = self._handlers.get(content.get("event"))
        if handler is None:
            return
        try:
            handler(content)
        except (ValueError, IndexError) as exc:  # a refused edit: say why, keep going
            self.status = f"Not done: {exc}"

    def _answer_load(self, request: dict) -> None:
        """Send a view what it asked for, once per request id (the view repeats itself)."""
        request_id = request.get("request")
        if not isinstance(request_id, str) or not request_id or request_id in self._answered:
            return
        self._answered.add(request_id)
        parts = {"aladin": aladin_lite_bytes()} if request.get("aladin") else {}
        parts["fits"] = self._image_fits
        self.send({"event": "load", "request": request_id, "parts": list(parts)},
                  buffers=list(parts.values()))
