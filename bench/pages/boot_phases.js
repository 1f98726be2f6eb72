// loadPyodide split in two (bench/boot.py): until the wasm is instantiated (the
// fsInit hook runs right after), then CPython's start-up (run, or restored from
// the runtime's memory snapshot); plus when the last runtime file arrived.
// `?loader=core` loads with Pyodide's own loader (no snapshot). Published as
// JSON in <pre id="phases">.
const start = performance.now();
const core = new URLSearchParams(location.search).get("loader") === "core";
const { loadPyodide } = await import(`./runtime/pyodide/pyodide${core ? ".core" : ""}.mjs`);
let instantiated = 0;
const pyodide = await loadPyodide({
  indexURL: "./runtime/pyodide/",
  fsInit: () => {
    instantiated = performance.now();
  },
});
const loaded = performance.now();
const files = performance
  .getEntriesByType("resource")
  .filter((entry) => entry.name.includes("/runtime/pyodide/"));
const out = document.createElement("pre");
out.id = "phases";
out.textContent = JSON.stringify({
  files_arrived: Math.max(...files.map((entry) => entry.responseEnd)) - start,
  instantiate: instantiated - start,
  python_startup: loaded - instantiated,
  load_pyodide: loaded - start,
});
out.dataset.state = pyodide.runPython(
  "import json, os, sys, random, __main__; json.dumps([sorted(vars(__main__)), sys.path, " +
    "dict(os.environ), random.random(), sorted(sys.modules)])",
);
document.body.append(out);
