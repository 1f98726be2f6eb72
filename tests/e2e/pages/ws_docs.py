# Runs the python examples of docs/websocket.md, in order, in one namespace,
# with top-level await, pointed at this server's echo endpoint.
import ast
import io
import json
import sys
import traceback

import js
from pyscript import document, window

ORIGIN = f"ws://{window.location.host}"


async def main():
    response = await js.fetch("/docs-examples/websocket.json")
    blocks = json.loads(await response.text())
    namespace = {"__name__": "docs_websocket"}
    for number, block in enumerate(blocks, 1):
        source = block.replace("ws://127.0.0.1:8000", ORIGIN)
        code = compile(
            source,
            f"websocket.md (example {number})",
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        result = eval(code, namespace)  # a coroutine when the block awaits
        if result is not None:
            await result
    return len(blocks)


out = document.querySelector("#app")
# The page shows a deliberate error report (pyfritz.report writes to stderr,
# the console): capture it so the test can check it is the only one.
stderr, sys.stderr = sys.stderr, io.StringIO()
try:
    out.dataset.examples = str(await main())
    out.dataset.status = "ok"
except BaseException:
    out.textContent = traceback.format_exc()
    out.dataset.status = "error"
finally:
    captured, sys.stderr = sys.stderr.getvalue(), stderr
    out.dataset.stderr = captured
