"""Small async callables and generators the flow tests build chains from."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

__all__ = ["double", "numbers"]


async def double(x: int) -> int:
    """``x * 2`` after one suspension: an async callable in a chain."""
    await asyncio.sleep(0)
    return x * 2


async def numbers() -> AsyncIterator[int]:
    """0 ... 4, suspending before each: a cold flow's generator."""
    for i in range(5):
        await asyncio.sleep(0)
        yield i
