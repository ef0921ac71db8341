// Front end of skyviewer.widget.SkyViewerWidget (an anywidget ES module).
//
// It draws what the Python side says and reports what the student does; the
// regions themselves live in Python (skyviewer.editor.RegionEditor), so the
// notebook and the page can never disagree about them.
//
//   traits read : _aladin_version, _display, _view, height,
//                 shapes, selected, sizes, region_text, can_undo, status
//   trait set   : tool
//   messages    : {event: "click", tool, ra, dec}, {event: "size", name, value},
//                 {event: "undo" | "delete" | "clear" | "deselect"},
//                 {event: "ready"}, {event: "error", message},
//                 {event: "load", request, aladin}
//   answer      : {event: "load", request, parts} with the parts' bytes as buffers
//
// Aladin Lite is not fetched from a CDN: Python sends the bundled build
// (static/aladin-lite-*.js, LGPL-3.0-or-later) and the image (a FITS file)
// when a view asks with a "load" message, never in traits: Colab's widget
// manager drops the binary parts of a widget's initial state, and keeps those
// of later messages (see widget.py). Aladin Lite is imported from a blob: URL
// once per page and version; a view asks for it only while the page has none.

const TOOLS = [
  ["pan", "Pan", "Drag to pan; clicks draw nothing"],
  ["circle", "Circle", "Click on the map to place a circle with the radius below"],
  ["box", "Box", "Click on the map to place a box with the width, height and angle below"],
  ["select", "Select", "Click on a shape to select it and change its size; click on empty sky to deselect"],
];

// name, label, kinds of shape that have it
const FIELDS = [
  ["radius", 'radius (")', ["circle"]],
  ["width", 'box width (")', ["box"]],
  ["height", 'box height (")', ["box"]],
  ["angle", "box angle (°)", ["box"]],
];

let counter = 0;
const uniqueId = (stem) => `skyviewer-${stem}-${++counter}`;

// A DOM element with properties, attributes and children.
function h(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("aria-") || key === "role" || key === "for") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...[].concat(children));
  return node;
}

// Sizes as people type them: at most three decimals, no trailing zeros.
const formatSize = (value) => (Number.isFinite(value) ? String(Number(value.toFixed(3))) : "");

// Seconds between repeats of a view's "load" request until the kernel answers
// (the last one repeats); the kernel answers each request once.
const LOAD_REPEATS = [1, 2, 4, 8, 15];
const WAITING_AFTER = 3; // unanswered requests before the map says it is waiting

const aladinKey = (model) => `__skyviewer_aladin_${model.get("_aladin_version")}`;

// The bytes of a message buffer: a DataView (JupyterLab), Uint8Array (Colab) or ArrayBuffer.
const bytesOf = (buffer) => (buffer instanceof ArrayBuffer ? new Uint8Array(buffer)
  : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));

// A request id no other view of any page will use (crypto.randomUUID needs https).
function requestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Ask the kernel for the image (and Aladin Lite if `aladin`); resolves to
// {fits, aladin?} as Uint8Arrays. Repeats the request until answered;
// `onWaiting(count)` hears of each repeat; `signal` (view removed) stops it.
function requestPayload(model, aladin, signal, onWaiting) {
  const request = requestId();
  return new Promise((resolve, reject) => {
    let timer;
    let repeats = 0;
    const stop = () => {
      clearTimeout(timer);
      model.off("msg:custom", onMessage);
      signal.removeEventListener("abort", onAbort);
    };
    const onMessage = (content, buffers) => {
      if (content?.event !== "load" || content.request !== request) return;
      stop();
      resolve(Object.fromEntries(content.parts.map((name, i) => [name, bytesOf(buffers[i])])));
    };
    const onAbort = () => {
      stop();
      reject(signal.reason);
    };
    const ask = () => {
      model.send({ event: "load", request, aladin });
      const wait = LOAD_REPEATS[Math.min(repeats, LOAD_REPEATS.length - 1)];
      timer = setTimeout(() => {
        repeats += 1;
        onWaiting(repeats);
        ask();
      }, wait * 1000);
    };
    model.on("msg:custom", onMessage);
    signal.addEventListener("abort", onAbort);
    ask();
  });
}

// Aladin Lite, imported from `bytes` unless this page has already imported it.
function importAladin(model, bytes) {
  const key = aladinKey(model);
  if (!globalThis[key]) {
    const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
    globalThis[key] = import(/* webpackIgnore: true */ url)
      .then(async (module) => {
        const A = module.default;
        await A.init;
        return A;
      })
      .catch((err) => {
        delete globalThis[key]; // the next view tries again
        throw err;
      })
      .finally(() => URL.revokeObjectURL(url));
  }
  return globalThis[key];
}

// Colours of the drawn shapes come from widget.css (one place for them).
function shapeColours(node) {
  const css = getComputedStyle(node);
  const pick = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    circle: pick("--skyviewer-circle", "#00ff00"),
    box: pick("--skyviewer-box", "#00e5ff"),
    exclude: pick("--skyviewer-exclude", "#ff4040"),
    selected: pick("--skyviewer-selected", "#ffd700"),
    selectedFill: pick("--skyviewer-selected-fill", "rgba(255, 215, 0, 0.2)"),
  };
}

function drawShapes(A, overlay, shapes, selected, colours) {
  overlay.removeAll();
  const order = shapes.map((_, i) => i).filter((i) => i !== selected);
  if (selected >= 0 && selected < shapes.length) order.push(selected); // on top
  for (const i of order) {
    const shape = shapes[i];
    const isSelected = i === selected;
    const options = {
      color: isSelected ? colours.selected : shape.include ? colours[shape.kind] : colours.exclude,
      lineWidth: isSelected ? 4 : 2,
    };
    if (isSelected) options.fillColor = colours.selectedFill;
    overlay.add(
      shape.kind === "circle"
        ? A.circle(shape.ra, shape.dec, shape.radius, options)
        : A.polygon(shape.corners.map(([ra, dec]) => [ra, dec]), options),
    );
  }
}

// Screen (CSS) pixels per image pixel at the centre of the view.
function screenPixelsPerImagePixel(aladin, view) {
  const [ra, dec] = aladin.getRaDec();
  const a = aladin.world2pix(ra, dec);
  const b = aladin.world2pix(ra, dec + view.pixel);
  return a && b ? Math.hypot(b[0] - a[0], b[1] - a[1]) : NaN;
}

// Centre on the pixels in use and fit them in the map, but never show less
// than one screen pixel per image pixel (faint sources would vanish).
function startView(aladin, view) {
  aladin.gotoRaDec(view.ra, view.dec);
  let fov = Math.max(view.width, view.height) * 1.05;
  aladin.setFoV(fov);
  const [fx, fy] = aladin.getFov();
  if (fx > 0 && fy > 0) {
    fov *= Math.max(view.width / fx, view.height / fy) * 1.05;
    aladin.setFoV(fov);
  }
  for (let i = 0; i < 3; i++) {
    const scale = screenPixelsPerImagePixel(aladin, view);
    if (!(scale > 0) || scale >= 1) break;
    fov *= scale * 0.98;
    aladin.setFoV(fov);
  }
  return screenPixelsPerImagePixel(aladin, view);
}

function buildControls() {
  const tools = TOOLS.map(([name, label, tip]) =>
    h("button", { type: "button", className: "skyviewer-tool", textContent: label, title: tip,
                  dataset: { tool: name }, "aria-pressed": "false" }),
  );
  const undo = h("button", { type: "button", textContent: "Undo", title: "Undo the last change" });
  const remove = h("button", { type: "button", textContent: "Delete selected",
                               title: "Delete the selected shape" });
  const clear = h("button", { type: "button", textContent: "Clear all",
                              title: "Delete every shape (Undo brings them back)" });
  const toolbar = h("div", { class: "skyviewer-toolbar" }, [
    h("div", { class: "skyviewer-tools", role: "group", "aria-label": "Tool" }, tools),
    h("div", { class: "skyviewer-actions" }, [undo, remove, clear]),
  ]);

  const inputs = {};
  const fields = FIELDS.map(([name, label]) => {
    const input = h("input", { type: "number", step: "any", className: "skyviewer-size",
                               dataset: { size: name } });
    if (name !== "angle") input.min = "0";
    inputs[name] = input;
    return h("label", { class: "skyviewer-field" }, [h("span", { textContent: label }), input]);
  });
  const legend = h("legend");
  const deselect = h("button", { type: "button", className: "skyviewer-deselect",
                                 textContent: "Deselect", title: "Stop editing this shape (Esc)" });
  const sizes = h("fieldset", { class: "skyviewer-sizes", dataset: { target: "new" } },
                  [legend, ...fields, deselect]);

  const status = h("div", { class: "skyviewer-status", role: "status", "aria-live": "polite" });
  const textId = uniqueId("regions");
  const text = h("textarea", {
    id: textId, className: "skyviewer-regions", readOnly: true, rows: 6, spellcheck: false,
    placeholder: "No regions yet: pick Circle or Box and click on the map.",
  });
  const copy = h("button", { type: "button", textContent: "Copy",
                             title: "Copy the DS9 text to the clipboard" });
  const textHead = h("div", { class: "skyviewer-regions-head" }, [
    h("label", { for: textId, textContent: "DS9 regions, read-only: copy them into region_string" }),
    copy,
  ]);
  return { tools, undo, remove, clear, toolbar, inputs, legend, deselect, sizes, status,
           text, copy, textHead };
}

function render({ model, el }) {
  const root = h("div", { class: "skyviewer" });
  // focusable, so that Esc pressed after clicking on the map reaches the widget
  const map = h("div", { class: "skyviewer-map", tabIndex: 0, "aria-label": "Sky map",
                         dataset: { state: "loading" } });
  map.addEventListener("pointerdown", () => map.focus({ preventScroll: true }));
  map.style.height = `${model.get("height")}px`;
  const ui = buildControls();
  root.append(map, ui.toolbar, ui.sizes, ui.status, ui.textHead, ui.text);
  el.appendChild(root);

  // ---------------------------------------------------------- state -> page
  const showTool = () => {
    const tool = model.get("tool");
    map.dataset.tool = tool;
    for (const button of ui.tools) {
      const on = button.dataset.tool === tool;
      button.setAttribute("aria-pressed", String(on));
      button.classList.toggle("skyviewer-active", on);
    }
  };
  const showSelection = () => {
    const index = model.get("selected");
    const shape = index >= 0 ? model.get("shapes")[index] : undefined;
    ui.sizes.dataset.target = shape ? "selected" : "new";
    root.dataset.selected = shape ? String(index + 1) : "";
    ui.legend.textContent = shape
      ? `Selected: ${shape.kind} #${index + 1}. These fields change its size.`
      : "Sizes for new shapes (shapes already placed keep theirs)";
    ui.deselect.hidden = !shape;
    ui.remove.disabled = !shape;
    for (const [name, , kinds] of FIELDS) {
      ui.inputs[name].disabled = Boolean(shape) && !kinds.includes(shape.kind);
    }
  };
  const showSizes = () => {
    const sizes = model.get("sizes");
    for (const [name] of FIELDS) ui.inputs[name].value = formatSize(sizes[name]);
  };
  const showText = () => {
    ui.text.value = model.get("region_text");
    ui.clear.disabled = model.get("shapes").length === 0;
  };
  const showUndo = () => { ui.undo.disabled = !model.get("can_undo"); };
  const showStatus = () => { ui.status.textContent = model.get("status"); };
  const showHeight = () => { map.style.height = `${model.get("height")}px`; };
  showTool(); showSelection(); showSizes(); showText(); showUndo(); showStatus();

  // ---------------------------------------------------------- page -> Python
  for (const button of ui.tools) {
    button.addEventListener("click", () => {
      model.set("tool", button.dataset.tool);
      model.save_changes();
    });
  }
  ui.undo.addEventListener("click", () => model.send({ event: "undo" }));
  ui.remove.addEventListener("click", () => model.send({ event: "delete" }));
  ui.clear.addEventListener("click", () => model.send({ event: "clear" }));
  ui.deselect.addEventListener("click", () => model.send({ event: "deselect" }));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && model.get("selected") >= 0) {
      event.stopPropagation();
      model.send({ event: "deselect" });
    }
  });
  for (const [name] of FIELDS) {
    const input = ui.inputs[name];
    const commit = () => {
      const value = Number(input.value);
      const valid = input.value.trim() !== "" && Number.isFinite(value) && (name === "angle" || value > 0);
      if (!valid) {
        ui.status.textContent = `The ${name} must be ${name === "angle" ? "a number" : "a positive number"}.`;
        input.value = formatSize(model.get("sizes")[name]);
        return;
      }
      if (value !== model.get("sizes")[name]) model.send({ event: "size", name, value });
    };
    input.addEventListener("change", commit);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") commit();
    });
  }
  ui.copy.addEventListener("click", async () => {
    ui.text.focus();
    ui.text.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(ui.text.value);
      copied = true;
    } catch {
      try { copied = document.execCommand("copy"); } catch { copied = false; }
    }
    ui.status.textContent = copied
      ? "Copied: paste it between the triple quotes of region_string."
      : "Press Ctrl+C (Cmd+C on a Mac) to copy the selected text.";
  });

  let redraw = () => {}; // draws the shapes once the map exists
  const listeners = {
    "change:tool": showTool,
    "change:shapes": () => { showSelection(); showText(); redraw(); },
    "change:selected": () => { showSelection(); redraw(); },
    "change:sizes": showSizes,
    "change:region_text": showText,
    "change:can_undo": showUndo,
    "change:status": showStatus,
    "change:height": showHeight,
  };
  for (const [name, handler] of Object.entries(listeners)) model.on(name, handler);
  const removed = new AbortController(); // the view is gone: stop asking, drawing, listening

  // ---------------------------------------------------------- the map
  const fail = (err) => {
    map.dataset.state = "error";
    map.append(h("div", { class: "skyviewer-error", textContent: `Sky viewer error: ${err}` }));
    model.send({ event: "error", message: String(err) });
  };
  const waiting = h("div", { class: "skyviewer-waiting" });
  const onWaiting = (repeats) => {
    if (repeats < WAITING_AFTER) return;
    waiting.textContent = "Waiting for the kernel to send the image. If it is not running, "
      + "run this cell again.";
    if (!waiting.isConnected) map.append(waiting);
  };

  async function showMap() {
    const payload = await requestPayload(model, !globalThis[aladinKey(model)], removed.signal,
                                         onWaiting);
    waiting.remove();
    // an answer without Aladin Lite means another view of this page imports it
    const A = await (payload.aladin ? importAladin(model, payload.aladin)
      : globalThis[aladinKey(model)] ?? Promise.reject(new Error("Aladin Lite was not sent")));
    if (removed.signal.aborted) return;
    const aladin = A.aladin(map, {
      survey: [], // no HiPS background: nothing is fetched from the network
      hipsList: [],
      log: false,
      samp: false,
      target: `${model.get("_view").ra} ${model.get("_view").dec}`,
      fov: Math.max(model.get("_view").width, model.get("_view").height),
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

    const overlay = A.graphicOverlay({ name: "regions", lineWidth: 2 });
    aladin.addOverlay(overlay);
    map.__skyviewer = { aladin, A, overlay, model }; // for the browser test and the console
    const colours = shapeColours(root);
    redraw = () => drawShapes(A, overlay, model.get("shapes"), model.get("selected"), colours);

    const view = model.get("_view");
    const display = model.get("_display");
    const url = URL.createObjectURL(new Blob([payload.fits], { type: "application/fits" }));
    const image = aladin.createImageFITS(
      url,
      { name: "image", colormap: display.colormap, stretch: display.stretch,
        minCut: display.min_cut, maxCut: display.max_cut },
      () => {
        image.setCuts(display.min_cut, display.max_cut);
        map.dataset.zoom = startView(aladin, view).toFixed(3);
        URL.revokeObjectURL(url);
        map.dataset.state = "ready";
        model.send({ event: "ready" });
      },
      (err) => {
        URL.revokeObjectURL(url);
        fail(err || "could not read the FITS image");
      },
    );
    aladin.setBaseImageLayer(image);
    redraw();

    aladin.on("click", (event) => {
      const tool = model.get("tool");
      if (!event || event.isDragging || tool === "pan") return;
      model.send({ event: "click", tool, ra: event.ra, dec: event.dec });
    });
  }

  showMap().catch((err) => {
    if (!removed.signal.aborted) fail(err);
  });
  return () => {
    removed.abort();
    for (const [name, handler] of Object.entries(listeners)) model.off(name, handler);
  };
}

export default { render };
