// Make the memory snapshot pyfritz pages start CPython from (see entry.mjs).
// Run by tools/vendor.py with Node.js: node make_snapshot.mjs <pyodide dir> <out.bin>
//
// The snapshot is the whole wasm memory right after Pyodide's own start-up,
// before any page code ran; it holds no JavaScript object (Pyodide refuses to
// make one that would), so one made under Node.js restores in every browser.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [pyodideDir, out] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.core.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir, _makeSnapshot: true });
// What a browser's normal start would have instead: Node names its script in
// `_`; loadPyodide puts "" first on sys.path again after a restore.
//
// And the standard-library modules pyfritz imports that Pyodide's own
// start-up does not (urllib.parse, which imports ipaddress; secrets, which
// imports hmac): compiled and run here once instead of at every page load
// (≈ 40 ms of a demo page's scripts in Chromium, more in a cold load).
// Pure Python, no JavaScript object: a snapshot may hold them.
//
// And `_pyfritz_archives` (archives.py beside this file), which imports a
// page's zip archive in place (see entry.mjs): compiled here once.
const archives = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "archives.py"), "utf8");
const scope = pyodide.toPy({ archives });
pyodide.runPython(
  `
import os, sys
import secrets, urllib.parse
import types
module = types.ModuleType("_pyfritz_archives")
module.__file__ = "pyfritz-web-runtime/archives.py"
exec(compile(archives, module.__file__, "exec"), module.__dict__)
sys.modules[module.__name__] = module
del module
os.environ["_"] = "./this.program"
sys.path.remove("")
`,
  { globals: scope },
);
scope.destroy();
writeFileSync(out, pyodide.makeMemorySnapshot());
