"""Boot time per engine: navigation → app interactive, cold and warm, bare page vs demo.

``python -m bench.boot [--rounds N] [--engines chromium,firefox,webkit]``

For each engine and round: a fresh browser (empty HTTP cache) loads a page
("cold"), then loads it again ("warm": cached runtime files; compiled wasm
cached where the engine does that). Pages: the bare PyScript page
(``pages/boot_bare.py``, Python starts and marks the page) and the person
demo (interactive = its badge says ``synced``). Times are read in the page:
``performance.now()`` when the condition first holds (checked every 20 ms),
counted from the navigation's start. A third page splits ``loadPyodide`` into
wasm instantiation and CPython's start-up. The engines are driven as in
``tests/engines`` (Playwright for Chromium, WebDriver for Firefox and WebKit).
Writes ``bench/results/boot.json`` and ``boot.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench import report

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests" / "engines")]

from guarded_dev import GUARD_SCRIPT  # noqa: E402
from netguard import refusing_proxy  # noqa: E402

from engines import ENGINES, launch  # noqa: E402 - needs the path above
from pyfritz.dev import create_app  # noqa: E402
from pyfritz.dev.threaded import serve_asgi  # noqa: E402
from pyfritz.server.cli import build_sync  # noqa: E402

__all__ = ["main"]

PAGES = Path(__file__).resolve().parent / "pages"
RESULTS = Path(__file__).resolve().parent / "results"
ENGINE_PAGES = ROOT / "tests" / "engines" / "pages"

#: page → (path, the JS condition for "interactive").
TARGETS = {
    "bare": ("/harness.html?py=boot_bare", "() => document.body.dataset.ready === 'true'"),
    "demo": ("/", "() => document.querySelector('.badge')?.dataset.status === 'synced'"),
}
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


def _phases(engine: Any) -> dict[str, float]:
    page = engine.new_page()
    try:
        page.goto("/boot_phases.html")
        text = page.wait_until(
            "() => document.querySelector('#phases')?.textContent", timeout=300, what="phases"
        )
        page.check()
        return {key: round(value) for key, value in json.loads(text).items()}
    finally:
        engine.close_page(page)


def run(engines: list[str], rounds: int) -> dict[str, Any]:
    """Measure; return the result in bench/report.py's shape."""
    samples: dict[str, dict[str, list[float]]] = {}
    phases: dict[str, dict[str, list[float]]] = {}
    versions: dict[str, str] = {}
    _, sync = build_sync(":memory:", [])  # in memory: nothing to close
    app = create_app(
        ROOT,
        extra_roots=[PAGES, ENGINE_PAGES],
        harness=True,
        sync=sync,
        head_script=GUARD_SCRIPT,
    )
    with serve_asgi(app) as url, refusing_proxy() as proxy:
        for name in engines:
            mine = samples.setdefault(name, {})
            for _ in range(rounds):
                for target in TARGETS:
                    engine = launch(name, url, proxy)  # a fresh browser: cold cache
                    try:
                        versions[name] = engine.version
                        mine.setdefault(f"{target} cold", []).append(_interactive(engine, target))
                        mine.setdefault(f"{target} warm", []).append(_interactive(engine, target))
                        if target == "demo":
                            for key, value in _phases(engine).items():
                                phases.setdefault(name, {}).setdefault(key, []).append(value)
                    finally:
                        engine.close()
            print(f"boot: {name} {json.dumps(mine)} {json.dumps(phases.get(name))}", flush=True)
    metrics = [
        {
            "label": f"{name} {versions[name]}: navigation → interactive",
            "unit": "ms",
            "better": "lower",
            "baseline": "bare cold",
            "samples": samples[name],
        }
        for name in engines
    ] + [
        {
            "label": f"{name}: loadPyodide split (warm cache)",
            "unit": "ms",
            "better": "lower",
            "baseline": "load_pyodide",
            "samples": phases[name],
        }
        for name in engines
    ]
    return {"environment": {"engines": versions, "rounds": rounds}, "metrics": metrics}


def main(argv: list[str] | None = None) -> int:
    """Run the boot benchmark and write its report."""
    parser = argparse.ArgumentParser(prog="python -m bench.boot", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="fresh browsers per page (3)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    args = parser.parse_args(argv)
    result = run([name for name in args.engines.split(",") if name], args.rounds)
    path = report.write(
        RESULTS,
        "boot",
        "Boot time per engine",
        "Navigation → interactive in ms, cold (fresh browser) and warm (second load); "
        "the bare PyScript page vs the person demo; and loadPyodide split into wasm "
        "instantiation and CPython start-up. See bench/boot.py.",
        result,
    )
    print(f"boot: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
