// Make the memory snapshot pyfritz pages start CPython from (see entry.mjs).
// Run by tools/vendor.py with Node.js:
//   node make_snapshot.mjs <pyodide dir> <out.bin> [<folder> <module path>...]
// where each module path names a module's source under <folder> as its
// archive path (pyfritz/store.py); tools/vendor.py lists them.
//
// The snapshot is the whole wasm memory right after Pyodide's own start-up,
// before any page code ran; it holds no JavaScript object (Pyodide refuses to
// make one that would), so one made under Node.js restores in every browser.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [pyodideDir, out, folder, ...names] = process.argv.slice(2);
/**
 * The Python sources PyScript's bundle (in `dir`, beside the vendored Pyodide)
 * writes into the working directory at start, by path: "pyscript/web.py".
 * They are a literal object in the bundle, `{pyscript:{"__init__.py":"...",...}}`.
 */
function pyscriptSources(dir) {
  const start = '{pyscript:{"__init__.py":';
  const found = [];
  for (const name of readdirSync(dir).filter((name) => name.endsWith(".js"))) {
    const text = readFileSync(join(dir, name), "utf8");
    for (let at = text.indexOf(start); at >= 0; at = text.indexOf(start, at + 1)) {
      found.push([text, at]);
    }
  }
  if (found.length !== 1) {
    throw new Error(`PyScript's Python sources: ${found.length} candidates in ${dir}, not one`);
  }
  const [text, at] = found[0];
  let end = at; // the closing brace, past strings (with their escapes)
  for (let depth = 0, quote = null; end < text.length; end++) {
    const char = text[end];
    if (quote !== null) {
      if (char === "\\") end++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === "`") quote = char;
    else if (char === "{") depth++;
    else if (char === "}" && --depth === 0) break;
  }
  // An object literal of plain strings (vendored code, run at build time only).
  const tree = new Function(`"use strict"; return (${text.slice(at, end + 1)});`)();
  const sources = {};
  const walk = (folder, entries) => {
    for (const [name, value] of Object.entries(entries)) {
      if (typeof value === "string") sources[`${folder}${name}`] = value;
      else walk(`${folder}${name}/`, value);
    }
  };
  walk("", tree);
  return sources;
}

const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.core.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir, _makeSnapshot: true });
// What a browser's normal start would have instead: Node names its script in
// `_`; loadPyodide puts "" first on sys.path again after a restore.
//
// And the standard-library modules pyfritz imports that Pyodide's own
// start-up does not (urllib.parse, which imports ipaddress; secrets, which
// imports hmac): compiled and run here once instead of at every page load
// (≈ 40 ms of a demo page's scripts in Chromium, more in a cold load). And
// `html` (with `html.entities`, a table of 2,231 names), which PyScript's own
// package imports in every page. Pure Python, no JavaScript object: a
// snapshot may hold them.
//
// And `_pyfritz_archives` (archives.py beside this file), which imports a
// page's zip archive in place (see entry.mjs): compiled here once.
//
// And PyScript's own Python package, compiled: its bundle writes the sources
// into the working directory at every start, and every page compiled them
// (84-124 ms in Chromium). entry.mjs writes this bytecode (hash-based,
// checked against the source) where the import system looks for it.
const archives = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "archives.py"), "utf8");
const scope = pyodide.toPy({ archives, pyscript: pyscriptSources(join(pyodideDir, "..", "pyscript")) });
pyodide.runPython(
  `
import os, sys
import html, secrets, urllib.parse
import types
module = types.ModuleType("_pyfritz_archives")
module.__file__ = "pyfritz-web-runtime/archives.py"
exec(compile(archives, module.__file__, "exec"), module.__dict__)
sys.modules[module.__name__] = module
module.pyscript_bytecode.update(module.checked_bytecode(pyscript))
del module
os.environ["_"] = "./this.program"
sys.path.remove("")
`,
  { globals: scope },
);
scope.destroy();

// And the framework itself (pyfritz, without the parts that never ship to
// the browser), imported from an archive at the path a page's first archive
// gets, as a page would import it: archives.py holds the modules back until a
// page mounts an archive with the same sources (see there). Its modules import
// `js` only when a function runs, never at import: no JavaScript object.
if (names.length) {
  for (const name of names) {
    pyodide.FS.mkdirTree(`/tmp/framework/${dirname(name)}`);
    pyodide.FS.writeFile(`/tmp/framework/${name}`, readFileSync(join(folder, name)));
  }
  pyodide.runPython(`
def preload(names):
    import os, shutil, zipfile, _pyfritz_archives
    os.makedirs("/lib/archives", exist_ok=True)
    archive = "/lib/archives/0.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            out.write(f"/tmp/framework/{name}", name)
    shutil.rmtree("/tmp/framework")
    modules = [name.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for name in names]
    _pyfritz_archives.preload(archive, sorted(modules))

preload(${JSON.stringify(names)})
del preload
`);
}
// Last, what the snapshot holds is frozen out of the garbage collector's
// reach (gc.freeze(), as before a fork): the interpreter's start-up objects and
// the modules above (≈ 24,000 objects) live as long as the page, yet every
// collection a page's code set off walked them again. Measured in Chromium,
// 12 pages alternating with and without the freeze, medians of 15 runs each:
// a first keyed render of 1,000 rows 24.5 → 22.6 ms, 10,000 store updates
// bound to a text node 17.4 → 16.9 ms. A page that does not take the
// framework's modules unfreezes them (archives.py), so that they can be freed.
// The names of the modules the snapshot holds imported, for pages to check.
pyodide.runPython(`
import gc, sys, _pyfritz_archives
_pyfritz_archives.snapshot_modules = frozenset(sys.modules)
gc.collect()
gc.freeze()
`);
writeFileSync(out, pyodide.makeMemorySnapshot());
