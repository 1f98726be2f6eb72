"""Tests of validation: messages, the store follower, and sync keeping invalid values back."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fakes.fake_sync import FakeSocket, pump
from fakes.sync_server import run_now

from pyfritz.messages import Message, has_errors, run_validator
from pyfritz.resource import Resource
from pyfritz.server import Hub
from pyfritz.store import RootStore
from pyfritz.validation import validation

pytestmark = pytest.mark.usefixtures("no_connection_left")


@dataclass(frozen=True)
class Todo:
    title: str
    id: str = "t1"


def check_todo(todo: Todo) -> list[Message]:
    if not todo.title.strip():
        return [Message("title", "A title is needed")]
    if len(todo.title) > 10:
        return [Message("title", "At most 10 characters")]
    if todo.title.islower():
        return [Message("title", "Start with a capital?", severity="warning")]
    return []


todos = Resource(Todo, id=lambda t: t.id, empty=Todo("Empty"), validate=check_todo)


def test_only_errors_make_a_value_invalid() -> None:
    assert has_errors(check_todo(Todo("")))
    assert not has_errors(check_todo(Todo("milk")))  # a warning
    assert todos.validate(Todo("Milk")) == ()


def test_a_failing_validator_makes_the_value_invalid_and_is_reported(
    reported: list[BaseException],
) -> None:
    def broken(todo: Todo) -> list[Message]:
        raise KeyError("oops")

    assert run_validator(broken, Todo("x")) == (Message("", "validation failed: KeyError"),)
    assert isinstance(reported[0], KeyError)


def test_a_validator_returning_something_else_is_refused_clearly(
    reported: list[BaseException],
) -> None:
    assert has_errors(run_validator(lambda _: ["bad"], Todo("x")))  # type: ignore[list-item]
    assert "Message objects" in str(reported[0])


def test_messages_must_be_well_formed() -> None:
    with pytest.raises(ValueError, match="severity"):
        Message("title", "x", severity="fatal")  # type: ignore[arg-type]
    assert Message.from_json({"path": "a", "text": "b"}) == Message("a", "b")
    with pytest.raises(TypeError):
        Message.from_json(["a"])


def test_a_resource_refuses_a_validator_that_is_not_a_function() -> None:
    with pytest.raises(TypeError, match="validate must be a function"):
        Resource(Todo, id=lambda t: t.id, empty=Todo("x"), validate="no")  # type: ignore[arg-type]


async def test_validation_follows_the_store_per_field() -> None:
    store = RootStore(Todo("Milk"))
    checked = validation(store, check_todo)
    titles: list[tuple[str, ...]] = []
    valid: list[bool] = []
    tasks = [
        checked.at("title")
        .map(lambda ms: tuple(m.text for m in ms))
        .on_each(titles.append)
        .watch(),
        checked.valid.on_each(valid.append).watch(),
    ]
    store.update(Todo(""))
    store.update(Todo("Tea"))
    for task in tasks:
        task.cancel()
    assert titles == [(), ("A title is needed",), ()]
    assert valid == [True, False, True]


def test_sync_keeps_an_invalid_change_back_until_it_is_fixed(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = RootStore(Todo("Milk"))
    sync = store.sync_with(socket, todos)
    pump(socket.session)
    assert sync.status.value == "synced"
    store.update(Todo(""))
    pump(socket.session)
    assert sync.status.value == "invalid"
    assert [m.text for m in sync.messages.value] == ["A title is needed"]
    assert run_now(hub.get("t1"))[1] == {"title": "Milk", "id": "t1"}  # never sent
    store.update(Todo("Tea"))
    pump(socket.session)
    assert sync.status.value == "synced"
    assert sync.messages.value == ()
    assert run_now(hub.get("t1"))[1] == {"title": "Tea", "id": "t1"}
    sync.stop()


def test_warnings_do_not_keep_a_change_back(hub: Hub) -> None:
    socket = FakeSocket(hub)
    store = RootStore(Todo("Milk"))
    sync = store.sync_with(socket, todos)
    pump(socket.session)
    store.update(Todo("tea"))
    pump(socket.session)
    assert sync.status.value == "synced"
    assert [m.severity for m in sync.messages.value] == ["warning"]
    assert run_now(hub.get("t1"))[1] == {"title": "tea", "id": "t1"}
    sync.stop()


def test_the_plain_mode_keeps_invalid_values_back_too() -> None:
    socket = FakeSocket()
    store = RootStore(Todo("Milk"))
    sync = store.sync_with(socket, todos, mode="plain")
    socket.session.open()
    store.update(Todo(""))
    assert sync.status.value == "invalid"
    assert socket.session.take_sent() == []
    store.update(Todo("Tea"))
    assert socket.session.take_sent() == [{"title": "Tea", "id": "t1"}]
    sync.stop()


def test_a_client_that_skips_validation_is_refused_by_the_server_with_its_messages() -> None:
    hub = Hub(resources={"t*": todos})
    careless = Resource(Todo, id=lambda t: t.id, empty=Todo("Empty"))  # no validator
    socket = FakeSocket(hub)
    store = RootStore(Todo("Milk"))
    sync = store.sync_with(socket, careless)
    pump(socket.session)
    store.update(Todo(""))
    pump(socket.session)
    assert [m.text for m in sync.messages.value] == ["A title is needed"]
    assert store.current == Todo("Milk")  # rolled back to the server's state
    assert run_now(hub.get("t1"))[1] == {"title": "Milk", "id": "t1"}
    sync.stop()
