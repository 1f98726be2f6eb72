"""Driving the asyncio loop in tests: turns of the loop, never wall-clock time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["settle"]


async def settle(until: Callable[[], bool] = lambda: False, rounds: int = 50) -> None:
    """Let the loop run until ``until()`` holds (or a bounded number of rounds)."""
    for _ in range(rounds):
        if until():
            return
        await asyncio.sleep(0)
