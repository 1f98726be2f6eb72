# Runs the test_* functions of a unit-test module in the browser's Python: the
# test hands over the module's source as window.unitModule. A minimal pytest
# (raises only) stands in for the real one. Shows "passed N" in #app, or the
# failures with their tracebacks.
import re
import sys
import traceback
import types
from contextlib import contextmanager

from pyscript import document, window


@contextmanager
def raises(expected, match=None):
    try:
        yield
    except expected as exc:
        if match is not None and not re.search(match, str(exc)):
            raise AssertionError(f"{exc!r} does not match {match!r}") from exc
    else:
        raise AssertionError(f"did not raise {expected.__name__}")


shim = types.ModuleType("pytest")
shim.raises = raises
sys.modules["pytest"] = shim

module = types.ModuleType("unit_module")  # dataclasses look their module up
sys.modules[module.__name__] = module
exec(compile(str(window.unitModule), "unit_module.py", "exec"), module.__dict__)

passed, failures = 0, []
for name, test in vars(module).items():
    if name.startswith("test_") and callable(test):
        try:
            test()
            passed += 1
        except Exception:
            failures.append(f"{name}:\n{traceback.format_exc()}")
out = document.querySelector("#app")
out.textContent = "\n".join(failures) if failures else f"passed {passed}"
document.body.dataset.ready = "true"
