"""How a handler function's signature is read: from its code when it is a plain function."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from pyfritz.handlers import _takes_action


async def _async(value: int, action: int) -> int:
    return value + action


def _method(self: object, value: int, action: int = 0) -> int:
    return value


SHAPES: list[Callable[..., Any]] = [
    lambda: 0,
    lambda value: value,
    lambda value, action: value,
    lambda value, action=1: value,
    lambda value, /, action: value,
    lambda value, *, action: value,
    lambda value, *args: value,
    lambda *args: 0,
    lambda value, **kwargs: value,
    _async,
    _method,
]


def _with_dict(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The same signature, read through inspect (``__wrapped__`` in the wrapper's __dict__)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("skip", [0, 1])
@pytest.mark.parametrize("fn", SHAPES)
def test_a_plain_function_is_read_from_its_code_as_inspect_reads_it(
    fn: Callable[..., Any], skip: int
) -> None:
    assert _takes_action(fn, skip=skip) == _takes_action(_with_dict(fn), skip=skip)


class _Owner:
    def one(self, value: int) -> int:
        return value

    def two(self, value: int, action: int) -> int:
        return value

    def rest(self, *args: int) -> int:
        return 0

    def keyword(self, value: int, *, action: int = 0) -> int:
        return value


@pytest.mark.parametrize("skip", [0, 1])
@pytest.mark.parametrize("name", ["one", "two", "rest", "keyword"])
def test_a_bound_method_is_read_from_its_function_as_inspect_reads_it(name: str, skip: int) -> None:
    method = getattr(_Owner(), name)
    assert _takes_action(method, skip=skip) == _takes_action(_with_dict(method), skip=skip)


def test_what_the_signature_says_decides() -> None:
    assert _takes_action(lambda value, action: value)
    assert not _takes_action(lambda value: value)
    assert not _takes_action(lambda value, *, action: value)
    assert _takes_action(lambda value, *args: value)
    assert _takes_action(_method, skip=1)
    assert not _takes_action(lambda self, value: value, skip=1)


def test_a_wrapper_is_read_through_to_the_function_it_wraps() -> None:
    def one(value: int) -> int:
        return value

    @functools.wraps(one)
    def wrapper(*args: Any) -> int:
        return one(*args)

    assert not _takes_action(wrapper)  # inspect follows __wrapped__: one takes no action
    assert _takes_action(functools.partial(lambda value, action, extra: value, extra=1))
