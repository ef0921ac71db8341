// A stand-in for Colab's front end, for tests/test_browser_colab.py: only as much of it as
// Colab's custom widget manager (colab-cdn-widget-manager, src/api.ts) needs.
//
// It talks to a real ipykernel through jupyter_server's kernel websocket and gives the
// manager its host API (WidgetEnvironment):
//   getModelState(id)  the model's JSON state as it stands: the kernel's comm_open, then
//                      every state update either side sent. Binary parts are left out: the
//                      manager's own comm_open path drops them (manager.ts, commChannelOpened;
//                      upstream issue 33), and Colab's host, which is not public, is taken to
//                      keep no more than that.
//   openCommChannel    a comm_open to the kernel; the comm's messages keep their buffers.
//   renderOutput       plain text or HTML (for Output widgets).
// Like Colab, it renders a widget output with the manager named in the output's metadata
// (metadata["application/vnd.jupyter.widget-view+json"].colab.custom_widget_manager.url, which
// google.colab.output.enable_custom_widget_manager() makes the kernel add) and refuses to
// render one without it. The manager module is imported from that URL; the test serves it.
// Comms the kernel opens are passed to the manager's commChannelOpened (with their buffers,
// which it drops), those opened before the manager was loaded when it is.
//
// window.colabHost.execute(code) runs a cell: its outputs go into a new div in #cells and
// it resolves, once the kernel is idle, to {status, text}. Widgets render on their own time;
// colabHost.renders lists how each went ("rendered", "refused" or "error: ...").
// colabHost.dropSend(data), false unless the test sets it, loses the comm messages on their
// way to the kernel for which it returns true.

const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
const params = new URLSearchParams(location.search);
const session = crypto.randomUUID();

// ------------------------------------------------------------ kernel wire format
// jupyter_server's websocket protocol without a subprotocol: a message without buffers is a
// JSON text frame; one with buffers is a binary frame: n, n offsets (big-endian uint32), the
// JSON message, the buffers (jupyter_server.services.kernels.connection.base).
function encode(message, buffers) {
  if (!buffers.length) return JSON.stringify(message);
  const json = new TextEncoder().encode(JSON.stringify(message));
  const parts = [json, ...buffers.map((b) => (b instanceof ArrayBuffer ? new Uint8Array(b)
    : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))];
  const head = 4 * (parts.length + 1);
  const total = parts.reduce((sum, part) => sum + part.byteLength, head);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length);
  let offset = head;
  parts.forEach((part, i) => {
    view.setUint32(4 * (i + 1), offset);
    out.set(part, offset);
    offset += part.byteLength;
  });
  return out.buffer;
}

function decode(data) {
  if (typeof data === "string") return { ...JSON.parse(data), buffers: [] };
  const view = new DataView(data);
  const n = view.getUint32(0);
  const offsets = Array.from({ length: n }, (_, i) => view.getUint32(4 * (i + 1)));
  offsets.push(data.byteLength);
  const parts = offsets.slice(0, -1).map((start, i) => data.slice(start, offsets[i + 1]));
  return { ...JSON.parse(new TextDecoder().decode(parts[0])), buffers: parts.slice(1) };
}

class Kernel {
  constructor(url) {
    this.socket = new WebSocket(url);
    this.socket.binaryType = "arraybuffer";
    this.iopubListeners = new Set();
    this.replies = new Map(); // msg_id -> resolve(shell reply)
    this.opened = new Promise((resolve, reject) => {
      this.socket.onopen = resolve;
      this.socket.onerror = () => reject(new Error(`kernel websocket failed: ${url}`));
    });
    this.socket.onmessage = (event) => {
      const message = decode(event.data);
      if (message.channel === "iopub") {
        for (const listener of this.iopubListeners) listener(message);
      } else if (message.channel === "shell") {
        this.replies.get(message.parent_header.msg_id)?.(message);
      }
    };
  }

  send(channel, msgType, content, buffers = []) {
    const msgId = crypto.randomUUID();
    const header = { msg_id: msgId, msg_type: msgType, session, username: "colab-host",
                     date: new Date().toISOString(), version: "5.3" };
    const reply = new Promise((resolve) => this.replies.set(msgId, resolve));
    this.socket.send(encode({ header, parent_header: {}, metadata: {}, content, channel },
                            buffers));
    return { msgId, reply };
  }
}

// ------------------------------------------------------------ comms (IComm)
// Every iterator of `messages` sees every message that arrives after it was made: the
// manager may wrap one comm more than once (a model from comm_open, another from render).
class Comm {
  constructor(host, id) {
    this.host = host;
    this.kernel = host.kernel;
    this.id = id;
    this.queues = new Set();
    this.closed = false;
  }

  async send(data, opts) {
    if (this.host.dropSend(data)) return;
    this.host.recordUpdate(this.id, data);
    this.kernel.send("shell", "comm_msg", { comm_id: this.id, data }, opts?.buffers ?? []);
  }

  close() {
    this.kernel.send("shell", "comm_close", { comm_id: this.id, data: {} });
    this.end();
  }

  deliver(message) {
    for (const queue of this.queues) queue.push(message);
  }

  end() {
    this.closed = true;
    for (const queue of this.queues) queue.push(null);
  }

  get messages() {
    const comm = this;
    return {
      [Symbol.asyncIterator]() {
        const items = [];
        const waiting = [];
        const queue = {
          push(item) {
            if (waiting.length) waiting.shift()(item);
            else items.push(item);
          },
        };
        comm.queues.add(queue);
        if (comm.closed) queue.push(null);
        return {
          async next() {
            const item = items.length ? items.shift() : await new Promise((r) => waiting.push(r));
            if (item === null) {
              comm.queues.delete(queue);
              return { done: true, value: undefined };
            }
            return { done: false, value: item };
          },
        };
      },
    };
  }
}

// ------------------------------------------------------------ the host
class ColabHost {
  constructor(kernel) {
    this.kernel = kernel;
    this.comms = new Map(); // comm_id -> Comm
    this.opens = new Map(); // comm_id -> {data, buffers} of the kernel's comm_open
    this.managers = new Map(); // url -> Promise<manager>
    this.managerUrls = [];
    this.renders = [];
    this.dropSend = () => false;
    kernel.iopubListeners.add((message) => this.onIopub(message));
  }

  onIopub(message) {
    const content = message.content;
    switch (message.header.msg_type) {
      case "comm_open": {
        const comm = new Comm(this, content.comm_id);
        this.comms.set(content.comm_id, comm);
        this.opens.set(content.comm_id, { data: content.data, buffers: message.buffers });
        for (const manager of this.managers.values()) {
          manager.then((m) => m.commChannelOpened?.(content.comm_id, comm, content.data,
                                                     message.buffers));
        }
        break;
      }
      case "comm_msg":
        this.recordUpdate(content.comm_id, content.data);
        this.comms.get(content.comm_id)?.deliver({ data: content.data,
                                                   buffers: message.buffers });
        break;
      case "comm_close":
        this.comms.get(content.comm_id)?.end();
        this.comms.delete(content.comm_id);
        this.opens.delete(content.comm_id);
        break;
      default:
        break;
    }
  }

  recordUpdate(commId, data) {
    const open = this.opens.get(commId);
    if (open && (data?.method === "update" || data?.method === "echo_update")) {
      Object.assign(open.data.state, data.state);
    }
  }

  // WidgetEnvironment
  async getModelState(modelId) {
    const open = this.opens.get(modelId);
    if (!open) return undefined;
    const state = open.data.state;
    return { modelName: state._model_name, modelModule: state._model_module,
             modelModuleVersion: state._model_module_version, state: { ...state },
             comm: this.comms.get(modelId) };
  }

  async openCommChannel(targetName, data, buffers) {
    const id = crypto.randomUUID();
    const comm = new Comm(this, id);
    this.comms.set(id, comm);
    this.kernel.send("shell", "comm_open", { comm_id: id, target_name: targetName, data },
                     buffers ?? []);
    return comm;
  }

  async renderOutput(outputItem, destination) {
    const data = outputItem.data ?? {};
    if (data["text/html"]) destination.innerHTML = data["text/html"];
    else destination.textContent = data["text/plain"] ?? outputItem.text ?? "";
  }

  manager(url) {
    if (!this.managers.has(url)) {
      this.managerUrls.push(url);
      this.managers.set(url, import(url).then((module) => {
        const manager = module.createWidgetManager(this);
        for (const [id, open] of this.opens) {
          manager.commChannelOpened?.(id, this.comms.get(id), open.data, open.buffers);
        }
        return manager;
      }));
    }
    return this.managers.get(url);
  }

  async renderWidget(bundle, metadata, area) {
    const url = metadata?.[WIDGET_MIME]?.colab?.custom_widget_manager?.url;
    const box = document.createElement("div");
    box.className = "colab-widget";
    area.append(box);
    if (!url) {
      box.textContent = "Widget not shown: the custom widget manager is off "
        + "(google.colab.output.enable_custom_widget_manager()).";
      return "refused";
    }
    const manager = await this.manager(url);
    await manager.render(bundle.model_id, box);
    return "rendered";
  }

  execute(code) {
    const area = document.createElement("div");
    area.className = "colab-cell";
    document.getElementById("cells").append(area);
    const text = [];
    const { msgId, reply } = this.kernel.send("shell", "execute_request", {
      code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true,
      stop_on_error: true });
    let idle;
    const done = new Promise((resolve) => { idle = resolve; });
    const listener = (message) => {
      if (message.parent_header.msg_id !== msgId) return;
      const content = message.content;
      const type = message.header.msg_type;
      if (type === "stream") {
        text.push(content.text);
      } else if (type === "error") {
        text.push(`${content.ename}: ${content.evalue}`);
      } else if (type === "display_data" || type === "execute_result") {
        if (content.data[WIDGET_MIME]) {
          this.renderWidget(content.data[WIDGET_MIME], content.metadata, area)
            .catch((err) => `error: ${err}`)
            .then((result) => this.renders.push(result));
        } else {
          text.push(content.data["text/plain"] ?? "");
        }
      } else if (type === "status" && content.execution_state === "idle") {
        idle();
      }
    };
    this.kernel.iopubListeners.add(listener);
    return Promise.all([reply, done]).then(([shell]) => {
      this.kernel.iopubListeners.delete(listener);
      const output = document.createElement("pre");
      output.textContent = text.join("");
      area.append(output);
      return { status: shell.content.status, text: text.join("") };
    });
  }
}

const kernel = new Kernel(`${location.origin.replace(/^http/, "ws")}/api/kernels/`
  + `${params.get("kernel")}/channels?session_id=${session}&token=${params.get("token")}`);
await kernel.opened;
window.colabHost = new ColabHost(kernel);
