# End-to-end sync latency: a change in page A to the DOM of page B, pyfritz vs raw JS.
#
# Two pages of one browser context (the runner opens ?role=view first, then
# ?role=edit), so they share a BroadcastChannel and a clock
# (performance.timeOrigin + performance.now()).
#
# Page B (role=view) shows every variant:
#   pyfritz: a store synced with sync_with over /bench/sync, p(store.data.map(...));
#   raw JS:  a WebSocket to /bench/relay whose onmessage writes textContent;
#   raw JS via the sync server: the sync protocol by hand in JS over /bench/sync;
#   bare Python via the sync server: the same by hand in Python, no framework.
# A JS MutationObserver on each view posts {variant, text, t} on the channel.
#
# Page A (role=edit) makes one edit at a time (pyfritz: store.update(...);
# raw JS: ws.send(...)), timestamps it, and waits for B's post of that text
# (and, for pyfritz, for its own put to be acknowledged) before the next.
# Variants are interleaved in rounds (rotated order); round 0 warms up.
#
# ?profile=<variant> (both pages, python -m bench.profile ... --companion
# role=view) times the stages of each edit of one variant: see profile().
import asyncio
import json
import sys
import traceback
from dataclasses import dataclass

import js
import pyodide
from pyodide.ffi import create_proxy, to_js
from pyscript import document, window

import pyfritz
from pyfritz import Resource, RootStore, websocket
from pyfritz.dom import p, render

# Short rounds, many of them: the machine's load drifts over seconds, and every
# variant should see the same drift (a ratio from one run is what is compared).
EDITS = 10  # per variant and round
ROUNDS = 50
WARMUP = 50  # edits per variant in round 0, not counted
TIMEOUT_S = 10.0  # for one edit to show in page B
ENTITY = "bench-latency"
# The hand-written JS sync client's entity: a separate one, so that page B's
# pyfritz view does no work while that variant runs.
JS_ENTITY = "bench-latency-js"
JS_SYNC = "raw JS via the sync server"
# The floor of any Python client: the same protocol by hand in Python, no
# framework (a Python function called from the message event with its text,
# json.loads, a text node's data set from Python; json.dumps + ws.send in A).
PY_ENTITY = "bench-latency-py"
PY_SYNC = "bare Python via the sync server"
PARAMS = window.URLSearchParams.new(window.location.search)
ROLE = str(PARAMS.get("role")) if PARAMS.has("role") else "edit"
PROFILING = bool(PARAMS.has("profile"))
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


def bare_python_view(text_node):
    """The bare Python client's message handler: ``state`` → ``text_node``'s data."""

    def on_text(text):
        frame = json.loads(text)
        if frame["op"] == "state":
            text_node.data = frame["value"]["text"]

    return on_text


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
    py_sync_node = document.createElement("p")
    stage("py-sync-view").append(py_sync_node)
    lib.observe(py_sync_node, PY_SYNC)
    # The text node's data, as pyfritz writes a bound text (cheaper than textContent).
    py_text = document.createTextNode("")
    py_sync_node.append(py_text)
    await lib.textView(SYNC_URL, PY_ENTITY, create_proxy(bare_python_view(py_text)))
    await until_synced(sync)
    document.body.dataset.ready = "true"  # the runner opens page A now


# -- page A ---------------------------------------------------------------------


async def editors(lib):
    """Page A's three variants: name -> an async function making one edit, returning its latency.

    Also returns a function that closes what they opened.
    """
    store, sync = synced_store()
    await until_synced(sync)
    raw = await lib.open(RELAY_URL)
    js_sync = await lib.syncEditor(SYNC_URL, JS_ENTITY)
    py_sync = await lib.syncEditor(SYNC_URL, PY_ENTITY)
    py_ws = py_sync.ws
    py_seq = iter(range(1, 1_000_000))
    clock = lib.clock
    counter = iter(range(1_000_000))

    async def shown(pending, start):
        """The latency of the edit made at ``start``, once B showed it (``pending``)."""
        latency = await asyncio.wait_for(asyncio.ensure_future(pending), TIMEOUT_S) - start
        lib.edited(start)  # profile mode: its stages
        return latency

    async def pyfritz_edit():
        text = f"pyfritz {next(counter)}"
        pending = lib.expect("pyfritz", text)
        start = clock()
        store.update(Shown(text, ENTITY))
        if PROFILING:
            lib.returned()
        latency = await shown(pending, start)
        await until_synced(sync)  # the next edit must not wait behind this put
        return latency

    async def raw_edit():
        text = f"raw {next(counter)}"
        pending = lib.expect("raw JS", text)
        return await shown(pending, lib.rawEdit(raw, text))

    async def js_sync_edit():
        text = f"js sync {next(counter)}"
        pending = lib.expect(JS_SYNC, text)
        return await shown(pending, lib.syncEdit(js_sync, text))

    async def py_sync_edit():
        text = f"py sync {next(counter)}"
        pending = lib.expect(PY_SYNC, text)
        start = clock()
        value = {"text": text, "_id": PY_ENTITY}
        put = {"op": "put", "id": PY_ENTITY, "seq": next(py_seq), "base": None, "value": value}
        py_ws.send(json.dumps(put, separators=(",", ":")))
        if PROFILING:
            lib.returned()
        return await shown(pending, start)

    def close():
        raw.close()
        js_sync.ws.close()
        py_ws.close()
        sync.stop()

    variants = {
        "raw JS": raw_edit,
        JS_SYNC: js_sync_edit,
        PY_SYNC: py_sync_edit,
        "pyfritz": pyfritz_edit,
    }
    return variants, close


def environment():
    return {
        "userAgent": str(window.navigator.userAgent),
        "crossOriginIsolated": bool(window.crossOriginIsolated),
        "visibilityState": str(document.visibilityState),
        "python": sys.version.split()[0],
        "pyodide": pyodide.__version__,
        "pyfritz": pyfritz.__version__,
    }


async def edit(lib):
    variants, close = await editors(lib)
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
    close()
    return {
        "environment": {
            **environment(),
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
                    "from pyfritz in the browser. Bare Python via the sync server: the same "
                    "by hand in Python without pyfritz (`json.dumps` + `ws.send` in A; in B a "
                    "Python function called from `onmessage` with `event.data`, `json.loads`, "
                    "a text node's `data` set from Python, as pyfritz writes text): the floor "
                    "of any Python client in the page. Same server process, same browser, one "
                    "edit in flight."
                ),
            }
        ],
    }


PROFILE_EDITS = 300  # per profiled variant, after as many unprofiled ones


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None


async def profile(lib, name):
    """``?profile=<variant>`` on both pages, for ``python -m bench.profile`` (see bench/README.md).

    Every WebSocket of both pages is timed by ``lib.instrument()`` (its
    sends in A, its message events in B, before any handler of the page), so
    each edit splits into page A (edit → ``ws.send``), the wire and the
    server (``ws.send`` in A → the message event in B) and page B (the
    message event → the text in B's DOM, seen by the ``MutationObserver``).
    Warm-up edits, then ``<body data-ready>``; the driver starts the
    profilers and resolves ``window.profileGo``; the profiled edits follow.
    """
    variants, close = await editors(lib)
    run = variants[name]
    for _ in range(PROFILE_EDITS):
        await run()
    lib.stages().splice(0)
    go = js.Promise.new(lambda resolve, reject: setattr(window, "profileGo", resolve))
    document.body.dataset.ready = "true"
    await go
    latencies = [await run() for _ in range(PROFILE_EDITS)]
    close()
    rows = [stage.to_py() for stage in lib.stages()]
    split = {
        "page A: edit → ws.send": [row["send"] - row["start"] for row in rows],
        "page A: ws.send → the edit's code returned": [
            row["returned"] - row["send"] for row in rows
        ],
        "wire + server: ws.send → message event in B": [row["recv"] - row["send"] for row in rows],
        "page B: message event → text written": [row["wrote"] - row["recv"] for row in rows],
        "page B: text written → seen (end of the event's task)": [
            row["shown"] - row["wrote"] for row in rows
        ],
        "page B: message event → seen": [row["shown"] - row["recv"] for row in rows],
    }
    return {
        "environment": environment(),
        "variant": name,
        "edits": len(latencies),
        "median ms": _median(latencies),
        "stage medians ms": {stage: _median(values) for stage, values in split.items()},
    }


def _spread(micros):
    ordered = sorted(micros)
    return {
        "median µs": round(_median(ordered), 1),
        "mean µs": round(sum(ordered) / len(ordered), 1),
        "p90 µs": round(ordered[int(0.9 * len(ordered))], 1),
    }


async def handler_costs(lib):
    """``?profile=handlers`` (one page): page B's message handler of each variant, timed alone.

    Each handler is called from JS with ``state`` frames of another client
    (pyfritz: the ``onmessage`` of its synced store's WebSocket; the store
    takes each and its ``p(store.data.map(...))`` shows it), ``calls=`` times
    (1,000), with ``gap=`` ms between two calls (2, about the time between
    two edits in the bench; 0: a MessageChannel hop only, the code stays
    warm). Also the bare Python handler in parts (the JS → Python call with
    the text alone, then ``json.loads``, then a text node's ``data`` written
    from Python) and the JS client writing a text node's ``data`` instead of
    ``textContent``: what separates the Python floor from the JS client.
    """
    calls = int(str(PARAMS.get("calls"))) if PARAMS.has("calls") else 1000
    gap = float(str(PARAMS.get("gap"))) if PARAMS.has("gap") else 2.0
    store, sync = synced_store()
    stage("py-view")
    render("#py-view", lambda: p(store.data.map(lambda value: value.text)))
    await until_synced(sync)
    views = stage("views")
    nodes = [document.createTextNode("") for _ in range(3)]
    js_node = document.createElement("p")
    views.append(*nodes, js_node)

    def call_alone(text):
        pass

    def loads_alone(text):
        json.loads(text)

    def write_alone(text):
        nodes[1].data = text[-12:]

    handlers = {
        JS_SYNC: lib.stateHandler(lib.textContentWriter(js_node)),
        "JS, a text node's data": lib.stateHandler(lib.dataWriter(nodes[2])),
        PY_SYNC: lib.textHandler(create_proxy(bare_python_view(nodes[0]))),
        "Python: the call with the text alone": lib.textHandler(create_proxy(call_alone)),
        "Python: json.loads alone": lib.textHandler(create_proxy(loads_alone)),
        "Python: a text node's data alone": lib.textHandler(create_proxy(write_alone)),
        "pyfritz": lib.handlerOf(SYNC_URL),
    }
    frames = {
        name: [
            json.dumps(
                {
                    "op": "state",
                    "id": ENTITY,
                    "rev": 1_000_000 + i,
                    "value": {"text": f"{name} {i}", "_id": ENTITY},
                    "origin": "another client",
                    "seq": i,
                },
                separators=(",", ":"),
            )
            for i in range(calls + 50)
        ]
        for name in handlers
    }
    document.body.dataset.ready = "true"
    await js.Promise.new(lambda resolve, reject: setattr(window, "profileGo", resolve))
    as_object = js.Object.fromEntries
    times = await lib.timeHandlers(
        to_js(handlers, dict_converter=as_object),
        to_js(frames, dict_converter=as_object),
        calls,
        gap,
    )
    times = times.to_py()
    shown_text = store.current.text
    sync.stop()
    return {
        "environment": environment(),
        "variant": "handlers",
        "calls": calls,
        "gap ms": gap,
        "pyfritz shows": shown_text,
        "µs per call": {name: _spread(times[name]) for name in handlers},
    }


async def main():
    try:
        # An absolute URL: a relative one would resolve against Pyodide's module.
        lib = await js.eval(f"import('{window.location.origin}/bench_sync_latency.js')")
        if PROFILING:
            lib.instrument()  # before any WebSocket of the page opens
        if ROLE == "view":
            await view(lib)
        elif PROFILING and str(PARAMS.get("profile")) == "handlers":
            publish("bench-result", json.dumps(await handler_costs(lib)))
        elif PROFILING:
            publish("bench-result", json.dumps(await profile(lib, str(PARAMS.get("profile")))))
        else:
            publish("bench-result", json.dumps(await edit(lib)))
    except Exception:
        publish("bench-error", traceback.format_exc())


await main()
