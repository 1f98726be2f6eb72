"""Profile a bench page in Chromium: where the main thread's time goes, by function.

``python -m bench.profile bench_websocket "profile=burst pyfritz on_each (sync)"`` serves the
bench pages as ``python -m bench`` does, opens ``/harness.html?py=<page>&...``,
waits for ``<body data-ready>``, starts the V8 sampling profiler (Chrome
DevTools Protocol, 50 µs interval), resolves the page's ``window.profileGo``,
waits for ``#bench-result`` and prints the self time per function (JavaScript
and WebAssembly frames alike: Pyodide's wasm carries function names), the
top ``--top`` ones, plus the page's result. ``--out`` keeps the raw
``.cpuprofile`` (loadable in DevTools' Performance panel).

``--companion key=value ...`` opens another page of the bench first, in the
same browser context (its query: the page's parameters plus these), and
waits for its ``<body data-ready>``, as the runner does for a bench's
companions; every page is profiled and printed on its own:
``python -m bench.profile bench_sync_latency profile=pyfritz --companion role=view``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from bench import endpoints, sync_endpoints
from bench.runner import PAGES, ROOT
from pyfritz.dev import create_app
from pyfritz.dev.browser import load_playwright_config
from pyfritz.dev.threaded import serve_asgi

__all__ = ["main", "self_times"]


def self_times(profile: dict[str, Any]) -> tuple[Counter[str], float]:
    """Self time (ms) per ``function (file)`` of a CDP profile, and the total (ms)."""
    names = {}
    for node in profile["nodes"]:
        frame = node["callFrame"]
        where = frame.get("url", "").rsplit("/", 1)[-1]
        label = frame.get("functionName") or "(anonymous)"
        names[node["id"]] = f"{label} ({where})" if where else label
    times: Counter[str] = Counter()
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        times[names[node_id]] += delta / 1000
    return times, sum(times.values())


def main(argv: list[str] | None = None) -> int:
    """Profile one page; print its hottest functions."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("page", help="bench/pages/<page>.py (one with a profile mode)")
    parser.add_argument("params", nargs="*", help="query parameters, key=value")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, help="write the raw .cpuprofile here")
    parser.add_argument(
        "--no-sampling",
        action="store_true",
        help="run the profile mode without the sampling profiler (the page's own figures only)",
    )
    parser.add_argument(
        "--companion",
        nargs="+",
        action="append",
        default=[],
        metavar="key=value",
        help="another page to open first (its extra query parameters); repeatable",
    )
    args = parser.parse_args(argv)
    params = dict(item.split("=", 1) for item in args.params)
    companions = [dict(item.split("=", 1) for item in group) for group in args.companion]
    config = load_playwright_config(ROOT)
    routes = [*endpoints.routes(), *sync_endpoints.routes()]
    app = create_app(ROOT, extra_roots=[PAGES], harness=True, isolate=True, routes=routes)
    executable = config.find_chromium()
    with serve_asgi(app) as base_url, sync_playwright() as playwright:
        launch: dict[str, Any] = {"args": list(config.LAUNCH_ARGS), "headless": True}
        if executable:
            launch["executable_path"] = executable
        browser = playwright.chromium.launch(**launch)
        try:
            context = browser.new_context(base_url=base_url)
            context.on("console", lambda message: print(f"console {message.type}: {message.text}"))
            pages = []
            for extra in [*companions, {}]:
                page = context.new_page()
                page.goto(f"/harness.html?{urlencode({'py': args.page, **params, **extra})}")
                # A page that fails while setting up publishes #bench-error
                # instead of data-ready: stop there, not at the timeout.
                failed = page.locator("#bench-error, .py-error").first
                (page.locator("body[data-ready]").or_(failed)).first.wait_for(
                    state="attached", timeout=300_000
                )
                if failed.count():
                    raise SystemExit(f"{args.page} failed to set up:\n{failed.text_content()}")
                pages.append((" ".join(f"{k}={v}" for k, v in extra.items()) or "main", page))
            sampled = [] if args.no_sampling else pages
            sessions = []
            for _, tab in sampled:
                cdp = tab.context.new_cdp_session(tab)
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 50})
                sessions.append(cdp)
            for cdp in sessions:
                cdp.send("Profiler.start")
            page.evaluate("window.profileGo()")
            page.locator("#bench-result, #bench-error, .py-error").first.wait_for(
                state="attached", timeout=300_000
            )
            profiles = [cdp.send("Profiler.stop")["profile"] for cdp in sessions]
            print(page.locator("#bench-result, #bench-error, .py-error").first.text_content())
        finally:
            browser.close()
    for (name, _), profile in zip(sampled, profiles, strict=True):
        out = args.out
        if out and len(pages) > 1:
            tag = name.replace("=", "-").replace(" ", "_")
            out = out.with_name(f"{out.stem}.{tag}{out.suffix}")
        if out:
            out.write_text(json.dumps(profile), encoding="utf-8")
        times, total = self_times(profile)
        idle = times.get("(idle)", 0.0)
        print(f"\n== page {name}: total sampled {total:.1f} ms, busy {total - idle:.1f} ms")
        for label, ms in times.most_common(args.top):
            print(f"{ms:9.1f} ms {100 * ms / total:5.1f} %  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
