"""The ``startup`` bench, driven from Python: page loads from navigation to a running app.

Each sample is one navigation in Chromium, timed in the page itself: from
``performance.timeOrigin`` (navigation start) to PyScript's ``py:done`` event
(every ``<script type="py">`` has run; the demo renders its editor
synchronously inside its script, so that is when it is interactive).

* **bare PyScript page**: ``/startup_bare.html``, the same runtime
  (``runtime/``, the interpreter every ``pyscript.toml`` names) with a config
  naming only the interpreter, printing one line: the floor any PyScript page
  pays.
* **pyfritz demo page**: ``/index.html``, the person editor, with the sync
  server at ``/sync`` (an in-memory hub).
* **the demo's page without its app**: ``/startup_floor.html``, ``index.html``
  as it is (its stylesheet, loading indicator, ``pyscript.toml`` and the
  archive it mounts) with the app's two lines replaced by one ``print``: what
  the page costs before any of its Python runs, so that the demo against it
  is what pyfritz's Python costs (imports, first render, the socket opened).

*Cold*: a new browser with a new, empty profile per sample (a persistent
context in a fresh folder: empty HTTP cache on disk). *Warm*: a second
navigation to the same page in that browser: the runtime and the archive are
revalidated (the dev server sends ``Cache-Control: no-cache`` and an ETag) and
answered ``304``, so only headers travel. (An in-memory context, as
``browser.new_context()`` makes, does not keep the 9 MiB
``pyodide.asm.wasm``: warm loads fetched it again.) The archive carries the
modules' bytecode when Node.js is there to compile it (the environment says
whether it did). Bytes are the sum of
``transferSize`` over the navigation and resource timing entries.
The demo's archive: when it arrived and how long the runtime took to mount it
(its ``pyfritz: archive mounted`` user timing; the archive is imported in
place, see runtime/README.md).
**Import time**: a fresh harness page (``bench/pages/bench_startup.py``) times
``import pyfritz``, then ``RootStore`` + ``pyfritz.dom``, then ``import demo.person``,
then the demo's ``main()`` (first render, socket opened), each on top of the
one before, with ``time.perf_counter``.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bench.wasm_trace import MARKS, traced_load
from pyfritz.dev import create_app
from pyfritz.dev.browser import load_playwright_config
from pyfritz.dev.bytecode import BytecodeCompiler
from pyfritz.dev.threaded import serve_asgi
from pyfritz.server import Hub, MemoryStorage, sync_app

__all__ = ["ROUNDS", "run"]

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
# Page loads are the noisiest figure here (one sample per navigation): on this
# 2-core machine one round's demo/bare ratio moves by ±0.1 around its median
# (0.91-1.22 in 12 rounds of one run), so the median of 11 rounds still moved
# by ±0.04 between runs of the same code; 21 rounds narrow that by a third.
ROUNDS = 21
# Traced loads (after the timed rounds: a trace slows a page down) per page.
TRACED_ROUNDS = 5
_TIMEOUT_MS = 120_000

_BARE_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>bare PyScript</title>
  <link rel="icon" href="data:,">
  <script type="module" src="./runtime/pyscript/core.js"></script>
</head>
<body>
  <script type="py" config="./startup_bare.toml">
print("hello from a bare PyScript page")
  </script>
</body>
</html>
"""
_BARE_TOML = 'interpreter = "./runtime/pyodide/pyodide.mjs"\n'

# Runs before any script of the page: note when PyScript has the interpreter
# ready (runtime loaded, config read, files unpacked) and when every script ran.
_MARK_DONE = """
document.addEventListener("py:ready", () => { window.__pyReady ??= performance.now(); });
document.addEventListener("py:done", () => { window.__pyDone = performance.now(); });
"""
# The archive: when it arrived (ms from navigation start) and how long the
# runtime took to put it on sys.path (its user timing, runtime/snapshot/entry.mjs).
_ARCHIVE = """() => {
  const fetched = performance.getEntriesByType("resource").find((e) => e.name.includes("/pkg/"));
  const mounted = performance.getEntriesByName("pyfritz: archive mounted")[0];
  return fetched && mounted ? [fetched.responseEnd, mounted.duration] : null;
}"""
_BYTES = """() => {
  const entries = [...performance.getEntriesByType("navigation"),
                   ...performance.getEntriesByType("resource")];
  return entries.reduce((sum, entry) => sum + (entry.transferSize || 0), 0);
}"""

_DEMO = "pyfritz demo page"
_BARE = "bare PyScript page"
_FLOOR = "demo's page without its app"
_PAGES = {_BARE: "/startup_bare.html", _DEMO: "/index.html", _FLOOR: "/startup_floor.html"}
_APP = "from demo.person import main\nmain()\n"


def _floor_html() -> str:
    """``index.html`` with its app replaced by one ``print``."""
    html = (ROOT / "index.html").read_text(encoding="utf-8")
    if html.count(_APP) != 1:
        raise RuntimeError(f"index.html no longer runs its app as {_APP!r}: see bench/startup.py")
    return html.replace(_APP, 'print("hello from the demo\'s page without its app")\n')


def _routes() -> list[BaseRoute]:
    async def bare_html(request: Request) -> Response:
        return PlainTextResponse(_BARE_HTML, media_type="text/html")

    async def bare_toml(request: Request) -> Response:
        return PlainTextResponse(_BARE_TOML, media_type="application/toml")

    floor = _floor_html()

    async def floor_html(request: Request) -> Response:
        return PlainTextResponse(floor, media_type="text/html")

    return [
        Route("/startup_bare.html", bare_html),
        Route("/startup_bare.toml", bare_toml),
        Route("/startup_floor.html", floor_html),
    ]


def _load(context: BrowserContext, path: str) -> dict[str, float]:
    """Navigate a new page of ``context`` to ``path``; ms to py:ready and py:done, bytes."""
    page = context.new_page()
    try:
        page.goto(path)
        page.wait_for_function("window.__pyDone !== undefined", polling=10, timeout=_TIMEOUT_MS)
        ready, done = page.evaluate("[window.__pyReady, window.__pyDone]")
        loads = {"ready": float(ready), "done": float(done), "bytes": float(page.evaluate(_BYTES))}
        if archive := page.evaluate(_ARCHIVE):
            loads["archive arrived"], loads["archive mounted"] = map(float, archive)
        return loads
    finally:
        page.close()


def _imports(browser: Browser, base_url: str) -> dict[str, float]:
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        page.goto("/harness.html?py=bench_startup")
        result = page.locator("#bench-result, #bench-error, .py-error").first
        result.wait_for(state="attached", timeout=_TIMEOUT_MS)
        data: dict[str, float] = json.loads(result.text_content() or "")
        return data
    finally:
        context.close()


def _browsers(
    browser: Browser, base_url: str, launch: dict[str, Any], round_: int, *scripts: str
) -> Iterator[tuple[str, BrowserContext]]:
    """One round: each page in turn, the first one rotating between rounds, in a new
    browser with ``scripts`` as init scripts."""
    names = list(_PAGES)
    names = names[round_ % len(names) :] + names[: round_ % len(names)]
    for name in names:
        # A persistent context keeps its HTTP cache on disk, as a browser
        # does; a new folder per sample starts it empty.
        with tempfile.TemporaryDirectory() as profile:
            context = browser.browser_type.launch_persistent_context(
                profile, base_url=base_url, **launch
            )
            for script in scripts:
                context.add_init_script(script)
            try:
                yield name, context
            finally:
                context.close()


def _compiling(
    browser: Browser, base_url: str, launch: dict[str, Any]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each page's scripts phase under a Chrome trace: how long it was, how much of
    it V8 spent compiling CPython's wasm (bench/wasm_trace.py), and how many functions."""
    times: dict[str, list[float]] = {}
    counts: dict[str, list[float]] = {}
    for round_ in range(TRACED_ROUNDS):
        for name, context in _browsers(browser, base_url, launch, round_, _MARK_DONE, MARKS):
            for kind in ("cold", "warm"):
                traced = traced_load(context, _PAGES[name], _TIMEOUT_MS)
                for part, ms in (
                    ("scripts (py:ready → py:done)", traced.scripts_ms),
                    ("first-call compiles on the main thread", traced.lazy_ms),
                    ("TurboFan on other threads (CPU)", traced.top_tier_ms),
                ):
                    times.setdefault(f"{name}, {kind}: {part}", []).append(ms)
                counts.setdefault(f"{name}, {kind}", []).append(traced.lazy_functions)
    return times, counts


def _per_round(samples: dict[str, list[float]]) -> str:
    # The pages of a round load back to back, so their ratio sees the same
    # machine; on a machine whose load drifts, the median of those is
    # steadier than the ratio of the medians.
    notes = []
    for baseline, name in ((_BARE, "bare page"), (_FLOOR, "page without its app")):
        pairs = zip(samples[_DEMO], samples[baseline], strict=True)
        ratios = [demo / base for demo, base in pairs]
        each = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        notes.append(
            f"Demo / {name} per round (loaded back to back): median "
            f"{statistics.median(ratios):.2f}x (rounds: {each})."
        )
    return "\n\n".join(notes)


def run(browser: Browser) -> dict[str, Any]:
    """Run the rounds; return the result a bench page would publish."""
    times: dict[str, dict[str, list[float]]] = {"cold": {}, "warm": {}}
    sizes: dict[str, dict[str, list[float]]] = {"cold": {}, "warm": {}}
    parts: dict[str, list[float]] = {}
    imports: dict[str, list[float]] = {}
    bytecode = BytecodeCompiler()
    app = create_app(
        ROOT,
        extra_roots=[PAGES],
        harness=True,
        sync=sync_app(Hub(MemoryStorage())),
        routes=_routes(),
        bytecode=bytecode,
    )
    config = load_playwright_config(ROOT)
    launch: dict[str, Any] = {"args": list(config.LAUNCH_ARGS), "headless": True}
    if executable := config.find_chromium():
        launch["executable_path"] = executable
    with serve_asgi(app) as base_url:
        for round_ in range(ROUNDS + 1):
            for name, context in _browsers(browser, base_url, launch, round_, _MARK_DONE):
                for kind in ("cold", "warm"):
                    load = _load(context, _PAGES[name])
                    if round_ == 0:  # round 0 warms up the server and the OS caches
                        continue
                    times[kind].setdefault(name, []).append(load["done"])
                    sizes[kind].setdefault(name, []).append(load["bytes"] / 1024)
                    for part, ms in (
                        ("py:ready", load["ready"]),
                        ("scripts (py:ready → py:done)", load["done"] - load["ready"]),
                        ("pkg/app.zip arrived", load.get("archive arrived")),
                        ("pkg/app.zip mounted", load.get("archive mounted")),
                    ):
                        if ms is not None:
                            parts.setdefault(f"{name}, {kind}: {part}", []).append(ms)
            measured = _imports(browser, base_url)
            if round_ > 0:
                for label, ms in measured.items():
                    imports.setdefault(label, []).append(ms)
        compiling, functions = _compiling(browser, base_url, launch)
    metrics = [
        {
            "label": f"navigation → app ran (py:done), {kind} cache",
            "unit": "ms",
            "better": "lower",
            "baseline": _BARE,
            "samples": times[kind],
            "note": _per_round(times[kind]),
        }
        for kind in ("cold", "warm")
    ]
    metrics += [
        {
            "label": f"navigation → app ran (py:done), {kind} cache, against the demo's "
            "page without its app (what pyfritz's Python costs)",
            "unit": "ms",
            "better": "lower",
            "baseline": _FLOOR,
            "samples": {name: times[kind][name] for name in (_DEMO, _FLOOR)},
        }
        for kind in ("cold", "warm")
    ]
    metrics += [
        {
            "label": f"bytes transferred, {kind} cache",
            "unit": "KiB",
            "better": "lower",
            "baseline": _BARE,
            "samples": sizes[kind],
        }
        for kind in ("cold", "warm")
    ]
    metrics.append(
        {
            "label": "where the time goes: PyScript's py:ready (runtime, config, files) "
            "and the page's scripts (imports, first render)",
            "unit": "ms",
            "better": "lower",
            "baseline": "bare PyScript page, cold: py:ready",
            "samples": parts,
        }
    )
    metrics.append(
        {
            "label": "Python in the browser: imports, then the demo's main() "
            "(each on top of the one before)",
            "unit": "ms",
            "better": "lower",
            "baseline": "import pyfritz",
            "samples": imports,
        }
    )
    metrics.append(
        {
            "label": "where the scripts' time goes: V8 compiling the CPython code a page "
            f"runs first ({TRACED_ROUNDS} traced loads per page, after the rounds)",
            "unit": "ms",
            "better": "lower",
            "baseline": f"{_BARE}, cold: scripts (py:ready → py:done)",
            "samples": compiling,
        }
    )
    metrics.append(
        {
            "label": "wasm functions compiled on first call on the main thread, scripts phase",
            "unit": "functions",
            "better": "lower",
            "baseline": f"{_BARE}, cold",
            "samples": functions,
        }
    )
    load_average = [round(x, 2) for x in os.getloadavg()]
    # Whether pkg/app.zip carried the modules' bytecode (it needs Node.js).
    shipped = "yes" if bytecode.unavailable is None else f"no: {bytecode.unavailable}"
    environment = {
        "rounds": ROUNDS,
        "load average": load_average,
        "bytecode in pkg/app.zip": shipped,
    }
    return {"environment": environment, "metrics": metrics}
