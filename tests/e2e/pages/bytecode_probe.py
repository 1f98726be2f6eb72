# Imports the modules named by ?modules=a,b and shows, for each, whether the
# browser compiled its source or ran the archive's bytecode (the .pyc beside
# the source, read in place by the runtime's archive importer), and its VALUE
# if it has one, and whether it came imported in the runtime's snapshot (taken
# when the page's archive holds the same source); and which standard-library
# modules they loaded (compiled from source: not in the runtime's snapshot);
# and whether PyScript's own modules are compiled from source.
# tests/e2e/test_bytecode.py.
import gc
import importlib
import importlib._bootstrap_external as external
import json
import os
import sys
import zipimport

import _pyfritz_archives
from pyscript import document, window

compiled = []
original = external.SourceLoader.source_to_code
original_zip = zipimport._compile_source


# The import system calls these only when it compiles a source (from a file,
# from an archive): a module run from valid bytecode never reaches them.
def counting(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return original(self, data, path, *args, **kwargs)


def counting_zip(path, source):
    compiled.append(str(path))
    return original_zip(path, source)


def has_bytecode(module):
    loader = module.__spec__.loader
    if isinstance(loader, zipimport.zipimporter):
        try:
            loader.get_data(module.__file__ + "c")
        except OSError:
            return False
        return True
    return module.__cached__ is not None and os.path.isfile(module.__cached__)


external.SourceLoader.source_to_code = counting
zipimport._compile_source = counting_zip
before = set(sys.modules)
try:
    report = {}
    names = window.URLSearchParams.new(window.location.search).get("modules").split(",")
    for name in names:
        module = importlib.import_module(name)
        report[name] = {
            "compiled": module.__file__ in compiled,
            "cached": has_bytecode(module),
            "in place": isinstance(module.__spec__.loader, zipimport.zipimporter),
            "value": getattr(module, "VALUE", None),
            "preloaded": name in _pyfritz_archives.adopted,
        }
    # PyScript's own package: its bundle wrote the sources at start, the
    # runtime the bytecode compiled when its snapshot was made (archives.py).
    # The import system's loader asked for each module's code again: does it
    # compile the source?
    pyscript = sorted(
        name
        for name, module in sys.modules.items()
        if name.partition(".")[0] == "pyscript" and getattr(module, "__file__", None)
    )
    done = len(compiled)
    for name in pyscript:
        sys.modules[name].__spec__.loader.get_code(name)
    report["pyscript modules"] = pyscript
    report["pyscript modules compiled"] = compiled[done:]
finally:
    external.SourceLoader.source_to_code = original
    zipimport._compile_source = original_zip
# The standard library's sources are read through zipimport, which compiles
# them without source_to_code: say which of its modules the imports loaded.
report["standard library modules loaded"] = sorted(
    name
    for name, module in sys.modules.items()
    if name not in before and "python314.zip" in (getattr(module, "__file__", None) or "")
)
# And which standard-library modules any code in the page, PyScript's
# included, imported that the snapshot does not hold.
report["standard library modules compiled in the page"] = sorted(
    name
    for name, module in sys.modules.items()
    if "python314.zip" in (getattr(module, "__file__", None) or "")
    and name not in _pyfritz_archives.snapshot_modules
)
# Whether the snapshot's objects are still frozen out of the collector's reach
# (they are unfrozen when the page does not take the snapshot's pyfritz).
report["frozen"] = gc.get_freeze_count() > 0
out = document.querySelector("#app")
out.textContent = json.dumps(report, sort_keys=True)
document.body.dataset.ready = "true"
