"""Tests of pyfritz._mount's browser-free parts: scopes and flow bindings.

The DOM itself is exercised in real Chromium by tests/e2e/test_dom.py.
"""

from __future__ import annotations

import asyncio
import gc
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fakes import fake_dom
from fakes.fake_dom import FakeDocument, FakeNode
from hypothesis import given
from hypothesis import strategies as st

from pyfritz import flows
from pyfritz._element import _LETTERS, _NAME_START_SAFE, _is_name
from pyfritz._mount import _bind, _build, _Scope, live_bindings, live_scopes, on_dispose
from pyfritz.dom import div, li, render, render_each, tag, ul
from pyfritz.flows import MutableStateFlow, flow
from pyfritz.store import RootStore, SubStore


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


_NAMES = st.text(alphabet="aZ_9.-: é\n") | st.sampled_from(["", "a", "_", "x-1", "1x", "a\n"])


@given(_NAMES)
def test_names_are_checked_as_the_tag_and_attribute_patterns(name: str) -> None:
    # dom checks names without `re` (no pattern compiled at start): the same
    # answers as the patterns it replaced.
    assert _is_name(name, _LETTERS) == bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", name))
    assert _is_name(name, _NAME_START_SAFE) == bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name))


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


# --- render_each on a fake DOM ------------------------------------------------


def keyed_rows(document: FakeDocument) -> list[FakeNode]:
    (listing,) = document.app.children
    return [node for node in listing.children if "data-key" in node.attributes]


def test_a_first_render_inserts_every_row_in_one_dom_call(monkeypatch: pytest.MonkeyPatch) -> None:
    document = fake_dom.install(monkeypatch)
    items = MutableStateFlow([(f"k{i}", f"row {i}") for i in range(3)])
    mount = render(
        "#app",
        lambda: ul_each(items),
    )
    assert document.insert_calls == 1
    assert [node.textContent for node in keyed_rows(document)] == ["row 0", "row 1", "row 2"]
    before = keyed_rows(document)
    items.value = [*items.value, ("k3", "row 3")]
    assert keyed_rows(document)[:3] == before  # the very same nodes
    assert document.insert_calls == 2
    mount.unmount()


def ul_each(items: MutableStateFlow[list[tuple[str, str]]]) -> None:
    with ul():
        render_each(items, id=lambda pair: pair[0], item=lambda pair: li(pair[1], data_key=pair[0]))


KEY_ORDERS = st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=8)


@given(st.lists(KEY_ORDERS, min_size=1, max_size=5), st.sets(st.sampled_from("abcdefgh")))
def test_render_each_shows_every_list_in_order_and_keeps_unchanged_rows(
    orders: list[list[str]], changed: set[str]
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        document = fake_dom.install(monkeypatch)
        values = {key: (key, key) for key in "abcdefgh"}  # the same objects each time
        items = MutableStateFlow([values[key] for key in "abc"])
        mount = render("#app", lambda: ul_each(items))
        for order in orders:
            shown = {node.attributes["data-key"]: node for node in keyed_rows(document)}
            for key in changed & set(order):
                values[key] = (key, key + "*")  # a new value: its row is rebuilt
            items.value = [values[key] for key in order]
            rows = keyed_rows(document)
            assert [node.attributes["data-key"] for node in rows] == order
            assert [node.textContent for node in rows] == [values[key][1] for key in order]
            for node in rows:
                key = node.attributes["data-key"]
                if key in shown and key not in changed:
                    assert node is shown[key]
            changed = set()
        mount.unmount()
        assert document.app.children == []


def test_store_rows_hear_only_of_their_own_element(monkeypatch: pytest.MonkeyPatch) -> None:
    document = fake_dom.install(monkeypatch)
    store = RootStore(tuple((f"k{i}", f"row {i}") for i in range(4)))
    built: list[str] = []

    def row(pair: SubStore[tuple[str, str]]) -> None:
        built.append(pair.current[0])
        li(pair.data.map(lambda p: p[1]), data_key=pair.current[0])

    mount = render("#app", lambda: each_store(store, row))
    texts = lambda: [node.children[0].data for node in keyed_rows(document)]  # noqa: E731
    assert texts() == ["row 0", "row 1", "row 2", "row 3"]
    store.update((*store.current, ("k4", "row 4")))
    store.update(tuple((k, "two") if k == "k2" else (k, t) for k, t in store.current))
    store.update(store.current[1:])
    assert texts() == ["row 1", "two", "row 3", "row 4"]
    assert built == ["k0", "k1", "k2", "k3", "k4"]  # no row rebuilt
    mount.unmount()
    assert store.data.subscriber_count == 0


def test_a_row_added_to_a_keyed_store_list_keeps_few_objects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An add's objects decide how often Python's collector runs (issue 13):
    # a row keeps its scope, sub-store, lens, flow and binding, no closures.
    # 48 objects per add on CPython 3.11 before (62 in the browser's 3.14).
    fake_dom.install(monkeypatch)
    store = RootStore(tuple((f"k{i}", f"row {i}") for i in range(50)))
    mount = render(
        "#app", lambda: each_store(store, lambda pair: li(pair.data.map(lambda p: p[1])))
    )
    store.update((*store.current, ("w", "warm")))
    gc.collect()
    before = {id(thing) for thing in gc.get_objects()}
    store.update((*store.current, ("x", "new")))
    gc.collect()
    kept = [thing for thing in gc.get_objects() if id(thing) not in before]
    assert len(kept) <= 26, Counter(type(thing).__qualname__ for thing in kept)
    assert not [thing for thing in kept if type(thing).__name__ == "cell"]
    mount.unmount()


def each_store(store: RootStore[Any], row: Callable[[Any], None]) -> None:
    with ul():
        render_each(store, id=lambda pair: pair[0], item=row)


def test_a_row_that_fails_is_reported_and_shown_as_a_comment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    document = fake_dom.install(monkeypatch)
    scopes = live_scopes()
    reported: list[BaseException] = []
    unsubscribe = flows.errors._subscribe(_Collect(reported))
    items = MutableStateFlow(["a", "bad", "c"])

    def row(key: str) -> None:
        if key == "bad":
            with li(data_key=key):
                raise KeyError(key)  # inside an open `with`: the parents are restored
        li(key, data_key=key)

    mount = render("#app", lambda: each_plain(items, row))
    items.value = ["a", "bad", "c", "d"]
    (listing,) = document.app.children
    assert [node.tagName for node in listing.children] == ["LI", "#COMMENT", "LI", "LI", "#COMMENT"]
    assert [type(exc) for exc in reported] == [KeyError]
    assert unsubscribe is not None
    unsubscribe()
    mount.unmount()
    assert live_scopes() == scopes


def each_plain(items: MutableStateFlow[list[str]], row: Callable[[str], None]) -> None:
    with ul():
        render_each(items, id=str, item=row)
