"""Records written out by hand are the frozen dataclasses they were (pyfritz._record).

Each record is compared with the dataclass it replaced, declared here as it
was (the reference), on the same values: construction, repr, equality, hash,
frozenness, copy and pickle, slots, and what ``dataclasses`` says about it.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from collections.abc import Callable
from typing import Any, Literal

import pytest

from pyfritz._record import Record, record
from pyfritz.links import ReconnectState
from pyfritz.retry import DEFAULT_NO_RETRY_CODES, Reconnect
from pyfritz.websocket import Socket
from pyfritz.websocket_events import CloseEvent, MessageEvent, OpenEvent


@dataclasses.dataclass(frozen=True, slots=True)
class OpenEventRef:
    protocol: str


@dataclasses.dataclass(frozen=True, slots=True)
class CloseEventRef:
    code: int
    reason: str
    was_clean: bool


@dataclasses.dataclass(frozen=True, slots=True)
class MessageEventRef:
    data: Any


@dataclasses.dataclass(frozen=True, slots=True)
class ReconnectStateRef:
    kind: str
    attempt: int = 0
    delay: float = 0.0


@dataclasses.dataclass(frozen=True)
class SocketRef:
    url: str
    protocols: tuple[str, ...] = ()
    capacity: int = 65_536
    token: Callable[[], str | None] | None = None


@dataclasses.dataclass(frozen=True)
class ReconnectRef:
    initial: float = 0.25
    factor: float = 2.0
    cap: float = 10.0
    max_retries: int | None = None
    connect_timeout: float = 10.0
    stable_after: float = 5.0
    no_retry_codes: frozenset[int] = DEFAULT_NO_RETRY_CODES
    jitter: Literal["full", "none"] = "full"
    max_queued: int = 1000
    heartbeat: tuple[float, float] | None = None


# (record, its reference, arguments, other arguments)
CASES: list[tuple[type, type, tuple[Any, ...], tuple[Any, ...]]] = [
    (OpenEvent, OpenEventRef, ("chat",), ("",)),
    (CloseEvent, CloseEventRef, (1000, "bye", True), (1006, "", False)),
    (MessageEvent, MessageEventRef, ("text",), ("other",)),
    (ReconnectState, ReconnectStateRef, ("reconnecting", 2, 0.5), ("open",)),
    (Socket, SocketRef, ("ws://x/sync", ("p",), 10), ("ws://y",)),
    (Reconnect, ReconnectRef, (0.5, 3.0, 20.0, 5), ()),
]
IDS = [case[0].__name__ for case in CASES]


def _same_name(text: str, ref: type, cls: type) -> str:
    return text.replace(ref.__qualname__, cls.__qualname__)


@pytest.mark.parametrize(("cls", "ref", "args", "other"), CASES, ids=IDS)
def test_a_record_has_the_reprs_equality_and_hash_of_its_dataclass(
    cls: type, ref: type, args: tuple[Any, ...], other: tuple[Any, ...]
) -> None:
    value, expected = cls(*args), ref(*args)
    assert repr(value) == _same_name(repr(expected), ref, cls)
    assert value == cls(*args)
    assert (value != cls(*args)) is False  # __ne__ from __eq__
    assert value != cls(*other) and (expected != ref(*other))
    assert value != expected  # another class, as two dataclasses
    assert hash(value) == hash(expected)
    assert value.__match_args__ == ref.__match_args__  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cls", "ref", "args", "other"), CASES, ids=IDS)
def test_a_record_is_frozen_as_its_dataclass(
    cls: type, ref: type, args: tuple[Any, ...], other: tuple[Any, ...]
) -> None:
    value = cls(*args)
    name = ref.__match_args__[0]  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
        setattr(value, name, 1)
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
        delattr(value, name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.new_attribute = 1
    assert hasattr(value, "__dict__") == hasattr(ref(*args), "__dict__")  # slotted or not


@pytest.mark.parametrize(("cls", "ref", "args", "other"), CASES, ids=IDS)
def test_dataclasses_sees_a_record_as_its_dataclass(
    cls: type, ref: type, args: tuple[Any, ...], other: tuple[Any, ...]
) -> None:
    value = cls(*args)
    assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(value)
    fields = [(f.name, f.default, f.init, f.compare) for f in dataclasses.fields(cls)]
    assert fields == [(f.name, f.default, f.init, f.compare) for f in dataclasses.fields(ref)]
    assert dataclasses.fields(value) == dataclasses.fields(cls)
    assert cls.__dataclass_params__.frozen and cls.__dataclass_params__.eq  # type: ignore[attr-defined]
    assert dataclasses.asdict(value) == dataclasses.asdict(ref(*args))
    first = ref.__match_args__[0]  # type: ignore[attr-defined]
    changed = dataclasses.replace(value, **{first: getattr(cls(*other), first, None) or "x"})
    assert type(changed) is cls and changed != value
    assert value.__replace__() == value  # copy.replace on Python 3.13+
    params = [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]
    assert params == [(p.name, p.default) for p in inspect.signature(ref).parameters.values()]


@pytest.mark.parametrize(("cls", "ref", "args", "other"), CASES, ids=IDS)
def test_a_record_copies_and_pickles(
    cls: type, ref: type, args: tuple[Any, ...], other: tuple[Any, ...]
) -> None:
    value = cls(*args)
    assert copy.copy(value) == value and copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(value)) == value


def test_a_record_matches_by_position() -> None:
    match CloseEvent(1000, "bye", True):
        case CloseEvent(code, reason, clean):
            assert (code, reason, clean) == (1000, "bye", True)
        case _:
            pytest.fail("no match")


def test_a_dataclass_may_extend_a_record_frozen_only() -> None:
    @dataclasses.dataclass(frozen=True)
    class Tagged(CloseEvent):
        tag: str = ""

    assert [f.name for f in dataclasses.fields(Tagged)] == ["code", "reason", "was_clean", "tag"]
    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen one"):

        @dataclasses.dataclass
        class Loose(CloseEvent):
            tag: str = ""


def test_a_plain_subclass_of_a_record_may_add_attributes() -> None:
    class Noted(Socket):
        pass

    noted = Noted("ws://x")
    noted.note = "mine"  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        noted.url = "ws://y"  # type: ignore[misc]


def test_record_refuses_a_class_it_cannot_describe() -> None:
    with pytest.raises(TypeError, match="writes its __init__"):

        @record(frozen=True)
        class NoInit(Record):
            x: int

    with pytest.raises(TypeError, match="__slots__ must be its fields"):

        @record(frozen=True)
        class Mismatch(Record):
            __slots__ = ("x",)
            x: int

            def __init__(self, y: int) -> None:
                object.__setattr__(self, "x", y)
