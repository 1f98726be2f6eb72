"""Tests of pyfritz.history: undo/redo over a store's values."""

from __future__ import annotations

import asyncio

import pytest

from pyfritz.history import history
from pyfritz.store import RootStore, handler


class Text(RootStore[str]):
    def __init__(self) -> None:
        super().__init__("")
        self.gate = asyncio.Event()

    @handler
    async def slow_append(self, text: str, suffix: str) -> str:
        await self.gate.wait()
        return text + suffix


async def test_back_and_forward_walk_the_values_the_store_had() -> None:
    store = Text()
    edits = history(store)
    for value in ("a", "ab", "abc"):
        store.update(value)
    edits.back()
    assert store.current == "ab"
    edits.back()
    assert store.current == "a"
    edits.forward()
    assert store.current == "ab"
    edits.forward()
    assert store.current == "abc"
    edits.forward()  # nothing to redo: no change
    assert store.current == "abc"


async def test_can_back_and_can_forward_follow_the_stacks() -> None:
    store = Text()
    edits = history(store)
    seen: list[tuple[bool, bool]] = []
    assert (edits.can_back.value, edits.can_forward.value) == (False, False)
    store.update("a")
    seen.append((edits.can_back.value, edits.can_forward.value))
    edits.back()
    seen.append((edits.can_back.value, edits.can_forward.value))
    edits.forward()
    seen.append((edits.can_back.value, edits.can_forward.value))
    assert seen == [(True, False), (False, True), (True, False)]


async def test_a_new_change_after_an_undo_clears_the_redo_list() -> None:
    store = Text()
    edits = history(store)
    store.update("a")
    store.update("ab")
    edits.back()
    store.update("ax")
    assert edits.can_forward.value is False
    edits.back()
    assert store.current == "a"


async def test_the_limit_forgets_the_oldest_values() -> None:
    store = Text()
    edits = history(store, limit=2)
    for value in ("a", "b", "c", "d"):
        store.update(value)
    assert edits.past == ["b", "c"]
    edits.back()
    edits.back()
    edits.back()  # the third is forgotten: nothing happens
    assert store.current == "b"


async def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        history(Text(), limit=0)


async def test_an_undo_queued_behind_an_async_handler_is_still_recognised() -> None:
    store = Text()
    edits = history(store)
    store.update("a")
    store.slow_append("!")  # runs in the queue; the undo waits behind it
    edits.back()
    store.gate.set()
    await store.settled()
    # The slow append landed first ("a!"), then the undo wrote "": "a!" is
    # a value the store had, so one more back() reaches it.
    assert store.current == ""
    edits.back()
    assert store.current == "a!"


async def test_remote_changes_are_recorded_like_local_ones() -> None:
    store = Text()
    edits = history(store)
    store.update("from the server")  # as sync_with writes a server's state
    edits.back()
    assert store.current == ""


async def test_stop_ends_the_recording() -> None:
    store = Text()
    edits = history(store)
    edits.stop()
    await asyncio.sleep(0)
    store.update("a")
    assert edits.can_back.value is False
