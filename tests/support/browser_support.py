"""What the browser tests of the sky viewer share: Chromium, a Jupyter server, a synthetic
image, and the viewer driven through the page as a student would.

Used by tests/browser/test_browser_viewer.py (JupyterLab's widget manager) and
tests/browser/test_browser_colab.py (Colab's). Chromium is Debian's /usr/bin/chromium
(tools/install_browser.sh), never one that playwright downloads.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from repo_paths import ARTIFACTS, REPO


SOURCE_DIR = REPO / "source" / "xray_image"

CHROMIUM = os.environ.get("SKYVIEWER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PIXEL_SCALE = 1.968  # arcsec / pixel, like the course images
N = 883
# (x, y) 0-based pixel positions and peak counts of the synthetic sources
SOURCES = [(250.0, 300.0, 400.0), (600.0, 650.0, 900.0), (441.0, 441.0, 150.0),
           (700.0, 180.0, 250.0)]


def browser_ready() -> str | None:
    """Why the browser tests cannot run here, or ``None``."""
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


def source_targets(count: int = 3) -> list[tuple[float, float]]:
    """ICRS (ra, dec) degrees of the first ``count`` synthetic sources."""
    sky = synthetic_wcs().pixel_to_world([x for x, _, _ in SOURCES[:count]],
                                         [y for _, y, _ in SOURCES[:count]])
    return [(float(c.icrs.ra.deg), float(c.icrs.dec.deg)) for c in sky]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_server(app: str, root: Path, home: Path, env: dict | None = None,
                   args: tuple[str, ...] = ()):
    """Run ``python -m <app>`` (jupyterlab or jupyter_server) on 127.0.0.1 with a token,
    rooted at ``root``, its settings under ``home``, with more command-line ``args``;
    yields (base URL, token)."""
    port, token = free_port(), os.urandom(16).hex()
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("NBGRADER_EXECUTION", "SKYVIEWER_DISABLE", "JUPYTER_CONFIG_DIR")}
    full_env.update(JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                    JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                    JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                    JUPYTER_CONFIG_DIR=str(home / "config"),
                    HOME=str(home), **(env or {}))
    log_path = home / f"{app}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0", "--allow-root", *args],
        env=full_env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
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
                    raise RuntimeError(f"{app} did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def api_post(base: str, token: str, path: str, body: dict) -> dict:
    """POST JSON to the server's REST API; the reply's JSON."""
    request = urllib.request.Request(
        f"{base}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read() or b"{}")


def map_pixels(png_bytes: bytes) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    return np.asarray(Image.open(BytesIO(png_bytes)).convert("RGB"), dtype=float)


def image_drawn(png_bytes: bytes) -> None:
    """Assert that a screenshot of the map shows an image, not a uniform canvas."""
    pix = map_pixels(png_bytes)
    h, w = pix.shape[:2]
    centre = pix[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    assert centre.std() > 10, "map looks uniform (image not drawn?)"
    assert len(np.unique(centre.reshape(-1, 3), axis=0)) >= 4


class ViewerPage:
    """The viewer in the page, driven as a student would."""

    def __init__(self, page, mapdiv):
        self.page, self.map = page, mapdiv
        self.root = page.locator(".skyviewer").first
        self.text = page.locator(".skyviewer-regions").first
        self.sizes = page.locator(".skyviewer-sizes").first

    def model(self, expression: str, *args):
        """Evaluate ``expression`` with ``m`` the widget's model."""
        return self.map.evaluate(f"(el, args) => {{ const m = el.__skyviewer.model; "
                                 f"return {expression}; }}", list(args))

    def wait_model(self, expression: str, *args, timeout: int = 30_000) -> None:
        self.page.wait_for_function(
            f"(args) => {{ const el = document.querySelector('.skyviewer-map');"
            f" const m = el.__skyviewer.model; return {expression}; }}",
            arg=list(args), timeout=timeout)

    def tool(self, name: str) -> None:
        self.page.locator(f".skyviewer-tool[data-tool={name}]").click()
        self.wait_model("m.get('tool') === args[0]", name)

    def field(self, name: str):
        return self.page.locator(f".skyviewer-size[data-size={name}]")

    def type_size(self, name: str, value: float) -> None:
        """Type a size and press Enter; wait until the kernel has it."""
        self.field(name).fill(str(value))
        self.field(name).press("Enter")
        self.wait_model("Math.abs(m.get('sizes')[args[0]] - args[1]) < 1e-9", name, value)

    def screen_xy(self, ra: float, dec: float) -> tuple[int, int]:
        x, y = self.map.evaluate("(el, p) => el.__skyviewer.aladin.world2pix(p[0], p[1])", [ra, dec])
        return round(x), round(y)

    def click_sky(self, ra: float, dec: float):
        """Click on the map where (ra, dec) is; returns what Aladin says
        lies under the clicked screen pixel."""
        self.map.scroll_into_view_if_needed()
        x, y = self.screen_xy(ra, dec)
        box = self.map.bounding_box()
        assert 0 < x < box["width"] and 0 < y < box["height"], f"({ra}, {dec}) is off the map"
        under = self.map.evaluate("(el, p) => el.__skyviewer.aladin.pix2world(p[0], p[1])", [x, y])
        self.page.mouse.click(box["x"] + x, box["y"] + y)
        return under

    def place(self, ra: float, dec: float):
        count = self.model("m.get('shapes').length")
        under = self.click_sky(ra, dec)
        self.wait_model("m.get('shapes').length === args[0]", count + 1)
        return under

    def regions(self):
        from regions import Regions

        self.wait_model("document.querySelector('.skyviewer-regions').value === m.get('region_text')")
        return Regions.parse(self.text.input_value(), format="ds9")

    def radii(self) -> list[float]:
        return [round(r.radius.to_value("arcsec"), 3) for r in self.regions() if hasattr(r, "radius")]

    def screen_pixels_per_image_pixel(self, pixel_deg: float) -> float:
        return self.map.evaluate(
            "(el, p) => { const a = el.__skyviewer.aladin; const [ra, dec] = a.getRaDec();"
            " const u = a.world2pix(ra, dec), v = a.world2pix(ra, dec + p);"
            " return Math.hypot(v[0] - u[0], v[1] - u[1]); }", pixel_deg)


def assert_regions_on_targets(regs, clicks, wcs) -> None:
    """Each region is where Aladin said the clicked canvas pixel was, and on the source aimed
    at (``clicks``: (kind, (ra, dec) aimed at, (ra, dec) under the clicked pixel))."""
    from astropy.coordinates import SkyCoord

    for reg, (kind, (ra, dec), under) in zip(regs, clicks, strict=True):
        clicked = SkyCoord(under[0], under[1], unit="deg", frame="icrs")
        assert reg.center.separation(clicked).arcsec < 0.2 * PIXEL_SCALE, kind
        got = np.array(reg.center.to_pixel(wcs))
        want = np.array(SkyCoord(ra, dec, unit="deg").to_pixel(wcs))
        assert np.hypot(*(got - want)) < 2.0, (kind, got, want)


@contextlib.contextmanager
def chromium_page(profile: Path, route, errors: list, console: list):
    """A page of Debian's headless Chromium whose every request goes through ``route``.

    Page errors and console lines are appended to ``errors`` and ``console``;
    the browser is closed on leaving, whatever happened.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            user_data_dir=str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1100, "height": 1000})
        try:
            browser.route("**/*", route)
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text[:500]}"))
            yield page
        finally:
            browser.close()

