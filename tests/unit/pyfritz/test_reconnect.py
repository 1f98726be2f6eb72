"""Unit tests of pyfritz.reconnect: the reconnecting session.

The session runs on a fake clock and fake connections: time moves only with
``clock.advance``; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_js import FakeJs, install
from fakes.fake_session import URL, FakeConnector, FakeSession
from fakes.loop import settle

from pyfritz import _js
from pyfritz.errors import ConnectionClosed, ConnectionException, SendException, WebSocketError
from pyfritz.flows import MutableSharedFlow
from pyfritz.reconnect import (
    Reconnect,
    ReconnectFailed,
    ReconnectingSession,
    ReconnectState,
    SessionLike,
)
from pyfritz.websocket import CloseEvent, MessageEvent, OpenEvent, Session, websocket

FakeReconnecting = ReconnectingSession[str, OpenEvent, CloseEvent]

# Without jitter the delays are the schedule's ceilings: 0.25, 0.5, 1, 2, ...
EXACT = Reconnect(jitter="none")


@dataclass
class Env:
    """A session on a fake clock and fake connections, with what it emitted."""

    clock: FakeClock
    connector: FakeConnector
    session: FakeReconnecting
    states: list[ReconnectState] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    errors: list[WebSocketError] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [state.kind for state in self.states]

    @property
    def delays(self) -> list[float]:
        return [s.delay for s in self.states if s.kind == "reconnecting"]

    def open(self) -> FakeSession:
        """Open the connection being attempted."""
        self.connector.last.fire_open()
        return self.connector.last


def make(
    policy: Reconnect = EXACT,
    *,
    rand: Callable[[], float] = random.random,
    wakeups: tuple[MutableSharedFlow[Any], ...] = (),
    close_completes: bool = True,
) -> Env:
    clock = FakeClock()
    connector = FakeConnector(close_completes=close_completes)
    session = ReconnectingSession(connector, policy, clock=clock, wakeups=wakeups, random=rand)
    env = Env(clock, connector, session)
    session.state.handled_by(env.states.append)
    session.messages.handled_by(env.messages.append)
    session.errors.handled_by(env.errors.append)
    return env


# -- connecting and reconnecting ----------------------------------------------------


async def test_first_connection_opens_and_forwards_messages() -> None:
    env = make()
    opens: list[OpenEvent] = []
    env.session.opens.handled_by(opens.append)
    assert env.kinds == ["connecting"] and env.session.url == URL
    env.connector.last.fire_open("proto")
    env.connector.last.fire_message("hello")
    assert env.kinds == ["connecting", "open"]
    assert env.messages == ["hello"]
    assert opens == [OpenEvent("proto")]


async def test_a_lost_connection_reconnects_after_the_backoff_delay() -> None:
    env = make()
    env.open().fire_close(1006)
    assert env.states[-1] == ReconnectState("reconnecting", attempt=1, delay=0.25)
    assert str(env.states[-1]) == "reconnecting"
    env.clock.advance(0.24)
    assert len(env.connector.sessions) == 1
    env.clock.advance(0.01)
    assert len(env.connector.sessions) == 2
    env.open()
    assert env.kinds == ["connecting", "open", "reconnecting", "open"]


async def test_a_failed_first_connect_is_retried() -> None:
    env = make()
    env.connector.fail_last()
    assert env.states[-1] == ReconnectState("reconnecting", 1, 0.25)
    env.clock.advance(0.25)
    env.open()
    assert env.kinds == ["connecting", "reconnecting", "open"]


async def test_failed_attempts_back_off_exponentially_up_to_the_cap() -> None:
    env = make()
    for _ in range(8):
        env.connector.fail_last()
        env.clock.advance(env.states[-1].delay)
    assert env.delays == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert [s.attempt for s in env.states if s.kind == "reconnecting"] == list(range(1, 9))
    assert len(env.connector.sessions) == 9


async def test_delays_are_jittered_by_the_random_source() -> None:
    env = make(Reconnect(), rand=lambda: 0.5)
    for _ in range(3):
        env.connector.fail_last()
        env.clock.advance(env.states[-1].delay)
    assert env.delays == [0.125, 0.25, 0.5]


async def test_the_retry_counter_resets_only_after_a_stable_connection() -> None:
    env = make()  # stable_after = 5.0
    env.connector.fail_last()
    env.clock.advance(0.25)
    env.open()
    env.clock.advance(4.9)  # up, but not long enough
    env.connector.last.fire_close(1006)
    assert env.states[-1] == ReconnectState("reconnecting", 2, 0.5)
    env.clock.advance(0.5)
    env.open()
    env.clock.advance(5.0)  # stable now
    env.connector.last.fire_close(1001, was_clean=True)
    assert env.states[-1] == ReconnectState("reconnecting", 1, 0.25)


async def test_a_server_that_drops_at_once_keeps_backing_off() -> None:
    env = make()
    for _ in range(4):
        env.open().fire_close(1011)
        env.clock.advance(env.states[-1].delay)
    assert env.delays == [0.25, 0.5, 1.0, 2.0]


# -- retry_now: the browser's online and visibility events --------------------------


async def test_online_and_visible_events_retry_at_once() -> None:
    online: MutableSharedFlow[str] = MutableSharedFlow()
    visible: MutableSharedFlow[str] = MutableSharedFlow()
    env = make(Reconnect(jitter="none", initial=8.0, cap=8.0), wakeups=(online, visible))
    env.open().fire_close(1006)
    assert env.clock.pending == [8.0]
    online.emit_nowait("online")
    assert env.states[-1] == ReconnectState("reconnecting", 1, 0.0)
    env.clock.run_due()
    assert len(env.connector.sessions) == 2
    env.connector.fail_last()
    assert env.states[-1] == ReconnectState("reconnecting", 2, 8.0)
    visible.emit_nowait("visible")
    env.clock.run_due()
    assert len(env.connector.sessions) == 3
    env.clock.advance(9.0)  # the cancelled delays do not fire (the connect timeout is 10 s)
    assert len(env.connector.sessions) == 3


async def test_retry_now_runs_outside_the_event_listener() -> None:
    env = make()
    env.open().fire_close(1006)
    assert env.session.retry_now() is True
    assert len(env.connector.sessions) == 1  # on the next turn, not inside the call
    env.clock.run_due()
    assert len(env.connector.sessions) == 2


async def test_retry_now_does_nothing_unless_a_retry_waits() -> None:
    env = make()
    assert env.session.retry_now() is False  # connecting
    env.open()
    assert env.session.retry_now() is False  # open
    assert len(env.connector.sessions) == 1
    await env.session.close()
    assert env.session.retry_now() is False  # closed


async def test_wakeups_are_unsubscribed_when_the_session_ends() -> None:
    online: MutableSharedFlow[str] = MutableSharedFlow()
    env = make(wakeups=(online,))
    assert online.subscriber_count == 1
    env.open()
    await env.session.close()
    assert online.subscriber_count == 0


# -- ending: close(), do-not-retry codes, max_retries ----------------------------------


async def test_close_is_deliberate_and_never_reconnects() -> None:
    env = make()
    closes: list[CloseEvent] = []
    env.session.closes.handled_by(closes.append)
    connection = env.open()
    await env.session.close(4000, "bye")
    assert connection.close_calls == [(4000, "bye")]
    assert env.kinds == ["connecting", "open", "closing", "closed"]
    assert closes == [CloseEvent(4000, "bye", True)]
    env.clock.advance(3600.0)
    assert len(env.connector.sessions) == 1
    assert env.errors == []
    assert await env.session.wait_closed() == CloseEvent(4000, "bye", True)


async def test_close_while_waiting_to_retry_ends_at_once() -> None:
    env = make()
    env.open().fire_close(1006)
    await env.session.close()
    assert env.kinds[-1] == "closed" and env.clock.pending == []
    env.clock.advance(60.0)
    assert len(env.connector.sessions) == 1


async def test_close_while_connecting_ends_without_waiting_for_the_attempt() -> None:
    env = make()
    await env.session.close(4000, "bye")
    assert env.kinds == ["connecting", "closing", "closed"]
    await settle(lambda: bool(env.connector.last.close_calls))
    assert env.connector.last.close_calls == [(4000, "bye")]
    env.clock.advance(60.0)
    assert len(env.connector.sessions) == 1


async def test_close_of_a_connection_that_never_confirms_ends_after_the_timeout() -> None:
    env = make(Reconnect(connect_timeout=3.0), close_completes=False)
    env.open()
    closing = asyncio.create_task(env.session.close())
    await settle(lambda: bool(env.connector.last.close_calls))
    assert not closing.done()
    env.clock.advance(3.0)
    await closing
    assert env.kinds[-1] == "closed" and len(env.connector.sessions) == 1


async def test_close_validates_code_and_reason() -> None:
    env = make()
    with pytest.raises(ValueError):
        await env.session.close(1001)
    with pytest.raises(ValueError):
        await env.session.close(1000, "é" * 62)
    assert env.kinds == ["connecting"]


async def test_flows_complete_when_the_session_ends() -> None:
    env = make()
    tasks = [
        env.session.messages.watch(),
        env.session.opens.watch(),
        env.session.closes.watch(),
        env.session.errors.watch(),
    ]
    env.open()
    await env.session.close()
    await settle(lambda: all(t.done() for t in tasks))
    assert all(t.done() for t in tasks)


async def test_a_no_retry_close_code_ends_the_session() -> None:
    env = make()
    env.open().fire_close(1008, "origin not allowed", was_clean=True)
    assert env.kinds[-1] == "closed"
    assert [type(e) for e in env.errors] == [ConnectionClosed]
    assert isinstance(env.errors[0], ConnectionClosed) and env.errors[0].code == 1008
    with pytest.raises(ConnectionClosed, match="origin not allowed"):
        await env.session.messages.collect()
    env.clock.advance(60.0)
    assert len(env.connector.sessions) == 1


async def test_no_retry_codes_are_configurable() -> None:
    env = make(Reconnect(no_retry_codes=frozenset({4001})))
    env.open().fire_close(1008)
    assert env.kinds[-1] == "reconnecting"
    env.clock.advance(10.0)
    env.open().fire_close(4001, "banned")
    assert env.kinds[-1] == "closed"


async def test_max_retries_gives_up_with_a_clear_error() -> None:
    env = make(Reconnect(jitter="none", max_retries=2))

    async def read() -> list[str]:
        return [m async for m in env.session.messages]

    reader = asyncio.create_task(read())
    await settle(lambda: env.session.messages.subscriber_count == 2)
    for _ in range(3):
        env.connector.fail_last(1006)
        env.clock.advance(10.0)
    assert env.kinds == ["connecting", "reconnecting", "reconnecting", "closed"]
    assert len(env.connector.sessions) == 3
    [error] = env.errors
    assert isinstance(error, ReconnectFailed) and isinstance(error, ConnectionException)
    assert (error.retries, error.last_code, error.url) == (2, 1006, URL)
    assert "gave up after 2 retries (last close code 1006)" in str(error)
    with pytest.raises(ReconnectFailed):
        await reader
    with pytest.raises(SendException, match="closed"):
        env.session.send_nowait("late")


async def test_max_retries_zero_never_retries() -> None:
    env = make(Reconnect(max_retries=0))
    env.open().fire_close(1006)
    assert env.kinds[-1] == "closed"
    assert isinstance(env.errors[0], ReconnectFailed)


async def test_connect_raising_on_a_retry_ends_the_session() -> None:
    env = make()
    env.open().fire_close(1006)
    env.connector.fail_with = RuntimeError("SecurityError")
    env.clock.advance(1.0)
    assert env.kinds[-1] == "closed"
    [error] = env.errors
    assert isinstance(error, ConnectionException) and "SecurityError" in str(error)
    assert isinstance(error.__cause__, RuntimeError)


async def test_connect_raising_at_first_propagates() -> None:
    connector = FakeConnector()
    connector.fail_with = ConnectionException(URL, "bad URL")
    with pytest.raises(ConnectionException, match="bad URL"):
        ReconnectingSession(connector, clock=FakeClock())


# -- sending --------------------------------------------------------------------------


async def test_sends_while_disconnected_are_flushed_in_order_before_new_sends() -> None:
    env = make()
    first = env.open()
    first.fire_close(1006)
    env.session.send_nowait("one")
    await env.session.send("two")
    env.session.send_nowait(b"three")
    assert env.session.queued == 3
    # A collector that sends as soon as the state says open must come after the queue.
    env.session.is_open.filter(bool).handled_by(lambda _: env.session.send_nowait("new"))
    env.clock.advance(0.25)
    second = env.open()
    env.session.send_nowait("later")
    assert second.sent == ["one", "two", b"three", "new", "later"]
    assert first.sent == [] and env.session.queued == 0


async def test_state_flags_first_read_after_open_start_from_the_current_state() -> None:
    # The flags are made on first use: one read only after the open sees it.
    env = make()
    env.open()
    flags: list[tuple[str, bool]] = []
    env.session.is_open.handled_by(lambda v: flags.append(("open", v)))
    env.session.is_connecting.handled_by(lambda v: flags.append(("connecting", v)))
    env.session.is_closed.handled_by(lambda v: flags.append(("closed", v)))
    assert flags == [("open", True), ("connecting", False), ("closed", False)]
    assert env.session.is_closed is env.session.is_closed


async def test_sends_while_first_connecting_are_queued_too() -> None:
    env = make()
    env.session.send_nowait("early")
    assert env.connector.last.sent == []
    env.open()
    assert env.connector.last.sent == ["early"]


async def test_the_send_queue_is_bounded_and_overflow_raises() -> None:
    env = make(Reconnect(max_queued=2))
    env.open().fire_close(1006)
    env.session.send_nowait("a")
    env.session.send_nowait("b")
    with pytest.raises(SendException, match="queue is full: 2 frames") as info:
        env.session.send_nowait("c")
    assert info.value.state == "reconnecting"
    with pytest.raises(SendException):
        await env.session.send("d")
    env.clock.advance(0.25)
    assert env.open().sent == ["a", "b"]


async def test_a_zero_queue_refuses_sends_while_disconnected() -> None:
    env = make(Reconnect(max_queued=0))
    with pytest.raises(SendException):
        env.session.send_nowait("a")


async def test_queued_buffers_are_copied_and_bad_types_refused() -> None:
    env = make()
    buffer = bytearray(b"abc")
    env.session.send_nowait(buffer)
    buffer[0] = ord("X")  # the caller reuses its buffer before the flush
    with pytest.raises(TypeError):
        env.session.send_nowait({"op": "put"})
    with pytest.raises(TypeError):
        env.session.send_nowait(42)
    assert env.open().sent == [b"abc"]


async def test_sends_after_close_raise_and_queued_frames_are_dropped() -> None:
    env = make()
    env.session.send_nowait("unsent")
    await env.session.close()
    assert env.session.queued == 0
    with pytest.raises(SendException, match="closed"):
        await env.session.send("late")


# -- messages, opens and closes across reconnects ---------------------------------------


async def test_messages_continue_across_reconnects_for_the_same_collector() -> None:
    env = make()

    async def read() -> list[str]:
        return [m async for m in env.session.messages]

    reader = asyncio.create_task(read())
    await settle(lambda: env.session.messages.subscriber_count == 2)
    env.open().fire_message("1")
    env.connector.last.fire_close(1006)  # the old session's messages flow completes
    env.clock.advance(0.25)
    env.open().fire_message("2")
    env.connector.last.fire_close(1012)
    env.clock.advance(0.5)
    env.open().fire_message("3")
    await env.session.close()
    assert env.messages == ["1", "2", "3"]
    assert await reader == ["1", "2", "3"]


async def test_the_messages_flows_emit_nowait_is_used_only_while_it_has_no_collector() -> None:
    class Recording(MutableSharedFlow[str]):
        def __init__(self) -> None:
            super().__init__()
            self.emitted: list[str] = []

        def emit_nowait(self, value: str) -> None:
            self.emitted.append(value)
            super().emit_nowait(value)

    messages = Recording()
    connector = FakeConnector()
    session = ReconnectingSession(connector, EXACT, clock=FakeClock(), messages=messages)
    connector.last.fire_open()
    connector.last.fire_message("before")  # no collector: through emit_nowait
    heard: list[str] = []
    session.messages.handled_by(heard.append)
    connector.last.fire_message("after")  # pushed to the collector directly
    assert (messages.emitted, heard) == (["before"], ["after"])
    await session.close()


async def test_opens_and_closes_report_each_connection() -> None:
    env = make()
    opens: list[OpenEvent] = []
    closes: list[CloseEvent] = []
    env.session.opens.handled_by(opens.append)
    env.session.closes.handled_by(closes.append)
    env.connector.fail_last(1006)
    env.clock.advance(0.25)
    env.open().fire_close(1001, "restart", was_clean=True)
    env.clock.advance(0.5)
    env.open()
    assert len(opens) == 2
    assert [c.code for c in closes] == [1006, 1001]


async def test_a_state_collector_sees_reconnecting_before_the_close_event() -> None:
    env = make()
    seen: list[str] = []
    env.session.closes.handled_by(lambda _: seen.append(str(env.session.state.value)))
    env.open().fire_close(1006)
    assert seen == ["reconnecting"]


# -- connect timeout and heartbeat -----------------------------------------------------------


async def test_a_connection_stuck_connecting_is_given_up_after_the_timeout() -> None:
    env = make(Reconnect(jitter="none", connect_timeout=3.0))
    closes: list[CloseEvent] = []
    env.session.closes.handled_by(closes.append)
    stuck = env.connector.last
    env.clock.advance(2.9)
    assert env.kinds == ["connecting"]
    env.clock.advance(0.1)
    assert env.states[-1] == ReconnectState("reconnecting", 1, 0.25)
    await settle(lambda: bool(stuck.close_calls))
    assert stuck.close_calls == [(1000, "connect timeout")]
    env.clock.advance(0.25)
    assert len(env.connector.sessions) == 2
    stuck.fire_open()  # too late: neither its open nor its messages count
    stuck.fire_message("stale")
    assert env.kinds[-1] == "reconnecting" and env.messages == []
    stuck.fire_close(1006)  # its close is still reported, when it comes
    assert [c.code for c in closes] == [1006]
    assert env.kinds[-1] == "reconnecting"
    env.open()
    assert env.kinds[-1] == "open"


async def test_each_timed_out_attempt_counts_as_a_failure() -> None:
    env = make(Reconnect(jitter="none", connect_timeout=1.0, max_retries=2))
    env.clock.advance(1.0 + 0.25 + 1.0 + 0.5 + 1.0)
    assert env.kinds == ["connecting", "reconnecting", "reconnecting", "closed"]
    assert isinstance(env.errors[0], ReconnectFailed) and env.errors[0].last_code is None


async def test_the_heartbeat_pings_and_any_answer_keeps_the_connection() -> None:
    env = make(Reconnect(heartbeat=(10.0, 3.0)))
    connection = env.open()
    env.clock.advance(10.0)
    assert [json.loads(str(f)) for f in connection.sent] == [{"op": "ping", "t": 1010.0}]
    connection.fire_message('{"op":"pong","t":1010.0}')
    env.clock.advance(3.0)
    assert env.kinds[-1] == "open"
    env.clock.advance(7.0)  # the next ping, 10 s after the first
    assert len(connection.sent) == 2
    connection.fire_message('{"op":"state"}')  # any message proves the connection alive
    env.clock.advance(3.0)
    assert env.kinds[-1] == "open" and len(env.connector.sessions) == 1


async def test_a_missing_pong_declares_the_connection_dead_and_reconnects() -> None:
    env = make(Reconnect(jitter="none", heartbeat=(10.0, 3.0)), close_completes=False)
    half_open = env.open()
    env.clock.advance(12.9)
    assert env.kinds[-1] == "open"
    env.clock.advance(0.1)
    assert env.states[-1] == ReconnectState("reconnecting", 1, 0.25)
    await settle(lambda: bool(half_open.close_calls))
    assert half_open.close_calls == [(1000, "no heartbeat")]
    half_open.fire_message("from the dead")  # no longer forwarded
    env.clock.advance(0.25)
    env.open().fire_message("alive")
    assert env.messages == ["alive"]
    assert env.kinds[-2:] == ["reconnecting", "open"]


async def test_a_half_open_connection_that_was_stable_resets_the_counter() -> None:
    env = make(Reconnect(jitter="none", heartbeat=(10.0, 3.0)), close_completes=False)
    env.connector.fail_last()
    env.clock.advance(0.25)
    env.open()
    env.clock.advance(13.0)  # up 10 s before the missed pong: stable
    assert env.states[-1] == ReconnectState("reconnecting", 1, 0.25)


# -- async with, the default clock, the real websocket Session ------------------------------


async def test_async_with_waits_for_the_open_and_closes_on_exit() -> None:
    clock = FakeClock()
    connector = FakeConnector()

    async def use() -> None:
        async with ReconnectingSession(connector, clock=clock) as session:
            await session.send("inside")

    task = asyncio.create_task(use())
    await settle(lambda: bool(connector.sessions))
    connector.last.fire_open()
    await task
    assert connector.last.sent == ["inside"]
    assert connector.last.close_calls == [(1000, "")]


async def test_async_with_raises_why_the_session_ended() -> None:
    clock = FakeClock()
    connector = FakeConnector()

    async def use() -> None:
        async with ReconnectingSession(connector, Reconnect(max_retries=0), clock=clock):
            pass

    task = asyncio.create_task(use())
    await settle(lambda: bool(connector.sessions))
    connector.fail_last()
    with pytest.raises(ReconnectFailed):
        await task


async def test_the_default_clock_is_the_running_event_loop() -> None:
    connector = FakeConnector()
    session: FakeReconnecting = ReconnectingSession(connector)
    connector.last.fire_open()
    connector.last.fire_close(1006)
    assert session.retry_now()
    await settle(lambda: len(connector.sessions) == 2)
    assert len(connector.sessions) == 2
    connector.last.fire_open()
    await session.close()
    assert session.state.value.kind == "closed"


@pytest.fixture
def fake_js(monkeypatch: pytest.MonkeyPatch) -> FakeJs:
    monkeypatch.setattr(_js, "_live", 0)
    return install(monkeypatch)


async def test_it_drives_the_real_websocket_session(fake_js: FakeJs) -> None:
    socket = websocket(URL)
    clock = FakeClock()

    def connect() -> SessionLike[MessageEvent, OpenEvent, CloseEvent]:
        return Session(socket)  # mypy checks that websocket.Session is a SessionLike

    session = ReconnectingSession(connect, Reconnect(jitter="none"), clock=clock)
    bodies: list[str] = []
    session.messages.map(lambda e: e.body).handled_by(bodies.append)
    session.send_nowait("queued")
    fake_js.socket.fire_open()
    fake_js.socket.fire_message("one")
    fake_js.socket.fire_close(1006, "", was_clean=False)
    assert session.state.value == ReconnectState("reconnecting", 1, 0.25)
    clock.advance(0.25)
    assert len(fake_js.sockets) == 2
    fake_js.socket.fire_open()
    fake_js.socket.fire_message("two")
    assert bodies == ["one", "two"]
    assert fake_js.sockets[0].sent == ["queued"]
    closing = asyncio.create_task(session.close())
    await settle(lambda: bool(fake_js.socket.close_calls))
    fake_js.socket.fire_close(1000, "", was_clean=True)
    await closing
    assert session.state.value.kind == "closed"
    await settle(lambda: _js.live_proxies() == 0)
    assert _js.live_proxies() == 0
