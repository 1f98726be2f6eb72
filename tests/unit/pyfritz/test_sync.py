"""Tests of pyfritz.sync against the real hub in-process, through fake sessions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fakes.fake_clock import FakeClock
from fakes.fake_sync import FakeMessage, FakeSession, FakeSocket, pump
from fakes.sync_server import run_now
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyfritz import sync as sync_module
from pyfritz.errors import DecodeError, SyncError
from pyfritz.reconnect import Reconnect
from pyfritz.resource import Resource
from pyfritz.server import Hub, MemoryStorage
from pyfritz.store import RootStore, handler
from pyfritz.sync import SYNC_RECONNECT, BadFrame, PutRefused, Sync, sync_with


@dataclass(frozen=True)
class Person:
    name: str
    age: int = 0
    _id: str = "p1"


def person_id(person: Person) -> str:
    return person._id


people = Resource(Person, id=person_id, empty=Person(""))


class PersonStore(RootStore[Person]):
    """The seed's pattern: sync_with in __init__, with no event loop running."""

    def __init__(self, socket: FakeSocket, initial: Person = Person("local")) -> None:
        super().__init__(initial)
        self.sync = self.sync_with(socket, people)

    @handler
    def birthday(self, person: Person) -> Person:
        return replace(person, age=person.age + 1)

    @handler
    async def slow_rename(self, person: Person, name: str) -> Person:
        await asyncio.sleep(0)
        return replace(person, name=name)


class Shown:
    """Every value a store showed, and every status and error of its sync."""

    def __init__(self, store: RootStore[Person], sync: Sync[Person]) -> None:
        self.values: list[Person] = []
        self.statuses: list[str] = []
        self.errors: list[Exception] = []
        sync_module._listen(store.data, self.values.append, "test")
        sync_module._listen(sync.status, self.statuses.append, "test")
        sync_module._listen(sync.errors, self.errors.append, "test")


@pytest.fixture(autouse=True)
def no_connection_left() -> Iterator[None]:
    yield
    left = dict(sync_module._connections)
    sync_module._connections.clear()
    assert not left, "a test left a sync running"


@pytest.fixture
def hub() -> Hub:
    return Hub(MemoryStorage(), max_value=200)


def value_of(hub: Hub, id: str = "p1") -> Person | None:
    rev, value = run_now(hub.get(id))
    return None if rev == 0 else people.from_json_value(value)


def ops(session: FakeSession) -> list[str]:
    return [json.loads(text)["op"] for text in session.up]


# -- joining ------------------------------------------------------------------


def test_sync_with_in_init_joins_the_entity_without_a_running_loop() -> None:
    socket = FakeSocket()
    store = PersonStore(socket)
    assert socket.session.take_sent() == [{"op": "join", "id": "p1", "rev": None}]
    assert store.sync.status.value == "connecting"
    store.sync.stop()


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


@pytest.mark.parametrize(
    ("frame", "error", "match"),
    [
        ("{not json", BadFrame, "not JSON"),
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


def test_a_binary_frame_is_reported(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = PersonStore(socket)
    shown = Shown(store, store.sync)
    pump(socket.session)
    socket.session.messages.emit_nowait(FakeMessage(b"\x00"))
    assert [type(e) for e in shown.errors] == [BadFrame]
    assert store.current == Person("local")
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
    sync_module._listen(sync.errors, errors.append, "test")
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


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        sync_with(RootStore(Person("x")), FakeSocket(), people, mode="magic")  # type: ignore[arg-type]


# -- mode="plain" -------------------------------------------------------------------


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
    sync_module._listen(sync.errors, errors.append, "test")
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


# -- the convergence property -----------------------------------------------------

CLIENTS = 3
ENTITIES = ("p1", "p2")
MAX_VALUE = 60  # bytes of JSON: a name of 50 characters is refused

names = st.one_of(st.text("abc", max_size=4), st.just("x" * 50))
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("edit"),
            st.integers(0, CLIENTS - 1),
            st.sampled_from(ENTITIES),
            names,
            st.integers(0, 3),
        ),
        st.tuples(st.just("up"), st.integers(0, CLIENTS - 1)),
        st.tuples(st.just("down"), st.integers(0, CLIENTS - 1)),
        st.tuples(st.just("set"), st.sampled_from(ENTITIES), st.text("xyz", max_size=3)),
    ),
    max_size=60,
)


class RecordingStorage(MemoryStorage):
    """Remembers every value the hub ever accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: set[str] = set()

    async def commit(
        self, id: str, value: str, *, origin: str | None = None, seq: int | None = None
    ) -> int:
        self.accepted.add(value)
        return await super().commit(id, value, origin=origin, seq=seq)


def _json(person: Person) -> str:
    return json.dumps(people.to_json_value(person), ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, seeded=st.booleans())
def test_when_quiet_every_store_holds_the_servers_last_accepted_state(
    steps: list[tuple[Any, ...]], seeded: bool
) -> None:
    storage = RecordingStorage()
    hub = Hub(storage, max_value=MAX_VALUE)
    if seeded:
        run_now(hub.set("p1", people.to_json_value(Person("seed", 9, "p1"))))
    sockets = [FakeSocket(hub) for _ in range(CLIENTS)]
    # Every client follows both entities over one connection.
    stores = [[RootStore(Person(f"c{c}", 0, id)) for id in ENTITIES] for c in range(CLIENTS)]
    syncs = [[store.sync_with(sockets[c], people) for store in stores[c]] for c in range(CLIENTS)]
    sessions = [socket.session for socket in sockets]
    initial = {_json(store.current) for row in stores for store in row}
    edited: list[set[str]] = [set() for _ in range(CLIENTS)]
    shown: list[list[Person]] = [[] for _ in range(CLIENTS)]
    for c, row in enumerate(stores):
        for store in row:
            sync_module._listen(store.data, shown[c].append, "test")

    last_edit: dict[tuple[int, int], Person] = {}
    for step in steps:
        if step[0] == "edit":
            _, c, id, name, age = step
            store = stores[c][ENTITIES.index(id)]
            value = Person(name, age, id)
            edited[c].add(_json(value))
            last_edit[c, ENTITIES.index(id)] = value
            store.update(value)
        elif step[0] == "up":
            sessions[step[1]].deliver_up()
        elif step[0] == "down":
            sessions[step[1]].deliver_down()
        else:
            _, id, name = step
            run_now(hub.set(id, people.to_json_value(Person(name, 0, id))))
        # While an own change is unanswered, the store shows it, whatever arrives.
        for (c, e), value in last_edit.items():
            if syncs[c][e].status.value == "pending":
                assert stores[c][e].current == value
    pump(*sessions)

    for id in ENTITIES:
        rev, value = run_now(hub.get(id))
        assert rev > 0  # the empty entity got published
        for c in range(CLIENTS):
            store = stores[c][ENTITIES.index(id)]
            assert people.to_json_value(store.current) == value, (c, id)
            assert syncs[c][ENTITIES.index(id)].status.value in ("synced", "error")
    for c in range(CLIENTS):
        for person in shown[c]:
            text = _json(person)
            # Only what the server accepted, or what this client itself typed.
            assert text in storage.accepted or text in edited[c] or text in initial, person
        for sync in syncs[c]:
            sync.stop()
    assert hub.session_count == 0


# -- reconnecting --------------------------------------------------------------------
#
# A socket with a fake clock gives the real ReconnectingSession over fake
# connections to the real hub: ``socket.session`` is the latest underlying
# connection; the test opens and drops it; ``later(clock)`` lets the backoff
# (at most its cap) pass, so that the next connection is attempted.


def later(clock: FakeClock) -> None:
    clock.advance(SYNC_RECONNECT.cap)


def connected(hub: Hub, clock: FakeClock) -> tuple[FakeSocket, PersonStore]:
    """A store syncing over a reconnecting fake socket, joined and quiet."""
    socket = FakeSocket(hub, clock=clock)
    store = PersonStore(socket)
    socket.session.open()
    pump(socket.session)
    return socket, store


def reconnected(socket: FakeSocket, clock: FakeClock) -> FakeSession:
    """Let the backoff pass and open the next connection."""
    count = len(socket.sessions)
    later(clock)
    assert len(socket.sessions) == count + 1
    socket.session.open()
    return socket.session


def sent_frames(session: FakeSession) -> list[dict[str, Any]]:
    return [json.loads(text) for text in session.up]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_sync_with_reconnects_by_default_with_a_heartbeat() -> None:
    socket = FakeSocket()
    syncs = [
        RootStore(Person("a", _id="a")).sync_with(socket, people),
        RootStore(Person("b", _id="b")).sync_with(socket, people, reconnect=False),
        RootStore(Person("c", _id="c")).sync_with(socket, people, mode="plain"),
    ]
    assert socket.policies == [SYNC_RECONNECT, None, Reconnect()]
    assert SYNC_RECONNECT.heartbeat is not None
    for sync in syncs:
        sync.stop()


def test_a_reconnect_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="reconnect must be"):
        RootStore(Person("x")).sync_with(FakeSocket(), people, reconnect="yes")  # type: ignore[arg-type]


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


async def test_each_reopen_takes_the_client_id_of_the_new_connection(
    hub: Hub, clock: FakeClock
) -> None:
    socket, store = connected(hub, clock)
    first = socket.session.server
    socket.session.drop()
    session = reconnected(socket, clock)
    pump(session)
    assert session.server is not None and first is not None
    assert sync_module._connections[(socket, SYNC_RECONNECT)].client == session.server.client
    assert session.server.client != first.client
    store.birthday()
    pump(session)  # the echo is recognised as our own under the new id
    assert store.sync.status.value == "synced"
    assert value_of(hub) == Person("local", 1)
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
