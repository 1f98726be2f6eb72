"""Tests of pyfritz.store: ordering, handler errors, handlers and sub-stores."""

from __future__ import annotations

import asyncio
import gc
import warnings
from dataclasses import dataclass, replace
from typing import Any

import pytest

from pyfritz import flows
from pyfritz.errors import LensError
from pyfritz.flows import flow_of
from pyfritz.lenses import Lens, field_lens
from pyfritz.store import Handler, HandlerMethod, RootStore, SubStore, handler


@dataclass(frozen=True)
class Address:
    city: str
    street: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    age: int
    address: Address = Address("Oslo")


@dataclass(frozen=True)
class Todo:
    id: str
    text: str
    done: bool = False


def todo_id(todo: Todo) -> str:
    return todo.id


class Log(RootStore[tuple[str, ...]]):
    """Appends labels, so the value records the order updates were applied in."""

    def __init__(self) -> None:
        super().__init__(())
        self.gates: dict[str, asyncio.Event] = {}

    @handler
    def add(self, log: tuple[str, ...], label: str) -> tuple[str, ...]:
        return (*log, label)

    @handler
    async def add_later(self, log: tuple[str, ...], label: str) -> tuple[str, ...]:
        # Waits for the test to open its gate: the test drives the order.
        await self.gates.setdefault(label, asyncio.Event()).wait()
        return (*log, label)

    @handler
    def fail(self, log: tuple[str, ...]) -> tuple[str, ...]:
        raise ValueError("sync failure")

    @handler
    async def fail_later(self, log: tuple[str, ...]) -> tuple[str, ...]:
        await asyncio.sleep(0)  # really suspend before failing
        raise ValueError("async failure")

    def open(self, label: str) -> None:
        self.gates.setdefault(label, asyncio.Event()).set()


class PersonStore(RootStore[Person]):
    @handler
    def birthday(self, person: Person) -> Person:
        return replace(person, age=person.age + 1)

    @handler
    def rename(self, person: Person, name: str) -> Person:
        return replace(person, name=name)


def watch_values(flow: flows.Flow[Any]) -> list[Any]:
    """Collect a flow's values into a list as they come (sync collector)."""
    seen: list[Any] = []
    flow.on_each(seen.append).watch()
    return seen


# --- root store basics ---------------------------------------------------------


async def test_data_gives_the_initial_value_at_once() -> None:
    store = RootStore(1)
    assert store.current == 1
    assert await store.data.first() == 1


async def test_update_replaces_the_value_and_data_emits_it() -> None:
    store = RootStore(1)
    seen = watch_values(store.data)
    store.update(2)
    store.update(2)  # equal: not re-emitted
    store.update(3)
    assert store.current == 3
    assert seen == [1, 2, 3]


def test_sync_handlers_apply_synchronously_without_an_event_loop() -> None:
    # No loop is running in this test: the fast path needs no asyncio at all.
    store = PersonStore(Person("Ann", 3))
    store.birthday()
    assert store.current.age == 4
    store.rename("Bo")
    assert store.current.name == "Bo"
    assert store._task is None


async def test_sync_handler_on_an_idle_store_starts_no_task() -> None:
    store = PersonStore(Person("Ann", 3))
    tasks_before = asyncio.all_tasks()
    store.birthday()
    assert store.current.age == 4
    assert asyncio.all_tasks() == tasks_before


async def test_handler_without_action_ignores_the_event_it_is_given() -> None:
    store = PersonStore(Person("Ann", 3))
    store.birthday("a click event")
    assert store.current.age == 4


async def test_handled_by_applies_a_handler_to_every_value_of_a_flow() -> None:
    store = PersonStore(Person("Ann", 3))
    await flow_of("x", "y").handled_by(store.birthday)
    await flow_of("Bo", "Cy").handled_by(store.rename)
    assert store.current == Person("Cy", 5)


async def test_apply_waits_for_and_returns_the_applied_value() -> None:
    store = PersonStore(Person("Ann", 3))
    assert await store.birthday.apply() == Person("Ann", 4)
    assert await store.rename.apply("Bo") == Person("Bo", 4)
    assert await store.update.apply(Person("Cy", 1)) == Person("Cy", 1)


async def test_handle_makes_handlers_with_and_without_action() -> None:
    store = RootStore(10)
    double = store.handle(lambda n: n * 2)
    add: Handler[int, int] = store.handle(lambda n, k: n + k)
    double()
    add(1)
    assert store.current == 21


async def test_handle_accepts_async_functions() -> None:
    store = RootStore(1)

    async def bump(n: int, by: int) -> int:
        await asyncio.sleep(0)
        return n + by

    store.handle(bump)(5)
    assert store.current == 1  # still running
    assert await store.settled() == 6


def test_a_handler_method_is_bound_once_per_store() -> None:
    first, second = PersonStore(Person("a", 1)), PersonStore(Person("b", 1))
    assert first.birthday is first.birthday
    assert first.birthday is not second.birthday
    assert isinstance(PersonStore.birthday, HandlerMethod)
    assert first.birthday.name == "birthday"
    assert repr(first.birthday).startswith("<Handler birthday of <PersonStore Person(name='a'")


def test_handler_on_a_non_store_class_is_a_type_error() -> None:
    class NotAStore:
        @handler  # type: ignore[type-var, arg-type]  # what mypy also says
        def bump(self, value: int) -> int:
            return value + 1

    with pytest.raises(TypeError, match="RootStore subclasses"):
        _ = NotAStore().bump


# --- ordering --------------------------------------------------------------------


async def test_updates_behind_an_async_handler_wait_for_it() -> None:
    store = Log()
    store.add_later("slow")
    store.add("fast")
    assert store.current == ()  # the sync one queued behind the async one
    store.open("slow")
    assert await store.settled() == ("slow", "fast")


async def test_sync_and_async_handlers_interleaved_apply_in_call_order() -> None:
    store = Log()
    seen = watch_values(store.data)
    store.add("1")
    store.add_later("2")
    store.add("3")
    store.add_later("4")
    store.add("5")
    assert store.current == ("1",)
    # Open the gates in reverse: the order of calls still wins.
    store.open("4")
    store.open("2")
    assert await store.settled() == ("1", "2", "3", "4", "5")
    assert seen == [(), ("1",), ("1", "2"), ("1", "2", "3"), ("1", "2", "3", "4"), store.current]


async def test_async_handler_sees_the_value_left_by_the_one_before() -> None:
    store = RootStore(1)

    async def double(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    doubler = store.handle(double)
    doubler()
    store.update(10)
    doubler()
    assert await store.settled() == 20


async def test_the_queue_keeps_working_after_it_drains() -> None:
    store = Log()
    store.add_later("a")
    store.open("a")
    await store.settled()
    store.add("b")  # idle again: applied at once
    assert store.current == ("a", "b")
    store.add_later("c")
    store.open("c")
    assert await store.settled() == ("a", "b", "c")


async def test_a_handler_called_from_a_collector_is_applied_after_the_current_one() -> None:
    store = Log()
    seen: list[tuple[str, ...]] = []

    def follow(log: tuple[str, ...]) -> None:
        seen.append(log)
        if log and log[-1] == "ping":
            store.add("pong")  # re-entrant: queued, applied once "ping" is done

    store.data.on_each(follow).watch()
    store.add("ping")
    assert store.current == ("ping", "pong")
    assert seen == [(), ("ping",), ("ping", "pong")]


async def test_settled_returns_at_once_when_idle() -> None:
    store = RootStore("x")
    assert await store.settled() == "x"


async def test_many_awaiting_callers_see_their_own_results_in_order() -> None:
    store = RootStore(0)

    async def inc(n: int) -> int:
        await asyncio.sleep(0)
        return n + 1

    bump = store.handle(inc)
    results = await asyncio.gather(*(bump.apply() for _ in range(20)))
    assert results == list(range(1, 21))


# --- errors ------------------------------------------------------------------------


async def test_a_failing_sync_handler_is_reported_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = Log()
    store_errors = watch_values(store.errors)
    all_errors = watch_values(flows.errors)
    store.add("a")
    store.fail()
    store.add("b")
    assert store.current == ("a", "b")
    assert [str(e) for e in store_errors] == ["sync failure"]
    assert store_errors[0] in all_errors
    assert "<Handler fail of <Log" in capsys.readouterr().err


async def test_a_failing_async_handler_is_reported_and_the_queue_goes_on() -> None:
    store = Log()
    store_errors = watch_values(store.errors)
    store.add("a")
    store.fail_later()
    store.add("b")
    assert await store.settled() == ("a", "b")
    assert [str(e) for e in store_errors] == ["async failure"]


async def test_apply_raises_what_the_handler_raised() -> None:
    store = Log()
    store_errors = watch_values(store.errors)
    with pytest.raises(ValueError, match="sync failure"):
        await store.fail.apply()
    with pytest.raises(ValueError, match="async failure"):
        await store.fail_later.apply()
    assert len(store_errors) == 2  # reported as well
    assert store.current == ()


def test_an_async_handler_without_a_running_loop_is_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = Log()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine was never awaited" would fail here
        store.add_later("x")
        gc.collect()
    assert "an async handler needs a running event loop" in capsys.readouterr().err
    assert not store.current
    store.add("y")
    assert store.current == ("y",)


async def test_cancelling_the_drain_cancels_waiting_callers() -> None:
    store = Log()
    store.add_later("never")
    pending = asyncio.ensure_future(store.add.apply("behind"))
    await asyncio.sleep(0)  # let apply() enqueue
    assert store._task is not None
    store._task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert store._task is None
    store.add("again")  # the store still works
    assert store.current == ("again",)


# --- sub-stores --------------------------------------------------------------------


async def test_sub_store_reads_and_writes_a_field() -> None:
    store = PersonStore(Person("Ann", 3))
    name = store.sub("name")
    assert name.current == "Ann"
    name.update("Bo")
    assert store.current == Person("Bo", 3)
    assert await name.data.first() == "Bo"


async def test_sub_store_data_emits_only_when_its_part_changes() -> None:
    store = PersonStore(Person("Ann", 3))
    names = watch_values(store.sub("name").data)
    store.birthday()
    store.birthday()
    store.rename("Bo")
    store.birthday()
    assert names == ["Ann", "Bo"]


async def test_sub_stores_compose() -> None:
    store = PersonStore(Person("Ann", 3))
    city = store.sub("address").sub("city")
    assert isinstance(city, SubStore)
    assert city.path == "address.city"
    cities = watch_values(city.data)
    city.update("Rome")
    store.sub("address").sub("street").update("Via Roma")
    assert store.current.address == Address("Rome", "Via Roma")
    assert cities == ["Oslo", "Rome"]
    assert repr(city).startswith("<SubStore 'address.city' of <PersonStore")


async def test_sub_store_through_an_explicit_lens() -> None:
    store = PersonStore(Person("Ann", 3))
    upper = Lens[str, str](str.upper, lambda _, new: new.lower(), path="upper")
    shouting = store.sub("name").sub(upper)
    assert shouting.current == "ANN"
    shouting.update("BO")
    assert store.current.name == "bo"
    assert store.sub(field_lens("age")).current == 3


async def test_sub_store_of_a_dict() -> None:
    store = RootStore({"a": 1, "b": 2})
    store.sub("a").update(5)
    assert store.current == {"a": 5, "b": 2}


def test_sub_with_a_misspelled_field_fails_at_once() -> None:
    store = PersonStore(Person("Ann", 3))
    with pytest.raises(LensError, match="Person has no field 'nmae'"):
        store.sub("nmae")


async def test_sub_store_handlers_run_on_the_root_queue() -> None:
    store = RootStore(Person("Ann", 3))

    async def slow_rename(person: Person) -> Person:
        await asyncio.sleep(0)
        return replace(person, name="Slow")

    name = store.sub("name")
    age = store.sub("age")
    store.handle(slow_rename)()
    name.update("Queued")  # waits behind the async root handler
    age.handle(lambda a: a + 1)()
    assert store.current == Person("Ann", 3)
    assert await store.settled() == Person("Queued", 4)


async def test_async_handler_on_a_sub_store_writes_the_whole_root_once() -> None:
    store = PersonStore(Person("Ann", 3))
    seen = watch_values(store.data)

    async def shout(name: str) -> str:
        await asyncio.sleep(0)
        return name.upper()

    assert await store.sub("name").handle(shout).apply() == "ANN"
    assert seen == [Person("Ann", 3), Person("ANN", 3)]


async def test_sub_store_apply_returns_the_part_and_settled_too() -> None:
    store = PersonStore(Person("Ann", 3))
    age = store.sub("age")
    assert await age.update.apply(9) == 9
    assert await age.settled() == 9


async def test_sub_store_handler_returning_the_same_part_keeps_the_root() -> None:
    store = PersonStore(Person("Ann", 3))
    before = store.current
    store.sub("address").handle(lambda address: address)()
    assert store.current is before


async def test_sub_store_errors_are_the_roots() -> None:
    store = PersonStore(Person("Ann", 3))
    errors = watch_values(store.errors)
    store.sub("age").handle(lambda a: a // 0)()
    assert store.current == Person("Ann", 3)
    assert store.sub("age").errors is store.errors
    assert len(errors) == 1
    assert isinstance(errors[0], ZeroDivisionError)


# --- sub_by_id -----------------------------------------------------------------------


async def test_sub_by_id_updates_one_element() -> None:
    store = RootStore([Todo("a", "one"), Todo("b", "two")])
    b = store.sub_by_id(todo_id, "b")
    b.sub("done").update(True)
    assert store.current == [Todo("a", "one"), Todo("b", "two", done=True)]


async def test_sub_by_id_follows_its_element_when_the_list_is_reordered() -> None:
    store = RootStore([Todo("a", "one"), Todo("b", "two")])
    a = store.sub_by_id(todo_id, "a")
    texts = watch_values(a.sub("text").data)
    store.update(list(reversed(store.current)))
    a.sub("text").update("uno")
    assert store.current == [Todo("b", "two"), Todo("a", "uno")]
    assert texts == ["one", "uno"]


async def test_sub_by_id_of_a_removed_element_stops_quietly_and_refuses_writes() -> None:
    store = RootStore([Todo("a", "one"), Todo("b", "two")])
    errors = watch_values(store.errors)
    b = store.sub_by_id(todo_id, "b")
    seen = watch_values(b.data)
    store.update([Todo("a", "one")])
    assert seen == [Todo("b", "two")]  # no emission, and no failure of the flow
    with pytest.raises(LensError, match="no element with id 'b'"):
        _ = b.current
    b.update(Todo("b", "zombie"))
    assert store.current == [Todo("a", "one")]
    assert len(errors) == 1
    assert isinstance(errors[0], LensError)
    store.update([Todo("a", "one"), Todo("b", "back")])
    assert seen == [Todo("b", "two"), Todo("b", "back")]


@dataclass(frozen=True)
class Board:
    title: str
    todos: tuple[Todo, ...]


async def test_a_row_of_a_sub_store_list_does_not_wake_on_changes_elsewhere() -> None:
    # A row follows its list's sub-store, not the root: an edit of another
    # field costs nothing per row (issue 13: a change unrelated to a list).
    looked_up: list[str] = []

    def counted_id(todo: Todo) -> str:
        looked_up.append(todo.id)
        return todo.id

    store = RootStore(Board("board", (Todo("a", "one"), Todo("b", "two"))))
    todos = store.sub("todos")
    rows = [todos.sub_by_id(counted_id, key) for key in ("a", "b")]
    seen = [watch_values(row.data) for row in rows]
    looked_up.clear()
    store.sub("title").update("renamed")
    assert looked_up == []
    todos.update((Todo("a", "one"), Todo("b", "deux")))
    assert seen == [[Todo("a", "one")], [Todo("b", "two"), Todo("b", "deux")]]
    rows[1].sub("text").update("zwei")
    assert store.current == Board("renamed", (Todo("a", "one"), Todo("b", "zwei")))


async def test_a_sub_stores_data_reads_its_part_once_per_change_for_all_collectors() -> None:
    reads: list[str] = []

    def counted_id(todo: Todo) -> str:
        reads.append(todo.id)
        return todo.id

    store = RootStore((Todo("a", "one"),))
    row = store.sub_by_id(counted_id, "a")
    first, second = watch_values(row.data), watch_values(row.data)
    late = watch_values(row.sub("text").data)
    reads.clear()
    store.update((Todo("a", "uno"),))
    # The list's routes read the changed element's id before and after; the
    # row's lens reads it once, however many collect.
    assert reads == ["a", "a", "a"]
    assert first == second == [Todo("a", "one"), Todo("a", "uno")]
    assert late == ["one", "uno"]


async def test_sub_by_id_on_a_tuple_keeps_a_tuple() -> None:
    store = RootStore((Todo("a", "one"),))
    store.sub_by_id(todo_id, "a").update(Todo("a", "uno"))
    assert store.current == (Todo("a", "uno"),)


# --- list elements: changes routed by id (issue 13) ------------------------------


async def test_adding_an_element_reaches_no_other_elements_sub_store() -> None:
    reads: list[str] = []

    def counted_id(todo: Todo) -> str:
        reads.append(todo.id)
        return todo.id

    store = RootStore(tuple(Todo(key, key) for key in "abc"))
    rows = [store.sub_by_id(counted_id, key) for key in "abc"]
    seen = [watch_values(row.data) for row in rows]
    reads.clear()
    store.update((*store.current, Todo("d", "new")))
    assert reads == ["d"]  # the list's routes read the new element's id, no row reads
    reads.clear()
    store.update(tuple(replace(t, text="changed") if t.id == "b" else t for t in store.current))
    assert reads == ["b", "b", "b"]  # the routes: the old and new element; b's row: once
    assert seen == [[Todo("a", "a")], [Todo("b", "b"), Todo("b", "changed")], [Todo("c", "c")]]


async def test_element_sub_stores_follow_moves_and_removals() -> None:
    store = RootStore([Todo("a", "one"), Todo("b", "two"), Todo("c", "three")])
    b = store.sub_by_id(todo_id, "b")
    seen = watch_values(b.data)
    store.update(store.current[::-1])
    store.update([*store.current[:1], replace(store.current[1], text="deux"), *store.current[2:]])
    store.update([t for t in store.current if t.id != "b"])
    store.update([*store.current, Todo("b", "back")])
    assert seen == [Todo("b", "two"), Todo("b", "deux"), Todo("b", "back")]


async def test_elements_with_unhashable_ids_are_followed_too() -> None:
    store = RootStore([Todo("a", "one"), Todo("b", "two")])
    listed = store.sub_by_id(lambda todo: [todo.id], ["b"])  # no route: follows the list
    odd = store.sub_by_id(lambda todo: {"a"} if todo.id == "a" else todo.id, "b")
    seen, seen_odd = watch_values(listed.data), watch_values(odd.data)
    store.update([Todo("a", "uno"), Todo("b", "deux")])  # an id that cannot be hashed: all told
    assert seen == seen_odd == [Todo("b", "two"), Todo("b", "deux")]


async def test_a_lists_routes_go_with_the_last_element_collector() -> None:
    store = RootStore([Todo("a", "one")])
    row = store.sub_by_id(todo_id, "a")
    task = row.data.on_each(lambda _: None).watch()
    assert store._element_routes and store.data.subscriber_count == 1
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert store._element_routes == {} and store.data.subscriber_count == 0


class _Uncomparable:
    def __eq__(self, other: object) -> bool:
        raise TypeError("cannot compare")

    __hash__ = object.__hash__


async def test_set_now_keeps_the_setters_rules() -> None:
    # _set_now (sync's write of a server value) keeps the state's setter's rules:
    # an equal value changes nothing, an uncomparable one counts as changed,
    # and updates that collectors make meanwhile run after it, in order.
    store = RootStore(Person("Ann", 3))
    seen: list[Any] = []
    store.data.on_each(seen.append).watch()
    assert seen == [Person("Ann", 3)]
    store._set_now(Person("Ann", 3))  # equal, not identical: nothing emitted
    assert seen == [Person("Ann", 3)]
    odd = _Uncomparable()
    mixed: RootStore[Any] = RootStore(odd)
    shown: list[Any] = []
    mixed.data.on_each(shown.append).watch()
    other = _Uncomparable()
    mixed._set_now(other)
    assert shown == [odd, other]
    older = Person("Bob", 4)

    def follow(value: Person) -> None:
        if value.name == "Bob" and value.age == 4:
            store.update(replace(value, age=5))  # queued behind the write, applied after it

    store.data.on_each(follow).watch()
    store._set_now(older)
    assert store.current == Person("Bob", 5)
    assert seen[-2:] == [older, Person("Bob", 5)]
