// Front-end half of skyviewer.SkyViewer (an anywidget ES module).
//
// Aladin Lite is NOT fetched from a CDN: the Python side ships the bundled
// single-file build (skyviewer_assets/aladin-lite-*.js, LGPL-3.0-or-later) as
// a binary trait; it is turned into a blob: URL and imported once per page.
//
// Python -> JS (traits): _lib (bytes), _lib_version, _fits (bytes), _view,
//                        _display, _shapes, height, mode
// JS -> Python (messages): {event: "click", ra, dec}, {event: "ready"},
//                          {event: "error", message}

function loadAladin(model) {
  const key = "__skyviewer_aladin_" + model.get("_lib_version");
  if (!globalThis[key]) {
    const bytes = model.get("_lib");
    const blob = new Blob([bytes], { type: "text/javascript" });
    const url = URL.createObjectURL(blob);
    globalThis[key] = import(/* webpackIgnore: true */ url).then(async (mod) => {
      const A = mod.default;
      await A.init;
      return A;
    });
  }
  return globalThis[key];
}

function drawShapes(A, overlay, shapes) {
  overlay.removeAll();
  for (const s of shapes) {
    const opts = { color: s.color, lineWidth: s.line_width || 2 };
    if (s.type === "circle") {
      overlay.add(A.circle(s.ra, s.dec, s.radius, opts));
    } else if (s.type === "polygon") {
      overlay.add(A.polygon(s.vertices.map((v) => [v[0], v[1]]), opts));
    }
  }
}

async function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "skyviewer-map";
  root.style.width = "100%";
  root.style.height = `${model.get("height")}px`;
  root.dataset.state = "loading";
  el.appendChild(root);

  const fail = (err) => {
    root.dataset.state = "error";
    const msg = document.createElement("div");
    msg.className = "skyviewer-error";
    msg.textContent = "Sky viewer error: " + String(err);
    root.appendChild(msg);
    model.send({ event: "error", message: String(err) });
  };

  let A;
  try {
    A = await loadAladin(model);
  } catch (err) {
    fail(err);
    return;
  }

  const view = model.get("_view");
  const display = model.get("_display");
  let aladin;
  try {
    aladin = A.aladin(root, {
      survey: [], // no HiPS background: nothing is fetched from the network
      hipsList: [],
      log: false,
      samp: false,
      target: `${view.ra} ${view.dec}`,
      fov: view.fov,
      projection: "TAN",
      cooFrame: "ICRS",
      backgroundColor: "rgb(0, 0, 0)",
      showReticle: false,
      showLayersControl: false,
      showProjectionControl: false,
      showSimbadPointerControl: false,
      showSettingsControl: false,
      showShareControl: false,
      showContextMenu: false,
      showCooGridControl: false,
      showFullscreenControl: true,
      showZoomControl: true,
      showCooLocation: true,
      showFrame: true,
      showFov: true,
    });
  } catch (err) {
    fail(err);
    return;
  }

  const overlay = A.graphicOverlay({ name: "regions", color: "#00ff00", lineWidth: 2 });
  aladin.addOverlay(overlay);
  // Handle used by the browser test (and handy for debugging in the console).
  root.__skyviewer = { aladin, A, overlay };

  const fitsBytes = model.get("_fits");
  const url = URL.createObjectURL(new Blob([fitsBytes], { type: "application/fits" }));
  const image = aladin.createImageFITS(
    url,
    {
      name: display.name,
      colormap: display.colormap,
      stretch: display.stretch,
      minCut: display.min_cut,
      maxCut: display.max_cut,
    },
    () => {
      image.setCuts(display.min_cut, display.max_cut);
      // centre on the image and zoom so that all of it fits in the map
      aladin.gotoRaDec(view.ra, view.dec);
      aladin.setFoV(view.fov);
      const [fx, fy] = aladin.getFov();
      if (fx > 0 && fy > 0) {
        aladin.setFoV(view.fov * Math.max(view.width / fx, view.height / fy) * 1.05);
      }
      URL.revokeObjectURL(url);
      root.dataset.state = "ready";
      model.send({ event: "ready" });
    },
    (err) => fail(err || "could not read the FITS image"),
  );
  aladin.setBaseImageLayer(image);

  const redraw = () => drawShapes(A, overlay, model.get("_shapes"));
  const setCursor = () => {
    root.style.cursor = model.get("mode") === "pan" ? "" : "crosshair";
  };
  const setHeight = () => {
    root.style.height = `${model.get("height")}px`;
  };
  redraw();
  setCursor();

  aladin.on("click", (e) => {
    if (!e || e.isDragging) return;
    model.send({ event: "click", ra: e.ra, dec: e.dec, x: e.x, y: e.y });
  });
  model.on("change:_shapes", redraw);
  model.on("change:mode", setCursor);
  model.on("change:height", setHeight);

  return () => {
    model.off("change:_shapes", redraw);
    model.off("change:mode", setCursor);
    model.off("change:height", setHeight);
  };
}

export default { render };
