"""Tests of pyfritz.sync_connection: one session per socket, frames routed by id."""

from __future__ import annotations

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_sync import FakeMessage, FakeSocket, pump
from fakes.sync_people import (
    Person,
    PersonStore,
    Shown,
    connected,
    reconnected,
    value_of,
)
from fakes.sync_server import run_now

from pyfritz.errors import DecodeError, SyncError
from pyfritz.server import Hub
from pyfritz.sync import SYNC_RECONNECT, BadFrame
from pyfritz.sync_connection import _connections

pytestmark = pytest.mark.usefixtures("no_connection_left")


@pytest.mark.parametrize(
    ("frame", "error", "match"),
    [
        ("{not json", BadFrame, "not JSON"),
        ("", BadFrame, "not JSON"),
        ('{"op": "state"} trailing', BadFrame, "not JSON"),
        ('{"op": "state", "id": "p1", "rev": NaN, "value": {}}', BadFrame, "not JSON"),
        ("[1, 2]", BadFrame, "not a JSON object"),
        ('{"op": "shout", "id": "p1"}', BadFrame, "unknown op 'shout'"),
        ('{"op": "state", "id": 5, "rev": 9, "value": {}}', BadFrame, "'id' must be a string"),
        ('{"op": "state", "id": "p1", "rev": -1, "value": {}}', BadFrame, "'rev'"),
        ('{"op": "state", "id": "p1", "rev": 9, "value": null}', BadFrame, "must not be null"),
        ('{"op": "state", "id": "p1", "rev": 9, "value": {"age": 3}}', DecodeError, "name"),
        (
            '{"op": "state", "id": "p1", "rev": 9, "value": {"name": "x", "_id": "p2"}}',
            BadFrame,
            "another entity",
        ),
        ('{"op": "error", "id": null, "seq": null, "reason": "no"}', BadFrame, "no"),
        ('{"op": "error", "id": "p1", "seq": null, "reason": "no"}', SyncError, "no"),
    ],
)
def test_a_bad_frame_is_reported_and_the_store_keeps_its_value(
    hub: Hub, frame: str, error: type[Exception], match: str
) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    shown = Shown(store, store.sync)
    pump(socket.session)
    socket.session.push(frame)
    assert store.current == Person("local")
    assert store.sync.status.value == "error"
    [reported] = shown.errors
    assert isinstance(reported, error)
    assert match in str(reported)
    run_now(hub.set("p1", {"name": "later", "_id": "p1"}))  # the sync keeps running
    pump(socket.session)
    assert store.current == Person("later")
    assert store.sync.status.value == "synced"
    store.sync.stop()


def test_a_frame_with_whitespace_around_it_is_read(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    shown = Shown(store, store.sync)
    pump(socket.session)
    frame = '{"op": "state", "id": "p1", "rev": 9, "value": {"name": "ws", "_id": "p1"}}'
    socket.session.push(f"  {frame}\n")
    assert store.current == Person("ws")
    assert shown.errors == []
    store.sync.stop()


def test_a_binary_frame_is_reported(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    shown = Shown(store, store.sync)
    pump(socket.session)
    socket.session.messages.emit_nowait(FakeMessage(b"\x00"))
    assert [type(e) for e in shown.errors] == [BadFrame]
    assert store.current == Person("local")
    store.sync.stop()


def test_stores_on_one_socket_share_one_session_multiplexed_by_id(hub: Hub) -> None:
    run_now(hub.set("p2", {"name": "two", "_id": "p2"}))
    socket = FakeSocket(hub)
    one = PersonStore(socket, Person("one", _id="p1"))
    two = PersonStore(socket, Person("?", _id="p2"))
    assert len(socket.sessions) == 1
    pump(socket.session)
    assert (one.current, two.current) == (Person("one"), Person("two", _id="p2"))
    one.birthday()
    two.birthday()
    pump(socket.session)
    assert value_of(hub, "p1") == Person("one", 1)
    assert value_of(hub, "p2") == Person("two", 1, "p2")
    one.sync.stop()
    assert socket.session.state.value != "closed"  # two still uses it
    two.sync.stop()
    assert socket.session.close_calls == 1
    assert hub.session_count == 0


def test_two_stores_of_one_entity_on_one_session_see_each_others_changes(hub: Hub) -> None:
    socket = FakeSocket(hub)
    one, two = PersonStore(socket), PersonStore(socket)
    pump(socket.session)
    one.update(Person("from one"))
    pump(socket.session)
    assert two.current == Person("from one")
    two.birthday()
    one.update(Person("again"))
    pump(socket.session)
    assert one.current == two.current == value_of(hub)
    one.sync.stop()
    assert hub.follower_count("p1") == 1  # two still follows it
    two.sync.stop()


def test_an_echo_of_another_store_on_the_same_connection_is_not_taken_as_own() -> None:
    socket = FakeSocket()
    one = PersonStore(socket, Person("one", _id="p1"))
    two = PersonStore(socket, Person("two", _id="p1"))
    session = socket.session
    session.take_sent()
    session.push({"op": "snapshot", "id": "p1", "rev": 0, "value": None, "client": "me"})
    session.push({"op": "snapshot", "id": "p1", "rev": 0, "value": None, "client": "me"})
    sent = session.take_sent()
    assert [(f["op"], f["seq"]) for f in sent] == [("put", 1), ("put", 2)]
    value = sent[1]["value"]
    session.push(
        {"op": "state", "id": "p1", "rev": 1, "value": value, "origin": "me", "seq": 2}
    )  # two's put, same client id: one takes it only once its own is answered
    assert one.current == Person("one")
    assert two.current == Person("two")
    assert two.sync.status.value == "synced"
    assert one.sync.status.value == "pending"
    one.sync.stop()
    two.sync.stop()


async def test_each_reopen_takes_the_client_id_of_the_new_connection(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    first = socket.session.server
    socket.session.drop()
    session = reconnected(socket, clock)
    pump(session)
    assert session.server is not None and first is not None
    assert _connections[(socket, SYNC_RECONNECT)].client == session.server.client
    assert session.server.client != first.client
    store.birthday()
    pump(session)  # the echo is recognised as our own under the new id
    assert store.sync.status.value == "synced"
    assert value_of(hub) == Person("local", 1)
    store.sync.stop()
