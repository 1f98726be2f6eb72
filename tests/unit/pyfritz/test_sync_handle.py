"""Tests of pyfritz.sync_handle: the Sync handle's stop(), and _listen (sync's push sinks)."""

from __future__ import annotations

import asyncio

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_sync import FakeSocket, pump
from fakes.sync_people import (
    PersonStore,
    connected,
    later,
)

from pyfritz import sync_handle
from pyfritz.flows import MutableSharedFlow, MutableStateFlow
from pyfritz.server import Hub
from pyfritz.sync_handle import _listen

pytestmark = pytest.mark.usefixtures("no_connection_left")


def test_stop_ends_sending_and_writing(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    pump(socket.session)
    store.sync.stop()
    store.sync.stop()  # idempotent
    assert store.sync.status.value == "offline"
    assert store.sync.stopped
    store.birthday()
    assert socket.session.state.value == "closed"
    assert hub.session_count == 0


async def test_stop_while_reconnecting_ends_the_session_for_good(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    socket.session.drop()
    store.sync.stop()
    await asyncio.sleep(0)
    assert store.sync.status.value == "offline"
    assert socket.reconnecting[0].state.value.kind == "closed"
    later(clock)
    assert len(socket.sessions) == 1


def test_listen_skips_the_greeting_and_then_hears_every_change() -> None:
    state = MutableStateFlow(0)
    heard: list[int] = []
    unsubscribe = _listen(state, heard.append, "test", skip=1)
    state.value = 1
    state.value = 2
    unsubscribe()
    state.value = 3
    assert heard == [1, 2]


def test_listen_reports_a_failing_listener_and_keeps_listening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow: MutableSharedFlow[int] = MutableSharedFlow()
    heard: list[int] = []
    failures: list[tuple[BaseException, str]] = []
    monkeypatch.setattr(sync_handle, "report", lambda exc, where="": failures.append((exc, where)))

    def listener(value: int) -> None:
        if value == 1:
            raise ValueError("a bug in sync")
        heard.append(value)

    _listen(flow, listener, "sync: a test")
    for value in (0, 1, 2):
        flow.emit_nowait(value)
    assert heard == [0, 2]
    assert [(str(exc), context) for exc, context in failures] == [("a bug in sync", "sync: a test")]
