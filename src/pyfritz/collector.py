"""``async for`` over a flow: a :class:`_Collector` reads a per-collector buffer, or pulls.

Over a hot source it subscribes a :class:`~pyfritz.sinks._Buffer` and returns
the values that arrived meanwhile without suspending (one wake-up per batch;
in the browser that wake-up runs in a microtask, :mod:`pyfritz._wakeup`).
Over a cold flow it pulls the flow's own iterator. ``Flow.__aiter__``
(:mod:`pyfritz.operators`) makes one.

Example::

    async for value in store.data:
        print(value)
"""

from __future__ import annotations

import asyncio
from asyncio import Future
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

from ._generic import Protocol
from .sinks import _UNSET, Source, _Buffer, _loop

__all__: list[str] = []

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


if TYPE_CHECKING:  # annotations only: a Protocol costs a page ~100-200 calls to define (issue 13)

    class _Pullable(Source[T_co], Protocol[T_co]):
        """What a collector needs of a flow: :class:`~pyfritz.sinks.Source`, and how to pull."""

        def _pull(self) -> AsyncIterator[T_co]:
            """A fresh iterator over the flow, for one pulling collector."""


class _Collector(AsyncIterator[T]):
    """``async for`` over a flow: reads a :class:`_Buffer` in batches, or pulls."""

    def __init__(self, source: _Pullable[T]) -> None:
        self._source = source
        self._buffer: _Buffer[T] | None = None
        self._pulled: AsyncIterator[T] | None = None
        self._closed = False
        # The loop of the first __anext__: its waiters' loop.
        self._loop: asyncio.AbstractEventLoop | None = None

    def _start(self) -> _Buffer[T] | None:
        self._loop = _loop()
        buffer = _Buffer(self._source)
        unsub = self._source._subscribe(buffer)
        if unsub is None:
            self._pulled = self._source._pull()
            return None
        self._buffer = buffer
        if buffer.end is not _UNSET:
            unsub()
        else:
            buffer.unsub = unsub
        return buffer

    async def __anext__(self) -> T:
        if self._closed:
            raise StopAsyncIteration
        buffer = self._buffer
        if buffer is None:
            if self._pulled is None:
                buffer = self._start()
            if buffer is None:
                assert self._pulled is not None
                return await self._pulled.__anext__()
        while True:
            # Values that arrived meanwhile are returned without suspending:
            # one wake-up per batch, not per value.
            if buffer.items:
                return buffer.items.popleft()
            if buffer.end is not _UNSET:
                self._closed = True
                if buffer.end is not None:
                    raise buffer.end
                raise StopAsyncIteration
            # A plain future: in the browser, this task is woken from the
            # message's own call or a microtask (pyfritz._wakeup).
            waiter: Future[None] = Future(loop=self._loop)
            buffer.waiter = waiter
            try:
                await waiter
            except asyncio.CancelledError:
                self._close()
                raise

    def _close(self) -> None:
        self._closed = True
        buffer = self._buffer
        if buffer is not None:
            buffer.items.clear()
            buffer.release()

    async def aclose(self) -> None:
        """Stop collecting: unsubscribe now, or close the pulled iterator."""
        self._close()
        pulled, self._pulled = self._pulled, None
        if pulled is not None and hasattr(pulled, "aclose"):
            await pulled.aclose()

    def __del__(self) -> None:
        # A collector abandoned by ``break`` must not stay subscribed.
        self._close()
