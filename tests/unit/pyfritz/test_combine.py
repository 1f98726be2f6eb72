"""Tests of combine(): the latest value of several flows, pushed like the other operators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fakes.loop import settle

from pyfritz import operators
from pyfritz.errors import FlowError
from pyfritz.flows import MutableSharedFlow, MutableStateFlow, combine, flow, flow_of
from pyfritz.store import RootStore


async def test_state_flows_give_one_first_tuple_then_one_per_change() -> None:
    name, age = MutableStateFlow("Ann"), MutableStateFlow(3)
    seen: list[tuple[str, int]] = []
    task = combine(name, age).on_each(seen.append).watch()
    name.value = "Bo"
    age.value = 4
    task.cancel()
    assert seen == [("Ann", 3), ("Bo", 3), ("Bo", 4)]


async def test_nothing_is_emitted_until_every_flow_has_a_value() -> None:
    clicks: MutableSharedFlow[int] = MutableSharedFlow()
    state = MutableStateFlow("a")
    seen: list[tuple[str, int]] = []
    task = combine(state, clicks).on_each(seen.append).watch()
    state.value = "b"
    assert seen == []
    clicks.emit_nowait(1)
    state.value = "c"
    task.cancel()
    assert seen == [("b", 1), ("c", 1)]


async def test_the_push_path_runs_inside_the_emit() -> None:
    left, right = MutableStateFlow(1), MutableStateFlow(10)
    seen: list[int] = []
    task = left.combine(right, lambda a, b: a + b).on_each(seen.append).watch()
    left.value = 2  # no await: delivered synchronously
    assert seen == [11, 12]
    task.cancel()


async def test_flow_combine_accepts_an_async_function() -> None:
    async def add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    total = await flow_of(1, 2).combine(flow_of(10), add).collect()
    assert total == [12]


async def test_it_completes_when_every_flow_has_completed() -> None:
    assert await combine(flow_of(1, 2), flow_of("x")).collect() == [(2, "x")]


async def test_a_flow_that_completes_empty_completes_the_combination() -> None:
    assert await combine(MutableStateFlow(1), flow_of()).collect() == []


async def test_cold_flows_are_pulled_and_combined_by_arrival() -> None:
    gate = asyncio.Event()

    async def slow() -> AsyncIterator[str]:
        await gate.wait()
        yield "late"

    state = MutableStateFlow(1)
    result = asyncio.ensure_future(combine(state, flow(slow)).first())
    await asyncio.sleep(0)
    assert not result.done()
    gate.set()
    assert await result == (1, "late")


async def test_the_first_error_ends_it_and_unsubscribes_the_others() -> None:
    failing: MutableSharedFlow[int] = MutableSharedFlow()
    state = MutableStateFlow(0)
    collected = asyncio.ensure_future(combine(state, failing).collect())
    await asyncio.sleep(0)
    assert state.subscriber_count == 1
    failing.close(FlowError("broken"))
    with pytest.raises(FlowError, match="broken"):
        await collected
    assert state.subscriber_count == 0


async def test_cancelling_the_collector_unsubscribes_every_flow() -> None:
    a, b = MutableStateFlow(0), MutableStateFlow(0)
    task = combine(a, b).watch()
    assert (a.subscriber_count, b.subscriber_count) == (1, 1)
    task.cancel()
    await settle(lambda: a.subscriber_count + b.subscriber_count == 0)
    assert (a.subscriber_count, b.subscriber_count) == (0, 0)


async def test_stores_combine_through_their_data() -> None:
    draft, board = RootStore("milk"), RootStore(("milk", "tea"))
    duplicate = draft.data.combine(board.data, lambda title, titles: title in titles)
    seen: list[bool] = []
    task = duplicate.on_each(seen.append).watch()
    board.update(("tea",))  # a remote change to the board re-validates the draft
    task.cancel()
    assert seen == [True, False]


def test_misuse_says_what_to_pass_instead() -> None:
    with pytest.raises(TypeError, match="at least two flows"):
        combine(flow_of(1))
    with pytest.raises(TypeError, match=r"argument 2 is a RootStore.*store\.data"):
        combine(flow_of(1), RootStore(1))  # type: ignore[call-overload]


def test_flow_render_outside_the_dom_layer_says_where_it_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(operators, "_render_flow", None)
    with pytest.raises(RuntimeError, match="inside a render function"):
        flow_of(1).render(print)
