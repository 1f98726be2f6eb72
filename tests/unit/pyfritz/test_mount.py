"""Tests of pyfritz._mount's browser-free parts: scopes and flow bindings.

The DOM itself is exercised in real Chromium by tests/e2e/test_dom.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from pyfritz import flows
from pyfritz._mount import _bind, _build, _Scope, live_bindings, live_scopes, on_dispose
from pyfritz.dom import div, tag
from pyfritz.flows import MutableStateFlow, flow


def test_a_state_flow_binding_writes_the_current_value_then_each_change() -> None:
    scope = _Scope(None)
    count = MutableStateFlow(1)
    seen: list[int] = []
    _bind(scope, count, seen.append)
    count.value = 2
    count.value = 3
    assert seen == [1, 2, 3]
    scope.dispose()


def test_disposing_a_scope_ends_its_bindings_and_inner_scopes() -> None:
    bindings, scopes = live_bindings(), live_scopes()
    outer = _Scope(None)
    inner = _Scope(outer)
    count = MutableStateFlow(0)
    seen: list[int] = []
    _bind(inner, count, seen.append)
    _bind(outer, count.map(lambda n: n * 10), seen.append)
    assert (live_bindings(), live_scopes()) == (bindings + 2, scopes + 2)
    outer.dispose()
    count.value = 1
    assert seen == [0, 0]
    assert count.subscriber_count == 0
    assert (live_bindings(), live_scopes()) == (bindings, scopes)


def test_a_binding_disposed_while_its_flow_delivers_sees_no_more_values() -> None:
    # An outer binding that re-renders disposes an inner one that is later in
    # the same delivery loop: the inner one must not run.
    count = MutableStateFlow(0)
    root = _Scope(None)
    inner = _Scope(root)
    seen: list[str] = []

    def outer(n: int) -> None:
        seen.append(f"outer {n}")
        if n:
            inner.dispose()

    _bind(root, count, outer)
    _bind(inner, count, lambda n: seen.append(f"inner {n}"))
    count.value = 1
    assert seen == ["outer 0", "inner 0", "outer 1"]
    root.dispose()


def test_a_failing_write_is_reported_and_the_binding_keeps_working() -> None:
    reported: list[BaseException] = []
    scope = _Scope(None)
    count = MutableStateFlow(1)
    seen: list[float] = []
    unsubscribe = flows.errors._subscribe(_Collect(reported))
    _bind(scope, count, lambda n: seen.append(1 / n))
    count.value = 0
    count.value = 2
    assert seen == [1.0, 0.5]
    assert [type(exc) for exc in reported] == [ZeroDivisionError]
    assert unsubscribe is not None
    unsubscribe()
    scope.dispose()


async def test_a_pull_only_flow_is_bound_through_a_task_the_scope_cancels() -> None:
    async def numbers() -> AsyncIterator[int]:
        yield 1
        yield 2
        await asyncio.Event().wait()  # then nothing, forever

    before = asyncio.all_tasks()
    scope = _Scope(None)
    seen: list[int] = []
    two = asyncio.Event()

    def write(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            two.set()

    _bind(scope, flow(numbers), write)
    (task,) = asyncio.all_tasks() - before
    await two.wait()
    scope.dispose()
    await asyncio.wait([task])
    assert task.cancelled()
    assert seen == [1, 2]


def test_clean_ups_run_in_reverse_and_late_ones_run_at_once() -> None:
    order: list[str] = []
    scope = _Scope(None)
    scope.on_dispose(lambda: order.append("first"))
    scope.on_dispose(lambda: order.append("second"))
    scope.dispose()
    scope.on_dispose(lambda: order.append("late"))
    assert order == ["second", "first", "late"]


def test_elements_and_on_dispose_need_a_render_function() -> None:
    with pytest.raises(RuntimeError, match="inside render"):
        div("x")
    with pytest.raises(RuntimeError, match="inside render"):
        on_dispose(lambda: None)


def test_tag_refuses_invalid_names() -> None:
    with pytest.raises(ValueError, match="not a valid tag name"):
        tag("x foo")


class _Collect:
    def __init__(self, into: list[BaseException]) -> None:
        self._into = into

    def on_next(self, value: BaseException) -> None:
        self._into.append(value)

    def on_error(self, exc: BaseException) -> None:
        raise AssertionError(exc)

    def on_complete(self) -> None:
        pass


async def test_a_render_function_may_return_the_task_of_a_trailing_handled_by() -> None:
    count = MutableStateFlow(0)
    scope = _Scope(None)
    _build(object(), scope, lambda: count.handled_by(lambda _: None))
    scope.dispose()


def test_an_async_render_function_is_refused_with_what_to_do_instead() -> None:
    async def page() -> None:
        return None

    with pytest.raises(TypeError, match=r"page is an async function\. Do the async work"):
        _build(object(), _Scope(None), page)
