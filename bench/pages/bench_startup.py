# Import times in a fresh page, for the startup bench (bench/startup.py):
# `import pyfritz`, then what a page of stores and DOM uses (`RootStore`,
# `pyfritz.dom`), then the demo's page module (WebSocket, sync), each on top
# of the one before, then the demo's main() (its first render, the socket
# opened), timed with time.perf_counter.
import json
import time

from pyscript import document

marks = {}
start = time.perf_counter()
import pyfritz  # noqa: E402

marks["import pyfritz"] = (time.perf_counter() - start) * 1000
start = time.perf_counter()
import pyfritz.dom  # noqa: E402, F401
from pyfritz import RootStore  # noqa: E402, F401

marks["then RootStore + pyfritz.dom"] = (time.perf_counter() - start) * 1000
start = time.perf_counter()
import demo.person  # noqa: E402

marks["then import demo.person"] = (time.perf_counter() - start) * 1000
start = time.perf_counter()
demo.person.main()
marks["then demo.person.main() (first render)"] = (time.perf_counter() - start) * 1000
out = document.createElement("pre")
out.id = "bench-result"
out.textContent = json.dumps(marks)
document.body.append(out)
