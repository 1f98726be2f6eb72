"""People synced through fake sessions to the real hub: the shared parts of the sync tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

from fakes.fake_clock import FakeClock
from fakes.fake_sync import FakeSession, FakeSocket, pump
from fakes.sync_server import run_now
from pyfritz.resource import Resource
from pyfritz.server import Hub
from pyfritz.store import RootStore, SyncHandle, handler
from pyfritz.sync import SYNC_RECONNECT
from pyfritz.sync_handle import _listen

__all__ = [
    "Person",
    "PersonStore",
    "Shown",
    "connected",
    "later",
    "ops",
    "people",
    "person_id",
    "reconnected",
    "sent_frames",
    "value_of",
]


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

    def __init__(self, store: RootStore[Person], sync: SyncHandle) -> None:
        self.values: list[Person] = []
        self.statuses: list[str] = []
        self.errors: list[Exception] = []
        _listen(store.data, self.values.append, "test")
        _listen(sync.status, self.statuses.append, "test")
        _listen(sync.errors, self.errors.append, "test")


def value_of(hub: Hub, id: str = "p1") -> Person | None:
    rev, value = run_now(hub.get(id))
    return None if rev == 0 else people.from_json_value(value)


def ops(session: FakeSession) -> list[str]:
    return [json.loads(text)["op"] for text in session.up]


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
