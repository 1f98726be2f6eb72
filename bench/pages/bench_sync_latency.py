# End-to-end sync latency: a change in page A to the DOM of page B, pyfritz vs raw JS.
#
# Two pages of one browser context (the runner opens ?role=view first, then
# ?role=edit), so they share a BroadcastChannel and a clock
# (performance.timeOrigin + performance.now()).
#
# Page B (role=view) shows every variant:
#   pyfritz: a store synced with sync_with over /bench/sync, p(store.data.map(...));
#   raw JS:  a WebSocket to /bench/relay whose onmessage writes textContent;
#   raw JS via the sync server: the sync protocol by hand in JS over /bench/sync.
# A JS MutationObserver on each view posts {variant, text, t} on the channel.
#
# Page A (role=edit) makes one edit at a time (pyfritz: store.update(...);
# raw JS: ws.send(...)), timestamps it, and waits for B's post of that text
# (and, for pyfritz, for its own put to be acknowledged) before the next.
# Variants are interleaved in rounds (rotated order); round 0 warms up.
import asyncio
import json
import sys
import traceback
from dataclasses import dataclass

import js
import pyodide
from pyscript import document, window

import pyfritz
from pyfritz import Resource, RootStore, websocket
from pyfritz.dom import p, render

EDITS = 100  # per variant and round
ROUNDS = 5
WARMUP = 50  # edits per variant in round 0, not counted
TIMEOUT_S = 10.0  # for one edit to show in page B
ENTITY = "bench-latency"
# The hand-written JS sync client's entity: a separate one, so that page B's
# pyfritz view does no work while that variant runs.
JS_ENTITY = "bench-latency-js"
JS_SYNC = "raw JS via the sync server"
PARAMS = window.URLSearchParams.new(window.location.search)
ROLE = str(PARAMS.get("role")) if PARAMS.has("role") else "edit"
SYNC_URL = f"ws://{window.location.host}/bench/sync"
RELAY_URL = f"ws://{window.location.host}/bench/relay"


@dataclass(frozen=True)
class Shown:
    text: str
    _id: str


shown = Resource(Shown, id=lambda s: s._id, empty=Shown("", ENTITY))


def publish(element_id, text):
    out = document.createElement("pre")
    out.id = element_id
    out.textContent = text
    document.body.append(out)


def synced_store():
    store = RootStore(Shown("", ENTITY))
    sync = store.sync_with(websocket(SYNC_URL), shown)
    sync.errors.on_each(lambda exc: publish("bench-error", f"sync error: {exc!r}")).watch()
    return store, sync


async def until_synced(sync):
    if sync.status.value == "synced":
        return
    done = asyncio.get_running_loop().create_future()

    def check(status):
        if status == "synced" and not done.done():
            done.set_result(None)

    task = sync.status.on_each(check).watch()
    try:
        await asyncio.wait_for(done, TIMEOUT_S)
    finally:
        task.cancel()


def stage(element_id):
    node = document.createElement("div")
    node.id = element_id
    document.body.append(node)
    return node


# -- page B ---------------------------------------------------------------------


async def view(lib):
    store, sync = synced_store()
    py_view = stage("py-view")
    render("#py-view", lambda: p(store.data.map(lambda value: value.text)))
    lib.observe(py_view, "pyfritz")
    raw_node = document.createElement("p")
    stage("raw-view").append(raw_node)
    lib.observe(raw_node, "raw JS")
    await lib.rawView(RELAY_URL, raw_node)
    js_sync_node = document.createElement("p")
    stage("js-sync-view").append(js_sync_node)
    lib.observe(js_sync_node, JS_SYNC)
    await lib.syncView(SYNC_URL, JS_ENTITY, js_sync_node)
    await until_synced(sync)
    document.body.dataset.ready = "true"  # the runner opens page A now


# -- page A ---------------------------------------------------------------------


async def edit(lib):
    store, sync = synced_store()
    await until_synced(sync)
    raw = await lib.open(RELAY_URL)
    js_sync = await lib.syncEditor(SYNC_URL, JS_ENTITY)
    clock = lib.clock
    counter = iter(range(1_000_000))

    async def seen(pending):
        return await asyncio.wait_for(asyncio.ensure_future(pending), TIMEOUT_S)

    async def pyfritz_edit():
        text = f"pyfritz {next(counter)}"
        pending = lib.expect("pyfritz", text)
        start = clock()
        store.update(Shown(text, ENTITY))
        latency = await seen(pending) - start
        await until_synced(sync)  # the next edit must not wait behind this put
        return latency

    async def raw_edit():
        text = f"raw {next(counter)}"
        pending = lib.expect("raw JS", text)
        start = lib.rawEdit(raw, text)
        return await seen(pending) - start

    async def js_sync_edit():
        text = f"js sync {next(counter)}"
        pending = lib.expect(JS_SYNC, text)
        start = lib.syncEdit(js_sync, text)
        return await seen(pending) - start

    variants = {"raw JS": raw_edit, JS_SYNC: js_sync_edit, "pyfritz": pyfritz_edit}
    samples = {name: [] for name in variants}
    for round_ in range(ROUNDS + 1):
        names = list(variants)
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            document.querySelector("#app").textContent = f"round {round_}: {name}"
            for _ in range(EDITS if round_ else WARMUP):
                latency = await variants[name]()
                if round_ > 0:  # round 0 warms up
                    samples[name].append(latency)
    raw.close()
    js_sync.ws.close()
    sync.stop()
    return {
        "environment": {
            "userAgent": str(window.navigator.userAgent),
            "crossOriginIsolated": bool(window.crossOriginIsolated),
            "visibilityState": str(document.visibilityState),
            "python": sys.version.split()[0],
            "pyodide": pyodide.__version__,
            "pyfritz": pyfritz.__version__,
            "rounds": ROUNDS,
            "edits per round and variant": EDITS,
        },
        "metrics": [
            {
                "label": "edit in page A → text in page B's DOM",
                "unit": "ms",
                "better": "lower",
                "baseline": "raw JS",
                "samples": samples,
                "note": (
                    "pyfritz: `store.update()` in A → `put` → sync server (hub, in-memory "
                    "storage) → `state` → B's `sync_with` → store → `p(store.data.map(...))`. "
                    "Raw JS: `ws.send()` in A → relay endpoint → B's `onmessage` → "
                    "`textContent`. Raw JS via the sync server: the sync protocol written by "
                    "hand in JS (`put` in A, `state` → `JSON.parse` → `textContent` in B), "
                    "through the same server as pyfritz: what the server side costs, apart "
                    "from pyfritz in the browser. Same server process, same browser, one "
                    "edit in flight."
                ),
            }
        ],
    }


async def main():
    try:
        # An absolute URL: a relative one would resolve against Pyodide's module.
        lib = await js.eval(f"import('{window.location.origin}/bench_sync_latency.js')")
        if ROLE == "view":
            await view(lib)
        else:
            publish("bench-result", json.dumps(await edit(lib)))
    except Exception:
        publish("bench-error", traceback.format_exc())


await main()
