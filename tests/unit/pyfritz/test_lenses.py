"""Tests of pyfritz.lenses: field lenses, composition and id-based list lenses."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pyfritz.errors import LensError
from pyfritz.lenses import Lens, by_id, field_lens


@dataclass(frozen=True)
class Address:
    city: str
    street: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    address: Address


@dataclass
class Mutable:
    count: int
    label: str = "x"


@dataclass(frozen=True)
class Computed:
    base: int
    doubled: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "doubled", self.base * 2)


@dataclass(frozen=True)
class Todo:
    id: str
    text: str


def todo_id(todo: Todo) -> str:
    return todo.id


ANN = Person("Ann", Address("Oslo"))


def test_field_lens_gets_a_dataclass_field() -> None:
    assert field_lens("name").get(ANN) == "Ann"


def test_field_lens_sets_a_frozen_dataclass_field_without_mutating() -> None:
    renamed = field_lens("name").set(ANN, "Bo")
    assert renamed == Person("Bo", Address("Oslo"))
    assert ANN.name == "Ann"


def test_field_lens_sets_a_mutable_dataclass_field_on_a_copy() -> None:
    original = Mutable(1)
    changed = field_lens("count").set(original, 2)
    assert changed == Mutable(2)
    assert changed is not original
    assert original.count == 1


def test_field_lens_reruns_post_init_on_set() -> None:
    assert field_lens("base").set(Computed(1), 5).doubled == 10


def test_field_lens_sets_an_init_false_field() -> None:
    changed = field_lens("doubled").set(Computed(1), 7)
    assert (changed.base, changed.doubled) == (1, 7)


def test_field_lens_gets_and_sets_dict_keys_on_a_copy() -> None:
    original = {"a": 1, "b": 2}
    lens = field_lens("a")
    assert lens.get(original) == 1
    assert lens.set(original, 9) == {"a": 9, "b": 2}
    assert original == {"a": 1, "b": 2}


def test_field_lens_names_a_missing_dataclass_field_and_the_known_ones() -> None:
    with pytest.raises(LensError, match=r"Person has no field 'nmae' \(fields: name, address\)"):
        field_lens("nmae").get(ANN)
    with pytest.raises(LensError) as info:
        field_lens("nmae").set(ANN, "x")
    assert info.value.path == "nmae"


def test_field_lens_raises_on_a_missing_dict_key() -> None:
    with pytest.raises(LensError, match="no key 'z'"):
        field_lens("z").get({"a": 1})
    with pytest.raises(LensError, match="no key 'z'"):
        field_lens("z").set({"a": 1}, 2)


def test_field_lens_raises_on_a_value_that_has_no_fields() -> None:
    with pytest.raises(LensError, match="expected a dataclass instance or a dict"):
        field_lens("x").get(42)
    with pytest.raises(LensError, match="expected a dataclass instance or a dict"):
        field_lens("x").get(Address)  # the class, not an instance


def test_lens_error_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        field_lens("z").get({})


def test_field_lens_rejects_a_non_string_name() -> None:
    with pytest.raises(TypeError):
        field_lens(3)  # type: ignore[arg-type]


def test_then_composes_get_and_set_and_joins_paths() -> None:
    city = field_lens("address").then(field_lens("city"))
    assert city.path == "address.city"
    assert city.get(ANN) == "Oslo"
    assert city.set(ANN, "Rome") == Person("Ann", Address("Rome"))
    assert ANN.address.city == "Oslo"


def test_composed_lens_error_reports_the_inner_path() -> None:
    with pytest.raises(LensError) as info:
        field_lens("address").then(field_lens("zip")).get(ANN)
    assert info.value.path == "zip"


def test_custom_lens_from_getter_and_setter() -> None:
    first = Lens[list[int], int](lambda xs: xs[0], lambda xs, x: [x, *xs[1:]], path="first")
    assert first.get([1, 2]) == 1
    assert first.set([1, 2], 5) == [5, 2]
    assert repr(first) == "Lens('first')"


def test_by_id_gets_the_element_with_that_id() -> None:
    todos = [Todo("a", "one"), Todo("b", "two")]
    assert by_id(todo_id, "b").get(todos) == Todo("b", "two")


def test_by_id_sets_the_element_on_a_new_list() -> None:
    todos = [Todo("a", "one"), Todo("b", "two")]
    changed = by_id(todo_id, "a").set(todos, Todo("a", "uno"))
    assert changed == [Todo("a", "uno"), Todo("b", "two")]
    assert todos[0] == Todo("a", "one")


def test_by_id_follows_the_element_when_the_list_is_reordered() -> None:
    lens = by_id(todo_id, "a")
    assert lens.get([Todo("b", "two"), Todo("a", "one")]) == Todo("a", "one")


def test_by_id_keeps_a_tuple_a_tuple() -> None:
    todos = (Todo("a", "one"),)
    changed: object = by_id(todo_id, "a").set(todos, Todo("a", "uno"))  # type: ignore[arg-type]
    assert changed == (Todo("a", "uno"),)


def test_by_id_raises_when_the_element_is_missing() -> None:
    lens = by_id(todo_id, "zz")
    with pytest.raises(LensError, match="no element with id 'zz'") as info:
        lens.get([Todo("a", "one")])
    assert info.value.path == "['zz']"
    with pytest.raises(LensError):
        lens.set([Todo("a", "one")], Todo("zz", ""))


def test_field_after_by_id_composes_paths() -> None:
    text = by_id(todo_id, "a").then(field_lens("text"))
    assert text.path == "['a'].text"
    todos = field_lens("todos").then(by_id(todo_id, "a"))
    assert todos.path == "todos['a']"
    assert todos.set({"todos": [Todo("a", "x")]}, Todo("a", "y")) == {"todos": [Todo("a", "y")]}


def test_by_id_looks_at_the_remembered_position_first() -> None:
    calls: list[str] = []

    def item_id(item: dict[str, str]) -> str:
        calls.append(item["id"])
        return item["id"]

    items = [{"id": str(i)} for i in range(100)]
    lens = by_id(item_id, "70")
    assert lens.get(items) == {"id": "70"}
    calls.clear()
    assert lens.get(items) == {"id": "70"}
    assert calls == ["70"]
    moved = [items[70], *items[:70], *items[71:]]
    assert lens.get(moved) == {"id": "70"}
