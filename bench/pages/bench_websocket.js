// Raw JavaScript baselines and helpers for bench_websocket.py.

/** Open a WebSocket and resolve once it is open. */
export function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`cannot open ${url}`));
  });
}

/** Block the main thread until the server has written the burst `key`. */
export function waitSent(key) {
  const request = new XMLHttpRequest();
  request.open("GET", `/bench/sent?key=${encodeURIComponent(key)}`, false);
  request.send();
}

/** Messages/s for a burst of `n` messages handled by a raw `onmessage`.
 *
 * Counted from the moment the burst is fully written by the server (and waits
 * in the browser's buffers) to the last message handled.
 */
export function burst(ws, n, key) {
  return new Promise((resolve) => {
    let count = 0;
    let last = "";
    ws.onmessage = (event) => {
      last = event.data;
      count += 1;
      if (count === n) {
        ws.onmessage = null;
        resolve((n / (performance.now() - start)) * 1000);
      }
    };
    ws.send(`${n} ${key}`);
    waitSent(key);
    const start = performance.now();
  });
}

/** Round-trip times (ms) of `n` sequential request/responses over an echo socket. */
export function roundTrips(ws, n) {
  return new Promise((resolve) => {
    const times = [];
    let started = 0;
    ws.onmessage = (event) => {
      times.push(performance.now() - started);
      if (times.length < n) {
        started = performance.now();
        ws.send(`ping ${times.length}`);
      } else {
        ws.onmessage = null;
        resolve(times);
      }
    };
    started = performance.now();
    ws.send("ping 0");
  });
}

/** Call `fn(event.data)` for each message of `ws` (a Python function, for the floor). */
export function onData(ws, fn) {
  ws.onmessage = (event) => fn(event.data);
}

/** Request/response times (ms): an async function sends, then awaits a Promise of the reply. */
export async function requests(ws, n) {
  let pending = null;
  ws.onmessage = (event) => {
    const resolve = pending;
    pending = null;
    if (resolve !== null) resolve(event.data);
  };
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const reply = new Promise((resolve) => { pending = resolve; });
    ws.send(`ping ${i}`);
    await reply;
    times.push(performance.now() - started);
  }
  ws.onmessage = null;
  return times;
}

/** Call `ws.onmessage` `n` times in a row with a plain event (no network). */
export function dispatch(ws, n) {
  const handler = ws.onmessage;
  for (let i = 0; i < n; i++) handler({ data: "m" + i });
}

/** µs per message for a raw JS handler doing what the burst handler does. */
export function rawDispatch(n) {
  let count = 0;
  let last = "";
  const ws = { onmessage: (event) => { last = event.data; count += 1; } };
  const start = performance.now();
  dispatch(ws, n);
  return ((performance.now() - start) * 1000) / n;
}

/** µs per message when `ws.onmessage` is called once per browser task, `n` times (no network).
 *
 * Each call runs in a task of its own (`scheduler.postTask`, so a task the
 * handler posts runs before the next call), timed around the call alone: the
 * cost of a lone message, as in a round trip, without the network. With
 * `idle` (ms), each task starts that long after the one before, as a reply
 * comes after the network's wait (when every step runs colder).
 */
export function lone(ws, n, idle = 0) {
  const handler = ws.onmessage;
  const options = idle > 0 ? { delay: idle } : {};
  return new Promise((resolve) => {
    let i = 0;
    let total = 0;
    const step = () => {
      const started = performance.now();
      handler({ data: "m" + i });
      total += performance.now() - started;
      if (++i < n) scheduler.postTask(step, options);
      else resolve((total * 1000) / n);
    };
    scheduler.postTask(step, options);
  });
}

/** A stand-in socket whose `onmessage` does what the raw JS burst handler does. */
export function rawHandler() {
  let count = 0;
  let last = "";
  return { onmessage: (event) => { last = event.data; count += 1; } };
}
