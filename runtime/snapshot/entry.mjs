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
// first language at a normal start). And PyScript's own package, compiled
// when the snapshot was made, is written where the import system looks for
// its bytecode, before PyScript writes the sources (archives.py).
const FRESH = (lang) => `
import os, random, _pyfritz_archives
random.seed()
os.environ["LANG"] = ${JSON.stringify(lang)}
_pyfritz_archives.place_bytecode(os.getcwd())
`;

// Archives. PyScript installs a `[files]` zip mapped to "./*" (pyfritz's
// pkg/app.zip) with pyodide.unpackArchive: Python's zipfile writes every
// member to the file system, ≈ 50 ms of a demo page's load in Chromium before
// py:ready. A zip is importable as it is: its bytes are written once as one
// file and put first on sys.path, and a module's .pyc (or source) is read
// from it when the module is imported (archives.py, in the snapshot as
// `_pyfritz_archives`). An archive that holds anything besides modules (data
// files, extension modules, wheel metadata) is unpacked as well, so that
// every file is where it was; only modules-only archives skip the unpacking.
// See runtime/README.md.

// Archive member names from a zip's central directory (APPNOTE 4.3.12, 4.3.16),
// or null where it cannot be read (then the archive is unpacked as before).
function zipNames(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const last = Math.max(0, bytes.length - 22 - 0xffff); // the record ends with a comment
  for (let end = bytes.length - 22; end >= last; end--) {
    if (view.getUint32(end, true) !== 0x06054b50) continue;
    const names = [];
    const decoder = new TextDecoder();
    let at = view.getUint32(end + 16, true);
    for (let left = view.getUint16(end + 10, true); left > 0; left--) {
      if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) return null;
      const length = view.getUint16(at + 28, true);
      names.push(decoder.decode(bytes.subarray(at + 46, at + 46 + length)));
      at += 46 + length + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    }
    return names;
  }
  return null;
}

const MODULE = /(?:\/|\.pyc?|\/py\.typed)$/;

function mountArchives(pyodide) {
  const unpack = pyodide.unpackArchive.bind(pyodide);
  let count = 0;
  pyodide.unpackArchive = (buffer, format, options = {}) => {
    const into = options.extractDir ?? "/";
    const bytes = ArrayBuffer.isView(buffer)
      ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      : new Uint8Array(buffer);
    const names = format === "zip" && (into === "./" || into === ".") ? zipNames(bytes) : null;
    if (names === null) return unpack(buffer, format, options);
    const start = performance.now();
    const path = `/lib/archives/${count++}.zip`;
    pyodide.FS.mkdirTree("/lib/archives");
    pyodide.FS.writeFile(path, bytes);
    const archives = pyodide.pyimport("_pyfritz_archives");
    try {
      archives.mount(path);
    } finally {
      archives.destroy();
    }
    // A user timing (DevTools' Timings track; bench/startup.py reads it).
    performance.measure("pyfritz: archive mounted", { start });
    if (!names.every((name) => MODULE.test(name))) return unpack(buffer, format, options);
  };
}

// snapshot.bin.gz is the memory with its all-zero 64 KiB blocks left out
// (pyfritz_runtime.pack_snapshot, written by tools/vendor.py): half of the
// 30 MiB are zeros, and inflating them cost the page more than inflating the
// rest. After gzip: "pyfzsnp1", the memory's size and the number of parts
// (u32 little-endian), each part's offset and length, then the parts' bytes.
const MAGIC = "pyfzsnp1";

/**
 * The memory (a zero-filled Uint8Array with the parts put in) from a stream
 * of the packed bytes (already inflated). Also used under Node.js, by
 * pyfritz.dev's bytecode compiler (compile_pyc.mjs).
 */
export async function placeSnapshot(stream) {
  const reader = stream.getReader();
  let head = new Uint8Array(0); // the packed bytes until the part table is whole
  let memory = null;
  let parts = null;
  let part = 0; // the part being filled, and how much of it is
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunk = value;
    if (memory === null) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      if (head.length < 16) continue;
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      if (new TextDecoder().decode(head.subarray(0, 8)) !== MAGIC) {
        throw new Error(`pyfritz: ${SNAPSHOT} is not a pyfritz snapshot`);
      }
      const count = view.getUint32(12, true);
      if (head.length < 16 + 8 * count) continue;
      const size = view.getUint32(8, true);
      parts = [];
      for (let index = 0; index < count; index++) {
        const offset = view.getUint32(16 + 8 * index, true);
        const length = view.getUint32(20 + 8 * index, true);
        if (offset + length > size) {
          throw new Error(`pyfritz: ${SNAPSHOT} has a part outside its memory`);
        }
        parts.push([offset, length]);
      }
      memory = new Uint8Array(size);
      chunk = head.subarray(16 + 8 * count);
      head = null;
    }
    while (chunk.length > 0) {
      if (part === parts.length) {
        throw new Error(`pyfritz: ${SNAPSHOT} has bytes after its last part`);
      }
      const [offset, length] = parts[part];
      const take = Math.min(length - filled, chunk.length);
      memory.set(chunk.subarray(0, take), offset + filled);
      filled += take;
      chunk = chunk.subarray(take);
      if (filled === length) {
        part += 1;
        filled = 0;
      }
    }
  }
  if (memory === null || part !== parts.length) {
    throw new Error(`pyfritz: ${SNAPSHOT} is cut short`);
  }
  return memory;
}

const gunzip = (stream) => stream.pipeThrough(new DecompressionStream("gzip"));

async function fetchSnapshot() {
  const response = await fetch(SNAPSHOT);
  if (!response.ok) {
    throw new Error(`pyfritz: ${SNAPSHOT} answered HTTP ${response.status}`);
  }
  // Gzip shrinks the 15 MiB of parts to 6 MiB; decompressed here, while it
  // arrives, so that any static host can serve it as a plain file. A host
  // that adds a `Content-Encoding` has the browser undo that layer first:
  // then look for the gzip magic number.
  if (!response.headers.has("Content-Encoding")) {
    return placeSnapshot(gunzip(response.body));
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const stream = new Blob([bytes]).stream();
  return placeSnapshot(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzip(stream) : stream);
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
  mountArchives(pyodide);
  return pyodide;
}

// (In a page or a worker; not under Node.js, which imports this module only
// for placeSnapshot.)
if (globalThis.document || globalThis.WorkerGlobalScope) {
  snapshot = fetchSnapshot();
  snapshot.catch(() => {});
}
