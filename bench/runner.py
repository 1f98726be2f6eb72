"""Serve the benchmark pages, run them in Chromium, wait for their results, write reports.

Uses the browser binary and launch flags of the project's ``playwright.config.py``
(as the e2e tests do) and the dev server with cross-origin isolation, which
gives ``performance.now()`` its 5 µs resolution (DESIGN.md section 5).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import Browser, ConsoleMessage, sync_playwright

from bench import report
from bench.registry import BENCHES, Bench
from pyfritz.dev import create_app
from pyfritz.dev.browser import load_playwright_config
from pyfritz.dev.threaded import serve_asgi

__all__ = ["PAGES", "RESULTS", "ROOT", "main", "run_bench"]

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
RESULTS = Path(__file__).resolve().parent / "results"


class BenchFailed(RuntimeError):
    """A bench page failed or published no result in time."""


def run_bench(
    browser: Browser, base_url: str, bench: Bench, params: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Open ``bench``'s companion pages, then its page; wait for its published JSON and return it.

    All pages share one browser context (so they share a ``BroadcastChannel``);
    each companion must mark ``<body data-ready>`` before the next page opens.
    ``params`` are added to (and override) the bench's own query parameters.
    """
    query_params = {**bench.params, **(params or {})}
    context = browser.new_context(base_url=base_url)
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")

    context.on("console", on_console)
    context.on("weberror", lambda error: console.append(f"page error: {error.error}"))
    try:
        for companion in bench.companions:
            extra = context.new_page()
            extra.goto(
                f"/harness.html?{urlencode({'py': bench.page, **query_params, **companion})}"
            )
            ready = extra.locator("body[data-ready], #bench-error, .py-error").first
            ready.wait_for(state="attached", timeout=bench.timeout_s * 1000)
            if extra.locator("body[data-ready]").count() == 0:
                detail = f"{ready.text_content() or ''}\n" + "\n".join(console)
                raise BenchFailed(f"{bench.name}: companion {companion} failed:\n{detail}")
        page = context.new_page()
        query = urlencode({"py": bench.page, **query_params})
        page.goto(f"/harness.html?{query}")
        done = page.locator("#bench-result, #bench-error, .py-error").first
        done.wait_for(state="attached", timeout=bench.timeout_s * 1000)
        result = page.locator("#bench-result")
        if result.count() == 0:
            detail = done.text_content() or ""
            raise BenchFailed(f"{bench.name}: the page failed:\n{detail}\n" + "\n".join(console))
        data: dict[str, Any] = json.loads(result.text_content() or "")
        data.setdefault("environment", {})["browser"] = browser.version
        return data
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks named on the command line (all when none are)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"of {sorted(BENCHES)}")
    parser.add_argument("--headed", action="store_true", help="show the browser")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="key=value",
        help="a query parameter for the bench pages (e.g. only=lone); repeatable; the "
        "reports then go to <name>.<key>-<value>.md/.json, not the published <name>.md",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHES]
    if unknown:
        parser.error(f"unknown bench {', '.join(unknown)}; known: {', '.join(sorted(BENCHES))}")
    malformed = [item for item in args.param if "=" not in item]
    if malformed:
        parser.error(f"--param wants key=value, got {', '.join(malformed)}")
    params = dict(item.split("=", 1) for item in args.param)
    benches = [BENCHES[name] for name in args.names or BENCHES]
    driven = [bench.name for bench in benches if bench.driver is not None]
    if params and driven:
        parser.error(f"--param applies to page benches only, not {', '.join(driven)}")
    # A run with parameters measures part of a bench: it must not replace its published report.
    suffix = re.sub(r"[^\w.=-]", "_", "".join(f".{k}-{v}" for k, v in params.items()))

    config = load_playwright_config(ROOT)
    routes = [route for bench in benches for route in bench.routes()]
    app = create_app(ROOT, extra_roots=[PAGES], harness=True, isolate=True, routes=routes)
    executable = config.find_chromium()
    failed = 0
    with serve_asgi(app) as base_url, sync_playwright() as playwright:
        launch: dict[str, Any] = {"args": list(config.LAUNCH_ARGS), "headless": not args.headed}
        if executable:
            launch["executable_path"] = executable
        browser = playwright.chromium.launch(**launch)
        try:
            for bench in benches:
                started = time.monotonic()
                print(f"bench {bench.name}: running {bench.page} ...", flush=True)
                try:
                    if bench.driver is not None:
                        data = bench.driver(browser)
                        data.setdefault("environment", {})["browser"] = browser.version
                    else:
                        data = run_bench(browser, base_url, bench, params)
                        if params:
                            data.setdefault("environment", {})["page parameters"] = params
                except BenchFailed as exc:
                    print(exc, file=sys.stderr)
                    failed += 1
                    continue
                path = report.write(
                    RESULTS, bench.name + suffix, bench.title, bench.description, data
                )
                print(f"bench {bench.name}: {time.monotonic() - started:.0f} s, wrote {path}")
                print(path.read_text(encoding="utf-8"))
        finally:
            browser.close()
    return 1 if failed else 0
