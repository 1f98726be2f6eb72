"""Tests of pyfritz.sync_plain: fritz2's wire format, against fake sessions."""

from __future__ import annotations

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_sync import FakeSocket
from fakes.sync_people import (
    Person,
    later,
    people,
)

from pyfritz.errors import DecodeError
from pyfritz.store import RootStore
from pyfritz.sync_handle import _listen

pytestmark = pytest.mark.usefixtures("no_connection_left")


def test_plain_mode_sends_the_entity_json_and_takes_incoming_json() -> None:
    socket = FakeSocket(opened=False)
    store = RootStore(Person("a"))
    sync = store.sync_with(socket, people, mode="plain")
    session = socket.session
    assert not session.up  # the initial value is not sent
    assert sync.status.value == "connecting"
    session.open()
    assert sync.status.value == "synced"
    store.update(Person("b"))
    assert list(session.up) == [people.encode(Person("b"))]
    session.up.clear()
    session.push(people.encode(Person("from server", 4)))
    assert store.current == Person("from server", 4)
    assert not session.up  # not echoed back
    sync.stop()
    assert session.close_calls == 1


def test_plain_mode_reports_undecodable_frames_and_keeps_the_value() -> None:
    socket = FakeSocket(opened=False)
    store = RootStore(Person("a"))
    sync = store.sync_with(socket, people, mode="plain")
    errors: list[Exception] = []
    _listen(sync.errors, errors.append, "test")
    socket.session.open()
    socket.session.push('{"name": 3}')
    assert store.current == Person("a")
    assert [type(e) for e in errors] == [DecodeError]
    assert sync.status.value == "error"
    socket.session.push(people.encode(Person("fine")))
    assert store.current == Person("fine")
    assert sync.status.value == "synced"
    sync.stop()


def test_plain_mode_uses_a_connection_of_its_own() -> None:
    socket = FakeSocket(opened=False)
    one = RootStore(Person("a")).sync_with(socket, people, mode="plain")
    two = RootStore(Person("b")).sync_with(socket, people, mode="plain")
    assert len(socket.sessions) == 2
    one.stop()
    two.stop()


async def test_plain_mode_sends_only_the_latest_local_value_after_a_reconnect(
    clock: FakeClock,
) -> None:
    socket = FakeSocket(clock=clock)
    store = RootStore(Person("a"))
    sync = store.sync_with(socket, people, mode="plain")
    socket.session.open()
    assert sync.status.value == "synced"
    socket.session.drop()
    assert sync.status.value == "reconnecting"
    store.update(Person("b"))
    store.update(Person("c"))
    later(clock)
    socket.session.open()
    assert list(socket.session.up) == [people.encode(Person("c"))]
    assert sync.status.value == "synced"
    sync.stop()
