# WebSocket benchmark: raw JS onmessage, pyscript.WebSocket and pyfritz, in one page.
#
# Burst: messages/s for 10,000 small messages, pre-buffered (see bench/registry.py),
# from the moment the server has written them all to the last one handled; 24
# rounds (one burst per variant each): on this shared machine one burst's rate
# moves from round to round by up to 2x for raw JS as for pyfritz (measured:
# raw JS 9,000-18,000 msg/s in one run), so the medians of 5 bursts gave
# pyfritz 0.81x and 1.34x raw JS in two runs of the same code.
# Round trip: ms per request/response, 200 sequential ones per round, 30 rounds
# (short rounds, so that every variant sees the same drift of the machine's load).
# Variants are interleaved in rounds, in balanced orders (balanced_orders; the
# round counts are multiples of the number of orders); round 0 is a warm-up.
import asyncio
import gc
import json
import sys
import traceback

import js
import pyodide
from pyodide.ffi import create_proxy
from pyscript import WebSocket as PyScriptWebSocket
from pyscript import document, window

import pyfritz
from pyfritz import websocket

BURST = 10_000
TRIPS = 200
ROUNDS = 24
TRIP_ROUNDS = 30
ORIGIN = f"ws://{window.location.host}"
BURST_URL = f"{ORIGIN}/bench/burst"
ECHO_URL = f"{ORIGIN}/ws/echo"
now = js.performance.now

_keys = iter(range(1_000_000))


def key() -> str:
    return f"k{next(_keys)}"


# -- raw JavaScript --------------------------------------------------------------


async def raw_burst(lib):
    ws = await lib.open(BURST_URL)
    rate = await lib.burst(ws, BURST, key())
    ws.close()
    return rate


async def raw_times(lib, run):
    """ms per exchange of ``run(ws, TRIPS)``, a JS function over an echo socket."""
    ws = await lib.open(ECHO_URL)
    times = await run(ws, TRIPS)
    ws.close()
    return list(times.to_py())


async def raw_trips(lib):
    return await raw_times(lib, lib.roundTrips)


def timed_trips(send):
    """A handler that times each reply and sends the next request; its times; a done future.

    Call ``start()`` to send the first request.
    """
    done = asyncio.get_running_loop().create_future()
    times = []
    started = [0.0]

    def on_reply(_reply):
        times.append(now() - started[0])
        if len(times) < TRIPS:
            started[0] = now()
            send(f"ping {len(times)}")
        else:
            done.set_result(None)

    def start():
        started[0] = now()
        send("ping 0")

    return on_reply, start, times, done


async def python_trips(lib):
    """The floor of any Python handler: JS calls a bare Python function with ``event.data``."""
    ws = await lib.open(ECHO_URL)
    on_data, start, times, done = timed_trips(ws.send)
    proxy = create_proxy(on_data)
    lib.onData(ws, proxy)
    start()
    await done
    ws.onmessage = None
    proxy.destroy()
    ws.close()
    return times


# -- PyScript's pyscript.WebSocket -------------------------------------------------


async def pyscript_open(url):
    opened = asyncio.get_running_loop().create_future()
    ws = PyScriptWebSocket(url=url)
    ws.onopen = lambda event: opened.set_result(None)
    await opened
    return ws


async def pyscript_burst(lib):
    ws = await pyscript_open(BURST_URL)
    done = asyncio.get_running_loop().create_future()
    state = {"count": 0, "start": 0.0, "last": None}

    def on_message(event):
        state["last"] = event.data
        state["count"] += 1
        if state["count"] == BURST:
            done.set_result(BURST / (now() - state["start"]) * 1000)

    ws.onmessage = on_message
    name = key()
    ws.send(f"{BURST} {name}")
    lib.waitSent(name)
    state["start"] = now()
    rate = await done
    ws.close()
    return rate


async def pyscript_trips(lib):
    ws = await pyscript_open(ECHO_URL)
    on_message, start, times, done = timed_trips(ws.send)
    ws.onmessage = on_message
    start()
    await done
    ws.close()
    return times


# -- pyfritz -------------------------------------------------------------------


async def pyfritz_burst(lib):
    async with websocket(BURST_URL).connect() as session:
        done = asyncio.get_running_loop().create_future()
        state = {"count": 0, "start": 0.0, "last": None}

        def on_text(text):
            state["last"] = text
            state["count"] += 1
            if state["count"] == BURST:
                done.set_result(BURST / (now() - state["start"]) * 1000)

        task = session.messages.body.on_each(on_text).watch()
        name = key()
        await session.send(f"{BURST} {name}")
        lib.waitSent(name)
        state["start"] = now()
        rate = await done
        task.cancel()
    return rate


async def pyfritz_async_burst(lib):
    async with websocket(BURST_URL).connect() as session:
        loop = asyncio.get_running_loop()
        subscribed = loop.create_future()

        start = [0.0]

        async def consume():
            count = 0
            subscribed.set_result(None)  # the async for below subscribes in this same step
            async for _text in session.messages.body:
                count += 1
                if count == BURST:
                    break
            return BURST / (now() - start[0]) * 1000

        consumer = asyncio.ensure_future(consume())
        await subscribed
        name = key()
        await session.send(f"{BURST} {name}")
        lib.waitSent(name)
        start[0] = now()
        rate = await consumer
    return rate


async def pyfritz_trips(lib):
    async with websocket(ECHO_URL).connect() as session:
        done = asyncio.get_running_loop().create_future()
        times = []
        started = [0.0]

        def on_text(text):
            times.append(now() - started[0])
            if len(times) < TRIPS:
                started[0] = now()
                session.send_nowait(f"ping {len(times)}")
            else:
                done.set_result(None)

        task = session.messages.body.on_each(on_text).watch()
        started[0] = now()
        await session.send("ping 0")
        await done
        task.cancel()
    return times


async def pyfritz_async_trips(lib):
    async with websocket(ECHO_URL).connect() as session:
        times = []
        started = now()
        await session.send("ping 0")
        async for _text in session.messages.body:
            times.append(now() - started)
            if len(times) == TRIPS:
                break
            started = now()
            await session.send(f"ping {len(times)}")
    return times


# -- request/response as users write it: await send, then await the reply -------------


async def raw_requests(lib):
    return await raw_times(lib, lib.requests)


async def pyfritz_future_requests(lib):
    """A coroutine awaits a future that a sync ``on_each`` collector completes."""
    async with websocket(ECHO_URL).connect() as session:
        loop = asyncio.get_running_loop()
        pending = [None]

        def on_reply(text):
            future = pending[0]
            if future is not None and not future.done():
                future.set_result(text)

        task = session.messages.body.on_each(on_reply).watch()
        times = []
        for i in range(TRIPS):
            started = now()
            pending[0] = loop.create_future()
            await session.send(f"ping {i}")
            await pending[0]
            times.append(now() - started)
        task.cancel()
    return times


async def pyfritz_anext_requests(lib):
    """A coroutine awaits ``anext()`` of the messages' iterator after each send."""
    async with websocket(ECHO_URL).connect() as session:
        replies = aiter(session.messages.body)
        times = []
        for i in range(TRIPS):
            started = now()
            await session.send(f"ping {i}")
            await anext(replies)
            times.append(now() - started)
        await replies.aclose()
    return times


# -- handler cost without the network: JS calls onmessage in a loop ----------------


async def raw_dispatch(lib):
    return lib.rawDispatch(BURST)


async def dispatched(lib, ws, state):
    """µs per message from the first call of ``ws.onmessage`` until all are handled.

    Until handled, not until the loop returns: pyfritz holds the messages of
    one turn after the first and hands them over in the next task.
    """
    loop = asyncio.get_running_loop()
    state["done"] = loop.create_future()
    start = now()
    lib.dispatch(ws, BURST)
    if state["count"] < BURST:
        await state["done"]
    return (now() - start) * 1000 / BURST


def dispatch_counter(state):
    def handle(data):
        state["last"] = data
        state["count"] += 1
        if state["count"] == BURST and "done" in state and not state["done"].done():
            state["done"].set_result(None)

    return handle


async def pyscript_dispatch(lib):
    ws = await pyscript_open(ECHO_URL)
    state = {"count": 0, "last": None}
    count = dispatch_counter(state)
    ws.onmessage = lambda event: count(event.data)
    cost = await dispatched(lib, ws._js_websocket, state)
    ws.close()
    return cost


async def pyfritz_dispatch(lib):
    async with websocket(ECHO_URL).connect() as session:
        state = {"count": 0, "last": None}
        task = session.messages.body.on_each(dispatch_counter(state)).watch()
        # The browser WebSocket is private; the bench reaches in to call its onmessage.
        cost = await dispatched(lib, session._ws, state)
        task.cancel()
    return cost


# -- lone messages without the network: JS calls onmessage once per task --------------

LONE = 1_000


async def raw_lone(lib):
    return await lib.lone(lib.rawHandler(), LONE)


async def python_lone(lib):
    """The floor: JS calls a bare Python function with ``event.data``."""
    state = {"count": 0, "last": None}
    proxy = create_proxy(dispatch_counter(state))
    target = js.Object.new()
    lib.onData(target, proxy)
    cost = await lib.lone(target, LONE)
    proxy.destroy()
    return cost


async def pyfritz_lone(lib):
    async with websocket(ECHO_URL).connect() as session:
        state = {"count": 0, "last": None}
        task = session.messages.body.on_each(dispatch_counter(state)).watch()
        # The browser WebSocket is private; the bench reaches in to call its onmessage.
        cost = await lib.lone(session._ws, LONE)
        task.cancel()
    return cost


async def pyfritz_future_lone(lib):
    """Each message completes the future a coroutine awaits; it makes the next one."""
    async with websocket(ECHO_URL).connect() as session:
        loop = asyncio.get_running_loop()
        pending = [loop.create_future()]

        def on_reply(text):
            future = pending[0]
            if not future.done():
                future.set_result(text)

        task = session.messages.body.on_each(on_reply).watch()

        async def awaiting():
            while True:
                await pending[0]
                pending[0] = loop.create_future()

        waiter = asyncio.ensure_future(awaiting())
        await asyncio.sleep(0)  # the coroutine awaits its first future
        cost = await lib.lone(session._ws, LONE)
        waiter.cancel()
        task.cancel()
    return cost


async def pyfritz_anext_lone(lib):
    """Each message wakes a coroutine awaiting ``anext()`` of the messages' iterator."""
    async with websocket(ECHO_URL).connect() as session:
        replies = aiter(session.messages.body)

        async def awaiting():
            while True:
                await anext(replies)

        waiter = asyncio.ensure_future(awaiting())
        await asyncio.sleep(0)  # the coroutine subscribes and awaits
        cost = await lib.lone(session._ws, LONE)
        waiter.cancel()
        await replies.aclose()
    return cost


LONES = {
    "raw JS onmessage": raw_lone,
    "Python onmessage (floor)": python_lone,
    "pyfritz on_each (sync)": pyfritz_lone,
    "pyfritz future from on_each": pyfritz_future_lone,
    "pyfritz await anext()": pyfritz_anext_lone,
}
LONE_ROUNDS = 10
# The same after this much idle time before each call (ms), as a round trip's
# reply comes after the network's wait: every step of the handler runs colder.
LONE_IDLE_MS = 1


class _Idle:
    """The bench's JS module, with ``lone`` waiting ``LONE_IDLE_MS`` before each call."""

    def __init__(self, lib):
        self._lib = lib

    def __getattr__(self, name):
        return getattr(self._lib, name)

    def lone(self, ws, n):
        return self._lib.lone(ws, n, LONE_IDLE_MS)


def _after_idle(run):
    async def after_idle(lib):
        return await run(_Idle(lib))

    return after_idle


IDLE_LONES = {name: _after_idle(run) for name, run in LONES.items()}

BURSTS = {
    "raw JS onmessage": raw_burst,
    "pyscript.WebSocket": pyscript_burst,
    "pyfritz on_each (sync)": pyfritz_burst,
    "pyfritz async for": pyfritz_async_burst,
}
REQUESTS = {
    "raw JS awaiting a Promise": raw_requests,
    "pyfritz future from on_each": pyfritz_future_requests,
    "pyfritz await anext()": pyfritz_anext_requests,
}
DISPATCHES = {
    "raw JS onmessage": raw_dispatch,
    "pyscript.WebSocket": pyscript_dispatch,
    "pyfritz on_each (sync)": pyfritz_dispatch,
}
TRIP_VARIANTS = {
    "raw JS onmessage": raw_trips,
    "Python onmessage (floor)": python_trips,
    "pyscript.WebSocket": pyscript_trips,
    "pyfritz on_each (sync)": pyfritz_trips,
    "pyfritz async for": pyfritz_async_trips,
}


def balanced_orders(n):
    """Orders of ``n`` variants, one per round, in which each variant runs in each
    place equally often and right after each other variant equally often (a
    Williams design: 2n orders for an odd n, n for an even one). Why: a variant
    can leave work to the next (garbage to collect, sockets closing), so a
    fixed neighbour would tax one variant more than another."""
    first = [0]
    for step in range(1, n):  # 0, 1, n-1, 2, n-2, ...
        first.append((step + 1) // 2 if step % 2 else n - step // 2)
    orders = [[(i + shift) % n for i in first] for shift in range(n)]
    if n % 2:
        orders += [order[::-1] for order in orders]
    return orders


def status(text):
    document.querySelector("#app").textContent = text


async def measure(lib, only=""):
    """Every metric; ``only="trips"`` just the round trips and request/responses, ``only="burst"``
    just the bursts and handler costs (A/B runs); ``only="lone"`` just the cost of lone
    messages without the network (not part of a full run)."""
    bursts = {name: [] for name in BURSTS}
    trips = {name: [] for name in TRIP_VARIANTS}
    requests = {name: [] for name in REQUESTS}
    dispatches = {name: [] for name in DISPATCHES}
    lones = {name: [] for name in LONES}
    idle_lones = {name: [] for name in IDLE_LONES}
    plan = [
        (ROUNDS, ((BURSTS, bursts), (DISPATCHES, dispatches))),
        (TRIP_ROUNDS, ((TRIP_VARIANTS, trips), (REQUESTS, requests))),
    ]
    if only == "trips":
        del plan[0]
    elif only == "burst":
        del plan[1]
    elif only == "lone":
        plan = [(LONE_ROUNDS, ((LONES, lones), (IDLE_LONES, idle_lones)))]
    for rounds, groups in plan:
        for round_ in range(rounds + 1):
            for variants, samples in groups:
                names = list(variants)
                orders = balanced_orders(len(names))
                for index in orders[round_ % len(orders)]:
                    name = names[index]
                    status(f"round {round_}: {name}")
                    # Each variant starts from a collected Python heap, not
                    # with the garbage of the one before (untimed).
                    gc.collect()
                    value = await variants[name](lib)
                    if round_ > 0:  # round 0 warms up
                        if isinstance(value, list):
                            samples[name].extend(value)
                        else:
                            samples[name].append(value)
    result = {
        "environment": {
            "userAgent": str(window.navigator.userAgent),
            "crossOriginIsolated": bool(window.crossOriginIsolated),
            "python": sys.version.split()[0],
            "pyodide": pyodide.__version__,
            "pyfritz": pyfritz.__version__,
            "rounds": ROUNDS,
            "round-trip rounds": TRIP_ROUNDS,
        },
        "metrics": [
            {
                "label": f"burst of {BURST:,} small messages",
                "unit": "msg/s",
                "better": "higher",
                "baseline": "raw JS onmessage",
                "samples": bursts,
            },
            {
                "label": f"round trip, {TRIPS:,} sequential request/responses per round",
                "unit": "ms",
                "better": "lower",
                "baseline": "raw JS onmessage",
                "samples": trips,
            },
            {
                "label": f"request/response, {TRIPS:,} in a row: await send, await the reply",
                "unit": "ms",
                "better": "lower",
                "baseline": "raw JS awaiting a Promise",
                "samples": requests,
            },
            {
                "label": f"handler cost, onmessage called {BURST:,} times from JS (no network)",
                "unit": "µs/message",
                "better": "lower",
                "baseline": "raw JS onmessage",
                "samples": dispatches,
            },
            {
                "label": f"lone message: onmessage once per task, {LONE:,} times (no network)",
                "unit": "µs/message",
                "better": "lower",
                "baseline": "raw JS onmessage",
                "samples": lones,
                "note": "Only with `?only=lone`. Each call is timed alone, in a task of its "
                "own: what a round trip's reply costs the main thread in its handler. The future "
                "and `anext()` rows include the woken coroutine's step (run at the call's end).",
            },
            {
                "label": f"lone message after {LONE_IDLE_MS} ms idle: onmessage once per task, "
                f"{LONE:,} times (no network)",
                "unit": "µs/message",
                "better": "lower",
                "baseline": "raw JS onmessage",
                "samples": idle_lones,
                "note": "Only with `?only=lone`. As above, each call in a task posted "
                f"{LONE_IDLE_MS} ms after the one before: a round trip's reply comes after "
                "such a wait, and then each step of a handler costs several times more.",
            },
        ],
    }
    # The metrics a run measured (``only=`` leaves the others without samples).
    result["metrics"] = [metric for metric in result["metrics"] if all(metric["samples"].values())]
    return result


def publish(element_id, text):
    out = document.createElement("pre")
    out.id = element_id
    out.textContent = text
    document.body.append(out)


PROFILED = {
    **{f"burst {name}": run for name, run in BURSTS.items()},
    **{f"trips {name}": run for name, run in TRIP_VARIANTS.items()},
    **{f"requests {name}": run for name, run in REQUESTS.items()},
}


async def profile(lib, name):
    """``?profile=<kind> <variant>``, for ``python -m bench.profile``: runs of one variant.

    ``kind`` is ``burst``, ``trips`` or ``requests``; one warm-up run, then
    ``<body data-ready>``; the driver starts the profiler and resolves
    ``window.profileGo``; three bursts or 3,000 trips follow.
    """
    run = PROFILED[name]
    await run(lib)
    go = js.Promise.new(lambda resolve, reject: setattr(window, "profileGo", resolve))
    document.body.dataset.ready = ""
    await go
    runs = 3 if name.startswith("burst") else 3_000 // TRIPS
    results = [await run(lib) for _ in range(runs)]
    medians = [sorted(r)[len(r) // 2] if isinstance(r, list) else r for r in results]
    return {"variant": name, "medians": medians}


async def main():
    try:
        # An absolute URL: a relative one would resolve against Pyodide's module.
        lib = await js.eval(f"import('{window.location.origin}/bench_websocket.js')")
        params = js.URLSearchParams.new(window.location.search)
        if params.has("profile"):
            result = await profile(lib, str(params.get("profile")))
        else:
            result = await measure(lib, str(params.get("only") or ""))
        publish("bench-result", json.dumps(result))
    except Exception:
        publish("bench-error", traceback.format_exc())


await main()
