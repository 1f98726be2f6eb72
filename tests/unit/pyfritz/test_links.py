"""Unit tests of pyfritz.links: what a reconnecting session builds on."""

from __future__ import annotations

import asyncio

from fakes.loop import settle

from pyfritz.links import Clock


async def test_the_event_loop_is_a_clock() -> None:
    clock: Clock = asyncio.get_running_loop()  # also checked by mypy
    fired: list[bool] = []
    clock.call_later(0.0, lambda: fired.append(True))
    clock.call_later(0.0, lambda: fired.append(False)).cancel()
    await settle(lambda: bool(fired))
    assert fired == [True] and clock.time() > 0
