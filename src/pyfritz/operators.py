"""The :class:`Flow` type: its operators, terminals and :func:`combine`.

Operators (``map``, ``filter``, ``on_each``, ``distinct``, ``take``,
``drop``) build a chain; each collector of the chain gets its own stages
(:mod:`pyfritz.sinks`). Over a hot source (:mod:`pyfritz.hot`) the chain is
pushed synchronously; over a cold flow (:func:`flow`) it is pulled, which
gives natural back-pressure. ``async for`` is :mod:`pyfritz.collector`; cold
flows are :mod:`pyfritz.cold`. See :mod:`pyfritz.flows` for the whole picture.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ._generic import Generic
from .errors import FlowError
from .reporting import report
from .sinks import (
    _UNSET,
    DEFAULT_CAPACITY,
    Sink,
    Unsubscribe,
    _awaitable,
    _DistinctStage,
    _DropStage,
    _EachStage,
    _FilterStage,
    _Latest,
    _loop,
    _MapStage,
    _name,
    _noop,
    _Stage,
    _TakeStage,
    _Terminal,
)

if TYPE_CHECKING:
    from .collector import _Collector

__all__ = ["Flow", "combine"]

T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")

# pyfritz.dom's render_flow, set when the DOM layer is imported (see Flow.render).
_render_flow: Callable[[Flow[Any], Callable[[Any], object]], None] | None = None


class Flow(Generic[T]):
    """An async stream of values with operators; iterate it with ``async for``.

    Build flows with :func:`flow_of`, :func:`flow`, :class:`MutableStateFlow`
    or :class:`MutableSharedFlow`, then chain operators. Every operator takes
    a sync or an async callable.

    Example::

        doubled = flow_of(1, 2, 3).map(lambda x: x * 2)
        assert await doubled.collect() == [2, 4, 6]
    """

    # Whether a slow collector may skip to the latest value (state flows).
    _conflated: bool = False
    # Bound of each collector's buffer.
    _capacity: int = DEFAULT_CAPACITY

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        """Push values into ``sink``; return how to stop, or ``None`` if pull-only."""
        return None

    def _pull(self) -> AsyncIterator[T]:
        """Iterate a pull-only flow; only called when ``_subscribe`` gives ``None``."""
        raise NotImplementedError

    def __aiter__(self) -> AsyncIterator[T]:
        # Imported here: a page whose collectors are all sync never loads it.
        from .collector import _Collector

        return _Collector(self)

    @overload
    def map(self, fn: Callable[[T], Awaitable[U]]) -> Flow[U]: ...

    @overload
    def map(self, fn: Callable[[T], U]) -> Flow[U]: ...

    def map(self, fn: Callable[[T], Any]) -> Flow[Any]:
        """Transform each value with ``fn`` (an awaitable result is awaited).

        Example::

            names = people.map(lambda p: p.name)
        """
        return _CallOp(self, fn, _MapStage, "map")

    def filter(self, pred: Callable[[T], object]) -> Flow[T]:
        """Keep the values for which ``pred`` is truthy (awaited if async)."""
        return _CallOp(self, pred, _FilterStage, "filter")

    def on_each(self, fn: Callable[[T], object]) -> Flow[T]:
        """Call ``fn`` for each value as a side effect and pass the value on.

        Example::

            session.messages.body.on_each(print).watch()
        """
        return _CallOp(self, fn, _EachStage, "on_each")

    def distinct(self, key: Callable[[T], object] | None = None) -> Flow[T]:
        """Drop a value equal to the one before (by ``key`` if given).

        This is fritz2's ``distinctUntilChanged``, not a set: ``1, 1, 2, 1``
        gives ``1, 2, 1``.
        """
        return _CallOp(self, key, _DistinctStage, "distinct")

    def take(self, n: int) -> Flow[T]:
        """Pass the first ``n`` values, then complete and unsubscribe.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"take(n) needs n >= 0, got {n}")
        return _TakeOp(self, n)

    def drop(self, n: int) -> Flow[T]:
        """Skip the first ``n`` values.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"drop(n) needs n >= 0, got {n}")
        return _DropOp(self, n)

    @overload
    def combine(self, other: Flow[U], fn: Callable[[T, U], Awaitable[V]]) -> Flow[V]: ...

    @overload
    def combine(self, other: Flow[U], fn: Callable[[T, U], V]) -> Flow[V]: ...

    def combine(self, other: Flow[U], fn: Callable[[T, U], Any]) -> Flow[Any]:
        """Combine each latest value of this flow and of ``other`` with ``fn``.

        Emits once both have a value, then whenever either changes (fritz2's
        and kotlinx's ``combine``); ``fn`` may be async. See :func:`combine`.

        Example::

            can_save = draft.data.combine(board.data, lambda d, b: d.title not in b.titles)
        """
        return combine(self, other).map(lambda pair: fn(*pair))

    def render(self, content: Callable[[T], object]) -> None:
        """Render ``content(value)`` in place for each value (fritz2's ``flow.render``).

        The same as :func:`pyfritz.dom.render_flow`; call it inside a render
        function, in the browser.

        Example::

            store.data.map(lambda p: p.name).render(lambda name: h1(name))
        """
        # The core never imports the DOM layer (imports go one way, and flows
        # must import on CPython): the DOM layer registers itself on import.
        if _render_flow is None:
            raise RuntimeError(
                "flow.render() works inside a render function of pyfritz.dom "
                "(import pyfritz.dom and call it from render(...))"
            )
        _render_flow(self, content)

    async def collect(self) -> list[T]:
        """Wait for the flow to complete and return all its values.

        Example::

            assert await flow_of("a", "b").collect() == ["a", "b"]
        """
        items: list[T] = []
        terminal: _Terminal[T] = _Terminal(items.append)
        if terminal.attach(self):
            await terminal.wait()
            return items
        return [item async for item in self]

    async def first(self) -> T:
        """Return the first value and stop collecting.

        Raises:
            FlowError: the flow completed without a value.
        """
        box: list[T] = []

        def take(value: T) -> None:
            box.append(value)
            terminal.on_complete()

        terminal: _Terminal[T] = _Terminal(take)
        if terminal.attach(self):
            await terminal.wait()
        else:
            async with aclosing(cast("_Collector[T]", aiter(self))) as it:
                async for value in it:
                    box.append(value)
                    break
        if not box:
            raise FlowError(f"first(): {self!r} completed without a value")
        return box[0]

    def watch(self) -> asyncio.Task[None]:
        """Collect in the background; return the task (cancel it to stop).

        On a chain of sync callables over a hot source this subscribes before
        returning, so no value emitted afterwards can be missed, and values are
        handled inside the emitter's call. A failure is passed to
        :func:`report`, never swallowed; the task itself then ends normally.

        Example::

            task = store.data.map(render_text).watch()
            ...
            task.cancel()   # unsubscribes and runs clean-up
        """
        loop = _loop()
        # Not _Terminal[T](None): subscripting a generic class at run time makes
        # an alias and sets __orig_class__ on each instance (typing's calls, issue 13).
        terminal: _Terminal[T] = _Terminal(None)
        if terminal.attach(self):
            task = loop.create_task(_await_terminal(terminal, self))
            # Also covers a task cancelled before its first step, when the
            # coroutine's own except clause never runs.
            task.add_done_callback(lambda _: terminal.cancel())
            return task
        return loop.create_task(_pull_all(self))

    def handled_by(self, handler: Callable[[T], object]) -> asyncio.Task[None]:
        """Call ``handler`` with every value in the background; ``on_each(handler).watch()``.

        A handler that returns an awaitable is awaited before the next value.

        Example::

            button.clicks.handled_by(store.birthday)
        """
        return self.on_each(handler).watch()


async def _await_terminal(terminal: _Terminal[Any], source: Flow[Any]) -> None:
    try:
        await terminal.wait()
    except Exception as exc:
        report(exc, f"while watching {source!r}")


async def _pull_all(source: Flow[Any]) -> None:
    try:
        async with aclosing(cast("_Collector[Any]", aiter(source))) as it:
            async for _ in it:
                pass
    except Exception as exc:
        report(exc, f"while watching {source!r}")


# --------------------------------------------------------------------------
# Operators.


class _Op(Flow[U]):
    """An operator over ``upstream``; push-capable whenever upstream is."""

    def __init__(self, upstream: Flow[Any]) -> None:
        self._upstream = upstream
        self._conflated = upstream._conflated
        self._capacity = upstream._capacity

    def _stage(self, down: Sink[U]) -> Any:
        raise NotImplementedError

    def _subscribe(self, sink: Sink[U]) -> Unsubscribe | None:
        stage = self._stage(sink)
        unsub = self._upstream._subscribe(stage)
        if unsub is None:
            return None
        return _Unsubscribe(unsub, stage)


class _Unsubscribe:
    """Ends a subscription through an operator: upstream's, then the stage.

    One object, where a closure and its cells were (issue 13: a keyed list's
    rows subscribe through operators)."""

    __slots__ = ("_stage", "_upstream")

    def __init__(self, upstream: Unsubscribe, stage: Any) -> None:
        self._upstream = upstream
        self._stage = stage

    def __call__(self) -> None:
        self._upstream()
        self._stage.dispose()


class _CallOp(_Op[U]):
    def __init__(
        self,
        upstream: Flow[Any],
        fn: Callable[[Any], Any] | None,
        stage: type[_Stage[Any, Any]],
        label: str,
    ) -> None:
        super().__init__(upstream)
        self._fn = fn
        self._stage_type = stage
        self._label = label

    def __repr__(self) -> str:
        fn = "" if self._fn is None else _name(self._fn)
        return f"{self._upstream!r}.{self._label}({fn})"

    def _stage(self, down: Sink[U]) -> _Stage[Any, U]:
        return self._stage_type(down, self._fn, self)

    async def _pull(self) -> AsyncIterator[U]:
        fn, kind = self._fn, self._stage_type
        last: Any = _UNSET
        async with aclosing(cast("_Collector[Any]", aiter(self._upstream))) as it:
            async for value in it:
                result = value if fn is None else fn(value)
                if _awaitable(result):
                    result = await result
                if issubclass(kind, _MapStage):
                    yield result
                elif issubclass(kind, _FilterStage):
                    if result:
                        yield value
                elif issubclass(kind, _DistinctStage):
                    if last is _UNSET or not (last is result or last == result):
                        last = result
                        yield value
                else:
                    yield value


class _TakeOp(_Op[T]):
    def __init__(self, upstream: Flow[T], n: int) -> None:
        super().__init__(upstream)
        self._n = n

    def __repr__(self) -> str:
        return f"{self._upstream!r}.take({self._n})"

    def _stage(self, down: Sink[T]) -> _TakeStage[T]:
        return _TakeStage(down, self._n)

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        if self._n == 0:
            sink.on_complete()
            return _noop
        return super()._subscribe(sink)

    async def _pull(self) -> AsyncIterator[T]:
        if self._n == 0:
            return
        count = 0
        async with aclosing(cast("_Collector[T]", aiter(self._upstream))) as it:
            async for value in it:
                yield value
                count += 1
                if count >= self._n:
                    return


class _DropOp(_TakeOp[T]):
    def __repr__(self) -> str:
        return f"{self._upstream!r}.drop({self._n})"

    def _stage(self, down: Sink[T]) -> _TakeStage[T]:
        return _DropStage(down, self._n)

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        return _Op._subscribe(self, sink)

    async def _pull(self) -> AsyncIterator[T]:
        left = self._n
        async with aclosing(cast("_Collector[T]", aiter(self._upstream))) as it:
            async for value in it:
                if left > 0:
                    left -= 1
                else:
                    yield value


class _Combined(Flow[tuple[Any, ...]]):
    """``combine(*upstreams)``: pushed when every upstream can push, else pulled."""

    def __init__(self, upstreams: tuple[Flow[Any], ...]) -> None:
        self._upstreams = upstreams
        self._conflated = all(up._conflated for up in upstreams)
        self._capacity = max(up._capacity for up in upstreams)

    def __repr__(self) -> str:
        return f"combine({', '.join(map(repr, self._upstreams))})"

    def _subscribe(self, sink: Sink[tuple[Any, ...]]) -> Unsubscribe | None:
        state = _Latest(sink, len(self._upstreams))
        for index, upstream in enumerate(self._upstreams):
            unsub = upstream._subscribe(state.input(index))
            if unsub is None:
                state.dispose()
                return None
            state.unsubs.append(unsub)
        state.start()
        return state.dispose

    async def _pull(self) -> AsyncIterator[tuple[Any, ...]]:
        # Some upstream can only be pulled: one task per upstream feeds a queue.
        queue: asyncio.Queue[tuple[int, int, Any]] = asyncio.Queue()

        async def pump(index: int, upstream: Flow[Any]) -> None:
            try:
                async with aclosing(cast("_Collector[Any]", aiter(upstream))) as it:
                    async for value in it:
                        queue.put_nowait((index, 0, value))
            except Exception as exc:
                queue.put_nowait((index, 1, exc))
            else:
                queue.put_nowait((index, 2, None))

        loop = _loop()
        tasks = [loop.create_task(pump(i, up)) for i, up in enumerate(self._upstreams)]
        latest: list[Any] = [_UNSET] * len(tasks)
        missing = open_ = len(tasks)
        try:
            while open_:
                index, kind, item = await queue.get()
                if kind == 1:
                    raise item
                if kind == 2:
                    open_ -= 1
                    if latest[index] is _UNSET:
                        return
                    continue
                if latest[index] is _UNSET:
                    missing -= 1
                latest[index] = item
                if not missing:
                    yield tuple(latest)
        finally:
            for task in tasks:
                task.cancel()


@overload
def combine(first: Flow[T], second: Flow[U], /) -> Flow[tuple[T, U]]: ...


@overload
def combine(first: Flow[T], second: Flow[U], third: Flow[V], /) -> Flow[tuple[T, U, V]]: ...


@overload
def combine(*flows: Flow[Any]) -> Flow[tuple[Any, ...]]: ...


def combine(*flows: Flow[Any]) -> Flow[tuple[Any, ...]]:
    """The latest value of each flow, as a tuple, whenever one of them changes.

    Emits nothing until every flow has a value. Over hot flows (stores, state
    and shared flows, DOM events) it is pushed synchronously like the other
    operators, and subscribing to several state flows gives one first tuple,
    not one per flow. It completes when every flow has completed (at once if
    one completes without a value) and fails with the first error.

    Raises:
        TypeError: fewer than two flows, or something that is not a flow.

    Example::

        summary = combine(name.data, age.data).map(lambda pair: f"{pair[0]} is {pair[1]}")
    """
    if len(flows) < 2:
        raise TypeError(f"combine() needs at least two flows, got {len(flows)}")
    for position, candidate in enumerate(flows, 1):
        if not isinstance(candidate, Flow):
            raise TypeError(
                f"combine(): argument {position} is a {type(candidate).__name__}, not a Flow"
                " (pass store.data rather than the store)"
            )
    return _Combined(flows)
