"""The benchmarks ``python -m bench`` knows: a page module plus a small description."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser
from starlette.routing import BaseRoute

from bench import cluster, endpoints, fanout, reconnect, startup, sync_endpoints

__all__ = ["BENCHES", "Bench"]


@dataclass(frozen=True)
class Bench:
    """One benchmark.

    Attributes:
        name: what ``python -m bench <name>`` selects; names the result files.
        page: the page module ``bench/pages/<page>.py``, run by the harness page.
        title: the heading of the markdown report.
        description: what is measured and how (a paragraph of markdown).
        routes: server routes the page needs besides the dev server's
            (``/ws/echo``, the harness, pages and runtime).
        params: query parameters handed to the page.
        timeout_s: how long the page may take to publish its result.
        driver: for a bench no page can run by itself (e.g. one that restarts
            the server): a function that drives the browser from Python and
            returns the result a page would publish; ``page`` is then unused.
        companions: query parameters of more pages of the bench, opened first
            in the same browser context (``py`` defaults to ``page``); each
            marks ``<body data-ready>`` once the main page may start.
    """

    name: str
    page: str
    title: str
    description: str
    routes: Callable[[], list[BaseRoute]] = list
    params: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 600
    driver: Callable[[Browser], dict[str, Any]] | None = None
    companions: tuple[Mapping[str, str], ...] = ()


def _boot(browser: Browser) -> dict[str, Any]:
    """Run ``bench/boot.py`` in a subprocess: it drives its own browsers (Playwright's
    sync API cannot start a second time in this process)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "boot.json"
        subprocess.run([sys.executable, "-m", "bench.boot", "--out", str(out)], check=True)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


BENCHES: dict[str, Bench] = {
    bench.name: bench
    for bench in [
        Bench(
            name="websocket",
            page="bench_websocket",
            title="WebSocket: pyfritz against raw JavaScript and pyscript.WebSocket",
            description=(
                "One page, one run, one local server. **Burst**: the server writes "
                "10,000 small text frames while the page's main thread waits in a "
                "synchronous request that returns once all are written, so every "
                "variant then consumes the same burst from the browser's buffers; "
                "messages/s is counted from the moment the server has written the "
                "last frame to the last message handled; one burst per variant in each of "
                "24 rounds (one burst's rate varies up to 2x between rounds on a busy machine). "
                "**Round trip**: 200 sequential request/responses against "
                "`/ws/echo` per round, 30 rounds, each timed from send to handled "
                "reply; `Python onmessage (floor)` is a bare Python function that JS "
                "calls with `event.data`, sending the next request itself. "
                "Variants run interleaved in rounds, each on a fresh connection and "
                "after a `gc.collect()`, in balanced orders (each variant in each place, "
                "and right after each other one, equally often), "
                "after one warm-up round that is not counted. **Request/response**: "
                "200 in a row, 30 rounds, each as users write it: `await session.send(x)`, then "
                "the coroutine awaits the reply (a future that a sync `on_each` "
                "collector completes, or `await anext(...)` of the messages' iterator), "
                "against an async JS function awaiting a Promise that `onmessage` "
                "resolves. **Handler cost**: "
                "JavaScript calls each variant's `onmessage` 10,000 times in a loop "
                "with a plain event, no network: what the Python layer adds per message."
            ),
            routes=endpoints.routes,
        ),
        Bench(
            name="dom",
            page="bench_dom",
            title="DOM: store updates and keyed lists against raw JavaScript",
            description=(
                "One page. **Text updates**: 10,000 store updates bound to one text node "
                "(`p(store.data.map(str))`, each `store.update(i)` writes the node on the "
                "sync push path) against a raw JS loop writing `textContent`, and against "
                "a Python loop writing `textContent` itself (the floor for any Python-driven "
                "update). **Keyed list**: `render_each` of 1,000 keyed rows, then 10 rows "
                "changed, then the list reversed, against raw JS rebuilding the whole list "
                "for each step; layout is forced after every step in both. The first "
                "render is also made by three bare Python loops with no framework (three "
                "DOM calls per row; one JS call per row, as `pyfritz.dom` makes an element "
                "outside a keyed list; every row written into one string and made by one JS "
                "call, as `render_each` makes its new rows): the floors of a Python-driven "
                "render. **Unrelated "
                "change**: a board (title + keyed list of rows, each row a sub-store of the "
                "list's sub-store) with 0 / 100 / 300 rows; ms per edit of the title, 100 "
                "edits, against the same edit with 0 rows. **Adding rows**: 300 rows added "
                "one at a time to that list (layout forced after each) against raw JS "
                "appending one `<li>` per add. **One add**: 20 rows added one at a time to "
                "each of two such lists on the page, holding 10 and 300 rows, the adds "
                "alternating between them (Python's garbage collector run before), ms per "
                "add, the update timed and the layout after it not (it grows with the list "
                "in any framework); raw JS appending to two lists of the same sizes the same "
                "way beside it. Variants run "
                "interleaved in rounds after one warm-up round that is not counted."
            ),
        ),
        Bench(
            name="reconnect",
            page="sync_person",
            title="Reconnect: a sync server killed and restarted under two pages",
            description=(
                "Driven from Python (`bench/reconnect.py`): the dev server runs as a "
                "subprocess with a SQLite file; four pages of `tests/e2e/pages/sync_person.py` "
                "follow one entity, two with `sync_with`'s default policy (0.25 s start, x2, "
                "10 s cap, full jitter, heartbeat) and two with the cap at 0.5 s. "
                f"**Recovery**: {reconnect.ROUNDS} times, the server is killed (SIGKILL), "
                f"stays down {reconnect.DOWN_S:g} s, and is started again on the same port and "
                "database; timed from the moment it accepts TCP connections until both pages "
                "of a policy show `synced` (rejoined and snapshot taken). **Attempts**: the "
                f"server stays down {reconnect.LONG_DOWN_S:g} s; each page's failed connects "
                "are counted (Chromium logs one console error per failed WebSocket)."
            ),
            driver=reconnect.run,
        ),
        Bench(
            name="sync_latency",
            page="bench_sync_latency",
            title="Sync latency: an edit in page A to the DOM of page B",
            description=(
                "Two pages of one browser context: page B (`?role=view`, opened first) shows "
                "every variant, page A (`?role=edit`) makes one edit at a time and waits until "
                "B shows it. **pyfritz**: `store.update()` in A, a store synced with `sync_with` "
                "over the sync server (`Hub(MemoryStorage())` at `/bench/sync`) in both pages, "
                "shown in B with `p(store.data.map(...))`; A also waits for its own put to be "
                "acknowledged before the next edit. **Raw JS**: `ws.send()` in A, a relay "
                "endpoint (`/bench/relay`) forwarding each frame to the other connections, "
                "`onmessage` → `textContent` in B. **Raw JS via the sync server** and **bare "
                "Python via the sync server**: the sync protocol by hand, without pyfritz, "
                "through the same server. A JS `MutationObserver` in B timestamps each "
                "change with `performance.timeOrigin + performance.now()` (one clock across "
                "the pages of a browser; both pages cross-origin isolated) and posts it to A "
                "over a `BroadcastChannel`. 500 edits per variant in 50 interleaved rounds "
                "of 10 (the order rotated each round, so that every variant sees the same "
                "drift of the machine's load), after a warm-up round that is not counted."
            ),
            routes=sync_endpoints.routes,
            params={"role": "edit"},
            companions=({"role": "view"},),
            timeout_s=300,
        ),
        Bench(
            name="startup",
            page="bench_startup",
            title="Start-up: navigation to a running app, against a bare PyScript page",
            description=(
                "Driven from Python (`bench/startup.py`): each sample is one navigation in "
                "Chromium, timed in the page from navigation start to PyScript's `py:done` "
                '(every `<script type="py">` has run; the demo renders its editor inside '
                "its script). **Bare PyScript page**: the same runtime, a config naming only "
                "the interpreter, a script printing one line. **pyfritz demo page**: "
                "`index.html`, the person editor, with the sync server at `/sync`. **The "
                "demo's page without its app**: `index.html` as it is (stylesheet, loading "
                "indicator, `pyscript.toml`, the archive mounted) with the app's two lines "
                "replaced by one `print`: the demo against it is what pyfritz's Python costs "
                "(imports, first render, socket opened). All use "
                "the runtime as shipped (CPython restored from its memory snapshot). *Cold*: "
                "a new browser with an empty profile folder per sample (HTTP cache on disk, "
                "as in a user's browser); *warm*: a second navigation in it (the dev server "
                "sends `Cache-Control: no-cache` + ETag: runtime and archive come from the "
                "cache after a `304`). Bytes: the sum of `transferSize` over navigation and "
                "resource timing. **Where the time goes**: PyScript's `py:ready` (runtime "
                "loaded, config read, `[files]` fetched and unpacked), then the page's "
                "scripts until `py:done` (in every page, PyScript's own set-up first: "
                "its Python package written to the file system and imported, from the "
                "bytecode the runtime ships). **Import time**: a "
                "fresh page times `import pyfritz`, then `RootStore` + `pyfritz.dom` (a page "
                "without sockets), then `demo.person` (WebSocket, sync), "
                f"each on top of the one before. {startup.ROUNDS} rounds after a warm-up "
                "round that is not counted; the pages take turns to go first. **What V8 "
                "compiles**: then "
                f"{startup.TRACED_ROUNDS} loads per page, cold and warm, under a Chrome "
                "trace (`bench/wasm_trace.py`): in the scripts phase, the time the main "
                "thread spent compiling wasm functions of CPython on their first call "
                "(V8 compiles each lazily, in every page: the snapshot holds the "
                "interpreter's memory, not machine code), how many, and the CPU its "
                "optimizing compiler took on other threads meanwhile. A trace slows a "
                "page down: compare these within their table."
            ),
            driver=startup.run,
        ),
        Bench(
            name="boot",
            page="bench.boot",
            title="Boot time per engine: Chromium, Firefox, WebKit",
            description=(
                "Driven from Python (`bench/boot.py`, in a subprocess): navigation → "
                "interactive in ms, read in the page, cold (a fresh browser) and warm (a "
                "second load in it), per engine: the bare PyScript page (Python starts and "
                "marks the page) and the person demo (its badge says `synced`) with the "
                "runtime as shipped (CPython restored from the runtime's memory snapshot), "
                "and the demo from a second server whose `runtime/pyodide/pyodide.mjs` is "
                "Pyodide's own loader (CPython's start-up run in the page: before the "
                "snapshot). Then `loadPyodide` split into wasm instantiation and CPython "
                "start-up, with and without the snapshot (warm cache). Chromium through "
                "Playwright, Firefox and WebKit through WebDriver, as in `tests/engines`; "
                "each page in a fresh browser per round, 2 rounds (`ROUNDS` there); the "
                "rows without the snapshot in the first round only (they are the slow ones)."
            ),
            driver=_boot,
        ),
        Bench(
            name="fanout",
            page="bench.fanout",
            title="Server fan-out: the sync server against a plain websockets broadcast",
            description=(
                "Driven from Python (`bench/fanout.py`), no browser: "
                f"{fanout.CLIENTS} CPython `websockets` clients and one producer join one "
                "entity; the producer sends bursts of "
                f"{fanout.PUTS} puts ({fanout.BURSTS} per round), each timed from its first "
                "send until every client has its last state. **pyfritz sync server**: "
                "`Hub(MemoryStorage())` behind `sync_app`, served by uvicorn. **Plain "
                "websockets broadcast**: a `websockets` server that parses each put, keeps "
                "the latest value per id with a revision, encodes one `state` frame and "
                "`broadcast()`s it to the followers. Each server runs in its own subprocess; "
                "clients connect without compression; servers alternate in rounds after a "
                "warm-up round that is not counted."
            ),
            driver=fanout.run,
        ),
        Bench(
            name="cluster",
            page="bench.cluster",
            title="The sync server on PostgreSQL: 1, 2 and 3 nodes against one SQLite node",
            description=(
                "Driven from Python (`bench/cluster.py`), no browser: `python -m "
                "pyfritz.server` processes over one real PostgreSQL server (started for the "
                "run, `fsync=off` as in the tests) or over a SQLite file. **Fan-out**: "
                f"{cluster.CLIENTS} `websockets` clients spread round robin over the nodes "
                "and a producer on the first node join one entity; the producer sends bursts "
                f"of {cluster.PUTS} puts ({cluster.BURSTS} per round), each timed until every "
                "client has the last state; CPU is the nodes' (and, in the third table, also "
                "every PostgreSQL process's) user + system time per delivered state. "
                "**Latency**: client A puts, client B receives the `state` (on another node, "
                f"or the same one), {cluster.EDITS} edits per round, each acknowledged before "
                "the next; no DOM (the browser's part, in `sync_latency.md`, is the same for "
                "every variant). Variants alternate in rounds after a warm-up round that is "
                "not counted."
            ),
            driver=cluster.run,
        ),
    ]
}
