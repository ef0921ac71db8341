"""The sky viewer under Google Colab's own widget manager, in headless Chromium, with a real
ipykernel.

Colab renders custom widgets (anywidget's among them) with colab-cdn-widget-manager, whose
source is public: ``make setup`` bundles it, unchanged, into
``.build/colab-manager/dist/manager.min.js`` (tools/build_colab_manager.sh). The page
(tests/fixtures/colab_host/) plays Colab's front end: it talks to a kernel through jupyter_server's
websocket and gives the manager the host API it expects (``getModelState``,
``openCommChannel``, ``renderOutput``, src/api.ts). The kernel plays Colab's: the test-only
``google.colab`` (tests/fixtures/colab_kernel/) with Colab's real ``output/_widgets.py`` is imported
at start-up, so anywidget turns the custom widget manager on and the widget's output names
the manager's URL, which the page loads (the test serves the bundle there, and anywidget's
front end where jsdelivr serves it to Colab). Every other request off the machine is refused.

The test displays a viewer, places a circle and a box by clicking on the map, checks that
the kernel's ``viewer.region_string()`` holds them where the clicks were, then displays the
same viewer a second time, losing that view's first request for the image on its way to the
kernel, and checks that the second view shows the image and the same regions. Screenshot: tests/artifacts/colab-viewer.png (failure: colab-failure.png and
colab-failure-console.txt).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from browser_support import (ARTIFACTS, SOURCE_DIR, ViewerPage, api_post, assert_regions_on_targets,
                             browser_ready, chromium_page, image_drawn,
                             jupyter_server, source_targets, synthetic_wcs,
                             write_synthetic_image)
from repo_paths import FIXTURES
from colab_support import MANAGER_BUNDLE, manager_missing, manager_url, write_kernelspec

pytestmark = pytest.mark.browser

HOST_DIR = FIXTURES / "colab_host"
MANAGER_URL = re.compile(r"https://ssl\.gstatic\.com/colaboratory-static/widgets/"
                         r"colab-cdn-widget-manager/[0-9a-f]+/manager\.min\.js")
ANYWIDGET_CDN = "https://cdn.jsdelivr.net/npm/anywidget@"
READY_TIMEOUT_MS = int(os.environ.get("SKYVIEWER_TEST_TIMEOUT_MS", "180000"))
CORS = {"Access-Control-Allow-Origin": "*"}


def _anywidget_front_end() -> tuple[str, Path]:
    """anywidget's version and its AMD front end (what jsdelivr serves Colab as dist/index.js)."""
    import anywidget

    return anywidget.__version__, Path(anywidget.__file__).parent / "nbextension" / "index.js"


@pytest.fixture
def colab_server(tmp_path):
    """A jupyter_server whose kernel ``colab`` plays Colab's, rooted at a folder with the
    image; yields base URL, token and the id of a running ``colab`` kernel."""
    reason = browser_ready() or manager_missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path / "content"
    root.mkdir()
    write_synthetic_image(root / "image.fits")
    data_dir = tmp_path / "jupyter-data"
    write_kernelspec(data_dir, sys.executable)
    # the page comes from the server itself (/static/), so that its websocket to the kernel
    # is same-origin and local (Chromium refuses a page it deems public one to 127.0.0.1)
    with jupyter_server("jupyter_server", root, tmp_path / "jhome",
                        env={"JUPYTER_PATH": str(data_dir)},
                        args=(f"--ServerApp.extra_static_paths={HOST_DIR}",)) as (base, token):
        kernel = api_post(base, token, "/api/kernels", {"name": "colab"})
        yield base, token, kernel["id"]


class Host:
    """The page that plays Colab's front end; runs cells in the kernel."""

    def __init__(self, page):
        self.page = page

    def run(self, code: str) -> str:
        """Run a cell; its printed text. Fails with the kernel's error if the cell fails."""
        result = self.page.evaluate("code => colabHost.execute(code)", code)
        assert result["status"] == "ok", result["text"]
        return result["text"]

    def renders(self, count: int) -> list[str]:
        """How the first ``count`` widget outputs went, once they have."""
        self.page.wait_for_function("n => colabHost.renders.length >= n", arg=count,
                                    timeout=READY_TIMEOUT_MS)
        return self.page.evaluate("() => colabHost.renders")


def test_viewer_under_colabs_widget_manager(colab_server, tmp_path):
    from regions import CircleSkyRegion, RectangleSkyRegion, Regions

    base, token, kernel_id = colab_server
    anywidget_version, anywidget_js = _anywidget_front_end()
    targets = source_targets(3)
    served, blocked, errors, console = [], [], [], []

    def serve(route):
        url = route.request.url
        if MANAGER_URL.fullmatch(url):
            served.append(url)
            route.fulfill(path=MANAGER_BUNDLE, content_type="text/javascript", headers=CORS)
        elif url.startswith(ANYWIDGET_CDN):
            served.append(url)
            route.fulfill(path=anywidget_js, content_type="text/javascript", headers=CORS)
        elif url.startswith(base):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(tmp_path / "chrome-profile", serve, errors, console) as page:
        try:
            page.goto(f"{base}/static/index.html?kernel={kernel_id}&token={token}")
            page.wait_for_function("() => window.colabHost", timeout=60_000)
            host = Host(page)

            # --- the kernel is Colab's: google.colab imported, anywidget turns the manager on
            assert host.run("import sys\nprint('google.colab.output' in sys.modules)") == "True\n"
            host.run(f"sys.path.insert(0, {str(SOURCE_DIR)!r})\nfrom skyviewer import SkyViewer")
            host.run("viewer = SkyViewer('image.fits', height=520)\nviewer")
            assert host.renders(1) == ["rendered"]
            assert page.evaluate("() => colabHost.managerUrls") == [manager_url()]
            assert served[:1] == [manager_url()]
            assert any(url.startswith(f"{ANYWIDGET_CDN}~{anywidget_version.rsplit('.', 1)[0]}.")
                       for url in served), served

            # --- the map shows the image ----------------------------------------------
            mapdiv = page.locator(".skyviewer-map").first
            page.wait_for_selector(".skyviewer-map[data-state=ready], .skyviewer-map[data-state=error]",
                                   timeout=READY_TIMEOUT_MS)
            assert mapdiv.get_attribute("data-state") == "ready", mapdiv.inner_text()
            page.wait_for_timeout(1500)  # let WebGL draw the image
            mapdiv.scroll_into_view_if_needed()
            image_drawn(mapdiv.screenshot())

            # --- a circle and a box, placed by clicking ---------------------------------
            viewer = ViewerPage(page, mapdiv)
            viewer.tool("circle")
            clicks = [("circle", targets[0], viewer.place(*targets[0]))]
            viewer.tool("box")
            clicks.append(("box", targets[2], viewer.place(*targets[2])))
            text_in_page = viewer.text.input_value()
            page.wait_for_timeout(800)  # overlay drawn
            viewer.root.screenshot(path=str(ARTIFACTS / "colab-viewer.png"))
            printed = host.run('print(viewer.region_string(), end="")')

            # --- a second view of the same widget shows the image and the same regions, even
            # when its first request for them is lost on the way to the kernel ------------
            page.evaluate("() => { colabHost.loads = 0; colabHost.dropSend = (data) =>"
                          " data?.content?.event === 'load' && ++colabHost.loads === 1; }")
            host.run("viewer")
            assert host.renders(2) == ["rendered", "rendered"]
            second = page.locator(".skyviewer-map").nth(1)
            page.wait_for_selector(".skyviewer-map >> nth=1", timeout=READY_TIMEOUT_MS)
            page.wait_for_function(
                "() => { const s = document.querySelectorAll('.skyviewer-map')[1];"
                " return s && s.dataset.state !== 'loading'; }", timeout=READY_TIMEOUT_MS)
            assert second.get_attribute("data-state") == "ready", second.inner_text()
            page.wait_for_timeout(1500)
            second.scroll_into_view_if_needed()
            image_drawn(second.screenshot())
            assert page.locator(".skyviewer-regions").nth(1).input_value() == text_in_page
            assert page.evaluate("() => colabHost.loads") >= 2  # lost, then asked again
            answered = host.run("print(len(viewer.widget._answered))")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "colab-failure.png"), full_page=True)
            (ARTIFACTS / "colab-failure-console.txt").write_text(
                "\n".join(console + ["--- page errors:"] + errors + ["--- served:"] + served
                          + ["--- blocked:"] + blocked))
            raise

    assert printed.strip() == text_in_page.strip()
    assert answered == "2\n"  # one request per view: the lost one came again, same id
    regs = Regions.parse(printed, format="ds9")
    assert [type(r) for r in regs] == [CircleSkyRegion, RectangleSkyRegion]
    assert_regions_on_targets(regs, clicks, synthetic_wcs())
    # nothing but the manager, anywidget's front end and the font-awesome sheet the manager
    # adds was asked of the internet, and the page had no errors
    assert all("font-awesome" in url for url in blocked), blocked
    assert not errors, errors
