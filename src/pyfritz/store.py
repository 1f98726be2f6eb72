"""Stores: a state flow plus a queue of update functions (fritz2's ``Store``).

A :class:`RootStore` holds the current value in a state flow (``data``) and
changes it only through handlers: functions from the current value (and an
optional action) to the next one, sync or async. Handlers are applied one at
a time, in the order they were called; a handler that raises is reported
(``store.errors``, the console, ``pyfritz.flows.errors``) and leaves the value
as it was.

The queue that applies them is :mod:`pyfritz.update_queue` (why a sync
update on an idle store needs no task is said there); handlers are
:mod:`pyfritz.handlers` (``Handler``, ``HandlerMethod`` and ``handler`` are
re-exported here).

A :class:`SubStore` focuses on a part of its root through a
:class:`~pyfritz.lenses.Lens`; it has the same API, its ``data`` emits only
when its part changes, and its writes go through the root's queue, so a write
through any sub-store is atomic with respect to every other update.

Example::

    @dataclass(frozen=True)
    class Person:
        name: str
        age: int

    class PersonStore(RootStore[Person]):
        @handler
        def birthday(self, person: Person) -> Person:
            return replace(person, age=person.age + 1)

    store = PersonStore(Person("Ann", 3))
    store.birthday()            # applied at once: store.current.age == 4
    name = store.sub("name")
    name.update("Bo")           # store.current == Person("Bo", 4)
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

from ._generic import Generic, Protocol
from ._parts import MISSING, PartFlow, Routes, Upstream
from .errors import LensError
from .handlers import (
    Handler,
    HandlerMethod,
    _name_of,
    _replace,
    _takes_action,
    handler,
)
from .hot import SharedFlow, StateFlow
from .lenses import Lens, _ById, by_id, field_lens
from .operators import Flow
from .sinks import Sink, Unsubscribe, _awaitable
from .update_queue import UpdateQueue

if TYPE_CHECKING:  # resource does not import store: no cycle, and no import cost here
    from .handlers import Result, UpdateFn
    from .messages import Message
    from .resource import Resource

__all__ = ["Handler", "HandlerMethod", "RootStore", "Store", "SubStore", "SyncHandle", "handler"]

T = TypeVar("T")
P = TypeVar("P")
E = TypeVar("E")
Action = TypeVar("Action")


class Store(Generic[T]):
    """What every store offers: ``data``, ``current``, ``update``, handlers and sub-stores.

    Not made directly: see :class:`RootStore` and :class:`SubStore`. Functions
    that work with any store (bindings, ``sync_with``) take a ``Store[T]``.
    """

    # The root whose queue applies this store's updates, and the lens from the
    # root's value to this store's value (None on the root itself).
    _root: RootStore[Any]
    _lens: Lens[Any, T] | None
    # The routes of this store's list to its elements' sub-stores, by id
    # function; made while one of them is collected (see _parts.Routes).
    _element_routes: dict[Callable[[Any], object], Routes] | None = None

    @property
    def data(self) -> Flow[T]:
        """The value as a flow: the current value at once, then every change."""
        raise NotImplementedError

    @property
    def current(self) -> T:
        """The value now.

        Raises:
            LensError: (sub-stores) the part no longer exists, e.g. its list
                element was removed.
        """
        raise NotImplementedError

    @property
    def update(self) -> Handler[T, T]:
        """The handler that replaces the value with its action.

        Example::

            store.update(Person("Bo", 4))
            input_.changes.values().handled_by(name_store.update)
        """
        raise NotImplementedError

    @property
    def errors(self) -> SharedFlow[Exception]:
        """The exceptions raised by the handlers of this store's root and its sub-stores.

        Each is also passed to :func:`pyfritz.flows.report` (console and
        ``flows.errors``).

        Example::

            store.errors.handled_by(lambda exc: banner.update(str(exc)))
        """
        return self._root._errors

    @overload
    def handle(self, fn: Callable[[T], Awaitable[T]], /) -> Handler[T, object]: ...
    @overload
    def handle(self, fn: Callable[[T], T], /) -> Handler[T, object]: ...
    @overload
    def handle(self, fn: Callable[[T, Action], Awaitable[T]], /) -> Handler[T, Action]: ...
    @overload
    def handle(self, fn: Callable[[T, Action], T], /) -> Handler[T, Action]: ...

    def handle(self, fn: Callable[..., Result[T]], /) -> Handler[T, Any]:
        """Make an ad-hoc handler from ``fn(value)`` or ``fn(value, action)``.

        ``fn`` returns the next value, or is async and returns it when done.

        Example::

            clear = store.handle(lambda person: replace(person, name=""))
            rename = store.handle(lambda person, name: replace(person, name=name))
            button.clicks.handled_by(clear)
            rename("Bo")
        """
        if _takes_action(fn):
            return Handler(self, fn, name=_name_of(fn))
        one_arg = cast("Callable[[T], Result[T]]", fn)
        return Handler(self, lambda value, _action: one_arg(value), name=_name_of(fn))

    @overload
    def sub(self, part: str, /) -> SubStore[Any]: ...
    @overload
    def sub(self, part: Lens[T, P], /) -> SubStore[P]: ...

    def sub(self, part: str | Lens[T, Any], /) -> SubStore[Any]:
        """Return a store for a part of this one: a field name or a :class:`Lens`.

        A name works on dataclasses (frozen or not) and dicts. Sub-stores
        compose: ``store.sub("address").sub("city")``.

        Raises:
            LensError: ``part`` names a field the current dataclass value
                does not have (caught here rather than on first use).

        Example::

            city = store.sub("address").sub("city")
            city.update("Rome")   # store.current.address.city == "Rome"
        """
        if isinstance(part, str):
            lens: Lens[Any, Any] = field_lens(part)
            try:
                value: object = self.current
            except LensError:
                value = None
            if dataclasses.is_dataclass(value):
                lens.get(value)  # a typo fails now, not at the first update
        else:
            lens = part
        if self._lens is None:
            return SubStore(self._root, lens)
        return SubStore(self._root, self._lens.then(lens), parent=self, part=lens)

    @overload
    def sub_by_id(
        self: Store[list[E]], id_fn: Callable[[E], object], id_value: object, /
    ) -> SubStore[E]: ...
    @overload
    def sub_by_id(
        self: Store[tuple[E, ...]], id_fn: Callable[[E], object], id_value: object, /
    ) -> SubStore[E]: ...

    def sub_by_id(self, id_fn: Callable[[Any], object], id_value: object, /) -> SubStore[Any]:
        """Return a store for the list element whose ``id_fn(element) == id_value``.

        It follows the element when the list is reordered. Once the element
        is removed, its ``data`` stops emitting, ``current`` raises
        :class:`~pyfritz.errors.LensError`, and a write through it is a
        reported handler error that changes nothing.

        Example::

            todo = todos_store.sub_by_id(lambda t: t.id, "t1")
            todo.sub("done").update(True)
        """
        return self._element(id_fn, id_value, None)

    def _element(
        self, id_fn: Callable[[Any], object], id_value: object, index: int | None
    ) -> SubStore[Any]:
        """``sub_by_id``, looking at ``index`` first (a row of ``render_each`` knows it)."""
        lens = by_id(id_fn, id_value)
        if index is not None and isinstance(lens, _ById):
            lens.seek(index)
        return self.sub(cast("Lens[T, Any]", lens))

    async def settled(self) -> T:
        """Wait until the root has no update queued or running, then return the value.

        For tests and for code that must see the effect of async handlers.

        Example::

            store.slow_handler()
            store.update(3)
            assert await store.settled() == 3
        """
        root = self._root
        while root._task is not None:
            await asyncio.wait((root._task,))
        return self.current

    # -- internals used by Handler ------------------------------------------

    def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]:
        """Return ``fn`` as a function on the root's value."""
        raise NotImplementedError

    def _focus(self, root_value: Any) -> T:
        """Return this store's part of a root value."""
        raise NotImplementedError


class SyncHandle(Protocol):
    """A running sync as the store knows it; :class:`pyfritz.sync.Sync` is one.

    The store depends on this protocol only, never on :mod:`pyfritz.sync`:
    sync builds on stores, and installs the implementation of
    :meth:`RootStore.sync_with` when it is imported (``import pyfritz`` does).
    """

    @property
    def status(self) -> StateFlow[Any]:
        """What the sync is doing now (``connecting``, ``synced``, ...)."""
        ...

    @property
    def errors(self) -> SharedFlow[Exception]:
        """Refused changes, bad frames and undecodable values."""
        ...

    @property
    def messages(self) -> StateFlow[tuple[Message, ...]]:
        """What the resource's validator (or the server) says about the last change."""
        ...

    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called."""
        ...

    def stop(self) -> None:
        """Stop syncing."""
        ...


#: What ``RootStore.sync_with`` calls: ``pyfritz.sync.sync_with``, set by that
#: module when it is imported (see :class:`SyncHandle`).
_sync_with: Callable[..., SyncHandle] | None = None


class RootStore(UpdateQueue[T], Store[T]):
    """A store that owns its value: a state flow and the queue that updates it.

    Args:
        initial: the first value.

    Example::

        class Counter(RootStore[int]):
            @handler
            def increment(self, count: int) -> int:
                return count + 1

        counter = Counter(0)
        counter.increment()
        counter.current   # 1
        counter.update(10)
        await counter.settled()
    """

    def __init__(self, initial: T) -> None:
        super().__init__(initial)
        self._root = self
        self._lens = None
        self._update: Handler[T, T] = Handler(self, _replace, name="update")

    @property
    def data(self) -> StateFlow[T]:
        """The value as a state flow: the current value at once, then every change."""
        return self._state

    @property
    def current(self) -> T:
        """The value now."""
        return self._state.value

    @property
    def update(self) -> Handler[T, T]:
        """The handler that replaces the value with its action."""
        return self._update

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state.value!r}>"

    def sync_with(
        self,
        socket: Any,
        resource: Resource[T],
        *,
        mode: Literal["revisions", "plain"] = "revisions",
        reconnect: object = True,
    ) -> SyncHandle:
        """Keep this store in sync with the server behind ``socket``; see :mod:`pyfritz.sync`.

        Needs no running event loop, so it may be called from ``__init__``.
        Reconnects by itself unless ``reconnect=False`` (a
        :class:`~pyfritz.reconnect.Reconnect` sets the policy).
        Returns the :class:`~pyfritz.sync.Sync`: ``status``, ``errors``, ``stop()``.
        ``socket`` is a :class:`~pyfritz.sync.SyncSocket` (a ``websocket(url)``);
        the arguments are checked by :func:`pyfritz.sync.sync_with`.

        Raises:
            RuntimeError: :mod:`pyfritz.sync` was never imported (``import
                pyfritz`` imports it).

        Example::

            class PersonStore(RootStore[Person]):
                def __init__(self) -> None:
                    super().__init__(person_resource.empty)
                    self.sync = self.sync_with(socket, person_resource)
        """
        if _sync_with is None:
            raise RuntimeError(
                "sync_with needs pyfritz.sync: import pyfritz (or pyfritz.sync) first"
            )
        return _sync_with(self, socket, resource, mode=mode, reconnect=reconnect)

    def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]:
        return fn

    def _focus(self, root_value: Any) -> T:
        return cast("T", root_value)


class SubStore(Store[T]):
    """A store for a part of a root store's value, seen through a lens.

    Made by :meth:`Store.sub` and :meth:`Store.sub_by_id`. Its ``data`` emits
    only when its part changes; its handlers run on the root's queue and
    write the whole root value at once.

    Example::

        city = store.sub("address").sub("city")
        city.data.on_each(print).watch()
        city.update("Rome")
    """

    def __init__(
        self,
        root: RootStore[Any],
        lens: Lens[Any, T],
        *,
        parent: Store[Any] | None = None,
        part: Lens[Any, T] | None = None,
    ) -> None:
        """``lens`` goes from the root's value to the part; a sub-store of a
        sub-store also gives its ``parent`` and the ``part`` lens from the
        parent's value, so that its ``data`` follows the parent's: a change
        elsewhere in the root (another field, another row) never reaches it.
        """
        self._root = root
        self._lens = self._part = lens
        self.path = lens.path
        # What ``data`` follows: the root, or the parent, through ``_local``.
        self._owner: Store[Any] = root if parent is None or part is None else parent
        self._local = lens if parent is None or part is None else part
        # Made on first use: a keyed list makes a sub-store per row, and many
        # rows never write (``update``) or are only read once (``data``).
        self._data: Flow[T] | None = None
        self._update_handler: Handler[T, T] | None = None

    @property
    def data(self) -> Flow[T]:
        """The part as a flow: the current part at once, then every change of it."""
        data = self._data
        if data is None:
            local = self._local
            upstream: Upstream = self._owner.data
            if isinstance(local, _ById) and _hashable(local.id_value):
                # A list element: hear of the list's changes to it only.
                upstream = _Route(self._owner, local.id_fn, local.id_value)
            data = self._data = cast("Flow[T]", PartFlow(upstream, self._part_or_missing))
        return data

    @property
    def current(self) -> T:
        """The part now (raises LensError if it no longer exists)."""
        return self._part.get(self._root.current)

    @property
    def update(self) -> Handler[T, T]:
        """The handler that replaces the part with its action."""
        handler = self._update_handler
        if handler is None:
            handler = self._update_handler = Handler(self, _replace, name="update")
        return handler

    def __repr__(self) -> str:
        return f"<SubStore {self.path!r} of {self._root!r}>"

    def _part_or_missing(self, value: Any) -> object:
        # ``value`` is what ``data`` follows: the root's, or the parent's part.
        try:
            return self._local.get(value)
        except LensError:
            return MISSING  # e.g. a list element that was removed: skip, don't fail

    def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]:
        lens = self._part

        def on_root(root_value: Any, action: Any) -> Result[Any]:
            part = lens.get(root_value)
            result = fn(part, action)
            if _awaitable(result):
                return _set_when_done(lens, root_value, result)
            if result is part:
                return root_value  # nothing changed: don't rebuild the parents
            return lens.set(root_value, result)

        return on_root

    def _focus(self, root_value: Any) -> T:
        return self._part.get(root_value)


async def _set_when_done(lens: Lens[Any, T], root_value: Any, pending: Awaitable[T]) -> Any:
    # Nothing else is applied while this job awaits, so root_value is still current.
    return lens.set(root_value, await pending)


class _Route:
    """One element's way into the :class:`~pyfritz._parts.Routes` of its list store."""

    __slots__ = ("_id_fn", "_key", "_store")

    def __init__(self, store: Store[Any], id_fn: Callable[[Any], object], key: Hashable) -> None:
        self._store = store
        self._id_fn = id_fn
        self._key = key

    def _subscribe(self, sink: Sink[Any]) -> Unsubscribe:
        store, id_fn = self._store, self._id_fn
        routes = store._element_routes
        if routes is None:
            routes = store._element_routes = {}
        route = routes.get(id_fn)
        if route is None:
            data = store.data
            if not isinstance(data, StateFlow):
                raise TypeError(f"a sub-store needs a hot source, not {data!r}")

            def forget() -> None:
                if routes.get(id_fn) is route:
                    del routes[id_fn]

            route = routes[id_fn] = Routes(data, id_fn, forget)
        return route.subscribe(self._key, sink)


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
