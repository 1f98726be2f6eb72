// pyfritz's entry to Pyodide, served as runtime/pyodide/pyodide.mjs (the
// `interpreter` of every pyscript.toml); Pyodide's own loader is
// pyodide.core.mjs beside it. tools/vendor.py copies this file there.
//
// Why: most of a page's boot used to be CPython's own start-up run inside
// WebAssembly, in every page load. JavaScriptCore (WebKit, Safari) runs cold
// wasm in its interpreter tiers first, so there it took 10-20 s (3-5x
// Chromium's whole boot). loadPyodide here restores a memory snapshot of an
// interpreter that has already started (snapshot.bin.gz, made once by
// make_snapshot.mjs when the runtime is vendored): the wasm memory is copied
// in and CPython's start-up is skipped, in every engine.
//
// A snapshot fixes what CPython computes once at start-up; what differs
// between pages is made fresh below (see docs/browser-support.md).
import { loadPyodide as loadCore } from "./pyodide.core.mjs";

export * from "./pyodide.core.mjs";

const SNAPSHOT = new URL("./snapshot.bin.gz", import.meta.url);

// Per page: the snapshot holds the `random` module's state seeded once, and
// LANG as the snapshot's maker had it (Emscripten sets it from the browser's
// first language at a normal start).
const FRESH = (lang) => `
import os, random
random.seed()
os.environ["LANG"] = ${JSON.stringify(lang)}
`;

const gunzip = (stream) =>
  new Response(stream.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();

async function fetchSnapshot() {
  const response = await fetch(SNAPSHOT);
  if (!response.ok) {
    throw new Error(`pyfritz: ${SNAPSHOT} answered HTTP ${response.status}`);
  }
  // Gzip shrinks the 30 MiB of memory (mostly zeros) to 6 MiB; decompressed
  // here, while it arrives, so that any static host can serve it as a plain
  // file. A host that adds a `Content-Encoding` has the browser undo that
  // layer first: then look for the gzip magic number.
  if (!response.headers.has("Content-Encoding")) {
    return gunzip(response.body);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(new Blob([bytes]).stream()) : bytes;
}

// Fetched as soon as PyScript imports this module, in parallel with the rest
// of its set-up; a rejection is reported by loadPyodide, not here.
let snapshot = null;

/** Pyodide's loadPyodide, started from the snapshot (same options). */
export async function loadPyodide(options = {}) {
  if (options._loadSnapshot || options._makeSnapshot) {
    return loadCore(options);
  }
  snapshot ??= fetchSnapshot();
  const pyodide = await loadCore({ ...options, _loadSnapshot: snapshot });
  const lang = (globalThis.navigator?.languages?.[0] || "C").replace("-", "_") + ".UTF-8";
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(FRESH(lang), { globals: scope });
  } finally {
    scope.destroy();
  }
  return pyodide;
}

snapshot = fetchSnapshot();
snapshot.catch(() => {});
