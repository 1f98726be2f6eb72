// loadPyodide split in two (bench/boot.py): until the wasm is instantiated (the
// fsInit hook runs right after), then CPython's own start-up; plus when the
// last runtime file arrived. Published as JSON in <pre id="phases">.
const start = performance.now();
const { loadPyodide } = await import("./runtime/pyodide/pyodide.mjs");
let instantiated = 0;
await loadPyodide({
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
document.body.append(out);
