"""Cold flows: :func:`flow_of` (fixed values) and :func:`flow` (an async generator per collector).

Each collector gets the values anew; :func:`flow` is pulled, so a slow
collector slows the generator down instead of overflowing a buffer.
:mod:`pyfritz.flows` (and the package) re-export both.

Example::

    assert await flow_of(1, 2, 3).map(lambda x: x * 2).collect() == [2, 4, 6]
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from .operators import Flow
from .sinks import DEFAULT_CAPACITY, Sink, Unsubscribe, _name, _noop

__all__ = ["flow", "flow_of"]

T = TypeVar("T")


class _ColdFlow(Flow[T]):
    def __init__(self, gen_fn: Callable[[], AsyncIterator[T]]) -> None:
        self._gen_fn = gen_fn

    def __repr__(self) -> str:
        return f"flow({_name(self._gen_fn)})"

    def _pull(self) -> AsyncIterator[T]:
        return aiter(self._gen_fn())


class _ValuesFlow(Flow[T]):
    def __init__(self, values: tuple[T, ...]) -> None:
        self._values = values
        # A collector may receive all values at once, before it runs.
        self._capacity = max(DEFAULT_CAPACITY, len(values))

    def __repr__(self) -> str:
        return f"flow_of(<{len(self._values)} values>)"

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        for value in self._values:
            sink.on_next(value)
        sink.on_complete()
        return _noop


def flow_of(*values: T) -> Flow[T]:
    """A flow that emits ``values`` in order to each collector, then completes.

    Example::

        assert await flow_of(1, 2, 3).filter(lambda x: x > 1).collect() == [2, 3]
    """
    return _ValuesFlow(values)


def flow(gen_fn: Callable[[], AsyncIterator[T]]) -> Flow[T]:
    """A cold flow: each collector runs ``gen_fn()`` (an async generator) anew.

    Cold flows are pulled, so a slow collector slows the generator down
    instead of overflowing a buffer.

    Example::

        async def countdown():
            for i in (3, 2, 1):
                yield i

        assert await flow(countdown).collect() == [3, 2, 1]
    """
    return _ColdFlow(gen_fn)
