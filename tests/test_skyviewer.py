"""Fast tests of source/xray_image/skyviewer.py (no browser)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from regions import CircleSkyRegion, RectangleSkyRegion, Regions

SOURCE_DIR = Path(__file__).resolve().parents[1] / "source" / "xray_image"
sys.path.insert(0, str(SOURCE_DIR))
import skyviewer as sv  # noqa: E402


def _wcs():
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crpix = [50.5, 40.5]
    w.wcs.crval = [38.6968, 18.4270]
    w.wcs.cdelt = [-1.968 / 3600, 1.968 / 3600]
    w.wcs.radesys = "FK5"
    w.wcs.equinox = 2000.0
    return w


@pytest.fixture
def fits_path(tmp_path):
    data = np.random.default_rng(0).poisson(0.3, (80, 100)).astype(np.int16)
    data[40, 30] = 50
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(data, header=_wcs().to_header()).writeto(path)
    return path


@pytest.fixture
def active(monkeypatch):
    """Pretend a notebook frontend is there (widgets get built, no comm)."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("SKYVIEWER_DISABLE", raising=False)
    monkeypatch.setenv("SKYVIEWER_FORCE", "1")


@pytest.fixture
def viewer(active, fits_path):
    return sv.SkyViewer(fits_path, height=400)


def click(viewer, ra, dec):
    viewer._on_map_msg(None, {"event": "click", "ra": ra, "dec": dec}, [])


RA0, DEC0 = 38.6968, 18.4270


def test_ds9_string_round_trips_through_regions(viewer):
    viewer.add_circle(RA0, DEC0, 12.5)
    viewer.add_box(RA0 + 0.01, DEC0 - 0.01, 60, 20, 35)
    text = viewer.region_string()
    lines = text.splitlines()
    assert lines[:2] == ["# Region file format: DS9", "fk5"]
    assert lines[2].startswith("circle(") and lines[2].endswith('12.500")')
    assert lines[3].startswith("box(") and lines[3].endswith('60.000",20.000",35.000)')
    regs = Regions.parse(text, format="ds9")
    assert isinstance(regs[0], CircleSkyRegion) and isinstance(regs[1], RectangleSkyRegion)
    c0 = SkyCoord(RA0, DEC0, unit="deg", frame="icrs")
    assert regs[0].center.separation(c0).arcsec < 0.01  # fk5 <-> icrs handled
    assert regs[0].radius.to_value(u.arcsec) == pytest.approx(12.5)
    c1 = SkyCoord(RA0 + 0.01, DEC0 - 0.01, unit="deg", frame="icrs")
    assert regs[1].center.separation(c1).arcsec < 0.01
    assert regs[1].width.to_value(u.arcsec) == pytest.approx(60)
    assert regs[1].height.to_value(u.arcsec) == pytest.approx(20)
    assert regs[1].angle.to_value(u.deg) == pytest.approx(35)
    # and back: loading the string gives the same string
    viewer.load_regions(text)
    assert viewer.region_string() == text
    assert len(viewer.regions) == 2


def test_clicks_place_shapes_with_control_sizes(viewer):
    viewer._radius.value = 8.0
    click(viewer, RA0, DEC0)
    viewer._mode.value = "box"
    assert viewer._map.mode == "box"
    viewer._width.value, viewer._height.value, viewer._angle.value = 40.0, 10.0, 15.0
    click(viewer, RA0 + 0.005, DEC0)
    shapes = viewer._map._shapes
    assert [s["type"] for s in shapes] == ["circle", "polygon"]
    assert shapes[0]["radius"] == pytest.approx(8.0 / 3600)
    assert len(shapes[1]["vertices"]) == 4
    assert shapes[1]["color"] == sv.COLORS["selected"]  # newest is selected
    regs = viewer.regions
    assert regs[1].width.to_value(u.arcsec) == pytest.approx(40)
    assert regs[1].angle.to_value(u.deg) == pytest.approx(15)
    # pan mode: clicks add nothing
    viewer._mode.value = "pan"
    click(viewer, RA0, DEC0 + 0.01)
    assert len(viewer.regions) == 2
    assert viewer._text.value == viewer.region_string()


def test_select_and_edit_selected_region(viewer):
    viewer.add_circle(RA0, DEC0, 10)
    viewer.add_circle(RA0 + 0.02, DEC0, 10)
    viewer._mode.value = "select"
    click(viewer, RA0 + 1 / 3600, DEC0)  # 1 arcsec from the first circle
    assert viewer._selected == 0
    viewer._radius.value = 25.0  # edits the selected circle
    viewer._radius.value = 30.0
    assert viewer.regions[0].radius.to_value(u.arcsec) == pytest.approx(30)
    assert viewer.regions[1].radius.to_value(u.arcsec) == pytest.approx(10)
    viewer.undo()  # consecutive edits undo in one step
    assert viewer.regions[0].radius.to_value(u.arcsec) == pytest.approx(10)
    click(viewer, RA0 + 0.1, DEC0)  # far from everything: deselect
    assert viewer._selected is None


def test_undo_clear_remove(viewer):
    assert viewer.undo() is False
    viewer.add_circle(RA0, DEC0, 5)
    viewer.add_box(RA0, DEC0, 10, 10)
    viewer.add_circle(RA0, DEC0 + 0.01, 5)
    viewer.remove()  # the selected (last) one
    assert [type(r) for r in viewer.regions] == [CircleSkyRegion, RectangleSkyRegion]
    viewer.undo()
    assert len(viewer.regions) == 3
    viewer.clear()
    assert viewer.region_string() == "# Region file format: DS9\nfk5\n"
    assert viewer._map._shapes == []
    viewer.undo()
    assert len(viewer.regions) == 3
    viewer.undo(), viewer.undo(), viewer.undo()
    assert viewer.region_string() == "# Region file format: DS9\nfk5\n"
    assert viewer._undo_btn.disabled


def test_load_regions_string_file_and_image_coords(viewer, tmp_path):
    text = ('# Region file format: DS9\nglobal color=green\nfk5\n'
            'circle(38.6968,18.4270,10")\n-box(38.70,18.43,20",10",45) # comment\n'
            'icrs;circle(2:34:47.232,+18:25:37.20,5")\n')
    assert viewer.load_regions(text) == 3
    lines = viewer.region_string().splitlines()
    assert lines[3].startswith("-box(")
    assert viewer._selected == 2  # last loaded is selected, ready to edit
    viewer.remove()
    assert len(viewer.regions) == 2
    reg_file = tmp_path / "mask.reg"
    reg_file.write_text("image\ncircle(50.5,40.5,5)\n")  # 1-based, = CRPIX
    viewer.load_regions(reg_file, replace=False)
    reg = viewer.regions[-1]
    assert reg.center.separation(
        SkyCoord(38.6968, 18.4270, unit="deg", frame="fk5")).arcsec < 0.05
    assert reg.radius.to_value(u.arcsec) == pytest.approx(5 * 1.968, rel=1e-3)


@pytest.mark.parametrize("bad, where", [
    ("fk5\ncircle(10,20,5\")\ncircle(10,20)\n", "line 3"),
    ("fk5\ncircle(10,20,5\")\n\npolygon(1,2,3,4,5,6)\n", "line 4"),
    ("fk5\nhello world\n", "line 2"),
    ("fk5\ncircle(10,abc,5\")\n", "line 2"),
])
def test_load_regions_malformed_names_the_line(viewer, bad, where):
    viewer.add_circle(RA0, DEC0, 5)
    before = viewer.region_string()
    with pytest.raises(ValueError, match=where):
        viewer.load_regions(bad)
    assert viewer.region_string() == before  # nothing half-loaded


def test_missing_paths_raise_clear_errors(active, tmp_path):
    with pytest.raises(FileNotFoundError, match="FITS image not found"):
        sv.SkyViewer(tmp_path / "nope.fits")
    v = sv.SkyViewer(fits.HDUList([fits.PrimaryHDU(np.zeros((20, 20)),
                                                   header=_wcs().to_header())]))
    with pytest.raises(FileNotFoundError, match="region file not found"):
        v.load_regions(tmp_path / "nope.reg")
    with pytest.raises(ValueError, match="celestial WCS"):
        sv.SkyViewer(fits.HDUList([fits.PrimaryHDU(np.zeros((20, 20)))]))


def test_box_vertices_match_regions_rectangle():
    wcs = _wcs()
    shape = sv.Shape("box", RA0, DEC0, width=80.0, height=30.0, angle=30.0)
    rect = RectangleSkyRegion(SkyCoord(RA0, DEC0, unit="deg", frame="icrs"),
                              80 * u.arcsec, 30 * u.arcsec, 30 * u.deg)
    want = np.array(rect.to_pixel(wcs).corners)
    verts = np.array(sv.box_vertices(shape))
    got = np.array(wcs.world_to_pixel(SkyCoord(verts[:, 0], verts[:, 1], unit="deg")))
    # same four corners (order may differ)
    for corner in want:
        assert np.min(np.hypot(*(got - corner[:, None]))) < 0.02


def test_readonly_text_area(viewer):
    viewer.add_circle(RA0, DEC0, 5)
    viewer._text.value = "typed by a student"
    assert viewer._text.value == viewer.region_string()


def test_skipped_under_nbgrader_fast_and_without_widgets(tmp_path):
    code = (
        "import sys, time; sys.path.insert(0, %r)\n"
        "t = time.time(); import skyviewer\n"
        "v = skyviewer.SkyViewer('does-not-exist.fits')\n"
        "assert v.widget is None\n"
        "v.load_regions('fk5\\ncircle(10,20,3\")')\n"
        "print(v.region_string().splitlines()[-1])\n"
        "print(sorted(m for m in ('anywidget', 'ipywidgets', 'astropy.io.fits') if m in sys.modules))\n"
        "print('elapsed', time.time() - t)\n" % str(SOURCE_DIR))
    env = dict(os.environ, NBGRADER_EXECUTION="autograde")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("SkyViewer skipped: running under nbgrader")
    assert lines[1] == 'circle(10.0000000,20.0000000,3.000")'
    assert "anywidget" not in lines[2] and "ipywidgets" not in lines[2]


def test_skip_reasons(monkeypatch):
    monkeypatch.delenv("SKYVIEWER_FORCE", raising=False)
    monkeypatch.delenv("SKYVIEWER_DISABLE", raising=False)
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert "nbgrader" in sv.skip_reason()
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert sv.skip_reason() == "not running in a Jupyter kernel"  # plain pytest
    monkeypatch.setenv("SKYVIEWER_DISABLE", "1")
    assert "SKYVIEWER_DISABLE" in sv.skip_reason()
    monkeypatch.setenv("SKYVIEWER_FORCE", "1")
    assert "SKYVIEWER_DISABLE" in sv.skip_reason()  # disable wins over force
    monkeypatch.delenv("SKYVIEWER_DISABLE")
    assert sv.skip_reason() is None
    monkeypatch.delenv("SKYVIEWER_FORCE")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    v = sv.SkyViewer("missing.fits")  # no error: skipped before reading
    assert v.widget is None and "skipped" in repr(v)


def test_skipped_when_executed_headless_by_nbclient(tmp_path, fits_path):
    """nbconvert/nbclient kernels get allow_stdin=False: the viewer stays quiet."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        f"import sys; sys.path.insert(0, {str(SOURCE_DIR)!r})\n"
        f"from skyviewer import SkyViewer\nv = SkyViewer({str(fits_path)!r})\nv")]
    env_backup = {k: os.environ.pop(k) for k in ("NBGRADER_EXECUTION", "SKYVIEWER_FORCE",
                                                  "SKYVIEWER_DISABLE") if k in os.environ}
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    finally:
        os.environ.update(env_backup)
    outputs = nb.cells[0].outputs
    text = "".join(o.get("text", "") for o in outputs)
    assert "SkyViewer skipped: headless execution" in text
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for o in outputs)
    assert "widgets" not in nb.metadata  # no widget state embedded
