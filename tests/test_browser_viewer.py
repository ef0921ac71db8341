"""End-to-end check of source/xray_image/skyviewer.py in JupyterLab + Chromium.

Starts JupyterLab on 127.0.0.1 (free port, token) in a temp dir holding a
small notebook and a synthetic Chandra-like image, drives it with Playwright
in headless Chromium with every non-localhost request aborted, draws a circle
and a box by clicking on two sources, and checks the DS9 string.

Swap the notebook: override the ``viewer_notebook`` fixture (it returns a
``NotebookUnderTest``) or set SKYVIEWER_TEST_NOTEBOOK=path/to/notebook.ipynb
(+ SKYVIEWER_TEST_FITS for the image it shows, SKYVIEWER_TEST_SOURCES for
"ra,dec;ra,dec" sky positions to click). Such a notebook must create a
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
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO / "source" / "xray_image"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("SKYVIEWER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PIXEL_SCALE = 1.968  # arcsec / pixel, like the course images
N = 883
# (x, y) 0-based pixel positions and peak counts of the synthetic sources
SOURCES = [(250.0, 300.0, 400.0), (600.0, 650.0, 900.0), (441.0, 441.0, 150.0),
           (700.0, 180.0, 250.0)]


def _browser_ready() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"chromium not found at {CHROMIUM} (run tools/install_browser.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "python package playwright not installed (run tools/install_browser.sh)"
    return None


def synthetic_wcs():
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crpix = [442.0, 442.0]
    wcs.wcs.crval = [38.6968, 18.4270]
    wcs.wcs.cdelt = [-PIXEL_SCALE / 3600, PIXEL_SCALE / 3600]
    wcs.wcs.radesys = "FK5"
    wcs.wcs.equinox = 2000.0
    return wcs


def write_synthetic_image(path: Path) -> None:
    """883x883 Poisson background, a few bright blobs, an off-chip corner."""
    from astropy.io import fits

    rng = np.random.default_rng(42)
    y, x = np.mgrid[:N, :N]
    rate = np.full((N, N), 0.3)
    for cx, cy, peak in SOURCES:
        rate += peak * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 3.0 ** 2))
    rate[x + y < 150] = 0.0
    counts = rng.poisson(rate).astype(np.int16)
    fits.PrimaryHDU(counts, header=synthetic_wcs().to_header()).writeto(path)


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
    wcs = synthetic_wcs()
    sky = wcs.pixel_to_world([SOURCES[0][0], SOURCES[1][0]], [SOURCES[0][1], SOURCES[1][1]])
    targets = [(float(c.icrs.ra.deg), float(c.icrs.dec.deg)) for c in sky]
    cells = [
        _cell(f"import sys\nsys.path.insert(0, {str(SOURCE_DIR)!r})\n"
              "from skyviewer import SkyViewer"),
        _cell("viewer = SkyViewer('image.fits', height=520)\nviewer"),
        _cell(PRINT_CELL),
    ]
    path = root / "viewer_test.ipynb"
    _write_nb(path, cells)
    yield NotebookUnderTest(path, fits_path, targets)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(viewer_notebook, tmp_path):
    """A JupyterLab server rooted at the notebook's folder; yields base URL, token."""
    reason = _browser_ready()
    if reason:
        pytest.skip(reason)
    port, token = _free_port(), os.urandom(16).hex()
    home = tmp_path / "jhome"
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items()
           if k not in ("NBGRADER_EXECUTION", "SKYVIEWER_DISABLE", "JUPYTER_CONFIG_DIR")}
    env.update(JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTER_CONFIG_DIR=str(home / "config"),
               HOME=str(home))
    log = open(tmp_path / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={viewer_notebook.path.parent}",
         "--ServerApp.port_retries=0", "--allow-root"],
        env=env, cwd=viewer_notebook.path.parent, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (tmp_path / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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


def _map_pixels(png_bytes: bytes) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    return np.asarray(Image.open(BytesIO(png_bytes)).convert("RGB"), dtype=float)


def test_viewer_in_jupyterlab(jupyterlab, viewer_notebook, tmp_path):
    from astropy.io import fits
    from astropy.wcs import WCS
    from playwright.sync_api import sync_playwright
    from regions import CircleSkyRegion, RectangleSkyRegion, Regions

    base, token = jupyterlab
    nb_name = viewer_notebook.path.name
    blocked, errors = [], []

    def only_localhost(route):
        url = route.request.url
        if url.startswith(base) or url.startswith(base.replace("http", "ws")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chrome-profile"),
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1100, "height": 1000})
        try:
            browser.route("**/*", only_localhost)
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            # JupyterLab sometimes asks for a kernel although the notebook names one
            page.add_locator_handler(
                page.locator(".jp-Dialog", has_text="Select Kernel"),
                lambda dlg: dlg.locator(".jp-mod-accept").click())
            console = []
            page.on("console", lambda m: console.append(f"{m.type}: {m.text[:500]}"))
            page.goto(f"{base}/lab/tree/{nb_name}?token={token}", timeout=120_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            # wait for the kernel before running
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

            # --- the image is on the canvas -------------------------------
            pix = _map_pixels(mapdiv.screenshot())
            h, w = pix.shape[:2]
            centre = pix[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
            assert centre.std() > 10, "map looks uniform (image not drawn?)"
            assert len(np.unique(centre.reshape(-1, 3), axis=0)) >= 4
            assert page.locator(".skyviewer-error").count() == 0
            assert "error" not in mapdiv.inner_text().lower()

            # --- draw: circle on source 1, box on source 2 -----------------
            box = mapdiv.bounding_box()
            clicks = []
            sizes = {"circle": {'radius (")': "40"},
                     "box": {'box w (")': "150", 'box h (")': "60", "angle (°)": "30"}}
            for mode, (ra, dec) in zip(("circle", "box"), viewer_notebook.click_targets):
                page.locator(".skyviewer-mode button", has_text=mode).click()
                for label, value in sizes[mode].items():
                    field = page.locator(".skyviewer .widget-inline-hbox", has_text=label)
                    field.locator("input").fill(value)
                    field.locator("input").press("Enter")
                page.wait_for_timeout(300)
                cx, cy = mapdiv.evaluate(
                    "(el, p) => el.__skyviewer.aladin.world2pix(p[0], p[1])", [ra, dec])
                cx, cy = round(cx), round(cy)
                click_sky = mapdiv.evaluate(
                    "(el, p) => el.__skyviewer.aladin.pix2world(p[0], p[1])", [cx, cy])
                page.mouse.click(box["x"] + cx, box["y"] + cy)
                clicks.append((mode, (ra, dec), click_sky))
                page.wait_for_timeout(800)
            page.wait_for_function(
                "() => { const t = document.querySelector('.skyviewer-regions textarea');"
                " return t && t.value.includes('circle(') && t.value.includes('box('); }",
                timeout=30_000)
            text_in_page = page.locator(".skyviewer-regions textarea").input_value()
            page.wait_for_timeout(1000)  # overlays drawn
            page.locator(".skyviewer").first.screenshot(path=str(ARTIFACTS / "viewer.png"))

            # --- the kernel agrees: run the print cell ---------------------
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
        finally:
            browser.close()

    assert printed.strip() == text_in_page.strip()
    assert text_in_page.startswith("# Region file format: DS9\nfk5\n")
    regs = Regions.parse(text_in_page, format="ds9")
    assert [type(r) for r in regs] == [CircleSkyRegion, RectangleSkyRegion]
    with fits.open(viewer_notebook.fits_path) as hdul:
        wcs = WCS(hdul[0].header).celestial
    from astropy.coordinates import SkyCoord

    assert abs(regs[0].radius.to_value("arcsec") - 40) < 1e-6
    assert abs(regs[1].width.to_value("arcsec") - 150) < 1e-6
    assert abs(regs[1].height.to_value("arcsec") - 60) < 1e-6
    assert abs(regs[1].angle.to_value("deg") - 30) < 1e-6
    for reg, (mode, (ra, dec), click_sky) in zip(regs, clicks):
        # 1. the region is where Aladin says the clicked canvas pixel is
        clicked = SkyCoord(click_sky[0], click_sky[1], unit="deg", frame="icrs")
        assert reg.center.separation(clicked).arcsec < 0.2 * PIXEL_SCALE, mode
        # 2. ... and that is on the source we aimed at, in image pixels
        got = np.array(reg.center.to_pixel(wcs))
        want = np.array(SkyCoord(ra, dec, unit="deg").to_pixel(wcs))
        assert np.hypot(*(got - want)) < 2.0, (mode, got, want)
    # nothing left the machine, and the page had no JS errors of ours
    assert not [u for u in blocked if u.startswith(base)]
    assert not [e for e in errors if "skyviewer" in e.lower() or "aladin" in e.lower()], errors
    print("blocked non-local requests:", blocked)
