"""What users rely on of pyfritz's generic classes and protocols, made on plain bases at run time.

pyfritz's classes derive from :mod:`pyfritz._generic` (``typing.Generic`` and
``typing.Protocol`` to type checkers, cheap bases at run time). These tests
run on CPython here and, through the e2e page ``generic_classes``, in the
browser's Python too.
"""

from __future__ import annotations

import pickle
import typing
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import pytest

from pyfritz import Flow, Lens, Resource, RootStore, StateFlow, Store, field_lens
from pyfritz._generic import Generic as PlainGeneric
from pyfritz.keyed import Step
from pyfritz.resource import Codec
from pyfritz.sinks import Sink

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class Person:
    name: str
    age: int


def test_a_subscripted_class_is_an_alias_that_typing_can_read() -> None:
    alias = RootStore[Person]
    assert typing.get_origin(alias) is RootStore
    assert typing.get_args(alias) == (Person,)
    assert typing.get_args(Flow[int]) == (int,)
    assert typing.get_args(Lens[Person, str]) == (Person, str)
    assert alias == RootStore[Person]
    assert hash(alias) == hash(RootStore[Person])
    assert repr(Flow[int]) == "pyfritz.operators.Flow[int]"
    assert pickle.loads(pickle.dumps(alias)) == alias


def test_an_alias_with_a_type_variable_can_be_subscripted_again() -> None:
    alias: Any = Flow[list[T]]  # type: ignore[valid-type]
    assert alias[int] == Flow[list[int]]
    assert alias.__parameters__ == (T,)


def test_subclassing_a_subscripted_store_keeps_its_behaviour_and_orig_bases() -> None:
    class PersonStore(RootStore[Person]):
        pass

    store = PersonStore(Person("Ann", 40))
    assert store.current == Person("Ann", 40)
    assert isinstance(store, RootStore)
    assert isinstance(store, Store)
    assert PersonStore.__orig_bases__ == (RootStore[Person],)  # type: ignore[attr-defined]


def test_a_subclass_generic_through_a_type_variable_can_be_subscripted() -> None:
    class Box(RootStore[T]):
        pass

    box = Box[int](1)
    assert box.current == 1
    assert typing.get_args(Box[int]) == (int,)


def test_a_users_own_generic_after_a_pyfritz_class() -> None:
    class Box(RootStore[T], Generic[T]):
        pass

    assert Box.__parameters__ == (T,)  # type: ignore[attr-defined]
    assert Box[int](2).current == 2
    assert typing.get_origin(Box[int]) is Box


def test_a_users_own_generic_before_a_pyfritz_class_keeps_typings_checks() -> None:
    class Pair(Generic[K, V], RootStore[tuple[K, V]]):
        pass

    pair = Pair[int, str]((1, "a"))
    assert pair.current == (1, "a")
    assert typing.get_args(Pair[int, str]) == (int, str)
    with pytest.raises(TypeError):
        Pair[int]  # type: ignore[misc]  # typing.Generic checks the number of arguments of its own parameters


def test_a_users_generic_class_mixed_with_a_pyfritz_generic_class() -> None:
    class Named(Generic[T]):
        def name(self) -> str:
            return "named"

    class First(Named[int], Flow[int]):
        pass

    class Second(Flow[int], Named[int]):
        pass

    assert First().name() == Second().name() == "named"
    assert issubclass(First, Flow)
    assert issubclass(Second, Named)


def test_an_instance_made_through_an_alias_remembers_it_unless_slotted() -> None:
    flow = StateFlow[int](0)
    assert flow.__orig_class__ == StateFlow[int]  # type: ignore[attr-defined]
    # Lens has __slots__: as with typing.Generic, the alias is not recorded.
    lens = Lens[Person, str](lambda p: p.name, lambda p, n: p)
    assert not hasattr(lens, "__orig_class__")
    assert lens.get(Person("Ann", 40)) == "Ann"


def test_a_slotted_subclass_of_a_pyfritz_generic_has_no_instance_dict() -> None:
    class Slotted(Lens[Person, str]):
        __slots__ = ("extra",)

    assert not hasattr(Slotted(lambda p: p.name, lambda p, n: p), "__dict__")


def test_subscripted_classes_refuse_instance_checks_as_typing_does() -> None:
    with pytest.raises(TypeError):
        isinstance(StateFlow(0), StateFlow[int])  # type: ignore[misc]


def test_annotations_naming_pyfritz_generics_resolve() -> None:
    def show(flow: Flow[int], store: RootStore[Person], lens: Lens[Person, str]) -> Sink[int]:
        raise NotImplementedError

    hints = typing.get_type_hints(show, globals())
    assert hints["flow"] == Flow[int]
    assert hints["store"] == RootStore[Person]
    assert hints["return"] == Sink[int]


def test_pyfritz_generics_are_not_typing_generics_at_run_time() -> None:
    # The trade made for start-up: no class-level __parameters__, and the
    # number of type arguments is checked by type checkers only.
    assert issubclass(Flow, PlainGeneric)
    assert not issubclass(Flow, Generic)
    assert not hasattr(Flow, "__parameters__")
    assert typing.get_args(Flow[int, str]) == (int, str)  # type: ignore[misc]


def test_a_generic_named_tuple_keeps_typings_generic() -> None:
    step = Step[str]("b", "insert", None)
    assert step == ("b", "insert", None)
    assert step.key == "b"  # type: ignore[attr-defined]
    assert issubclass(Step, Generic)


def test_a_class_can_implement_a_pyfritz_protocol_by_name_or_by_shape() -> None:
    class Named(Codec[Person]):
        def encode(self, value: Person) -> str:
            return value.name

        def decode(self, text: str) -> Person:
            return Person(text, 0)

    class Shaped:
        def encode(self, value: Person) -> str:
            return value.name

        def decode(self, text: str) -> Person:
            return Person(text, 1)

    for codec in (Named(), Shaped()):
        resource = Resource(Person, id=lambda p: p.name, empty=Person("", 0), codec=codec)
        assert resource.codec.decode("Ann").name == "Ann"
    assert typing.get_args(Codec[Person]) == (Person,)


def test_a_pyfritz_protocol_is_not_a_typing_protocol_at_run_time() -> None:
    # What users lose: extending one into a Protocol of their own (typing
    # refuses a base that is not a typing.Protocol), and isinstance against it
    # is a check of the class, not of the shape. Type checkers see
    # typing.Protocol as before.
    with pytest.raises(TypeError, match="Protocols can only inherit from other protocols"):

        class MoreSink(Sink[int], Protocol):
            def extra(self) -> None: ...

    assert not isinstance(object(), Sink)  # type: ignore[misc]


def test_field_lens_and_stores_made_without_subscripts_still_work() -> None:
    store = RootStore(Person("Ann", 40))
    name = store.sub(field_lens("name"))
    assert name.current == "Ann"
    assert type(Step("a", "move", None)) is Step
    assert issubclass(Step, tuple)
