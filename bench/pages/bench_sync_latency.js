// Raw JavaScript baseline and clock/channel helpers for bench_sync_latency.py.
//
// Times are `performance.timeOrigin + performance.now()`: milliseconds on one
// clock shared by the pages of a browser, so that page A's send and page B's
// DOM change can be subtracted.

const CHANNEL = "bench-sync-latency";

/** Now, in ms, comparable across the pages of one browser. */
export function clock() {
  return performance.timeOrigin + performance.now();
}

/** Open a WebSocket and resolve once it is open. */
export function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
}

// -- profile mode: every WebSocket of the page timed --------------------------

let instrumented = false;
const opened = []; // profile mode: every WebSocket the page opened, in order
let lastSend = null; // page A: when a WebSocket of the page last sent
let lastRecv = null; // page B: when a WebSocket of the page last got a message
let lastWrite = null; // page B: when a text was last written into the DOM
const rows = [];

/** Set the setter of `name` on `proto` to also note the time in `lastWrite`. */
function timeWrites(proto, name) {
  const { get, set } = Object.getOwnPropertyDescriptor(proto, name);
  Object.defineProperty(proto, name, {
    configurable: true,
    get,
    set(value) {
      set.call(this, value);
      lastWrite = clock();
    },
  });
}

/** Time every WebSocket the page opens from now on: its sends, and its message
 * events before any handler of the page runs (a listener added in the
 * constructor precedes the `onmessage` the page sets later); and every write
 * of a text (`textContent`, a text node's `data`). */
export function instrument() {
  instrumented = true;
  timeWrites(Node.prototype, "textContent");
  timeWrites(CharacterData.prototype, "data");
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    lastSend = clock();
    return send.call(this, data);
  };
  const Native = WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      opened.push(this);
      this.addEventListener("message", () => {
        lastRecv = clock();
      });
    }
  };
}

/** Page A, profile mode: the stages of every edit so far, `{start, send, recv, shown}`. */
export function stages() {
  return rows;
}

/** Profile mode: the message handler (`onmessage`) of the first WebSocket the page opened to `url`. */
export function handlerOf(url) {
  const ws = opened.find((socket) => socket.url === url);
  return ws.onmessage;
}

/** Profile mode (`profile=handlers`): time each of `handlers` (name → a message
 * handler) called with message events of `frames` (name → texts), `calls` times
 * each in blocks of 50 (the order of the handlers rotated each block), with
 * `gap` ms between two calls (0: only a MessageChannel hop). Returns name →
 * the µs of each call. */
export async function timeHandlers(handlers, frames, calls, gap) {
  const names = Object.keys(handlers);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  const channel = new MessageChannel();
  const pause = () =>
    new Promise((resolve) => {
      if (gap > 0) setTimeout(resolve, gap);
      else {
        channel.port1.onmessage = resolve;
        channel.port2.postMessage(null);
      }
    });
  for (let block = 0; block * 50 < calls; block++) {
    const shift = block % names.length;
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      for (let i = 0; i < 50; i++) {
        const event = { data: frames[name][block * 50 + i] };
        const start = performance.now();
        handlers[name](event);
        times[name].push(1000 * (performance.now() - start));
        await pause();
      }
    }
  }
  channel.port1.close();
  return times;
}

// -- page B: the views --------------------------------------------------------

/** Post `{variant, text, t}` on the channel each time `node`'s text changes. */
export function observe(node, variant) {
  const channel = new BroadcastChannel(CHANNEL);
  // The callback runs at the microtask checkpoint after the task that changed
  // the DOM, so `t` includes all of that task (for pyfritz: the rest of the
  // Python message handler), not only the DOM write itself.
  const observer = new MutationObserver(() => {
    channel.postMessage({ variant, text: node.textContent, t: clock(), recv: lastRecv, wrote: lastWrite });
  });
  observer.observe(node, { childList: true, characterData: true, subtree: true });
  return observer;
}

/** The raw view: a relay WebSocket whose frames go straight into `node.textContent`. */
export async function rawView(url, node) {
  const ws = await open(url);
  ws.onmessage = (event) => {
    node.textContent = event.data;
  };
  return ws;
}

/** The hand-written JS client's handling of a message: `state` frames go to `onState`. */
export function stateHandler(onState) {
  return (event) => {
    const frame = JSON.parse(event.data);
    if (frame.op === "state") onState(frame);
  };
}

/** The hand-written JS view's write: a `state` frame's text into `node.textContent`. */
export function textContentWriter(node) {
  return (frame) => {
    node.textContent = frame.value.text;
  };
}

/** The same into a text node's `data` (profile mode: the cheaper write). */
export function dataWriter(node) {
  return (frame) => {
    node.data = frame.value.text;
  };
}

/** A message handler handing only the text to `handler` (a Python function). */
export function textHandler(handler) {
  return (event) => handler(event.data);
}

/** Open `url`, join entity `id` over the sync protocol; resolve once its snapshot came. */
function joined(url, id, onState) {
  return open(url).then(
    (ws) =>
      new Promise((resolve) => {
        ws.onmessage = (event) => {
          const frame = JSON.parse(event.data);
          if (frame.op === "snapshot") resolve(ws);
          else if (frame.op === "state") onState(frame);
        };
        ws.send(JSON.stringify({ op: "join", id, rev: null }));
      }),
  );
}

/** The hand-written sync view: the sync protocol in plain JS, `state` → `textContent`. */
export function syncView(url, id, node) {
  return joined(url, id, textContentWriter(node));
}

/** A view in Python: after the join, each frame's text goes to `handler(text)`
 * straight from the message event (a Python function; only the text crosses). */
export function textView(url, id, handler) {
  return joined(url, id, () => {}).then((ws) => {
    ws.onmessage = textHandler(handler);
    return ws;
  });
}

// -- page A: the edits ----------------------------------------------------------

const waiting = new Map();
let listening = null;
let lastShown = null; // B's post of the last edit: {t, recv}

/** A promise of the time at which page B showed `text` in `variant`'s view.
 *
 * Call it before making the edit, so that a fast answer cannot be missed.
 */
export function expect(variant, text) {
  if (listening === null) {
    listening = new BroadcastChannel(CHANNEL);
    listening.onmessage = (event) => {
      const key = `${event.data.variant}\n${event.data.text}`;
      const resolve = waiting.get(key);
      if (resolve) {
        waiting.delete(key);
        lastShown = event.data;
        resolve(event.data.t);
      }
    };
  }
  return new Promise((resolve) => waiting.set(`${variant}\n${text}`, resolve));
}

/** Profile mode: the time the edit's own code returned (after its send). */
let lastReturned = null;
export function returned() {
  lastReturned = clock();
}

/** Profile mode: record the stages of the edit that began at `start` and was just shown. */
export function edited(start) {
  if (instrumented) {
    const { recv, wrote, t } = lastShown;
    rows.push({ start, send: lastSend, returned: lastReturned, recv, wrote, shown: t });
  }
}

/** The raw edit: send `text` to the relay; return when it was sent. */
export function rawEdit(ws, text) {
  const t = clock();
  ws.send(text);
  if (instrumented) returned();
  return t;
}

/** A hand-written sync editor: joins `id`; its states (own acks) are ignored. */
export function syncEditor(url, id) {
  return joined(url, id, () => {}).then((ws) => ({ ws, id, seq: 0 }));
}

/** The hand-written sync edit: send a `put` of `{text}`; return when it was sent. */
export function syncEdit(editor, text) {
  editor.seq += 1;
  const put = { op: "put", id: editor.id, seq: editor.seq, base: null, value: { text, _id: editor.id } };
  const t = clock();
  editor.ws.send(JSON.stringify(put));
  if (instrumented) returned();
  return t;
}
