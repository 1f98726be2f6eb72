"""The ``reconnect`` bench, driven from Python: it kills and restarts the server itself.

A page cannot restart its own server, so this bench is a driver (``Bench.driver``)
instead of a page: it runs the dev server as a subprocess with
``tests/e2e/restartable.py`` (``SIGKILL``, then a restart on the same port and
SQLite database), and watches four pages of ``tests/e2e/pages/sync_person.py``
on one entity: two with ``sync_with``'s default policy (``SYNC_RECONNECT``:
0.25 s start, x2, 10 s cap, full jitter) and two with the cap lowered to 0.5 s
(``?cap=0.5``), which shows what the reconnect costs apart from the backoff wait.

Metrics:

* **recovery**: from the moment the restarted server accepts TCP connections
  to the moment both pages of a policy show ``synced`` (rejoined, snapshot
  taken), after ``DOWN_S`` seconds down; ``ROUNDS`` restarts.
* **attempts**: connection attempts each page makes while the server is down
  for ``LONG_DOWN_S`` seconds, counted from Chromium's console message for a
  WebSocket that failed to connect.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page

__all__ = ["DOWN_S", "LONG_DOWN_S", "ROUNDS", "run"]

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 10
DOWN_S = 2.0
LONG_DOWN_S = 30.0
_BOOT_TIMEOUT_MS = 60_000
_FAILED = re.compile(r"WebSocket connection to 'ws://[^']*/sync' failed")
_VARIANTS: dict[str, dict[str, str]] = {"default policy": {}, "cap 0.5 s": {"cap": "0.5"}}
_SYNCED = "document.querySelector('#status')?.textContent === 'synced'"
_RECONNECTING = "document.querySelector('#status')?.textContent === 'reconnecting'"


def _restartable() -> Any:
    # The e2e fixture module is the one place that knows how to run the server
    # as a restartable subprocess; the bench reuses it rather than copy it.
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    import restartable  # type: ignore[import-not-found]

    return restartable


def _wait_all(pages: list[Page], condition: str, timeout_ms: float = 60_000) -> None:
    for page in pages:
        page.wait_for_function(condition, polling=5, timeout=timeout_ms)


def run(browser: Browser) -> dict[str, Any]:
    """Run the bench and return its result in ``bench.report``'s format."""
    with tempfile.TemporaryDirectory(prefix="bench-reconnect-") as workdir:
        server = _restartable().RestartableServer(Path(workdir))
        server.start()
        entity = "bench-" + uuid.uuid4().hex[:12]
        failures: dict[str, int] = {}
        pages: dict[str, list[Page]] = {}
        contexts = []
        try:
            for variant, params in _VARIANTS.items():
                pages[variant] = []
                for n in range(2):
                    context = browser.new_context(base_url=server.url)
                    contexts.append(context)
                    page = context.new_page()
                    key = f"{variant} #{n + 1}"
                    failures[key] = 0

                    def count(message: ConsoleMessage, key: str = key) -> None:
                        if message.type == "error" and _FAILED.search(message.text):
                            failures[key] += 1

                    page.on("console", count)
                    query = "&".join(f"{k}={v}" for k, v in {"id": entity, **params}.items())
                    page.goto(f"/harness.html?py=sync_person&{query}")
                    page.wait_for_function(_SYNCED, timeout=_BOOT_TIMEOUT_MS)
                    pages[variant].append(page)
            every = [page for group in pages.values() for page in group]

            recovery: dict[str, list[float]] = {variant: [] for variant in _VARIANTS}
            for _ in range(ROUNDS):
                server.kill()
                _wait_all(every, _RECONNECTING)
                # A benchmark, not a test: the outage lasts this long. (Playwright's
                # wait, not time.sleep: console events are only handled while it runs.)
                every[0].wait_for_timeout(DOWN_S * 1000)
                server.start()
                reachable = time.monotonic()
                pending = dict(pages)
                while pending:  # poll all pages so that each policy's time is its own
                    for variant, group in list(pending.items()):
                        if all(page.evaluate(_SYNCED) for page in group):
                            recovery[variant].append((time.monotonic() - reachable) * 1000)
                            del pending[variant]
                    time.sleep(0.005)

            server.kill()
            _wait_all(every, _RECONNECTING)
            before = dict(failures)
            every[0].wait_for_timeout(LONG_DOWN_S * 1000)
            for page in every:
                page.evaluate("0")  # deliver the console events still on their way
            attempts = {key: failures[key] - before[key] for key in failures}
            server.start()
            _wait_all(every, _SYNCED)
        finally:
            for context in contexts:
                context.close()
            if server.running:
                server.kill()

    per_variant = {
        variant: [float(attempts[f"{variant} #{n + 1}"]) for n in range(2)] for variant in _VARIANTS
    }
    return {
        "environment": {
            "rounds": ROUNDS,
            "down before each restart (s)": DOWN_S,
            "long outage (s)": LONG_DOWN_S,
        },
        "metrics": [
            {
                "label": f"server reachable again -> both pages synced ({DOWN_S:g} s outage)",
                "unit": "ms",
                "better": "lower",
                "baseline": "default policy",
                "samples": recovery,
            },
            {
                "label": f"connection attempts per page while the server is down {LONG_DOWN_S:g} s",
                "unit": "attempts",
                "better": "lower",
                "baseline": "default policy",
                "samples": per_variant,
                "note": "Counted from Chromium's console error for each failed connect.",
            },
        ],
    }
