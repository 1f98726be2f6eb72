# pyfritz.websocket against real servers on loopback: one check per behaviour.
#
# Each check runs in turn and reports into <output id="<check>" data-status="ok|error">
# holding its result as JSON (or the traceback). tests/e2e/test_websocket.py
# waits on each element and compares the result. ?dead=<port> names a port
# where nothing listens.
import asyncio
import hashlib
import json
import traceback

import js
from pyscript import document, window

from pyfritz import (
    ConnectionClosed,
    ConnectionException,
    SendException,
    _js,
    live_proxies,
    websocket,
)
from pyfritz.flows import errors

BASE = f"ws://{window.location.host}"
ECHO = f"{BASE}/ws/echo"
DEAD = f"ws://127.0.0.1:{window.URLSearchParams.new(window.location.search).get('dead')}/"

reported: list[str] = []
errors.handled_by(lambda exc: reported.append(repr(exc)))


def report(name: str, status: str, text: str) -> None:
    out = document.createElement("output")
    out.id = name
    out.dataset.status = status
    out.textContent = text
    document.querySelector("#app").append(out)


def error_info(exc: BaseException) -> dict[str, object]:
    return {"type": type(exc).__name__, "message": str(exc)}


async def echo_all(session, items):
    """Send each item and return the replies (as MessageEvents), in order.

    The collector subscribes before the first send (``watch()`` on a sync chain
    subscribes at once): a collector started in a task would subscribe only
    when the task first runs, and a fast reply could come before that.
    """
    replies = []
    done = asyncio.get_running_loop().create_future()

    def got(event):
        replies.append(event)
        if len(replies) == len(items) and not done.done():
            done.set_result(None)

    session.messages.take(len(items)).on_each(got).watch()
    for item in items:
        await session.send(item)
    await done
    return replies


def collect_now(flow):
    """A future of everything ``flow`` emits until it ends, subscribed before this returns."""
    items = []
    result = asyncio.get_running_loop().create_future()

    def finished(_task):
        if not result.done():
            result.set_result(items)

    flow.on_each(items.append).watch().add_done_callback(finished)
    return result


def next_message(session):
    """A future of the next message, subscribed before this returns.

    ``watch()`` on a sync chain subscribes at once; a collector started in a
    task would subscribe only when the task runs, after a reply may have come.
    """
    future = asyncio.get_running_loop().create_future()
    session.messages.take(1).on_each(future.set_result).watch()
    return future


# -- checks -------------------------------------------------------------------


async def text_round_trip():
    texts = ["Hello", "", "héllo wörld ✓ 🎉 中文", "x" * 70_000]
    async with websocket(ECHO).connect() as session:
        replies = await echo_all(session, texts)
    return {
        "same": [r.body for r in replies] == texts,
        "is_text": [r.is_text for r in replies],
        "utf8_bytes": replies[2].bytes == texts[2].encode(),
    }


async def binary_round_trip():
    payload = bytes(range(256)) * 4
    blob = js.Blob.new(js.Array.of(js.Uint8Array.new(js.Array.of(1, 2, 3))))
    buffer = js.Uint8Array.new(js.Array.of(4, 5, 6)).buffer
    typed = js.Uint8Array.new(js.Array.of(7, 8, 9))
    items = [payload, bytearray(b"\x00ab"), memoryview(b"\xffmv"), buffer, blob, typed]
    async with websocket(ECHO).connect() as session:
        replies = await echo_all(session, items)
    return {
        "bytes": [r.bytes.hex() for r in replies[1:]],
        "first_ok": replies[0].bytes == payload,
        "is_text": [r.is_text for r in replies],
    }


async def one_mib_frame():
    payload = bytes(i * 7 % 251 for i in range(1 << 20))
    text = ("ünïcødé ✓ " * 120_000)[: 1 << 20]
    async with websocket(ECHO).connect() as session:
        binary, textual = await echo_all(session, [payload, text])
    return {
        "binary_size": len(binary.bytes),
        "binary_same": hashlib.sha256(binary.bytes).digest() == hashlib.sha256(payload).digest(),
        "text_chars": len(textual.body),
        "text_same": textual.body == text,
    }


async def binary_first_projections():
    async with websocket(f"{BASE}/ws/binary").connect() as session:
        first = await session.messages.first()
        views = {
            "is_text": first.is_text,
            "bytes_ok": first.bytes == bytes(range(256)),
            "array_buffer_length": int(first.array_buffer.byteLength),
            "blob_size": int(first.blob.size),
            "blob_type": str(js.Object.prototype.toString.call(first.blob)),
        }
        [text] = await echo_all(session, ["then text"])
        views["text_after"] = text.body
        views["text_as_array_buffer"] = int(text.array_buffer.byteLength)
        views["text_as_blob"] = int(text.blob.size)
    return views


async def several_collectors():
    n = 200
    sync_seen, async_seen, for_seen = [], [], []

    async def slow(text):
        await asyncio.sleep(0)
        async_seen.append(text)

    async def iterate(session):
        async for event in session.messages:
            for_seen.append(event.body)

    async with websocket(f"{BASE}/ws/burst").connect() as session:
        tasks = [
            session.messages.body.on_each(sync_seen.append).watch(),
            session.messages.body.on_each(slow).watch(),
            asyncio.ensure_future(iterate(session)),
        ]
        # One loop step, so that the `async for` subscribes before the burst is
        # asked for: a collector that joins a hot flow later sees only what
        # comes after it (as documented), and the server's reply can beat a
        # task that has not run yet.
        await asyncio.sleep(0)
        await session.send(f"{n} close")
        await session.wait_closed()
        await asyncio.gather(*tasks)
    expected = [str(i) for i in range(n)]
    return [sync_seen == expected, async_seen == expected, for_seen == expected]


async def before_first_collector():
    session = websocket(f"{BASE}/ws/burst").connect()
    await session.send("5 close")
    closed = await session.wait_closed()
    # Nobody collected while the messages came in and the session closed.
    return {"close": [closed.code, closed.reason], "late": await session.messages.body.collect()}


async def subprotocol():
    session = websocket(f"{BASE}/ws/protocol", "proto-x", "proto-b").connect()
    opens = []
    session.opens.on_each(lambda e: opens.append(e.protocol)).watch()
    offered = json.loads(await session.messages.body.first())
    result = {"offered": offered, "protocol": session.protocol, "opens": opens}
    await session.close()
    return result


async def server_close_sequence():
    session = websocket(f"{BASE}/ws/close").connect()
    seen = []
    session.state.on_each(lambda s: seen.append(f"state {s}")).watch()
    session.is_connecting.on_each(lambda v: seen.append(f"connecting {v}")).watch()
    session.is_open.on_each(lambda v: seen.append(f"open {v}")).watch()
    session.is_closed.on_each(lambda v: seen.append(f"closed {v}")).watch()
    session.opens.on_each(lambda e: seen.append(f"opens {e.protocol!r}")).watch()
    session.closes.on_each(
        lambda e: seen.append(f"closes {e.code} {e.reason} {e.was_clean}")
    ).watch()
    ending = "ended quietly"

    async def iterate():
        nonlocal ending
        try:
            async for _ in session.messages:
                pass
        except ConnectionClosed as exc:
            ending = f"ConnectionClosed {exc.code} {exc.reason}"

    iterating = asyncio.ensure_future(iterate())
    await session.send("4001 bye")
    event = await session.wait_closed()
    await iterating
    return {
        "seen": seen,
        "close_event": [event.code, event.reason, event.was_clean],
        "async_for": ending,
    }


async def client_close():
    session = websocket(ECHO).connect()
    states = []
    session.state.on_each(lambda s: states.append(str(s))).watch()
    ended = collect_now(session.messages)
    reply = next_message(session)
    await session.send("one")
    await reply
    await session.close(3000, "done")
    messages = await ended
    event = session.close_event
    async with websocket(ECHO).connect() as scoped:
        await scoped.send("scoped")
    return {
        "states": states,
        "close_event": [event.code, event.reason, event.was_clean],
        "async_for_items": len(messages),
        "async_with_closed": str(scoped.state.value),
    }


async def send_after_close():
    session = websocket(ECHO).connect()
    await session.close()
    outcome = {}
    for name, call in (
        ("send", lambda: session.send("late")),
        ("send_nowait", lambda: asyncio.sleep(0, session.send_nowait("late"))),
    ):
        try:
            await call()
            outcome[name] = "sent"
        except SendException as exc:
            outcome[name] = [exc.state, str(exc)]
    await session.close()  # closing again does nothing
    outcome["state"] = str(session.state.value)
    return outcome


async def send_before_open():
    session = websocket(ECHO).connect()
    state_at_send = str(session.state.value)
    replies = collect_now(session.messages.body.take(3))
    session.send_nowait("first")
    await asyncio.gather(session.send("second"), session.send("third"))
    result = {"state_at_send": state_at_send, "replies": await replies}
    await session.close()
    return result


async def nothing_listens():
    seen_errors = []
    session = websocket(DEAD).connect()
    states = []
    session.state.on_each(lambda s: states.append(str(s))).watch()
    session.errors.on_each(lambda e: seen_errors.append(error_info(e))).watch()
    outcome = {}
    try:
        await session.send("into the void")
    except SendException as exc:
        outcome["send"] = error_info(exc)
    event = await session.wait_closed()
    try:
        async with websocket(DEAD).connect():
            outcome["async_with"] = "entered"
    except ConnectionException as exc:
        outcome["async_with"] = error_info(exc)
    outcome.update(
        states=states,
        errors=seen_errors,
        close_event=[event.code, event.was_clean],
    )
    return outcome


async def bad_url():
    outcome = {}
    before = live_proxies()
    # (A relative URL is not bad: the browser resolves it against the page.)
    for url in ("ftp://127.0.0.1/", "ws://127.0.0.1:99999/", "ws://[::1/"):
        try:
            session = websocket(url).connect()
            await session.close()
            outcome[url] = "connected"
        except ConnectionException as exc:
            outcome[url] = {"type": type(exc).__name__, "url": exc.url}
    outcome["proxies_leaked"] = live_proxies() - before
    return outcome


async def no_proxy_left():
    counts = {"before": live_proxies()}
    session = websocket(ECHO).connect()
    counts["connecting"] = live_proxies()
    await echo_all(session, ["x"])
    counts["open"] = live_proxies()
    await session.close()
    counts["after_close"] = live_proxies()
    server_closed = websocket(f"{BASE}/ws/close").connect()
    await server_closed.send("4000 server")
    await server_closed.wait_closed()
    counts["after_server_close"] = live_proxies()
    refused = websocket(DEAD).connect()
    await refused.wait_closed()
    counts["after_refused"] = live_proxies()
    return counts


async def _burst(count, collected, frame):
    """``count`` mixed text/binary frames from /ws/mixed, taken from ``collected(session)``.

    ``frame(item)`` gives an item's ``(is_text, value)``; frame ``i`` must be
    text when ``i`` is even and carry ``i``. Counts what crosses in batches, to
    show the burst exercised them.
    """
    async with websocket(f"{BASE}/ws/mixed").connect() as session:
        done = asyncio.get_running_loop().create_future()
        seen = {"count": 0, "wrong": [], "text": 0, "binary": 0}

        def check(item):
            i = seen["count"]
            is_text, value = frame(item)
            seen["text" if is_text else "binary"] += 1
            if value != i or is_text != (i % 2 == 0):
                seen["wrong"].append([i, value])
            seen["count"] = i + 1
            if seen["count"] == count and not done.done():
                done.set_result(None)

        batches = []
        items = _js.items
        _js.items = lambda array: batches.append(len(array)) or items(array)
        try:
            task = collected(session).on_each(check).watch()
            await session.send(str(count))
            await done
            task.cancel()
        finally:
            _js.items = items
    seen["wrong"] = seen["wrong"][:5]
    seen["batched"] = sum(batches) > count // 2
    print(f"burst of {count}: {len(batches)} batches, {sum(batches)} messages in them")
    return seen


async def mixed_burst():
    """100,000 mixed text/binary frames as events: every one arrives, once, in order."""

    def frame(event):
        if event.is_text:
            return True, int(event.data)
        return False, int.from_bytes(event.bytes, "big")

    return await _burst(100_000, lambda session: session.messages, frame)


async def data_burst():
    """20,000 mixed frames to a ``.data`` collector alone (no MessageEvent is made)."""

    def frame(data):
        if type(data) is str:
            return True, int(data)
        return False, int.from_bytes(_js.to_bytes(data), "big")

    return await _burst(20_000, lambda session: session.messages.data, frame)


CHECKS = [
    text_round_trip,
    binary_round_trip,
    one_mib_frame,
    binary_first_projections,
    several_collectors,
    before_first_collector,
    subprotocol,
    server_close_sequence,
    client_close,
    send_after_close,
    send_before_open,
    nothing_listens,
    bad_url,
    no_proxy_left,
    mixed_burst,
    data_burst,
]

# How long a check may take before it reports a timeout (a safety net only).
TIMEOUTS = {"mixed_burst": 240, "data_burst": 120}


async def main():
    for check in CHECKS:
        try:
            # A safety net only: a check that hangs reports instead of blocking the rest.
            result = await asyncio.wait_for(check(), TIMEOUTS.get(check.__name__, 20))
        except BaseException:
            report(check.__name__, "error", traceback.format_exc())
        else:
            report(check.__name__, "ok", json.dumps(result))
    await asyncio.sleep(0)  # let close callbacks finish before the last count
    report("final", "ok", json.dumps({"live_proxies": live_proxies(), "reported": reported}))
    document.body.dataset.done = "true"


await main()
