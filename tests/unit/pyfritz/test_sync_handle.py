"""Tests of pyfritz.sync_handle: the Sync handle's stop()."""

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

from pyfritz.server import Hub

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
