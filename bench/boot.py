"""Boot time per engine: navigation → app interactive, cold and warm, bare page vs demo.

``python -m bench.boot [--rounds N] [--engines chromium,firefox,webkit] [--out FILE]``
(``make bench`` runs it as the ``boot`` bench, in a subprocess: it drives its own
browsers.)

For each engine and round: a fresh browser (empty HTTP cache) loads a page
("cold"), then loads it again ("warm": cached runtime files; compiled wasm
cached where the engine does that). Pages: the bare PyScript page
(``pages/boot_bare.py``, Python starts and marks the page) and the person
demo (interactive = its badge says ``synced``), both with the runtime as it
ships (CPython restored from the runtime's memory snapshot); and the demo once
more from a second server whose ``runtime/pyodide/pyodide.mjs`` is Pyodide's
own loader (``pyodide.core.mjs``): CPython's start-up run in the page, as
before the snapshot. Times are read in the page: ``performance.now()`` when
the condition first holds (checked every 20 ms), counted from the navigation's
start. A third page splits ``loadPyodide`` into wasm instantiation and
CPython's start-up, with and without the snapshot. The "before" rows are
measured in the first round only (they take most of the time: WebKit runs a
minute per load without the snapshot under load). The engines are driven as
in ``tests/engines`` (Playwright for Chromium, WebDriver for Firefox and
WebKit). Writes ``bench/results/boot.json`` and ``boot.md`` (or, with
``--out``, only the raw result as JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from bench import report

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests" / "engines")]

from guarded_dev import GUARD_SCRIPT  # noqa: E402
from netguard import refusing_proxy  # noqa: E402

from engines import ENGINES, launch  # noqa: E402 - needs the path above
from pyfritz.dev import create_app  # noqa: E402
from pyfritz.dev.threaded import serve_asgi  # noqa: E402
from pyfritz.server.cli import build_sync  # noqa: E402

__all__ = ["ROUNDS", "main", "run"]

PAGES = Path(__file__).resolve().parent / "pages"
RESULTS = Path(__file__).resolve().parent / "results"
ENGINE_PAGES = ROOT / "tests" / "engines" / "pages"
ROUNDS = 2

#: page → (path, the JS condition for "interactive").
TARGETS = {
    "bare": ("/harness.html?py=boot_bare", "() => document.body.dataset.ready === 'true'"),
    "demo": ("/", "() => document.querySelector('.badge')?.dataset.status === 'synced'"),
}
#: What is measured in each fresh browser: (page, runtime), runtime being
#: "snapshot" (as shipped) or "core" (Pyodide's own loader: before).
RUNS = (("bare", "snapshot"), ("demo", "snapshot"), ("demo", "core"))
_LABELS = {"snapshot": "", "core": ", no snapshot (before)"}
_STAMP = "() => ({fn})() && performance.now()"


def _interactive(engine: Any, target: str) -> float:
    """Load ``target`` in a new window; return ms from navigation to interactive."""
    path, condition = TARGETS[target]
    page = engine.new_page()
    try:
        page.goto(path)
        stamp = page.wait_until(_STAMP.replace("{fn}", condition), timeout=300, what=target)
        page.check()
        return round(float(stamp))
    finally:
        engine.close_page(page)


def _phases(engine: Any, loader: str) -> dict[str, float]:
    page = engine.new_page()
    try:
        page.goto("/boot_phases.html" + ("?loader=core" if loader == "core" else ""))
        text = page.wait_until(
            "() => document.querySelector('#phases')?.textContent", timeout=300, what="phases"
        )
        page.check()
        return {key: round(value) for key, value in json.loads(text).items()}
    finally:
        engine.close_page(page)


def _app(loader: str) -> Any:
    """The test server; with ``loader="core"`` the page's Pyodide entry is Pyodide's own."""
    from pyfritz_runtime import load_manifest

    core = load_manifest().root / "pyodide" / "pyodide.core.mjs"

    async def core_entry(request: Request) -> Response:
        return FileResponse(
            core, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    routes = [Route("/runtime/pyodide/pyodide.mjs", core_entry)] if loader == "core" else []
    _, sync = build_sync(":memory:", [])  # in memory: nothing to close
    return create_app(
        ROOT,
        extra_roots=[PAGES, ENGINE_PAGES],
        harness=True,
        sync=sync,
        routes=routes,
        head_script=GUARD_SCRIPT,
    )


def run(engines: list[str], rounds: int) -> dict[str, Any]:
    """Measure; return the result in bench/report.py's shape."""
    times: dict[tuple[str, str], dict[str, list[float]]] = {}
    phases: dict[str, dict[str, list[float]]] = {}
    versions: dict[str, str] = {}
    with ExitStack() as stack:
        urls = {loader: stack.enter_context(serve_asgi(_app(loader))) for loader in _LABELS}
        proxy = stack.enter_context(refusing_proxy())
        for name in engines:
            for round_ in range(rounds):
                for target, loader in RUNS:
                    if loader == "core" and round_ > 0:
                        continue  # the "before" is a reference: once per run keeps it short
                    engine = launch(name, urls[loader], proxy)  # a fresh browser: cold cache
                    try:
                        versions[name] = engine.version
                        variant = f"{target} page{_LABELS[loader]}"
                        for kind in ("cold", "warm"):
                            ms = _interactive(engine, target)
                            times.setdefault((name, kind), {}).setdefault(variant, []).append(ms)
                        if target == "demo":
                            for key, value in _phases(engine, loader).items():
                                label = f"{key}{_LABELS[loader]}"
                                phases.setdefault(name, {}).setdefault(label, []).append(value)
                    finally:
                        engine.close()
            print(f"boot: {name} done", flush=True)
    metrics = [
        {
            "label": f"{name} {versions[name]}: navigation → interactive, {kind}",
            "unit": "ms",
            "better": "lower",
            "baseline": "bare page",
            "samples": times[(name, kind)],
        }
        for name in engines
        for kind in ("cold", "warm")
    ] + [
        {
            "label": f"{name}: loadPyodide split (warm cache)",
            "unit": "ms",
            "better": "lower",
            "baseline": f"load_pyodide{_LABELS['core']}",
            "samples": phases[name],
        }
        for name in engines
    ]
    load = os.getloadavg()
    environment = {
        "engines": versions,
        "rounds": rounds,
        "load average": [round(x, 2) for x in load],
    }
    return {"environment": environment, "metrics": metrics}


def main(argv: list[str] | None = None) -> int:
    """Run the boot benchmark and write its report."""
    parser = argparse.ArgumentParser(prog="python -m bench.boot", description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help=f"fresh browsers per page ({ROUNDS})"
    )
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--out", type=Path, help="write only the raw result (JSON) here")
    args = parser.parse_args(argv)
    result = run([name for name in args.engines.split(",") if name], args.rounds)
    if args.out is not None:
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return 0
    from bench.registry import BENCHES

    bench = BENCHES["boot"]
    path = report.write(RESULTS, bench.name, bench.title, bench.description, result)
    print(f"boot: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
