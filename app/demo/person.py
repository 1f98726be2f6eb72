"""The main demo: a person editor synced with the server over a WebSocket.

Open the page in two windows: an edit in one shows in the other at once, and
the server keeps the state (SQLite) across restarts. This is the seed's
example, with a sync status badge.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pyfritz import Resource, RootStore, handler, unique_id, websocket
from pyfritz.dom import button, div, h1, input_, label, p

from .common import start, status_badge

__all__ = ["Person", "PersonStore", "main", "person_resource"]

#: Every window edits the same person, so they share one id.
DEMO_ID = "demo-person"


@dataclass(frozen=True)
class Person:
    """The entity the page edits."""

    name: str
    age: int
    _id: str = field(default_factory=unique_id)


person_resource = Resource(Person, id=lambda person: person._id, empty=Person("", 0, DEMO_ID))


class PersonStore(RootStore[Person]):
    """The page's store: the person, synced with the server."""

    def __init__(self, url: str) -> None:
        super().__init__(person_resource.empty)
        self.sync = self.sync_with(websocket(url), person_resource)

    @handler
    def birthday(self, person: Person) -> Person:
        """One year older."""
        return replace(person, age=person.age + 1)

    @handler
    def set_age(self, person: Person, text: str) -> Person:
        """Take the age typed into the field; ignore what is not a whole number ≥ 0."""
        try:
            age = int(text)
        except ValueError:
            return person
        return replace(person, age=age) if age >= 0 else person


def app(store: PersonStore) -> None:
    """The editor card."""
    name = store.sub("name")
    with div(classes="card"):
        with div(classes="card-head"):
            h1("Person")
            status_badge(store.sync.status)
        with label("Name", classes="field"):
            input_(value=name.data, id="name", autocomplete="off").inputs.values().handled_by(
                name.update
            )
        with label("Age", classes="field"):
            input_(
                value=store.data.map(lambda person: str(person.age)),
                id="age",
                type="number",
                min="0",
            ).changes.values().handled_by(store.set_age)
        p(
            store.data.map(lambda person: f"{person.name or 'Nobody'} is {person.age} years old"),
            id="summary",
        )
        button("Birthday", id="birthday").clicks.handled_by(store.birthday)


def main() -> None:  # pragma: no cover - runs in the browser
    """Mount the editor on ``#app``."""
    start(PersonStore, app)
