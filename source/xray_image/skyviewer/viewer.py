"""Offline sky viewer for drawing mask regions on an X-ray image in Jupyter.

Usage in a notebook cell::

    from skyviewer import SkyViewer
    viewer = SkyViewer("data/image.fits", height=600)
    viewer                                  # shows the map and drawing tools

or simply ``viewer = show_viewer("data/image.fits")``.

Pick a tool ("circle" or "box") and click on the map to place a region at
that position; set its size (arcsec) and, for boxes, width/height/rotation
with the controls (they also resize the *selected* region: the one just
placed, or one picked with the "select" tool). "undo", "delete" and "clear"
do what they say. Scroll to zoom, drag to pan; Aladin shows the sky
coordinates under the cursor. The text area under the map holds the DS9
region string (fk5, sizes in arcsec) that you copy into ``region_string``;
``viewer.region_string()`` returns the same text and
``viewer.load_regions(text_or_path)`` loads regions back for editing.

The map is Aladin Lite (LGPL-3.0-or-later, https://aladin.cds.unistra.fr),
bundled in ``skyviewer_assets/`` so that nothing is fetched from the network:
no background survey is shown, only your image.

Works in JupyterLab 4 / Notebook 7 and in Google Colab (anywidget turns on
Colab's custom widget manager by itself; if the map stays empty, run
``from google.colab import output; output.enable_custom_widget_manager()``).

The viewer never gets in the way of grading: when the environment variable
``NBGRADER_EXECUTION`` or ``SKYVIEWER_DISABLE`` is set, when Python is not
running in a Jupyter kernel, or when the notebook is executed headless
(nbclient / nbconvert / papermill: the execute request does not allow stdin),
``SkyViewer(...)`` prints one line and does nothing else.
``SKYVIEWER_FORCE=1`` shows it even in a headless kernel (e.g. Voila).
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import sys
import warnings
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path

__all__ = ["SkyViewer", "show_viewer", "skip_reason", "Shape", "COLORS", "box_vertices"]

ASSETS_DIR = Path(__file__).resolve().with_name("static")
ALADIN_LITE_VERSION = "3.9.2-beta"  # the version ipyaladin 0.8.1 imports
ALADIN_LITE_JS = ASSETS_DIR / f"aladin-lite-{ALADIN_LITE_VERSION}.js"
WIDGET_JS = ASSETS_DIR / "widget.js"

DS9_HEADER = "# Region file format: DS9"
MODES = ("pan", "circle", "box", "select")
COLORS = {"circle": "#00ff00", "box": "#00e5ff", "exclude": "#ff4040",
          "selected": "#ffff00"}
_TRUE = {"1", "true", "yes", "on"}


# --------------------------------------------------------------------------
# When not to show anything
# --------------------------------------------------------------------------
def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def skip_reason() -> str | None:
    """Why the viewer would be skipped here (``None`` when it is shown)."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return "running under nbgrader (NBGRADER_EXECUTION is set)"
    if _env_flag("SKYVIEWER_DISABLE"):
        return "SKYVIEWER_DISABLE is set"
    if _env_flag("SKYVIEWER_FORCE"):
        return None
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return "not running in a Jupyter kernel"
    allow_stdin = None
    try:  # the request being executed: nbclient sends allow_stdin=False
        allow_stdin = kernel.get_parent().get("content", {}).get("allow_stdin")
    except Exception:  # pragma: no cover - very old/odd kernels
        pass
    if allow_stdin is None:
        allow_stdin = getattr(kernel, "_allow_stdin", True)
    if not allow_stdin:
        return "headless execution (nbclient/nbconvert)"
    return None


# --------------------------------------------------------------------------
# Region model (pure Python, works without any frontend)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """One region; position in ICRS degrees, sizes in arcsec, angle in deg."""

    kind: str  # "circle" or "box"
    ra: float
    dec: float
    radius: float = 0.0
    width: float = 0.0
    height: float = 0.0
    angle: float = 0.0
    include: bool = True


@functools.lru_cache(maxsize=1)
def _icrs_to_fk5_matrix():
    """3x3 rotation ICRS -> FK5(J2000) (the frame bias), from astropy."""
    import numpy as np
    from astropy.coordinates import FK5, SkyCoord

    eye = np.eye(3)
    c = SkyCoord(x=eye[0], y=eye[1], z=eye[2], frame="icrs",
                 representation_type="cartesian")
    out = c.transform_to(FK5(equinox="J2000")).cartesian.xyz.value
    return np.asarray(out)  # column j is the image of unit vector j


def _rotate(ra, dec, matrix):
    import numpy as np

    ra_r, dec_r = np.radians(ra), np.radians(dec)
    v = np.array([np.cos(dec_r) * np.cos(ra_r), np.cos(dec_r) * np.sin(ra_r),
                  np.sin(dec_r)])
    x, y, z = matrix @ v
    return float(np.degrees(np.arctan2(y, x)) % 360.0), float(
        np.degrees(np.arcsin(np.clip(z, -1.0, 1.0))))


def icrs_to_fk5(ra: float, dec: float) -> tuple[float, float]:
    return _rotate(ra, dec, _icrs_to_fk5_matrix())


def fk5_to_icrs(ra: float, dec: float) -> tuple[float, float]:
    return _rotate(ra, dec, _icrs_to_fk5_matrix().T)


def _fmt(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def shape_to_ds9(shape: Shape) -> str:
    """One DS9 line (fk5, arcsec) for a shape."""
    ra, dec = icrs_to_fk5(shape.ra, shape.dec)
    sign = "" if shape.include else "-"
    pos = f"{_fmt(ra, 7)},{_fmt(dec, 7)}"
    if shape.kind == "circle":
        return f'{sign}circle({pos},{_fmt(shape.radius, 3)}")'
    return (f'{sign}box({pos},{_fmt(shape.width, 3)}",{_fmt(shape.height, 3)}",'
            f"{_fmt(shape.angle % 360.0, 3)})")


def format_ds9(shapes) -> str:
    """DS9 region text: header, ``fk5``, then one line per shape."""
    lines = [DS9_HEADER, "fk5"] + [shape_to_ds9(s) for s in shapes]
    return "\n".join(lines) + "\n"


_FRAMES = {"fk5", "icrs", "j2000", "fk4", "b1950", "galactic", "ecliptic",
           "image", "physical"}
_SKY_FRAMES = {"fk5", "icrs", "j2000", "fk4", "b1950", "galactic", "ecliptic"}
_SHAPE_RE = re.compile(r"^\s*([+-]?)\s*([A-Za-z_]+)\s*\(")


def parse_ds9(text: str, wcs=None) -> list[Shape]:
    """Parse DS9 region text into shapes (circles and boxes only).

    Sky frames (fk5, icrs, galactic, ...) are converted to ICRS; ``image``
    (or ``physical``, taken as image) coordinates need ``wcs``. A region line
    before any coordinate-system line is read as fk5. Raises ``ValueError``
    naming the offending line.
    """
    import astropy.units as u
    from regions import (CirclePixelRegion, CircleSkyRegion,
                         RectanglePixelRegion, RectangleSkyRegion, Regions)

    frame = "fk5"
    shapes: list[Shape] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for part in (p.strip() for p in line.split(";")):
            if not part or part.startswith("#"):
                continue
            word = part.split("#", 1)[0].strip().lower()
            if word in _FRAMES:
                frame = word
                continue
            if word.startswith("global") or word.startswith("tile") or word == "":
                continue
            match = _SHAPE_RE.match(part)
            if not match:
                raise ValueError(f"line {lineno}: not a DS9 region: {raw.strip()!r}")
            name = match.group(2).lower()
            if name not in ("circle", "box"):
                raise ValueError(f"line {lineno}: unsupported shape {name!r} "
                                 f"(only circle and box): {raw.strip()!r}")
            if frame not in _SKY_FRAMES and wcs is None:
                raise ValueError(f"line {lineno}: {frame} coordinates need the "
                                 f"image WCS: {raw.strip()!r}")
            pframe = "image" if frame == "physical" else frame
            try:
                parsed = Regions.parse(f"{pframe}\n{part}", format="ds9")
            except Exception as exc:  # regions raises several types
                raise ValueError(f"line {lineno}: cannot parse {raw.strip()!r}: "
                                 f"{exc}") from None
            if len(parsed) != 1:
                raise ValueError(f"line {lineno}: cannot parse {raw.strip()!r}")
            reg = parsed[0]
            if isinstance(reg, (CirclePixelRegion, RectanglePixelRegion)):
                reg = reg.to_sky(wcs)
            include = bool(reg.meta.get("include", match.group(1) != "-"))
            center = reg.center
            if center.frame.name == "fk5":
                ra, dec = fk5_to_icrs(center.ra.deg, center.dec.deg)
            else:
                icrs = center.icrs
                ra, dec = float(icrs.ra.deg), float(icrs.dec.deg)
            if isinstance(reg, CircleSkyRegion):
                shapes.append(Shape("circle", ra, dec,
                                    radius=float(reg.radius.to_value(u.arcsec)),
                                    include=include))
            elif isinstance(reg, RectangleSkyRegion):
                shapes.append(Shape("box", ra, dec,
                                    width=float(reg.width.to_value(u.arcsec)),
                                    height=float(reg.height.to_value(u.arcsec)),
                                    angle=float(reg.angle.to_value(u.deg)) % 360.0,
                                    include=include))
            else:  # pragma: no cover - guarded by the name check above
                raise ValueError(f"line {lineno}: unsupported region {raw.strip()!r}")
    return shapes


def box_vertices(shape: Shape) -> list[list[float]]:
    """Sky corners (ICRS deg) of a box, DS9 convention: at angle 0 the width
    runs along RA; the angle turns counter-clockwise as seen with north up,
    east left."""
    theta = math.radians(shape.angle)
    hw, hh = shape.width / 2.0, shape.height / 2.0
    # unit vectors as (east, north) offsets
    u_w = (-math.cos(theta), math.sin(theta))
    u_h = (math.sin(theta), math.cos(theta))
    ra0, dec0 = math.radians(shape.ra), math.radians(shape.dec)
    out = []
    for sw, sh in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        xi = math.radians((sw * hw * u_w[0] + sh * hh * u_h[0]) / 3600.0)
        eta = math.radians((sw * hw * u_w[1] + sh * hh * u_h[1]) / 3600.0)
        # inverse gnomonic projection about (ra0, dec0)
        denom = math.cos(dec0) - eta * math.sin(dec0)
        ra = ra0 + math.atan2(xi, denom)
        dec = math.atan2(math.sin(dec0) + eta * math.cos(dec0),
                         math.hypot(xi, denom))
        out.append([math.degrees(ra) % 360.0, math.degrees(dec)])
    return out


def _separation_arcsec(ra1, dec1, ra2, dec2) -> float:
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    s = (math.sin((d2 - d1) / 2) ** 2
         + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2)
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(s)))) * 3600.0


# --------------------------------------------------------------------------
# Image handling
# --------------------------------------------------------------------------
def _read_image(image):
    """Return (2-D float32 data, celestial WCS) from a path or HDU(List)."""
    import numpy as np
    from astropy.io import fits
    from astropy.wcs import WCS, FITSFixedWarning

    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"SkyViewer: FITS image not found: {path}")
        with fits.open(path) as hdul:
            return _read_image(hdul)
    if isinstance(image, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        image = fits.HDUList([image if not isinstance(image, fits.ImageHDU)
                              else fits.PrimaryHDU(image.data, image.header)])
    if not isinstance(image, fits.HDUList):
        raise TypeError("SkyViewer: expected a FITS file path or an astropy "
                        f"HDUList/HDU, got {type(image).__name__}")
    for hdu in image:
        data = getattr(hdu, "data", None)
        if data is None or not hasattr(data, "ndim") or data.ndim < 2:
            continue
        with warnings.catch_warnings():  # e.g. FITSFixedWarning on DATE-OBS
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(hdu.header).celestial
        if not wcs.has_celestial:
            continue
        data = np.asarray(data, dtype=np.float32)
        while data.ndim > 2:
            data = data[0]
        return data, wcs
    raise ValueError("SkyViewer: no 2-D image with a celestial WCS in the FITS data")


def _image_payload(data, wcs):
    """FITS bytes for the browser, display cuts and the initial view."""
    import numpy as np
    from astropy.io import fits
    from astropy.wcs.utils import proj_plane_pixel_scales

    finite = np.isfinite(data)
    values = data[finite]
    if values.size:
        lo, hi = (float(v) for v in np.percentile(values, [0.5, 99.99]))
        if hi <= lo:
            hi = float(values.max())
        if hi <= lo:
            hi = lo + 1.0
    else:
        lo, hi = 0.0, 1.0
    clean = np.where(finite, data, lo).astype(">f4")
    header = wcs.to_header()
    buf = io.BytesIO()
    fits.PrimaryHDU(clean, header=header).writeto(buf)
    ny, nx = data.shape
    centre = wcs.pixel_to_world((nx - 1) / 2.0, (ny - 1) / 2.0).icrs
    scale = proj_plane_pixel_scales(wcs)  # deg / pixel
    view = {"ra": float(centre.ra.deg), "dec": float(centre.dec.deg),
            "width": float(nx * scale[0]), "height": float(ny * scale[1]),
            "fov": float(max(nx * scale[0], ny * scale[1]) * 1.1)}
    return buf.getvalue(), (lo, hi), view


@functools.lru_cache(maxsize=1)
def _aladin_bytes() -> bytes:
    return ALADIN_LITE_JS.read_bytes()


@functools.lru_cache(maxsize=1)
def _map_widget_class():
    """The anywidget class (defined lazily: nothing is imported when skipped)."""
    import anywidget
    import traitlets as t

    class SkyMap(anywidget.AnyWidget):
        _esm = WIDGET_JS
        _css = """
        .skyviewer-map { position: relative; min-height: 200px; }
        .skyviewer-error { position: absolute; top: 40%; width: 100%;
          text-align: center; color: #f55; font-weight: bold; }
        """
        _lib = t.Bytes(b"").tag(sync=True)
        _lib_version = t.Unicode(ALADIN_LITE_VERSION).tag(sync=True)
        _fits = t.Bytes(b"").tag(sync=True)
        _view = t.Dict().tag(sync=True)
        _display = t.Dict().tag(sync=True)
        _shapes = t.List().tag(sync=True)
        height = t.Int(600).tag(sync=True)
        mode = t.Unicode("circle").tag(sync=True)

    return SkyMap


# --------------------------------------------------------------------------
# The viewer
# --------------------------------------------------------------------------
class SkyViewer:
    """Interactive map of a FITS image with circle/box region drawing.

    Parameters
    ----------
    image : str, pathlib.Path, astropy HDUList or image HDU
        The image to show (the first HDU with 2-D data and a celestial WCS).
    height : int
        Height of the map in pixels.
    colormap, stretch : str
        Aladin Lite colour map (e.g. "cubehelix", "grayscale", "viridis")
        and stretch ("log", "sqrt", "linear", "asinh", "pow2").
    regions : str or path, optional
        DS9 regions to load at start (see :meth:`load_regions`).

    Display the object (last expression of a cell) to show it. See the module
    docstring for when it is skipped (grading, headless execution).
    """

    def __init__(self, image, height: int = 600, *, colormap: str = "cubehelix",
                 stretch: str = "log", regions=None):
        self._shapes: list[Shape] = []
        self._selected: int | None = None
        self._history: list[tuple[tuple[Shape, ...], int | None]] = []
        self._edit_tag = None
        self._wcs = None
        self._ui = None
        self._skipped = skip_reason()
        if self._skipped:
            print(f"SkyViewer skipped: {self._skipped}.")
            return
        data, self._wcs = _read_image(image)
        fits_bytes, (lo, hi), view = _image_payload(data, self._wcs)
        self._build_ui(fits_bytes, lo, hi, view, int(height), colormap, stretch)
        if regions is not None:
            self.load_regions(regions)
        self._refresh()

    # ---------------------------------------------------------------- UI
    def _build_ui(self, fits_bytes, lo, hi, view, height, colormap, stretch):
        import ipywidgets as w

        self._map = _map_widget_class()(
            _lib=_aladin_bytes(), _fits=fits_bytes, _view=view,
            _display={"name": "image", "colormap": colormap, "stretch": stretch,
                      "min_cut": lo, "max_cut": hi},
            height=height, mode="circle",
            layout=w.Layout(width="100%"))
        self._map.on_msg(self._on_map_msg)
        self._mode = w.ToggleButtons(
            options=list(MODES), value="circle",
            tooltips=["drag to pan (clicks do nothing)",
                      "click to place a circle", "click to place a box",
                      "click on a region to select it"],
            style={"button_width": "70px"})
        self._mode.add_class("skyviewer-mode")
        num = dict(style={"description_width": "initial"},
                   layout=w.Layout(width="150px"), step=1.0)
        self._radius = w.BoundedFloatText(value=10.0, min=0.01, max=36000.0,
                                          description='radius (")', **num)
        self._width = w.BoundedFloatText(value=30.0, min=0.01, max=36000.0,
                                         description='box w (")', **num)
        self._height = w.BoundedFloatText(value=30.0, min=0.01, max=36000.0,
                                          description='box h (")', **num)
        self._angle = w.BoundedFloatText(value=0.0, min=-360.0, max=360.0,
                                         description="angle (°)", **num)
        self._undo_btn = w.Button(description="undo", icon="undo",
                                  layout=w.Layout(width="80px"))
        self._del_btn = w.Button(description="delete", icon="trash",
                                 tooltip="delete the selected region",
                                 layout=w.Layout(width="85px"))
        self._clear_btn = w.Button(description="clear", icon="times",
                                   layout=w.Layout(width="80px"))
        self._status = w.HTML()
        self._text = w.Textarea(value="", rows=6,
                                layout=w.Layout(width="100%"),
                                description="DS9 regions",
                                style={"description_width": "initial"})
        self._text.add_class("skyviewer-regions")

        self._mode.observe(self._on_mode, "value")
        for ctl in (self._radius, self._width, self._height, self._angle):
            ctl.observe(self._on_size, "value")
        self._undo_btn.on_click(lambda _b: self.undo())
        self._del_btn.on_click(lambda _b: self.remove())
        self._clear_btn.on_click(lambda _b: self.clear())
        self._text.observe(self._on_text_edit, "value")
        self._ui = w.VBox([
            self._map,
            w.HBox([self._mode, self._undo_btn, self._del_btn, self._clear_btn]),
            w.HBox([self._radius, self._width, self._height, self._angle]),
            self._status,
            self._text,
        ], layout=w.Layout(width="100%"))
        self._ui.add_class("skyviewer")

    @property
    def widget(self):
        """The ipywidgets container (``None`` when the viewer is skipped)."""
        return self._ui

    def _repr_mimebundle_(self, **kwargs):
        if self._ui is None:
            return {"text/plain": f"SkyViewer (skipped: {self._skipped})"}
        return self._ui._repr_mimebundle_(**kwargs)

    def __repr__(self):
        state = f"skipped: {self._skipped}" if self._skipped else "active"
        return f"<SkyViewer {len(self._shapes)} regions, {state}>"

    # ------------------------------------------------------------ events
    def _on_map_msg(self, _widget, content, _buffers):
        event = content.get("event")
        if event == "click":
            self._on_click(float(content["ra"]), float(content["dec"]))
        elif event == "error":
            self._set_status(f"map error: {content.get('message')}")

    def _on_click(self, ra: float, dec: float):
        mode = self._mode.value if self._ui else "pan"
        if mode == "circle":
            self.add_circle(ra, dec, self._radius.value)
        elif mode == "box":
            self.add_box(ra, dec, self._width.value, self._height.value,
                         self._angle.value)
        elif mode == "select":
            best, best_d = None, None
            for i, s in enumerate(self._shapes):
                d = _separation_arcsec(ra, dec, s.ra, s.dec)
                size = s.radius if s.kind == "circle" else max(s.width, s.height) / 2
                if d <= max(size, 5.0) and (best_d is None or d < best_d):
                    best, best_d = i, d
            self.select(best)
        else:
            self._set_status(f"clicked RA={ra:.5f} Dec={dec:.5f}")

    def _on_mode(self, change):
        self._map.mode = change["new"]

    def _on_size(self, change):
        if getattr(self, "_syncing", False) or self._selected is None:
            return
        shape = self._shapes[self._selected]
        if shape.kind == "circle" and change["owner"] is self._radius:
            new = dc_replace(shape, radius=float(self._radius.value))
        elif shape.kind == "box" and change["owner"] is not self._radius:
            new = dc_replace(shape, width=float(self._width.value),
                          height=float(self._height.value),
                          angle=float(self._angle.value))
        else:
            return
        self._push(edit_tag=("edit", self._selected))
        self._shapes[self._selected] = new
        self._refresh()

    def _on_text_edit(self, change):
        # read-only: the text follows the regions (select/copy still work)
        text = format_ds9(self._shapes)
        if change["new"] != text:
            self._text.value = text

    # ----------------------------------------------------------- state
    def _push(self, edit_tag=None):
        if edit_tag is not None and edit_tag == self._edit_tag:
            return  # consecutive edits of one region undo in one step
        self._edit_tag = edit_tag
        self._history.append((tuple(self._shapes), self._selected))

    def _set_status(self, text: str):
        if self._ui is not None:
            self._status.value = f"<small>{text}</small>"

    def _sync_controls(self):
        if self._ui is None or self._selected is None:
            return
        s = self._shapes[self._selected]
        self._syncing = True
        try:
            if s.kind == "circle":
                self._radius.value = s.radius
            else:
                self._width.value = s.width
                self._height.value = s.height
                self._angle.value = ((s.angle + 180.0) % 360.0) - 180.0
        finally:
            self._syncing = False

    def _refresh(self):
        if self._ui is None:
            return
        drawn = []
        for i, s in enumerate(self._shapes):
            color = (COLORS["selected"] if i == self._selected else
                     COLORS["exclude"] if not s.include else COLORS[s.kind])
            item = {"color": color, "line_width": 3 if i == self._selected else 2}
            if s.kind == "circle":
                item.update(type="circle", ra=s.ra, dec=s.dec, radius=s.radius / 3600.0)
            else:
                item.update(type="polygon", vertices=box_vertices(s))
            drawn.append(item)
        self._map._shapes = drawn
        self._text.value = format_ds9(self._shapes)
        self._undo_btn.disabled = not self._history
        self._del_btn.disabled = self._selected is None
        self._clear_btn.disabled = not self._shapes
        n = len(self._shapes)
        sel = "" if self._selected is None else f"; selected #{self._selected + 1}"
        self._set_status(f"{n} region{'s' if n != 1 else ''}{sel}")

    # ------------------------------------------------------- public API
    def region_string(self) -> str:
        """DS9 region text (``fk5``, sizes in arcsec) of the drawn regions."""
        return format_ds9(self._shapes)

    @property
    def regions(self):
        """The regions as a :class:`regions.Regions` list (sky, fk5)."""
        from regions import Regions

        return Regions.parse(self.region_string(), format="ds9")

    def load_regions(self, text_or_path, replace: bool = True) -> int:
        """Load DS9 regions (a string or a ``.reg`` file path) for editing.

        Replaces the current regions (or appends with ``replace=False``);
        the last loaded region is selected. Returns how many were loaded.
        Raises ``ValueError`` naming the bad line, ``FileNotFoundError``
        for a missing file.
        """
        if isinstance(text_or_path, os.PathLike) or (
                isinstance(text_or_path, str) and "\n" not in text_or_path
                and "(" not in text_or_path
                and not text_or_path.lstrip().startswith("#")):
            path = Path(text_or_path)
            if not path.is_file():
                raise FileNotFoundError(f"SkyViewer: region file not found: {path}")
            text = path.read_text()
        else:
            text = str(text_or_path)
        shapes = parse_ds9(text, wcs=self._wcs)
        self._push()
        self._shapes = (shapes if replace else self._shapes + shapes)
        self._selected = len(self._shapes) - 1 if self._shapes else None
        self._sync_controls()
        self._refresh()
        return len(shapes)

    def add_circle(self, ra: float, dec: float, radius: float = 10.0) -> None:
        """Add a circle at ICRS (ra, dec) degrees, radius in arcsec."""
        self._add(Shape("circle", float(ra), float(dec), radius=float(radius)))

    def add_box(self, ra: float, dec: float, width: float = 30.0,
                height: float = 30.0, angle: float = 0.0) -> None:
        """Add a box at ICRS (ra, dec) degrees; width/height in arcsec,
        angle in degrees (DS9 convention)."""
        self._add(Shape("box", float(ra), float(dec), width=float(width),
                        height=float(height), angle=float(angle) % 360.0))

    def _add(self, shape: Shape):
        self._push()
        self._shapes.append(shape)
        self._selected = len(self._shapes) - 1
        self._refresh()

    def select(self, index: int | None) -> None:
        """Select region ``index`` (0-based, negative from the end; ``None``
        to deselect). The size controls then edit that region."""
        if index is not None:
            if not -len(self._shapes) <= index < len(self._shapes):
                raise IndexError(f"no region {index}: {len(self._shapes)} drawn")
            index %= len(self._shapes)
        self._selected = index
        self._edit_tag = None
        self._sync_controls()
        self._refresh()

    def remove(self, index: int | None = None) -> None:
        """Remove region ``index`` (default: the selected one, else the last)."""
        if not self._shapes:
            return
        if index is None:
            index = self._selected if self._selected is not None else -1
        if not -len(self._shapes) <= index < len(self._shapes):
            raise IndexError(f"no region {index}: {len(self._shapes)} drawn")
        self._push()
        del self._shapes[index]
        self._selected = None
        self._refresh()

    def undo(self) -> bool:
        """Undo the last change; returns False when there is nothing to undo."""
        if not self._history:
            return False
        shapes, selected = self._history.pop()
        self._shapes, self._selected = list(shapes), selected
        self._edit_tag = None
        self._sync_controls()
        self._refresh()
        return True

    def clear(self) -> None:
        """Remove all regions (undo brings them back)."""
        if not self._shapes:
            return
        self._push()
        self._shapes, self._selected = [], None
        self._refresh()


def show_viewer(image, height: int = 600, **kwargs) -> SkyViewer:
    """Create a :class:`SkyViewer`, display it and return it."""
    viewer = SkyViewer(image, height=height, **kwargs)
    if viewer.widget is not None:
        from IPython.display import display

        display(viewer)
    return viewer
