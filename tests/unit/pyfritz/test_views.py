"""Tests of pyfritz.views: filtered/sorted views whose rows are sub-stores of the whole list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from pyfritz.flows import MutableStateFlow
from pyfritz.store import RootStore
from pyfritz.views import view


@dataclass(frozen=True)
class Todo:
    id: str
    text: str
    done: bool = False


def todo_id(todo: Todo) -> str:
    return todo.id


def texts(todos: list[Todo]) -> list[str]:
    return [todo.text for todo in todos]


async def test_a_view_filters_and_sorts_and_follows_the_list() -> None:
    items = RootStore((Todo("1", "b"), Todo("2", "a", done=True), Todo("3", "c")))
    shown = view(items, filter=lambda t: t.text != "c", sort=lambda t: t.text)
    seen: list[list[str]] = []
    task = shown.data.map(texts).on_each(seen.append).watch()
    items.update((*items.current, Todo("4", "0")))
    task.cancel()
    assert seen == [["a", "b"], ["0", "a", "b"]]


async def test_a_flow_of_filters_switches_what_is_shown() -> None:
    items = RootStore((Todo("1", "a"), Todo("2", "b", done=True)))
    rules: dict[str, Callable[[Todo], object]] = {
        "all": lambda t: True,
        "done": lambda t: t.done,
        "active": lambda t: not t.done,
    }
    route = MutableStateFlow("all")
    shown = view(items, filter=route.map(lambda name: rules[name]), reverse=True)
    seen: list[list[str]] = []
    task = shown.data.map(texts).on_each(seen.append).watch()
    route.value = "done"
    route.value = "active"
    task.cancel()
    assert seen == [["b", "a"], ["b"], ["a"]]


async def test_a_row_of_a_view_edits_its_element_in_the_whole_list() -> None:
    items = RootStore([Todo("1", "a"), Todo("2", "b"), Todo("3", "c")])
    shown = view(items, filter=lambda t: t.id != "1", sort=lambda t: t.text, reverse=True)
    row = shown.sub_by_id(todo_id, "2")
    row.update(replace(row.current, done=True))
    assert items.current[1] == Todo("2", "b", done=True)
    assert items.current[0] == Todo("1", "a")  # the hidden one is untouched


def test_view_refuses_what_is_not_a_store_or_a_filter() -> None:
    with pytest.raises(TypeError, match="store of a list"):
        view([Todo("1", "a")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="filter must be"):
        view(RootStore([Todo("1", "a")]), filter="done")  # type: ignore[arg-type]
