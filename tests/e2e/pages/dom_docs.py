# Runs the first example of docs/dom.md, handed over by the test as window.docsExample.
import sys
import types

from pyscript import window

module = types.ModuleType("docs_dom")  # dataclasses look their module up
sys.modules[module.__name__] = module
exec(compile(str(window.docsExample), "docs/dom.md (example 1)", "exec"), module.__dict__)
