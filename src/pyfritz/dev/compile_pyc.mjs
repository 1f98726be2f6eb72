// Compile Python sources to bytecode for the browser's Python, with the
// browser's own interpreter: the vendored Pyodide, run under Node.js.
// Run by pyfritz.dev.bytecode: node compile_pyc.mjs <pyodide dir> <in.json> <out.json>
//
// Why here and not on the host: a .pyc is only valid for the Python version
// that wrote it (the magic number), and the host's CPython is not the
// browser's 3.14. Why hash-based pycs (PEP 552, CHECKED_HASH): each records
// its source's hash, so a .pyc that does not match its source is never used,
// whatever the file times (pyfritz.dev.bytecode checks that hash when it
// packs the archive and marks the .pyc unchecked only if it matches; a
// checked one the import system checks at import).
//
// in.json:  {"sources": {"<archive name>": "<base64 source bytes>", ...}}
// out.json: {"cache_tag": "cpython-314", "pycs": {name: base64}, "errors": {name: text}}
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";

const [pyodideDir, input, output] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.core.mjs")).href);
const options = { indexURL: pyodideDir + "/", stdout: () => {}, stderr: (line) => console.error(line) };
try {
  // Starting from pyfritz's memory snapshot (made at vendoring) skips
  // CPython's start-up; without one, Pyodide starts as usual. The file holds
  // the memory without its zero blocks: the runtime's entry puts it together.
  const packed = gunzipSync(readFileSync(join(pyodideDir, "snapshot.bin.gz")));
  const { placeSnapshot } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
  options._loadSnapshot = await placeSnapshot(new Blob([packed]).stream());
} catch {}
const pyodide = await loadPyodide(options);

const COMPILE = `
import base64, json, os, py_compile, sys

def compile_all(request):
    pycs, errors = {}, {}
    for index, (name, encoded) in enumerate(json.loads(request)["sources"].items()):
        source, target = f"/tmp/pyfritz-src-{index}.py", f"/tmp/pyfritz-src-{index}.pyc"
        with open(source, "wb") as file:
            file.write(base64.b64decode(encoded))
        try:
            # dfile: the file name the code carries. The runtime imports a page's
            # archive in place from /lib/archives/0.zip (runtime/snapshot/entry.mjs)
            # and names code by its source there; named so already, the import
            # has nothing to rename (_imp._fix_co_filename walks every code object).
            py_compile.compile(
                source, cfile=target, dfile="/lib/archives/0.zip/" + name, doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            )
        except py_compile.PyCompileError as exc:
            errors[name] = exc.msg
            continue
        finally:
            os.remove(source)
        with open(target, "rb") as file:
            pycs[name] = base64.b64encode(file.read()).decode()
        os.remove(target)
    return json.dumps({"cache_tag": sys.implementation.cache_tag, "pycs": pycs, "errors": errors})
`;
const scope = pyodide.toPy({});
try {
  pyodide.runPython(COMPILE, { globals: scope });
  const compileAll = scope.get("compile_all");
  try {
    writeFileSync(output, compileAll(readFileSync(input, "utf8")));
  } finally {
    compileAll.destroy();
  }
} finally {
  scope.destroy();
}
