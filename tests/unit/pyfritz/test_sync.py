"""Tests of pyfritz.sync: ``sync_with`` picks a mode and a policy; the convergence property."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes.fake_sync import FakeSocket, pump
from fakes.sync_people import (
    Person,
    PersonStore,
    people,
)
from fakes.sync_server import run_now
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pyfritz.reconnect import Reconnect
from pyfritz.server import Hub, MemoryStorage
from pyfritz.store import RootStore
from pyfritz.sync import SYNC_RECONNECT, sync_with
from pyfritz.sync_handle import _listen

pytestmark = pytest.mark.usefixtures("no_connection_left")


def test_sync_with_in_init_joins_the_entity_without_a_running_loop() -> None:
    socket = FakeSocket()
    store = PersonStore(socket)
    assert socket.session.take_sent() == [{"op": "join", "id": "p1", "rev": None}]
    assert store.sync.status.value == "connecting"
    store.sync.stop()


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        sync_with(RootStore(Person("x")), FakeSocket(), people, mode="magic")  # type: ignore[arg-type]


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
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        self.accepted.add(value)
        return await super().commit(id, value, origin=origin, seq=seq, max_stored=max_stored)


def _json(person: Person) -> str:
    return json.dumps(people.to_json_value(person), ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps, seeded=st.booleans())
# Found by the search: a refused put of an entity the server does not hold
# re-publishes the store's first value, and the status says "error", not
# "pending" (the store no longer shows the refused edit).
@example(
    steps=[
        *[("up", 1), ("edit", 1, "p1", "x" * 50, 0), ("up", 1), ("down", 1)],
        *[("edit", 0, "p2", "x" * 50, 1), ("up", 1), ("down", 1)],
        *[("edit", 2, "p2", "x" * 50, 0), ("down", 1)],
    ],
    seeded=False,
)
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
            _listen(store.data, shown[c].append, "test")

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
