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

// -- page B: the views --------------------------------------------------------

/** Post `{variant, text, t}` on the channel each time `node`'s text changes. */
export function observe(node, variant) {
  const channel = new BroadcastChannel(CHANNEL);
  // The callback runs at the microtask checkpoint after the task that changed
  // the DOM, so `t` includes all of that task (for pyfritz: the rest of the
  // Python message handler), not only the DOM write itself.
  const observer = new MutationObserver(() => {
    channel.postMessage({ variant, text: node.textContent, t: clock() });
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
  return joined(url, id, (frame) => {
    node.textContent = frame.value.text;
  });
}

// -- page A: the edits ----------------------------------------------------------

const waiting = new Map();
let listening = null;

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
        resolve(event.data.t);
      }
    };
  }
  return new Promise((resolve) => waiting.set(`${variant}\n${text}`, resolve));
}

/** The raw edit: send `text` to the relay; return when it was sent. */
export function rawEdit(ws, text) {
  const t = clock();
  ws.send(text);
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
  return t;
}
