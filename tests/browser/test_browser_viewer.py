"""End-to-end check of the sky viewer (source/xray_image/skyviewer/) in
JupyterLab + Chromium.

Starts JupyterLab on 127.0.0.1 (free port, token) in a temp dir holding a
small notebook and a synthetic Chandra-like image, drives it with Playwright
in headless Chromium with every non-localhost request aborted, and checks what
a student meets: the first view shows at least one screen pixel per image
pixel; a size typed after placing a circle applies to the next circle, not to
the one placed; a shape is resized only after it is selected, and the
selection is visible (yellow on the map, a yellow frame round the size
fields naming the shape); the DS9 text box is read-only; the kernel's
``viewer.region_string()`` equals the text box.

Swap the notebook: override the ``viewer_notebook`` fixture (it returns a
``NotebookUnderTest``) or set SKYVIEWER_TEST_NOTEBOOK=path/to/notebook.ipynb
(+ SKYVIEWER_TEST_FITS for the image it shows, SKYVIEWER_TEST_SOURCES for
"ra,dec;ra,dec;ra,dec" sky positions: two circles, and a box on the third). Such a notebook must create a
viewer named ``viewer``; a copy with a cell printing
``viewer.region_string()`` appended is written beside it as
``skyviewer-test-<name>.ipynb`` (so relative data paths work) and removed after.

Needs /usr/bin/chromium (apt) and the ``playwright`` Python package
(tools/install_browser.sh); skipped with a reason otherwise.
Screenshot: tests/artifacts/viewer.png.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from browser_support import (ARTIFACTS, SOURCE_DIR, ViewerPage, api_post, assert_regions_on_targets,
                             browser_ready, chromium_page,
                             image_drawn, jupyter_server, map_pixels, source_targets,
                             write_synthetic_image)

pytestmark = pytest.mark.browser


@dataclass
class NotebookUnderTest:
    path: Path  # notebook to open (inside the Jupyter root dir)
    fits_path: Path  # the image the viewer shows (for its WCS)
    click_targets: list = field(default_factory=list)  # [(ra, dec), ...] ICRS deg


def _cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": os.urandom(4).hex(),
            "metadata": {}, "outputs": [], "source": source}


PRINT_CELL = ('print("REGIONS-BEGIN")\nprint(viewer.region_string(), end="")\n'
              'print("REGIONS-END")')


def _write_nb(path: Path, cells: list) -> None:
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}}}
    path.write_text(json.dumps(nb, indent=1))


@pytest.fixture
def viewer_notebook(tmp_path) -> NotebookUnderTest:
    """The notebook under test (synthetic by default, see module docstring)."""
    root = tmp_path / "lab"
    root.mkdir()
    custom = os.environ.get("SKYVIEWER_TEST_NOTEBOOK")
    if custom:
        # the copy sits beside the original so relative data paths still work
        nb = json.loads(Path(custom).read_text())
        nb["cells"].append(_cell(PRINT_CELL))
        target = Path(custom).resolve().with_name(f"skyviewer-test-{Path(custom).name}")
        target.write_text(json.dumps(nb))
        targets = [tuple(map(float, p.split(",")))
                   for p in os.environ.get("SKYVIEWER_TEST_SOURCES", "").split(";") if p]
        yield NotebookUnderTest(target, Path(os.environ["SKYVIEWER_TEST_FITS"]), targets)
        target.unlink(missing_ok=True)
        return
    fits_path = root / "image.fits"
    write_synthetic_image(fits_path)
    targets = source_targets(3)
    cells = [
        _cell(f"import sys\nsys.path.insert(0, {str(SOURCE_DIR)!r})\n"
              "from skyviewer import SkyViewer"),
        _cell("viewer = SkyViewer('image.fits', height=520)\nviewer"),
        _cell(PRINT_CELL),
    ]
    path = root / "viewer_test.ipynb"
    _write_nb(path, cells)
    yield NotebookUnderTest(path, fits_path, targets)


@pytest.fixture
def jupyterlab(viewer_notebook, tmp_path):
    """A JupyterLab server rooted at the notebook's folder; yields base URL, token."""
    reason = browser_ready()
    if reason:
        pytest.skip(reason)
    with jupyter_server("jupyterlab", viewer_notebook.path.parent, tmp_path / "jhome") as server:
        yield server


def _run_all(page, attempts=4):
    """Run > Run All Cells, retried until the first cell starts executing
    (right after the page loads the kernel may not take it yet)."""
    first_prompt = page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first
    for _ in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        for _ in range(40):
            if first_prompt.inner_text().strip() not in ("[ ]:", ""):
                return
            page.wait_for_timeout(250)
        page.keyboard.press("Escape")
    raise AssertionError("Run All Cells did not start the notebook")


def _start_session(base: str, token: str, nb_name: str) -> None:
    """Start the notebook's kernel before the page opens it, so JupyterLab
    attaches to it instead of asking which kernel to use."""
    api_post(base, token, "/api/sessions", {"path": nb_name, "name": nb_name, "type": "notebook",
                                            "kernel": {"name": "python3"}})


def _yellow_pixels(png_bytes: bytes) -> int:
    """Pixels of the selection colour (#ffd700, drawn 4 px wide) in a screenshot."""
    pix = map_pixels(png_bytes)
    r, g, b = pix[..., 0], pix[..., 1], pix[..., 2]
    return int(((r > 220) & (g > 180) & (g < 240) & (b < 80)).sum())


def test_viewer_in_jupyterlab(jupyterlab, viewer_notebook, tmp_path):
    from astropy.io import fits
    from astropy.wcs import WCS
    from regions import CircleSkyRegion, RectangleSkyRegion, Regions

    base, token = jupyterlab
    nb_name = viewer_notebook.path.name
    targets = viewer_notebook.click_targets
    assert len(targets) >= 3, "need three sky positions to click: two circles and a box"
    with fits.open(viewer_notebook.fits_path) as hdul:
        wcs = WCS(hdul[0].header).celestial
    pixel_deg = float(np.max(np.abs(wcs.proj_plane_pixel_scales()[0].to_value("deg"))))
    blocked, errors, console = [], [], []

    def only_localhost(route):
        url = route.request.url
        if url.startswith(base) or url.startswith(base.replace("http", "ws")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    ARTIFACTS.mkdir(exist_ok=True)
    _start_session(base, token, nb_name)
    with chromium_page(tmp_path / "chrome-profile", only_localhost, errors, console) as page:
        try:
            # should the kernel dialog still appear, keep the running kernel
            page.add_locator_handler(
                page.locator(".jp-Dialog", has_text="Select Kernel"),
                lambda dlg: dlg.locator(".jp-mod-accept").click())
            page.goto(f"{base}/lab/tree/{nb_name}?token={token}", timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_function(
                "() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator');"
                " return s && s.getAttribute('data-status') === 'idle'; }",
                timeout=120_000)
            _run_all(page)
            mapdiv = page.locator(".skyviewer-map")
            page.wait_for_selector(".skyviewer-map[data-state=ready], .skyviewer-map[data-state=error]",
                                   timeout=int(os.environ.get("SKYVIEWER_TEST_TIMEOUT_MS", "180000")))
            assert mapdiv.get_attribute("data-state") == "ready", mapdiv.inner_text()
            page.wait_for_timeout(1500)  # let WebGL draw the image
            mapdiv.scroll_into_view_if_needed()
            viewer = ViewerPage(page, mapdiv)

            # --- the image is on the canvas, zoomed so faint sources show -----
            image_drawn(mapdiv.screenshot())
            assert page.locator(".skyviewer-error").count() == 0
            zoom = viewer.screen_pixels_per_image_pixel(pixel_deg)
            assert 1.0 <= zoom < 1.5, f"first view: {zoom:.3f} screen pixels per image pixel"

            # --- a size typed after placing a circle is for the next one ----
            viewer.tool("circle")
            assert viewer.sizes.get_attribute("data-target") == "new"
            viewer.type_size("radius", 12)
            clicks = [("circle", targets[0], viewer.place(*targets[0]))]
            assert viewer.model("m.get('selected')") == -1  # placing does not select
            viewer.type_size("radius", 20)
            assert viewer.radii() == [12.0], "typing a size changed the circle already placed"
            clicks.append(("circle", targets[1], viewer.place(*targets[1])))
            assert viewer.radii() == [12.0, 20.0]
            viewer.tool("box")
            for name, value in (("width", 150), ("height", 60), ("angle", 30)):
                viewer.type_size(name, value)
            clicks.append(("box", targets[2], viewer.place(*targets[2])))

            # --- select the first circle explicitly, then resize it ---------
            viewer.tool("select")
            viewer.click_sky(*targets[0])
            viewer.wait_model("m.get('selected') === 0")
            assert viewer.sizes.get_attribute("data-target") == "selected"
            legend = viewer.sizes.locator("legend")
            assert legend.is_visible() and "circle #1" in legend.inner_text()
            assert page.locator(".skyviewer-deselect").is_visible()
            assert viewer.field("radius").input_value() == "12"
            assert viewer.field("width").is_disabled()  # a circle has no width
            viewer.type_size("radius", 30)
            assert viewer.radii() == [30.0, 20.0], "resizing changed the wrong circle"
            page.wait_for_timeout(800)  # overlay redrawn
            assert _yellow_pixels(mapdiv.screenshot()) > 50, "selected shape not highlighted"
            frame = viewer.sizes.evaluate("el => getComputedStyle(el).borderTopColor")
            assert frame == "rgb(255, 215, 0)", frame
            viewer.root.screenshot(path=str(ARTIFACTS / "viewer.png"))

            # --- the DS9 text box is read-only ------------------------------
            before = viewer.text.input_value()
            assert viewer.text.evaluate("el => el.readOnly")
            viewer.text.click()
            page.keyboard.type("typed by a student")
            page.keyboard.press("Backspace")
            assert viewer.text.input_value() == before
            assert "read-only" in page.locator(".skyviewer-regions-head label").inner_text()

            # --- deselect: the fields are for new shapes again --------------
            page.locator(".skyviewer-deselect").click()
            viewer.wait_model("m.get('selected') === -1")
            assert viewer.sizes.get_attribute("data-target") == "new"
            assert not page.locator(".skyviewer-deselect").is_visible()
            assert viewer.field("radius").input_value() == "20"
            # ... and Esc after picking a shape on the map deselects it too
            viewer.click_sky(*targets[1])
            viewer.wait_model("m.get('selected') === 1")
            page.keyboard.press("Escape")
            viewer.wait_model("m.get('selected') === -1")
            text_in_page = viewer.text.input_value()

            # --- the kernel agrees: run the print cell ----------------------
            last = page.locator(".jp-Notebook .jp-Cell").last
            last.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Control+Enter")
            out = last.locator(".jp-OutputArea-output")
            out.filter(has_text="REGIONS-END").wait_for(timeout=60_000)
            printed = out.inner_text().split("REGIONS-BEGIN", 1)[1].split("REGIONS-END")[0]
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure.png"))
            (ARTIFACTS / "failure-console.txt").write_text(
                "\n".join(console + ["--- page errors:"] + errors + ["--- blocked:"] + blocked))
            raise

    assert printed.strip() == text_in_page.strip()
    regs = Regions.parse(text_in_page, format="ds9")
    assert [type(r) for r in regs] == [CircleSkyRegion, CircleSkyRegion, RectangleSkyRegion]
    assert regs[0].radius.to_value("arcsec") == pytest.approx(30, abs=1e-4)
    assert regs[1].radius.to_value("arcsec") == pytest.approx(20, abs=1e-4)
    assert regs[2].width.to_value("arcsec") == pytest.approx(150, abs=1e-4)
    assert regs[2].height.to_value("arcsec") == pytest.approx(60, abs=1e-4)
    assert regs[2].angle.to_value("deg") == pytest.approx(30)
    assert_regions_on_targets(regs, clicks, wcs)
    # nothing left the machine, and the page had no JS errors of ours
    assert not [u for u in blocked if u.startswith(base)]
    assert not [e for e in errors if "skyviewer" in e.lower() or "aladin" in e.lower()], errors
    print(f"first view: {zoom:.3f} screen pixels per image pixel; "
          f"blocked non-local requests: {blocked}")
