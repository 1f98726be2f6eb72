"""Unit tests of pyfritz.websocket's session logic against a fake browser WebSocket."""

from __future__ import annotations

import asyncio

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_js import FakeArrayBuffer, FakeBlob, FakeJs, FakeUint8Array, install
from fakes.loop import settle

from pyfritz import _js, _wakeup
from pyfritz.errors import ConnectionClosed, ConnectionException, SendException
from pyfritz.events import live_listeners
from pyfritz.reconnect import Reconnect, ReconnectState
from pyfritz.websocket import (
    CloseEvent,
    MessageEvent,
    OpenEvent,
    ReconnectingWebSocket,
    Session,
    Socket,
    State,
    live_proxies,
    websocket,
)

URL = "ws://127.0.0.1:9/ws"


@pytest.fixture
def fake_js(monkeypatch: pytest.MonkeyPatch) -> FakeJs:
    monkeypatch.setattr(_js, "_live", 0)
    return install(monkeypatch)


def opened(fake_js: FakeJs, *protocols: str, protocol: str = "") -> Session:
    session = websocket(URL, *protocols).connect()
    fake_js.socket.fire_open(protocol)
    return session


# -- Socket and connect ------------------------------------------------------


def test_websocket_describes_without_connecting(fake_js: FakeJs) -> None:
    socket = websocket(URL, "proto-a", "proto-b")
    assert socket == Socket(URL, ("proto-a", "proto-b"))
    assert fake_js.sockets == []
    with pytest.raises(AttributeError):
        socket.url = "ws://elsewhere"  # type: ignore[misc]


def test_websocket_rejects_non_string_arguments() -> None:
    with pytest.raises(TypeError):
        websocket(b"ws://x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        websocket(URL, 1)  # type: ignore[arg-type]


async def test_connect_opens_a_browser_websocket_with_protocols(fake_js: FakeJs) -> None:
    session = websocket(URL, "proto-a").connect()
    ws = fake_js.socket
    assert (ws.url, ws.protocols, ws.binaryType) == (URL, ["proto-a"], "arraybuffer")
    assert session.state.value is State.CONNECTING
    assert session.url == URL


async def test_connect_to_a_bad_url_raises_connection_exception(fake_js: FakeJs) -> None:
    with pytest.raises(ConnectionException, match="scheme") as info:
        websocket("ftp://nowhere").connect()
    assert info.value.url == "ftp://nowhere"
    assert live_proxies() == 0


async def test_each_connect_makes_a_new_session(fake_js: FakeJs) -> None:
    socket = websocket(URL)
    assert socket.connect() is not socket.connect()
    assert len(fake_js.sockets) == 2


# -- state ----------------------------------------------------------------------


async def test_state_flags_first_read_after_open_start_from_the_current_state(
    fake_js: FakeJs,
) -> None:
    # The flags are made on first use: one read only after the open sees it.
    session = websocket(URL).connect()
    fake_js.socket.fire_open()
    flags: list[tuple[str, bool]] = []
    session.is_open.handled_by(lambda v: flags.append(("open", v)))
    session.is_connecting.handled_by(lambda v: flags.append(("connecting", v)))
    session.is_closed.handled_by(lambda v: flags.append(("closed", v)))
    fake_js.socket.fire_close(1000)
    assert flags == [
        ("open", True),
        ("connecting", False),
        ("closed", False),
        ("open", False),
        ("closed", True),
    ]
    assert session.is_open is session.is_open


async def test_state_flows_follow_open_then_server_close(fake_js: FakeJs) -> None:
    session = websocket(URL, "proto-a").connect()
    states: list[State] = []
    flags: list[tuple[str, bool]] = []
    opens: list[OpenEvent] = []
    closes: list[CloseEvent] = []
    session.state.handled_by(states.append)
    session.is_connecting.handled_by(lambda v: flags.append(("connecting", v)))
    session.is_open.handled_by(lambda v: flags.append(("open", v)))
    session.is_closed.handled_by(lambda v: flags.append(("closed", v)))
    session.opens.handled_by(opens.append)
    session.closes.handled_by(closes.append)

    fake_js.socket.fire_open("proto-a")
    assert session.protocol == "proto-a"
    fake_js.socket.fire_close(4001, "bye", was_clean=True)

    assert states == [State.CONNECTING, State.OPEN, State.CLOSED]
    assert flags == [
        ("connecting", True),
        ("open", False),
        ("closed", False),
        ("connecting", False),
        ("open", True),
        ("open", False),
        ("closed", True),
    ]
    assert opens == [OpenEvent("proto-a")]
    assert closes == [CloseEvent(4001, "bye", True)]
    assert session.close_event == CloseEvent(4001, "bye", True)


async def test_client_close_goes_through_closing(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    states: list[State] = []
    session.state.handled_by(states.append)
    closing = asyncio.create_task(session.close(3000, "done"))
    await settle(lambda: bool(fake_js.socket.close_calls))
    assert fake_js.socket.close_calls == [(3000, "done")]
    assert not closing.done()
    fake_js.socket.fire_close(3000, "done")
    await closing
    assert states == [State.OPEN, State.CLOSING, State.CLOSED]


async def test_close_of_a_closed_session_returns_at_once(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    fake_js.socket.fire_close(1000)
    await session.close()
    assert fake_js.socket.close_calls == []


@pytest.mark.parametrize(
    ("code", "reason"), [(999, ""), (1001, ""), (2999, ""), (5000, ""), (1000, "é" * 62)]
)
async def test_close_validates_code_and_reason_like_the_browser(
    fake_js: FakeJs, code: int, reason: str
) -> None:
    session = opened(fake_js)
    with pytest.raises(ValueError):
        await session.close(code, reason)
    assert fake_js.socket.close_calls == []


async def test_close_accepts_a_123_byte_reason(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    task = asyncio.create_task(session.close(4999, "é" * 61 + "x"))
    await settle(lambda: bool(fake_js.socket.close_calls))
    fake_js.socket.fire_close(4999, "")
    await task


async def test_close_while_connecting_waits_for_the_open(fake_js: FakeJs) -> None:
    session = websocket(URL).connect()
    task = asyncio.create_task(session.close())
    await settle()
    assert fake_js.socket.close_calls == []
    fake_js.socket.fire_open()
    await settle(lambda: bool(fake_js.socket.close_calls))
    assert fake_js.socket.close_calls == [(1000, "")]
    fake_js.socket.fire_close(1000)
    await task


async def test_close_after_a_send_waits_for_the_reply_first(fake_js: FakeJs) -> None:
    # The browser drops messages that arrive once close() has begun.
    session = opened(fake_js)
    seen: list[str] = []
    session.messages.body.handled_by(seen.append)
    await session.send("Hello")
    task = asyncio.create_task(session.close(reason="finished", linger=60))
    await settle()
    assert fake_js.socket.close_calls == []
    fake_js.socket.fire_message("Hello")
    await settle(lambda: bool(fake_js.socket.close_calls))
    assert (seen, fake_js.socket.close_calls) == (["Hello"], [(1000, "finished")])
    fake_js.socket.fire_close(1000, "finished")
    await task


async def test_close_after_a_send_without_reply_closes_after_the_linger(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    await session.send("fire and forget")
    task = asyncio.create_task(session.close(linger=0.001))
    await settle(lambda: bool(fake_js.socket.close_calls), rounds=10_000)
    assert fake_js.socket.close_calls == [(1000, "")]
    fake_js.socket.fire_close(1000)
    await task


async def test_close_with_linger_zero_closes_at_once_after_a_send(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    await session.send("x")
    task = asyncio.create_task(session.close(linger=0))
    await settle(lambda: bool(fake_js.socket.close_calls))
    assert fake_js.socket.close_calls == [(1000, "")]
    fake_js.socket.fire_close(1000)
    await task


async def test_a_server_close_ends_the_linger_of_close(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    await session.send("x")
    task = asyncio.create_task(session.close(linger=60))
    await settle()
    fake_js.socket.fire_close(4000, "server")
    await task
    assert fake_js.socket.close_calls == []


# -- messages ---------------------------------------------------------------------


async def test_sync_collector_runs_inside_the_message_event(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    seen: list[str] = []
    session.messages.body.on_each(seen.append).watch()
    fake_js.socket.fire_message("Hello")
    assert seen == ["Hello"]


async def test_several_collectors_each_see_every_message(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    a: list[str] = []
    b: list[str] = []
    session.messages.body.handled_by(a.append)
    session.messages.data.handled_by(b.append)
    for text in ("1", "2", "3"):
        fake_js.socket.fire_message(text)
    assert a == b == ["1", "2", "3"]


async def test_messages_before_the_first_collector_are_kept(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    fake_js.socket.fire_message("early 1")
    fake_js.socket.fire_message("early 2")
    seen: list[str] = []
    session.messages.body.handled_by(seen.append)
    fake_js.socket.fire_message("late")
    assert seen == ["early 1", "early 2", "late"]


async def test_backlog_overflow_is_reported(fake_js: FakeJs, reported: list[BaseException]) -> None:
    session = websocket(URL, capacity=2).connect()
    fake_js.socket.fire_open()
    for i in range(4):
        fake_js.socket.fire_message(str(i))
    assert len(reported) == 1
    seen: list[str] = []
    session.messages.body.handled_by(seen.append)
    assert seen == ["0", "1"]


async def test_projections_convert_text_and_binary(fake_js: FakeJs) -> None:
    text = MessageEvent("héllo")
    binary = MessageEvent(FakeArrayBuffer("bïn".encode()))
    assert (text.body, text.bytes, text.is_text) == ("héllo", "héllo".encode(), True)
    assert (binary.body, binary.bytes, binary.is_text) == ("bïn", "bïn".encode(), False)
    assert text.array_buffer.to_bytes() == "héllo".encode()
    assert binary.array_buffer is binary.data
    assert isinstance(binary.blob, FakeBlob) and binary.blob.parts == [binary.data]


async def test_projection_flows(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    got: dict[str, list[object]] = {"bytes": [], "buffer": [], "blob": []}
    session.messages.bytes.handled_by(got["bytes"].append)
    session.messages.array_buffer.handled_by(got["buffer"].append)
    session.messages.blob.handled_by(got["blob"].append)
    fake_js.socket.fire_message(FakeArrayBuffer(b"\x00\xff"))
    fake_js.socket.fire_message("a")
    assert got["bytes"] == [b"\x00\xff", b"a"]
    assert [b.to_bytes() for b in got["buffer"]] == [b"\x00\xff", b"a"]  # type: ignore[attr-defined]
    assert len(got["blob"]) == 2


async def test_a_body_collector_gets_binary_frames_decoded_and_fails_on_bad_utf8(
    fake_js: FakeJs, reported: list[BaseException]
) -> None:
    session = opened(fake_js)
    seen: list[str] = []
    task = session.messages.body.on_each(seen.append).watch()
    fake_js.socket.fire_message(FakeArrayBuffer("bïn".encode()))
    fake_js.socket.fire_message("text")
    fake_js.socket.fire_message(FakeArrayBuffer(b"\xff"))
    fake_js.socket.fire_message("after")
    await task
    assert seen == ["bïn", "text"]
    assert [type(exc) for exc in reported] == [UnicodeDecodeError]


@pytest.mark.parametrize("with_events", [False, True], ids=["projections", "and-events"])
async def test_a_message_arriving_inside_a_sync_collector_comes_after_the_current_one(
    fake_js: FakeJs, with_events: bool
) -> None:
    session = opened(fake_js)
    a: list[str] = []
    b: list[object] = []

    def first(text: str) -> None:
        a.append(text)
        if text == "1":  # a message dispatched while this one is delivered
            session._on_message("nested")

    session.messages.body.on_each(first).watch()
    if with_events:
        session.messages.handled_by(lambda event: b.append(event.data))
    else:
        session.messages.data.handled_by(b.append)
    fake_js.socket.fire_message("1")
    fake_js.socket.fire_message("2")
    assert a == b == ["1", "nested", "2"]


async def test_an_async_collector_of_the_body_sees_every_message_in_order(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    seen: list[str] = []

    async def slow(text: str) -> None:
        await asyncio.sleep(0)
        seen.append(text)

    session.messages.body.on_each(slow).watch()
    for text in ("1", "2", "3"):
        fake_js.socket.fire_message(text)
    await settle()
    assert seen == ["1", "2", "3"]


# -- bursts cross into Python in batches (_js.hold_messages) --------------------


async def test_a_burst_is_delivered_message_by_message_until_a_drain_is_posted_then_as_a_batch(
    fake_js: FakeJs,
) -> None:
    session = opened(fake_js)
    seen: list[object] = []
    session.messages.data.handled_by(seen.append)
    binary = FakeArrayBuffer(b"\x01")
    every = _js.DIRECT_MESSAGES
    first = [f"m{i}" for i in range(every - 1)]
    fake_js.socket.fire_burst(*first, binary, "c", "d")
    assert seen == [*first, binary]  # no added hop; the every-th posts a drain task
    assert len(fake_js.tasks) == 1
    fake_js.run_tasks()  # the drain task: the rest in one crossing
    assert seen == [*first, binary, "c", "d"]
    fake_js.socket.fire_message("e")  # a lone message after the drain: at once again
    assert seen == [*first, binary, "c", "d", "e"]


async def test_after_a_drain_of_two_or_more_the_next_message_posts_the_next_drain_at_once(
    fake_js: FakeJs,
) -> None:
    # A burst under way: one direct crossing per batch, not DIRECT_MESSAGES.
    session = opened(fake_js)
    seen: list[str] = []
    session.messages.body.handled_by(seen.append)
    every = _js.DIRECT_MESSAGES
    first = [f"m{i}" for i in range(every)]
    fake_js.socket.fire_burst(*first, "a", "b")
    fake_js.run_tasks()  # a drain of two: a burst is under way
    assert seen == [*first, "a", "b"]
    fake_js.socket.fire_burst("c", "d", "e", "f")
    assert seen[-1] == "c" and len(fake_js.tasks) == 1  # "c" at once; it posted the drain
    fake_js.run_tasks()  # a drain of three: still a burst
    assert seen == [*first, "a", "b", "c", "d", "e", "f"]
    fake_js.socket.fire_message("g")  # posts the next drain, which carries nothing
    fake_js.run_tasks()
    posted = []
    for i in range(every):  # the burst is over: every-th message posts again
        fake_js.socket.fire_message(f"reply {i}")
        assert seen[-1] == f"reply {i}"
        posted.append(len(fake_js.tasks))
    assert posted == [0] * (every - 1) + [1]


async def test_sequential_round_trips_post_a_drain_task_once_per_direct_messages(
    fake_js: FakeJs,
) -> None:
    session = opened(fake_js)
    seen: list[str] = []
    session.messages.body.handled_by(seen.append)
    every = _js.DIRECT_MESSAGES
    posted = []
    for i in range(2 * every):
        fake_js.socket.fire_message(f"reply {i}")  # runs the tasks posted before it
        assert seen[-1] == f"reply {i}"  # every one at once
        posted.append(len(fake_js.tasks))
    assert posted == 2 * ([0] * (every - 1) + [1])


async def test_held_messages_are_delivered_before_the_close_and_the_error(
    fake_js: FakeJs,
) -> None:
    session = opened(fake_js)
    events: list[str] = []
    session.messages.body.handled_by(lambda text: events.append(f"message {text}"))
    session.errors.handled_by(lambda _: events.append("error"))
    session.closes.handled_by(lambda close: events.append(f"close {close.code}"))
    fake_js.socket.fire_burst("1", "2", "3")
    fake_js.socket.fire_error()
    fake_js.socket.fire_burst("4", "5")
    fake_js.socket.fire_close(1011, "", was_clean=False)
    assert events == [
        "message 1",
        "message 2",
        "message 3",
        "error",
        "message 4",
        "message 5",
        "close 1011",
    ]
    fake_js.run_tasks()  # drains posted before the close find nothing to deliver
    assert events[-1] == "close 1011"
    await session.wait_closed()


async def test_a_request_awaiting_the_reply_resumes_inside_the_replys_onmessage_call(
    fake_js: FakeJs,
) -> None:
    # _wakeup.end_call: the awaiting coroutine runs on before onmessage returns
    # to JS, with no microtask (a second entry into Python) and no loop task.
    fake_js.run_microtasks_after_loop_callbacks()
    _wakeup.install()
    try:
        session = opened(fake_js)
        replies = aiter(session.messages.body)
        got: list[str] = []

        async def requests() -> None:
            for i in range(3):
                await session.send(f"ping {i}")
                got.append(await anext(replies))

        task = asyncio.create_task(requests())
        await settle(lambda: fake_js.socket.sent == ["ping 0"])

        def reply(text: str) -> None:  # a JS event, outside any task
            fake_js.socket.fire_message(text)
            assert fake_js.microtasks == []

        loop = asyncio.get_running_loop()
        for i in range(3):
            loop.call_soon(reply, f"pong {i}")
            await settle(lambda i=i: len(got) == i + 1)
            # the next request went out inside the reply's call
            assert fake_js.socket.sent[-1] == f"ping {min(i + 1, 2)}"
        await asyncio.wait_for(task, 5)
        assert got == ["pong 0", "pong 1", "pong 2"]
    finally:
        _wakeup.uninstall()


async def test_async_for_ends_quietly_on_a_normal_close(fake_js: FakeJs) -> None:
    session = opened(fake_js)

    async def read() -> list[str]:
        return [event.body async for event in session.messages]

    task = asyncio.create_task(read())
    await settle(lambda: session.messages.subscriber_count == 1)
    fake_js.socket.fire_message("a")
    fake_js.socket.fire_message("b")
    fake_js.socket.fire_close(1000, "", was_clean=True)
    assert await task == ["a", "b"]


async def test_async_for_raises_connection_closed_on_an_abnormal_close(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    seen: list[str] = []

    async def read() -> None:
        async for event in session.messages:
            seen.append(event.body)

    task = asyncio.create_task(read())
    await settle(lambda: session.messages.subscriber_count == 1)
    fake_js.socket.fire_message("last")
    fake_js.socket.fire_close(1006, "", was_clean=False)
    with pytest.raises(ConnectionClosed) as info:
        await task
    assert (info.value.code, info.value.was_clean) == (1006, False)
    assert seen == ["last"]


async def test_server_close_with_an_error_code_is_abnormal(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    fake_js.socket.fire_close(4000, "kicked", was_clean=True)
    with pytest.raises(ConnectionClosed, match="kicked"):
        await session.messages.collect()


async def test_client_close_with_own_code_is_normal(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    task = asyncio.create_task(session.close(4000, "mine"))
    await settle(lambda: bool(fake_js.socket.close_calls))
    fake_js.socket.fire_close(4000, "mine", was_clean=True)
    await task
    assert await session.messages.collect() == []


# -- sending ---------------------------------------------------------------------


async def test_send_text_and_bytes_when_open(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    blob = FakeBlob(["x"])
    buffer = FakeArrayBuffer(b"ab")
    await session.send("Hello")
    await session.send(b"\x01\x02")
    await session.send(bytearray(b"\x03"))
    await session.send(memoryview(b"\x04"))
    await session.send(blob)
    await session.send(buffer)
    sent = fake_js.socket.sent
    assert sent[0] == "Hello"
    assert [s.to_bytes() for s in sent[1:4]] == [b"\x01\x02", b"\x03", b"\x04"]
    assert all(isinstance(s, FakeUint8Array) for s in sent[1:4])
    assert sent[4:] == [blob, buffer]


async def test_send_rejects_other_types(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    with pytest.raises(TypeError):
        await session.send(42)
    with pytest.raises(TypeError):
        session.send_nowait({"a": 1})


async def test_send_while_connecting_waits_for_the_open(fake_js: FakeJs) -> None:
    session = websocket(URL).connect()
    first = asyncio.create_task(session.send("one"))
    await settle()  # now "one" waits in the outbox
    session.send_nowait("two")
    third = asyncio.create_task(session.send("three"))
    await settle()
    assert not first.done() and fake_js.socket.sent == []
    fake_js.socket.fire_open()
    await first
    await third
    assert fake_js.socket.sent == ["one", "two", "three"]


async def test_a_send_on_open_does_not_overtake_queued_sends(fake_js: FakeJs) -> None:
    session = websocket(URL).connect()
    session.send_nowait("queued")
    session.is_open.filter(bool).handled_by(lambda _: session.send_nowait("on open"))
    fake_js.socket.fire_open()
    assert fake_js.socket.sent == ["queued", "on open"]


async def test_failed_open_ends_pending_sends_with_send_exception(
    fake_js: FakeJs,
) -> None:
    session = websocket(URL).connect()
    errors_seen: list[BaseException] = []
    session.errors.handled_by(errors_seen.append)
    pending = asyncio.create_task(session.send("lost"))
    await settle()
    fake_js.socket.fire_error()
    fake_js.socket.fire_close(1006, "", was_clean=False)
    with pytest.raises(SendException, match="could not be opened"):
        await pending
    assert [type(e) for e in errors_seen] == [ConnectionException]
    assert session.state.value is State.CLOSED


async def test_send_after_close_raises_send_exception_with_the_state(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    fake_js.socket.fire_close(1000)
    with pytest.raises(SendException, match="closed") as info:
        await session.send("late")
    assert info.value.state == "closed"
    with pytest.raises(SendException):
        session.send_nowait("late")


async def test_send_while_closing_raises_send_exception(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    closing = asyncio.create_task(session.close())
    await settle(lambda: session.state.value is State.CLOSING)
    with pytest.raises(SendException, match="closing"):
        await session.send("late")
    fake_js.socket.fire_close(1000)
    await closing


# -- async with, proxies ---------------------------------------------------------------


async def test_async_with_waits_for_open_and_closes_on_exit(fake_js: FakeJs) -> None:
    async def use() -> None:
        async with websocket(URL).connect() as session:
            await session.send("inside")

    task = asyncio.create_task(use())
    await settle(lambda: bool(fake_js.sockets))
    fake_js.socket.fire_open()
    await settle(lambda: bool(fake_js.socket.close_calls))
    assert fake_js.socket.sent == ["inside"]
    fake_js.socket.fire_close(1000)
    await task


async def test_async_with_raises_connection_exception_when_open_fails(fake_js: FakeJs) -> None:
    async def use() -> None:
        async with websocket(URL).connect():
            pass

    task = asyncio.create_task(use())
    await settle(lambda: bool(fake_js.sockets))
    fake_js.socket.fire_error()
    fake_js.socket.fire_close(1006, "", was_clean=False)
    with pytest.raises(ConnectionException, match="1006"):
        await task


async def test_every_proxy_is_destroyed_after_close(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    assert live_proxies() == 4
    assert len(fake_js.proxies) == 4
    for i in range(100):
        fake_js.socket.fire_message(str(i))
    assert len(fake_js.proxies) == 4  # none per message
    fake_js.socket.fire_close(1000)
    await session.wait_closed()
    await settle(lambda: live_proxies() == 0)
    assert live_proxies() == 0
    assert all(p.destroyed for p in fake_js.proxies)
    assert fake_js.socket.handlers == [None, None, None, None]


async def test_flows_complete_and_watchers_end_after_close(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    tasks = [
        session.messages.watch(),
        session.opens.watch(),
        session.closes.watch(),
        session.errors.watch(),
    ]
    fake_js.socket.fire_close(1000)
    await settle(lambda: all(t.done() for t in tasks))
    assert all(t.done() for t in tasks)
    assert session.messages.subscriber_count == 0


async def test_an_error_in_a_collector_does_not_escape_into_js(
    fake_js: FakeJs, reported: list[BaseException]
) -> None:
    session = opened(fake_js)
    session.messages.body.map(int).watch()
    fake_js.socket.fire_message("not a number")  # must not raise into the "browser"
    await settle(lambda: bool(reported))
    assert [type(e) for e in reported] == [ValueError]


async def test_wait_closed_returns_the_close_event(fake_js: FakeJs) -> None:
    session = opened(fake_js)
    waiter = asyncio.create_task(session.wait_closed())
    await settle()
    fake_js.socket.fire_close(1001, "going", was_clean=True)
    assert await waiter == CloseEvent(1001, "going", True)
    assert await session.wait_closed() == CloseEvent(1001, "going", True)


# -- connect(reconnect=...): the reconnecting session -----------------------------

EXACT = Reconnect(jitter="none")
SLOW = Reconnect(initial=5.0, jitter="none")


def test_connect_is_a_plain_session_unless_asked_to_reconnect(fake_js: FakeJs) -> None:
    assert type(websocket(URL).connect()) is Session
    assert type(websocket(URL).connect(reconnect=False)) is Session


async def test_connect_with_reconnect_gives_a_reconnecting_session(fake_js: FakeJs) -> None:
    session = websocket(URL).connect(reconnect=True)
    assert isinstance(session, ReconnectingWebSocket)
    assert session.policy == Reconnect()
    policy = Reconnect(max_retries=3)
    assert websocket(URL).connect(reconnect=policy).policy is policy


def test_connect_refuses_a_reconnect_of_the_wrong_type(fake_js: FakeJs) -> None:
    with pytest.raises(TypeError, match="reconnect must be"):
        websocket(URL).connect(reconnect="yes")  # type: ignore[call-overload]


def lost(fake_js: FakeJs) -> None:
    """The open connection drops, as when the server goes away."""
    fake_js.socket.fire_close(1006, "", was_clean=False)


async def test_messages_continue_across_reconnects_and_keep_the_backlog(fake_js: FakeJs) -> None:
    clock = FakeClock()
    session = ReconnectingWebSocket(websocket(URL), EXACT, clock=clock)
    fake_js.socket.fire_open()
    fake_js.socket.fire_message("before any collector")
    lost(fake_js)
    clock.advance(0.25)
    fake_js.socket.fire_open()
    fake_js.socket.fire_message("after the reconnect")
    bodies: list[str] = []
    session.messages._subscribe(_Append(bodies))
    fake_js.socket.fire_message("later")
    assert bodies == ["before any collector", "after the reconnect", "later"]


class _Append:
    """A push sink appending each message's body."""

    def __init__(self, into: list[str]) -> None:
        self.into = into

    def on_next(self, event: MessageEvent) -> None:
        self.into.append(event.body)

    def on_error(self, exc: BaseException) -> None:
        pass

    def on_complete(self) -> None:
        pass


async def test_the_online_event_retries_at_once(fake_js: FakeJs) -> None:
    clock = FakeClock()
    session = ReconnectingWebSocket(websocket(URL), SLOW, clock=clock)
    fake_js.socket.fire_open()
    lost(fake_js)
    assert session.state.value == ReconnectState("reconnecting", 1, 5.0)
    fake_js.window.dispatch("online")
    assert session.state.value == ReconnectState("reconnecting", 1, 0.0)
    clock.run_due()
    assert len(fake_js.sockets) == 2


async def test_a_tab_becoming_visible_retries_at_once_and_a_hidden_one_does_not(
    fake_js: FakeJs,
) -> None:
    clock = FakeClock()
    session = ReconnectingWebSocket(websocket(URL), SLOW, clock=clock)
    fake_js.socket.fire_open()
    lost(fake_js)
    fake_js.document.visibilityState = "hidden"
    fake_js.document.dispatch("visibilitychange")
    assert session.state.value.delay == 5.0
    fake_js.document.visibilityState = "visible"
    fake_js.document.dispatch("visibilitychange")
    clock.run_due()
    assert len(fake_js.sockets) == 2


async def test_close_removes_the_wakeup_listeners_and_destroys_every_proxy(
    fake_js: FakeJs,
) -> None:
    before = live_listeners()
    session = ReconnectingWebSocket(websocket(URL), EXACT, clock=FakeClock())
    assert fake_js.window.count("online") == fake_js.document.count("visibilitychange") == 1
    fake_js.socket.fire_open()
    closing = asyncio.create_task(session.close())
    await settle(lambda: bool(fake_js.socket.close_calls))
    fake_js.socket.fire_close(1000, "", was_clean=True)
    await closing
    assert fake_js.window.count("online") == fake_js.document.count("visibilitychange") == 0
    assert live_listeners() == before
    await settle(lambda: live_proxies() == 0)
    assert live_proxies() == 0


# -- the token source ------------------------------------------------------------


def test_a_token_source_adds_the_token_to_the_url_it_connects_to(fake_js: FakeJs) -> None:
    websocket(URL, token=lambda: "a b/c&d").connect()
    websocket(URL + "?room=1", token=lambda: "t").connect()
    websocket(URL, token=lambda: None).connect()  # no token yet: the plain URL
    assert [s.url for s in fake_js.sockets] == [
        URL + "?token=a%20b%2Fc%26d",
        URL + "?room=1&token=t",
        URL,
    ]
    assert websocket(URL, token=lambda: "t").url == URL  # never shown in the socket's URL
    with pytest.raises(TypeError, match="token must be a function"):
        websocket(URL, token="t")  # type: ignore[arg-type]


async def test_a_reconnect_asks_the_token_source_again(fake_js: FakeJs) -> None:
    tokens = iter(["first", "renewed"])
    clock = FakeClock()
    ReconnectingWebSocket(websocket(URL, token=lambda: next(tokens)), EXACT, clock=clock)
    fake_js.socket.fire_open()
    lost(fake_js)
    clock.advance(0.25)
    assert [s.url for s in fake_js.sockets] == [URL + "?token=first", URL + "?token=renewed"]
