"""Tests of pyfritz.sync_revisions against the real hub in-process, through fake sessions."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_sync import FakeSocket, pump
from fakes.sync_people import (
    Person,
    PersonStore,
    Shown,
    connected,
    later,
    ops,
    people,
    reconnected,
    sent_frames,
    value_of,
)
from fakes.sync_server import run_now

from pyfritz.reconnect import Reconnect
from pyfritz.resource import Resource
from pyfritz.server import Hub
from pyfritz.store import RootStore
from pyfritz.sync import SYNC_RECONNECT, PutRefused, sync_with
from pyfritz.sync_handle import _listen

pytestmark = pytest.mark.usefixtures("no_connection_left")


# -- joining ------------------------------------------------------------------


def test_an_empty_snapshot_publishes_the_local_value(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    session = socket.session
    session.deliver_up()
    session.deliver_down()  # the snapshot: rev 0, no value
    assert [json.loads(t) | {"seq": 0} for t in session.up] == [
        {"op": "put", "id": "p1", "seq": 0, "base": 0, "value": people.to_json_value(store.current)}
    ]
    assert store.sync.status.value == "pending"
    pump(session)
    assert value_of(hub) == Person("local")
    assert store.sync.status.value == "synced"
    store.sync.stop()


def test_a_snapshot_with_a_value_replaces_the_local_one_and_sends_nothing(hub: Hub) -> None:
    run_now(hub.set("p1", {"name": "server", "age": 7, "_id": "p1"}))
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    pump(socket.session)
    assert store.current == Person("server", 7)
    assert run_now(hub.get("p1"))[0] == 1  # the initial value was not re-sent
    assert store.sync.status.value == "synced"
    store.sync.stop()


def test_a_change_made_before_the_snapshot_is_sent_after_it(hub: Hub) -> None:
    run_now(hub.set("p1", {"name": "server", "age": 7, "_id": "p1"}))
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    store.update(Person("typed early"))
    pump(socket.session)
    assert store.current == Person("typed early")
    assert value_of(hub) == Person("typed early")
    store.sync.stop()


# -- local changes --------------------------------------------------------------


def test_changes_while_a_put_is_in_flight_coalesce_into_one_next_put(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    session = socket.session
    pump(session)
    for _ in range(5):
        store.birthday()
    assert ops(session) == ["put"]  # one in flight, the rest wait
    session.deliver_up()
    session.deliver_down()  # the echo of the first
    assert [json.loads(t)["value"]["age"] for t in session.up] == [5]
    pump(session)
    assert value_of(hub) == Person("local", 5)
    assert run_now(hub.get("p1"))[0] == 3  # initial publish, first birthday, the coalesced rest
    store.sync.stop()


def test_a_store_keeps_its_own_in_flight_value_over_a_foreign_state(hub: Hub) -> None:
    a_socket, b_socket = FakeSocket(hub), FakeSocket(hub)
    a, b = PersonStore(a_socket), PersonStore(b_socket)
    pump(a_socket.session, b_socket.session)
    a.update(Person("from a"))
    b.update(Person("from b"))
    b_socket.session.deliver_up()  # server order: b first, then a
    a_socket.session.deliver_up()
    a_socket.session.deliver_down()  # a hears b's state while its own put is unanswered
    assert a.current == Person("from a")
    pump(a_socket.session, b_socket.session)
    assert a.current == b.current == Person("from a") == value_of(hub)
    a.sync.stop()
    b.sync.stop()


def test_a_foreign_state_after_the_own_echo_wins(hub: Hub) -> None:
    a_socket, b_socket = FakeSocket(hub), FakeSocket(hub)
    a, b = PersonStore(a_socket), PersonStore(b_socket)
    pump(a_socket.session, b_socket.session)
    a.update(Person("from a"))
    b.update(Person("from b"))
    a_socket.session.deliver_up()  # server order: a first, then b
    b_socket.session.deliver_up()
    pump(a_socket.session, b_socket.session)
    assert a.current == b.current == Person("from b") == value_of(hub)
    a.sync.stop()
    b.sync.stop()


def test_a_value_from_the_server_is_never_sent_back(hub: Hub) -> None:
    a_socket, b_socket = FakeSocket(hub), FakeSocket(hub)
    a, b = PersonStore(a_socket), PersonStore(b_socket)
    pump(a_socket.session, b_socket.session)
    rev = run_now(hub.get("p1"))[0]
    a.update(Person("once"))
    pump(a_socket.session, b_socket.session)
    run_now(hub.set("p1", {"name": "by the server", "_id": "p1"}))
    pump(a_socket.session, b_socket.session)
    assert a.current == b.current == Person("by the server")
    assert run_now(hub.get("p1"))[0] == rev + 2  # a's put and the server's set: no echo from anyone
    a.sync.stop()
    b.sync.stop()


def test_a_server_side_change_reaches_every_store(hub: Hub) -> None:
    sockets = [FakeSocket(hub) for _ in range(3)]
    stores = [PersonStore(socket) for socket in sockets]
    sessions = [socket.session for socket in sockets]
    pump(*sessions)
    run_now(hub.set("p1", {"name": "news", "age": 3, "_id": "p1"}))
    pump(*sessions)
    assert [store.current for store in stores] == [Person("news", 3)] * 3
    for store in stores:
        store.sync.stop()


def test_an_update_queued_behind_an_async_handler_does_not_override_a_local_change(
    hub: Hub,
) -> None:
    async def scenario() -> None:
        a_socket, b_socket = FakeSocket(hub), FakeSocket(hub)
        a, b = PersonStore(a_socket), PersonStore(b_socket)
        pump(a_socket.session, b_socket.session)
        a.slow_rename("renamed")  # async: the store is busy until it is applied
        b.update(Person("from b"))
        pump(a_socket.session, b_socket.session)  # b's state reaches a while a is busy
        await a.settled()
        assert a.current == Person("renamed")  # the local change, not b's state over it
        pump(a_socket.session, b_socket.session)
        assert a.current == b.current == Person("renamed") == value_of(hub)
        a.sync.stop()
        b.sync.stop()

    asyncio.run(scenario())


def test_an_update_made_by_a_collector_of_the_server_value_runs_after_it_and_is_sent(
    hub: Hub,
) -> None:
    a_socket, b_socket = FakeSocket(hub), FakeSocket(hub)
    a, b = PersonStore(a_socket), PersonStore(b_socket)
    pump(a_socket.session, b_socket.session)
    seen: list[Person] = []

    def react(person: Person) -> None:
        seen.append(person)
        if person == Person("from b"):
            a.birthday()  # inside the write of the server's value: queued, applied after it

    _listen(a.data, react, "test")
    b.update(Person("from b"))
    pump(a_socket.session, b_socket.session)
    assert seen[1:] == [Person("from b"), Person("from b", 1)]
    assert a.current == b.current == Person("from b", 1) == value_of(hub)
    a.sync.stop()
    b.sync.stop()


def test_a_change_made_inside_the_write_of_a_server_value_shows_pending_until_answered(
    hub: Hub,
) -> None:
    a_socket, b_socket = FakeSocket(hub), FakeSocket(hub)
    a, b = PersonStore(a_socket), PersonStore(b_socket)
    pump(a_socket.session, b_socket.session)
    statuses: list[str] = []
    _listen(a.sync.status, statuses.append, "test")
    _listen(a.data, lambda person: a.birthday() if person == Person("from b") else None, "test")
    b.update(Person("from b"))
    assert b_socket.session.deliver_up()  # the server broadcasts b's put
    assert a_socket.session.deliver_down()  # a takes it; its collector changes it at once
    assert a.current == Person("from b", 1)
    assert statuses == ["synced", "pending"]
    pump(a_socket.session, b_socket.session)
    assert statuses == ["synced", "pending", "synced"]
    assert b.current == value_of(hub) == Person("from b", 1)
    a.sync.stop()
    b.sync.stop()


def test_a_sub_store_syncs_through_its_roots_queue(hub: Hub) -> None:
    @dataclass(frozen=True)
    class Page:
        person: Person
        title: str = "t"

    socket, other_socket = FakeSocket(hub), FakeSocket(hub)
    root = RootStore(Page(Person("local")))
    person = root.sub("person")
    sync = sync_with(person, socket, people)
    other = PersonStore(other_socket)
    pump(socket.session, other_socket.session)
    other.update(Person("from other"))
    pump(socket.session, other_socket.session)
    assert root.current == Page(Person("from other"))  # the server's value, through the lens
    person.update(Person("from sub"))
    pump(socket.session, other_socket.session)
    assert other.current == value_of(hub) == Person("from sub")
    assert sync.status.value == "synced"
    sync.stop()
    other.sync.stop()


# -- refusals and bad frames ----------------------------------------------------


def test_a_refused_put_is_reported_and_the_store_takes_the_server_state(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    shown = Shown(store, store.sync)
    pump(socket.session)
    store.update(Person("x" * 300))  # larger than the hub's max_value
    store.birthday()  # made on top of the refused change: goes with it
    pump(socket.session)
    assert store.current == Person("local") == value_of(hub)
    assert store.sync.status.value == "error"
    [refused] = shown.errors
    assert isinstance(refused, PutRefused)
    assert refused.id == "p1"
    assert "too large" in refused.reason
    store.birthday()  # the sync goes on
    assert store.sync.status.value == "pending"
    pump(socket.session)
    assert value_of(hub) == Person("local", 1)
    assert store.sync.status.value == "synced"
    store.sync.stop()


def test_a_refused_first_publish_falls_back_to_the_value_the_store_began_with(
    hub: Hub,
) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    store.update(Person("x" * 300))  # before the snapshot: it would be the first publish
    pump(socket.session)
    assert store.current == Person("local") == value_of(hub)
    assert store.sync.status.value == "synced"
    store.sync.stop()


def test_a_value_that_cannot_be_encoded_is_reported_and_not_sent(hub: Hub) -> None:
    @dataclass(frozen=True)
    class Reading:
        value: float
        id: str = "r1"

    readings = Resource(Reading, id=lambda r: r.id, empty=Reading(0.0))
    socket = FakeSocket(hub)
    store = RootStore(Reading(1.0))
    sync = store.sync_with(socket, readings)
    pump(socket.session)
    errors: list[Exception] = []
    _listen(sync.errors, errors.append, "test")
    store.update(Reading(float("nan")))
    assert not socket.session.up
    assert [type(e) for e in errors] == [ValueError]
    assert sync.status.value == "error"
    store.update(Reading(2.0))
    pump(socket.session)
    assert run_now(hub.get("r1")) == (2, {"value": 2.0, "id": "r1"})
    sync.stop()


# -- ids, several stores, stop ----------------------------------------------------


def test_an_id_change_leaves_the_old_entity_and_joins_the_new_one(hub: Hub) -> None:
    run_now(hub.set("p2", {"name": "two", "_id": "p2"}))
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    pump(socket.session)
    store.update(Person("whatever", _id="p2"))
    pump(socket.session)
    assert store.current == Person("two", _id="p2")  # the server's p2
    assert hub.follower_count("p1") == 0
    assert hub.follower_count("p2") == 1
    run_now(hub.set("p1", {"name": "ignored", "_id": "p1"}))
    store.update(Person("new", _id="p3"))  # unknown to the server: published
    pump(socket.session)
    assert value_of(hub, "p3") == Person("new", _id="p3")
    assert store.current == Person("new", _id="p3")
    store.sync.stop()


def test_an_invalid_id_is_reported_and_nothing_is_joined() -> None:
    socket = FakeSocket()
    store = RootStore(Person("x", _id=""))
    sync = store.sync_with(socket, people)
    assert sync.status.value == "error"
    assert not socket.session.up
    store.update(Person("y", _id="ok"))
    assert socket.session.take_sent() == [{"op": "join", "id": "ok", "rev": None}]
    sync.stop()


def test_a_closed_connection_makes_the_status_offline_and_changes_wait(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    pump(socket.session)
    store.birthday()
    socket.session.drop()
    assert store.sync.status.value == "offline"
    store.birthday()  # no error: kept for a reconnect
    assert store.current.age == 2
    again = PersonStore(socket)  # a new sync opens a new connection
    assert len(socket.sessions) == 2
    again.sync.stop()
    store.sync.stop()


# -- reconnecting --------------------------------------------------------------------
#
# A socket with a fake clock gives the real ReconnectingSession over fake
# connections to the real hub: ``socket.session`` is the latest underlying
# connection; the test opens and drops it; ``later(clock)`` lets the backoff
# (at most its cap) pass, so that the next connection is attempted.


async def test_a_lost_connection_shows_reconnecting_then_rejoins_with_the_last_rev(
    hub: Hub, clock: FakeClock
) -> None:
    socket = FakeSocket(hub, clock=clock)
    store = PersonStore(socket)
    assert store.sync.status.value == "connecting"
    assert not socket.session.up  # nothing is handed to a connection that is not open
    socket.session.open()
    pump(socket.session)
    assert store.sync.status.value == "synced"
    rev = run_now(hub.get("p1"))[0]
    socket.session.drop()
    assert store.sync.status.value == "reconnecting"
    later(clock)
    assert store.sync.status.value == "reconnecting"  # attempted, not open yet
    socket.session.open()
    session = socket.session
    assert sent_frames(session) == [{"op": "join", "id": "p1", "rev": rev}]
    assert store.sync.status.value == "connecting"
    pump(session)
    assert store.sync.status.value == "synced"
    store.sync.stop()


async def test_changes_while_reconnecting_are_not_queued_and_only_the_latest_goes_out(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    rev = run_now(hub.get("p1"))[0]
    socket.session.drop()
    for _ in range(3):
        store.birthday()
    assert socket.reconnecting[0].queued == 0  # sync does not use the session's queue
    assert store.sync.status.value == "reconnecting"
    session = reconnected(socket, clock)
    assert ops(session) == ["join"]  # first the join, then the snapshot decides
    session.deliver_up()
    session.deliver_down()  # the snapshot
    assert [(f["op"], f["value"]["age"], f["base"]) for f in sent_frames(session)] == [
        ("put", 3, rev)
    ]
    pump(session)
    assert value_of(hub) == Person("local", 3)
    assert run_now(hub.get("p1"))[0] == rev + 1  # one put: no stale intermediate states
    assert store.sync.status.value == "synced"
    store.sync.stop()


async def test_an_unanswered_put_is_sent_again_after_the_snapshot(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    store.update(Person("lost on the way"))
    assert ops(socket.session) == ["put"]
    socket.session.drop()  # the put never reached the server
    session = reconnected(socket, clock)
    pump(session)
    assert value_of(hub) == Person("lost on the way")
    assert store.current == Person("lost on the way")
    assert store.sync.status.value == "synced"
    store.sync.stop()


async def test_an_unanswered_put_the_server_applied_is_not_sent_again(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    store.update(Person("applied"))
    socket.session.deliver_up()  # applied, but the answer is lost with the connection
    socket.session.drop()
    rev = run_now(hub.get("p1"))[0]
    session = reconnected(socket, clock)
    pump(session)
    assert ops(session) == []
    assert run_now(hub.get("p1"))[0] == rev  # the snapshot had it already: nothing re-sent
    assert store.current == Person("applied")
    assert store.sync.status.value == "synced"
    store.sync.stop()


async def test_a_change_made_by_others_while_disconnected_comes_with_the_snapshot(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    socket.session.drop()
    run_now(hub.set("p1", {"name": "meanwhile", "age": 9, "_id": "p1"}))
    session = reconnected(socket, clock)
    pump(session)
    assert store.current == Person("meanwhile", 9)
    assert ops(session) == []
    store.sync.stop()


async def test_two_stores_converge_after_one_reconnects(hub: Hub, clock: FakeClock) -> None:
    a_socket, b_socket = FakeSocket(hub, clock=clock), FakeSocket(hub, clock=clock)
    a, b = PersonStore(a_socket), PersonStore(b_socket)
    a_socket.session.open()
    b_socket.session.open()
    pump(a_socket.session, b_socket.session)
    a_socket.session.drop()
    a.update(Person("a offline"))
    b.update(Person("b online"))
    pump(b_socket.session)
    later(clock)
    a_socket.session.open()
    pump(a_socket.session, b_socket.session)
    assert a.current == b.current == value_of(hub) == Person("a offline")  # the last writer
    a.sync.stop()
    b.sync.stop()


async def test_a_half_open_connection_is_found_by_the_heartbeat_and_replaced(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    interval, timeout = SYNC_RECONNECT.heartbeat or (0.0, 0.0)
    clock.advance(interval)
    assert ops(socket.session) == ["ping"]
    pump(socket.session)  # the pong: alive
    clock.advance(interval)
    assert store.sync.status.value == "synced"
    socket.session.hang()
    clock.advance(timeout)
    assert store.sync.status.value == "reconnecting"
    assert socket.session.close_calls == 1
    session = reconnected(socket, clock)
    pump(session)
    assert store.sync.status.value == "synced"
    store.sync.stop()


async def test_a_sync_that_gives_up_is_offline(hub: Hub, clock: FakeClock) -> None:
    socket = FakeSocket(hub, clock=clock)
    store = RootStore(Person("x"))
    sync = store.sync_with(socket, people, reconnect=Reconnect(max_retries=0))
    socket.session.open()
    socket.session.drop()
    assert sync.status.value == "offline"
    later(clock)
    assert len(socket.sessions) == 1
    sync.stop()
